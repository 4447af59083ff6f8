/* cg_ratelimit.c - per-class token buckets (see cg_ratelimit.h). */
#include "cg_ratelimit.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static const struct cg_rl_spec specs[CG_RL_NCLASSES] = {
	[CG_RL_GENERAL] = { "general", 60, 30.0 },
	[CG_RL_CREATE]  = { "create", 10, 60.0 },
	[CG_RL_LOGS]    = { "logs", 60, 60.0 },
	[CG_RL_SETUP]   = { "setup", 5, 60.0 },
	[CG_RL_ANALYZE] = { "analyze", 5, 60.0 },
	[CG_RL_PR_EDIT] = { "pr_edit", 30, 60.0 },
	[CG_RL_RULES]   = { "rules", 30, 60.0 },
};

const struct cg_rl_spec *cg_rl_spec_of(enum cg_rl_class cls)
{
	if ((int)cls < 0 || cls >= CG_RL_NCLASSES)
		return &specs[CG_RL_GENERAL];
	return &specs[cls];
}

double cg_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cg_bucket_init(struct cg_bucket *b, int capacity, double window)
{
	if (capacity < 1)
		return -EINVAL;
	b->ready_at = calloc((size_t)capacity, sizeof(*b->ready_at));
	if (!b->ready_at)
		return -ENOMEM;
	b->capacity = capacity;
	b->window = window;
	for (int i = 0; i < capacity; i++)
		b->ready_at[i] = -INFINITY;
	return 0;
}

void cg_bucket_destroy(struct cg_bucket *b)
{
	if (!b)
		return;
	free(b->ready_at);
	b->ready_at = NULL;
	b->capacity = 0;
}

int cg_bucket_take(struct cg_bucket *b, double now, double *wake_at)
{
	int best = 0;

	for (int i = 1; i < b->capacity; i++)
		if (b->ready_at[i] < b->ready_at[best])
			best = i;
	if (b->ready_at[best] <= now) {
		b->ready_at[best] = INFINITY;
		return best;
	}
	if (wake_at)
		*wake_at = b->ready_at[best];
	return -1;
}

void cg_bucket_put(struct cg_bucket *b, int slot, double now)
{
	if (slot >= 0 && slot < b->capacity)
		b->ready_at[slot] = now + b->window;
}

/* lock guards every bucket; cond is signalled when a token is put back. */
struct cg_ratelimit {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cg_bucket buckets[CG_RL_NCLASSES];
};

struct cg_ratelimit *cg_ratelimit_new(double time_scale)
{
	struct cg_ratelimit *rl = calloc(1, sizeof(*rl));
	pthread_condattr_t attr;

	if (!rl)
		return NULL;
	if (time_scale <= 0)
		time_scale = 1.0;
	for (int i = 0; i < CG_RL_NCLASSES; i++) {
		if (cg_bucket_init(&rl->buckets[i], specs[i].limit,
				   specs[i].window_s * time_scale)) {
			while (i--)
				cg_bucket_destroy(&rl->buckets[i]);
			free(rl);
			return NULL;
		}
	}
	pthread_mutex_init(&rl->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rl->cond, &attr);
	pthread_condattr_destroy(&attr);
	return rl;
}

void cg_ratelimit_free(struct cg_ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < CG_RL_NCLASSES; i++)
		cg_bucket_destroy(&rl->buckets[i]);
	pthread_cond_destroy(&rl->cond);
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static struct timespec to_timespec(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int cg_ratelimit_acquire(struct cg_ratelimit *rl, enum cg_rl_class cls,
			 double deadline, int *waited)
{
	struct cg_bucket *b = &rl->buckets[cg_rl_spec_of(cls) - specs];
	int slot, did_wait = 0;
	double wake_at, now;
	struct timespec ts;

	pthread_mutex_lock(&rl->lock);
	for (;;) {
		now = cg_monotonic();
		slot = cg_bucket_take(b, now, &wake_at);
		if (slot >= 0)
			break;
		if (wake_at > deadline && wake_at != INFINITY) {
			slot = -EAGAIN;
			break;
		}
		if (now >= deadline) {
			slot = -EAGAIN;
			break;
		}
		did_wait = 1;
		ts = to_timespec(wake_at < deadline ? wake_at : deadline);
		pthread_cond_timedwait(&rl->cond, &rl->lock, &ts);
	}
	pthread_mutex_unlock(&rl->lock);
	if (waited)
		*waited = did_wait;
	return slot;
}

void cg_ratelimit_release(struct cg_ratelimit *rl, enum cg_rl_class cls, int slot)
{
	struct cg_bucket *b = &rl->buckets[cg_rl_spec_of(cls) - specs];

	pthread_mutex_lock(&rl->lock);
	cg_bucket_put(b, slot, cg_monotonic());
	/* Sleepers wake at the new ready time via their timed wait; the
	 * broadcast wakes those that had no finite time to wait for. */
	pthread_cond_broadcast(&rl->cond);
	pthread_mutex_unlock(&rl->lock);
}
