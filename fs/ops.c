/* ops.c - the FUSE operations: glue between the kernel and the route table.
 *
 * Every handler resolves its path through cgfs_resolve() and lets the
 * row's functions do the work; nothing here knows what an org or a run is.
 * Handlers return 0 or -errno, as libfuse expects.
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
#include "render.h"
#include "tree.h"

static struct cgfs *fs_of(void)
{
	return fuse_get_context()->private_data;
}

static int writable(const struct cgfs_route *rt)
{
	return rt->write || rt->commit;
}

static void fill_stat(const struct cgfs *fs, enum cgfs_node node, size_t size, time_t mtime,
		      int writable, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	switch (node) {
	case CGFS_DIR:
		st->st_mode = S_IFDIR | 0555;
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

static int cgfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct cgfs *fs = fs_of();
	struct cgfs_req r;
	size_t size = 0;
	int ret;

	(void)fi;
	ret = cgfs_resolve(fs, path, "getattr", &r);
	if (!ret)
		ret = cgfs_stat_node(&r, &size);
	if (ret)
		return ret;
	fill_stat(fs, r.route->node, size, r.mtime, writable(r.route), st);
	return 0;
}

static int cgfs_readlink(const char *path, char *buf, size_t size)
{
	struct cgfs_buf target = { 0 };
	struct cgfs_req r;
	int ret = cgfs_resolve(fs_of(), path, "readlink", &r);

	if (ret)
		return ret;
	if (r.route->node != CGFS_LINK)
		return -EINVAL;
	ret = r.route->render(&r, &target);
	if (!ret && size) {
		size_t n = target.len < size - 1 ? target.len : size - 1;

		memcpy(buf, target.data, n);
		buf[n] = '\0';
	}
	cgfs_buf_free(&target);
	return ret;
}

struct dir_fill {
	struct cgfs *fs;
	void *buf;
	fuse_fill_dir_t filler;
};

static int add_entry(void *arg, const char *name, enum cgfs_node node, time_t mtime,
		     size_t size, int writable)
{
	struct dir_fill *d = arg;
	struct stat st;

	fill_stat(d->fs, node, size, mtime, writable, &st);
	/* Attributes come with the names, so `ls -l` needs no lookup each. */
	return d->filler(d->buf, name, &st, 0, FUSE_FILL_DIR_PLUS) ? -ENOMEM : 0;
}

static int cgfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
			struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dir_fill d = { fs_of(), buf, filler };
	struct cgfs_req r;
	int ret;

	(void)off;
	(void)fi;
	(void)flags;
	ret = cgfs_resolve(d.fs, path, "readdir", &r);
	if (ret)
		return ret;
	if (r.route->node != CGFS_DIR)
		return -ENOTDIR;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	return cgfs_list(&r, add_entry, &d);
}

/* An open file: its request (with its own copy of the path) and, for
 * plain files, the content rendered at open so that every read of one open
 * file sees the same bytes. */
struct handle {
	struct cgfs_req req;
	struct cgfs_buf snapshot;   /* for commit rows: the text being written */
	int logs_reader;
	int wrote;                  /* written since the last commit */
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

static int cgfs_open(const char *path, struct fuse_file_info *fi)
{
	struct cgfs *fs = fs_of();
	size_t len = strlen(path) + 1;
	struct handle *h;
	int ret;

	h = calloc(1, sizeof(*h) + len);
	if (!h)
		return -ENOMEM;
	memcpy(h->path, path, len);
	ret = cgfs_resolve(fs, h->path, "open", &h->req);
	if (!ret && h->req.route->node == CGFS_DIR)
		ret = -EISDIR;
	if (!ret && !writable(h->req.route) &&
	    ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)))
		ret = -EROFS;
	/* A commit row opened to be rewritten starts empty; opened O_RDWR it
	 * starts from the current content, so an editor can change it. */
	if (!ret && !h->req.route->read && !(h->req.route->flags & CGFS_STREAM) &&
	    !is_wait(h->req.route) &&
	    !(h->req.route->commit && ((fi->flags & O_TRUNC) ||
				       (fi->flags & O_ACCMODE) == O_WRONLY)))
		ret = h->req.route->render(&h->req, &h->snapshot);
	if (ret) {
		cgfs_buf_free(&h->snapshot);
		free(h);
		return ret;
	}
	h->req.ctx.op = "read";
	if (h->req.route->flags & CGFS_LOGS_READER) {
		h->logs_reader = 1;
		cgfs_logs_readers(fs, h->req.org, h->req.run, 1);
	}
	/* Content is rendered by us at read time: the page cache would serve
	 * stale bytes and clip reads at a stale size. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

static int slice(const struct cgfs_buf *b, char *buf, size_t size, off_t off)
{
	size_t n;

	if (off < 0 || (size_t)off >= b->len)
		return 0;
	n = b->len - (size_t)off < size ? b->len - (size_t)off : size;
	memcpy(buf, b->data + off, n);
	return (int)n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Block while the run is working, re-reading it no faster than the run
 * TTL (the cache does not ask the server before then). */
static int wait_finished(struct handle *h, struct cgfs_buf *status)
{
	struct cgfs *fs = h->req.fs;

	for (;;) {
		char text[64];
		int ret;

		cgfs_buf_free(status);
		ret = h->req.route->render(&h->req, status);
		if (ret)
			return ret;
		snprintf(text, sizeof(text), "%.*s", (int)strcspn(status->data ? status->data : "", "\n"),
			 status->data ? status->data : "");
		if (cg_run_state_of(text) != CG_RUN_WORKING)
			return 0;
		for (double slept = 0; slept < fs->cfg.run_ttl; slept += 0.1) {
			if (fuse_interrupted())
				return -EINTR;
			sleep_ms(100);
		}
	}
}

static int cgfs_read(const char *path, char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	const struct cgfs_route *rt = h->req.route;
	struct cgfs_buf fresh = { 0 };
	int ret;

	(void)path;
	if (rt->read) {
		return (int)rt->read(&h->req, buf, size, off);
	}
	if (!is_wait(rt) && !(rt->flags & CGFS_STREAM))
		return slice(&h->snapshot, buf, size, off);
	ret = is_wait(rt) ? wait_finished(h, &fresh) : rt->render(&h->req, &fresh);
	if (!ret)
		ret = slice(&fresh, buf, size, off);
	cgfs_buf_free(&fresh);
	return ret;
}

/* A commit point: act on what was written, once. */
static int commit(struct handle *h, const char *op)
{
	int ret;

	if (!h->wrote || !h->req.route->commit)
		return 0;
	h->wrote = 0;
	h->req.ctx.op = op;
	ret = h->req.route->commit(&h->req, h->snapshot.data ? h->snapshot.data : "",
				   h->snapshot.len);
	return ret;
}

static int cgfs_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return commit(handle_of(fi), "flush");
}

static int cgfs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	return commit(handle_of(fi), "fsync");
}

static int cgfs_release(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);

	(void)path;
	/* The last chance; nobody sees this result (close already returned). */
	commit(h, "release");
	if (h->logs_reader)
		cgfs_logs_readers(h->req.fs, h->req.org, h->req.run, -1);
	cgfs_buf_free(&h->snapshot);
	free(h);
	return 0;
}

static int cgfs_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	memset(st, 0, sizeof(*st));
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namemax = 255;
	return 0;
}

/* ---- the read-only side ---------------------------------------------------------- */

static int refuse_mkdir(const char *path, mode_t mode) { (void)path; (void)mode; return -EROFS; }
static int refuse_unlink(const char *path) { (void)path; return -EPERM; }
static int refuse_rmdir(const char *path) { (void)path; return -EPERM; }
static int refuse_symlink(const char *from, const char *to) { (void)from; (void)to; return -EROFS; }
static int refuse_link(const char *from, const char *to) { (void)from; (void)to; return -EROFS; }

static int refuse_rename(const char *from, const char *to, unsigned int flags)
{
	(void)from; (void)to; (void)flags;
	return -EROFS;
}

static int refuse_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path; (void)mode; (void)fi;
	return -EROFS;
}

static int refuse_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)path; (void)uid; (void)gid; (void)fi;
	return -EROFS;
}

/* Make the text of a commit row at least size bytes (zero-filled), and
 * mark it written. */
static int grow_to(struct handle *h, size_t size)
{
	size_t old = h->snapshot.len;

	if (size > old) {
		int ret = cgfs_buf_append(&h->snapshot, NULL, 0);

		while (!ret && h->snapshot.len < size) {
			static const char zeros[4096];
			size_t n = size - h->snapshot.len < sizeof(zeros) ? size - h->snapshot.len
									 : sizeof(zeros);

			ret = cgfs_buf_append(&h->snapshot, zeros, n);
		}
		if (ret)
			return ret;
	}
	h->wrote = 1;
	return 0;
}

/* Control files have no content to cut: `> ctl` truncates nothing; a file
 * written whole is cut in its open handle. */
static int cgfs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct cgfs_req r;
	int ret;

	if (fi && fi->fh && handle_of(fi)->req.route->commit) {
		struct handle *h = handle_of(fi);

		if (size < 0 || (size_t)size > h->snapshot.len)
			return size < 0 ? -EINVAL : grow_to(h, (size_t)size);
		h->snapshot.len = (size_t)size;
		if (h->snapshot.data)
			h->snapshot.data[size] = '\0';
		h->wrote = 1;
		return 0;
	}
	ret = cgfs_resolve(fs_of(), path, "truncate", &r);
	if (ret)
		return ret;
	return writable(r.route) ? 0 : -EROFS;
}

static int cgfs_write(const char *path, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	int ret;

	(void)path;
	if (h->req.route->commit) {
		if (off < 0)
			return -EINVAL;
		ret = grow_to(h, (size_t)off + size);
		if (ret)
			return ret;
		memcpy(h->snapshot.data + off, buf, size);
		return (int)size;
	}
	if (!h->req.route->write)
		return -EROFS;
	h->req.ctx.op = "write";
	ret = h->req.route->write(&h->req, buf, size);
	return ret ? ret : (int)size;
}

static int refuse_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path; (void)mode; (void)fi;
	return -EROFS;
}

static int refuse_utimens(const char *path, const struct timespec tv[2],
			  struct fuse_file_info *fi)
{
	(void)path; (void)tv; (void)fi;
	return -EROFS;
}

static void *cgfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* About a second of kernel caching: `ls -l` and repeated stats stay
	 * cheap, yet a live file's growth shows within a second. */
	cfg->entry_timeout = 1.0;
	cfg->attr_timeout = 1.0;
	cfg->negative_timeout = 1.0;
	cfg->use_ino = 0;
	cfg->kernel_cache = 0;
	return fs_of();
}

void cgfs_logs_grew(struct cgfs *fs, int64_t org, int64_t run)
{
	static const char *const files[] = { "logs", "logs.jsonl" };
	char path[128];

	if (!fs->fuse)
		return;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/orgs/%lld/runs/%lld/%s", (long long)org,
			 (long long)run, files[i]);
		/* -ENOENT only means the kernel holds no node for it. */
		fuse_invalidate_path(fs->fuse, path);
	}
}

const struct fuse_operations cgfs_operations = {
	.init = cgfs_init,
	.getattr = cgfs_getattr,
	.readlink = cgfs_readlink,
	.readdir = cgfs_readdir,
	.open = cgfs_open,
	.read = cgfs_read,
	.flush = cgfs_flush,
	.fsync = cgfs_fsync,
	.release = cgfs_release,
	.statfs = cgfs_statfs,
	.mkdir = refuse_mkdir,
	.unlink = refuse_unlink,
	.rmdir = refuse_rmdir,
	.symlink = refuse_symlink,
	.rename = refuse_rename,
	.link = refuse_link,
	.chmod = refuse_chmod,
	.chown = refuse_chown,
	.truncate = cgfs_truncate,
	.write = cgfs_write,
	.create = refuse_create,
	.utimens = refuse_utimens,
};
