/* tree.h - the namespace of the mount as one route table.
 *
 * Every path of the tree is one row: a pattern ("/orgs/{org}/runs/{run}/status"),
 * a node kind and the functions that give its content.  Handlers never
 * parse paths: cgfs_resolve() matches a path against the table, checks that
 * every id in it exists (through the cache), and hands back a request that
 * the row's functions understand.  Adding a file to a run directory is one
 * row and, at most, one render function.
 */
#ifndef CGFS_TREE_H
#define CGFS_TREE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "fs.h"
#include "render.h"

enum cgfs_node { CGFS_DIR, CGFS_FILE, CGFS_LINK };

/* Row flags. */
#define CGFS_LOGS_READER 0x1  /* opening it counts as a reader of the run's logs */
#define CGFS_STREAM      0x2  /* read renders at each call (append-only content) */
#define CGFS_WAIT        0x4  /* read blocks while the run is working */
#define CGFS_OUTBOX      0x8  /* a name the user makes in an outbox (outbox.h) */
#define CGFS_OUTBOX_DIR  0x10 /* an outbox: its names are never cached by the kernel */

struct cgfs_route;

/* A resolved path. */
struct cgfs_req {
	struct cgfs *fs;
	const struct cgfs_route *route;
	struct cgfs_ctx ctx;
	int64_t org, run, repo, user;   /* CG_NONE when not in the path */
	char name[256];                 /* {orgname}, {entry} */
	enum cgfs_node node;            /* the row's, or what its check found */
	int writable;                   /* mode 0644 (0755 for a directory) */
	time_t mtime;                   /* set by the row's functions */
};

/* One directory entry: its kind, mtime, size (files, links) and whether
 * it can be written (mode 0644 instead of 0444). */
typedef int (*cgfs_add_fn)(void *arg, const char *name, enum cgfs_node node,
			   time_t mtime, size_t size, int writable);

struct cgfs_route {
	const char *pattern;
	enum cgfs_node node;
	/* Files: the whole content.  Links: the target.  May set r->mtime. */
	int (*render)(struct cgfs_req *r, struct cg_buf *out);
	/* Files with their own storage (logs): size, and read at an offset. */
	int (*size)(struct cgfs_req *r, size_t *size);
	ssize_t (*read)(struct cgfs_req *r, char *buf, size_t size, off_t off);
	/* Rows whose last component is an id: does it exist (0 or -errno), and
	 * which exist (for readdir of the parent). */
	int (*check)(struct cgfs_req *r);
	int (*list)(struct cgfs_req *r, cgfs_add_fn add, void *arg);
	/* Writable files: act on one write() (whole lines of commands); 0 or
	 * -errno, which the writer sees. */
	int (*write)(struct cgfs_req *r, const char *buf, size_t size);
	/* Files written whole: writes collect in the open file, and the text is
	 * acted on at the commit point (fsync, a flush after writes, the last
	 * release); 0 or -errno, which the committing syscall returns. */
	int (*commit)(struct cgfs_req *r, const char *text, size_t len);
	size_t arg;       /* for the render function: which field */
	unsigned flags;
};

/* The table, row by row (for tests and documentation). */
size_t cgfs_route_count(void);
const struct cgfs_route *cgfs_route_at(size_t i);

/* Match a path against the table only (no id is checked, nothing is
 * fetched): 0 with r->route and r's ids set, -ENOENT when no row matches,
 * -ENAMETOOLONG past 8 components or 255-byte names.  r->fs is NULL. */
int cgfs_route_match(const char *path, struct cgfs_req *r);

/* Resolve a path: 0 and *r, or -ENOENT (no such path or id), -ENOTDIR (a
 * file on the way), -EACCES (an org you are not in), or the errno of a
 * failed fetch. */
int cgfs_resolve(struct cgfs *fs, const char *path, const char *op, struct cgfs_req *r);

/* The entries of a resolved directory (not "." and ".."). */
int cgfs_list(struct cgfs_req *dir, cgfs_add_fn add, void *arg);

/* The true size and mtime of a resolved file or link. */
int cgfs_stat_node(struct cgfs_req *r, size_t *size);

/* The send function of the outboxes (outbox.h cgfs_ob_send_fn), arg being
 * the mount's struct cgfs: read the draft's front matter, create the run,
 * and make it show in runs/ at once. */
int cgfs_send_draft(void *arg, int64_t org, int64_t repo, const char *name, const char *text,
		    size_t len, int64_t *run, char *why, size_t why_size);

#endif
