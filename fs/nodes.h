/* nodes.h - the inode numbers the kernel knows, and the nodes they stand for.
 *
 * The low-level FUSE API speaks in inode numbers; the route table names a
 * node by its row and ids (a qid, routes.h).  This table maps one to the
 * other, keeping each node as its parent and its own name only (nodes.c):
 * a lookup that the kernel is told about counts one reference, FORGET
 * gives them back, and a number is dropped when nothing holds it (neither
 * the kernel nor a node below it).  A stale number misses (each carries
 * its slot's generation) rather than name another node.  A node whose kind
 * changes (a draft that became a receipt: file -> symlink) gets a new
 * number, so the kernel never sees one inode change its type.
 * Thread-safe.
 */
#ifndef CGFS_NODES_H
#define CGFS_NODES_H

#include <stddef.h>
#include <stdint.h>

#include "routes.h"

/* The root directory (row 0) is always number 1 (FUSE_ROOT_ID). */
#define CGFS_ROOT_INO 1

struct cgfs_nodes;

struct cgfs_nodes *cgfs_nodes_new(void);
void cgfs_nodes_free(struct cgfs_nodes *t);

/* The number of node q, whose kind is `kind` (any small integer the caller
 * uses, such as its node kind), counting one reference; made when q has
 * none or has one of another kind.  0 when out of memory. */
uint64_t cgfs_nodes_ref(struct cgfs_nodes *t, const struct cgfs_qid *q, int kind);

/* The node of ino, and its kind when kind is not NULL (the root's is -1):
 * 0, or -ESTALE for a number the table does not know. */
int cgfs_nodes_get(struct cgfs_nodes *t, uint64_t ino, struct cgfs_qid *q, int *kind);

/* The number of q without taking a reference, or 0 if it has none. */
uint64_t cgfs_nodes_find(struct cgfs_nodes *t, const struct cgfs_qid *q);

/* The kernel dropped n references to ino. */
void cgfs_nodes_forget(struct cgfs_nodes *t, uint64_t ino, uint64_t n);

/* q is gone (unlinked): its number keeps working for open files, but the
 * next lookup of q makes a new one. */
void cgfs_nodes_detach(struct cgfs_nodes *t, const struct cgfs_qid *q);

/* from was renamed onto to (whatever was at to is detached). */
void cgfs_nodes_rename(struct cgfs_nodes *t, const struct cgfs_qid *from,
		       const struct cgfs_qid *to);

/* Frozen: what the kernel was last told of ino (its attributes, its
 * pages) cannot change, so it may keep them long (ops.c).  Set the mark
 * (0 or 1) and return what it was; 0 for a number the table does not know. */
int cgfs_nodes_set_frozen(struct cgfs_nodes *t, uint64_t ino, int frozen);

/* Clear the mark of every frozen number of org (of its run when run is
 * not CG_NONE): up to max of them, into inos; returns the count.  The
 * caller tells the kernel to drop what it holds of them. */
size_t cgfs_nodes_thaw(struct cgfs_nodes *t, int64_t org, int64_t run, uint64_t *inos,
		       size_t max);

#endif
