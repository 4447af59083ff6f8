/* options.c - the option table of the codegen-fs command (see options.h). */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"
#include "spool.h"

enum option_kind {
	OPT_NUMBER,        /* ours: a number within [min, max] */
	OPT_PATH,          /* ours: a path (absolute when .absolute) */
	OPT_TEXT,          /* ours: any text but empty (checked where it is used) */
	OPT_FLAG,          /* ours: on when given (--name, -o name) */
	OPT_FUSE_FLAG,     /* libfuse's -o flag: noted, and left for libfuse */
	OPT_FUSE_NUMBER,   /* libfuse's -o name=N: checked, then handed on once */
};

struct option_row {
	const char *flag;       /* "--list-window", or NULL: a mount option only */
	const char *mount;      /* "list_window": -o list_window=N */
	const char *metavar;    /* "N", or NULL for a flag */
	enum option_kind kind;
	double min, max;        /* numbers */
	int integer;            /* numbers: whole ones only */
	int absolute;           /* paths: must start with '/' */
	const char *def;        /* the default as --help and the man page state it */
	const char *help;
};

/* THE TABLE.  A numeric default is read by the same check as the user's
 * text, so the default stated is the default used. */
static const struct option_row rows[CGFS_OPT_COUNT] = {
	[CGFS_OPT_TOKEN_FILE] = { "--token-file", "token_file", "FILE", OPT_PATH,
		.help = "read the API token from FILE (mode 600)" },
	[CGFS_OPT_BASE_URL] = { "--base-url", "base_url", "URL", OPT_TEXT,
		.def = "$CODEGEN_API_BASE_URL, else https://api.codegen.com",
		.help = "the API's address (https://, or http:// on loopback only)" },
	[CGFS_OPT_CA_FILE] = { "--ca-file", "ca_file", "FILE", OPT_PATH,
		.def = "$CURL_CA_BUNDLE, else $SSL_CERT_FILE, else the system's",
		.help = "trust the CAs of this PEM bundle for TLS" },
	[CGFS_OPT_LIST_WINDOW] = { "--list-window", "list_window", "N", OPT_NUMBER,
		.min = 1, .max = 10000, .def = "500",
		.help = "how many of the newest runs runs/ lists, 1..10000" },
	[CGFS_OPT_RUN_TTL] = { "--run-ttl", "run_ttl", "S", OPT_NUMBER,
		.min = 0.1, .max = 86400, .def = "3",
		.help = "seconds an unfinished run stays fresh" },
	[CGFS_OPT_LOGS_TTL] = { "--logs-ttl", "logs_ttl", "S", OPT_NUMBER,
		.min = 0.1, .max = 86400, .def = "1",
		.help = "seconds between log fetches of a live run being read" },
	[CGFS_OPT_LIST_TTL] = { "--list-ttl", "list_ttl", "S", OPT_NUMBER,
		.min = 0.1, .max = 86400, .def = "10",
		.help = "seconds a run list stays fresh" },
	[CGFS_OPT_META_TTL] = { "--meta-ttl", "meta_ttl", "S", OPT_NUMBER,
		.min = 0.1, .max = 86400, .def = "60",
		.help = "seconds orgs, repos, users stay fresh" },
	[CGFS_OPT_MISSING_TTL] = { "--missing-ttl", "missing_ttl", "S", OPT_NUMBER,
		.min = 0, .max = 86400, .def = "5",
		.help = "seconds an unknown id is remembered" },
	[CGFS_OPT_DEADLINE] = { "--deadline", "deadline", "S", OPT_NUMBER,
		.min = 0.5, .max = 3600, .def = "30",
		.help = "seconds one syscall waits for the API" },
	[CGFS_OPT_RATE_TIME_SCALE] = { "--rate-time-scale", "rate_time_scale", "F",
		OPT_NUMBER, .min = 0.0001, .max = 100, .def = "1",
		.help = "scale the rate-limit windows (for testing)" },
	[CGFS_OPT_CACHE_MB] = { "--cache-mb", "cache_mb", "N", OPT_NUMBER,
		.min = 1, .max = 524288, .def = "256",
		.help = "MiB of API objects held in memory" },
	[CGFS_OPT_CACHE_DIR] = { "--cache-dir", "cache_dir", "DIR", OPT_PATH, .absolute = 1,
		.def = "$XDG_CACHE_HOME/codegen-fs or ~/.cache/codegen-fs",
		.help = "finished runs kept on disk" },
	[CGFS_OPT_STATE_DIR] = { "--state-dir", "state_dir", "DIR", OPT_PATH, .absolute = 1,
		.def = "$XDG_STATE_HOME/codegen-fs or ~/.local/state/codegen-fs",
		.help = "unsent drafts of new/" },
	[CGFS_OPT_KEEP_RECEIPTS] = { "--keep-receipts", "keep_receipts", "N", OPT_NUMBER,
		.min = 1, .max = 10000, .integer = 1, .def = "100",
		.help = "links to sent runs each new/ keeps, also across remounts" },
	[CGFS_OPT_DEBUG_API] = { "--debug-api", "debug_api", NULL, OPT_FLAG,
		.help = "log every API request: method, path, status, milliseconds" },
	[CGFS_OPT_ALLOW_OTHER] = { NULL, "allow_other", NULL, OPT_FUSE_FLAG,
		.help = "let other users read the mount (else only you)" },
	[CGFS_OPT_MAX_THREADS] = { NULL, "max_threads", "N", OPT_FUSE_NUMBER,
		.min = 1, .max = 10000, .integer = 1, .def = "64",
		.help = "handler threads at most, 1..10000" },
};


/* Keys of the bare "--list-window" (no '=') templates: one past the rows. */
#define BARE_KEY(i) (CGFS_OPT_COUNT + (i))

static const char *spelling(const struct cgfs_options *o, int i, char *buf, size_t size)
{
	if (!rows[i].flag || o->as_mount_option[i])
		snprintf(buf, size, "-o %s", rows[i].mount);
	else
		snprintf(buf, size, "%s", rows[i].flag);
	return buf;
}

static int usage_error(const char *what)
{
	fprintf(stderr, "codegen-fs: %s\nusage: codegen-fs [options] MOUNTPOINT, or "
		"codegen-fs SOURCE MOUNTPOINT -o key=VALUE,... (see --help)\n", what);
	return -1;
}

static int option_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct cgfs_options *o = data;
	const char *value;
	char msg[300];

	(void)outargs;
	if (key == FUSE_OPT_KEY_NONOPT) {
		if (!o->mountpoint)
			return (o->mountpoint = strdup(arg)) ? 0 : -1;
		if (!o->source) {
			/* SOURCE MOUNTPOINT, as mount.fuse3 runs the program. */
			o->source = o->mountpoint;
			return (o->mountpoint = strdup(arg)) ? 0 : -1;
		}
		snprintf(msg, sizeof(msg), "one MOUNTPOINT (or SOURCE MOUNTPOINT) only; "
			 "what is '%s'?", arg);
		return usage_error(msg);
	}
	if (key == FUSE_OPT_KEY_OPT)
		return 1;       /* libfuse's, or unknown: cgfs_options_check_fuse() */
	if (key >= BARE_KEY(0)) {
		key -= CGFS_OPT_COUNT;
		snprintf(msg, sizeof(msg), "%s needs its value after '=': %s=%s (or -o %s=%s)",
			 rows[key].flag, rows[key].flag, rows[key].metavar, rows[key].mount,
			 rows[key].metavar);
		return usage_error(msg);
	}
	value = strchr(arg, '=');
	value = value ? value + 1 : "";
	free(o->text[key]);
	o->text[key] = strdup(value);
	if (!o->text[key])
		return -1;
	o->as_mount_option[key] = strncmp(arg, "--", 2) != 0;
	return rows[key].kind == OPT_FUSE_FLAG;
}

/* Check one row's text (or its default): 0, or -1 with a message. */
static int check_row(struct cgfs_options *o, int i)
{
	const struct option_row *r = &rows[i];
	const char *text = o->text[i] ? o->text[i] : r->def;
	char name[64], *end = NULL;
	double v;

	if (r->kind == OPT_TEXT) {
		if (o->text[i] && !*text) {
			fprintf(stderr, "codegen-fs: %s must not be empty\n",
				spelling(o, i, name, sizeof(name)));
			return -1;
		}
		return 0;
	}
	if (r->kind == OPT_PATH) {
		if (!o->text[i])
			return 0;
		if (!*text || (r->absolute && text[0] != '/')) {
			fprintf(stderr, "codegen-fs: %s must be %s (got '%s')\n",
				spelling(o, i, name, sizeof(name)),
				r->absolute ? "an absolute path" : "a path", text);
			return -1;
		}
		return 0;
	}
	if (r->kind != OPT_NUMBER && r->kind != OPT_FUSE_NUMBER)
		return 0;
	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end || errno == ERANGE || !isfinite(v) || v < r->min ||
	    v > r->max || (r->integer && v != floor(v))) {
		fprintf(stderr, "codegen-fs: %s must be a %s from %g to %g (got '%s')\n",
			spelling(o, i, name, sizeof(name)), r->integer ? "whole number" : "number",
			r->min, r->max, text);
		return -1;
	}
	o->number[i] = v;
	return 0;
}

/* "-osubtype=codegen-fs,fsname=<source>" (escaped), then libfuse's numbers;
 * in front of the user's options so that a -o fsname= of theirs wins. */
static int add_fuse_defaults(struct fuse_args *args, const struct cgfs_options *o)
{
	char *opts = NULL, *arg = NULL;
	int ret = -1, pos = 1;

	if (fuse_opt_add_opt_escaped(&opts, o->source ? o->source : "codegen-fs"))
		goto out;
	if (asprintf(&arg, "-osubtype=codegen-fs,fsname=%s", opts) < 0) {
		arg = NULL;
		goto out;
	}
	if (fuse_opt_insert_arg(args, pos++, arg))
		goto out;
	for (int i = 0; i < CGFS_OPT_COUNT; i++) {
		if (rows[i].kind != OPT_FUSE_NUMBER)
			continue;
		free(arg);
		if (asprintf(&arg, "-o%s=%.0f", rows[i].mount, o->number[i]) < 0) {
			arg = NULL;
			goto out;
		}
		if (fuse_opt_insert_arg(args, pos++, arg))
			goto out;
	}
	ret = 0;
out:
	free(arg);
	free(opts);
	return ret;
}

int cgfs_options_parse(struct fuse_args *args, struct cgfs_options *o)
{
	/* per row: --name=%s, name=%s (or the flag), --name bare; and the end */
	struct fuse_opt spec[3 * CGFS_OPT_COUNT + 1];
	char templ[3 * CGFS_OPT_COUNT][48];
	size_t n = 0;
	int ret;

	for (int i = 0; i < CGFS_OPT_COUNT; i++) {
		const struct option_row *r = &rows[i];

		if (r->flag && !r->metavar) {
			spec[n] = (struct fuse_opt)FUSE_OPT_KEY(r->flag, i);
			n++;
		} else if (r->flag) {
			snprintf(templ[n], sizeof(templ[n]), "%s=%%s", r->flag);
			spec[n] = (struct fuse_opt)FUSE_OPT_KEY(templ[n], i);
			n++;
			spec[n] = (struct fuse_opt)FUSE_OPT_KEY(r->flag, BARE_KEY(i));
			n++;
		}
		snprintf(templ[n], sizeof(templ[n]), r->metavar ? "%s=%%s" : "%s", r->mount);
		spec[n] = (struct fuse_opt)FUSE_OPT_KEY(templ[n], i);
		n++;
	}
	spec[n] = (struct fuse_opt)FUSE_OPT_END;

	if (fuse_opt_parse(args, o, spec, option_proc))
		return -1;
	for (int i = 0; i < CGFS_OPT_COUNT; i++)
		if (check_row(o, i))
			return -1;
	ret = add_fuse_defaults(args, o);
	if (ret)
		fprintf(stderr, "codegen-fs: out of memory\n");
	return ret;
}

int cgfs_options_check_fuse(struct fuse_args *args)
{
	static const struct fuse_lowlevel_ops none;
	struct fuse_args copy = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se;
	int ret = -1;

	/* fuse_session_new takes its options out of the args it is given. */
	for (int i = 0; i < args->argc; i++)
		if (fuse_opt_add_arg(&copy, args->argv[i]))
			goto out;
	se = fuse_session_new(&copy, &none, sizeof(none), NULL);
	if (se) {
		fuse_session_destroy(se);
		ret = 0;
	} else {
		fprintf(stderr, "codegen-fs: neither codegen-fs nor libfuse takes that "
			"(see --help)\n");
	}
out:
	fuse_opt_free_args(&copy);
	return ret;
}

void cgfs_options_config(const struct cgfs_options *o, struct cgfs_config *cfg)
{
	cfg->list_window = (int64_t)o->number[CGFS_OPT_LIST_WINDOW];
	cfg->run_ttl = o->number[CGFS_OPT_RUN_TTL];
	cfg->logs_ttl = o->number[CGFS_OPT_LOGS_TTL];
	cfg->list_ttl = o->number[CGFS_OPT_LIST_TTL];
	cfg->meta_ttl = o->number[CGFS_OPT_META_TTL];
	cfg->missing_ttl = o->number[CGFS_OPT_MISSING_TTL];
	cfg->deadline = o->number[CGFS_OPT_DEADLINE];
	cfg->cache_bytes = (size_t)(o->number[CGFS_OPT_CACHE_MB] * 1048576);
}

char *cgfs_options_cache_dir(const struct cgfs_options *o)
{
	if (o->text[CGFS_OPT_CACHE_DIR])
		return strdup(o->text[CGFS_OPT_CACHE_DIR]);
	return cgfs_disk_default_dir();
}

char *cgfs_options_state_dir(const struct cgfs_options *o)
{
	if (o->text[CGFS_OPT_STATE_DIR])
		return strdup(o->text[CGFS_OPT_STATE_DIR]);
	return cgfs_spool_default_dir();
}

static void usage_row(const char *spelled, const struct option_row *r)
{
	printf("    %-26s %s", spelled, r->help);
	if (r->def)
		printf(" (default %s)", r->def);
	printf("\n");
}

void cgfs_options_usage(const char *prog)
{
	char spelled[64];

	printf("usage: %s [options] MOUNTPOINT\n"
	       "       %s SOURCE MOUNTPOINT [-o key=VALUE,...]   (mount -t fuse.codegen-fs, "
	       "fstab)\n"
	       "\n"
	       "Mount the Codegen platform (AI coding agent runs) as a directory tree.\n"
	       "SOURCE is any word (say codegen); it names the mount in /proc/mounts.\n"
	       "\n"
	       "codegen-fs options:\n", prog, prog);
	for (int i = 0; i < CGFS_OPT_COUNT; i++) {
		if (!rows[i].flag)
			continue;
		snprintf(spelled, sizeof(spelled), "%s%s%s", rows[i].flag,
			 rows[i].metavar ? "=" : "", rows[i].metavar ? rows[i].metavar : "");
		usage_row(spelled, &rows[i]);
	}
	printf("\nEach is also a mount option (fstab, mount -t fuse.codegen-fs), '_' for '-':\n");
	for (int i = 0; i < CGFS_OPT_COUNT; i++) {
		if (!rows[i].flag)
			continue;
		printf("    -o %s%s%s\n", rows[i].mount, rows[i].metavar ? "=" : "",
		       rows[i].metavar ? rows[i].metavar : "");
	}
	printf("\nFUSE options:\n"
	       "    -f                         stay in the foreground\n"
	       "    -d                         print every FUSE request (implies -f)\n"
	       "    -s                         one handler thread\n");
	for (int i = 0; i < CGFS_OPT_COUNT; i++) {
		if (rows[i].flag)
			continue;
		snprintf(spelled, sizeof(spelled), "-o %s%s%s", rows[i].mount,
			 rows[i].metavar ? "=" : "", rows[i].metavar ? rows[i].metavar : "");
		usage_row(spelled, &rows[i]);
	}
	printf("    -o ro, -o fsname=NAME ...  other mount options, see mount.fuse3(8)\n"
	       "    -h, --help                 this help\n"
	       "    -V, --version              the version\n"
	       "\n"
	       "Environment:\n"
	       "    CODEGEN_API_BASE_URL       the API (default https://api.codegen.com)\n"
	       "    CODEGEN_API_TOKEN          the API token; else CODEGEN_USER_ACCESS_TOKEN,\n"
	       "                               else ~/.codegen/auth.json\n"
	       "    HOME                       ~ (unset: the home of the user in /etc/passwd)\n"
	       "    XDG_CACHE_HOME, XDG_STATE_HOME   see --cache-dir, --state-dir\n"
	       "\n"
	       "Exit status: 0 unmounted cleanly, 1 cannot mount, 2 a usage error.\n"
	       "See codegen-fs(1).\n");
}

void cgfs_options_free(struct cgfs_options *o)
{
	for (int i = 0; i < CGFS_OPT_COUNT; i++) {
		free(o->text[i]);
		o->text[i] = NULL;
	}
	free(o->source);
	free(o->mountpoint);
	o->source = o->mountpoint = NULL;
}
