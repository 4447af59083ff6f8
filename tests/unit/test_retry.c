/* test_retry.c - the retry schedule (api/cg_retry.h).
 *
 * Both functions are pure, so the exact delays are asserted: the backoff
 * with a fixed jitter value, and Retry-After against a fixed `now`.
 */
#include "cg_retry.h"

#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#define TOL 1e-12

/* ---- backoff ---------------------------------------------------------------- */

/* base 0.25, cap 8: d = 0.25, 0.5, 1, 2, 4, 8, then capped (16 -> 8, 32 -> 8);
 * delay = d/2 + d/2 * r. */
static const struct {
	double r;
	double want[8];  /* attempts 1..8 */
} schedule[] = {
	{ 0.0,   { 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0 } },
	{ 0.5,   { 0.1875, 0.375, 0.75, 1.5, 3.0, 6.0, 6.0, 6.0 } },
	{ 0.999, { 0.249875, 0.49975, 0.9995, 1.999, 3.998, 7.996, 7.996, 7.996 } },
};

START_TEST(backoff_schedule)
{
	for (int attempt = 1; attempt <= 8; attempt++) {
		double got = cg_backoff_delay(attempt, 0.25, 8.0, schedule[_i].r);

		ck_assert_msg(fabs(got - schedule[_i].want[attempt - 1]) < TOL,
			      "attempt %d r %g: %.9g, want %.9g", attempt, schedule[_i].r,
			      got, schedule[_i].want[attempt - 1]);
	}
}
END_TEST

START_TEST(backoff_first_attempts)
{
	/* attempt < 1 is the first retry. */
	ck_assert_double_eq_tol(cg_backoff_delay(0, 0.25, 8.0, 0.0), 0.125, TOL);
	ck_assert_double_eq_tol(cg_backoff_delay(-1, 0.25, 8.0, 0.5), 0.1875, TOL);
	ck_assert_double_eq_tol(cg_backoff_delay(INT_MIN, 0.25, 8.0, 0.999), 0.249875, TOL);
}
END_TEST

START_TEST(backoff_huge_attempt)
{
	/* No overflow into inf/NaN or a negative delay: the cap holds. */
	static const int attempts[] = { 9, 30, 31, 32, 63, 64, 65, 1000, 1025, 100000, INT_MAX };

	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		double lo = cg_backoff_delay(attempts[i], 0.25, 8.0, 0.0);
		double hi = cg_backoff_delay(attempts[i], 0.25, 8.0, 0.999);

		ck_assert_msg(lo == 4.0, "attempt %d r 0: %g", attempts[i], lo);
		ck_assert_msg(fabs(hi - 7.996) < TOL, "attempt %d r 0.999: %g", attempts[i], hi);
	}
	/* A larger cap is reached too, not some intermediate value. */
	ck_assert_double_eq_tol(cg_backoff_delay(INT_MAX, 1.0, 3600.0, 0.0), 1800.0, TOL);
	ck_assert_double_eq_tol(cg_backoff_delay(13, 1.0, 3600.0, 0.0), 1800.0, TOL);
	ck_assert_double_eq_tol(cg_backoff_delay(12, 1.0, 3600.0, 0.0), 1024.0, TOL);
}
END_TEST

START_TEST(backoff_jitter_range)
{
	/* Equal jitter: always within [d/2, d), growing with r. */
	for (int attempt = 1; attempt <= 10; attempt++) {
		double d = fmin(8.0, 0.25 * ldexp(1.0, attempt - 1));
		double prev = -1;

		for (double r = 0; r < 1.0; r += 0.01) {
			double got = cg_backoff_delay(attempt, 0.25, 8.0, r);

			ck_assert_msg(got >= d / 2 && got < d, "attempt %d r %g: %g not in [%g,%g)",
				      attempt, r, got, d / 2, d);
			ck_assert(got > prev);
			prev = got;
		}
	}
}
END_TEST

/* ---- Retry-After ---------------------------------------------------------- */

/* Wed, 21 Oct 2015 07:27:30 GMT */
static time_t fixed_now(void)
{
	struct tm tm = {
		.tm_year = 2015 - 1900, .tm_mon = 9, .tm_mday = 21,
		.tm_hour = 7, .tm_min = 27, .tm_sec = 30,
	};

	return timegm(&tm);
}

static const struct {
	const char *value;
	double want;
} retry_after_rows[] = {
	{ "120", 120 },
	{ " 3 ", 3 },
	{ "3\r\n", 3 },
	{ "\t7", 7 },
	{ "1.5", 1.5 },
	{ "0", 0 },
	{ "007", 7 },
	{ "-1", -1 },
	{ "abc", -1 },
	{ "10abc", -1 },
	{ "10 20", -1 },
	{ "1.2.3", -1 },
	{ "0x10", -1 },
	{ "1e3", -1 },
	{ "", -1 },
	{ "   ", -1 },
	{ "inf", -1 },
	{ "nan", -1 },
	/* HTTP-dates relative to fixed_now(). */
	{ "Wed, 21 Oct 2015 07:28:00 GMT", 30 },
	{ "Wed, 21 Oct 2015 07:28:00 GMT\r\n", 30 },
	{ "Wed, 21 Oct 2015 08:27:30 GMT", 3600 },
	{ "Thu, 22 Oct 2015 07:27:30 GMT", 86400 },
	{ "Wed, 21 Oct 2015 07:27:30 GMT", 0 },
	{ "Wed, 21 Oct 2015 07:00:00 GMT", 0 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 0 },
	{ "Wed, 21 Oct 2015 07:28:00", -1 },
	{ "Wed, 21 Oct 2015 07:28:00 GMTxyz", -1 },
	{ "Wed, 32 Oct 2015 07:28:00 GMT", -1 },
	{ "Wed, 21 Foo 2015 07:28:00 GMT", -1 },
	{ "yesterday", -1 },
};

START_TEST(retry_after_row)
{
	double got = cg_retry_after_parse(retry_after_rows[_i].value, fixed_now());

	ck_assert_msg(fabs(got - retry_after_rows[_i].want) < TOL, "'%s': %g, want %g",
		      retry_after_rows[_i].value, got, retry_after_rows[_i].want);
}
END_TEST

START_TEST(retry_after_null)
{
	ck_assert_double_eq(cg_retry_after_parse(NULL, fixed_now()), -1);
	ck_assert_double_eq(cg_retry_after_parse(NULL, 0), -1);
}
END_TEST

START_TEST(retry_after_date_follows_now)
{
	/* The same date is 30 s away at fixed_now(), 0 s ten minutes later. */
	const char *date = "Wed, 21 Oct 2015 07:28:00 GMT";

	ck_assert_double_eq_tol(cg_retry_after_parse(date, fixed_now() - 30), 60, TOL);
	ck_assert_double_eq_tol(cg_retry_after_parse(date, fixed_now() + 29), 1, TOL);
	ck_assert_double_eq_tol(cg_retry_after_parse(date, fixed_now() + 600), 0, TOL);
	/* A delta does not depend on now. */
	ck_assert_double_eq_tol(cg_retry_after_parse("120", 0), 120, TOL);
}
END_TEST

static Suite *retry_suite(void)
{
	Suite *s = suite_create("retry");
	TCase *tc;

	tc = tcase_create("backoff");
	tcase_add_loop_test(tc, backoff_schedule, 0, (int)(sizeof(schedule) / sizeof(schedule[0])));
	tcase_add_test(tc, backoff_first_attempts);
	tcase_add_test(tc, backoff_huge_attempt);
	tcase_add_test(tc, backoff_jitter_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("retry_after");
	tcase_add_loop_test(tc, retry_after_row, 0,
			    (int)(sizeof(retry_after_rows) / sizeof(retry_after_rows[0])));
	tcase_add_test(tc, retry_after_null);
	tcase_add_test(tc, retry_after_date_follows_now);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(retry_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
