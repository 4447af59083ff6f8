/* whole.c - whole forms of slim runs, the last few kept (see whole.h). */
#include "whole.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

/* Bytes of JSON: the whole form of a bigger run is parsed for each read
 * and not kept, so that what is kept stays small beside --cache-mb. */
#define KEEP_MAX (16 * 1024)

/* Counted like any cached object (cache.h cgfs_obj_ref/unref). */
struct cgfs_whole {
	struct cgfs_obj base;
	struct cgfs_obj *obj;   /* held: the slot's match stays this object */
	struct cg_run run;      /* its raw is the slim run's (obj holds it) */
};

struct cgfs_wholes {
	pthread_mutex_t lock;
	unsigned keep, next;    /* next: the slot the next one made replaces */
	struct cgfs_whole *slot[];
};

struct cgfs_wholes *cgfs_wholes_new(unsigned keep)
{
	struct cgfs_wholes *w = calloc(1, sizeof(*w) + keep * sizeof(w->slot[0]));

	if (!w)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	w->keep = keep;
	return w;
}

static void whole_destroy(struct cgfs_obj *o)
{
	struct cgfs_whole *whole = (struct cgfs_whole *)o;

	whole->run.raw = NULL;
	cg_run_free(&whole->run);
	cgfs_obj_unref(whole->obj);
	free(whole);
}

void cgfs_whole_drop(struct cgfs_whole *whole)
{
	if (whole)
		cgfs_obj_unref(&whole->base);
}

void cgfs_wholes_free(struct cgfs_wholes *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->keep; i++)
		cgfs_whole_drop(w->slot[i]);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* The kept whole form of obj, with a reference for the caller, or NULL. */
static struct cgfs_whole *kept(struct cgfs_wholes *w, const struct cgfs_obj *obj)
{
	struct cgfs_whole *found = NULL;

	pthread_mutex_lock(&w->lock);
	for (unsigned i = 0; i < w->keep && !found; i++)
		if (w->slot[i] && w->slot[i]->obj == obj) {
			found = w->slot[i];
			cgfs_obj_ref(&found->base);
		}
	pthread_mutex_unlock(&w->lock);
	return found;
}

static void keep(struct cgfs_wholes *w, struct cgfs_whole *whole)
{
	struct cgfs_whole *old;

	cgfs_obj_ref(&whole->base);
	pthread_mutex_lock(&w->lock);
	old = w->slot[w->next];
	w->slot[w->next] = whole;
	w->next = (w->next + 1) % w->keep;
	pthread_mutex_unlock(&w->lock);
	cgfs_whole_drop(old);
}

int cgfs_whole_get(struct cgfs_wholes *w, enum cgfs_res kind, const struct cgfs_ref *ref,
		   size_t field, const void **model, struct cgfs_whole **whole)
{
	struct cgfs_whole *made;
	const struct cg_run *slim = ref->model;
	int ret;

	*model = ref->model;
	*whole = NULL;
	/* Offset 0 is the id, or the whole model (the rows of prs, branches). */
	if (!cgfs_res_slim(kind) || (field && cg_run_slim_keeps(field)))
		return 0;
	if (w && w->keep && (made = kept(w, ref->obj))) {
		*model = &made->run;
		*whole = made;
		return 0;
	}
	made = calloc(1, sizeof(*made));
	if (!made)
		return -ENOMEM;
	ret = cg_run_expand(slim, &made->run);
	if (ret) {
		free(made);
		return ret;
	}
	/* The JSON parsed back is the slim run's own: not held twice. */
	free(made->run.raw);
	made->run.raw = slim->raw;
	atomic_init(&made->base.refs, 1);
	made->base.destroy = whole_destroy;
	cgfs_obj_ref(ref->obj);
	made->obj = ref->obj;
	if (w && w->keep && strlen(slim->raw) <= KEEP_MAX)
		keep(w, made);
	*model = &made->run;
	*whole = made;
	return 0;
}
