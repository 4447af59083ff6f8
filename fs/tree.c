/* tree.c - the route table of the mount and the functions of its rows.
 *
 * Read top to bottom: the cached objects (boxes) and how each is fetched;
 * the render/check/list functions of the rows; the table itself; then the
 * matching of paths against it.
 */
#include "tree.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "disk.h"
#include "draft.h"
#include "errlog.h"
#include "logs.h"
#include "outbox.h"

/* ---- cached objects ------------------------------------------------------------ */

/* The newest runs of an org (or of one user in it), newest first. */
struct id_list {
	int64_t *ids;
	size_t n;
};

/* One cached API answer.  Which member of m is live depends on the key. */
struct box {
	struct cgfs_obj base;
	void (*free_model)(struct box *b);
	union {
		struct cg_run run;
		struct cg_user user;
		struct cg_org_page orgs;
		struct cg_repo_page repos;
		struct cg_user_page users;
		struct cg_integrations integrations;
		struct cg_cli_rules rules;
		struct cg_string_list oauth;
		struct cg_oauth_provider_list providers;
		struct cg_check_suite check_suite;
		struct id_list ids;
		char *text;
	} m;
};

static void box_destroy(struct cgfs_obj *o)
{
	struct box *b = (struct box *)o;

	b->free_model(b);
	free(b);
}

static struct box *box_new(void (*free_model)(struct box *b), double ttl)
{
	struct box *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	atomic_init(&b->base.refs, 1);
	b->base.destroy = box_destroy;
	b->base.ttl = ttl;
	b->base.mtime = time(NULL);
	b->free_model = free_model;
	return b;
}

static void free_run(struct box *b) { cg_run_free(&b->m.run); }
static void free_user(struct box *b) { cg_user_free(&b->m.user); }
static void free_orgs(struct box *b) { cg_org_page_free(&b->m.orgs); }
static void free_repos(struct box *b) { cg_repo_page_free(&b->m.repos); }
static void free_users(struct box *b) { cg_user_page_free(&b->m.users); }
static void free_integrations(struct box *b) { cg_integrations_free(&b->m.integrations); }
static void free_rules(struct box *b) { cg_cli_rules_free(&b->m.rules); }
static void free_oauth(struct box *b) { cg_string_list_free(&b->m.oauth); }
static void free_providers(struct box *b) { cg_oauth_provider_list_free(&b->m.providers); }
static void free_check_suite(struct box *b) { cg_check_suite_free(&b->m.check_suite); }
static void free_ids(struct box *b) { free(b->m.ids.ids); }
static void free_text(struct box *b) { free(b->m.text); }

static int nomem(struct cg_error *err)
{
	cg_error_set(err, 0, ENOMEM, "out of memory");
	return -ENOMEM;
}

/* A run box: finished runs never change, so they never expire. */
static struct box *run_box(struct cgfs *fs, struct cg_run *run)
{
	int finished = cg_run_state_of(run->status) == CG_RUN_FINISHED;
	struct box *b = box_new(free_run, finished ? INFINITY : fs->cfg.run_ttl);

	if (!b)
		return NULL;
	b->m.run = *run;
	memset(run, 0, sizeof(*run));
	b->base.sig = b->m.run.raw;
	if (b->m.run.created_epoch != CG_NONE)
		b->base.mtime = (time_t)b->m.run.created_epoch;
	return b;
}

/* Items per list page: the API's maximum. */
#define PAGE 100

static void run_key(char *key, size_t size, int64_t org, int64_t run)
{
	snprintf(key, size, "run/%" PRId64 "/%" PRId64, org, run);
}

/* Cache a run (taking its fields); 0 or -ENOMEM. */
static int run_box_put(struct cgfs *fs, int64_t org, struct cg_run *run)
{
	struct box *b = run_box(fs, run);
	char key[64];

	if (!b)
		return -ENOMEM;
	run_key(key, sizeof(key), org, b->m.run.id);
	cgfs_cache_put(fs->cache, key, &b->base);
	return 0;
}

/* Keep a finished run on disk, for the next mount. */
static void persist_run(struct cgfs *fs, int64_t org, const struct cg_run *run)
{
	if (fs->disk && run->raw && cg_run_state_of(run->status) == CG_RUN_FINISHED &&
	    !cgfs_disk_has(fs->disk, CGFS_DISK_RUN, org, run->id))
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
	struct cgfs_obj *o;
	char key[64];
	long at = -1;

	snprintf(key, sizeof(key), "runs/%" PRId64, org);
	o = cgfs_cache_peek(fs->cache, key);
	if (!o)
		return -1;
	for (size_t i = 0; i < ((struct box *)o)->m.ids.n; i++)
		if (((struct box *)o)->m.ids.ids[i] == id) {
			at = (long)i;
			break;
		}
	cgfs_obj_unref(o);
	return at;
}

/* Renew a listed run with the list page it sits on: that one request
 * renews up to 100 runs, so re-reading the status of every listed run costs
 * a request per page, not one per unfinished run (which the rate limit
 * would stretch to minutes).  0 and *run; -ENOENT when the run is not on
 * that page (newer runs pushed it on): the caller GETs it. */
static int fetch_run_page(struct cgfs_req *r, long at, struct cg_run *run, struct cg_error *err)
{
	struct cg_run_page page = { 0 };
	int ret = cg_list_runs(r->fs->client, r->org, NULL, at / PAGE * PAGE, PAGE, &page, err);

	if (ret)
		return ret;
	ret = -ENOENT;
	for (size_t i = 0; i < page.n; i++) {
		persist_run(r->fs, r->org, &page.items[i]);
		if (page.items[i].id == r->run && ret) {
			*run = page.items[i];
			memset(&page.items[i], 0, sizeof(page.items[i]));
			ret = 0;
		} else {
			run_box_put(r->fs, r->org, &page.items[i]);
		}
	}
	cg_run_page_free(&page);
	return ret;
}

static int fetch_run(void *arg, const struct cgfs_obj *prev, struct cgfs_obj **out,
		     struct cg_error *err)
{
	struct cgfs_req *r = arg;
	struct cg_run run = { 0 };
	struct box *b;
	long at;
	int ret = 0;

	/* A stale copy of a listed run: renew its whole page. */
	if (prev && (at = listed_at(r->fs, r->org, r->run)) >= 0) {
		ret = fetch_run_page(r, at, &run, err);
		if (ret != -ENOENT)
			goto have;
	}
	ret = 0;
	if (run_from_disk(r->fs, r->org, r->run, &run)) {
		ret = cg_get_run(r->fs->client, r->org, r->run, &run, err);
		if (!ret)
			persist_run(r->fs, r->org, &run);
	}
have:
	if (ret)
		return ret;
	b = run_box(r->fs, &run);
	if (!b) {
		cg_run_free(&run);
		return nomem(err);
	}
	*out = &b->base;
	return 0;
}

/* Get a cached object; the caller unrefs *out. */
static int get(struct cgfs_req *r, const char *key, cgfs_fetch_fn fetch, struct box **out)
{
	struct cgfs_obj *o = NULL;
	int ret = cgfs_cache_get(r->fs->cache, key, fetch, r, &r->ctx, &o);

	if (!ret)
		*out = (struct box *)o;
	return ret;
}

static int get_run(struct cgfs_req *r, struct box **out)
{
	char key[64];

	run_key(key, sizeof(key), r->org, r->run);
	return get(r, key, fetch_run, out);
}

static int fetch_me(void *arg, const struct cgfs_obj *prev, struct cgfs_obj **out,
		    struct cg_error *err)
{
	struct cgfs_req *r = arg;
	struct box *b = box_new(free_user, r->fs->cfg.meta_ttl);
	int ret;

	(void)prev;
	if (!b)
		return nomem(err);
	ret = cg_get_me(r->fs->client, &b->m.user, err);
	if (ret) {
		free(b);
		return ret;
	}
	b->base.sig = b->m.user.raw;
	*out = &b->base;
	return 0;
}

/* Every page of a paginated list, as one page.  The three page types share
 * one layout ({meta, items, n}); list() fetches one page into `page`. */
struct page_layout {
	struct cg_page_meta meta;
	void *items;
	size_t n;
};
_Static_assert(offsetof(struct cg_org_page, items) == offsetof(struct page_layout, items) &&
	       offsetof(struct cg_repo_page, items) == offsetof(struct page_layout, items) &&
	       offsetof(struct cg_user_page, items) == offsetof(struct page_layout, items) &&
	       offsetof(struct cg_org_page, n) == offsetof(struct page_layout, n) &&
	       offsetof(struct cg_repo_page, n) == offsetof(struct page_layout, n) &&
	       offsetof(struct cg_user_page, n) == offsetof(struct page_layout, n),
	       "page structs share one layout");

#define MAX_ITEMS 10000

static int fetch_all_pages(struct cgfs_req *r, void *all, size_t elem,
			   int (*list)(struct cgfs_req *r, int64_t skip, void *page,
				       struct cg_error *err),
			   void (*free_page)(void *page), struct cg_error *err)
{
	struct page_layout *acc = all;

	for (int64_t skip = 0; skip < MAX_ITEMS; skip += PAGE) {
		struct page_layout page = { 0 };
		void *grown;
		size_t got;
		int ret = list(r, skip, &page, err);

		if (ret)
			return ret;
		got = page.n;
		grown = realloc(acc->items, (acc->n + got + 1) * elem);
		if (!grown) {
			free_page(&page);
			return nomem(err);
		}
		acc->items = grown;
		memcpy((char *)acc->items + acc->n * elem, page.items, got * elem);
		acc->n += got;
		acc->meta = page.meta;
		/* The items now belong to acc: free only the page's array. */
		free(page.items);
		if (got < PAGE || (page.meta.total != CG_NONE && acc->n >= (size_t)page.meta.total))
			break;
	}
	return 0;
}

static int list_orgs_page(struct cgfs_req *r, int64_t skip, void *page, struct cg_error *err)
{
	return cg_list_orgs(r->fs->client, skip, PAGE, page, err);
}

static int list_repos_page(struct cgfs_req *r, int64_t skip, void *page, struct cg_error *err)
{
	return cg_list_repos(r->fs->client, r->org, skip, PAGE, page, err);
}

static int list_users_page(struct cgfs_req *r, int64_t skip, void *page, struct cg_error *err)
{
	return cg_list_users(r->fs->client, r->org, skip, PAGE, page, err);
}

static void free_org_page(void *p) { cg_org_page_free(p); }
static void free_repo_page(void *p) { cg_repo_page_free(p); }
static void free_user_page(void *p) { cg_user_page_free(p); }

/* The paginated lists held whole: orgs, an org's repos, an org's users. */
struct list_kind {
	const char *key;          /* cache key, or its prefix before "/<org>" */
	int per_org;
	void (*free_model)(struct box *b);
	size_t elem;
	int (*page)(struct cgfs_req *r, int64_t skip, void *page, struct cg_error *err);
	void (*free_page)(void *page);
};

static const struct list_kind orgs_list = {
	"orgs", 0, free_orgs, sizeof(struct cg_org), list_orgs_page, free_org_page,
};
static const struct list_kind repos_list = {
	"repos", 1, free_repos, sizeof(struct cg_repo), list_repos_page, free_repo_page,
};
static const struct list_kind users_list = {
	"users", 1, free_users, sizeof(struct cg_user), list_users_page, free_user_page,
};

struct list_fetch {
	struct cgfs_req *r;
	const struct list_kind *kind;
};

static int fetch_list(void *arg, const struct cgfs_obj *prev, struct cgfs_obj **out,
		      struct cg_error *err)
{
	struct list_fetch *f = arg;
	struct box *b = box_new(f->kind->free_model, f->r->fs->cfg.meta_ttl);
	int ret;

	(void)prev;
	if (!b)
		return nomem(err);
	/* Every page struct starts like page_layout, at the start of m. */
	ret = fetch_all_pages(f->r, &b->m, f->kind->elem, f->kind->page, f->kind->free_page,
			      err);
	if (ret) {
		box_destroy(&b->base);
		return ret;
	}
	*out = &b->base;
	return 0;
}

/* The whole list of kind for the org in r (or the global one). */
static int get_list(struct cgfs_req *r, const struct list_kind *kind, struct box **out)
{
	struct list_fetch f = { r, kind };
	struct cgfs_obj *o = NULL;
	char key[64];
	int ret;

	if (kind->per_org)
		snprintf(key, sizeof(key), "%s/%" PRId64, kind->key, r->org);
	else
		snprintf(key, sizeof(key), "%s", kind->key);
	ret = cgfs_cache_get(r->fs->cache, key, fetch_list, &f, &r->ctx, &o);
	if (!ret)
		*out = (struct box *)o;
	return ret;
}

/* Every item type of these lists starts with its int64_t id. */
_Static_assert(offsetof(struct cg_org, id) == 0 && offsetof(struct cg_repo, id) == 0 &&
	       offsetof(struct cg_user, id) == 0, "list items start with their id");

/* The item of a whole list with this id, or NULL. */
static const void *find_in_list(const struct box *b, const struct list_kind *kind, int64_t id)
{
	const struct page_layout *page = (const struct page_layout *)&b->m;

	for (size_t i = 0; i < page->n; i++) {
		const char *item = (const char *)page->items + i * kind->elem;

		if (*(const int64_t *)item == id)
			return item;
	}
	return NULL;
}

/* check: does the list of kind hold id?  (0, -ENOENT, or the fetch's errno) */
static int check_in_list(struct cgfs_req *r, const struct list_kind *kind, int64_t id)
{
	struct box *b = NULL;
	int ret = get_list(r, kind, &b);

	if (ret)
		return ret;
	ret = find_in_list(b, kind, id) ? 0 : -ENOENT;
	cgfs_obj_unref(&b->base);
	return ret;
}

/* list: one directory per item of the list of kind, named by its id. */
static int list_in_list(struct cgfs_req *r, const struct list_kind *kind, cgfs_add_fn add,
			void *arg)
{
	struct box *b = NULL;
	const struct page_layout *page;
	char name[32];
	int ret = get_list(r, kind, &b);

	if (ret)
		return ret;
	page = (const struct page_layout *)&b->m;
	for (size_t i = 0; !ret && i < page->n; i++) {
		const char *item = (const char *)page->items + i * kind->elem;

		snprintf(name, sizeof(name), "%" PRId64, *(const int64_t *)item);
		ret = add(arg, name, CGFS_DIR, b->base.mtime, 0, 0);
	}
	cgfs_obj_unref(&b->base);
	return ret;
}

/* The org-level single answers: integrations, rules, oauth, providers. */
enum org_item { ITEM_INTEGRATIONS, ITEM_RULES, ITEM_OAUTH, ITEM_PROVIDERS };

struct org_item_fetch {
	struct cgfs_req *r;
	enum org_item item;
};

static int fetch_org_item(void *arg, const struct cgfs_obj *prev, struct cgfs_obj **out,
			  struct cg_error *err)
{
	struct org_item_fetch *f = arg;
	struct cgfs *fs = f->r->fs;
	static void (*const frees[])(struct box *) = {
		[ITEM_INTEGRATIONS] = free_integrations, [ITEM_RULES] = free_rules,
		[ITEM_OAUTH] = free_oauth, [ITEM_PROVIDERS] = free_providers,
	};
	struct box *b = box_new(frees[f->item], fs->cfg.meta_ttl);
	int ret = -EINVAL;

	(void)prev;
	if (!b)
		return nomem(err);
	switch (f->item) {
	case ITEM_INTEGRATIONS:
		ret = cg_get_integrations(fs->client, f->r->org, &b->m.integrations, err);
		b->base.sig = b->m.integrations.raw;
		break;
	case ITEM_RULES:
		ret = cg_get_cli_rules(fs->client, f->r->org, &b->m.rules, err);
		b->base.sig = b->m.rules.raw;
		break;
	case ITEM_OAUTH:
		ret = cg_get_oauth_status(fs->client, f->r->org, &b->m.oauth, err);
		break;
	case ITEM_PROVIDERS:
		ret = cg_get_mcp_providers(fs->client, &b->m.providers, err);
		b->base.sig = b->m.providers.raw;
		break;
	}
	if (ret) {
		free(b);
		return ret;
	}
	*out = &b->base;
	return 0;
}

static int get_org_item(struct cgfs_req *r, enum org_item item, struct box **out)
{
	static const char *const names[] = {
		[ITEM_INTEGRATIONS] = "integrations", [ITEM_RULES] = "rules",
		[ITEM_OAUTH] = "oauth", [ITEM_PROVIDERS] = "providers",
	};
	struct org_item_fetch f = { r, item };
	struct cgfs_obj *o = NULL;
	char key[64];
	int ret;

	snprintf(key, sizeof(key), "%s/%" PRId64, names[item],
		 item == ITEM_PROVIDERS ? (int64_t)0 : r->org);
	ret = cgfs_cache_get(r->fs->cache, key, fetch_org_item, &f, &r->ctx, &o);
	if (!ret)
		*out = (struct box *)o;
	return ret;
}

static void check_suite_key(char *key, size_t size, const struct cgfs_req *r)
{
	snprintf(key, size, "checksuite/%" PRId64 "/%" PRId64, r->org, r->repo);
}

static int fetch_check_suite(void *arg, const struct cgfs_obj *prev, struct cgfs_obj **out,
			     struct cg_error *err)
{
	struct cgfs_req *r = arg;
	struct box *b = box_new(free_check_suite, r->fs->cfg.meta_ttl);
	int ret;

	(void)prev;
	if (!b)
		return nomem(err);
	ret = cg_get_check_suite(r->fs->client, r->org, r->repo, &b->m.check_suite, err);
	if (ret) {
		free(b);
		return ret;
	}
	b->base.sig = b->m.check_suite.raw;
	*out = &b->base;
	return 0;
}

/* ---- run lists ---------------------------------------------------------------- */

static int has_id(const struct id_list *l, int64_t id)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (l->ids[i] == id)
			return 1;
	return 0;
}

static int push_id(struct id_list *l, size_t *cap, int64_t id)
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

/* The newest `list_window` runs, page by page (newest first).  Each page's
 * runs go into the cache, so reading their files costs nothing more.  On a
 * refresh, paging stops at the first run already held: the older part of
 * the window is the previous one. */
static int fetch_run_list(void *arg, const struct cgfs_obj *prev_obj, struct cgfs_obj **out,
			  struct cg_error *err)
{
	struct cgfs_req *r = arg;
	struct cgfs *fs = r->fs;
	const struct id_list *prev = prev_obj ? &((const struct box *)prev_obj)->m.ids : NULL;
	struct cg_run_filter filter = { .user_id = r->user, .source_type = NULL };
	struct box *b = box_new(free_ids, fs->cfg.list_ttl);
	struct id_list *l;
	size_t cap = 0;
	int met_known = 0, ret = 0;

	if (!b)
		return nomem(err);
	l = &b->m.ids;
	for (int64_t skip = 0; skip < fs->cfg.list_window && !met_known; skip += PAGE) {
		struct cg_run_page page = { 0 };
		int64_t want = fs->cfg.list_window - skip < PAGE ? fs->cfg.list_window - skip : PAGE;
		size_t got;

		ret = cg_list_runs(fs->client, r->org, &filter, skip, want, &page, err);
		if (ret)
			goto out_free_box;
		got = page.n;
		for (size_t i = 0; i < page.n && !ret; i++) {
			int64_t id = page.items[i].id;

			met_known |= has_id(prev, id);
			persist_run(fs, r->org, &page.items[i]);
			ret = push_id(l, &cap, id);
			if (!ret)
				ret = run_box_put(fs, r->org, &page.items[i]);
		}
		cg_run_page_free(&page);
		if (ret) {
			nomem(err);
			goto out_free_box;
		}
		if ((int64_t)got < want)
			break;
	}
	/* Older runs of the window come from the previous list. */
	for (size_t i = 0; met_known && prev && i < prev->n &&
	     (int64_t)l->n < fs->cfg.list_window; i++) {
		if (push_id(l, &cap, prev->ids[i])) {
			ret = nomem(err);
			goto out_free_box;
		}
	}
	*out = &b->base;
	return 0;
out_free_box:
	box_destroy(&b->base);
	return ret;
}

static int get_run_list(struct cgfs_req *r, struct box **out)
{
	char key[64];

	if (r->user == CG_NONE)
		snprintf(key, sizeof(key), "runs/%" PRId64, r->org);
	else
		snprintf(key, sizeof(key), "uruns/%" PRId64 "/%" PRId64, r->org, r->user);
	return get(r, key, fetch_run_list, out);
}

/* ---- files ---------------------------------------------------------------------- */

static const char readme_text[] =
	"codegen-fs: the Codegen platform as files\n"
	"\n"
	"  /errors                 failures, with the server's message\n"
	"  /stats                  requests per endpoint, cache hits and misses\n"
	"  /mcp-providers          MCP providers\n"
	"  /me/                    you: user.json email github_username full_name role id\n"
	"  /orgs/<id>/             and /orgs/<name> -> <id>\n"
	"      name org.json rules integrations integrations.json oauth\n"
	"      runs/<id>/          id status summary result web_url created_at\n"
	"                          source_type prs metadata.json run.json\n"
	"                          logs logs.jsonl wait error\n"
	"      repos/<id>/         name full_name language visibility setup_status\n"
	"                          repo.json check-suite.json\n"
	"      users/<id>/         user.json email github_username full_name role id\n"
	"                          runs/ (links to that user's runs)\n"
	"\n"
	"Examples:\n"
	"  cat orgs/11/runs/789/status\n"
	"  grep -l FAILED orgs/11/runs/*/status\n"
	"  tail -f orgs/11/runs/789/logs\n"
	"  st=$(cat orgs/11/runs/789/wait)     # blocks until the run has finished\n"
	"  jq .status orgs/11/runs/789/run.json\n"
	"\n"
	"runs/ lists the newest runs; any other run id resolves when named.\n"
	"Finished runs are cached for good; live ones are re-read after a few seconds.\n";

static int render_readme(struct cgfs_req *r, struct cg_buf *out)
{
	r->mtime = r->fs->mounted_at;
	return cg_buf_puts(out, readme_text);
}

static int render_errors(struct cgfs_req *r, struct cg_buf *out)
{
	size_t size;

	cgfs_errlog_stat(r->fs->errors, &size, &r->mtime);
	if (!r->mtime)
		r->mtime = r->fs->mounted_at;
	return cgfs_errlog_render(r->fs->errors, out);
}

static int render_stats(struct cgfs_req *r, struct cg_buf *out)
{
	struct cg_endpoint_stats st[CG_EP_COUNT];
	struct cgfs_cache_counters cc;

	cg_client_stats(r->fs->client, st);
	cgfs_cache_counters(r->fs->cache, &cc);
	r->mtime = time(NULL);
	return cgfs_render_stats(out, st, &cc);
}

/* Run a render step on a cached object: take it, render, drop it. */
#define WITH_BOX(r, getter, b, expr)                         \
	do {                                                 \
		struct box *b = NULL;                        \
		int ret_ = getter;                           \
		if (ret_)                                    \
			return ret_;                         \
		(r)->mtime = b->base.mtime;                  \
		ret_ = (expr);                               \
		cgfs_obj_unref(&b->base);                    \
		return ret_;                                 \
	} while (0)

static int render_providers(struct cgfs_req *r, struct cg_buf *out)
{
	WITH_BOX(r, get_org_item(r, ITEM_PROVIDERS, &b), b,
		 cgfs_render_mcp_providers(out, &b->m.providers));
}

/* ---- users (the token's user, or one in an org) --- */

static int get_users(struct cgfs_req *r, struct box **out)
{
	return get_list(r, &users_list, out);
}

/* Render field `arg` of the user in the path: /me, or users/{user}. */
enum user_field { UF_JSON, UF_EMAIL, UF_GITHUB, UF_NAME, UF_ROLE, UF_ID };

static int render_user_field(const struct cg_user *u, enum user_field f, struct cg_buf *out)
{
	switch (f) {
	case UF_JSON:   return cgfs_render_json(out, u->raw);
	case UF_EMAIL:  return cgfs_render_value(out, u->email);
	case UF_GITHUB: return cgfs_render_value(out, u->github_username);
	case UF_NAME:   return cgfs_render_value(out, u->full_name);
	case UF_ROLE:   return cgfs_render_value(out, u->role);
	case UF_ID:     return cgfs_render_int(out, u->id);
	}
	return -EINVAL;
}

static int render_user(struct cgfs_req *r, struct cg_buf *out)
{
	struct box *b = NULL;
	const struct cg_user *u;
	int ret;

	ret = r->user == CG_NONE ? get(r, "me", fetch_me, &b) : get_users(r, &b);
	if (ret)
		return ret;
	r->mtime = b->base.mtime;
	u = r->user == CG_NONE ? &b->m.user : find_in_list(b, &users_list, r->user);
	ret = u ? render_user_field(u, (enum user_field)r->route->arg, out) : -ENOENT;
	cgfs_obj_unref(&b->base);
	return ret;
}

static int check_user(struct cgfs_req *r)
{
	return check_in_list(r, &users_list, r->user);
}

static int list_users(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	return list_in_list(r, &users_list, add, arg);
}

/* ---- orgs --- */

static const struct cg_org *find_org(const struct box *b, int64_t id, const char *name)
{
	for (size_t i = 0; i < b->m.orgs.n; i++) {
		const struct cg_org *o = &b->m.orgs.items[i];

		if (name ? (o->name && !strcmp(o->name, name)) : o->id == id)
			return o;
	}
	return NULL;
}

static int get_orgs(struct cgfs_req *r, struct box **out)
{
	return get_list(r, &orgs_list, out);
}

/* An org id you are not a member of: the API answers 403 for every such
 * id, existing or not, so the mount says EACCES without asking. */
static int check_org(struct cgfs_req *r)
{
	struct box *b = NULL;
	int ret = get_orgs(r, &b);

	if (ret)
		return ret;
	ret = find_org(b, r->org, NULL) ? 0 : -EACCES;
	cgfs_obj_unref(&b->base);
	return ret;
}

static int check_orgname(struct cgfs_req *r)
{
	struct box *b = NULL;
	int ret = get_orgs(r, &b);

	if (ret)
		return ret;
	ret = find_org(b, 0, r->name) ? 0 : -ENOENT;
	cgfs_obj_unref(&b->base);
	return ret;
}

static int list_org_entries(struct cgfs_req *r, cgfs_add_fn add, void *arg, int names)
{
	struct box *b = NULL;
	char text[32];
	int ret = get_orgs(r, &b);

	for (size_t i = 0; !ret && i < b->m.orgs.n; i++) {
		const struct cg_org *o = &b->m.orgs.items[i];

		snprintf(text, sizeof(text), "%" PRId64, o->id);
		if (!names)
			ret = add(arg, text, CGFS_DIR, b->base.mtime, 0, 0);
		else if (o->name && *o->name && !strchr(o->name, '/') &&
			 strcmp(o->name, ".") && strcmp(o->name, "..") &&
			 strspn(o->name, "0123456789") != strlen(o->name))
			ret = add(arg, o->name, CGFS_LINK, b->base.mtime, strlen(text), 0);
	}
	if (b)
		cgfs_obj_unref(&b->base);
	return ret;
}

static int list_orgs(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	return list_org_entries(r, add, arg, 0);
}

static int list_orgnames(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	return list_org_entries(r, add, arg, 1);
}

static int render_orgname_link(struct cgfs_req *r, struct cg_buf *out)
{
	struct box *b = NULL;
	const struct cg_org *o;
	int ret = get_orgs(r, &b);

	if (ret)
		return ret;
	r->mtime = b->base.mtime;
	o = find_org(b, 0, r->name);
	ret = o ? cg_buf_printf(out, "%" PRId64, o->id) : -ENOENT;
	cgfs_obj_unref(&b->base);
	return ret;
}

enum org_field { OF_NAME, OF_JSON };

static int render_org(struct cgfs_req *r, struct cg_buf *out)
{
	struct box *b = NULL;
	const struct cg_org *o;
	int ret = get_orgs(r, &b);

	if (ret)
		return ret;
	r->mtime = b->base.mtime;
	o = find_org(b, r->org, NULL);
	if (!o)
		ret = -ENOENT;
	else if (r->route->arg == OF_NAME)
		ret = cgfs_render_value(out, o->name);
	else
		ret = cgfs_render_json(out, o->raw);
	cgfs_obj_unref(&b->base);
	return ret;
}

static int render_rules(struct cgfs_req *r, struct cg_buf *out)
{
	WITH_BOX(r, get_org_item(r, ITEM_RULES, &b), b, cgfs_render_rules(out, &b->m.rules));
}

static int render_integrations(struct cgfs_req *r, struct cg_buf *out)
{
	WITH_BOX(r, get_org_item(r, ITEM_INTEGRATIONS, &b), b,
		 r->route->arg ? cgfs_render_json(out, b->m.integrations.raw)
			       : cgfs_render_integrations(out, &b->m.integrations));
}

static int render_oauth(struct cgfs_req *r, struct cg_buf *out)
{
	WITH_BOX(r, get_org_item(r, ITEM_OAUTH, &b), b, cgfs_render_lines(out, &b->m.oauth));
}

/* ---- runs --- */

static int check_run(struct cgfs_req *r)
{
	struct box *b = NULL;
	int ret = get_run(r, &b);

	if (ret)
		return ret;
	r->mtime = b->base.mtime;
	if (b->m.run.created_epoch != CG_NONE)
		r->mtime = (time_t)b->m.run.created_epoch;
	cgfs_obj_unref(&b->base);
	return 0;
}

static int list_runs(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	struct box *b = NULL;
	char name[32];
	int ret = get_run_list(r, &b);

	for (size_t i = 0; !ret && i < b->m.ids.n; i++) {
		char key[64];
		struct cgfs_obj *o;
		time_t mtime = b->base.mtime;

		/* The list put every run in the cache: no request per entry. */
		run_key(key, sizeof(key), r->org, b->m.ids.ids[i]);
		o = cgfs_cache_peek(r->fs->cache, key);
		if (o) {
			const struct cg_run *run = &((struct box *)o)->m.run;

			mtime = run->created_epoch != CG_NONE ? (time_t)run->created_epoch
							      : o->mtime;
			cgfs_obj_unref(o);
		}
		snprintf(name, sizeof(name), "%" PRId64, b->m.ids.ids[i]);
		ret = r->user == CG_NONE ? add(arg, name, CGFS_DIR, mtime, 0, 0)
					 : add(arg, name, CGFS_LINK, mtime,
					       strlen("../../../runs/") + strlen(name), 0);
	}
	if (b)
		cgfs_obj_unref(&b->base);
	return ret;
}

static int check_user_run(struct cgfs_req *r)
{
	struct box *b = NULL;
	int ret = get_run_list(r, &b);

	if (ret)
		return ret;
	ret = has_id(&b->m.ids, r->run) ? 0 : -ENOENT;
	cgfs_obj_unref(&b->base);
	return ret;
}

static int render_user_run_link(struct cgfs_req *r, struct cg_buf *out)
{
	r->mtime = r->fs->mounted_at;
	return cg_buf_printf(out, "../../../runs/%" PRId64, r->run);
}

enum run_field {
	RF_ID, RF_STATUS, RF_SUMMARY, RF_RESULT, RF_WEB_URL, RF_CREATED_AT,
	RF_SOURCE_TYPE, RF_PRS, RF_METADATA, RF_JSON,
};

static int render_run_field(const struct cg_run *run, enum run_field f, struct cg_buf *out)
{
	switch (f) {
	case RF_ID:          return cgfs_render_int(out, run->id);
	case RF_STATUS:      return cgfs_render_value(out, run->status);
	case RF_SUMMARY:     return cgfs_render_value(out, run->summary);
	case RF_RESULT:      return cgfs_render_value(out, run->result);
	case RF_WEB_URL:     return cgfs_render_value(out, run->web_url);
	case RF_CREATED_AT:  return cgfs_render_time(out, run->created_at);
	case RF_SOURCE_TYPE: return cgfs_render_value(out, run->source_type);
	case RF_PRS:         return cgfs_render_prs(out, run);
	case RF_METADATA:    return cgfs_render_json(out, run->metadata);
	case RF_JSON:        return cgfs_render_json(out, run->raw);
	}
	return -EINVAL;
}

static int render_run(struct cgfs_req *r, struct cg_buf *out)
{
	WITH_BOX(r, get_run(r, &b), b,
		 render_run_field(&b->m.run, (enum run_field)r->route->arg, out));
}

/* A control file reads as empty. */
static int render_nothing(struct cgfs_req *r, struct cg_buf *out)
{
	(void)out;
	r->mtime = r->fs->mounted_at;
	return 0;
}

static int render_run_error(struct cgfs_req *r, struct cg_buf *out)
{
	char key[64];

	run_key(key, sizeof(key), r->org, r->run);
	r->mtime = r->fs->mounted_at;
	return cgfs_cache_last_error(r->fs->cache, key, out);
}

/* `wait` reads as the status; the blocking is done by the read handler
 * (ops.c), which polls this. */
static int render_wait(struct cgfs_req *r, struct cg_buf *out)
{
	WITH_BOX(r, get_run(r, &b), b, cgfs_render_value(out, b->m.run.status));
}

/* A stat reports what is held unless the file is open (logs.h): listing a
 * run directory downloads no logs. */
static int logs_size(struct cgfs_req *r, size_t *size)
{
	size_t text, jsonl;
	int ret = 0;

	if (cgfs_logs_peek(r->fs, r->org, r->run, &text, &jsonl, &r->mtime))
		ret = cgfs_logs_sync(r->fs, r->org, r->run, &r->ctx, &text, &jsonl, &r->mtime);

	if (!ret)
		*size = r->route->arg ? jsonl : text;
	return ret;
}

static ssize_t logs_read(struct cgfs_req *r, char *buf, size_t size, off_t off)
{
	size_t text, jsonl;
	time_t mtime;
	int ret = cgfs_logs_sync(r->fs, r->org, r->run, &r->ctx, &text, &jsonl, &mtime);

	if (ret)
		return ret;
	return cgfs_logs_read(r->fs, r->org, r->run, (int)r->route->arg, buf, size, off);
}

/* `ctl`: one command per line, each run inside write() so the writer sees
 * its error (DESIGN.md §3). */

/* The run changed through this mount: forget every copy of it. */
static void run_changed(struct cgfs_req *r)
{
	char key[64];

	run_key(key, sizeof(key), r->org, r->run);
	cgfs_cache_invalidate(r->fs->cache, key);
	cgfs_disk_drop(r->fs->disk, CGFS_DISK_RUN, r->org, r->run);
	cgfs_disk_drop(r->fs->disk, CGFS_DISK_LOGS, r->org, r->run);
	cgfs_logs_reopen(r->fs, r->org, r->run);
}

static int run_command(struct cgfs_req *r, const char *verb, const char *arg,
		       struct cg_error *err)
{
	struct cgfs *fs = r->fs;
	struct cg_message m = { 0 };
	int ret;

	if (!strcmp(verb, "ban") && !*arg) {
		ret = cg_ban_run(fs->client, r->org, r->run, &m, err);
	} else if (!strcmp(verb, "unban") && !*arg) {
		ret = cg_unban_run(fs->client, r->org, r->run, &m, err);
	} else if (!strcmp(verb, "remove-from-pr") && !*arg) {
		ret = cg_remove_from_pr(fs->client, r->org, r->run, &m, err);
	} else if (!strcmp(verb, "refresh") && !*arg) {
		ret = 0;
	} else if (!strcmp(verb, "resume") && *arg) {
		struct cg_run run = { 0 };

		ret = cg_resume_run(fs->client, r->org, r->run, arg, NULL, 0, &run, err);
		cg_run_free(&run);
	} else if (!strcmp(verb, "pr") && *arg) {
		struct cg_pr_edit e = { 0 };
		char state[32];
		long long pr;
		int used = 0;

		if (sscanf(arg, "%lld %31s %n", &pr, state, &used) != 2 || arg[used] || pr <= 0) {
			cg_error_set(err, 0, EINVAL, "usage: pr <pr-id> open|closed|draft|ready_for_review");
			return -EINVAL;
		}
		ret = cg_edit_pr(fs->client, r->org, CG_NONE, pr, state, &e, err);
		if (!ret && e.success == 0) {
			cg_error_set(err, 200, EIO, "PR %lld not changed: %s", pr,
				     e.error ? e.error : "the server gave no reason");
			ret = -EIO;
		}
		cg_pr_edit_free(&e);
	} else {
		cg_error_set(err, 0, EINVAL, "unknown command '%s%s%s' (known: ban, unban, "
			     "remove-from-pr, resume <text>, refresh, pr <pr-id> <state>)",
			     verb, *arg ? " " : "", arg);
		return -EINVAL;
	}
	cg_message_free(&m);
	if (!ret)
		run_changed(r);
	return ret;
}

#define CTL_MAX 65536

typedef int (*command_fn)(struct cgfs_req *r, const char *verb, const char *arg,
			  struct cg_error *err);

/* Run each non-blank line of buf as "<verb> <arg>"; stop at the first
 * failure, recorded under error_key (errors log and last error). */
static int run_commands(struct cgfs_req *r, const char *buf, size_t size, command_fn fn,
			const char *error_key)
{
	struct cg_error err = { 0 };
	char *text, *line, *next;
	int ret = 0;

	if (size > CTL_MAX)
		return -EFBIG;
	text = strndup(buf, size);
	if (!text)
		return -ENOMEM;
	for (line = text; line && !ret; line = next) {
		char *verb, *arg, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		verb = line + strspn(line, " \t");
		if (!*verb)
			continue;
		arg = verb + strcspn(verb, " \t");
		if (*arg)
			*arg++ = '\0';
		arg += strspn(arg, " \t");
		ret = fn(r, verb, arg, &err);
		if (ret)
			cgfs_cache_note_error(r->fs->cache, error_key, &r->ctx, &err);
	}
	free(text);
	return ret;
}

static int write_run_ctl(struct cgfs_req *r, const char *buf, size_t size)
{
	char key[64];

	run_key(key, sizeof(key), r->org, r->run);
	return run_commands(r, buf, size, run_command, key);
}

/* `resume`: a follow-up prompt, sent at the commit point. */
static int commit_resume(struct cgfs_req *r, const char *text, size_t len)
{
	struct cg_error err = { 0 };
	struct cg_run run = { 0 };
	char key[64], *prompt;
	int ret;

	if (strspn(text, " \t\r\n") >= len)
		return 0;  /* an empty follow-up is never sent */
	prompt = strndup(text, len);
	if (!prompt)
		return -ENOMEM;
	ret = cg_resume_run(r->fs->client, r->org, r->run, prompt, NULL, 0, &run, &err);
	cg_run_free(&run);
	free(prompt);
	if (ret) {
		run_key(key, sizeof(key), r->org, r->run);
		cgfs_cache_note_error(r->fs->cache, key, &r->ctx, &err);
		return ret;
	}
	run_changed(r);
	return 0;
}

/* ---- org control: orgs/<org>/ctl and ctl.out --- */

static void ctl_out_key(char *key, size_t size, int64_t org)
{
	snprintf(key, size, "ctlout/%" PRId64, org);
}

/* Keep the answer of the last command for ctl.out (never expires). */
static int set_ctl_out(struct cgfs_req *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int set_ctl_out(struct cgfs_req *r, const char *fmt, ...)
{
	struct box *b = box_new(free_text, INFINITY);
	char key[64];
	va_list ap;
	int ret;

	if (!b)
		return -ENOMEM;
	va_start(ap, fmt);
	ret = vasprintf(&b->m.text, fmt, ap);
	va_end(ap);
	if (ret < 0) {
		b->m.text = NULL;
		box_destroy(&b->base);
		return -ENOMEM;
	}
	ctl_out_key(key, sizeof(key), r->org);
	cgfs_cache_put(r->fs->cache, key, &b->base);
	return 0;
}

static void forget_org(struct cgfs_req *r, const char *const *prefixes, size_t n)
{
	char key[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s/%" PRId64, prefixes[i], r->org);
		cgfs_cache_invalidate(r->fs->cache, key);
	}
}

static int org_command(struct cgfs_req *r, const char *verb, const char *arg,
		       struct cg_error *err)
{
	struct cgfs *fs = r->fs;
	int ret;

	if (!strcmp(verb, "analyze-sandbox") && *arg) {
		struct cg_started_run s = { 0 };
		char *end;
		long long sandbox = strtoll(arg, &end, 10);
		static const char *const lists[] = { "runs" };

		if (*end || sandbox <= 0) {
			cg_error_set(err, 0, EINVAL, "usage: analyze-sandbox <sandbox-id>");
			return -EINVAL;
		}
		ret = cg_analyze_sandbox_logs(fs->client, r->org, sandbox, &s, err);
		if (!ret) {
			ret = set_ctl_out(r, "%" PRId64 "\n", s.agent_run_id);
			forget_org(r, lists, 1);
		}
		cg_started_run_free(&s);
	} else if (!strcmp(verb, "revoke-oauth") && *arg && !strpbrk(arg, " \t")) {
		struct cg_message m = { 0 };
		static const char *const lists[] = { "oauth" };

		ret = cg_revoke_oauth(fs->client, r->org, arg, &m, err);
		if (!ret) {
			ret = set_ctl_out(r, "%s\n", m.message ? m.message : "revoked");
			forget_org(r, lists, 1);
		}
		cg_message_free(&m);
	} else if (!strcmp(verb, "slack-connect") && !*arg) {
		struct cg_slack_token t = { 0 };

		ret = cg_slack_connect_token(fs->client, r->org, &t, err);
		if (!ret)
			ret = set_ctl_out(r, "%s\n", t.token);
		cg_slack_token_free(&t);
	} else if (!strcmp(verb, "refresh") && !*arg) {
		static const char *const lists[] = {
			"runs", "repos", "users", "integrations", "rules", "oauth",
		};

		forget_org(r, lists, sizeof(lists) / sizeof(lists[0]));
		cgfs_cache_invalidate(fs->cache, "orgs");
		ret = set_ctl_out(r, "%s", "");
	} else {
		cg_error_set(err, 0, EINVAL, "unknown command '%s%s%s' (known: analyze-sandbox "
			     "<sandbox-id>, revoke-oauth <provider>, slack-connect, refresh)",
			     verb, *arg ? " " : "", arg);
		return -EINVAL;
	}
	return ret;
}

static int write_org_ctl(struct cgfs_req *r, const char *buf, size_t size)
{
	char key[64];

	ctl_out_key(key, sizeof(key), r->org);
	return run_commands(r, buf, size, org_command, key);
}

static int render_ctl_out(struct cgfs_req *r, struct cg_buf *out)
{
	struct cgfs_obj *o;
	char key[64];
	int ret = 0;

	ctl_out_key(key, sizeof(key), r->org);
	o = cgfs_cache_peek(r->fs->cache, key);
	r->mtime = o ? o->mtime : r->fs->mounted_at;
	if (o && ((struct box *)o)->m.text)
		ret = cg_buf_puts(out, ((struct box *)o)->m.text);
	cgfs_obj_unref(o);
	return ret;
}

/* ---- repos --- */

static int get_repos(struct cgfs_req *r, struct box **out)
{
	return get_list(r, &repos_list, out);
}

static int check_repo(struct cgfs_req *r)
{
	return check_in_list(r, &repos_list, r->repo);
}

static int list_repos(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	return list_in_list(r, &repos_list, add, arg);
}

enum repo_field { PF_NAME, PF_FULL_NAME, PF_LANGUAGE, PF_VISIBILITY, PF_SETUP, PF_JSON };

static int render_repo(struct cgfs_req *r, struct cg_buf *out)
{
	struct box *b = NULL;
	const struct cg_repo *p;
	int ret = get_repos(r, &b);

	if (ret)
		return ret;
	r->mtime = b->base.mtime;
	p = find_in_list(b, &repos_list, r->repo);
	if (!p) {
		cgfs_obj_unref(&b->base);
		return -ENOENT;
	}
	switch ((enum repo_field)r->route->arg) {
	case PF_NAME:       ret = cgfs_render_value(out, p->name); break;
	case PF_FULL_NAME:  ret = cgfs_render_value(out, p->full_name); break;
	case PF_LANGUAGE:   ret = cgfs_render_value(out, p->language); break;
	case PF_VISIBILITY: ret = cgfs_render_value(out, p->visibility); break;
	case PF_SETUP:      ret = cgfs_render_value(out, p->setup_status); break;
	case PF_JSON:       ret = cgfs_render_json(out, p->raw); break;
	}
	cgfs_obj_unref(&b->base);
	return ret;
}

static int render_check_suite(struct cgfs_req *r, struct cg_buf *out)
{
	char key[64];

	check_suite_key(key, sizeof(key), r);
	WITH_BOX(r, get(r, key, fetch_check_suite, &b), b,
		 cgfs_render_json(out, b->m.check_suite.raw));
}

/* `check-suite.json`: a complete write of valid JSON is one PUT. */
static int commit_check_suite(struct cgfs_req *r, const char *text, size_t len)
{
	struct cg_error err = { 0 };
	struct cg_message m = { 0 };
	char key[64], *json = strndup(text, len);
	int ret;

	if (!json)
		return -ENOMEM;
	check_suite_key(key, sizeof(key), r);
	ret = cg_put_check_suite(r->fs->client, r->org, r->repo, json, &m, &err);
	free(json);
	cg_message_free(&m);
	if (ret)
		cgfs_cache_note_error(r->fs->cache, key, &r->ctx, &err);
	else
		cgfs_cache_invalidate(r->fs->cache, key);
	return ret;
}

static void setup_out_key(char *key, size_t size, const struct cgfs_req *r)
{
	snprintf(key, size, "setupout/%" PRId64 "/%" PRId64, r->org, r->repo);
}

/* `setup-commands`: writing (an optional prompt) starts the generation;
 * the file then reads as the id of the run that does it. */
static int commit_setup_commands(struct cgfs_req *r, const char *text, size_t len)
{
	struct cg_error err = { 0 };
	struct cg_started_run started = { 0 };
	static const char *const lists[] = { "runs" };
	char key[64], *prompt = NULL;
	struct box *b;
	int ret;

	if (strspn(text, " \t\r\n") < len) {
		prompt = strndup(text, len);
		if (!prompt)
			return -ENOMEM;
	}
	setup_out_key(key, sizeof(key), r);
	ret = cg_generate_setup_commands(r->fs->client, r->org, r->repo, prompt, &started, &err);
	free(prompt);
	if (ret) {
		cgfs_cache_note_error(r->fs->cache, key, &r->ctx, &err);
		return ret;
	}
	b = box_new(free_text, INFINITY);
	if (b && asprintf(&b->m.text, "%" PRId64 "\n", started.agent_run_id) >= 0)
		cgfs_cache_put(r->fs->cache, key, &b->base);
	else if (b)
		box_destroy(&b->base);
	cg_started_run_free(&started);
	forget_org(r, lists, 1);
	return 0;
}

static int render_setup_commands(struct cgfs_req *r, struct cg_buf *out)
{
	struct cgfs_obj *o;
	char key[64];
	int ret = 0;

	setup_out_key(key, sizeof(key), r);
	o = cgfs_cache_peek(r->fs->cache, key);
	r->mtime = o ? o->mtime : r->fs->mounted_at;
	if (o && ((struct box *)o)->m.text)
		ret = cg_buf_puts(out, ((struct box *)o)->m.text);
	cgfs_obj_unref(o);
	return ret;
}

/* ---- outboxes: new/ and repos/<id>/new/ --- */

static int parse_id(const char *text, int64_t *id);

/* A receipt links to its run: orgs/<org>/runs/<id>, seen from the outbox. */
static const char *receipt_up(const struct cgfs_req *r)
{
	return r->repo == CG_NONE ? "../" : "../../../";
}

/* An entry as the tree shows it: a draft or an error file is a file of
 * its text's size, a receipt a link of its target's length. */
static enum cgfs_node entry_node(const struct cgfs_req *r, const struct cgfs_ob_stat *st,
				 size_t *size)
{
	if (st->kind != CGFS_OB_RECEIPT) {
		*size = st->size;
		return CGFS_FILE;
	}
	*size = (size_t)snprintf(NULL, 0, "%sruns/%" PRId64, receipt_up(r), st->run);
	return CGFS_LINK;
}

static int check_entry(struct cgfs_req *r)
{
	struct cgfs_ob_stat st;
	size_t size;
	int ret = cgfs_outbox_stat(r->fs->outbox, r->org, r->repo, r->name, &st);

	if (ret)
		return ret;
	r->node = entry_node(r, &st, &size);
	r->writable = st.kind == CGFS_OB_DRAFT;
	r->mtime = st.mtime;
	return 0;
}

static int entry_size(struct cgfs_req *r, size_t *size)
{
	struct cgfs_ob_stat st;
	int ret = cgfs_outbox_stat(r->fs->outbox, r->org, r->repo, r->name, &st);

	if (!ret) {
		r->mtime = st.mtime;
		entry_node(r, &st, size);
	}
	return ret;
}

static int render_receipt(struct cgfs_req *r, struct cg_buf *out)
{
	struct cgfs_ob_stat st;
	int ret = cgfs_outbox_stat(r->fs->outbox, r->org, r->repo, r->name, &st);

	if (!ret && st.kind != CGFS_OB_RECEIPT)
		ret = -EINVAL;
	return ret ? ret : cg_buf_printf(out, "%sruns/%" PRId64, receipt_up(r), st.run);
}

struct entry_lister {
	struct cgfs_req *r;
	cgfs_add_fn add;
	void *arg;
};

static int add_outbox_entry(void *arg, const char *name, const struct cgfs_ob_stat *st)
{
	struct entry_lister *l = arg;
	size_t size;
	enum cgfs_node node = entry_node(l->r, st, &size);

	return l->add(l->arg, name, node, st->mtime, size, st->kind == CGFS_OB_DRAFT);
}

static int list_entries(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	struct entry_lister l = { r, add, arg };

	return cgfs_outbox_list(r->fs->outbox, r->org, r->repo, add_outbox_entry, &l);
}

/* The repo a draft names ("456" or a repo's name or full name). */
static int draft_repo(struct cgfs_req *r, const char *text, int64_t *id, char *why,
		      size_t why_size)
{
	struct box *b = NULL;
	int ret;

	if (!parse_id(text, id))
		return 0;
	ret = get_repos(r, &b);
	if (ret) {
		snprintf(why, why_size, "front matter: cannot list the repos to find '%s': %s",
			 text, strerror(-ret));
		return ret;
	}
	ret = -EINVAL;
	for (size_t i = 0; i < b->m.repos.n; i++) {
		const struct cg_repo *p = &b->m.repos.items[i];

		if ((p->name && !strcmp(p->name, text)) ||
		    (p->full_name && !strcmp(p->full_name, text))) {
			*id = p->id;
			ret = 0;
			break;
		}
	}
	cgfs_obj_unref(&b->base);
	if (ret)
		snprintf(why, why_size, "front matter: repo '%s': no repo of org %" PRId64
			 " has that id or name", text, r->org);
	return ret;
}

/* The create request of a parsed draft: repo, images.  0, or -EINVAL
 * (-errno of a repos fetch) with why. */
static int build_request(struct cgfs_req *r, const struct cgfs_draft *d,
			 struct cg_create_run_req *req, char **uris, char *why, size_t why_size)
{
	int ret = 0;

	req->prompt = d->prompt;
	req->model = d->model;
	req->agent_type = d->agent_type;
	req->metadata_json = d->metadata;
	req->repo_id = r->repo;
	if (d->repo) {
		int64_t id;

		ret = draft_repo(r, d->repo, &id, why, why_size);
		if (!ret && r->repo != CG_NONE && id != r->repo) {
			snprintf(why, why_size, "front matter: repo %" PRId64 " differs from the "
				 "outbox's repo %" PRId64 "; write it in orgs/%" PRId64 "/new/",
				 id, r->repo, r->org);
			ret = -EINVAL;
		}
		req->repo_id = id;
	}
	for (size_t i = 0; !ret && i < d->n_images; i++) {
		char reason[400];

		ret = cgfs_image_data_uri(d->images[i], &uris[i], reason, sizeof(reason));
		if (ret) {
			snprintf(why, why_size, "front matter: image: %s", reason);
			ret = -EINVAL;
		}
	}
	req->images = (const char *const *)uris;
	req->n_images = d->n_images;
	return ret;
}

/* The create failed: why = "HTTP <status>: <message>" (or the errno name
 * when no answer came), and a line in /errors. */
static void create_failed(struct cgfs_req *r, const struct cg_error *err, char *why,
			  size_t why_size)
{
	if (err->http_status)
		snprintf(why, why_size, "HTTP %ld: %s", err->http_status, err->message);
	else
		snprintf(why, why_size, "%s: %s", cg_errno_name(err->err), err->message);
	cgfs_cache_note_error(r->fs->cache, "create", &r->ctx, err);
}

int cgfs_send_draft(void *arg, int64_t org, int64_t repo, const char *name, const char *text,
		    size_t len, int64_t *run, char *why, size_t why_size)
{
	static const char *const lists[] = { "runs" };
	struct cg_create_run_req req = { 0 };
	struct cg_error err = { 0 };
	struct cg_run created = { 0 };
	struct cgfs_draft d;
	struct cgfs_req r;
	char path[512], **uris = NULL;
	struct box *b;
	int ret;

	if (repo == CG_NONE)
		snprintf(path, sizeof(path), "/orgs/%" PRId64 "/new/%s", org, name);
	else
		snprintf(path, sizeof(path), "/orgs/%" PRId64 "/repos/%" PRId64 "/new/%s", org,
			 repo, name);
	ret = cgfs_route_match(path, &r);
	if (ret)
		return ret;
	r.fs = arg;
	r.ctx.op = "create";
	ret = cgfs_draft_parse(text, len, &d, why, why_size);
	if (ret)
		goto noted;
	uris = calloc(d.n_images + 1, sizeof(*uris));
	ret = uris ? build_request(&r, &d, &req, uris, why, why_size) : -ENOMEM;
	if (!ret) {
		ret = cg_create_run(r.fs->client, org, &req, &created, &err);
		if (ret)
			create_failed(&r, &err, why, why_size);
	}
	for (size_t i = 0; uris && i < d.n_images; i++)
		free(uris[i]);
	free(uris);
	cgfs_draft_free(&d);
	if (ret)
		goto noted;
	/* The new run: cached, so `cat new/<name>/status` asks nothing, and
	 * runs/ lists it at once. */
	*run = created.id;
	r.run = created.id;
	run_changed(&r);
	b = run_box(r.fs, &created);
	if (b) {
		char key[64];

		run_key(key, sizeof(key), org, *run);
		cgfs_cache_put(r.fs->cache, key, &b->base);
	}
	cg_run_free(&created);
	forget_org(&r, lists, 1);
	return 0;
noted:
	/* A reason found here (not the server's) still goes to /errors. */
	if (ret != -ENODATA && !err.err) {
		err.err = -ret;
		snprintf(err.message, sizeof(err.message), "%s", why);
		cgfs_cache_note_error(r.fs->cache, "create", &r.ctx, &err);
	}
	return ret;
}

/* ---- the table ------------------------------------------------------------------- */

#define DIR_ROW(p) { .pattern = (p), .node = CGFS_DIR }
#define FILE_ROW(p, fn, a) { .pattern = (p), .node = CGFS_FILE, .render = (fn), .arg = (a) }
#define RUN "/orgs/{org}/runs/{run}/"
#define REPO "/orgs/{org}/repos/{repo}/"
/* An outbox under dir: the directory, and the names users make in it. */
#define OUTBOX_ROWS(dir) \
	{ .pattern = dir "new", .node = CGFS_DIR, .flags = CGFS_OUTBOX_DIR }, \
	{ .pattern = dir "new/{entry}", .node = CGFS_FILE, .check = check_entry, \
	  .list = list_entries, .size = entry_size, .render = render_receipt, \
	  .flags = CGFS_OUTBOX }
#define USER "/orgs/{org}/users/{user}/"

static const struct cgfs_route routes[] = {
	DIR_ROW("/"),
	FILE_ROW("/README", render_readme, 0),
	{ .pattern = "/errors", .node = CGFS_FILE, .render = render_errors, .flags = CGFS_STREAM },
	FILE_ROW("/stats", render_stats, 0),
	FILE_ROW("/mcp-providers", render_providers, 0),

	DIR_ROW("/me"),
	FILE_ROW("/me/user.json", render_user, UF_JSON),
	FILE_ROW("/me/email", render_user, UF_EMAIL),
	FILE_ROW("/me/github_username", render_user, UF_GITHUB),
	FILE_ROW("/me/full_name", render_user, UF_NAME),
	FILE_ROW("/me/role", render_user, UF_ROLE),
	FILE_ROW("/me/id", render_user, UF_ID),

	DIR_ROW("/orgs"),
	{ .pattern = "/orgs/{org}", .node = CGFS_DIR, .check = check_org, .list = list_orgs },
	{ .pattern = "/orgs/{orgname}", .node = CGFS_LINK, .render = render_orgname_link,
	  .check = check_orgname, .list = list_orgnames },
	FILE_ROW("/orgs/{org}/name", render_org, OF_NAME),
	FILE_ROW("/orgs/{org}/org.json", render_org, OF_JSON),
	FILE_ROW("/orgs/{org}/rules", render_rules, 0),
	FILE_ROW("/orgs/{org}/integrations", render_integrations, 0),
	FILE_ROW("/orgs/{org}/integrations.json", render_integrations, 1),
	FILE_ROW("/orgs/{org}/oauth", render_oauth, 0),
	{ .pattern = "/orgs/{org}/ctl", .node = CGFS_FILE, .render = render_nothing,
	  .write = write_org_ctl },
	FILE_ROW("/orgs/{org}/ctl.out", render_ctl_out, 0),
	OUTBOX_ROWS("/orgs/{org}/"),

	DIR_ROW("/orgs/{org}/runs"),
	{ .pattern = "/orgs/{org}/runs/{run}", .node = CGFS_DIR, .check = check_run,
	  .list = list_runs },
	FILE_ROW(RUN "id", render_run, RF_ID),
	FILE_ROW(RUN "status", render_run, RF_STATUS),
	FILE_ROW(RUN "summary", render_run, RF_SUMMARY),
	FILE_ROW(RUN "result", render_run, RF_RESULT),
	FILE_ROW(RUN "web_url", render_run, RF_WEB_URL),
	FILE_ROW(RUN "created_at", render_run, RF_CREATED_AT),
	FILE_ROW(RUN "source_type", render_run, RF_SOURCE_TYPE),
	FILE_ROW(RUN "prs", render_run, RF_PRS),
	FILE_ROW(RUN "metadata.json", render_run, RF_METADATA),
	FILE_ROW(RUN "run.json", render_run, RF_JSON),
	{ .pattern = RUN "logs", .node = CGFS_FILE, .size = logs_size, .read = logs_read,
	  .arg = 0, .flags = CGFS_LOGS_READER },
	{ .pattern = RUN "logs.jsonl", .node = CGFS_FILE, .size = logs_size, .read = logs_read,
	  .arg = 1, .flags = CGFS_LOGS_READER },
	{ .pattern = RUN "wait", .node = CGFS_FILE, .render = render_wait, .flags = CGFS_WAIT },
	FILE_ROW(RUN "error", render_run_error, 0),
	{ .pattern = RUN "ctl", .node = CGFS_FILE, .render = render_nothing, .write = write_run_ctl },
	{ .pattern = RUN "resume", .node = CGFS_FILE, .render = render_nothing,
	  .commit = commit_resume },

	DIR_ROW("/orgs/{org}/repos"),
	{ .pattern = "/orgs/{org}/repos/{repo}", .node = CGFS_DIR, .check = check_repo,
	  .list = list_repos },
	FILE_ROW(REPO "name", render_repo, PF_NAME),
	FILE_ROW(REPO "full_name", render_repo, PF_FULL_NAME),
	FILE_ROW(REPO "language", render_repo, PF_LANGUAGE),
	FILE_ROW(REPO "visibility", render_repo, PF_VISIBILITY),
	FILE_ROW(REPO "setup_status", render_repo, PF_SETUP),
	FILE_ROW(REPO "repo.json", render_repo, PF_JSON),
	{ .pattern = REPO "check-suite.json", .node = CGFS_FILE, .render = render_check_suite,
	  .commit = commit_check_suite },
	{ .pattern = REPO "setup-commands", .node = CGFS_FILE, .render = render_setup_commands,
	  .commit = commit_setup_commands },
	OUTBOX_ROWS(REPO),

	DIR_ROW("/orgs/{org}/users"),
	{ .pattern = "/orgs/{org}/users/{user}", .node = CGFS_DIR, .check = check_user,
	  .list = list_users },
	FILE_ROW(USER "user.json", render_user, UF_JSON),
	FILE_ROW(USER "email", render_user, UF_EMAIL),
	FILE_ROW(USER "github_username", render_user, UF_GITHUB),
	FILE_ROW(USER "full_name", render_user, UF_NAME),
	FILE_ROW(USER "role", render_user, UF_ROLE),
	FILE_ROW(USER "id", render_user, UF_ID),
	DIR_ROW(USER "runs"),
	{ .pattern = USER "runs/{run}", .node = CGFS_LINK, .render = render_user_run_link,
	  .check = check_user_run, .list = list_runs },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))
#define MAX_DEPTH 8

/* ---- matching ---------------------------------------------------------------------- */

/* Split "/a/b/c" into components; returns their count or -ENAMETOOLONG. */
static int split(const char *path, char comps[MAX_DEPTH][256])
{
	int n = 0;

	while (*path) {
		size_t len;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		len = strcspn(path, "/");
		if (n == MAX_DEPTH || len >= 256)
			return -ENAMETOOLONG;
		memcpy(comps[n], path, len);
		comps[n][len] = '\0';
		n++;
		path += len;
	}
	return n;
}

static int parse_id(const char *text, int64_t *id)
{
	char *end;
	long long v;

	if (!*text || strspn(text, "0123456789") != strlen(text) || strlen(text) > 15 ||
	    (text[0] == '0' && text[1]))
		return -1;
	v = strtoll(text, &end, 10);
	*id = v;
	return 0;
}

/* Does pattern component pc accept path component c?  Fills r's ids. */
static int match_comp(const char *pc, size_t pclen, const char *c, struct cgfs_req *r)
{
	int64_t id;

	if (pc[0] != '{')
		return strlen(c) == pclen && !strncmp(pc, c, pclen);
	if (!strncmp(pc, "{orgname}", pclen)) {
		/* Not only ids: readdir never lists an all-digit name (it would
		 * read as an id), so "011" or a 16-digit number is no name. */
		if (strspn(c, "0123456789") == strlen(c) || strlen(c) >= sizeof(r->name))
			return 0;
		snprintf(r->name, sizeof(r->name), "%s", c);
		return 1;
	}
	if (!strncmp(pc, "{entry}", pclen)) {
		/* Any name the user gives (split() bounds it to 255 bytes). */
		snprintf(r->name, sizeof(r->name), "%s", c);
		return 1;
	}
	if (parse_id(c, &id))
		return 0;
	if (!strncmp(pc, "{org}", pclen))
		r->org = id;
	else if (!strncmp(pc, "{run}", pclen))
		r->run = id;
	else if (!strncmp(pc, "{repo}", pclen))
		r->repo = id;
	else if (!strncmp(pc, "{user}", pclen))
		r->user = id;
	else
		return 0;
	return 1;
}

static int pattern_depth(const char *pattern)
{
	int n = 0;

	for (const char *p = pattern; *p; p++)
		n += *p == '/' && p[1];
	return n;
}

/* Match n components against a route; 1 on a match (ids in r). */
static int match_route(const struct cgfs_route *rt, char comps[MAX_DEPTH][256], int n,
		       struct cgfs_req *r)
{
	const char *p = rt->pattern + 1;

	if (pattern_depth(rt->pattern) != n)
		return 0;
	for (int i = 0; i < n; i++) {
		size_t len = strcspn(p, "/");

		if (!match_comp(p, len, comps[i], r))
			return 0;
		p += len;
		if (*p == '/')
			p++;
	}
	return 1;
}

static void req_init(struct cgfs_req *r, struct cgfs *fs, const char *path, const char *op)
{
	memset(r, 0, sizeof(*r));
	r->fs = fs;
	r->ctx.op = op;
	r->ctx.path = path;
	r->org = r->run = r->repo = r->user = CG_NONE;
}

/* The row whose pattern is the first `depth` components of rt's. */
static const struct cgfs_route *ancestor(const struct cgfs_route *rt, int depth)
{
	size_t len = 0;
	int seen = 0;

	for (const char *p = rt->pattern; *p && seen <= depth; p++, len++)
		if (*p == '/' && ++seen > depth)
			break;
	if (depth == 0)
		len = 1;
	for (size_t i = 0; i < NROUTES; i++)
		if (strlen(routes[i].pattern) == len && !strncmp(routes[i].pattern, rt->pattern, len))
			return &routes[i];
	return NULL;
}

/* Check every id of the path, outermost first. */
static int check_ids(struct cgfs_req *r)
{
	int depth = pattern_depth(r->route->pattern);

	for (int d = 1; d <= depth; d++) {
		const struct cgfs_route *a = ancestor(r->route, d);
		int ret;

		if (a && a->check) {
			const struct cgfs_route *saved = r->route;

			r->route = a;
			ret = a->check(r);
			r->route = saved;
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int route_writable(const struct cgfs_route *rt)
{
	return rt->write || rt->commit || (rt->flags & (CGFS_OUTBOX | CGFS_OUTBOX_DIR));
}

static int find_route(struct cgfs_req *r, char comps[MAX_DEPTH][256], int n)
{
	for (size_t i = 0; i < NROUTES; i++) {
		struct cgfs_req trial = *r;

		if (match_route(&routes[i], comps, n, &trial)) {
			*r = trial;
			r->route = &routes[i];
			r->node = routes[i].node;
			r->writable = route_writable(&routes[i]);
			return 0;
		}
	}
	return -ENOENT;
}

size_t cgfs_route_count(void)
{
	return NROUTES;
}

const struct cgfs_route *cgfs_route_at(size_t i)
{
	return i < NROUTES ? &routes[i] : NULL;
}

int cgfs_route_match(const char *path, struct cgfs_req *r)
{
	char comps[MAX_DEPTH][256];
	int n = split(path, comps);

	req_init(r, NULL, path, "match");
	if (n < 0)
		return n;
	return find_route(r, comps, n);
}

int cgfs_resolve(struct cgfs *fs, const char *path, const char *op, struct cgfs_req *r)
{
	char comps[MAX_DEPTH][256];
	int n = split(path, comps), ret;

	req_init(r, fs, path, op);
	if (n < 0)
		return n;
	if (!find_route(r, comps, n))
		return check_ids(r);
	/* No row: if a prefix of the path is a file, the answer is ENOTDIR. */
	for (int k = n - 1; k >= 1; k--) {
		struct cgfs_req prefix;

		req_init(&prefix, fs, path, op);
		if (!find_route(&prefix, comps, k)) {
			ret = check_ids(&prefix);
			if (ret)
				return ret;
			return prefix.node == CGFS_DIR ? -ENOENT : -ENOTDIR;
		}
	}
	return -ENOENT;
}

int cgfs_list(struct cgfs_req *dir, cgfs_add_fn add, void *arg)
{
	int depth = pattern_depth(dir->route->pattern);
	size_t plen = strlen(dir->route->pattern);
	int ret = 0;

	for (size_t i = 0; i < NROUTES && !ret; i++) {
		const struct cgfs_route *c = &routes[i];
		const char *last;

		if (pattern_depth(c->pattern) != depth + 1 ||
		    strncmp(c->pattern, dir->route->pattern, plen) ||
		    (plen > 1 && c->pattern[plen] != '/'))
			continue;
		last = strrchr(c->pattern, '/') + 1;
		if (c->list) {
			struct cgfs_req child = *dir;

			child.route = c;
			ret = c->list(&child, add, arg);
		} else {
			struct cgfs_req child = *dir;
			size_t size = 0;

			child.route = c;
			child.node = c->node;
			child.writable = route_writable(c);
			ret = cgfs_stat_node(&child, &size);
			if (!ret)
				ret = add(arg, last, c->node, child.mtime, size, child.writable);
		}
	}
	return ret;
}

int cgfs_stat_node(struct cgfs_req *r, size_t *size)
{
	struct cg_buf out = { 0 };
	int ret;

	if (r->node == CGFS_DIR) {
		*size = 0;
		if (!r->mtime)
			r->mtime = r->fs->mounted_at;
		return 0;
	}
	if (r->route->size) {
		ret = r->route->size(r, size);
	} else {
		ret = r->route->render(r, &out);
		if (!ret)
			*size = out.len;
		cg_buf_free(&out);
	}
	if (!r->mtime)
		r->mtime = r->fs->mounted_at;
	return ret;
}
