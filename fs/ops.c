/* ops.c - the FUSE operations: glue between the kernel and the route table.
 *
 * The low-level API: the kernel names files by inode number, nodes.c turns
 * numbers back into paths, and every handler resolves its path through
 * cgfs_resolve() and lets the row's functions (or the outbox, for names the
 * user makes) do the work.  Nothing here knows what an org or a run is.
 *
 * Why low-level: a draft that is sent turns from a file into a symlink.
 * Only here can a lookup answer carry its own timeouts, so the names of an
 * outbox are never cached by the kernel and `cat new/x/status` right after
 * `echo ... > new/x` finds the link, not the old file.
 */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "cache.h"
#include "logs.h"
#include "nodes.h"
#include "outbox.h"
#include "render.h"
#include "tree.h"

/* About a second of kernel caching: `ls -l` and repeated stats stay cheap,
 * yet a live file's growth shows within a second.  An outbox name that
 * changes (a draft sent) is invalidated by us at once (outbox_changed). */
#define CACHE_SECONDS 1.0

static struct cgfs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static int is_outbox(const struct cgfs_route *rt)
{
	return rt->flags & CGFS_OUTBOX;
}

static void fill_stat(const struct cgfs *fs, enum cgfs_node node, size_t size, time_t mtime,
		      int writable, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	switch (node) {
	case CGFS_DIR:
		st->st_mode = S_IFDIR | (writable ? 0755 : 0555);
		st->st_nlink = 2;
		break;
	case CGFS_FILE:
		st->st_mode = S_IFREG | (writable ? 0644 : 0444);
		st->st_nlink = 1;
		break;
	case CGFS_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		break;
	}
	st->st_size = (off_t)size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((size + 511) / 512);
	st->st_atime = st->st_mtime = st->st_ctime = mtime;
}

/* "/a" + "b" -> "/a/b" (malloc'd), or NULL. */
static char *join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	if (nl > 255)
		return NULL;
	p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (dl > 1)
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

/* The path of a child of parent; 0 or -errno. */
static int child_path(fuse_req_t req, fuse_ino_t parent, const char *name, char **out)
{
	char *dir = cgfs_nodes_path(fs_of(req)->nodes, parent, NULL);

	if (!dir)
		return errno == ENOMEM ? -ENOMEM : -ESTALE;
	if (strlen(name) > 255) {
		free(dir);
		return -ENAMETOOLONG;
	}
	*out = join(dir, name);
	free(dir);
	return *out ? 0 : -ENOMEM;
}

static int ino_path(fuse_req_t req, fuse_ino_t ino, char **out)
{
	*out = cgfs_nodes_path(fs_of(req)->nodes, ino, NULL);
	if (!*out)
		return errno == ENOMEM ? -ENOMEM : -ESTALE;
	return 0;
}

/* Resolve path and stat it. */
static int stat_path(struct cgfs *fs, const char *path, const char *op, struct cgfs_req *r,
		     struct stat *st)
{
	size_t size = 0;
	int ret = cgfs_resolve(fs, path, op, r);

	if (!ret)
		ret = cgfs_stat_node(r, &size);
	if (!ret)
		fill_stat(fs, r->node, size, r->mtime, r->writable, st);
	return ret;
}


/* Answer a lookup-like request with the entry of path. */
static void reply_entry(fuse_req_t req, const char *path, const char *op)
{
	struct cgfs *fs = fs_of(req);
	struct fuse_entry_param e;
	struct cgfs_req r;
	int ret;

	memset(&e, 0, sizeof(e));
	ret = stat_path(fs, path, op, &r, &e.attr);
	if (ret == -ENOENT && r.route) {
		/* A negative entry: the kernel may remember the absence. */
		e.entry_timeout = CACHE_SECONDS;
		fuse_reply_entry(req, &e);
		return;
	}
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	e.ino = cgfs_nodes_ref(fs->nodes, path, (int)r.node);
	if (!e.ino) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	e.attr.st_ino = e.ino;
	e.attr_timeout = e.entry_timeout = CACHE_SECONDS;
	if (fuse_reply_entry(req, &e) == -ENOENT)   /* the lookup was interrupted */
		cgfs_nodes_forget(fs->nodes, e.ino, 1);
}

static void cgfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	char *path;
	int ret = child_path(req, parent, name, &path);

	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	reply_entry(req, path, "lookup");
	free(path);
}

static void cgfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	cgfs_nodes_forget(fs_of(req)->nodes, ino, nlookup);
	fuse_reply_none(req);
}

static void cgfs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		cgfs_nodes_forget(fs_of(req)->nodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* The attributes of ino.  An inode whose path now holds another kind (a
 * draft that was sent: its name is a link now) or nothing, while a file
 * is open on it, stays what it was for those who hold it: a regular file,
 * like an unlinked one. */
static int attr_of(fuse_req_t req, fuse_ino_t ino, int open, const char *op, struct stat *st)
{
	struct cgfs *fs = fs_of(req);
	struct cgfs_req r;
	int kind = -1, ret;
	char *path = cgfs_nodes_path(fs->nodes, ino, &kind);

	if (!path)
		return errno == ENOMEM ? -ENOMEM : -ESTALE;
	ret = stat_path(fs, path, op, &r, st);
	free(path);
	if ((!ret && kind >= 0 && (int)r.node != kind) ||
	    (ret == -ENOENT && open && kind == (int)CGFS_FILE)) {
		fill_stat(fs, CGFS_FILE, 0, time(NULL), 1, st);
		ret = 0;
	}
	st->st_ino = ino;
	return ret;
}

static void reply_attr(fuse_req_t req, fuse_ino_t ino, int open, const char *op)
{
	struct stat st;
	int ret = attr_of(req, ino, open, op, &st);

	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, CACHE_SECONDS);
}

static void cgfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	reply_attr(req, ino, fi != NULL, "getattr");
}

static void cgfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct cg_buf target = { 0 };
	struct cgfs_req r;
	char *path;
	int ret = ino_path(req, ino, &path);

	if (!ret)
		ret = cgfs_resolve(fs_of(req), path, "readlink", &r);
	if (!ret && r.node != CGFS_LINK)
		ret = -EINVAL;
	if (!ret)
		ret = r.route->render(&r, &target);
	if (!ret)
		ret = cg_buf_append(&target, "", 1);   /* NUL-terminated */
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_readlink(req, target.data);
	cg_buf_free(&target);
	free(path);
}

/* ---- directories ------------------------------------------------------------------- */

/* A directory's entries, listed once at opendir (a listing is a request to
 * the API; the offsets of readdir index this snapshot). */
struct dir_entry {
	char *name;
	struct stat st;
	enum cgfs_node node;
};

struct dir_handle {
	struct cgfs *fs;
	struct dir_entry *v;
	size_t n, cap;
	char *path;
};

static int add_entry(void *arg, const char *name, enum cgfs_node node, time_t mtime,
		     size_t size, int writable)
{
	struct dir_handle *d = arg;
	struct dir_entry *e;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct dir_entry *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	e = &d->v[d->n];
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->node = node;
	/* Attributes come with the names, so `ls -l` needs no lookup each. */
	fill_stat(d->fs, node, size, mtime, writable, &e->st);
	d->n++;
	return 0;
}

static void dir_free(struct dir_handle *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	free(d->path);
	free(d);
}

static void cgfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct cgfs *fs = fs_of(req);
	struct dir_handle *d = calloc(1, sizeof(*d));
	struct cgfs_req r;
	int ret = d ? ino_path(req, ino, &d->path) : -ENOMEM;

	if (d)
		d->fs = fs;

	if (!ret)
		ret = cgfs_resolve(fs, d->path, "readdir", &r);
	if (!ret && r.node != CGFS_DIR)
		ret = -ENOTDIR;
	if (!ret)
		ret = cgfs_list(&r, add_entry, d);
	if (ret) {
		if (d)
			dir_free(d);
		fuse_reply_err(req, -ret);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	fi->cache_readdir = 0;
	if (fuse_reply_open(req, fi) == -ENOENT)
		dir_free(d);
}

static void do_readdir(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi,
		       int plus)
{
	struct dir_handle *d = (struct dir_handle *)(uintptr_t)fi->fh;
	struct cgfs *fs = fs_of(req);
	char *buf = malloc(size ? size : 1);
	size_t used = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Offsets: 1 and 2 are "." and "..", 3+i is entry i. */
	for (size_t k = off < 0 ? 0 : (size_t)off; k < d->n + 2; k++) {
		const char *name = k == 0 ? "." : k == 1 ? ".." : d->v[k - 2].name;
		struct fuse_entry_param e;
		size_t need;
		char *path = NULL;

		memset(&e, 0, sizeof(e));
		if (k < 2)
			e.attr.st_mode = S_IFDIR;
		else
			e.attr = d->v[k - 2].st;
		/* Not a number the kernel uses (readdir without plus), but never 0:
		 * readdir(3) skips entries whose d_ino is 0. */
		e.attr.st_ino = 0xffffffffu;
		need = plus ? fuse_add_direntry_plus(req, NULL, 0, name, &e, 0)
			    : fuse_add_direntry(req, NULL, 0, name, &e.attr, 0);
		if (used + need > size)
			break;
		if (plus && k >= 2) {
			/* The kernel takes a reference to every entry but . and .. */
			path = join(d->path, name);
			e.ino = path ? cgfs_nodes_ref(fs->nodes, path, (int)d->v[k - 2].node) : 0;
			free(path);
			if (!e.ino)
				break;
			e.attr.st_ino = e.ino;
			e.attr_timeout = e.entry_timeout = CACHE_SECONDS;
		}
		if (plus)
			fuse_add_direntry_plus(req, buf + used, size - used, name, &e,
					       (off_t)k + 1);
		else
			fuse_add_direntry(req, buf + used, size - used, name, &e.attr,
					  (off_t)k + 1);
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void cgfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			 struct fuse_file_info *fi)
{
	(void)ino;
	do_readdir(req, size, off, fi, 0);
}

static void cgfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			     struct fuse_file_info *fi)
{
	(void)ino;
	do_readdir(req, size, off, fi, 1);
}

static void cgfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	dir_free((struct dir_handle *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* ---- files ------------------------------------------------------------------------- */

/* An open file: its request (with its own copy of the path) and, for
 * plain files, the content rendered at open so that every read of one open
 * file sees the same bytes; for outbox names, the draft. */
struct handle {
	struct cgfs_req req;
	struct cg_buf snapshot;   /* for commit rows: the text being written */
	struct cgfs_ob_entry *entry;
	int logs_reader;
	int wrote;                  /* written since the last commit */
	pid_t writer;               /* who wrote last */
	char path[];
};

static struct handle *handle_of(struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}

static int is_wait(const struct cgfs_route *rt)
{
	return rt->flags & CGFS_WAIT;
}

static void handle_free(struct handle *h)
{
	cg_buf_free(&h->snapshot);
	free(h);
}

/* Make a handle for path (resolved), opened with flags. */
static int open_handle(fuse_req_t req, const char *path, int flags, struct handle **out)
{
	struct cgfs *fs = fs_of(req);
	size_t len = strlen(path) + 1;
	struct handle *h = calloc(1, sizeof(*h) + len);
	const struct cgfs_route *rt;
	int ret;

	if (!h)
		return -ENOMEM;
	memcpy(h->path, path, len);
	ret = cgfs_resolve(fs, h->path, "open", &h->req);
	if (ret && !(ret == -ENOENT && h->req.route && is_outbox(h->req.route) &&
		     (flags & O_CREAT)))
		goto fail;
	rt = h->req.route;
	ret = 0;
	if (h->req.node == CGFS_DIR)
		ret = -EISDIR;
	else if (!h->req.writable && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		ret = -EROFS;
	else if (is_outbox(rt))
		ret = cgfs_outbox_open(fs->outbox, h->req.org, h->req.repo, h->req.name,
				       flags, &h->entry);
	/* A commit row opened to be rewritten starts empty; opened O_RDWR it
	 * starts from the current content, so an editor can change it. */
	else if (!rt->read && !(rt->flags & CGFS_STREAM) && !is_wait(rt) &&
		 !(rt->commit && ((flags & O_TRUNC) || (flags & O_ACCMODE) == O_WRONLY)))
		ret = rt->render(&h->req, &h->snapshot);
	if (ret)
		goto fail;
	h->req.ctx.op = "read";
	if (rt->flags & CGFS_LOGS_READER) {
		h->logs_reader = 1;
		cgfs_logs_readers(fs, h->req.org, h->req.run, 1);
	}
	*out = h;
	return 0;
fail:
	handle_free(h);
	return ret;
}

static void close_handle(struct handle *h, int commit_it);

static void set_file_info(struct fuse_file_info *fi, struct handle *h)
{
	/* Content is rendered by us at read time: the page cache would serve
	 * stale bytes and clip reads at a stale size. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	/* Only a file opened for writing and written whole commits at flush;
	 * every other close spares the kernel a round trip. */
	fi->noflush = (fi->flags & O_ACCMODE) == O_RDONLY ||
		      !(h->entry || h->req.route->commit);
	fi->fh = (uint64_t)(uintptr_t)h;
}

static void cgfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h = NULL;
	char *path;
	int ret = ino_path(req, ino, &path);

	if (!ret)
		ret = open_handle(req, path, fi->flags & ~O_CREAT, &h);
	free(path);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	/* The kernel holds the size a stat saw before anyone opened the logs
	 * (what was held then); make it ask again, now that this open makes
	 * the size exact (logs.h), so `tail -n` and `wc -c` see it. */
	if (h->logs_reader && h->req.fs->se)
		fuse_lowlevel_notify_inval_inode(h->req.fs->se, ino, -1, 0);
	set_file_info(fi, h);
	if (fuse_reply_open(req, fi) == -ENOENT)
		close_handle(h, 0);
}

static void cgfs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			struct fuse_file_info *fi)
{
	struct cgfs *fs = fs_of(req);
	struct fuse_entry_param e;
	struct handle *h = NULL;
	struct cgfs_req r;
	char *path;
	int ret = child_path(req, parent, name, &path);

	(void)mode;
	memset(&e, 0, sizeof(e));
	if (!ret) {
		ret = cgfs_resolve(fs, path, "create", &r);
		/* Only an outbox takes new names; elsewhere the tree is the API's. */
		if (!r.route || !is_outbox(r.route))
			ret = ret == -ENOENT || !ret ? -EROFS : ret;
		else if (ret == -ENOENT || !ret)
			ret = open_handle(req, path, fi->flags | O_CREAT, &h);
	}
	if (!ret)
		ret = stat_path(fs, path, "create", &r, &e.attr);
	if (!ret) {
		e.ino = cgfs_nodes_ref(fs->nodes, path, (int)r.node);
		ret = e.ino ? 0 : -ENOMEM;
	}
	free(path);
	if (ret) {
		if (h)
			close_handle(h, 0);
		fuse_reply_err(req, -ret);
		return;
	}
	e.attr.st_ino = e.ino;
	e.attr_timeout = e.entry_timeout = CACHE_SECONDS;
	set_file_info(fi, h);
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		cgfs_nodes_forget(fs->nodes, e.ino, 1);
		close_handle(h, 0);
	}
}

static int slice(const char *data, size_t len, char *buf, size_t size, off_t off)
{
	size_t n;

	if (off < 0 || (size_t)off >= len)
		return 0;
	n = len - (size_t)off < size ? len - (size_t)off : size;
	memcpy(buf, data + off, n);
	return (int)n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Block while the run is working, re-reading it no faster than the run
 * TTL (the cache does not ask the server before then). */
static int wait_finished(fuse_req_t req, struct handle *h, struct cg_buf *status)
{
	struct cgfs *fs = h->req.fs;

	for (;;) {
		char text[64];
		int ret;

		cg_buf_free(status);
		ret = h->req.route->render(&h->req, status);
		if (ret)
			return ret;
		snprintf(text, sizeof(text), "%.*s",
			 (int)strcspn(status->data ? status->data : "", "\n"),
			 status->data ? status->data : "");
		if (cg_run_state_of(text) != CG_RUN_WORKING)
			return 0;
		for (double slept = 0; slept < fs->cfg.run_ttl; slept += 0.1) {
			if (fuse_req_interrupted(req))
				return -EINTR;
			sleep_ms(100);
		}
	}
}

static ssize_t read_handle(fuse_req_t req, struct handle *h, char *buf, size_t size, off_t off)
{
	const struct cgfs_route *rt = h->req.route;
	struct cg_buf fresh = { 0 };
	ssize_t ret;

	if (h->entry)
		return cgfs_outbox_read(h->entry, buf, size, off);
	if (rt->read)
		return rt->read(&h->req, buf, size, off);
	if (!is_wait(rt) && !(rt->flags & CGFS_STREAM))
		return slice(h->snapshot.data, h->snapshot.len, buf, size, off);
	ret = is_wait(rt) ? wait_finished(req, h, &fresh) : rt->render(&h->req, &fresh);
	if (!ret)
		ret = slice(fresh.data, fresh.len, buf, size, off);
	cg_buf_free(&fresh);
	return ret;
}

static void cgfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	char *buf = malloc(size ? size : 1);
	ssize_t n;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = read_handle(req, handle_of(fi), buf, size, off);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

/* An outbox name changed behind the kernel's back (a draft became its
 * receipt link, or its .error file came or went): make the kernel forget
 * both names now, so the next lookup sees what is there.  Never call this
 * while the kernel holds the outbox directory locked (inside rename). */
static void outbox_changed(struct cgfs *fs, const char *path)
{
	const char *slash = strrchr(path, '/');
	char parent[PATH_MAX], error[300];
	uint64_t ino;

	if (!fs->se || !slash || (size_t)(slash - path) >= sizeof(parent))
		return;
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	ino = cgfs_nodes_find(fs->nodes, parent);
	if (!ino)
		return;
	/* -ENOENT only means the kernel holds no such name. */
	fuse_lowlevel_notify_inval_entry(fs->se, ino, slash + 1, strlen(slash + 1));
	snprintf(error, sizeof(error), "%s%s", slash + 1, CGFS_OUTBOX_ERROR_SUFFIX);
	fuse_lowlevel_notify_inval_entry(fs->se, ino, error, strlen(error));
}

/* After a commit point of a draft: did it change its names? */
static void after_commit(struct handle *h, int ret)
{
	if (ret < 0 || cgfs_outbox_kind(h->entry) == CGFS_OB_RECEIPT)
		outbox_changed(h->req.fs, h->path);
}

/* A commit point: act on what was written, once. */
static int commit(struct handle *h, const char *op)
{
	int ret;

	h->wrote = 0;
	h->req.ctx.op = op;
	if (h->entry) {
		ret = cgfs_outbox_commit(h->entry, cgfs_send_draft, h->req.fs);
		after_commit(h, ret);
		return ret;
	}
	if (!h->req.route->commit)
		return 0;
	return h->req.route->commit(&h->req, h->snapshot.data ? h->snapshot.data : "",
				    h->snapshot.len);
}

static void close_handle(struct handle *h, int commit_it)
{
	if (h->entry) {
		cgfs_outbox_close(h->entry, commit_it ? cgfs_send_draft : NULL, h->req.fs);
		/* The entry is gone from here; it may have been sent. */
		if (commit_it)
			outbox_changed(h->req.fs, h->path);
	} else if (commit_it && h->wrote)
		commit(h, "release");
	if (h->logs_reader)
		cgfs_logs_readers(h->req.fs, h->req.org, h->req.run, -1);
	handle_free(h);
}

/* Make the text of a commit row at least size bytes (zero-filled). */
static int grow_to(struct handle *h, size_t size)
{
	static const char zeros[4096];
	int ret = cg_buf_append(&h->snapshot, NULL, 0);

	while (!ret && h->snapshot.len < size) {
		size_t n = size - h->snapshot.len < sizeof(zeros) ? size - h->snapshot.len
								 : sizeof(zeros);

		ret = cg_buf_append(&h->snapshot, zeros, n);
	}
	return ret;
}

static ssize_t write_handle(struct handle *h, const char *buf, size_t size, off_t off,
			    pid_t writer)
{
	ssize_t ret;

	h->writer = writer;
	if (h->entry) {
		ret = cgfs_outbox_write(h->entry, buf, size, off);
		if (ret >= 0)
			h->wrote = 1;
		return ret;
	}
	if (h->req.route->commit) {
		if (off < 0)
			return -EINVAL;
		ret = grow_to(h, (size_t)off + size);
		if (ret)
			return ret;
		memcpy(h->snapshot.data + off, buf, size);
		h->wrote = 1;
		return (ssize_t)size;
	}
	if (!h->req.route->write)
		return -EROFS;
	h->req.ctx.op = "write";
	ret = h->req.route->write(&h->req, buf, size);
	return ret ? ret : (ssize_t)size;
}

static void cgfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	ssize_t n = write_handle(handle_of(fi), buf, size, off, fuse_req_ctx(req)->pid);

	(void)ino;
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* A flush commits what this handle wrote when it comes from the process
 * that wrote it: a shell that opened `> file` for a child, or a child
 * closing an inherited descriptor, does not commit; the writer's close
 * does, and sees the error. */
static void cgfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	int ret = 0;

	(void)ino;
	if (h->wrote && fuse_req_ctx(req)->pid == h->writer)
		ret = commit(h, "flush");
	fuse_reply_err(req, -ret);
}

static void cgfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	int ret = h->entry || h->wrote ? commit(h, "fsync") : 0;

	(void)ino;
	(void)datasync;
	fuse_reply_err(req, -ret);
}

static void cgfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	/* The last chance; nobody sees this result (close already returned). */
	close_handle(handle_of(fi), 1);
	fuse_reply_err(req, 0);
}

/* Cut a file to size: an open handle's text, or a draft by name.  Control
 * files have no content to cut: `> ctl` truncates nothing. */
static int truncate_to(fuse_req_t req, const char *path, off_t size, struct handle *h)
{
	struct cgfs_req r;
	int ret;

	if (size < 0)
		return -EINVAL;
	if (h && h->entry) {
		ret = cgfs_outbox_truncate(h->entry, size);
		if (!ret)
			h->wrote = 1;
		return ret;
	}
	if (h && h->req.route->commit) {
		if ((size_t)size > h->snapshot.len) {
			ret = grow_to(h, (size_t)size);
			if (ret)
				return ret;
		}
		h->snapshot.len = (size_t)size;
		if (h->snapshot.data)
			h->snapshot.data[size] = '\0';
		h->wrote = 1;
		return 0;
	}
	ret = cgfs_resolve(fs_of(req), path, "truncate", &r);
	if (ret)
		return ret;
	if (is_outbox(r.route)) {
		struct cgfs_ob_entry *e;

		ret = cgfs_outbox_open(r.fs->outbox, r.org, r.repo, r.name, 0, &e);
		if (!ret) {
			ret = cgfs_outbox_truncate(e, size);
			cgfs_outbox_close(e, NULL, NULL);
		}
		return ret;
	}
	return r.writable ? 0 : -EROFS;
}

static void cgfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			 struct fuse_file_info *fi)
{
	struct handle *h = fi ? handle_of(fi) : NULL;
	struct cgfs_req r;
	char *path;
	int ret = ino_path(req, ino, &path);

	if (!ret && (to_set & FUSE_SET_ATTR_SIZE))
		ret = truncate_to(req, path, attr->st_size, h);
	/* Modes, owners and times are not the API's to keep; a draft accepts
	 * (and ignores) them so that touch, cp -p and editors work, and a
	 * writable file its times. */
	if (!ret && (to_set & ~FUSE_SET_ATTR_SIZE)) {
		ret = cgfs_resolve(fs_of(req), path, "setattr", &r);
		if (!ret && !is_outbox(r.route) &&
		    ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) ||
		     !r.writable))
			ret = -EROFS;
	}
	free(path);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		reply_attr(req, ino, h != NULL, "setattr");
}

/* ---- names ------------------------------------------------------------------------- */

/* Resolve a name in parent that must be in an outbox; 0, or the errno for
 * a tree the user cannot change (err_elsewhere). */
static int outbox_name(fuse_req_t req, fuse_ino_t parent, const char *name, const char *op,
		       int err_elsewhere, char **path, struct cgfs_req *r)
{
	int ret = child_path(req, parent, name, path);

	if (ret)
		return ret;
	ret = cgfs_resolve(fs_of(req), *path, op, r);
	if (r->route && is_outbox(r->route))
		return ret;
	return ret && ret != -ENOENT ? ret : -err_elsewhere;
}

static void cgfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cgfs_req r;
	char *path = NULL;
	int ret = outbox_name(req, parent, name, "unlink", EPERM, &path, &r);

	if (!ret)
		ret = cgfs_outbox_unlink(r.fs->outbox, r.org, r.repo, r.name);
	if (!ret)
		cgfs_nodes_detach(r.fs->nodes, path);
	free(path);
	fuse_reply_err(req, -ret);
}

static void cgfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct cgfs_req from, to;
	struct cgfs *fs;
	char *fpath = NULL, *tpath = NULL;
	int ret = outbox_name(req, parent, name, "rename", EROFS, &fpath, &from);

	if (!ret || ret == -ENOENT) {
		int tret = outbox_name(req, newparent, newname, "rename", EROFS, &tpath, &to);

		if (tret && tret != -ENOENT)
			ret = tret;
	}
	/* Another outbox: mv copies and removes, which works. */
	if (!ret && (from.route != to.route || from.org != to.org || from.repo != to.repo))
		ret = -EXDEV;
	if (!ret)
		ret = cgfs_outbox_rename(from.fs->outbox, from.org, from.repo, from.name,
					 to.name, flags);
	if (!ret) {
		cgfs_nodes_rename(from.fs->nodes, fpath, tpath);
		/* A rename onto a plain name is a commit point (editors save so). */
		ret = cgfs_outbox_commit_name(to.fs->outbox, to.org, to.repo, to.name,
					      cgfs_send_draft, to.fs);
		if (ret == -ENOENT)
			ret = 0;
	}
	/* The kernel holds the directory locked until this reply: only after
	 * it may the changed name be invalidated. */
	fs = fs_of(req);
	fuse_reply_err(req, -ret);     /* req is gone after this */
	if (tpath && ret != -EXDEV)
		outbox_changed(fs, tpath);
	free(fpath);
	free(tpath);
}

static void cgfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       dev_t rdev)
{
	struct cgfs_ob_entry *e;
	struct cgfs_req r;
	char *path = NULL;
	int ret = outbox_name(req, parent, name, "mknod", EROFS, &path, &r);

	(void)rdev;
	if (ret == -ENOENT)
		ret = S_ISREG(mode) ? 0 : -EPERM;
	else if (!ret)
		ret = -EEXIST;
	if (!ret)
		ret = cgfs_outbox_open(r.fs->outbox, r.org, r.repo, r.name, O_CREAT | O_EXCL, &e);
	if (!ret) {
		cgfs_outbox_close(e, NULL, NULL);
		reply_entry(req, path, "mknod");
	} else {
		fuse_reply_err(req, -ret);
	}
	free(path);
}

static void cgfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void)ino;
	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	fuse_reply_statfs(req, &st);
}

static void refuse_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent; (void)name; (void)mode;
	fuse_reply_err(req, EROFS);
}

static void refuse_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent; (void)name;
	fuse_reply_err(req, EPERM);
}

static void refuse_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
			   const char *name)
{
	(void)link; (void)parent; (void)name;
	fuse_reply_err(req, EROFS);
}

static void refuse_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
			const char *newname)
{
	(void)ino; (void)newparent; (void)newname;
	fuse_reply_err(req, EROFS);
}

static void cgfs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* Our files change behind the kernel's back: no write-back caching. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	/* O_TRUNC arrives with the open, not as a separate truncate. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

void cgfs_logs_grew(struct cgfs *fs, int64_t org, int64_t run)
{
	static const char *const files[] = { "logs", "logs.jsonl" };
	char path[128];

	if (!fs->se)
		return;
	for (size_t i = 0; i < 2; i++) {
		uint64_t ino;

		snprintf(path, sizeof(path), "/orgs/%lld/runs/%lld/%s", (long long)org,
			 (long long)run, files[i]);
		/* No number: the kernel holds nothing to forget. */
		ino = cgfs_nodes_find(fs->nodes, path);
		if (ino)
			fuse_lowlevel_notify_inval_inode(fs->se, ino, 0, 0);
	}
}

const struct fuse_lowlevel_ops cgfs_operations = {
	.init = cgfs_init,
	.lookup = cgfs_lookup,
	.forget = cgfs_forget,
	.forget_multi = cgfs_forget_multi,
	.getattr = cgfs_getattr,
	.setattr = cgfs_setattr,
	.readlink = cgfs_readlink,
	.mknod = cgfs_mknod,
	.mkdir = refuse_mkdir,
	.unlink = cgfs_unlink,
	.rmdir = refuse_rmdir,
	.symlink = refuse_symlink,
	.rename = cgfs_rename,
	.link = refuse_link,
	.open = cgfs_open,
	.read = cgfs_read,
	.write = cgfs_write,
	.flush = cgfs_flush,
	.release = cgfs_release,
	.fsync = cgfs_fsync,
	.opendir = cgfs_opendir,
	.readdir = cgfs_readdir,
	.readdirplus = cgfs_readdirplus,
	.releasedir = cgfs_releasedir,
	.statfs = cgfs_statfs,
	.create = cgfs_create,
};
