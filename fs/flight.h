/* flight.h - single flight and the failure hold-off, for anything fetched
 * by key.
 *
 * The object cache (cache.c) and the run logs (logs.c) both fetch on
 * behalf of many threads: concurrent misses on one key must make one
 * request, the others waiting for it and sharing its result; and after a
 * failure the server must not be asked again at once.  A cgfs_flight is
 * that state for one key.  Its owner keeps it in its table, under the
 * table's lock, with one condition variable for every flight of the table;
 * every function here is called with that lock held.  No FUSE, no network,
 * no clock (the caller says what time it is) but the monotonic one that
 * bounds a wait by its caller's deadline.
 */
#ifndef CGFS_FLIGHT_H
#define CGFS_FLIGHT_H

#include <pthread.h>

/* After a failed fetch the server is not asked again for this long: the
 * stale copy (or the failure) is served at once.  Without it, every
 * syscall of one `cat` would wait out its own deadline in turn. */
#define CGFS_FAILURE_HOLDOFF 3.0

/* Zeroed: no fetch yet.  The fields may be read under the lock. */
struct cgfs_flight {
	int loading;             /* a fetch for this key is under way */
	unsigned gen;            /* bumped when a fetch ends */
	int last_ret;            /* that fetch's result: 0 or -errno */
	double held_until;       /* no new fetch before this time */
};

/* What one caller saw of a flight while it waited; zeroed to start. */
struct cgfs_flight_wait {
	int waited;
	unsigned gen;
};

/* 1 while a failure holds new fetches off (now < held_until) and no fetch
 * is under way: the caller serves what it has, or last_ret. */
int cgfs_flight_held_off(const struct cgfs_flight *f, double now);

/* 1 when the caller waited and the fetch it waited for has ended: it
 * shares that fetch's result (last_ret) instead of asking again. */
int cgfs_flight_shared(const struct cgfs_flight *f, const struct cgfs_flight_wait *w);

/* When a fetch is under way, wait for it to end (the lock is released
 * while waiting) and return 1: the caller looks at the key again.  When
 * none is, return 0: the caller may start one with cgfs_flight_begin.
 * deadline (CLOCK_MONOTONIC seconds; 0: none) bounds the wait: past it,
 * -ETIMEDOUT, and the caller answers with what it holds, or that. */
int cgfs_flight_wait(struct cgfs_flight *f, struct cgfs_flight_wait *w,
		     pthread_cond_t *done, pthread_mutex_t *lock, double deadline);

/* This caller fetches: the others wait.  The lock may be dropped for the
 * fetch itself. */
void cgfs_flight_begin(struct cgfs_flight *f);

/* The fetch ended with ret (0 or -errno): record it, hold new fetches off
 * until held_until (0: not at all) and wake the waiters. */
void cgfs_flight_end(struct cgfs_flight *f, int ret, double held_until, pthread_cond_t *done);

/* Forget a hold-off (the key was invalidated or refreshed on the side). */
void cgfs_flight_release(struct cgfs_flight *f);

#endif
