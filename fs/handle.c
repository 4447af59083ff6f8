/* handle.c - open files, one set of functions per kind (see handle.h).
 *
 * Read top to bottom: the handle; the kinds, each a few functions; their
 * table; then the entry points, which only dispatch and keep the commit
 * rules that every kind shares.
 */
#include "handle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "create.h"
#include "events.h"
#include "files.h"
#include "frozen.h"
#include "logs.h"
#include "names.h"
#include "outbox.h"

struct kind;

/* An open file: the node's request (with its own copy of the path) and,
 * for snapshots and files written whole, its text; for outbox names, the
 * draft. */
struct cgfs_handle {
	const struct kind *kind;
	struct cgfs_req req;
	struct cgfs_qid qid;
	int flags;                  /* open(2) flags */
	struct cg_buf text;
	struct cgfs_ob_entry *entry;
	int wrote;                  /* written since the last commit */
	pid_t writer;               /* who wrote last */
	pid_t cwd_of;               /* whose working directory the draft holds */
	struct cgfs_handle *prev, *next;   /* on the open list */
};

/* Every open handle, so that those the kernel never released (the mount
 * ended before their release came) are freed at the end. */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cgfs_handle *open_list;

static void opened(struct cgfs_handle *h)
{
	pthread_mutex_lock(&open_lock);
	h->next = open_list;
	if (open_list)
		open_list->prev = h;
	open_list = h;
	pthread_mutex_unlock(&open_lock);
}

static void closed(struct cgfs_handle *h)
{
	pthread_mutex_lock(&open_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		open_list = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&open_lock);
}

struct kind {
	int (*open)(struct cgfs_handle *h);
	ssize_t (*read)(struct cgfs_handle *h, char *buf, size_t size, off_t off,
			int (*interrupted)(void *arg), void *arg);
	ssize_t (*write)(struct cgfs_handle *h, const char *buf, size_t size, off_t off);
	int (*truncate)(struct cgfs_handle *h, off_t size);
	int (*commit)(struct cgfs_handle *h);              /* NULL: nothing to commit */
	void (*close)(struct cgfs_handle *h, int last_chance);
	int always_commits;         /* an fsync commits even what others wrote */
	int resized;                /* the open makes the size exact */
};

static int slice(const struct cg_buf *b, char *buf, size_t size, off_t off)
{
	size_t n;

	if (off < 0 || (size_t)off >= b->len)
		return 0;
	n = b->len - (size_t)off < size ? b->len - (size_t)off : size;
	memcpy(buf, b->data + off, n);
	return (int)n;
}

/* ---- the common pieces of the kinds ------------------------------------------------ */

static int open_nothing(struct cgfs_handle *h)
{
	(void)h;
	return 0;
}

static int render_text(struct cgfs_handle *h)
{
	return h->req.route->render(&h->req, &h->text);
}

static ssize_t read_text(struct cgfs_handle *h, char *buf, size_t size, off_t off,
			 int (*interrupted)(void *arg), void *arg)
{
	(void)interrupted;
	(void)arg;
	return slice(&h->text, buf, size, off);
}

static ssize_t refuse_write(struct cgfs_handle *h, const char *buf, size_t size, off_t off)
{
	(void)h; (void)buf; (void)size; (void)off;
	return -EROFS;
}

static int truncate_node(struct cgfs_handle *h, off_t size)
{
	return cgfs_node_truncate(h->req.fs, &h->qid, size);
}

static void close_nothing(struct cgfs_handle *h, int last_chance)
{
	(void)h;
	(void)last_chance;
}

/* ---- snapshot: rendered at open, so every read of one open file sees the
 * same bytes; stream: rendered at each read (append-only content) ---- */

static ssize_t read_fresh(struct cgfs_handle *h, char *buf, size_t size, off_t off,
			  int (*interrupted)(void *arg), void *arg)
{
	struct cg_buf fresh = { 0 };
	ssize_t ret = h->req.route->render(&h->req, &fresh);

	(void)interrupted;
	(void)arg;
	if (!ret)
		ret = slice(&fresh, buf, size, off);
	cg_buf_free(&fresh);
	return ret;
}

/* ---- log: read at an offset from the run's log text, followed while open ---- */

static int open_log(struct cgfs_handle *h)
{
	size_t size;

	cgfs_logs_readers(h->req.fs, h->req.org, h->req.run, 1);
	/* Up to date now, as the stat after the open would bring them
	 * (logs.h: no more requests): whether they are complete decides how
	 * the kernel may keep them (ops.c).  A failure is the reads' to
	 * report. */
	(void)h->req.route->size(&h->req, &size);
	return 0;
}

static ssize_t read_log(struct cgfs_handle *h, char *buf, size_t size, off_t off,
			int (*interrupted)(void *arg), void *arg)
{
	(void)interrupted;
	(void)arg;
	return h->req.route->read(&h->req, buf, size, off);
}

static void close_log(struct cgfs_handle *h, int last_chance)
{
	(void)last_chance;
	cgfs_logs_readers(h->req.fs, h->req.org, h->req.run, -1);
}

/* ---- feed: an org's events, read at an offset, watched while open (events.h) ---- */

static int open_feed(struct cgfs_handle *h)
{
	cgfs_events_readers(h->req.fs, h->req.org, 1);
	return 0;
}

static void close_feed(struct cgfs_handle *h, int last_chance)
{
	(void)last_chance;
	cgfs_events_readers(h->req.fs, h->req.org, -1);
}

/* ---- wait: block while the run is working, re-reading it no faster than
 * the run TTL (the cache does not ask the server before then) ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static ssize_t read_wait(struct cgfs_handle *h, char *buf, size_t size, off_t off,
			 int (*interrupted)(void *arg), void *arg)
{
	struct cg_buf status = { 0 };
	ssize_t ret;

	for (;;) {
		char text[64];

		/* `wait` has no deadline of its own; each look at the run has. */
		cgfs_req_renew(&h->req);
		cg_buf_free(&status);
		ret = h->req.route->render(&h->req, &status);
		if (ret)
			break;
		snprintf(text, sizeof(text), "%.*s",
			 (int)strcspn(status.data ? status.data : "", "\n"),
			 status.data ? status.data : "");
		if (cg_run_state_of(text) != CG_RUN_WORKING) {
			ret = slice(&status, buf, size, off);
			break;
		}
		for (double slept = 0; slept < h->req.fs->cfg.run_ttl; slept += 0.1) {
			if (interrupted && interrupted(arg)) {
				cg_buf_free(&status);
				return -EINTR;
			}
			sleep_ms(100);
		}
	}
	cg_buf_free(&status);
	return ret;
}

/* ---- whole: writes collect in the open file; its command acts on the text
 * at the commit point ---- */

/* Opened to be rewritten it starts empty; opened O_RDWR it starts from the
 * current content, so an editor can change it. */
static int open_whole(struct cgfs_handle *h)
{
	if ((h->flags & O_TRUNC) || (h->flags & O_ACCMODE) == O_WRONLY)
		return 0;
	return render_text(h);
}

static ssize_t write_whole(struct cgfs_handle *h, const char *buf, size_t size, off_t off)
{
	int ret;

	if (off < 0)
		return -EINVAL;
	if (h->text.len < (size_t)off + size) {
		ret = cg_buf_resize(&h->text, (size_t)off + size);
		if (ret)
			return ret;
	}
	if (size)
		memcpy(h->text.data + off, buf, size);
	h->wrote = 1;
	return (ssize_t)size;
}

static int truncate_whole(struct cgfs_handle *h, off_t size)
{
	int ret = cg_buf_resize(&h->text, (size_t)size);

	if (!ret)
		h->wrote = 1;
	return ret;
}

static int commit_whole(struct cgfs_handle *h)
{
	int ret = cgfs_commands_whole(&h->req, h->req.route->commands,
				      h->text.data ? h->text.data : "", h->text.len);

	/* Sent or not, the run may live again (a resume): nothing the
	 * kernel keeps of it stands. */
	cgfs_frozen_thaw(h->req.fs, h->req.org, h->req.run);
	return ret;
}

/* ---- lines: each write() is lines of commands, run inside it so the
 * writer sees the error (DESIGN.md §3) ---- */

static ssize_t write_lines(struct cgfs_handle *h, const char *buf, size_t size, off_t off)
{
	int ret;

	(void)off;
	h->req.ctx.op = "write";
	ret = cgfs_commands_lines(&h->req, h->req.route->commands, buf, size);
	/* resume, refresh: the run (the org's, after its refresh) may change. */
	cgfs_frozen_thaw(h->req.fs, h->req.org, h->req.run);
	return ret ? ret : (ssize_t)size;
}

/* ---- draft: a name in an outbox (outbox.h) ---- */

static void draft_names_changed(struct cgfs_handle *h)
{
	cgfs_names_changed(h->req.fs, &h->qid);
}

static int open_draft(struct cgfs_handle *h)
{
	int ret = cgfs_outbox_open(h->req.fs->outbox, h->req.org, h->req.repo, h->req.name,
				   h->flags, &h->entry);

	/* The kernel follows a receipt's link itself and answers EISDIR;
	 * an open that reaches here raced with the send. */
	if (ret == -EISDIR && (h->flags & O_ACCMODE) != O_RDONLY)
		cgfs_names_sent_already(h->req.fs, &h->req, "open");
	return ret;
}

static ssize_t read_draft(struct cgfs_handle *h, char *buf, size_t size, off_t off,
			  int (*interrupted)(void *arg), void *arg)
{
	(void)interrupted;
	(void)arg;
	return cgfs_outbox_read(h->entry, buf, size, off);
}

/* Relative `image:` paths are the writer's, not the daemon's (whose
 * directory is /): the draft keeps the working directory of the process
 * that writes it, read once per open and writer.  A process gone, or not
 * ours to look at, leaves it unknown. */
static void note_writer_cwd(struct cgfs_handle *h)
{
	char link[32], dir[PATH_MAX];
	ssize_t n;

	if (h->writer <= 0 || h->cwd_of == h->writer)
		return;
	h->cwd_of = h->writer;
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)h->writer);
	n = readlink(link, dir, sizeof(dir) - 1);
	if (n > 0)
		dir[n] = '\0';
	cgfs_outbox_set_cwd(h->entry, n > 0 ? dir : NULL);
}

static ssize_t write_draft(struct cgfs_handle *h, const char *buf, size_t size, off_t off)
{
	ssize_t ret = cgfs_outbox_write(h->entry, buf, size, off);

	if (ret >= 0) {
		h->wrote = 1;
		note_writer_cwd(h);
	}
	return ret;
}

static int truncate_draft(struct cgfs_handle *h, off_t size)
{
	int ret = cgfs_outbox_truncate(h->entry, size);

	if (!ret)
		h->wrote = 1;
	return ret;
}

static int commit_draft(struct cgfs_handle *h)
{
	int ret = cgfs_outbox_commit(h->entry, cgfs_send_draft, h->req.fs);

	if (ret < 0 || cgfs_outbox_kind(h->entry) == CGFS_OB_RECEIPT)
		draft_names_changed(h);
	return ret;
}

static void close_draft(struct cgfs_handle *h, int last_chance)
{
	cgfs_outbox_close(h->entry, last_chance ? cgfs_send_draft : NULL, h->req.fs);
	/* The entry is gone from here; it may have been sent. */
	if (last_chance)
		draft_names_changed(h);
}

/* ---- the kinds ------------------------------------------------------------------------ */

static const struct kind kinds[] = {
	[CGFS_OPEN_SNAPSHOT] = { render_text, read_text, refuse_write, truncate_node, NULL,
				 close_nothing },
	[CGFS_OPEN_STREAM] = { open_nothing, read_fresh, refuse_write, truncate_node, NULL,
			       close_nothing },
	[CGFS_OPEN_LOG] = { open_log, read_log, refuse_write, truncate_node, NULL, close_log,
			    .resized = 1 },
	[CGFS_OPEN_FEED] = { open_feed, read_log, refuse_write, truncate_node, NULL, close_feed },
	[CGFS_OPEN_WAIT] = { open_nothing, read_wait, refuse_write, truncate_node, NULL,
			     close_nothing },
	[CGFS_OPEN_WHOLE] = { open_whole, read_text, write_whole, truncate_whole, commit_whole,
			      close_nothing },
	[CGFS_OPEN_LINES] = { render_text, read_text, write_lines, truncate_node, NULL,
			      close_nothing },
	[CGFS_OPEN_DRAFT] = { open_draft, read_draft, write_draft, truncate_draft, commit_draft,
			      close_draft, .always_commits = 1 },
};

/* ---- entry points ---------------------------------------------------------------------- */

static void handle_free(struct cgfs_handle *h)
{
	cg_buf_free(&h->text);
	free(h);
}

/* Open the node h->qid; a draft's name may not exist yet with O_CREAT. */
static int open_node(struct cgfs *fs, struct cgfs_handle *h)
{
	int ret = cgfs_node_req(fs, &h->qid, "open", &h->req);

	cgfs_req_moved(&h->req);
	if (ret && !(ret == -ENOENT && h->req.route->open == CGFS_OPEN_DRAFT &&
		     (h->flags & O_CREAT)))
		return ret;
	if (h->req.node == CGFS_DIR)
		return -EISDIR;
	if (!h->req.writable && ((h->flags & O_ACCMODE) != O_RDONLY || (h->flags & O_TRUNC)))
		return -EROFS;
	h->kind = &kinds[h->req.route->open];
	ret = h->kind->open(h);
	h->req.ctx.op = "read";
	return ret;
}

int cgfs_handle_open(struct cgfs *fs, const struct cgfs_qid *q, int flags,
		     struct cgfs_handle **out)
{
	struct cgfs_handle *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	h->qid = *q;
	h->flags = flags;
	ret = open_node(fs, h);
	if (ret) {
		handle_free(h);
		return ret;
	}
	opened(h);
	*out = h;
	return 0;
}

int cgfs_handle_create(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		       int flags, struct cgfs_handle **out, struct cgfs_qid *q)
{
	struct cgfs_req r;
	int ret = cgfs_lookup(fs, dir, name, "create", &r);

	/* Only an outbox takes new names; elsewhere the tree is the API's. */
	if (!r.route || r.route->open != CGFS_OPEN_DRAFT || r.node == CGFS_DIR)
		return ret == -ENOENT || !ret ? -EROFS : ret;
	if (ret && ret != -ENOENT)
		return ret;
	cgfs_req_qid(&r, q);
	return cgfs_handle_open(fs, q, flags | O_CREAT, out);
}

ssize_t cgfs_handle_read(struct cgfs_handle *h, char *buf, size_t size, off_t off,
			 int (*interrupted)(void *arg), void *arg)
{
	cgfs_req_renew(&h->req);
	return h->kind->read(h, buf, size, off, interrupted, arg);
}

ssize_t cgfs_handle_write(struct cgfs_handle *h, const char *buf, size_t size, off_t off,
			  pid_t pid)
{
	h->writer = pid;
	cgfs_req_renew(&h->req);
	return h->kind->write(h, buf, size, off);
}

int cgfs_handle_truncate(struct cgfs_handle *h, off_t size)
{
	if (size < 0)
		return -EINVAL;
	return h->kind->truncate(h, size);
}

/* A commit point: act on what was written, once. */
static int commit(struct cgfs_handle *h, const char *op)
{
	h->wrote = 0;
	h->req.ctx.op = op;
	cgfs_req_renew(&h->req);
	return h->kind->commit ? h->kind->commit(h) : 0;
}

int cgfs_handle_flush(struct cgfs_handle *h, pid_t pid)
{
	return h->wrote && pid == h->writer ? commit(h, "flush") : 0;
}

int cgfs_handle_fsync(struct cgfs_handle *h)
{
	return h->kind->always_commits || h->wrote ? commit(h, "fsync") : 0;
}

void cgfs_handle_release(struct cgfs_handle *h, int last_chance)
{
	/* A draft's close is its own commit point (outbox.h). */
	if (last_chance && h->wrote && h->kind->commit && !h->kind->always_commits)
		commit(h, "release");
	closed(h);
	h->kind->close(h, last_chance);
	handle_free(h);
}

void cgfs_handle_release_all(void)
{
	struct cgfs_handle *h;

	while ((h = open_list)) {
		closed(h);
		/* Not a commit point: an unsent draft stays in the spool. */
		h->kind->close(h, 0);
		handle_free(h);
	}
}

int cgfs_handle_commits(const struct cgfs_handle *h)
{
	return (h->flags & O_ACCMODE) != O_RDONLY && h->kind->commit;
}

int cgfs_handle_frozen(struct cgfs_handle *h)
{
	return cgfs_req_frozen(&h->req);
}

int cgfs_handle_resized(const struct cgfs_handle *h)
{
	return h->kind->resized;
}

int cgfs_node_truncate(struct cgfs *fs, const struct cgfs_qid *q, off_t size)
{
	struct cgfs_ob_entry *e;
	struct cgfs_req r;
	int ret;

	if (size < 0)
		return -EINVAL;
	ret = cgfs_node_req(fs, q, "truncate", &r);
	if (ret)
		return ret;
	if (r.route->open != CGFS_OPEN_DRAFT)
		return r.writable ? 0 : -EROFS;
	ret = cgfs_outbox_open(fs->outbox, r.org, r.repo, r.name, 0, &e);
	if (!ret) {
		ret = cgfs_outbox_truncate(e, size);
		cgfs_outbox_close(e, NULL, NULL);
	}
	return ret;
}
