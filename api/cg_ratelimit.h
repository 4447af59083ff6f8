/* cg_ratelimit.h - keep the client under the API's documented rate limits.
 *
 * One bucket per rate-limit class (DESIGN.md §1).  A bucket holds `limit`
 * tokens; a request takes one before it is sent and gives it back when its
 * answer (or failure) has arrived; the token becomes usable again one
 * window after that.  Counting from the *end* of a request means that any
 * `window` of server arrival times holds at most `limit` requests, whatever
 * the network delays, so a server enforcing a sliding window never answers
 * 429 to us.  (A classic refill-rate bucket would allow up to twice the
 * limit in one window.)
 *
 * The bucket itself is pure (time is an argument) so that it can be tested
 * with an injected clock; cg_ratelimit wraps the buckets with a lock, a
 * condition variable and the monotonic clock for use from many threads.
 */
#ifndef CG_RATELIMIT_H
#define CG_RATELIMIT_H

#include <stddef.h>

enum cg_rl_class {
	CG_RL_GENERAL,   /* 60 / 30 s: every endpoint without its own limit */
	CG_RL_CREATE,    /* 10 / 60 s: POST agent/run */
	CG_RL_LOGS,      /* 60 / 60 s: alpha run logs */
	CG_RL_SETUP,     /*  5 / 60 s: setup-commands/generate */
	CG_RL_ANALYZE,   /*  5 / 60 s: sandbox analyze-logs */
	CG_RL_PR_EDIT,   /* 30 / 60 s: both PR edit endpoints */
	CG_RL_RULES,     /* 30 / 60 s: cli rules */
	CG_RL_NCLASSES
};

struct cg_rl_spec {
	const char *name;
	int limit;        /* requests per window */
	double window_s;  /* seconds */
};

/* The documented limit of a class. */
const struct cg_rl_spec *cg_rl_spec_of(enum cg_rl_class cls);

/* ---- the pure bucket ------------------------------------------------------- */

struct cg_bucket {
	int capacity;
	double window;    /* seconds */
	double *ready_at; /* per token: when it may be taken; INFINITY in flight */
};

/* 0 or -ENOMEM.  All tokens start ready. */
int cg_bucket_init(struct cg_bucket *b, int capacity, double window);
void cg_bucket_destroy(struct cg_bucket *b);

/* Try to take a token at time `now`.  Returns the token's slot (>= 0), or
 * -1 with *wake_at set to the earliest time one may be ready: a finite time
 * when a token is resting, INFINITY when every token is held by a request
 * still in flight (wait for a cg_bucket_put). */
int cg_bucket_take(struct cg_bucket *b, double now, double *wake_at);

/* Give a token back when its request finished at `now`. */
void cg_bucket_put(struct cg_bucket *b, int slot, double now);

/* ---- the thread-safe limiter ------------------------------------------------ */

struct cg_ratelimit;

/* time_scale multiplies every window (1.0 = as documented; tests against
 * a fake server with shortened windows use the same factor).  NULL on
 * allocation failure.  Free with cg_ratelimit_free (accepts NULL). */
struct cg_ratelimit *cg_ratelimit_new(double time_scale);
void cg_ratelimit_free(struct cg_ratelimit *rl);

/* Take a token of class cls, waiting until one is ready or until the
 * monotonic time `deadline` (seconds, cg_monotonic()).  Returns the slot
 * (>= 0) and sets *waited to 1 when it had to wait; -EAGAIN when no token
 * can be ready before the deadline (it returns at once when that is already
 * known, rather than sleeping uselessly). */
int cg_ratelimit_acquire(struct cg_ratelimit *rl, enum cg_rl_class cls,
			 double deadline, int *waited);

/* Give back the token of a finished request. */
void cg_ratelimit_release(struct cg_ratelimit *rl, enum cg_rl_class cls, int slot);

/* Seconds on the monotonic clock. */
double cg_monotonic(void);

#endif
