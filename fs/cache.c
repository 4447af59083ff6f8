/* cache.c - cached API objects with single flight and a bound on their
 * memory (see cache.h). */
#include "cache.h"

#include <errno.h>
#include <stdatomic.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flight.h"

#define NBUCKETS 8192

struct entry {
	struct entry *next;
	struct entry *older, *newer; /* its recency list, while obj is set */
	struct cgfs_obj *obj;     /* NULL until fetched, after a 404, or dropped */
	double missing_until;     /* monotonic; > now: answer -ENOENT */
	struct cgfs_flight flight; /* single flight, hold-off on the monotonic clock */
	char *last_error;         /* line for a run's `error` file, or NULL */
	char key[];
};

/* The entries holding an object, newest use first. */
struct lru {
	struct entry *newest, *oldest;
};

/* lock guards the table, every entry and the counters; done is broadcast
 * whenever a fetch ends (cgfs_flight_end). */
struct cgfs_cache {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct entry *buckets[NBUCKETS];
	struct lru lru[2];            /* [0]: on_disk objects; [1]: the others */
	size_t bound;                 /* bytes; 0: none */
	size_t bytes, objects;        /* of the objects held */
	uint64_t evictions;
	double missing_ttl;
	struct cgfs_errlog *errors;
	struct cgfs_cache_counters counters;
	double (*clock)(void *arg);   /* monotonic seconds; tests inject one */
	void *clock_arg;
	/* Until then the server is in trouble (a fetch of any key failed on its
	 * side): stale copies are served without asking.  Atomic: the logs
	 * read it under their own lock. */
	_Atomic double trouble_until;
};

static double real_clock(void *arg)
{
	(void)arg;
	return cgfs_now();
}

void cgfs_cache_set_clock(struct cgfs_cache *c, double (*clock)(void *arg), void *arg)
{
	c->clock = clock;
	c->clock_arg = arg;
}

double cgfs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cgfs_obj_ref(struct cgfs_obj *o)
{
	atomic_fetch_add(&o->refs, 1);
}

void cgfs_obj_unref(struct cgfs_obj *o)
{
	if (o && atomic_fetch_sub(&o->refs, 1) == 1)
		o->destroy(o);
}

struct cgfs_cache *cgfs_cache_new(double missing_ttl, struct cgfs_errlog *errors)
{
	struct cgfs_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->done, NULL);
	c->missing_ttl = missing_ttl;
	c->errors = errors;
	c->clock = real_clock;
	return c;
}

void cgfs_cache_free(struct cgfs_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct entry *e = c->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			cgfs_obj_unref(e->obj);
			free(e->last_error);
			free(e);
		}
	}
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static size_t hash(const char *key)
{
	size_t h = 5381;

	for (; *key; key++)
		h = h * 33 + (unsigned char)*key;
	return h % NBUCKETS;
}

/* The entry for key, created if needed (NULL only when out of memory).
 * Called with the lock held. */
static struct entry *lookup(struct cgfs_cache *c, const char *key, int create)
{
	size_t h = hash(key), len;
	struct entry *e;

	for (e = c->buckets[h]; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	if (!create)
		return NULL;
	len = strlen(key) + 1;
	e = calloc(1, sizeof(*e) + len);
	if (!e)
		return NULL;
	memcpy(e->key, key, len);
	e->next = c->buckets[h];
	c->buckets[h] = e;
	return e;
}

static int fresh(const struct cgfs_obj *o, double now)
{
	return o && now - o->fetched_at < o->ttl;
}

/* ---- recency and the bound: every function here is called with the lock held ---- */

static struct lru *lru_of(struct cgfs_cache *c, const struct entry *e)
{
	return &c->lru[e->obj->on_disk ? 0 : 1];
}

static void lru_unlink(struct cgfs_cache *c, struct entry *e)
{
	struct lru *l = lru_of(c, e);

	if (e->older)
		e->older->newer = e->newer;
	else
		l->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		l->newest = e->older;
	e->older = e->newer = NULL;
}

static void lru_push(struct cgfs_cache *c, struct entry *e)
{
	struct lru *l = lru_of(c, e);

	e->older = l->newest;
	e->newer = NULL;
	if (l->newest)
		l->newest->newer = e;
	else
		l->oldest = e;
	l->newest = e;
}

/* Set e's object (NULL: none), keeping the sizes and the recency lists;
 * the old object is returned for the caller to drop its reference. */
static struct cgfs_obj *set_obj(struct cgfs_cache *c, struct entry *e, struct cgfs_obj *o)
{
	struct cgfs_obj *old = e->obj;

	if (old) {
		lru_unlink(c, e);
		c->bytes -= old->size;
		c->objects--;
	}
	e->obj = o;
	if (o) {
		lru_push(c, e);
		c->bytes += o->size;
		c->objects++;
	}
	return old;
}

/* e's object was used: a reference for *out, and it is the newest. */
static void serve(struct cgfs_cache *c, struct entry *e, struct cgfs_obj **out)
{
	cgfs_obj_ref(e->obj);
	*out = e->obj;
	lru_unlink(c, e);
	lru_push(c, e);
}

/* Over the bound: drop the least recently used objects that can go (no
 * caller holds them, no fetch of their key is under way or held off), the
 * on_disk ones first, until under it. */
static void evict(struct cgfs_cache *c, double now)
{
	for (int i = 0; i < 2 && c->bound && c->bytes > c->bound; i++) {
		struct entry *e, *newer;

		for (e = c->lru[i].oldest; e && c->bytes > c->bound; e = newer) {
			newer = e->newer;
			if (e->flight.loading || cgfs_flight_held_off(&e->flight, now) ||
			    atomic_load(&e->obj->refs) > 1)
				continue;
			cgfs_obj_unref(set_obj(c, e, NULL));
			c->evictions++;
		}
	}
}

/* Install a new object, keeping the old mtime when the content did not
 * change.  Called with the lock held; takes over the reference. */
static void replace(struct cgfs_cache *c, struct entry *e, struct cgfs_obj *o, double now)
{
	struct cgfs_obj *old = e->obj;

	o->fetched_at = now;
	if (old) {
		if (old->sig && o->sig && !strcmp(old->sig, o->sig))
			o->mtime = old->mtime;
		else
			o->mtime = time(NULL);
	}
	set_obj(c, e, o);
	e->missing_until = 0;
	cgfs_flight_release(&e->flight);
	cgfs_obj_unref(old);
}

static void note_error(struct cgfs_cache *c, struct entry *e, const struct cgfs_ctx *ctx,
		       const struct cg_error *err)
{
	struct cg_buf line = { 0 };

	if (c->errors)
		cgfs_errlog_add(c->errors, ctx ? ctx->op : "fetch", ctx ? ctx->path : e->key, err);
	if (!cgfs_render_error_line(&line, time(NULL), ctx ? ctx->op : "fetch",
				    ctx ? ctx->path : e->key,
				    err->http_status, err->err, err->message)) {
		free(e->last_error);
		e->last_error = line.data;
	}
}

int cgfs_cache_get(struct cgfs_cache *c, const char *key, cgfs_fetch_fn fetch,
		   void *arg, const struct cgfs_ctx *ctx, struct cgfs_obj **out)
{
	struct cgfs_obj *prev, *got = NULL;
	struct cg_error err = { 0 };
	struct cgfs_flight_wait wait = { 0 };
	struct entry *e;
	int ret;
	double now;

	pthread_mutex_lock(&c->lock);
	e = lookup(c, key, 1);
	if (!e) {
		pthread_mutex_unlock(&c->lock);
		return -ENOMEM;
	}
	for (;;) {
		now = c->clock(c->clock_arg);
		if (cgfs_flight_held_off(&e->flight, now)) {
			if (!e->obj) {
				pthread_mutex_unlock(&c->lock);
				return e->flight.last_ret;
			}
			c->counters.stale_served++;
			serve(c, e, out);
			pthread_mutex_unlock(&c->lock);
			return 0;
		}
		if (fresh(e->obj, now)) {
			c->counters.hits++;
			serve(c, e, out);
			pthread_mutex_unlock(&c->lock);
			return 0;
		}
		/* The server failed another fetch a moment ago: a stale copy now
		 * beats waiting out a second deadline in the same `cat`. */
		if (e->obj && !e->flight.loading && now < atomic_load(&c->trouble_until)) {
			c->counters.stale_served++;
			serve(c, e, out);
			pthread_mutex_unlock(&c->lock);
			return 0;
		}
		if (!e->obj && e->missing_until > now) {
			c->counters.negative_hits++;
			pthread_mutex_unlock(&c->lock);
			return -ENOENT;
		}
		/* We waited for another thread's fetch: share its result rather
		 * than asking the server again at once, even when the object it
		 * brought is already past its ttl (a short ttl, a slow wake-up). */
		if (cgfs_flight_shared(&e->flight, &wait) && !e->flight.last_ret && e->obj) {
			c->counters.hits++;
			serve(c, e, out);
			pthread_mutex_unlock(&c->lock);
			return 0;
		}
		if (cgfs_flight_shared(&e->flight, &wait) && e->flight.last_ret) {
			ret = e->flight.last_ret;
			if (e->obj) {
				c->counters.stale_served++;
				serve(c, e, out);
				ret = 0;
			}
			pthread_mutex_unlock(&c->lock);
			return ret;
		}
		ret = cgfs_flight_wait(&e->flight, &wait, &c->done, &c->lock,
				       ctx ? ctx->deadline : 0);
		if (ret == -ETIMEDOUT) {
			/* Another thread's fetch outlasts our caller's deadline:
			 * what we hold, or the timeout. */
			if (e->obj) {
				c->counters.stale_served++;
				serve(c, e, out);
				ret = 0;
			}
			pthread_mutex_unlock(&c->lock);
			return ret;
		}
		if (!ret)
			break;
	}
	cgfs_flight_begin(&e->flight);
	c->counters.misses++;
	prev = e->obj;
	if (prev)
		cgfs_obj_ref(prev);
	pthread_mutex_unlock(&c->lock);

	ret = fetch(arg, prev, &got, &err);

	pthread_mutex_lock(&c->lock);
	now = c->clock(c->clock_arg);
	/* The waiters wake once the lock is released, after what follows. */
	cgfs_flight_end(&e->flight, ret,
			ret && ret != -ENOENT ? now + CGFS_FAILURE_HOLDOFF : 0, &c->done);
	if (!ret) {
		replace(c, e, got, now);
		cgfs_obj_ref(got);
		*out = got;
		evict(c, now);
	} else if (ret == -ENOENT) {
		cgfs_obj_unref(set_obj(c, e, NULL));
		e->missing_until = now + c->missing_ttl;
	} else {
		note_error(c, e, ctx, &err);
		cgfs_cache_server_failed(c, ret);
		if (prev) {
			c->counters.stale_served++;
			if (e->obj == prev) {
				serve(c, e, out);
			} else {
				cgfs_obj_ref(prev);
				*out = prev;
			}
			ret = 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	cgfs_obj_unref(prev);
	return ret;
}

void cgfs_cache_put(struct cgfs_cache *c, const char *key, struct cgfs_obj *o)
{
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	e = lookup(c, key, 1);
	if (e) {
		double now = c->clock(c->clock_arg);

		replace(c, e, o, now);
		evict(c, now);
	}
	pthread_mutex_unlock(&c->lock);
	if (!e)
		cgfs_obj_unref(o);
}

struct cgfs_obj *cgfs_cache_peek(struct cgfs_cache *c, const char *key)
{
	struct cgfs_obj *o = NULL;
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	e = lookup(c, key, 0);
	if (e && e->obj)
		serve(c, e, &o);
	pthread_mutex_unlock(&c->lock);
	return o;
}

void cgfs_cache_invalidate(struct cgfs_cache *c, const char *key)
{
	struct entry *e;
	struct cgfs_obj *old = NULL;

	pthread_mutex_lock(&c->lock);
	e = lookup(c, key, 0);
	if (e) {
		old = set_obj(c, e, NULL);
		e->missing_until = 0;
		cgfs_flight_release(&e->flight);
	}
	pthread_mutex_unlock(&c->lock);
	cgfs_obj_unref(old);
}

void cgfs_cache_invalidate_prefix(struct cgfs_cache *c, const char *prefix)
{
	size_t len = strlen(prefix);

	/* Rare (a create, a refresh): a walk of the whole table is fine. */
	pthread_mutex_lock(&c->lock);
	for (size_t h = 0; h < NBUCKETS; h++)
		for (struct entry *e = c->buckets[h]; e; e = e->next) {
			if (strncmp(e->key, prefix, len))
				continue;
			cgfs_obj_unref(set_obj(c, e, NULL));
			e->missing_until = 0;
			cgfs_flight_release(&e->flight);
		}
	pthread_mutex_unlock(&c->lock);
}

int cgfs_cache_last_error(struct cgfs_cache *c, const char *key, struct cg_buf *out)
{
	struct entry *e;
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	e = lookup(c, key, 0);
	if (e && e->last_error)
		ret = cg_buf_puts(out, e->last_error);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void cgfs_cache_note_error(struct cgfs_cache *c, const char *key, const struct cgfs_ctx *ctx,
			   const struct cg_error *err)
{
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	e = lookup(c, key, 1);
	if (e)
		note_error(c, e, ctx, err);
	pthread_mutex_unlock(&c->lock);
}

void cgfs_cache_counters(struct cgfs_cache *c, struct cgfs_cache_counters *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->counters;
	pthread_mutex_unlock(&c->lock);
}

void cgfs_cache_set_bound(struct cgfs_cache *c, size_t bytes)
{
	pthread_mutex_lock(&c->lock);
	c->bound = bytes;
	evict(c, c->clock(c->clock_arg));
	pthread_mutex_unlock(&c->lock);
}

void cgfs_cache_usage(struct cgfs_cache *c, struct cgfs_cache_usage *out)
{
	pthread_mutex_lock(&c->lock);
	out->bytes = c->bytes;
	out->objects = c->objects;
	out->evictions = c->evictions;
	pthread_mutex_unlock(&c->lock);
}

int cgfs_cache_server_failed(struct cgfs_cache *c, int err)
{
	switch (-err) {
	case ETIMEDOUT: case EIO: case ECONNRESET: case EHOSTUNREACH: case EAGAIN:
		atomic_store(&c->trouble_until, c->clock(c->clock_arg) + CGFS_FAILURE_HOLDOFF);
		return 1;
	}
	return 0;
}

int cgfs_cache_server_in_trouble(struct cgfs_cache *c)
{
	return c->clock(c->clock_arg) < atomic_load(&c->trouble_until);
}
