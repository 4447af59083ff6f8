/* test_cache.c - unit tests of fs/cache.c, the request economy of the
 * mount (docs/SEMANTICS.md, "Requests and freshness"): freshness by ttl,
 * negative caching, stale copies on failure with a hold-off, single
 * flight, reference counting, and the bound on memory (least recently
 * used objects dropped, those on disk first, never a held one).
 *
 * The cache runs on a clock the test advances by hand and a fake fetch
 * that counts its calls, so every expiry is exact and nothing sleeps.  The
 * threads of the single-flight tests are lined up with pthread primitives,
 * never with timing.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "cache.h"
#include "errlog.h"

#define MAX_OBJS 64
#define NTHREADS 8

/* ---- the test's world: clock, objects, fetches ------------------------------------- */

/* lock guards every field of the world and of its fetchers; cond is
 * broadcast whenever one of them changes. */
struct world {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	double now;                     /* the cache's clock */
	int entered;                    /* threads that have read the clock */
	struct tobj *objs[MAX_OBJS];    /* every object made, freed at the end */
	int nobjs;
};

/* A cached object.  destroy does not free it, so that an object destroyed
 * twice or used after its destruction is seen, not just undefined. */
struct tobj {
	struct cgfs_obj base;
	struct world *w;
	int value;
	int destroyed;                  /* times destroy was called */
	char sig[32];
};

static _Thread_local int clock_read;

static double test_clock(void *arg)
{
	struct world *w = arg;
	double t;

	pthread_mutex_lock(&w->lock);
	if (!clock_read) {
		clock_read = 1;
		w->entered++;
		pthread_cond_broadcast(&w->cond);
	}
	t = w->now;
	pthread_mutex_unlock(&w->lock);
	return t;
}

static void tobj_destroy(struct cgfs_obj *o)
{
	struct tobj *t = (struct tobj *)o;

	pthread_mutex_lock(&t->w->lock);
	t->destroyed++;
	pthread_mutex_unlock(&t->w->lock);
}

static struct tobj *tobj_new(struct world *w, int value, double ttl, time_t mtime,
			     const char *sig)
{
	struct tobj *t = calloc(1, sizeof(*t));

	ck_assert_ptr_nonnull(t);
	atomic_init(&t->base.refs, 1);
	t->base.destroy = tobj_destroy;
	t->base.ttl = ttl;
	t->base.mtime = mtime;
	t->w = w;
	t->value = value;
	if (sig) {
		snprintf(t->sig, sizeof(t->sig), "%s", sig);
		t->base.sig = t->sig;
	}
	pthread_mutex_lock(&w->lock);
	ck_assert_int_lt(w->nobjs, MAX_OBJS);
	w->objs[w->nobjs++] = t;
	pthread_mutex_unlock(&w->lock);
	return t;
}

static void world_init(struct world *w, double now)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->now = now;
}

static void set_now(struct world *w, double now)
{
	pthread_mutex_lock(&w->lock);
	w->now = now;
	pthread_mutex_unlock(&w->lock);
}

static int destroyed(struct world *w, const struct cgfs_obj *o)
{
	int n;

	pthread_mutex_lock(&w->lock);
	n = ((const struct tobj *)o)->destroyed;
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* Every object made was destroyed exactly once; then free them. */
static void world_finish(struct world *w)
{
	for (int i = 0; i < w->nobjs; i++) {
		ck_assert_msg(w->objs[i]->destroyed == 1, "object %d (value %d) destroyed %d times",
			      i, w->objs[i]->value, w->objs[i]->destroyed);
		ck_assert_int_eq(atomic_load(&w->objs[i]->base.refs), 0);
		free(w->objs[i]);
	}
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

/* What the fake fetch answers; its fields are guarded by w->lock. */
struct fetcher {
	struct world *w;
	int calls;
	int ret;                        /* 0: a new object; else this -errno */
	long http;                      /* for a failure */
	const char *message;
	int value;                      /* for a new object */
	double ttl;
	time_t mtime;
	const char *sig;
	size_t size;                    /* the new object's, for the bound */
	int on_disk;
	const struct cgfs_obj *prev;    /* what the last call was given */
	int block, released;            /* block: wait until released */
};

static void fetcher_init(struct fetcher *f, struct world *w, double ttl)
{
	memset(f, 0, sizeof(*f));
	f->w = w;
	f->ttl = ttl;
	f->mtime = 1000;
	f->value = 1;
}

static int fake_fetch(void *arg, const struct cgfs_obj *prev, struct cgfs_obj **out,
		      struct cg_error *err)
{
	struct fetcher *f = arg;
	struct world *w = f->w;
	struct tobj *t;
	int ret;

	pthread_mutex_lock(&w->lock);
	f->calls++;
	f->prev = prev;
	if (prev) {
		/* The cache holds prev for the fetch: alive, with a reference. */
		ck_assert_int_eq(((const struct tobj *)prev)->destroyed, 0);
		ck_assert_int_ge(atomic_load(&((struct cgfs_obj *)prev)->refs), 1);
	}
	pthread_cond_broadcast(&w->cond);
	while (f->block && !f->released)
		pthread_cond_wait(&w->cond, &w->lock);
	ret = f->ret;
	pthread_mutex_unlock(&w->lock);
	if (ret) {
		cg_error_set(err, f->http, -ret, "%s", f->message ? f->message : "");
		return ret;
	}
	t = tobj_new(w, f->value, f->ttl, f->mtime, f->sig);
	t->base.size = f->size;
	t->base.on_disk = f->on_disk;
	*out = &t->base;
	return 0;
}

static int calls(struct fetcher *f)
{
	int n;

	pthread_mutex_lock(&f->w->lock);
	n = f->calls;
	pthread_mutex_unlock(&f->w->lock);
	return n;
}

static struct cgfs_cache *cache_new(struct world *w, double missing_ttl,
				    struct cgfs_errlog *errors)
{
	struct cgfs_cache *c = cgfs_cache_new(missing_ttl, errors);

	ck_assert_ptr_nonnull(c);
	cgfs_cache_set_clock(c, test_clock, w);
	return c;
}

static const struct cgfs_ctx read_ctx = { "read", "/orgs/11/runs/789/status", 0 };

static int get(struct cgfs_cache *c, const char *key, struct fetcher *f, struct cgfs_obj **out)
{
	*out = NULL;
	return cgfs_cache_get(c, key, fake_fetch, f, &read_ctx, out);
}

static int value_of(const struct cgfs_obj *o)
{
	return ((const struct tobj *)o)->value;
}

#define EXPECT_COUNTERS(c, h, m, s, n) do {					\
	struct cgfs_cache_counters k_;						\
	cgfs_cache_counters((c), &k_);						\
	ck_assert_msg(k_.hits == (h) && k_.misses == (m) &&			\
		      k_.stale_served == (s) && k_.negative_hits == (n),		\
		      "counters hits %llu misses %llu stale %llu negative %llu, "	\
		      "want %d %d %d %d", (unsigned long long)k_.hits,		\
		      (unsigned long long)k_.misses,				\
		      (unsigned long long)k_.stale_served,			\
		      (unsigned long long)k_.negative_hits, (h), (m), (s), (n));	\
} while (0)

/* The whole errors log and its number of lines. */
static int errlog_lines(struct cgfs_errlog *l, struct cg_buf *text)
{
	int n = 0;

	ck_assert_int_eq(cgfs_errlog_render(l, text), 0);
	for (size_t i = 0; i < text->len; i++)
		n += text->data[i] == '\n';
	return n;
}

/* One line "<YYYY-MM-DDTHH:MM:SSZ><tail>", the time within [t0, t1]. */
static void expect_line(const char *line, size_t len, const char *tail, time_t t0, time_t t1)
{
	struct tm tm;
	char when[32];
	int ok = 0;

	ck_assert_msg(len > 20 && line[20] == ' ', "no time in [%.*s]", (int)len, line);
	for (time_t t = t0; t <= t1 && !ok; t++) {
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ok = !strncmp(line, when, 20);
	}
	ck_assert_msg(ok, "time of [%.*s] is not now", (int)len, line);
	ck_assert_msg(len - 20 == strlen(tail) && !memcmp(line + 20, tail, len - 20),
		      "got [%.*s], want [<time>%s]", (int)len, line, tail);
}

/* ---- freshness ---------------------------------------------------------------------- */

START_TEST(fresh_until_ttl)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *b, *a2;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	ck_assert_int_eq(get(c, "k", &f, &a), 0);
	ck_assert_int_eq(calls(&f), 1);
	ck_assert_int_eq(value_of(a), 1);
	ck_assert_int_eq(atomic_load(&a->refs), 2);     /* the cache's and ours */
	EXPECT_COUNTERS(c, 0, 1, 0, 0);

	set_now(&w, 109.5);
	ck_assert_int_eq(get(c, "k", &f, &a2), 0);
	ck_assert_ptr_eq(a2, a);
	ck_assert_int_eq(calls(&f), 1);
	EXPECT_COUNTERS(c, 1, 1, 0, 0);
	cgfs_obj_unref(a2);

	/* fetched_at + ttl: no longer fresh. */
	f.value = 2;
	set_now(&w, 110);
	ck_assert_int_eq(get(c, "k", &f, &b), 0);
	ck_assert_int_eq(calls(&f), 2);
	ck_assert_ptr_ne(b, a);
	ck_assert_int_eq(value_of(b), 2);
	EXPECT_COUNTERS(c, 1, 2, 0, 0);
	/* The old object lives on for its holder, then goes. */
	ck_assert_int_eq(destroyed(&w, a), 0);
	ck_assert_int_eq(value_of(a), 1);
	cgfs_obj_unref(a);
	ck_assert_int_eq(destroyed(&w, a), 1);

	/* The new one's ttl counts from its own fetch. */
	set_now(&w, 119.9);
	ck_assert_int_eq(get(c, "k", &f, &a2), 0);
	ck_assert_ptr_eq(a2, b);
	ck_assert_int_eq(calls(&f), 2);
	cgfs_obj_unref(a2);

	cgfs_obj_unref(b);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(ttl_infinity_never_expires)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *b;

	world_init(&w, 100);
	fetcher_init(&f, &w, INFINITY);
	c = cache_new(&w, 5, NULL);

	ck_assert_int_eq(get(c, "run/1/2", &f, &a), 0);
	set_now(&w, 1e12);
	ck_assert_int_eq(get(c, "run/1/2", &f, &b), 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(calls(&f), 1);
	EXPECT_COUNTERS(c, 1, 1, 0, 0);
	cgfs_obj_unref(a);
	cgfs_obj_unref(b);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(keys_are_separate)
{
	struct world w;
	struct fetcher f, g;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *b, *a2;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	fetcher_init(&g, &w, 10);
	g.value = 7;
	c = cache_new(&w, 5, NULL);

	ck_assert_int_eq(get(c, "run/1/2", &f, &a), 0);
	ck_assert_int_eq(get(c, "run/1/20", &g, &b), 0);
	ck_assert_int_eq(calls(&f), 1);
	ck_assert_int_eq(calls(&g), 1);
	ck_assert_int_eq(value_of(a), 1);
	ck_assert_int_eq(value_of(b), 7);
	ck_assert_int_eq(get(c, "run/1/2", &g, &a2), 0);
	ck_assert_ptr_eq(a2, a);
	ck_assert_int_eq(calls(&g), 1);
	cgfs_obj_unref(a);
	cgfs_obj_unref(a2);
	cgfs_obj_unref(b);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(fetch_receives_prev)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *b;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	ck_assert_int_eq(get(c, "runs/11", &f, &a), 0);
	ck_assert_ptr_null(f.prev);
	set_now(&w, 200);
	ck_assert_int_eq(get(c, "runs/11", &f, &b), 0);
	ck_assert_int_eq(calls(&f), 2);
	ck_assert_ptr_eq(f.prev, a);
	ck_assert_ptr_ne(b, a);
	cgfs_obj_unref(a);
	set_now(&w, 300);
	cgfs_obj_unref(b);
	ck_assert_int_eq(get(c, "runs/11", &f, &a), 0);
	ck_assert_ptr_eq(f.prev, b);
	cgfs_obj_unref(a);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

/* ---- mtime ---------------------------------------------------------------------------- */

START_TEST(mtime_follows_content)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *o;
	time_t t0, t1;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	/* The first object keeps its creator's mtime. */
	f.sig = "{\"status\":\"RUNNING\"}";
	f.mtime = 1000;
	ck_assert_int_eq(get(c, "k", &f, &o), 0);
	ck_assert_int_eq(o->mtime, 1000);
	cgfs_obj_unref(o);

	/* Same content: the old mtime stays, whatever the new object says. */
	f.mtime = 5000;
	set_now(&w, 111);
	ck_assert_int_eq(get(c, "k", &f, &o), 0);
	ck_assert_int_eq(calls(&f), 2);
	ck_assert_int_eq(o->mtime, 1000);
	cgfs_obj_unref(o);

	/* Changed content: now. */
	f.sig = "{\"status\":\"COMPLETE\"}";
	set_now(&w, 122);
	t0 = time(NULL);
	ck_assert_int_eq(get(c, "k", &f, &o), 0);
	t1 = time(NULL);
	ck_assert_int_eq(calls(&f), 3);
	ck_assert_int_ge(o->mtime, t0);
	ck_assert_int_le(o->mtime, t1);
	cgfs_obj_unref(o);

	/* After an invalidation there is no old copy: the creator's again. */
	cgfs_cache_invalidate(c, "k");
	f.mtime = 4242;
	ck_assert_int_eq(get(c, "k", &f, &o), 0);
	ck_assert_int_eq(calls(&f), 4);
	ck_assert_int_eq(o->mtime, 4242);
	cgfs_obj_unref(o);

	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(mtime_on_put)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *o;
	time_t t0, t1;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	cgfs_cache_put(c, "run/1/2", &tobj_new(&w, 1, 10, 1000, "A")->base);
	o = cgfs_cache_peek(c, "run/1/2");
	ck_assert_int_eq(o->mtime, 1000);
	cgfs_obj_unref(o);
	cgfs_cache_put(c, "run/1/2", &tobj_new(&w, 2, 10, 3000, "A")->base);
	o = cgfs_cache_peek(c, "run/1/2");
	ck_assert_int_eq(value_of(o), 2);
	ck_assert_int_eq(o->mtime, 1000);
	cgfs_obj_unref(o);
	t0 = time(NULL);
	cgfs_cache_put(c, "run/1/2", &tobj_new(&w, 3, 10, 3000, "B")->base);
	t1 = time(NULL);
	o = cgfs_cache_peek(c, "run/1/2");
	ck_assert_int_eq(value_of(o), 3);
	ck_assert_int_ge(o->mtime, t0);
	ck_assert_int_le(o->mtime, t1);
	cgfs_obj_unref(o);
	ck_assert_int_eq(calls(&f), 0);

	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

/* ---- negative caching ----------------------------------------------------------------- */

START_TEST(missing_remembered)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_errlog *log = cgfs_errlog_new();
	struct cg_buf text = { 0 }, last = { 0 };
	struct cgfs_obj *o;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	f.ret = -ENOENT;
	f.http = 404;
	f.message = "Agent run not found";
	c = cache_new(&w, 5, log);

	ck_assert_int_eq(get(c, "run/1/404", &f, &o), -ENOENT);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(calls(&f), 1);
	EXPECT_COUNTERS(c, 0, 1, 0, 0);

	set_now(&w, 104.9);
	ck_assert_int_eq(get(c, "run/1/404", &f, &o), -ENOENT);
	ck_assert_int_eq(get(c, "run/1/404", &f, &o), -ENOENT);
	ck_assert_int_eq(calls(&f), 1);
	EXPECT_COUNTERS(c, 0, 1, 0, 2);
	ck_assert_ptr_null(cgfs_cache_peek(c, "run/1/404"));

	/* missing_ttl later the server is asked again; now the id exists. */
	set_now(&w, 105);
	f.ret = 0;
	ck_assert_int_eq(get(c, "run/1/404", &f, &o), 0);
	ck_assert_int_eq(calls(&f), 2);
	ck_assert_ptr_null(f.prev);
	EXPECT_COUNTERS(c, 0, 2, 0, 2);
	cgfs_obj_unref(o);

	/* A 404 is not a failure: not in the errors log, not a run error. */
	ck_assert_int_eq(errlog_lines(log, &text), 0);
	ck_assert_int_eq(cgfs_cache_last_error(c, "run/1/404", &last), 0);
	ck_assert_uint_eq(last.len, 0);

	cgfs_cache_free(c);
	cgfs_errlog_free(log);
	cg_buf_free(&text);
	cg_buf_free(&last);
	world_finish(&w);
}
END_TEST

/* A 404 on refresh: the copy is dropped and the id is missing. */
START_TEST(missing_drops_copy)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *o;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	ck_assert_int_eq(get(c, "k", &f, &a), 0);
	cgfs_obj_unref(a);
	set_now(&w, 120);
	f.ret = -ENOENT;
	ck_assert_int_eq(get(c, "k", &f, &o), -ENOENT);
	ck_assert_int_eq(calls(&f), 2);
	ck_assert_ptr_eq(f.prev, a);
	ck_assert_int_eq(destroyed(&w, a), 1);
	ck_assert_ptr_null(cgfs_cache_peek(c, "k"));
	set_now(&w, 124);
	ck_assert_int_eq(get(c, "k", &f, &o), -ENOENT);
	ck_assert_int_eq(calls(&f), 2);
	EXPECT_COUNTERS(c, 0, 2, 0, 1);

	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(missing_ttl_zero)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *o;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	f.ret = -ENOENT;
	c = cache_new(&w, 0, NULL);

	ck_assert_int_eq(get(c, "k", &f, &o), -ENOENT);
	ck_assert_int_eq(get(c, "k", &f, &o), -ENOENT);
	ck_assert_int_eq(calls(&f), 2);
	EXPECT_COUNTERS(c, 0, 2, 0, 0);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

/* ---- failures ---------------------------------------------------------------------- */

START_TEST(failure_serves_stale_copy)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_errlog *log = cgfs_errlog_new();
	struct cg_buf text = { 0 }, last = { 0 };
	struct cgfs_obj *a, *o;
	time_t t0, t1;
	static const char tail[] = " read /orgs/11/runs/789/status 503 EIO upstream down\n";

	ck_assert_ptr_nonnull(log);
	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, log);

	ck_assert_int_eq(get(c, "run/11/789", &f, &a), 0);
	ck_assert_int_eq(cgfs_cache_last_error(c, "run/11/789", &last), 0);
	ck_assert_uint_eq(last.len, 0);

	set_now(&w, 111);
	f.ret = -EIO;
	f.http = 503;
	f.message = "upstream down";
	t0 = time(NULL);
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), 0);
	t1 = time(NULL);
	ck_assert_ptr_eq(o, a);
	ck_assert_int_eq(calls(&f), 2);
	ck_assert_ptr_eq(f.prev, a);
	EXPECT_COUNTERS(c, 0, 2, 1, 0);
	cgfs_obj_unref(o);

	ck_assert_int_eq(errlog_lines(log, &text), 1);
	expect_line(text.data, text.len, tail, t0, t1);
	ck_assert_int_eq(cgfs_cache_last_error(c, "run/11/789", &last), 0);
	expect_line(last.data, last.len, tail, t0, t1);

	/* Within the hold-off: the copy at once, no request, no new line. */
	set_now(&w, 113.9);
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), 0);
	ck_assert_ptr_eq(o, a);
	cgfs_obj_unref(o);
	ck_assert_int_eq(calls(&f), 2);
	EXPECT_COUNTERS(c, 0, 2, 2, 0);
	cg_buf_free(&text);
	ck_assert_int_eq(errlog_lines(log, &text), 1);

	/* After it, the server is asked again, and answers. */
	set_now(&w, 114);
	f.ret = 0;
	f.value = 2;
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), 0);
	ck_assert_int_eq(calls(&f), 3);
	ck_assert_ptr_eq(f.prev, a);
	ck_assert_int_eq(value_of(o), 2);
	EXPECT_COUNTERS(c, 0, 3, 2, 0);
	cgfs_obj_unref(o);
	set_now(&w, 115);
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), 0);
	ck_assert_int_eq(value_of(o), 2);
	ck_assert_int_eq(calls(&f), 3);
	EXPECT_COUNTERS(c, 1, 3, 2, 0);
	cgfs_obj_unref(o);

	/* The run's error line is the last failure met, kept after a success. */
	cg_buf_free(&last);
	ck_assert_int_eq(cgfs_cache_last_error(c, "run/11/789", &last), 0);
	expect_line(last.data, last.len, tail, t0, t1);

	cgfs_obj_unref(a);
	cgfs_cache_free(c);
	cgfs_errlog_free(log);
	cg_buf_free(&text);
	cg_buf_free(&last);
	world_finish(&w);
}
END_TEST

/* A failure of the server on one key holds off the refresh of every
 * other stale key for the hold-off: their copies are served at once (one
 * `cat` does not wait out a second deadline); keys with no copy, and a
 * failure about the request (EINVAL), still ask. */
START_TEST(server_trouble_serves_other_stale_copies)
{
	struct world w;
	struct fetcher ok, bad;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *o;

	world_init(&w, 100);
	fetcher_init(&ok, &w, 10);
	fetcher_init(&bad, &w, 10);
	c = cache_new(&w, 5, NULL);
	ck_assert_int_eq(get(c, "run/11/789", &ok, &a), 0);
	set_now(&w, 111);                       /* run/11/789 is stale */
	bad.ret = -ETIMEDOUT;
	ck_assert_int_eq(get(c, "logs/11/789", &bad, &o), -ETIMEDOUT);
	ck_assert_int_eq(cgfs_cache_server_in_trouble(c), 1);
	ok.value = 2;
	ck_assert_int_eq(get(c, "run/11/789", &ok, &o), 0);
	ck_assert_ptr_eq(o, a);                 /* the copy, without asking */
	ck_assert_int_eq(calls(&ok), 1);
	cgfs_obj_unref(o);
	/* No copy: asked as ever. */
	ck_assert_int_eq(get(c, "run/11/790", &ok, &o), 0);
	ck_assert_int_eq(calls(&ok), 2);
	cgfs_obj_unref(o);
	/* After the hold-off the stale key is asked again. */
	set_now(&w, 114.1);
	ck_assert_int_eq(cgfs_cache_server_in_trouble(c), 0);
	ck_assert_int_eq(get(c, "run/11/789", &ok, &o), 0);
	ck_assert_int_eq(value_of(o), 2);
	ck_assert_int_eq(calls(&ok), 3);
	cgfs_obj_unref(o);
	/* A refusal of the request is no trouble of the server's. */
	ck_assert_int_eq(cgfs_cache_server_failed(c, -EINVAL), 0);
	ck_assert_int_eq(cgfs_cache_server_in_trouble(c), 0);
	cgfs_obj_unref(a);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(failure_without_copy)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_errlog *log = cgfs_errlog_new();
	struct cg_buf text = { 0 }, last = { 0 };
	struct cgfs_obj *o;
	time_t t0, t1;
	static const char tail[] = " read /orgs/11/runs/789/status - ETIMEDOUT deadline passed\n";

	ck_assert_ptr_nonnull(log);
	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	f.ret = -ETIMEDOUT;
	f.message = "deadline passed";
	c = cache_new(&w, 5, log);

	t0 = time(NULL);
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), -ETIMEDOUT);
	t1 = time(NULL);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(calls(&f), 1);
	ck_assert_int_eq(errlog_lines(log, &text), 1);
	expect_line(text.data, text.len, tail, t0, t1);
	ck_assert_int_eq(cgfs_cache_last_error(c, "run/11/789", &last), 0);
	expect_line(last.data, last.len, tail, t0, t1);
	EXPECT_COUNTERS(c, 0, 1, 0, 0);

	/* Within the hold-off: the same errno at once, nothing logged. */
	set_now(&w, 102.9);
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), -ETIMEDOUT);
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), -ETIMEDOUT);
	ck_assert_int_eq(calls(&f), 1);
	cg_buf_free(&text);
	ck_assert_int_eq(errlog_lines(log, &text), 1);
	/* Not a missing id either. */
	EXPECT_COUNTERS(c, 0, 1, 0, 0);

	/* After it: asked again, fails again, logged again. */
	set_now(&w, 103);
	f.ret = -EAGAIN;
	f.http = 429;
	f.message = "slow down";
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), -EAGAIN);
	ck_assert_int_eq(calls(&f), 2);
	cg_buf_free(&text);
	ck_assert_int_eq(errlog_lines(log, &text), 2);
	ck_assert_ptr_nonnull(strstr(text.data, " 429 EAGAIN slow down\n"));
	EXPECT_COUNTERS(c, 0, 2, 0, 0);

	cgfs_cache_free(c);
	cgfs_errlog_free(log);
	cg_buf_free(&text);
	cg_buf_free(&last);
	world_finish(&w);
}
END_TEST

/* Without a ctx the line names the key and "fetch"; without an errors log
 * the run's line is still kept. */
START_TEST(failure_without_ctx_or_log)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cg_buf last = { 0 };
	struct cgfs_obj *o = NULL;
	time_t t0, t1;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	f.ret = -EIO;
	f.http = 500;
	f.message = "boom";
	c = cache_new(&w, 5, NULL);

	t0 = time(NULL);
	ck_assert_int_eq(cgfs_cache_get(c, "runs/11", fake_fetch, &f, NULL, &o), -EIO);
	t1 = time(NULL);
	ck_assert_int_eq(cgfs_cache_last_error(c, "runs/11", &last), 0);
	expect_line(last.data, last.len, " fetch runs/11 500 EIO boom\n", t0, t1);
	ck_assert_int_eq(cgfs_cache_last_error(c, "nosuch", &last), 0);
	ck_assert_uint_eq(last.len, strlen(" fetch runs/11 500 EIO boom\n") + 20);

	cgfs_cache_free(c);
	cg_buf_free(&last);
	world_finish(&w);
}
END_TEST

/* ---- single flight ------------------------------------------------------------------ */

struct caller {
	struct cgfs_cache *c;
	struct fetcher *f;
	struct cgfs_obj *out;
	int ret;
};

static void *call_get(void *arg)
{
	struct caller *k = arg;

	k->ret = get(k->c, "run/11/789", k->f, &k->out);
	return NULL;
}

/* NTHREADS threads call get on one key while the fetch is held.  A
 * thread reads the clock under the cache's lock just before it decides
 * to fetch or to wait, and keeps that lock until it waits, so once all of
 * them have read it and one is inside the fetch, the others are waiting
 * for it: then the fetch is let go. */
static void run_callers(struct world *w, struct cgfs_cache *c, struct fetcher *f,
			struct caller k[NTHREADS])
{
	pthread_t t[NTHREADS];

	pthread_mutex_lock(&w->lock);
	w->entered = 0;
	f->block = 1;
	f->released = 0;
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < NTHREADS; i++) {
		k[i] = (struct caller){ c, f, NULL, 1 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, call_get, &k[i]), 0);
	}
	pthread_mutex_lock(&w->lock);
	while (w->entered < NTHREADS || f->calls < 1)
		pthread_cond_wait(&w->cond, &w->lock);
	f->released = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
}

static void single_flight_success(double ttl)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct caller k[NTHREADS];

	world_init(&w, 100);
	fetcher_init(&f, &w, ttl);
	c = cache_new(&w, 5, NULL);

	run_callers(&w, c, &f, k);
	ck_assert_int_eq(calls(&f), 1);
	ck_assert_ptr_null(f.prev);
	for (int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(k[i].ret, 0);
		ck_assert_ptr_nonnull(k[i].out);
		ck_assert_ptr_eq(k[i].out, k[0].out);
	}
	ck_assert_int_eq(atomic_load(&k[0].out->refs), NTHREADS + 1);
	EXPECT_COUNTERS(c, NTHREADS - 1, 1, 0, 0);
	for (int i = 0; i < NTHREADS; i++)
		cgfs_obj_unref(k[i].out);
	cgfs_cache_free(c);
	world_finish(&w);
}

START_TEST(single_flight_shares_object)
{
	single_flight_success(10);
}
END_TEST

/* An object that is never fresh is still shared by the callers that
 * waited for its fetch: they asked at the same time. */
START_TEST(single_flight_ttl_zero)
{
	single_flight_success(0);
}
END_TEST

START_TEST(single_flight_shares_failure)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_errlog *log = cgfs_errlog_new();
	struct cg_buf text = { 0 };
	struct caller k[NTHREADS];

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	f.ret = -EIO;
	f.http = 502;
	f.message = "bad gateway";
	c = cache_new(&w, 5, log);

	run_callers(&w, c, &f, k);
	ck_assert_int_eq(calls(&f), 1);
	for (int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(k[i].ret, -EIO);
		ck_assert_ptr_null(k[i].out);
	}
	ck_assert_int_eq(errlog_lines(log, &text), 1);
	EXPECT_COUNTERS(c, 0, 1, 0, 0);

	cgfs_cache_free(c);
	cgfs_errlog_free(log);
	cg_buf_free(&text);
	world_finish(&w);
}
END_TEST

START_TEST(single_flight_shares_stale_copy)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct caller k[NTHREADS];
	struct cgfs_obj *a;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);
	ck_assert_int_eq(get(c, "run/11/789", &f, &a), 0);

	set_now(&w, 200);
	f.ret = -ECONNRESET;
	run_callers(&w, c, &f, k);
	ck_assert_int_eq(calls(&f), 2);
	ck_assert_ptr_eq(f.prev, a);
	for (int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(k[i].ret, 0);
		ck_assert_ptr_eq(k[i].out, a);
		cgfs_obj_unref(k[i].out);
	}
	EXPECT_COUNTERS(c, 0, 2, NTHREADS, 0);

	cgfs_obj_unref(a);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

/* ---- put, peek, invalidate ---------------------------------------------------------- */

/* A caller waiting for another thread's fetch stops at its own deadline:
 * with nothing held, -ETIMEDOUT; with a stale copy, the copy.  The fetch
 * under way is not abandoned and no second one is started. */
static void start_blocked_get(struct world *w, struct fetcher *f, struct caller *k, pthread_t *t,
			      int calls_before)
{
	pthread_mutex_lock(&w->lock);
	f->block = 1;
	f->released = 0;
	pthread_mutex_unlock(&w->lock);
	ck_assert_int_eq(pthread_create(t, NULL, call_get, k), 0);
	pthread_mutex_lock(&w->lock);
	while (f->calls == calls_before)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static void release_get(struct world *w, struct fetcher *f, pthread_t t)
{
	pthread_mutex_lock(&w->lock);
	f->released = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
}

START_TEST(a_waiter_stops_at_its_deadline)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct caller k;
	struct cgfs_obj *o = NULL;
	struct cgfs_ctx ctx = { "read", "/orgs/11/runs/789/status", 0 };
	pthread_t t;
	double t0, took;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);
	k = (struct caller){ c, &f, NULL, 1 };
	start_blocked_get(&w, &f, &k, &t, 0);
	t0 = cgfs_now();
	ctx.deadline = t0 + 0.2;
	ck_assert_int_eq(cgfs_cache_get(c, "run/11/789", fake_fetch, &f, &ctx, &o), -ETIMEDOUT);
	took = cgfs_now() - t0;
	ck_assert_msg(took >= 0.2 && took < 2.0, "waited %.3f s for a 0.2 s deadline", took);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(calls(&f), 1);
	release_get(&w, &f, t);
	ck_assert_int_eq(k.ret, 0);
	ck_assert_int_eq(value_of(k.out), 1);
	cgfs_obj_unref(k.out);

	/* Stale now: a new fetch is under way, and the waiter gets the copy. */
	set_now(&w, 1000);
	f.value = 2;
	k = (struct caller){ c, &f, NULL, 1 };
	start_blocked_get(&w, &f, &k, &t, 1);
	ctx.deadline = cgfs_now() + 0.1;
	ck_assert_int_eq(cgfs_cache_get(c, "run/11/789", fake_fetch, &f, &ctx, &o), 0);
	ck_assert_int_eq(value_of(o), 1);
	cgfs_obj_unref(o);
	/* A deadline already past answers at once. */
	ctx.deadline = cgfs_now() - 1;
	ck_assert_int_eq(cgfs_cache_get(c, "run/11/789", fake_fetch, &f, &ctx, &o), 0);
	ck_assert_int_eq(value_of(o), 1);
	cgfs_obj_unref(o);
	release_get(&w, &f, t);
	ck_assert_int_eq(value_of(k.out), 2);
	cgfs_obj_unref(k.out);
	ck_assert_int_eq(calls(&f), 2);
	EXPECT_COUNTERS(c, 0, 2, 2, 0);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(put_replaces)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *o;
	struct tobj *b;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	ck_assert_int_eq(get(c, "run/11/789", &f, &a), 0);
	set_now(&w, 105);
	b = tobj_new(&w, 2, 10, 1000, NULL);
	cgfs_cache_put(c, "run/11/789", &b->base);
	ck_assert_int_eq(destroyed(&w, a), 0);   /* we still hold it */
	cgfs_obj_unref(a);
	ck_assert_int_eq(destroyed(&w, a), 1);

	/* Fresh from the put's time, not the first fetch's. */
	set_now(&w, 114.9);
	ck_assert_int_eq(get(c, "run/11/789", &f, &o), 0);
	ck_assert_ptr_eq(o, &b->base);
	ck_assert_int_eq(calls(&f), 1);
	EXPECT_COUNTERS(c, 1, 1, 0, 0);
	cgfs_obj_unref(o);

	/* A put on a new key: a hit, never a fetch. */
	cgfs_cache_put(c, "run/11/790", &tobj_new(&w, 3, INFINITY, 1000, NULL)->base);
	ck_assert_int_eq(get(c, "run/11/790", &f, &o), 0);
	ck_assert_int_eq(value_of(o), 3);
	ck_assert_int_eq(calls(&f), 1);
	EXPECT_COUNTERS(c, 2, 1, 0, 0);
	cgfs_obj_unref(o);

	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

/* A put ends negative caching and the hold-off: the object is known now. */
START_TEST(put_ends_missing_and_holdoff)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *o;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	f.ret = -ENOENT;
	ck_assert_int_eq(get(c, "a", &f, &o), -ENOENT);
	cgfs_cache_put(c, "a", &tobj_new(&w, 2, 10, 1000, NULL)->base);
	ck_assert_int_eq(get(c, "a", &f, &o), 0);
	ck_assert_int_eq(value_of(o), 2);
	cgfs_obj_unref(o);

	f.ret = -EIO;
	ck_assert_int_eq(get(c, "b", &f, &o), -EIO);
	cgfs_cache_put(c, "b", &tobj_new(&w, 3, 10, 1000, NULL)->base);
	ck_assert_int_eq(get(c, "b", &f, &o), 0);
	ck_assert_int_eq(value_of(o), 3);
	cgfs_obj_unref(o);

	ck_assert_int_eq(calls(&f), 2);
	EXPECT_COUNTERS(c, 2, 2, 0, 0);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(peek_without_fetch)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *o;

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	ck_assert_ptr_null(cgfs_cache_peek(c, "run/11/789"));
	ck_assert_int_eq(get(c, "run/11/789", &f, &a), 0);
	o = cgfs_cache_peek(c, "run/11/789");
	ck_assert_ptr_eq(o, a);
	ck_assert_int_eq(atomic_load(&a->refs), 3);
	cgfs_obj_unref(o);
	/* Stale: still handed out, still no fetch. */
	set_now(&w, 1000);
	o = cgfs_cache_peek(c, "run/11/789");
	ck_assert_ptr_eq(o, a);
	cgfs_obj_unref(o);
	ck_assert_int_eq(calls(&f), 1);
	EXPECT_COUNTERS(c, 0, 1, 0, 0);
	/* The reference outlives the cache. */
	o = cgfs_cache_peek(c, "run/11/789");
	cgfs_obj_unref(a);
	cgfs_cache_free(c);
	ck_assert_int_eq(destroyed(&w, o), 0);
	ck_assert_int_eq(value_of(o), 1);
	cgfs_obj_unref(o);
	world_finish(&w);
}
END_TEST

START_TEST(invalidate_forces_fetch)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *o;

	world_init(&w, 100);
	fetcher_init(&f, &w, INFINITY);
	c = cache_new(&w, 5, NULL);

	cgfs_cache_invalidate(c, "nosuch");
	ck_assert_int_eq(get(c, "runs/11", &f, &a), 0);
	cgfs_cache_invalidate(c, "runs/11");
	ck_assert_int_eq(destroyed(&w, a), 0);
	ck_assert_ptr_null(cgfs_cache_peek(c, "runs/11"));
	f.value = 2;
	ck_assert_int_eq(get(c, "runs/11", &f, &o), 0);
	ck_assert_int_eq(calls(&f), 2);
	ck_assert_ptr_null(f.prev);              /* forgotten, not stale */
	ck_assert_int_eq(value_of(o), 2);
	cgfs_obj_unref(o);
	cgfs_obj_unref(a);
	ck_assert_int_eq(destroyed(&w, a), 1);

	/* It also ends negative caching and the hold-off. */
	f.ret = -ENOENT;
	ck_assert_int_eq(get(c, "x", &f, &o), -ENOENT);
	cgfs_cache_invalidate(c, "x");
	ck_assert_int_eq(get(c, "x", &f, &o), -ENOENT);
	ck_assert_int_eq(calls(&f), 4);
	f.ret = -EIO;
	ck_assert_int_eq(get(c, "y", &f, &o), -EIO);
	cgfs_cache_invalidate(c, "y");
	ck_assert_int_eq(get(c, "y", &f, &o), -EIO);
	ck_assert_int_eq(calls(&f), 6);
	EXPECT_COUNTERS(c, 0, 6, 0, 0);

	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

/* ---- references ---------------------------------------------------------------------- */

START_TEST(references_released_once)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *held[6];
	char key[32];

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);

	/* Objects held by the cache only, by callers only, and by both. */
	for (int i = 0; i < 6; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		f.value = i;
		ck_assert_int_eq(get(c, key, &f, &held[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		cgfs_obj_unref(held[i]);
	set_now(&w, 200);                           /* k2, k3 replaced */
	for (int i = 2; i < 4; i++) {
		struct cgfs_obj *o;

		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(get(c, key, &f, &o), 0);
		ck_assert_ptr_ne(o, held[i]);
		cgfs_obj_unref(o);
	}
	cgfs_cache_put(c, "k4", &tobj_new(&w, 40, 10, 1000, NULL)->base);
	cgfs_obj_unref(NULL);
	for (int i = 0; i < w.nobjs; i++)
		ck_assert_int_eq(w.objs[i]->destroyed, 0);

	cgfs_cache_free(c);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(w.objs[i]->destroyed, 1);
	for (int i = 2; i < 6; i++)
		ck_assert_int_eq(destroyed(&w, held[i]), 0);
	for (int i = 2; i < 6; i++)
		cgfs_obj_unref(held[i]);
	cgfs_cache_free(NULL);
	world_finish(&w);
}
END_TEST

/* ---- the bound on memory ---------------------------------------------------------------- */

#define EXPECT_USAGE(c, b, n, e) do {						\
	struct cgfs_cache_usage u_;						\
	cgfs_cache_usage((c), &u_);						\
	ck_assert_msg(u_.bytes == (b) && u_.objects == (n) && u_.evictions == (e),	\
		      "usage bytes %zu objects %zu evictions %llu, want %d %d %d",	\
		      u_.bytes, u_.objects, (unsigned long long)u_.evictions,	\
		      (b), (n), (e));						\
} while (0)

/* Get key (a new object of value and size, or the cached one) and drop
 * the reference at once: only the cache holds it. */
static void get_dropped(struct cgfs_cache *c, const char *key, struct fetcher *f, int value,
			size_t size, int on_disk)
{
	struct cgfs_obj *o;

	f->value = value;
	f->size = size;
	f->on_disk = on_disk;
	ck_assert_int_eq(get(c, key, f, &o), 0);
	cgfs_obj_unref(o);
}

/* The cached object of key (its value), or 0 when none is. */
static int held_value(struct cgfs_cache *c, const char *key)
{
	struct cgfs_obj *o = cgfs_cache_peek(c, key);
	int v = o ? value_of(o) : 0;

	cgfs_obj_unref(o);
	return v;
}

START_TEST(bound_drops_least_recently_used)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *o;

	world_init(&w, 100);
	fetcher_init(&f, &w, INFINITY);
	c = cache_new(&w, 5, NULL);
	cgfs_cache_set_bound(c, 300);

	get_dropped(c, "a", &f, 1, 100, 0);
	get_dropped(c, "b", &f, 2, 100, 0);
	get_dropped(c, "c", &f, 3, 100, 0);
	EXPECT_USAGE(c, 300, 3, 0);                 /* at the bound, not over it */
	ck_assert_int_eq(w.objs[0]->destroyed + w.objs[1]->destroyed + w.objs[2]->destroyed, 0);

	/* A hit makes "a" the newest: "b" is the least recently used. */
	get_dropped(c, "a", &f, 9, 100, 0);
	ck_assert_int_eq(calls(&f), 3);
	get_dropped(c, "d", &f, 4, 100, 0);
	EXPECT_USAGE(c, 300, 3, 1);
	ck_assert_int_eq(destroyed(&w, &w.objs[1]->base), 1);   /* b */
	ck_assert_int_eq(held_value(c, "b"), 0);
	/* A peek is a use too: "c" stays, "a" goes. */
	ck_assert_int_eq(held_value(c, "c"), 3);
	/* A stored object is used too; one without a size counts none. */
	cgfs_cache_put(c, "e", &tobj_new(&w, 5, INFINITY, 1000, NULL)->base);
	EXPECT_USAGE(c, 300, 4, 1);
	get_dropped(c, "f", &f, 6, 150, 0);
	EXPECT_USAGE(c, 250, 3, 3);
	ck_assert_int_eq(destroyed(&w, &w.objs[0]->base), 1);   /* a */
	ck_assert_int_eq(held_value(c, "a"), 0);
	ck_assert_int_eq(held_value(c, "c"), 3);
	ck_assert_int_eq(held_value(c, "d"), 0);                 /* d: older than c's peek */
	ck_assert_int_eq(destroyed(&w, &w.objs[3]->base), 1);
	ck_assert_int_eq(held_value(c, "e"), 5);
	ck_assert_int_eq(held_value(c, "f"), 6);

	/* A dropped key is fetched again, as if never cached: no stale copy. */
	f.value = 7;
	ck_assert_int_eq(get(c, "a", &f, &o), 0);
	ck_assert_int_eq(calls(&f), 6);
	ck_assert_ptr_null(f.prev);
	ck_assert_int_eq(value_of(o), 7);
	cgfs_obj_unref(o);
	EXPECT_COUNTERS(c, 1, 6, 0, 0);

	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(bound_drops_disk_copies_first)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;

	world_init(&w, 100);
	fetcher_init(&f, &w, INFINITY);
	c = cache_new(&w, 5, NULL);
	cgfs_cache_set_bound(c, 400);

	get_dropped(c, "live1", &f, 1, 100, 0);
	get_dropped(c, "done1", &f, 2, 100, 1);
	get_dropped(c, "live2", &f, 3, 100, 0);
	get_dropped(c, "done2", &f, 4, 100, 1);
	/* Over the bound: the oldest on-disk object goes, not the oldest. */
	get_dropped(c, "live3", &f, 5, 100, 0);
	EXPECT_USAGE(c, 400, 4, 1);
	ck_assert_int_eq(held_value(c, "done1"), 0);
	ck_assert_int_eq(held_value(c, "live1"), 1);
	/* That peek made live1 newer than live2. */
	get_dropped(c, "live4", &f, 6, 200, 0);
	EXPECT_USAGE(c, 400, 3, 3);
	ck_assert_int_eq(held_value(c, "done2"), 0);
	ck_assert_int_eq(held_value(c, "live2"), 0);            /* then the oldest other */
	ck_assert_int_eq(held_value(c, "live1"), 1);
	ck_assert_int_eq(held_value(c, "live3"), 5);
	ck_assert_int_eq(held_value(c, "live4"), 6);

	/* A lower bound drops at once; 0 is no bound. */
	cgfs_cache_set_bound(c, 250);
	EXPECT_USAGE(c, 200, 1, 5);
	ck_assert_int_eq(held_value(c, "live4"), 6);
	cgfs_cache_set_bound(c, 0);
	for (int i = 0; i < 20; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		get_dropped(c, key, &f, 10 + i, 1000, i % 2);
	}
	EXPECT_USAGE(c, 20200, 21, 5);

	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

START_TEST(bound_never_drops_a_held_object)
{
	struct world w;
	struct fetcher f;
	struct cgfs_cache *c;
	struct cgfs_obj *a, *b, *o, *peeked;

	world_init(&w, 100);
	fetcher_init(&f, &w, INFINITY);
	c = cache_new(&w, 5, NULL);
	cgfs_cache_set_bound(c, 200);

	f.size = 100;
	f.on_disk = 1;
	ck_assert_int_eq(get(c, "a", &f, &a), 0);           /* held by a caller */
	f.value = 2;
	ck_assert_int_eq(get(c, "b", &f, &b), 0);           /* held too */
	/* Over the bound, but every object is held (c by its getter while it
	 * is stored): nothing goes. */
	get_dropped(c, "c", &f, 3, 100, 0);
	EXPECT_USAGE(c, 300, 3, 0);
	/* At the next store, c is the one that can go. */
	f.value = 4;
	f.on_disk = 0;
	ck_assert_int_eq(get(c, "d", &f, &o), 0);
	EXPECT_USAGE(c, 300, 3, 1);
	ck_assert_int_eq(held_value(c, "c"), 0);
	ck_assert_int_eq(destroyed(&w, a) + destroyed(&w, b) + destroyed(&w, o), 0);
	ck_assert_int_eq(value_of(a) + value_of(b) + value_of(o), 1 + 2 + 4);
	/* Once its caller drops it, an object can go; a peek holds too. */
	cgfs_obj_unref(a);
	peeked = cgfs_cache_peek(c, "b");
	cgfs_obj_unref(b);
	get_dropped(c, "e", &f, 5, 100, 1);
	EXPECT_USAGE(c, 300, 3, 2);
	ck_assert_int_eq(held_value(c, "a"), 0);
	ck_assert_int_eq(destroyed(&w, a), 1);
	ck_assert_int_eq(held_value(c, "b"), 2);
	cgfs_obj_unref(peeked);
	cgfs_obj_unref(o);
	/* On disk first (e, then b, the older use first), then the others. */
	get_dropped(c, "f", &f, 6, 100, 0);
	EXPECT_USAGE(c, 200, 2, 4);
	ck_assert_int_eq(held_value(c, "e") + held_value(c, "b"), 0);
	ck_assert_int_eq(held_value(c, "d"), 4);
	ck_assert_int_eq(held_value(c, "f"), 6);

	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

struct bg_get {
	struct cgfs_cache *c;
	struct fetcher *f;
	struct cgfs_obj *o;
	int ret;
};

static void *bg_get_main(void *arg)
{
	struct bg_get *g = arg;

	g->ret = get(g->c, "a", g->f, &g->o);
	return NULL;
}

START_TEST(bound_spares_fetches_and_keeps_errors)
{
	struct world w;
	struct fetcher f, slow;
	struct cgfs_cache *c;
	struct cg_buf last = { 0 };
	struct bg_get g = { 0 };
	pthread_t t;
	time_t t0, t1;
	static const char tail[] = " read /orgs/11/runs/789/status 503 EIO upstream down\n";

	world_init(&w, 100);
	fetcher_init(&f, &w, 10);
	c = cache_new(&w, 5, NULL);
	cgfs_cache_set_bound(c, 200);
	get_dropped(c, "a", &f, 1, 100, 1);

	/* A refresh of a is under way: a stays, though the oldest. */
	set_now(&w, 111);
	fetcher_init(&slow, &w, 10);
	slow.block = 1;
	slow.value = 2;
	slow.size = 100;
	slow.on_disk = 1;
	g.c = c;
	g.f = &slow;
	pthread_create(&t, NULL, bg_get_main, &g);
	pthread_mutex_lock(&w.lock);
	while (!slow.calls)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	get_dropped(c, "b", &f, 3, 100, 1);
	get_dropped(c, "c", &f, 4, 100, 1);
	EXPECT_USAGE(c, 200, 2, 1);
	ck_assert_int_eq(held_value(c, "b"), 0);
	ck_assert_int_eq(held_value(c, "a"), 1);
	pthread_mutex_lock(&w.lock);
	slow.released = 1;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(t, NULL);
	ck_assert_int_eq(g.ret, 0);
	ck_assert_int_eq(value_of(g.o), 2);
	cgfs_obj_unref(g.o);

	/* A failed refresh: a's copy is served stale while the failure holds
	 * fetches off, and is not dropped then; its error line outlives it. */
	set_now(&w, 122);
	f.ret = -EIO;
	f.http = 503;
	f.message = "upstream down";
	t0 = time(NULL);
	get_dropped(c, "a", &f, 0, 0, 0);
	t1 = time(NULL);
	f.ret = 0;
	get_dropped(c, "d", &f, 5, 100, 1);
	EXPECT_USAGE(c, 200, 2, 2);
	ck_assert_int_eq(held_value(c, "c"), 0);
	ck_assert_int_eq(held_value(c, "a"), 2);
	set_now(&w, 125);                           /* the hold-off is over */
	get_dropped(c, "d", &f, 5, 100, 1);         /* d is fresh: a hit, the newest */
	get_dropped(c, "e", &f, 6, 100, 1);
	EXPECT_USAGE(c, 200, 2, 3);
	ck_assert_int_eq(held_value(c, "a"), 0);
	ck_assert_int_eq(cgfs_cache_last_error(c, "a", &last), 0);
	expect_line(last.data, last.len, tail, t0, t1);

	cg_buf_free(&last);
	cgfs_cache_free(c);
	world_finish(&w);
}
END_TEST

static Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc;

	tc = tcase_create("freshness");
	tcase_add_test(tc, fresh_until_ttl);
	tcase_add_test(tc, ttl_infinity_never_expires);
	tcase_add_test(tc, keys_are_separate);
	tcase_add_test(tc, fetch_receives_prev);
	tcase_add_test(tc, mtime_follows_content);
	tcase_add_test(tc, mtime_on_put);
	suite_add_tcase(s, tc);

	tc = tcase_create("missing");
	tcase_add_test(tc, missing_remembered);
	tcase_add_test(tc, missing_drops_copy);
	tcase_add_test(tc, missing_ttl_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_add_test(tc, failure_serves_stale_copy);
	tcase_add_test(tc, failure_without_copy);
	tcase_add_test(tc, server_trouble_serves_other_stale_copies);
	tcase_add_test(tc, failure_without_ctx_or_log);
	suite_add_tcase(s, tc);

	tc = tcase_create("single_flight");
	tcase_add_test(tc, single_flight_shares_object);
	tcase_add_test(tc, single_flight_ttl_zero);
	tcase_add_test(tc, single_flight_shares_failure);
	tcase_add_test(tc, single_flight_shares_stale_copy);
	tcase_add_test(tc, a_waiter_stops_at_its_deadline);
	suite_add_tcase(s, tc);

	tc = tcase_create("put_peek_invalidate");
	tcase_add_test(tc, put_replaces);
	tcase_add_test(tc, put_ends_missing_and_holdoff);
	tcase_add_test(tc, peek_without_fetch);
	tcase_add_test(tc, invalidate_forces_fetch);
	suite_add_tcase(s, tc);

	tc = tcase_create("references");
	tcase_add_test(tc, references_released_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("bound");
	tcase_add_test(tc, bound_drops_least_recently_used);
	tcase_add_test(tc, bound_drops_disk_copies_first);
	tcase_add_test(tc, bound_never_drops_a_held_object);
	tcase_add_test(tc, bound_spares_fetches_and_keeps_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
