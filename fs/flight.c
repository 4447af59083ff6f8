/* flight.c - single flight and the failure hold-off (see flight.h). */
#include "flight.h"

#include <errno.h>
#include <time.h>

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait on done until signalled or until deadline (monotonic seconds).  The
 * condition variable keeps the realtime clock: the time left is added to
 * it, and only the monotonic clock says whether the deadline has passed. */
static int wait_until(pthread_cond_t *done, pthread_mutex_t *lock, double deadline)
{
	double left = deadline - monotonic();
	struct timespec abs;

	if (left <= 0)
		return -ETIMEDOUT;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += (time_t)left;
	abs.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
	if (abs.tv_nsec >= 1000000000L) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000L;
	}
	if (pthread_cond_timedwait(done, lock, &abs) == ETIMEDOUT && monotonic() >= deadline)
		return -ETIMEDOUT;
	return 0;
}

int cgfs_flight_held_off(const struct cgfs_flight *f, double now)
{
	return f->held_until > now && !f->loading;
}

int cgfs_flight_shared(const struct cgfs_flight *f, const struct cgfs_flight_wait *w)
{
	return w->waited && f->gen != w->gen;
}

int cgfs_flight_wait(struct cgfs_flight *f, struct cgfs_flight_wait *w,
		     pthread_cond_t *done, pthread_mutex_t *lock, double deadline)
{
	if (!f->loading)
		return 0;
	w->waited = 1;
	w->gen = f->gen;
	if (deadline > 0)
		return wait_until(done, lock, deadline) ? -ETIMEDOUT : 1;
	pthread_cond_wait(done, lock);
	return 1;
}

void cgfs_flight_begin(struct cgfs_flight *f)
{
	f->loading = 1;
}

void cgfs_flight_end(struct cgfs_flight *f, int ret, double held_until, pthread_cond_t *done)
{
	f->loading = 0;
	f->gen++;
	f->last_ret = ret;
	f->held_until = held_until;
	pthread_cond_broadcast(done);
}

void cgfs_flight_release(struct cgfs_flight *f)
{
	f->held_until = 0;
}
