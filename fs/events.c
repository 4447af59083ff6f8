/* events.c - the feeds of run changes and their watcher (see events.h).
 *
 * Read top to bottom: a feed and the runs it remembers; the lines it
 * appends (text and JSON, one event each); what a seen run changes; the
 * read side; then the watcher, the only part that asks the server for
 * anything, and only for feeds someone has open.
 */
#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cache.h"
#include "errlog.h"
#include "objects.h"
#include "runs.h"

#define NBUCKETS 256
#define STATUS_MAX 64     /* bytes of a status the feed shows and compares */
#define URL_MAX 1024      /* bytes of a PR URL the text line shows */
#define TICK 0.2          /* seconds between the watcher's looks */

/* What the feed knows of one run. */
struct known {
	struct known *next;
	int64_t id;
	char *status;         /* NULL: none was sent */
	int64_t *prs;         /* the ids of its PRs */
	size_t n_prs;
	uint64_t seen;        /* the feed's count of sightings when last seen */
	int listed;           /* seen among the org's newest runs, or created here */
};

/* The feed of one org.  text_start / jsonl_start: the offset of the first
 * byte held (the bytes before were dropped). */
struct feed {
	struct feed *next;
	int64_t org;
	struct cg_buf text, jsonl;
	size_t text_start, jsonl_start;
	size_t events;        /* held */
	time_t mtime;
	int primed;
	int readers;
	struct known *runs[NBUCKETS];
	size_t n_runs;
	uint64_t seen;
	/* The watcher's: when the next look is due, and the sizes the kernel
	 * was last told about. */
	double due;
	size_t told_text, told_jsonl;
};

/* lock guards the feeds and everything in them; wake is signalled when a
 * first reader comes or the watcher must stop. */
struct cgfs_events {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct feed *feeds;
	size_t keep;
	pthread_t watcher;
	int watching, stopping;
	void (*grew)(struct cgfs *fs, int64_t org);
};

struct cgfs_events *cgfs_events_new(size_t keep)
{
	struct cgfs_events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	pthread_mutex_init(&ev->lock, NULL);
	pthread_cond_init(&ev->wake, NULL);
	ev->keep = keep ? keep : CGFS_EVENTS_KEEP;
	return ev;
}

static void known_free(struct known *k)
{
	free(k->status);
	free(k->prs);
	free(k);
}

void cgfs_events_free(struct cgfs_events *ev)
{
	struct feed *f, *next;

	if (!ev)
		return;
	for (f = ev->feeds; f; f = next) {
		next = f->next;
		for (size_t i = 0; i < NBUCKETS; i++) {
			struct known *k = f->runs[i], *kn;

			for (; k; k = kn) {
				kn = k->next;
				known_free(k);
			}
		}
		cg_buf_free(&f->text);
		cg_buf_free(&f->jsonl);
		free(f);
	}
	pthread_cond_destroy(&ev->wake);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

/* ---- feeds and the runs they know; called with the lock held ---- */

static struct feed *feed_of(struct cgfs_events *ev, int64_t org, int create)
{
	struct feed *f;

	for (f = ev->feeds; f; f = f->next)
		if (f->org == org)
			return f;
	if (!create)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->org = org;
	f->next = ev->feeds;
	ev->feeds = f;
	return f;
}

static struct known **slot_of(struct feed *f, int64_t id)
{
	struct known **k = &f->runs[(uint64_t)id % NBUCKETS];

	while (*k && (*k)->id != id)
		k = &(*k)->next;
	return k;
}

/* The feed remembers too many runs: forget those not seen for the longest
 * (a quarter of the bound at least), so the bound costs one pass now and
 * then, not one per sighting. */
static void forget_oldest(struct feed *f)
{
	uint64_t before = f->seen - CGFS_EVENTS_RUNS * 3 / 4;

	for (size_t i = 0; i < NBUCKETS; i++)
		for (struct known **k = &f->runs[i]; *k;) {
			struct known *old = *k;

			if (old->seen > before) {
				k = &old->next;
				continue;
			}
			*k = old->next;
			known_free(old);
			f->n_runs--;
		}
}

/* ---- the lines ---------------------------------------------------------------- */

/* How much of s fits in max bytes without cutting a UTF-8 sequence. */
static size_t cut_utf8(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* A server's string as one field of a text line: no space, no control
 * byte, at most max bytes; "-" for none. */
static int put_field(struct cg_buf *out, const char *s, size_t max)
{
	size_t n;
	int ret;

	if (!s || !*s)
		return cg_buf_puts(out, "-");
	n = cut_utf8(s, max);
	ret = cg_buf_reserve(out, n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out->data[out->len + i] = c <= ' ' || c == 0x7f ? '_' : (char)c;
	}
	cg_buf_commit(out, n);
	return 0;
}

/* A JSON string value of at most max bytes of s, escaped as JSON needs
 * ("null" for none). */
static int put_json_string(struct cg_buf *out, const char *s, size_t max)
{
	char *cut, *text;
	int ret;

	if (!s)
		return cg_buf_puts(out, "null");
	cut = strndup(s, cut_utf8(s, max));
	if (!cut)
		return -ENOMEM;
	text = cJSON_PrintUnformatted(&(cJSON){ .type = cJSON_String, .valuestring = cut });
	free(cut);
	if (!text)
		return -ENOMEM;
	ret = cg_buf_puts(out, text);
	cJSON_free(text);
	return ret;
}

enum event { EV_NEW, EV_STATUS, EV_PR };

/* One event, as a line of each feed.  Both lines or neither: on failure
 * the feed is as it was. */
static int append(struct cgfs_events *ev, struct feed *f, enum event what, int64_t run,
		  const char *old, const char *status, const struct cg_pr *pr)
{
	static const char *const names[] = { "new", "status", "pr" };
	size_t text_len = f->text.len, jsonl_len = f->jsonl.len;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ret = cg_buf_printf(&f->text, "%s %" PRId64 " ", when, run);
	if (!ret && what == EV_PR)
		ret = cg_buf_printf(&f->text, "pr %" PRId64 " ", pr->id);
	else if (!ret)
		ret = put_field(&f->text, what == EV_NEW ? "new" : old, STATUS_MAX);
	if (!ret && what != EV_PR)
		ret = cg_buf_puts(&f->text, " -> ");
	if (!ret)
		ret = what == EV_PR ? put_field(&f->text, pr->url, URL_MAX)
				    : put_field(&f->text, status, STATUS_MAX);
	if (!ret)
		ret = cg_buf_puts(&f->text, "\n");

	if (!ret)
		ret = cg_buf_printf(&f->jsonl, "{\"time\":\"%s\",\"run\":%" PRId64 ",\"event\":\"%s\"",
				    when, run, names[what]);
	if (!ret && what == EV_STATUS) {
		ret = cg_buf_puts(&f->jsonl, ",\"old\":");
		if (!ret)
			ret = put_json_string(&f->jsonl, old, STATUS_MAX);
	}
	if (!ret && what != EV_PR) {
		ret = cg_buf_puts(&f->jsonl, ",\"status\":");
		if (!ret)
			ret = put_json_string(&f->jsonl, status, STATUS_MAX);
	}
	if (!ret && what == EV_PR) {
		ret = cg_buf_printf(&f->jsonl, ",\"pr\":%" PRId64 ",\"url\":", pr->id);
		if (!ret)
			ret = put_json_string(&f->jsonl, pr->url, URL_MAX);
	}
	if (!ret)
		ret = cg_buf_puts(&f->jsonl, "}\n");
	if (ret) {
		cg_buf_truncate(&f->text, text_len);
		cg_buf_truncate(&f->jsonl, jsonl_len);
		return ret;
	}
	f->events++;
	f->mtime = now;
	if (f->events > ev->keep) {
		/* Drop the oldest quarter, whole lines of both feeds. */
		size_t drop = f->events - ev->keep * 3 / 4;
		struct cg_buf *bufs[] = { &f->text, &f->jsonl };
		size_t *starts[] = { &f->text_start, &f->jsonl_start };

		for (size_t b = 0; b < 2; b++) {
			const char *p = bufs[b]->data, *end = p + bufs[b]->len;
			size_t cut;

			for (size_t i = 0; i < drop && p < end; i++) {
				p = memchr(p, '\n', (size_t)(end - p));
				p = p ? p + 1 : end;
			}
			cut = (size_t)(p - bufs[b]->data);
			memmove(bufs[b]->data, p, bufs[b]->len - cut);
			cg_buf_truncate(bufs[b], bufs[b]->len - cut);
			*starts[b] += cut;
		}
		f->events -= drop;
	}
	return 0;
}

/* ---- what a seen run changes ------------------------------------------------------ */

static int had_pr(const struct known *k, int64_t id)
{
	for (size_t i = 0; i < k->n_prs; i++)
		if (k->prs[i] == id)
			return 1;
	return 0;
}

/* k takes the run's status and PRs; on running out of memory it keeps what
 * it had (the next sighting tries again). */
static void remember(struct known *k, const struct cg_run *run)
{
	char *status = run->status ? strndup(run->status, cut_utf8(run->status, STATUS_MAX))
				   : NULL;
	int64_t *prs = run->n_prs ? malloc(run->n_prs * sizeof(*prs)) : NULL;

	if ((run->status && !status) || (run->n_prs && !prs)) {
		free(status);
		free(prs);
		return;
	}
	for (size_t i = 0; i < run->n_prs; i++)
		prs[i] = run->prs[i].id;
	free(k->status);
	free(k->prs);
	k->status = status;
	k->prs = prs;
	k->n_prs = run->n_prs;
}

static int same_status(const char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	return strlen(a) == cut_utf8(b, STATUS_MAX) && !strncmp(a, b, strlen(a));
}

void cgfs_events_saw_run(struct cgfs *fs, int64_t org, const struct cg_run *run,
			 enum cgfs_seen how)
{
	struct cgfs_events *ev = fs->events;
	struct known **slot, *k;
	struct feed *f;
	int is_new, fresh = 0;

	if (!ev || !run)
		return;
	pthread_mutex_lock(&ev->lock);
	f = feed_of(ev, org, 1);
	if (!f)
		goto out_unlock;
	slot = slot_of(f, run->id);
	k = *slot;
	if (!k) {
		if (f->n_runs >= CGFS_EVENTS_RUNS) {
			forget_oldest(f);
			slot = slot_of(f, run->id);
		}
		k = calloc(1, sizeof(*k));
		if (!k)
			goto out_unlock;
		k->id = run->id;
		*slot = k;
		f->n_runs++;
		fresh = 1;
	}
	/* The window of newest runs only moves on: a run it shows that it
	 * did not show when the org was first listed is a new one, even when
	 * it was read by id before. */
	is_new = how == CGFS_SEEN_CREATED || (how == CGFS_SEEN_LISTED && f->primed && !k->listed);
	if (how != CGFS_SEEN_OTHER)
		k->listed = 1;
	if (is_new)
		append(ev, f, EV_NEW, run->id, NULL, run->status, NULL);
	else if (fresh)
		goto out_remember;  /* a baseline: no news */
	else if (!same_status(k->status, run->status))
		append(ev, f, EV_STATUS, run->id, k->status, run->status, NULL);
	for (size_t i = 0; i < run->n_prs; i++)
		if (!had_pr(k, run->prs[i].id))
			append(ev, f, EV_PR, run->id, NULL, NULL, &run->prs[i]);
out_remember:
	k->seen = ++f->seen;
	remember(k, run);
out_unlock:
	pthread_mutex_unlock(&ev->lock);
}

void cgfs_events_primed(struct cgfs *fs, int64_t org)
{
	struct feed *f;

	if (!fs->events)
		return;
	pthread_mutex_lock(&fs->events->lock);
	f = feed_of(fs->events, org, 1);
	if (f)
		f->primed = 1;
	pthread_mutex_unlock(&fs->events->lock);
}

/* ---- the read side ------------------------------------------------------------------ */

void cgfs_events_readers(struct cgfs *fs, int64_t org, int delta)
{
	struct feed *f;

	if (!fs->events)
		return;
	pthread_mutex_lock(&fs->events->lock);
	f = feed_of(fs->events, org, 1);
	if (f) {
		f->readers += delta;
		if (f->readers == 1 && delta > 0) {
			f->due = 0;     /* look at once */
			pthread_cond_broadcast(&fs->events->wake);
		}
	}
	pthread_mutex_unlock(&fs->events->lock);
}

void cgfs_events_stat(struct cgfs *fs, int64_t org, int jsonl, size_t *size, time_t *mtime)
{
	struct feed *f;

	*size = 0;
	*mtime = 0;
	if (!fs->events)
		return;
	pthread_mutex_lock(&fs->events->lock);
	f = feed_of(fs->events, org, 0);
	*size = !f ? 0 : jsonl ? f->jsonl_start + f->jsonl.len : f->text_start + f->text.len;
	*mtime = f ? f->mtime : 0;
	pthread_mutex_unlock(&fs->events->lock);
}

ssize_t cgfs_events_read(struct cgfs *fs, int64_t org, int jsonl, char *buf, size_t size,
			 off_t off)
{
	struct feed *f;
	size_t n = 0;

	if (off < 0)
		return -EINVAL;
	if (!fs->events)
		return 0;
	pthread_mutex_lock(&fs->events->lock);
	f = feed_of(fs->events, org, 0);
	if (f) {
		const struct cg_buf *b = jsonl ? &f->jsonl : &f->text;
		size_t start = jsonl ? f->jsonl_start : f->text_start, at = (size_t)off;

		/* Dropped events: their bytes read as newlines, so offsets
		 * never move and the file stays lines. */
		if (at < start) {
			n = start - at < size ? start - at : size;
			memset(buf, '\n', n);
			at += n;
		}
		if (n < size && at >= start && at - start < b->len) {
			size_t more = b->len - (at - start);

			more = more < size - n ? more : size - n;
			memcpy(buf + n, b->data + (at - start), more);
			n += more;
		}
	}
	pthread_mutex_unlock(&fs->events->lock);
	return (ssize_t)n;
}

/* ---- the watcher -------------------------------------------------------------------- */

#define WATCH_MAX 64

/* Whether the page at `page` (of CGFS_PAGE runs) of list l holds a run the
 * cache last saw working. */
static int page_working(struct cgfs *fs, int64_t org, const struct cgfs_id_list *l, size_t page)
{
	int working = 0;

	for (size_t i = page * CGFS_PAGE; i < l->n && i < (page + 1) * CGFS_PAGE && !working;
	     i++) {
		struct cgfs_ids rid = { org, l->ids[i], CG_NONE, CG_NONE, NULL };
		struct cgfs_ref run = { 0 };

		if (!cgfs_obj_peek(fs, CGFS_RES_RUN, &rid, &run)) {
			working = cg_run_state_of(((const struct cg_run *)run.model)->status)
				  == CG_RUN_WORKING;
			cgfs_ref_drop(&run);
		}
	}
	return working;
}

/* Keep the working runs of org's list window fresh: each page of the
 * window that holds a working run, the newest by a refresh of the list
 * (which also brings runs started elsewhere), at most once per ttl; a
 * window with nothing working costs nothing (the first look, with no list
 * held, fetches it: the baseline).  When the next look is due. */
static double look(struct cgfs *fs, int64_t org)
{
	struct cgfs_ids ids = { org, CG_NONE, CG_NONE, CG_NONE, NULL };
	char path[64];
	struct cgfs_ctx ctx = { "events", path, 0 };
	struct cgfs_ref list = { 0 };
	const struct cgfs_id_list *l;
	double due = cgfs_now() + fs->cfg.list_ttl;
	int held = !cgfs_obj_peek(fs, CGFS_RES_RUNS, &ids, &list);

	snprintf(path, sizeof(path), "/orgs/%" PRId64 "/events", org);
	if (!held || page_working(fs, org, list.model, 0)) {
		cgfs_ref_drop(&list);
		if (cgfs_obj_get(fs, CGFS_RES_RUNS, &ids, &ctx, &list))
			return due;
	}
	/* The next look when the list goes stale: one refresh per ttl (a
	 * failed refresh served the old list: a ttl from now). */
	if (list.obj->fetched_at + fs->cfg.list_ttl + 0.05 > cgfs_now())
		due = list.obj->fetched_at + fs->cfg.list_ttl + 0.05;
	l = list.model;
	for (size_t page = 1; page * CGFS_PAGE < l->n; page++) {
		if (page_working(fs, org, l, page) && !cgfs_cache_server_in_trouble(fs->cache)) {
			struct cg_error err = { 0 };

			if (cgfs_renew_run_page(fs, org, (int64_t)(page * CGFS_PAGE), 0, &err))
				cgfs_errlog_add(fs->errors, ctx.op, ctx.path, &err);
		}
	}
	cgfs_ref_drop(&list);
	return due;
}

static void *watch(void *arg)
{
	struct cgfs *fs = arg;
	struct cgfs_events *ev = fs->events;
	int64_t orgs[WATCH_MAX];

	pthread_mutex_lock(&ev->lock);
	while (!ev->stopping) {
		double now = cgfs_now();
		size_t n = 0;
		struct timespec until;

		for (struct feed *f = ev->feeds; f && n < WATCH_MAX; f = f->next)
			if (f->readers > 0 && f->due <= now)
				orgs[n++] = f->org;
		pthread_mutex_unlock(&ev->lock);
		for (size_t i = 0; i < n; i++) {
			double due = look(fs, orgs[i]);
			struct feed *f;

			pthread_mutex_lock(&ev->lock);
			f = feed_of(ev, orgs[i], 0);
			if (f)
				f->due = due;
			pthread_mutex_unlock(&ev->lock);
		}
		/* Tell the kernel of every open feed that grew, whatever made
		 * it grow (a look, a listing, a create). */
		pthread_mutex_lock(&ev->lock);
		n = 0;
		for (struct feed *f = ev->feeds; f && n < WATCH_MAX; f = f->next)
			if (f->readers > 0 && (f->told_text != f->text_start + f->text.len ||
					       f->told_jsonl != f->jsonl_start + f->jsonl.len)) {
				f->told_text = f->text_start + f->text.len;
				f->told_jsonl = f->jsonl_start + f->jsonl.len;
				orgs[n++] = f->org;
			}
		pthread_mutex_unlock(&ev->lock);
		for (size_t i = 0; i < n && ev->grew; i++)
			ev->grew(fs, orgs[i]);
		pthread_mutex_lock(&ev->lock);
		if (ev->stopping)
			break;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)(TICK * 1e9);
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&ev->wake, &ev->lock, &until);
	}
	pthread_mutex_unlock(&ev->lock);
	return NULL;
}

int cgfs_events_watch_start(struct cgfs *fs, void (*grew)(struct cgfs *fs, int64_t org))
{
	struct cgfs_events *ev = fs->events;
	int ret;

	ev->grew = grew;
	ev->stopping = 0;
	ret = pthread_create(&ev->watcher, NULL, watch, fs);
	if (ret)
		return -ret;
	ev->watching = 1;
	return 0;
}

void cgfs_events_watch_stop(struct cgfs *fs)
{
	struct cgfs_events *ev = fs->events;

	if (!ev || !ev->watching)
		return;
	pthread_mutex_lock(&ev->lock);
	ev->stopping = 1;
	pthread_cond_broadcast(&ev->wake);
	pthread_mutex_unlock(&ev->lock);
	pthread_join(ev->watcher, NULL);
	ev->watching = 0;
}
