/* test_errors.c - the error mapping of the API client (api/cg_error.h).
 *
 * DESIGN.md §3 fixes which errno a user sees for each HTTP status and
 * transport failure; these tests hold both tables to that contract row by
 * row, check that the server's own message survives (both error shapes of
 * the API, and non-JSON bodies), and that cg_redact keeps a token out of
 * every message even when the text fights back.
 */
#include "cg_error.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

/* ---- HTTP status -> errno -------------------------------------------------- */

static const struct {
	long status;
	int err;
} http_rows[] = {
	{ 400, EINVAL },    { 401, EACCES },    { 402, EDQUOT },
	{ 403, EACCES },    { 404, ENOENT },    { 408, ETIMEDOUT },
	{ 413, EFBIG },     { 422, EINVAL },    { 429, EAGAIN },
	{ 500, EIO },       { 502, EIO },       { 503, EIO },
	{ 504, EIO },       { 418, EIO },       { 405, EIO },
	{ 409, EIO },       { 599, EIO },
	{ 200, 0 },         { 201, 0 },         { 204, 0 },
	{ 304, 0 },         { 101, 0 },         { 302, 0 },
};

START_TEST(http_table_row)
{
	ck_assert_msg(cg_errno_from_http(http_rows[_i].status) == http_rows[_i].err,
		      "HTTP %ld: got %d (%s), want %d (%s)", http_rows[_i].status,
		      cg_errno_from_http(http_rows[_i].status),
		      cg_errno_name(cg_errno_from_http(http_rows[_i].status)),
		      http_rows[_i].err, cg_errno_name(http_rows[_i].err));
}
END_TEST

/* ---- CURLcode -> errno ----------------------------------------------------- */

static const struct {
	int code;
	int err;
} curl_rows[] = {
	{ CURLE_OK, 0 },
	{ CURLE_OPERATION_TIMEDOUT, ETIMEDOUT },
	{ CURLE_COULDNT_CONNECT, EHOSTUNREACH },
	{ CURLE_COULDNT_RESOLVE_HOST, EHOSTUNREACH },
	{ CURLE_COULDNT_RESOLVE_PROXY, EHOSTUNREACH },
	{ CURLE_GOT_NOTHING, ECONNRESET },
	{ CURLE_SEND_ERROR, ECONNRESET },
	{ CURLE_RECV_ERROR, ECONNRESET },
	{ CURLE_PARTIAL_FILE, EIO },
	/* cg_http's write callback refuses a body over the cap this way. */
	{ CURLE_WRITE_ERROR, EFBIG },
	{ CURLE_FILESIZE_EXCEEDED, EFBIG },
	{ CURLE_PEER_FAILED_VERIFICATION, EPROTO },
	{ CURLE_SSL_CONNECT_ERROR, EPROTO },
	{ CURLE_OUT_OF_MEMORY, ENOMEM },
	{ CURLE_ABORTED_BY_CALLBACK, EINTR },
	{ CURLE_URL_MALFORMAT, EINVAL },
	/* Unlisted codes. */
	{ CURLE_FTP_WEIRD_PASV_REPLY, EIO },
	{ CURLE_LDAP_SEARCH_FAILED, EIO },
	{ 9999, EIO },
	{ -1, EIO },
};

START_TEST(curl_table_row)
{
	int got = cg_errno_from_curl(curl_rows[_i].code);

	ck_assert_msg(got == curl_rows[_i].err, "CURLcode %d: got %d (%s), want %d (%s)",
		      curl_rows[_i].code, got, cg_errno_name(got),
		      curl_rows[_i].err, cg_errno_name(curl_rows[_i].err));
}
END_TEST

/* ---- errno names ----------------------------------------------------------- */

START_TEST(errno_names)
{
	/* Every errno the two tables can produce has its name. */
	ck_assert_str_eq(cg_errno_name(EINVAL), "EINVAL");
	ck_assert_str_eq(cg_errno_name(EACCES), "EACCES");
	ck_assert_str_eq(cg_errno_name(EDQUOT), "EDQUOT");
	ck_assert_str_eq(cg_errno_name(ENOENT), "ENOENT");
	ck_assert_str_eq(cg_errno_name(ETIMEDOUT), "ETIMEDOUT");
	ck_assert_str_eq(cg_errno_name(EFBIG), "EFBIG");
	ck_assert_str_eq(cg_errno_name(EAGAIN), "EAGAIN");
	ck_assert_str_eq(cg_errno_name(EIO), "EIO");
	ck_assert_str_eq(cg_errno_name(EHOSTUNREACH), "EHOSTUNREACH");
	ck_assert_str_eq(cg_errno_name(ECONNRESET), "ECONNRESET");
	ck_assert_str_eq(cg_errno_name(EPROTO), "EPROTO");
	ck_assert_str_eq(cg_errno_name(ENOMEM), "ENOMEM");
	ck_assert_str_eq(cg_errno_name(EINTR), "EINTR");
	/* And the ones the filesystem layer returns. */
	ck_assert_str_eq(cg_errno_name(EPERM), "EPERM");
	ck_assert_str_eq(cg_errno_name(EROFS), "EROFS");
	ck_assert_str_eq(cg_errno_name(ENOTDIR), "ENOTDIR");
	ck_assert_str_eq(cg_errno_name(EISDIR), "EISDIR");
	ck_assert_str_eq(cg_errno_name(ENAMETOOLONG), "ENAMETOOLONG");
	ck_assert_str_eq(cg_errno_name(ENOTSUP), "ENOTSUP");
	ck_assert_str_eq(cg_errno_name(EOPNOTSUPP), "ENOTSUP");
	/* Unknown values. */
	ck_assert_str_eq(cg_errno_name(0), "E?");
	ck_assert_str_eq(cg_errno_name(-1), "E?");
	ck_assert_str_eq(cg_errno_name(99999), "E?");
}
END_TEST

START_TEST(error_set)
{
	struct cg_error e;
	char long_text[1000];

	cg_error_set(NULL, 404, ENOENT, "ignored %d", 1);  /* must not crash */
	cg_error_set(&e, 404, ENOENT, "run %d: %s", 789, "Not Found");
	ck_assert_int_eq(e.http_status, 404);
	ck_assert_int_eq(e.err, ENOENT);
	ck_assert_str_eq(e.message, "run 789: Not Found");

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	cg_error_set(&e, 0, EIO, "%s", long_text);
	ck_assert_int_eq(e.http_status, 0);
	ck_assert_uint_eq(strlen(e.message), sizeof(e.message) - 1);
}
END_TEST

/* ---- the server's message --------------------------------------------------- */

static void from_body(const char *body, char *buf, size_t size)
{
	cg_error_message_from_body(body, body ? strlen(body) : 0, NULL, buf, size);
}

START_TEST(body_message)
{
	char buf[512];

	from_body("{\"message\": \"Agent run 789 not found\", \"status_code\": 404}",
		  buf, sizeof(buf));
	ck_assert_str_eq(buf, "Agent run 789 not found");
}
END_TEST

START_TEST(body_detail_string)
{
	char buf[512];

	from_body("{\"detail\": \"Not Found\"}", buf, sizeof(buf));
	ck_assert_str_eq(buf, "Not Found");
}
END_TEST

START_TEST(body_detail_list)
{
	static const char body[] =
		"{\"detail\": ["
		"{\"loc\": [\"body\", \"images\", 0], \"msg\": \"Input should be a valid string\","
		" \"type\": \"string_type\"},"
		"{\"loc\": [\"query\", \"limit\"], \"msg\": \"Input should be less than or equal to 100\","
		" \"type\": \"less_than_equal\", \"input\": \"500\"}"
		"]}";
	char buf[512];

	from_body(body, buf, sizeof(buf));
	ck_assert_str_eq(buf, "body.images.0: Input should be a valid string; "
			      "query.limit: Input should be less than or equal to 100");
}
END_TEST

START_TEST(body_detail_list_odd_items)
{
	char buf[512];

	/* No loc: just the message; no msg: a placeholder, never nothing. */
	from_body("{\"detail\": [{\"msg\": \"boom\"}]}", buf, sizeof(buf));
	ck_assert_str_eq(buf, "boom");
	from_body("{\"detail\": [{\"loc\": [\"body\", \"prompt\"]}]}", buf, sizeof(buf));
	ck_assert_str_eq(buf, "body.prompt: invalid");
	/* Control bytes inside a 422 item are flattened too. */
	from_body("{\"detail\": [{\"loc\": [\"body\"], \"msg\": \"a\\nb\"}]}", buf, sizeof(buf));
	ck_assert_str_eq(buf, "body: a b");
}
END_TEST

START_TEST(body_html)
{
	char body[301], want[201], buf[512];

	/* A proxy's error page: 300 bytes with line breaks and a tab. */
	for (size_t i = 0; i < 300; i++)
		body[i] = (char)('a' + i % 26);
	memcpy(body, "<html>\r\n<body>\t502 Bad Gateway</body>\n", 38);
	body[100] = '\x7f';
	body[300] = '\0';
	from_body(body, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), 200);
	for (size_t i = 0; i < 200; i++) {
		unsigned char ch = (unsigned char)body[i];
		want[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	want[200] = '\0';
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(strncmp(buf, "<html>  <body> 502 Bad Gateway</body> ", 38), 0);
	for (size_t i = 0; buf[i]; i++)
		ck_assert_msg((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f,
			      "control byte 0x%02x at %zu", (unsigned char)buf[i], i);
}
END_TEST

START_TEST(body_not_nul_terminated)
{
	/* len, not the NUL, bounds the body: only "Bad" may be read. */
	static const char body[] = "Bad Gateway";
	char buf[64];

	cg_error_message_from_body(body, 3, NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Bad");
	cg_error_message_from_body("{\"message\":\"x\"}garbage", 15, NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "x");
}
END_TEST

START_TEST(body_empty)
{
	char buf[64];

	memset(buf, 'X', sizeof(buf));
	cg_error_message_from_body("", 0, NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	memset(buf, 'X', sizeof(buf));
	cg_error_message_from_body(NULL, 0, NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(body_broken_json)
{
	char buf[512];

	from_body("{\"message\": \"half", buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"message\": \"half");
	/* Valid JSON but not an error shape: an excerpt as well. */
	from_body("{\"message\": 42}", buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"message\": 42}");
	from_body("[1,2]", buf, sizeof(buf));
	ck_assert_str_eq(buf, "[1,2]");
}
END_TEST

START_TEST(body_message_newlines)
{
	char buf[512];

	from_body("{\"message\": \"line one\\nline two\\r\\n\\tend\\u007f\"}", buf, sizeof(buf));
	ck_assert_str_eq(buf, "line one line two   end ");
	/* Non-ASCII text is the server's language, not control bytes. */
	from_body("{\"message\": \"caf\\u00e9 ferm\\u00e9\"}", buf, sizeof(buf));
	ck_assert_str_eq(buf, "caf\xc3\xa9 ferm\xc3\xa9");
}
END_TEST

START_TEST(body_tiny_buffer)
{
	char buf[16];

	memset(buf, 'X', sizeof(buf));
	from_body("{\"message\": \"Agent run not found\"}", buf, 8);
	ck_assert_str_eq(buf, "Agent r");
	ck_assert_int_eq(buf[8], 'X');  /* nothing written past size */

	memset(buf, 'X', sizeof(buf));
	from_body("{\"message\": \"Agent run not found\"}", buf, 1);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'X');

	/* size 0: nothing at all is written. */
	memset(buf, 'X', sizeof(buf));
	from_body("{\"message\": \"x\"}", buf, 0);
	ck_assert_int_eq(buf[0], 'X');

	/* The 422 list and the excerpt are capped the same way. */
	memset(buf, 'X', sizeof(buf));
	from_body("{\"detail\": [{\"loc\": [\"body\", \"prompt\"], \"msg\": \"Field required\"},"
		  "{\"loc\": [\"body\", \"org\"], \"msg\": \"Field required\"}]}", buf, 12);
	ck_assert_str_eq(buf, "body.prompt");
	ck_assert_int_eq(buf[12], 'X');
	memset(buf, 'X', sizeof(buf));
	from_body("<html>oops</html>", buf, 5);
	ck_assert_str_eq(buf, "<htm");
	ck_assert_int_eq(buf[5], 'X');
}
END_TEST

/* ---- redaction -------------------------------------------------------------- */

START_TEST(redact_once)
{
	char text[64] = "the token sk-abc123 was rejected";

	cg_redact(text, sizeof(text), "sk-abc123");
	ck_assert_str_eq(text, "the token [redacted] was rejected");
}
END_TEST

START_TEST(redact_several)
{
	char text[128] = "sk-abc123sk-abc123 and again: sk-abc123";

	cg_redact(text, sizeof(text), "sk-abc123");
	ck_assert_str_eq(text, "[redacted][redacted] and again: [redacted]");

	/* Overlapping occurrences: leftmost first, none left behind. */
	char text2[64] = "aaaaa";
	cg_redact(text2, sizeof(text2), "aa");
	ck_assert_str_eq(text2, "[redacted][redacted]a");
}
END_TEST

START_TEST(redact_secret_inside_mark)
{
	/* Each secret occurs in "[redacted]" itself: a search that restarted
	 * at the mark would never end. */
	char a[128] = "d and d";
	char b[128] = "redred red";
	char c[128] = "x[redacted]y";
	char d[128] = "]]";

	cg_redact(a, sizeof(a), "d");
	ck_assert_str_eq(a, "[redacted] an[redacted] [redacted]");
	cg_redact(b, sizeof(b), "red");
	ck_assert_str_eq(b, "[redacted][redacted] [redacted]");
	cg_redact(c, sizeof(c), "[redacted]");
	ck_assert_str_eq(c, "x[redacted]y");
	cg_redact(d, sizeof(d), "]");
	ck_assert_str_eq(d, "[redacted][redacted]");
}
END_TEST

START_TEST(redact_small_buffer)
{
	/* The text grows but the buffer does not: the result is cut, stays
	 * NUL-terminated within size, and shows no part of the secret. */
	struct {
		char text[12];
		char guard[8];
	} s;

	memset(&s, 'G', sizeof(s));
	snprintf(s.text, sizeof(s.text), "a SECRET b");
	cg_redact(s.text, sizeof(s.text), "SECRET");
	ck_assert_str_eq(s.text, "a [redacted");
	ck_assert_mem_eq(s.guard, "GGGGGGGG", 8);

	memset(&s, 'G', sizeof(s));
	snprintf(s.text, sizeof(s.text), "SEC");
	cg_redact(s.text, 4, "SEC");  /* only 4 bytes may be touched */
	ck_assert_str_eq(s.text, "[re");
	ck_assert_int_eq(s.text[4], 'G');

	memset(&s, 'G', sizeof(s));
	snprintf(s.text, sizeof(s.text), "k k k k k");
	cg_redact(s.text, sizeof(s.text), "k");
	ck_assert_str_eq(s.text, "[redacted] ");
	ck_assert_mem_eq(s.guard, "GGGGGGGG", 8);

	/* A mark cut to nothing cannot loop either. */
	char t[4] = "abX";
	cg_redact(t, sizeof(t), "X");
	ck_assert_str_eq(t, "ab[");
}
END_TEST

START_TEST(redact_noop)
{
	char text[32] = "nothing secret here";

	cg_redact(text, sizeof(text), NULL);
	ck_assert_str_eq(text, "nothing secret here");
	cg_redact(text, sizeof(text), "");
	ck_assert_str_eq(text, "nothing secret here");
	cg_redact(text, sizeof(text), "absent");
	ck_assert_str_eq(text, "nothing secret here");
	cg_redact(NULL, 10, "x");            /* must not crash */
	cg_redact(text, 0, "nothing");       /* size 0: untouched */
	ck_assert_str_eq(text, "nothing secret here");
}
END_TEST

/* Which error answers say the route itself is missing (cg_error_route_missing). */
START_TEST(route_missing)
{
	static const struct {
		long status;
		const char *body;
		int missing;
	} rows[] = {
		{ 405, "{\"detail\": \"Method Not Allowed\"}", 1 },
		{ 405, "", 1 },
		{ 404, "{\"detail\": \"Not Found\"}", 1 },
		{ 404, "", 1 },
		{ 404, "<html><body>404 page not found</body></html>", 1 },
		{ 404, "[\"Not Found\"]", 1 },
		{ 404, "{\"detail\": null}", 1 },
		{ 404, "{\"message\": \"Agent run not found.\", \"status_code\": 404}", 0 },
		{ 404, "{\"message\": \"Not Found\"}", 0 },
		{ 404, "{\"detail\": \"Agent run 9 not found\"}", 0 },
		{ 400, "{\"detail\": \"Not Found\"}", 0 },
		{ 500, "", 0 },
		{ 200, "{}", 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_msg(cg_error_route_missing(rows[i].status, rows[i].body,
						     strlen(rows[i].body)) == rows[i].missing,
			      "row %zu: %ld %s", i, rows[i].status, rows[i].body);
	ck_assert_int_eq(cg_error_route_missing(404, NULL, 0), 1);
	/* Only len bytes count: "{\"message\": \"x\"}" cut short is no JSON. */
	ck_assert_int_eq(cg_error_route_missing(404, "{\"message\": \"x\"}", 10), 1);
}
END_TEST

static Suite *errors_suite(void)
{
	Suite *s = suite_create("errors");
	TCase *tc;

	tc = tcase_create("http");
	tcase_add_loop_test(tc, http_table_row, 0, (int)(sizeof(http_rows) / sizeof(http_rows[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("curl");
	tcase_add_loop_test(tc, curl_table_row, 0, (int)(sizeof(curl_rows) / sizeof(curl_rows[0])));
	tcase_add_test(tc, errno_names);
	tcase_add_test(tc, error_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("message");
	tcase_add_test(tc, body_message);
	tcase_add_test(tc, body_detail_string);
	tcase_add_test(tc, body_detail_list);
	tcase_add_test(tc, body_detail_list_odd_items);
	tcase_add_test(tc, body_html);
	tcase_add_test(tc, body_not_nul_terminated);
	tcase_add_test(tc, body_empty);
	tcase_add_test(tc, body_broken_json);
	tcase_add_test(tc, body_message_newlines);
	tcase_add_test(tc, body_tiny_buffer);
	tcase_add_test(tc, route_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("redact");
	tcase_set_timeout(tc, 5);  /* a redaction loop that never ends fails here */
	tcase_add_test(tc, redact_once);
	tcase_add_test(tc, redact_several);
	tcase_add_test(tc, redact_secret_inside_mark);
	tcase_add_test(tc, redact_small_buffer);
	tcase_add_test(tc, redact_noop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(errors_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
