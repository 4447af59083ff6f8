/* nodes.h - the inode numbers the kernel knows, and the paths they stand for.
 *
 * The low-level FUSE API speaks in inode numbers; the route table speaks in
 * paths.  This table maps one to the other: a lookup that the kernel is
 * told about counts one reference, FORGET gives them back, and a number is
 * dropped when its count reaches zero.  A path whose kind changes (a draft
 * that became a receipt: file -> symlink) gets a new number, so the kernel
 * never sees one inode change its type.  Thread-safe.
 */
#ifndef CGFS_NODES_H
#define CGFS_NODES_H

#include <stdint.h>

/* The root directory is always number 1 (FUSE_ROOT_ID), path "/". */
#define CGFS_ROOT_INO 1

struct cgfs_nodes;

struct cgfs_nodes *cgfs_nodes_new(void);
void cgfs_nodes_free(struct cgfs_nodes *t);

/* The number of path, whose kind is `kind` (any small integer the caller
 * uses, such as its node kind), counting one reference; made when path has
 * none or has one of another kind.  0 when out of memory. */
uint64_t cgfs_nodes_ref(struct cgfs_nodes *t, const char *path, int kind);

/* A malloc'd copy of the path of ino, and its kind when kind is not NULL;
 * or NULL (unknown number, or out of memory: the caller answers ESTALE or
 * ENOMEM, see errno).  The root's kind is -1. */
char *cgfs_nodes_path(struct cgfs_nodes *t, uint64_t ino, int *kind);

/* The number of path without taking a reference, or 0 if it has none. */
uint64_t cgfs_nodes_find(struct cgfs_nodes *t, const char *path);

/* The kernel dropped n references to ino. */
void cgfs_nodes_forget(struct cgfs_nodes *t, uint64_t ino, uint64_t n);

/* path is gone (unlinked): its number keeps working for open files, but
 * the next lookup of path makes a new one. */
void cgfs_nodes_detach(struct cgfs_nodes *t, const char *path);

/* from was renamed onto to (whatever was at to is detached). */
void cgfs_nodes_rename(struct cgfs_nodes *t, const char *from, const char *to);

/* How many numbers are known (for tests and /stats). */
uint64_t cgfs_nodes_count(struct cgfs_nodes *t);

#endif
