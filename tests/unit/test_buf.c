/* test_buf.c - the growable, capped byte buffer (api/cg_buf.h): the cap,
 * growth, NUL termination, take, truncate, resize, reserve and commit. */
#include "cg_buf.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

START_TEST(empty_buffer_reads_as_empty_string)
{
	struct cg_buf b = { 0 };

	ck_assert_ptr_null(b.data);
	ck_assert_str_eq(cg_buf_data(&b), "");
	ck_assert_uint_eq(cg_buf_len(&b), 0);
	/* Appending nothing allocates nothing. */
	ck_assert_int_eq(cg_buf_append(&b, "x", 0), 0);
	ck_assert_int_eq(cg_buf_puts(&b, NULL), 0);
	ck_assert_ptr_null(b.data);
	cg_buf_free(&b);
	cg_buf_free(NULL);
}
END_TEST

START_TEST(append_grows_and_stays_nul_terminated)
{
	struct cg_buf b = { 0 };
	char want[5001];

	for (int i = 0; i < 5000; i++) {
		ck_assert_int_eq(cg_buf_append(&b, i % 2 ? "b" : "a", 1), 0);
		ck_assert_uint_eq(b.len, (size_t)i + 1);
		ck_assert_int_eq(b.data[b.len], '\0');
		ck_assert_uint_ge(b.cap, b.len + 1);
		want[i] = i % 2 ? 'b' : 'a';
	}
	want[5000] = '\0';
	ck_assert_str_eq(cg_buf_data(&b), want);
	/* Doubling from 256: 5001 bytes fit in 8192. */
	ck_assert_uint_eq(b.cap, 8192);
	cg_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(puts_and_printf)
{
	struct cg_buf b = { 0 };

	ck_assert_int_eq(cg_buf_puts(&b, "run "), 0);
	ck_assert_int_eq(cg_buf_printf(&b, "%d:%s", 42, "ok"), 0);
	ck_assert_int_eq(cg_buf_printf(&b, "%s", ""), 0);
	ck_assert_str_eq(b.data, "run 42:ok");
	ck_assert_uint_eq(b.len, 9);
	cg_buf_free(&b);
}
END_TEST

START_TEST(cap_counts_the_nul_and_refuses_past_it)
{
	struct cg_buf b = { .cap_limit = 8 };

	ck_assert_int_eq(cg_buf_append(&b, "1234567", 7), 0);
	ck_assert_uint_eq(b.cap, 8);
	/* A failed append leaves the buffer as it was. */
	ck_assert_int_eq(cg_buf_append(&b, "8", 1), -EFBIG);
	ck_assert_int_eq(cg_buf_printf(&b, "%d", 8), -EFBIG);
	ck_assert_int_eq(cg_buf_resize(&b, 8), -EFBIG);
	ck_assert_int_eq(cg_buf_reserve(&b, 1), -EFBIG);
	ck_assert_str_eq(b.data, "1234567");
	ck_assert_uint_eq(b.len, 7);
	ck_assert_int_eq(cg_buf_reserve(&b, 0), 0);
	/* Free keeps the cap. */
	cg_buf_free(&b);
	ck_assert_uint_eq(b.cap_limit, 8);
	ck_assert_int_eq(cg_buf_append(&b, "123456789", 9), -EFBIG);
	ck_assert_ptr_null(b.data);
	cg_buf_free(&b);
}
END_TEST

START_TEST(cap_limits_the_allocation_not_just_the_content)
{
	struct cg_buf b = { .cap_limit = 300 };

	ck_assert_int_eq(cg_buf_append(&b, "x", 1), 0);
	ck_assert_uint_eq(b.cap, 256);
	ck_assert_int_eq(cg_buf_resize(&b, 299), 0);
	/* Doubling would give 512: the allocation stops at the cap. */
	ck_assert_uint_eq(b.cap, 300);
	ck_assert_uint_eq(b.len, 299);
	cg_buf_free(&b);
}
END_TEST

START_TEST(default_cap_is_64_mib)
{
	struct cg_buf b = { 0 };

	ck_assert_uint_eq(CG_BUF_DEFAULT_CAP, (size_t)64 << 20);
	ck_assert_int_eq(cg_buf_reserve(&b, CG_BUF_DEFAULT_CAP), -EFBIG);
	ck_assert_int_eq(cg_buf_reserve(&b, (size_t)-1), -EFBIG);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(take_hands_over_the_text)
{
	struct cg_buf b = { .cap_limit = 1000 };
	size_t len = 0;
	char *text;

	ck_assert_int_eq(cg_buf_puts(&b, "hello"), 0);
	text = cg_buf_take(&b, &len);
	ck_assert_str_eq(text, "hello");
	ck_assert_uint_eq(len, 5);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap_limit, 1000);
	free(text);
	/* An empty buffer gives an allocated "". */
	text = cg_buf_take(&b, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

START_TEST(truncate_cuts_and_terminates)
{
	struct cg_buf b = { 0 };

	cg_buf_truncate(&b, 3);                 /* nothing allocated: no-op */
	ck_assert_ptr_null(b.data);
	ck_assert_int_eq(cg_buf_puts(&b, "abcdef"), 0);
	cg_buf_truncate(&b, 10);                /* longer than the text: kept */
	ck_assert_str_eq(b.data, "abcdef");
	cg_buf_truncate(&b, 2);
	ck_assert_str_eq(b.data, "ab");
	ck_assert_uint_eq(b.len, 2);
	ck_assert_int_eq(b.data[2], '\0');
	cg_buf_free(&b);
}
END_TEST

START_TEST(resize_zero_fills_when_growing)
{
	struct cg_buf b = { 0 };

	ck_assert_int_eq(cg_buf_resize(&b, 4), 0);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_mem_eq(b.data, "\0\0\0\0\0", 5);
	memcpy(b.data, "abcd", 4);
	ck_assert_int_eq(cg_buf_resize(&b, 2), 0);
	ck_assert_str_eq(b.data, "ab");
	/* The cut bytes do not come back. */
	ck_assert_int_eq(cg_buf_resize(&b, 4), 0);
	ck_assert_mem_eq(b.data, "ab\0\0\0", 5);
	cg_buf_free(&b);
}
END_TEST

START_TEST(reserve_then_commit_or_truncate)
{
	struct cg_buf b = { 0 };
	size_t cap;

	ck_assert_int_eq(cg_buf_puts(&b, "ab"), 0);
	ck_assert_int_eq(cg_buf_reserve(&b, 3), 0);
	cap = b.cap;
	memcpy(b.data + b.len, "cde", 3);
	/* Staged, not content yet. */
	ck_assert_uint_eq(b.len, 2);
	cg_buf_truncate(&b, b.len);             /* abandon: the NUL is back */
	ck_assert_str_eq(b.data, "ab");
	ck_assert_int_eq(cg_buf_reserve(&b, 3), 0);
	ck_assert_uint_eq(b.cap, cap);          /* the room was still there */
	memcpy(b.data + b.len, "xyz", 3);
	cg_buf_commit(&b, 3);
	ck_assert_str_eq(b.data, "abxyz");
	ck_assert_uint_eq(b.len, 5);
	cg_buf_free(&b);
}
END_TEST

START_TEST(shrink_gives_back_the_slack)
{
	struct cg_buf b = { 0 };

	cg_buf_shrink(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_int_eq(cg_buf_puts(&b, "abc"), 0);
	ck_assert_uint_eq(b.cap, 256);
	cg_buf_shrink(&b);
	ck_assert_uint_eq(b.cap, 4);
	ck_assert_str_eq(b.data, "abc");
	/* It still grows afterwards. */
	ck_assert_int_eq(cg_buf_puts(&b, "defgh"), 0);
	ck_assert_str_eq(b.data, "abcdefgh");
	cg_buf_free(&b);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, empty_buffer_reads_as_empty_string);
	tcase_add_test(tc, append_grows_and_stays_nul_terminated);
	tcase_add_test(tc, puts_and_printf);
	tcase_add_test(tc, cap_counts_the_nul_and_refuses_past_it);
	tcase_add_test(tc, cap_limits_the_allocation_not_just_the_content);
	tcase_add_test(tc, default_cap_is_64_mib);
	tcase_add_test(tc, take_hands_over_the_text);
	tcase_add_test(tc, truncate_cuts_and_terminates);
	tcase_add_test(tc, resize_zero_fills_when_growing);
	tcase_add_test(tc, reserve_then_commit_or_truncate);
	tcase_add_test(tc, shrink_gives_back_the_slack);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
