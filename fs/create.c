/* create.c - a draft becomes a create request (see create.h). */
#include "create.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draft.h"
#include "objects.h"
#include "routes.h"

/* The repo a draft names ("456" or a repo's name or full name). */
static int draft_repo(struct cgfs_req *r, const char *text, int64_t *id, char *why,
		      size_t why_size)
{
	struct cgfs_ids ids = { r->org, CG_NONE, CG_NONE, CG_NONE };
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

/* Send a parsed draft: 0 and *created, or -errno with why. */
static int send(struct cgfs_req *r, const struct cgfs_draft *d, struct cg_run *created,
		struct cg_error *err, char *why, size_t why_size)
{
	struct cg_create_run_req req = { 0 };
	char **uris = calloc(d->n_images + 1, sizeof(*uris));
	int ret = uris ? build_request(r, d, &req, uris, why, why_size) : -ENOMEM;

	if (!ret) {
		ret = cg_create_run(r->fs->client, r->org, &req, created, err);
		/* why = "HTTP <status>: <message>", or the errno's name when no
		 * answer came. */
		if (ret && err->http_status)
			snprintf(why, why_size, "HTTP %ld: %s", err->http_status, err->message);
		else if (ret)
			snprintf(why, why_size, "%s: %s", cg_errno_name(err->err), err->message);
	}
	for (size_t i = 0; uris && i < d->n_images; i++)
		free(uris[i]);
	free(uris);
	return ret;
}

int cgfs_send_draft(void *arg, int64_t org, int64_t repo, const char *name, const char *text,
		    size_t len, int64_t *run, char *why, size_t why_size)
{
	struct cg_error err = { 0 };
	struct cg_run created = { 0 };
	struct cgfs_ids ids = { org, CG_NONE, CG_NONE, CG_NONE };
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
	ret = cgfs_draft_parse(text, len, &d, why, why_size);
	if (!ret) {
		ret = send(&r, &d, &created, &err, why, why_size);
		cgfs_draft_free(&d);
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
				      CGFS_RES_BIT(CGFS_RES_USER_RUNS), &ids);
	cgfs_obj_put_run(r.fs, org, &created);
	cg_run_free(&created);
	return 0;
}
