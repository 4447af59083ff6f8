/* test_disk.c - unit tests of fs/disk.c, the SQLite cache of finished runs:
 * what is put reads back at once and after a reopen, a drop forgets, the
 * accounts stay apart, the files are private, threads may put and read at
 * once, and 100,000 runs are one database file, not 100,000 files.
 *
 * Every test works in its own mkdtemp directory (scratch.h); a "remount"
 * is a close and a fresh open of the same directory.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "disk.h"
#include "scratch.h"

#define URL "https://api.example.com/v1"
#define LABEL "api.example.com-u7"
#define MANY 100000
#define NTHREADS 8
#define PER_THREAD 2000

static struct cgfs_disk *open_ok(const struct scratch *t, int64_t user)
{
	char why[512] = "";
	struct cgfs_disk *d = cgfs_disk_open(t->base, URL, user, why, sizeof(why));

	ck_assert_msg(d != NULL, "cgfs_disk_open: %s", why);
	return d;
}

/* The entry reads as exactly text. */
static void assert_entry(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
			 const char *text)
{
	char *data = NULL;
	size_t len = 0;
	int ret = cgfs_disk_get(d, kind, org, run, &data, &len);

	ck_assert_msg(ret == 0, "get %d/%" PRId64 "/%" PRId64 ": %d", kind, org, run, ret);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_str_eq(data, text);
	free(data);
	ck_assert_int_eq(cgfs_disk_has(d, kind, org, run), 1);
}

static void assert_absent(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run)
{
	char *data = (char *)"untouched";
	size_t len = 99;

	ck_assert_int_eq(cgfs_disk_get(d, kind, org, run, &data, &len), -ENOENT);
	ck_assert_str_eq(data, "untouched");
	ck_assert_uint_eq(len, 99);
	ck_assert_int_eq(cgfs_disk_has(d, kind, org, run), 0);
}

/* The names in dir, sorted, joined by spaces. */
static void names_in(const char *dir, char *out, size_t size)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	size_t used = 0;

	ck_assert_msg(n >= 0, "scandir %s: %s", dir, strerror(errno));
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, ".."))
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "",
						 list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

START_TEST(a_put_reads_back_at_once_and_after_a_reopen)
{
	struct scratch t;
	struct cgfs_disk *d;

	scratch_make(&t);
	d = open_ok(&t, 7);
	assert_absent(d, CGFS_DISK_RUN, 1, 789);
	ck_assert_int_eq(cgfs_disk_put(d, CGFS_DISK_RUN, 1, 789, "{\"id\":789}", 10), 0);
	ck_assert_int_eq(cgfs_disk_put(d, CGFS_DISK_LOGS, 1, 789, "{\"a\":1}\n", 8), 0);
	/* Before the writer has run or after: the reader sees it either way. */
	assert_entry(d, CGFS_DISK_RUN, 1, 789, "{\"id\":789}");
	assert_entry(d, CGFS_DISK_LOGS, 1, 789, "{\"a\":1}\n");
	assert_absent(d, CGFS_DISK_LOGS, 2, 789);
	assert_absent(d, CGFS_DISK_RUN, 1, 790);
	/* A put replaces. */
	ck_assert_int_eq(cgfs_disk_put(d, CGFS_DISK_RUN, 1, 789, "{\"id\":789,\"v\":2}", 16), 0);
	assert_entry(d, CGFS_DISK_RUN, 1, 789, "{\"id\":789,\"v\":2}");
	cgfs_disk_close(d);

	d = open_ok(&t, 7);
	assert_entry(d, CGFS_DISK_RUN, 1, 789, "{\"id\":789,\"v\":2}");
	assert_entry(d, CGFS_DISK_LOGS, 1, 789, "{\"a\":1}\n");
	cgfs_disk_close(d);
	scratch_remove(&t);
}
END_TEST

START_TEST(a_drop_forgets_at_once_and_after_a_reopen)
{
	struct scratch t;
	struct cgfs_disk *d;

	scratch_make(&t);
	d = open_ok(&t, 7);
	ck_assert_int_eq(cgfs_disk_put(d, CGFS_DISK_RUN, 1, 5, "five", 4), 0);
	ck_assert_int_eq(cgfs_disk_put(d, CGFS_DISK_RUN, 1, 6, "six", 3), 0);
	cgfs_disk_close(d);

	d = open_ok(&t, 7);
	cgfs_disk_drop(d, CGFS_DISK_RUN, 1, 5);
	assert_absent(d, CGFS_DISK_RUN, 1, 5);
	assert_entry(d, CGFS_DISK_RUN, 1, 6, "six");
	/* Dropped then put again: the new bytes, not the old, not nothing. */
	cgfs_disk_drop(d, CGFS_DISK_RUN, 1, 6);
	ck_assert_int_eq(cgfs_disk_put(d, CGFS_DISK_RUN, 1, 6, "six again", 9), 0);
	assert_entry(d, CGFS_DISK_RUN, 1, 6, "six again");
	cgfs_disk_close(d);

	d = open_ok(&t, 7);
	assert_absent(d, CGFS_DISK_RUN, 1, 5);
	assert_entry(d, CGFS_DISK_RUN, 1, 6, "six again");
	cgfs_disk_close(d);
	scratch_remove(&t);
}
END_TEST

START_TEST(accounts_are_apart_and_files_private)
{
	struct scratch t;
	struct cgfs_disk *a, *b;
	char path[256], names[512];
	struct stat st;

	scratch_make(&t);
	a = open_ok(&t, 7);
	b = open_ok(&t, 8);
	ck_assert_int_eq(cgfs_disk_put(a, CGFS_DISK_RUN, 1, 5, "of 7", 4), 0);
	assert_entry(a, CGFS_DISK_RUN, 1, 5, "of 7");
	assert_absent(b, CGFS_DISK_RUN, 1, 5);
	cgfs_disk_close(b);
	cgfs_disk_close(a);

	names_in(t.base, names, sizeof(names));
	ck_assert_str_eq(names, LABEL " api.example.com-u8");
	snprintf(path, sizeof(path), "%s/" LABEL, t.base);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	/* A clean close leaves the database alone, no -wal or -shm. */
	names_in(path, names, sizeof(names));
	ck_assert_str_eq(names, "cache.db");
	snprintf(path, sizeof(path), "%s/" LABEL "/cache.db", t.base);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	scratch_remove(&t);
}
END_TEST

START_TEST(a_file_that_is_not_a_database_starts_again_empty)
{
	struct scratch t;
	struct cgfs_disk *d;
	char path[256];
	FILE *f;

	scratch_make(&t);
	d = open_ok(&t, 7);
	cgfs_disk_close(d);
	snprintf(path, sizeof(path), "%s/" LABEL "/cache.db", t.base);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 1000; i++)
		fputs("not a database at all ", f);
	fclose(f);

	d = open_ok(&t, 7);
	assert_absent(d, CGFS_DISK_RUN, 1, 5);
	ck_assert_int_eq(cgfs_disk_put(d, CGFS_DISK_RUN, 1, 5, "five", 4), 0);
	cgfs_disk_close(d);
	d = open_ok(&t, 7);
	assert_entry(d, CGFS_DISK_RUN, 1, 5, "five");
	cgfs_disk_close(d);
	scratch_remove(&t);
}
END_TEST

START_TEST(the_files_of_earlier_versions_are_left_alone_and_not_read)
{
	struct scratch t;
	struct cgfs_disk *d;
	char path[256], names[512];
	FILE *f;

	scratch_make(&t);
	snprintf(path, sizeof(path), "%s/" LABEL, t.base);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/" LABEL "/1", t.base);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/" LABEL "/1/5.json", t.base);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"id\":5}", f);
	fclose(f);

	d = open_ok(&t, 7);
	assert_absent(d, CGFS_DISK_RUN, 1, 5);
	cgfs_disk_close(d);
	snprintf(path, sizeof(path), "%s/" LABEL, t.base);
	names_in(path, names, sizeof(names));
	ck_assert_str_eq(names, "1 cache.db");
	snprintf(path, sizeof(path), "%s/" LABEL "/1", t.base);
	names_in(path, names, sizeof(names));
	ck_assert_str_eq(names, "5.json");
	scratch_remove(&t);
}
END_TEST

START_TEST(a_hundred_thousand_runs_are_one_file)
{
	struct scratch t;
	struct cgfs_disk *d;
	char path[256], names[512], text[64];
	int refused = 0;

	scratch_make(&t);
	d = open_ok(&t, 7);
	for (int64_t i = 0; i < MANY; i++) {
		int n = snprintf(text, sizeof(text), "{\"id\":%" PRId64 "}", i);
		int ret = cgfs_disk_put(d, CGFS_DISK_RUN, 1, i, text, (size_t)n);

		/* A full queue refuses, it never blocks: put again until taken. */
		while (ret == -EAGAIN) {
			refused++;
			usleep(1000);
			ret = cgfs_disk_put(d, CGFS_DISK_RUN, 1, i, text, (size_t)n);
		}
		ck_assert_int_eq(ret, 0);
	}
	cgfs_disk_close(d);

	snprintf(path, sizeof(path), "%s/" LABEL, t.base);
	names_in(path, names, sizeof(names));
	ck_assert_str_eq(names, "cache.db");
	d = open_ok(&t, 7);
	for (int64_t i = 0; i < MANY; i += 997) {
		snprintf(text, sizeof(text), "{\"id\":%" PRId64 "}", i);
		assert_entry(d, CGFS_DISK_RUN, 1, i, text);
	}
	assert_entry(d, CGFS_DISK_RUN, 1, MANY - 1, "{\"id\":99999}");
	assert_absent(d, CGFS_DISK_RUN, 1, MANY);
	cgfs_disk_close(d);
	(void)refused;
	scratch_remove(&t);
}
END_TEST

struct worker {
	struct cgfs_disk *d;
	int64_t org;
	int bad;
};

/* Put PER_THREAD runs of its own org, each read back at once; drop the odd ones. */
static void *put_and_read(void *arg)
{
	struct worker *w = arg;
	char text[64], *data;
	size_t len;

	for (int64_t i = 0; i < PER_THREAD; i++) {
		int n = snprintf(text, sizeof(text), "%" PRId64 "/%" PRId64, w->org, i);

		if (cgfs_disk_put(w->d, CGFS_DISK_RUN, w->org, i, text, (size_t)n) ||
		    cgfs_disk_get(w->d, CGFS_DISK_RUN, w->org, i, &data, &len)) {
			w->bad++;
			continue;
		}
		w->bad += len != (size_t)n || memcmp(data, text, len) != 0;
		free(data);
		if (i % 2)
			cgfs_disk_drop(w->d, CGFS_DISK_RUN, w->org, i);
	}
	return NULL;
}

START_TEST(threads_put_read_and_drop_at_once)
{
	struct scratch t;
	struct cgfs_disk *d;
	struct worker w[NTHREADS];
	pthread_t tid[NTHREADS];
	char text[64];

	scratch_make(&t);
	d = open_ok(&t, 7);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .d = d, .org = i + 1 };
		ck_assert_int_eq(pthread_create(&tid[i], NULL, put_and_read, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(tid[i], NULL);
		ck_assert_int_eq(w[i].bad, 0);
	}
	cgfs_disk_close(d);

	d = open_ok(&t, 7);
	for (int64_t org = 1; org <= NTHREADS; org++) {
		for (int64_t i = 0; i < PER_THREAD; i += 97) {
			snprintf(text, sizeof(text), "%" PRId64 "/%" PRId64, org, i);
			if (i % 2)
				assert_absent(d, CGFS_DISK_RUN, org, i);
			else
				assert_entry(d, CGFS_DISK_RUN, org, i, text);
		}
	}
	cgfs_disk_close(d);
	scratch_remove(&t);
}
END_TEST

START_TEST(no_cache_is_a_cache_that_holds_nothing)
{
	char *data = NULL;
	size_t len = 0;
	char why[128] = "";

	ck_assert_ptr_null(cgfs_disk_open(NULL, URL, 7, why, sizeof(why)));
	ck_assert_str_eq(why, "no cache directory");
	ck_assert_int_eq(cgfs_disk_put(NULL, CGFS_DISK_RUN, 1, 5, "x", 1), 0);
	ck_assert_int_eq(cgfs_disk_get(NULL, CGFS_DISK_RUN, 1, 5, &data, &len), -ENOENT);
	ck_assert_int_eq(cgfs_disk_has(NULL, CGFS_DISK_RUN, 1, 5), 0);
	cgfs_disk_drop(NULL, CGFS_DISK_RUN, 1, 5);
	cgfs_disk_close(NULL);
}
END_TEST

static Suite *disk_suite(void)
{
	Suite *s = suite_create("disk");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_put_reads_back_at_once_and_after_a_reopen);
	tcase_add_test(tc, a_drop_forgets_at_once_and_after_a_reopen);
	tcase_add_test(tc, accounts_are_apart_and_files_private);
	tcase_add_test(tc, a_file_that_is_not_a_database_starts_again_empty);
	tcase_add_test(tc, the_files_of_earlier_versions_are_left_alone_and_not_read);
	tcase_add_test(tc, a_hundred_thousand_runs_are_one_file);
	tcase_add_test(tc, threads_put_read_and_drop_at_once);
	tcase_add_test(tc, no_cache_is_a_cache_that_holds_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(disk_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
