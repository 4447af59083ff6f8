/* pages.c - the pages of one list fetched at once, and whole lists (see pages.h). */
#include "pages.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "objects.h"

#define PAGE CGFS_PAGE

int64_t cgfs_page_limit(int64_t skip, int64_t upto)
{
	return upto > 0 && upto - skip < PAGE ? upto - skip : PAGE;
}

/* lock guards next; each thread writes only the slots of its pages. */
struct job {
	struct cg_client *client;
	enum cg_endpoint ep;
	struct cg_op_args a;
	int64_t upto;
	size_t next;
	struct cgfs_pages *p;
	pthread_mutex_t lock;
};

static void *worker(void *arg)
{
	struct job *j = arg;

	for (;;) {
		struct cg_op_args a = j->a;
		size_t i;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->p->n)
			return NULL;
		a.skip = j->a.skip + (int64_t)i * PAGE;
		a.limit = cgfs_page_limit(a.skip, j->upto);
		j->p->rets[i] = cg_call(j->client, j->ep, &a, j->p->pages[i], &j->p->errs[i]);
	}
}

int cgfs_pages_fetch(struct cg_client *c, enum cg_endpoint ep, const struct cg_op_args *a,
		     size_t n, int64_t upto, struct cgfs_pages *out)
{
	struct cgfs_pages p = {
		.n = n, .pages = calloc(n, sizeof(void *)), .rets = calloc(n, sizeof(int)),
		.errs = calloc(n, sizeof(struct cg_error)),
	};
	struct job j = { .client = c, .ep = ep, .a = *a, .upto = upto, .next = 1, .p = &p,
			 .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t threads[CGFS_PAGE_THREADS];
	size_t started = 0;
	int ret = p.pages && p.rets && p.errs ? 0 : -ENOMEM;

	for (size_t i = 1; !ret && i < n; i++)
		if (!(p.pages[i] = calloc(1, cg_answer_size(ep))))
			ret = -ENOMEM;
	if (ret) {
		cgfs_pages_free(ep, &p);
		return ret;
	}
	for (; started < CGFS_PAGE_THREADS && started + 1 < n; started++)
		if (pthread_create(&threads[started], NULL, worker, &j))
			break;
	if (!started)
		worker(&j);  /* no thread could start: this one does it all */
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	pthread_mutex_destroy(&j.lock);
	*out = p;
	return 0;
}

void cgfs_pages_free(enum cg_endpoint ep, struct cgfs_pages *p)
{
	for (size_t i = 1; p->pages && i < p->n; i++)
		if (p->pages[i]) {
			cg_answer_free(ep, p->pages[i]);
			free(p->pages[i]);
		}
	free(p->pages);
	free(p->rets);
	free(p->errs);
	memset(p, 0, sizeof(*p));
}

/* ---- whole lists ---------------------------------------------------------------- */

struct list {
	size_t elem, max;
	struct cgfs_page_layout *acc;
};

static int holds_id(const struct list *l, int64_t id)
{
	for (size_t i = 0; i < l->acc->n; i++)
		if (*(const int64_t *)((const char *)l->acc->items + i * l->elem) == id)
			return 1;
	return 0;
}

/* Move into the list a page's first PAGE items (a server may ignore the
 * limit) whose id it does not hold yet (the first of two wins), up to max
 * in all; the rest stay in got, to be freed with it, and count as left out
 * (as do the items the parser left out of the page).  0 with *taken (how
 * many moved) and *sent (how many the server sent), or -ENOMEM. */
static int gather(struct list *l, struct cgfs_page_layout *got, size_t *taken, size_t *sent)
{
	struct cgfs_page_layout *acc = l->acc;
	size_t limit = l->max - acc->n < PAGE ? l->max - acc->n : PAGE;
	size_t left_out = acc->meta.left_out + got->meta.left_out, rest = 0;
	void *grown = realloc(acc->items, (acc->n + limit + 1) * l->elem);

	if (!grown)
		return -ENOMEM;
	acc->items = grown;
	*sent = got->n + got->meta.left_out;
	*taken = 0;
	for (size_t i = 0; i < got->n; i++) {
		char *item = (char *)got->items + i * l->elem;

		if (*taken < limit && !holds_id(l, *(const int64_t *)item)) {
			memcpy((char *)acc->items + acc->n++ * l->elem, item, l->elem);
			(*taken)++;
		} else {
			memmove((char *)got->items + rest++ * l->elem, item, l->elem);
		}
	}
	got->n = rest;
	acc->meta = got->meta;
	acc->meta.left_out = left_out + rest;
	return 0;
}

/* Pages 1..n-1, fetched at once, gathered in list order: 0, or the -errno
 * of the first page (in list order) that failed. */
static int fetch_rest(struct cg_client *c, enum cg_endpoint ep, struct cg_op_args a, size_t n,
		      struct list *l, struct cg_error *err)
{
	struct cgfs_pages p;
	size_t taken, sent;
	int ret = cgfs_pages_fetch(c, ep, &a, n, 0, &p);

	if (ret)
		return cg_error_nomem(err);
	for (size_t i = 1; !ret && i < n; i++) {
		if (p.rets[i]) {
			ret = p.rets[i];
			if (err)
				*err = p.errs[i];
		} else if (gather(l, p.pages[i], &taken, &sent)) {
			ret = cg_error_nomem(err);
		}
	}
	cgfs_pages_free(ep, &p);
	return ret;
}

/* Page after page, for a server that gives no total: until a short page,
 * or one that brings nothing new (a server that ignores skip cannot loop
 * us), or max. */
static int fetch_serial(struct cg_client *c, enum cg_endpoint ep, struct cg_op_args a,
			struct list *l, struct cg_error *err)
{
	void *page = calloc(1, cg_answer_size(ep));
	int ret = page ? 0 : cg_error_nomem(err);

	for (a.skip = PAGE; !ret && l->acc->n < l->max; a.skip += PAGE) {
		size_t taken = 0, sent = 0;

		memset(page, 0, cg_answer_size(ep));
		ret = cg_call(c, ep, &a, page, err);
		if (ret)
			break;
		if (gather(l, page, &taken, &sent))
			ret = cg_error_nomem(err);
		cg_answer_free(ep, page);
		if (sent < PAGE || !taken)
			break;
	}
	free(page);
	return ret;
}

int cgfs_pages_whole_list(struct cg_client *c, enum cg_endpoint ep, size_t elem, size_t max,
			  struct cg_op_args a, void *acc, struct cg_error *err)
{
	struct list l = { elem, max, acc };
	struct cgfs_page_layout *first = calloc(1, cg_answer_size(ep));
	int ret = first ? 0 : cg_error_nomem(err), serial = 0;
	size_t pages = 1, taken = 0, sent = 0;

	a.skip = 0;
	a.limit = PAGE;
	if (!ret)
		ret = cg_call(c, ep, &a, first, err);
	if (!ret && gather(&l, first, &taken, &sent))
		ret = cg_error_nomem(err);
	if (!ret && sent >= PAGE && first->meta.total == CG_NONE) {
		serial = 1;
	} else if (!ret && sent >= PAGE && first->meta.total > (int64_t)l.acc->n) {
		int64_t total = first->meta.total < (int64_t)max ? first->meta.total : (int64_t)max;

		pages = (size_t)((total + PAGE - 1) / PAGE);
	}
	if (first) {
		cg_answer_free(ep, first);
		free(first);
	}
	if (!ret && pages > 1)
		ret = fetch_rest(c, ep, a, pages, &l, err);
	if (!ret && serial)
		ret = fetch_serial(c, ep, a, &l, err);
	if (ret) {
		cg_answer_free(ep, acc);
		memset(acc, 0, sizeof(*l.acc));
	}
	return ret;
}
