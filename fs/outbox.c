/* outbox.c - the drafts and receipts of the outboxes (see outbox.h).
 *
 * Every outbox of the mount is a short list of entries keyed by (org,
 * repo): outboxes hold a handful of names, so lookups are linear.  One
 * lock guards everything, but it is not held while a draft is sent (a
 * send takes seconds) nor while a write goes to the spool (a put fsyncs).
 * The entry is marked busy instead, and whoever wants to change it (a
 * write, a truncate, an unlink, a rename, another commit) waits until it
 * is idle again.  So a write cannot slip into a draft that is turning into
 * a receipt, one draft is never sent twice at once, and the spool file of
 * a name sees its changes in the order memory does.
 */
#include "outbox.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_buf.h"
#include "cg_models.h"
#include "draft.h"
#include "spool.h"

#define NAME_LIMIT 255
#define SUFFIX_LEN (sizeof(CGFS_OUTBOX_ERROR_SUFFIX) - 1)

/* Room for the server's one-line reason; longer ones are cut. */
#define WHY_SIZE 1024

/* A draft's buffer: CGFS_OUTBOX_MAX bytes and the NUL. */
#define TEXT_CAP (CGFS_OUTBOX_MAX + 1)

struct box;

/* Guarded by the outbox's lock.  While busy, only the thread that set busy
 * changes text, len, name or the entry's spool file; others may read them
 * (under the lock, or without it while they hold busy themselves). */
struct cgfs_ob_entry {
	struct cgfs_ob_entry *next;     /* in box->entries while attached */
	struct cgfs_outbox *o;
	struct box *box;                /* NULL for an open error file */
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
};

/* One outbox; never freed before the whole cgfs_outbox, so entries may
 * point at it after they are detached. */
struct box {
	struct box *next;
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
	struct box *boxes;
};

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

static void entry_free(struct cgfs_ob_entry *e)
{
	free(e->name);
	cg_buf_free(&e->text);
	free(e->error);
	free(e);
}

/* Every open must be closed before; entries still open through a removed
 * name are their openers' to free, and are leaked here. */
void cgfs_outbox_free(struct cgfs_outbox *o)
{
	struct box *b, *next_box;
	struct cgfs_ob_entry *e, *next;

	if (!o)
		return;
	for (b = o->boxes; b; b = next_box) {
		next_box = b->next;
		for (e = b->entries; e; e = next) {
			next = e->next;
			entry_free(e);
		}
		free(b);
	}
	pthread_cond_destroy(&o->idle);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

/* ---- names and lookups (all called with the lock held) ---------------- */

static int valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 1 && n <= NAME_LIMIT && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int is_error_name(const char *name)
{
	size_t n = strlen(name);

	return n >= SUFFIX_LEN &&
	       strcmp(name + n - SUFFIX_LEN, CGFS_OUTBOX_ERROR_SUFFIX) == 0;
}

static struct box *find_box(struct cgfs_outbox *o, int64_t org, int64_t repo, int create)
{
	struct box *b;

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

static struct cgfs_ob_entry *find(struct box *b, const char *name)
{
	struct cgfs_ob_entry *e;

	for (e = b->entries; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* The draft whose error file is called name, or NULL. */
static struct cgfs_ob_entry *error_owner(struct box *b, const char *name)
{
	struct cgfs_ob_entry *e;
	size_t n;

	if (!is_error_name(name))
		return NULL;
	n = strlen(name) - SUFFIX_LEN;
	for (e = b->entries; e; e = e->next)
		if (e->kind == CGFS_OB_DRAFT && e->error && strlen(e->name) == n &&
		    memcmp(e->name, name, n) == 0)
			return e;
	return NULL;
}

/* A new empty draft in b, holding the box's reference; NULL when out of
 * memory. */
static struct cgfs_ob_entry *entry_new(struct cgfs_outbox *o, struct box *b,
				       const char *name)
{
	struct cgfs_ob_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->name = strdup(name);
	if (!e->name) {
		free(e);
		return NULL;
	}
	e->o = o;
	e->box = b;
	e->text.cap_limit = TEXT_CAP;
	e->kind = CGFS_OB_DRAFT;
	e->mtime = time(NULL);
	e->refs = 1;
	e->next = b->entries;
	b->entries = e;
	return e;
}

static void put_ref(struct cgfs_ob_entry *e)
{
	if (--e->refs == 0)
		entry_free(e);
}

/* Take e out of its box: its name is free again, and it is never sent or
 * spooled; opens keep its memory. */
static void detach(struct cgfs_ob_entry *e)
{
	struct cgfs_ob_entry **p;

	for (p = &e->box->entries; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	e->next = NULL;
	e->detached = 1;
	put_ref(e);
}

static void wait_idle(struct cgfs_outbox *o, struct cgfs_ob_entry *e)
{
	while (e->busy)
		pthread_cond_wait(&o->idle, &o->lock);
}

/* Around work done without the lock on an idle entry (a send, spool I/O). */
static void begin_busy(struct cgfs_ob_entry *e)
{
	e->busy = 1;
	pthread_mutex_unlock(&e->o->lock);
}

static void end_busy(struct cgfs_ob_entry *e)
{
	pthread_mutex_lock(&e->o->lock);
	e->busy = 0;
	pthread_cond_broadcast(&e->o->idle);
}

static void clear_error(struct cgfs_ob_entry *e)
{
	free(e->error);
	e->error = NULL;
}

/* ---- spool write-through ------------------------------------------------ */

/* The spool refuses (-EINVAL) what it cannot file: a name such as ".tmp-x",
 * which it would take for the debris of its own writes, or an org or repo
 * id that is not positive.  Such a draft simply lives in memory only. */
static int spool_result(int ret)
{
	return ret == -EINVAL ? 0 : ret;
}

static int spool_put(struct cgfs_outbox *o, const struct box *b, const char *name,
		     const char *text, size_t len)
{
	if (!o->spool)
		return 0;
	return spool_result(cgfs_spool_put(o->spool, b->org, b->spool_name, name, text, len));
}

static int spool_drop(struct cgfs_outbox *o, const struct box *b, const char *name)
{
	if (!o->spool)
		return 0;
	return spool_result(cgfs_spool_drop(o->spool, b->org, b->spool_name, name));
}

/* The entry's own spool file; nothing for a removed draft, whose name may
 * already belong to another. */
static int store(struct cgfs_ob_entry *e, const char *text, size_t len)
{
	return e->detached ? 0 : spool_put(e->o, e->box, e->name, text, len);
}

static int store_drop(struct cgfs_ob_entry *e)
{
	return e->detached ? 0 : spool_drop(e->o, e->box, e->name);
}

static int store_append(struct cgfs_ob_entry *e, const char *buf, size_t len)
{
	struct cgfs_outbox *o = e->o;

	if (e->detached || !o->spool)
		return 0;
	return spool_result(cgfs_spool_append(o->spool, e->box->org, e->box->spool_name,
					      e->name, buf, len));
}

/* ---- changing a draft (called with the lock held, e an idle draft) -------- */

static void touch(struct cgfs_ob_entry *e)
{
	e->dirty = 1;
	e->mtime = time(NULL);
}

/* Set the length to size (zero-filled when growing).  The room past the
 * text is read by nobody, so the new bytes are laid out there before the
 * spool has them and become the text only once it does. */
static int resize(struct cgfs_ob_entry *e, size_t size)
{
	size_t len = e->text.len;
	int ret;

	if (size > len) {
		ret = cg_buf_reserve(&e->text, size - len);
		if (ret)
			return ret;
		memset(e->text.data + len, 0, size - len);
	}
	if (size != len) {
		begin_busy(e);
		ret = store(e, cg_buf_data(&e->text), size);
		end_busy(e);
		if (ret) {
			cg_buf_truncate(&e->text, len);
			return ret;
		}
		if (size > len)
			cg_buf_commit(&e->text, size - len);
		else
			cg_buf_truncate(&e->text, size);
	}
	touch(e);
	return 0;
}

/* A write that changes bytes readers can see: made on a copy, which
 * replaces the text once the spool has it. */
static int overwrite(struct cgfs_ob_entry *e, const char *buf, size_t size, size_t off)
{
	struct cg_buf copy = { .cap_limit = TEXT_CAP };
	size_t end = off + size;
	int ret;

	begin_busy(e);
	ret = cg_buf_append(&copy, e->text.data, e->text.len);
	if (!ret && end > copy.len)
		ret = cg_buf_resize(&copy, end);
	if (!ret) {
		memcpy(copy.data + off, buf, size);
		ret = store(e, copy.data, copy.len);
	}
	end_busy(e);
	if (ret) {
		cg_buf_free(&copy);
		return ret;
	}
	cg_buf_free(&e->text);
	e->text = copy;
	touch(e);
	return 0;
}

/* Write size (> 0) bytes at off.  Only a write exactly at the end is an
 * append for the spool: a long prompt written line by line must not be
 * rewritten and fsynced whole for every line. */
static int write_at(struct cgfs_ob_entry *e, const char *buf, size_t size, size_t off)
{
	size_t len = e->text.len, end = off + size;
	int ret;

	if (off < len)
		return overwrite(e, buf, size, off);
	ret = cg_buf_reserve(&e->text, end - len);
	if (ret)
		return ret;
	memset(e->text.data + len, 0, off - len);
	memcpy(e->text.data + off, buf, size);
	begin_busy(e);
	if (off == len)
		ret = store_append(e, buf, size);
	else
		ret = store(e, e->text.data, end);
	end_busy(e);
	if (ret) {
		cg_buf_truncate(&e->text, len);  /* the staged bytes overwrote the NUL */
		return ret;
	}
	cg_buf_commit(&e->text, end - len);
	touch(e);
	return 0;
}

static int writable(const struct cgfs_ob_entry *e)
{
	return e->kind == CGFS_OB_DRAFT ? 0 : -EROFS;
}

ssize_t cgfs_outbox_write(struct cgfs_ob_entry *e, const char *buf, size_t size, off_t off)
{
	struct cgfs_outbox *o = e->o;
	int ret;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&o->lock);
	wait_idle(o, e);
	ret = writable(e);
	if (!ret && (off > (off_t)CGFS_OUTBOX_MAX || size > CGFS_OUTBOX_MAX - (size_t)off))
		ret = -EFBIG;
	if (!ret && size)
		ret = write_at(e, buf, size, (size_t)off);
	pthread_mutex_unlock(&o->lock);
	return ret ? ret : (ssize_t)size;
}

int cgfs_outbox_truncate(struct cgfs_ob_entry *e, off_t size)
{
	struct cgfs_outbox *o = e->o;
	int ret;

	if (size < 0)
		return -EINVAL;
	pthread_mutex_lock(&o->lock);
	wait_idle(o, e);
	ret = writable(e);
	if (!ret && size > (off_t)CGFS_OUTBOX_MAX)
		ret = -EFBIG;
	if (!ret)
		ret = resize(e, (size_t)size);
	pthread_mutex_unlock(&o->lock);
	return ret;
}

/* ---- reading ------------------------------------------------------------ */

ssize_t cgfs_outbox_read(struct cgfs_ob_entry *e, char *buf, size_t size, off_t off)
{
	struct cgfs_outbox *o = e->o;
	ssize_t n = 0;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&o->lock);
	if (e->kind == CGFS_OB_RECEIPT) {
		n = -EISDIR;
	} else if ((size_t)off < e->text.len) {
		n = (ssize_t)(e->text.len - (size_t)off < size ? e->text.len - (size_t)off : size);
		memcpy(buf, e->text.data + off, (size_t)n);
	}
	pthread_mutex_unlock(&o->lock);
	return n;
}

enum cgfs_ob_kind cgfs_outbox_kind(struct cgfs_ob_entry *e)
{
	enum cgfs_ob_kind kind;

	pthread_mutex_lock(&e->o->lock);
	kind = e->kind;
	pthread_mutex_unlock(&e->o->lock);
	return kind;
}

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
	struct box *b;
	int ret = -ENOENT;

	if (!valid_name(name))
		return -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = find_box(o, org, repo, 0);
	if (b && (e = find(b, name))) {
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
static int snapshot(struct box *b, struct listed **out, size_t *n)
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
	struct box *b;
	size_t n = 0, i;
	int ret = 0;

	pthread_mutex_lock(&o->lock);
	b = find_box(o, org, repo, 0);
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
		ret = resize(e, 0);
		if (ret) {
			e->opens--;
			put_ref(e);
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
		entry_free(h);
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
static int create(struct cgfs_outbox *o, struct box *b, const char *name,
		  struct cgfs_ob_entry **out)
{
	struct cgfs_ob_entry *e;
	int ret;

	if (is_error_name(name))
		return -EINVAL;
	e = entry_new(o, b, name);
	if (!e)
		return -ENOMEM;
	e->dirty = 1;
	e->opens = 1;
	e->refs++;
	begin_busy(e);
	ret = store(e, NULL, 0);
	end_busy(e);
	if (ret) {
		detach(e);
		e->opens--;
		put_ref(e);
		return ret;
	}
	*out = e;
	return 0;
}

int cgfs_outbox_open(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *name,
		     int flags, struct cgfs_ob_entry **out)
{
	struct cgfs_ob_entry *e, *owner;
	struct box *b;
	int ret;

	if (!valid_name(name))
		return flags & O_CREAT ? -EINVAL : -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = find_box(o, org, repo, flags & O_CREAT);
	if (!b) {
		ret = flags & O_CREAT ? -ENOMEM : -ENOENT;
		goto out_unlock;
	}
	/* Emptying a draft that is being sent waits: it may be a receipt
	 * by then.  The name is looked up again, e may be gone. */
	while ((e = find(b, name)) && e->busy && (flags & O_TRUNC))
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
	put_ref(e);
	pthread_mutex_unlock(&o->lock);
	return ret;
}

/* ---- removing and renaming ---------------------------------------------- */

/* The spool I/O of both is done under the lock, unlike a write's: once
 * the lock is dropped a create of the same name could spool its own file,
 * which a late drop would then delete.  Both are rare. */
static int unlink_locked(struct cgfs_outbox *o, struct box *b, const char *name)
{
	struct cgfs_ob_entry *e;
	int ret;

	while ((e = find(b, name)) && e->busy)
		pthread_cond_wait(&o->idle, &o->lock);
	if (!e) {
		e = error_owner(b, name);
		if (!e)
			return -ENOENT;
		clear_error(e);
		return 0;
	}
	if (e->kind == CGFS_OB_DRAFT) {
		ret = spool_drop(o, b, name);
		if (ret)
			return ret;
	}
	detach(e);
	return 0;
}

int cgfs_outbox_unlink(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *name)
{
	struct box *b;
	int ret = -ENOENT;

	if (!valid_name(name))
		return -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = find_box(o, org, repo, 0);
	if (b)
		ret = unlink_locked(o, b, name);
	pthread_mutex_unlock(&o->lock);
	return ret;
}

/* Move the spool file of src from `from` to `to`, or drop that of a draft
 * dst being replaced by a receipt. */
static int move_spool(struct cgfs_outbox *o, struct box *b, const struct cgfs_ob_entry *src,
		      const struct cgfs_ob_entry *dst, const char *from, const char *to)
{
	int ret;

	if (src->kind != CGFS_OB_DRAFT)
		return dst && dst->kind == CGFS_OB_DRAFT ? spool_drop(o, b, to) : 0;
	ret = spool_put(o, b, to, cg_buf_data(&src->text), src->text.len);
	if (ret)
		return ret;
	/* The text is safe under its new name.  A copy left under the old
	 * one would only come back as one more draft at the next mount, so
	 * it does not fail a rename that has in effect happened. */
	spool_drop(o, b, from);
	return 0;
}

static int rename_locked(struct cgfs_outbox *o, struct box *b, const char *from,
			 const char *to, unsigned flags)
{
	struct cgfs_ob_entry *src, *dst;
	char *name;
	int ret;

	for (;;) {
		src = find(b, from);
		if (!src)
			return error_owner(b, from) ? -EACCES : -ENOENT;
		if (is_error_name(to))
			return error_owner(b, to) ? -EACCES : -EINVAL;
		dst = find(b, to);
		if (dst == src)
			return 0;
		if (dst && (flags & RENAME_NOREPLACE))
			return -EEXIST;
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
		detach(dst);
	free(src->name);
	src->name = name;
	return 0;
}

int cgfs_outbox_rename(struct cgfs_outbox *o, int64_t org, int64_t repo, const char *from,
		       const char *to, unsigned flags)
{
	struct box *b;
	int ret = -ENOENT;

	if (flags & ~(unsigned)RENAME_NOREPLACE)
		return -EINVAL;
	if (!valid_name(from))
		return -ENOENT;
	if (!valid_name(to))
		return -EINVAL;
	pthread_mutex_lock(&o->lock);
	b = find_box(o, org, repo, 0);
	if (b)
		ret = rename_locked(o, b, from, to, flags);
	pthread_mutex_unlock(&o->lock);
	return ret;
}

/* ---- commit ------------------------------------------------------------- */

static int blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return 0;
	return 1;
}

/* Whether a commit point sends e now.  Called with the lock held. */
static int wants_send(const struct cgfs_ob_entry *e)
{
	return e->kind == CGFS_OB_DRAFT && e->dirty && !e->detached &&
	       !cgfs_draft_is_scratch(e->name) && !blank(e->text.data, e->text.len);
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
	clear_error(e);
	text = malloc(n + 2);
	if (!text)
		return;
	memcpy(text, why, n);
	text[n] = '\n';
	text[n + 1] = '\0';
	e->error = text;
	e->error_mtime = time(NULL);
}

/* Record what a send returned.  Called with the lock held. */
static void settle(struct cgfs_ob_entry *e, int ret, int64_t run, const char *why)
{
	e->dirty = 0;
	if (ret == -ENODATA) {
		/* The last attempt found no prompt: nothing failed. */
		clear_error(e);
	} else if (ret) {
		set_error(e, ret, why);
	} else {
		e->kind = CGFS_OB_RECEIPT;
		e->run = run;
		cg_buf_free(&e->text);
		clear_error(e);
		e->mtime = time(NULL);
	}
}

int cgfs_outbox_commit(struct cgfs_ob_entry *e, cgfs_ob_send_fn send, void *arg)
{
	struct cgfs_outbox *o = e->o;
	char why[WHY_SIZE] = "";
	int64_t run = 0;
	int ret;

	if (!send)
		return 0;
	pthread_mutex_lock(&o->lock);
	wait_idle(o, e);
	if (!wants_send(e)) {
		pthread_mutex_unlock(&o->lock);
		return 0;
	}
	/* Busy keeps text, len and name still while the lock is dropped. */
	begin_busy(e);
	ret = send(arg, e->box->org, e->box->repo, e->name, cg_buf_data(&e->text), e->text.len, &run, why,
		   sizeof(why));
	why[sizeof(why) - 1] = '\0';
	if (ret > 0)
		ret = -EIO;
	/* The run exists now whatever the spool says; a copy it failed to
	 * drop comes back as a draft at the next mount, not sent by itself. */
	if (!ret)
		store_drop(e);
	end_busy(e);
	settle(e, ret, run, why);
	pthread_mutex_unlock(&o->lock);
	return ret == -ENODATA ? 0 : ret;
}

int cgfs_outbox_commit_name(struct cgfs_outbox *o, int64_t org, int64_t repo,
			    const char *name, cgfs_ob_send_fn send, void *arg)
{
	struct cgfs_ob_entry *e = NULL;
	struct box *b;
	int ret;

	if (!valid_name(name))
		return -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = find_box(o, org, repo, 0);
	if (b)
		e = find(b, name);
	if (e)
		e->refs++;
	pthread_mutex_unlock(&o->lock);
	if (!e)
		return -ENOENT;
	ret = cgfs_outbox_commit(e, send, arg);
	pthread_mutex_lock(&o->lock);
	put_ref(e);
	pthread_mutex_unlock(&o->lock);
	return ret;
}

/* ---- restore ------------------------------------------------------------ */

struct restore {
	struct cgfs_outbox *o;
	int count;
};

/* The repo of a spool outbox name: CG_NONE for "new", the id of a
 * canonical "repo-<id>".  0 or -EINVAL. */
static int parse_outbox(const char *outbox, int64_t *repo)
{
	char canon[32];
	long long v;
	char *end;

	if (strcmp(outbox, "new") == 0) {
		*repo = CG_NONE;
		return 0;
	}
	if (strncmp(outbox, "repo-", 5) != 0)
		return -EINVAL;
	errno = 0;
	v = strtoll(outbox + 5, &end, 10);
	if (errno || *end || end == outbox + 5)
		return -EINVAL;
	/* "repo-007" would be written back as "repo-7", leaving the old file
	 * to come back after every send. */
	snprintf(canon, sizeof(canon), "repo-%lld", v);
	if (strcmp(canon, outbox) != 0)
		return -EINVAL;
	*repo = v;
	return 0;
}

static int restore_one(void *arg, int64_t org, const char *outbox, const char *name,
		       const char *text, size_t len)
{
	struct restore *r = arg;
	struct cgfs_ob_entry *e;
	struct box *b;
	int64_t repo;
	int ret = 0;

	/* What this mount could not have written stays on disk, unshown. */
	if (parse_outbox(outbox, &repo) || !valid_name(name) || is_error_name(name) ||
	    len > CGFS_OUTBOX_MAX)
		return 0;
	pthread_mutex_lock(&r->o->lock);
	b = find_box(r->o, org, repo, 1);
	if (!b) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* A name made since the mount started is newer than its spool file. */
	if (find(b, name))
		goto out_unlock;
	e = entry_new(r->o, b, name);
	if (!e) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	if (cg_buf_append(&e->text, text, len)) {
		/* Not shown rather than shown empty; it stays in the spool. */
		detach(e);              /* drops the box's reference: freed */
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* Not dirty: reading it back (cat's close) must not send it; saving
	 * it again does. */
	e->dirty = 0;
	r->count++;
out_unlock:
	pthread_mutex_unlock(&r->o->lock);
	return ret;
}

int cgfs_outbox_restore(struct cgfs_outbox *o)
{
	struct restore r = { .o = o };
	int ret;

	if (!o->spool)
		return 0;
	ret = cgfs_spool_each(o->spool, restore_one, &r);
	return ret ? ret : r.count;
}
