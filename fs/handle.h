/* handle.h - open files: one small set of functions per kind of open file.
 *
 * A route row says what opening it gives (routes.h enum cgfs_open): a
 * snapshot rendered at open, a stream rendered at each read, a live log,
 * a `wait` that blocks, a file written whole and acted on at its commit
 * point, a file of line commands acted on at each write, or a draft of an
 * outbox.  handle.c has one table row of functions per kind; the FUSE
 * adapter (ops.c) calls these entry points and never branches on the kind.
 *
 * Commit points (DESIGN.md §3): an fsync; a flush from the process that
 * wrote the data (a shell that opened `> file` for a child does not
 * commit, the child's close does and sees the error); the last release.
 */
#ifndef CGFS_HANDLE_H
#define CGFS_HANDLE_H

#include <stddef.h>
#include <sys/types.h>

#include "routes.h"

struct cgfs_handle;

/* Open node q with open(2) flags: 0 and *out, or -EISDIR, -EROFS (a
 * read-only file opened for writing), -ENOENT, the outbox's errno (a
 * draft), or a fetch's errno (a snapshot renders at open). */
int cgfs_handle_open(struct cgfs *fs, const struct cgfs_qid *q, int flags,
		     struct cgfs_handle **out);

/* Create name in directory dir and open it (only an outbox takes new
 * names: -EROFS elsewhere).  0 with *out and the new node in *q. */
int cgfs_handle_create(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		       int flags, struct cgfs_handle **out, struct cgfs_qid *q);

/* Read at off: bytes copied, or -errno.  A `wait` blocks; interrupted()
 * is polled while it does (-EINTR when it says 1). */
ssize_t cgfs_handle_read(struct cgfs_handle *h, char *buf, size_t size, off_t off,
			 int (*interrupted)(void *arg), void *arg);

/* Write at off, by process pid: bytes taken, or -errno (for line
 * commands, the command's: the writer sees it). */
ssize_t cgfs_handle_write(struct cgfs_handle *h, const char *buf, size_t size, off_t off,
			  pid_t pid);

/* Cut the open file to size (zero-filled when growing).  0 or -errno. */
int cgfs_handle_truncate(struct cgfs_handle *h, off_t size);

/* A flush by process pid, and an fsync: commit points.  0 or the commit's
 * -errno, which the syscall returns. */
int cgfs_handle_flush(struct cgfs_handle *h, pid_t pid);
int cgfs_handle_fsync(struct cgfs_handle *h);

/* Close; with last_chance, the release is a commit point (its result is
 * seen by nobody).  h is gone afterwards. */
void cgfs_handle_release(struct cgfs_handle *h, int last_chance);

/* After the session loop: free the handles the kernel never released
 * (files still open when the mount ended), committing nothing. */
void cgfs_handle_release_all(void);

/* Can a flush of this open file commit anything?  (When not, the kernel
 * is spared the round trip.) */
int cgfs_handle_commits(const struct cgfs_handle *h);

/* Can this open file's content not change (files.h cgfs_req_frozen)?
 * Then the kernel may keep its pages. */
int cgfs_handle_frozen(struct cgfs_handle *h);

/* Did this open make the file's size exact (a log: the size a stat saw
 * before was what was held then)?  The kernel should then drop the
 * attributes it holds. */
int cgfs_handle_resized(const struct cgfs_handle *h);

/* Cut a file that is not open (truncate(2), `> ctl`): a draft's text;
 * control files have no content to cut (0); -EROFS for read-only files. */
int cgfs_node_truncate(struct cgfs *fs, const struct cgfs_qid *q, off_t size);

#endif
