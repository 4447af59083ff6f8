/* test_models.c - unit tests of api/cg_models.c: JSON objects as the
 * Codegen API sends them (doc examples, nulls, wrong types, hostile
 * input) turned into C structs.
 *
 * JSON literals use ' for " to stay readable; a real apostrophe is
 * written \u0027.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cg_models.h"

static char *dq(const char *text)
{
	char *s = strdup(text), *p;

	ck_assert_ptr_nonnull(s);
	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static cJSON *json(const char *text)
{
	char *s = dq(text);
	cJSON *j = cJSON_Parse(s);

	ck_assert_msg(j != NULL, "test JSON does not parse: %s", s);
	free(s);
	return j;
}

static void assert_json_text(const char *actual, const char *expected)
{
	char *e = dq(expected);

	ck_assert_ptr_nonnull(actual);
	ck_assert_str_eq(actual, e);
	free(e);
}

/* Parses text with fn and checks it fails with -EIO without touching out. */
#define ASSERT_REJECTED(fn, type, text) do {				\
	type out_, before_;						\
	cJSON *j_ = json(text);						\
	memset(&out_, 0xA5, sizeof(out_));				\
	memcpy(&before_, &out_, sizeof(out_));				\
	ck_assert_int_eq(fn(j_, &out_), -EIO);				\
	ck_assert_mem_eq(&out_, &before_, sizeof(out_));		\
	cJSON_Delete(j_);						\
} while (0)

/* ---- time -------------------------------------------------------------- */

#define T_20250621 1750504804LL

static int64_t parse_time(const char *text)
{
	int64_t t = 42;

	ck_assert_msg(cg_time_parse(text, &t) == 0, "rejected: %s", text);
	return t;
}

START_TEST(time_iso_z)
{
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04Z"), T_20250621);
	ck_assert_int_eq(parse_time("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(parse_time("1969-12-31T23:59:59Z"), -1);
	ck_assert_int_eq(parse_time("2024-01-15T10:30:00Z"), 1705314600);
}
END_TEST

START_TEST(time_fractions)
{
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04.123456Z"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04.9Z"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04.999999999999Z"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04.5+00:00"), T_20250621);
}
END_TEST

START_TEST(time_offsets)
{
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04+00:00"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04-00:00"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T13:20:04+02:00"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T13:20:04+0200"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T05:50:04-05:30"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T05:50:04.25-0530"), T_20250621);
	/* an offset that crosses midnight and a year */
	ck_assert_int_eq(parse_time("1970-01-01T01:00:00+01:00"), 0);
	ck_assert_int_eq(parse_time("1969-12-31T23:00:00-01:00"), 0);
}
END_TEST

START_TEST(time_zoneless_is_utc)
{
	ck_assert_int_eq(parse_time("2025-06-21 11:20:04.123456"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21 11:20:04"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04"), T_20250621);
	ck_assert_int_eq(parse_time("2025-06-21T11:20:04.000001"), T_20250621);
}
END_TEST

START_TEST(time_leap_days)
{
	ck_assert_int_eq(parse_time("2024-02-29T00:00:00Z"), 1709164800);
	ck_assert_int_eq(parse_time("2000-02-29 12:00:00"), 951825600);
	ck_assert_int_eq(parse_time("9999-12-31T23:59:59Z"), 253402300799LL);
	ck_assert_int_eq(parse_time("0001-01-01T00:00:00Z"), -62135596800LL);
}
END_TEST

START_TEST(time_rejects_garbage)
{
	static const char *const bad[] = {
		"", "abc", "2025-06-21", "2025-06-21T11:20", "2025/06/21 11:20:04",
		" 2025-06-21T11:20:04Z", "2025-6-21T11:20:04Z", "2025-06-21T11:20:04Z ",
		"2025-06-21T11:20:04Zjunk", "2025-06-21T11:20:04+02", "2025-06-21T11:20:04+2:00",
		"2025-06-21T11:20:04.Z", "2025-06-21T11:20:04.", "2025-06-21t11:20:04z",
		"2025-06-21T11:20:04 Z", "2025-06-21X11:20:04Z", "+2025-06-21T11:20:04Z",
		"2025-06-21T11:20:04+02:00:00", "2025-06-21T11:20:04.12a",
		/* out of range */
		"2025-13-01T00:00:00Z", "2025-00-10T00:00:00Z", "2025-06-32T00:00:00Z",
		"2025-06-00T00:00:00Z", "2025-06-31T00:00:00Z", "2025-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "2025-06-21T24:00:00Z", "2025-06-21T11:60:00Z",
		"2025-06-21T11:20:60Z", "2025-06-21T11:20:04+24:00", "2025-06-21T11:20:04+05:60",
	};
	size_t i;
	int64_t t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 42;
		ck_assert_msg(cg_time_parse(bad[i], &t) == -EINVAL, "accepted: '%s'", bad[i]);
		ck_assert_int_eq(t, 42);
	}
	ck_assert_int_eq(cg_time_parse(NULL, &t), -EINVAL);
}
END_TEST

START_TEST(time_format_values)
{
	char buf[21];

	ck_assert_int_eq(cg_time_format(T_20250621, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2025-06-21T11:20:04Z");
	ck_assert_int_eq(cg_time_format(0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	ck_assert_int_eq(cg_time_format(-1, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");
	ck_assert_int_eq(cg_time_format(253402300799LL, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
	ck_assert_int_eq(cg_time_format(-62167219200LL, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0000-01-01T00:00:00Z");
}
END_TEST

START_TEST(time_format_errors)
{
	char buf[64];

	ck_assert_int_eq(cg_time_format(0, buf, 20), -EINVAL);
	ck_assert_int_eq(cg_time_format(0, NULL, 21), -EINVAL);
	ck_assert_int_eq(cg_time_format(253402300800LL, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_time_format(-62167219201LL, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_time_format(INT64_MAX, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_time_format(CG_NONE, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(time_format_round_trip)
{
	static const int64_t epochs[] = {
		0, 1, -1, 59, 86399, 86400, T_20250621, 951825600, 1709164800,
		4107542399LL /* 2100-02-28T23:59:59Z */, 4107542400LL,
		253402300799LL, -62167219200LL, -62135596800LL, 1234567890,
	};
	char buf[21];
	size_t i;

	for (i = 0; i < sizeof(epochs) / sizeof(epochs[0]); i++) {
		ck_assert_int_eq(cg_time_format(epochs[i], buf, sizeof(buf)), 0);
		ck_assert_int_eq(parse_time(buf), epochs[i]);
	}
	/* and text -> epoch -> text normalises zones to Z */
	ck_assert_int_eq(cg_time_format(parse_time("2025-06-21 13:20:04.5"), buf,
					sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2025-06-21T13:20:04Z");
	ck_assert_int_eq(cg_time_format(parse_time("2025-01-01T01:30:00+02:00"), buf,
					sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2024-12-31T23:30:00Z");
}
END_TEST

/* ---- identifiers and scalar fields ---------------------------------------- */

START_TEST(id_as_digit_string)
{
	cJSON *j = json("{'id': '123', 'github_user_id': 42, 'github_username': 'octo'}");
	struct cg_user u;

	ck_assert_int_eq(cg_user_parse(j, &u), 0);
	ck_assert_int_eq(u.id, 123);
	ck_assert_str_eq(u.github_user_id, "42");
	ck_assert_str_eq(u.github_username, "octo");
	cg_user_free(&u);
	cJSON_Delete(j);
}
END_TEST

START_TEST(id_rejected)
{
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': 'abc'}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': {}}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': [1]}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': 1.5}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': 1e300}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': 9007199254740994}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': true}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': null}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'email': 'a@b.c'}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': ''}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': '-5'}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': ' 12'}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': '12a'}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'id': '99999999999999999999'}");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "{'ID': 5}");
	/* not an object at all */
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "[{'id': 1}]");
	ASSERT_REJECTED(cg_user_parse, struct cg_user, "7");
}
END_TEST

START_TEST(id_limits)
{
	cJSON *j = json("{'id': 9007199254740992, 'organization_id': -9007199254740992}");
	cJSON *k = json("{'id': -7, 'organization_id': 1e3}");
	struct cg_repo r;

	ck_assert_int_eq(cg_repo_parse(j, &r), 0);
	ck_assert_int_eq(r.id, 9007199254740992LL);
	ck_assert_int_eq(r.organization_id, -9007199254740992LL);
	cg_repo_free(&r);
	ck_assert_int_eq(cg_repo_parse(k, &r), 0);
	ck_assert_int_eq(r.id, -7);
	ck_assert_int_eq(r.organization_id, 1000);
	cg_repo_free(&r);
	cJSON_Delete(j);
	cJSON_Delete(k);
}
END_TEST

static int64_t run_org_id(const char *text)
{
	cJSON *j = json(text);
	struct cg_run r;
	int64_t v;

	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	v = r.organization_id;
	cg_run_free(&r);
	cJSON_Delete(j);
	return v;
}

START_TEST(optional_int_tolerance)
{
	ck_assert_int_eq(run_org_id("{'id': 1, 'organization_id': 77}"), 77);
	ck_assert_int_eq(run_org_id("{'id': 1, 'organization_id': '77'}"), 77);
	ck_assert_int_eq(run_org_id("{'id': 1, 'organization_id': 'x7'}"), CG_NONE);
	ck_assert_int_eq(run_org_id("{'id': 1, 'organization_id': 1.5}"), CG_NONE);
	ck_assert_int_eq(run_org_id("{'id': 1, 'organization_id': 1e300}"), CG_NONE);
	ck_assert_int_eq(run_org_id("{'id': 1, 'organization_id': false}"), CG_NONE);
	ck_assert_int_eq(run_org_id("{'id': 1, 'organization_id': {}}"), CG_NONE);
	ck_assert_int_eq(run_org_id("{'id': 1, 'organization_id': null}"), CG_NONE);
	ck_assert_int_eq(run_org_id("{'id': 1}"), CG_NONE);
}
END_TEST

/* Returns the summary of {'id': 1, 'summary': <value>} (caller frees). */
static char *run_summary(const char *value)
{
	char text[256];
	struct cg_run r;
	cJSON *j;
	char *s;

	snprintf(text, sizeof(text), "{'id': 1, 'summary': %s}", value);
	j = json(text);
	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	s = r.summary;
	r.summary = NULL;
	cg_run_free(&r);
	cJSON_Delete(j);
	return s;
}

static void assert_summary(const char *value, const char *expected)
{
	char *s = run_summary(value);

	if (expected) {
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s, expected);
	} else {
		ck_assert_ptr_null(s);
	}
	free(s);
}

START_TEST(string_field_conversions)
{
	assert_summary("'done'", "done");
	assert_summary("''", "");
	assert_summary("42", "42");
	assert_summary("42.0", "42");
	assert_summary("-3", "-3");
	assert_summary("1.5", "1.5");
	assert_summary("true", "true");
	assert_summary("false", "false");
	assert_summary("null", NULL);
	assert_summary("{'a': 1}", NULL);
	assert_summary("['a']", NULL);
	assert_summary("'tab\\tnl\\nq\\' \\u00e9'", "tab\tnl\nq\" \xc3\xa9");
}
END_TEST

START_TEST(tri_states)
{
	cJSON *j = json("[{'id': 1, 'is_admin': true}, {'id': 2, 'is_admin': false},"
			" {'id': 3, 'is_admin': null}, {'id': 4},"
			" {'id': 5, 'is_admin': 'true'}, {'id': 6, 'is_admin': 1}]");
	static const int expected[] = { 1, 0, -1, -1, -1, -1 };
	struct cg_user u;
	int i;

	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(cg_user_parse(cJSON_GetArrayItem(j, i), &u), 0);
		ck_assert_int_eq(u.id, i + 1);
		ck_assert_int_eq(u.is_admin, expected[i]);
		cg_user_free(&u);
	}
	cJSON_Delete(j);
}
END_TEST

static void assert_metadata(const char *value, const char *expected)
{
	char text[256];
	struct cg_run r;
	cJSON *j;

	snprintf(text, sizeof(text), "{'id': 1, 'metadata': %s}", value);
	j = json(text);
	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	if (expected)
		assert_json_text(r.metadata, expected);
	else
		ck_assert_ptr_null(r.metadata);
	cg_run_free(&r);
	cJSON_Delete(j);
}

START_TEST(metadata_values)
{
	assert_metadata("{ 'b' : 1, 'a' : [1, 2, {'c': null}] }", "{'b':1,'a':[1,2,{'c':null}]}");
	assert_metadata("{}", "{}");
	assert_metadata("'PAY-12'", "'PAY-12'");
	assert_metadata("5", "5");
	assert_metadata("false", "false");
	assert_metadata("null", NULL);
}
END_TEST

/* ---- runs ------------------------------------------------------------------ */

static const char full_run[] =
	"{'id': 12345, 'organization_id': 1, 'status': 'COMPLETE',"
	" 'created_at': '2023-10-26T09:00:00Z',"
	" 'web_url': 'https://app.codegen.com/runs/12345',"
	" 'result': 'Agent run completed successfully.',"
	" 'summary': 'Code generated based on prompt.', 'source_type': 'API',"
	" 'github_pull_requests': [{'id': 456, 'title': 'Feature Implementation',"
	"   'url': 'https://github.com/user/repo/pull/1',"
	"   'created_at': '2023-10-26T09:00:00Z', 'head_branch_name': 'feature-branch'},"
	"  {'id': 457, 'title': null, 'url': 'https://github.com/user/repo/pull/2',"
	"   'created_at': '2023-10-27 10:00:00.5', 'head_branch_name': null}],"
	" 'metadata': {'ticket': 'PAY-12', 'labels': ['a', 'b']}}";

/* Every field of full_run, parsed. */
static void expect_full_run(const struct cg_run *run)
{
	const struct cg_run r = *run;

	ck_assert_int_eq(r.id, 12345);
	ck_assert_int_eq(r.organization_id, 1);
	ck_assert_str_eq(r.status, "COMPLETE");
	ck_assert_str_eq(r.created_at, "2023-10-26T09:00:00Z");
	ck_assert_int_eq(r.created_epoch, 1698310800);
	ck_assert_str_eq(r.web_url, "https://app.codegen.com/runs/12345");
	ck_assert_str_eq(r.result, "Agent run completed successfully.");
	ck_assert_str_eq(r.summary, "Code generated based on prompt.");
	ck_assert_str_eq(r.source_type, "API");
	ck_assert_uint_eq(r.n_prs, 2);
	ck_assert_int_eq(r.prs[0].id, 456);
	ck_assert_str_eq(r.prs[0].title, "Feature Implementation");
	ck_assert_str_eq(r.prs[0].url, "https://github.com/user/repo/pull/1");
	ck_assert_str_eq(r.prs[0].created_at, "2023-10-26T09:00:00Z");
	ck_assert_str_eq(r.prs[0].head_branch_name, "feature-branch");
	ck_assert_int_eq(r.prs[1].id, 457);
	ck_assert_ptr_null(r.prs[1].title);
	ck_assert_str_eq(r.prs[1].url, "https://github.com/user/repo/pull/2");
	ck_assert_str_eq(r.prs[1].created_at, "2023-10-27 10:00:00.5");
	ck_assert_ptr_null(r.prs[1].head_branch_name);
	assert_json_text(r.metadata, "{'ticket':'PAY-12','labels':['a','b']}");
}

START_TEST(run_full)
{
	cJSON *j = json(full_run);
	struct cg_run r;

	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	expect_full_run(&r);
	ck_assert_ptr_nonnull(r.raw);
	ck_assert_ptr_null(strchr(r.raw, '\n'));
	ck_assert_ptr_null(strstr(r.raw, ": "));
	ck_assert(strncmp(r.raw, "{\"id\":12345,\"organization_id\":1,"
			  "\"status\":\"COMPLETE\",", 52) == 0);
	ck_assert_ptr_nonnull(strstr(r.raw, "\"head_branch_name\":null}],\"metadata\":{"));
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

/* A slim run keeps id, org, status, created_epoch and raw only; expanding
 * it gives back every field, as the first parse did. */
START_TEST(run_slim_and_expand)
{
	cJSON *j = json(full_run);
	struct cg_run r, w;

	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	cg_run_slim(&r);
	ck_assert_int_eq(r.id, 12345);
	ck_assert_int_eq(r.organization_id, 1);
	ck_assert_str_eq(r.status, "COMPLETE");
	ck_assert_int_eq(r.created_epoch, 1698310800);
	ck_assert_ptr_nonnull(r.raw);
	ck_assert_ptr_null(r.created_at);
	ck_assert_ptr_null(r.web_url);
	ck_assert_ptr_null(r.result);
	ck_assert_ptr_null(r.summary);
	ck_assert_ptr_null(r.source_type);
	ck_assert_ptr_null(r.metadata);
	ck_assert_ptr_null(r.prs);
	ck_assert_uint_eq(r.n_prs, 0);
	ck_assert(cg_run_slim_keeps(offsetof(struct cg_run, status)));
	ck_assert(cg_run_slim_keeps(offsetof(struct cg_run, raw)));
	ck_assert(!cg_run_slim_keeps(offsetof(struct cg_run, summary)));
	ck_assert(!cg_run_slim_keeps(offsetof(struct cg_run, prs)));
	ck_assert(!cg_run_slim_keeps(offsetof(struct cg_run, metadata)));

	ck_assert_int_eq(cg_run_expand(&r, &w), 0);
	expect_full_run(&w);
	ck_assert_str_eq(w.raw, r.raw);
	cg_run_free(&w);

	/* No raw to expand from: -EIO, and nothing left to free. */
	free(r.raw);
	r.raw = NULL;
	ck_assert_int_eq(cg_run_expand(&r, &w), -EIO);
	ck_assert_ptr_null(w.status);
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(run_raw_keeps_server_order_and_unknown_fields)
{
	cJSON *j = json("{'status': 'RUNNING', 'new_field': [1, {'x': 'y'}], 'id': 5, 'z': null}");
	struct cg_run r;

	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	ck_assert_int_eq(r.id, 5);
	assert_json_text(r.raw, "{'status':'RUNNING','new_field':[1,{'x':'y'}],'id':5,'z':null}");
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

static void assert_run_empty(const struct cg_run *r)
{
	ck_assert_int_eq(r->id, 9);
	ck_assert_int_eq(r->organization_id, CG_NONE);
	ck_assert_ptr_null(r->status);
	ck_assert_ptr_null(r->created_at);
	ck_assert_int_eq(r->created_epoch, CG_NONE);
	ck_assert_ptr_null(r->web_url);
	ck_assert_ptr_null(r->result);
	ck_assert_ptr_null(r->summary);
	ck_assert_ptr_null(r->source_type);
	ck_assert_ptr_null(r->prs);
	ck_assert_uint_eq(r->n_prs, 0);
	ck_assert_ptr_null(r->metadata);
	ck_assert_ptr_nonnull(r->raw);
}

START_TEST(run_all_null)
{
	cJSON *j = json("{'id': 9, 'organization_id': null, 'status': null, 'created_at': null,"
			" 'web_url': null, 'result': null, 'summary': null, 'source_type': null,"
			" 'github_pull_requests': null, 'metadata': null}");
	struct cg_run r;

	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	assert_run_empty(&r);
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(run_all_missing)
{
	cJSON *j = json("{'id': 9}");
	struct cg_run r;

	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	assert_run_empty(&r);
	assert_json_text(r.raw, "{'id':9}");
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(run_created_at_forms)
{
	cJSON *j = json("[{'id': 1, 'created_at': '2025-06-21 11:20:04.123456'},"
			" {'id': 2, 'created_at': '2025-06-21T13:20:04+02:00'},"
			" {'id': 3, 'created_at': 'yesterday'},"
			" {'id': 4, 'created_at': 1750504804}]");
	struct cg_run r;

	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 0), &r), 0);
	ck_assert_str_eq(r.created_at, "2025-06-21 11:20:04.123456");
	ck_assert_int_eq(r.created_epoch, T_20250621);
	cg_run_free(&r);
	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 1), &r), 0);
	ck_assert_str_eq(r.created_at, "2025-06-21T13:20:04+02:00");
	ck_assert_int_eq(r.created_epoch, T_20250621);
	cg_run_free(&r);
	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 2), &r), 0);
	ck_assert_str_eq(r.created_at, "yesterday");
	ck_assert_int_eq(r.created_epoch, CG_NONE);
	cg_run_free(&r);
	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 3), &r), 0);
	ck_assert_str_eq(r.created_at, "1750504804");
	ck_assert_int_eq(r.created_epoch, CG_NONE);
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(run_prs_without_id_skipped)
{
	cJSON *j = json("{'id': 1, 'github_pull_requests': ["
			" {'title': 'no id', 'url': 'u0'}, {'id': 'abc', 'url': 'u1'},"
			" 5, null, 'x', [], {'id': null},"
			" {'id': '88', 'url': 'u2'}, {'id': 89}]}");
	struct cg_run r;

	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	ck_assert_uint_eq(r.n_prs, 2);
	ck_assert_int_eq(r.prs[0].id, 88);
	ck_assert_str_eq(r.prs[0].url, "u2");
	ck_assert_int_eq(r.prs[1].id, 89);
	ck_assert_ptr_null(r.prs[1].url);
	ck_assert_ptr_null(r.prs[1].title);
	ck_assert_ptr_null(r.prs[1].created_at);
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(run_prs_wrong_type)
{
	cJSON *j = json("[{'id': 1, 'github_pull_requests': {'id': 3}},"
			" {'id': 2, 'github_pull_requests': [{'x': 1}]}]");
	struct cg_run r;

	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 0), &r), 0);
	ck_assert_uint_eq(r.n_prs, 0);
	ck_assert_ptr_null(r.prs);
	cg_run_free(&r);
	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 1), &r), 0);
	ck_assert_uint_eq(r.n_prs, 0);
	ck_assert_ptr_null(r.prs);
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(run_status_kept_verbatim)
{
	cJSON *j = json("[{'id': 1, 'status': 'completed'}, {'id': 2, 'status': 'NEW_STATE_X'},"
			" {'id': 3, 'status': ' RUNNING'}]");
	struct cg_run r;

	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 0), &r), 0);
	ck_assert_str_eq(r.status, "completed");
	ck_assert_int_eq(cg_run_state_of(r.status), CG_RUN_UNKNOWN);
	cg_run_free(&r);
	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 1), &r), 0);
	ck_assert_str_eq(r.status, "NEW_STATE_X");
	cg_run_free(&r);
	ck_assert_int_eq(cg_run_parse(cJSON_GetArrayItem(j, 2), &r), 0);
	ck_assert_str_eq(r.status, " RUNNING");
	ck_assert_int_eq(cg_run_state_of(r.status), CG_RUN_UNKNOWN);
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(run_rejects_non_objects)
{
	struct cg_run r;

	memset(&r, 0x5A, sizeof(r));
	ck_assert_int_eq(cg_run_parse(NULL, &r), -EIO);
	ck_assert_int_eq(r.id, (int64_t)0x5A5A5A5A5A5A5A5AULL);
	ASSERT_REJECTED(cg_run_parse, struct cg_run, "'run'");
	ASSERT_REJECTED(cg_run_parse, struct cg_run, "[]");
	ASSERT_REJECTED(cg_run_parse, struct cg_run, "null");
	/* a required id that goes bad after many owned fields were filled */
	ASSERT_REJECTED(cg_run_parse, struct cg_run, "{'status': 'X', 'summary': 's', 'id': 'nope',"
			" 'github_pull_requests': [{'id': 1}], 'metadata': {}}");
}
END_TEST

START_TEST(run_state_classes)
{
	static const char *const working[] = { "ACTIVE", "PENDING", "RUNNING", "EVALUATION" };
	static const char *const finished[] = {
		"COMPLETE", "FAILED", "ERROR", "CANCELLED", "STOPPED", "TIMEOUT",
		"MAX_ITERATIONS_REACHED", "OUT_OF_TOKENS",
	};
	size_t i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(cg_run_state_of(working[i]), CG_RUN_WORKING);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(cg_run_state_of(finished[i]), CG_RUN_FINISHED);
	ck_assert_int_eq(cg_run_state_of("PAUSED"), CG_RUN_PAUSED);
	ck_assert_int_eq(cg_run_state_of(NULL), CG_RUN_UNKNOWN);
	ck_assert_int_eq(cg_run_state_of(""), CG_RUN_UNKNOWN);
	ck_assert_int_eq(cg_run_state_of("complete"), CG_RUN_UNKNOWN);
	ck_assert_int_eq(cg_run_state_of("Running"), CG_RUN_UNKNOWN);
	ck_assert_int_eq(cg_run_state_of("COMPLETED"), CG_RUN_UNKNOWN);
	ck_assert_int_eq(cg_run_state_of("COMPLETE "), CG_RUN_UNKNOWN);
	ck_assert_int_eq(cg_run_state_of("QUEUED"), CG_RUN_UNKNOWN);
}
END_TEST

/* ---- hostile input ---------------------------------------------------------- */

START_TEST(huge_summary_kept)
{
	const size_t len = 1 << 20;
	const char head[] = "{\"id\": 1, \"summary\": \"";
	char *text, *p;
	struct cg_run r;
	cJSON *j;
	size_t i;

	text = malloc(sizeof(head) + len + 3);
	ck_assert_ptr_nonnull(text);
	memcpy(text, head, sizeof(head) - 1);
	p = text + sizeof(head) - 1;
	for (i = 0; i < len; i++)
		p[i] = 'a' + i % 26;
	memcpy(p + len, "\"}", 3);
	j = cJSON_Parse(text);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	ck_assert_uint_eq(strlen(r.summary), len);
	ck_assert(memcmp(r.summary, p, len) == 0);
	ck_assert_uint_eq(strlen(r.raw), len + strlen("{\"id\":1,\"summary\":\"\"}"));
	cg_run_free(&r);
	cJSON_Delete(j);
	free(text);
}
END_TEST

START_TEST(invalid_utf8_kept)
{
	static const char bytes[] = "a\xff\xfe" "b\xc3(" "\xed\xa0\x80" "z\x80";
	static const char text[] = "{\"id\":1,\"summary\":\"a\xff\xfe" "b\xc3(" "\xed\xa0\x80"
				   "z\x80\"}";
	cJSON *j = cJSON_Parse(text);
	struct cg_run r;

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	ck_assert_uint_eq(strlen(r.summary), sizeof(bytes) - 1);
	ck_assert(memcmp(r.summary, bytes, sizeof(bytes)) == 0);
	ck_assert_str_eq(r.raw, text);
	cg_run_free(&r);
	cJSON_Delete(j);
}
END_TEST

static char *nested_array(size_t depth, const char *prefix, const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(suffix);
	char *s = malloc(lp + 2 * depth + ls + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, lp);
	memset(s + lp, '[', depth);
	memset(s + lp + depth, ']', depth);
	memcpy(s + lp + 2 * depth, suffix, ls + 1);
	return s;
}

START_TEST(deep_nesting)
{
	char *deep = nested_array(10000, "{\"id\": 1, \"metadata\": ", "}");
	char *ok = nested_array(900, "{\"id\": 1, \"metadata\": ", "}");
	char *inner = nested_array(900, "", "");
	struct cg_run r;
	cJSON *j;

	/* cJSON 1.7.15 refuses more than CJSON_NESTING_LIMIT (1000) levels;
	 * the parser then sees NULL and must fail cleanly. */
	j = cJSON_Parse(deep);
	ck_assert_ptr_null(j);
	ck_assert_int_eq(cg_run_parse(j, &r), -EIO);

	j = cJSON_Parse(ok);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cg_run_parse(j, &r), 0);
	ck_assert_str_eq(r.metadata, inner);
	cg_run_free(&r);
	cJSON_Delete(j);
	free(deep);
	free(ok);
	free(inner);
}
END_TEST

/* ---- logs --------------------------------------------------------------------- */

/* The example of agent-run-logs.mdx, as is. */
static const char doc_logs[] =
	"{'id': 12345, 'organization_id': 67890, 'status': 'completed',"
	" 'created_at': '2024-01-15T10:30:00Z',"
	" 'web_url': 'https://app.codegen.com/agent/trace/12345',"
	" 'result': 'Task completed successfully',"
	" 'logs': [{'agent_run_id': 12345, 'created_at': '2024-01-15T10:30:15Z',"
	"   'tool_name': 'ripgrep_search', 'message_type': 'ACTION',"
	"   'thought': 'I need to search for the user\\u0027s function in the codebase',"
	"   'observation': {'status': 'success', 'results': ['Found 3 matches...']},"
	"   'tool_input': {'query': 'function getUserData', 'file_extensions': ['.js', '.ts']},"
	"   'tool_output': {'matches': 3, 'files': ['src/user.js', 'src/api.ts']}}],"
	" 'total_logs': 25, 'page': 1, 'size': 100, 'pages': 1}";

START_TEST(logs_doc_example)
{
	cJSON *j = json(doc_logs);
	struct cg_run_logs l;
	struct cg_log_entry *e;

	ck_assert_int_eq(cg_run_logs_parse(j, &l), 0);
	ck_assert_int_eq(l.run.id, 12345);
	ck_assert_int_eq(l.run.organization_id, 67890);
	ck_assert_str_eq(l.run.status, "completed");
	ck_assert_int_eq(l.run.created_epoch, 1705314600);
	ck_assert_str_eq(l.run.web_url, "https://app.codegen.com/agent/trace/12345");
	ck_assert_str_eq(l.run.result, "Task completed successfully");
	ck_assert_ptr_null(l.run.summary);
	ck_assert_uint_eq(l.run.n_prs, 0);
	assert_json_text(l.run.raw, "{'id':12345,'organization_id':67890,'status':'completed',"
			 "'created_at':'2024-01-15T10:30:00Z',"
			 "'web_url':'https://app.codegen.com/agent/trace/12345',"
			 "'result':'Task completed successfully',"
			 "'total_logs':25,'page':1,'size':100,'pages':1}");
	ck_assert_int_eq(l.total_logs, 25);
	ck_assert_int_eq(l.page, 1);
	ck_assert_int_eq(l.size, 100);
	ck_assert_int_eq(l.pages, 1);
	ck_assert_uint_eq(l.n_logs, 1);
	e = &l.logs[0];
	ck_assert_int_eq(e->agent_run_id, 12345);
	ck_assert_str_eq(e->created_at, "2024-01-15T10:30:15Z");
	ck_assert_str_eq(e->tool_name, "ripgrep_search");
	ck_assert_str_eq(e->message_type, "ACTION");
	ck_assert_str_eq(e->thought, "I need to search for the user's function in the codebase");
	assert_json_text(e->observation, "{'status':'success','results':['Found 3 matches...']}");
	ck_assert_int_eq(e->observation_is_json, 1);
	assert_json_text(e->tool_input,
			 "{'query':'function getUserData','file_extensions':['.js','.ts']}");
	assert_json_text(e->tool_output, "{'matches':3,'files':['src/user.js','src/api.ts']}");
	ck_assert(strncmp(e->raw, "{\"agent_run_id\":12345,\"created_at\":", 35) == 0);
	ck_assert_ptr_nonnull(strstr(e->raw,
				     "\"thought\":\"I need to search for the user's function"));
	ck_assert_ptr_null(strchr(e->raw, '\n'));
	cg_run_logs_free(&l);
	cJSON_Delete(j);
}
END_TEST

static void parse_entry(const char *text, struct cg_log_entry *e)
{
	cJSON *j = json(text);

	ck_assert_int_eq(cg_log_entry_parse(j, e), 0);
	cJSON_Delete(j);
}

START_TEST(log_observation_shapes)
{
	struct cg_log_entry e;

	parse_entry("{'agent_run_id': 1, 'observation': 'plain text'}", &e);
	ck_assert_str_eq(e.observation, "plain text");
	ck_assert_int_eq(e.observation_is_json, 0);
	cg_log_entry_free(&e);

	parse_entry("{'agent_run_id': 1, 'observation': {'b': [1, 'x'], 'a': null}}", &e);
	assert_json_text(e.observation, "{'b':[1,'x'],'a':null}");
	ck_assert_int_eq(e.observation_is_json, 1);
	cg_log_entry_free(&e);

	parse_entry("{'agent_run_id': 1, 'observation': ['x', 2]}", &e);
	assert_json_text(e.observation, "['x',2]");
	ck_assert_int_eq(e.observation_is_json, 1);
	cg_log_entry_free(&e);

	parse_entry("{'agent_run_id': 1, 'observation': null}", &e);
	ck_assert_ptr_null(e.observation);
	ck_assert_int_eq(e.observation_is_json, 0);
	cg_log_entry_free(&e);

	parse_entry("{'agent_run_id': 1}", &e);
	ck_assert_ptr_null(e.observation);
	ck_assert_int_eq(e.observation_is_json, 0);
	cg_log_entry_free(&e);

	parse_entry("{'agent_run_id': 1, 'observation': 3}", &e);
	ck_assert_str_eq(e.observation, "3");
	ck_assert_int_eq(e.observation_is_json, 0);
	cg_log_entry_free(&e);
}
END_TEST

START_TEST(log_entry_nulls_and_tolerance)
{
	struct cg_log_entry e;

	parse_entry("{'agent_run_id': null, 'created_at': null, 'tool_name': null,"
		    " 'message_type': null, 'thought': null, 'tool_input': null,"
		    " 'tool_output': null}", &e);
	ck_assert_int_eq(e.agent_run_id, CG_NONE);
	ck_assert_ptr_null(e.created_at);
	ck_assert_ptr_null(e.tool_name);
	ck_assert_ptr_null(e.message_type);
	ck_assert_ptr_null(e.thought);
	ck_assert_ptr_null(e.tool_input);
	ck_assert_ptr_null(e.tool_output);
	ck_assert_ptr_nonnull(e.raw);
	cg_log_entry_free(&e);

	parse_entry("{'message_type': 'SOMETHING_NEW_2', 'tool_input': 'str',"
		    " 'tool_output': []}", &e);
	ck_assert_int_eq(e.agent_run_id, CG_NONE);
	ck_assert_str_eq(e.message_type, "SOMETHING_NEW_2");
	assert_json_text(e.tool_input, "'str'");
	assert_json_text(e.tool_output, "[]");
	assert_json_text(e.raw,
			 "{'message_type':'SOMETHING_NEW_2','tool_input':'str','tool_output':[]}");
	cg_log_entry_free(&e);

	ASSERT_REJECTED(cg_log_entry_parse, struct cg_log_entry, "['agent_run_id']");
	ASSERT_REJECTED(cg_log_entry_parse, struct cg_log_entry, "'ACTION'");
}
END_TEST

START_TEST(logs_required)
{
	ASSERT_REJECTED(cg_run_logs_parse, struct cg_run_logs, "{'id': 1, 'organization_id': 2}");
	ASSERT_REJECTED(cg_run_logs_parse, struct cg_run_logs, "{'id': 1, 'logs': null}");
	ASSERT_REJECTED(cg_run_logs_parse, struct cg_run_logs, "{'id': 1, 'logs': {'0': {}}}");
	ASSERT_REJECTED(cg_run_logs_parse, struct cg_run_logs, "{'id': 1, 'logs': 'none'}");
	/* the envelope's id is required like a run's */
	ASSERT_REJECTED(cg_run_logs_parse, struct cg_run_logs, "{'logs': [{'agent_run_id': 1}]}");
	ASSERT_REJECTED(cg_run_logs_parse, struct cg_run_logs, "{'id': 'x', 'logs': []}");
	ASSERT_REJECTED(cg_run_logs_parse, struct cg_run_logs, "[]");
}
END_TEST

START_TEST(logs_skip_non_objects)
{
	cJSON *j = json("{'id': 7, 'logs': [1, 'x', null, {'message_type': 'ERROR',"
			" 'observation': 'boom'}, [], true, {'agent_run_id': '7', 'thought': 't'}],"
			" 'total_logs': null, 'page': '2'}");
	struct cg_run_logs l;

	ck_assert_int_eq(cg_run_logs_parse(j, &l), 0);
	ck_assert_uint_eq(l.n_logs, 2);
	ck_assert_str_eq(l.logs[0].message_type, "ERROR");
	ck_assert_str_eq(l.logs[0].observation, "boom");
	ck_assert_int_eq(l.logs[0].agent_run_id, CG_NONE);
	ck_assert_int_eq(l.logs[1].agent_run_id, 7);
	ck_assert_str_eq(l.logs[1].thought, "t");
	ck_assert_int_eq(l.total_logs, CG_NONE);
	ck_assert_int_eq(l.page, 2);
	ck_assert_int_eq(l.size, CG_NONE);
	ck_assert_int_eq(l.pages, CG_NONE);
	assert_json_text(l.run.raw, "{'id':7,'total_logs':null,'page':'2'}");
	cg_run_logs_free(&l);
	cJSON_Delete(j);
}
END_TEST

START_TEST(logs_empty_page)
{
	cJSON *j = json("{'id': 7, 'status': 'RUNNING', 'logs': [], 'total_logs': 0}");
	struct cg_run_logs l;

	ck_assert_int_eq(cg_run_logs_parse(j, &l), 0);
	ck_assert_uint_eq(l.n_logs, 0);
	ck_assert_ptr_null(l.logs);
	ck_assert_int_eq(l.total_logs, 0);
	ck_assert_str_eq(l.run.status, "RUNNING");
	ck_assert_int_eq(l.run.created_epoch, CG_NONE);
	assert_json_text(l.run.raw, "{'id':7,'status':'RUNNING','total_logs':0}");
	cg_run_logs_free(&l);
	cJSON_Delete(j);
}
END_TEST

START_TEST(logs_deep_values)
{
	char *text = nested_array(900, "{\"id\": 3, \"metadata\": ",
				  ", \"logs\": [{\"agent_run_id\": 3,"
				  " \"tool_input\": {\"a\": 1}}]}");
	char *inner = nested_array(900, "", "");
	cJSON *j = cJSON_Parse(text);
	struct cg_run_logs l;

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cg_run_logs_parse(j, &l), 0);
	ck_assert_str_eq(l.run.metadata, inner);
	ck_assert_uint_eq(l.n_logs, 1);
	assert_json_text(l.logs[0].tool_input, "{'a':1}");
	ck_assert_ptr_null(strstr(l.run.raw, "logs"));
	cg_run_logs_free(&l);
	cJSON_Delete(j);
	free(text);
	free(inner);
}
END_TEST

/* ---- pages -------------------------------------------------------------------- */

START_TEST(org_page_doc_example)
{
	cJSON *j = json("{'items': [{'id': 123, 'name': 'acme', 'settings':"
			" {'enable_pr_creation': true, 'enable_rules_detection': false}},"
			" {'id': 124, 'name': null, 'settings': null}, {'id': 125}],"
			" 'total': 3, 'page': 1, 'size': 100, 'pages': 1}");
	struct cg_org_page p;

	ck_assert_int_eq(cg_org_page_parse(j, &p), 0);
	ck_assert_int_eq(p.meta.total, 3);
	ck_assert_int_eq(p.meta.page, 1);
	ck_assert_int_eq(p.meta.size, 100);
	ck_assert_int_eq(p.meta.pages, 1);
	ck_assert_uint_eq(p.n, 3);
	ck_assert_int_eq(p.items[0].id, 123);
	ck_assert_str_eq(p.items[0].name, "acme");
	ck_assert_int_eq(p.items[0].enable_pr_creation, 1);
	ck_assert_int_eq(p.items[0].enable_rules_detection, 0);
	assert_json_text(p.items[0].raw, "{'id':123,'name':'acme','settings':"
			 "{'enable_pr_creation':true,'enable_rules_detection':false}}");
	ck_assert_int_eq(p.items[1].id, 124);
	ck_assert_ptr_null(p.items[1].name);
	ck_assert_int_eq(p.items[1].enable_pr_creation, -1);
	ck_assert_int_eq(p.items[1].enable_rules_detection, -1);
	ck_assert_int_eq(p.items[2].enable_pr_creation, -1);
	cg_org_page_free(&p);
	cJSON_Delete(j);
}
END_TEST

START_TEST(user_page)
{
	cJSON *j = json("{'items': [{'id': 1, 'email': 'a@example.com', 'github_user_id': '583231',"
			" 'github_username': 'octocat', 'avatar_url': 'https://x/a.png',"
			" 'full_name': 'Mona Lisa', 'role': 'ADMIN', 'is_admin': true},"
			" {'id': 2, 'email': null, 'github_user_id': '9', 'github_username': 'b',"
			" 'avatar_url': null, 'full_name': null, 'role': null, 'is_admin': null}],"
			" 'total': 2, 'page': 1, 'size': 2, 'pages': 1}");
	struct cg_user_page p;

	ck_assert_int_eq(cg_user_page_parse(j, &p), 0);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_int_eq(p.meta.size, 2);
	ck_assert_str_eq(p.items[0].email, "a@example.com");
	ck_assert_str_eq(p.items[0].github_user_id, "583231");
	ck_assert_str_eq(p.items[0].github_username, "octocat");
	ck_assert_str_eq(p.items[0].avatar_url, "https://x/a.png");
	ck_assert_str_eq(p.items[0].full_name, "Mona Lisa");
	ck_assert_str_eq(p.items[0].role, "ADMIN");
	ck_assert_int_eq(p.items[0].is_admin, 1);
	ck_assert_int_eq(p.items[1].id, 2);
	ck_assert_ptr_null(p.items[1].email);
	ck_assert_ptr_null(p.items[1].avatar_url);
	ck_assert_ptr_null(p.items[1].full_name);
	ck_assert_ptr_null(p.items[1].role);
	ck_assert_int_eq(p.items[1].is_admin, -1);
	cg_user_page_free(&p);
	cJSON_Delete(j);
}
END_TEST

START_TEST(repo_page)
{
	cJSON *j = json("{'items': [{'id': 456, 'name': 'api', 'full_name': 'acme/api',"
			" 'description': null, 'github_id': '777', 'organization_id': 11,"
			" 'visibility': 'private', 'archived': false, 'setup_status': 'COMPLETED',"
			" 'language': 'C'}], 'total': 41, 'page': 3, 'size': 20, 'pages': 3}");
	struct cg_repo_page p;
	struct cg_repo *r;

	ck_assert_int_eq(cg_repo_page_parse(j, &p), 0);
	ck_assert_int_eq(p.meta.total, 41);
	ck_assert_int_eq(p.meta.page, 3);
	ck_assert_int_eq(p.meta.size, 20);
	ck_assert_int_eq(p.meta.pages, 3);
	ck_assert_uint_eq(p.n, 1);
	r = &p.items[0];
	ck_assert_int_eq(r->id, 456);
	ck_assert_str_eq(r->name, "api");
	ck_assert_str_eq(r->full_name, "acme/api");
	ck_assert_ptr_null(r->description);
	ck_assert_str_eq(r->github_id, "777");
	ck_assert_int_eq(r->organization_id, 11);
	ck_assert_str_eq(r->visibility, "private");
	ck_assert_int_eq(r->archived, 0);
	ck_assert_str_eq(r->setup_status, "COMPLETED");
	ck_assert_str_eq(r->language, "C");
	cg_repo_page_free(&p);
	cJSON_Delete(j);
}
END_TEST

START_TEST(run_page)
{
	cJSON *j = json("{'items': [{'id': 790, 'organization_id': 11, 'status': 'RUNNING',"
			" 'created_at': '2025-06-21 11:20:04.123456'},"
			" {'id': 789, 'organization_id': 11, 'status': 'COMPLETE', 'summary': 'ok',"
			"  'github_pull_requests': [{'id': 1,"
			"   'url': 'https://github.com/a/b/pull/3'}]}],"
			" 'total': 1000, 'page': 1, 'size': 2, 'pages': 500}");
	struct cg_run_page p;

	ck_assert_int_eq(cg_run_page_parse(j, &p), 0);
	ck_assert_int_eq(p.meta.total, 1000);
	ck_assert_int_eq(p.meta.pages, 500);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_int_eq(p.items[0].id, 790);
	ck_assert_int_eq(p.items[0].created_epoch, T_20250621);
	ck_assert_int_eq(cg_run_state_of(p.items[0].status), CG_RUN_WORKING);
	ck_assert_int_eq(p.items[1].id, 789);
	ck_assert_str_eq(p.items[1].summary, "ok");
	ck_assert_uint_eq(p.items[1].n_prs, 1);
	ck_assert_str_eq(p.items[1].prs[0].url, "https://github.com/a/b/pull/3");
	assert_json_text(p.items[0].raw, "{'id':790,'organization_id':11,'status':'RUNNING',"
			 "'created_at':'2025-06-21 11:20:04.123456'}");
	cg_run_page_free(&p);
	cJSON_Delete(j);
}
END_TEST

/* Parses text with fn (out type type), expects ids in order and left items
 * left out (the member at left). */
#define ASSERT_PAGE(fn, type, text, left, ...) do {			\
	const int64_t want_[] = { 0, __VA_ARGS__ }; /* [0]: a pad */	\
	type out_;							\
	cJSON *j_ = json(text);						\
	ck_assert_int_eq(fn(j_, &out_), 0);				\
	ck_assert_uint_eq(out_.n, sizeof(want_) / sizeof(want_[0]) - 1); \
	for (size_t i_ = 1; i_ < sizeof(want_) / sizeof(want_[0]); i_++) \
		ck_assert_int_eq(out_.items[i_ - 1].id, want_[i_]);	\
	ck_assert_uint_eq(out_.meta.left_out, (left));			\
	fn##_free_(&out_);						\
	cJSON_Delete(j_);						\
} while (0)
#define cg_run_page_parse_free_ cg_run_page_free
#define cg_org_page_parse_free_ cg_org_page_free
#define cg_user_page_parse_free_ cg_user_page_free
#define cg_repo_page_parse_free_ cg_repo_page_free

START_TEST(page_bad_items_left_out)
{
	/* a bad item is left out and counted; the good ones around it stay */
	ASSERT_PAGE(cg_run_page_parse, struct cg_run_page,
		    "{'items': [{'id': 1, 'summary': 's'}, {'id': 2}, {'id': 'abc'}],"
		    " 'total': 3, 'page': 1, 'size': 3, 'pages': 1}", 1, 1, 2);
	ASSERT_PAGE(cg_run_page_parse, struct cg_run_page,
		    "{'items': [{'id': 1}, 5, null, {'id': 3}], 'total': 2}", 2, 1, 3);
	ASSERT_PAGE(cg_org_page_parse, struct cg_org_page,
		    "{'items': [{'name': 'no id'}, {'id': null}, {'id': 8.5}, {'id': true},"
		    " {'id': 'x'}, {'id': '12'}], 'total': 1}", 5, 12);
	ASSERT_PAGE(cg_user_page_parse, struct cg_user_page,
		    "{'items': [{'id': 1.25}], 'total': 1}", 1);
	ASSERT_PAGE(cg_repo_page_parse, struct cg_repo_page,
		    "{'items': [{'id': 1}, {'id': {}}]}", 1, 1);
	/* the page itself must still be a page */
	ASSERT_REJECTED(cg_org_page_parse, struct cg_org_page, "{'items': null}");
	ASSERT_REJECTED(cg_org_page_parse, struct cg_org_page, "null");
}
END_TEST

/* One answer holds at most CG_JSON_MAX_ITEMS items: the rest are left out. */
START_TEST(page_items_capped)
{
	cJSON *j = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(j, "items");
	struct cg_org_page p;

	for (int i = 1; i <= CG_JSON_MAX_ITEMS + 3; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "id", i);
		cJSON_AddItemToArray(items, o);
	}
	cJSON_AddItemToArray(items, cJSON_CreateNull());
	ck_assert_int_eq(cg_org_page_parse(j, &p), 0);
	ck_assert_uint_eq(p.n, CG_JSON_MAX_ITEMS);
	ck_assert_int_eq(p.items[CG_JSON_MAX_ITEMS - 1].id, CG_JSON_MAX_ITEMS);
	ck_assert_uint_eq(p.meta.left_out, 4);
	cg_org_page_free(&p);
	cJSON_Delete(j);
}
END_TEST

START_TEST(page_items_required)
{
	cJSON *j = json("{'items': []}");
	struct cg_repo_page p;

	ASSERT_REJECTED(cg_repo_page_parse, struct cg_repo_page, "{'total': 0}");
	ASSERT_REJECTED(cg_repo_page_parse, struct cg_repo_page, "{'items': null, 'total': 0}");
	ASSERT_REJECTED(cg_repo_page_parse, struct cg_repo_page, "{'items': {'id': 1}}");
	ASSERT_REJECTED(cg_repo_page_parse, struct cg_repo_page, "[{'id': 1}]");
	ck_assert_int_eq(cg_repo_page_parse(j, &p), 0);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_ptr_null(p.items);
	ck_assert_int_eq(p.meta.total, CG_NONE);
	ck_assert_int_eq(p.meta.page, CG_NONE);
	ck_assert_int_eq(p.meta.size, CG_NONE);
	ck_assert_int_eq(p.meta.pages, CG_NONE);
	cg_repo_page_free(&p);
	cJSON_Delete(j);
}
END_TEST

/* ---- organization extras --------------------------------------------------------- */

START_TEST(integrations)
{
	cJSON *j = json("{'organization_id': 11, 'organization_name': 'acme',"
			" 'integrations': [{'integration_type': 'github', 'active': true,"
			"  'token_id': null, 'installation_id': 998, 'metadata': {'app': 'x'}},"
			" 'junk', {'integration_type': 'slack', 'active': false}],"
			" 'total_active_integrations': 1}");
	struct cg_integrations in;

	ck_assert_int_eq(cg_integrations_parse(j, &in), 0);
	ck_assert_int_eq(in.organization_id, 11);
	ck_assert_str_eq(in.organization_name, "acme");
	ck_assert_int_eq(in.total_active_integrations, 1);
	ck_assert_uint_eq(in.n, 2);
	ck_assert_str_eq(in.items[0].integration_type, "github");
	ck_assert_int_eq(in.items[0].active, 1);
	ck_assert_int_eq(in.items[0].token_id, CG_NONE);
	ck_assert_int_eq(in.items[0].installation_id, 998);
	assert_json_text(in.items[0].metadata, "{'app':'x'}");
	ck_assert_str_eq(in.items[1].integration_type, "slack");
	ck_assert_int_eq(in.items[1].active, 0);
	ck_assert_ptr_null(in.items[1].metadata);
	ck_assert_ptr_nonnull(strstr(in.raw, "\"junk\""));
	cg_integrations_free(&in);
	cJSON_Delete(j);
}
END_TEST

START_TEST(cli_rules)
{
	cJSON *j = json("[{'organization_rules': 'Use tabs.\\nNo sprintf.',"
			" 'user_custom_prompt': null},"
			" {}]");
	struct cg_cli_rules r;

	ck_assert_int_eq(cg_cli_rules_parse(cJSON_GetArrayItem(j, 0), &r), 0);
	ck_assert_str_eq(r.organization_rules, "Use tabs.\nNo sprintf.");
	ck_assert_ptr_null(r.user_custom_prompt);
	assert_json_text(r.raw, "{'organization_rules':'Use tabs.\\nNo sprintf.',"
			 "'user_custom_prompt':null}");
	cg_cli_rules_free(&r);
	ck_assert_int_eq(cg_cli_rules_parse(cJSON_GetArrayItem(j, 1), &r), 0);
	ck_assert_ptr_null(r.organization_rules);
	ck_assert_ptr_null(r.user_custom_prompt);
	assert_json_text(r.raw, "{}");
	cg_cli_rules_free(&r);
	ASSERT_REJECTED(cg_cli_rules_parse, struct cg_cli_rules, "'rules'");
	cJSON_Delete(j);
}
END_TEST

START_TEST(check_suite)
{
	cJSON *j = json("{'check_retry_count': 3, 'ignored_checks': ['lint', 7, null, {}, 'docs'],"
			" 'check_retry_counts': {'build': 2, 'e2e': 'x', 'unit': 5},"
			" 'custom_prompts': {'lint': 'fix style', 'e2e': null},"
			" 'high_priority_apps': [],"
			" 'available_check_suite_names': ['build', 'lint']}");
	struct cg_check_suite s;

	ck_assert_int_eq(cg_check_suite_parse(j, &s), 0);
	ck_assert_int_eq(s.check_retry_count, 3);
	ck_assert_uint_eq(s.ignored_checks.n, 3);
	ck_assert_str_eq(s.ignored_checks.items[0], "lint");
	ck_assert_str_eq(s.ignored_checks.items[1], "7");
	ck_assert_str_eq(s.ignored_checks.items[2], "docs");
	ck_assert_uint_eq(s.check_retry_counts.n, 3);
	ck_assert_str_eq(s.check_retry_counts.items[0].key, "build");
	ck_assert_int_eq(s.check_retry_counts.items[0].num, 2);
	ck_assert_ptr_null(s.check_retry_counts.items[0].str);
	ck_assert_str_eq(s.check_retry_counts.items[1].key, "e2e");
	ck_assert_int_eq(s.check_retry_counts.items[1].num, CG_NONE);
	ck_assert_str_eq(s.check_retry_counts.items[2].key, "unit");
	ck_assert_int_eq(s.check_retry_counts.items[2].num, 5);
	ck_assert_uint_eq(s.custom_prompts.n, 2);
	ck_assert_str_eq(s.custom_prompts.items[0].key, "lint");
	ck_assert_str_eq(s.custom_prompts.items[0].str, "fix style");
	ck_assert_int_eq(s.custom_prompts.items[0].num, CG_NONE);
	ck_assert_str_eq(s.custom_prompts.items[1].key, "e2e");
	ck_assert_ptr_null(s.custom_prompts.items[1].str);
	ck_assert_uint_eq(s.high_priority_apps.n, 0);
	ck_assert_ptr_null(s.high_priority_apps.items);
	ck_assert_uint_eq(s.available_check_suite_names.n, 2);
	ck_assert_str_eq(s.available_check_suite_names.items[1], "lint");
	ck_assert_ptr_nonnull(s.raw);
	cg_check_suite_free(&s);
	cJSON_Delete(j);
}
END_TEST

START_TEST(check_suite_missing_and_wrong_types)
{
	cJSON *j = json("{'ignored_checks': 'lint', 'check_retry_counts': ['a'],"
			" 'custom_prompts': null}");
	struct cg_check_suite s;

	ck_assert_int_eq(cg_check_suite_parse(j, &s), 0);
	ck_assert_int_eq(s.check_retry_count, CG_NONE);
	ck_assert_uint_eq(s.ignored_checks.n, 0);
	ck_assert_uint_eq(s.check_retry_counts.n, 0);
	ck_assert_ptr_null(s.check_retry_counts.items);
	ck_assert_uint_eq(s.custom_prompts.n, 0);
	ck_assert_uint_eq(s.high_priority_apps.n, 0);
	ck_assert_uint_eq(s.available_check_suite_names.n, 0);
	cg_check_suite_free(&s);
	cJSON_Delete(j);
}
END_TEST

START_TEST(oauth_providers)
{
	cJSON *j = json("[{'id': 1, 'name': 'linear', 'issuer': 'https://linear.app',"
			" 'authorization_endpoint': 'https://linear.app/oauth/authorize',"
			" 'token_endpoint': 'https://api.linear.app/oauth/token',"
			" 'default_scopes': ['read', 'write'], 'is_mcp': true, 'meta': {'v': 2}},"
			" {'id': 2, 'name': 'x', 'default_scopes': null, 'is_mcp': false,"
			"  'meta': null}]");
	struct cg_oauth_provider_list l;

	ck_assert_int_eq(cg_oauth_provider_list_parse(j, &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.items[0].id, 1);
	ck_assert_str_eq(l.items[0].name, "linear");
	ck_assert_str_eq(l.items[0].issuer, "https://linear.app");
	ck_assert_str_eq(l.items[0].authorization_endpoint, "https://linear.app/oauth/authorize");
	ck_assert_str_eq(l.items[0].token_endpoint, "https://api.linear.app/oauth/token");
	ck_assert_uint_eq(l.items[0].default_scopes.n, 2);
	ck_assert_str_eq(l.items[0].default_scopes.items[0], "read");
	ck_assert_str_eq(l.items[0].default_scopes.items[1], "write");
	ck_assert_int_eq(l.items[0].is_mcp, 1);
	assert_json_text(l.items[0].meta, "{'v':2}");
	ck_assert_ptr_null(l.items[1].issuer);
	ck_assert_uint_eq(l.items[1].default_scopes.n, 0);
	ck_assert_int_eq(l.items[1].is_mcp, 0);
	ck_assert_ptr_null(l.items[1].meta);
	assert_json_text(l.items[1].raw, "{'id':2,'name':'x','default_scopes':null,"
			 "'is_mcp':false,'meta':null}");
	ck_assert(l.raw[0] == '[');
	ck_assert_ptr_nonnull(strstr(l.raw, "},{\"id\":2,"));
	cg_oauth_provider_list_free(&l);
	cJSON_Delete(j);

	j = json("[{'id': 1}, {'name': 'no id'}, null, 7, {'id': 2.5}]");
	ck_assert_int_eq(cg_oauth_provider_list_parse(j, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].id, 1);
	ck_assert_uint_eq(l.left_out, 4);
	cg_oauth_provider_list_free(&l);
	cJSON_Delete(j);
	ASSERT_REJECTED(cg_oauth_provider_list_parse, struct cg_oauth_provider_list, "null");
	ASSERT_REJECTED(cg_oauth_provider_list_parse, struct cg_oauth_provider_list,
			"{'items': [{'id': 1}]}");
}
END_TEST

static void assert_status(const char *text, const char *a, const char *b)
{
	struct cg_string_list l;
	cJSON *j = json(text);

	ck_assert_int_eq(cg_oauth_status_parse(j, &l), 0);
	ck_assert_uint_eq(l.n, b ? 2 : a ? 1 : 0);
	if (a)
		ck_assert_str_eq(l.items[0], a);
	if (b)
		ck_assert_str_eq(l.items[1], b);
	cg_string_list_free(&l);
	ck_assert_ptr_null(l.items);
	ck_assert_uint_eq(l.n, 0);
	cJSON_Delete(j);
}

START_TEST(oauth_status_shapes)
{
	assert_status("['github', 'linear']", "github", "linear");
	assert_status("[{'provider': 'slack'}, {'name': 'jira', 'x': 1}]", "slack", "jira");
	assert_status("[{'provider': 'slack', 'name': 'ignored'}]", "slack", NULL);
	assert_status("{'providers': ['notion']}", "notion", NULL);
	assert_status("{'org_id': 5, 'connected': [{'provider': 'a'}, 'b']}", "a", "b");
	assert_status("[]", NULL, NULL);
	assert_status("{'providers': []}", NULL, NULL);
}
END_TEST

/* The schema is {}: any JSON is an answer; what is not a name is left out. */
static void assert_status_odd(const char *text, const char *a, size_t left_out)
{
	struct cg_string_list l;
	cJSON *j = json(text);

	ck_assert_int_eq(cg_oauth_status_parse(j, &l), 0);
	ck_assert_uint_eq(l.n, a ? 1 : 0);
	if (a)
		ck_assert_str_eq(l.items[0], a);
	ck_assert_uint_eq(l.left_out, left_out);
	cg_string_list_free(&l);
	cJSON_Delete(j);
}

START_TEST(oauth_status_any_json)
{
	assert_status_odd("{}", NULL, 0);
	assert_status_odd("{'github': true}", NULL, 0);
	assert_status_odd("'github'", NULL, 0);
	assert_status_odd("null", NULL, 0);
	assert_status_odd("7", NULL, 0);
	assert_status_odd("['ok', 5]", "ok", 1);
	assert_status_odd("['ok', {'id': 3}]", "ok", 1);
	assert_status_odd("[null, 'ok', null]", "ok", 2);
	assert_status_odd("{'p': [['x']]}", NULL, 1);
}
END_TEST

/* ---- answers of actions ------------------------------------------------------------ */

START_TEST(pr_edit)
{
	cJSON *j = json("[{'success': true, 'url': 'https://github.com/a/b/pull/3', 'number': 3,"
			" 'title': 'Add retries', 'state': 'open', 'error': null},"
			" {'success': false, 'error': 'not found'}, {}]");
	struct cg_pr_edit e;

	ck_assert_int_eq(cg_pr_edit_parse(cJSON_GetArrayItem(j, 0), &e), 0);
	ck_assert_int_eq(e.success, 1);
	ck_assert_str_eq(e.url, "https://github.com/a/b/pull/3");
	ck_assert_int_eq(e.number, 3);
	ck_assert_str_eq(e.title, "Add retries");
	ck_assert_str_eq(e.state, "open");
	ck_assert_ptr_null(e.error);
	cg_pr_edit_free(&e);
	ck_assert_int_eq(cg_pr_edit_parse(cJSON_GetArrayItem(j, 1), &e), 0);
	ck_assert_int_eq(e.success, 0);
	ck_assert_str_eq(e.error, "not found");
	ck_assert_int_eq(e.number, CG_NONE);
	ck_assert_ptr_null(e.url);
	cg_pr_edit_free(&e);
	ck_assert_int_eq(cg_pr_edit_parse(cJSON_GetArrayItem(j, 2), &e), 0);
	ck_assert_int_eq(e.success, -1);
	assert_json_text(e.raw, "{}");
	cg_pr_edit_free(&e);
	cJSON_Delete(j);
}
END_TEST

START_TEST(started_runs)
{
	cJSON *j = json("[{'agent_run_id': 123, 'status': 'ACTIVE', 'url': 'https://app/x'},"
			" {'agent_run_id': '124', 'status': 'PENDING',"
			"  'message': 'analysis started'}]");
	struct cg_started_run s;

	ck_assert_int_eq(cg_started_run_parse(cJSON_GetArrayItem(j, 0), &s), 0);
	ck_assert_int_eq(s.agent_run_id, 123);
	ck_assert_str_eq(s.status, "ACTIVE");
	ck_assert_str_eq(s.url, "https://app/x");
	ck_assert_ptr_null(s.message);
	assert_json_text(s.raw, "{'agent_run_id':123,'status':'ACTIVE','url':'https://app/x'}");
	cg_started_run_free(&s);
	ck_assert_int_eq(cg_started_run_parse(cJSON_GetArrayItem(j, 1), &s), 0);
	ck_assert_int_eq(s.agent_run_id, 124);
	ck_assert_ptr_null(s.url);
	ck_assert_str_eq(s.message, "analysis started");
	cg_started_run_free(&s);
	cJSON_Delete(j);
	/* the analyze-logs doc example's id is not an integer */
	ASSERT_REJECTED(cg_started_run_parse, struct cg_started_run,
			"{'agent_run_id': 'run_abc123xyz789', 'message': 'Sandbox log analysis"
			" initiated successfully.'}");
	ASSERT_REJECTED(cg_started_run_parse, struct cg_started_run, "{'status': 'ACTIVE'}");
}
END_TEST

START_TEST(slack_token)
{
	cJSON *j = json("{'token': 'abc-123', 'message': 'Send it to the bot',"
			" 'expires_in_minutes': 10}");
	struct cg_slack_token t;

	ck_assert_int_eq(cg_slack_token_parse(j, &t), 0);
	ck_assert_str_eq(t.token, "abc-123");
	ck_assert_str_eq(t.message, "Send it to the bot");
	ck_assert_int_eq(t.expires_in_minutes, 10);
	ck_assert_ptr_nonnull(t.raw);
	cg_slack_token_free(&t);
	cJSON_Delete(j);
	ASSERT_REJECTED(cg_slack_token_parse, struct cg_slack_token, "{'message': 'no token'}");
	ASSERT_REJECTED(cg_slack_token_parse, struct cg_slack_token,
			"{'token': null, 'message': 'x'}");
	ASSERT_REJECTED(cg_slack_token_parse, struct cg_slack_token, "{'token': {'v': 1}}");
}
END_TEST

static void assert_message(const char *text, const char *message, const char *raw)
{
	struct cg_message m;
	cJSON *j = json(text);

	ck_assert_int_eq(cg_message_parse(j, &m), 0);
	if (message)
		ck_assert_str_eq(m.message, message);
	else
		ck_assert_ptr_null(m.message);
	assert_json_text(m.raw, raw);
	cg_message_free(&m);
	cJSON_Delete(j);
}

START_TEST(messages)
{
	struct cg_message m;

	assert_message("{'message': 'Agent run banned', 'status_code': 200}", "Agent run banned",
		       "{'message':'Agent run banned','status_code':200}");
	assert_message("{'ok': true}", NULL, "{'ok':true}");
	assert_message("{'message': null}", NULL, "{'message':null}");
	assert_message("'revoked'", NULL, "'revoked'");
	assert_message("null", NULL, "null");
	assert_message("[1, 2]", NULL, "[1,2]");
	assert_message("true", NULL, "true");
	memset(&m, 0x5A, sizeof(m));
	ck_assert_int_eq(cg_message_parse(NULL, &m), -EIO);
	ck_assert(m.message == (char *)(uintptr_t)0x5A5A5A5A5A5A5A5AULL);
}
END_TEST

/* ---- freeing ------------------------------------------------------------------------ */

/* Every prefix of a real answer (a body cut short by the network): either
 * cJSON refuses it or the parser copes; only the whole text parses to the
 * whole run. */
START_TEST(run_truncated_at_every_byte)
{
	char *text = dq(full_run);
	size_t len = strlen(text);
	int whole = 0;

	for (size_t cut = 0; cut <= len; cut++) {
		cJSON *cut_json = cJSON_ParseWithLength(text, cut);
		struct cg_run run = { 0 };

		if (cut_json && cg_run_parse(cut_json, &run) == 0) {
			whole += cut == len;
			cg_run_free(&run);
		}
		cJSON_Delete(cut_json);
	}
	free(text);
	ck_assert_int_eq(whole, 1);
}
END_TEST

START_TEST(free_null_and_zeroed)
{
	struct cg_run r = { 0 };
	struct cg_run_logs l = { 0 };
	struct cg_log_entry e = { 0 };
	struct cg_run_page rp = { 0 };
	struct cg_check_suite cs = { 0 };
	struct cg_oauth_provider_list ol = { 0 };
	struct cg_string_list sl = { 0 };
	struct cg_kv_list kl = { 0 };
	struct cg_message m = { 0 };

	cg_string_list_free(NULL);
	cg_kv_list_free(NULL);
	cg_message_free(NULL);
	cg_org_free(NULL);
	cg_user_free(NULL);
	cg_repo_free(NULL);
	cg_run_free(NULL);
	cg_log_entry_free(NULL);
	cg_run_logs_free(NULL);
	cg_org_page_free(NULL);
	cg_user_page_free(NULL);
	cg_repo_page_free(NULL);
	cg_run_page_free(NULL);
	cg_integrations_free(NULL);
	cg_cli_rules_free(NULL);
	cg_check_suite_free(NULL);
	cg_oauth_provider_list_free(NULL);
	cg_pr_edit_free(NULL);
	cg_started_run_free(NULL);
	cg_slack_token_free(NULL);

	cg_run_free(&r);
	cg_run_logs_free(&l);
	cg_log_entry_free(&e);
	cg_run_page_free(&rp);
	cg_check_suite_free(&cs);
	cg_oauth_provider_list_free(&ol);
	cg_string_list_free(&sl);
	cg_kv_list_free(&kl);
	cg_message_free(&m);
	ck_assert_ptr_null(r.raw);
}
END_TEST

START_TEST(free_zeroes_and_is_idempotent)
{
	cJSON *j = json(doc_logs);
	struct cg_run_logs l, zero;

	memset(&zero, 0, sizeof(zero));
	ck_assert_int_eq(cg_run_logs_parse(j, &l), 0);
	cg_run_logs_free(&l);
	ck_assert_mem_eq(&l, &zero, sizeof(l));
	cg_run_logs_free(&l);
	ck_assert_mem_eq(&l, &zero, sizeof(l));
	cJSON_Delete(j);
}
END_TEST

static Suite *models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *tc;

	tc = tcase_create("time");
	tcase_add_test(tc, time_iso_z);
	tcase_add_test(tc, time_fractions);
	tcase_add_test(tc, time_offsets);
	tcase_add_test(tc, time_zoneless_is_utc);
	tcase_add_test(tc, time_leap_days);
	tcase_add_test(tc, time_rejects_garbage);
	tcase_add_test(tc, time_format_values);
	tcase_add_test(tc, time_format_errors);
	tcase_add_test(tc, time_format_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_test(tc, id_as_digit_string);
	tcase_add_test(tc, id_rejected);
	tcase_add_test(tc, id_limits);
	tcase_add_test(tc, optional_int_tolerance);
	tcase_add_test(tc, string_field_conversions);
	tcase_add_test(tc, tri_states);
	tcase_add_test(tc, metadata_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("runs");
	tcase_add_test(tc, run_full);
	tcase_add_test(tc, run_slim_and_expand);
	tcase_add_test(tc, run_raw_keeps_server_order_and_unknown_fields);
	tcase_add_test(tc, run_all_null);
	tcase_add_test(tc, run_all_missing);
	tcase_add_test(tc, run_created_at_forms);
	tcase_add_test(tc, run_prs_without_id_skipped);
	tcase_add_test(tc, run_prs_wrong_type);
	tcase_add_test(tc, run_status_kept_verbatim);
	tcase_add_test(tc, run_rejects_non_objects);
	tcase_add_test(tc, run_truncated_at_every_byte);
	tcase_add_test(tc, run_state_classes);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_test(tc, huge_summary_kept);
	tcase_add_test(tc, invalid_utf8_kept);
	tcase_add_test(tc, deep_nesting);
	suite_add_tcase(s, tc);

	tc = tcase_create("logs");
	tcase_add_test(tc, logs_doc_example);
	tcase_add_test(tc, log_observation_shapes);
	tcase_add_test(tc, log_entry_nulls_and_tolerance);
	tcase_add_test(tc, logs_required);
	tcase_add_test(tc, logs_skip_non_objects);
	tcase_add_test(tc, logs_empty_page);
	tcase_add_test(tc, logs_deep_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("pages");
	tcase_add_test(tc, org_page_doc_example);
	tcase_add_test(tc, user_page);
	tcase_add_test(tc, repo_page);
	tcase_add_test(tc, run_page);
	tcase_add_test(tc, page_bad_items_left_out);
	tcase_add_test(tc, page_items_capped);
	tcase_add_test(tc, page_items_required);
	suite_add_tcase(s, tc);

	tc = tcase_create("org_extras");
	tcase_add_test(tc, integrations);
	tcase_add_test(tc, cli_rules);
	tcase_add_test(tc, check_suite);
	tcase_add_test(tc, check_suite_missing_and_wrong_types);
	tcase_add_test(tc, oauth_providers);
	tcase_add_test(tc, oauth_status_shapes);
	tcase_add_test(tc, oauth_status_any_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("actions");
	tcase_add_test(tc, pr_edit);
	tcase_add_test(tc, started_runs);
	tcase_add_test(tc, slack_token);
	tcase_add_test(tc, messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("free");
	tcase_add_test(tc, free_null_and_zeroed);
	tcase_add_test(tc, free_zeroes_and_is_idempotent);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(models_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
