/* outbox_send.c - the commit points of the outboxes (see outbox.h):
 * send a dirty draft once (in flight, with its marker recorded in the spool
 * until a definite answer), then settle it into a receipt (kept in the
 * spool) or give it an error file; and the resolve of drafts left in flight
 * by a restart.
 */
#include "outbox_impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "draft.h"

/* ---- commit ------------------------------------------------------------- */

static int blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return 0;
	return 1;
}

/* Whether a commit point sends e now (resolve: a draft in flight counts
 * as dirty).  Called with the lock held. */
static int wants_send(const struct cgfs_ob_entry *e, int resolve)
{
	return e->kind == CGFS_OB_DRAFT && (e->dirty || (resolve && e->inflight)) &&
	       !e->detached && !cgfs_draft_is_scratch(e->name) && !cgfs_draft_is_held(e->name) &&
	       !blank(e->text.data, e->text.len);
}

/* A new marker: "cgfs-" and 32 hex digits of the kernel's randomness.
 * 0 or -errno. */
static int new_marker(char *out, size_t size)
{
	unsigned char raw[16];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	snprintf(out, size, "cgfs-");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 5 + 2 * i, size - 5 - 2 * i, "%02x", raw[i]);
	return 0;
}

/* Put e in flight before its send: a marker made for this version (kept
 * when an earlier attempt's outcome is unknown) and recorded in the spool.
 * Called busy, without the lock.  0 or -errno with why. */
static int begin_flight(struct cgfs_ob_entry *e, char *why, size_t why_size)
{
	int ret = 0;

	if (!e->inflight)
		ret = new_marker(e->marker, sizeof(e->marker));
	if (!ret)
		ret = cgfs_ob_store_mark(e);
	if (ret) {
		snprintf(why, why_size, "not sent: cannot record the send in the spool: %s",
			 strerror(-ret));
		if (!e->inflight)
			e->marker[0] = '\0';
	}
	return ret;
}

/* The error file's text: why as one line (the errno's name when the send
 * gave none), ending in a newline. */
static void set_error(struct cgfs_ob_entry *e, int err, const char *why)
{
	size_t n = strlen(why);
	char *text;

	while (n && (why[n - 1] == '\n' || why[n - 1] == '\r'))
		n--;
	if (!n) {
		why = strerror(-err);
		n = strlen(why);
	}
	cgfs_ob_clear_error(e);
	text = malloc(n + 2);
	if (!text)
		return;
	memcpy(text, why, n);
	text[n] = '\n';
	text[n + 1] = '\0';
	e->error = text;
	e->error_mtime = time(NULL);
}

/* Record what a send returned (sent: when).  Called with the lock held. */
static void settle(struct cgfs_ob_entry *e, int ret, int64_t run, time_t sent,
		   const char *why)
{
	e->dirty = 0;
	if (ret == -ENODATA) {
		/* Text, but no prompt in it (front matter alone): nothing
		 * failed, and nothing was sent; the error file says so. */
		char note[WHY_SIZE + 16];

		snprintf(note, sizeof(note), "not sent: %s", why[0] ? why : "no prompt");
		set_error(e, ret, note);
	} else if (ret) {
		set_error(e, ret, why);
	} else {
		e->kind = CGFS_OB_RECEIPT;
		e->run = run;
		cg_buf_free(&e->text);
		cgfs_ob_clear_error(e);
		e->mtime = sent;
	}
}

/* Commit e (see cgfs_outbox_commit); resolve also sends a clean draft that
 * is in flight. */
static int commit(struct cgfs_ob_entry *e, cgfs_ob_send_fn send, void *arg, int resolve)
{
	struct cgfs_outbox *o = e->o;
	struct cgfs_ob_attempt at = { 0 };
	char why[WHY_SIZE] = "", *cwd;
	int64_t run = 0;
	time_t sent;
	int ret, still;

	if (!send)
		return 0;
	pthread_mutex_lock(&o->lock);
	cgfs_ob_wait_idle(o, e);
	if (!wants_send(e, resolve)) {
		pthread_mutex_unlock(&o->lock);
		return 0;
	}
	/* Busy keeps text, len, name and marker still while the lock is
	 * dropped. */
	at.resolve = e->inflight;
	/* A copy: a write meanwhile may set another. */
	cwd = e->cwd ? strdup(e->cwd) : NULL;
	at.cwd = cwd;
	still = e->inflight;
	cgfs_ob_begin_busy(e);
	ret = begin_flight(e, why, sizeof(why));
	if (!ret) {
		at.marker = e->marker;
		ret = send(arg, e->box->org, e->box->repo, e->name, cg_buf_data(&e->text),
			   e->text.len, &at, &run, why, sizeof(why));
		why[sizeof(why) - 1] = '\0';
		if (ret > 0)
			ret = -EIO;
		still = ret && ret != -ENODATA && at.unknown;
	}
	/* The run exists now whatever the spool says.  Its receipt goes
	 * first, so that a crash before the draft's drop leaves a receipt
	 * (which wins at the restore), never a draft alone; a receipt the
	 * spool cannot take lives in memory only, and a draft copy it failed
	 * to drop comes back at the next mount, not sent by itself.  A
	 * definite answer ends the flight: the next send is a new one. */
	sent = time(NULL);
	if (!ret) {
		cgfs_ob_store_receipt(e, run, sent);
		cgfs_ob_store_drop(e);
	} else if (at.marker && !still) {
		cgfs_ob_store_unmark(e);
	}
	if (!still)
		e->marker[0] = '\0';
	cgfs_ob_end_busy(e);
	e->inflight = still;
	settle(e, ret, run, sent, why);
	pthread_mutex_unlock(&o->lock);
	free(cwd);
	return ret == -ENODATA ? 0 : ret;
}

int cgfs_outbox_commit(struct cgfs_ob_entry *e, cgfs_ob_send_fn send, void *arg)
{
	return commit(e, send, arg, 0);
}

int cgfs_outbox_resolve(struct cgfs_outbox *o, cgfs_ob_send_fn send, void *arg)
{
	struct cgfs_ob_entry *e;
	struct cgfs_ob_box *b;
	int count = 0;

	/* One at a time: take a reference to the next draft in flight, commit
	 * it without the lock, and look again (commits end the flight). */
	for (;;) {
		struct cgfs_ob_entry *found = NULL;

		pthread_mutex_lock(&o->lock);
		for (b = o->boxes; b && !found; b = b->next)
			for (e = b->entries; e && !found; e = e->next)
				if (!e->busy && e->inflight && !e->resolve_tried)
					found = e;
		if (found) {
			found->refs++;
			found->resolve_tried = 1;
		}
		/* The runs found may be more receipts than an outbox keeps. */
		for (b = o->boxes; b && !found; b = b->next)
			cgfs_ob_trim(o, b, NULL, NULL);
		pthread_mutex_unlock(&o->lock);
		if (!found)
			return count;
		commit(found, send, arg, 1);
		count++;
		pthread_mutex_lock(&o->lock);
		cgfs_ob_put_ref(found);
		pthread_mutex_unlock(&o->lock);
	}
}

int cgfs_outbox_commit_name(struct cgfs_outbox *o, int64_t org, int64_t repo,
			    const char *name, cgfs_ob_send_fn send, void *arg)
{
	struct cgfs_ob_entry *e = NULL;
	struct cgfs_ob_box *b;
	int ret;

	if (!cgfs_ob_valid_name(name))
		return -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = cgfs_ob_find_box(o, org, repo, 0);
	if (b)
		e = cgfs_ob_find(b, name);
	if (e)
		e->refs++;
	pthread_mutex_unlock(&o->lock);
	if (!e)
		return -ENOENT;
	ret = cgfs_outbox_commit(e, send, arg);
	pthread_mutex_lock(&o->lock);
	cgfs_ob_put_ref(e);
	pthread_mutex_unlock(&o->lock);
	return ret;
}
