/* test_receipts.c - unit tests of receipts that last: fs/spool_receipts.c
 * (the files) and fs/outbox_receipts.c (written at a send, read back by a
 * new outbox over the same spool, removed by unlink, moved by rename, and
 * the bound of --keep-receipts).
 *
 * Sending is a fake that returns run ids 1000, 1001, ...; every test looks
 * at the exact bytes and modes of the files on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "cg_models.h"
#include "outbox.h"
#include "scratch.h"
#include "spool.h"

#define ORG 7
#define REPO 42

/* ---- helpers -------------------------------------------------------------------- */

static int64_t next_run;
static int sends;

static int fake_send(void *arg, int64_t org, int64_t repo, const char *name,
		     const char *text, size_t len, struct cgfs_ob_attempt *at, int64_t *run,
		     char *why, size_t why_size)
{
	(void)arg; (void)org; (void)repo; (void)name; (void)text; (void)len; (void)at;
	(void)why; (void)why_size;
	sends++;
	*run = next_run++;
	return 0;
}

/* Write text into a new draft name of (ORG, repo) and close it: sent. */
static void send_draft(struct cgfs_outbox *o, int64_t repo, const char *name, const char *text)
{
	struct cgfs_ob_entry *e = NULL;

	ck_assert_int_eq(cgfs_outbox_open(o, ORG, repo, name, O_CREAT | O_WRONLY, &e), 0);
	ck_assert_int_eq(cgfs_outbox_write(e, text, strlen(text), 0), (ssize_t)strlen(text));
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, NULL), 0);
}

/* rel under the spool root holds exactly text, mode 0600 (and its
 * directory 0700). */
static void assert_file(const struct scratch *t, const char *rel, const char *text)
{
	char path[512], buf[256], *slash;
	struct stat st;
	ssize_t n;
	int fd;

	scratch_path(t, rel, path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0600);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, text);
	slash = strrchr(path, '/');
	*slash = '\0';
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 0700);
}

static int on_disk(const struct scratch *t, const char *rel)
{
	char path[512];
	struct stat st;

	scratch_path(t, rel, path, sizeof(path));
	return lstat(path, &st) == 0;
}

static void make_file(const struct scratch *t, const char *rel, const char *text)
{
	char path[512];
	int fd;

	scratch_path(t, rel, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void assert_receipt(struct cgfs_outbox *o, int64_t repo, const char *name, int64_t run,
			   time_t mtime)
{
	struct cgfs_ob_stat st;

	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, repo, name, &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_RECEIPT);
	ck_assert_int_eq(st.run, run);
	ck_assert_uint_eq(st.size, 0);
	if (mtime >= 0)
		ck_assert_int_eq(st.mtime, mtime);
}

static int absent(struct cgfs_outbox *o, int64_t repo, const char *name)
{
	struct cgfs_ob_stat st;

	return cgfs_outbox_stat(o, ORG, repo, name, &st) == -ENOENT;
}

/* What cgfs_spool_each_receipt reports, as "org/outbox/name=run@sent ..." in
 * the order found (tests use one receipt per walk or sort themselves). */
struct walk {
	char text[1024];
	int n;
};

static int collect(void *arg, int64_t org, const char *outbox, const char *name,
		   int64_t run, time_t sent)
{
	struct walk *w = arg;
	size_t used = strlen(w->text);

	snprintf(w->text + used, sizeof(w->text) - used, "%s%lld/%s/%s=%lld@%lld",
		 w->n++ ? " " : "", (long long)org, outbox, name, (long long)run,
		 (long long)sent);
	return 0;
}

static int count_drafts(void *arg, int64_t org, const char *outbox, const char *name,
			const char *text, size_t len)
{
	(void)org; (void)outbox; (void)name; (void)text; (void)len;
	(*(int *)arg)++;
	return 0;
}

static struct cgfs_outbox *ob_new(struct cgfs_spool *s, unsigned keep)
{
	struct cgfs_outbox *o = cgfs_outbox_new(s);

	ck_assert_ptr_nonnull(o);
	cgfs_outbox_set_keep(o, keep);
	return o;
}

static void setup(void)
{
	next_run = 1000;
	sends = 0;
}

/* ---- the files ------------------------------------------------------------------ */

START_TEST(spool_receipt_round_trip)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct walk w = { "", 0 };
	int drafts = 0;

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "x", 10001, 1700000000), 0);
	assert_file(&t, "7/receipts-new/x", "10001 1700000000\n");
	ck_assert_int_eq(cgfs_spool_each_receipt(s, collect, &w), 0);
	ck_assert_str_eq(w.text, "7/new/x=10001@1700000000");
	/* Not a draft: the drafts' walk does not see it. */
	ck_assert_int_eq(cgfs_spool_each(s, count_drafts, &drafts), 0);
	ck_assert_int_eq(drafts, 0);
	/* Replaced whole. */
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "x", 5, 0), 0);
	assert_file(&t, "7/receipts-new/x", "5 0\n");
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "repo-42", "y", 6, 7), 0);
	assert_file(&t, "7/receipts-repo-42/y", "6 7\n");
	ck_assert_int_eq(cgfs_spool_drop_receipt(s, ORG, "new", "x"), 0);
	ck_assert(!on_disk(&t, "7/receipts-new/x"));
	ck_assert_int_eq(cgfs_spool_drop_receipt(s, ORG, "new", "x"), 0);
	ck_assert_int_eq(cgfs_spool_drop_receipt(s, 8, "new", "x"), 0);
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(cgfs_spool_each_receipt(s, collect, &w), 0);
	ck_assert_str_eq(w.text, "7/repo-42/y=6@7");
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(spool_receipt_refused)
{
	struct scratch t;
	struct cgfs_spool *s;

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put_receipt(NULL, ORG, "new", "x", 1, 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, 0, "new", "x", 1, 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "old", "x", 1, 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "a/b", 1, 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", ".tmp-x", 1, 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "x", 0, 1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "x", 1, -1), -EINVAL);
	ck_assert_int_eq(cgfs_spool_drop_receipt(s, ORG, "new", ".."), -EINVAL);
	ck_assert(!on_disk(&t, "7"));
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(spool_receipt_walk_skips_what_it_did_not_write)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct walk w = { "", 0 };
	char path[512], target[512];

	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "good", 3, 4), 0);
	make_file(&t, "7/receipts-new/words", "run 3 at 4\n");
	make_file(&t, "7/receipts-new/nonl", "3 4");
	make_file(&t, "7/receipts-new/zero", "0 4\n");
	make_file(&t, "7/receipts-new/lead", "03 4\n");
	make_file(&t, "7/receipts-new/more", "3 4\n5 6\n");
	make_file(&t, "7/receipts-new/.tmp-good-1-1", "9 9\n");
	scratch_path(&t, "7/receipts-new/good", target, sizeof(target));
	scratch_path(&t, "7/receipts-new/link", path, sizeof(path));
	ck_assert_int_eq(symlink(target, path), 0);
	scratch_path(&t, "7/receipts-old", path, sizeof(path));
	ck_assert_int_eq(mkdir(path, 0700), 0);
	make_file(&t, "7/receipts-old/x", "1 1\n");
	ck_assert_int_eq(cgfs_spool_each_receipt(s, collect, &w), 0);
	ck_assert_str_eq(w.text, "7/new/good=3@4");
	/* Debris of a crashed write goes; what is not a receipt stays. */
	ck_assert(!on_disk(&t, "7/receipts-new/.tmp-good-1-1"));
	ck_assert(on_disk(&t, "7/receipts-new/words"));
	ck_assert(on_disk(&t, "7/receipts-new/link"));
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

/* ---- the outbox ----------------------------------------------------------------- */

START_TEST(sent_draft_leaves_a_receipt_that_a_new_outbox_shows)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	char want[64];
	time_t before = time(NULL), sent;
	struct cgfs_ob_stat st;
	struct cgfs_ob_entry *e;

	setup();
	scratch_make(&t);
	s = scratch_spool(t.root);
	o = ob_new(s, 100);
	send_draft(o, CG_NONE, "x", "a prompt\n");
	send_draft(o, REPO, "y", "another\n");
	ck_assert_int_eq(sends, 2);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x", &st), 0);
	sent = st.mtime;
	ck_assert_int_ge(sent, before);
	ck_assert_int_le(sent, time(NULL));
	snprintf(want, sizeof(want), "1000 %lld\n", (long long)sent);
	assert_file(&t, "7/receipts-new/x", want);
	ck_assert(on_disk(&t, "7/receipts-repo-42/y"));
	/* The draft's own file is gone. */
	ck_assert(!on_disk(&t, "7/new/x"));
	cgfs_outbox_free(o);

	o = ob_new(s, 100);
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);     /* drafts: none */
	assert_receipt(o, CG_NONE, "x", 1000, sent);
	assert_receipt(o, REPO, "y", 1001, -1);
	ck_assert_int_eq(sends, 2);
	/* Still a receipt: opening it is EISDIR, as before a remount. */
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x", O_WRONLY, &e), -EISDIR);
	/* rm drops it, and it stays gone. */
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "x"), 0);
	ck_assert(!on_disk(&t, "7/receipts-new/x"));
	cgfs_outbox_free(o);
	o = ob_new(s, 100);
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);
	ck_assert(absent(o, CG_NONE, "x"));
	assert_receipt(o, REPO, "y", 1001, -1);
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(rename_moves_a_receipt)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct cgfs_ob_entry *e;

	setup();
	scratch_make(&t);
	s = scratch_spool(t.root);
	o = ob_new(s, 100);
	send_draft(o, CG_NONE, "a", "first\n");
	/* A draft at the target is replaced by the receipt, its file too. */
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "b.draft", O_CREAT | O_WRONLY, &e), 0);
	ck_assert_int_eq(cgfs_outbox_write(e, "held\n", 5, 0), 5);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, NULL), 0);
	ck_assert(on_disk(&t, "7/new/b.draft"));
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "a", "b.draft", 0), 0);
	ck_assert(!on_disk(&t, "7/receipts-new/a"));
	ck_assert(!on_disk(&t, "7/new/b.draft"));
	ck_assert(on_disk(&t, "7/receipts-new/b.draft"));
	cgfs_outbox_free(o);
	o = ob_new(s, 100);
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);
	ck_assert(absent(o, CG_NONE, "a"));
	assert_receipt(o, CG_NONE, "b.draft", 1000, -1);
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

struct gone {
	char names[256];
};

static void note_gone(void *arg, const char *name)
{
	struct gone *g = arg;
	size_t used = strlen(g->names);

	snprintf(g->names + used, sizeof(g->names) - used, "%s%s", used ? " " : "", name);
}

START_TEST(bound_keeps_the_newest)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct gone g = { "" };

	setup();
	scratch_make(&t);
	s = scratch_spool(t.root);
	o = ob_new(s, 2);
	send_draft(o, CG_NONE, "one", "1\n");
	send_draft(o, CG_NONE, "two", "2\n");
	send_draft(o, REPO, "r", "in another outbox\n");
	ck_assert_int_eq(cgfs_outbox_trim(o, ORG, CG_NONE, note_gone, &g), 0);
	send_draft(o, CG_NONE, "three", "3\n");
	/* The send alone leaves three: the caller trims. */
	assert_receipt(o, CG_NONE, "one", 1000, -1);
	ck_assert_int_eq(cgfs_outbox_trim(o, ORG, CG_NONE, note_gone, &g), 1);
	ck_assert_str_eq(g.names, "one");
	ck_assert(absent(o, CG_NONE, "one"));
	ck_assert(!on_disk(&t, "7/receipts-new/one"));
	assert_receipt(o, CG_NONE, "two", 1001, -1);
	assert_receipt(o, CG_NONE, "three", 1003, -1);
	assert_receipt(o, REPO, "r", 1002, -1);
	/* Drafts do not count. */
	send_draft(o, CG_NONE, "d.draft", "held, never sent\n");
	ck_assert_int_eq(cgfs_outbox_trim(o, ORG, CG_NONE, NULL, NULL), 0);
	ck_assert_int_eq(sends, 4);
	ck_assert_int_eq(cgfs_outbox_trim(o, 99, CG_NONE, NULL, NULL), 0);
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(bound_applies_at_restore)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;

	setup();
	scratch_make(&t);
	s = scratch_spool(t.root);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "old", 50, 100), 0);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "mid", 40, 200), 0);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "tie-a", 60, 300), 0);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "tie-b", 61, 300), 0);
	o = ob_new(s, 2);
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);
	/* Oldest by time sent, then by run id. */
	ck_assert(absent(o, CG_NONE, "old"));
	ck_assert(absent(o, CG_NONE, "mid"));
	assert_receipt(o, CG_NONE, "tie-a", 60, 300);
	assert_receipt(o, CG_NONE, "tie-b", 61, 300);
	ck_assert(!on_disk(&t, "7/receipts-new/old"));
	ck_assert(!on_disk(&t, "7/receipts-new/mid"));
	ck_assert(on_disk(&t, "7/receipts-new/tie-a"));
	cgfs_outbox_free(o);
	/* No bound (0): all stay. */
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "old", 50, 100), 0);
	o = ob_new(s, 0);
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);
	assert_receipt(o, CG_NONE, "old", 50, 100);
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(receipt_wins_over_a_draft_of_its_name)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;

	setup();
	scratch_make(&t);
	s = scratch_spool(t.root);
	/* What a crash between the receipt's write and the draft's drop
	 * leaves: both, and the in-flight record. */
	ck_assert_int_eq(cgfs_spool_put(s, ORG, "new", "x", "the prompt\n", 11), 0);
	ck_assert_int_eq(cgfs_spool_mark(s, ORG, "new", "x", "cgfs-0123"), 0);
	ck_assert_int_eq(cgfs_spool_put_receipt(s, ORG, "new", "x", 77, 1000), 0);
	o = ob_new(s, 100);
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);
	assert_receipt(o, CG_NONE, "x", 77, 1000);
	ck_assert(!on_disk(&t, "7/new/x"));
	ck_assert(!on_disk(&t, "7/inflight-new/x"));
	/* Nothing in flight to settle: no send. */
	ck_assert_int_eq(cgfs_outbox_resolve(o, fake_send, NULL), 0);
	ck_assert_int_eq(sends, 0);
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

START_TEST(without_a_spool_receipts_live_in_memory)
{
	struct cgfs_outbox *o;
	struct gone g = { "" };

	setup();
	o = ob_new(NULL, 1);
	send_draft(o, CG_NONE, "a", "1\n");
	send_draft(o, CG_NONE, "b", "2\n");
	ck_assert_int_eq(cgfs_outbox_trim(o, ORG, CG_NONE, note_gone, &g), 1);
	ck_assert_str_eq(g.names, "a");
	assert_receipt(o, CG_NONE, "b", 1001, -1);
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "b"), 0);
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);
	cgfs_outbox_free(o);
}
END_TEST

static Suite *receipts_suite(void)
{
	Suite *s = suite_create("receipts");
	TCase *tc = tcase_create("spool");

	tcase_add_test(tc, spool_receipt_round_trip);
	tcase_add_test(tc, spool_receipt_refused);
	tcase_add_test(tc, spool_receipt_walk_skips_what_it_did_not_write);
	suite_add_tcase(s, tc);
	tc = tcase_create("outbox");
	tcase_add_test(tc, sent_draft_leaves_a_receipt_that_a_new_outbox_shows);
	tcase_add_test(tc, rename_moves_a_receipt);
	tcase_add_test(tc, bound_keeps_the_newest);
	tcase_add_test(tc, bound_applies_at_restore);
	tcase_add_test(tc, receipt_wins_over_a_draft_of_its_name);
	tcase_add_test(tc, without_a_spool_receipts_live_in_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(receipts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
