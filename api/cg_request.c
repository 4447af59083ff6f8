/* cg_request.c - URL, query and body of one operation (see cg_request.h). */
#include "cg_request.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

/* Longest free-text query value accepted (provider names, source types). */
#define MAX_QUERY_VALUE 80

static int bad_argument(struct cg_error *err, const char *what)
{
	cg_error_set(err, 0, EINVAL, "%s", what);
	return -EINVAL;
}

static int out_of_memory(struct cg_error *err)
{
	cg_error_set(err, 0, ENOMEM, "out of memory");
	return -ENOMEM;
}

/* ---- path --------------------------------------------------------------- */

static const struct {
	const char *name;
	size_t off;
} placeholders[] = {
	{ "org_id", offsetof(struct cg_op_args, org_id) },
	{ "agent_run_id", offsetof(struct cg_op_args, agent_run_id) },
	{ "user_id", offsetof(struct cg_op_args, user_id) },
	{ "repo_id", offsetof(struct cg_op_args, repo_id) },
	{ "pr_id", offsetof(struct cg_op_args, pr_id) },
	{ "sandbox_id", offsetof(struct cg_op_args, sandbox_id) },
};

static const int64_t *placeholder(const struct cg_op_args *a, const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
		if (strlen(placeholders[i].name) == len && !strncmp(placeholders[i].name, name, len))
			return (const int64_t *)((const char *)a + placeholders[i].off);
	return NULL;
}

/* base_url followed by the template with every {name} replaced. */
static int build_path(const char *base_url, const char *tmpl, const struct cg_op_args *a,
		      char *buf, size_t size)
{
	size_t n;
	int w;

	w = snprintf(buf, size, "%s", base_url);
	if (w < 0 || (size_t)w >= size)
		return -ENAMETOOLONG;
	n = (size_t)w;
	for (const char *p = tmpl; *p; p++) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			const int64_t *id = close ? placeholder(a, p + 1, (size_t)(close - p - 1)) : NULL;

			if (!id)
				return -EINVAL;
			w = snprintf(buf + n, size - n, "%" PRId64, *id);
			if (w < 0 || (size_t)w >= size - n)
				return -ENAMETOOLONG;
			n += (size_t)w;
			p = close;
			continue;
		}
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return 0;
}

/* ---- query -------------------------------------------------------------- */

static int query_add(CURLU *u, const char *name, const char *value)
{
	char part[MAX_QUERY_VALUE + 32];
	int w = snprintf(part, sizeof(part), "%s=%s", name, value);

	if (w < 0 || (size_t)w >= sizeof(part))
		return -ENAMETOOLONG;
	/* URLENCODE escapes the value; the first '=' stays. */
	return curl_url_set(u, CURLUPART_QUERY, part, CURLU_APPENDQUERY | CURLU_URLENCODE)
	       == CURLUE_OK ? 0 : -ENOMEM;
}

static int query_add_int(CURLU *u, const char *name, int64_t value)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRId64, value);
	return query_add(u, name, num);
}

/* Free text that goes in a query: present and at most MAX_QUERY_VALUE. */
static int query_text_ok(const char *value)
{
	return value && *value && strlen(value) <= MAX_QUERY_VALUE;
}

static int check_query(unsigned q, const struct cg_op_args *a, struct cg_error *err)
{
	const struct cg_run_filter *f = a->filter;

	if ((q & CG_Q_SOURCE_TYPE) && f && f->source_type && strlen(f->source_type) > MAX_QUERY_VALUE)
		return bad_argument(err, "source_type is too long");
	if ((q & CG_Q_PROVIDER) && !query_text_ok(a->provider))
		return bad_argument(err, "a provider name (up to 80 bytes) is needed");
	return 0;
}

static int add_query(CURLU *u, unsigned q, const struct cg_op_args *a)
{
	const struct cg_run_filter *f = a->filter;
	int ret = 0;

	if (!ret && (q & CG_Q_USER_ID) && f && f->user_id != CG_NONE)
		ret = query_add_int(u, "user_id", f->user_id);
	if (!ret && (q & CG_Q_SOURCE_TYPE) && f && f->source_type)
		ret = query_add(u, "source_type", f->source_type);
	if (!ret && (q & CG_Q_PROVIDER))
		ret = query_add(u, "provider", a->provider);
	if (!ret && (q & CG_Q_SKIP))
		ret = query_add_int(u, "skip", a->skip);
	if (!ret && (q & CG_Q_LIMIT))
		ret = query_add_int(u, "limit", a->limit);
	if (!ret && (q & CG_Q_REVERSE) && a->reverse)
		ret = query_add(u, "reverse", "true");
	if (!ret && (q & CG_Q_REPO_ID))
		ret = query_add_int(u, "repo_id", a->repo_id);
	if (!ret && (q & CG_Q_ORG_ID))
		ret = query_add_int(u, "org_id", a->org_id);
	return ret;
}

/* The full URL, escaped by libcurl (caller frees with free()). */
static int build_url(const char *base_url, const struct cg_endpoint_info *info,
		     const struct cg_op_args *a, char **out)
{
	char path[1024], *text = NULL;
	CURLU *u;
	int ret;

	ret = build_path(base_url, info->path, a, path, sizeof(path));
	if (ret)
		return ret;
	if (!info->query) {
		*out = strdup(path);
		return *out ? 0 : -ENOMEM;
	}
	u = curl_url();
	if (!u)
		return -ENOMEM;
	ret = curl_url_set(u, CURLUPART_URL, path, 0) == CURLUE_OK ? 0 : -EINVAL;
	if (!ret)
		ret = add_query(u, info->query, a);
	if (!ret && curl_url_get(u, CURLUPART_URL, &text, 0) != CURLUE_OK)
		ret = -ENOMEM;
	if (!ret) {
		*out = strdup(text);
		ret = *out ? 0 : -ENOMEM;
	}
	curl_free(text);
	curl_url_cleanup(u);
	return ret;
}

/* ---- bodies ------------------------------------------------------------- */

/* Add "images": [...] to body when there are any. */
static int add_images(cJSON *body, const char *const *images, size_t n)
{
	cJSON *arr;

	if (!n)
		return 0;
	arr = cJSON_AddArrayToObject(body, "images");
	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(images[i]);

		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return -ENOMEM;
		}
	}
	return 0;
}

static int create_run_body(const struct cg_op_args *a, cJSON *body, struct cg_error *err)
{
	const struct cg_create_run_req *req = a->create;
	cJSON *meta;

	if (!cJSON_AddStringToObject(body, "prompt", req->prompt) ||
	    add_images(body, req->images, req->n_images))
		return out_of_memory(err);
	if (req->metadata_json) {
		meta = cJSON_Parse(req->metadata_json);
		if (!cJSON_IsObject(meta)) {
			cJSON_Delete(meta);
			return bad_argument(err, "metadata must be a JSON object");
		}
		cJSON_AddItemToObject(body, "metadata", meta);
	}
	if ((req->repo_id != CG_NONE &&
	     !cJSON_AddNumberToObject(body, "repo_id", (double)req->repo_id)) ||
	    (req->model && !cJSON_AddStringToObject(body, "model", req->model)) ||
	    (req->agent_type && !cJSON_AddStringToObject(body, "agent_type", req->agent_type)))
		return out_of_memory(err);
	return 0;
}

static int fill_body(enum cg_body kind, const struct cg_op_args *a, cJSON *body,
		     struct cg_error *err)
{
	int ok = 1;

	switch (kind) {
	case CG_BODY_CREATE_RUN:
		return create_run_body(a, body, err);
	case CG_BODY_RESUME_RUN:
		ok = cJSON_AddNumberToObject(body, "agent_run_id", (double)a->agent_run_id) &&
		     cJSON_AddStringToObject(body, "prompt", a->prompt) &&
		     !add_images(body, a->images, a->n_images);
		break;
	case CG_BODY_RUN_ID:
		ok = cJSON_AddNumberToObject(body, "agent_run_id", (double)a->agent_run_id) != NULL;
		break;
	case CG_BODY_PR_STATE:
		ok = cJSON_AddStringToObject(body, "state", a->state) != NULL;
		break;
	case CG_BODY_SETUP:
		ok = cJSON_AddNumberToObject(body, "repo_id", (double)a->repo_id) &&
		     (!a->prompt || cJSON_AddStringToObject(body, "prompt", a->prompt));
		break;
	case CG_BODY_ORG_ID:
		ok = cJSON_AddNumberToObject(body, "org_id", (double)a->org_id) != NULL;
		break;
	case CG_BODY_NONE:
	case CG_BODY_SETTINGS:
		break;
	}
	return ok ? 0 : out_of_memory(err);
}

/* Arguments a body cannot be built from, refused before anything else. */
static int check_body(enum cg_body kind, const struct cg_op_args *a, struct cg_error *err)
{
	static const char *const states[] = { "open", "closed", "draft", "ready_for_review" };
	int known = 0;

	switch (kind) {
	case CG_BODY_CREATE_RUN:
		return a->create && a->create->prompt ? 0 : bad_argument(err, "a run needs a prompt");
	case CG_BODY_RESUME_RUN:
		return a->prompt ? 0 : bad_argument(err, "a resume needs a prompt");
	case CG_BODY_PR_STATE:
		for (size_t i = 0; a->state && i < sizeof(states) / sizeof(states[0]); i++)
			known |= !strcmp(a->state, states[i]);
		return known ? 0 : bad_argument(err,
			"PR state must be open, closed, draft or ready_for_review");
	default:
		return 0;
	}
}

/* The body text of ep, or NULL for none. */
static int build_body(enum cg_body kind, const struct cg_op_args *a, char **out,
		      struct cg_error *err)
{
	cJSON *body;
	int ret;

	*out = NULL;
	if (kind == CG_BODY_NONE)
		return 0;
	if (kind == CG_BODY_SETTINGS) {
		body = a->settings_json ? cJSON_Parse(a->settings_json) : NULL;
		if (!cJSON_IsObject(body)) {
			cJSON_Delete(body);
			return bad_argument(err, "check-suite settings must be a JSON object");
		}
	} else {
		body = cJSON_CreateObject();
		if (!body)
			return out_of_memory(err);
		ret = fill_body(kind, a, body, err);
		if (ret)
			goto out_free_body;
	}
	*out = cJSON_PrintUnformatted(body);
	ret = *out ? 0 : out_of_memory(err);
out_free_body:
	cJSON_Delete(body);
	return ret;
}

/* ---- the request --------------------------------------------------------- */

int cg_request_build(const char *base_url, enum cg_endpoint ep, const struct cg_op_args *a,
		     struct cg_request *out, struct cg_error *err)
{
	const struct cg_endpoint_info *info = cg_endpoint_info(ep);
	struct cg_request r = { 0 };
	int ret;

	ret = check_body(info->body, a, err);
	if (!ret)
		ret = check_query(info->query, a, err);
	if (ret)
		return ret;
	ret = build_body(info->body, a, &r.body, err);
	if (ret)
		return ret;
	ret = build_url(base_url, info, a, &r.url);
	if (ret) {
		if (ret == -ENOMEM)
			out_of_memory(err);
		else
			cg_error_set(err, 0, -ret, "bad arguments for %s", info->name);
		cg_request_free(&r);
		return ret;
	}
	*out = r;
	return 0;
}

void cg_request_free(struct cg_request *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->body);
	r->url = NULL;
	r->body = NULL;
}
