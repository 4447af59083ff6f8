/* test_nodes.c - unit tests of the inode table (fs/nodes.c): a number
 * gives back exactly the node it was made for, whatever its depth;
 * references keep a node (and the directories above it) and FORGET drops
 * them; stale, detached, renamed and re-kinded numbers; and the frozen
 * marks with the thaw of a run's or an org's (docs/SEMANTICS.md, "What the
 * kernel keeps").  Nodes come from real paths through the route table.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "nodes.h"

#define NONE CG_NONE

/* The qid and kind of a path, as a lookup of it makes them. */
static struct cgfs_qid qid_at(const char *path, int *kind)
{
	struct cgfs_req r;
	struct cgfs_qid q;

	ck_assert_msg(cgfs_route_match(path, &r) == 0, "%s does not match", path);
	cgfs_req_qid(&r, &q);
	if (kind)
		*kind = (int)r.node;
	return q;
}

static uint64_t ref_path(struct cgfs_nodes *t, const char *path)
{
	int kind;
	struct cgfs_qid q = qid_at(path, &kind);
	uint64_t ino = cgfs_nodes_ref(t, &q, kind);

	ck_assert_msg(ino != 0, "%s: no number", path);
	return ino;
}

static void expect_qid(struct cgfs_nodes *t, uint64_t ino, const char *path)
{
	int kind, got_kind = -2;
	struct cgfs_qid want = qid_at(path, &kind), got;

	memset(&got, 0x5a, sizeof(got));
	ck_assert_msg(cgfs_nodes_get(t, ino, &got, &got_kind) == 0, "%s: number unknown", path);
	ck_assert_msg(got.row == want.row && got.org == want.org && got.run == want.run &&
		      got.repo == want.repo && got.user == want.user,
		      "%s: row %u org %lld run %lld repo %lld user %lld, want row %u org %lld "
		      "run %lld repo %lld user %lld", path, got.row, (long long)got.org,
		      (long long)got.run, (long long)got.repo, (long long)got.user, want.row,
		      (long long)want.org, (long long)want.run, (long long)want.repo,
		      (long long)want.user);
	ck_assert_str_eq(got.name, want.name);
	ck_assert_int_eq(got_kind, want.row ? kind : -1);    /* the root's is -1 */
}

static const char *const paths[] = {
	"/orgs",
	"/orgs/11",
	"/orgs/11/runs",
	"/orgs/11/runs/789",
	"/orgs/11/runs/789/status",
	"/orgs/11/runs/789/logs",
	"/orgs/11/runs/790/status",
	"/orgs/12/runs/789/status",
	"/orgs/11/by-status/FAILED/789",
	"/orgs/11/by-status/COMPLETE/789",
	"/orgs/11/new/retries",
	"/orgs/11/repos/3/new/retries",
	"/orgs/11/users/5/runs/789",
	"/orgs/acme",
	"/me/email",
	"/README",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

START_TEST(numbers_give_back_their_nodes)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	uint64_t ino[NPATHS];

	for (size_t i = 0; i < NPATHS; i++) {
		ino[i] = ref_path(t, paths[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(ino[i] != ino[j], "%s and %s share %llu", paths[i], paths[j],
				      (unsigned long long)ino[i]);
	}
	for (size_t i = 0; i < NPATHS; i++) {
		struct cgfs_qid q = qid_at(paths[i], NULL);

		expect_qid(t, ino[i], paths[i]);
		/* Looking up again: the same number; find agrees. */
		ck_assert_uint_eq(ref_path(t, paths[i]), ino[i]);
		ck_assert_uint_eq(cgfs_nodes_find(t, &q), ino[i]);
	}
	/* The root is 1, with no ids. */
	expect_qid(t, CGFS_ROOT_INO, "/");
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(unknown_numbers_are_stale)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	uint64_t dir = ref_path(t, "/orgs/11/runs/789"), file = ref_path(t, "/orgs/11/runs/789/status");
	struct cgfs_qid q;

	ck_assert_int_eq(cgfs_nodes_get(t, 0, &q, NULL), -ESTALE);
	ck_assert_int_eq(cgfs_nodes_get(t, 999999, &q, NULL), -ESTALE);
	/* Another generation of a slot in use, another row under it. */
	ck_assert_int_eq(cgfs_nodes_get(t, dir + (1ull << 32), &q, NULL), -ESTALE);
	ck_assert_int_eq(cgfs_nodes_get(t, file + (1ull << 32), &q, NULL), -ESTALE);
	ck_assert_int_eq(cgfs_nodes_get(t, file & ~(0x7fffull << 48), &q, NULL), -ESTALE);
	/* A file's form of a number whose row is no file of that directory. */
	ck_assert_int_eq(cgfs_nodes_get(t, dir | (1ull << 63), &q, NULL), -ESTALE);
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(references_keep_nodes_and_their_directories)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	uint64_t dir = ref_path(t, "/orgs/11/runs/789");
	uint64_t status = ref_path(t, "/orgs/11/runs/789/status");
	uint64_t summary = ref_path(t, "/orgs/11/runs/789/summary");
	struct cgfs_qid q, dq = qid_at("/orgs/11/runs/789", NULL);

	/* The kernel forgets the directory first: its files still hold it. */
	cgfs_nodes_forget(t, dir, 1);
	expect_qid(t, dir, "/orgs/11/runs/789");
	expect_qid(t, status, "/orgs/11/runs/789/status");
	cgfs_nodes_forget(t, status, 1);
	expect_qid(t, summary, "/orgs/11/runs/789/summary");
	/* Forgetting more than was given counts as all of it. */
	cgfs_nodes_forget(t, summary, 5);
	ck_assert_int_eq(cgfs_nodes_get(t, dir, &q, NULL), -ESTALE);
	ck_assert_int_eq(cgfs_nodes_get(t, summary, &q, NULL), -ESTALE);
	ck_assert_uint_eq(cgfs_nodes_find(t, &dq), 0);
	/* A new lookup: a new number, never the old one. */
	uint64_t again = ref_path(t, "/orgs/11/runs/789");

	ck_assert_uint_ne(again, dir);
	ck_assert_int_eq(cgfs_nodes_get(t, dir, &q, NULL), -ESTALE);
	expect_qid(t, again, "/orgs/11/runs/789");
	/* Two lookups need two forgets. */
	ck_assert_uint_eq(ref_path(t, "/orgs/11/runs/789"), again);
	cgfs_nodes_forget(t, again, 1);
	expect_qid(t, again, "/orgs/11/runs/789");
	cgfs_nodes_forget(t, again, 1);
	ck_assert_int_eq(cgfs_nodes_get(t, again, &q, NULL), -ESTALE);
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(files_are_found_once_the_kernel_has_them)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	struct cgfs_qid status = qid_at("/orgs/11/runs/789/status", NULL);
	struct cgfs_qid summary = qid_at("/orgs/11/runs/789/summary", NULL);
	uint64_t ino;

	ck_assert_uint_eq(cgfs_nodes_find(t, &status), 0);
	ref_path(t, "/orgs/11/runs/789");
	ck_assert_uint_eq(cgfs_nodes_find(t, &status), 0);
	ino = ref_path(t, "/orgs/11/runs/789/status");
	ck_assert_uint_eq(cgfs_nodes_find(t, &status), ino);
	ck_assert_uint_eq(cgfs_nodes_find(t, &summary), 0);
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(another_kind_gets_another_number)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	struct cgfs_qid q = qid_at("/orgs/11/new/retries", NULL), got;
	uint64_t draft = cgfs_nodes_ref(t, &q, CGFS_FILE), link;
	int kind;

	link = cgfs_nodes_ref(t, &q, CGFS_LINK);
	ck_assert_uint_ne(draft, 0);
	ck_assert_uint_ne(link, draft);
	ck_assert_uint_eq(cgfs_nodes_find(t, &q), link);
	/* The old number still names the file for whoever holds it. */
	ck_assert_int_eq(cgfs_nodes_get(t, draft, &got, &kind), 0);
	ck_assert_int_eq(kind, CGFS_FILE);
	ck_assert_str_eq(got.name, "retries");
	ck_assert_int_eq(cgfs_nodes_get(t, link, &got, &kind), 0);
	ck_assert_int_eq(kind, CGFS_LINK);
	cgfs_nodes_forget(t, draft, 1);
	ck_assert_int_eq(cgfs_nodes_get(t, draft, &got, NULL), -ESTALE);
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(detach_and_rename)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	struct cgfs_qid a = qid_at("/orgs/11/new/a", NULL), b = qid_at("/orgs/11/new/b", NULL);
	struct cgfs_qid c = qid_at("/orgs/11/new/c", NULL);
	uint64_t ia = cgfs_nodes_ref(t, &a, CGFS_FILE), ib = cgfs_nodes_ref(t, &b, CGFS_FILE);
	uint64_t ic = cgfs_nodes_ref(t, &c, CGFS_FILE);

	/* a onto b: a's number is b now; b's number is detached but works. */
	cgfs_nodes_rename(t, &a, &b);
	ck_assert_uint_eq(cgfs_nodes_find(t, &b), ia);
	ck_assert_uint_eq(cgfs_nodes_find(t, &a), 0);
	expect_qid(t, ia, "/orgs/11/new/b");
	expect_qid(t, ib, "/orgs/11/new/b");
	ck_assert_uint_ne(cgfs_nodes_ref(t, &a, CGFS_FILE), ia);
	/* Unlinked: open files keep the number, the next lookup gets another. */
	cgfs_nodes_detach(t, &c);
	ck_assert_uint_eq(cgfs_nodes_find(t, &c), 0);
	expect_qid(t, ic, "/orgs/11/new/c");
	ck_assert_uint_ne(cgfs_nodes_ref(t, &c, CGFS_FILE), ic);
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(many_runs_many_files)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	static const char *const files[] = { "status", "summary", "result", "logs", "wait" };
	static uint64_t ino[5000][5];
	char path[128];

	/* Enough to grow the array and the hash table several times. */
	for (int i = 0; i < 5000; i++)
		for (int f = 0; f < 5; f++) {
			snprintf(path, sizeof(path), "/orgs/11/runs/%d/%s", 1000 + i, files[f]);
			ino[i][f] = ref_path(t, path);
		}
	for (int i = 0; i < 5000; i += 499)
		for (int f = 0; f < 5; f++) {
			snprintf(path, sizeof(path), "/orgs/11/runs/%d/%s", 1000 + i, files[f]);
			expect_qid(t, ino[i][f], path);
		}
	for (int i = 0; i < 5000; i++)
		for (int f = 0; f < 5; f++)
			cgfs_nodes_forget(t, ino[i][f], 1);
	for (int i = 0; i < 5000; i += 499) {
		struct cgfs_qid q;

		ck_assert_int_eq(cgfs_nodes_get(t, ino[i][0], &q, NULL), -ESTALE);
	}
	cgfs_nodes_free(t);
}
END_TEST

/* ---- frozen marks --------------------------------------------------------------------- */

START_TEST(marks_are_kept_per_number)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	uint64_t ia = ref_path(t, "/orgs/11/runs/789/status");
	uint64_t ib = ref_path(t, "/orgs/11/runs/789/summary");
	uint64_t dir = ref_path(t, "/orgs/11/runs/789");

	ck_assert_uint_ne(ia, ib);
	/* New numbers are not frozen; set returns what it was. */
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ia, 1), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ia, 1), 1);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ib, 0), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, dir, 0), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, dir, 1), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ia, 0), 1);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ia, 0), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, dir, 1), 1);
	/* A number the table does not know: nothing, 0. */
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, 999999, 1), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, 999999, 1), 0);
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(thaw_takes_the_run_or_the_org)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	static const char *const p[5] = {
		"/orgs/11/runs/789/status", "/orgs/11/runs/789", "/orgs/11/runs/790/status",
		"/orgs/12/runs/789/status", "/orgs/11/runs/789/summary",
	};
	uint64_t ino[5], got[8];

	for (int i = 0; i < 5; i++) {
		ino[i] = ref_path(t, p[i]);
		cgfs_nodes_set_frozen(t, ino[i], 1);
	}
	/* Run 789 of org 11: its directory and two files, each once. */
	ck_assert_uint_eq(cgfs_nodes_thaw(t, 11, 789, got, 8), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert(got[i] == ino[0] || got[i] == ino[1] || got[i] == ino[4]);
		for (int j = 0; j < i; j++)
			ck_assert(got[i] != got[j]);
	}
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ino[0], 0), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ino[1], 0), 0);
	ck_assert_uint_eq(cgfs_nodes_thaw(t, 11, 789, got, 8), 0);
	/* The org: what is left of it, not org 12's. */
	ck_assert_uint_eq(cgfs_nodes_thaw(t, 11, NONE, got, 8), 1);
	ck_assert_uint_eq(got[0], ino[2]);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ino[3], 1), 1);
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(thaw_in_batches)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	static const char *const files[] = { "status", "summary", "result", "web_url",
					     "created_at", "source_type", "run.json" };
	uint64_t got[3];
	size_t total = 0, n;
	char path[64];

	for (size_t i = 0; i < 7; i++) {
		snprintf(path, sizeof(path), "/orgs/11/runs/789/%s", files[i]);
		cgfs_nodes_set_frozen(t, ref_path(t, path), 1);
	}
	while ((n = cgfs_nodes_thaw(t, 11, 789, got, 3)) > 0) {
		ck_assert_uint_le(n, 3);
		total += n;
	}
	ck_assert_uint_eq(total, 7);
	cgfs_nodes_free(t);
}
END_TEST

static Suite *nodes_suite(void)
{
	Suite *s = suite_create("nodes");
	TCase *tc = tcase_create("numbers");
	TCase *fr = tcase_create("frozen");

	tcase_add_test(tc, numbers_give_back_their_nodes);
	tcase_add_test(tc, unknown_numbers_are_stale);
	tcase_add_test(tc, references_keep_nodes_and_their_directories);
	tcase_add_test(tc, files_are_found_once_the_kernel_has_them);
	tcase_add_test(tc, another_kind_gets_another_number);
	tcase_add_test(tc, detach_and_rename);
	tcase_add_test(tc, many_runs_many_files);
	suite_add_tcase(s, tc);
	tcase_add_test(fr, marks_are_kept_per_number);
	tcase_add_test(fr, thaw_takes_the_run_or_the_org);
	tcase_add_test(fr, thaw_in_batches);
	suite_add_tcase(s, fr);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(nodes_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
