/* ops.h - the FUSE operations of the mount (see ops.c). */
#ifndef CGFS_OPS_H
#define CGFS_OPS_H

#include <stdint.h>

#include <fuse_lowlevel.h>

#include "routes.h"

/* The session's userdata must be the mount's struct cgfs. */
extern const struct fuse_lowlevel_ops cgfs_operations;

/* Make the kernel forget name in directory dir (the name now stands for
 * something else, or for nothing).  Nothing when the kernel holds neither. */
void cgfs_ops_forget_name(struct cgfs *fs, const struct cgfs_qid *dir, const char *name);

/* The content of node q changed behind the kernel's back: make it drop the
 * attributes it holds (a log grew). */
void cgfs_ops_changed(struct cgfs *fs, const struct cgfs_qid *q);

#endif
