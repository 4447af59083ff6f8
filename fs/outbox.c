/* outbox.c - the names of the outboxes (see outbox.h, outbox_impl.h).
 *
 * Every outbox of the mount is a short list of entries keyed by (org,
 * repo): outboxes hold a handful of names, so lookups are linear.  One
 * lock guards everything, but it is not held while a draft is sent (a
 * send takes seconds) nor while a write goes to the spool (a put fsyncs).
 * The entry is marked busy instead, and whoever wants to change it (a
 * write, a truncate, an unlink, a rename, another commit) waits until it
 * is idle again.  So a write cannot slip into a draft that is turning into
 * a receipt, one draft is never sent twice at once, and the spool file of
 * a name sees its changes in the order memory does.  This module: the
 * outboxes themselves and what is done by name (lookups, open, close,
 * stat, list, unlink, rename).
 */
#include "outbox_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_models.h"
#include "draft.h"
#include "spool.h"

struct cgfs_outbox *cgfs_outbox_new(struct cgfs_spool *spool)
{
	struct cgfs_outbox *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->idle, NULL);
	o->spool = spool;
	return o;
}

/* Every open must be closed before; entries still open through a removed
 * name are their openers' to free, and are leaked here. */
void cgfs_outbox_free(struct cgfs_outbox *o)
{
	struct cgfs_ob_box *b, *next_box;
	struct cgfs_ob_entry *e, *next;

	if (!o)
		return;
	for (b = o->boxes; b; b = next_box) {
		next_box = b->next;
		for (e = b->entries; e; e = next) {
			next = e->next;
			cgfs_ob_entry_free(e);
		}
		free(b);
	}
	pthread_cond_destroy(&o->idle);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

/* ---- names and lookups (all called with the lock held) ---------------- */

int cgfs_ob_valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 1 && n <= NAME_LIMIT && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int cgfs_ob_is_error_name(const char *name)
{
	size_t n = strlen(name);

	return n >= SUFFIX_LEN &&
	       strcmp(name + n - SUFFIX_LEN, CGFS_OUTBOX_ERROR_SUFFIX) == 0;
}

struct cgfs_ob_box *cgfs_ob_find_box(struct cgfs_outbox *o, int64_t org, int64_t repo,
				     int create)
{
	struct cgfs_ob_box *b;

	for (b = o->boxes; b; b = b->next)
		if (b->org == org && b->repo == repo)
			return b;
	if (!create)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->org = org;
	b->repo = repo;
	if (repo == CG_NONE)
		snprintf(b->spool_name, sizeof(b->spool_name), "new");
	else
		snprintf(b->spool_name, sizeof(b->spool_name), "repo-%" PRId64, repo);
	b->next = o->boxes;
	o->boxes = b;
	return b;
}

struct cgfs_ob_entry *cgfs_ob_find(struct cgfs_ob_box *b, const char *name)
{
	struct cgfs_ob_entry *e;

	for (e = b->entries; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* The draft whose error file is called name, or NULL. */
static struct cgfs_ob_entry *error_owner(struct cgfs_ob_box *b, const char *name)
{
	struct cgfs_ob_entry *e;
	size_t n;

	if (!cgfs_ob_is_error_name(name))
		return NULL;
	n = strlen(name) - SUFFIX_LEN;
	for (e = b->entries; e; e = e->next)
		if (e->kind == CGFS_OB_DRAFT && e->error && strlen(e->name) == n &&
		    memcmp(e->name, name, n) == 0)
			return e;
	return NULL;
}

/* ---- stat ---------------------------------------------------------------- */

static void stat_entry(const struct cgfs_ob_entry *e, struct cgfs_ob_stat *st)
{
	st->kind = e->kind;
	st->size = e->kind == CGFS_OB_RECEIPT ? 0 : e->text.len;
	st->mtime = e->mtime;
	st->run = e->kind == CGFS_OB_RECEIPT ? e->run : 0;
}

static void stat_error(const struct cgfs_ob_entry *e, struct cgfs_ob_stat *st)
{
	st->kind = CGFS_OB_ERROR;
	st->size = strlen(e->error);
	st->mtime = e->error_mtime;
	st->run = 0;
}

int cgfs_outbox_stat(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *name,
		     struct cgfs_ob_stat *st)
{
	struct cgfs_ob_entry *e = NULL;
	struct cgfs_ob_box *b;
	int ret = -ENOENT;

	if (!cgfs_ob_valid_name(name))
		return -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = cgfs_ob_find_box(o, org, repo, 0);
	if (b && (e = cgfs_ob_find(b, name))) {
		stat_entry(e, st);
		ret = 0;
	} else if (b && (e = error_owner(b, name))) {
		stat_error(e, st);
		ret = 0;
	}
	pthread_mutex_unlock(&o->lock);
	return ret;
}

/* ---- listing ------------------------------------------------------------ */

struct listed {
	char *name;
	struct cgfs_ob_stat st;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->name, ((const struct listed *)b)->name);
}

/* Snapshot the names of b into *out (malloc'd, with *n items), so that add
 * runs without the lock.  0 or -ENOMEM.  Called with the lock held. */
static int snapshot(struct cgfs_ob_box *b, struct listed **out, size_t *n)
{
	struct cgfs_ob_entry *e;
	struct listed *v;
	size_t count = 0, i = 0, size;

	for (e = b->entries; e; e = e->next)
		count += e->kind == CGFS_OB_DRAFT && e->error ? 2 : 1;
	v = calloc(count ? count : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (e = b->entries; e; e = e->next) {
		v[i].name = strdup(e->name);
		if (!v[i].name)
			goto out_free;
		stat_entry(e, &v[i++].st);
		if (e->kind != CGFS_OB_DRAFT || !e->error)
			continue;
		size = strlen(e->name) + SUFFIX_LEN + 1;
		v[i].name = malloc(size);
		if (!v[i].name)
			goto out_free;
		snprintf(v[i].name, size, "%s" CGFS_OUTBOX_ERROR_SUFFIX, e->name);
		stat_error(e, &v[i++].st);
	}
	*out = v;
	*n = count;
	return 0;

out_free:
	while (i--)
		free(v[i].name);
	free(v);
	return -ENOMEM;
}

int cgfs_outbox_list(struct cgfs_outbox *o, int64_t org, int64_t repo, cgfs_ob_add_fn add,
		     void *arg)
{
	struct listed *v = NULL;
	struct cgfs_ob_box *b;
	size_t n = 0, i;
	int ret = 0;

	pthread_mutex_lock(&o->lock);
	b = cgfs_ob_find_box(o, org, repo, 0);
	if (b)
		ret = snapshot(b, &v, &n);
	pthread_mutex_unlock(&o->lock);
	if (ret)
		return ret;
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	for (i = 0; i < n; i++) {
		if (!ret)
			ret = add(arg, v[i].name, &v[i].st);
		free(v[i].name);
	}
	free(v);
	return ret;
}

/* ---- open and close ----------------------------------------------------- */

/* Open the entry e found by name (idle when flags has O_TRUNC). */
static int open_entry(struct cgfs_ob_entry *e, int flags)
{
	int ret;

	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (e->kind == CGFS_OB_RECEIPT)
		return -EISDIR;
	e->opens++;
	e->refs++;
	if (flags & O_TRUNC) {
		ret = cgfs_ob_resize(e, 0);
		if (ret) {
			e->opens--;
			cgfs_ob_put_ref(e);
			return ret;
		}
	}
	return 0;
}

/* Open the error file of draft owner: a private copy of its text, like a
 * file read at open; a later error or an unlink does not change it. */
static int open_error(struct cgfs_ob_entry *owner, const char *name, int flags,
		      struct cgfs_ob_entry **out)
{
	struct cgfs_ob_entry *h;

	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (flags & O_TRUNC)
		return -EACCES;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->text.cap_limit = TEXT_CAP;
	h->name = strdup(name);
	if (!h->name || cg_buf_puts(&h->text, owner->error)) {
		cgfs_ob_entry_free(h);
		return -ENOMEM;
	}
	h->o = owner->o;
	h->kind = CGFS_OB_ERROR;
	h->mtime = owner->error_mtime;
	h->refs = 1;
	h->opens = 1;
	h->detached = 1;
	*out = h;
	return 0;
}

/* Make an empty draft and store it: an empty spool file says the name
 * exists, and its first write can be an append. */
static int create(struct cgfs_outbox *o, struct cgfs_ob_box *b, const char *name,
		  struct cgfs_ob_entry **out)
{
	struct cgfs_ob_entry *e;
	int ret;

	if (cgfs_ob_is_error_name(name))
		return -EINVAL;
	e = cgfs_ob_entry_new(o, b, name);
	if (!e)
		return -ENOMEM;
	e->dirty = 1;
	e->opens = 1;
	e->refs++;
	cgfs_ob_begin_busy(e);
	ret = cgfs_ob_store(e, NULL, 0);
	cgfs_ob_end_busy(e);
	if (ret) {
		cgfs_ob_detach(e);
		e->opens--;
		cgfs_ob_put_ref(e);
		return ret;
	}
	*out = e;
	return 0;
}

int cgfs_outbox_open(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *name,
		     int flags, struct cgfs_ob_entry **out)
{
	struct cgfs_ob_entry *e, *owner;
	struct cgfs_ob_box *b;
	int ret;

	if (!cgfs_ob_valid_name(name))
		return flags & O_CREAT ? -EINVAL : -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = cgfs_ob_find_box(o, org, repo, flags & O_CREAT);
	if (!b) {
		ret = flags & O_CREAT ? -ENOMEM : -ENOENT;
		goto out_unlock;
	}
	/* Emptying a draft that is being sent waits: it may be a receipt
	 * by then.  The name is looked up again, e may be gone. */
	while ((e = cgfs_ob_find(b, name)) && e->busy && (flags & O_TRUNC))
		pthread_cond_wait(&o->idle, &o->lock);
	if (e) {
		ret = open_entry(e, flags);
		if (!ret)
			*out = e;
	} else if ((owner = error_owner(b, name))) {
		ret = open_error(owner, name, flags, out);
	} else if (flags & O_CREAT) {
		ret = create(o, b, name, out);
	} else {
		ret = -ENOENT;
	}
out_unlock:
	pthread_mutex_unlock(&o->lock);
	return ret;
}

int cgfs_outbox_close(struct cgfs_ob_entry *e, cgfs_ob_send_fn send, void *arg)
{
	struct cgfs_outbox *o = e->o;
	int last, ret = 0;

	pthread_mutex_lock(&o->lock);
	last = --e->opens == 0;
	pthread_mutex_unlock(&o->lock);
	if (last && send)
		ret = cgfs_outbox_commit(e, send, arg);
	pthread_mutex_lock(&o->lock);
	cgfs_ob_put_ref(e);
	pthread_mutex_unlock(&o->lock);
	return ret;
}

/* ---- removing and renaming ---------------------------------------------- */

/* The spool I/O of both is done under the lock, unlike a write's: once
 * the lock is dropped a create of the same name could spool its own file,
 * which a late drop would then delete.  Both are rare. */
static int unlink_locked(struct cgfs_outbox *o, struct cgfs_ob_box *b, const char *name)
{
	struct cgfs_ob_entry *e;
	int ret;

	while ((e = cgfs_ob_find(b, name)) && e->busy)
		pthread_cond_wait(&o->idle, &o->lock);
	if (!e) {
		e = error_owner(b, name);
		if (!e)
			return -ENOENT;
		cgfs_ob_clear_error(e);
		return 0;
	}
	if (e->kind == CGFS_OB_DRAFT)
		ret = cgfs_ob_spool_drop(o, b, name);
	else
		ret = cgfs_ob_spool_drop_receipt(o, b, name);
	if (ret)
		return ret;
	cgfs_ob_detach(e);
	return 0;
}

int cgfs_outbox_unlink(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *name)
{
	struct cgfs_ob_box *b;
	int ret = -ENOENT;

	if (!cgfs_ob_valid_name(name))
		return -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = cgfs_ob_find_box(o, org, repo, 0);
	if (b)
		ret = unlink_locked(o, b, name);
	pthread_mutex_unlock(&o->lock);
	return ret;
}

/* A receipt renamed: its spool file moves, and a draft it replaces goes.
 * A copy left under the old name would come back as one more receipt at
 * the next mount; as for drafts, that does not fail the rename. */
static int move_receipt(struct cgfs_outbox *o, struct cgfs_ob_box *b,
			const struct cgfs_ob_entry *src, const struct cgfs_ob_entry *dst,
			const char *from, const char *to)
{
	int ret = cgfs_ob_spool_put_receipt(o, b, to, src->run, src->mtime);

	if (!ret && dst && dst->kind == CGFS_OB_DRAFT)
		ret = cgfs_ob_spool_drop(o, b, to);
	if (!ret)
		cgfs_ob_spool_drop_receipt(o, b, from);
	return ret;
}

/* Move the spool file of src from `from` to `to` (a draft's, or a
 * receipt's). */
static int move_spool(struct cgfs_outbox *o, struct cgfs_ob_box *b,
		      const struct cgfs_ob_entry *src, const struct cgfs_ob_entry *dst,
		      const char *from, const char *to)
{
	int ret;

	if (src->kind != CGFS_OB_DRAFT)
		return move_receipt(o, b, src, dst, from, to);
	ret = cgfs_ob_spool_put(o, b, to, cg_buf_data(&src->text), src->text.len);
	if (ret)
		return ret;
	/* The text is safe under its new name.  A copy left under the old
	 * one would only come back as one more draft at the next mount, so
	 * it does not fail a rename that has in effect happened. */
	cgfs_ob_spool_drop(o, b, from);
	/* A send in flight stays so under the new name (its record went
	 * with the old one), and a record of the draft replaced goes.  A
	 * failure here only matters after a crash; memory knows. */
	if (o->spool && src->inflight)
		cgfs_spool_mark(o->spool, b->org, b->spool_name, to, src->marker);
	else if (o->spool)
		cgfs_spool_unmark(o->spool, b->org, b->spool_name, to);
	return 0;
}

/* Whether a commit point may send a draft of this name. */
static int sendable(const char *name)
{
	return !cgfs_draft_is_scratch(name) && !cgfs_draft_is_held(name);
}

static int rename_locked(struct cgfs_outbox *o, struct cgfs_ob_box *b, const char *from,
			 const char *to, unsigned flags)
{
	struct cgfs_ob_entry *src, *dst;
	char *name;
	int ret;

	for (;;) {
		src = cgfs_ob_find(b, from);
		if (!src)
			return error_owner(b, from) ? -EACCES : -ENOENT;
		if (cgfs_ob_is_error_name(to))
			return error_owner(b, to) ? -EACCES : -EINVAL;
		dst = cgfs_ob_find(b, to);
		if (dst == src)
			return 0;
		if (dst && (flags & RENAME_NOREPLACE))
			return -EEXIST;
		/* A save onto a sent name: it is a run directory now, and
		 * the new text would be a second run under the same name. */
		if (dst && dst->kind == CGFS_OB_RECEIPT && src->kind == CGFS_OB_DRAFT)
			return -EISDIR;
		if (!src->busy && !(dst && dst->busy))
			break;
		pthread_cond_wait(&o->idle, &o->lock);
	}
	name = strdup(to);
	if (!name)
		return -ENOMEM;
	ret = move_spool(o, b, src, dst, from, to);
	if (ret) {
		free(name);
		return ret;
	}
	if (dst)
		cgfs_ob_detach(dst);
	/* Out of a name never sent onto one that is: the user's "send it",
	 * even for a draft restored clean from the spool. */
	if (src->kind == CGFS_OB_DRAFT && !sendable(src->name) && sendable(name))
		src->dirty = 1;
	free(src->name);
	src->name = name;
	return 0;
}

int cgfs_outbox_rename(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *from,
		       const char *to, unsigned flags)
{
	struct cgfs_ob_box *b;
	int ret = -ENOENT;

	if (flags & ~(unsigned)RENAME_NOREPLACE)
		return -EINVAL;
	if (!cgfs_ob_valid_name(from))
		return -ENOENT;
	if (!cgfs_ob_valid_name(to))
		return -EINVAL;
	pthread_mutex_lock(&o->lock);
	b = cgfs_ob_find_box(o, org, repo, 0);
	if (b)
		ret = rename_locked(o, b, from, to, flags);
	pthread_mutex_unlock(&o->lock);
	return ret;
}
