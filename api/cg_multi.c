/* cg_multi.c - the transfer thread over one curl multi handle (see cg_multi.h). */
#include "cg_multi.h"

#include <pthread.h>
#include <stdlib.h>

/* One transfer handed to the thread; it lives on the caller's stack. */
struct job {
	CURL *easy;
	CURLcode rc;
	int done;
	pthread_cond_t cond;
	struct job *next;
};

/* lock guards everything below it; the multi handle is the thread's alone
 * (curl_multi_wakeup excepted). */
struct cg_multi {
	CURLM *multi;
	pthread_mutex_t lock;
	struct job *queue, *tail;  /* handed over, not yet added */
	int running;               /* the thread exists */
	int stop;                  /* it is to end once nothing is in flight */
	pthread_t thread;
	long connections;
};

struct cg_multi *cg_multi_new(void)
{
	struct cg_multi *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->multi = curl_multi_init();
	if (!m->multi) {
		free(m);
		return NULL;
	}
	curl_multi_setopt(m->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void cg_multi_free(struct cg_multi *m)
{
	if (!m)
		return;
	cg_multi_before_fork(m);
	curl_multi_cleanup(m->multi);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void finish(struct cg_multi *m, struct job *j, CURLcode rc, long connects)
{
	pthread_mutex_lock(&m->lock);
	j->rc = rc;
	j->done = 1;
	m->connections += connects;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&m->lock);
	/* j may be gone from here on: its caller has returned. */
}

/* Add what was handed over; 1 when the thread is to end (asked to, with
 * nothing in flight and nothing handed over). */
static int take_queue(struct cg_multi *m, int in_flight)
{
	struct job *q, *next;

	pthread_mutex_lock(&m->lock);
	q = m->queue;
	m->queue = m->tail = NULL;
	if (!q && !in_flight && m->stop) {
		m->running = 0;
		pthread_mutex_unlock(&m->lock);
		return 1;
	}
	pthread_mutex_unlock(&m->lock);
	for (; q; q = next) {
		next = q->next;
		if (curl_multi_add_handle(m->multi, q->easy) != CURLM_OK)
			finish(m, q, CURLE_OUT_OF_MEMORY, 0);
	}
	return 0;
}

static void reap(struct cg_multi *m)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left))) {
		CURL *easy = msg->easy_handle;
		CURLcode rc = msg->data.result;
		struct job *j = NULL;
		long connects = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&j);
		curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
		/* msg is not to be read after this. */
		curl_multi_remove_handle(m->multi, easy);
		finish(m, j, rc, connects);
	}
}

static void *loop(void *arg)
{
	struct cg_multi *m = arg;
	int in_flight = 0;

	while (!take_queue(m, in_flight)) {
		curl_multi_perform(m->multi, &in_flight);
		reap(m);
		/* Returns early for a transfer's timer, a socket, or a wakeup
		 * (a transfer handed over, or the thread asked to stop: a wakeup
		 * before the poll makes it return at once). */
		curl_multi_poll(m->multi, NULL, 0, 1000, NULL);
	}
	return NULL;
}

CURLcode cg_multi_perform(struct cg_multi *m, CURL *easy)
{
	struct job j = { .easy = easy };

	pthread_cond_init(&j.cond, NULL);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)&j);
	pthread_mutex_lock(&m->lock);
	if (!m->running) {
		if (pthread_create(&m->thread, NULL, loop, m) != 0) {
			pthread_mutex_unlock(&m->lock);
			pthread_cond_destroy(&j.cond);
			return CURLE_OUT_OF_MEMORY;
		}
		m->running = 1;
		m->stop = 0;
	}
	if (m->tail)
		m->tail->next = &j;
	else
		m->queue = &j;
	m->tail = &j;
	pthread_mutex_unlock(&m->lock);
	curl_multi_wakeup(m->multi);
	pthread_mutex_lock(&m->lock);
	while (!j.done)
		pthread_cond_wait(&j.cond, &m->lock);
	pthread_mutex_unlock(&m->lock);
	pthread_cond_destroy(&j.cond);
	return j.rc;
}

void cg_multi_before_fork(struct cg_multi *m)
{
	pthread_t t;

	pthread_mutex_lock(&m->lock);
	if (!m->running) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	m->stop = 1;
	t = m->thread;
	pthread_mutex_unlock(&m->lock);
	curl_multi_wakeup(m->multi);
	pthread_join(t, NULL);
}

long cg_multi_connections(struct cg_multi *m)
{
	long n;

	pthread_mutex_lock(&m->lock);
	n = m->connections;
	pthread_mutex_unlock(&m->lock);
	return n;
}
