/* test_objects.c - the resource layer (fs/objects.c) over a scripted server.
 *
 * No mount and no network: the client sends through a transport (the
 * cg_client_config seam) that answers from a script and logs every request,
 * and the cache runs on a clock the test moves.  So list paging, staleness,
 * the renewal of listed runs by their page, stale copies served on failure,
 * items of lists and invalidation by kind are asserted exactly, request by
 * request (docs/SEMANTICS.md, "Requests and freshness").  Also: the usage
 * text of the control files and the in-mount README, both made from their
 * tables.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "answers.h"
#include "cache.h"
#include "commands.h"
#include "errlog.h"
#include "files.h"
#include "logs.h"
#include "objects.h"
#include "whole.h"
#include "routes.h"

#define MAX_LOG 64

/* The scripted server: org 11 has `nruns` runs, ids 1000 + nruns - 1 down to
 * 1000 (newest first); run status comes from status_of; fail_with answers
 * every request with that HTTP status when set. */
struct server {
	int nruns;
	const char *status;          /* of every run */
	long fail_with;
	int nlog;
	char log[MAX_LOG][160];      /* "GET /v1/...?query" */
};

static struct server srv;
static double now_s;

static double test_clock(void *arg)
{
	(void)arg;
	return now_s;
}

static const char *query_of(const char *url)
{
	const char *q = strchr(url, '?');

	return q ? q + 1 : "";
}

/* The integer value of key in a query string, or dflt. */
static long long param(const char *query, const char *key, long long dflt)
{
	size_t len = strlen(key);

	for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == '=')
			return strtoll(p + len + 1, NULL, 10);
	return dflt;
}

static char *run_json(long long id, const char *status)
{
	char *s = NULL;

	ck_assert_int_ge(asprintf(&s, "{\"id\": %lld, \"organization_id\": 11, \"status\": \"%s\", "
				  "\"created_at\": \"2025-06-21T11:20:04Z\", \"summary\": \"run %lld\"}",
				  id, status, id), 0);
	return s;
}

static char *answer(const char *method, const char *url)
{
	const char *path = strstr(url, "/v1/");
	const char *query = query_of(url);
	char *body = NULL;
	long long id;

	if (strstr(path, "/agent/runs")) {
		long long skip = param(query, "skip", 0), limit = param(query, "limit", 100);
		size_t len = 0;
		FILE *f = open_memstream(&body, &len);

		fprintf(f, "{\"items\": [");
		for (long long i = skip; i < skip + limit && i < srv.nruns; i++) {
			char *run = run_json(1000 + srv.nruns - 1 - i, srv.status);

			fprintf(f, "%s%s", i > skip ? ", " : "", run);
			free(run);
		}
		fprintf(f, "], \"total\": %d, \"page\": 1, \"size\": %lld, \"pages\": 1}", srv.nruns,
			limit);
		fclose(f);
	} else if (sscanf(path, "/v1/organizations/11/agent/run/%lld", &id) == 1) {
		body = run_json(id, srv.status);
	} else if (!strncmp(path, "/v1/organizations?", 18) || !strcmp(path, "/v1/organizations")) {
		body = strdup("{\"items\": [{\"id\": 11, \"name\": \"acme\"}, {\"id\": 12, "
			      "\"name\": \"globex\"}], \"total\": 2, \"page\": 1, \"size\": 100, "
			      "\"pages\": 1}");
	} else {
		body = strdup("{\"message\": \"no such thing\", \"status_code\": 404}");
	}
	(void)method;
	return body;
}

static int scripted(void *arg, const struct cg_http_request *req, struct cg_http_response *resp,
		    struct cg_error *err)
{
	const char *path = strstr(req->url, "/v1/");

	(void)arg;
	(void)err;
	ck_assert_int_lt(srv.nlog, MAX_LOG);
	snprintf(srv.log[srv.nlog++], sizeof(srv.log[0]), "%s %s", req->method, path);
	if (srv.fail_with) {
		resp->status = srv.fail_with;
		resp->body = strdup("{\"message\": \"server on fire\", \"status_code\": 500}");
	} else {
		resp->body = answer(req->method, req->url);
		resp->status = strstr(resp->body, "no such thing") ? 404 : 200;
	}
	resp->len = strlen(resp->body);
	resp->retry_after = -1;
	return 0;
}

static struct cgfs fs;

static void setup(void)
{
	struct cg_client_config cfg = {
		.base_url = "http://127.0.0.1:1", .token = "t0ken", .no_rate_limit = 1,
		.max_retries = 1, .backoff_base_s = 0.001, .backoff_cap_s = 0.001,
		.transport = scripted,
	};
	struct cg_error err;

	memset(&srv, 0, sizeof(srv));
	srv.nruns = 250;
	srv.status = "RUNNING";
	now_s = 1000;
	memset(&fs, 0, sizeof(fs));
	fs.cfg = (struct cgfs_config){ .list_window = 250, .run_ttl = 3, .logs_ttl = 1,
				       .list_ttl = 30, .meta_ttl = 60, .missing_ttl = 5 };
	ck_assert_int_eq(cg_client_new(&cfg, &fs.client, &err), 0);
	fs.errors = cgfs_errlog_new();
	fs.cache = cgfs_cache_new(fs.cfg.missing_ttl, fs.errors);
	cgfs_cache_set_clock(fs.cache, test_clock, NULL);
	fs.logs = cgfs_logs_table_new();
	fs.answers = cgfs_answers_new();
	fs.mounted_at = 1700000000;
}

static void teardown(void)
{
	cgfs_answers_free(fs.answers);
	cgfs_logs_table_free(fs.logs);
	cgfs_cache_free(fs.cache);
	cgfs_errlog_free(fs.errors);
	cg_client_free(fs.client);
}

static const struct cgfs_ctx ctx = { "test", "/test", 0 };

static struct cgfs_ids ids(int64_t org, int64_t run, int64_t repo, int64_t user)
{
	return (struct cgfs_ids){ org, run, repo, user, NULL };
}

/* The requests since mark, joined by "; ". */
static const char *requests_since(int mark)
{
	static char out[MAX_LOG * 160];
	size_t len = 0;

	out[0] = '\0';
	for (int i = mark; i < srv.nlog; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i > mark ? "; " : "",
					srv.log[i]);
	return out;
}

static const struct cg_run *run_of(const struct cgfs_ref *ref)
{
	return ref->model;
}

/* A held run is slim (cg_run_slim): its summary is not held but comes
 * back, parsed from its JSON, for a read of it. */
static void expect_summary(const struct cgfs_ref *ref, const char *want)
{
	struct cgfs_wholes *w = cgfs_wholes_new(2);
	const void *model, *again;
	struct cgfs_whole *whole, *whole2;

	ck_assert_ptr_null(run_of(ref)->summary);
	ck_assert_ptr_nonnull(run_of(ref)->raw);
	ck_assert_int_eq(cgfs_whole_get(w, CGFS_RES_RUN, ref, offsetof(struct cg_run, summary),
					&model, &whole), 0);
	ck_assert_ptr_nonnull(whole);
	ck_assert_ptr_ne(model, ref->model);
	ck_assert_str_eq(((const struct cg_run *)model)->summary, want);
	ck_assert_int_eq(((const struct cg_run *)model)->id, run_of(ref)->id);
	/* Another field of the same object: the kept whole form. */
	ck_assert_int_eq(cgfs_whole_get(w, CGFS_RES_RUN, ref, offsetof(struct cg_run, result),
					&again, &whole2), 0);
	ck_assert_ptr_eq(again, model);
	cgfs_whole_drop(whole2);
	cgfs_whole_drop(whole);
	/* Kept nowhere (no table): a form of its own each time, as whole. */
	ck_assert_int_eq(cgfs_whole_get(NULL, CGFS_RES_RUN, ref, offsetof(struct cg_run, summary),
					&again, &whole2), 0);
	ck_assert_ptr_ne(again, model);
	ck_assert_str_eq(((const struct cg_run *)again)->summary, want);
	cgfs_whole_drop(whole2);
	/* What it keeps needs no copy; nor does a kind that is not slim. */
	ck_assert_int_eq(cgfs_whole_get(w, CGFS_RES_RUN, ref, offsetof(struct cg_run, status),
					&model, &whole), 0);
	ck_assert_ptr_null(whole);
	ck_assert_ptr_eq(model, ref->model);
	ck_assert_int_eq(cgfs_whole_get(w, CGFS_RES_ORGS, ref, 8, &model, &whole), 0);
	ck_assert_ptr_null(whole);
	cgfs_wholes_free(w);
}

/* ---- tests ------------------------------------------------------------------------ */

START_TEST(run_list_pages_the_window_and_caches_every_run)
{
	struct cgfs_ids org = ids(11, CG_NONE, CG_NONE, CG_NONE), run = ids(11, 1000, CG_NONE, CG_NONE);
	struct cgfs_ref list = { 0 }, ref = { 0 };
	const struct cgfs_id_list *l;

	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUNS, &org, &ctx, &list), 0);
	ck_assert_int_eq(srv.nlog, 3);
	ck_assert_str_eq(srv.log[0], "GET /v1/organizations/11/agent/runs?skip=0&limit=100");
	/* Pages 2 and 3 go out together (pages.h): in either order. */
	{
		int swapped = strcmp(srv.log[1], srv.log[2]) > 0;

		ck_assert_str_eq(srv.log[1 + swapped],
				 "GET /v1/organizations/11/agent/runs?skip=100&limit=100");
		ck_assert_str_eq(srv.log[2 - swapped],
				 "GET /v1/organizations/11/agent/runs?skip=200&limit=50");
	}
	l = list.model;
	ck_assert_uint_eq(l->n, 250);
	ck_assert_int_eq(l->ids[0], 1249);
	ck_assert_int_eq(l->ids[249], 1000);
	ck_assert_uint_eq(cgfs_list_count(CGFS_RES_RUNS, list.model), 250);
	ck_assert_int_eq(cgfs_list_id(CGFS_RES_RUNS, list.model, 1), 1248);
	cgfs_ref_drop(&list);
	/* Every listed run is in the cache: reading one asks nothing. */
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), 0);
	expect_summary(&ref, "run 1000");
	ck_assert_int_eq(ref.mtime, 1750504804);   /* created_at */
	cgfs_ref_drop(&ref);
	ck_assert_int_eq(srv.nlog, 3);
}
END_TEST

START_TEST(a_live_run_goes_stale_after_run_ttl_and_a_finished_one_never)
{
	struct cgfs_ids run = ids(11, 4242, CG_NONE, CG_NONE), done = ids(11, 4343, CG_NONE, CG_NONE);
	struct cgfs_ref ref = { 0 };

	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	ck_assert_str_eq(requests_since(0), "GET /v1/organizations/11/agent/run/4242");
	now_s += 2.9;
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	ck_assert_int_eq(srv.nlog, 1);
	now_s += 0.2;   /* 3.1 s: stale; not listed, so it is GET again */
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	ck_assert_str_eq(requests_since(1), "GET /v1/organizations/11/agent/run/4242");

	srv.status = "COMPLETE";
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &done, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	now_s += 1e6;
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &done, &ctx, &ref), 0);
	ck_assert_str_eq(run_of(&ref)->status, "COMPLETE");
	cgfs_ref_drop(&ref);
	ck_assert_str_eq(requests_since(2), "GET /v1/organizations/11/agent/run/4343");
}
END_TEST

START_TEST(a_stale_listed_run_is_renewed_by_its_page)
{
	struct cgfs_ids org = ids(11, CG_NONE, CG_NONE, CG_NONE), run = ids(11, 1100, CG_NONE, CG_NONE);
	struct cgfs_ref ref = { 0 };
	int mark;

	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUNS, &org, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	mark = srv.nlog;
	now_s += 4;
	srv.status = "FAILED";
	/* Run 1100 is the 150th listed: its page is skip=100. */
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), 0);
	ck_assert_str_eq(run_of(&ref)->status, "FAILED");
	cgfs_ref_drop(&ref);
	ck_assert_str_eq(requests_since(mark), "GET /v1/organizations/11/agent/runs?skip=100&limit=100");
	/* ...which renewed the 99 others on it too. */
	run.run = 1101;
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), 0);
	ck_assert_str_eq(run_of(&ref)->status, "FAILED");
	cgfs_ref_drop(&ref);
	ck_assert_int_eq(srv.nlog, mark + 1);
}
END_TEST

START_TEST(a_failed_refresh_serves_the_stale_copy_and_logs_it)
{
	struct cgfs_ids run = ids(11, 4242, CG_NONE, CG_NONE);
	struct cg_buf line = { 0 };
	struct cgfs_ref ref = { 0 };
	size_t size;
	time_t when;

	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	now_s += 10;
	srv.fail_with = 500;
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), 0);
	expect_summary(&ref, "run 4242");
	cgfs_ref_drop(&ref);
	/* One GET, retried once (the client's policy), then the old copy. */
	ck_assert_str_eq(requests_since(1), "GET /v1/organizations/11/agent/run/4242; "
					    "GET /v1/organizations/11/agent/run/4242");
	cgfs_errlog_stat(fs.errors, &size, &when);
	ck_assert_uint_gt(size, 0);
	ck_assert_int_eq(cgfs_obj_last_error(&fs, CGFS_RES_RUN, &run, &line), 0);
	ck_assert_ptr_nonnull(strstr(line.data, "test /test 500 EIO server on fire"));
	cg_buf_free(&line);
	/* No copy at all: the error itself. */
	run.run = 4343;
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_RUN, &run, &ctx, &ref), -EIO);
}
END_TEST

START_TEST(items_of_lists_and_their_missing_errno)
{
	struct cgfs_ids org = ids(12, CG_NONE, CG_NONE, CG_NONE), stranger = ids(13, CG_NONE, CG_NONE,
										 CG_NONE);
	struct cgfs_ref ref = { 0 };

	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_ORG, &org, &ctx, &ref), 0);
	ck_assert_str_eq(((const struct cg_org *)ref.model)->name, "globex");
	cgfs_ref_drop(&ref);
	/* An org you are not in: EACCES, from the list already held. */
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_ORG, &stranger, &ctx, &ref), -EACCES);
	ck_assert_str_eq(requests_since(0), "GET /v1/organizations?skip=0&limit=100");
	ck_assert_int_eq(cgfs_res_list_of(CGFS_RES_ORG), CGFS_RES_ORGS);
	ck_assert_int_eq(cgfs_res_list_of(CGFS_RES_RUN), CGFS_RES_RUN);
}
END_TEST

START_TEST(forget_by_kind_reaches_every_key_of_the_kind)
{
	struct cgfs_ids org = ids(11, CG_NONE, CG_NONE, CG_NONE), u1 = ids(11, CG_NONE, CG_NONE, 1),
			u2 = ids(11, CG_NONE, CG_NONE, 2), other = ids(12, CG_NONE, CG_NONE, 1);
	struct cgfs_ref ref = { 0 };
	struct cgfs_ids *all[] = { &org, &u1, &u2, &other };
	enum cgfs_res kinds[] = { CGFS_RES_RUNS, CGFS_RES_USER_RUNS, CGFS_RES_USER_RUNS,
				  CGFS_RES_USER_RUNS };
	int mark;

	fs.cfg.list_window = 10;
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(cgfs_obj_get(&fs, kinds[i], all[i], &ctx, &ref), 0);
		cgfs_ref_drop(&ref);
	}
	mark = srv.nlog;
	/* What a create in org 11 forgets: every run list of org 11. */
	cgfs_obj_forget(&fs, CGFS_RES_BIT(CGFS_RES_RUNS) | CGFS_RES_BIT(CGFS_RES_USER_RUNS), &org);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(cgfs_obj_get(&fs, kinds[i], all[i], &ctx, &ref), 0);
		cgfs_ref_drop(&ref);
	}
	ck_assert_str_eq(requests_since(mark),
			 "GET /v1/organizations/11/agent/runs?skip=0&limit=10; "
			 "GET /v1/organizations/11/agent/runs?user_id=1&skip=0&limit=10; "
			 "GET /v1/organizations/11/agent/runs?user_id=2&skip=0&limit=10");
	/* A forgotten item forgets its list. */
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_ORG, &org, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	mark = srv.nlog;
	cgfs_obj_forget(&fs, CGFS_RES_BIT(CGFS_RES_ORG), &org);
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_ORGS, &org, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	ck_assert_str_eq(requests_since(mark), "GET /v1/organizations?skip=0&limit=100");
}
END_TEST

/* One run list per origin, asked for with the list's source_type filter;
 * forgetting the kind for an org (no source) forgets every origin's. */
START_TEST(source_run_lists_are_one_per_origin)
{
	struct cgfs_ids slack = ids(11, CG_NONE, CG_NONE, CG_NONE), api = slack, org = slack;
	struct cgfs_ref ref = { 0 };
	int mark = srv.nlog;

	slack.source = cg_source_type_named("SLACK");
	api.source = cg_source_type_named("API");
	ck_assert_ptr_null(cg_source_type_named("slack"));
	fs.cfg.list_window = 10;
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_SOURCE_RUNS, &slack, &ctx, &ref), 0);
		ck_assert_uint_eq(cgfs_list_count(CGFS_RES_SOURCE_RUNS, ref.model), 10);
		cgfs_ref_drop(&ref);
		ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_SOURCE_RUNS, &api, &ctx, &ref), 0);
		cgfs_ref_drop(&ref);
	}
	ck_assert_str_eq(requests_since(mark),
			 "GET /v1/organizations/11/agent/runs?source_type=SLACK&skip=0&limit=10; "
			 "GET /v1/organizations/11/agent/runs?source_type=API&skip=0&limit=10");
	mark = srv.nlog;
	cgfs_obj_forget(&fs, CGFS_RES_BIT(CGFS_RES_SOURCE_RUNS), &org);
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_SOURCE_RUNS, &api, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	ck_assert_int_eq(cgfs_obj_get(&fs, CGFS_RES_SOURCE_RUNS, &slack, &ctx, &ref), 0);
	cgfs_ref_drop(&ref);
	ck_assert_str_eq(requests_since(mark),
			 "GET /v1/organizations/11/agent/runs?source_type=API&skip=0&limit=10; "
			 "GET /v1/organizations/11/agent/runs?source_type=SLACK&skip=0&limit=10");
}
END_TEST

/* A run whose JSON is over 16 KiB: its whole form is parsed for each read,
 * not kept; a small one's is kept.  Either holds the run's object while it
 * is used, and shares the slim run's JSON. */
START_TEST(whole_forms_of_big_runs_are_not_kept)
{
	static char text[24 * 1024];
	struct cgfs_wholes *w = cgfs_wholes_new(4);
	struct cgfs_obj obj = { .destroy = NULL };
	struct cgfs_ref ref = { .obj = &obj };
	struct cgfs_whole *a, *b;
	const void *ma, *mb;
	struct cg_run run;
	cJSON *j;
	int len;

	len = snprintf(text, sizeof(text), "{\"id\":7,\"status\":\"COMPLETE\",\"summary\":\"");
	memset(text + len, 'x', 20000);
	snprintf(text + len + 20000, sizeof(text) - (size_t)len - 20000, "\"}");
	j = cJSON_Parse(text);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cg_run_parse(j, &run), 0);
	cg_run_slim(&run);
	atomic_init(&obj.refs, 1);
	ref.model = &run;
	ck_assert_int_eq(cgfs_whole_get(w, CGFS_RES_RUN, &ref, offsetof(struct cg_run, summary),
					&ma, &a), 0);
	ck_assert_int_eq(cgfs_whole_get(w, CGFS_RES_RUN, &ref, offsetof(struct cg_run, summary),
					&mb, &b), 0);
	ck_assert_ptr_ne(ma, mb);
	ck_assert_uint_eq(strlen(((const struct cg_run *)ma)->summary), 20000);
	ck_assert_ptr_eq(((const struct cg_run *)ma)->raw, run.raw);
	ck_assert_int_eq(atomic_load(&obj.refs), 3);
	cgfs_whole_drop(a);
	cgfs_whole_drop(b);
	ck_assert_int_eq(atomic_load(&obj.refs), 1);
	cgfs_wholes_free(w);
	cg_run_free(&run);
	cJSON_Delete(j);
}
END_TEST

START_TEST(usage_text_is_made_from_the_tables)
{
	struct cg_buf out = { 0 };

	ck_assert_int_eq(cgfs_commands_usage(&cgfs_run_ctl, &out), 0);
	ck_assert_str_eq(out.data, "stop, ban, unban, remove-from-pr, resume <text>, refresh, "
				   "pr <pr-id> <state>");
	cg_buf_free(&out);
	ck_assert_int_eq(cgfs_commands_usage(&cgfs_org_ctl, &out), 0);
	ck_assert_str_eq(out.data, "analyze-sandbox <sandbox-id>, revoke-oauth <provider>, "
				   "slack-connect, refresh");
	cg_buf_free(&out);
}
END_TEST

/* The in-mount README lists every row of the table: the name of each
 * file and directory appears in it. */
START_TEST(readme_shows_every_row)
{
	struct cgfs_qid root = { 0 };
	struct cg_buf out = { 0 };
	struct cgfs_req r;

	cgfs_req_init(&fs, &root, "read", &r);
	ck_assert_int_eq(cgfs_file_readme(&r, &out), 0);
	ck_assert_int_eq(r.mtime, fs.mounted_at);
	ck_assert_ptr_nonnull(strstr(out.data, "\n  /orgs/<org>/runs/<run>/"));
	ck_assert_ptr_nonnull(strstr(out.data, "\n  /orgs/<org>/runs/<run>/ctl\n      commands, "
					       "one per line:\n        stop, ban, unban, "
					       "remove-from-pr, resume <text>, refresh, pr <pr-id> "
					       "<state>\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\n  /orgs/<org>/runs/<run>/prs.json\n      the run's "
					       "PR objects, as JSON\n  /orgs/<org>/runs/<run>/branches\n"
					       "      the head branch of each PR, one per line: git fetch "
					       "origin \"$(cat branches)\"\n"));
	for (size_t i = 1; i < cgfs_route_count(); i++) {
		const struct cgfs_route *row = cgfs_route_at(i);
		char name[64];
		const char *last = cgfs_route_last(row);

		snprintf(name, sizeof(name), " %s", last);
		if (*last == '{')
			snprintf(name, sizeof(name), " <%.*s>", (int)strlen(last) - 2, last + 1);
		ck_assert_msg(strstr(out.data, name), "README lacks %s", row->pattern);
	}
	cg_buf_free(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("objects");
	TCase *tc = tcase_create("objects");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, run_list_pages_the_window_and_caches_every_run);
	tcase_add_test(tc, a_live_run_goes_stale_after_run_ttl_and_a_finished_one_never);
	tcase_add_test(tc, a_stale_listed_run_is_renewed_by_its_page);
	tcase_add_test(tc, a_failed_refresh_serves_the_stale_copy_and_logs_it);
	tcase_add_test(tc, items_of_lists_and_their_missing_errno);
	tcase_add_test(tc, forget_by_kind_reaches_every_key_of_the_kind);
	tcase_add_test(tc, source_run_lists_are_one_per_origin);
	tcase_add_test(tc, whole_forms_of_big_runs_are_not_kept);
	tcase_add_test(tc, usage_text_is_made_from_the_tables);
	tcase_add_test(tc, readme_shows_every_row);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
