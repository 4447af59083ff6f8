/* create.c - a draft becomes a create request (see create.h). */
#include "create.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "draft.h"
#include "events.h"
#include "objects.h"
#include "routes.h"

/* The repo a draft names ("456" or a repo's name or full name). */
static int draft_repo(struct cgfs_req *r, const char *text, int64_t *id, char *why,
		      size_t why_size)
{
	struct cgfs_ids ids = { r->org, CG_NONE, CG_NONE, CG_NONE, NULL };
	const struct cg_repo_page *repos;
	struct cgfs_ref ref = { 0 };
	int ret;

	if (!cgfs_parse_id(text, id))
		return 0;
	ret = cgfs_obj_get(r->fs, CGFS_RES_REPOS, &ids, &r->ctx, &ref);
	if (ret) {
		snprintf(why, why_size, "front matter: cannot list the repos to find '%s': %s",
			 text, strerror(-ret));
		return ret;
	}
	repos = ref.model;
	ret = -EINVAL;
	for (size_t i = 0; i < repos->n; i++) {
		const struct cg_repo *p = &repos->items[i];

		if ((p->name && !strcmp(p->name, text)) ||
		    (p->full_name && !strcmp(p->full_name, text))) {
			*id = p->id;
			ret = 0;
			break;
		}
	}
	cgfs_ref_drop(&ref);
	if (ret)
		snprintf(why, why_size, "front matter: repo '%s': no repo of org %" PRId64
			 " has that id or name", text, r->org);
	return ret;
}

/* The draft's metadata (or {}) with the marker added: *out malloc'd.  0,
 * or -EINVAL with why (the draft uses the marker's key), -ENOMEM. */
static int marked_metadata(const char *metadata, const char *marker, char **out, char *why,
			   size_t why_size)
{
	cJSON *obj = metadata ? cJSON_Parse(metadata) : cJSON_CreateObject();
	int ret = -ENOMEM;

	if (obj && cJSON_GetObjectItemCaseSensitive(obj, CGFS_OUTBOX_MARKER_KEY)) {
		snprintf(why, why_size, "front matter: metadata key '%s' is reserved for the "
			 "mark of codegen-fs", CGFS_OUTBOX_MARKER_KEY);
		ret = -EINVAL;
	} else if (obj && cJSON_IsObject(obj) &&
		   cJSON_AddStringToObject(obj, CGFS_OUTBOX_MARKER_KEY, marker)) {
		*out = cJSON_PrintUnformatted(obj);
		ret = *out ? 0 : -ENOMEM;
	}
	cJSON_Delete(obj);
	return ret;
}

/* The create request of a parsed draft: repo, images, metadata.  0, or
 * -EINVAL (-errno of a repos fetch) with why. */
static int build_request(struct cgfs_req *r, const struct cgfs_draft *d,
			 const struct cgfs_ob_attempt *at, struct cg_create_run_req *req,
			 char **uris, char **meta, char *why, size_t why_size)
{
	int ret;

	req->prompt = d->prompt;
	req->model = d->model;
	req->agent_type = d->agent_type;
	ret = marked_metadata(d->metadata, at->marker, meta, why, why_size);
	if (ret)
		return ret;
	req->metadata_json = *meta;
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

		ret = cgfs_image_data_uri(at->cwd, d->images[i], &uris[i], reason,
					  sizeof(reason));
		if (ret) {
			snprintf(why, why_size, "front matter: image: %s", reason);
			ret = -EINVAL;
		}
	}
	req->images = (const char *const *)uris;
	req->n_images = d->n_images;
	return ret;
}

/* Whether a failed create may have made a run: only a 4xx answer, a
 * connection never made, or a rate-limit token not had prove it did not. */
static int outcome_unknown(const struct cg_error *err)
{
	if (err->http_status >= 400 && err->http_status < 500)
		return 0;
	return err->http_status || (err->err != EHOSTUNREACH && err->err != EAGAIN);
}

/* The error text of a failed request: "HTTP <status>: <message>", or the
 * errno's name when no answer came. */
static void describe(const struct cg_error *err, const char *prefix, char *why,
		     size_t why_size)
{
	if (err->http_status)
		snprintf(why, why_size, "%sHTTP %ld: %s", prefix, err->http_status,
			 err->message);
	else
		snprintf(why, why_size, "%s%s: %s", prefix, cg_errno_name(err->err),
			 err->message);
}

/* Send a parsed draft: 0 and *created, or -errno with why. */
static int send(struct cgfs_req *r, const struct cgfs_draft *d, struct cgfs_ob_attempt *at,
		struct cg_run *created, struct cg_error *err, char *why, size_t why_size)
{
	struct cg_create_run_req req = { 0 };
	char **uris = calloc(d->n_images + 1, sizeof(*uris));
	char *meta = NULL;
	int ret = uris ? build_request(r, d, at, &req, uris, &meta, why, why_size)
		       : -ENOMEM;

	if (!ret) {
		ret = cg_create_run(r->fs->client, r->org, &req, created, err);
		if (ret) {
			at->unknown = outcome_unknown(err);
			describe(err, "", why, why_size);
		}
		if (ret && at->unknown) {
			size_t n = strlen(why);

			snprintf(why + n, why_size - n, " (a run may have been made; saving "
				 "again checks before sending)");
		}
	}
	for (size_t i = 0; uris && i < d->n_images; i++)
		free(uris[i]);
	free(uris);
	free(meta);
	return ret;
}

/* Whether a run's metadata holds marker. */
static int has_marker(const char *metadata, const char *marker)
{
	cJSON *obj, *v;
	int found;

	if (!metadata || !strstr(metadata, marker))
		return 0;
	obj = cJSON_Parse(metadata);
	v = cJSON_GetObjectItemCaseSensitive(obj, CGFS_OUTBOX_MARKER_KEY);
	found = cJSON_IsString(v) && strcmp(v->valuestring, marker) == 0;
	cJSON_Delete(obj);
	return found;
}

/* Look for the run whose metadata holds marker among the newest runs of
 * the org: 1 and *found, 0 when none has it, or -errno with why (and
 * err). */
static int find_marked(struct cgfs_req *r, const char *marker, struct cg_run *found,
		       struct cg_error *err, char *why, size_t why_size)
{
	for (int page = 0; page < CGFS_RESOLVE_PAGES; page++) {
		struct cg_run_page p = { 0 };
		int ret, hit = 0, last;

		ret = cg_list_runs(r->fs->client, r->org, NULL, (int64_t)page * CGFS_RESOLVE_PAGE,
				   CGFS_RESOLVE_PAGE, &p, err);
		if (ret) {
			describe(err, "not sent: an earlier send's outcome is unknown and the runs "
				 "cannot be listed to check: ", why, why_size);
			return ret;
		}
		for (size_t i = 0; i < p.n && !hit; i++) {
			if (has_marker(p.items[i].metadata, marker)) {
				*found = p.items[i];
				memset(&p.items[i], 0, sizeof(p.items[i]));
				hit = 1;
			}
		}
		last = p.n < CGFS_RESOLVE_PAGE;
		cg_run_page_free(&p);
		if (hit)
			return 1;
		if (last)
			break;
	}
	return 0;
}

int cgfs_send_draft(void *arg, int64_t org, int64_t repo, const char *name, const char *text,
		    size_t len, struct cgfs_ob_attempt *at, int64_t *run, char *why,
		    size_t why_size)
{
	struct cg_error err = { 0 };
	struct cg_run created = { 0 };
	struct cgfs_ids ids = { org, CG_NONE, CG_NONE, CG_NONE, NULL };
	struct cgfs_draft d;
	struct cgfs_qid q;
	struct cgfs_req r;
	int ret;

	ret = cgfs_qid_of(repo == CG_NONE ? "/orgs/{org}/new/{entry}"
					  : "/orgs/{org}/repos/{repo}/new/{entry}",
			  org, CG_NONE, repo, CG_NONE, name, &q);
	if (ret)
		return ret;
	cgfs_req_init(arg, &q, "create", &r);
	/* A run found is the receipt whatever the text says now: it was made
	 * from this draft. */
	ret = at->resolve ? find_marked(&r, at->marker, &created, &err, why, why_size) : 0;
	if (ret < 0)
		at->unknown = 1;
	if (!ret) {
		ret = cgfs_draft_parse(text, len, &d, why, why_size);
		if (!ret) {
			ret = send(&r, &d, at, &created, &err, why, why_size);
			cgfs_draft_free(&d);
		}
	} else if (ret == 1) {
		ret = 0;
	}
	if (ret) {
		/* Every failure goes to /errors; a reason found here (not the
		 * server's) is the why. */
		if (ret != -ENODATA && !err.err) {
			err.err = -ret;
			snprintf(err.message, sizeof(err.message), "%s", why);
		}
		if (ret != -ENODATA)
			cgfs_obj_note_error(r.fs, CGFS_RES_RUNS, &ids, &r.ctx, &err);
		return ret;
	}
	*run = created.id;
	ids.run = created.id;
	cgfs_obj_forget(r.fs, CGFS_RES_BIT(CGFS_RES_RUN) | CGFS_RES_BIT(CGFS_RES_RUNS) |
				      CGFS_RES_BIT(CGFS_RES_USER_RUNS) |
				      CGFS_RES_BIT(CGFS_RES_SOURCE_RUNS), &ids);
	cgfs_events_saw_run(r.fs, org, &created, CGFS_SEEN_CREATED);
	cgfs_obj_put_run(r.fs, org, &created);
	cg_run_free(&created);
	return 0;
}
