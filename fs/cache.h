/* cache.h - the request economy: cached API objects with single flight.
 *
 * Every read of the tree goes through cgfs_cache_get(), which wraps an API
 * call (the "fetch") with:
 *   - freshness: an object is served without a request until its ttl runs
 *     out (INFINITY for finished runs);
 *   - single flight: concurrent misses on one key make one request; the
 *     others wait for it and share its result, success or failure;
 *   - negative caching: a fetch answering -ENOENT is remembered for
 *     missing_ttl;
 *   - stale copies: when a refresh fails and an older copy exists, the
 *     older copy is served and the failure goes to the errors log;
 *   - a bound on memory: past it, the least recently used objects no
 *     caller holds are dropped, those a fetch gives back without a request
 *     (on_disk) first.
 * Objects are immutable and reference counted, so a handler can use one
 * without holding any lock while another thread replaces it.
 */
#ifndef CGFS_CACHE_H
#define CGFS_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cg_error.h"
#include "errlog.h"
#include "fs.h"
#include "render.h"

struct cgfs_obj {
	atomic_int refs;
	void (*destroy)(struct cgfs_obj *o);  /* frees the whole object */
	double fetched_at;    /* monotonic seconds; set by the cache */
	double ttl;           /* seconds fresh after fetched_at; INFINITY: forever */
	time_t mtime;         /* content's last change; creator sets the first */
	const char *sig;      /* content signature (e.g. raw JSON) or NULL */
	size_t size;          /* approximate bytes it holds; creator sets (0: counts none) */
	int on_disk;          /* its fetch gives it back without a request; creator sets */
};

void cgfs_obj_ref(struct cgfs_obj *o);
void cgfs_obj_unref(struct cgfs_obj *o);  /* accepts NULL */

/* Fetch a fresh object for a key.  Called without locks.  prev is the
 * cached copy (possibly stale) or NULL; it must not be modified.  Returns 0
 * with *out (one reference, for the cache), or -errno with *err filled. */
typedef int (*cgfs_fetch_fn)(void *arg, const struct cgfs_obj *prev,
			     struct cgfs_obj **out, struct cg_error *err);

struct cgfs_cache;

struct cgfs_cache *cgfs_cache_new(double missing_ttl, struct cgfs_errlog *errors);
void cgfs_cache_free(struct cgfs_cache *c);

/* Get the object for key: fresh from the cache, or fetched.  On success
 * *out holds a reference the caller drops with cgfs_obj_unref.  Errors:
 * the fetch's -errno (logged to the errors log with ctx), -ENOENT for a
 * key remembered as missing, -ETIMEDOUT when ctx's deadline passes while
 * another thread's fetch of key is under way and no copy is held (with a
 * copy, the copy).  ctx may be NULL (no log line, no deadline). */
int cgfs_cache_get(struct cgfs_cache *c, const char *key, cgfs_fetch_fn fetch,
		   void *arg, const struct cgfs_ctx *ctx, struct cgfs_obj **out);

/* Store an object fetched on the side (the runs of a list page).  Takes
 * over the caller's reference. */
void cgfs_cache_put(struct cgfs_cache *c, const char *key, struct cgfs_obj *o);

/* The cached object for key, fresh or stale, without fetching (a
 * reference), or NULL. */
struct cgfs_obj *cgfs_cache_peek(struct cgfs_cache *c, const char *key);

/* Bound the memory of the objects held to about bytes (0: no bound, the
 * default).  Whenever an object is stored and the sizes of the objects
 * held add up to more, objects are dropped, least recently used (got,
 * peeked or stored) first: every on_disk one before any other.  Never one
 * a caller holds (refs > 1), one being fetched, or one served stale while
 * a failure holds fetches off.  A dropped key keeps its entry: its last
 * error stays, and its next get fetches as if it had never been cached
 * (no stale copy, a new mtime). */
void cgfs_cache_set_bound(struct cgfs_cache *c, size_t bytes);

/* What the bound sees: the sizes of the objects held, how many, and how
 * many were dropped for the bound. */
struct cgfs_cache_usage {
	size_t bytes;
	size_t objects;
	uint64_t evictions;
};
void cgfs_cache_usage(struct cgfs_cache *c, struct cgfs_cache_usage *out);

/* Forget key's object, so the next get fetches. */
void cgfs_cache_invalidate(struct cgfs_cache *c, const char *key);

/* Forget the object of every key that starts with prefix. */
void cgfs_cache_invalidate_prefix(struct cgfs_cache *c, const char *prefix);

/* The last failure met while fetching key, as one line
 * ("<time> <op> <http> <ERRNO> <message>\n"), appended to out; nothing when
 * there was none.  0 or -ENOMEM. */
int cgfs_cache_last_error(struct cgfs_cache *c, const char *key, struct cg_buf *out);

void cgfs_cache_counters(struct cgfs_cache *c, struct cgfs_cache_counters *out);

/* Record a failure about key that did not come from a fetch (a control
 * command): one line in the errors log and key's last error. */
void cgfs_cache_note_error(struct cgfs_cache *c, const char *key, const struct cgfs_ctx *ctx,
			   const struct cg_error *err);

/* A fetch failed on the server's side (err: -ETIMEDOUT, -EIO, -ECONNRESET,
 * -EHOSTUNREACH, -EAGAIN; others are about the request and are ignored):
 * for CGFS_FAILURE_HOLDOFF seconds every get of a stale key serves its copy
 * without asking, so that one syscall that met the failure is not followed
 * by others that wait out their own deadline on the same server (`cat` of
 * a live run's held logs: the run's refresh at open, the logs' at read).
 * The cache notes its own fetches' failures; the logs note theirs.  1 when
 * noted.  Thread-safe. */
int cgfs_cache_server_failed(struct cgfs_cache *c, int err);
/* 1 while such a failure holds requests for stale copies off. */
int cgfs_cache_server_in_trouble(struct cgfs_cache *c);

/* Replace the monotonic clock (tests). */
void cgfs_cache_set_clock(struct cgfs_cache *c, double (*clock)(void *arg), void *arg);

/* Seconds on the monotonic clock. */
double cgfs_now(void);

#endif
