/* cg_file.h - read a whole small file, with a cap.
 *
 * The token file (cg_auth.c), the disk cache (fs/disk.c) and the spool
 * (fs/spool.c) all read a regular file whole into memory, refusing what is
 * too large and never hanging on a FIFO planted under the name.  This is
 * that read, once.  No FUSE, no network; api/ holds it because the token
 * file needs it and api/ cannot use fs/.
 */
#ifndef CG_FILE_H
#define CG_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Refuse a file that group or others can access (any of 077): -EPERM. */
#define CG_FILE_PRIVATE  1u
/* Refuse a symbolic link as the last component (open's -ELOOP). */
#define CG_FILE_NOFOLLOW 2u

/* Read the regular file at path (relative to dirfd, or AT_FDCWD) whole,
 * when it holds at most max bytes.  The open is non-blocking, so a FIFO is
 * refused at once rather than waited on; interrupted reads are retried.
 * Returns 0 with *data (malloc'd, NUL-terminated, the caller frees) and
 * *len (a file that shrank meanwhile gives what was there), or:
 *   - the open(2) or fstat(2) -errno (-ENOENT, -ENOTDIR, -EACCES, -ELOOP);
 *   - -EINVAL: not a regular file;
 *   - -EPERM: CG_FILE_PRIVATE and the file's mode has any of 077;
 *   - -EFBIG: larger than max;
 *   - -ENOMEM, or read(2)'s -errno (the partial text is zeroed and freed).
 * mode may be NULL; unlike the other out-parameters it is written even on
 * failure: 0 until the file is open and stat'ed, then its st_mode, so a
 * caller can tell a failed open from a refused or unreadable file. */
int cg_file_read(int dirfd, const char *path, size_t max, unsigned flags, char **data,
		 size_t *len, mode_t *mode);

#endif
