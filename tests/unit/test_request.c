/* test_request.c - building one operation's request (api/cg_request.h).
 *
 * Pure: no network.  Asserts the exact URL (placeholders by name, query in
 * the table's order, escaped by libcurl), the exact body text, and the
 * refusals (errno and message) that keep a request from being sent.
 */
#include "cg_request.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BASE "http://127.0.0.1:1"

static struct cg_request build_ok(enum cg_endpoint ep, const struct cg_op_args *a)
{
	struct cg_request r = { 0 };
	struct cg_error err = { 0 };

	ck_assert_msg(cg_request_build(BASE, ep, a, &r, &err) == 0, "%s: %s",
		      cg_endpoint_info(ep)->name, err.message);
	return r;
}

static void expect(enum cg_endpoint ep, const struct cg_op_args *a, const char *url,
		   const char *body)
{
	struct cg_request r = build_ok(ep, a);

	ck_assert_str_eq(r.url, url);
	if (body)
		ck_assert_str_eq(r.body, body);
	else
		ck_assert_ptr_null(r.body);
	cg_request_free(&r);
}

static void expect_refused(enum cg_endpoint ep, const struct cg_op_args *a, const char *message)
{
	struct cg_request r = { .url = (char *)"untouched" };
	struct cg_error err = { 0 };

	ck_assert_int_eq(cg_request_build(BASE, ep, a, &r, &err), -EINVAL);
	ck_assert_int_eq(err.err, EINVAL);
	ck_assert_int_eq(err.http_status, 0);
	ck_assert_str_eq(err.message, message);
	ck_assert_str_eq(r.url, "untouched");
	ck_assert_ptr_null(r.body);
}

START_TEST(paths_by_placeholder_name)
{
	expect(CG_EP_GET_ME, &(struct cg_op_args){ .org_id = 5 }, BASE "/v1/users/me", NULL);
	expect(CG_EP_GET_USER, &(struct cg_op_args){ .org_id = 11, .user_id = 2 },
	       BASE "/v1/organizations/11/users/2", NULL);
	expect(CG_EP_RUN_LOGS, &(struct cg_op_args){ .org_id = 11, .agent_run_id = 789, .limit = 100 },
	       BASE "/v1/alpha/organizations/11/agent/run/789/logs?skip=0&limit=100", NULL);
	expect(CG_EP_EDIT_PR, &(struct cg_op_args){ .org_id = 11, .repo_id = CG_NONE, .pr_id = 12500,
						    .state = "draft" },
	       BASE "/v1/organizations/11/prs/12500", "{\"state\":\"draft\"}");
	expect(CG_EP_EDIT_REPO_PR, &(struct cg_op_args){ .org_id = 11, .repo_id = 459, .pr_id = 12500,
							 .state = "closed" },
	       BASE "/v1/organizations/11/repos/459/prs/12500", "{\"state\":\"closed\"}");
	expect(CG_EP_ANALYZE_LOGS, &(struct cg_op_args){ .org_id = 11, .sandbox_id = 301 },
	       BASE "/v1/organizations/11/sandbox/301/analyze-logs", NULL);
}
END_TEST

START_TEST(query_in_table_order)
{
	struct cg_run_filter f = { .user_id = 2, .source_type = "GITHUB" };
	struct cg_run_filter none = { .user_id = CG_NONE };

	expect(CG_EP_LIST_RUNS, &(struct cg_op_args){ .org_id = 11, .filter = &f, .skip = 0, .limit = 50 },
	       BASE "/v1/organizations/11/agent/runs?user_id=2&source_type=GITHUB&skip=0&limit=50", NULL);
	expect(CG_EP_LIST_RUNS, &(struct cg_op_args){ .org_id = 11, .filter = &none, .skip = 100,
						      .limit = 100 },
	       BASE "/v1/organizations/11/agent/runs?skip=100&limit=100", NULL);
	expect(CG_EP_LIST_RUNS, &(struct cg_op_args){ .org_id = 11, .skip = 3, .limit = 4 },
	       BASE "/v1/organizations/11/agent/runs?skip=3&limit=4", NULL);
	expect(CG_EP_RUN_LOGS, &(struct cg_op_args){ .org_id = 1, .agent_run_id = 2, .skip = 7,
						     .limit = 8, .reverse = 1 },
	       BASE "/v1/alpha/organizations/1/agent/run/2/logs?skip=7&limit=8&reverse=true", NULL);
	expect(CG_EP_OAUTH_REVOKE, &(struct cg_op_args){ .org_id = 11, .provider = "github" },
	       BASE "/v1/oauth/tokens/revoke?provider=github&org_id=11", NULL);
	expect(CG_EP_GET_CHECK_SUITE, &(struct cg_op_args){ .org_id = 11, .repo_id = 456 },
	       BASE "/v1/organizations/11/repos/check-suite-settings?repo_id=456", NULL);
	expect(CG_EP_OAUTH_STATUS, &(struct cg_op_args){ .org_id = -3 },
	       BASE "/v1/oauth/tokens/status?org_id=-3", NULL);
}
END_TEST

START_TEST(query_values_are_escaped)
{
	struct cg_run_filter f = { .user_id = CG_NONE, .source_type = "a b&c=d/\xc3\xa9" };

	/* libcurl's form: space as '+', the rest as %xx; parse_qsl reads both. */
	expect(CG_EP_LIST_RUNS, &(struct cg_op_args){ .org_id = 11, .filter = &f, .limit = 1 },
	       BASE "/v1/organizations/11/agent/runs?source_type=a+b%26c%3dd%2f%c3%a9&skip=0&limit=1",
	       NULL);
	expect(CG_EP_OAUTH_REVOKE, &(struct cg_op_args){ .org_id = 1, .provider = "my provider+" },
	       BASE "/v1/oauth/tokens/revoke?provider=my+provider%2b&org_id=1", NULL);
}
END_TEST

START_TEST(bodies)
{
	static const char *const images[] = { "data:image/png;base64,AA==" };
	struct cg_create_run_req create = {
		.prompt = "fix it", .images = images, .n_images = 1, .metadata_json = "{\"k\": 1}",
		.repo_id = 456, .model = "m", .agent_type = "codegen",
	};
	struct cg_create_run_req bare = { .prompt = "x", .repo_id = CG_NONE };

	expect(CG_EP_CREATE_RUN, &(struct cg_op_args){ .org_id = 11, .create = &create },
	       BASE "/v1/organizations/11/agent/run",
	       "{\"prompt\":\"fix it\",\"images\":[\"data:image/png;base64,AA==\"],"
	       "\"metadata\":{\"k\":1},\"repo_id\":456,\"model\":\"m\",\"agent_type\":\"codegen\"}");
	expect(CG_EP_CREATE_RUN, &(struct cg_op_args){ .org_id = 11, .create = &bare },
	       BASE "/v1/organizations/11/agent/run", "{\"prompt\":\"x\"}");
	expect(CG_EP_RESUME_RUN, &(struct cg_op_args){ .org_id = 11, .agent_run_id = 789,
						       .prompt = "more", .images = images,
						       .n_images = 1 },
	       BASE "/v1/organizations/11/agent/run/resume",
	       "{\"agent_run_id\":789,\"prompt\":\"more\",\"images\":[\"data:image/png;base64,AA==\"]}");
	expect(CG_EP_BAN_RUN, &(struct cg_op_args){ .org_id = 11, .agent_run_id = 789 },
	       BASE "/v1/organizations/11/agent/run/ban", "{\"agent_run_id\":789}");
	expect(CG_EP_STOP_RUN, &(struct cg_op_args){ .org_id = 11, .agent_run_id = 789 },
	       BASE "/v1/beta/organizations/11/agent/run/stop", "{\"agent_run_id\":789}");
	ck_assert_str_eq(cg_endpoint_info(CG_EP_STOP_RUN)->method, "POST");
	ck_assert_int_eq(cg_endpoint_info(CG_EP_STOP_RUN)->retry, 0);
	ck_assert_int_eq(cg_endpoint_info(CG_EP_STOP_RUN)->unlisted, 1);
	ck_assert_int_eq(cg_endpoint_info(CG_EP_BAN_RUN)->unlisted, 0);
	expect(CG_EP_PUT_CHECK_SUITE, &(struct cg_op_args){ .org_id = 11, .repo_id = 456,
							    .settings_json = "{ \"a\" : [1] }" },
	       BASE "/v1/organizations/11/repos/check-suite-settings?repo_id=456", "{\"a\":[1]}");
	expect(CG_EP_SETUP_COMMANDS, &(struct cg_op_args){ .org_id = 11, .repo_id = 456 },
	       BASE "/v1/organizations/11/setup-commands/generate", "{\"repo_id\":456}");
	expect(CG_EP_SETUP_COMMANDS, &(struct cg_op_args){ .org_id = 11, .repo_id = 456, .prompt = "p" },
	       BASE "/v1/organizations/11/setup-commands/generate", "{\"repo_id\":456,\"prompt\":\"p\"}");
	expect(CG_EP_SLACK_TOKEN, &(struct cg_op_args){ .org_id = 11 },
	       BASE "/v1/slack-connect/generate-token", "{\"org_id\":11}");
}
END_TEST

START_TEST(refusals)
{
	char long_name[82];
	struct cg_run_filter f = { .user_id = CG_NONE, .source_type = long_name };
	struct cg_create_run_req no_prompt = { .repo_id = CG_NONE };
	struct cg_create_run_req bad_meta = { .prompt = "x", .metadata_json = "[1]",
					      .repo_id = CG_NONE };

	memset(long_name, 'a', 81);
	long_name[81] = '\0';
	expect_refused(CG_EP_CREATE_RUN, &(struct cg_op_args){ .create = &no_prompt },
		       "a run needs a prompt");
	expect_refused(CG_EP_CREATE_RUN, &(struct cg_op_args){ .create = &bad_meta },
		       "metadata must be a JSON object");
	expect_refused(CG_EP_RESUME_RUN, &(struct cg_op_args){ .agent_run_id = 1 },
		       "a resume needs a prompt");
	expect_refused(CG_EP_EDIT_PR, &(struct cg_op_args){ .state = "merged" },
		       "PR state must be open, closed, draft or ready_for_review");
	expect_refused(CG_EP_EDIT_REPO_PR, &(struct cg_op_args){ .repo_id = 1 },
		       "PR state must be open, closed, draft or ready_for_review");
	expect_refused(CG_EP_PUT_CHECK_SUITE, &(struct cg_op_args){ .settings_json = "[]" },
		       "check-suite settings must be a JSON object");
	expect_refused(CG_EP_PUT_CHECK_SUITE, &(struct cg_op_args){ 0 },
		       "check-suite settings must be a JSON object");
	expect_refused(CG_EP_OAUTH_REVOKE, &(struct cg_op_args){ .provider = "" },
		       "a provider name (up to 80 bytes) is needed");
	expect_refused(CG_EP_OAUTH_REVOKE, &(struct cg_op_args){ .provider = long_name },
		       "a provider name (up to 80 bytes) is needed");
	expect_refused(CG_EP_LIST_RUNS, &(struct cg_op_args){ .filter = &f },
		       "source_type is too long");
	/* 80 bytes is still accepted. */
	long_name[80] = '\0';
	expect(CG_EP_OAUTH_REVOKE, &(struct cg_op_args){ .org_id = 1, .provider = long_name },
	       BASE "/v1/oauth/tokens/revoke?provider=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&org_id=1", NULL);
}
END_TEST

static Suite *request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, paths_by_placeholder_name);
	tcase_add_test(tc, query_in_table_order);
	tcase_add_test(tc, query_values_are_escaped);
	tcase_add_test(tc, bodies);
	tcase_add_test(tc, refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(request_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
