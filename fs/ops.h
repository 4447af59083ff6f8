/* ops.h - the FUSE operations of the mount (see ops.c). */
#ifndef CGFS_OPS_H
#define CGFS_OPS_H

#include <stdint.h>

#include <fuse_lowlevel.h>

/* The session's userdata must be the mount's struct cgfs. */
extern const struct fuse_lowlevel_ops cgfs_operations;

/* The follower's callback (logs.h): a run's logs grew, so make the kernel
 * forget the cached size of its logs files. */
struct cgfs;
void cgfs_logs_grew(struct cgfs *fs, int64_t org, int64_t run);

#endif
