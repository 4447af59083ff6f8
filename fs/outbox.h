/* outbox.h - the drafts and receipts of the outboxes (`new/`).
 *
 * An outbox is orgs/<org>/new/ (repo CG_NONE) or orgs/<org>/repos/<repo>/new/.
 * Each name in it is one entry:
 *   - a draft: text the user is writing, kept in memory and written
 *     through to the spool (spool.h) as it changes (a name the spool
 *     refuses, such as ".tmp-x", is kept in memory only);
 *   - a receipt: a draft that was sent; it names the run it created
 *     (the mount shows it as a symlink to the run).  Receipts are kept in
 *     the spool too, so a remount shows them again; an outbox keeps at
 *     most its bound of them (cgfs_outbox_set_keep), the newest.
 * A draft whose last send failed also shows "<name>.error" (read-only), the
 * reason.  DESIGN.md §3 and docs/SEMANTICS.md ("The outbox") give the rules.
 *
 * This module keeps state only: no FUSE, no network.  Sending is the
 * caller's send function, called at a commit point with the entry locked
 * against other commits, so one draft is never sent twice at once.
 * Thread-safe.
 */
#ifndef CGFS_OUTBOX_H
#define CGFS_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct cgfs_spool;

/* A draft's text is at most this long (EFBIG past it). */
#define CGFS_OUTBOX_MAX (4u << 20)

/* The suffix of error files; no draft may be created with it (EINVAL). */
#define CGFS_OUTBOX_ERROR_SUFFIX ".error"

struct cgfs_outbox;        /* every outbox of one mount */
struct cgfs_ob_entry;      /* one draft or receipt; counted references */

enum cgfs_ob_kind { CGFS_OB_DRAFT, CGFS_OB_RECEIPT, CGFS_OB_ERROR };

struct cgfs_ob_stat {
	enum cgfs_ob_kind kind;
	size_t size;       /* draft: its text; error file: its text; receipt: 0 */
	time_t mtime;      /* last change */
	int64_t run;       /* receipt: the run it created; else 0 */
};

/* spool may be NULL (nothing kept on disk); it is not owned.  NULL on
 * allocation failure. */
struct cgfs_outbox *cgfs_outbox_new(struct cgfs_spool *spool);
/* Every entry must be closed first. */
void cgfs_outbox_free(struct cgfs_outbox *o);

/* How many receipts each outbox keeps (0, the default: no bound).  Set
 * before cgfs_outbox_restore. */
void cgfs_outbox_set_keep(struct cgfs_outbox *o, unsigned keep);

/* Load every receipt and draft of the spool (after a crash or a remount).
 * The number of drafts loaded, or -errno.  Restored receipts keep their
 * run and send time (their mtime); each outbox keeps the newest of them
 * (the bound), the others are dropped from the spool; a draft whose name
 * holds a receipt was sent, and is dropped.  Restored drafts are not
 * dirty: a read (its last close) does not send them; the next write,
 * truncate or O_TRUNC does, at its commit point.  A draft whose send was
 * in flight keeps its marker and stays in flight. */
int cgfs_outbox_restore(struct cgfs_outbox *o);

/* Let the oldest receipts of outbox (org, repo) fall away, from memory and
 * the spool, until it holds at most the bound: oldest by send time, then
 * by run id.  gone (may be NULL) is called for each name removed, without
 * the lock (the caller makes the kernel forget it).  The number removed,
 * or -ENOMEM. */
typedef void (*cgfs_ob_gone_fn)(void *arg, const char *name);
int cgfs_outbox_trim(struct cgfs_outbox *o, int64_t org, int64_t repo, cgfs_ob_gone_fn gone,
		     void *arg);


/* What name is in outbox (org, repo): 0 and *st, or -ENOENT.  "x.error" is
 * found while draft "x" has an error. */
int cgfs_outbox_stat(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *name,
		     struct cgfs_ob_stat *st);

/* Every entry of an outbox (drafts, receipts, error files), sorted by name;
 * stops at and returns the first non-zero value of add. */
typedef int (*cgfs_ob_add_fn)(void *arg, const char *name, const struct cgfs_ob_stat *st);
int cgfs_outbox_list(struct cgfs_outbox *o, int64_t org, int64_t repo, cgfs_ob_add_fn add,
		     void *arg);

/* The marker of one create: made once per draft version (from the first
 * attempt until a definite answer), carried in the request's metadata
 * under CGFS_OUTBOX_MARKER_KEY, and kept in the spool while the attempt's
 * outcome is unknown. */
#define CGFS_OUTBOX_MARKER_KEY "codegen_fs_create"
#define CGFS_OUTBOX_MARKER_SIZE 64

/* What the outbox tells the send function about an attempt, and what the
 * send function tells back. */
struct cgfs_ob_attempt {
	const char *marker;     /* in: this create's marker */
	int resolve;            /* in: an earlier attempt with this marker may have
				 * created a run: look for it before sending */
	const char *cwd;        /* in: the working directory of the draft's last
				 * writer (relative image: paths), or NULL */
	int unknown;            /* out, on failure: whether a run may have been
				 * created (no definite answer came) */
};

/* The send function: create a run from the text of draft `name`, or (when
 * at->resolve) find the run an earlier attempt made.  0 with *run set;
 * -ENODATA when the text holds no prompt (nothing is sent; the error file
 * says "not sent: " and why, the commit returns 0); or
 * -errno with a one-line reason in why (the server's message), which
 * becomes the error file's text, and at->unknown set when the outcome is
 * not known. */
typedef int (*cgfs_ob_send_fn)(void *arg, int64_t org, int64_t repo, const char *name,
			       const char *text, size_t len, struct cgfs_ob_attempt *at,
			       int64_t *run, char *why, size_t why_size);

/* Settle every draft in flight (after cgfs_outbox_restore): commit it as
 * if it were dirty, so send finds the run its lost attempt made, or sends
 * it once; then every outbox is trimmed to its bound.  The number of
 * drafts tried. */
int cgfs_outbox_resolve(struct cgfs_outbox *o, cgfs_ob_send_fn send, void *arg);

/* Open an entry by name (end with cgfs_outbox_close).  flags are open(2)
 * flags; only O_CREAT, O_EXCL and O_TRUNC matter:
 *   - absent: with O_CREAT an empty draft is made (and spooled); else
 *     -ENOENT.  A name ending in ".error" cannot be created (-EINVAL).
 *   - present with O_CREAT|O_EXCL: -EEXIST.
 *   - a draft with O_TRUNC: emptied (and marked dirty).
 *   - a receipt: -EISDIR (it names a run directory).
 *   - an error file: opened read-only, its text as it was at the open;
 *     O_TRUNC or O_CREAT|O_EXCL refused (-EACCES, -EEXIST).
 * Names are 1..255 bytes without '/'. */
int cgfs_outbox_open(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *name,
		     int flags, struct cgfs_ob_entry **e);

/* End one open.  The last open of a draft is a commit point: it commits
 * as cgfs_outbox_commit does (send may be NULL: no commit).  Returns that
 * commit's result; e is gone afterwards (its memory stays while other
 * opens hold it, or while it is in its outbox). */
int cgfs_outbox_close(struct cgfs_ob_entry *e, cgfs_ob_send_fn send, void *arg);

/* The entry's kind now (a draft may have turned into a receipt). */
enum cgfs_ob_kind cgfs_outbox_kind(struct cgfs_ob_entry *e);

/* Record the working directory of the process that writes the draft
 * (cwd may be NULL: unknown); the send gets it in at->cwd.  Kept in memory
 * only, across renames.  0 or -ENOMEM. */
int cgfs_outbox_set_cwd(struct cgfs_ob_entry *e, const char *cwd);

/* Read a draft's text or an error file's text at off: bytes copied, or
 * -EISDIR (a receipt), -EINVAL (off < 0). */
ssize_t cgfs_outbox_read(struct cgfs_ob_entry *e, char *buf, size_t size, off_t off);

/* Write into a draft at off (a hole is zero-filled), like a regular file;
 * marks it dirty and writes it through to the spool.  Bytes written, or
 * -EROFS (a receipt or error file: sent drafts cannot change), -EFBIG (past
 * CGFS_OUTBOX_MAX), -EINVAL (off < 0), or the spool's -errno. */
ssize_t cgfs_outbox_write(struct cgfs_ob_entry *e, const char *buf, size_t size, off_t off);

/* Set a draft's length (zero-filled when growing); marks it dirty.  0 or
 * -errno as for write. */
int cgfs_outbox_truncate(struct cgfs_ob_entry *e, off_t size);

/* Remove a name: a draft or a receipt (and its spool file), or an error
 * file (which clears the draft's error).  0, -ENOENT, or the spool's
 * -errno (the entry then stays).  Open references keep the entry's memory; a
 * removed draft is never sent. */
int cgfs_outbox_unlink(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *name);

/* Rename within one outbox; flags as renameat2(2): RENAME_NOREPLACE gives
 * -EEXIST when to exists, RENAME_EXCHANGE is refused (-EINVAL).  An entry
 * at to is replaced, except that a draft cannot replace a receipt
 * (-EISDIR: that name was sent).  Error files cannot be renamed or renamed
 * onto (-EACCES), and to may not end in ".error" (-EINVAL).  A draft moved
 * from a name never sent (scratch or held, draft.h) onto one that is
 * becomes dirty.  0 or -errno.  The caller commits to afterwards when it is
 * a plain name. */
int cgfs_outbox_rename(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *from,
		       const char *to, unsigned flags);

/* A commit point.  When e is a draft that is dirty (written since its last
 * send attempt) or in flight and asked to resolve, not removed, whose name
 * is not an editor's scratch name nor a held draft's (cgfs_draft_is_scratch,
 * cgfs_draft_is_held) and whose text is not empty or only white space:
 * send it, once.  Another commit of the same entry meanwhile waits for the
 * first and then finds nothing to do.  After the attempt the draft is no
 * longer dirty (nothing is retried by itself); on success it becomes a
 * receipt (its error and spool file gone), on failure it keeps its text
 * and its error file holds why plus a newline.  A receipt is written to
 * the spool before the draft's spool file is dropped (a crash in between
 * leaves both, and the receipt wins at the next restore); one the spool
 * cannot write lives in memory only.  The bound is not applied here (the
 * caller trims, cgfs_outbox_trim).  Before the send the
 * draft is in flight: its marker is written to the spool (fsynced; a
 * failure there fails the commit, nothing sent); a definite answer ends
 * that, an unknown outcome keeps it, and the next send of the draft asks
 * to resolve with the same marker.  Returns 0 (sent, or nothing to send)
 * or the send's -errno. */
int cgfs_outbox_commit(struct cgfs_ob_entry *e, cgfs_ob_send_fn send, void *arg);

/* The same for an entry found by name (after a rename); -ENOENT if absent. */
int cgfs_outbox_commit_name(struct cgfs_outbox *o, int64_t org, int64_t repo,
			    const char *name, cgfs_ob_send_fn send, void *arg);

#endif
