/* test_options.c - unit tests of the option table (fs/options.c) through
 * cgfs_options_parse(): both spellings of every option, the defaults, the
 * range checks, SOURCE MOUNTPOINT, and what is left in the arguments for
 * libfuse (docs/SEMANTICS.md, "Command").
 *
 * Parsing is pure: no request, no mount.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "options.h"

/* Parse argv (NULL-terminated); returns cgfs_options_parse's result, with
 * o and args for the test to look at and free. */
static int parse(struct cgfs_options *o, struct fuse_args *args, const char *const *argv)
{
	memset(o, 0, sizeof(*o));
	*args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	for (; *argv; argv++)
		ck_assert_int_eq(fuse_opt_add_arg(args, *argv), 0);
	return cgfs_options_parse(args, o);
}

static void done(struct cgfs_options *o, struct fuse_args *args)
{
	cgfs_options_free(o);
	fuse_opt_free_args(args);
}

static int has_arg(const struct fuse_args *args, const char *arg)
{
	for (int i = 0; i < args->argc; i++)
		if (!strcmp(args->argv[i], arg))
			return 1;
	return 0;
}

START_TEST(defaults)
{
	static const char *const argv[] = { "codegen-fs", "/mnt/x", NULL };
	struct cgfs_options o;
	struct fuse_args args;
	struct cgfs_config cfg = { 0 };

	ck_assert_int_eq(parse(&o, &args, argv), 0);
	ck_assert_str_eq(o.mountpoint, "/mnt/x");
	ck_assert_ptr_null(o.source);
	ck_assert_ptr_null(o.text[CGFS_OPT_TOKEN_FILE]);
	ck_assert_ptr_null(o.text[CGFS_OPT_ALLOW_OTHER]);
	cgfs_options_config(&o, &cfg);
	ck_assert_int_eq(cfg.list_window, 500);
	ck_assert(cfg.run_ttl == 3 && cfg.logs_ttl == 1 && cfg.list_ttl == 10);
	ck_assert(cfg.meta_ttl == 60 && cfg.missing_ttl == 5 && cfg.deadline == 30);
	ck_assert_uint_eq(cfg.cache_bytes, 256u << 20);
	ck_assert(o.number[CGFS_OPT_RATE_TIME_SCALE] == 1);
	ck_assert(o.number[CGFS_OPT_KEEP_RECEIPTS] == 100);
	/* what libfuse gets: the name, the type, the thread bound; no MOUNTPOINT */
	ck_assert_int_eq(args.argc, 3);
	ck_assert_str_eq(args.argv[1], "-osubtype=codegen-fs,fsname=codegen-fs");
	ck_assert_str_eq(args.argv[2], "-omax_threads=64");
	done(&o, &args);
}
END_TEST

START_TEST(both_spellings)
{
	static const char *const argv[] = {
		"codegen-fs", "--list-window=7", "--token-file=/t/tok", "-o",
		"run_ttl=2.5,deadline=9,cache_dir=/c,state_dir=/s,max_threads=8,allow_other",
		"-omissing_ttl=0", "--cache-mb=64", "-okeep_receipts=3", "codegen", "/mnt/x",
		NULL };
	struct cgfs_options o;
	struct fuse_args args;
	struct cgfs_config cfg = { 0 };

	ck_assert_int_eq(parse(&o, &args, argv), 0);
	ck_assert_str_eq(o.source, "codegen");
	ck_assert_str_eq(o.mountpoint, "/mnt/x");
	ck_assert_str_eq(o.text[CGFS_OPT_TOKEN_FILE], "/t/tok");
	ck_assert_str_eq(o.text[CGFS_OPT_CACHE_DIR], "/c");
	ck_assert_str_eq(o.text[CGFS_OPT_STATE_DIR], "/s");
	ck_assert_str_eq(o.text[CGFS_OPT_ALLOW_OTHER], "");
	cgfs_options_config(&o, &cfg);
	ck_assert_int_eq(cfg.list_window, 7);
	ck_assert(cfg.run_ttl == 2.5 && cfg.deadline == 9 && cfg.missing_ttl == 0);
	ck_assert_uint_eq(cfg.cache_bytes, 64u << 20);
	ck_assert(o.number[CGFS_OPT_KEEP_RECEIPTS] == 3);
	ck_assert_str_eq(args.argv[1], "-osubtype=codegen-fs,fsname=codegen");
	ck_assert_str_eq(args.argv[2], "-omax_threads=8");
	/* allow_other stays for libfuse, ours do not */
	ck_assert(has_arg(&args, "-oallow_other") || has_arg(&args, "allow_other"));
	for (int i = 0; i < args.argc; i++)
		ck_assert_msg(!strstr(args.argv[i], "ttl") && !strstr(args.argv[i], "_dir") &&
			      !strstr(args.argv[i], "receipts") &&
			      !strstr(args.argv[i], "--"), "left for libfuse: %s", args.argv[i]);
	done(&o, &args);

	{
		char *dir;
		static const char *const argv2[] = { "codegen-fs", "--cache-dir=/c2", "/m", NULL };

		ck_assert_int_eq(parse(&o, &args, argv2), 0);
		dir = cgfs_options_cache_dir(&o);
		ck_assert_str_eq(dir, "/c2");
		free(dir);
		done(&o, &args);
	}
}
END_TEST

START_TEST(last_one_wins)
{
	static const char *const argv[] = { "codegen-fs", "--list-window=7", "-o",
		"list_window=9", "/m", NULL };
	struct cgfs_options o;
	struct fuse_args args;

	ck_assert_int_eq(parse(&o, &args, argv), 0);
	ck_assert(o.number[CGFS_OPT_LIST_WINDOW] == 9);
	ck_assert_int_eq(o.as_mount_option[CGFS_OPT_LIST_WINDOW], 1);
	done(&o, &args);
}
END_TEST

START_TEST(fsname_is_escaped)
{
	static const char *const argv[] = { "codegen-fs", "a,b\\c", "/m", NULL };
	struct cgfs_options o;
	struct fuse_args args;

	ck_assert_int_eq(parse(&o, &args, argv), 0);
	ck_assert_str_eq(args.argv[1], "-osubtype=codegen-fs,fsname=a\\,b\\\\c");
	done(&o, &args);
}
END_TEST

static const char *const refused[][6] = {
	{ "codegen-fs", "--list-window", "100", "/m" },
	{ "codegen-fs", "/m", "--deadline" },
	{ "codegen-fs", "--list-window=0", "/m" },
	{ "codegen-fs", "--list-window=5x", "/m" },
	{ "codegen-fs", "-o", "run_ttl=abc", "/m" },
	{ "codegen-fs", "--deadline=nan", "/m" },
	{ "codegen-fs", "--deadline=1e999", "/m" },
	{ "codegen-fs", "-o", "max_threads=0", "/m" },
	{ "codegen-fs", "-o", "max_threads=1.5", "/m" },
	{ "codegen-fs", "--cache-dir=relative", "/m" },
	{ "codegen-fs", "-o", "state_dir=", "/m" },
	{ "codegen-fs", "--token-file=", "/m" },
	{ "codegen-fs", "a", "b", "c" },
};

START_TEST(refusals)
{
	struct cgfs_options o;
	struct fuse_args args;

	ck_assert_msg(parse(&o, &args, refused[_i]) == -1, "row %d was accepted", _i);
	done(&o, &args);
}
END_TEST

/* As main() does: fuse_parse_cmdline takes its own (max_threads) first. */
static int check_fuse(struct fuse_args *args)
{
	struct fuse_cmdline_opts cmd = { 0 };

	ck_assert_int_eq(fuse_parse_cmdline(args, &cmd), 0);
	free(cmd.mountpoint);
	return cgfs_options_check_fuse(args);
}

START_TEST(fuse_check)
{
	static const char *const good[] = { "codegen-fs", "-o", "ro,allow_other", "/m", NULL };
	static const char *const bad[] = { "codegen-fs", "-o", "no_such_option", "/m", NULL };
	struct cgfs_options o;
	struct fuse_args args;

	ck_assert_int_eq(parse(&o, &args, good), 0);
	ck_assert_int_eq(check_fuse(&args), 0);
	done(&o, &args);
	ck_assert_int_eq(parse(&o, &args, bad), 0);
	ck_assert_int_eq(check_fuse(&args), -1);
	done(&o, &args);
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, both_spellings);
	tcase_add_test(tc, last_one_wins);
	tcase_add_test(tc, fsname_is_escaped);
	tcase_add_loop_test(tc, refusals, 0, sizeof(refused) / sizeof(refused[0]));
	tcase_add_test(tc, fuse_check);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(options_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
