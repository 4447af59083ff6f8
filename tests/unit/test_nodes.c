/* test_nodes.c - unit tests of the inode table's frozen marks (fs/nodes.c):
 * what the kernel was last told cannot change, and the thaw of a run's or
 * an org's marks after a command (docs/SEMANTICS.md, "What the kernel
 * keeps").
 */
#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "nodes.h"

#define NONE CG_NONE

static struct cgfs_qid file_of(int64_t org, int64_t run, unsigned row)
{
	struct cgfs_qid q = { .row = row, .org = org, .run = run, .repo = NONE, .user = NONE };

	return q;
}

START_TEST(marks_are_kept_per_number)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	struct cgfs_qid a = file_of(11, 789, 5), b = file_of(11, 789, 6);
	uint64_t ia = cgfs_nodes_ref(t, &a, 1), ib = cgfs_nodes_ref(t, &b, 1);

	ck_assert_uint_ne(ia, ib);
	/* New numbers are not frozen; set returns what it was. */
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ia, 1), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ia, 1), 1);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ib, 0), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ia, 0), 1);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ia, 0), 0);
	/* A number the table does not know: nothing, 0. */
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, 999999, 1), 0);
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, 999999, 1), 0);
	cgfs_nodes_free(t);
}
END_TEST

START_TEST(thaw_takes_the_run_or_the_org)
{
	struct cgfs_nodes *t = cgfs_nodes_new();
	struct cgfs_qid q[4] = { file_of(11, 789, 5), file_of(11, 789, 6), file_of(11, 790, 5),
				 file_of(12, 789, 5) };
	uint64_t ino[4], got[8];

	for (int i = 0; i < 4; i++) {
		ino[i] = cgfs_nodes_ref(t, &q[i], 1);
		cgfs_nodes_set_frozen(t, ino[i], 1);
	}
	/* Run 789 of org 11: its two files, and only once. */
	ck_assert_uint_eq(cgfs_nodes_thaw(t, 11, 789, got, 8), 2);
	ck_assert(got[0] != got[1]);
	ck_assert((got[0] == ino[0] || got[0] == ino[1]) && (got[1] == ino[0] || got[1] == ino[1]));
	ck_assert_int_eq(cgfs_nodes_set_frozen(t, ino[0], 0), 0);
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
	uint64_t got[3];
	size_t total = 0, n;

	for (unsigned row = 1; row <= 7; row++) {
		struct cgfs_qid q = file_of(11, 789, row);

		cgfs_nodes_set_frozen(t, cgfs_nodes_ref(t, &q, 1), 1);
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
	TCase *tc = tcase_create("frozen");

	tcase_add_test(tc, marks_are_kept_per_number);
	tcase_add_test(tc, thaw_takes_the_run_or_the_org);
	tcase_add_test(tc, thaw_in_batches);
	suite_add_tcase(s, tc);
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
