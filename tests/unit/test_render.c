/* test_render.c - unit tests of fs/render.c: the exact bytes of every
 * synthetic file (DESIGN.md §2), built from models parsed out of JSON as
 * the server sends it, and the capped buffer they are written into.
 *
 * JSON literals use ' for " to stay readable.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "render.h"

static cJSON *json(const char *text)
{
	char *s = strdup(text), *p;
	cJSON *j;

	ck_assert_ptr_nonnull(s);
	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(s);
	ck_assert_msg(j != NULL, "test JSON does not parse: %s", s);
	free(s);
	return j;
}

/* Parses text with one of the cg_*_parse functions into *out. */
#define PARSE(fn, text, out) do {					\
	cJSON *j_ = json(text);						\
	ck_assert_int_eq(fn(j_, out), 0);				\
	cJSON_Delete(j_);						\
} while (0)

static void expect_bytes(const struct cg_buf *b, const char *want, size_t want_len,
			 int line)
{
	ck_assert_msg(b->len == want_len &&
		      (!want_len || memcmp(b->data, want, want_len) == 0),
		      "line %d: got %zu bytes [%s], want %zu bytes [%s]", line,
		      b->len, b->data ? b->data : "(null)", want_len, want);
	if (b->data)
		ck_assert_msg(b->data[b->len] == '\0', "line %d: not NUL-terminated", line);
}

#define EXPECT(b, lit) expect_bytes(&(b), "" lit, sizeof(lit) - 1, __LINE__)

/* Renders into a fresh buffer and compares the whole output. */
#define EXPECT_RENDER(lit, fn, ...) do {				\
	struct cg_buf b_ = { 0 };					\
	ck_assert_int_eq(fn(&b_, __VA_ARGS__), 0);			\
	expect_bytes(&b_, "" lit, sizeof(lit) - 1, __LINE__);		\
	cg_buf_free(&b_);						\
} while (0)

/* ---- values ------------------------------------------------------------------ */

START_TEST(value_adds_newline)
{
	EXPECT_RENDER("COMPLETE\n", cgfs_render_value, "COMPLETE");
	EXPECT_RENDER("two\nlines\n", cgfs_render_value, "two\nlines");
}
END_TEST

START_TEST(value_keeps_its_newline)
{
	EXPECT_RENDER("Fixed the bug.\n", cgfs_render_value, "Fixed the bug.\n");
	/* Only one newline is ever added, none is ever taken away. */
	EXPECT_RENDER("para\n\n", cgfs_render_value, "para\n\n");
}
END_TEST

START_TEST(value_null_is_empty)
{
	struct cg_buf b = { 0 };

	ck_assert_int_eq(cgfs_render_value(&b, NULL), 0);
	ck_assert_uint_eq(b.len, 0);
	EXPECT(b, "");
	cg_buf_free(&b);
}
END_TEST

START_TEST(value_empty_string_is_a_line)
{
	/* "" is a value the server sent, unlike null: one empty line. */
	EXPECT_RENDER("\n", cgfs_render_value, "");
}
END_TEST

START_TEST(value_appends)
{
	struct cg_buf b = { 0 };

	ck_assert_int_eq(cg_buf_puts(&b, "id: "), 0);
	ck_assert_int_eq(cgfs_render_value(&b, "42"), 0);
	ck_assert_int_eq(cgfs_render_value(&b, NULL), 0);
	EXPECT(b, "id: 42\n");
	cg_buf_free(&b);
}
END_TEST

START_TEST(int_values)
{
	EXPECT_RENDER("42\n", cgfs_render_int, 42);
	EXPECT_RENDER("0\n", cgfs_render_int, 0);
	EXPECT_RENDER("-7\n", cgfs_render_int, -7);
	EXPECT_RENDER("9223372036854775807\n", cgfs_render_int, INT64_MAX);
	EXPECT_RENDER("-9223372036854775807\n", cgfs_render_int, CG_NONE + 1);
	EXPECT_RENDER("", cgfs_render_int, CG_NONE);
}
END_TEST

START_TEST(bool_values)
{
	EXPECT_RENDER("true\n", cgfs_render_bool, 1);
	EXPECT_RENDER("false\n", cgfs_render_bool, 0);
	EXPECT_RENDER("", cgfs_render_bool, -1);
}
END_TEST

START_TEST(time_forms)
{
	EXPECT_RENDER("2025-06-21T11:20:04Z\n", cgfs_render_time, "2025-06-21T11:20:04Z");
	EXPECT_RENDER("2025-06-21T11:20:04Z\n", cgfs_render_time,
		      "2025-06-21T11:20:04.123456Z");
	/* The zone-less form is UTC. */
	EXPECT_RENDER("2025-06-21T11:20:04Z\n", cgfs_render_time,
		      "2025-06-21 11:20:04.123456");
	EXPECT_RENDER("2025-06-21T11:20:04Z\n", cgfs_render_time,
		      "2025-06-21T11:20:04+00:00");
	/* An offset is folded into UTC, across midnight too. */
	EXPECT_RENDER("2025-06-21T11:20:04Z\n", cgfs_render_time,
		      "2025-06-21T13:20:04.5+02:00");
	EXPECT_RENDER("2025-06-20T23:30:00Z\n", cgfs_render_time,
		      "2025-06-21T01:30:00+02:00");
}
END_TEST

START_TEST(time_unparsable_as_sent)
{
	EXPECT_RENDER("last tuesday\n", cgfs_render_time, "last tuesday");
	EXPECT_RENDER("2025-13-01T00:00:00Z\n", cgfs_render_time, "2025-13-01T00:00:00Z");
	EXPECT_RENDER("", cgfs_render_time, NULL);
}
END_TEST

START_TEST(json_pretty_object)
{
	EXPECT_RENDER("{\n"
		      "\t\"id\":\t5,\n"
		      "\t\"status\":\t\"COMPLETE\",\n"
		      "\t\"flags\":\t[true, null],\n"
		      "\t\"metadata\":\t{\n"
		      "\t\t\"ticket\":\t\"PAY-12\"\n"
		      "\t}\n"
		      "}\n",
		      cgfs_render_json,
		      "{\"id\":5,\"status\":\"COMPLETE\",\"flags\":[true,null],"
		      "\"metadata\":{\"ticket\":\"PAY-12\"}}");
}
END_TEST

START_TEST(json_pretty_is_stable)
{
	/* Already pretty text comes out the same: rendering is idempotent. */
	EXPECT_RENDER("{\n\t\"a\":\t[1, 2]\n}\n", cgfs_render_json, "{\n\t\"a\":\t[1, 2]\n}\n");
	EXPECT_RENDER("[1, \"x\"]\n", cgfs_render_json, "[1,\"x\"]");
}
END_TEST

START_TEST(json_null_is_empty)
{
	EXPECT_RENDER("", cgfs_render_json, "null");
	EXPECT_RENDER("", cgfs_render_json, " null ");
	EXPECT_RENDER("", cgfs_render_json, NULL);
	EXPECT_RENDER("", cgfs_render_json, "{\"broken\":");
}
END_TEST

/* ---- runs --------------------------------------------------------------------- */

START_TEST(prs_skip_missing_url)
{
	struct cg_run r;

	PARSE(cg_run_parse,
	      "{'id':5,'github_pull_requests':["
	      "{'id':1,'url':'https://github.com/o/r/pull/1','title':'Fix'},"
	      "{'id':2,'url':null,'title':'Draft'},"
	      "{'id':3,'title':'No url at all'},"
	      "{'id':4,'url':'https://github.com/o/r/pull/4'}]}", &r);
	ck_assert_uint_eq(r.n_prs, 4);
	EXPECT_RENDER("https://github.com/o/r/pull/1\nhttps://github.com/o/r/pull/4\n",
		      cgfs_render_prs, &r);
	cg_run_free(&r);
}
END_TEST

START_TEST(prs_none)
{
	struct cg_run r;

	PARSE(cg_run_parse, "{'id':5,'github_pull_requests':null}", &r);
	EXPECT_RENDER("", cgfs_render_prs, &r);
	cg_run_free(&r);
}
END_TEST

/* prs.json is the array as sent (every PR, even one without an id), pretty. */
START_TEST(prs_json_as_sent)
{
	struct cg_run r;

	PARSE(cg_run_parse,
	      "{'id':5,'github_pull_requests':["
	      "{'id':1,'url':'https://github.com/o/r/pull/1','head_branch_name':'codegen/fix-1',"
	      "'extra':[1,2]},"
	      "{'url':'no id'}]}", &r);
	ck_assert_uint_eq(r.n_prs, 1);
	EXPECT_RENDER("[{\n"
		      "\t\t\"id\":\t1,\n"
		      "\t\t\"url\":\t\"https://github.com/o/r/pull/1\",\n"
		      "\t\t\"head_branch_name\":\t\"codegen/fix-1\",\n"
		      "\t\t\"extra\":\t[1, 2]\n"
		      "\t}, {\n"
		      "\t\t\"url\":\t\"no id\"\n"
		      "\t}]\n", cgfs_render_prs_json, &r);
	cg_run_free(&r);
}
END_TEST

START_TEST(prs_json_none_is_an_empty_array)
{
	static const char *const runs[] = {
		"{'id':5,'github_pull_requests':null}",
		"{'id':5}",
		"{'id':5,'github_pull_requests':[]}",
		"{'id':5,'github_pull_requests':{'id':1}}",
		"{'id':5,'github_pull_requests':'x'}",
	};

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct cg_run r;

		PARSE(cg_run_parse, runs[i], &r);
		EXPECT_RENDER("[]\n", cgfs_render_prs_json, &r);
		cg_run_free(&r);
	}
	{
		struct cg_run r = { .id = 5 };   /* no raw text */

		EXPECT_RENDER("[]\n", cgfs_render_prs_json, &r);
	}
}
END_TEST

START_TEST(branches_one_per_pr)
{
	struct cg_run r;

	PARSE(cg_run_parse,
	      "{'id':5,'github_pull_requests':["
	      "{'id':1,'head_branch_name':'codegen/fix-1'},"
	      "{'id':2,'head_branch_name':null},"
	      "{'id':3,'head_branch_name':''},"
	      "{'id':4},"
	      "{'id':5,'head_branch_name':'feature/a\\nb'},"
	      "{'head_branch_name':'no-id'},"
	      "{'id':6,'head_branch_name':'codegen/fix-1'}]}", &r);
	EXPECT_RENDER("codegen/fix-1\nfeature/a\\nb\ncodegen/fix-1\n", cgfs_render_branches, &r);
	cg_run_free(&r);
	PARSE(cg_run_parse, "{'id':5,'github_pull_requests':null}", &r);
	EXPECT_RENDER("", cgfs_render_branches, &r);
	cg_run_free(&r);
}
END_TEST

/* ---- logs --------------------------------------------------------------------- */

START_TEST(log_action_tool_thought)
{
	struct cg_log_entry e;

	PARSE(cg_log_entry_parse,
	      "{'agent_run_id':7,'created_at':'2025-01-13T10:30:15.123456Z',"
	      "'tool_name':'ripgrep_search','message_type':'ACTION',"
	      "'thought':'Searching for the handler','observation':'3 matches',"
	      "'tool_input':{'query':'handler'}}", &e);
	EXPECT_RENDER("2025-01-13T10:30:15Z ACTION ripgrep_search: Searching for the handler\n",
		      cgfs_render_log_line, &e);
	cg_log_entry_free(&e);
}
END_TEST

START_TEST(log_plan_evaluation_no_tool)
{
	struct cg_log_entry e;

	PARSE(cg_log_entry_parse,
	      "{'agent_run_id':7,'created_at':'2025-01-13 10:31:00.5',"
	      "'tool_name':null,'message_type':'PLAN_EVALUATION',"
	      "'thought':'The plan covers both files.'}", &e);
	EXPECT_RENDER("2025-01-13T10:31:00Z PLAN_EVALUATION: The plan covers both files.\n",
		      cgfs_render_log_line, &e);
	cg_log_entry_free(&e);
}
END_TEST

START_TEST(log_final_answer_object_observation)
{
	struct cg_log_entry e;

	PARSE(cg_log_entry_parse,
	      "{'created_at':'2025-01-13T10:40:00Z','message_type':'FINAL_ANSWER',"
	      "'thought':null,'observation':{ 'status' : 'done', 'prs' : [1, 2] }}", &e);
	EXPECT_RENDER("2025-01-13T10:40:00Z FINAL_ANSWER: {\"status\":\"done\",\"prs\":[1,2]}\n",
		      cgfs_render_log_line, &e);
	cg_log_entry_free(&e);
}
END_TEST

START_TEST(log_string_observation)
{
	struct cg_log_entry e;

	/* An empty thought falls through to the observation. */
	PARSE(cg_log_entry_parse,
	      "{'created_at':'2025-01-13T10:32:00Z','message_type':'ACTION',"
	      "'tool_name':'read_file','thought':'','observation':'int main(void)'}", &e);
	EXPECT_RENDER("2025-01-13T10:32:00Z ACTION read_file: int main(void)\n",
		      cgfs_render_log_line, &e);
	cg_log_entry_free(&e);
}
END_TEST

START_TEST(log_no_text)
{
	struct cg_log_entry e;

	PARSE(cg_log_entry_parse,
	      "{'created_at':'2025-01-13T10:33:00Z','message_type':'ERROR',"
	      "'thought':null,'observation':null}", &e);
	EXPECT_RENDER("2025-01-13T10:33:00Z ERROR:\n", cgfs_render_log_line, &e);
	cg_log_entry_free(&e);

	PARSE(cg_log_entry_parse,
	      "{'created_at':'2025-01-13T10:33:00Z','message_type':'ACTION',"
	      "'tool_name':'list_dir'}", &e);
	EXPECT_RENDER("2025-01-13T10:33:00Z ACTION list_dir:\n", cgfs_render_log_line, &e);
	cg_log_entry_free(&e);
}
END_TEST

START_TEST(log_escapes_to_one_line)
{
	struct cg_log_entry e;

	PARSE(cg_log_entry_parse,
	      "{'created_at':'2025-01-13T10:34:00Z','message_type':'ACTION',"
	      "'thought':'one\\ntwo\\r\\tC:\\\\dir \\u0001 bell\\u0007 del\\u007f'}", &e);
	ck_assert_str_eq(e.thought, "one\ntwo\r\tC:\\dir \x01 bell\x07 del\x7f");
	EXPECT_RENDER("2025-01-13T10:34:00Z ACTION: one\\ntwo\\r\\tC:\\\\dir \\x01 bell\\x07 del\\x7f\n",
		      cgfs_render_log_line, &e);
	cg_log_entry_free(&e);
}
END_TEST

START_TEST(log_keeps_high_bytes)
{
	struct cg_log_entry e = { 0 };

	e.created_at = "2025-01-13T10:35:00Z";
	e.message_type = "ACTION";
	/* UTF-8 as is, and bytes that are not UTF-8 at all as is too. */
	e.thought = "caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xff\xfe\x80";
	EXPECT_RENDER("2025-01-13T10:35:00Z ACTION: caf\xc3\xa9 \xe2\x9c\x93 "
		      "\xe6\x97\xa5\xe6\x9c\xac \xff\xfe\x80\n",
		      cgfs_render_log_line, &e);
}
END_TEST

START_TEST(log_missing_time_and_type)
{
	struct cg_log_entry e;

	PARSE(cg_log_entry_parse, "{'agent_run_id':7,'thought':'hello'}", &e);
	EXPECT_RENDER("- -: hello\n", cgfs_render_log_line, &e);
	cg_log_entry_free(&e);

	PARSE(cg_log_entry_parse,
	      "{'created_at':'','message_type':'','tool_name':'grep','thought':'x'}", &e);
	EXPECT_RENDER("- - grep: x\n", cgfs_render_log_line, &e);
	cg_log_entry_free(&e);
}
END_TEST

START_TEST(log_odd_fields_stay_on_one_line)
{
	struct cg_log_entry e = { 0 };

	e.created_at = "soon\nish";
	e.message_type = "WEIRD\tTYPE";
	e.tool_name = "tool\r";
	e.observation = "ok";
	EXPECT_RENDER("soon\\nish WEIRD\\tTYPE tool\\r: ok\n", cgfs_render_log_line, &e);
}
END_TEST

START_TEST(log_jsonl_line)
{
	struct cg_log_entry e;

	PARSE(cg_log_entry_parse,
	      "{ 'agent_run_id' : 7, 'created_at' : '2025-01-13T10:30:15Z',"
	      "  'thought' : 'a\\nb', 'observation' : { 'k' : [1, null] } }", &e);
	EXPECT_RENDER("{\"agent_run_id\":7,\"created_at\":\"2025-01-13T10:30:15Z\","
		      "\"thought\":\"a\\nb\",\"observation\":{\"k\":[1,null]}}\n",
		      cgfs_render_log_jsonl, &e);
	cg_log_entry_free(&e);
}
END_TEST

/* ---- organizations ------------------------------------------------------------ */

START_TEST(integrations_states)
{
	struct cg_integrations i;

	PARSE(cg_integrations_parse,
	      "{'organization_id':1,'integrations':["
	      "{'integration_type':'github','active':true,'token_id':3},"
	      "{'integration_type':'slack','active':false},"
	      "{'integration_type':'linear','active':null},"
	      "{'integration_type':'jira'},"
	      "{'integration_type':null,'active':true}],"
	      "'total_active_integrations':2}", &i);
	EXPECT_RENDER("github active\nslack inactive\nlinear unknown\njira unknown\n- active\n",
		      cgfs_render_integrations, &i);
	cg_integrations_free(&i);

	PARSE(cg_integrations_parse, "{'organization_id':1,'integrations':[]}", &i);
	EXPECT_RENDER("", cgfs_render_integrations, &i);
	cg_integrations_free(&i);
}
END_TEST

START_TEST(rules_both)
{
	struct cg_cli_rules r;

	PARSE(cg_cli_rules_parse,
	      "{'organization_rules':'Use tabs.\\nNo sprintf.',"
	      "'user_custom_prompt':'Be brief.\\n'}", &r);
	EXPECT_RENDER("# Organization rules\nUse tabs.\nNo sprintf.\n"
		      "\n"
		      "# User custom prompt\nBe brief.\n",
		      cgfs_render_rules, &r);
	cg_cli_rules_free(&r);
}
END_TEST

START_TEST(rules_one)
{
	struct cg_cli_rules r;

	PARSE(cg_cli_rules_parse, "{'organization_rules':null,'user_custom_prompt':'Be brief.'}", &r);
	EXPECT_RENDER("# User custom prompt\nBe brief.\n", cgfs_render_rules, &r);
	cg_cli_rules_free(&r);

	PARSE(cg_cli_rules_parse, "{'organization_rules':'Use tabs.'}", &r);
	EXPECT_RENDER("# Organization rules\nUse tabs.\n", cgfs_render_rules, &r);
	cg_cli_rules_free(&r);
}
END_TEST

START_TEST(rules_none)
{
	struct cg_cli_rules r;

	PARSE(cg_cli_rules_parse, "{'organization_rules':null,'user_custom_prompt':null}", &r);
	EXPECT_RENDER("", cgfs_render_rules, &r);
	cg_cli_rules_free(&r);
}
END_TEST

START_TEST(lines_list)
{
	struct cg_string_list l;

	PARSE(cg_oauth_status_parse, "['github','linear','notion']", &l);
	EXPECT_RENDER("github\nlinear\nnotion\n", cgfs_render_lines, &l);
	cg_string_list_free(&l);

	PARSE(cg_oauth_status_parse, "[]", &l);
	EXPECT_RENDER("", cgfs_render_lines, &l);
	cg_string_list_free(&l);
}
END_TEST

START_TEST(mcp_providers_list)
{
	struct cg_oauth_provider_list l;

	PARSE(cg_oauth_provider_list_parse,
	      "[{'id':1,'name':'linear','issuer':'https://mcp.linear.app','is_mcp':true},"
	      "{'id':2,'name':'notion','issuer':null}]", &l);
	EXPECT_RENDER("linear\thttps://mcp.linear.app\nnotion\t\n", cgfs_render_mcp_providers, &l);
	cg_oauth_provider_list_free(&l);
}
END_TEST

/* ---- hostile text and names ------------------------------------------------------ */

START_TEST(value_escapes_control_bytes)
{
	/* ESC, CR, BEL, DEL escaped as logs does; "\n", "\t" and "\\" stay. */
	EXPECT_RENDER("\\x1b[2Jgone\\r\\x07\\x7f\n", cgfs_render_value,
		      "\x1b[2Jgone\r\x07\x7f");
	EXPECT_RENDER("a\tb\\c\nline two\n", cgfs_render_value, "a\tb\\c\nline two");
	EXPECT_RENDER("caf\xc3\xa9\n", cgfs_render_value, "caf\xc3\xa9");
	EXPECT_RENDER("\\x1b]0;t\\x07\n", cgfs_render_time, "\x1b]0;t\x07");
}
END_TEST

START_TEST(lines_cannot_forge_a_line)
{
	struct cg_string_list l;
	struct cg_oauth_provider_list p;
	struct cg_integrations in;

	PARSE(cg_oauth_status_parse, "['git\\nhub\\u001b[31m', 'a\\\\b\\tc', null]", &l);
	EXPECT_RENDER("git\\nhub\\x1b[31m\na\\\\b\\tc\n", cgfs_render_lines, &l);
	cg_string_list_free(&l);

	PARSE(cg_oauth_provider_list_parse,
	      "[{'id':1,'name':'li\\tnear\\nx','issuer':'https://i\\r\\nforged\\tline'},"
	      " null, {'id': 'x', 'name': 'bad'}]", &p);
	EXPECT_RENDER("li\\tnear\\nx\thttps://i\\r\\nforged\\tline\n",
		      cgfs_render_mcp_providers, &p);
	cg_oauth_provider_list_free(&p);

	PARSE(cg_integrations_parse,
	      "{'integrations': [{'integration_type': 'github\\nslack active', 'active': true}]}",
	      &in);
	EXPECT_RENDER("github\\nslack active active\n", cgfs_render_integrations, &in);
	cg_integrations_free(&in);
}
END_TEST

static struct cg_org_page orgs_of(const char *text)
{
	struct cg_org_page p;

	PARSE(cg_org_page_parse, text, &p);
	return p;
}

START_TEST(names_usable)
{
	char long_name[CGFS_NAME_MAX + 2];

	ck_assert(cgfs_name_usable("acme"));
	ck_assert(cgfs_name_usable("a b.c-\xc3\xa9"));
	ck_assert(cgfs_name_usable("..."));
	ck_assert(cgfs_name_usable("12a"));
	ck_assert(!cgfs_name_usable(NULL));
	ck_assert(!cgfs_name_usable(""));
	ck_assert(!cgfs_name_usable("."));
	ck_assert(!cgfs_name_usable(".."));
	ck_assert(!cgfs_name_usable("a/b"));
	ck_assert(!cgfs_name_usable("a\nb"));
	ck_assert(!cgfs_name_usable("\x1b[31m"));
	ck_assert(!cgfs_name_usable("del\x7f"));
	ck_assert(!cgfs_name_usable("123"));
	memset(long_name, 'n', sizeof(long_name));
	long_name[CGFS_NAME_MAX] = '\0';
	ck_assert(cgfs_name_usable(long_name));
	long_name[CGFS_NAME_MAX] = 'n';
	long_name[CGFS_NAME_MAX + 1] = '\0';
	ck_assert(!cgfs_name_usable(long_name));
}
END_TEST

START_TEST(orgname_first_wins)
{
	struct cg_org_page p = orgs_of("{'items': [{'id': 5, 'name': 'acme'}, {'id': 6, 'name': 'a/b'},"
				       " {'id': 7, 'name': 'acme'}, {'id': 8, 'name': 'beta'},"
				       " {'id': 9}]}");

	ck_assert_uint_eq(cgfs_orgname_owner(&p, 0), 0);
	ck_assert_uint_eq(cgfs_orgname_owner(&p, 1), SIZE_MAX);
	ck_assert_uint_eq(cgfs_orgname_owner(&p, 2), 0);
	ck_assert_uint_eq(cgfs_orgname_owner(&p, 3), 3);
	ck_assert_uint_eq(cgfs_orgname_owner(&p, 4), SIZE_MAX);
	cg_org_page_free(&p);
}
END_TEST

/* ---- the mount's own files ------------------------------------------------------ */

#define STATS_HEADER							\
	"endpoint            requests     retries        429s       waits"	\
	"      errors    bytes_in   bytes_out\n"

START_TEST(stats_two_endpoints)
{
	struct cg_endpoint_stats st[CG_EP_COUNT] = { 0 };
	struct cgfs_cache_counters cache = { 11, 4, 2, 1 };

	/* Filled out of order: rows come in enum order all the same. */
	st[CG_EP_GET_RUN] = (struct cg_endpoint_stats){ 12, 2, 1, 3, 1, 4096, 0 };
	st[CG_EP_LIST_ORGS] = (struct cg_endpoint_stats){ 1, 0, 0, 0, 0, 1234567890, 0 };
	EXPECT_RENDER(STATS_HEADER
		      "list_orgs                  1           0           0           0"
		      "           0  1234567890           0\n"
		      "get_run                   12           2           1           3"
		      "           1        4096           0\n"
		      "cache hits 11\ncache misses 4\ncache stale_served 2\n"
		      "cache negative_hits 1\nconnections 3\n",
		      cgfs_render_stats, st, &cache, 3L);
}
END_TEST

START_TEST(stats_columns_align)
{
	struct cg_endpoint_stats st[CG_EP_COUNT] = { 0 };
	struct cgfs_cache_counters cache = { 0 };
	struct cg_buf b = { 0 };
	const char *line, *nl;
	size_t width = sizeof(STATS_HEADER) - 1, rows = 0;

	/* A wait alone makes a row; 10-digit counters keep the columns. */
	st[CG_EP_CREATE_RUN].rate_waits = 1;
	st[CG_EP_GET_CHECK_SUITE] = (struct cg_endpoint_stats){
		9999999999u, 9999999999u, 9999999999u, 9999999999u,
		9999999999u, 9999999999u, 9999999999u,
	};
	ck_assert_int_eq(cgfs_render_stats(&b, st, &cache, 0L), 0);
	ck_assert_int_eq(strncmp(b.data, STATS_HEADER, width), 0);
	for (line = b.data; (nl = strchr(line, '\n')) && strncmp(line, "cache ", 6); line = nl + 1) {
		ck_assert_uint_eq((size_t)(nl + 1 - line), width);
		rows++;
	}
	ck_assert_uint_eq(rows, 3);
	ck_assert_ptr_nonnull(strstr(b.data, "\ncreate_run                 0           0"
					     "           0           1           0"
					     "           0           0\n"));
	ck_assert_str_eq(line, "cache hits 0\ncache misses 0\ncache stale_served 0\n"
			       "cache negative_hits 0\nconnections 0\n");
	cg_buf_free(&b);
}
END_TEST

START_TEST(stats_nothing_used)
{
	struct cg_endpoint_stats st[CG_EP_COUNT] = { 0 };
	struct cgfs_cache_counters cache = { 0, 0, 0, UINT64_MAX };

	EXPECT_RENDER(STATS_HEADER "cache hits 0\ncache misses 0\ncache stale_served 0\n"
		      "cache negative_hits 18446744073709551615\nconnections 0\n",
		      cgfs_render_stats, st, &cache, 0L);
}
END_TEST

START_TEST(error_line_no_http)
{
	EXPECT_RENDER("2025-06-21T11:20:04Z read /orgs/1/runs/5/logs - ETIMEDOUT "
		      "timed out  after 30 s  \n",
		      cgfs_render_error_line, (time_t)1750504804, "read",
		      "/orgs/1/runs/5/logs", 0, ETIMEDOUT,
		      "timed out\r\nafter\t30 s\x01\x7f");
}
END_TEST

START_TEST(error_line_http)
{
	/* A negative errno, as handlers hold it, names the same error. */
	EXPECT_RENDER("2025-06-21T11:20:04Z create /orgs/1/new/job.md 422 EINVAL "
		      "body.prompt: Field required \xe2\x9c\x97\n",
		      cgfs_render_error_line, (time_t)1750504804, "create",
		      "/orgs/1/new/job.md", 422, -EINVAL,
		      "body.prompt: Field required \xe2\x9c\x97");
	/* A file name with a newline cannot split the entry; no message, no
	 * trailing blank. */
	EXPECT_RENDER("1970-01-01T00:00:00Z - /orgs/1/new/a b 404 ENOENT\n",
		      cgfs_render_error_line, (time_t)0, NULL, "/orgs/1/new/a\nb", 404,
		      ENOENT, NULL);
}
END_TEST

/* ---- the buffer ----------------------------------------------------------------- */

START_TEST(buf_cap_limit)
{
	struct cg_buf b = { .cap_limit = 64 };
	char big[64];
	char *data;
	size_t cap;

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(cg_buf_append(&b, big, 40), 0);
	data = b.data;
	cap = b.cap;
	ck_assert_uint_le(cap, 64);

	ck_assert_int_eq(cg_buf_append(&b, big, 24), -EFBIG);
	ck_assert_int_eq(cg_buf_printf(&b, "%s", "0123456789012345678901234"), -EFBIG);
	ck_assert_ptr_eq(b.data, data);
	ck_assert_uint_eq(b.cap, cap);
	EXPECT(b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

	/* The limit holds the NUL too: 63 bytes of text fit in 64. */
	ck_assert_int_eq(cg_buf_append(&b, big, 23), 0);
	ck_assert_uint_eq(b.len, 63);
	ck_assert_int_eq(cg_buf_append(&b, "y", 1), -EFBIG);
	ck_assert_uint_eq(b.len, 63);
	cg_buf_free(&b);
	ck_assert_uint_eq(b.cap_limit, 64);
}
END_TEST

START_TEST(buf_render_failure_leaves_buffer)
{
	struct cg_buf b = { .cap_limit = 48 };
	struct cg_log_entry e = { 0 };
	struct cg_endpoint_stats st[CG_EP_COUNT] = { 0 };

	e.created_at = "2025-01-13T10:35:00Z";
	e.message_type = "ACTION";
	e.thought = "a thought far too long to fit in what is left\n";
	ck_assert_int_eq(cg_buf_puts(&b, "first line\n"), 0);
	ck_assert_int_eq(cgfs_render_log_line(&b, &e), -EFBIG);
	EXPECT(b, "first line\n");
	ck_assert_int_eq(cgfs_render_stats(&b, st, NULL, 0L), -EFBIG);
	EXPECT(b, "first line\n");
	ck_assert_int_eq(cgfs_render_value(&b, "012345678901234567890123456789012345"), -EFBIG);
	EXPECT(b, "first line\n");
	cg_buf_free(&b);
}
END_TEST

START_TEST(buf_default_cap)
{
	struct cg_buf b = { 0 };
	static const char one = 'z';

	/* Refused before a byte is read, so the source may be short. */
	ck_assert_int_eq(cg_buf_append(&b, &one, (size_t)64 << 20), -EFBIG);
	ck_assert_int_eq(cg_buf_append(&b, &one, SIZE_MAX), -EFBIG);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(buf_grows_by_doubling)
{
	struct cg_buf b = { 0 };
	char block[300];

	memset(block, 'a', sizeof(block));
	ck_assert_int_eq(cg_buf_append(&b, "a", 1), 0);
	ck_assert_uint_eq(b.cap, 256);
	ck_assert_int_eq(cg_buf_append(&b, block, 254), 0);
	ck_assert_uint_eq(b.cap, 256);
	ck_assert_int_eq(cg_buf_append(&b, "a", 1), 0);
	ck_assert_uint_eq(b.cap, 512);
	ck_assert_int_eq(cg_buf_append(&b, block, 300), 0);
	ck_assert_uint_eq(b.cap, 1024);
	ck_assert_uint_eq(b.len, 556);
	ck_assert_uint_eq(strlen(b.data), 556);
	cg_buf_free(&b);
}
END_TEST

/* A buffer done growing gives its slack back and keeps its bytes, and can
 * grow again afterwards. */
START_TEST(buf_shrink_gives_back_slack)
{
	struct cg_buf b = { 0 };

	for (int i = 0; i < 300; i++)
		ck_assert_int_eq(cg_buf_puts(&b, "abc\n"), 0);
	ck_assert_uint_eq(b.len, 1200);
	ck_assert_uint_gt(b.cap, b.len + 1);
	cg_buf_shrink(&b);
	ck_assert_uint_eq(b.cap, b.len + 1);
	ck_assert_uint_eq(b.len, 1200);
	ck_assert_int_eq(memcmp(b.data + 1196, "abc\n", 5), 0);
	ck_assert_int_eq(cg_buf_puts(&b, "z"), 0);
	ck_assert_str_eq(b.data + 1196, "abc\nz");
	cg_buf_free(&b);
	cg_buf_shrink(&b);    /* empty: nothing to do */
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(buf_one_mib)
{
	size_t n = (size_t)1 << 20, i;
	struct cg_buf b = { 0 };
	char *src = malloc(n);

	ck_assert_ptr_nonnull(src);
	for (i = 0; i < n; i++)
		src[i] = (char)('a' + i % 26);
	ck_assert_int_eq(cg_buf_puts(&b, ">"), 0);
	ck_assert_int_eq(cg_buf_append(&b, src, n), 0);
	ck_assert_uint_eq(b.len, n + 1);
	ck_assert_uint_eq(b.cap, n * 2);
	ck_assert_int_eq(b.data[0], '>');
	ck_assert_int_eq(memcmp(b.data + 1, src, n), 0);
	ck_assert_int_eq(b.data[b.len], '\0');
	free(src);
	cg_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(buf_printf_grows)
{
	struct cg_buf b = { 0 };
	char want[701];
	int i;

	ck_assert_int_eq(cg_buf_printf(&b, "%s", ""), 0);
	ck_assert_uint_eq(b.len, 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(cg_buf_printf(&b, "%03d %s|", i, "ab"), 0);
	ck_assert_uint_eq(b.len, 700);
	for (i = 0; i < 100; i++)
		snprintf(want + i * 7, sizeof(want) - (size_t)i * 7, "%03d ab|", i);
	ck_assert_int_eq(memcmp(b.data, want, 700), 0);
	ck_assert_int_eq(b.data[700], '\0');
	cg_buf_free(&b);
}
END_TEST

START_TEST(buf_free_null)
{
	struct cg_buf b = { .cap_limit = 1000 };

	cg_buf_free(NULL);
	cg_buf_free(&b);
	ck_assert_uint_eq(b.cap_limit, 1000);
	ck_assert_int_eq(cg_buf_puts(&b, NULL), 0);
	ck_assert_ptr_null(b.data);
}
END_TEST

static Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc;

	tc = tcase_create("values");
	tcase_add_test(tc, value_adds_newline);
	tcase_add_test(tc, value_keeps_its_newline);
	tcase_add_test(tc, value_null_is_empty);
	tcase_add_test(tc, value_empty_string_is_a_line);
	tcase_add_test(tc, value_appends);
	tcase_add_test(tc, int_values);
	tcase_add_test(tc, bool_values);
	tcase_add_test(tc, time_forms);
	tcase_add_test(tc, time_unparsable_as_sent);
	tcase_add_test(tc, json_pretty_object);
	tcase_add_test(tc, json_pretty_is_stable);
	tcase_add_test(tc, json_null_is_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("runs");
	tcase_add_test(tc, prs_skip_missing_url);
	tcase_add_test(tc, prs_none);
	tcase_add_test(tc, prs_json_as_sent);
	tcase_add_test(tc, prs_json_none_is_an_empty_array);
	tcase_add_test(tc, branches_one_per_pr);
	tcase_add_test(tc, log_action_tool_thought);
	tcase_add_test(tc, log_plan_evaluation_no_tool);
	tcase_add_test(tc, log_final_answer_object_observation);
	tcase_add_test(tc, log_string_observation);
	tcase_add_test(tc, log_no_text);
	tcase_add_test(tc, log_escapes_to_one_line);
	tcase_add_test(tc, log_keeps_high_bytes);
	tcase_add_test(tc, log_missing_time_and_type);
	tcase_add_test(tc, log_odd_fields_stay_on_one_line);
	tcase_add_test(tc, log_jsonl_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("organizations");
	tcase_add_test(tc, integrations_states);
	tcase_add_test(tc, rules_both);
	tcase_add_test(tc, rules_one);
	tcase_add_test(tc, rules_none);
	tcase_add_test(tc, lines_list);
	tcase_add_test(tc, mcp_providers_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_test(tc, value_escapes_control_bytes);
	tcase_add_test(tc, lines_cannot_forge_a_line);
	tcase_add_test(tc, names_usable);
	tcase_add_test(tc, orgname_first_wins);
	suite_add_tcase(s, tc);

	tc = tcase_create("mount");
	tcase_add_test(tc, stats_two_endpoints);
	tcase_add_test(tc, stats_columns_align);
	tcase_add_test(tc, stats_nothing_used);
	tcase_add_test(tc, error_line_no_http);
	tcase_add_test(tc, error_line_http);
	suite_add_tcase(s, tc);

	tc = tcase_create("buffer");
	tcase_add_test(tc, buf_cap_limit);
	tcase_add_test(tc, buf_render_failure_leaves_buffer);
	tcase_add_test(tc, buf_default_cap);
	tcase_add_test(tc, buf_shrink_gives_back_slack);
	tcase_add_test(tc, buf_grows_by_doubling);
	tcase_add_test(tc, buf_one_mib);
	tcase_add_test(tc, buf_printf_grows);
	tcase_add_test(tc, buf_free_null);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(render_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
