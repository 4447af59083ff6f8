/* mountpoint.h - whether the directory given to mount on can be used.
 *
 * Checked before any request, so that a mount point that cannot work
 * costs nothing and says why: it must exist and be a directory, and it
 * must not already be a mount point (a second daemon would stack on the
 * first and hide it) nor a FUSE mount whose daemon has died (every use of
 * it fails with ENOTCONN until someone runs fusermount3 -u).
 */
#ifndef CGFS_MOUNTPOINT_H
#define CGFS_MOUNTPOINT_H

/* Check path (as the user wrote it).  Returns its realpath (malloc'd, the
 * caller frees), or NULL after printing the reason to stderr.  A
 * /dev/fd/N path (libfuse's mount by a privileged parent) is returned as
 * it is, unchecked. */
char *cgfs_mountpoint_check(const char *path);

#endif
