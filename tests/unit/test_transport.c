/* test_transport.c - the client's transport seam (cg_client_config.transport).
 *
 * A scripted transport stands in for the network: the client sends through
 * it, parses its answers, and maps its statuses to errno exactly as it does
 * for libcurl's.  This is what the fs/ unit tests build their fake server on.
 */
#include "cg_client.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct script {
	int calls;
	char method[8];
	char url[256];
	long status;
	const char *body;
};

static int scripted(void *arg, const struct cg_http_request *req, struct cg_http_response *resp,
		    struct cg_error *err)
{
	struct script *s = arg;

	(void)err;
	s->calls++;
	snprintf(s->method, sizeof(s->method), "%s", req->method);
	snprintf(s->url, sizeof(s->url), "%s", req->url);
	resp->status = s->status;
	resp->body = strdup(s->body);
	resp->len = strlen(s->body);
	resp->retry_after = -1;
	return 0;
}

static struct cg_client *client_over(struct script *s)
{
	struct cg_client_config cfg = {
		.base_url = "http://127.0.0.1:1", .token = "t0ken", .no_rate_limit = 1,
		.max_retries = 1, .backoff_base_s = 0.001, .backoff_cap_s = 0.001,
		.transport = scripted, .transport_arg = s,
	};
	struct cg_client *c = NULL;
	struct cg_error err;

	ck_assert_int_eq(cg_client_new(&cfg, &c, &err), 0);
	return c;
}

START_TEST(get_me_goes_through_the_transport)
{
	struct script s = { .status = 200, .body = "{\"id\": 7, \"email\": \"a@b.c\"}" };
	struct cg_client *c = client_over(&s);
	struct cg_user me;
	struct cg_error err;

	ck_assert_int_eq(cg_get_me(c, &me, &err), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_str_eq(s.method, "GET");
	ck_assert_str_eq(s.url, "http://127.0.0.1:1/v1/users/me");
	ck_assert_int_eq(me.id, 7);
	ck_assert_str_eq(me.email, "a@b.c");
	cg_user_free(&me);
	cg_client_free(c);
}
END_TEST

START_TEST(statuses_map_to_errno)
{
	struct script s = { .status = 404, .body = "{\"message\": \"no such run\", \"status_code\": 404}" };
	struct cg_client *c = client_over(&s);
	struct cg_run run;
	struct cg_error err;

	ck_assert_int_eq(cg_get_run(c, 11, 789, &run, &err), -ENOENT);
	ck_assert_str_eq(s.url, "http://127.0.0.1:1/v1/organizations/11/agent/run/789");
	ck_assert_int_eq(err.http_status, 404);
	ck_assert_str_eq(err.message, "no such run");
	cg_client_free(c);
}
END_TEST

/* Stop is a route outside the spec: a 404 or 405 for the route itself is
 * ENOTSUP with a message saying so; a 404 about the run stays ENOENT. */
START_TEST(stop_without_the_route_is_enotsup)
{
	static const struct {
		long status;
		const char *body;
		int ret;
		const char *message;
	} rows[] = {
		{ 404, "{\"detail\": \"Not Found\"}", -ENOTSUP,
		  "the API does not offer stop_run: POST /v1/beta/organizations/{org_id}/agent/run/stop "
		  "answered 404 (Not Found)" },
		{ 405, "{\"detail\": \"Method Not Allowed\"}", -ENOTSUP,
		  "the API does not offer stop_run: POST /v1/beta/organizations/{org_id}/agent/run/stop "
		  "answered 405 (Method Not Allowed)" },
		{ 404, "{\"message\": \"Agent run not found.\", \"status_code\": 404}", -ENOENT,
		  "Agent run not found." },
		{ 200, "{\"message\": \"Agent run 789 stopped.\"}", 0, NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct script s = { .status = rows[i].status, .body = rows[i].body };
		struct cg_client *c = client_over(&s);
		struct cg_message m = { 0 };
		struct cg_error err = { 0 };

		ck_assert_int_eq(cg_stop_run(c, 11, 789, &m, &err), rows[i].ret);
		ck_assert_int_eq(s.calls, 1);
		ck_assert_str_eq(s.method, "POST");
		ck_assert_str_eq(s.url, "http://127.0.0.1:1/v1/beta/organizations/11/agent/run/stop");
		if (rows[i].ret) {
			ck_assert_int_eq(err.err, -rows[i].ret);
			ck_assert_int_eq(err.http_status, rows[i].status);
			ck_assert_str_eq(err.message, rows[i].message);
		} else {
			ck_assert_str_eq(m.message, "Agent run 789 stopped.");
		}
		cg_message_free(&m);
		cg_client_free(c);
	}
	/* Another operation's 404 for an unknown route stays ENOENT. */
	{
		struct script s = { .status = 404, .body = "{\"detail\": \"Not Found\"}" };
		struct cg_client *c = client_over(&s);
		struct cg_message m = { 0 };
		struct cg_error err = { 0 };

		ck_assert_int_eq(cg_ban_run(c, 11, 789, &m, &err), -ENOENT);
		cg_client_free(c);
	}
}
END_TEST

/* A server body that reflects the token, at every offset from 0 to 600 and
 * in every shape a message is taken from (past the 200-byte excerpt and the
 * 512-byte message): the token is redacted in the whole text before it is
 * cut, so no 4-byte piece of it is ever in err.message. */
static const char long_token[] = "sk-live-0123456789abcdefghijklmnopqrstuvwxyzQRSTUV";

static void assert_no_piece(const char *text, const char *what, int off)
{
	size_t n = strlen(long_token);

	for (size_t i = 0; i + 4 <= n; i++) {
		char piece[5];

		memcpy(piece, long_token + i, 4);
		piece[4] = '\0';
		ck_assert_msg(strstr(text, piece) == NULL,
			      "%s at offset %d: \"%s\" of the token in \"%s\"", what, off, piece,
			      text);
	}
}

START_TEST(token_reflected_anywhere_is_redacted_whole)
{
	static const struct {
		long status;
		const char *before, *after;
	} shapes[] = {
		{ 404, "{\"message\": \"", "\"}" },
		{ 401, "{\"detail\": \"", "\"}" },
		{ 422, "{\"detail\": [{\"loc\": [\"body\", \"prompt\"], \"msg\": \"", "\"}]}" },
		{ 502, "<html>", "</html>" },
	};
	char body[2048], pad[700];

	memset(pad, 'x', sizeof(pad));
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		struct script s = { .status = shapes[k].status, .body = body };
		struct cg_client_config cfg = {
			.base_url = "http://127.0.0.1:1", .token = long_token,
			.no_rate_limit = 1, .max_retries = 1,
			.backoff_base_s = 0.0001, .backoff_cap_s = 0.0001,
			.transport = scripted, .transport_arg = &s,
		};
		struct cg_client *c = NULL;
		struct cg_error err;
		struct cg_run run;

		ck_assert_int_eq(cg_client_new(&cfg, &c, &err), 0);
		for (int off = 0; off <= 600; off++) {
			snprintf(body, sizeof(body), "%s%.*s%s and more text%s", shapes[k].before,
				 off, pad, long_token, shapes[k].after);
			ck_assert_int_lt(cg_get_run(c, 11, 789, &run, &err), 0);
			ck_assert_int_eq(err.http_status, shapes[k].status);
			assert_no_piece(err.message, shapes[k].before, off);
		}
		/* A 502 is asked again once. */
		ck_assert_int_eq(s.calls, shapes[k].status == 502 ? 1202 : 601);
		cg_client_free(c);
	}
}
END_TEST

/* ---- the request log (cg_client_config.log) -------------------------------- */

/* A transport that answers from a list of outcomes, one per exchange: an
 * HTTP status, or (status 0) a transport failure of errno err. */
struct sequence {
	int calls;
	struct { long status; int err; } steps[4];
};

static int sequenced(void *arg, const struct cg_http_request *req,
		     struct cg_http_response *resp, struct cg_error *err)
{
	struct sequence *q = arg;
	int i = q->calls++;

	(void)req;
	if (!q->steps[i].status) {
		cg_error_set(err, 0, q->steps[i].err, "scripted failure");
		return -q->steps[i].err;
	}
	resp->status = q->steps[i].status;
	/* A run, and a page of none: an answer to both operations used. */
	resp->body = strdup("{\"id\": 7, \"status\": \"COMPLETE\", \"items\": [], "
			    "\"total\": 0, \"page\": 1, \"size\": 50, \"pages\": 0}");
	resp->len = strlen(resp->body);
	resp->retry_after = -1;
	return 0;
}

struct log_lines {
	int n;
	char line[8][200];
};

static void record(void *arg, const struct cg_request_record *r)
{
	struct log_lines *l = arg;

	ck_assert_int_lt(l->n, 8);
	ck_assert_int_ge(r->ms, 0);
	snprintf(l->line[l->n++], sizeof(l->line[0]), "%d %s %s %ld %s #%d",
		 (int)r->ep, r->method, r->target, r->status,
		 r->err ? cg_errno_name(r->err) : "-", r->attempt);
}

static struct cg_client *logged_client(struct sequence *q, struct log_lines *l,
				       const char *base)
{
	struct cg_client_config cfg = {
		.base_url = base, .token = "t0ken-secret", .no_rate_limit = 1,
		.max_retries = 3, .backoff_base_s = 0.001, .backoff_cap_s = 0.001,
		.transport = sequenced, .transport_arg = q, .log = record, .log_arg = l,
	};
	struct cg_client *c = NULL;
	struct cg_error err;

	ck_assert_int_eq(cg_client_new(&cfg, &c, &err), 0);
	return c;
}

/* Every attempt is one record, retries included: the URL's path and query
 * (the base URL's own path too), the status or the transport's errno. */
START_TEST(every_exchange_is_logged_with_its_outcome)
{
	struct sequence q = { .steps = { { 503, 0 }, { 0, ECONNRESET }, { 200, 0 } } };
	struct log_lines l = { 0 };
	struct cg_client *c = logged_client(&q, &l, "http://127.0.0.1:1/prefix");
	struct cg_run_page page;
	char want[3][200];
	struct cg_error err;

	ck_assert_int_eq(cg_list_runs(c, 11, NULL, 100, 50, &page, &err), 0);
	cg_run_page_free(&page);
	ck_assert_int_eq(l.n, 3);
	for (int i = 0; i < 3; i++)
		snprintf(want[i], sizeof(want[i]),
			 "%d GET /prefix/v1/organizations/11/agent/runs?skip=100&limit=50 %s #%d",
			 (int)CG_EP_LIST_RUNS, i == 0 ? "503 -" : i == 1 ? "0 ECONNRESET" : "200 -",
			 i + 1);
	ck_assert_str_eq(l.line[0], want[0]);
	ck_assert_str_eq(l.line[1], want[1]);
	ck_assert_str_eq(l.line[2], want[2]);
	cg_client_free(c);
}
END_TEST

/* A POST is sent once and logged once; what was refused before sending
 * (a bad argument) is no exchange and not logged. */
START_TEST(a_post_is_logged_once_and_a_refusal_not_at_all)
{
	struct sequence q = { .steps = { { 500, 0 }, { 200, 0 } } };
	struct log_lines l = { 0 };
	struct cg_client *c = logged_client(&q, &l, "http://127.0.0.1:1");
	struct cg_create_run_req req = { .prompt = "secret prompt", .repo_id = CG_NONE };
	struct cg_create_run_req bad = { .prompt = "p", .metadata_json = "[1]",
					 .repo_id = CG_NONE };
	struct cg_error err;
	struct cg_run run;
	char want[200];

	ck_assert_int_eq(cg_create_run(c, 11, &bad, &run, &err), -EINVAL);
	ck_assert_int_eq(l.n, 0);
	ck_assert_int_eq(cg_create_run(c, 11, &req, &run, &err), -EIO);
	ck_assert_int_eq(l.n, 1);
	snprintf(want, sizeof(want), "%d POST /v1/organizations/11/agent/run 500 - #1",
		 (int)CG_EP_CREATE_RUN);
	ck_assert_str_eq(l.line[0], want);
	cg_client_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("seam");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, get_me_goes_through_the_transport);
	tcase_add_test(tc, stop_without_the_route_is_enotsup);
	tcase_add_test(tc, statuses_map_to_errno);
	tcase_add_test(tc, token_reflected_anywhere_is_redacted_whole);
	tcase_add_test(tc, every_exchange_is_logged_with_its_outcome);
	tcase_add_test(tc, a_post_is_logged_once_and_a_refusal_not_at_all);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
