/* ops.c - the FUSE operations: the adapter between the kernel and the tree.
 *
 * The low-level API: the kernel names files by inode number; nodes.c turns
 * a number back into its node (a route row and ids, routes.h), and every
 * handler hands that node to the layer that knows it: routes.c for lookup,
 * stat and listing, handle.c for open files, names.c for the names users
 * make.  Nothing here knows what an org or a run is, or parses a path.
 *
 * Why low-level: a draft that is sent turns from a file into a symlink.
 * Only here can a lookup answer carry its own timeouts, so the names of an
 * outbox are never cached by the kernel and `cat new/x/status` right after
 * `echo ... > new/x` finds the link, not the old file.
 */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "frozen.h"
#include "handle.h"
#include "names.h"
#include "nodes.h"
#include "notify.h"
#include "routes.h"

/* About a second of kernel caching: `ls -l` and repeated stats stay cheap,
 * yet a live file's growth shows within a second.  An outbox name that
 * changes (a draft sent) is invalidated by us at once (names.h). */
#define CACHE_SECONDS 1.0

static struct cgfs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* The mode tells the truth: with other users in (-o allow_other), the
 * owner's rows are 0700 / 0600 / 0400, as the owner alone may use them. */
static void fill_stat(const struct cgfs *fs, enum cgfs_node node, size_t size, time_t mtime,
		      int writable, const struct cgfs_route *rt, struct stat *st)
{
	int mine = fs->shared && rt && cgfs_route_owner_only(rt);

	memset(st, 0, sizeof(*st));
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	switch (node) {
	case CGFS_DIR:
		st->st_mode = S_IFDIR | (mine ? 0700 : writable ? 0755 : 0555);
		st->st_nlink = 2;
		break;
	case CGFS_FILE:
		st->st_mode = S_IFREG | (mine ? (writable ? 0600 : 0400) : writable ? 0644 : 0444);
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

/* The owner's rows are refused to every other uid (routes.h
 * cgfs_owner_check), here rather than by the kernel (default_permissions):
 * that holds whatever options the mount was given, for root too. */
static int owner_check(fuse_req_t req, const struct cgfs_qid *q, int inside)
{
	return cgfs_owner_check(fs_of(req), fuse_req_ctx(req)->uid, q, inside);
}

/* The node of ino: 0, or -ESTALE for a number we do not know. */
static int node_of(fuse_req_t req, fuse_ino_t ino, struct cgfs_qid *q, int *kind)
{
	return cgfs_nodes_get(fs_of(req)->nodes, ino, q, kind);
}

static int stat_req(struct cgfs_req *r, struct stat *st)
{
	size_t size = 0;
	int ret = cgfs_stat_node(r, &size);

	if (!ret)
		fill_stat(r->fs, r->node, size, r->mtime, r->writable, r->route, st);
	return ret;
}

/* Answer a lookup-like request with the node of r (resolved with ret). */
static void reply_entry(fuse_req_t req, struct cgfs_req *r, int ret)
{
	struct cgfs *fs = fs_of(req);
	struct fuse_entry_param e;
	struct cgfs_qid q;

	memset(&e, 0, sizeof(e));
	if (!ret)
		ret = stat_req(r, &e.attr);
	if (ret == -ENOENT && r->route) {
		/* A negative entry: the kernel may remember the absence. */
		e.entry_timeout = CACHE_SECONDS;
		fuse_reply_entry(req, &e);
		return;
	}
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	cgfs_req_qid(r, &q);
	e.ino = cgfs_nodes_ref(fs->nodes, &q, (int)r->node);
	if (!e.ino) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	e.attr.st_ino = e.ino;
	e.attr_timeout = e.entry_timeout = cgfs_frozen_timeout(fs, r, e.ino, CACHE_SECONDS);
	if (fuse_reply_entry(req, &e) == -ENOENT)   /* the lookup was interrupted */
		cgfs_nodes_forget(fs->nodes, e.ino, 1);
}

static void cgfs_lookup_op(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cgfs_qid dir;
	struct cgfs_req r;
	int ret = node_of(req, parent, &dir, NULL);

	if (!ret)
		ret = owner_check(req, &dir, 0);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	ret = cgfs_lookup(fs_of(req), &dir, name, "lookup", &r);
	reply_entry(req, &r, ret);
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

/* The attributes of ino.  An inode whose node now holds another kind (a
 * draft that was sent: its name is a link now) or nothing, while a file
 * is open on it, stays what it was for those who hold it: a regular file,
 * like an unlinked one. */
static int attr_of(fuse_req_t req, fuse_ino_t ino, int open, const char *op, struct stat *st,
		   double *timeout)
{
	struct cgfs *fs = fs_of(req);
	struct cgfs_qid q;
	struct cgfs_req r;
	int kind = -1, ret = node_of(req, ino, &q, &kind);

	if (!ret)
		ret = owner_check(req, &q, 1);
	if (ret)
		return ret;
	ret = cgfs_node_req(fs, &q, op, &r);
	if (!ret)
		ret = stat_req(&r, st);
	*timeout = CACHE_SECONDS;
	if ((!ret && kind >= 0 && (int)r.node != kind) ||
	    (ret == -ENOENT && open && kind == (int)CGFS_FILE)) {
		fill_stat(fs, CGFS_FILE, 0, time(NULL), 1, cgfs_route_at(q.row), st);
		cgfs_nodes_set_frozen(fs->nodes, ino, 0);
		ret = 0;
	} else if (!ret) {
		*timeout = cgfs_frozen_timeout(fs, &r, ino, CACHE_SECONDS);
	}
	st->st_ino = ino;
	return ret;
}

static void reply_attr(fuse_req_t req, fuse_ino_t ino, int open, const char *op)
{
	struct stat st;
	double timeout;
	int ret = attr_of(req, ino, open, op, &st, &timeout);

	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, timeout);
}

static void cgfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	reply_attr(req, ino, fi != NULL, "getattr");
}

static void cgfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct cg_buf target = { 0 };
	struct cgfs_qid q;
	struct cgfs_req r;
	int ret = node_of(req, ino, &q, NULL);

	if (!ret)
		ret = owner_check(req, &q, 0);
	if (!ret)
		ret = cgfs_node_req(fs_of(req), &q, "readlink", &r);
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
	struct cgfs_qid qid;
};

static int add_entry(void *arg, const char *name, enum cgfs_node node, time_t mtime,
		     size_t size, int writable)
{
	struct dir_handle *d = arg;
	struct cgfs_qid child;
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
	fill_stat(d->fs, node, size, mtime, writable,
		  cgfs_match_child(&d->qid, name, &child) ? NULL : cgfs_route_at(child.row),
		  &e->st);
	d->n++;
	return 0;
}

static void dir_free(struct dir_handle *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	free(d);
}

static void cgfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct cgfs *fs = fs_of(req);
	struct dir_handle *d = calloc(1, sizeof(*d));
	struct cgfs_req r;
	int ret = d ? node_of(req, ino, &d->qid, NULL) : -ENOMEM;

	if (d)
		d->fs = fs;
	if (!ret)
		ret = owner_check(req, &d->qid, 0);
	if (!ret)
		ret = cgfs_node_req(fs, &d->qid, "readdir", &r);
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
		struct cgfs_qid child;
		size_t need;

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
			e.ino = cgfs_match_child(&d->qid, name, &child)
				? 0 : cgfs_nodes_ref(fs->nodes, &child, (int)d->v[k - 2].node);
			if (!e.ino)
				break;
			e.attr.st_ino = e.ino;
			/* Attributes from the listing taken at opendir may be older
			 * than a file's freezing (a log fetched since, its size 0
			 * here): never long, and the mark says so. */
			cgfs_nodes_set_frozen(fs->nodes, e.ino, 0);
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

/* ---- files: handle.h does the work -------------------------------------------------- */

static struct cgfs_handle *handle_of(struct fuse_file_info *fi)
{
	return (struct cgfs_handle *)(uintptr_t)fi->fh;
}

static void set_file_info(struct fuse_file_info *fi, struct cgfs_handle *h, int frozen)
{
	/* Content is rendered by us at read time: the page cache would serve
	 * stale bytes and clip reads at a stale size.  Not so for what cannot
	 * change (frozen.h): its pages are kept across opens. */
	fi->direct_io = !frozen;
	fi->keep_cache = frozen;
	/* Only a file that can commit needs its flush; every other close
	 * spares the kernel a round trip. */
	fi->noflush = !cgfs_handle_commits(h);
	fi->fh = (uint64_t)(uintptr_t)h;
}

static void cgfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct cgfs *fs = fs_of(req);
	struct cgfs_handle *h = NULL;
	struct cgfs_qid q;
	int frozen, ret = node_of(req, ino, &q, NULL);

	if (!ret)
		ret = owner_check(req, &q, 0);
	if (!ret)
		ret = cgfs_handle_open(fs, &q, fi->flags & ~O_CREAT, &h);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	frozen = cgfs_handle_frozen(h);
	cgfs_frozen_open(fs, ino, frozen, cgfs_handle_resized(h));
	set_file_info(fi, h, frozen);
	if (fuse_reply_open(req, fi) == -ENOENT)
		cgfs_handle_release(h, 0);
}

static void cgfs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			struct fuse_file_info *fi)
{
	struct cgfs *fs = fs_of(req);
	struct fuse_entry_param e;
	struct cgfs_handle *h = NULL;
	struct cgfs_qid dir, q;
	struct cgfs_req r;
	int ret = node_of(req, parent, &dir, NULL);

	(void)mode;
	memset(&e, 0, sizeof(e));
	if (!ret)
		ret = owner_check(req, &dir, 0);
	if (!ret)
		ret = cgfs_handle_create(fs, &dir, name, fi->flags, &h, &q);
	if (!ret)
		ret = cgfs_node_req(fs, &q, "create", &r);
	if (!ret)
		ret = stat_req(&r, &e.attr);
	if (!ret) {
		e.ino = cgfs_nodes_ref(fs->nodes, &q, (int)r.node);
		ret = e.ino ? 0 : -ENOMEM;
	}
	if (ret) {
		if (h)
			cgfs_handle_release(h, 0);
		fuse_reply_err(req, -ret);
		return;
	}
	e.attr.st_ino = e.ino;
	e.attr_timeout = e.entry_timeout = CACHE_SECONDS;
	set_file_info(fi, h, 0);
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		cgfs_nodes_forget(fs->nodes, e.ino, 1);
		cgfs_handle_release(h, 0);
	}
}

static int interrupted(void *req)
{
	return fuse_req_interrupted(req);
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
	n = cgfs_handle_read(handle_of(fi), buf, size, off, interrupted, req);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void cgfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	ssize_t n = cgfs_handle_write(handle_of(fi), buf, size, off, fuse_req_ctx(req)->pid);

	(void)ino;
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

static void cgfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, -cgfs_handle_flush(handle_of(fi), fuse_req_ctx(req)->pid));
}

static void cgfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	fuse_reply_err(req, -cgfs_handle_fsync(handle_of(fi)));
}

static void cgfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	/* The last chance; nobody sees this result (close already returned). */
	cgfs_handle_release(handle_of(fi), 1);
	fuse_reply_err(req, 0);
}

static void cgfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			 struct fuse_file_info *fi)
{
	struct cgfs_handle *h = fi ? handle_of(fi) : NULL;
	struct cgfs_qid q;
	struct cgfs_req r;
	int ret = node_of(req, ino, &q, NULL);

	if (!ret)
		ret = owner_check(req, &q, 0);
	if (!ret && (to_set & FUSE_SET_ATTR_SIZE))
		ret = h ? cgfs_handle_truncate(h, attr->st_size)
			: cgfs_node_truncate(fs_of(req), &q, attr->st_size);
	/* Modes, owners and times are not the API's to keep; a draft accepts
	 * (and ignores) them so that touch, cp -p and editors work, and a
	 * writable file its times. */
	if (!ret && (to_set & ~FUSE_SET_ATTR_SIZE)) {
		ret = cgfs_node_req(fs_of(req), &q, "setattr", &r);
		if (!ret && r.route->open != CGFS_OPEN_DRAFT &&
		    ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) ||
		     !r.writable))
			ret = -EROFS;
	}
	if (ret)
		fuse_reply_err(req, -ret);
	else
		reply_attr(req, ino, h != NULL, "setattr");
}

/* ---- names: names.h does the work ------------------------------------------------------- */

static void cgfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cgfs_qid dir;
	int ret = node_of(req, parent, &dir, NULL);

	if (!ret)
		ret = owner_check(req, &dir, 0);
	if (!ret)
		ret = cgfs_names_unlink(fs_of(req), &dir, name);
	fuse_reply_err(req, -ret);
}

static void cgfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct cgfs *fs = fs_of(req);
	struct cgfs_qid dir, newdir, target;
	int changed = 0, ret = node_of(req, parent, &dir, NULL);

	if (!ret)
		ret = node_of(req, newparent, &newdir, NULL);
	if (!ret)
		ret = owner_check(req, &dir, 0);
	if (!ret)
		ret = owner_check(req, &newdir, 0);
	if (!ret)
		ret = cgfs_names_rename(fs, &dir, name, &newdir, newname, flags, &changed,
					&target);
	/* The kernel holds the directory locked until this reply: only after
	 * it may the changed name be invalidated. */
	fuse_reply_err(req, -ret);     /* req is gone after this */
	if (changed)
		cgfs_names_changed(fs, &target);
}

static void cgfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       dev_t rdev)
{
	struct cgfs_qid dir, made;
	struct cgfs_req r;
	int ret = node_of(req, parent, &dir, NULL);

	(void)rdev;
	if (!ret)
		ret = owner_check(req, &dir, 0);
	if (!ret)
		ret = cgfs_names_mknod(fs_of(req), &dir, name, mode, &made);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	ret = cgfs_node_req(fs_of(req), &made, "mknod", &r);
	reply_entry(req, &r, ret);
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

/* The tree is the API's: no directory, symlink or hard link is made there. */
#define REFUSE(fn, err, ...) \
	static void fn(fuse_req_t req, __VA_ARGS__) { fuse_reply_err(req, err); }
REFUSE(refuse_mkdir, EROFS, fuse_ino_t parent, const char *name, mode_t mode)
REFUSE(refuse_rmdir, EPERM, fuse_ino_t parent, const char *name)
REFUSE(refuse_symlink, EROFS, const char *link, fuse_ino_t parent, const char *name)
REFUSE(refuse_link, EROFS, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)

static void cgfs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct cgfs *fs = userdata;

	/* The kernel's INIT is answered as this returns: a service waiting
	 * for the mount may go on now (notify.h). */
	cgfs_notify_send(fs->notify, "READY=1");
	/* Our files change behind the kernel's back: no write-back caching. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	/* O_TRUNC arrives with the open, not as a separate truncate. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

void cgfs_ops_forget_name(struct cgfs *fs, const struct cgfs_qid *dir, const char *name)
{
	uint64_t ino;

	if (!fs->se)
		return;
	ino = cgfs_nodes_find(fs->nodes, dir);
	/* No number: the kernel holds no such name.  -ENOENT only means the
	 * kernel holds no such name either. */
	if (ino)
		fuse_lowlevel_notify_inval_entry(fs->se, ino, name, strlen(name));
}

void cgfs_ops_changed(struct cgfs *fs, const struct cgfs_qid *q)
{
	uint64_t ino;

	if (!fs->se)
		return;
	/* No number: the kernel holds nothing to forget. */
	ino = cgfs_nodes_find(fs->nodes, q);
	if (ino)
		fuse_lowlevel_notify_inval_inode(fs->se, ino, 0, 0);
}

const struct fuse_lowlevel_ops cgfs_operations = {
	.init = cgfs_init,
	.lookup = cgfs_lookup_op,
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
