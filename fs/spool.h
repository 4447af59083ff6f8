/* spool.h - drafts kept on disk, so that a crash or kill -9 loses no prompt,
 * and the receipts of sent drafts, so that a remount still shows them.
 *
 * Every draft of an outbox is written through to a file under the spool
 * directory ($XDG_STATE_HOME/codegen-fs, else ~/.local/state/codegen-fs) as
 * it changes; on the next mount the drafts are read back (DESIGN.md §3).
 * Layout: <spool>/<org>/<outbox>/<name>, where outbox is "new" or
 * "repo-<id>"; the directory tree is private (0700, files 0600).  Writes are
 * atomic (a temporary file renamed into place), so a crash mid-write keeps
 * the previous version.  No FUSE, no network.
 */
#ifndef CGFS_SPOOL_H
#define CGFS_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cgfs_spool;

/* The spool directory for this user: $XDG_STATE_HOME/codegen-fs if set and
 * absolute, else $HOME/.local/state/codegen-fs; malloc'd, or NULL. */
char *cgfs_spool_default_dir(void);

/* Open (creating with mode 0700) the spool at dir.  NULL with the reason
 * in why when it cannot be created or is accessible by group or others. */
struct cgfs_spool *cgfs_spool_open(const char *dir, char *why, size_t why_size);
void cgfs_spool_close(struct cgfs_spool *s);

/* Store the whole text of a draft (replacing any previous version).
 * 0 or -errno.  outbox is "new" or "repo-<id>"; name has no '/'. */
int cgfs_spool_put(struct cgfs_spool *s, int64_t org, const char *outbox,
		   const char *name, const char *text, size_t len);

/* Add len bytes at the end of a stored draft, creating the directories and
 * the file (mode 0600) when missing.  0 or -errno; on failure the file is
 * cut back to its previous length, so it still holds the text of the last
 * successful put or append.  Cheap: no temporary file and no fsync, so that
 * a prompt written line by line is not rewritten and synced per line.  The
 * bytes are in the kernel once this returns, which is what a crash or a
 * kill -9 of the mount needs; a power cut may lose what was appended since
 * the last put, which stays atomic and fsynced.  The caller orders the
 * puts and appends of one name (they are not serialised here). */
int cgfs_spool_append(struct cgfs_spool *s, int64_t org, const char *outbox,
		      const char *name, const char *buf, size_t len);

/* Forget a draft (sent, or removed by the user), and its in-flight record.
 * 0, or -errno other than ENOENT. */
int cgfs_spool_drop(struct cgfs_spool *s, int64_t org, const char *outbox,
		    const char *name);

/* ---- in-flight records ----------------------------------------------------
 * A draft being sent has a record beside it: the marker its create carries
 * (outbox.h), so that after a lost answer or a kill -9 the next attempt
 * looks for that marker among the runs before it sends again.  Records live
 * in <spool>/<org>/inflight-<outbox>/<name>, the marker and a newline; the
 * walk of cgfs_spool_each does not report them.  The marker is 1..63 bytes
 * of [A-Za-z0-9_-]. */

/* Write name's record (atomic and fsynced, replacing any). 0 or -errno. */
int cgfs_spool_mark(struct cgfs_spool *s, int64_t org, const char *outbox,
		    const char *name, const char *marker);

/* Read name's record into marker (size >= 64): 0, -ENOENT (none, or not a
 * record this mount could have written), or -errno. */
int cgfs_spool_marker(struct cgfs_spool *s, int64_t org, const char *outbox,
		      const char *name, char *marker, size_t size);

/* Remove name's record.  0, or -errno other than ENOENT. */
int cgfs_spool_unmark(struct cgfs_spool *s, int64_t org, const char *outbox,
		      const char *name);

/* Call fn for every stored draft (order unspecified); stops at and returns
 * the first non-zero value fn returns.  Files that are not drafts (the
 * temporary files of an interrupted write) are removed, not reported. */
typedef int (*cgfs_spool_fn)(void *arg, int64_t org, const char *outbox,
			     const char *name, const char *text, size_t len);
int cgfs_spool_each(struct cgfs_spool *s, cgfs_spool_fn fn, void *arg);

/* ---- receipts (spool_receipts.c) ------------------------------------------
 * A draft that was sent leaves a receipt: the run it made and when.  It
 * lives in <spool>/<org>/receipts-<outbox>/<name>, one line "<run id>
 * <sent, epoch seconds>\n", mode 0600, replaced atomically and fsynced as
 * a draft is; the walk of cgfs_spool_each does not report receipts. */

/* Write name's receipt (replacing any).  0 or -errno (-EINVAL: arguments
 * the spool cannot file, or run <= 0). */
int cgfs_spool_put_receipt(struct cgfs_spool *s, int64_t org, const char *outbox,
			   const char *name, int64_t run, time_t sent);

/* Remove name's receipt.  0, or -errno other than ENOENT. */
int cgfs_spool_drop_receipt(struct cgfs_spool *s, int64_t org, const char *outbox,
			    const char *name);

/* Call fn for every receipt (order unspecified); stops at and returns the
 * first non-zero value fn returns.  A file that is not a receipt this
 * mount could have written (a link, too long, not "<id> <time>\n") is
 * skipped and left; temporary files of an interrupted write are removed. */
typedef int (*cgfs_spool_receipt_fn)(void *arg, int64_t org, const char *outbox,
				     const char *name, int64_t run, time_t sent);
int cgfs_spool_each_receipt(struct cgfs_spool *s, cgfs_spool_receipt_fn fn, void *arg);

#endif
