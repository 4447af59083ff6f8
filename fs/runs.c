/* runs.c - how runs and run lists are fetched (see runs.h).
 *
 * A finished run comes from the disk cache when it is there; a stale run
 * that runs/ lists is renewed with its list page; a run list pages the
 * window newest first (a first listing: the pages after the first at once)
 * and stops, on a refresh, at the first run it held.
 */
#include "runs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cg_request.h"
#include "disk.h"
#include "events.h"
#include "pages.h"

#define PAGE CGFS_PAGE

/* Keep a finished run on disk, for the next mount: only enqueued (disk.h),
 * and the writer writes nothing when the stored bytes are the same. */
static void persist_run(struct cgfs *fs, int64_t org, const struct cg_run *run)
{
	if (fs->disk && cgfs_res_persists(CGFS_RES_RUN) && run->raw &&
	    cg_run_state_of(run->status) == CG_RUN_FINISHED)
		cgfs_disk_put(fs->disk, CGFS_DISK_RUN, org, run->id, run->raw, strlen(run->raw));
}

/* A finished run from the disk cache: 0 and *run, else -ENOENT. */
static int run_from_disk(struct cgfs *fs, int64_t org, int64_t id, struct cg_run *run)
{
	char *text = NULL;
	size_t len;
	cJSON *json;
	int ret = cgfs_disk_get(fs->disk, CGFS_DISK_RUN, org, id, &text, &len);

	if (ret)
		return ret;
	json = cJSON_ParseWithLength(text, len);
	ret = json && !cg_run_parse(json, run) ? 0 : -ENOENT;
	if (!ret && (run->id != id || cg_run_state_of(run->status) != CG_RUN_FINISHED)) {
		cg_run_free(run);
		ret = -ENOENT;
	}
	cJSON_Delete(json);
	free(text);
	return ret;
}

/* Where runs/ lists run id (its index in the cached list), or -1. */
static long listed_at(struct cgfs *fs, int64_t org, int64_t id)
{
	struct cgfs_ids ids = { org, CG_NONE, CG_NONE, CG_NONE, NULL };
	struct cgfs_ref list = { 0 };
	long at = -1;

	if (cgfs_obj_peek(fs, CGFS_RES_RUNS, &ids, &list))
		return -1;
	for (size_t i = 0; i < ((const struct cgfs_id_list *)list.model)->n; i++)
		if (((const struct cgfs_id_list *)list.model)->ids[i] == id) {
			at = (long)i;
			break;
		}
	cgfs_ref_drop(&list);
	return at;
}

/* The org's list page at skip: every run on it goes into the cache (and
 * to the events feed), but the one with id (CG_NONE: none), which goes to
 * *run.  0, -ENOENT when id is not on the page, or the request's -errno. */
static int fetch_page_runs(struct cgfs *fs, int64_t org, int64_t skip, int64_t id,
			   struct cg_run *run, double deadline, struct cg_error *err)
{
	struct cg_run_page page = { 0 };
	int ret = cg_call(fs->client, CG_EP_LIST_RUNS,
			  &(const struct cg_op_args){ .org_id = org, .skip = skip,
						      .limit = PAGE, .deadline = deadline },
			  &page, err);

	if (ret)
		return ret;
	ret = id == CG_NONE ? 0 : -ENOENT;
	for (size_t i = 0; i < page.n; i++) {
		persist_run(fs, org, &page.items[i]);
		/* A last page may go past the window: those runs are not news. */
		cgfs_events_saw_run(fs, org, &page.items[i],
				    skip + (int64_t)i < fs->cfg.list_window ? CGFS_SEEN_LISTED
									    : CGFS_SEEN_OTHER);
		if (page.items[i].id == id && ret) {
			*run = page.items[i];
			memset(&page.items[i], 0, sizeof(page.items[i]));
			ret = 0;
		} else {
			cgfs_obj_put_run(fs, org, &page.items[i]);
		}
	}
	cg_run_page_free(&page);
	return ret;
}

/* Renew a listed run with the list page it sits on: that one request
 * renews up to 100 runs, so re-reading the status of every listed run costs
 * a request per page, not one per unfinished run (which the rate limit
 * would stretch to minutes).  0 and *run; -ENOENT when the run is not on
 * that page (newer runs pushed it on): the caller GETs it. */
static int fetch_run_page(struct cgfs *fs, const struct cgfs_ids *ids, long at,
			  struct cg_run *run, double deadline, struct cg_error *err)
{
	return fetch_page_runs(fs, ids->org, at / PAGE * PAGE, ids->run, run, deadline, err);
}

int cgfs_renew_run_page(struct cgfs *fs, int64_t org, int64_t skip, double deadline,
			struct cg_error *err)
{
	return fetch_page_runs(fs, org, skip / PAGE * PAGE, CG_NONE, NULL, deadline, err);
}

int cgfs_fetch_run(struct cgfs *fs, const struct cgfs_ids *ids, const struct cg_run *prev,
		   struct cg_run *out, double deadline, struct cg_error *err)
{
	long at;
	int ret;

	/* A stale copy of a listed run: renew its whole page. */
	if (prev && (at = listed_at(fs, ids->org, ids->run)) >= 0) {
		ret = fetch_run_page(fs, ids, at, out, deadline, err);
		if (ret != -ENOENT)
			return ret;
	}
	if (fs->disk && !run_from_disk(fs, ids->org, ids->run, out)) {
		cgfs_events_saw_run(fs, ids->org, out, CGFS_SEEN_OTHER);
		return 0;
	}
	ret = cg_call(fs->client, CG_EP_GET_RUN,
		      &(const struct cg_op_args){ .org_id = ids->org, .agent_run_id = ids->run,
						  .deadline = deadline },
		      out, err);
	if (!ret) {
		persist_run(fs, ids->org, out);
		cgfs_events_saw_run(fs, ids->org, out, CGFS_SEEN_OTHER);
	}
	return ret;
}

/* ---- run lists -------------------------------------------------------------------- */

static int has_id(const struct cgfs_id_list *l, int64_t id)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (l->ids[i] == id)
			return 1;
	return 0;
}

static int push_id(struct cgfs_id_list *l, size_t *cap, int64_t id)
{
	if (has_id(l, id))
		return 0;  /* a run shifted between two pages */
	if (l->n == *cap) {
		size_t grown_cap = *cap ? *cap * 2 : 128;
		int64_t *grown = realloc(l->ids, grown_cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->ids = grown;
		*cap = grown_cap;
	}
	l->ids[l->n++] = id;
	return 0;
}

/* Take the runs of one page (at most want) into l and the cache: 0 or
 * -ENOMEM.  *met_known is set when one of them is in prev. */
static int take_page(struct cgfs *fs, int64_t org, const struct cgfs_id_list *prev,
		     struct cg_run_page *page, int64_t want, struct cgfs_id_list *l,
		     size_t *cap, int *met_known, enum cgfs_seen how)
{
	int ret = 0;

	/* Items the parser left out, and those past what was asked (a page
	 * that ignores the limit is cut to it), count as left out. */
	l->left_out += page->meta.left_out;
	if ((int64_t)page->n > want)
		l->left_out += page->n - (size_t)want;
	for (size_t i = 0; i < page->n && (int64_t)i < want && !ret; i++) {
		int64_t id = page->items[i].id;

		*met_known |= has_id(prev, id);
		persist_run(fs, org, &page->items[i]);
		cgfs_events_saw_run(fs, org, &page->items[i], how);
		ret = push_id(l, cap, id);
		if (!ret)
			ret = cgfs_obj_put_run(fs, org, &page->items[i]);
	}
	return ret;
}

/* The org's newest runs are news to its events feed; a user's are not. */
static enum cgfs_seen seen_as(const struct cg_op_args *a)
{
	return a->filter->user_id == CG_NONE && !a->filter->source_type ? CGFS_SEEN_LISTED
									 : CGFS_SEEN_OTHER;
}

/* How many runs the page at skip asks for. */
static int64_t want_at(const struct cgfs *fs, int64_t skip)
{
	return cgfs_page_limit(skip, fs->cfg.list_window);
}

/* Pages 1..n-1 of the first listing whose request is a, fetched together
 * (pages.h) and taken in order up to the first short page: 0, or the
 * -errno of the first page (in list order) that failed. */
static int fetch_window_rest(struct cgfs *fs, struct cg_op_args a, size_t n,
			     struct cgfs_id_list *l, size_t *cap, struct cg_error *err)
{
	struct cgfs_pages p;
	int ret = cgfs_pages_fetch(fs->client, CG_EP_LIST_RUNS, &a, n, fs->cfg.list_window, &p);
	int ended = 0, met_known = 0;

	if (ret)
		return cg_error_nomem(err);
	for (size_t i = 1; !ret && !ended && i < n; i++) {
		struct cg_run_page *page = p.pages[i];
		int64_t want = want_at(fs, (int64_t)i * PAGE);

		if (p.rets[i]) {
			ret = p.rets[i];
			if (err)
				*err = p.errs[i];
		} else if (take_page(fs, a.org_id, NULL, page, want, l, cap, &met_known,
				     seen_as(&a))) {
			ret = cg_error_nomem(err);
		}
		ended = (int64_t)(page->n + page->meta.left_out) < want;
	}
	cgfs_pages_free(CG_EP_LIST_RUNS, &p);
	return ret;
}

/* The newest `list_window` runs (of one user when ids->user is set, of one
 * origin when ids->source is), page
 * by page, newest first, every page within the one deadline.  Each page's
 * runs go into the cache, so reading their files costs nothing more.  A
 * first listing fetches the first page, then, knowing the total, the rest
 * of the window at once.  On a refresh, paging stops at the first run
 * already held: the older part of the window is the previous one.  A page
 * holding more than was asked (a server ignoring `limit`) gives only what
 * was asked: the window never holds more than list_window runs. */
int cgfs_fetch_run_list(struct cgfs *fs, const struct cgfs_ids *ids,
			const struct cgfs_id_list *prev, struct cgfs_id_list *out,
			double deadline, struct cg_error *err)
{
	struct cg_run_filter filter = { .user_id = ids->user, .source_type = ids->source };
	struct cg_op_args a = { .org_id = ids->org, .filter = &filter, .deadline = deadline };
	struct cgfs_id_list *l = out;
	size_t cap = 0;
	int met_known = 0, ret = 0;

	for (a.skip = 0; a.skip < fs->cfg.list_window && !met_known; a.skip += PAGE) {
		struct cg_run_page page = { 0 };
		int64_t total;
		size_t got;

		a.limit = want_at(fs, a.skip);
		ret = cg_call(fs->client, CG_EP_LIST_RUNS, &a, &page, err);
		if (ret)
			goto out_free_ids;
		got = page.n + page.meta.left_out;
		total = page.meta.total;
		ret = take_page(fs, ids->org, prev, &page, a.limit, l, &cap, &met_known,
				seen_as(&a));
		cg_run_page_free(&page);
		if (ret) {
			cg_error_nomem(err);
			goto out_free_ids;
		}
		if ((int64_t)got < a.limit)
			break;
		if (a.skip == 0 && !prev && total != CG_NONE && total > PAGE) {
			int64_t upto = total < fs->cfg.list_window ? total : fs->cfg.list_window;

			ret = fetch_window_rest(fs, a, (size_t)((upto + PAGE - 1) / PAGE), l, &cap,
						err);
			if (ret)
				goto out_free_ids;
			break;
		}
	}
	if (ids->user == CG_NONE)
		cgfs_events_primed(fs, ids->org);
	/* Older runs of the window come from the previous list. */
	for (size_t i = 0; met_known && prev && i < prev->n &&
	     (int64_t)l->n < fs->cfg.list_window; i++) {
		if (push_id(l, &cap, prev->ids[i])) {
			ret = cg_error_nomem(err);
			goto out_free_ids;
		}
	}
	return 0;
out_free_ids:
	free(l->ids);
	memset(l, 0, sizeof(*l));
	return ret;
}
