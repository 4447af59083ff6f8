/* routes.h - the namespace of the mount as one route table, and matching.
 *
 * Every path of the tree is one row: a pattern ("/orgs/{org}/runs/{run}/status"),
 * a node kind, the kind of open file it gives (handle.h) and the functions
 * that make its content (files.h).  A node of the tree is named by its row
 * and ids (struct cgfs_qid, as acme names a file by its qid): handlers
 * never parse paths.  Looking up a name in a directory matches it against
 * that row's children only, and checks through the cache (objects.h) that
 * every id on the way exists.  Adding a file to a run directory is one row.
 */
#ifndef CGFS_ROUTES_H
#define CGFS_ROUTES_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "fs.h"
#include "objects.h"
#include "render.h"

enum cgfs_node { CGFS_DIR, CGFS_FILE, CGFS_LINK };

/* What an open of a file row gives; handle.c has one set of functions for
 * each. */
enum cgfs_open {
	CGFS_OPEN_SNAPSHOT,   /* rendered once at open; every read slices it */
	CGFS_OPEN_STREAM,     /* rendered at each read (append-only content) */
	CGFS_OPEN_LOG,        /* a run's log: own storage, followed while open */
	CGFS_OPEN_WAIT,       /* a read blocks while the run works */
	CGFS_OPEN_WHOLE,      /* written whole; its command acts at the commit point */
	CGFS_OPEN_LINES,      /* every write() is lines of commands */
	CGFS_OPEN_DRAFT,      /* a name in an outbox: a draft or a receipt (outbox.h) */
	CGFS_OPEN_FEED,       /* an org's events: own storage, watched while open */
};

/* Row flags. */
#define CGFS_OUTBOX_DIR 0x1  /* an outbox: users make names in it (open DRAFT rows) */
#define CGFS_OWNER_READ 0x2  /* read-only, but shows what the owner was answered */

struct cgfs_route;
struct cgfs_command_set;

/* A node: its row and ids (CG_NONE when not in its path) and, for {orgname}
 * and {entry} rows and those under {status} or {source}, its name.  The
 * root is row 0. */
struct cgfs_qid {
	unsigned row;
	int64_t org, run, repo, user;
	char name[256];
};

/* A resolved node, as the row's functions see it. */
struct cgfs_req {
	struct cgfs *fs;
	const struct cgfs_route *route;
	struct cgfs_ctx ctx;            /* ctx.path points at path; ctx.deadline is the
					 * syscall's (waits for other threads' fetches end
					 * there) */
	int64_t org, run, repo, user;   /* CG_NONE when not in the path */
	char name[256];                 /* {orgname}, {entry}, {status}, {source} */
	enum cgfs_node node;            /* the row's, or what its check found */
	int writable;                   /* mode 0644 (0755 for a directory) */
	time_t mtime;                   /* set by the row's functions */
	char path[1024];
};

/* A new syscall on an old request (an open file's): its deadline starts
 * now (fs->cfg.deadline from now; cgfs_req_init does this too). */
void cgfs_req_renew(struct cgfs_req *r);

/* After a struct copy: ctx.path must point at the copy's own path. */
static inline void cgfs_req_moved(struct cgfs_req *r)
{
	r->ctx.path = r->path;
}

/* One directory entry: its kind, mtime, size (files, links) and whether
 * it can be written (mode 0644 instead of 0444). */
typedef int (*cgfs_add_fn)(void *arg, const char *name, enum cgfs_node node,
			   time_t mtime, size_t size, int writable);

struct cgfs_route {
	const char *pattern;
	enum cgfs_node node;
	enum cgfs_open open;       /* files only */
	/* Files: the whole content.  Links: the target.  May set r->mtime. */
	int (*render)(struct cgfs_req *r, struct cg_buf *out);
	/* Files with their own storage (logs): size, and read at an offset. */
	int (*size)(struct cgfs_req *r, size_t *size);
	ssize_t (*read)(struct cgfs_req *r, char *buf, size_t size, off_t off);
	/* Rows whose last component is an id or a name: does it exist (0 or
	 * -errno), and which exist (for readdir of the parent). */
	int (*check)(struct cgfs_req *r);
	int (*list)(struct cgfs_req *r, cgfs_add_fn add, void *arg);
	/* LINES and WHOLE rows: what a write does (commands.h). */
	const struct cgfs_command_set *commands;
	/* Field rows: the object, the offset of the field in its model, and
	 * its format (render.h). */
	enum cgfs_res res;
	size_t field;
	enum cgfs_fmt fmt;
	size_t arg;                /* for the row's functions */
	unsigned flags;
	const char *doc;           /* what it holds, for the in-mount README */
};

/* The table, row by row (tests, the README). */
size_t cgfs_route_count(void);
const struct cgfs_route *cgfs_route_at(size_t i);
size_t cgfs_route_index(const struct cgfs_route *rt);
/* The row of a directory's parent, or NULL for the root. */
const struct cgfs_route *cgfs_route_parent(const struct cgfs_route *rt);
/* The last component of a row's pattern ("status", "{run}"). */
const char *cgfs_route_last(const struct cgfs_route *rt);

/* Whether a row is the mounting user's alone when other users can reach
 * the mount (-o allow_other): every file that writes or sends (open WHOLE,
 * LINES, DRAFT: ctl, resume, check-suite.json, setup-commands, the names
 * of an outbox and their .error files), the outboxes themselves, and the
 * files that show what the owner was answered (CGFS_OWNER_READ: ctl.out,
 * /errors).  ops.c refuses them to any other uid, root included, with
 * EACCES before anything is opened, made or sent; inside such a directory
 * nothing is seen at all. */
int cgfs_route_owner_only(const struct cgfs_route *rt);

/* The check of it: 0, or -EACCES when uid is not the mounting user's and
 * the row of q (inside: of q's directory) is owner-only. */
int cgfs_owner_check(const struct cgfs *fs, uid_t uid, const struct cgfs_qid *q, int inside);

/* Match a path against the table only (no id is checked, nothing is
 * fetched): 0 with r->route and r's ids set, -ENOENT when no row matches,
 * -ENAMETOOLONG past 8 components or 255-byte names (r->route NULL on
 * either failure).  r->fs is NULL. */
int cgfs_route_match(const char *path, struct cgfs_req *r);

/* The node of a row and ids, made into a request with every id checked:
 * 0 and *r, or -ENOENT (no such id), -EACCES (an org you are not in), or
 * the errno of a failed fetch. */
int cgfs_node_req(struct cgfs *fs, const struct cgfs_qid *q, const char *op,
		  struct cgfs_req *r);

/* Look name up in directory dir: 0 and *r (every id checked); -ENOENT
 * with r->route set when a row matched but its id does not exist (the
 * kernel may remember the absence), with r->route NULL when no row has
 * such a name; -ENOTDIR when dir is not a directory; -ENAMETOOLONG. */
int cgfs_lookup(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		const char *op, struct cgfs_req *r);

/* A request for a node without checking anything (a node known to
 * exist, or one about to: an outbox name being sent). */
void cgfs_req_init(struct cgfs *fs, const struct cgfs_qid *q, const char *op,
		   struct cgfs_req *r);

/* The child of dir named name, by matching only (nothing is checked or
 * fetched): 0 and *child, or -ENOENT. */
int cgfs_match_child(const struct cgfs_qid *dir, const char *name, struct cgfs_qid *child);

/* The node a request stands for. */
void cgfs_req_qid(const struct cgfs_req *r, struct cgfs_qid *q);

/* The qid of the row with this pattern under the given ids (the files of
 * one run, say); 0, or -ENOENT when no row has the pattern. */
int cgfs_qid_of(const char *pattern, int64_t org, int64_t run, int64_t repo, int64_t user,
		const char *name, struct cgfs_qid *q);

/* The entries of a resolved directory (not "." and ".."). */
int cgfs_list(struct cgfs_req *dir, cgfs_add_fn add, void *arg);

/* The true size and mtime of a resolved file or link. */
int cgfs_stat_node(struct cgfs_req *r, size_t *size);

/* Parse an id as the tree writes them: 1..15 digits, no leading zero.
 * 0 and *id, or -1. */
int cgfs_parse_id(const char *text, int64_t *id);

#endif
