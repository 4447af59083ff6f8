/* objects.c - the table of API object kinds and their fetching (see objects.h).
 *
 * Read top to bottom: the box that holds one object in the cache; the
 * fetching (one GET of the kind's endpoint, every page of a list, or the
 * kind's own function: runs.c's); the table of kinds; then get, peek and
 * forget, which are the same few lines for every kind.
 */
#include "objects.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cg_request.h"
#include "disk.h"
#include "errlog.h"
#include "logs.h"
#include "pages.h"
#include "runs.h"

/* One cached object: its model follows it (model_size(kind) bytes). */
struct box {
	struct cgfs_obj base;
	enum cgfs_res kind;
	int packed;             /* a slim run's strings are in the box (box_pack) */
	_Alignas(16) unsigned char m[];
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
#define SCOPE_SOURCE 0x10   /* ids->source, after the others */

/* deadline: when the syscall that asked stops waiting (cgfs_now seconds;
 * 0: none): every request of the fetch shares it. */
typedef int (*fetch_fn)(struct cgfs *fs, const struct cgfs_ids *ids, const void *prev, void *m,
			double deadline, struct cg_error *err);

struct kind {
	const char *name;          /* its cache keys' first part */
	unsigned scope;
	enum ttl_class ttl;
	/* The GET that answers it: its model is the kind's, parsed and freed
	 * by the endpoint table (api/cg_endpoint.c); with pages, ep answers one
	 * page of a list that is fetched whole. */
	enum cg_endpoint ep;
	int pages;
	fetch_fn fetch;            /* instead of one GET of ep (runs, run lists) */
	void (*free)(void *m);     /* for a model that is not ep's answer */
	size_t size;               /* ditto: its size */
	size_t raw;                /* RAW(type): where its raw JSON (char *) is; 0: none */
	int persist;               /* finished copies are kept on disk (disk.h) */
	int slim;                  /* held without what raw says again (cg_run_slim) */
	/* Item kinds: the list holding them, the id that picks one, and the
	 * errno for an id that list does not hold. */
	enum cgfs_res parent;
	unsigned item_scope;       /* 0: not an item kind */
	int missing;
	size_t elem;               /* lists fetched whole: the size of one item */
};

/* Offsets + 1, so that 0 says "no raw JSON". */
#define RAW(type) (offsetof(type, raw) + 1)

static const struct kind kinds[CGFS_RES_COUNT];

#define PAGE CGFS_PAGE
/* A whole list stops here, whatever the server says of its total: at most
 * MAX_ITEMS / PAGE requests. */
#define MAX_ITEMS 1000

static size_t model_size(enum cgfs_res kind)
{
	return kinds[kind].size ? kinds[kind].size : cg_answer_size(kinds[kind].ep);
}

static void model_free(enum cgfs_res kind, void *m)
{
	if (kinds[kind].free)
		kinds[kind].free(m);
	else
		cg_answer_free(kinds[kind].ep, m);
}

/* ---- boxes ---------------------------------------------------------------------- */

static void box_destroy(struct cgfs_obj *o)
{
	struct box *b = (struct box *)o;

	if (b->packed) {
		struct cg_run *run = (struct cg_run *)b->m;

		run->raw = run->status = NULL;
	}
	model_free(b->kind, b->m);
	free(b);
}

static double ttl_of(const struct cgfs *fs, enum cgfs_res kind, const void *m)
{
	switch (kinds[kind].ttl) {
	case TTL_META:
		return fs->cfg.meta_ttl;
	case TTL_LIST:
		return fs->cfg.list_ttl;
	case TTL_RUN:
		/* A finished run never changes (DESIGN.md §4). */
		return cg_run_state_of(((const struct cg_run *)m)->status) == CG_RUN_FINISHED
			       ? INFINITY : fs->cfg.run_ttl;
	}
	return 0;
}

/* A zeroed box for a model of kind, or NULL. */
static struct box *box_alloc(enum cgfs_res kind)
{
	struct box *b = calloc(1, sizeof(*b) + model_size(kind));

	if (!b)
		return NULL;
	atomic_init(&b->base.refs, 1);
	b->base.destroy = box_destroy;
	b->kind = kind;
	return b;
}

static size_t box_size(const struct box *b);

/* A slim run in one allocation instead of three, its raw JSON and status
 * after the model (the allocator's header and rounding are paid once).  b
 * itself when that fails. */
static struct box *box_pack(struct box *b)
{
	struct cg_run *run = (struct cg_run *)b->m;
	size_t head = sizeof(*b) + sizeof(*run);
	size_t raw = run->raw ? strlen(run->raw) + 1 : 0;
	size_t status = run->status ? strlen(run->status) + 1 : 0;
	struct box *p = malloc(head + raw + status);
	struct cg_run *packed;

	if (!p)
		return b;
	memcpy(p, b, head);
	packed = (struct cg_run *)p->m;
	packed->raw = raw ? memcpy((char *)p + head, run->raw, raw) : NULL;
	packed->status = status ? memcpy((char *)p + head + raw, run->status, status) : NULL;
	p->packed = 1;
	free(run->raw);
	free(run->status);
	free(b);
	return p;
}

/* The box's model is filled: its freshness, mtime, signature and size, and
 * whether the disk cache gives it back (a finished run: runs.c keeps it
 * there before it is cached).  A slim kind is slimmed and packed: the box
 * to use is the one returned. */
static struct box *box_ready(struct cgfs *fs, struct box *b)
{
	const struct kind *k = &kinds[b->kind];

	if (k->slim) {
		cg_run_slim((struct cg_run *)b->m);
		b = box_pack(b);
	}
	b->base.ttl = ttl_of(fs, b->kind, b->m);
	b->base.mtime = time(NULL);
	if (k->raw)
		b->base.sig = *(char **)(b->m + k->raw - 1);
	b->base.size = box_size(b);
	b->base.on_disk = k->persist && fs->disk && isinf(b->base.ttl);
	/* A run's time is its created_at; one without shows the epoch, so
	 * that `ls -t` puts it last rather than first. */
	if (b->kind == CGFS_RES_RUN)
		b->base.mtime = ((struct cg_run *)b->m)->created_epoch != CG_NONE
			      ? (time_t)((struct cg_run *)b->m)->created_epoch : 0;
	return b;
}

/* ---- keys: built here and nowhere else --------------------------------------------- */

/* "<name>/<org>/<repo>/<user>/<run>[/<source>]", each id only where the
 * kind is scoped by it.  With stop_at_none, the key ends before the first
 * scoped id that is CG_NONE (a source: NULL), a prefix of every such key,
 * and 1 is returned. */
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
	if ((kinds[kind].scope & SCOPE_SOURCE) && len < size) {
		if (stop_at_none && !ids->source) {
			snprintf(key + len, size - len, "/");
			return 1;
		}
		snprintf(key + len, size - len, "/%s", ids->source ? ids->source : "");
	}
	return 0;
}

static int is_run_list(enum cgfs_res kind)
{
	return kind == CGFS_RES_RUNS || kind == CGFS_RES_USER_RUNS ||
	       kind == CGFS_RES_SOURCE_RUNS;
}

struct cgfs_ids cgfs_ids_none(void)
{
	return (struct cgfs_ids){ CG_NONE, CG_NONE, CG_NONE, CG_NONE, NULL };
}

/* ---- runs learnt on the side ---------------------------------------------------- */

int cgfs_obj_put_run(struct cgfs *fs, int64_t org, struct cg_run *run)
{
	struct cgfs_ids ids = { org, run->id, CG_NONE, CG_NONE, NULL };
	struct box *b = box_alloc(CGFS_RES_RUN);
	char key[96];

	if (!b) {
		cg_run_free(run);
		memset(run, 0, sizeof(*run));
		return -ENOMEM;
	}
	memcpy(b->m, run, sizeof(*run));
	memset(run, 0, sizeof(*run));
	b = box_ready(fs, b);
	key_of(CGFS_RES_RUN, &ids, 0, key, sizeof(key));
	cgfs_cache_put(fs->cache, key, &b->base);
	return 0;
}

/* ---- whole lists: orgs, an org's repos, an org's users -------------------------------- */

/* The three page types share one layout (pages.h). */
_Static_assert(offsetof(struct cg_org_page, items) == offsetof(struct cgfs_page_layout, items) &&
	       offsetof(struct cg_repo_page, items) == offsetof(struct cgfs_page_layout, items) &&
	       offsetof(struct cg_user_page, items) == offsetof(struct cgfs_page_layout, items) &&
	       offsetof(struct cg_org_page, n) == offsetof(struct cgfs_page_layout, n) &&
	       offsetof(struct cg_repo_page, n) == offsetof(struct cgfs_page_layout, n) &&
	       offsetof(struct cg_user_page, n) == offsetof(struct cgfs_page_layout, n),
	       "page structs share one layout");
/* Every item type of these lists starts with its int64_t id. */
_Static_assert(offsetof(struct cg_org, id) == 0 && offsetof(struct cg_repo, id) == 0 &&
	       offsetof(struct cg_user, id) == 0, "list items start with their id");

/* What a box holds, roughly, for the cache's bound (docs/SEMANTICS.md):
 * the box and its model; twice its raw JSON (the text, and the fields
 * parsed from it: for a slim kind, those parsed back while it is read); a
 * whole list's items twice over (their strings guessed at the items' own
 * size); a run list's ids. */
static size_t box_size(const struct box *b)
{
	const struct kind *k = &kinds[b->kind];
	size_t size = sizeof(*b) + model_size(b->kind);
	const char *raw = k->raw ? *(char *const *)(b->m + k->raw - 1) : NULL;

	if (raw)
		size += 2 * (strlen(raw) + 1);
	if (k->pages)
		size += 2 * ((const struct cgfs_page_layout *)(const void *)b->m)->n * k->elem;
	if (is_run_list(b->kind))
		size += ((const struct cgfs_id_list *)(const void *)b->m)->n * sizeof(int64_t);
	return size;
}

/* The arguments of ep's request: the ids the kind is scoped by. */
static struct cg_op_args args_of(const struct kind *k, const struct cgfs_ids *ids)
{
	struct cg_op_args a = { 0 };

	if (k->scope & SCOPE_ORG)
		a.org_id = ids->org;
	if (k->scope & SCOPE_REPO)
		a.repo_id = ids->repo;
	if (k->scope & SCOPE_USER)
		a.user_id = ids->user;
	if (k->scope & SCOPE_RUN)
		a.agent_run_id = ids->run;
	return a;
}

/* Every page of a list, gathered into m as one page, all within deadline. */
static int fetch_all_pages(struct cgfs *fs, const struct cgfs_ids *ids, enum cgfs_res kind,
			   void *m, double deadline, struct cg_error *err)
{
	struct cg_op_args a = args_of(&kinds[kind], ids);

	a.deadline = deadline;
	return cgfs_pages_whole_list(fs->client, kinds[kind].ep, kinds[kind].elem, MAX_ITEMS, a,
				     m, err);
}

/* The kind's fetch: its own function, every page of a list, or one GET. */
static int fetch_model(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
		       const void *prev, void *m, double deadline, struct cg_error *err)
{
	const struct kind *k = &kinds[kind];
	struct cg_op_args a;

	if (k->fetch)
		return k->fetch(fs, ids, prev, m, deadline, err);
	if (k->pages)
		return fetch_all_pages(fs, ids, kind, m, deadline, err);
	a = args_of(k, ids);
	a.deadline = deadline;
	return cg_call(fs->client, k->ep, &a, m, err);
}

static int fetch_run(struct cgfs *fs, const struct cgfs_ids *ids, const void *prev, void *m,
		     double deadline, struct cg_error *err)
{
	return cgfs_fetch_run(fs, ids, prev, m, deadline, err);
}

static int fetch_run_list(struct cgfs *fs, const struct cgfs_ids *ids, const void *prev,
			  void *m, double deadline, struct cg_error *err)
{
	return cgfs_fetch_run_list(fs, ids, prev, m, deadline, err);
}

static void free_id_list(void *m)
{
	free(((struct cgfs_id_list *)m)->ids);
}

/* ---- the table -------------------------------------------------------------------------- */

static const struct kind kinds[CGFS_RES_COUNT] = {
	[CGFS_RES_ME] = { "me", 0, TTL_META, CG_EP_GET_ME, .raw = RAW(struct cg_user) },
	[CGFS_RES_ORGS] = { "orgs", 0, TTL_META, CG_EP_LIST_ORGS, .pages = 1,
			    .elem = sizeof(struct cg_org) },
	/* The API answers 403 for every org id you are not in, existing or
	 * not, so the mount says EACCES without asking. */
	[CGFS_RES_ORG] = { "org", SCOPE_ORG, TTL_META, .parent = CGFS_RES_ORGS,
			   .item_scope = SCOPE_ORG, .missing = EACCES },
	[CGFS_RES_REPOS] = { "repos", SCOPE_ORG, TTL_META, CG_EP_LIST_REPOS, .pages = 1,
			     .elem = sizeof(struct cg_repo) },
	[CGFS_RES_REPO] = { "repo", SCOPE_ORG | SCOPE_REPO, TTL_META, .parent = CGFS_RES_REPOS,
			    .item_scope = SCOPE_REPO, .missing = ENOENT },
	[CGFS_RES_USERS] = { "users", SCOPE_ORG, TTL_META, CG_EP_LIST_USERS, .pages = 1,
			     .elem = sizeof(struct cg_user) },
	[CGFS_RES_USER] = { "user", SCOPE_ORG | SCOPE_USER, TTL_META, .parent = CGFS_RES_USERS,
			    .item_scope = SCOPE_USER, .missing = ENOENT },
	[CGFS_RES_RUN] = { "run", SCOPE_ORG | SCOPE_RUN, TTL_RUN, CG_EP_GET_RUN,
			   .fetch = fetch_run, .raw = RAW(struct cg_run), .persist = 1, .slim = 1 },
	[CGFS_RES_RUNS] = { "runs", SCOPE_ORG, TTL_LIST, CG_EP_LIST_RUNS, .fetch = fetch_run_list,
			    .free = free_id_list, .size = sizeof(struct cgfs_id_list) },
	[CGFS_RES_USER_RUNS] = { "uruns", SCOPE_ORG | SCOPE_USER, TTL_LIST, CG_EP_LIST_RUNS,
				 .fetch = fetch_run_list, .free = free_id_list,
				 .size = sizeof(struct cgfs_id_list) },
	/* The list's own source_type filter: by-source/<SOURCE>. */
	[CGFS_RES_SOURCE_RUNS] = { "sruns", SCOPE_ORG | SCOPE_SOURCE, TTL_LIST, CG_EP_LIST_RUNS,
				   .fetch = fetch_run_list, .free = free_id_list,
				   .size = sizeof(struct cgfs_id_list) },
	[CGFS_RES_INTEGRATIONS] = { "integrations", SCOPE_ORG, TTL_META, CG_EP_INTEGRATIONS,
				    .raw = RAW(struct cg_integrations) },
	[CGFS_RES_RULES] = { "rules", SCOPE_ORG, TTL_META, CG_EP_CLI_RULES,
			     .raw = RAW(struct cg_cli_rules) },
	[CGFS_RES_OAUTH] = { "oauth", SCOPE_ORG, TTL_META, CG_EP_OAUTH_STATUS },
	[CGFS_RES_PROVIDERS] = { "providers", 0, TTL_META, CG_EP_MCP_PROVIDERS,
				 .raw = RAW(struct cg_oauth_provider_list) },
	[CGFS_RES_CHECK_SUITE] = { "checksuite", SCOPE_ORG | SCOPE_REPO, TTL_META,
				   CG_EP_GET_CHECK_SUITE, .raw = RAW(struct cg_check_suite) },
};

/* ---- get, peek, forget ------------------------------------------------------------------ */

struct fetch_arg {
	struct cgfs *fs;
	enum cgfs_res kind;
	const struct cgfs_ids *ids;
	const struct cgfs_ctx *ctx;   /* the asking syscall's: its deadline, for /errors */
};

/* Lines of one fetch about what it left out; past this, one line says how
 * many more there were. */
#define LEFT_OUT_LINES 10

static void left_out_line(struct fetch_arg *f, int *lines, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void left_out_line(struct fetch_arg *f, int *lines, const char *fmt, ...)
{
	struct cg_error err = { .http_status = 200, .err = EIO };
	va_list ap;

	if (++*lines > LEFT_OUT_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	cgfs_errlog_add(f->fs->errors, f->ctx ? f->ctx->op : "fetch",
			f->ctx ? f->ctx->path : kinds[f->kind].name, &err);
}

/* How many items of the answer were left out (objects.h: no usable id, not
 * an object, an id again, past the cap). */
static size_t left_out_of(enum cgfs_res kind, const void *m)
{
	if (kinds[kind].pages)
		return ((const struct cgfs_page_layout *)m)->meta.left_out;
	switch (kind) {
	case CGFS_RES_RUNS:
	case CGFS_RES_USER_RUNS:
	case CGFS_RES_SOURCE_RUNS: return ((const struct cgfs_id_list *)m)->left_out;
	case CGFS_RES_OAUTH:       return ((const struct cg_string_list *)m)->left_out;
	case CGFS_RES_PROVIDERS:   return ((const struct cg_oauth_provider_list *)m)->left_out;
	default:                   return 0;
	}
}

/* A fetched answer's left-out items, and orgs whose name the orgs/ names
 * leave out, go to /errors: once per answer, not once per listing. */
static void note_left_out(struct fetch_arg *f, const void *m)
{
	size_t n = left_out_of(f->kind, m);
	int lines = 0;

	if (!f->fs->errors)
		return;
	if (n)
		left_out_line(f, &lines, "%zu item%s of the answer left out: no usable id, not "
			      "an object, an id again, or past %d", n, n == 1 ? "" : "s",
			      CG_JSON_MAX_ITEMS);
	if (f->kind == CGFS_RES_ORGS) {
		const struct cg_org_page *orgs = m;

		for (size_t i = 0; i < orgs->n; i++) {
			size_t first = cgfs_orgname_owner(orgs, i);

			if (first == i || !orgs->items[i].name)
				continue;   /* listed, or no name to leave out */
			if (first == SIZE_MAX)
				left_out_line(f, &lines, "org %" PRId64 ": its name is not a file "
					      "name: left out of the names", orgs->items[i].id);
			else
				left_out_line(f, &lines, "org %" PRId64 ": its name is org %"
					      PRId64 "'s: left out of the names",
					      orgs->items[i].id, orgs->items[first].id);
		}
	}
	if (lines > LEFT_OUT_LINES)
		left_out_line(f, &(int){ 0 }, "%d more lines of what was left out",
			      lines - LEFT_OUT_LINES);
}

/* The cache's fetch function: the kind's fetch, into a new box.  A fetch
 * writes its model only on success. */
static int fetch_box(void *arg, const struct cgfs_obj *prev, struct cgfs_obj **out,
		     struct cg_error *err)
{
	struct fetch_arg *f = arg;
	struct box *b = box_alloc(f->kind);
	int ret;

	if (!b)
		return cg_error_nomem(err);
	ret = fetch_model(f->fs, f->kind, f->ids, prev ? ((const struct box *)prev)->m : NULL,
			  b->m, f->ctx ? f->ctx->deadline : 0, err);
	if (ret) {
		free(b);
		return ret;
	}
	note_left_out(f, b->m);
	b = box_ready(f->fs, b);
	*out = &b->base;
	return 0;
}

/* The item with id in a whole list, or NULL. */
static const void *find_item(enum cgfs_res list, const void *m, int64_t id)
{
	const struct cgfs_page_layout *page = m;

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
	struct fetch_arg f = { fs, kind, ids, ctx };
	struct cgfs_obj *o = NULL;
	char key[96];
	int ret;

	if (kinds[kind].item_scope)
		return get_item(fs, kind, ids, ctx, out);
	key_of(kind, ids, 0, key, sizeof(key));
	ret = cgfs_cache_get(fs->cache, key, fetch_box, &f, ctx, &o);
	if (!ret)
		hold(out, o, ((struct box *)o)->m);
	return ret;
}

int cgfs_obj_peek(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
		  struct cgfs_ref *out)
{
	struct cgfs_obj *o;
	char key[96];

	if (kinds[kind].item_scope)
		return get_item(fs, kind, ids, NULL, out);
	key_of(kind, ids, 0, key, sizeof(key));
	o = cgfs_cache_peek(fs->cache, key);
	if (!o)
		return -ENOENT;
	hold(out, o, ((struct box *)o)->m);
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
		if (kinds[kind].item_scope) {
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
	if (is_run_list(kind))
		return ((const struct cgfs_id_list *)model)->n;
	return ((const struct cgfs_page_layout *)model)->n;
}

int64_t cgfs_list_id(enum cgfs_res kind, const void *model, size_t i)
{
	const struct cgfs_page_layout *page = model;

	if (is_run_list(kind))
		return ((const struct cgfs_id_list *)model)->ids[i];
	return *(const int64_t *)((const char *)page->items + i * kinds[kind].elem);
}

int cgfs_res_persists(enum cgfs_res kind)
{
	return kinds[kind].persist;
}

int cgfs_res_slim(enum cgfs_res kind)
{
	return kinds[kind].slim;
}

enum cgfs_res cgfs_res_list_of(enum cgfs_res kind)
{
	return kinds[kind].item_scope ? kinds[kind].parent : kind;
}
