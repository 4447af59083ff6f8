/* private.h - the mount's private state on disk: where it lives, how its
 * directories are made and checked, and how a file in them is replaced.
 *
 * The disk cache (disk.c) and the spool (spool.c) both keep files that
 * only their user may read, under an XDG base directory, and both replace
 * a file atomically so that a crash keeps the previous version.  This is
 * that plumbing, once.  No FUSE, no network.
 */
#ifndef CGFS_PRIVATE_H
#define CGFS_PRIVATE_H

#include <stddef.h>
#include <sys/stat.h>

/* "$<xdg_var>/codegen-fs" when that variable is set and absolute (the XDG
 * spec says a relative value is invalid and must be ignored), else
 * "~/<home_sub>/codegen-fs" (~ from cg_home_dir(): $HOME, else the
 * password database); malloc'd (the caller frees), or NULL (no usable
 * directory, or out of memory).
 * E.g. ("XDG_CACHE_HOME", ".cache"). */
char *cgfs_private_xdg_dir(const char *xdg_var, const char *home_sub);

/* mkdir -p with mode 0700; directories that already exist are left as
 * they are.  0 or -errno. */
int cgfs_private_mkdirs(const char *path);

/* Whether st (of a directory meant to be private) is usable: 0, or
 * -ENOTDIR (not a directory), -EPERM (owned by another user), -EACCES
 * (group or others have any access: mode & 077). */
int cgfs_private_check(const struct stat *st);

/* Write all len bytes to fd, retrying EINTR and short writes.  0 or
 * -errno. */
int cgfs_private_write_all(int fd, const char *buf, size_t len);

/* Replace name in the directory dirfd with exactly len bytes of data
 * (mode 0600), atomically: the bytes go to the new file tmp in the same
 * directory (the caller makes the name unique), which is fsynced, closed,
 * renamed onto name, and then the directory is fsynced, so that after a
 * crash or a power cut name holds either the old or the new text.  0 or
 * -errno; on failure tmp is removed and name is as it was (unless only the
 * final directory fsync failed: the rename was then done). */
int cgfs_private_replace(int dirfd, const char *name, const char *tmp, const char *data,
			 size_t len);

#endif
