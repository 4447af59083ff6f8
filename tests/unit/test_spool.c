/* test_spool.c - unit tests of fs/spool.c, the on-disk copy of drafts that
 * makes a crash lose nothing (DESIGN.md §3, §5).
 *
 * Every test works in its own mkdtemp directory and checks exact bytes,
 * exact modes and exact errno values; a "remount" is a close and a fresh
 * open of the same directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "scratch.h"
#include "spool.h"

#define MAX_SEEN 64
#define NTHREADS 8

/* ---- scratch directories ------------------------------------------------------------ */

static mode_t mode_of(const char *fmt, const char *a, const char *b)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), fmt, a, b);
	ck_assert_msg(lstat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	return st.st_mode;
}

static int exists(const char *fmt, const char *a, const char *b)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), fmt, a, b);
	return lstat(path, &st) == 0;
}

/* ---- what cgfs_spool_each reports ------------------------------------------------------ */

struct seen_one {
	int64_t org;
	char outbox[32];
	char name[64];
	char *text;
	size_t len;
};

struct seen {
	struct seen_one v[MAX_SEEN];
	int n;
	int stop_at;            /* return stop_ret on this call (1-based); 0: never */
	int stop_ret;
};

static int collect(void *arg, int64_t org, const char *outbox, const char *name,
		   const char *text, size_t len)
{
	struct seen *s = arg;
	struct seen_one *o;

	ck_assert_int_lt(s->n, MAX_SEEN);
	o = &s->v[s->n++];
	o->org = org;
	snprintf(o->outbox, sizeof(o->outbox), "%s", outbox);
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->text = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(o->text);
	if (len)
		memcpy(o->text, text, len);
	o->len = len;
	if (s->stop_at && s->n == s->stop_at)
		return s->stop_ret;
	return 0;
}

static void seen_free(struct seen *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i].text);
	s->n = 0;
}

static const struct seen_one *find(const struct seen *s, int64_t org, const char *outbox,
				   const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i].org == org && strcmp(s->v[i].outbox, outbox) == 0 &&
		    strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

static void assert_draft(const struct seen *s, int64_t org, const char *outbox,
			 const char *name, const char *text, size_t len)
{
	const struct seen_one *o = find(s, org, outbox, name);

	ck_assert_msg(o != NULL, "draft %lld/%s/%s not reported", (long long)org, outbox,
		      name);
	ck_assert_uint_eq(o->len, len);
	ck_assert_int_eq(memcmp(o->text, text, len), 0);
}

/* ---- default directory ------------------------------------------------------------ */

START_TEST(default_dir_xdg)
{
	char *d;

	setenv("XDG_STATE_HOME", "/x/state", 1);
	setenv("HOME", "/home/u", 1);
	d = cgfs_spool_default_dir();
	ck_assert_str_eq(d, "/x/state/codegen-fs");
	free(d);
}
END_TEST

START_TEST(default_dir_relative_xdg_ignored)
{
	char *d;

	setenv("XDG_STATE_HOME", "rel/state", 1);
	setenv("HOME", "/home/u", 1);
	d = cgfs_spool_default_dir();
	ck_assert_str_eq(d, "/home/u/.local/state/codegen-fs");
	free(d);
}
END_TEST

START_TEST(default_dir_home)
{
	char *d;

	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u", 1);
	d = cgfs_spool_default_dir();
	ck_assert_str_eq(d, "/home/u/.local/state/codegen-fs");
	free(d);

	setenv("XDG_STATE_HOME", "", 1);
	d = cgfs_spool_default_dir();
	ck_assert_str_eq(d, "/home/u/.local/state/codegen-fs");
	free(d);
}
END_TEST

/* No HOME (a mount made at boot): the home of the uid in the password
 * database; a relative HOME is ignored the same way. */
START_TEST(default_dir_no_home_uses_passwd)
{
	struct passwd *pw = getpwuid(getuid());
	char want[1024];
	char *d;

	ck_assert_ptr_nonnull(pw);
	snprintf(want, sizeof(want), "%s/.local/state/codegen-fs", pw->pw_dir);
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	d = cgfs_spool_default_dir();
	ck_assert_str_eq(d, want);
	free(d);
	setenv("HOME", "relative/home", 1);
	d = cgfs_spool_default_dir();
	ck_assert_str_eq(d, want);
	free(d);
}
END_TEST

/* ---- open ------------------------------------------------------------------------- */

START_TEST(open_creates_private_tree)
{
	struct scratch t;
	struct cgfs_spool *s;
	char dir[256];

	scratch_make(&t);
	snprintf(dir, sizeof(dir), "%s/a/b/spool", t.base);
	s = scratch_spool(dir);
	ck_assert_uint_eq(mode_of("%s/a%s", t.base, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s/a/b%s", t.base, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s%s", dir, ""), S_IFDIR | 0700);

	ck_assert_int_eq(cgfs_spool_put(s, 5, "repo-12", "x", "hi", 2), 0);
	ck_assert_uint_eq(mode_of("%s/5%s", dir, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s/5/repo-12%s", dir, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s/5/repo-12/x%s", dir, ""), S_IFREG | 0600);
	cgfs_spool_close(s);

	/* An existing private root is accepted as it is. */
	s = scratch_spool(dir);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(open_refuses_shared_root)
{
	struct scratch t;
	char why[256] = "";

	scratch_make(&t);
	ck_assert_int_eq(mkdir(t.root, 0700), 0);
	ck_assert_int_eq(chmod(t.root, 0755), 0);
	ck_assert_ptr_null(cgfs_spool_open(t.root, why, sizeof(why)));
	ck_assert_msg(strstr(why, t.root) && strstr(why, "group or others"), "why: %s", why);
	/* Not silently repaired. */
	ck_assert_uint_eq(mode_of("%s%s", t.root, ""), S_IFDIR | 0755);

	ck_assert_int_eq(chmod(t.root, 0701), 0);
	ck_assert_ptr_null(cgfs_spool_open(t.root, why, sizeof(why)));
	ck_assert_int_eq(chmod(t.root, 0710), 0);
	ck_assert_ptr_null(cgfs_spool_open(t.root, NULL, 0));
	scratch_remove(&t);
}
END_TEST

START_TEST(open_refuses_file)
{
	struct scratch t;
	char why[256] = "";
	int fd;

	scratch_make(&t);
	fd = open(t.root, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_ptr_null(cgfs_spool_open(t.root, why, sizeof(why)));
	ck_assert_msg(strstr(why, t.root) && strstr(why, strerror(ENOTDIR)), "why: %s", why);
	scratch_remove(&t);
}
END_TEST

/* ---- put, each, drop ---------------------------------------------------------------- */

START_TEST(put_each_binary)
{
	static const char bin[] = "a\0b\xff\n\0";   /* 7 bytes, NULs inside and at the end */
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "bin", bin, sizeof(bin)), 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	assert_draft(&seen, 1, "new", "bin", bin, sizeof(bin));
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(put_each_empty)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "empty", "", 0), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "null", NULL, 0), 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 2);
	assert_draft(&seen, 1, "new", "empty", "", 0);
	assert_draft(&seen, 1, "new", "null", "", 0);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(put_each_one_mib)
{
	const size_t len = 1u << 20;
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };
	char *big = malloc(len);

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < len; i++)
		big[i] = (char)(i * 7 + i / 251);
	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 3, "new", "big", big, len), 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	assert_draft(&seen, 3, "new", "big", big, len);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
	free(big);
}
END_TEST

START_TEST(put_twice_replaces)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "p", "first version\n", 14), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "p", "2nd\n", 4), 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	assert_draft(&seen, 1, "new", "p", "2nd\n", 4);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(drop_removes)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "a", "A", 1), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "b", "B", 1), 0);
	ck_assert_int_eq(cgfs_spool_drop(s, 1, "new", "a"), 0);
	ck_assert(!exists("%s/1/new/a%s", t.root, ""));
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	assert_draft(&seen, 1, "new", "b", "B", 1);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(drop_missing_is_zero)
{
	struct scratch t;
	struct cgfs_spool *s;

	scratch_make(&t);
	s = scratch_spool(t.root);
	/* Neither the org nor the outbox directory exists yet. */
	ck_assert_int_eq(cgfs_spool_drop(s, 9, "repo-3", "nothing"), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 9, "new", "a", "A", 1), 0);
	ck_assert_int_eq(cgfs_spool_drop(s, 9, "new", "nothing"), 0);
	ck_assert_int_eq(cgfs_spool_drop(s, 9, "repo-3", "nothing"), 0);
	ck_assert_int_eq(cgfs_spool_drop(s, 9, "new", "a"), 0);
	ck_assert_int_eq(cgfs_spool_drop(s, 9, "new", "a"), 0);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(outboxes_and_orgs_separate)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "a", "org1 new", 8), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "repo-7", "a", "org1 repo7", 10), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 2, "new", "a", "org2 new", 8), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 2, "repo-7", "b", "org2 repo7", 10), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 9007199254740993LL, "new", "z", "big org", 7), 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 5);
	assert_draft(&seen, 1, "new", "a", "org1 new", 8);
	assert_draft(&seen, 1, "repo-7", "a", "org1 repo7", 10);
	assert_draft(&seen, 2, "new", "a", "org2 new", 8);
	assert_draft(&seen, 2, "repo-7", "b", "org2 repo7", 10);
	assert_draft(&seen, 9007199254740993LL, "new", "z", "big org", 7);

	/* Dropping in one place leaves the namesakes elsewhere alone. */
	seen_free(&seen);
	ck_assert_int_eq(cgfs_spool_drop(s, 1, "new", "a"), 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 4);
	ck_assert_ptr_null(find(&seen, 1, "new", "a"));
	assert_draft(&seen, 1, "repo-7", "a", "org1 repo7", 10);
	assert_draft(&seen, 2, "new", "a", "org2 new", 8);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

/* Entries of dir other than "." and "..". */
static int count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int count_entries_at(const char *root, const char *sub)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/%s", root, sub);
	return count_entries(dir);
}

static void make_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

START_TEST(leftover_tmp_removed)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };
	char dir[256];

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "x", "kept", 4), 0);
	snprintf(dir, sizeof(dir), "%s/1/new", t.root);
	make_file(dir, ".tmp-x-1-1", "half a new versi");
	make_file(dir, ".tmp-with-dash-999999999-9", "half");
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	assert_draft(&seen, 1, "new", "x", "kept", 4);
	ck_assert(!exists("%s/%s", dir, ".tmp-x-1-1"));
	ck_assert(!exists("%s/%s", dir, ".tmp-with-dash-999999999-9"));
	ck_assert(exists("%s/%s", dir, "x"));
	/* put leaves no temporary file behind either. */
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "x", "v2", 2), 0);
	ck_assert_int_eq(count_entries(dir), 1);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(each_skips_what_is_not_a_draft)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };
	char path[512];
	int fd;

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 4, "new", "real", "R", 1), 0);
	/* Non-canonical org names, other outboxes, a stray file at the top. */
	snprintf(path, sizeof(path), "%s/007", t.root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/007/new", t.root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	make_file(path, "hidden", "H");
	snprintf(path, sizeof(path), "%s/notes", t.root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/4/old", t.root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	make_file(path, "hidden", "H");
	make_file(t.root, "5", "not a directory");
	/* A subdirectory and a file over the 64 MiB cap (sparse). */
	snprintf(path, sizeof(path), "%s/4/new/sub", t.root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/4/new/huge", t.root);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (64 << 20) + 1), 0);
	close(fd);

	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	assert_draft(&seen, 4, "new", "real", "R", 1);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(invalid_arguments)
{
	static const char *const names[] = { "", ".", "..", "a/b", "/", ".tmp-x" };
	static const char *const outboxes[] = {
		"", "old", "repo", "repo-", "repo-1a", "repo--1", "new/x", "../new", "New",
	};
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_int_eq(cgfs_spool_put(s, 1, "new", names[i], "x", 1), -EINVAL);
		ck_assert_int_eq(cgfs_spool_drop(s, 1, "new", names[i]), -EINVAL);
	}
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", NULL, "x", 1), -EINVAL);
	for (size_t i = 0; i < sizeof(outboxes) / sizeof(outboxes[0]); i++) {
		ck_assert_int_eq(cgfs_spool_put(s, 1, outboxes[i], "n", "x", 1), -EINVAL);
		ck_assert_int_eq(cgfs_spool_drop(s, 1, outboxes[i], "n"), -EINVAL);
	}
	ck_assert_int_eq(cgfs_spool_put(s, 1, NULL, "n", "x", 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put(s, 0, "new", "n", "x", 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put(s, -3, "new", "n", "x", 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_drop(s, 0, "new", "n"), -EINVAL);
	ck_assert_int_eq(cgfs_spool_drop(s, -3, "new", "n"), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "n", NULL, 1), -EINVAL);

	/* Nothing was written by any of them. */
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 0);
	ck_assert(!exists("%s/%s", t.root, "1"));
	/* Names that only look odd are fine. */
	ck_assert_int_eq(cgfs_spool_put(s, 1, "repo-0042", "...", "d", 1), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", ".tmp", "t", 1), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "a b-1-2 \xc3\xa9", "u", 1), 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 3);
	assert_draft(&seen, 1, "repo-0042", "...", "d", 1);
	assert_draft(&seen, 1, "new", ".tmp", "t", 1);
	assert_draft(&seen, 1, "new", "a b-1-2 \xc3\xa9", "u", 1);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(file_modes)
{
	struct scratch t;
	struct cgfs_spool *s;

	/* With no umask to hide it, a 0666 create would show. */
	umask(0);
	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "a", "A", 1), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "a", "AA", 2), 0);
	ck_assert_uint_eq(mode_of("%s%s", t.root, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s/1%s", t.root, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s/1/new%s", t.root, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s/1/new/a%s", t.root, ""), S_IFREG | 0600);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

/* ---- append ------------------------------------------------------------------------ */

/* The exact bytes of root/rel, which must exist and hold at most 255. */
static size_t file_bytes(const char *root, const char *rel, char *buf, size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, size);
	ck_assert_int_ge(n, 0);
	ck_assert_uint_lt((size_t)n, size);
	close(fd);
	return (size_t)n;
}

START_TEST(append_after_put)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };
	char buf[256];

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "p", "line 1\n", 7), 0);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "p", "line 2\n", 7), 0);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "p", "\0tail", 5), 0);
	ck_assert_uint_eq(file_bytes(t.root, "1/new/p", buf, sizeof(buf)), 19);
	ck_assert_int_eq(memcmp(buf, "line 1\nline 2\n\0tail", 19), 0);
	ck_assert_uint_eq(mode_of("%s/1/new/p%s", t.root, ""), S_IFREG | 0600);
	/* An empty append changes nothing. */
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "p", NULL, 0), 0);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "p", "", 0), 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	assert_draft(&seen, 1, "new", "p", "line 1\nline 2\n\0tail", 19);
	seen_free(&seen);

	/* A put after appends still replaces the whole text, and leaves no
	 * temporary file. */
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "p", "v2", 2), 0);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "p", "+", 1), 0);
	ck_assert_uint_eq(file_bytes(t.root, "1/new/p", buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "v2+", 3), 0);
	ck_assert_int_eq(count_entries_at(t.root, "1/new"), 1);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(append_creates)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };
	char buf[256];

	umask(0);
	scratch_make(&t);
	s = scratch_spool(t.root);
	/* Neither the org, the outbox nor the file exists. */
	ck_assert_int_eq(cgfs_spool_append(s, 8, "repo-31", "fresh", "abc", 3), 0);
	ck_assert_uint_eq(mode_of("%s/8%s", t.root, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s/8/repo-31%s", t.root, ""), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of("%s/8/repo-31/fresh%s", t.root, ""), S_IFREG | 0600);
	ck_assert_uint_eq(file_bytes(t.root, "8/repo-31/fresh", buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
	/* An empty append still makes the file, as an empty put does. */
	ck_assert_int_eq(cgfs_spool_append(s, 8, "new", "empty", NULL, 0), 0);
	ck_assert_uint_eq(mode_of("%s/8/new/empty%s", t.root, ""), S_IFREG | 0600);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 2);
	assert_draft(&seen, 8, "repo-31", "fresh", "abc", 3);
	assert_draft(&seen, 8, "new", "empty", "", 0);
	seen_free(&seen);
	/* After a drop, an append starts over. */
	ck_assert_int_eq(cgfs_spool_drop(s, 8, "repo-31", "fresh"), 0);
	ck_assert_int_eq(cgfs_spool_append(s, 8, "repo-31", "fresh", "z", 1), 0);
	ck_assert_uint_eq(file_bytes(t.root, "8/repo-31/fresh", buf, sizeof(buf)), 1);
	ck_assert_int_eq(buf[0], 'z');
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(append_refused)
{
	static const char *const names[] = { "", ".", "..", "a/b", "/", ".tmp-x", ".tmp-" };
	static const char *const outboxes[] = { "", "old", "repo-", "repo-1a", "../new" };
	struct scratch t;
	struct cgfs_spool *s;

	scratch_make(&t);
	s = scratch_spool(t.root);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_int_eq(cgfs_spool_append(s, 1, "new", names[i], "x", 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", NULL, "x", 1), -EINVAL);
	for (size_t i = 0; i < sizeof(outboxes) / sizeof(outboxes[0]); i++)
		ck_assert_int_eq(cgfs_spool_append(s, 1, outboxes[i], "n", "x", 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_append(s, 1, NULL, "n", "x", 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_append(s, 0, "new", "n", "x", 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_append(s, -1, "new", "n", "x", 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "n", NULL, 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_append(NULL, 1, "new", "n", "x", 1), -EINVAL);
	/* Nothing was created by any of them. */
	ck_assert_int_eq(count_entries(t.root), 0);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(append_not_a_file)
{
	struct scratch t;
	struct cgfs_spool *s;
	char path[512];

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "keep", "K", 1), 0);
	snprintf(path, sizeof(path), "%s/1/new/dir", t.root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "dir", "x", 1), -EISDIR);
	/* A FIFO nobody reads fails at once instead of hanging. */
	snprintf(path, sizeof(path), "%s/1/new/fifo", t.root);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "fifo", "x", 1), -ENXIO);
	/* A symlink is not followed. */
	snprintf(path, sizeof(path), "%s/1/new/link", t.root);
	ck_assert_int_eq(symlink("keep", path), 0);
	ck_assert_int_eq(cgfs_spool_append(s, 1, "new", "link", "x", 1), -ELOOP);
	{
		char buf[16];

		ck_assert_uint_eq(file_bytes(t.root, "1/new/keep", buf, sizeof(buf)), 1);
		ck_assert_int_eq(buf[0], 'K');
	}
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

/* A file size limit stands in for a full disk: the append writes part of
 * its bytes, then fails; the file must be cut back to what it was. */
START_TEST(append_short_write_taken_back)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct rlimit small = { .rlim_cur = 10, .rlim_max = RLIM_INFINITY };
	struct rlimit big = { .rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY };
	char buf[64];
	int full, fits;

	signal(SIGXFSZ, SIG_IGN);
	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "p", "12345", 5), 0);
	/* Check itself writes its results to files: the limit is lifted
	 * before any assertion. */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	full = cgfs_spool_append(s, 1, "new", "p", "abcdefghij", 10);
	setrlimit(RLIMIT_FSIZE, &big);
	ck_assert_int_eq(full, -EFBIG);
	ck_assert_uint_eq(file_bytes(t.root, "1/new/p", buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "12345", 5), 0);
	/* What fits still goes in. */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	fits = cgfs_spool_append(s, 1, "new", "p", "abcde", 5);
	setrlimit(RLIMIT_FSIZE, &big);
	ck_assert_int_eq(fits, 0);
	ck_assert_uint_eq(file_bytes(t.root, "1/new/p", buf, sizeof(buf)), 10);
	ck_assert_int_eq(memcmp(buf, "12345abcde", 10), 0);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

/* ---- threads ----------------------------------------------------------------------- */

struct putter {
	struct cgfs_spool *s;
	pthread_barrier_t *start;
	int i;
	int same;               /* every thread writes the draft "same" */
	int ret;
};

static void *put_thread(void *arg)
{
	struct putter *p = arg;
	char name[16], text[64];

	if (p->same)
		snprintf(name, sizeof(name), "same");
	else
		snprintf(name, sizeof(name), "t%d", p->i);
	pthread_barrier_wait(p->start);
	for (int round = 0; round < 20 && !p->ret; round++) {
		int n = snprintf(text, sizeof(text), "thread %d round %d", p->i, round);

		p->ret = cgfs_spool_put(p->s, p->same ? 3 : 1 + p->i % 2, "new", name, text,
					(size_t)n);
	}
	return NULL;
}

static void run_putters(struct cgfs_spool *s, int same)
{
	struct putter p[NTHREADS];
	pthread_t th[NTHREADS];
	pthread_barrier_t start;

	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		p[i] = (struct putter){ .s = s, .start = &start, .i = i, .same = same };
		ck_assert_int_eq(pthread_create(&th[i], NULL, put_thread, &p[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(p[i].ret, 0);
	}
	pthread_barrier_destroy(&start);
}

START_TEST(concurrent_puts)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	run_putters(s, 0);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		char name[16], text[64];
		int n;

		snprintf(name, sizeof(name), "t%d", i);
		n = snprintf(text, sizeof(text), "thread %d round 19", i);
		assert_draft(&seen, 1 + i % 2, "new", name, text, (size_t)n);
	}
	seen_free(&seen);

	/* One name from every thread: each put has its own temporary file, and
	 * the last rename wins whole. */
	run_putters(s, 1);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, NTHREADS + 1);
	{
		const struct seen_one *o = find(&seen, 3, "new", "same");
		int i;

		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(sscanf(o->text, "thread %d round 19", &i), 1);
		ck_assert_uint_eq(o->len, strlen("thread 0 round 19"));
	}
	ck_assert_int_eq(count_entries_at(t.root, "3/new"), 1);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

/* ---- each stops early; remount ------------------------------------------------------- */

START_TEST(each_stops_at_first_nonzero)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "a", "A", 1), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "repo-2", "b", "B", 1), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 2, "new", "c", "C", 1), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 3, "new", "d", "D", 1), 0);

	seen.stop_at = 2;
	seen.stop_ret = 42;
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 42);
	ck_assert_int_eq(seen.n, 2);
	seen_free(&seen);

	seen.stop_at = 1;
	seen.stop_ret = -ENOMEM;
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), -ENOMEM);
	ck_assert_int_eq(seen.n, 1);
	seen_free(&seen);

	seen.stop_at = 4;
	seen.stop_ret = 1;
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 1);
	ck_assert_int_eq(seen.n, 4);
	seen_free(&seen);

	/* A stopped walk leaves nothing behind: a full one sees all four. */
	seen.stop_at = 0;
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 4);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(reopen_sees_every_draft)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "a", "alpha", 5), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "repo-456", "b", "beta", 4), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 77, "new", "c", "", 0), 0);
	ck_assert_int_eq(cgfs_spool_put(s, 77, "new", "d", "dropped", 7), 0);
	ck_assert_int_eq(cgfs_spool_drop(s, 77, "new", "d"), 0);
	cgfs_spool_close(s);

	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 3);
	assert_draft(&seen, 1, "new", "a", "alpha", 5);
	assert_draft(&seen, 1, "repo-456", "b", "beta", 4);
	assert_draft(&seen, 77, "new", "c", "", 0);
	seen_free(&seen);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST


/* ---- in-flight records ------------------------------------------------------------ */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

START_TEST(inflight_record_round_trip)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct seen seen = { 0 };
	char marker[64], path[600], text[128];

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "a", marker, sizeof(marker)), -ENOENT);
	ck_assert_int_eq(cgfs_spool_put(s, 1, "new", "a", "A", 1), 0);
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", "cgfs-0123abcd"), 0);
	/* On disk: the marker and a newline, private, beside the outbox. */
	snprintf(path, sizeof(path), "%s/1/inflight-new/a", t.root);
	read_file(path, text, sizeof(text));
	ck_assert_str_eq(text, "cgfs-0123abcd\n");
	ck_assert_uint_eq(mode_of("%s/1/inflight-new/a%s", t.root, "") & 0777, 0600);
	ck_assert_uint_eq(mode_of("%s/1/inflight-new%s", t.root, "") & 0777, 0700);
	/* The walk reports the draft only. */
	ck_assert_int_eq(cgfs_spool_each(s, collect, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	assert_draft(&seen, 1, "new", "a", "A", 1);
	seen_free(&seen);
	/* A remount reads it back; a new mark replaces it. */
	cgfs_spool_close(s);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "a", marker, sizeof(marker)), 0);
	ck_assert_str_eq(marker, "cgfs-0123abcd");
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", "second_1"), 0);
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "a", marker, sizeof(marker)), 0);
	ck_assert_str_eq(marker, "second_1");
	/* Records of other names, outboxes and orgs are apart. */
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "repo-5", "a", marker, sizeof(marker)),
			 -ENOENT);
	ck_assert_int_eq(cgfs_spool_marker(s, 2, "new", "a", marker, sizeof(marker)), -ENOENT);
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "b", marker, sizeof(marker)), -ENOENT);
	/* Unmark removes it (twice is fine) and leaves the draft. */
	ck_assert_int_eq(cgfs_spool_unmark(s, 1, "new", "a"), 0);
	ck_assert(!exists("%s/1/inflight-new/a%s", t.root, ""));
	ck_assert_int_eq(cgfs_spool_unmark(s, 1, "new", "a"), 0);
	ck_assert_int_eq(cgfs_spool_unmark(s, 3, "new", "a"), 0);
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "a", marker, sizeof(marker)), -ENOENT);
	ck_assert(exists("%s/1/new/a%s", t.root, ""));
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(drop_removes_the_record)
{
	struct scratch t;
	struct cgfs_spool *s;
	char marker[64];

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put(s, 4, "repo-9", "x", "X", 1), 0);
	ck_assert_int_eq(cgfs_spool_mark(s, 4, "repo-9", "x", "m1"), 0);
	ck_assert_int_eq(cgfs_spool_mark(s, 4, "repo-9", "y", "m2"), 0);
	ck_assert_int_eq(cgfs_spool_drop(s, 4, "repo-9", "x"), 0);
	ck_assert(!exists("%s/4/repo-9/x%s", t.root, ""));
	ck_assert(!exists("%s/4/inflight-repo-9/x%s", t.root, ""));
	ck_assert_int_eq(cgfs_spool_marker(s, 4, "repo-9", "x", marker, sizeof(marker)), -ENOENT);
	ck_assert_int_eq(cgfs_spool_marker(s, 4, "repo-9", "y", marker, sizeof(marker)), 0);
	ck_assert_str_eq(marker, "m2");
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(inflight_record_refused)
{
	struct scratch t;
	struct cgfs_spool *s;
	char marker[64], long_marker[80], path[600];

	scratch_make(&t);
	s = scratch_spool(t.root);
	memset(long_marker, 'a', 64);
	long_marker[64] = '\0';
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", ""), -EINVAL);
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", "a b"), -EINVAL);
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", "a/b"), -EINVAL);
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", "a\nb"), -EINVAL);
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", long_marker), -EINVAL);
	long_marker[63] = '\0';
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", long_marker), 0);
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "a", marker, sizeof(marker)), 0);
	ck_assert_str_eq(marker, long_marker);
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", "a", NULL), -EINVAL);
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "bad", "a", "m"), -EINVAL);
	ck_assert_int_eq(cgfs_spool_mark(s, 1, "new", ".tmp-a", "m"), -EINVAL);
	ck_assert_int_eq(cgfs_spool_mark(s, 0, "new", "a", "m"), -EINVAL);
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "a", marker, 63), -EINVAL);
	/* A record this mount could not have written is none. */
	snprintf(path, sizeof(path), "%s/1/inflight-new/planted", t.root);
	write_file(path, "not a marker!\n");
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "planted", marker, sizeof(marker)),
			 -ENOENT);
	snprintf(path, sizeof(path), "%s/1/inflight-new/empty", t.root);
	write_file(path, "");
	ck_assert_int_eq(cgfs_spool_marker(s, 1, "new", "empty", marker, sizeof(marker)),
			 -ENOENT);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

static Suite *spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc;

	tc = tcase_create("default_dir");
	tcase_add_test(tc, default_dir_xdg);
	tcase_add_test(tc, default_dir_relative_xdg_ignored);
	tcase_add_test(tc, default_dir_home);
	tcase_add_test(tc, default_dir_no_home_uses_passwd);
	suite_add_tcase(s, tc);

	tc = tcase_create("open");
	tcase_add_test(tc, open_creates_private_tree);
	tcase_add_test(tc, open_refuses_shared_root);
	tcase_add_test(tc, open_refuses_file);
	tcase_add_test(tc, file_modes);
	suite_add_tcase(s, tc);

	tc = tcase_create("drafts");
	tcase_add_test(tc, put_each_binary);
	tcase_add_test(tc, put_each_empty);
	tcase_add_test(tc, put_each_one_mib);
	tcase_add_test(tc, put_twice_replaces);
	tcase_add_test(tc, drop_removes);
	tcase_add_test(tc, drop_missing_is_zero);
	tcase_add_test(tc, outboxes_and_orgs_separate);
	tcase_add_test(tc, leftover_tmp_removed);
	tcase_add_test(tc, each_skips_what_is_not_a_draft);
	tcase_add_test(tc, invalid_arguments);
	tcase_add_test(tc, concurrent_puts);
	tcase_add_test(tc, each_stops_at_first_nonzero);
	tcase_add_test(tc, reopen_sees_every_draft);
	suite_add_tcase(s, tc);

	tc = tcase_create("append");
	tcase_add_test(tc, append_after_put);
	tcase_add_test(tc, append_creates);
	tcase_add_test(tc, append_refused);
	tcase_add_test(tc, append_not_a_file);
	tcase_add_test(tc, append_short_write_taken_back);
	suite_add_tcase(s, tc);

	tc = tcase_create("inflight");
	tcase_add_test(tc, inflight_record_round_trip);
	tcase_add_test(tc, drop_removes_the_record);
	tcase_add_test(tc, inflight_record_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(spool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
