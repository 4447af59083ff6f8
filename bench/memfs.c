/* memfs.c - cgfs-memfs: a read-only FUSE filesystem served from memory.
 *
 * The baseline of the benchmarks: the same files codegen-fs serves, read
 * once from a directory into memory, so that a warm read costs nothing but
 * the FUSE round trip.  To keep the comparison fair, everything the kernel
 * sees imitates fs/ops.c and fs/main.c: 1 s entry and attribute timeouts,
 * READDIRPLUS with attributes, direct_io without keep_cache, no write-back
 * cache, the same session setup and thread loop (at most 64 threads).
 *
 * The tree never changes once mounted, so handlers take no locks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#define CACHE_SECONDS 1.0   /* as codegen-fs */

/* A directory's child; a directory's children are sorted by name. */
struct entry {
	char *name;
	fuse_ino_t ino;
};

struct node {
	struct stat st;         /* st_ino is the node's index */
	fuse_ino_t parent;
	char *data;             /* a file's content, a link's target (NUL-terminated) */
	struct entry *kids;     /* a directory's children */
	size_t nkids;
};

/* Inode number = index in v; v[0] is never used, 1 is the root.  Nodes live
 * until exit. */
struct memfs {
	struct node *v;
	size_t n, cap;
	uid_t uid;
	gid_t gid;
};

/* Say on stderr what failed; -err. */
static int fail(const char *path, int err)
{
	fprintf(stderr, "cgfs-memfs: %s: %s\n", path, strerror(err));
	return -err;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int name_cmp(const void *name, const void *e)
{
	return strcmp(name, ((const struct entry *)e)->name);
}

/* Append a node with the attributes of src; its number, or 0 without memory. */
static fuse_ino_t add_node(struct memfs *fs, const struct stat *src, fuse_ino_t parent)
{
	struct node *nd;

	if (fs->n >= fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 1024;
		struct node *v = reallocarray(fs->v, cap, sizeof(*v));

		if (!v)
			return 0;
		fs->v = v;
		fs->cap = cap;
	}
	nd = &fs->v[fs->n];
	memset(nd, 0, sizeof(*nd));
	nd->parent = parent;
	nd->st.st_ino = fs->n;
	nd->st.st_mode = src->st_mode;
	nd->st.st_nlink = S_ISDIR(src->st_mode) ? 2 : 1;
	nd->st.st_uid = fs->uid;
	nd->st.st_gid = fs->gid;
	nd->st.st_size = src->st_size;          /* files: what load_data reads */
	nd->st.st_blocks = (src->st_size + 511) / 512;
	nd->st.st_blksize = 4096;
	nd->st.st_atim = nd->st.st_mtim = nd->st.st_ctim = src->st_mtim;
	return fs->n++;
}

/* Read a file (size bytes, fewer if it shrank) or a link's target into nd. */
static int load_data(struct node *nd, const char *path, off_t size)
{
	ssize_t got = 0, r = 0;
	int fd;

	if (S_ISLNK(nd->st.st_mode)) {
		char buf[PATH_MAX];

		got = readlink(path, buf, sizeof(buf));
		if (got < 0 || (size_t)got == sizeof(buf))
			return fail(path, got < 0 ? errno : ENAMETOOLONG);
		nd->data = strndup(buf, (size_t)got);
		if (!nd->data)
			return fail(path, ENOMEM);
	} else {
		nd->data = malloc(size ? (size_t)size : 1);
		if (!nd->data)
			return fail(path, ENOMEM);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail(path, errno);
		while (got < size) {
			r = read(fd, nd->data + got, (size_t)(size - got));
			if (r <= 0)
				break;
			got += r;
		}
		r = r < 0 ? errno : 0;
		close(fd);
		if (r)
			return fail(path, (int)r);
	}
	nd->st.st_size = got;
	nd->st.st_blocks = (got + 511) / 512;
	return 0;
}

static int load_dir(struct memfs *fs, fuse_ino_t dir, const char *path);

/* Load dirpath/name as a child of dir. */
static int load_child(struct memfs *fs, fuse_ino_t dir, const char *dirpath, const char *name)
{
	char *path, *copy = NULL;
	struct stat st;
	fuse_ino_t ino = 0;
	int ret = 0;

	if (asprintf(&path, "%s/%s", dirpath, name) < 0)
		return fail(dirpath, ENOMEM);
	if (lstat(path, &st))
		ret = fail(path, errno);
	/* Sockets, fifos and devices are not served. */
	else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		ret = 0;
	else if (!(ino = add_node(fs, &st, dir)) || !(copy = strdup(name)))
		ret = fail(path, ENOMEM);
	else {
		struct node *d = &fs->v[dir];   /* add_node may have moved it */

		d->kids[d->nkids].name = copy;
		d->kids[d->nkids++].ino = ino;
		ret = S_ISDIR(st.st_mode) ? load_dir(fs, ino, path)
					  : load_data(&fs->v[ino], path, st.st_size);
	}
	free(path);
	return ret;
}

/* Load the tree under path into directory dir; 0 or -errno, said on stderr.
 * What was loaded stays in fs, for memfs_free, even on failure. */
static int load_dir(struct memfs *fs, fuse_ino_t dir, const char *path)
{
	struct dirent **list;
	int count = scandir(path, &list, NULL, NULL), ret = 0;

	if (count < 0)
		return fail(path, errno);
	/* Room for every name (. and .. too); children are added as loaded. */
	fs->v[dir].kids = calloc((size_t)count, sizeof(struct entry));
	if (count && !fs->v[dir].kids)
		ret = fail(path, ENOMEM);
	for (int i = 0; i < count; i++) {
		const char *name = list[i]->d_name;

		if (!ret && strcmp(name, ".") && strcmp(name, ".."))
			ret = load_child(fs, dir, path, name);
		free(list[i]);
	}
	free(list);
	if (!ret)
		qsort(fs->v[dir].kids, fs->v[dir].nkids, sizeof(struct entry), entry_cmp);
	return ret;
}

static void memfs_free(struct memfs *fs)
{
	for (size_t i = 1; i < fs->n; i++) {
		for (size_t k = 0; k < fs->v[i].nkids; k++)
			free(fs->v[i].kids[k].name);
		free(fs->v[i].kids);
		free(fs->v[i].data);
	}
	free(fs->v);
}

/* The node of ino, or NULL (ESTALE) for a number never given out. */
static const struct node *node_of(fuse_req_t req, fuse_ino_t ino)
{
	const struct memfs *fs = fuse_req_userdata(req);

	return ino >= 1 && ino < fs->n ? &fs->v[ino] : NULL;
}

static void fill_entry(const struct node *nd, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = nd->st.st_ino;
	e->attr = nd->st;
	e->attr_timeout = e->entry_timeout = CACHE_SECONDS;
}

static void memfs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static void memfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	const struct memfs *fs = fuse_req_userdata(req);
	const struct node *dir = node_of(req, parent);
	const struct entry *k;
	struct fuse_entry_param e;

	if (!dir || !S_ISDIR(dir->st.st_mode)) {
		fuse_reply_err(req, dir ? ENOTDIR : ESTALE);
		return;
	}
	k = bsearch(name, dir->kids, dir->nkids, sizeof(*k), name_cmp);
	if (!k) {
		/* Like codegen-fs: a negative entry the kernel may keep a second. */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = CACHE_SECONDS;
		fuse_reply_entry(req, &e);
		return;
	}
	fill_entry(&fs->v[k->ino], &e);
	fuse_reply_entry(req, &e);
}

/* Nodes are never freed: there is nothing to count. */
static void memfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino; (void)nlookup;
	fuse_reply_none(req);
}

static void memfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct node *nd = node_of(req, ino);

	(void)fi;
	if (nd)
		fuse_reply_attr(req, &nd->st, CACHE_SECONDS);
	else
		fuse_reply_err(req, ESTALE);
}

static void memfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	const struct node *nd = node_of(req, ino);

	if (nd && S_ISLNK(nd->st.st_mode))
		fuse_reply_readlink(req, nd->data);
	else
		fuse_reply_err(req, nd ? EINVAL : ESTALE);
}

static void memfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct node *nd = node_of(req, ino);

	if (!nd || !S_ISDIR(nd->st.st_mode)) {
		fuse_reply_err(req, nd ? ENOTDIR : ESTALE);
		return;
	}
	fi->cache_readdir = 0;
	fuse_reply_open(req, fi);
}

/* Offsets as codegen-fs: 1 and 2 follow "." and "..", 3+i follows child i. */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, int plus)
{
	const struct memfs *fs = fuse_req_userdata(req);
	const struct node *dir = node_of(req, ino);
	char *buf = malloc(size ? size : 1);
	size_t used = 0;

	if (!dir || !buf) {
		fuse_reply_err(req, buf ? ESTALE : ENOMEM);
		free(buf);
		return;
	}
	for (size_t k = off < 0 ? 0 : (size_t)off; k < dir->nkids + 2; k++) {
		const char *name = k == 0 ? "." : k == 1 ? ".." : dir->kids[k - 2].name;
		fuse_ino_t child = k == 0 ? ino : k == 1 ? dir->parent : dir->kids[k - 2].ino;
		struct fuse_entry_param e;
		size_t need;

		fill_entry(&fs->v[child], &e);
		/* The kernel takes a reference to every entry with a number:
		 * not to . and .. (as codegen-fs). */
		if (k < 2)
			e.ino = 0;
		need = plus ? fuse_add_direntry_plus(req, buf + used, size - used, name, &e,
						     (off_t)k + 1)
			    : fuse_add_direntry(req, buf + used, size - used, name, &e.attr,
						(off_t)k + 1);
		if (used + need > size)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void memfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, 0);
}

static void memfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			      struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, 1);
}

static void memfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino; (void)fi;
	fuse_reply_err(req, 0);
}

static void memfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct node *nd = node_of(req, ino);

	if (!nd)
		fuse_reply_err(req, ESTALE);
	else if (S_ISDIR(nd->st.st_mode))
		fuse_reply_err(req, EISDIR);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
		fuse_reply_err(req, EROFS);
	else {
		/* As codegen-fs, whose content is rendered at read time. */
		fi->direct_io = 1;
		fi->keep_cache = 0;
		fuse_reply_open(req, fi);
	}
}

static void memfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct node *nd = node_of(req, ino);

	(void)fi;
	if (!nd) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (off < 0 || off >= nd->st.st_size)
		size = 0;
	else if (size > (size_t)(nd->st.st_size - off))
		size = (size_t)(nd->st.st_size - off);
	fuse_reply_buf(req, size ? nd->data + off : NULL, size);
}

static void memfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void)ino;
	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	fuse_reply_statfs(req, &st);
}

/* Anything that would change the tree. */
static void refuse_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			   struct fuse_file_info *fi)
{
	(void)ino; (void)attr; (void)to_set; (void)fi;
	fuse_reply_err(req, EROFS);
}

static void refuse_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			 dev_t rdev)
{
	(void)parent; (void)name; (void)mode; (void)rdev;
	fuse_reply_err(req, EROFS);
}

static void refuse_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent; (void)name; (void)mode;
	fuse_reply_err(req, EROFS);
}

static void refuse_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent; (void)name;
	fuse_reply_err(req, EROFS);
}

static void refuse_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			  struct fuse_file_info *fi)
{
	(void)parent; (void)name; (void)mode; (void)fi;
	fuse_reply_err(req, EROFS);
}

static const struct fuse_lowlevel_ops memfs_operations = {
	.init = memfs_init,
	.lookup = memfs_lookup,
	.forget = memfs_forget,
	.getattr = memfs_getattr,
	.setattr = refuse_setattr,
	.readlink = memfs_readlink,
	.mknod = refuse_mknod,
	.mkdir = refuse_mkdir,
	.unlink = refuse_unlink,
	.rmdir = refuse_unlink,
	.open = memfs_open,
	.read = memfs_read,
	.release = memfs_release,
	.opendir = memfs_opendir,
	.readdir = memfs_readdir,
	.readdirplus = memfs_readdirplus,
	.releasedir = memfs_release,
	.statfs = memfs_statfs,
	.create = refuse_create,
};

/* As fs/main.c, but quiet. */
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
	/* Unset (UINT_MAX) is the config's own default; passing it on makes
	 * libfuse 3.14 print a warning, and we print nothing on success. */
	if (cmd->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(lc, cmd->max_idle_threads);
	fuse_loop_cfg_set_max_threads(lc, cmd->max_threads);
	ret = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	return ret;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_cmdline_opts cmd = { 0 };
	struct memfs fs = { .n = 1, .uid = getuid(), .gid = getgid() };   /* no inode 0 */
	struct fuse_session *se = NULL;
	int single = argc > 1 && !strcmp(argv[1], "-s");
	const char *src;
	struct stat st;
	int status = 1, ret;

	if (argc != 3 + single) {
		fprintf(stderr, "usage: %s [-s] SRC_DIR MOUNTPOINT\n", argv[0]);
		return 1;
	}
	src = argv[1 + single];
	/* The options codegen-fs is run with, through the same parser. */
	if (fuse_opt_add_arg(&args, argv[0]) || fuse_opt_add_arg(&args, "-omax_threads=64") ||
	    fuse_opt_add_arg(&args, "-f") || (single && fuse_opt_add_arg(&args, "-s")) ||
	    fuse_opt_add_arg(&args, argv[2 + single]) || fuse_parse_cmdline(&args, &cmd) ||
	    fuse_opt_add_arg(&args, "-ofsname=cgfs-memfs,subtype=memfs"))
		goto out_free_args;

	if (stat(src, &st)) {
		fail(src, errno);
		goto out_free_fs;
	}
	if (!S_ISDIR(st.st_mode)) {
		fail(src, ENOTDIR);
		goto out_free_fs;
	}
	/* The root is 1, its own parent. */
	if (add_node(&fs, &st, 1) != 1) {
		fail(src, ENOMEM);
		goto out_free_fs;
	}
	if (load_dir(&fs, 1, src))
		goto out_free_fs;

	se = fuse_session_new(&args, &memfs_operations, sizeof(memfs_operations), &fs);
	if (!se)
		goto out_free_fs;
	if (fuse_set_signal_handlers(se))
		goto out_destroy;
	if (fuse_session_mount(se, cmd.mountpoint))
		goto out_signals;
	ret = run_loop(se, &cmd);
	/* The signal that ended the loop is a clean unmount, as in codegen-fs. */
	status = ret == 0 || ret == SIGINT || ret == SIGTERM || ret == SIGHUP ? 0 : 1;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
out_free_fs:
	memfs_free(&fs);
out_free_args:
	free(cmd.mountpoint);
	fuse_opt_free_args(&args);
	return status;
}
