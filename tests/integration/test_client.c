/* test_client.c - the API client against the fake Codegen API.
 *
 * Every operation: the parsed result compared with what the fake serves,
 * and the exact request the fake received (method, path, query, body).
 * Every fault mode: its errno, within the deadline.  Rate limits: 2,000
 * requests against a fake enforcing them (with shortened windows) draw no
 * 429.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "cg_client.h"
#include "cg_ratelimit.h"
#include "cg_request.h"
#include "fake.h"

static struct fake F;

/* ---- helpers ---------------------------------------------------------------- */

struct client_opts {
	long deadline_ms;
	int rate_limit;
	double scale;
	size_t cap;
	const char *token;
};

static struct cg_client *client_with(struct client_opts o)
{
	struct cg_client_config cfg = {
		.base_url = F.url,
		.token = o.token ? o.token : FAKE_TOKEN,
		.deadline_ms = o.deadline_ms ? o.deadline_ms : 10000,
		.connect_timeout_ms = 2000,
		.no_rate_limit = !o.rate_limit,
		.rate_time_scale = o.scale,
		.max_response_bytes = o.cap,
		.backoff_base_s = 0.05,
		.backoff_cap_s = 0.4,
	};
	struct cg_client *c = NULL;
	struct cg_error err = { 0 };

	ck_assert_int_eq(cg_client_new(&cfg, &c, &err), 0);
	return c;
}

static struct cg_client *client(void)
{
	return client_with((struct client_opts){ 0 });
}

static void control(const char *method, const char *path, const char *body)
{
	cJSON_Delete(fake_control(&F, method, path, body));
}

static void clear_log(void)
{
	control("DELETE", "/_control/requests", NULL);
}

/* Reset the fake to its sample data, rate limits off, empty log. */
static void setup(void)
{
	control("POST", "/_control/reset", NULL);
	control("POST", "/_control/config", "{\"rate_limits\": false, \"stop_route\": true}");
}

static void teardown(void)
{
}

/* The fake's own answer for a GET, fetched directly (not through the
 * client), so the client's parse can be compared with it. */
static cJSON *raw_get(const char *path)
{
	char *text = NULL;
	long status = fake_http(&F, "GET", path, NULL, FAKE_TOKEN, &text);
	cJSON *json;

	ck_assert_int_eq(status, 200);
	json = cJSON_Parse(text);
	ck_assert_ptr_nonnull(json);
	free(text);
	clear_log();
	return json;
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t int_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : CG_NONE;
}

static void assert_same_str(const char *got, const char *want)
{
	if (!want)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, want);
}

/* The request log must hold exactly one request, equal to this. body is
 * compared as JSON (NULL: no body). */
static void expect_request(const char *method, const char *path, const char *query,
			   const char *body)
{
	cJSON *list = fake_requests(&F, 0);
	const cJSON *r;

	ck_assert_int_eq(cJSON_GetArraySize(list), 1);
	r = cJSON_GetArrayItem(list, 0);
	ck_assert_str_eq(str_of(r, "method"), method);
	ck_assert_str_eq(str_of(r, "path"), path);
	ck_assert_str_eq(str_of(r, "query"), query);
	ck_assert_str_eq(str_of(r, "auth"), "ok");
	if (!body) {
		const char *b = str_of(r, "body");
		ck_assert(b == NULL || *b == '\0');
	} else {
		cJSON *want = cJSON_Parse(body);
		cJSON *got = cJSON_Parse(str_of(r, "body"));

		ck_assert_ptr_nonnull(want);
		ck_assert_msg(cJSON_Compare(want, got, 1), "body %s, want %s",
			      str_of(r, "body"), body);
		ck_assert_str_eq(str_of(r, "content_type"), "application/json");
		cJSON_Delete(want);
		cJSON_Delete(got);
	}
	cJSON_Delete(list);
}

static int count_requests(void)
{
	cJSON *list = fake_requests(&F, 0);
	int n = cJSON_GetArraySize(list);

	cJSON_Delete(list);
	return n;
}

static int count_status(int status)
{
	cJSON *list = fake_requests(&F, 0);
	const cJSON *r;
	int n = 0;

	cJSON_ArrayForEach(r, list)
		n += int_of(r, "status") == status;
	cJSON_Delete(list);
	return n;
}

static void assert_run_matches(const struct cg_run *run, const cJSON *want)
{
	ck_assert_int_eq(run->id, int_of(want, "id"));
	ck_assert_int_eq(run->organization_id, int_of(want, "organization_id"));
	assert_same_str(run->status, str_of(want, "status"));
	assert_same_str(run->created_at, str_of(want, "created_at"));
	assert_same_str(run->web_url, str_of(want, "web_url"));
	assert_same_str(run->result, str_of(want, "result"));
	assert_same_str(run->summary, str_of(want, "summary"));
	assert_same_str(run->source_type, str_of(want, "source_type"));
}

/* ---- reads --------------------------------------------------------------------- */

START_TEST(test_get_me)
{
	struct cg_client *c = client();
	struct cg_user me = { 0 };
	struct cg_error err = { 0 };

	ck_assert_int_eq(cg_get_me(c, &me, &err), 0);
	ck_assert_int_eq(me.id, 1);
	ck_assert_str_eq(me.github_username, "alice-dev");
	ck_assert_str_eq(me.email, "alice@example.com");
	ck_assert_str_eq(me.full_name, "Alice Example");
	ck_assert_str_eq(me.role, "ADMIN");
	ck_assert_int_eq(me.is_admin, 1);
	expect_request("GET", "/v1/users/me", "", NULL);
	cg_user_free(&me);
	cg_client_free(c);
}
END_TEST

START_TEST(test_list_orgs)
{
	struct cg_client *c = client();
	struct cg_org_page page = { 0 };

	ck_assert_int_eq(cg_list_orgs(c, 0, 100, &page, NULL), 0);
	ck_assert_uint_eq(page.n, 2);
	ck_assert_int_eq(page.meta.total, 2);
	ck_assert_int_eq(page.meta.page, 1);
	ck_assert_int_eq(page.meta.size, 100);
	ck_assert_int_eq(page.meta.pages, 1);
	ck_assert_int_eq(page.items[0].id, 11);
	ck_assert_str_eq(page.items[0].name, "acme");
	ck_assert_int_eq(page.items[1].id, 12);
	ck_assert_str_eq(page.items[1].name, "globex");
	ck_assert_int_ne(page.items[0].enable_pr_creation, -1);
	expect_request("GET", "/v1/organizations", "skip=0&limit=100", NULL);
	cg_org_page_free(&page);
	cg_client_free(c);
}
END_TEST

START_TEST(test_list_users_and_get_user)
{
	struct cg_client *c = client();
	struct cg_user_page page = { 0 };
	struct cg_user u = { 0 };
	cJSON *want = raw_get("/v1/organizations/11/users?skip=2&limit=3");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(want, "items");

	ck_assert_int_eq(cg_list_users(c, 11, 2, 3, &page, NULL), 0);
	expect_request("GET", "/v1/organizations/11/users", "skip=2&limit=3", NULL);
	ck_assert_uint_eq(page.n, 3);
	ck_assert_int_eq(page.meta.total, 8);
	ck_assert_int_eq(page.meta.page, 1);
	ck_assert_int_eq(page.meta.pages, 3);
	for (size_t i = 0; i < page.n; i++) {
		const cJSON *w = cJSON_GetArrayItem(items, (int)i);

		ck_assert_int_eq(page.items[i].id, int_of(w, "id"));
		assert_same_str(page.items[i].email, str_of(w, "email"));
		assert_same_str(page.items[i].full_name, str_of(w, "full_name"));
		assert_same_str(page.items[i].github_username, str_of(w, "github_username"));
		assert_same_str(page.items[i].role, str_of(w, "role"));
	}
	clear_log();
	ck_assert_int_eq(cg_get_user(c, 11, page.items[0].id, &u, NULL), 0);
	ck_assert_int_eq(u.id, page.items[0].id);
	ck_assert_str_eq(u.github_username, page.items[0].github_username);
	{
		char path[64];

		snprintf(path, sizeof(path), "/v1/organizations/11/users/%" PRId64, u.id);
		expect_request("GET", path, "", NULL);
	}
	cg_user_free(&u);
	cg_user_page_free(&page);
	cJSON_Delete(want);
	cg_client_free(c);
}
END_TEST

START_TEST(test_list_repos)
{
	struct cg_client *c = client();
	struct cg_repo_page page = { 0 };
	cJSON *want = raw_get("/v1/organizations/11/repos?skip=0&limit=100");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(want, "items");
	int found_payments = 0;

	ck_assert_int_eq(cg_list_repos(c, 11, 0, 100, &page, NULL), 0);
	expect_request("GET", "/v1/organizations/11/repos", "skip=0&limit=100", NULL);
	ck_assert_uint_eq(page.n, (size_t)cJSON_GetArraySize(items));
	for (size_t i = 0; i < page.n; i++) {
		const cJSON *w = cJSON_GetArrayItem(items, (int)i);

		ck_assert_int_eq(page.items[i].id, int_of(w, "id"));
		assert_same_str(page.items[i].name, str_of(w, "name"));
		assert_same_str(page.items[i].full_name, str_of(w, "full_name"));
		assert_same_str(page.items[i].language, str_of(w, "language"));
		assert_same_str(page.items[i].visibility, str_of(w, "visibility"));
		assert_same_str(page.items[i].setup_status, str_of(w, "setup_status"));
		if (page.items[i].id == 456) {
			found_payments = 1;
			ck_assert_str_eq(page.items[i].name, "payments");
			ck_assert_str_eq(page.items[i].full_name, "acme/payments");
		}
	}
	ck_assert(found_payments);
	cg_repo_page_free(&page);
	cJSON_Delete(want);
	cg_client_free(c);
}
END_TEST

START_TEST(test_list_runs_pages)
{
	struct cg_client *c = client();
	struct cg_run_page page = { 0 };
	cJSON *want = raw_get("/v1/organizations/11/agent/runs?skip=100&limit=100");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(want, "items");

	ck_assert_int_eq(cg_list_runs(c, 11, NULL, 100, 100, &page, NULL), 0);
	expect_request("GET", "/v1/organizations/11/agent/runs", "skip=100&limit=100", NULL);
	ck_assert_int_eq(page.meta.total, 1200);
	ck_assert_int_eq(page.meta.page, 2);
	ck_assert_int_eq(page.meta.size, 100);
	ck_assert_int_eq(page.meta.pages, 12);
	ck_assert_uint_eq(page.n, 100);
	for (size_t i = 0; i < page.n; i++) {
		assert_run_matches(&page.items[i], cJSON_GetArrayItem(items, (int)i));
		/* Newest first. */
		if (i)
			ck_assert_int_lt(page.items[i].id, page.items[i - 1].id);
	}
	cg_run_page_free(&page);
	cJSON_Delete(want);
	cg_client_free(c);
}
END_TEST

START_TEST(test_list_runs_filtered)
{
	struct cg_client *c = client();
	struct cg_run_page page = { 0 };
	struct cg_run_filter filter = { .user_id = 2, .source_type = "GITHUB" };
	cJSON *want = raw_get("/v1/organizations/11/agent/runs?user_id=2&source_type=GITHUB&skip=0&limit=50");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(want, "items");

	ck_assert_int_eq(cg_list_runs(c, 11, &filter, 0, 50, &page, NULL), 0);
	expect_request("GET", "/v1/organizations/11/agent/runs",
		       "user_id=2&source_type=GITHUB&skip=0&limit=50", NULL);
	ck_assert_int_gt(page.n, 0);
	ck_assert_int_lt(page.meta.total, 1200);
	ck_assert_uint_eq(page.n, (size_t)cJSON_GetArraySize(items));
	for (size_t i = 0; i < page.n; i++) {
		assert_run_matches(&page.items[i], cJSON_GetArrayItem(items, (int)i));
		ck_assert_str_eq(page.items[i].source_type, "GITHUB");
	}
	cg_run_page_free(&page);
	cJSON_Delete(want);
	cg_client_free(c);
}
END_TEST

START_TEST(test_get_run)
{
	struct cg_client *c = client();
	struct cg_run run = { 0 };
	cJSON *want = raw_get("/v1/organizations/11/agent/run/789");
	const cJSON *prs = cJSON_GetObjectItemCaseSensitive(want, "github_pull_requests");

	ck_assert_int_eq(cg_get_run(c, 11, 789, &run, NULL), 0);
	expect_request("GET", "/v1/organizations/11/agent/run/789", "", NULL);
	assert_run_matches(&run, want);
	ck_assert_uint_eq(run.n_prs, cJSON_IsArray(prs) ? (size_t)cJSON_GetArraySize(prs) : 0);
	for (size_t i = 0; i < run.n_prs; i++) {
		const cJSON *p = cJSON_GetArrayItem(prs, (int)i);

		ck_assert_int_eq(run.prs[i].id, int_of(p, "id"));
		assert_same_str(run.prs[i].url, str_of(p, "url"));
		assert_same_str(run.prs[i].title, str_of(p, "title"));
	}
	/* raw is the server's object. */
	{
		cJSON *raw = cJSON_Parse(run.raw);

		ck_assert(cJSON_Compare(raw, want, 1));
		cJSON_Delete(raw);
	}
	cg_run_free(&run);
	cJSON_Delete(want);
	cg_client_free(c);
}
END_TEST

START_TEST(test_run_logs)
{
	struct cg_client *c = client();
	struct cg_run_logs logs = { 0 };
	cJSON *want = raw_get("/v1/alpha/organizations/11/agent/run/789/logs?skip=5&limit=20");
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(want, "logs");

	ck_assert_int_eq(cg_get_run_logs(c, 11, 789, 5, 20, 0, &logs, NULL), 0);
	expect_request("GET", "/v1/alpha/organizations/11/agent/run/789/logs",
		       "skip=5&limit=20", NULL);
	ck_assert_int_eq(logs.run.id, 789);
	ck_assert_int_eq(logs.total_logs, int_of(want, "total_logs"));
	ck_assert_int_eq(logs.size, 20);
	ck_assert_uint_eq(logs.n_logs, (size_t)cJSON_GetArraySize(entries));
	for (size_t i = 0; i < logs.n_logs; i++) {
		const cJSON *w = cJSON_GetArrayItem(entries, (int)i);
		cJSON *raw = cJSON_Parse(logs.logs[i].raw);

		assert_same_str(logs.logs[i].message_type, str_of(w, "message_type"));
		assert_same_str(logs.logs[i].thought, str_of(w, "thought"));
		assert_same_str(logs.logs[i].created_at, str_of(w, "created_at"));
		ck_assert(cJSON_Compare(raw, w, 1));
		cJSON_Delete(raw);
	}
	cg_run_logs_free(&logs);
	cJSON_Delete(want);

	clear_log();
	ck_assert_int_eq(cg_get_run_logs(c, 11, 789, 0, 1, 1, &logs, NULL), 0);
	expect_request("GET", "/v1/alpha/organizations/11/agent/run/789/logs",
		       "skip=0&limit=1&reverse=true", NULL);
	cg_run_logs_free(&logs);
	cg_client_free(c);
}
END_TEST

START_TEST(test_integrations_rules_oauth_mcp)
{
	struct cg_client *c = client();
	struct cg_integrations integ = { 0 };
	struct cg_cli_rules rules = { 0 };
	struct cg_string_list status = { 0 };
	struct cg_oauth_provider_list providers = { 0 };
	cJSON *want;

	want = raw_get("/v1/organizations/11/integrations");
	ck_assert_int_eq(cg_get_integrations(c, 11, &integ, NULL), 0);
	expect_request("GET", "/v1/organizations/11/integrations", "", NULL);
	ck_assert_int_eq(integ.organization_id, 11);
	ck_assert_str_eq(integ.organization_name, "acme");
	ck_assert_uint_eq(integ.n, (size_t)cJSON_GetArraySize(
		cJSON_GetObjectItemCaseSensitive(want, "integrations")));
	ck_assert_int_eq(integ.total_active_integrations,
			 int_of(want, "total_active_integrations"));
	cJSON_Delete(want);

	want = raw_get("/v1/organizations/12/cli/rules");
	ck_assert_int_eq(cg_get_cli_rules(c, 12, &rules, NULL), 0);
	expect_request("GET", "/v1/organizations/12/cli/rules", "", NULL);
	assert_same_str(rules.organization_rules, str_of(want, "organization_rules"));
	ck_assert_ptr_null(rules.user_custom_prompt);
	cJSON_Delete(want);

	want = raw_get("/v1/oauth/tokens/status?org_id=11");
	ck_assert_int_eq(cg_get_oauth_status(c, 11, &status, NULL), 0);
	expect_request("GET", "/v1/oauth/tokens/status", "org_id=11", NULL);
	ck_assert_uint_eq(status.n, (size_t)cJSON_GetArraySize(want));
	for (size_t i = 0; i < status.n; i++)
		ck_assert_str_eq(status.items[i], cJSON_GetArrayItem(want, (int)i)->valuestring);
	cJSON_Delete(want);

	clear_log();
	ck_assert_int_eq(cg_get_mcp_providers(c, &providers, NULL), 0);
	expect_request("GET", "/v1/mcp-providers", "", NULL);
	ck_assert_uint_eq(providers.n, 3);
	for (size_t i = 0; i < providers.n; i++) {
		ck_assert_int_eq(providers.items[i].is_mcp, 1);
		ck_assert_ptr_nonnull(providers.items[i].name);
	}

	cg_integrations_free(&integ);
	cg_cli_rules_free(&rules);
	cg_string_list_free(&status);
	cg_oauth_provider_list_free(&providers);
	cg_client_free(c);
}
END_TEST

START_TEST(test_check_suite_round_trip)
{
	struct cg_client *c = client();
	struct cg_check_suite s = { 0 };
	struct cg_message m = { 0 };
	struct cg_error err = { 0 };
	const char *put = "{\"check_retry_count\":4,\"ignored_checks\":[\"lint\"]}";

	ck_assert_int_eq(cg_get_check_suite(c, 11, 456, &s, NULL), 0);
	expect_request("GET", "/v1/organizations/11/repos/check-suite-settings", "repo_id=456", NULL);
	cg_check_suite_free(&s);

	clear_log();
	ck_assert_int_eq(cg_put_check_suite(c, 11, 456, put, &m, NULL), 0);
	expect_request("PUT", "/v1/organizations/11/repos/check-suite-settings", "repo_id=456", put);
	cg_message_free(&m);

	clear_log();
	ck_assert_int_eq(cg_get_check_suite(c, 11, 456, &s, NULL), 0);
	ck_assert_int_eq(s.check_retry_count, 4);
	ck_assert_uint_eq(s.ignored_checks.n, 1);
	ck_assert_str_eq(s.ignored_checks.items[0], "lint");
	cg_check_suite_free(&s);

	/* The server refuses 11 with its 422 message. */
	clear_log();
	ck_assert_int_eq(cg_put_check_suite(c, 11, 456, "{\"check_retry_count\":11}", &m, &err),
			 -EINVAL);
	ck_assert_int_eq(err.http_status, 422);
	ck_assert_int_eq(err.err, EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "body.check_retry_count"));
	ck_assert_int_eq(count_requests(), 1);

	/* Not JSON: refused locally, nothing sent. */
	clear_log();
	ck_assert_int_eq(cg_put_check_suite(c, 11, 456, "{retry", &m, &err), -EINVAL);
	ck_assert_int_eq(count_requests(), 0);
	cg_client_free(c);
}
END_TEST

/* ---- writes ------------------------------------------------------------------- */

static cJSON *control_run(int64_t id)
{
	char path[64];

	snprintf(path, sizeof(path), "/_control/runs/%" PRId64, id);
	return fake_control(&F, "GET", path, NULL);
}

START_TEST(test_create_run)
{
	struct cg_client *c = client();
	struct cg_run run = { 0 };
	const char *images[] = { "data:image/png;base64,iVBORw0KGgo=" };
	struct cg_create_run_req req = {
		.prompt = "Add retries to the payment client\nwith \"quotes\" and ünïcode",
		.images = images,
		.n_images = 1,
		.metadata_json = "{\"ticket\": \"PAY-12\"}",
		.repo_id = 456,
		.model = "claude-sonnet-4",
		.agent_type = "claude_code",
	};
	cJSON *state;

	ck_assert_int_eq(cg_create_run(c, 11, &req, &run, NULL), 0);
	expect_request("POST", "/v1/organizations/11/agent/run", "",
		       "{\"prompt\": \"Add retries to the payment client\\nwith \\\"quotes\\\" and ünïcode\","
		       " \"images\": [\"data:image/png;base64,iVBORw0KGgo=\"],"
		       " \"metadata\": {\"ticket\": \"PAY-12\"}, \"repo_id\": 456,"
		       " \"model\": \"claude-sonnet-4\", \"agent_type\": \"claude_code\"}");
	ck_assert_int_ge(run.id, 10001);
	ck_assert_str_eq(run.status, "ACTIVE");
	ck_assert_str_eq(run.source_type, "API");
	ck_assert_int_ne(run.created_epoch, CG_NONE);
	state = control_run(run.id);
	ck_assert_str_eq(str_of(state, "prompt"), req.prompt);
	ck_assert_str_eq(str_of(state, "model"), "claude-sonnet-4");
	cJSON_Delete(state);
	cg_run_free(&run);

	/* Only the prompt: no other field is sent. */
	clear_log();
	ck_assert_int_eq(cg_create_run(c, 11, &(struct cg_create_run_req){
		.prompt = "x", .repo_id = CG_NONE }, &run, NULL), 0);
	expect_request("POST", "/v1/organizations/11/agent/run", "", "{\"prompt\": \"x\"}");
	cg_run_free(&run);

	/* Metadata that is not an object: refused before sending. */
	clear_log();
	ck_assert_int_eq(cg_create_run(c, 11, &(struct cg_create_run_req){
		.prompt = "x", .repo_id = CG_NONE, .metadata_json = "[1]" }, &run, NULL), -EINVAL);
	ck_assert_int_eq(count_requests(), 0);
	cg_client_free(c);
}
END_TEST

START_TEST(test_stop)
{
	struct cg_client *c = client();
	struct cg_message m = { 0 };
	struct cg_error err = { 0 };
	cJSON *state;

	clear_log();
	ck_assert_int_eq(cg_stop_run(c, 11, 1291, &m, &err), 0);
	expect_request("POST", "/v1/beta/organizations/11/agent/run/stop", "",
		       "{\"agent_run_id\": 1291}");
	ck_assert_str_eq(m.message, "Agent run 1291 stopped.");
	cg_message_free(&m);
	state = control_run(1291);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(state, "run"), "status")->valuestring,
			 "STOPPED");
	cJSON_Delete(state);

	/* A finished run: the fake's 400. */
	ck_assert_int_eq(cg_stop_run(c, 11, 1291, &m, &err), -EINVAL);
	ck_assert_int_eq(err.http_status, 400);
	ck_assert_str_eq(err.message, "Agent run 1291 has already finished (STOPPED).");
	/* No such run: the API's 404 about the run. */
	ck_assert_int_eq(cg_stop_run(c, 11, 99999, &m, &err), -ENOENT);
	ck_assert_str_eq(err.message, "Agent run not found.");

	/* A server without the route. */
	control("POST", "/_control/config", "{\"stop_route\": false}");
	clear_log();
	ck_assert_int_eq(cg_stop_run(c, 11, 1292, &m, &err), -ENOTSUP);
	expect_request("POST", "/v1/beta/organizations/11/agent/run/stop", "",
		       "{\"agent_run_id\": 1292}");
	ck_assert_int_eq(err.err, ENOTSUP);
	ck_assert_int_eq(err.http_status, 404);
	ck_assert_str_eq(err.message, "the API does not offer stop_run: POST "
			 "/v1/beta/organizations/{org_id}/agent/run/stop answered 404 (Not Found)");
	cg_client_free(c);
}
END_TEST

START_TEST(test_resume_ban_unban_remove)
{
	struct cg_client *c = client();
	struct cg_run run = { 0 };
	struct cg_message m = { 0 };
	cJSON *state;
	const cJSON *v;

	ck_assert_int_eq(cg_resume_run(c, 11, 789, "Also add tests", NULL, 0, &run, NULL), 0);
	expect_request("POST", "/v1/organizations/11/agent/run/resume", "",
		       "{\"agent_run_id\": 789, \"prompt\": \"Also add tests\"}");
	ck_assert_int_eq(run.id, 789);
	ck_assert_str_eq(run.status, "ACTIVE");
	cg_run_free(&run);

	clear_log();
	ck_assert_int_eq(cg_ban_run(c, 11, 789, &m, NULL), 0);
	expect_request("POST", "/v1/organizations/11/agent/run/ban", "", "{\"agent_run_id\": 789}");
	ck_assert_ptr_nonnull(m.message);
	cg_message_free(&m);
	state = control_run(789);
	v = cJSON_GetObjectItemCaseSensitive(state, "banned");
	ck_assert(cJSON_IsTrue(v));
	cJSON_Delete(state);

	clear_log();
	ck_assert_int_eq(cg_unban_run(c, 11, 789, &m, NULL), 0);
	expect_request("POST", "/v1/organizations/11/agent/run/unban", "", "{\"agent_run_id\": 789}");
	cg_message_free(&m);
	state = control_run(789);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(state, "banned")));
	cJSON_Delete(state);

	clear_log();
	ck_assert_int_eq(cg_remove_from_pr(c, 11, 789, &m, NULL), 0);
	expect_request("POST", "/v1/organizations/11/agent/run/remove-from-pr", "",
		       "{\"agent_run_id\": 789}");
	cg_message_free(&m);
	state = control_run(789);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(state, "removed_from_pr")));
	cJSON_Delete(state);
	cg_client_free(c);
}
END_TEST

/* The id of some PR of org 11, from the run list. */
static int64_t some_pr(void)
{
	cJSON *page = raw_get("/v1/organizations/11/agent/runs?skip=0&limit=100");
	const cJSON *run;
	int64_t id = CG_NONE;

	cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(page, "items")) {
		const cJSON *prs = cJSON_GetObjectItemCaseSensitive(run, "github_pull_requests");

		if (cJSON_GetArraySize(prs) > 0) {
			id = int_of(cJSON_GetArrayItem(prs, 0), "id");
			break;
		}
	}
	cJSON_Delete(page);
	ck_assert_int_ne(id, CG_NONE);
	return id;
}

START_TEST(test_edit_pr)
{
	struct cg_client *c = client();
	struct cg_pr_edit e = { 0 };
	struct cg_error err = { 0 };
	int64_t pr = some_pr();
	char path[96];

	ck_assert_int_eq(cg_edit_pr(c, 11, CG_NONE, pr, "draft", &e, NULL), 0);
	snprintf(path, sizeof(path), "/v1/organizations/11/prs/%" PRId64, pr);
	expect_request("PATCH", path, "", "{\"state\": \"draft\"}");
	ck_assert_int_eq(e.success, 1);
	ck_assert_str_eq(e.state, "draft");
	cg_pr_edit_free(&e);

	/* The RESTful variant: PR 12500 lives in repo 459 (docs/FAKE-API.md). */
	clear_log();
	ck_assert_int_eq(cg_edit_pr(c, 11, 459, 12500, "ready_for_review", &e, NULL), 0);
	expect_request("PATCH", "/v1/organizations/11/repos/459/prs/12500", "",
		       "{\"state\": \"ready_for_review\"}");
	ck_assert_int_eq(e.success, 1);
	ck_assert_str_eq(e.state, "ready_for_review");
	cg_pr_edit_free(&e);

	clear_log();
	ck_assert_int_eq(cg_edit_pr(c, 11, 99999, pr, "closed", &e, &err), -ENOENT);
	snprintf(path, sizeof(path), "/v1/organizations/11/repos/99999/prs/%" PRId64, pr);
	expect_request("PATCH", path, "", "{\"state\": \"closed\"}");

	clear_log();
	ck_assert_int_eq(cg_edit_pr(c, 11, CG_NONE, pr, "merged", &e, &err), -EINVAL);
	ck_assert_int_eq(count_requests(), 0);
	cg_client_free(c);
}
END_TEST

START_TEST(test_setup_analyze_slack_revoke)
{
	struct cg_client *c = client();
	struct cg_started_run s = { 0 };
	struct cg_slack_token t = { 0 };
	struct cg_message m = { 0 };
	struct cg_string_list status = { 0 };
	struct cg_error err = { 0 };

	ck_assert_int_eq(cg_generate_setup_commands(c, 11, 456, "use uv", &s, NULL), 0);
	expect_request("POST", "/v1/organizations/11/setup-commands/generate", "",
		       "{\"repo_id\": 456, \"prompt\": \"use uv\"}");
	ck_assert_int_ge(s.agent_run_id, 10001);
	ck_assert_ptr_nonnull(s.url);
	cg_started_run_free(&s);

	clear_log();
	ck_assert_int_eq(cg_analyze_sandbox_logs(c, 11, 301, &s, NULL), 0);
	expect_request("POST", "/v1/organizations/11/sandbox/301/analyze-logs", "", NULL);
	ck_assert_int_ge(s.agent_run_id, 10001);
	ck_assert_str_eq(s.message, "Sandbox log analysis started.");
	cg_started_run_free(&s);

	clear_log();
	ck_assert_int_eq(cg_analyze_sandbox_logs(c, 11, 999, &s, &err), -ENOENT);
	ck_assert_str_eq(err.message, "Sandbox not found.");

	clear_log();
	ck_assert_int_eq(cg_slack_connect_token(c, 11, &t, NULL), 0);
	expect_request("POST", "/v1/slack-connect/generate-token", "", "{\"org_id\": 11}");
	ck_assert_uint_eq(strlen(t.token), 32);
	ck_assert_int_eq(t.expires_in_minutes, 10);
	cg_slack_token_free(&t);

	ck_assert_int_eq(cg_get_oauth_status(c, 11, &status, NULL), 0);
	ck_assert_int_gt(status.n, 0);
	{
		char *provider = strdup(status.items[0]);
		size_t before = status.n;

		cg_string_list_free(&status);
		clear_log();
		ck_assert_int_eq(cg_revoke_oauth(c, 11, provider, &m, NULL), 0);
		{
			char q[128];

			snprintf(q, sizeof(q), "provider=%s&org_id=11", provider);
			expect_request("POST", "/v1/oauth/tokens/revoke", q, NULL);
		}
		cg_message_free(&m);
		ck_assert_int_eq(cg_get_oauth_status(c, 11, &status, NULL), 0);
		ck_assert_uint_eq(status.n, before - 1);
		cg_string_list_free(&status);
		ck_assert_int_eq(cg_revoke_oauth(c, 11, provider, &m, &err), -ENOENT);
		free(provider);
	}
	cg_client_free(c);
}
END_TEST

/* ---- errors from the server --------------------------------------------------- */

START_TEST(test_http_errors)
{
	struct cg_client *c = client();
	struct cg_client *bad = client_with((struct client_opts){ .token = "wrong-token" });
	struct cg_run run = { 0 };
	struct cg_run_page page = { 0 };
	struct cg_user me = { 0 };
	struct cg_error err = { 0 };

	ck_assert_int_eq(cg_get_me(bad, &me, &err), -EACCES);
	ck_assert_int_eq(err.http_status, 401);
	ck_assert_str_eq(err.message, "the API token was rejected: Invalid or missing API token.");
	ck_assert_int_eq(count_requests(), 1);  /* 401 is not retried */
	ck_assert_ptr_null(strstr(err.message, "wrong-token"));

	clear_log();
	ck_assert_int_eq(cg_get_run(c, 13, 1, &run, &err), -EACCES);
	ck_assert_int_eq(err.http_status, 403);
	ck_assert_str_eq(err.message, "You do not have access to this organization.");

	ck_assert_int_eq(cg_get_run(c, 11, 999999, &run, &err), -ENOENT);
	ck_assert_int_eq(err.http_status, 404);
	ck_assert_str_eq(err.message, "Agent run not found.");

	ck_assert_int_eq(cg_list_runs(c, 11, NULL, 0, 101, &page, &err), -EINVAL);
	ck_assert_int_eq(err.http_status, 422);
	ck_assert_str_eq(err.message, "query.limit: Input should be less than or equal to 100");

	ck_assert_int_eq(cg_create_run(c, 11, &(struct cg_create_run_req){
		.prompt = "x", .repo_id = CG_NONE, .agent_type = "robot" }, &run, &err), -EINVAL);
	ck_assert_int_eq(err.http_status, 422);
	ck_assert_ptr_nonnull(strstr(err.message, "body.agent_type"));

	control("POST", "/_control/config", "{\"run_quota\": 0}");
	clear_log();
	ck_assert_int_eq(cg_create_run(c, 11, &(struct cg_create_run_req){
		.prompt = "x", .repo_id = CG_NONE }, &run, &err), -EDQUOT);
	ck_assert_int_eq(err.http_status, 402);
	ck_assert_ptr_nonnull(strstr(err.message, "billing plan"));
	ck_assert_int_eq(count_requests(), 1);

	cg_client_free(bad);
	cg_client_free(c);
}
END_TEST

/* ---- faults -------------------------------------------------------------------- */

static void fault(const char *json)
{
	control("POST", "/_control/faults", json);
}

/* Run a GET run 789 with a deadline and return errno (0 on success);
 * *elapsed gets the seconds it took. */
static int timed_get(long deadline_ms, size_t cap, double *elapsed, struct cg_error *err)
{
	struct cg_client *c = client_with((struct client_opts){ .deadline_ms = deadline_ms,
								.cap = cap });
	struct cg_run run = { 0 };
	double start = cg_monotonic();
	int ret = cg_get_run(c, 11, 789, &run, err);

	*elapsed = cg_monotonic() - start;
	cg_run_free(&run);
	cg_client_free(c);
	return ret;
}

START_TEST(test_fault_retried_then_ok)
{
	static const char *const kinds[] = {
		"{\"kind\": \"status\", \"status\": 500, \"count\": 2}",
		"{\"kind\": \"status\", \"status\": 503, \"count\": 2}",
		"{\"kind\": \"drop\", \"count\": 2}",
		"{\"kind\": \"truncate\", \"count\": 2}",
		"{\"kind\": \"malformed\", \"count\": 2}",
		"{\"kind\": \"429\", \"retry_after\": null, \"count\": 2}",
	};
	struct cg_error err = { 0 };
	double elapsed;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		clear_log();
		fault(kinds[i]);
		ck_assert_msg(timed_get(5000, 0, &elapsed, &err) == 0, "%s: %s", kinds[i], err.message);
		ck_assert_int_eq(count_requests(), 3);
		control("DELETE", "/_control/faults", NULL);
	}
}
END_TEST

struct fault_case {
	const char *json;
	int err;
	const char *message_part;
};

START_TEST(test_fault_persistent)
{
	static const struct fault_case cases[] = {
		{ "{\"kind\": \"status\", \"status\": 500, \"count\": null}", EIO, "Internal Server Error" },
		{ "{\"kind\": \"status\", \"status\": 502, \"count\": null}", EIO, "502" },
		{ "{\"kind\": \"status\", \"status\": 503, \"count\": null}", EIO, "503" },
		{ "{\"kind\": \"429\", \"retry_after\": 1, \"count\": null}", EAGAIN, "Rate limit exceeded" },
		{ "{\"kind\": \"drop\", \"count\": null}", ECONNRESET, NULL },
		{ "{\"kind\": \"truncate\", \"count\": null}", EIO, NULL },
		{ "{\"kind\": \"malformed\", \"count\": null}", EIO, "malformed JSON" },
		{ "{\"kind\": \"stall\", \"count\": null}", ETIMEDOUT, NULL },
	};
	struct cg_error err = { 0 };
	double elapsed;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fault(cases[i].json);
		ck_assert_int_eq(timed_get(1500, 0, &elapsed, &err), -cases[i].err);
		ck_assert_msg(elapsed < 1.5 + 0.3, "%s took %.2f s", cases[i].json, elapsed);
		ck_assert_int_eq(err.err, cases[i].err);
		if (cases[i].message_part)
			ck_assert_msg(strstr(err.message, cases[i].message_part),
				      "%s: message '%s'", cases[i].json, err.message);
		control("DELETE", "/_control/faults", NULL);
	}
}
END_TEST

START_TEST(test_fault_oversized)
{
	struct cg_error err = { 0 };
	double elapsed;

	fault("{\"kind\": \"oversized\", \"count\": null}");
	ck_assert_int_eq(timed_get(10000, 1 << 20, &elapsed, &err), -EFBIG);
	ck_assert_int_eq(count_requests(), 1);  /* not worth repeating */
	ck_assert_double_lt(elapsed, 5.0);
	clear_log();
	/* The default cap (32 MiB) stops the 64 MiB body too. */
	ck_assert_int_eq(timed_get(20000, 0, &elapsed, &err), -EFBIG);
	ck_assert_int_eq(count_requests(), 1);
}
END_TEST

START_TEST(test_fault_latency_within_deadline)
{
	struct cg_error err = { 0 };
	double elapsed;

	fault("{\"kind\": \"latency\", \"ms\": 300, \"count\": 1}");
	ck_assert_int_eq(timed_get(5000, 0, &elapsed, &err), 0);
	ck_assert_double_ge(elapsed, 0.3);
	ck_assert_int_eq(count_requests(), 1);
}
END_TEST

START_TEST(test_create_never_retried)
{
	static const char *const kinds[] = {
		"{\"kind\": \"status\", \"status\": 500, \"count\": null}",
		"{\"kind\": \"drop\", \"count\": null}",
		"{\"kind\": \"429\", \"retry_after\": 0, \"count\": null}",
		"{\"kind\": \"malformed\", \"count\": null}",
	};
	static const int errs[] = { EIO, ECONNRESET, EAGAIN, EIO };
	struct cg_client *c = client();
	struct cg_run run = { 0 };
	struct cg_error err = { 0 };

	for (size_t i = 0; i < 4; i++) {
		clear_log();
		fault(kinds[i]);
		ck_assert_int_eq(cg_create_run(c, 11, &(struct cg_create_run_req){
			.prompt = "once", .repo_id = CG_NONE }, &run, &err), -errs[i]);
		ck_assert_int_eq(count_requests(), 1);
		control("DELETE", "/_control/faults", NULL);
	}
	cg_client_free(c);
}
END_TEST

START_TEST(test_server_down)
{
	struct cg_client_config cfg = {
		.base_url = "http://127.0.0.1:1",
		.token = FAKE_TOKEN,
		.deadline_ms = 1500,
		.backoff_base_s = 0.05,
	};
	struct cg_client *c = NULL;
	struct cg_user me = { 0 };
	struct cg_error err = { 0 };
	double start = cg_monotonic();

	ck_assert_int_eq(cg_client_new(&cfg, &c, &err), 0);
	ck_assert_int_eq(cg_get_me(c, &me, &err), -EHOSTUNREACH);
	ck_assert_double_lt(cg_monotonic() - start, 1.8);
	cg_client_free(c);
}
END_TEST

/* A refused connection is retried once, quickly: the call fails within a
 * second or so, not after the whole 30 s deadline. */
START_TEST(test_server_down_fails_fast)
{
	struct cg_client_config cfg = {
		.base_url = "http://127.0.0.1:1",
		.token = FAKE_TOKEN,
		.deadline_ms = 30000,
	};
	struct cg_client *c = NULL;
	struct cg_endpoint_stats stats[CG_EP_COUNT];
	struct cg_user me = { 0 };
	struct cg_error err = { 0 };
	double start = cg_monotonic();

	ck_assert_int_eq(cg_client_new(&cfg, &c, &err), 0);
	ck_assert_int_eq(cg_get_me(c, &me, &err), -EHOSTUNREACH);
	ck_assert_double_lt(cg_monotonic() - start, 2.0);
	cg_client_stats(c, stats);
	ck_assert_int_eq(stats[CG_EP_GET_ME].requests, 2);
	ck_assert_int_eq(stats[CG_EP_GET_ME].retries, 1);
	cg_client_free(c);
}
END_TEST

/* A proxy's 407 is EACCES, said as such, and never asked again. */
START_TEST(test_proxy_auth_not_retried)
{
	struct cg_client *c = client();
	struct cg_user me = { 0 };
	struct cg_error err = { 0 };

	fault("{\"kind\": \"status\", \"status\": 407, \"count\": null}");
	ck_assert_int_eq(cg_get_me(c, &me, &err), -EACCES);
	ck_assert_int_eq(err.http_status, 407);
	ck_assert_str_eq(err.message,
			 "the proxy asks for authentication (407): Proxy Authentication Required");
	ck_assert_int_eq(count_requests(), 1);
	cg_client_free(c);
}
END_TEST

/* A proxy that answers every request (a CONNECT, for https) with 407 and
 * counts them; it serves until the test's process ends. */
struct proxy407 {
	int fd;
	int port;
	atomic_int requests;
};

static void *proxy407_serve(void *arg)
{
	static const char answer[] = "HTTP/1.1 407 Proxy Authentication Required\r\n"
				     "Proxy-Authenticate: Basic realm=\"test\"\r\n"
				     "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct proxy407 *p = arg;
	char buf[4096];

	for (;;) {
		int c = accept(p->fd, NULL, NULL);

		if (c < 0)
			continue;
		if (read(c, buf, sizeof(buf)) > 0) {
			atomic_fetch_add(&p->requests, 1);
			(void)!write(c, answer, sizeof(answer) - 1);
		}
		close(c);
	}
	return NULL;
}

static void proxy407_start(struct proxy407 *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	pthread_t t;

	p->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(p->fd, 0);
	ck_assert_int_eq(bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(p->fd, 8), 0);
	ck_assert_int_eq(getsockname(p->fd, (struct sockaddr *)&sa, &len), 0);
	p->port = ntohs(sa.sin_port);
	atomic_init(&p->requests, 0);
	ck_assert_int_eq(pthread_create(&t, NULL, proxy407_serve, p), 0);
	pthread_detach(t);
}

/* Through a proxy that wants credentials, an https call's CONNECT gets 407:
 * EACCES at once, asked once. */
START_TEST(test_proxy_connect_407_not_retried)
{
	static struct proxy407 p;
	struct cg_client_config cfg = {
		.base_url = "https://127.0.0.1:9",
		.token = FAKE_TOKEN,
		.deadline_ms = 10000,
		.no_rate_limit = 1,
		.backoff_base_s = 0.05,
	};
	struct cg_client *c = NULL;
	struct cg_user me = { 0 };
	struct cg_error err = { 0 };
	char url[64];
	double start;

	proxy407_start(&p);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", p.port);
	setenv("https_proxy", url, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	ck_assert_int_eq(cg_client_new(&cfg, &c, &err), 0);
	start = cg_monotonic();
	ck_assert_int_eq(cg_get_me(c, &me, &err), -EACCES);
	ck_assert_double_lt(cg_monotonic() - start, 1.0);
	ck_assert_int_eq(err.http_status, 407);
	ck_assert_ptr_nonnull(strstr(err.message, "the proxy asks for authentication (407)"));
	ck_assert_int_eq(atomic_load(&p.requests), 1);
	cg_client_free(c);
	unsetenv("https_proxy");
}
END_TEST

/* The caller's deadline, earlier than the client's, bounds the call: its
 * attempt, and the retries it would have made. */
START_TEST(test_caller_deadline_bounds_the_call)
{
	struct cg_client *c = client_with((struct client_opts){ .deadline_ms = 20000 });
	struct cg_user me = { 0 };
	struct cg_error err = { 0 };
	double start;

	fault("{\"kind\": \"stall\", \"count\": null}");
	start = cg_monotonic();
	ck_assert_int_eq(cg_call(c, CG_EP_GET_ME, &(struct cg_op_args){
		.deadline = start + 1.0 }, &me, &err), -ETIMEDOUT);
	ck_assert_double_lt(cg_monotonic() - start, 1.5);
	ck_assert_int_eq(count_requests(), 1);
	control("DELETE", "/_control/faults", NULL);
	clear_log();
	fault("{\"kind\": \"status\", \"status\": 500, \"count\": null}");
	start = cg_monotonic();
	ck_assert_int_eq(cg_call(c, CG_EP_GET_ME, &(struct cg_op_args){
		.deadline = start + 0.5 }, &me, &err), -EIO);
	ck_assert_double_lt(cg_monotonic() - start, 0.8);
	ck_assert_str_eq(err.message, "Internal Server Error");
	/* A later caller deadline leaves the client's own in force. */
	control("DELETE", "/_control/faults", NULL);
	ck_assert_int_eq(cg_call(c, CG_EP_GET_ME, &(struct cg_op_args){
		.deadline = cg_monotonic() + 3600 }, &me, &err), 0);
	cg_answer_free(CG_EP_GET_ME, &me);
	cg_client_free(c);
}
END_TEST

START_TEST(test_refused_urls_and_tokens)
{
	struct cg_client *c = NULL;
	struct cg_error err = { 0 };

	ck_assert_int_eq(cg_client_new(&(struct cg_client_config){
		.base_url = "http://api.codegen.com", .token = FAKE_TOKEN }, &c, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "http"));
	ck_assert_int_eq(cg_client_new(&(struct cg_client_config){
		.base_url = F.url, .token = "bad\r\nX-Injected: 1" }, &c, &err), -EINVAL);
	ck_assert_ptr_null(strstr(err.message, "Injected"));
}
END_TEST

START_TEST(test_stats_and_connection_reuse)
{
	struct cg_client *c = client();
	struct cg_endpoint_stats st[CG_EP_COUNT];
	struct cg_run run = { 0 };
	cJSON *list;
	double port = -1;
	int ports = 0;

	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(cg_get_run(c, 11, 789, &run, NULL), 0);
		cg_run_free(&run);
	}
	ck_assert_int_eq(cg_client_connections(c), 1);
	fault("{\"kind\": \"status\", \"status\": 500, \"count\": 1}");
	ck_assert_int_eq(cg_get_run(c, 11, 789, &run, NULL), 0);
	cg_run_free(&run);
	cg_client_stats(c, st);
	ck_assert_uint_eq(st[CG_EP_GET_RUN].requests, 22);
	ck_assert_uint_eq(st[CG_EP_GET_RUN].retries, 1);
	ck_assert_uint_eq(st[CG_EP_GET_RUN].errors, 0);
	ck_assert_uint_gt(st[CG_EP_GET_RUN].bytes_in, 20 * 100);
	ck_assert_uint_eq(st[CG_EP_GET_ME].requests, 0);

	/* Keep-alive: the 20 sequential requests came over one connection. */
	list = fake_requests(&F, 0);
	ck_assert_int_eq(cJSON_GetArraySize(list), 22);
	for (int i = 0; i < 20; i++) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, i),
								  "client_port");

		ck_assert(cJSON_IsNumber(p));
		if (p->valuedouble != port)
			ports++;
		port = p->valuedouble;
	}
	ck_assert_int_eq(ports, 1);
	cJSON_Delete(list);
	cg_client_free(c);
}
END_TEST

/* The daemon forks to go to the background after its first requests: the
 * transfer thread does not survive a fork, so it ends before and starts
 * again in the child (and in the parent, at its next request). */
START_TEST(test_requests_after_a_fork)
{
	struct cg_client *c = client();
	struct cg_run run = { 0 };
	int status = -1;
	pid_t pid;

	ck_assert_int_eq(cg_get_run(c, 11, 789, &run, NULL), 0);
	cg_run_free(&run);
	cg_client_before_fork(c);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int ret = cg_get_run(c, 11, 789, &run, NULL);

		_exit(ret == 0 && run.id == 789 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(cg_get_run(c, 11, 789, &run, NULL), 0);
	ck_assert_int_eq(run.id, 789);
	cg_run_free(&run);
	cg_client_free(c);
}
END_TEST

/* ---- rate limits ---------------------------------------------------------------- */

#define RL_SCALE 0.01

struct rl_worker {
	struct cg_client *c;
	int n;
	int which;
	int failures;
};

static void *rl_work(void *arg)
{
	struct rl_worker *w = arg;

	for (int i = 0; i < w->n; i++) {
		struct cg_error err = { 0 };
		int ret;

		if (w->which == 0) {
			struct cg_run run = { 0 };

			ret = cg_get_run(w->c, 11, 101 + (i % 1200), &run, &err);
			cg_run_free(&run);
		} else if (w->which == 1) {
			struct cg_run_logs logs = { 0 };

			ret = cg_get_run_logs(w->c, 11, 789, 0, 1, 0, &logs, &err);
			cg_run_logs_free(&logs);
		} else {
			struct cg_cli_rules rules = { 0 };

			ret = cg_get_cli_rules(w->c, 11, &rules, &err);
			cg_cli_rules_free(&rules);
		}
		if (ret)
			w->failures++;
	}
	return NULL;
}

START_TEST(test_rate_limits_never_429)
{
	char cfg[128];
	struct cg_client *c = client_with((struct client_opts){
		.deadline_ms = 30000, .rate_limit = 1, .scale = RL_SCALE });
	struct rl_worker w[4] = {
		{ c, 700, 0, 0 }, { c, 700, 0, 0 }, { c, 400, 1, 0 }, { c, 200, 2, 0 },
	};
	pthread_t t[4];
	struct cg_endpoint_stats st[CG_EP_COUNT];

	snprintf(cfg, sizeof(cfg), "{\"rate_limits\": true, \"rate_time_scale\": %g}", RL_SCALE);
	control("POST", "/_control/config", cfg);
	clear_log();
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, rl_work, &w[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(w[i].failures, 0);
	ck_assert_int_eq(count_requests(), 2000);
	ck_assert_int_eq(count_status(429), 0);
	cg_client_stats(c, st);
	ck_assert_uint_eq(st[CG_EP_GET_RUN].http_429 + st[CG_EP_RUN_LOGS].http_429 +
			  st[CG_EP_CLI_RULES].http_429, 0);
	ck_assert_uint_gt(st[CG_EP_GET_RUN].rate_waits, 0);
	cg_client_free(c);
}
END_TEST

/* The control experiment: without the client's buckets the same fake does
 * answer 429, so the test above can fail. */
START_TEST(test_rate_limits_enforced_without_buckets)
{
	char cfg[128];
	struct cg_client *c = client_with((struct client_opts){
		.deadline_ms = 300, .rate_limit = 0 });
	struct rl_worker w = { c, 100, 2, 0 };

	snprintf(cfg, sizeof(cfg), "{\"rate_limits\": true, \"rate_time_scale\": %g}", 1.0);
	control("POST", "/_control/config", cfg);
	clear_log();
	/* 100 cli-rules calls against 30/min: 429s answer, and the calls
	 * whose retries cannot fit in 300 ms fail with EAGAIN. */
	rl_work(&w);
	ck_assert_int_gt(count_status(429), 0);
	ck_assert_int_gt(w.failures, 0);
	cg_client_free(c);
}
END_TEST

START_TEST(test_rate_limit_wait_past_deadline_is_eagain)
{
	struct cg_client *c = client_with((struct client_opts){
		.deadline_ms = 200, .rate_limit = 1, .scale = 1.0 });
	struct cg_cli_rules rules = { 0 };
	struct cg_error err = { 0 };
	int ok = 0, again = 0;
	double start = cg_monotonic();

	/* 30 per minute: the 31st has no slot within 200 ms. */
	for (int i = 0; i < 31; i++) {
		int ret = cg_get_cli_rules(c, 11, &rules, &err);

		cg_cli_rules_free(&rules);
		ok += ret == 0;
		again += ret == -EAGAIN;
	}
	ck_assert_int_eq(ok, 30);
	ck_assert_int_eq(again, 1);
	ck_assert_int_eq(count_status(429), 0);
	ck_assert_double_lt(cg_monotonic() - start, 5.0);
	cg_client_free(c);
}
END_TEST

/* ---- main ------------------------------------------------------------------------- */

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *reads = tcase_create("reads");
	TCase *writes = tcase_create("writes");
	TCase *errors = tcase_create("errors");
	TCase *faults = tcase_create("faults");
	TCase *limits = tcase_create("rate-limits");
	TCase *all[] = { reads, writes, errors, faults, limits };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		tcase_set_timeout(all[i], 120);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(reads, test_get_me);
	tcase_add_test(reads, test_list_orgs);
	tcase_add_test(reads, test_list_users_and_get_user);
	tcase_add_test(reads, test_list_repos);
	tcase_add_test(reads, test_list_runs_pages);
	tcase_add_test(reads, test_list_runs_filtered);
	tcase_add_test(reads, test_get_run);
	tcase_add_test(reads, test_run_logs);
	tcase_add_test(reads, test_integrations_rules_oauth_mcp);
	tcase_add_test(reads, test_check_suite_round_trip);
	tcase_add_test(writes, test_create_run);
	tcase_add_test(writes, test_resume_ban_unban_remove);
	tcase_add_test(writes, test_stop);
	tcase_add_test(writes, test_edit_pr);
	tcase_add_test(writes, test_setup_analyze_slack_revoke);
	tcase_add_test(errors, test_http_errors);
	tcase_add_test(errors, test_refused_urls_and_tokens);
	tcase_add_test(faults, test_fault_retried_then_ok);
	tcase_add_test(faults, test_fault_persistent);
	tcase_add_test(faults, test_fault_oversized);
	tcase_add_test(faults, test_fault_latency_within_deadline);
	tcase_add_test(faults, test_create_never_retried);
	tcase_add_test(faults, test_server_down);
	tcase_add_test(faults, test_server_down_fails_fast);
	tcase_add_test(faults, test_proxy_auth_not_retried);
	tcase_add_test(faults, test_proxy_connect_407_not_retried);
	tcase_add_test(faults, test_caller_deadline_bounds_the_call);
	tcase_add_test(faults, test_stats_and_connection_reuse);
	tcase_add_test(faults, test_requests_after_a_fork);
	tcase_add_test(limits, test_rate_limits_never_429);
	tcase_add_test(limits, test_rate_limits_enforced_without_buckets);
	tcase_add_test(limits, test_rate_limit_wait_past_deadline_is_eagain);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (fake_start(&F, NULL))
		return 99;
	sr = srunner_create(client_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fake_stop(&F);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
