/* outbox_impl.h - what the outbox modules share, for them only.
 *
 * The outbox (outbox.h) is three modules over one state: outbox.c, the
 * names (lookups, open, close, stat, list, unlink, rename);
 * outbox_entry.c, an entry's life and its text (references, busy, spool
 * write-through, write, truncate, read, restore); outbox_send.c, the
 * commit points; outbox_receipts.c, receipts on disk and their bound.  This header holds the state they share and the
 * functions they call in each other.  Nothing else includes it.
 * Unless said otherwise, every function is called with the outbox's lock
 * held.
 */
#ifndef CGFS_OUTBOX_IMPL_H
#define CGFS_OUTBOX_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cg_buf.h"
#include "outbox.h"

#define NAME_LIMIT 255
#define SUFFIX_LEN (sizeof(CGFS_OUTBOX_ERROR_SUFFIX) - 1)

/* Room for the server's one-line reason; longer ones are cut. */
#define WHY_SIZE 1024

/* A draft's buffer: CGFS_OUTBOX_MAX bytes and the NUL. */
#define TEXT_CAP (CGFS_OUTBOX_MAX + 1)

/* Guarded by the outbox's lock.  While busy, only the thread that set busy
 * changes text, len, name or the entry's spool file; others may read them
 * (under the lock, or without it while they hold busy themselves). */
struct cgfs_ob_entry {
	struct cgfs_ob_entry *next;     /* in box->entries while attached */
	struct cgfs_outbox *o;
	struct cgfs_ob_box *box;                /* NULL for an open error file */
	char *name;
	enum cgfs_ob_kind kind;
	struct cg_buf text;             /* draft, error file; capped (TEXT_CAP) */
	char *error;                    /* draft: reason of the last failed send */
	time_t error_mtime;
	int64_t run;                    /* receipt */
	time_t mtime;
	unsigned refs;                  /* the box's while attached, one per open,
					 * and short-lived ones of callers */
	unsigned opens;
	int dirty;                      /* written since the last send attempt */
	int detached;                   /* removed from its box: never sent or spooled */
	int busy;                       /* a send or a spool write is under way */
	int inflight;                   /* an attempt's outcome is unknown, or the
					 * attempt is under way: marker is set */
	char marker[CGFS_OUTBOX_MARKER_SIZE];   /* the create's marker, or "" */
	int resolve_tried;              /* cgfs_outbox_resolve has committed it */
	char *cwd;                      /* the last writer's working directory, or NULL */
};

/* One outbox; never freed before the whole cgfs_outbox, so entries may
 * point at it after they are detached. */
struct cgfs_ob_box {
	struct cgfs_ob_box *next;
	int64_t org, repo;
	char spool_name[32];            /* "new" or "repo-<id>" */
	struct cgfs_ob_entry *entries;  /* unsorted */
};

/* lock guards the boxes and every entry; idle is broadcast whenever an
 * entry stops being busy. */
struct cgfs_outbox {
	pthread_mutex_t lock;
	pthread_cond_t idle;
	struct cgfs_spool *spool;       /* not owned; NULL: memory only */
	struct cgfs_ob_box *boxes;
	unsigned keep;                  /* receipts an outbox keeps; 0: no bound */
};


/* ---- names (outbox.c) ---------------------------------------------------- */

/* 1..NAME_LIMIT bytes, no '/', not "." or "..". */
int cgfs_ob_valid_name(const char *name);
/* Ends in CGFS_OUTBOX_ERROR_SUFFIX. */
int cgfs_ob_is_error_name(const char *name);
/* The outbox (org, repo), created when asked; NULL when absent or out of
 * memory. */
struct cgfs_ob_box *cgfs_ob_find_box(struct cgfs_outbox *o, int64_t org, int64_t repo,
				     int create);
/* The entry called name in b, or NULL. */
struct cgfs_ob_entry *cgfs_ob_find(struct cgfs_ob_box *b, const char *name);

/* ---- entries (outbox_entry.c) --------------------------------------------- */

/* A new empty draft in b, holding the box's reference; NULL when out of
 * memory. */
struct cgfs_ob_entry *cgfs_ob_entry_new(struct cgfs_outbox *o, struct cgfs_ob_box *b,
					const char *name);
/* Free e whatever its references (the outbox's teardown, a failed open). */
void cgfs_ob_entry_free(struct cgfs_ob_entry *e);
/* Drop one reference; the last frees e. */
void cgfs_ob_put_ref(struct cgfs_ob_entry *e);
/* Take e out of its box (dropping the box's reference): its name is free
 * again, and it is never sent or spooled; opens keep its memory. */
void cgfs_ob_detach(struct cgfs_ob_entry *e);
/* Wait until e is not busy. */
void cgfs_ob_wait_idle(struct cgfs_outbox *o, struct cgfs_ob_entry *e);
/* Around work done without the lock on an idle entry (a send, spool I/O):
 * begin marks e busy and drops the lock, end takes it again and wakes the
 * waiters. */
void cgfs_ob_begin_busy(struct cgfs_ob_entry *e);
void cgfs_ob_end_busy(struct cgfs_ob_entry *e);
/* Forget a draft's last send error. */
void cgfs_ob_clear_error(struct cgfs_ob_entry *e);
/* Store or drop name's spool file in b (nothing without a spool; a name
 * the spool refuses lives in memory only).  0 or the spool's -errno. */
int cgfs_ob_spool_put(struct cgfs_outbox *o, const struct cgfs_ob_box *b, const char *name,
		      const char *text, size_t len);
int cgfs_ob_spool_drop(struct cgfs_outbox *o, const struct cgfs_ob_box *b, const char *name);
/* The same for e's own spool file; nothing for a removed draft. */
int cgfs_ob_store(struct cgfs_ob_entry *e, const char *text, size_t len);
int cgfs_ob_store_drop(struct cgfs_ob_entry *e);
/* Write or remove e's in-flight record in the spool (nothing for a removed
 * draft, or without a spool).  0 or the spool's -errno. */
int cgfs_ob_store_mark(struct cgfs_ob_entry *e);
int cgfs_ob_store_unmark(struct cgfs_ob_entry *e);
/* The repo of a spool outbox name: CG_NONE for "new", the id of a
 * canonical "repo-<id>".  0 or -EINVAL. */
int cgfs_ob_parse_outbox(const char *outbox, int64_t *repo);
/* Set an idle draft's length (zero-filled when growing), spooled; marks
 * it dirty.  0 or -errno. */
int cgfs_ob_resize(struct cgfs_ob_entry *e, size_t size);

/* ---- receipts (outbox_receipts.c) ------------------------------------------ */

/* Store or drop name's receipt in the spool of b (nothing without a
 * spool; a name the spool refuses lives in memory only).  0 or -errno. */
int cgfs_ob_spool_put_receipt(struct cgfs_outbox *o, const struct cgfs_ob_box *b,
			      const char *name, int64_t run, time_t sent);
int cgfs_ob_spool_drop_receipt(struct cgfs_outbox *o, const struct cgfs_ob_box *b,
			       const char *name);
/* The same for e's own name; nothing for a removed entry. */
int cgfs_ob_store_receipt(struct cgfs_ob_entry *e, int64_t run, time_t sent);
/* Load the receipts of the spool (before the drafts: a draft under a
 * receipt's name was sent, and its spool file is dropped).  The number
 * loaded, or -errno.  Called without the lock. */
int cgfs_ob_restore_receipts(struct cgfs_outbox *o);
/* Let the oldest receipts of b fall away (memory and spool) until it
 * holds at most o->keep.  The names gone are added to *gone (a malloc'd
 * array of *n malloc'd names; the caller frees both), when gone is not
 * NULL.  0 or -ENOMEM (what was trimmed stays trimmed). */
int cgfs_ob_trim(struct cgfs_outbox *o, struct cgfs_ob_box *b, char ***gone, size_t *n);

#endif
