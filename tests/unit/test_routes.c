/* test_routes.c - unit tests of the route table (fs/routes.c) through
 * cgfs_route_match(): which row a path lands on, the ids it captures, and
 * the paths the table must refuse (docs/SEMANTICS.md, "The tree").
 *
 * Matching is pure: nothing is fetched and no id is checked, so these
 * tests need no API, no cache and no mount.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "routes.h"

#define NONE CG_NONE

/* What a path must resolve to. */
struct want {
	const char *path;
	const char *pattern;
	enum cgfs_node node;
	int64_t org, run, repo, user;
	const char *name;        /* {orgname}; "" when not in the path */
};

/* line: the caller's __LINE__, or a row's index in a loop. */
static void expect_match(const struct want *w, const char *path, int line)
{
	struct cgfs_req r;
	int ret = cgfs_route_match(path, &r);

	ck_assert_msg(ret == 0, "at %d: %s: got %d, want 0", line, path, ret);
	ck_assert_msg(r.route != NULL, "at %d: %s: no route", line, path);
	ck_assert_msg(!strcmp(r.route->pattern, w->pattern),
		      "at %d: %s: matched row %s, want %s", line, path, r.route->pattern,
		      w->pattern);
	ck_assert_msg(r.route->node == w->node, "at %d: %s: node %d, want %d", line, path,
		      (int)r.route->node, (int)w->node);
	ck_assert_msg(r.org == w->org && r.run == w->run && r.repo == w->repo &&
		      r.user == w->user,
		      "at %d: %s: ids org %lld run %lld repo %lld user %lld, "
		      "want %lld %lld %lld %lld", line, path,
		      (long long)r.org, (long long)r.run, (long long)r.repo, (long long)r.user,
		      (long long)w->org, (long long)w->run, (long long)w->repo,
		      (long long)w->user);
	ck_assert_msg(!strcmp(r.name, w->name), "at %d: %s: name [%s], want [%s]", line,
		      path, r.name, w->name);
	ck_assert_ptr_null(r.fs);
}

static void expect_error(const char *path, int want, int line)
{
	struct cgfs_req r;
	int ret = cgfs_route_match(path, &r);

	ck_assert_msg(ret == want, "at %d: %s: got %d (%s), want %d", line, path, ret,
		      ret == 0 && r.route ? r.route->pattern : "no row", want);
}

#define EXPECT_ENOENT(p) expect_error((p), -ENOENT, __LINE__)
#define EXPECT_TOOLONG(p) expect_error((p), -ENAMETOOLONG, __LINE__)

/* ---- every row ----------------------------------------------------------------- */

START_TEST(row_kinds_and_flags)
{
	struct cgfs_req r;

	ck_assert_int_eq(cgfs_route_match("/errors", &r), 0);
	ck_assert_int_eq(r.route->open, CGFS_OPEN_STREAM);
	ck_assert_ptr_nonnull(r.route->render);
	ck_assert_int_eq(cgfs_route_match("/orgs/11/runs/789/logs", &r), 0);
	ck_assert_int_eq(r.route->open, CGFS_OPEN_LOG);
	ck_assert_ptr_nonnull(r.route->size);
	ck_assert_ptr_nonnull(r.route->read);
	ck_assert_uint_eq(r.route->arg, 0);
	ck_assert_int_eq(cgfs_route_match("/orgs/11/runs/789/logs.jsonl", &r), 0);
	ck_assert_int_eq(r.route->open, CGFS_OPEN_LOG);
	ck_assert_uint_eq(r.route->arg, 1);
	ck_assert_int_eq(cgfs_route_match("/orgs/11/runs/789/wait", &r), 0);
	ck_assert_int_eq(r.route->open, CGFS_OPEN_WAIT);
	ck_assert_int_eq(cgfs_route_match("/orgs/11/runs/789/status", &r), 0);
	ck_assert_int_eq(r.route->open, CGFS_OPEN_SNAPSHOT);
	ck_assert_uint_eq(r.route->flags, 0);
	ck_assert_ptr_nonnull(r.route->render);
	/* Rows ending in an id say whether it exists and which ones do. */
	ck_assert_int_eq(cgfs_route_match("/orgs/11/runs/789", &r), 0);
	ck_assert_ptr_nonnull(r.route->check);
	ck_assert_ptr_nonnull(r.route->list);
	ck_assert_int_eq(cgfs_route_match("/orgs/acme", &r), 0);
	ck_assert_ptr_nonnull(r.route->check);
	ck_assert_ptr_nonnull(r.route->render);
	ck_assert_int_eq(cgfs_route_match("/orgs/11/users/3/runs/1006", &r), 0);
	ck_assert_ptr_nonnull(r.route->check);
	ck_assert_ptr_nonnull(r.route->render);
	/* Only control files take line commands, and only the whole-file rows
	 * commit; both name their commands. */
	for (size_t i = 0; i < cgfs_route_count(); i++) {
		const struct cgfs_route *row = cgfs_route_at(i);
		size_t len = strlen(row->pattern);
		int is_ctl = len >= 4 && !strcmp(row->pattern + len - 4, "/ctl");
		int whole = strstr(row->pattern, "/resume") || strstr(row->pattern, "check-suite.json") ||
			    strstr(row->pattern, "/setup-commands");

		ck_assert_msg((row->node == CGFS_FILE && row->open == CGFS_OPEN_LINES) == is_ctl,
			      "%s: line commands", row->pattern);
		ck_assert_msg((row->node == CGFS_FILE && row->open == CGFS_OPEN_WHOLE) == !!whole,
			      "%s: written whole", row->pattern);
		ck_assert_msg((row->commands != NULL) == (is_ctl || whole), "%s: commands",
			      row->pattern);
	}
}
END_TEST

/* Build a path from a pattern: {org} 11, {run} 789, {repo} 456, {user} 3,
 * {orgname} acme, {entry} draft. */
static void path_of(const char *pattern, char *out, size_t size, struct want *w)
{
	static const struct { const char *ph, *text; } subst[] = {
		{ "{orgname}", "acme" }, { "{org}", "11" }, { "{run}", "789" },
		{ "{repo}", "456" }, { "{user}", "3" }, { "{entry}", "draft" },
		{ "{status}", "FAILED" }, { "{source}", "SLACK" },
	};
	size_t len = 0;

	*w = (struct want){ out, pattern, CGFS_DIR, NONE, NONE, NONE, NONE, "" };
	while (*pattern) {
		size_t i, n = 1;
		const char *text = NULL;

		for (i = 0; *pattern == '{' && i < sizeof(subst) / sizeof(subst[0]); i++)
			if (!strncmp(pattern, subst[i].ph, strlen(subst[i].ph)))
				break;
		ck_assert_msg(*pattern != '{' || i < sizeof(subst) / sizeof(subst[0]),
			      "unknown placeholder in %s", w->pattern);
		if (*pattern == '{') {
			text = subst[i].text;
			n = strlen(subst[i].ph);
			switch (i) {
			case 0: w->name = "acme"; break;
			case 1: w->org = 11; break;
			case 2: w->run = 789; break;
			case 3: w->repo = 456; break;
			case 4: w->user = 3; break;
			default: w->name = subst[i].text; break;
			}
		}
		ck_assert_uint_lt(len + (text ? strlen(text) : 1), size);
		if (text) {
			memcpy(out + len, text, strlen(text));
			len += strlen(text);
		} else {
			out[len++] = *pattern;
		}
		pattern += n;
	}
	out[len] = '\0';
}

/* Every row of the table gets a path built from its own pattern, and that
 * path must land on the same row with the ids of the pattern: a row placed
 * after a more general one that swallows its paths fails here.  Made from
 * the table, so it covers every row there is. */
START_TEST(table_rows_resolve_to_themselves)
{
	struct cgfs_req r;

	ck_assert_uint_gt(cgfs_route_count(), 60);
	ck_assert_str_eq(cgfs_route_at(0)->pattern, "/");
	ck_assert_ptr_null(cgfs_route_parent(cgfs_route_at(0)));
	for (size_t i = 0; i < cgfs_route_count(); i++) {
		const struct cgfs_route *row = cgfs_route_at(i);
		char path[512];
		struct want w;

		path_of(row->pattern, path, sizeof(path), &w);
		w.node = row->node;
		expect_match(&w, path, (int)i);
		ck_assert_int_eq(cgfs_route_match(path, &r), 0);
		ck_assert_msg(r.route == row, "%s: matched another row with the same pattern",
			      path);
		ck_assert_uint_eq(cgfs_route_index(row), i);
		/* Every row but the root hangs under a directory row. */
		if (i)
			ck_assert_msg(cgfs_route_parent(row) &&
				      cgfs_route_parent(row)->node == CGFS_DIR,
				      "%s: no directory above it", row->pattern);
	}
	ck_assert_ptr_null(cgfs_route_at(cgfs_route_count()));
}
END_TEST

/* Nodes: a row and ids make a qid, and a qid's child is found by matching
 * its name against that row's children only. */
START_TEST(qids_and_children)
{
	struct cgfs_qid run, child;
	struct cgfs_req r;

	ck_assert_int_eq(cgfs_qid_of("/orgs/{org}/runs/{run}", 11, 789, NONE, NONE, NULL, &run),
			 0);
	ck_assert_int_eq(cgfs_match_child(&run, "status", &child), 0);
	ck_assert_str_eq(cgfs_route_at(child.row)->pattern, "/orgs/{org}/runs/{run}/status");
	ck_assert_int_eq(child.org, 11);
	ck_assert_int_eq(child.run, 789);
	ck_assert_int_eq(cgfs_match_child(&run, "nosuch", &child), -ENOENT);
	ck_assert_int_eq(cgfs_match_child(&child, "x", &child), -ENOENT);
	ck_assert_int_eq(cgfs_qid_of("/orgs/{org}/runs/{run}/logs", 1, 2, NONE, NONE, NULL,
				     &child), 0);
	ck_assert_int_eq(cgfs_qid_of("/orgs/{org}/runs/{run}/log", 1, 2, NONE, NONE, NULL,
				     &child), -ENOENT);
	/* A qid and the request of the same node agree. */
	ck_assert_int_eq(cgfs_route_match("/orgs/11/repos/456/new/draft", &r), 0);
	cgfs_req_qid(&r, &child);
	ck_assert_ptr_eq(cgfs_route_at(child.row), r.route);
	ck_assert_int_eq(child.repo, 456);
	ck_assert_str_eq(child.name, "draft");
}
END_TEST

/* ---- ids -------------------------------------------------------------------------- */

START_TEST(ids_are_captured)
{
	struct want user_run = { NULL, "/orgs/{org}/users/{user}/runs/{run}", CGFS_LINK,
				 77, 1006, NONE, 3, "" };
	struct want big = { NULL, "/orgs/{org}/runs/{run}/status", CGFS_FILE,
			    0, 999999999999999, NONE, NONE, "" };
	struct want repo = { NULL, "/orgs/{org}/repos/{repo}", CGFS_DIR,
			     123456789012345, NONE, 1, NONE, "" };

	expect_match(&user_run, "/orgs/77/users/3/runs/1006", __LINE__);
	/* 0 is an id; 15 digits are the most an id may have. */
	expect_match(&big, "/orgs/0/runs/999999999999999/status", __LINE__);
	expect_match(&repo, "/orgs/123456789012345/repos/1", __LINE__);
}
END_TEST

START_TEST(ids_must_be_numbers)
{
	EXPECT_ENOENT("/orgs/11/runs/abc");
	EXPECT_ENOENT("/orgs/11/runs/12a");
	EXPECT_ENOENT("/orgs/11/runs/-1");
	EXPECT_ENOENT("/orgs/11/runs/+1");
	EXPECT_ENOENT("/orgs/11/runs/ 1");
	EXPECT_ENOENT("/orgs/11/runs/1.0");
	EXPECT_ENOENT("/orgs/11/runs/0x10");
	EXPECT_ENOENT("/orgs/11/repos/x");
	EXPECT_ENOENT("/orgs/11/users/me");
	EXPECT_ENOENT("/orgs/11/users/3/runs/latest");
	/* A name is only an org name: nothing is under it. */
	EXPECT_ENOENT("/orgs/acme/name");
	EXPECT_ENOENT("/orgs/acme/runs/789");
}
END_TEST

START_TEST(ids_without_leading_zeros)
{
	EXPECT_ENOENT("/orgs/011");
	EXPECT_ENOENT("/orgs/00");
	EXPECT_ENOENT("/orgs/011/name");
	EXPECT_ENOENT("/orgs/11/runs/0789");
	EXPECT_ENOENT("/orgs/11/repos/0456/name");
	EXPECT_ENOENT("/orgs/11/users/03");
	EXPECT_ENOENT("/orgs/11/users/3/runs/01006");
}
END_TEST

START_TEST(ids_at_most_15_digits)
{
	EXPECT_ENOENT("/orgs/1234567890123456");
	EXPECT_ENOENT("/orgs/1234567890123456/name");
	EXPECT_ENOENT("/orgs/11/runs/1000000000000000");
	EXPECT_ENOENT("/orgs/11/runs/99999999999999999999999");
	EXPECT_ENOENT("/orgs/11/users/3/runs/1234567890123456");
}
END_TEST

/* ---- org names -------------------------------------------------------------------- */

START_TEST(orgname_link)
{
	struct want dash = { NULL, "/orgs/{orgname}", CGFS_LINK, NONE, NONE, NONE, NONE,
			     "my-org.v2" };
	struct want mixed = { NULL, "/orgs/{orgname}", CGFS_LINK, NONE, NONE, NONE, NONE,
			      "11a" };
	struct want numeric = { NULL, "/orgs/{org}", CGFS_DIR, 12345, NONE, NONE, NONE, "" };

	expect_match(&dash, "/orgs/my-org.v2", __LINE__);
	expect_match(&mixed, "/orgs/11a", __LINE__);
	/* A numeric name is an id, never the {orgname} row. */
	expect_match(&numeric, "/orgs/12345", __LINE__);
}
END_TEST

/* readdir of /orgs never lists an all-digit name (it would read as an id),
 * so lookup must not find one either: ids with leading zeros or too many
 * digits are not names. */
START_TEST(orgname_never_numeric)
{
	struct cgfs_req r;

	ck_assert_int_eq(cgfs_route_match("/orgs/011", &r), -ENOENT);
	ck_assert_int_eq(cgfs_route_match("/orgs/0000", &r), -ENOENT);
	ck_assert_int_eq(cgfs_route_match("/orgs/12345678901234567890", &r), -ENOENT);
}
END_TEST

START_TEST(orgname_longest)
{
	char path[300], name[256];
	struct want w = { NULL, "/orgs/{orgname}", CGFS_LINK, NONE, NONE, NONE, NONE, name };

	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(path, sizeof(path), "/orgs/%s", name);
	expect_match(&w, path, __LINE__);
}
END_TEST

/* ---- views ------------------------------------------------------------------------ */

/* by-status/ takes any status a lookup could find again (its check says
 * which are there); by-source/ only the API's origins, by matching alone. */
START_TEST(view_names)
{
	struct want failed = { NULL, "/orgs/{org}/by-status/{status}/{run}", CGFS_LINK,
			       11, 1286, NONE, NONE, "FAILED" };
	struct want odd = { NULL, "/orgs/{org}/by-status/{status}", CGFS_DIR,
			    11, NONE, NONE, NONE, "QUEUED_FOR_REVIEW" };
	struct want slack = { NULL, "/orgs/{org}/by-source/{source}/{run}", CGFS_LINK,
			      11, 1296, NONE, NONE, "SLACK" };
	struct want setup = { NULL, "/orgs/{org}/by-source/{source}", CGFS_DIR,
			      12, NONE, NONE, NONE, "SETUP_COMMANDS" };
	struct cgfs_qid dir, child;

	expect_match(&failed, "/orgs/11/by-status/FAILED/1286", __LINE__);
	expect_match(&odd, "/orgs/11/by-status/QUEUED_FOR_REVIEW", __LINE__);
	expect_match(&slack, "/orgs/11/by-source/SLACK/1296", __LINE__);
	expect_match(&setup, "/orgs/12/by-source/SETUP_COMMANDS", __LINE__);
	/* No origin but the API's, in its case; no status that is all digits
	 * (not a name the server's statuses are listed under). */
	EXPECT_ENOENT("/orgs/11/by-source/EMAIL");
	EXPECT_ENOENT("/orgs/11/by-source/slack");
	EXPECT_ENOENT("/orgs/11/by-source/SLACK/x");
	EXPECT_ENOENT("/orgs/11/by-source/SLACK/1296/status");
	EXPECT_ENOENT("/orgs/11/by-status/123");
	EXPECT_ENOENT("/orgs/11/by-status/FAILED/latest");
	EXPECT_ENOENT("/orgs/11/by-status/FAILED/1286/status");
	/* A run's node under a status keeps the status (nodes are row + ids +
	 * name): its child is matched with it. */
	ck_assert_int_eq(cgfs_qid_of("/orgs/{org}/by-status/{status}", 11, NONE, NONE, NONE,
				     "FAILED", &dir), 0);
	ck_assert_int_eq(cgfs_match_child(&dir, "1286", &child), 0);
	ck_assert_str_eq(cgfs_route_at(child.row)->pattern, "/orgs/{org}/by-status/{status}/{run}");
	ck_assert_str_eq(child.name, "FAILED");
	ck_assert_int_eq(child.run, 1286);
}
END_TEST

/* ---- names and shapes ------------------------------------------------------------ */

/* An outbox takes any name the user gives: editor scratch names, all-digit
 * probes, names with dots; nothing below a name. */
START_TEST(outbox_names)
{
	static const char *const names[] = { "4913", ".x.swp", "x~", "#x#", "a b", "x.error" };
	struct cgfs_req r;
	char path[300];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/orgs/11/new/%s", names[i]);
		ck_assert_int_eq(cgfs_route_match(path, &r), 0);
		ck_assert_str_eq(r.route->pattern, "/orgs/{org}/new/{entry}");
		ck_assert_str_eq(r.name, names[i]);
		ck_assert_int_eq(r.route->open, CGFS_OPEN_DRAFT);
		ck_assert_int_eq(r.repo, NONE);
	}
	ck_assert_int_eq(cgfs_route_match("/orgs/11/repos/456/new/4913", &r), 0);
	ck_assert_int_eq(r.repo, 456);
	ck_assert_str_eq(r.name, "4913");
	ck_assert_int_eq(cgfs_route_match("/orgs/11/new/x/status", &r), -ENOENT);
	ck_assert_int_eq(cgfs_route_match("/orgs/11/new", &r), 0);
	ck_assert(r.route->flags & CGFS_OUTBOX_DIR);
	ck_assert_int_ne(r.route->open, CGFS_OPEN_DRAFT);
}
END_TEST

START_TEST(unknown_names)
{
	EXPECT_ENOENT("/nosuch");
	EXPECT_ENOENT("/orgs/11/nosuch");
	EXPECT_ENOENT("/me/x");
	EXPECT_ENOENT("/me/emai");
	EXPECT_ENOENT("/me/emailx");
	EXPECT_ENOENT("/me/email.json");
	EXPECT_ENOENT("/ME");
	EXPECT_ENOENT("/readme");
	EXPECT_ENOENT("/orgs/11/runs/789/log");
	EXPECT_ENOENT("/orgs/11/runs/789/logs.json");
	EXPECT_ENOENT("/orgs/11/repos/456/check-suite");
	EXPECT_ENOENT("/orgs/11/users/3/runs/1006/status");
	/* A file has no children (ENOTDIR is cgfs_resolve's answer). */
	EXPECT_ENOENT("/README/x");
	EXPECT_ENOENT("/orgs/11/runs/789/status/x");
	/* The pattern's own text is not a path ("/orgs/{org}" would be an
	 * org name). */
	EXPECT_ENOENT("/orgs/11/runs/{run}");
	EXPECT_ENOENT("/orgs/{org}/name");
}
END_TEST

START_TEST(empty_components)
{
	struct want org = { NULL, "/orgs/{org}", CGFS_DIR, 11, NONE, NONE, NONE, "" };
	struct want root = { NULL, "/", CGFS_DIR, NONE, NONE, NONE, NONE, "" };
	struct want user_run = { NULL, "/orgs/{org}/users/{user}/runs/{run}", CGFS_LINK,
				 11, 1006, NONE, 3, "" };

	expect_match(&org, "//orgs///11/", __LINE__);
	expect_match(&org, "/orgs/11//", __LINE__);
	expect_match(&root, "//", __LINE__);
	expect_match(&root, "", __LINE__);
	expect_match(&user_run, "/orgs//11/users/3///runs/1006/", __LINE__);
}
END_TEST

START_TEST(too_deep)
{
	/* 8 components: no row is that deep, but the name is fine. */
	EXPECT_ENOENT("/a/b/c/d/e/f/g/h");
	EXPECT_ENOENT("/orgs/11/users/3/runs/1006/a/b");
	/* 9 and more. */
	EXPECT_TOOLONG("/a/b/c/d/e/f/g/h/i");
	EXPECT_TOOLONG("/orgs/11/users/3/runs/1006/a/b/c");
	EXPECT_TOOLONG("/a/b/c/d/e/f/g/h/i/j/k/l");
	/* Empty components do not count. */
	EXPECT_ENOENT("//a//b//c//d//e//f//g//h//");
}
END_TEST

/* A failed match names no row, whatever the error (found by
 * tests/fuzz/fuzz_routes.c: a too deep path kept the row of its prefix). */
START_TEST(failure_has_no_row)
{
	static const char *const paths[] = {
		"/a/a/a/a/a/a/a/a/a/a/a/a",           /* regressions/routes/too-deep */
		"/orgs/11/runs/789/status/a/b/c/d",   /* a row, then too deep */
		"/orgs/11/runs/789/logs/x",           /* a row, then no child */
		"/nope",
	};
	char name[300], path[400];
	struct cgfs_req r;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ck_assert_int_ne(cgfs_route_match(paths[i], &r), 0);
		ck_assert_msg(r.route == NULL, "%s: row %s", paths[i], r.route->pattern);
	}
	memset(name, 'x', 256);
	name[256] = '\0';
	snprintf(path, sizeof(path), "/orgs/11/%s", name);
	ck_assert_int_eq(cgfs_route_match(path, &r), -ENAMETOOLONG);
	ck_assert_ptr_null(r.route);
}
END_TEST

START_TEST(long_component)
{
	char name[300], path[400];

	memset(name, 'x', 256);
	name[256] = '\0';
	snprintf(path, sizeof(path), "/orgs/%s", name);
	EXPECT_TOOLONG(path);
	snprintf(path, sizeof(path), "/%s", name);
	EXPECT_TOOLONG(path);
	snprintf(path, sizeof(path), "/orgs/11/runs/789/%s", name);
	EXPECT_TOOLONG(path);
	/* 255 bytes is a name (no row has it). */
	name[255] = '\0';
	snprintf(path, sizeof(path), "/me/%s", name);
	EXPECT_ENOENT(path);
}
END_TEST

static Suite *routes_suite(void)
{
	Suite *s = suite_create("routes");
	TCase *tc;

	tc = tcase_create("rows");
	tcase_add_test(tc, row_kinds_and_flags);
	tcase_add_test(tc, table_rows_resolve_to_themselves);
	tcase_add_test(tc, qids_and_children);
	suite_add_tcase(s, tc);

	tc = tcase_create("ids");
	tcase_add_test(tc, ids_are_captured);
	tcase_add_test(tc, ids_must_be_numbers);
	tcase_add_test(tc, ids_without_leading_zeros);
	tcase_add_test(tc, ids_at_most_15_digits);
	suite_add_tcase(s, tc);

	tc = tcase_create("orgnames");
	tcase_add_test(tc, orgname_link);
	tcase_add_test(tc, orgname_never_numeric);
	tcase_add_test(tc, orgname_longest);
	suite_add_tcase(s, tc);

	tc = tcase_create("shapes");
	tcase_add_test(tc, outbox_names);
	tcase_add_test(tc, view_names);
	tcase_add_test(tc, unknown_names);
	tcase_add_test(tc, empty_components);
	tcase_add_test(tc, too_deep);
	tcase_add_test(tc, long_component);
	tcase_add_test(tc, failure_has_no_row);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(routes_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
