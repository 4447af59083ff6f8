/* outbox_receipts.c - receipts that last (see outbox.h, outbox_impl.h):
 * written to the spool when a draft is sent, read back at the next mount,
 * and bounded: an outbox keeps its newest receipts, the older ones fall
 * away.  Without the bound, an outbox that scripts send from every few
 * minutes would grow for ever, in memory, on disk and in every `ls`.
 */
#include "outbox_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

void cgfs_outbox_set_keep(struct cgfs_outbox *o, unsigned keep)
{
	pthread_mutex_lock(&o->lock);
	o->keep = keep;
	pthread_mutex_unlock(&o->lock);
}

/* ---- the spool ---------------------------------------------------------- */

/* As for drafts (outbox_entry.c): what the spool cannot file (-EINVAL)
 * lives in memory only. */
static int spool_result(int ret)
{
	return ret == -EINVAL ? 0 : ret;
}

int cgfs_ob_spool_put_receipt(struct cgfs_outbox *o, const struct cgfs_ob_box *b,
			      const char *name, int64_t run, time_t sent)
{
	if (!o->spool)
		return 0;
	return spool_result(cgfs_spool_put_receipt(o->spool, b->org, b->spool_name, name, run,
						   sent));
}

int cgfs_ob_spool_drop_receipt(struct cgfs_outbox *o, const struct cgfs_ob_box *b,
			       const char *name)
{
	if (!o->spool)
		return 0;
	return spool_result(cgfs_spool_drop_receipt(o->spool, b->org, b->spool_name, name));
}

int cgfs_ob_store_receipt(struct cgfs_ob_entry *e, int64_t run, time_t sent)
{
	return e->detached ? 0 : cgfs_ob_spool_put_receipt(e->o, e->box, e->name, run, sent);
}

/* ---- the bound ---------------------------------------------------------- */

/* Whether receipt a is older than b: sent earlier, or at the same second
 * with a smaller run id (ids grow). */
static int older(const struct cgfs_ob_entry *a, const struct cgfs_ob_entry *b)
{
	return a->mtime < b->mtime || (a->mtime == b->mtime && a->run < b->run);
}

int cgfs_ob_trim(struct cgfs_outbox *o, struct cgfs_ob_box *b, char ***gone, size_t *n)
{
	struct cgfs_ob_entry *e, *oldest;
	size_t count = 0;
	int ret = 0;

	if (!o->keep)
		return 0;
	for (e = b->entries; e; e = e->next)
		count += e->kind == CGFS_OB_RECEIPT;
	for (; count > o->keep; count--) {
		oldest = NULL;
		for (e = b->entries; e; e = e->next)
			if (e->kind == CGFS_OB_RECEIPT && !e->busy &&
			    (!oldest || older(e, oldest)))
				oldest = e;
		if (!oldest)
			break;
		if (gone) {
			char **grown = realloc(*gone, (*n + 1) * sizeof(**gone));
			char *name = strdup(oldest->name);

			if (grown)
				*gone = grown;
			if (!grown || !name) {
				free(name);
				ret = -ENOMEM;
				break;
			}
			grown[(*n)++] = name;
		}
		/* A copy the spool fails to drop comes back at the next
		 * mount, and falls away again there. */
		cgfs_ob_spool_drop_receipt(o, b, oldest->name);
		cgfs_ob_detach(oldest);
	}
	return ret;
}

int cgfs_outbox_trim(struct cgfs_outbox *o, int64_t org, int64_t repo, cgfs_ob_gone_fn gone,
		     void *arg)
{
	struct cgfs_ob_box *b;
	char **names = NULL;
	size_t n = 0;
	int ret = 0;

	pthread_mutex_lock(&o->lock);
	b = cgfs_ob_find_box(o, org, repo, 0);
	if (b)
		ret = cgfs_ob_trim(o, b, &names, &n);
	pthread_mutex_unlock(&o->lock);
	/* Without the lock: the kernel may be waiting on a handler that
	 * waits for it. */
	for (size_t i = 0; i < n; i++) {
		if (gone)
			gone(arg, names[i]);
		free(names[i]);
	}
	free(names);
	return ret ? ret : (int)n;
}

/* ---- restore ------------------------------------------------------------ */

struct restore {
	struct cgfs_outbox *o;
	int count;
};

static int restore_one(void *arg, int64_t org, const char *outbox, const char *name,
		       int64_t run, time_t sent)
{
	struct restore *r = arg;
	struct cgfs_ob_entry *e;
	struct cgfs_ob_box *b;
	int64_t repo;
	int ret = 0;

	/* What this mount could not have written stays on disk, unshown. */
	if (cgfs_ob_parse_outbox(outbox, &repo) || !cgfs_ob_valid_name(name) ||
	    cgfs_ob_is_error_name(name))
		return 0;
	pthread_mutex_lock(&r->o->lock);
	b = cgfs_ob_find_box(r->o, org, repo, 1);
	if (!b) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	if (cgfs_ob_find(b, name))
		goto out_unlock;
	e = cgfs_ob_entry_new(r->o, b, name);
	if (!e) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	e->kind = CGFS_OB_RECEIPT;
	e->run = run;
	e->mtime = sent;
	r->count++;
out_unlock:
	pthread_mutex_unlock(&r->o->lock);
	return ret;
}

int cgfs_ob_restore_receipts(struct cgfs_outbox *o)
{
	struct restore r = { .o = o };
	struct cgfs_ob_box *b;
	int ret;

	if (!o->spool)
		return 0;
	ret = cgfs_spool_each_receipt(o->spool, restore_one, &r);
	pthread_mutex_lock(&o->lock);
	for (b = o->boxes; b; b = b->next)
		cgfs_ob_trim(o, b, NULL, NULL);
	pthread_mutex_unlock(&o->lock);
	return ret ? ret : r.count;
}
