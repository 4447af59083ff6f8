/* test_file.c - the capped whole-file read (api/cg_file.h): the cap, the
 * private check, what is refused, and the errno contract. */
#include "cg_file.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[1024];
static int dfd = -1;

static void setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/cgfs-file-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
}

static void teardown(void)
{
	static const char *const names[] = { "f", "link", "fifo", "sub" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlinkat(dfd, names[i], strcmp(names[i], "sub") ? 0 : AT_REMOVEDIR);
	close(dfd);
	rmdir(dir);
}

static void put(const char *name, const char *text, mode_t mode)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(reads_whole_file_nul_terminated)
{
	char *data = NULL;
	size_t len = 0;
	mode_t mode = 0;

	put("f", "hello\nworld", 0600);
	ck_assert_int_eq(cg_file_read(dfd, "f", 64, CG_FILE_PRIVATE, &data, &len, &mode), 0);
	ck_assert_uint_eq(len, 11);
	ck_assert_str_eq(data, "hello\nworld");
	ck_assert_uint_eq(mode, S_IFREG | 0600);
	free(data);
}
END_TEST

START_TEST(cap_is_inclusive)
{
	char *data = (char *)"untouched";
	size_t len = 99;

	put("f", "12345", 0600);
	ck_assert_int_eq(cg_file_read(dfd, "f", 4, 0, &data, &len, NULL), -EFBIG);
	ck_assert_str_eq(data, "untouched");
	ck_assert_uint_eq(len, 99);
	ck_assert_int_eq(cg_file_read(dfd, "f", 5, 0, &data, &len, NULL), 0);
	ck_assert_str_eq(data, "12345");
	ck_assert_uint_eq(len, 5);
	free(data);
}
END_TEST

START_TEST(empty_file)
{
	char *data = NULL;
	size_t len = 7;

	put("f", "", 0600);
	ck_assert_int_eq(cg_file_read(dfd, "f", 0, 0, &data, &len, NULL), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	free(data);
}
END_TEST

START_TEST(private_refuses_group_or_other_bits)
{
	static const mode_t modes[] = { 0640, 0604, 0610, 0601 };
	char *data = NULL;
	size_t len = 0;
	mode_t mode = 0;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		put("f", "secret", modes[i]);
		ck_assert_int_eq(cg_file_read(dfd, "f", 64, CG_FILE_PRIVATE, &data, &len,
					      &mode), -EPERM);
		ck_assert_uint_eq(mode & 07777, modes[i]);
		/* Without the flag the same file is read. */
		ck_assert_int_eq(cg_file_read(dfd, "f", 64, 0, &data, &len, NULL), 0);
		ck_assert_str_eq(data, "secret");
		free(data);
	}
}
END_TEST

START_TEST(missing_leaves_mode_zero)
{
	char *data = NULL;
	size_t len = 0;
	mode_t mode = 0777;

	ck_assert_int_eq(cg_file_read(dfd, "absent", 64, 0, &data, &len, &mode), -ENOENT);
	ck_assert_uint_eq(mode, 0);
	ck_assert_ptr_null(data);
}
END_TEST

START_TEST(directory_and_fifo_are_not_regular)
{
	char *data = NULL;
	size_t len = 0;
	mode_t mode = 0;

	ck_assert_int_eq(mkdirat(dfd, "sub", 0700), 0);
	ck_assert_int_eq(cg_file_read(dfd, "sub", 64, 0, &data, &len, &mode), -EINVAL);
	ck_assert(S_ISDIR(mode));
	/* Refused at once: the open does not wait for a writer. */
	ck_assert_int_eq(mkfifoat(dfd, "fifo", 0600), 0);
	ck_assert_int_eq(cg_file_read(dfd, "fifo", 64, 0, &data, &len, &mode), -EINVAL);
	ck_assert(S_ISFIFO(mode));
	ck_assert_ptr_null(data);
}
END_TEST

START_TEST(nofollow_refuses_symlink)
{
	char *data = NULL;
	size_t len = 0;

	put("f", "target", 0600);
	ck_assert_int_eq(symlinkat("f", dfd, "link"), 0);
	ck_assert_int_eq(cg_file_read(dfd, "link", 64, CG_FILE_NOFOLLOW, &data, &len, NULL),
			 -ELOOP);
	ck_assert_int_eq(cg_file_read(dfd, "link", 64, 0, &data, &len, NULL), 0);
	ck_assert_str_eq(data, "target");
	free(data);
}
END_TEST

START_TEST(absolute_path_with_at_fdcwd)
{
	char path[1100], *data = NULL;
	size_t len = 0;

	put("f", "abs", 0600);
	snprintf(path, sizeof(path), "%s/f", dir);
	ck_assert_int_eq(cg_file_read(AT_FDCWD, path, 64, CG_FILE_PRIVATE, &data, &len, NULL), 0);
	ck_assert_str_eq(data, "abs");
	ck_assert_uint_eq(len, 3);
	free(data);
}
END_TEST

static Suite *file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_whole_file_nul_terminated);
	tcase_add_test(tc, cap_is_inclusive);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, private_refuses_group_or_other_bits);
	tcase_add_test(tc, missing_leaves_mode_zero);
	tcase_add_test(tc, directory_and_fifo_are_not_regular);
	tcase_add_test(tc, nofollow_refuses_symlink);
	tcase_add_test(tc, absolute_path_with_at_fdcwd);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(file_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
