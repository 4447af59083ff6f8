/* objects.c - the table of API object kinds and their fetching (see objects.h).
 *
 * Read top to bottom: the box that holds one object in the cache; the
 * fetch functions (single answers, whole paginated lists; runs and run
 * lists are runs.c's); the table of kinds; then get, peek and forget,
 * which are the same few lines for every kind.
 */
#include "objects.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "disk.h"
#include "logs.h"
#include "runs.h"

/* One cached object.  Which member of m is live is the kind's. */
union model {
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
	struct cgfs_id_list ids;
};

struct box {
	struct cgfs_obj base;
	enum cgfs_res kind;
	union model m;
};

enum ttl_class {
	TTL_META,   /* orgs, repos, users, integrations, ...: --meta-ttl */
	TTL_LIST,   /* run lists: --list-ttl */
	TTL_RUN,    /* a run: --run-ttl while it works, forever once finished */
};

/* Which ids name one object of a kind (their order in its cache key). */
#define SCOPE_ORG  0x1
#define SCOPE_REPO 0x2
#define SCOPE_USER 0x4
#define SCOPE_RUN  0x8

typedef int (*fetch_fn)(struct cgfs *fs, const struct cgfs_ids *ids, const union model *prev,
			union model *m, struct cg_error *err);

struct kind {
	const char *name;          /* its cache keys' first part */
	unsigned scope;
	enum ttl_class ttl;
	fetch_fn fetch;            /* NULL for an item kind */
	void (*free)(union model *m);
	size_t raw;                /* offset of the raw JSON (char *), or NO_RAW */
	int persist;               /* finished copies are kept on disk (disk.h) */
	/* Item kinds: the list holding them, the id that picks one, and the
	 * errno for an id that list does not hold. */
	enum cgfs_res parent;
	unsigned item_scope;
	int missing;
	size_t elem;               /* item size in a whole list */
};

#define NO_RAW ((size_t)-1)

static const struct kind kinds[CGFS_RES_COUNT];

#define PAGE CGFS_PAGE
/* A whole list stops here, whatever the server says of its total. */
#define MAX_ITEMS 10000

static int nomem(struct cg_error *err)
{
	cg_error_set(err, 0, ENOMEM, "out of memory");
	return -ENOMEM;
}

/* ---- boxes ---------------------------------------------------------------------- */

static void box_destroy(struct cgfs_obj *o)
{
	struct box *b = (struct box *)o;

	kinds[b->kind].free(&b->m);
	free(b);
}

static double ttl_of(const struct cgfs *fs, enum cgfs_res kind, const union model *m)
{
	switch (kinds[kind].ttl) {
	case TTL_META:
		return fs->cfg.meta_ttl;
	case TTL_LIST:
		return fs->cfg.list_ttl;
	case TTL_RUN:
		/* A finished run never changes (DESIGN.md §4). */
		return cg_run_state_of(m->run.status) == CG_RUN_FINISHED ? INFINITY
									 : fs->cfg.run_ttl;
	}
	return 0;
}

/* Box a fetched model (taking its fields: *m is emptied). */
static struct box *box_new(struct cgfs *fs, enum cgfs_res kind, union model *m)
{
	struct box *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	atomic_init(&b->base.refs, 1);
	b->base.destroy = box_destroy;
	b->kind = kind;
	b->m = *m;
	memset(m, 0, sizeof(*m));
	b->base.ttl = ttl_of(fs, kind, &b->m);
	b->base.mtime = time(NULL);
	if (kinds[kind].raw != NO_RAW)
		b->base.sig = *(char **)((char *)&b->m + kinds[kind].raw);
	if (kind == CGFS_RES_RUN && b->m.run.created_epoch != CG_NONE)
		b->base.mtime = (time_t)b->m.run.created_epoch;
	return b;
}

/* ---- keys: built here and nowhere else --------------------------------------------- */

/* "<name>/<org>/<repo>/<user>/<run>", each id only where the kind is
 * scoped by it.  With stop_at_none, the key ends before the first scoped id
 * that is CG_NONE (a prefix of every such key), and 1 is returned. */
static int key_of(enum cgfs_res kind, const struct cgfs_ids *ids, int stop_at_none, char *key,
		  size_t size)
{
	const struct { unsigned bit; int64_t id; } parts[] = {
		{ SCOPE_ORG, ids->org }, { SCOPE_REPO, ids->repo },
		{ SCOPE_USER, ids->user }, { SCOPE_RUN, ids->run },
	};
	size_t len = (size_t)snprintf(key, size, "%s", kinds[kind].name);

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && len < size; i++) {
		if (!(kinds[kind].scope & parts[i].bit))
			continue;
		if (stop_at_none && parts[i].id == CG_NONE) {
			snprintf(key + len, size - len, "/");
			return 1;
		}
		len += (size_t)snprintf(key + len, size - len, "/%" PRId64, parts[i].id);
	}
	return 0;
}

struct cgfs_ids cgfs_ids_none(void)
{
	return (struct cgfs_ids){ CG_NONE, CG_NONE, CG_NONE, CG_NONE };
}

/* ---- runs learnt on the side ---------------------------------------------------- */

int cgfs_obj_put_run(struct cgfs *fs, int64_t org, struct cg_run *run)
{
	struct cgfs_ids ids = { org, run->id, CG_NONE, CG_NONE };
	union model m;
	struct box *b;
	char key[96];

	memset(&m, 0, sizeof(m));
	m.run = *run;
	memset(run, 0, sizeof(*run));
	b = box_new(fs, CGFS_RES_RUN, &m);
	if (!b) {
		cg_run_free(&m.run);
		return -ENOMEM;
	}
	key_of(CGFS_RES_RUN, &ids, 0, key, sizeof(key));
	cgfs_cache_put(fs->cache, key, &b->base);
	return 0;
}

/* ---- whole lists: orgs, an org's repos, an org's users -------------------------------- */

/* The three page types share one layout ({meta, items, n}). */
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
/* Every item type of these lists starts with its int64_t id. */
_Static_assert(offsetof(struct cg_org, id) == 0 && offsetof(struct cg_repo, id) == 0 &&
	       offsetof(struct cg_user, id) == 0, "list items start with their id");

typedef int (*page_fn)(struct cgfs *fs, const struct cgfs_ids *ids, int64_t skip, void *page,
		       struct cg_error *err);

/* Every page of a list, gathered into m as one page. */
static int fetch_all_pages(struct cgfs *fs, const struct cgfs_ids *ids, enum cgfs_res kind,
			   page_fn list, union model *m, struct cg_error *err)
{
	struct page_layout *acc = (struct page_layout *)m;
	size_t elem = kinds[kind].elem;

	for (int64_t skip = 0; skip < MAX_ITEMS; skip += PAGE) {
		union model page = { 0 };
		struct page_layout *got = (struct page_layout *)&page;
		void *grown;
		int ret = list(fs, ids, skip, &page, err);

		if (ret) {
			kinds[kind].free(m);
			return ret;
		}
		grown = realloc(acc->items, (acc->n + got->n + 1) * elem);
		if (!grown) {
			kinds[kind].free(&page);
			kinds[kind].free(m);
			return nomem(err);
		}
		acc->items = grown;
		memcpy((char *)acc->items + acc->n * elem, got->items, got->n * elem);
		acc->n += got->n;
		acc->meta = got->meta;
		/* The items now belong to acc: free only the page's array. */
		free(got->items);
		if (got->n < PAGE || (got->meta.total != CG_NONE && acc->n >= (size_t)got->meta.total))
			break;
	}
	return 0;
}

static int orgs_page(struct cgfs *fs, const struct cgfs_ids *ids, int64_t skip, void *page,
		     struct cg_error *err)
{
	(void)ids;
	return cg_list_orgs(fs->client, skip, PAGE, page, err);
}

static int repos_page(struct cgfs *fs, const struct cgfs_ids *ids, int64_t skip, void *page,
		      struct cg_error *err)
{
	return cg_list_repos(fs->client, ids->org, skip, PAGE, page, err);
}

static int users_page(struct cgfs *fs, const struct cgfs_ids *ids, int64_t skip, void *page,
		      struct cg_error *err)
{
	return cg_list_users(fs->client, ids->org, skip, PAGE, page, err);
}

/* ---- the fetch and free functions of the table ----------------------------------------- */

#define FETCH(name, call)                                                                 \
	static int fetch_##name(struct cgfs *fs, const struct cgfs_ids *ids,              \
				const union model *prev, union model *m, struct cg_error *err) \
	{                                                                                 \
		(void)ids;                                                                \
		(void)prev;                                                               \
		return call;                                                              \
	}

FETCH(run, cgfs_fetch_run(fs, ids, prev ? &prev->run : NULL, &m->run, err))
FETCH(run_list, cgfs_fetch_run_list(fs, ids, prev ? &prev->ids : NULL, &m->ids, err))
FETCH(me, cg_get_me(fs->client, &m->user, err))
FETCH(orgs, fetch_all_pages(fs, ids, CGFS_RES_ORGS, orgs_page, m, err))
FETCH(repos, fetch_all_pages(fs, ids, CGFS_RES_REPOS, repos_page, m, err))
FETCH(users, fetch_all_pages(fs, ids, CGFS_RES_USERS, users_page, m, err))
FETCH(integrations, cg_get_integrations(fs->client, ids->org, &m->integrations, err))
FETCH(rules, cg_get_cli_rules(fs->client, ids->org, &m->rules, err))
FETCH(oauth, cg_get_oauth_status(fs->client, ids->org, &m->oauth, err))
FETCH(providers, cg_get_mcp_providers(fs->client, &m->providers, err))
FETCH(check_suite, cg_get_check_suite(fs->client, ids->org, ids->repo, &m->check_suite, err))

#define FREE(name, call) \
	static void free_##name(union model *m) { call; }

FREE(run, cg_run_free(&m->run))
FREE(user, cg_user_free(&m->user))
FREE(orgs, cg_org_page_free(&m->orgs))
FREE(repos, cg_repo_page_free(&m->repos))
FREE(users, cg_user_page_free(&m->users))
FREE(integrations, cg_integrations_free(&m->integrations))
FREE(rules, cg_cli_rules_free(&m->rules))
FREE(oauth, cg_string_list_free(&m->oauth))
FREE(providers, cg_oauth_provider_list_free(&m->providers))
FREE(check_suite, cg_check_suite_free(&m->check_suite))
FREE(ids, free(m->ids.ids))

#define RAW(member, type) (offsetof(union model, member) + offsetof(type, raw))

/* ---- the table -------------------------------------------------------------------------- */

static const struct kind kinds[CGFS_RES_COUNT] = {
	[CGFS_RES_ME] = { "me", 0, TTL_META, fetch_me, free_user,
			  RAW(user, struct cg_user) },
	[CGFS_RES_ORGS] = { "orgs", 0, TTL_META, fetch_orgs, free_orgs, NO_RAW,
			    .elem = sizeof(struct cg_org) },
	/* The API answers 403 for every org id you are not in, existing or
	 * not, so the mount says EACCES without asking. */
	[CGFS_RES_ORG] = { "org", SCOPE_ORG, TTL_META, NULL, NULL, NO_RAW,
			   .parent = CGFS_RES_ORGS, .item_scope = SCOPE_ORG, .missing = EACCES },
	[CGFS_RES_REPOS] = { "repos", SCOPE_ORG, TTL_META, fetch_repos, free_repos, NO_RAW,
			     .elem = sizeof(struct cg_repo) },
	[CGFS_RES_REPO] = { "repo", SCOPE_ORG | SCOPE_REPO, TTL_META, NULL, NULL, NO_RAW,
			    .parent = CGFS_RES_REPOS, .item_scope = SCOPE_REPO, .missing = ENOENT },
	[CGFS_RES_USERS] = { "users", SCOPE_ORG, TTL_META, fetch_users, free_users, NO_RAW,
			     .elem = sizeof(struct cg_user) },
	[CGFS_RES_USER] = { "user", SCOPE_ORG | SCOPE_USER, TTL_META, NULL, NULL, NO_RAW,
			    .parent = CGFS_RES_USERS, .item_scope = SCOPE_USER, .missing = ENOENT },
	[CGFS_RES_RUN] = { "run", SCOPE_ORG | SCOPE_RUN, TTL_RUN, fetch_run, free_run,
			   RAW(run, struct cg_run), .persist = 1 },
	[CGFS_RES_RUNS] = { "runs", SCOPE_ORG, TTL_LIST, fetch_run_list, free_ids, NO_RAW },
	[CGFS_RES_USER_RUNS] = { "uruns", SCOPE_ORG | SCOPE_USER, TTL_LIST, fetch_run_list,
				 free_ids, NO_RAW },
	[CGFS_RES_INTEGRATIONS] = { "integrations", SCOPE_ORG, TTL_META, fetch_integrations,
				    free_integrations, RAW(integrations, struct cg_integrations) },
	[CGFS_RES_RULES] = { "rules", SCOPE_ORG, TTL_META, fetch_rules, free_rules,
			     RAW(rules, struct cg_cli_rules) },
	[CGFS_RES_OAUTH] = { "oauth", SCOPE_ORG, TTL_META, fetch_oauth, free_oauth, NO_RAW },
	[CGFS_RES_PROVIDERS] = { "providers", 0, TTL_META, fetch_providers, free_providers,
				 RAW(providers, struct cg_oauth_provider_list) },
	[CGFS_RES_CHECK_SUITE] = { "checksuite", SCOPE_ORG | SCOPE_REPO, TTL_META,
				   fetch_check_suite, free_check_suite,
				   RAW(check_suite, struct cg_check_suite) },
};

/* ---- get, peek, forget ------------------------------------------------------------------ */

struct fetch_arg {
	struct cgfs *fs;
	enum cgfs_res kind;
	const struct cgfs_ids *ids;
};

/* The cache's fetch function: the kind's fetch, boxed. */
static int fetch_box(void *arg, const struct cgfs_obj *prev, struct cgfs_obj **out,
		     struct cg_error *err)
{
	struct fetch_arg *f = arg;
	union model m;
	struct box *b;
	int ret;

	memset(&m, 0, sizeof(m));
	ret = kinds[f->kind].fetch(f->fs, f->ids, prev ? &((const struct box *)prev)->m : NULL,
				   &m, err);
	if (ret)
		return ret;
	b = box_new(f->fs, f->kind, &m);
	if (!b) {
		kinds[f->kind].free(&m);
		return nomem(err);
	}
	*out = &b->base;
	return 0;
}

/* The item with id in a whole list, or NULL. */
static const void *find_item(enum cgfs_res list, const union model *m, int64_t id)
{
	const struct page_layout *page = (const struct page_layout *)m;

	for (size_t i = 0; i < page->n; i++) {
		const char *item = (const char *)page->items + i * kinds[list].elem;

		if (*(const int64_t *)item == id)
			return item;
	}
	return NULL;
}

static int64_t item_id(const struct kind *k, const struct cgfs_ids *ids)
{
	switch (k->item_scope) {
	case SCOPE_ORG:  return ids->org;
	case SCOPE_REPO: return ids->repo;
	case SCOPE_USER: return ids->user;
	default:         return ids->run;
	}
}

static void hold(struct cgfs_ref *out, struct cgfs_obj *o, const void *model)
{
	out->obj = o;
	out->model = model;
	out->mtime = o->mtime;
}

/* An item kind: its list, then the item. */
static int get_item(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
		    const struct cgfs_ctx *ctx, struct cgfs_ref *out)
{
	const struct kind *k = &kinds[kind];
	struct cgfs_ref list = { 0 };
	const void *item;
	int ret = ctx ? cgfs_obj_get(fs, k->parent, ids, ctx, &list)
		      : cgfs_obj_peek(fs, k->parent, ids, &list);

	if (ret)
		return ret;
	item = find_item(k->parent, list.model, item_id(k, ids));
	if (!item) {
		cgfs_ref_drop(&list);
		return -k->missing;
	}
	*out = list;
	out->model = item;
	return 0;
}

int cgfs_obj_get(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
		 const struct cgfs_ctx *ctx, struct cgfs_ref *out)
{
	struct fetch_arg f = { fs, kind, ids };
	struct cgfs_obj *o = NULL;
	char key[96];
	int ret;

	if (!kinds[kind].fetch)
		return get_item(fs, kind, ids, ctx, out);
	key_of(kind, ids, 0, key, sizeof(key));
	ret = cgfs_cache_get(fs->cache, key, fetch_box, &f, ctx, &o);
	if (!ret)
		hold(out, o, &((struct box *)o)->m);
	return ret;
}

int cgfs_obj_peek(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
		  struct cgfs_ref *out)
{
	struct cgfs_obj *o;
	char key[96];

	if (!kinds[kind].fetch)
		return get_item(fs, kind, ids, NULL, out);
	key_of(kind, ids, 0, key, sizeof(key));
	o = cgfs_cache_peek(fs->cache, key);
	if (!o)
		return -ENOENT;
	hold(out, o, &((struct box *)o)->m);
	return 0;
}

void cgfs_ref_drop(struct cgfs_ref *ref)
{
	cgfs_obj_unref(ref->obj);
	memset(ref, 0, sizeof(*ref));
}

void cgfs_obj_forget(struct cgfs *fs, unsigned set, const struct cgfs_ids *ids)
{
	for (int kind = 0; kind < CGFS_RES_COUNT; kind++) {
		char key[96];

		if (!(set & CGFS_RES_BIT(kind)))
			continue;
		/* An item lives in its list: forget the list. */
		if (!kinds[kind].fetch) {
			cgfs_obj_forget(fs, CGFS_RES_BIT(kinds[kind].parent), ids);
			continue;
		}
		if (key_of((enum cgfs_res)kind, ids, 1, key, sizeof(key)))
			cgfs_cache_invalidate_prefix(fs->cache, key);
		else
			cgfs_cache_invalidate(fs->cache, key);
		if (kinds[kind].persist && ids->run != CG_NONE) {
			/* The run changed through this mount: its disk copies are
			 * stale, and its logs may grow again. */
			cgfs_disk_drop(fs->disk, CGFS_DISK_RUN, ids->org, ids->run);
			cgfs_disk_drop(fs->disk, CGFS_DISK_LOGS, ids->org, ids->run);
			cgfs_logs_reopen(fs, ids->org, ids->run);
		}
	}
}

void cgfs_obj_note_error(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
			 const struct cgfs_ctx *ctx, const struct cg_error *err)
{
	char key[96];

	key_of(kind, ids, 0, key, sizeof(key));
	cgfs_cache_note_error(fs->cache, key, ctx, err);
}

int cgfs_obj_last_error(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
			struct cg_buf *out)
{
	char key[96];

	key_of(kind, ids, 0, key, sizeof(key));
	return cgfs_cache_last_error(fs->cache, key, out);
}

size_t cgfs_list_count(enum cgfs_res kind, const void *model)
{
	if (kind == CGFS_RES_RUNS || kind == CGFS_RES_USER_RUNS)
		return ((const struct cgfs_id_list *)model)->n;
	return ((const struct page_layout *)model)->n;
}

int64_t cgfs_list_id(enum cgfs_res kind, const void *model, size_t i)
{
	const struct page_layout *page = model;

	if (kind == CGFS_RES_RUNS || kind == CGFS_RES_USER_RUNS)
		return ((const struct cgfs_id_list *)model)->ids[i];
	return *(const int64_t *)((const char *)page->items + i * kinds[kind].elem);
}

int cgfs_res_persists(enum cgfs_res kind)
{
	return kinds[kind].persist;
}

enum cgfs_res cgfs_res_list_of(enum cgfs_res kind)
{
	return kinds[kind].fetch ? kind : kinds[kind].parent;
}
