/* outbox_entry.c - one outbox entry's life and its text (see
 * outbox_impl.h): references, the busy mark, the spool write-through of a
 * draft, write, truncate, read, and the drafts restored from the spool.
 */
#include "outbox_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_models.h"
#include "spool.h"

/* ---- entries -------------------------------------------------------------- */

void cgfs_ob_entry_free(struct cgfs_ob_entry *e)
{
	free(e->name);
	cg_buf_free(&e->text);
	free(e->error);
	free(e->cwd);
	free(e);
}

/* A new empty draft in b, holding the box's reference; NULL when out of
 * memory. */
struct cgfs_ob_entry *cgfs_ob_entry_new(struct cgfs_outbox *o, struct cgfs_ob_box *b,
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

void cgfs_ob_put_ref(struct cgfs_ob_entry *e)
{
	if (--e->refs == 0)
		cgfs_ob_entry_free(e);
}

/* Take e out of its box: its name is free again, and it is never sent or
 * spooled; opens keep its memory. */
void cgfs_ob_detach(struct cgfs_ob_entry *e)
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
	cgfs_ob_put_ref(e);
}

void cgfs_ob_wait_idle(struct cgfs_outbox *o, struct cgfs_ob_entry *e)
{
	while (e->busy)
		pthread_cond_wait(&o->idle, &o->lock);
}

/* Around work done without the lock on an idle entry (a send, spool I/O). */
void cgfs_ob_begin_busy(struct cgfs_ob_entry *e)
{
	e->busy = 1;
	pthread_mutex_unlock(&e->o->lock);
}

void cgfs_ob_end_busy(struct cgfs_ob_entry *e)
{
	pthread_mutex_lock(&e->o->lock);
	e->busy = 0;
	pthread_cond_broadcast(&e->o->idle);
}

void cgfs_ob_clear_error(struct cgfs_ob_entry *e)
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

int cgfs_ob_spool_put(struct cgfs_outbox *o, const struct cgfs_ob_box *b, const char *name,
		     const char *text, size_t len)
{
	if (!o->spool)
		return 0;
	return spool_result(cgfs_spool_put(o->spool, b->org, b->spool_name, name, text, len));
}

int cgfs_ob_spool_drop(struct cgfs_outbox *o, const struct cgfs_ob_box *b, const char *name)
{
	if (!o->spool)
		return 0;
	return spool_result(cgfs_spool_drop(o->spool, b->org, b->spool_name, name));
}

/* The entry's own spool file; nothing for a removed draft, whose name may
 * already belong to another. */
int cgfs_ob_store(struct cgfs_ob_entry *e, const char *text, size_t len)
{
	return e->detached ? 0 : cgfs_ob_spool_put(e->o, e->box, e->name, text, len);
}

int cgfs_ob_store_drop(struct cgfs_ob_entry *e)
{
	return e->detached ? 0 : cgfs_ob_spool_drop(e->o, e->box, e->name);
}

int cgfs_ob_store_mark(struct cgfs_ob_entry *e)
{
	struct cgfs_outbox *o = e->o;

	if (e->detached || !o->spool)
		return 0;
	return spool_result(cgfs_spool_mark(o->spool, e->box->org, e->box->spool_name, e->name,
					    e->marker));
}

int cgfs_ob_store_unmark(struct cgfs_ob_entry *e)
{
	struct cgfs_outbox *o = e->o;

	if (e->detached || !o->spool)
		return 0;
	return spool_result(cgfs_spool_unmark(o->spool, e->box->org, e->box->spool_name,
					      e->name));
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
int cgfs_ob_resize(struct cgfs_ob_entry *e, size_t size)
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
		cgfs_ob_begin_busy(e);
		ret = cgfs_ob_store(e, cg_buf_data(&e->text), size);
		cgfs_ob_end_busy(e);
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

	cgfs_ob_begin_busy(e);
	ret = cg_buf_append(&copy, e->text.data, e->text.len);
	if (!ret && end > copy.len)
		ret = cg_buf_resize(&copy, end);
	if (!ret) {
		memcpy(copy.data + off, buf, size);
		ret = cgfs_ob_store(e, copy.data, copy.len);
	}
	cgfs_ob_end_busy(e);
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
	cgfs_ob_begin_busy(e);
	if (off == len)
		ret = store_append(e, buf, size);
	else
		ret = cgfs_ob_store(e, e->text.data, end);
	cgfs_ob_end_busy(e);
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
	cgfs_ob_wait_idle(o, e);
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
	cgfs_ob_wait_idle(o, e);
	ret = writable(e);
	if (!ret && size > (off_t)CGFS_OUTBOX_MAX)
		ret = -EFBIG;
	if (!ret)
		ret = cgfs_ob_resize(e, (size_t)size);
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
		size_t left = e->text.len - (size_t)off;

		n = (ssize_t)(left < size ? left : size);
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

int cgfs_outbox_set_cwd(struct cgfs_ob_entry *e, const char *cwd)
{
	char *copy = cwd ? strdup(cwd) : NULL;

	if (cwd && !copy)
		return -ENOMEM;
	pthread_mutex_lock(&e->o->lock);
	free(e->cwd);
	e->cwd = copy;
	pthread_mutex_unlock(&e->o->lock);
	return 0;
}

/* ---- restore ------------------------------------------------------------ */

struct restore {
	struct cgfs_outbox *o;
	int count;
};

int cgfs_ob_parse_outbox(const char *outbox, int64_t *repo)
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
	struct cgfs_ob_box *b;
	int64_t repo;
	int ret = 0;

	/* What this mount could not have written stays on disk, unshown. */
	if (cgfs_ob_parse_outbox(outbox, &repo) || !cgfs_ob_valid_name(name) ||
	    cgfs_ob_is_error_name(name) || len > CGFS_OUTBOX_MAX)
		return 0;
	pthread_mutex_lock(&r->o->lock);
	b = cgfs_ob_find_box(r->o, org, repo, 1);
	if (!b) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* A name made since the mount started is newer than its spool file;
	 * a receipt says the draft was sent (the mount ended between the
	 * receipt's write and the draft's drop): its copy is debris. */
	if ((e = cgfs_ob_find(b, name))) {
		if (e->kind == CGFS_OB_RECEIPT)
			cgfs_spool_drop(r->o->spool, org, outbox, name);
		goto out_unlock;
	}
	e = cgfs_ob_entry_new(r->o, b, name);
	if (!e) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	if (cg_buf_append(&e->text, text, len)) {
		/* Not shown rather than shown empty; it stays in the spool. */
		cgfs_ob_detach(e);              /* drops the box's reference: freed */
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* Not dirty: reading it back (cat's close) must not send it; saving
	 * it again does.  A send that was in flight stays so, with its
	 * marker (a record that cannot be read is as good as none). */
	e->dirty = 0;
	if (!cgfs_spool_marker(r->o->spool, org, outbox, name, e->marker, sizeof(e->marker)))
		e->inflight = 1;
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
	/* Receipts first: they say which drafts were sent. */
	ret = cgfs_ob_restore_receipts(o);
	if (ret >= 0)
		ret = cgfs_spool_each(o->spool, restore_one, &r);
	return ret < 0 ? ret : r.count;
}
