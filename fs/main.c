/* main.c - the codegen-fs command: options, credentials, the mount.
 *
 * Everything that can fail for a reason the user must fix (no token, a
 * refused URL, a rejected token, an unreachable API) is found out before
 * the mount exists, so a failure leaves no half-mounted directory behind.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <fuse_lowlevel.h>

#include "answers.h"
#include "cache.h"
#include "cg_auth.h"
#include "cg_client.h"
#include "create.h"
#include "disk.h"
#include "errlog.h"
#include "files.h"
#include "fs.h"
#include "log.h"
#include "logs.h"
#include "nodes.h"
#include "notify.h"
#include "ops.h"
#include "outbox.h"
#include "spool.h"

/* The command-line options; the numbers start at their defaults (usage()). */
struct options {
	char *token_file;
	char *ca_file;
	double list_window;
	double run_ttl, logs_ttl, list_ttl, meta_ttl, missing_ttl;
	double deadline;
	double rate_time_scale;
	double cache_mb;
	/* Each number as written too (libfuse's sscanf stops at the first
	 * non-digit: "3x" must be refused, not read as 3). */
	char *text[9];
	int allow_other;     /* -o allow_other (libfuse acts on it too) */
	int debug_api;       /* issue 12, logs: -o debug_api, every request to the log */
};

#define OPTIONS_DEFAULT { \
	.list_window = 500, .run_ttl = 3, .logs_ttl = 1, .list_ttl = 10, \
	.meta_ttl = 60, .missing_ttl = 5, .deadline = 30, .rate_time_scale = 1, \
	.cache_mb = 256 }

#define OPT(t, field) { t, offsetof(struct options, field), 0 }
#define NUM(name, field, i) OPT(name "=%lf", field), OPT(name "=%s", text[i])

/* libfuse converts the numbers (sscanf) and keeps their text (a second
 * template of the same name: every matching template acts);
 * read_options() checks the text and the ranges.  --list-window is read as
 * a number too and truncated, as it always was. */
static const struct fuse_opt option_spec[] = {
	OPT("--token-file=%s", token_file),
	OPT("--ca-file=%s", ca_file),
	NUM("--list-window", list_window, 0),
	NUM("--run-ttl", run_ttl, 1),
	NUM("--logs-ttl", logs_ttl, 2),
	NUM("--list-ttl", list_ttl, 3),
	NUM("--meta-ttl", meta_ttl, 4),
	NUM("--missing-ttl", missing_ttl, 5),
	NUM("--deadline", deadline, 6),
	NUM("--rate-time-scale", rate_time_scale, 7),
	NUM("--cache-mb", cache_mb, 8),
	/* Noted, and kept for libfuse. */
	{ "allow_other", offsetof(struct options, allow_other), 1 },
	FUSE_OPT_KEY("allow_other", FUSE_OPT_KEY_KEEP),
	/* issue 12, logs (move into the option table): -o debug_api */
	{ "debug_api", offsetof(struct options, debug_api), 1 },
	FUSE_OPT_END
};

/* The range of every numeric option. */
static const struct {
	const char *name;
	size_t off;
	double min, max;
} option_ranges[] = {     /* in the order of options.text[] */
	{ "--list-window", offsetof(struct options, list_window), 1, 10000 },
	{ "--run-ttl", offsetof(struct options, run_ttl), 0.1, 86400 },
	{ "--logs-ttl", offsetof(struct options, logs_ttl), 0.1, 86400 },
	{ "--list-ttl", offsetof(struct options, list_ttl), 0.1, 86400 },
	{ "--meta-ttl", offsetof(struct options, meta_ttl), 0.1, 86400 },
	{ "--missing-ttl", offsetof(struct options, missing_ttl), 0, 86400 },
	{ "--deadline", offsetof(struct options, deadline), 0.5, 3600 },
	{ "--rate-time-scale", offsetof(struct options, rate_time_scale), 0.0001, 100 },
	{ "--cache-mb", offsetof(struct options, cache_mb), 1, 524288 },
};

static void usage(const char *prog)
{
	printf("usage: %s [options] MOUNTPOINT\n"
	       "\n"
	       "Mount the Codegen platform (AI coding agent runs) as a directory tree.\n"
	       "\n"
	       "codegen-fs options:\n"
	       "    --token-file=FILE      read the API token from FILE (mode 600)\n"
	       "    --ca-file=FILE         trust the CAs of this PEM bundle for TLS (default:\n"
	       "                           $CURL_CA_BUNDLE, $SSL_CERT_FILE, the system's)\n"
	       "    --list-window=N        runs listed in runs/ (default 500)\n"
	       "    --run-ttl=S            seconds an unfinished run stays fresh (default 3)\n"
	       "    --logs-ttl=S           seconds between log fetches of a live run being\n"
	       "                           read (default 1)\n"
	       "    --list-ttl=S           seconds a run list stays fresh (default 10)\n"
	       "    --meta-ttl=S           seconds orgs, repos, users stay fresh (default 60)\n"
	       "    --missing-ttl=S        seconds an unknown id is remembered (default 5)\n"
	       "    --deadline=S           deadline of one API call (default 30)\n"
	       "    --rate-time-scale=F    scale rate-limit windows (testing; default 1)\n"
	       "    --cache-mb=N           MiB of API objects held in memory (default 256)\n"
	       "    -h, --help             this help\n"
	       "    -V, --version          the version\n"
	       "\n"
	       "Environment:\n"
	       "    CODEGEN_API_BASE_URL        API base URL (default https://api.codegen.com)\n"
	       "    CODEGEN_API_TOKEN           the API token; else CODEGEN_USER_ACCESS_TOKEN,\n"
	       "                                else ~/.codegen/auth.json\n"
	       "\n"
	       "FUSE options:\n", prog);
	fuse_cmdline_help();
	printf("    -o allow_other         let other users in (default: only you)\n");
	/* issue 12, logs (move into the option table): */
	printf("    -o debug_api           log every API request: method, path, status, ms\n");
}

/* Check every number against its range and hand them out; 0, or -1 with
 * a message. */
static int read_options(const struct options *o, struct cgfs_config *cfg, double *deadline,
			double *scale)
{
	_Static_assert(sizeof(option_ranges) / sizeof(option_ranges[0]) ==
		       sizeof(o->text) / sizeof(o->text[0]), "one text per numeric option");
	for (size_t i = 0; i < sizeof(option_ranges) / sizeof(option_ranges[0]); i++) {
		double v = *(const double *)((const char *)o + option_ranges[i].off);
		char *end = NULL;

		if (o->text[i] && (strtod(o->text[i], &end), end == o->text[i] || *end)) {
			fprintf(stderr, "codegen-fs: %s must be a number from %g to %g (got '%s')\n",
				option_ranges[i].name, option_ranges[i].min, option_ranges[i].max,
				o->text[i]);
			return -1;
		}
		if (!isfinite(v) || v < option_ranges[i].min || v > option_ranges[i].max) {
			fprintf(stderr, "codegen-fs: %s must be a number from %g to %g (got '%g')\n",
				option_ranges[i].name, option_ranges[i].min, option_ranges[i].max, v);
			return -1;
		}
	}
	cfg->list_window = (int64_t)o->list_window;
	cfg->run_ttl = o->run_ttl;
	cfg->logs_ttl = o->logs_ttl;
	cfg->list_ttl = o->list_ttl;
	cfg->meta_ttl = o->meta_ttl;
	cfg->missing_ttl = o->missing_ttl;
	cfg->deadline = o->deadline;
	cfg->cache_bytes = (size_t)(o->cache_mb * 1048576);
	*deadline = o->deadline;
	*scale = o->rate_time_scale;
	return 0;
}

/* Find the token, build the client and ask the API who we are.  Prints
 * the reason and returns -1 when the mount must not happen. */
static int connect_api(const struct options *o, double deadline, double scale,
		       struct cg_client **client, int64_t *user_id)
{
	struct cg_token_query q = { .token_file = o->token_file, .use_environment = 1 };
	enum cg_token_source source;
	struct cg_client_config cc = { 0 };
	struct cg_error err = { 0 };
	struct cg_user me = { 0 };
	char why[512], *token = NULL;
	int ret;

	ret = cg_token_find(&q, &token, &source, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "codegen-fs: cannot mount: %s\n", why);
		return -1;
	}
	cc.token = token;
	cc.ca_file = o->ca_file;
	cc.deadline_ms = (long)(deadline * 1000);
	cc.connect_timeout_ms = deadline < 10 ? (long)(deadline * 1000) : 10000;
	cc.rate_time_scale = scale;
	if (o->debug_api)
		cc.log = cgfs_log_request;
	ret = cg_client_new(&cc, client, &err);
	cg_token_free(token);
	if (ret) {
		fprintf(stderr, "codegen-fs: cannot mount: %s\n", err.message);
		return -1;
	}
	ret = cg_get_me(*client, &me, &err);
	if (ret) {
		if (err.http_status)
			fprintf(stderr, "codegen-fs: cannot mount: %s (HTTP %ld from %s, token from %s)\n",
				err.message, err.http_status, cg_client_base_url(*client),
				cg_token_source_name(source));
		else
			fprintf(stderr, "codegen-fs: cannot mount: %s: %s (%s)\n",
				cg_client_base_url(*client), err.message, cg_errno_name(err.err));
		cg_client_free(*client);
		*client = NULL;
		return -1;
	}
	*user_id = me.id;
	cg_user_free(&me);
	return 0;
}

/* The disk cache of finished runs; without it the mount only asks more. */
static struct cgfs_disk *open_disk(const struct cg_client *client, int64_t user_id)
{
	char why[512], *dir = cgfs_disk_default_dir();
	struct cgfs_disk *d = cgfs_disk_open(dir, cg_client_base_url(client), user_id,
					     why, sizeof(why));

	if (!d)
		fprintf(stderr, "codegen-fs: not keeping finished runs on disk: %s\n", why);
	free(dir);
	return d;
}

/* The spool of unsent drafts: <state>/codegen-fs/<host>-u<user>, held by
 * one mount at a time (two mounts restoring the same drafts could send
 * them twice).  NULL, with a warning, when it cannot be had: drafts then
 * live in memory only. */
static struct cgfs_spool *open_spool(const struct cg_client *client, int64_t user_id,
				     int *lock_fd)
{
	char why[512], label[300], *base = cgfs_spool_default_dir(), *dir = NULL, *lock = NULL;
	struct cgfs_spool *s = NULL;

	*lock_fd = -1;
	cgfs_account_label(cg_client_base_url(client), user_id, label, sizeof(label));
	if (!base || asprintf(&dir, "%s/%s", base, label) < 0 ||
	    asprintf(&lock, "%s/%s.lock", base, label) < 0) {
		snprintf(why, sizeof(why), "no state directory (set HOME or XDG_STATE_HOME)");
		goto out;
	}
	s = cgfs_spool_open(dir, why, sizeof(why));
	if (!s)
		goto out;
	*lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(why, sizeof(why), "%s is held by another codegen-fs mount", dir);
		cgfs_spool_close(s);
		s = NULL;
	}
out:
	if (!s) {
		fprintf(stderr, "codegen-fs: drafts in new/ are kept in memory only: %s\n", why);
		if (*lock_fd >= 0)
			close(*lock_fd);
		*lock_fd = -1;
	}
	free(base);
	free(dir);
	free(lock);
	return s;
}

/* fuse_daemonize, and once in the background (stderr is /dev/null then)
 * the log goes to the system log.  0 or -1. */
static int daemonize(const struct fuse_cmdline_opts *cmd)
{
	if (fuse_daemonize(cmd->foreground))
		return -1;
	if (!cmd->foreground)
		cgfs_log_to_syslog();
	return 0;
}

static int run_loop(struct fuse_session *se, const struct fuse_cmdline_opts *cmd)
{
	struct fuse_loop_config *lc;
	int ret;

	if (cmd->singlethread)
		return fuse_session_loop(se);
	lc = fuse_loop_cfg_create();
	if (!lc)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(lc, (unsigned)cmd->clone_fd);
	/* Unset (-1) means libfuse's default; passing it on only makes it warn. */
	if (cmd->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(lc, cmd->max_idle_threads);
	fuse_loop_cfg_set_max_threads(lc, cmd->max_threads);
	ret = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	return ret;
}

/* The token is in this process's memory: in the environment, in the
 * client, and in libcurl's buffers of every request sent (beyond any wipe
 * of ours).  So this process never writes a core dump (a non-dumpable
 * process is not dumped whatever suid_dumpable and core_pattern say), and
 * the user's other processes cannot ptrace it or read its /proc/PID/mem
 * or environ.  Before the token is read: fuse_daemonize's fork keeps both. */
static void keep_out_of_cores(void)
{
	const struct rlimit no_core = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L))
		fprintf(stderr, "codegen-fs: cannot keep the token out of core dumps: %s\n",
			strerror(errno));
	(void)setrlimit(RLIMIT_CORE, &no_core);
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_cmdline_opts cmd = { 0 };
	struct options opts = OPTIONS_DEFAULT;
	struct cgfs fs = { 0 };
	double deadline = 30, scale = 1;
	struct fuse_session *se = NULL;
	struct cgfs_spool *spool = NULL;
	int64_t user_id = 0;
	int status = 1, ret, lock_fd = -1;

	/* Up to 64 handler threads, nearly all waiting on the network: glibc
	 * would give them up to 8 arenas per core, each holding on to freed
	 * memory.  One arena keeps the memory per cached run small (W6 in
	 * docs/BENCHMARKS.md); malloc is not where this daemon's time goes. */
	mallopt(M_ARENA_MAX, 1);
	keep_out_of_cores();
	/* Before any thread: it unsets NOTIFY_SOCKET. */
	fs.notify = cgfs_notify_from_env();

	/* Handlers wait on the network: allow many at once (a later
	 * -o max_threads=N from the user wins).  Also keeps libfuse 3.14 from
	 * complaining about its own unset default. */
	for (int i = 0; i < argc; i++)
		if (fuse_opt_add_arg(&args, argv[i]) ||
		    (i == 0 && fuse_opt_add_arg(&args, "-omax_threads=64")))
			goto out_free_args;
	/* A number libfuse cannot read is a usage error, as a range error is. */
	if (fuse_opt_parse(&args, &opts, option_spec, NULL)) {
		status = 2;
		goto out_free_args;
	}
	if (fuse_parse_cmdline(&args, &cmd))
		goto out_free_args;
	if (cmd.show_help) {
		usage(argv[0]);
		status = 0;
		goto out_free_args;
	}
	if (cmd.show_version) {
		printf("codegen-fs %s (libfuse %s)\n", CGFS_VERSION, fuse_pkgversion());
		status = 0;
		goto out_free_args;
	}
	if (!cmd.mountpoint) {
		fprintf(stderr, "usage: %s [options] MOUNTPOINT (see --help)\n", argv[0]);
		status = 2;
		goto out_free_args;
	}
	if (read_options(&opts, &fs.cfg, &deadline, &scale)) {
		status = 2;
		goto out_free_args;
	}
	if (connect_api(&opts, deadline, scale, &fs.client, &user_id))
		goto out_free_args;
	fs.disk = open_disk(fs.client, user_id);

	spool = open_spool(fs.client, user_id, &lock_fd);

	fs.errors = cgfs_errlog_new();
	fs.cache = cgfs_cache_new(fs.cfg.missing_ttl, fs.errors);
	if (fs.cache)
		cgfs_cache_set_bound(fs.cache, fs.cfg.cache_bytes);
	fs.logs = cgfs_logs_table_new();
	fs.nodes = cgfs_nodes_new();
	fs.outbox = cgfs_outbox_new(spool);
	fs.answers = cgfs_answers_new();
	fs.uid = getuid();
	fs.gid = getgid();
	fs.shared = opts.allow_other;
	fs.mounted_at = time(NULL);
	if (!fs.errors || !fs.cache || !fs.logs || !fs.nodes || !fs.outbox || !fs.answers) {
		fprintf(stderr, "codegen-fs: out of memory\n");
		goto out_free_fs;
	}
	ret = cgfs_outbox_restore(fs.outbox);
	if (ret < 0)
		fprintf(stderr, "codegen-fs: cannot read back the unsent drafts: %s\n",
			strerror(-ret));
	/* Before the mount shows: a draft whose send was cut off by the last
	 * mount's end is its run's receipt, or sent now, never sent twice. */
	cgfs_outbox_resolve(fs.outbox, cgfs_send_draft, &fs);
	fuse_opt_add_arg(&args, "-ofsname=codegen-fs,subtype=codegen");
	se = fuse_session_new(&args, &cgfs_operations, sizeof(cgfs_operations), &fs);
	if (!se)
		goto out_free_fs;
	if (fuse_set_signal_handlers(se))
		goto out_destroy;
	if (fuse_session_mount(se, cmd.mountpoint))
		goto out_signals;
	if (daemonize(&cmd))
		goto out_unmount;
	/* After fuse_daemonize: threads do not survive its fork. */
	fs.se = se;
	if (cgfs_logs_follow_start(&fs, cgfs_logs_grew))
		cgfs_log(CGFS_LOG_ERR, "cannot start the log follower; tail -f will lag");
	ret = run_loop(se, &cmd);
	cgfs_notify_send(fs.notify, "STOPPING=1");
	/* libfuse reports the signal that ended the loop: that is a clean
	 * unmount, not a failure. */
	status = ret == 0 || ret == SIGINT || ret == SIGTERM || ret == SIGHUP ? 0 : 1;
	if (status)
		cgfs_log(CGFS_LOG_ERR, "the mount ended in a failure: %s",
			 strerror(ret < 0 ? -ret : EIO));
	cgfs_logs_follow_stop(&fs);
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
out_free_fs:
	cgfs_outbox_free(fs.outbox);
	cgfs_answers_free(fs.answers);
	cgfs_nodes_free(fs.nodes);
	cgfs_logs_table_free(fs.logs);
	cgfs_cache_free(fs.cache);
	cgfs_errlog_free(fs.errors);
	cg_client_free(fs.client);
	cgfs_disk_close(fs.disk);
	cgfs_spool_close(spool);
	if (lock_fd >= 0)
		close(lock_fd);
out_free_args:
	cgfs_notify_free(fs.notify);
	free(cmd.mountpoint);
	free(opts.token_file);
	free(opts.ca_file);
	for (size_t i = 0; i < sizeof(opts.text) / sizeof(opts.text[0]); i++)
		free(opts.text[i]);
	fuse_opt_free_args(&args);
	return status;
}
