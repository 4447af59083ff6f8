/* test_ratelimit.c - the client-side rate limiter (api/cg_ratelimit.h).
 *
 * The documented limits (DESIGN.md §1) are checked class by class; the pure
 * bucket is driven with an injected clock, first step by step and then in a
 * long simulation with random request durations; the thread-safe limiter
 * is run with windows shortened 1000 times (time_scale 0.001) by several
 * threads at once, and its deadline and `waited` contract is timed.
 */
#include "cg_ratelimit.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* ---- documented limits ------------------------------------------------------- */

static const struct {
	enum cg_rl_class cls;
	int limit;
	double window;
} documented[] = {
	{ CG_RL_GENERAL, 60, 30.0 },
	{ CG_RL_CREATE, 10, 60.0 },
	{ CG_RL_LOGS, 60, 60.0 },
	{ CG_RL_SETUP, 5, 60.0 },
	{ CG_RL_ANALYZE, 5, 60.0 },
	{ CG_RL_PR_EDIT, 30, 60.0 },
	{ CG_RL_RULES, 30, 60.0 },
};

START_TEST(spec_of_class)
{
	const struct cg_rl_spec *spec = cg_rl_spec_of(documented[_i].cls);

	ck_assert_ptr_nonnull(spec);
	ck_assert_ptr_nonnull(spec->name);
	ck_assert_msg(spec->limit == documented[_i].limit, "%s: limit %d, want %d",
		      spec->name, spec->limit, documented[_i].limit);
	ck_assert_msg(spec->window_s == documented[_i].window, "%s: window %g, want %g",
		      spec->name, spec->window_s, documented[_i].window);
}
END_TEST

START_TEST(spec_all_classes_covered)
{
	ck_assert_int_eq(CG_RL_NCLASSES, (int)(sizeof(documented) / sizeof(documented[0])));
	/* Names tell the classes apart (they show in `stats` and messages). */
	for (int i = 0; i < CG_RL_NCLASSES; i++)
		for (int j = i + 1; j < CG_RL_NCLASSES; j++)
			ck_assert_str_ne(cg_rl_spec_of((enum cg_rl_class)i)->name,
					 cg_rl_spec_of((enum cg_rl_class)j)->name);
}
END_TEST

/* ---- the pure bucket, step by step --------------------------------------------- */

START_TEST(bucket_steps)
{
	struct cg_bucket b;
	double wake = -42;
	int s0, s1, s2;

	ck_assert_int_eq(cg_bucket_init(&b, 3, 10.0), 0);
	s0 = cg_bucket_take(&b, 0.0, &wake);
	s1 = cg_bucket_take(&b, 0.0, &wake);
	s2 = cg_bucket_take(&b, 0.0, &wake);
	ck_assert(s0 >= 0 && s0 < 3 && s1 >= 0 && s1 < 3 && s2 >= 0 && s2 < 3);
	ck_assert(s0 != s1 && s1 != s2 && s0 != s2);
	ck_assert_double_eq(wake, -42);  /* untouched on success */

	/* All three in flight: nothing to wait for but a put. */
	ck_assert_int_eq(cg_bucket_take(&b, 0.0, &wake), -1);
	ck_assert(isinf(wake) && wake > 0);
	ck_assert_int_eq(cg_bucket_take(&b, 1000.0, &wake), -1);
	ck_assert(isinf(wake) && wake > 0);

	/* One finished at t=1: usable again one window later, at 11. */
	cg_bucket_put(&b, s1, 1.0);
	wake = -42;
	ck_assert_int_eq(cg_bucket_take(&b, 5.0, &wake), -1);
	ck_assert_double_eq(wake, 11.0);
	ck_assert_int_eq(cg_bucket_take(&b, 10.999, &wake), -1);
	ck_assert_double_eq(wake, 11.0);
	ck_assert_int_eq(cg_bucket_take(&b, 11.0, &wake), s1);
	ck_assert_int_eq(cg_bucket_take(&b, 11.0, &wake), -1);
	ck_assert(isinf(wake) && wake > 0);

	/* wake_at may be NULL. */
	ck_assert_int_eq(cg_bucket_take(&b, 12.0, NULL), -1);
	cg_bucket_destroy(&b);
}
END_TEST

START_TEST(bucket_earliest_token)
{
	struct cg_bucket b;
	double wake;
	int s[3];

	ck_assert_int_eq(cg_bucket_init(&b, 3, 10.0), 0);
	for (int i = 0; i < 3; i++)
		s[i] = cg_bucket_take(&b, 0.0, &wake);
	cg_bucket_put(&b, s[2], 3.0);
	cg_bucket_put(&b, s[0], 1.0);
	cg_bucket_put(&b, s[1], 2.0);
	/* The wake time is the earliest resting token, and tokens come back
	 * in the order they became ready. */
	ck_assert_int_eq(cg_bucket_take(&b, 0.5, &wake), -1);
	ck_assert_double_eq(wake, 11.0);
	ck_assert_int_eq(cg_bucket_take(&b, 11.5, &wake), s[0]);
	ck_assert_int_eq(cg_bucket_take(&b, 11.5, &wake), -1);
	ck_assert_double_eq(wake, 12.0);
	ck_assert_int_eq(cg_bucket_take(&b, 12.0, &wake), s[1]);
	ck_assert_int_eq(cg_bucket_take(&b, 14.0, &wake), s[2]);

	/* A resting token gives a finite wake time even while others are in
	 * flight. */
	cg_bucket_put(&b, s[1], 20.0);
	ck_assert_int_eq(cg_bucket_take(&b, 25.0, &wake), -1);
	ck_assert_double_eq(wake, 30.0);
	cg_bucket_destroy(&b);
	cg_bucket_destroy(NULL);
}
END_TEST

START_TEST(bucket_starts_full)
{
	struct cg_bucket b;
	double wake;

	/* All tokens are ready at once, whatever the clock reads. */
	ck_assert_int_eq(cg_bucket_init(&b, 60, 30.0), 0);
	for (int i = 0; i < 60; i++)
		ck_assert_int_ge(cg_bucket_take(&b, -1e9, &wake), 0);
	ck_assert_int_eq(cg_bucket_take(&b, -1e9, &wake), -1);
	cg_bucket_destroy(&b);
}
END_TEST

/* ---- the pure bucket, a long run ------------------------------------------------ */

/* xorshift64*: reproducible, no global state. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static double rng_unit(uint64_t *state)
{
	return (double)(rng_next(state) >> 11) / 9007199254740992.0;  /* [0,1) */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* In every window [x, x + window) of length `window`, at most `limit`
 * of the sorted times fall: time[i + limit] - time[i] >= window. */
static void check_sliding_window(const double *sorted, int n, int limit, double window,
				 double tolerance, const char *what)
{
	for (int i = 0; i + limit < n; i++)
		ck_assert_msg(sorted[i + limit] - sorted[i] >= window - tolerance,
			      "%s: %d in %.9f s (%.9f .. %.9f), limit %d per %g s", what,
			      limit + 1, sorted[i + limit] - sorted[i], sorted[i],
			      sorted[i + limit], limit, window);
}

/* The stronger property the limiter is built for: wherever the server sees
 * a request arrive - at any moment between its send and its completion -
 * no window of length `window` holds more than `limit` arrivals.  Arrival
 * times are unknown, so count, for every window, the requests whose
 * [send, done] interval meets it.  The count is largest for windows that
 * start at some request's completion, so those are the ones checked. */
static void check_intervals(const double *send, const double *done, int n, int limit,
			    double window, double tolerance, const char *what)
{
	for (int j = 0; j < n; j++) {
		double x = done[j];
		int count = 0;

		for (int i = 0; i < n; i++)
			if (done[i] >= x && send[i] < x + window - tolerance)
				count++;
		ck_assert_msg(count <= limit, "%s: %d requests meet [%.6f, %.6f), limit %d",
			      what, count, x, x + window, limit);
	}
}

#define SIM_N 1000
#define SIM_CAP 60
#define SIM_WINDOW 30.0
#define SIM_MAX_DURATION 0.2

/* Why counting from completion is safe whatever the network does: request
 * k on a token is sent at s_k and completes at d_k >= s_k; the server sees
 * it at some a_k in [s_k, d_k].  The token is ready again only at
 * d_k + window, so the next request on it is sent, and a fortiori arrives,
 * at or after d_k + window >= a_k + window.  Each token therefore carries
 * at most one request in any window of length `window` - of send times, of
 * arrival times, of completion times - and with `capacity` tokens no window
 * holds more than `capacity`.  A bucket that counted from the send (ready
 * at s_k + window) would let a slow request (arriving at d_k) and the
 * token's next one (arriving at s_k + window) land less than a window
 * apart: check_intervals catches that. */
START_TEST(bucket_long_run)
{
	struct cg_bucket b;
	double send[SIM_N], done[SIM_N], sorted[SIM_N];
	int inflight[SIM_CAP], ninflight = 0;  /* indexes of requests */
	int slot_of[SIM_N];
	uint64_t rng = 0x9E3779B97F4A7C15ULL;
	double t = 0.0, wake;
	int sent = 0, steps = 0;

	ck_assert_int_eq(cg_bucket_init(&b, SIM_CAP, SIM_WINDOW), 0);
	while (sent < SIM_N || ninflight) {
		double next = INFINITY;

		ck_assert_msg(++steps < 100000, "simulation does not progress at t=%g", t);
		/* Completions due by now, in order, each at its own time. */
		for (;;) {
			int first = -1;

			for (int k = 0; k < ninflight; k++)
				if (first < 0 || done[inflight[k]] < done[inflight[first]])
					first = k;
			if (first < 0 || done[inflight[first]] > t)
				break;
			cg_bucket_put(&b, slot_of[inflight[first]], done[inflight[first]]);
			inflight[first] = inflight[--ninflight];
		}
		if (sent == SIM_N && !ninflight)
			break;
		if (sent < SIM_N) {
			int slot = cg_bucket_take(&b, t, &wake);

			if (slot >= 0) {
				ck_assert_int_lt(ninflight, SIM_CAP);
				send[sent] = t;
				done[sent] = t + SIM_MAX_DURATION * rng_unit(&rng);
				slot_of[sent] = slot;
				inflight[ninflight++] = sent++;
				continue;
			}
			ck_assert_msg(wake > t, "take failed at %g but says ready at %g", t, wake);
			ck_assert_msg(!isinf(wake) || ninflight == SIM_CAP,
				      "infinite wait with only %d of %d in flight", ninflight, SIM_CAP);
			next = wake;
		}
		for (int k = 0; k < ninflight; k++)
			if (done[inflight[k]] < next)
				next = done[inflight[k]];
		ck_assert(isfinite(next) && next > t);
		t = next;
	}
	cg_bucket_destroy(&b);

	/* Sends were recorded in time order already. */
	for (int i = 1; i < SIM_N; i++)
		ck_assert(send[i] >= send[i - 1]);
	check_sliding_window(send, SIM_N, SIM_CAP, SIM_WINDOW, 1e-9, "send times");
	for (int i = 0; i < SIM_N; i++)
		sorted[i] = done[i];
	qsort(sorted, SIM_N, sizeof(sorted[0]), cmp_double);
	check_sliding_window(sorted, SIM_N, SIM_CAP, SIM_WINDOW, 1e-9, "completion times");
	check_intervals(send, done, SIM_N, SIM_CAP, SIM_WINDOW, 1e-9, "arrival intervals");

	/* Not needlessly slow either: the first 60 go at once, and each later
	 * round waits one window after a request of at most 0.2 s. */
	for (int i = 0; i < SIM_CAP; i++)
		ck_assert_double_eq(send[i], 0.0);
	ck_assert_double_gt(send[SIM_CAP], SIM_WINDOW - 1e-9);
	ck_assert_double_le(send[SIM_CAP], SIM_WINDOW + SIM_MAX_DURATION);
	ck_assert_double_le(send[SIM_N - 1],
			    (SIM_N - 1) / SIM_CAP * (SIM_WINDOW + SIM_MAX_DURATION) + 1e-6);
}
END_TEST

/* ---- the thread-safe limiter ------------------------------------------------ */

#define TH_THREADS 4
#define TH_TOTAL 300
#define TH_SCALE 0.001
#define TH_WINDOW (30.0 * TH_SCALE)

/* lock guards every field below it. */
struct shared {
	struct cg_ratelimit *rl;
	pthread_mutex_t lock;
	double send[TH_TOTAL], done[TH_TOTAL];
	int n;
	int failures;  /* acquire errors, seen from the worker threads */
	int waits;
};

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *worker(void *arg)
{
	struct shared *sh = arg;
	uint64_t rng = (uint64_t)(uintptr_t)&rng | 1;

	for (int k = 0; k < TH_TOTAL / TH_THREADS; k++) {
		int waited = -1, slot, i;

		slot = cg_ratelimit_acquire(sh->rl, CG_RL_GENERAL, cg_monotonic() + 10.0, &waited);
		/* Recorded after the token was taken, and (below) before it is
		 * given back, so each recorded interval lies inside the one the
		 * limiter accounted for. */
		pthread_mutex_lock(&sh->lock);
		if (slot < 0 || (waited != 0 && waited != 1)) {
			sh->failures++;
			pthread_mutex_unlock(&sh->lock);
			continue;
		}
		i = sh->n++;
		sh->send[i] = cg_monotonic();
		sh->waits += waited;
		pthread_mutex_unlock(&sh->lock);

		sleep_s(0.002 * rng_unit(&rng));  /* the "request": 0..2 ms */

		pthread_mutex_lock(&sh->lock);
		sh->done[i] = cg_monotonic();
		pthread_mutex_unlock(&sh->lock);
		cg_ratelimit_release(sh->rl, CG_RL_GENERAL, slot);
	}
	return NULL;
}

START_TEST(threaded_window)
{
	static struct shared sh;
	pthread_t th[TH_THREADS];
	double sorted[TH_TOTAL];

	sh.rl = cg_ratelimit_new(TH_SCALE);
	ck_assert_ptr_nonnull(sh.rl);
	pthread_mutex_init(&sh.lock, NULL);
	for (int i = 0; i < TH_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &sh), 0);
	for (int i = 0; i < TH_THREADS; i++)
		pthread_join(th[i], NULL);

	ck_assert_int_eq(sh.failures, 0);
	ck_assert_int_eq(sh.n, TH_TOTAL);
	/* Some acquisitions came before a token was ready again (all of them
	 * finding one ready would take 30 ms stalls of every thread). */
	ck_assert_int_gt(sh.waits, 0);
	for (int i = 0; i < TH_TOTAL; i++)
		sorted[i] = sh.send[i];
	qsort(sorted, TH_TOTAL, sizeof(sorted[0]), cmp_double);
	/* Same clock, same process: only rounding separates the recorded
	 * times from the limiter's own, hence a tolerance of 100 ns. */
	check_sliding_window(sorted, TH_TOTAL, 60, TH_WINDOW, 1e-7, "acquisitions");
	check_intervals(sh.send, sh.done, TH_TOTAL, 60, TH_WINDOW, 1e-7, "request intervals");
	/* 300 through 60 tokens: at least 4 full windows. */
	ck_assert_double_ge(sorted[TH_TOTAL - 1] - sorted[0], 4 * TH_WINDOW - 1e-7);
	cg_ratelimit_free(sh.rl);
	pthread_mutex_destroy(&sh.lock);
}
END_TEST

/* Take every token of cls (they are all ready), without waiting. */
static void drain(struct cg_ratelimit *rl, enum cg_rl_class cls, int *slots)
{
	int limit = cg_rl_spec_of(cls)->limit;

	for (int i = 0; i < limit; i++) {
		int waited = -1;

		slots[i] = cg_ratelimit_acquire(rl, cls, cg_monotonic() + 1.0, &waited);
		ck_assert_int_ge(slots[i], 0);
		ck_assert_int_eq(waited, 0);
	}
}

START_TEST(acquire_past_deadline)
{
	struct cg_ratelimit *rl = cg_ratelimit_new(1.0);
	int slots[5], waited = -1;
	double t0;

	ck_assert_ptr_nonnull(rl);
	drain(rl, CG_RL_SETUP, slots);
	/* All five in flight and the deadline already past. */
	t0 = cg_monotonic();
	ck_assert_int_eq(cg_ratelimit_acquire(rl, CG_RL_SETUP, t0 - 1.0, &waited), -EAGAIN);
	ck_assert_double_lt(cg_monotonic() - t0, 0.05);
	cg_ratelimit_free(rl);
}
END_TEST

START_TEST(acquire_known_too_late)
{
	/* Every token rests until one minute from now; a deadline in two
	 * seconds cannot be met, and that is known at once: no sleeping. */
	struct cg_ratelimit *rl = cg_ratelimit_new(1.0);
	int slots[5];
	double t0;

	ck_assert_ptr_nonnull(rl);
	drain(rl, CG_RL_SETUP, slots);
	for (int i = 0; i < 5; i++)
		cg_ratelimit_release(rl, CG_RL_SETUP, slots[i]);
	t0 = cg_monotonic();
	ck_assert_int_eq(cg_ratelimit_acquire(rl, CG_RL_SETUP, t0 + 2.0, NULL), -EAGAIN);
	ck_assert_double_lt(cg_monotonic() - t0, 0.5);
	cg_ratelimit_free(rl);
}
END_TEST

START_TEST(acquire_waits_until_deadline)
{
	/* All in flight, no release comes: wait up to the deadline, no longer. */
	struct cg_ratelimit *rl = cg_ratelimit_new(1.0);
	int slots[10];
	double t0, dt;

	ck_assert_ptr_nonnull(rl);
	drain(rl, CG_RL_CREATE, slots);
	t0 = cg_monotonic();
	ck_assert_int_eq(cg_ratelimit_acquire(rl, CG_RL_CREATE, t0 + 0.1, NULL), -EAGAIN);
	dt = cg_monotonic() - t0;
	ck_assert_double_ge(dt, 0.1 - 1e-6);
	ck_assert_double_lt(dt, 1.0);
	cg_ratelimit_free(rl);
}
END_TEST

START_TEST(acquire_waited_flag)
{
	/* time_scale 0.001: setup allows 5 per 60 ms. */
	struct cg_ratelimit *rl = cg_ratelimit_new(0.001);
	int waited = -1, slot;
	double t_release, t_got;

	ck_assert_ptr_nonnull(rl);
	slot = cg_ratelimit_acquire(rl, CG_RL_SETUP, cg_monotonic() + 1.0, &waited);
	ck_assert_int_ge(slot, 0);
	ck_assert_int_eq(waited, 0);
	t_release = cg_monotonic();
	cg_ratelimit_release(rl, CG_RL_SETUP, slot);
	/* The four others are ready: no wait, and waited says so. */
	for (int i = 0; i < 4; i++) {
		waited = -1;
		ck_assert_int_ge(cg_ratelimit_acquire(rl, CG_RL_SETUP, cg_monotonic() + 1.0,
						      &waited), 0);
		ck_assert_int_eq(waited, 0);
	}
	/* The fifth is the first one again, resting until 60 ms after its
	 * release: a wait, reported. */
	waited = -1;
	ck_assert_int_eq(cg_ratelimit_acquire(rl, CG_RL_SETUP, cg_monotonic() + 2.0, &waited),
			 slot);
	t_got = cg_monotonic();
	ck_assert_int_eq(waited, 1);
	ck_assert_double_ge(t_got - t_release, 0.06 - 1e-6);
	ck_assert_double_lt(t_got - t_release, 1.0);
	cg_ratelimit_free(rl);
}
END_TEST

struct waiter {
	struct cg_ratelimit *rl;
	int slot, waited;
	double got_at;
};

static void *wait_for_token(void *arg)
{
	struct waiter *w = arg;

	w->slot = cg_ratelimit_acquire(w->rl, CG_RL_SETUP, cg_monotonic() + 3.0, &w->waited);
	w->got_at = cg_monotonic();
	return NULL;
}

START_TEST(acquire_woken_by_release)
{
	/* A thread waiting with every token in flight learns of a release
	 * and takes that token one (scaled) window later: 60 ms. */
	struct waiter w = { .slot = -100, .waited = -1 };
	int slots[5];
	pthread_t th;
	double t_release;

	w.rl = cg_ratelimit_new(0.001);
	ck_assert_ptr_nonnull(w.rl);
	drain(w.rl, CG_RL_SETUP, slots);
	ck_assert_int_eq(pthread_create(&th, NULL, wait_for_token, &w), 0);
	sleep_s(0.03);
	t_release = cg_monotonic();
	cg_ratelimit_release(w.rl, CG_RL_SETUP, slots[2]);
	pthread_join(th, NULL);
	ck_assert_int_eq(w.slot, slots[2]);
	ck_assert_int_eq(w.waited, 1);
	ck_assert_double_ge(w.got_at - t_release, 0.06 - 1e-6);
	ck_assert_double_lt(w.got_at - t_release, 1.5);
	cg_ratelimit_free(w.rl);
}
END_TEST

START_TEST(classes_independent)
{
	struct cg_ratelimit *rl = cg_ratelimit_new(1.0);
	int slots[10], waited = -1, slot;
	double t0;

	ck_assert_ptr_nonnull(rl);
	drain(rl, CG_RL_CREATE, slots);
	ck_assert_int_eq(cg_ratelimit_acquire(rl, CG_RL_CREATE, cg_monotonic() - 1, NULL), -EAGAIN);
	/* Creating runs exhausted; reads and logs go on without waiting. */
	t0 = cg_monotonic();
	slot = cg_ratelimit_acquire(rl, CG_RL_GENERAL, t0 + 1.0, &waited);
	ck_assert_int_ge(slot, 0);
	ck_assert_int_eq(waited, 0);
	slot = cg_ratelimit_acquire(rl, CG_RL_LOGS, t0 + 1.0, &waited);
	ck_assert_int_ge(slot, 0);
	ck_assert_int_eq(waited, 0);
	ck_assert_double_lt(cg_monotonic() - t0, 0.5);
	cg_ratelimit_free(rl);
	cg_ratelimit_free(NULL);
}
END_TEST

START_TEST(time_scale_applies)
{
	/* General at scale 0.01: 60 per 300 ms.  The 61st waits for the
	 * window after the first release, no less. */
	struct cg_ratelimit *rl = cg_ratelimit_new(0.01);
	int slots[60], waited = -1, slot;
	double t_release, dt;

	ck_assert_ptr_nonnull(rl);
	drain(rl, CG_RL_GENERAL, slots);
	t_release = cg_monotonic();
	for (int i = 0; i < 60; i++)
		cg_ratelimit_release(rl, CG_RL_GENERAL, slots[i]);
	slot = cg_ratelimit_acquire(rl, CG_RL_GENERAL, t_release + 3.0, &waited);
	dt = cg_monotonic() - t_release;
	ck_assert_int_ge(slot, 0);
	ck_assert_int_eq(waited, 1);
	ck_assert_double_ge(dt, 0.3 - 1e-6);
	ck_assert_double_lt(dt, 2.0);
	cg_ratelimit_free(rl);
}
END_TEST

START_TEST(monotonic_clock)
{
	double a = cg_monotonic(), b;

	sleep_s(0.01);
	b = cg_monotonic();
	ck_assert_double_ge(b - a, 0.01 - 1e-6);
	ck_assert_double_lt(b - a, 1.0);
}
END_TEST

static Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc;

	tc = tcase_create("spec");
	tcase_add_loop_test(tc, spec_of_class, 0, (int)(sizeof(documented) / sizeof(documented[0])));
	tcase_add_test(tc, spec_all_classes_covered);
	suite_add_tcase(s, tc);

	tc = tcase_create("bucket");
	tcase_add_test(tc, bucket_steps);
	tcase_add_test(tc, bucket_earliest_token);
	tcase_add_test(tc, bucket_starts_full);
	tcase_add_test(tc, bucket_long_run);
	suite_add_tcase(s, tc);

	tc = tcase_create("limiter");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, threaded_window);
	tcase_add_test(tc, acquire_past_deadline);
	tcase_add_test(tc, acquire_known_too_late);
	tcase_add_test(tc, acquire_waits_until_deadline);
	tcase_add_test(tc, acquire_waited_flag);
	tcase_add_test(tc, acquire_woken_by_release);
	tcase_add_test(tc, classes_independent);
	tcase_add_test(tc, time_scale_applies);
	tcase_add_test(tc, monotonic_clock);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ratelimit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
