/* options.h - the options of the codegen-fs command: one table.
 *
 * Every option is one row of the table in options.c, and everything about
 * it comes from that row: its two spellings (--list-window=N on the
 * command line, -o list_window=N as a mount option, which is what fstab
 * and mount -t fuse.codegen-fs pass), its range check, its default, and
 * its line of --help.  docs/codegen-fs.1.scd states the same defaults;
 * tests/man/test_man_page.py checks that the two agree.
 *
 * Also here: the command's arguments (MOUNTPOINT, or SOURCE MOUNTPOINT as
 * mount.fuse3 passes them), and the check that what libfuse is left with
 * is valid, so that a bad command line fails before any request.
 */
#ifndef CGFS_OPTIONS_H
#define CGFS_OPTIONS_H

#include <fuse_lowlevel.h>

#include "fs.h"

/* The rows of the table, in the order --help lists them. */
enum cgfs_option_id {
	CGFS_OPT_TOKEN_FILE,
	CGFS_OPT_BASE_URL,
	CGFS_OPT_CA_FILE,
	CGFS_OPT_LIST_WINDOW,
	CGFS_OPT_RUN_TTL,
	CGFS_OPT_LOGS_TTL,
	CGFS_OPT_LIST_TTL,
	CGFS_OPT_META_TTL,
	CGFS_OPT_MISSING_TTL,
	CGFS_OPT_DEADLINE,
	CGFS_OPT_RATE_TIME_SCALE,
	CGFS_OPT_CACHE_MB,
	CGFS_OPT_CACHE_DIR,
	CGFS_OPT_STATE_DIR,
	CGFS_OPT_KEEP_RECEIPTS,
	CGFS_OPT_DEBUG_API,
	/* libfuse's, checked and stated here, then handed on to libfuse */
	CGFS_OPT_ALLOW_OTHER,
	CGFS_OPT_MAX_THREADS,
	CGFS_OPT_COUNT
};

struct cgfs_options {
	char *text[CGFS_OPT_COUNT];     /* as last written, or NULL; "" for a flag given */
	double number[CGFS_OPT_COUNT];  /* numeric rows: the value, else the default */
	char *source;                   /* SOURCE of "SOURCE MOUNTPOINT", or NULL */
	char *mountpoint;               /* as written, or NULL */
	unsigned char as_mount_option[CGFS_OPT_COUNT]; /* last given as -o (for messages) */
};

/* Parse the command line args (argv as given, argv[0] first): the table's
 * options, in either spelling, are taken out of args into o (libfuse's
 * rows stay in args too), and so are the one or two plain arguments;
 * libfuse's defaults of the table (max_threads) and the mount's fsname and
 * type (fuse.codegen-fs) are put in front, so that the user's own -o
 * fsname= still wins.  Every number is checked whole and against its
 * range.  Returns 0, or -1 after printing the reason to stderr (a usage
 * error: exit status 2).  o starts zeroed; free it with
 * cgfs_options_free() either way. */
int cgfs_options_parse(struct fuse_args *args, struct cgfs_options *o);

/* After fuse_parse_cmdline(): whether libfuse accepts what is left of args
 * (an unknown -o option, a stray --option), found out with a session that
 * is made and dropped, before any request.  0, or -1 after libfuse has
 * printed the reason (exit status 2). */
int cgfs_options_check_fuse(struct fuse_args *args);

/* The mount's settings from checked options. */
void cgfs_options_config(const struct cgfs_options *o, struct cgfs_config *cfg);

/* The disk cache's and the spool's base directory: the option when given,
 * else the XDG default (disk.h, spool.h); malloc'd, or NULL (no home). */
char *cgfs_options_cache_dir(const struct cgfs_options *o);
char *cgfs_options_state_dir(const struct cgfs_options *o);

/* --help: usage, the table, the -o forms, libfuse's flags, the environment. */
void cgfs_options_usage(const char *prog);

void cgfs_options_free(struct cgfs_options *o);

#endif
