/* flight.c - single flight and the failure hold-off (see flight.h). */
#include "flight.h"

int cgfs_flight_held_off(const struct cgfs_flight *f, double now)
{
	return f->held_until > now && !f->loading;
}

int cgfs_flight_shared(const struct cgfs_flight *f, const struct cgfs_flight_wait *w)
{
	return w->waited && f->gen != w->gen;
}

int cgfs_flight_wait(struct cgfs_flight *f, struct cgfs_flight_wait *w,
		     pthread_cond_t *done, pthread_mutex_t *lock)
{
	if (!f->loading)
		return 0;
	w->waited = 1;
	w->gen = f->gen;
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
