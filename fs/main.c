/* main.c - the codegen-fs command: credentials, the mount (options.c
 * has the options).
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
#include "events.h"
#include "files.h"
#include "fs.h"
#include "handle.h"
#include "log.h"
#include "logs.h"
#include "mountpoint.h"
#include "nodes.h"
#include "notify.h"
#include "options.h"
#include "ops.h"
#include "outbox.h"
#include "spool.h"
#include "whole.h"

/* Whole forms of slim runs kept (whole.h): a run's files are read in a row. */
#define WHOLES_KEPT 8

/* Find the token, build the client and ask the API who we are.  Prints
 * the reason and returns -1 when the mount must not happen. */
static int connect_api(const struct cgfs_options *o, struct cg_client **client,
		       int64_t *user_id)
{
	struct cg_token_query q = { .token_file = o->text[CGFS_OPT_TOKEN_FILE],
				    .use_environment = 1 };
	double deadline = o->number[CGFS_OPT_DEADLINE];
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
	cc.base_url = o->text[CGFS_OPT_BASE_URL];
	cc.ca_file = o->text[CGFS_OPT_CA_FILE];
	cc.deadline_ms = (long)(deadline * 1000);
	cc.connect_timeout_ms = deadline < 10 ? (long)(deadline * 1000) : 10000;
	cc.rate_time_scale = o->number[CGFS_OPT_RATE_TIME_SCALE];
	if (o->text[CGFS_OPT_DEBUG_API])
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
static struct cgfs_disk *open_disk(const struct cgfs_options *o,
				    const struct cg_client *client, int64_t user_id)
{
	char why[512], *dir = cgfs_options_cache_dir(o);
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
static struct cgfs_spool *open_spool(const struct cgfs_options *o,
				     const struct cg_client *client, int64_t user_id, int *lock_fd)
{
	char why[512], label[300], *base = cgfs_options_state_dir(o), *dir = NULL, *lock = NULL;
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
	struct cgfs_options opts = { 0 };
	struct cgfs fs = { 0 };
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

	for (int i = 0; i < argc; i++)
		if (fuse_opt_add_arg(&args, argv[i]))
			goto out_free_args;
	/* Everything about the command line is checked before any request. */
	if (cgfs_options_parse(&args, &opts)) {
		status = 2;
		goto out_free_args;
	}
	if (fuse_parse_cmdline(&args, &cmd)) {
		status = 2;
		goto out_free_args;
	}
	if (cmd.show_help) {
		cgfs_options_usage(argv[0]);
		status = 0;
		goto out_free_args;
	}
	if (cmd.show_version) {
		printf("codegen-fs %s (libfuse %s)\n", CGFS_VERSION, fuse_pkgversion());
		status = 0;
		goto out_free_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "usage: %s [options] MOUNTPOINT (see --help)\n", argv[0]);
		status = 2;
		goto out_free_args;
	}
	if (cgfs_options_check_fuse(&args)) {
		status = 2;
		goto out_free_args;
	}
	cmd.mountpoint = cgfs_mountpoint_check(opts.mountpoint);
	if (!cmd.mountpoint)
		goto out_free_args;
	cgfs_options_config(&opts, &fs.cfg);
	if (connect_api(&opts, &fs.client, &user_id))
		goto out_free_args;
	fs.disk = open_disk(&opts, fs.client, user_id);
	cgfs_disk_bound(fs.disk, fs.cfg.cache_bytes);

	spool = open_spool(&opts, fs.client, user_id, &lock_fd);

	fs.errors = cgfs_errlog_new();
	fs.cache = cgfs_cache_new(fs.cfg.missing_ttl, fs.errors);
	if (fs.cache)
		cgfs_cache_set_bound(fs.cache, fs.cfg.cache_bytes);
	fs.logs = cgfs_logs_table_new();
	fs.events = cgfs_events_new(0);
	fs.nodes = cgfs_nodes_new();
	fs.outbox = cgfs_outbox_new(spool);
	fs.answers = cgfs_answers_new();
	fs.wholes = cgfs_wholes_new(WHOLES_KEPT);
	fs.uid = getuid();
	fs.gid = getgid();
	fs.shared = opts.text[CGFS_OPT_ALLOW_OTHER] != NULL;
	fs.mounted_at = time(NULL);
	if (!fs.errors || !fs.cache || !fs.logs || !fs.nodes || !fs.outbox || !fs.answers ||
	    !fs.events || !fs.wholes) {
		fprintf(stderr, "codegen-fs: out of memory\n");
		goto out_free_fs;
	}
	cgfs_outbox_set_keep(fs.outbox, (unsigned)opts.number[CGFS_OPT_KEEP_RECEIPTS]);
	ret = cgfs_outbox_restore(fs.outbox);
	if (ret < 0)
		fprintf(stderr, "codegen-fs: cannot read back the drafts and receipts: %s\n",
			strerror(-ret));
	/* Before the mount shows: a draft whose send was cut off by the last
	 * mount's end is its run's receipt, or sent now, never sent twice. */
	cgfs_outbox_resolve(fs.outbox, cgfs_send_draft, &fs);
	se = fuse_session_new(&args, &cgfs_operations, sizeof(cgfs_operations), &fs);
	if (!se)
		goto out_free_fs;
	if (fuse_set_signal_handlers(se))
		goto out_destroy;
	if (fuse_session_mount(se, cmd.mountpoint))
		goto out_signals;
	cg_client_before_fork(fs.client);
	if (daemonize(&cmd))
		goto out_unmount;
	/* After fuse_daemonize: threads do not survive its fork. */
	fs.se = se;
	if (cgfs_logs_follow_start(&fs, cgfs_logs_grew))
		cgfs_log(CGFS_LOG_ERR, "cannot start the log follower; tail -f will lag");
	if (cgfs_events_watch_start(&fs, cgfs_events_grew))
		cgfs_log(CGFS_LOG_ERR, "cannot start the events watcher; events will lag");
	ret = run_loop(se, &cmd);
	cgfs_notify_send(fs.notify, "STOPPING=1");
	cgfs_handle_release_all();
	/* libfuse reports the signal that ended the loop: that is a clean
	 * unmount, not a failure. */
	status = ret == 0 || ret == SIGINT || ret == SIGTERM || ret == SIGHUP ? 0 : 1;
	if (status)
		cgfs_log(CGFS_LOG_ERR, "the mount ended in a failure: %s",
			 strerror(ret < 0 ? -ret : EIO));
	cgfs_logs_follow_stop(&fs);
	cgfs_events_watch_stop(&fs);
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
	cgfs_wholes_free(fs.wholes);
	cgfs_logs_table_free(fs.logs);
	cgfs_events_free(fs.events);
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
	cgfs_options_free(&opts);
	fuse_opt_free_args(&args);
	return status;
}
