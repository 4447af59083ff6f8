/* answers.c - the answers of the mount's own commands (see answers.h).
 *
 * A short list: one entry per org (ctl.out) or repo (setup-commands) that
 * was ever answered in this mount.
 */
#include "answers.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct answer {
	struct answer *next;
	enum cgfs_answer slot;
	int64_t org, repo;
	time_t when;
	size_t len;
	char *text;
};

/* lock guards the list and every entry. */
struct cgfs_answers {
	pthread_mutex_t lock;
	struct answer *head;
};

struct cgfs_answers *cgfs_answers_new(void)
{
	struct cgfs_answers *a = calloc(1, sizeof(*a));

	if (a)
		pthread_mutex_init(&a->lock, NULL);
	return a;
}

void cgfs_answers_free(struct cgfs_answers *a)
{
	if (!a)
		return;
	while (a->head) {
		struct answer *next = a->head->next;

		free(a->head->text);
		free(a->head);
		a->head = next;
	}
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* Called with the lock held. */
static struct answer *find(struct cgfs_answers *a, enum cgfs_answer slot, int64_t org,
			   int64_t repo)
{
	for (struct answer *e = a->head; e; e = e->next)
		if (e->slot == slot && e->org == org && e->repo == repo)
			return e;
	return NULL;
}

int cgfs_answers_set(struct cgfs_answers *a, enum cgfs_answer slot, int64_t org, int64_t repo,
		     const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	struct answer *e;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&a->lock);
	e = find(a, slot, org, repo);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e) {
			pthread_mutex_unlock(&a->lock);
			free(copy);
			return -ENOMEM;
		}
		e->slot = slot;
		e->org = org;
		e->repo = repo;
		e->next = a->head;
		a->head = e;
	}
	free(e->text);
	e->text = copy;
	e->len = len;
	e->when = time(NULL);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int cgfs_answers_get(struct cgfs_answers *a, enum cgfs_answer slot, int64_t org, int64_t repo,
		     struct cg_buf *out, time_t *when)
{
	struct answer *e;
	int ret = -ENOENT;

	pthread_mutex_lock(&a->lock);
	e = find(a, slot, org, repo);
	if (e) {
		*when = e->when;
		ret = cg_buf_append(out, e->text, e->len);
	}
	pthread_mutex_unlock(&a->lock);
	return ret;
}
