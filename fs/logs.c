/* logs.c - incremental, append-only run logs (see logs.h).
 *
 * The complete logs of finished runs that the disk cache also holds are
 * bounded in memory by --cache-mb (cfg.cache_bytes): past it, the least
 * recently used that nobody has open are dropped, and come back from disk
 * at their next read (docs/SEMANTICS.md "Memory"). */
#include "logs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cg_request.h"
#include "disk.h"
#include "errlog.h"
#include "flight.h"
#include "objects.h"
#include "pages.h"
#include "render.h"

#define NBUCKETS 1024
#define PAGE CGFS_PAGE
#define ROUND 16    /* log pages asked for together */

struct run_logs {
	struct run_logs *next;
	int64_t org, run;
	struct cg_buf text, jsonl;
	int64_t held;          /* entries rendered */
	double fetched_at;     /* monotonic time of the last fetch */
	int loaded;            /* some fetch succeeded */
	int complete;          /* finished run, every entry held */
	int ended;             /* the server said the run is finished */
	struct cgfs_flight flight;  /* single flight; last_ret != 0: the last fetch failed */
	int readers;           /* open handles of logs or logs.jsonl */
	time_t mtime;
	/* Complete and on disk: on the table's recency list, counted there. */
	struct run_logs *older, *newer;
	size_t droppable;      /* its bytes while on that list; 0: not on it */
};

/* lock guards the table and every run_logs; done is broadcast when a
 * fetch ends (cgfs_flight_end). */
struct cgfs_logs_table {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct run_logs *buckets[NBUCKETS];
	struct run_logs *newest, *oldest;   /* the droppable ones, newest use first */
	size_t droppable;                   /* their bytes */
	/* The follower; `stopping` is guarded by lock. */
	pthread_t follower;
	int following, stopping;
	pthread_cond_t wake;
	void (*grew)(struct cgfs *fs, int64_t org, int64_t run);
};

struct cgfs_logs_table *cgfs_logs_table_new(void)
{
	struct cgfs_logs_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->done, NULL);
	pthread_cond_init(&t->wake, NULL);
	return t;
}

void cgfs_logs_table_free(struct cgfs_logs_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct run_logs *l = t->buckets[i], *next;

		for (; l; l = next) {
			next = l->next;
			cg_buf_free(&l->text);
			cg_buf_free(&l->jsonl);
			free(l);
		}
	}
	pthread_cond_destroy(&t->wake);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Called with the lock held. */
static struct run_logs *find(struct cgfs_logs_table *t, int64_t org, int64_t run, int create)
{
	size_t h = (size_t)((uint64_t)run * 31 + (uint64_t)org) % NBUCKETS;
	struct run_logs *l;

	for (l = t->buckets[h]; l; l = l->next)
		if (l->org == org && l->run == run)
			return l;
	if (!create)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->org = org;
	l->run = run;
	l->next = t->buckets[h];
	t->buckets[h] = l;
	return l;
}

/* ---- the bound: complete logs the disk holds; called with the lock held ---- */

static void unlist(struct cgfs_logs_table *t, struct run_logs *l)
{
	if (!l->droppable)
		return;
	if (l->older)
		l->older->newer = l->newer;
	else
		t->oldest = l->newer;
	if (l->newer)
		l->newer->older = l->older;
	else
		t->newest = l->older;
	l->older = l->newer = NULL;
	t->droppable -= l->droppable;
	l->droppable = 0;
}

/* l is complete and on disk (or was used again): the newest on the list. */
static void list_newest(struct cgfs_logs_table *t, struct run_logs *l)
{
	size_t bytes = l->text.len + l->jsonl.len + 2;

	unlist(t, l);
	l->older = t->newest;
	if (t->newest)
		t->newest->newer = l;
	else
		t->oldest = l;
	t->newest = l;
	l->droppable = bytes;
	t->droppable += bytes;
}

/* Over the bound: drop the texts of the least recently used complete logs
 * nobody has open and no fetch is filling (nor keep, just reported), as if
 * never fetched. */
static void drop_over_bound(struct cgfs_logs_table *t, size_t bound, const struct run_logs *keep)
{
	struct run_logs *l, *newer;

	for (l = t->oldest; l && bound && t->droppable > bound; l = newer) {
		newer = l->newer;
		if (l->readers > 0 || l->flight.loading || l == keep)
			continue;
		unlist(t, l);
		cg_buf_free(&l->text);
		cg_buf_free(&l->jsonl);
		l->held = 0;
		l->loaded = 0;
		l->complete = 0;
		l->fetched_at = 0;
		l->mtime = 0;
	}
}

void cgfs_logs_readers(struct cgfs *fs, int64_t org, int64_t run, int delta)
{
	struct run_logs *l;

	pthread_mutex_lock(&fs->logs->lock);
	l = find(fs->logs, org, run, 1);
	if (l)
		l->readers += delta;
	/* The last reader left: its logs may go now. */
	if (l && !l->readers)
		drop_over_bound(fs->logs, fs->cfg.cache_bytes, NULL);
	pthread_mutex_unlock(&fs->logs->lock);
}

void cgfs_logs_reopen(struct cgfs *fs, int64_t org, int64_t run)
{
	struct run_logs *l;

	pthread_mutex_lock(&fs->logs->lock);
	l = find(fs->logs, org, run, 0);
	if (l) {
		unlist(fs->logs, l);
		l->complete = 0;
		l->ended = 0;
		l->fetched_at = 0;
		cgfs_flight_release(&l->flight);
	}
	pthread_mutex_unlock(&fs->logs->lock);
}

int cgfs_logs_complete(struct cgfs *fs, int64_t org, int64_t run)
{
	struct run_logs *l;
	int complete;

	pthread_mutex_lock(&fs->logs->lock);
	l = find(fs->logs, org, run, 0);
	complete = l && l->complete;
	pthread_mutex_unlock(&fs->logs->lock);
	return complete;
}

/* trouble: the server failed a fetch a moment ago (cache.h): held text
 * is served without asking. */
static int needs_fetch(const struct run_logs *l, double now, double ttl, int trouble)
{
	if (cgfs_flight_held_off(&l->flight, now))
		return 0;
	if (!l->loaded)
		return 1;
	if (trouble)
		return 0;
	if (l->complete)
		return 0;
	return (l->readers > 0 || l->flight.last_ret) && now - l->fetched_at >= ttl;
}

struct batch {
	struct cg_buf text, jsonl;
	int64_t count;
	int finished;      /* the server says the run is finished */
	int64_t total;     /* total_logs, CG_NONE if not said */
};

/* The complete logs of a finished run from the disk cache, into b:
 * 0, or -ENOENT when absent or unreadable. */
static int logs_from_disk(struct cgfs *fs, int64_t org, int64_t run, struct batch *b)
{
	char *text = NULL, *line, *end;
	size_t len;
	int ret = cgfs_disk_get(fs->disk, CGFS_DISK_LOGS, org, run, &text, &len);

	if (ret)
		return -ENOENT;
	for (line = text; !ret && line < text + len; line = end + 1) {
		struct cg_log_entry e = { 0 };
		cJSON *json;

		end = memchr(line, '\n', (size_t)(text + len - line));
		if (!end)
			end = text + len;
		json = cJSON_ParseWithLength(line, (size_t)(end - line));
		if (!json || cg_log_entry_parse(json, &e))
			ret = -ENOENT;
		else
			ret = cgfs_render_log_line(&b->text, &e) ||
			      cgfs_render_log_jsonl(&b->jsonl, &e) ? -ENOENT : 0;
		cg_log_entry_free(&e);
		cJSON_Delete(json);
		b->count++;
	}
	free(text);
	if (ret) {
		cg_buf_free(&b->text);
		cg_buf_free(&b->jsonl);
		b->count = 0;
		return ret;
	}
	b->finished = 1;
	b->total = b->count;
	return 0;
}

/* Page `page` (the one at skip + b->count) into b: 0 and *more (it was
 * full and the total, if said, is not reached), or -errno. */
static int take_page(struct batch *b, int64_t skip, int64_t run, const struct cg_run_logs *page,
		     int *more, struct cg_error *err)
{
	int ret = 0;

	for (size_t i = 0; i < page->n_logs && !ret; i++) {
		ret = cgfs_render_log_line(&b->text, &page->logs[i]);
		if (!ret)
			ret = cgfs_render_log_jsonl(&b->jsonl, &page->logs[i]);
	}
	if (ret) {
		cg_error_set(err, 0, -ret, "cannot hold the logs of run %lld", (long long)run);
		return ret;
	}
	b->count += (int64_t)page->n_logs;
	b->finished = cg_run_state_of(page->run.status) == CG_RUN_FINISHED;
	b->total = page->total_logs;
	*more = page->n_logs >= PAGE && (b->total == CG_NONE || skip + b->count < b->total);
	return 0;
}

/* The pages after what b holds, up to ROUND of them asked for together
 * once a total is known (one at a time without it), taken in order up to
 * the first short or failed one. */
static int fetch_round(struct cgfs *fs, struct cg_op_args a, int64_t skip, struct batch *b,
		       int *more, struct cg_error *err)
{
	int64_t next = skip + b->count, n = 1;
	struct cgfs_pages p;
	int ret;

	if (b->total != CG_NONE) {
		n = (b->total - next + PAGE - 1) / PAGE;
		n = n < 1 ? 1 : n > ROUND ? ROUND : n;
	}
	a.skip = next - PAGE;   /* pages.h counts from page 1 */
	if (cgfs_pages_fetch(fs->client, CG_EP_RUN_LOGS, &a, (size_t)n + 1, 0, &p))
		return cg_error_nomem(err);
	ret = 0;
	for (size_t i = 1; !ret && *more && i <= (size_t)n; i++) {
		if (p.rets[i]) {
			ret = p.rets[i];
			if (err)
				*err = p.errs[i];
		} else {
			ret = take_page(b, skip, a.agent_run_id, p.pages[i], more, err);
		}
	}
	cgfs_pages_free(CG_EP_RUN_LOGS, &p);
	return ret;
}

/* Fetch entries from `skip` on into b, every page within deadline
 * (cgfs_now seconds; 0: the client's own): the first page gives the
 * total, the others then come ROUND at a time (pages.h), so a long log
 * costs one deadline, not one per page.  Stops at the first failure,
 * keeping every page before it. */
static int fetch_from(struct cgfs *fs, int64_t org, int64_t run, int64_t skip,
		      double deadline, struct batch *b, struct cg_error *err)
{
	struct cg_op_args a = { .org_id = org, .agent_run_id = run, .skip = skip, .limit = PAGE,
				.deadline = deadline };
	struct cg_run_logs first = { 0 };
	int more = 0, ret = cg_call(fs->client, CG_EP_RUN_LOGS, &a, &first, err);

	if (ret)
		return ret;
	ret = take_page(b, skip, run, &first, &more, err);
	cg_run_logs_free(&first);
	while (!ret && more)
		ret = fetch_round(fs, a, skip, b, &more, err);
	return ret;
}

int cgfs_logs_peek(struct cgfs *fs, int64_t org, int64_t run, size_t *text_size,
		   size_t *jsonl_size, time_t *mtime)
{
	struct run_logs *l;
	int busy = 0;

	pthread_mutex_lock(&fs->logs->lock);
	l = find(fs->logs, org, run, 0);
	if (l && l->readers > 0) {
		busy = 1;
	} else {
		*text_size = l ? l->text.len : 0;
		*jsonl_size = l ? l->jsonl.len : 0;
		*mtime = l ? l->mtime : 0;
	}
	pthread_mutex_unlock(&fs->logs->lock);
	return busy;
}

int cgfs_logs_sync(struct cgfs *fs, int64_t org, int64_t run, const struct cgfs_ctx *ctx,
		   size_t *text_size, size_t *jsonl_size, time_t *mtime)
{
	struct cgfs_logs_table *t = fs->logs;
	struct batch b = { .total = CG_NONE };
	struct cg_error err = { 0 };
	struct cgfs_flight_wait wait = { 0 };
	struct run_logs *l;
	int ret = 0, from_disk;
	double now;
	size_t old_len;
	int64_t skip;

	pthread_mutex_lock(&t->lock);
	l = find(t, org, run, 1);
	if (!l) {
		pthread_mutex_unlock(&t->lock);
		return -ENOMEM;
	}
	for (;;) {
		if (cgfs_flight_shared(&l->flight, &wait)) {
			/* Share the fetch we waited for. */
			ret = l->loaded ? 0 : l->flight.last_ret;
			goto out_report;
		}
		if (!needs_fetch(l, cgfs_now(), fs->cfg.logs_ttl,
				 cgfs_cache_server_in_trouble(fs->cache))) {
			ret = l->loaded ? 0 : l->flight.last_ret;
			goto out_report;
		}
		ret = cgfs_flight_wait(&l->flight, &wait, &t->done, &t->lock,
				       ctx ? ctx->deadline : 0);
		if (ret == -ETIMEDOUT) {
			/* The fetch under way outlasts our caller: what is held. */
			ret = l->loaded ? 0 : -ETIMEDOUT;
			goto out_report;
		}
		if (!ret)
			break;
	}
	cgfs_flight_begin(&l->flight);
	skip = l->held;
	pthread_mutex_unlock(&t->lock);

	from_disk = skip == 0 && !logs_from_disk(fs, org, run, &b);
	if (!from_disk)
		ret = fetch_from(fs, org, run, skip, ctx ? ctx->deadline : 0, &b, &err);

	pthread_mutex_lock(&t->lock);
	old_len = l->text.len;
	if (b.count && (cg_buf_append(&l->text, b.text.data, b.text.len) ||
			cg_buf_append(&l->jsonl, b.jsonl.data, b.jsonl.len))) {
		/* Keep text and jsonl in step: drop this batch entirely. */
		if (l->text.data) {
			l->text.len = old_len;
			l->text.data[old_len] = '\0';
		}
		b.count = 0;
		if (!ret) {
			ret = -ENOMEM;
			cg_error_set(&err, 0, ENOMEM, "out of memory for logs");
		}
	}
	if (b.count) {
		l->held += b.count;
		l->mtime = time(NULL);
	}
	if (b.finished)
		l->ended = 1;
	if (!ret || b.count)
		l->loaded = 1;
	if (!l->mtime)
		l->mtime = time(NULL);
	now = cgfs_now();
	l->fetched_at = now;
	if (!ret && b.finished && (b.total == CG_NONE || l->held >= b.total)) {
		int on_disk = from_disk;

		l->complete = 1;
		/* Keep them for the next mount: a finished run's logs never change. */
		if (!from_disk && fs->disk)
			on_disk = !cgfs_disk_put(fs->disk, CGFS_DISK_LOGS, org, run, l->jsonl.data,
						 l->jsonl.len);
		/* They will not grow again: give back the slack of doubling. */
		cg_buf_shrink(&l->text);
		cg_buf_shrink(&l->jsonl);
		if (on_disk)
			list_newest(t, l);
	}
	/* A failure holds the next fetch off for at least one ttl. */
	cgfs_flight_end(&l->flight, ret,
			ret ? now + (fs->cfg.logs_ttl > CGFS_FAILURE_HOLDOFF ? fs->cfg.logs_ttl
									  : CGFS_FAILURE_HOLDOFF)
			    : 0, &t->done);
	if (ret) {
		cgfs_errlog_add(fs->errors, ctx->op, ctx->path, &err);
		cgfs_cache_server_failed(fs->cache, ret);
		if (l->loaded)
			ret = 0;
	}
out_report:
	if (!ret) {
		*text_size = l->text.len;
		*jsonl_size = l->jsonl.len;
		*mtime = l->mtime;
	}
	if (l->droppable)
		list_newest(t, l);
	drop_over_bound(t, fs->cfg.cache_bytes, l);
	pthread_mutex_unlock(&t->lock);
	cg_buf_free(&b.text);
	cg_buf_free(&b.jsonl);
	return ret;
}

ssize_t cgfs_logs_read(struct cgfs *fs, int64_t org, int64_t run, int jsonl,
		       char *buf, size_t size, off_t off)
{
	struct run_logs *l;
	ssize_t n = 0;

	pthread_mutex_lock(&fs->logs->lock);
	l = find(fs->logs, org, run, 0);
	if (l) {
		const struct cg_buf *b = jsonl ? &l->jsonl : &l->text;

		if (off >= 0 && (size_t)off < b->len) {
			n = (ssize_t)(b->len - (size_t)off < size ? b->len - (size_t)off : size);
			memcpy(buf, b->data + off, (size_t)n);
		} else if (size && l->ended && !l->complete && l->flight.last_ret) {
			/* A finished run's log goes on past what is held, and the
			 * last fetch failed: not its end. */
			n = l->flight.last_ret;
		}
	}
	pthread_mutex_unlock(&fs->logs->lock);
	return n;
}

/* ---- the follower ------------------------------------------------------------ */

#define FOLLOW_MAX 64

struct followed {
	int64_t org, run;
	size_t size;
};

/* Live runs with open readers, as (org, run, current size), at most max. */
static size_t followed_runs(struct cgfs_logs_table *t, struct followed *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < NBUCKETS && n < max; i++)
		for (struct run_logs *l = t->buckets[i]; l && n < max; l = l->next)
			if (l->readers > 0 && !l->complete) {
				out[n].org = l->org;
				out[n].run = l->run;
				out[n].size = l->text.len;
				n++;
			}
	return n;
}

static void *follow(void *arg)
{
	struct cgfs *fs = arg;
	struct cgfs_logs_table *t = fs->logs;
	struct followed runs[FOLLOW_MAX];
	struct timespec until;

	pthread_mutex_lock(&t->lock);
	while (!t->stopping) {
		size_t n = followed_runs(t, runs, FOLLOW_MAX);

		pthread_mutex_unlock(&t->lock);
		for (size_t i = 0; i < n; i++) {
			char path[96];
			/* A thread of ours: no caller waits, no deadline. */
			struct cgfs_ctx ctx = { "follow", path, 0 };
			size_t text, jsonl;
			time_t mtime;

			snprintf(path, sizeof(path), "/orgs/%lld/runs/%lld/logs",
				 (long long)runs[i].org, (long long)runs[i].run);
			if (!cgfs_logs_sync(fs, runs[i].org, runs[i].run, &ctx, &text, &jsonl, &mtime) &&
			    text != runs[i].size && t->grew)
				t->grew(fs, runs[i].org, runs[i].run);
		}
		pthread_mutex_lock(&t->lock);
		if (t->stopping)
			break;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)(fs->cfg.logs_ttl / 4 * 1e9);
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&t->wake, &t->lock, &until);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int cgfs_logs_follow_start(struct cgfs *fs,
			   void (*grew)(struct cgfs *fs, int64_t org, int64_t run))
{
	struct cgfs_logs_table *t = fs->logs;
	int ret;

	t->grew = grew;
	t->stopping = 0;
	ret = pthread_create(&t->follower, NULL, follow, fs);
	if (ret)
		return -ret;
	t->following = 1;
	return 0;
}

void cgfs_logs_follow_stop(struct cgfs *fs)
{
	struct cgfs_logs_table *t = fs->logs;

	if (!t || !t->following)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = 1;
	pthread_cond_broadcast(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->follower, NULL);
	t->following = 0;
}
