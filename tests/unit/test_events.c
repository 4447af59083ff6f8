/* test_events.c - the events feed (fs/events.c): which sightings of a run
 * are news, the exact lines of both feeds, and the bound (dropped events
 * read as newlines, offsets never move).  The watcher is not started: no
 * request is made here. */
#include "events.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cgfs fs;

static void setup(size_t keep)
{
	memset(&fs, 0, sizeof(fs));
	fs.events = cgfs_events_new(keep);
	ck_assert_ptr_nonnull(fs.events);
}

static void teardown(void)
{
	cgfs_events_free(fs.events);
	fs.events = NULL;
}

/* Show run id with status (NULL: none) and PRs (ids, URLs; n of them). */
static void saw(int64_t id, const char *status, size_t n, const int64_t *pr_ids,
		const char *const *urls, enum cgfs_seen how)
{
	struct cg_pr prs[4] = { 0 };
	struct cg_run run = { .id = id, .status = (char *)status, .prs = n ? prs : NULL,
			      .n_prs = n };

	for (size_t i = 0; i < n; i++) {
		prs[i].id = pr_ids[i];
		prs[i].url = (char *)urls[i];
	}
	cgfs_events_saw_run(&fs, 11, &run, how);
}

/* The whole feed (jsonl 0: text), its size checked against its stat. */
static char *feed(int jsonl)
{
	static char buf[1 << 16];
	size_t size;
	time_t mtime;
	ssize_t n = cgfs_events_read(&fs, 11, jsonl, buf, sizeof(buf) - 1, 0);

	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	cgfs_events_stat(&fs, 11, jsonl, &size, &mtime);
	ck_assert_uint_eq(size, (size_t)n);
	return buf;
}

/* The feed with each line's time (its first field, checked to be ISO 8601
 * UTC) replaced by "T", for the text; by "T" inside the JSON too. */
static char *untimed(int jsonl)
{
	static char out[1 << 16];
	const char *p = feed(jsonl);
	size_t len = 0;

	while (*p) {
		const char *t = jsonl ? strstr(p, "\"time\":\"") : p;

		ck_assert_ptr_nonnull(t);
		if (jsonl)
			t += 8;
		memcpy(out + len, p, (size_t)(t - p));
		len += (size_t)(t - p);
		ck_assert_msg(strlen(t) > 20 && t[4] == '-' && t[10] == 'T' && t[19] == 'Z',
			      "not an ISO 8601 UTC time: %.24s", t);
		out[len++] = 'T';
		p = t + 20;
		t = strchr(p, '\n');
		ck_assert_ptr_nonnull(t);
		memcpy(out + len, p, (size_t)(t + 1 - p));
		len += (size_t)(t + 1 - p);
		p = t + 1;
	}
	out[len] = '\0';
	return out;
}

START_TEST(the_first_listing_is_no_news_then_changes_are)
{
	static const int64_t pr[] = { 51 };
	static const char *const url[] = { "https://github.com/acme/pay/pull/7" };

	setup(0);
	saw(5, "ACTIVE", 0, NULL, NULL, CGFS_SEEN_LISTED);
	saw(6, "COMPLETE", 1, pr, url, CGFS_SEEN_LISTED);
	saw(8, "ACTIVE", 0, NULL, NULL, CGFS_SEEN_OTHER);
	ck_assert_str_eq(feed(0), "");
	cgfs_events_primed(&fs, 11);
	saw(7, "PENDING", 0, NULL, NULL, CGFS_SEEN_LISTED);
	saw(7, "PENDING", 0, NULL, NULL, CGFS_SEEN_OTHER);  /* nothing new */
	saw(5, "RUNNING", 0, NULL, NULL, CGFS_SEEN_LISTED);
	saw(5, "RUNNING", 1, pr, url, CGFS_SEEN_OTHER);
	saw(5, "RUNNING", 1, pr, url, CGFS_SEEN_LISTED);   /* nor here */
	saw(6, "COMPLETE", 1, pr, url, CGFS_SEEN_LISTED);  /* nor here */
	saw(5, NULL, 1, pr, url, CGFS_SEEN_OTHER);
	/* Read by id first, listed only now: the window shows it for the
	 * first time, so it is new. */
	saw(8, "RUNNING", 0, NULL, NULL, CGFS_SEEN_LISTED);
	ck_assert_str_eq(untimed(0),
			 "T 7 new -> PENDING\n"
			 "T 5 ACTIVE -> RUNNING\n"
			 "T 5 pr 51 https://github.com/acme/pay/pull/7\n"
			 "T 5 RUNNING -> -\n"
			 "T 8 new -> RUNNING\n");
	ck_assert_str_eq(untimed(1),
			 "{\"time\":\"T\",\"run\":7,\"event\":\"new\",\"status\":\"PENDING\"}\n"
			 "{\"time\":\"T\",\"run\":5,\"event\":\"status\",\"old\":\"ACTIVE\","
			 "\"status\":\"RUNNING\"}\n"
			 "{\"time\":\"T\",\"run\":5,\"event\":\"pr\",\"pr\":51,"
			 "\"url\":\"https://github.com/acme/pay/pull/7\"}\n"
			 "{\"time\":\"T\",\"run\":5,\"event\":\"status\",\"old\":\"RUNNING\","
			 "\"status\":null}\n"
			 "{\"time\":\"T\",\"run\":8,\"event\":\"new\",\"status\":\"RUNNING\"}\n");
	teardown();
}
END_TEST

START_TEST(a_run_created_here_is_new_once)
{
	static const int64_t pr[] = { 91, 92 };
	static const char *const url[] = { "https://x/pull/1", NULL };

	setup(0);
	saw(9, "ACTIVE", 2, pr, url, CGFS_SEEN_CREATED);
	cgfs_events_primed(&fs, 11);
	saw(9, "ACTIVE", 2, pr, url, CGFS_SEEN_LISTED);
	ck_assert_str_eq(untimed(0),
			 "T 9 new -> ACTIVE\n"
			 "T 9 pr 91 https://x/pull/1\n"
			 "T 9 pr 92 -\n");
	teardown();
}
END_TEST

START_TEST(a_server_status_is_one_field_of_the_line)
{
	setup(0);
	saw(3, "A B", 0, NULL, NULL, CGFS_SEEN_OTHER);
	saw(3, "x\n\"y\x1b", 0, NULL, NULL, CGFS_SEEN_OTHER);
	ck_assert_str_eq(untimed(0), "T 3 A_B -> x_\"y_\n");
	ck_assert_str_eq(untimed(1), "{\"time\":\"T\",\"run\":3,\"event\":\"status\","
			 "\"old\":\"A B\",\"status\":\"x\\n\\\"y\\u001b\"}\n");
	teardown();

	/* Cut to 64 bytes in both feeds, never inside a UTF-8 sequence; the
	 * same long status again is no change. */
	setup(0);
	{
		char status[80], expect[160];

		memset(status, 'a', 63);
		snprintf(status + 63, sizeof(status) - 63, "\xc3\xa9zzz");
		saw(4, "OLD", 0, NULL, NULL, CGFS_SEEN_OTHER);
		saw(4, status, 0, NULL, NULL, CGFS_SEEN_OTHER);
		saw(4, status, 0, NULL, NULL, CGFS_SEEN_OTHER);
		status[63] = '\0';
		snprintf(expect, sizeof(expect), "T 4 OLD -> %s\n", status);
		ck_assert_str_eq(untimed(0), expect);
		snprintf(expect, sizeof(expect), "{\"time\":\"T\",\"run\":4,\"event\":\"status\","
			 "\"old\":\"OLD\",\"status\":\"%s\"}\n", status);
		ck_assert_str_eq(untimed(1), expect);
	}
	teardown();
}
END_TEST

START_TEST(dropped_events_read_as_newlines_and_offsets_stay)
{
	static const char *const statuses[] = { "S0", "S1", "S2", "S3", "S4", "S5" };
	char whole[4096], *text;
	size_t before, size;
	time_t mtime;
	ssize_t n;

	setup(4);
	saw(1, statuses[0], 0, NULL, NULL, CGFS_SEEN_OTHER);
	for (int i = 1; i < 5; i++)
		saw(1, statuses[i], 0, NULL, NULL, CGFS_SEEN_OTHER);
	/* Four events (of 32 bytes each) are kept; a fifth drops the oldest
	 * two, down to three. */
	text = feed(0);
	before = strlen(text);
	ck_assert_uint_eq(before, 4 * strlen("2026-01-01T00:00:00Z 1 S0 -> S1\n"));
	saw(1, statuses[5], 0, NULL, NULL, CGFS_SEEN_OTHER);
	cgfs_events_stat(&fs, 11, 0, &size, &mtime);
	ck_assert_uint_eq(size, 5 * strlen("2026-01-01T00:00:00Z 1 S0 -> S1\n"));
	n = cgfs_events_read(&fs, 11, 0, whole, sizeof(whole), 0);
	ck_assert_int_eq(n, (ssize_t)size);
	for (size_t i = 0; i < 2 * 32; i++)
		ck_assert_int_eq(whole[i], '\n');
	ck_assert_int_eq(memcmp(whole + 64 + 21, "1 S2 -> S3\n", 11), 0);
	ck_assert_int_eq(memcmp(whole + size - 11, "1 S4 -> S5\n", 11), 0);
	/* A read that starts in the dropped part and goes on into what is held. */
	n = cgfs_events_read(&fs, 11, 0, whole, 40, 60);
	ck_assert_int_eq(n, 40);
	ck_assert_int_eq(memcmp(whole, "\n\n\n\n", 4), 0);
	ck_assert(whole[4] >= '0' && whole[4] <= '9' && whole[8] == '-');
	/* Past the end: nothing. */
	ck_assert_int_eq(cgfs_events_read(&fs, 11, 0, whole, 10, (off_t)size), 0);
	/* The jsonl feed dropped the same events. */
	n = cgfs_events_read(&fs, 11, 1, whole, sizeof(whole) - 1, 0);
	whole[n] = '\0';
	ck_assert_ptr_null(strstr(whole, "\"S1\",\"status\":\"S2\""));
	ck_assert_ptr_nonnull(strstr(whole, "\"old\":\"S2\",\"status\":\"S3\""));
	teardown();
}
END_TEST

START_TEST(no_feed_reads_as_empty)
{
	char buf[8];
	size_t size = 1;
	time_t mtime = 1;

	setup(0);
	cgfs_events_stat(&fs, 12, 0, &size, &mtime);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(mtime, 0);
	ck_assert_int_eq(cgfs_events_read(&fs, 12, 1, buf, sizeof(buf), 0), 0);
	teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("feed");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, the_first_listing_is_no_news_then_changes_are);
	tcase_add_test(tc, a_run_created_here_is_new_once);
	tcase_add_test(tc, a_server_status_is_one_field_of_the_line);
	tcase_add_test(tc, dropped_events_read_as_newlines_and_offsets_stay);
	tcase_add_test(tc, no_feed_reads_as_empty);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
