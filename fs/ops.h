/* ops.h - the FUSE operations of the mount (see ops.c). */
#ifndef CGFS_OPS_H
#define CGFS_OPS_H

#include <fuse.h>

/* private_data of the FUSE context must be the mount's struct cgfs. */
extern const struct fuse_operations cgfs_operations;

#endif
