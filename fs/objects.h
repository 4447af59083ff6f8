/* objects.h - the API objects the mount shows, one table row per kind.
 *
 * Every file of the tree is made from a cached API object: the token's
 * user, the orgs, an org's repos and users, a run, the newest runs of an
 * org or of one user, an org's integrations, rules and OAuth status, the MCP
 * providers, a repo's check-suite settings.  Each kind is one row of the
 * table in objects.c: the ids that name one object of it (its scope), its
 * TTL class, the GET that answers it (a row of api/cg_endpoint.c, whose
 * model parses and frees it; runs and run lists have fetch functions of
 * their own, runs.h), and whether finished copies are kept on disk.  Some kinds are items of a list kind (an org is an item of
 * the orgs list): getting one gets the list and finds the item by id.
 *
 * This is the only way in: get an object of a kind for given ids, and
 * forget kinds for given ids.  Cache keys are built in one place
 * (objects.c), so a forget by kind cannot miss a key spelled elsewhere.
 */
#ifndef CGFS_OBJECTS_H
#define CGFS_OBJECTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cg_client.h"
#include "fs.h"
#include "render.h"

enum cgfs_res {
	CGFS_RES_ME,            /* struct cg_user: the token's user */
	CGFS_RES_ORGS,          /* struct cg_org_page: every org you are in */
	CGFS_RES_ORG,           /* struct cg_org: an item of ORGS (org) */
	CGFS_RES_REPOS,         /* struct cg_repo_page: an org's repos (org) */
	CGFS_RES_REPO,          /* struct cg_repo: an item of REPOS (org, repo) */
	CGFS_RES_USERS,         /* struct cg_user_page: an org's users (org) */
	CGFS_RES_USER,          /* struct cg_user: an item of USERS (org, user) */
	CGFS_RES_RUN,           /* struct cg_run (org, run) */
	CGFS_RES_RUNS,          /* struct cgfs_id_list: an org's newest runs (org) */
	CGFS_RES_USER_RUNS,     /* struct cgfs_id_list: one user's newest runs (org, user) */
	CGFS_RES_SOURCE_RUNS,   /* struct cgfs_id_list: the newest runs of one origin (org,
				 * source) */
	CGFS_RES_INTEGRATIONS,  /* struct cg_integrations (org) */
	CGFS_RES_RULES,         /* struct cg_cli_rules (org) */
	CGFS_RES_OAUTH,         /* struct cg_string_list: connected providers (org) */
	CGFS_RES_PROVIDERS,     /* struct cg_oauth_provider_list: MCP providers */
	CGFS_RES_CHECK_SUITE,   /* struct cg_check_suite (org, repo) */
	CGFS_RES_COUNT
};

/* Items per list page: the API's maximum. */
#define CGFS_PAGE 100

/* A set of kinds, for cgfs_obj_forget. */
#define CGFS_RES_BIT(k) (1u << (k))

/* The ids of one object; CG_NONE where the kind has no such id.  source
 * is a run origin from the API's table (cg_source_type_named), or NULL. */
struct cgfs_ids {
	int64_t org, run, repo, user;
	const char *source;
};

/* The newest runs of an org, of one user or of one origin, newest first. */
struct cgfs_id_list {
	int64_t *ids;
	size_t n;
	size_t left_out;   /* items of the pages left out (cg_page_meta) */
};

/* A held object: model points into it (an item points into its list) and
 * stays valid until cgfs_ref_drop.  mtime is the content's last change (a
 * run's: its created_at). */
struct cgfs_ref {
	struct cgfs_obj *obj;
	const void *model;
	time_t mtime;
};

/* Get the object of kind for ids: from the cache while fresh, else
 * fetched (single flight: one request for concurrent callers).  0 and *out
 * (drop it), or -errno: the fetch's (logged to /errors with ctx), -ENOENT
 * for an id the server does not know or an item not in its list, -EACCES
 * for an org you are not in. */
int cgfs_obj_get(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
		 const struct cgfs_ctx *ctx, struct cgfs_ref *out);

/* The cached object, fresh or stale, without fetching: 0 and *out, or
 * -ENOENT when none is held. */
int cgfs_obj_peek(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
		  struct cgfs_ref *out);

/* Accepts a zeroed ref. */
void cgfs_ref_drop(struct cgfs_ref *ref);

/* Forget the objects of every kind in the set (CGFS_RES_BIT), for ids: an
 * id that is CG_NONE where the kind is scoped by it forgets every object
 * of the kind under the other ids (every user's run list of an org).  A
 * forgotten run is dropped from the disk cache too. */
void cgfs_obj_forget(struct cgfs *fs, unsigned kinds, const struct cgfs_ids *ids);

/* A run learnt on the side (the answer to a create): cached as if fetched,
 * taking its fields (*run is emptied).  0 or -ENOMEM. */
int cgfs_obj_put_run(struct cgfs *fs, int64_t org, struct cg_run *run);

/* A failure about an object that did not come from fetching it (a
 * command, a create): a line in /errors and the object's last error. */
void cgfs_obj_note_error(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
			 const struct cgfs_ctx *ctx, const struct cg_error *err);

/* The last failure met about the object, as one line, appended to out
 * (nothing when there was none).  0 or -ENOMEM. */
int cgfs_obj_last_error(struct cgfs *fs, enum cgfs_res kind, const struct cgfs_ids *ids,
			struct cg_buf *out);

/* The ids of a list kind's object (ORGS, REPOS, USERS: their items' ids;
 * the run lists RUNS, USER_RUNS, SOURCE_RUNS: the runs'), in list order.
 * n is the count. */
size_t cgfs_list_count(enum cgfs_res kind, const void *model);
int64_t cgfs_list_id(enum cgfs_res kind, const void *model, size_t i);

/* Are finished copies of kind kept on disk (disk.h)? */
int cgfs_res_persists(enum cgfs_res kind);
/* Is kind held slim, its fields but a few parsed back from its JSON for a
 * read (a run: cg_run_slim; whole.h)? */
int cgfs_res_slim(enum cgfs_res kind);

/* The list kind an item kind is found in (ORG: ORGS); kind itself for
 * others. */
enum cgfs_res cgfs_res_list_of(enum cgfs_res kind);

/* The ids of nothing: every id CG_NONE. */
struct cgfs_ids cgfs_ids_none(void);

#endif
