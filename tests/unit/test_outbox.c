/* test_outbox.c - unit tests of fs/outbox.c: the drafts and receipts of
 * new/ (DESIGN.md §3).
 *
 * Sending is a fake that records every call (org, repo, name, text) and
 * returns a scripted result: a run id, a failure with the server's reason,
 * or -ENODATA.  Every test checks exact bytes, sizes, errno values and the
 * exact number of sends; the spool tests look at the files on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#define MAX_CALLS 64
#define NTHREADS 20

/* ---- the fake send -------------------------------------------------------------- */

struct call {
	int64_t org, repo;
	char name[300];
	char *text;
	size_t len;
	char marker[CGFS_OUTBOX_MARKER_SIZE];   /* the attempt's marker */
	int resolve;                            /* asked to resolve first */
	char record[128];                       /* the spool's in-flight record
						 * during the send ("" if none) */
	char cwd[128];                          /* at->cwd ("-" for NULL) */
};

/* lock guards everything; cond is broadcast when a send starts. */
struct fake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct call calls[MAX_CALLS];
	int n;
	int ret;                /* what the next send returns */
	const char *why;        /* its reason when ret is a failure */
	int64_t run;            /* run id of the next success (then incremented) */
	int sleep_ms;           /* each send takes this long */
	int in_send;            /* sends under way */
	int unknown;            /* a failure says its outcome is unknown */
	const char *root;       /* a spool root: each call reads the record */
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->run = 1000;
}

static void fake_free(struct fake *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->calls[i].text);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
}

static void fake_script(struct fake *f, int ret, const char *why)
{
	pthread_mutex_lock(&f->lock);
	f->ret = ret;
	f->why = why;
	pthread_mutex_unlock(&f->lock);
}

static int fake_calls(struct fake *f)
{
	int n;

	pthread_mutex_lock(&f->lock);
	n = f->n;
	pthread_mutex_unlock(&f->lock);
	return n;
}

static void fake_wait_in_send(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	while (!f->in_send)
		pthread_cond_wait(&f->cond, &f->lock);
	pthread_mutex_unlock(&f->lock);
}

static int fake_send(void *arg, int64_t org, int64_t repo, const char *name,
		     const char *text, size_t len, struct cgfs_ob_attempt *at, int64_t *run,
		     char *why, size_t why_size)
{
	struct fake *f = arg;
	struct call *c;
	int ret, ms;

	pthread_mutex_lock(&f->lock);
	ck_assert_int_lt(f->n, MAX_CALLS);
	c = &f->calls[f->n++];
	c->org = org;
	c->repo = repo;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->text = malloc(len + 1);
	ck_assert_ptr_nonnull(c->text);
	memcpy(c->text, text, len);
	c->text[len] = '\0';
	c->len = len;
	ck_assert_ptr_nonnull(at->marker);
	snprintf(c->marker, sizeof(c->marker), "%s", at->marker);
	c->resolve = at->resolve;
	snprintf(c->cwd, sizeof(c->cwd), "%s", at->cwd ? at->cwd : "-");
	c->record[0] = '\0';
	if (f->root) {
		char path[700];
		FILE *rf;

		if (repo == CG_NONE)
			snprintf(path, sizeof(path), "%s/%lld/inflight-new/%s", f->root,
				 (long long)org, name);
		else
			snprintf(path, sizeof(path), "%s/%lld/inflight-repo-%lld/%s", f->root,
				 (long long)org, (long long)repo, name);
		rf = fopen(path, "r");
		if (rf) {
			size_t n = fread(c->record, 1, sizeof(c->record) - 1, rf);

			c->record[n] = '\0';
			fclose(rf);
		}
	}
	ret = f->ret;
	if (ret && ret != -ENODATA)
		at->unknown = f->unknown;
	if (!ret)
		*run = f->run++;
	else if (f->why)
		snprintf(why, why_size, "%s", f->why);
	ms = f->sleep_ms;
	f->in_send++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	if (ms)
		usleep((useconds_t)ms * 1000);
	pthread_mutex_lock(&f->lock);
	f->in_send--;
	pthread_mutex_unlock(&f->lock);
	return ret;
}

static void assert_call(struct fake *f, int i, int64_t org, int64_t repo, const char *name,
			const char *text)
{
	struct call *c;

	pthread_mutex_lock(&f->lock);
	ck_assert_int_lt(i, f->n);
	c = &f->calls[i];
	ck_assert_int_eq(c->org, org);
	ck_assert_int_eq(c->repo, repo);
	ck_assert_str_eq(c->name, name);
	ck_assert_uint_eq(c->len, strlen(text));
	ck_assert_int_eq(memcmp(c->text, text, c->len), 0);
	pthread_mutex_unlock(&f->lock);
}

/* ---- helpers ------------------------------------------------------------------ */

static struct cgfs_outbox *ob_new(struct cgfs_spool *spool)
{
	struct cgfs_outbox *o = cgfs_outbox_new(spool);

	ck_assert_ptr_nonnull(o);
	return o;
}

static struct cgfs_ob_entry *open_ok(struct cgfs_outbox *o, int64_t repo, const char *name,
				     int flags)
{
	struct cgfs_ob_entry *e = NULL;
	int ret = cgfs_outbox_open(o, ORG, repo, name, flags, &e);

	ck_assert_msg(ret == 0, "open %s: %d", name, ret);
	ck_assert_ptr_nonnull(e);
	return e;
}

static void write_ok(struct cgfs_ob_entry *e, const char *buf, size_t len, off_t off)
{
	ck_assert_int_eq(cgfs_outbox_write(e, buf, len, off), (ssize_t)len);
}

/* Create (or empty) draft name in (ORG, repo) holding text; closed without
 * a commit. */
static void put_draft(struct cgfs_outbox *o, int64_t repo, const char *name, const char *text)
{
	struct cgfs_ob_entry *e = open_ok(o, repo, name, O_CREAT | O_TRUNC | O_WRONLY);

	write_ok(e, text, strlen(text), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
}

/* The whole text of an open entry, read in small pieces; malloc'd. */
static char *read_all(struct cgfs_ob_entry *e, size_t *len)
{
	size_t cap = 16, n = 0;
	char *buf = malloc(cap);
	ssize_t got;

	ck_assert_ptr_nonnull(buf);
	for (;;) {
		if (cap - n < 7) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		got = cgfs_outbox_read(e, buf + n, 7, (off_t)n);
		ck_assert_int_ge(got, 0);
		if (!got)
			break;
		n += (size_t)got;
	}
	*len = n;
	return buf;
}

static void assert_entry_text(struct cgfs_ob_entry *e, const char *text, size_t len)
{
	size_t n;
	char *got = read_all(e, &n);

	ck_assert_uint_eq(n, len);
	ck_assert_int_eq(memcmp(got, text, len), 0);
	free(got);
}

/* Draft or error file `name` of (ORG, repo) holds exactly text[0..len). */
static void assert_text_n(struct cgfs_outbox *o, int64_t repo, const char *name,
			  const char *text, size_t len)
{
	struct cgfs_ob_entry *e = open_ok(o, repo, name, O_RDONLY);
	struct cgfs_ob_stat st;

	assert_entry_text(e, text, len);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, repo, name, &st), 0);
	ck_assert_uint_eq(st.size, len);
}

static void assert_text(struct cgfs_outbox *o, int64_t repo, const char *name, const char *text)
{
	assert_text_n(o, repo, name, text, strlen(text));
}

static enum cgfs_ob_kind kind_of(struct cgfs_outbox *o, int64_t repo, const char *name)
{
	struct cgfs_ob_stat st;

	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, repo, name, &st), 0);
	return st.kind;
}

static int missing(struct cgfs_outbox *o, int64_t repo, const char *name)
{
	struct cgfs_ob_stat st;

	return cgfs_outbox_stat(o, ORG, repo, name, &st) == -ENOENT;
}

/* ---- what list reports ----------------------------------------------------------- */

struct listing {
	char names[MAX_CALLS][300];
	struct cgfs_ob_stat st[MAX_CALLS];
	int n;
	int stop_at;            /* return 99 on this call (1-based); 0: never */
};

static int collect(void *arg, const char *name, const struct cgfs_ob_stat *st)
{
	struct listing *l = arg;

	ck_assert_int_lt(l->n, MAX_CALLS);
	snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name);
	l->st[l->n] = *st;
	l->n++;
	return l->stop_at && l->n == l->stop_at ? 99 : 0;
}

/* The names of outbox (ORG, repo) joined with spaces. */
static void list_names(struct cgfs_outbox *o, int64_t repo, char *out, size_t size)
{
	struct listing l = { .n = 0 };
	size_t used = 0;

	ck_assert_int_eq(cgfs_outbox_list(o, ORG, repo, collect, &l), 0);
	out[0] = '\0';
	for (int i = 0; i < l.n; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
					 l.names[i]);
}

#define ASSERT_LIST(o, repo, want) do { \
		char got_[4096]; \
		list_names(o, repo, got_, sizeof(got_)); \
		ck_assert_str_eq(got_, want); \
	} while (0)

/* ---- scratch spool directories ---------------------------------------------------- */

static int on_disk(const struct scratch *t, const char *rel)
{
	char path[512];
	struct stat st;

	scratch_path(t, rel, path, sizeof(path));
	return lstat(path, &st) == 0;
}

static ino_t inode_of(const struct scratch *t, const char *rel)
{
	char path[512];
	struct stat st;

	scratch_path(t, rel, path, sizeof(path));
	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_ino;
}

/* The spool file rel holds exactly text[0..len). */
static void assert_disk_n(const struct scratch *t, const char *rel, const char *text,
			  size_t len)
{
	char path[512], *buf;
	struct stat st;
	int fd;

	scratch_path(t, rel, path, sizeof(path));
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq((size_t)st.st_size, len);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0600);
	buf = malloc(len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read(fd, buf, len + 1), (ssize_t)len);
	ck_assert_int_eq(memcmp(buf, text, len), 0);
	free(buf);
	close(fd);
}

static void assert_disk(const struct scratch *t, const char *rel, const char *text)
{
	assert_disk_n(t, rel, text, strlen(text));
}

/* ---- create, write, read, stat, list ---------------------------------------------- */

START_TEST(create_write_read)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct cgfs_ob_stat st;
	time_t t0 = time(NULL);
	char buf[16];

	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x", O_RDONLY, &e), -ENOENT);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x", &st), -ENOENT);
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_WRONLY);
	ck_assert_int_eq(cgfs_outbox_kind(e), CGFS_OB_DRAFT);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x", &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_DRAFT);
	ck_assert_uint_eq(st.size, 0);
	ck_assert_int_eq(cgfs_outbox_read(e, buf, sizeof(buf), 0), 0);

	write_ok(e, "hello ", 6, 0);
	write_ok(e, "world\n", 6, 6);
	ck_assert_int_eq(cgfs_outbox_write(e, "", 0, 12), 0);
	assert_entry_text(e, "hello world\n", 12);
	ck_assert_int_eq(cgfs_outbox_read(e, buf, 3, 6), 3);
	ck_assert_int_eq(memcmp(buf, "wor", 3), 0);
	ck_assert_int_eq(cgfs_outbox_read(e, buf, sizeof(buf), 10), 2);
	ck_assert_int_eq(memcmp(buf, "d\n", 2), 0);
	ck_assert_int_eq(cgfs_outbox_read(e, buf, sizeof(buf), 12), 0);
	ck_assert_int_eq(cgfs_outbox_read(e, buf, sizeof(buf), 1000), 0);
	ck_assert_int_eq(cgfs_outbox_read(e, buf, sizeof(buf), -1), -EINVAL);
	ck_assert_int_eq(cgfs_outbox_write(e, "x", 1, -1), -EINVAL);

	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x", &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_DRAFT);
	ck_assert_uint_eq(st.size, 12);
	ck_assert_int_eq(st.run, 0);
	ck_assert_int_ge(st.mtime, t0);
	ck_assert_int_le(st.mtime, time(NULL));
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);

	/* Still there after the close, for a reader. */
	assert_text(o, CG_NONE, "x", "hello world\n");
	/* An empty write leaves size and text alone, even past the end. */
	e = open_ok(o, CG_NONE, "x", O_WRONLY);
	ck_assert_int_eq(cgfs_outbox_write(e, "", 0, 100), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	assert_text(o, CG_NONE, "x", "hello world\n");
	cgfs_outbox_free(o);
}
END_TEST

START_TEST(binary_text)
{
	static const char bin[] = "a\0b\xff\n\0";
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e = open_ok(o, CG_NONE, "bin", O_CREAT | O_WRONLY);

	write_ok(e, bin, sizeof(bin), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	assert_text_n(o, CG_NONE, "bin", bin, sizeof(bin));
	cgfs_outbox_free(o);
}
END_TEST

START_TEST(list_sorted)
{
	static const char *const names[] = { "b", "a", "C", "a2", "_x", "10", "a b", "~" };
	struct cgfs_outbox *o = ob_new(NULL);
	struct listing l = { .n = 0 };

	/* An outbox nobody wrote to is empty, not missing. */
	ck_assert_int_eq(cgfs_outbox_list(o, ORG, CG_NONE, collect, &l), 0);
	ck_assert_int_eq(l.n, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		put_draft(o, CG_NONE, names[i], names[i]);
	ASSERT_LIST(o, CG_NONE, "10 C _x a a b a2 b ~");
	ck_assert_int_eq(cgfs_outbox_list(o, ORG, CG_NONE, collect, &l), 0);
	ck_assert_int_eq(l.n, 8);
	ck_assert_str_eq(l.names[3], "a");
	ck_assert_int_eq(l.st[3].kind, CGFS_OB_DRAFT);
	ck_assert_uint_eq(l.st[3].size, 1);
	ck_assert_str_eq(l.names[4], "a b");
	ck_assert_uint_eq(l.st[4].size, 3);
	ck_assert_str_eq(l.names[0], "10");
	ck_assert_uint_eq(l.st[0].size, 2);

	/* The first non-zero value of add stops the walk and is returned. */
	l = (struct listing){ .stop_at = 3 };
	ck_assert_int_eq(cgfs_outbox_list(o, ORG, CG_NONE, collect, &l), 99);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.names[2], "_x");
	cgfs_outbox_free(o);
}
END_TEST

START_TEST(open_excl)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e, *e2;

	e = open_ok(o, CG_NONE, "x", O_CREAT | O_EXCL | O_WRONLY);
	write_ok(e, "abc", 3, 0);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x", O_CREAT | O_EXCL, &e2), -EEXIST);
	/* O_CREAT alone opens the same draft, text kept. */
	e2 = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	assert_entry_text(e2, "abc", 3);
	write_ok(e2, "d", 1, 3);
	assert_entry_text(e, "abcd", 4);
	ck_assert_int_eq(cgfs_outbox_close(e2, NULL, NULL), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	cgfs_outbox_free(o);
}
END_TEST

START_TEST(open_trunc)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct fake f;

	fake_init(&f);
	f.ret = -EDQUOT;
	f.why = "HTTP 402: billing limit";
	put_draft(o, CG_NONE, "x", "abcdef");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "x", fake_send, &f), -EDQUOT);
	ck_assert_int_eq(fake_calls(&f), 1);

	e = open_ok(o, CG_NONE, "x", O_WRONLY | O_TRUNC);
	assert_entry_text(e, "", 0);
	write_ok(e, "new", 3, 0);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	assert_text(o, CG_NONE, "x", "new");
	/* O_TRUNC made it dirty again: the next commit sends "new". */
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "x", fake_send, &f), -EDQUOT);
	ck_assert_int_eq(fake_calls(&f), 2);
	assert_call(&f, 1, ORG, CG_NONE, "x", "new");
	/* O_CREAT|O_TRUNC on an existing draft empties it as well. */
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_WRONLY | O_TRUNC);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	assert_text(o, CG_NONE, "x", "");
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(hole_zero_fill)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);

	write_ok(e, "ab", 2, 0);
	write_ok(e, "cd", 2, 5);
	assert_entry_text(e, "ab\0\0\0cd", 7);
	write_ok(e, "Z", 1, 1);
	assert_entry_text(e, "aZ\0\0\0cd", 7);
	/* A write across the end replaces and extends. */
	write_ok(e, "XYZ", 3, 6);
	assert_entry_text(e, "aZ\0\0\0cXYZ", 9);
	/* A write at 3 into a new draft: three zeros first. */
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	e = open_ok(o, CG_NONE, "y", O_CREAT | O_RDWR);
	write_ok(e, "q", 1, 3);
	assert_entry_text(e, "\0\0\0q", 4);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	cgfs_outbox_free(o);
}
END_TEST

START_TEST(truncate_grow_shrink)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	struct cgfs_ob_stat st;

	write_ok(e, "hello", 5, 0);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 8), 0);
	assert_entry_text(e, "hello\0\0\0", 8);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 2), 0);
	assert_entry_text(e, "he", 2);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x", &st), 0);
	ck_assert_uint_eq(st.size, 2);
	/* Growing again shows zeros, not the bytes cut before. */
	ck_assert_int_eq(cgfs_outbox_truncate(e, 5), 0);
	assert_entry_text(e, "he\0\0\0", 5);
	/* Same for a write past the end after a shrink. */
	ck_assert_int_eq(cgfs_outbox_truncate(e, 1), 0);
	write_ok(e, "!", 1, 4);
	assert_entry_text(e, "h\0\0\0!", 5);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 0), 0);
	assert_entry_text(e, "", 0);
	ck_assert_int_eq(cgfs_outbox_truncate(e, -1), -EINVAL);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 3), 0);
	assert_entry_text(e, "\0\0\0", 3);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	cgfs_outbox_free(o);
}
END_TEST

START_TEST(efbig)
{
	const off_t max = CGFS_OUTBOX_MAX;
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	struct cgfs_ob_stat st;
	char c;

	write_ok(e, "head", 4, 0);
	ck_assert_int_eq(cgfs_outbox_write(e, "z", 1, max), -EFBIG);
	ck_assert_int_eq(cgfs_outbox_write(e, "zz", 2, max - 1), -EFBIG);
	ck_assert_int_eq(cgfs_outbox_write(e, "z", 1, max + 100), -EFBIG);
	ck_assert_int_eq(cgfs_outbox_truncate(e, max + 1), -EFBIG);
	/* Nothing changed by the refusals. */
	assert_entry_text(e, "head", 4);
	/* Exactly the limit is fine. */
	ck_assert_int_eq(cgfs_outbox_write(e, "z", 1, max - 1), 1);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x", &st), 0);
	ck_assert_uint_eq(st.size, CGFS_OUTBOX_MAX);
	ck_assert_int_eq(cgfs_outbox_read(e, &c, 1, max - 1), 1);
	ck_assert_int_eq(c, 'z');
	ck_assert_int_eq(cgfs_outbox_read(e, &c, 1, max - 2), 1);
	ck_assert_int_eq(c, '\0');
	ck_assert_int_eq(cgfs_outbox_write(e, "z", 1, max), -EFBIG);
	ck_assert_int_eq(cgfs_outbox_truncate(e, max), 0);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 4), 0);
	assert_entry_text(e, "head", 4);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	cgfs_outbox_free(o);
}
END_TEST

START_TEST(names)
{
	static const char *const bad[] = { "", ".", "..", "a/b", "/", "x/" };
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct cgfs_ob_stat st;
	char longest[257];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, bad[i], O_CREAT, &e), -EINVAL);
		ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, bad[i], 0, &e), -ENOENT);
		ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, bad[i], &st), -ENOENT);
		ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, bad[i]), -ENOENT);
	}
	memset(longest, 'n', 256);
	longest[256] = '\0';
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, longest, O_CREAT, &e), -EINVAL);
	longest[255] = '\0';
	put_draft(o, CG_NONE, longest, "255 bytes is fine");
	assert_text(o, CG_NONE, longest, "255 bytes is fine");

	/* No draft may take an error file's suffix. */
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x.error", O_CREAT, &e), -EINVAL);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, ".error", O_CREAT | O_EXCL, &e),
			 -EINVAL);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x.error", 0, &e), -ENOENT);
	/* Only the exact suffix. */
	put_draft(o, CG_NONE, "x.errors", "s");
	put_draft(o, CG_NONE, "x.Error", "E");
	{
		char want[300];

		snprintf(want, sizeof(want), "%s x.Error x.errors", longest);
		ASSERT_LIST(o, CG_NONE, want);
	}
	cgfs_outbox_free(o);
}
END_TEST

/* ---- commit ----------------------------------------------------------------------- */

START_TEST(scratch_never_sent)
{
	static const char *const scratch[] = {
		".x.swp", "x~", "#x#", ".hidden", "x.swo", "x.vsctmp", "x___jb_tmp___",
		"x.draft", "x.md.draft",
	};
	struct cgfs_outbox *o = ob_new(NULL);
	struct fake f;

	fake_init(&f);
	f.ret = 0;
	for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++) {
		struct cgfs_ob_entry *e = open_ok(o, CG_NONE, scratch[i], O_CREAT | O_WRONLY);

		write_ok(e, "a real prompt\n", 14, 0);
		ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
		ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
		ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, scratch[i],
							 fake_send, &f), 0);
		ck_assert_int_eq(kind_of(o, CG_NONE, scratch[i]), CGFS_OB_DRAFT);
		assert_text(o, CG_NONE, scratch[i], "a real prompt\n");
	}
	ck_assert_int_eq(fake_calls(&f), 0);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

/* A held draft (x.draft) is saved as often as one likes and sent once,
 * when renamed onto a plain name, even after a restore left it clean; a
 * draft cannot be renamed onto a receipt. */
START_TEST(held_draft_sent_by_rename)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct cgfs_ob_stat st;
	struct fake f;

	fake_init(&f);
	f.ret = 0;
	for (int save = 0; save < 3; save++) {
		e = open_ok(o, CG_NONE, "idea.draft", O_CREAT | O_WRONLY | O_TRUNC);
		write_ok(e, "half a prompt\n", 14, 0);
		ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
		ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	}
	ck_assert_int_eq(fake_calls(&f), 0);
	/* a plain draft renamed onto a held name is held too */
	e = open_ok(o, CG_NONE, "other", O_CREAT | O_WRONLY);
	write_ok(e, "other\n", 6, 0);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "other", "other.draft", 0), 0);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "other.draft", fake_send, &f),
			 0);
	ck_assert_int_eq(fake_calls(&f), 0);

	e = open_ok(o, CG_NONE, "idea.draft", O_WRONLY);
	ck_assert_int_eq(cgfs_outbox_set_cwd(e, "/home/me/src"), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "idea.draft", "idea", 0), 0);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "idea", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	ck_assert_str_eq(f.calls[0].name, "idea");
	ck_assert_str_eq(f.calls[0].text, "half a prompt\n");
	ck_assert_str_eq(f.calls[0].cwd, "/home/me/src");
	ck_assert_int_eq(kind_of(o, CG_NONE, "idea"), CGFS_OB_RECEIPT);

	/* saving onto the receipt: refused, the receipt stays */
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "other.draft", "idea", 0), -EISDIR);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "idea", &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_RECEIPT);
	ck_assert_int_eq(st.run, 1000);
	assert_text(o, CG_NONE, "other.draft", "other\n");
	ck_assert_int_eq(fake_calls(&f), 1);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(blank_never_sent)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct fake f;

	fake_init(&f);
	/* touch new/x */
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_WRONLY);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	/* Only white space. */
	e = open_ok(o, CG_NONE, "y", O_CREAT | O_WRONLY);
	write_ok(e, " \n\t \r\n\v\f", 8, 0);
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 0);
	ck_assert_int_eq(kind_of(o, CG_NONE, "x"), CGFS_OB_DRAFT);
	ck_assert_int_eq(kind_of(o, CG_NONE, "y"), CGFS_OB_DRAFT);

	/* A prompt written later is sent, blank or not before. */
	e = open_ok(o, CG_NONE, "y", O_WRONLY);
	write_ok(e, "go", 2, 8);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	assert_call(&f, 0, ORG, CG_NONE, "y", " \n\t \r\n\v\fgo");
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(dirty_logic)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct fake f;

	fake_init(&f);
	f.ret = -EDQUOT;
	f.why = "HTTP 402: billing limit";
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	write_ok(e, "p1", 2, 0);
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), -EDQUOT);
	/* Not retried by itself: neither a second commit nor the close. */
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "x", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	/* Writing again (saving again) retries. */
	write_ok(e, "p2", 2, 0);
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), -EDQUOT);
	ck_assert_int_eq(fake_calls(&f), 2);
	assert_call(&f, 1, ORG, CG_NONE, "x", "p2");
	/* A truncate counts as a change too. */
	ck_assert_int_eq(cgfs_outbox_truncate(e, 1), 0);
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), -EDQUOT);
	ck_assert_int_eq(fake_calls(&f), 3);
	assert_call(&f, 2, ORG, CG_NONE, "x", "p");

	/* The server works again, but nothing changed: nothing is sent. */
	fake_script(&f, 0, NULL);
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 3);
	write_ok(e, "3", 1, 1);
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 4);
	assert_call(&f, 3, ORG, CG_NONE, "x", "p3");
	/* Sent once: later commits find a receipt. */
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "x", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 4);
	/* send NULL commits nothing. */
	put_draft(o, CG_NONE, "y", "prompt");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "y", NULL, NULL), 0);
	ck_assert_int_eq(kind_of(o, CG_NONE, "y"), CGFS_OB_DRAFT);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(failure_error_file)
{
	static const char err[] = "HTTP 402: billing limit\n";
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e, *h, *h2;
	struct cgfs_ob_stat st;
	struct fake f;
	time_t t0 = time(NULL);

	fake_init(&f);
	f.ret = -EDQUOT;
	f.why = "HTTP 402: billing limit";
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	write_ok(e, "Do X\n", 5, 0);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), -EDQUOT);
	ck_assert_int_eq(fake_calls(&f), 1);
	assert_call(&f, 0, ORG, CG_NONE, "x", "Do X\n");

	/* The draft keeps its text; x.error appears. */
	ck_assert_int_eq(kind_of(o, CG_NONE, "x"), CGFS_OB_DRAFT);
	assert_text(o, CG_NONE, "x", "Do X\n");
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x.error", &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_ERROR);
	ck_assert_uint_eq(st.size, strlen(err));
	ck_assert_int_eq(st.run, 0);
	ck_assert_int_ge(st.mtime, t0);
	assert_text(o, CG_NONE, "x.error", err);
	ASSERT_LIST(o, CG_NONE, "x x.error");
	{
		struct listing l = { .n = 0 };

		ck_assert_int_eq(cgfs_outbox_list(o, ORG, CG_NONE, collect, &l), 0);
		ck_assert_int_eq(l.st[1].kind, CGFS_OB_ERROR);
		ck_assert_uint_eq(l.st[1].size, strlen(err));
	}

	/* The error file is read-only. */
	h = open_ok(o, CG_NONE, "x.error", O_RDONLY);
	ck_assert_int_eq(cgfs_outbox_kind(h), CGFS_OB_ERROR);
	ck_assert_int_eq(cgfs_outbox_write(h, "x", 1, 0), -EROFS);
	ck_assert_int_eq(cgfs_outbox_truncate(h, 0), -EROFS);
	ck_assert_int_eq(cgfs_outbox_commit(h, fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x.error", O_WRONLY | O_TRUNC, &h2),
			 -EACCES);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x.error", O_CREAT | O_EXCL, &h2),
			 -EEXIST);
	h2 = open_ok(o, CG_NONE, "x.error", O_CREAT | O_RDONLY);
	assert_entry_text(h2, err, strlen(err));
	ck_assert_int_eq(cgfs_outbox_close(h2, fake_send, &f), 0);

	/* A new write does not clear it: it tells the last attempt. */
	put_draft(o, CG_NONE, "x", "Do Y\n");
	assert_text(o, CG_NONE, "x.error", err);

	/* Unlinking it clears it; an open one still reads what it had. */
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "x.error"), 0);
	ck_assert(missing(o, CG_NONE, "x.error"));
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "x.error"), -ENOENT);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x.error", 0, &h2), -ENOENT);
	ASSERT_LIST(o, CG_NONE, "x");
	assert_entry_text(h, err, strlen(err));
	ck_assert_int_eq(cgfs_outbox_close(h, fake_send, &f), 0);
	assert_text(o, CG_NONE, "x", "Do Y\n");
	ck_assert_int_eq(fake_calls(&f), 1);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(failure_reason_forms)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct fake f;

	fake_init(&f);
	/* No reason given: the errno's text. */
	f.ret = -EIO;
	f.why = NULL;
	put_draft(o, CG_NONE, "a", "prompt");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "a", fake_send, &f), -EIO);
	assert_text(o, CG_NONE, "a.error", "Input/output error\n");
	/* A reason that ends in a newline gets no second one. */
	f.ret = -EINVAL;
	f.why = "HTTP 422: bad model\n";
	put_draft(o, CG_NONE, "b", "prompt");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "b", fake_send, &f), -EINVAL);
	assert_text(o, CG_NONE, "b.error", "HTTP 422: bad model\n");
	/* A new attempt replaces the reason. */
	f.ret = -EACCES;
	f.why = "HTTP 401: token rejected";
	put_draft(o, CG_NONE, "b", "prompt 2");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "b", fake_send, &f), -EACCES);
	assert_text(o, CG_NONE, "b.error", "HTTP 401: token rejected\n");
	ASSERT_LIST(o, CG_NONE, "a a.error b b.error");
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(enodata)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct fake f;

	fake_init(&f);
	f.ret = -EDQUOT;
	f.why = "HTTP 402: billing limit";
	put_draft(o, CG_NONE, "x", "---\nmodel: m\n---\nprompt\n");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "x", fake_send, &f), -EDQUOT);
	ck_assert(!missing(o, CG_NONE, "x.error"));

	/* Front matter only: the send finds no prompt.  The commit succeeds,
	 * nothing is sent, and the error file says why instead of the last
	 * attempt's error. */
	fake_script(&f, -ENODATA, "no prompt after the front matter");
	put_draft(o, CG_NONE, "x", "---\nmodel: m\n---\n");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "x", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 2);
	ck_assert_int_eq(kind_of(o, CG_NONE, "x"), CGFS_OB_DRAFT);
	assert_text(o, CG_NONE, "x.error", "not sent: no prompt after the front matter\n");
	assert_text(o, CG_NONE, "x", "---\nmodel: m\n---\n");
	/* Not dirty any more. */
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "x", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 2);
	ASSERT_LIST(o, CG_NONE, "x x.error");
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(success_receipt)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e, *e2;
	struct cgfs_ob_stat st;
	struct listing l = { .n = 0 };
	struct fake f;
	char buf[8];

	fake_init(&f);
	f.run = 1234;
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	write_ok(e, "Fix bug\n", 8, 0);
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	assert_call(&f, 0, ORG, CG_NONE, "x", "Fix bug\n");

	ck_assert_int_eq(cgfs_outbox_kind(e), CGFS_OB_RECEIPT);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x", &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_RECEIPT);
	ck_assert_uint_eq(st.size, 0);
	ck_assert_int_eq(st.run, 1234);
	ck_assert_int_eq(cgfs_outbox_list(o, ORG, CG_NONE, collect, &l), 0);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.names[0], "x");
	ck_assert_int_eq(l.st[0].kind, CGFS_OB_RECEIPT);
	ck_assert_int_eq(l.st[0].run, 1234);

	/* The text is gone; a sent draft cannot change. */
	ck_assert_int_eq(cgfs_outbox_read(e, buf, sizeof(buf), 0), -EISDIR);
	ck_assert_int_eq(cgfs_outbox_write(e, "more", 4, 8), -EROFS);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 0), -EROFS);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x", O_CREAT | O_WRONLY, &e2), -EISDIR);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x", O_RDONLY, &e2), -EISDIR);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x", O_WRONLY | O_TRUNC, &e2), -EISDIR);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x", O_CREAT | O_EXCL, &e2), -EEXIST);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);

	/* A success after a failure clears the error file. */
	fake_script(&f, -EDQUOT, "HTTP 402: billing limit");
	put_draft(o, CG_NONE, "y", "again");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "y", fake_send, &f), -EDQUOT);
	ASSERT_LIST(o, CG_NONE, "x y y.error");
	fake_script(&f, 0, NULL);
	put_draft(o, CG_NONE, "y", "again!");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "y", fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "y", &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_RECEIPT);
	ck_assert_int_eq(st.run, 1235);
	ck_assert(missing(o, CG_NONE, "y.error"));
	ASSERT_LIST(o, CG_NONE, "x y");
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(close_commit_rules)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e1, *e2;
	struct fake f;

	fake_init(&f);
	e1 = open_ok(o, CG_NONE, "x", O_CREAT | O_WRONLY);
	e2 = open_ok(o, CG_NONE, "x", O_RDONLY);
	write_ok(e1, "prompt", 6, 0);
	/* Another open is still held: no commit. */
	ck_assert_int_eq(cgfs_outbox_close(e1, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 0);
	ck_assert_int_eq(kind_of(o, CG_NONE, "x"), CGFS_OB_DRAFT);
	/* The last one commits. */
	ck_assert_int_eq(cgfs_outbox_close(e2, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	ck_assert_int_eq(kind_of(o, CG_NONE, "x"), CGFS_OB_RECEIPT);

	/* A last close without a send function commits nothing, and the
	 * draft stays dirty for a later commit point. */
	e1 = open_ok(o, CG_NONE, "y", O_CREAT | O_WRONLY);
	write_ok(e1, "later", 5, 0);
	ck_assert_int_eq(cgfs_outbox_close(e1, NULL, NULL), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	ck_assert_int_eq(kind_of(o, CG_NONE, "y"), CGFS_OB_DRAFT);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "y", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 2);
	assert_call(&f, 1, ORG, CG_NONE, "y", "later");

	/* The close that commits returns the send's error. */
	fake_script(&f, -EDQUOT, "HTTP 402: billing limit");
	e1 = open_ok(o, CG_NONE, "z", O_CREAT | O_WRONLY);
	write_ok(e1, "z", 1, 0);
	ck_assert_int_eq(cgfs_outbox_close(e1, fake_send, &f), -EDQUOT);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "nothing", fake_send, &f),
			 -ENOENT);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, REPO, "z", fake_send, &f), -ENOENT);
	ck_assert_int_eq(fake_calls(&f), 3);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

/* ---- unlink, rename ------------------------------------------------------------------ */

START_TEST(unlink_entries)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e, *e2;
	struct fake f;

	fake_init(&f);
	put_draft(o, CG_NONE, "d", "draft");
	put_draft(o, CG_NONE, "r", "to send");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "r", fake_send, &f), 0);
	ASSERT_LIST(o, CG_NONE, "d r");
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "d"), 0);
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "r"), 0);
	ASSERT_LIST(o, CG_NONE, "");
	ck_assert(missing(o, CG_NONE, "d"));
	ck_assert(missing(o, CG_NONE, "r"));
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "d"), -ENOENT);
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, REPO, "d"), -ENOENT);
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG + 1, CG_NONE, "d"), -ENOENT);

	/* A removed draft is never sent, yet stays usable through its open. */
	e = open_ok(o, CG_NONE, "gone", O_CREAT | O_RDWR);
	write_ok(e, "secret", 6, 0);
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "gone"), 0);
	ck_assert(missing(o, CG_NONE, "gone"));
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
	write_ok(e, "!", 1, 6);
	assert_entry_text(e, "secret!", 7);
	/* Its name is free for a new draft that shares nothing with it. */
	e2 = open_ok(o, CG_NONE, "gone", O_CREAT | O_EXCL | O_RDWR);
	assert_entry_text(e2, "", 0);
	write_ok(e2, "new", 3, 0);
	assert_entry_text(e, "secret!", 7);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	ck_assert_int_eq(cgfs_outbox_close(e2, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 2);
	assert_call(&f, 1, ORG, CG_NONE, "gone", "new");
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(rename_entries)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *old;
	struct cgfs_ob_stat st;
	struct fake f;

	fake_init(&f);
	put_draft(o, CG_NONE, "a", "A");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "a", "b", 0), 0);
	ck_assert(missing(o, CG_NONE, "a"));
	assert_text(o, CG_NONE, "b", "A");

	/* Replacing: the old b lives on only through its open. */
	put_draft(o, CG_NONE, "a", "A2");
	old = open_ok(o, CG_NONE, "b", O_RDWR);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "a", "b", 0), 0);
	ASSERT_LIST(o, CG_NONE, "b");
	assert_text(o, CG_NONE, "b", "A2");
	assert_entry_text(old, "A", 1);
	write_ok(old, "Z", 1, 0);
	assert_text(o, CG_NONE, "b", "A2");
	ck_assert_int_eq(cgfs_outbox_close(old, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 0);

	/* NOREPLACE, EXCHANGE, unknown flags. */
	put_draft(o, CG_NONE, "c", "C");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "c", "b", RENAME_NOREPLACE), -EEXIST);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "c", "b", RENAME_EXCHANGE), -EINVAL);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "c", "b", 1u << 7), -EINVAL);
	assert_text(o, CG_NONE, "b", "A2");
	assert_text(o, CG_NONE, "c", "C");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "c", "d", RENAME_NOREPLACE), 0);
	assert_text(o, CG_NONE, "d", "C");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "nothing", "e", 0), -ENOENT);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, REPO, "d", "e", 0), -ENOENT);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "d", "a/b", 0), -EINVAL);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "d", "", 0), -EINVAL);
	/* Onto itself: nothing happens. */
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "d", "d", 0), 0);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "d", "d", RENAME_NOREPLACE), 0);
	assert_text(o, CG_NONE, "d", "C");

	/* Error files: not from, not onto; no new name with the suffix. */
	fake_script(&f, -EDQUOT, "HTTP 402: billing limit");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "d", fake_send, &f), -EDQUOT);
	ASSERT_LIST(o, CG_NONE, "b d d.error");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "d.error", "x", 0), -EACCES);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "b", "d.error", 0), -EACCES);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "b", "b.error", 0), -EINVAL);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "nope.error", "x", 0), -ENOENT);
	ASSERT_LIST(o, CG_NONE, "b d d.error");
	/* A draft's error goes with it. */
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "d", "e", 0), 0);
	ASSERT_LIST(o, CG_NONE, "b e e.error");
	assert_text(o, CG_NONE, "e.error", "HTTP 402: billing limit\n");

	/* A receipt keeps its run under the new name, and can replace a draft. */
	fake_script(&f, 0, NULL);
	put_draft(o, CG_NONE, "r", "run me");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "r", fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "r", "b", 0), 0);
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "b", &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_RECEIPT);
	ck_assert_int_eq(st.run, 1000);
	ASSERT_LIST(o, CG_NONE, "b e e.error");
	ck_assert_int_eq(fake_calls(&f), 2);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

/* How an editor saves: write a scratch file, rename it onto the name; the
 * caller then commits the new name. */
START_TEST(rename_then_commit)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct fake f;

	fake_init(&f);
	e = open_ok(o, CG_NONE, ".x.swp", O_CREAT | O_WRONLY);
	write_ok(e, "edited prompt\n", 14, 0);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 0);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, ".x.swp", "x", 0), 0);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "x", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	assert_call(&f, 0, ORG, CG_NONE, "x", "edited prompt\n");
	ck_assert_int_eq(kind_of(o, CG_NONE, "x"), CGFS_OB_RECEIPT);
	ASSERT_LIST(o, CG_NONE, "x");
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

START_TEST(outboxes_separate)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct fake f;

	fake_init(&f);
	put_draft(o, CG_NONE, "x", "org new");
	put_draft(o, REPO, "x", "org repo 42");
	put_draft(o, REPO + 1, "x", "org repo 43");
	ck_assert_int_eq(cgfs_outbox_open(o, ORG + 1, CG_NONE, "x", O_CREAT, &e), 0);
	ck_assert_int_eq(cgfs_outbox_write(e, "other org", 9, 0), 9);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	put_draft(o, REPO, "only-in-repo", "r");

	assert_text(o, CG_NONE, "x", "org new");
	assert_text(o, REPO, "x", "org repo 42");
	assert_text(o, REPO + 1, "x", "org repo 43");
	ASSERT_LIST(o, CG_NONE, "x");
	ASSERT_LIST(o, REPO, "only-in-repo x");
	ck_assert(missing(o, CG_NONE, "only-in-repo"));

	/* Each send names its own outbox. */
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, REPO, "x", fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG + 1, CG_NONE, "x", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 2);
	assert_call(&f, 0, ORG, REPO, "x", "org repo 42");
	assert_call(&f, 1, ORG + 1, CG_NONE, "x", "other org");
	ck_assert_int_eq(kind_of(o, CG_NONE, "x"), CGFS_OB_DRAFT);
	ck_assert_int_eq(kind_of(o, REPO + 1, "x"), CGFS_OB_DRAFT);
	ck_assert_int_eq(kind_of(o, REPO, "x"), CGFS_OB_RECEIPT);

	/* Removing or renaming in one leaves the namesakes alone. */
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "x"), 0);
	assert_text(o, REPO + 1, "x", "org repo 43");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, REPO + 1, "x", "y", 0), 0);
	ASSERT_LIST(o, REPO + 1, "y");
	ASSERT_LIST(o, REPO, "only-in-repo x");
	ASSERT_LIST(o, CG_NONE, "");
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

/* ---- spool ------------------------------------------------------------------------- */

START_TEST(spool_write_through)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct cgfs_ob_entry *e;
	struct fake f;
	struct stat st;
	char path[512];
	ino_t ino;
	int fd;

	fake_init(&f);
	scratch_make(&t);
	s = scratch_spool(t.root);
	o = ob_new(s);

	/* Creating stores an empty draft. */
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	assert_disk(&t, "7/new/x", "");
	write_ok(e, "line 1\n", 7, 0);
	assert_disk(&t, "7/new/x", "line 1\n");
	/* Writes at the end are appends: the same file grows, no new one is
	 * renamed into place.  (An fd held on it keeps its inode number from
	 * being reused.) */
	scratch_path(&t, "7/new/x", path, sizeof(path));
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ino = inode_of(&t, "7/new/x");
	write_ok(e, "line 2\n", 7, 7);
	write_ok(e, "line 3\n", 7, 14);
	assert_disk(&t, "7/new/x", "line 1\nline 2\nline 3\n");
	ck_assert_uint_eq(inode_of(&t, "7/new/x"), ino);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_nlink, 1);
	ck_assert_int_eq(st.st_size, 21);
	/* Anything else rewrites the whole text. */
	write_ok(e, "LINE", 4, 7);
	assert_disk(&t, "7/new/x", "line 1\nLINE 2\nline 3\n");
	ck_assert_uint_ne(inode_of(&t, "7/new/x"), ino);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_nlink, 0);
	close(fd);
	write_ok(e, "!", 1, 23);
	assert_disk_n(&t, "7/new/x", "line 1\nLINE 2\nline 3\n\0\0!", 24);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 6), 0);
	assert_disk(&t, "7/new/x", "line 1");
	ck_assert_int_eq(cgfs_outbox_truncate(e, 8), 0);
	assert_disk_n(&t, "7/new/x", "line 1\0\0", 8);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	e = open_ok(o, CG_NONE, "x", O_WRONLY | O_TRUNC);
	assert_disk(&t, "7/new/x", "");
	write_ok(e, "final\n", 6, 0);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	assert_disk(&t, "7/new/x", "final\n");

	/* Repo outboxes have their own directory. */
	put_draft(o, REPO, "y", "in repo");
	assert_disk(&t, "7/repo-42/y", "in repo");

	/* rename moves the file; unlink drops it. */
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "x", "z", 0), 0);
	ck_assert(!on_disk(&t, "7/new/x"));
	assert_disk(&t, "7/new/z", "final\n");
	put_draft(o, CG_NONE, "w", "replaced");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "z", "w", 0), 0);
	ck_assert(!on_disk(&t, "7/new/z"));
	assert_disk(&t, "7/new/w", "final\n");
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "w"), 0);
	ck_assert(!on_disk(&t, "7/new/w"));

	/* A failed send keeps the file; a sent one drops it. */
	f.ret = -EDQUOT;
	f.why = "HTTP 402: billing limit";
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, REPO, "y", fake_send, &f), -EDQUOT);
	assert_disk(&t, "7/repo-42/y", "in repo");
	fake_script(&f, 0, NULL);
	put_draft(o, REPO, "y", "in repo again");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, REPO, "y", fake_send, &f), 0);
	ck_assert(!on_disk(&t, "7/repo-42/y"));
	/* A receipt renamed onto a draft drops the draft's file. */
	put_draft(o, REPO, "v", "v");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, REPO, "y", "v", 0), 0);
	ck_assert(!on_disk(&t, "7/repo-42/v"));
	ck_assert(!on_disk(&t, "7/repo-42/y"));

	/* A name the spool will not store is kept in memory only. */
	e = open_ok(o, CG_NONE, ".tmp-x", O_CREAT | O_RDWR);
	write_ok(e, "mem", 3, 0);
	write_ok(e, "M", 1, 0);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 2), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	assert_text(o, CG_NONE, ".tmp-x", "Me");
	ck_assert(!on_disk(&t, "7/new/.tmp-x"));
	/* ... and once renamed to a plain name, stored. */
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, ".tmp-x", "kept", 0), 0);
	assert_disk(&t, "7/new/kept", "Me");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "kept", ".tmp-y", 0), 0);
	ck_assert(!on_disk(&t, "7/new/kept"));
	assert_text(o, CG_NONE, ".tmp-y", "Me");
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, ".tmp-y"), 0);

	/* A removed draft is not written to disk any more. */
	e = open_ok(o, CG_NONE, "gone", O_CREAT | O_RDWR);
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "gone"), 0);
	write_ok(e, "not stored", 10, 0);     /* an append */
	ck_assert(!on_disk(&t, "7/new/gone"));
	write_ok(e, "N", 1, 0);               /* a put */
	ck_assert(!on_disk(&t, "7/new/gone"));
	ck_assert_int_eq(cgfs_outbox_truncate(e, 3), 0);
	ck_assert(!on_disk(&t, "7/new/gone"));
	assert_entry_text(e, "Not", 3);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	ck_assert_int_eq(fake_calls(&f), 2);

	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
	fake_free(&f);
}
END_TEST

/* The spool failing: the writer gets its errno and the draft stays as it
 * was, as the disk does.  (A directory planted under the draft's name
 * makes every write fail, for root too.) */
START_TEST(spool_failure)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct cgfs_ob_entry *e;
	char path[512];
	int fd;

	scratch_make(&t);
	s = scratch_spool(t.root);
	o = ob_new(s);
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	write_ok(e, "abc", 3, 0);
	scratch_path(&t, "7/new/x", path, sizeof(path));
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	scratch_path(&t, "7/new/x/in", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);

	ck_assert_int_eq(cgfs_outbox_write(e, "def", 3, 3), -EISDIR);     /* append */
	ck_assert_int_eq(cgfs_outbox_write(e, "Z", 1, 0), -EISDIR);       /* put */
	ck_assert_int_eq(cgfs_outbox_write(e, "Z", 1, 10), -EISDIR);      /* hole */
	ck_assert_int_eq(cgfs_outbox_truncate(e, 1), -EISDIR);
	ck_assert_int_eq(cgfs_outbox_truncate(e, 9), -EISDIR);
	assert_entry_text(e, "abc", 3);
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, "x", O_WRONLY | O_TRUNC, &e), -EISDIR);
	assert_text(o, CG_NONE, "x", "abc");
	/* The draft can still be removed: the spool has no file to drop. */
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "x", "y", 0), 0);
	assert_disk(&t, "7/new/y", "abc");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "y", "x", 0), -EISDIR);
	assert_text(o, CG_NONE, "y", "abc");
	ck_assert(missing(o, CG_NONE, "x"));

	/* A create the spool cannot store fails and leaves no name. */
	scratch_path(&t, "7/repo-9", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, 9, "q", O_CREAT | O_WRONLY, &e), -ENOTDIR);
	ck_assert(missing(o, 9, "q"));
	ASSERT_LIST(o, 9, "");

	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
}
END_TEST

/* Save a draft again without changing it (truncate to its own length),
 * closing it with a send. */
static void resave(struct cgfs_outbox *o, int64_t repo, const char *name, struct fake *f)
{
	struct cgfs_ob_entry *e;
	struct cgfs_ob_stat st;

	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, repo, name, &st), 0);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, repo, name, 0, &e), 0);
	ck_assert_int_eq(cgfs_outbox_truncate(e, (off_t)st.size), 0);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, f), 0);
}

START_TEST(restore_from_spool)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct cgfs_ob_entry *e;
	struct fake f;
	char path[512];
	int fd;

	fake_init(&f);
	scratch_make(&t);
	s = scratch_spool(t.root);
	o = ob_new(s);
	put_draft(o, CG_NONE, "a", "alpha\n");
	put_draft(o, REPO, "b", "beta\n");
	put_draft(o, CG_NONE, ".x.swp", "swap");
	put_draft(o, CG_NONE, "empty", "");
	put_draft(o, CG_NONE, "sent", "sent already");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "sent", fake_send, &f), 0);
	put_draft(o, CG_NONE, "removed", "removed");
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "removed"), 0);
	/* A draft written line by line, still open at the "crash". */
	e = open_ok(o, CG_NONE, "open", O_CREAT | O_WRONLY);
	write_ok(e, "one\n", 4, 0);
	write_ok(e, "two\n", 4, 4);
	/* The spool has every line already, before any close. */
	assert_disk(&t, "7/new/open", "one\ntwo\n");
	ck_assert_int_eq(cgfs_outbox_close(e, NULL, NULL), 0);
	cgfs_outbox_free(o);
	ck_assert_int_eq(fake_calls(&f), 1);

	/* Files this mount could not have written stay unshown. */
	scratch_path(&t, "7/new/bad.error", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "e", 1), 1);
	close(fd);
	scratch_path(&t, "7/repo-042", path, sizeof(path));
	ck_assert_int_eq(mkdir(path, 0700), 0);
	scratch_path(&t, "7/repo-042/c", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);

	/* A new mount over the same spool. */
	o = ob_new(s);
	ck_assert_int_eq(cgfs_outbox_restore(o), 5);
	/* The sent draft is back as its receipt (test_receipts.c). */
	ASSERT_LIST(o, CG_NONE, ".x.swp a empty open sent");
	ASSERT_LIST(o, REPO, "b");
	assert_text(o, CG_NONE, "a", "alpha\n");
	assert_text(o, CG_NONE, "open", "one\ntwo\n");
	assert_text(o, REPO, "b", "beta\n");
	assert_text(o, CG_NONE, "empty", "");
	ck_assert(on_disk(&t, "7/new/bad.error"));
	/* Restoring again adds nothing: every name is known. */
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);

	/* Restored drafts are not dirty: a commit point alone (a reader's last
	 * close) sends nothing.  Saving again sends them, but never a scratch
	 * name or an empty text. */
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "a", fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, REPO, "b", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	resave(o, CG_NONE, "a", &f);
	resave(o, REPO, "b", &f);
	resave(o, CG_NONE, ".x.swp", &f);
	resave(o, CG_NONE, "empty", &f);
	ck_assert_int_eq(fake_calls(&f), 3);
	assert_call(&f, 1, ORG, CG_NONE, "a", "alpha\n");
	assert_call(&f, 2, ORG, REPO, "b", "beta\n");
	ck_assert(!on_disk(&t, "7/new/a"));
	ck_assert(!on_disk(&t, "7/repo-42/b"));
	cgfs_outbox_free(o);

	/* Without a spool there is nothing to restore. */
	o = ob_new(NULL);
	ck_assert_int_eq(cgfs_outbox_restore(o), 0);
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
	fake_free(&f);
}
END_TEST

/* ---- threads ----------------------------------------------------------------------- */

struct committer {
	struct cgfs_ob_entry *e;
	struct cgfs_outbox *o;
	struct fake *f;
	pthread_barrier_t *start;
	int ret;
};

static void *commit_thread(void *arg)
{
	struct committer *c = arg;

	pthread_barrier_wait(c->start);
	if (c->e)
		c->ret = cgfs_outbox_commit(c->e, fake_send, c->f);
	else
		c->ret = cgfs_outbox_commit_name(c->o, ORG, CG_NONE, "x", fake_send, c->f);
	return NULL;
}

START_TEST(concurrent_commits_send_once)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct committer c[2];
	pthread_t th[2];
	pthread_barrier_t start;
	struct fake f;

	fake_init(&f);
	f.sleep_ms = 200;
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	write_ok(e, "once", 4, 0);
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++) {
		c[i] = (struct committer){ .e = i ? NULL : e, .o = o, .f = &f, .start = &start };
		ck_assert_int_eq(pthread_create(&th[i], NULL, commit_thread, &c[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(c[i].ret, 0);
	}
	pthread_barrier_destroy(&start);
	ck_assert_int_eq(fake_calls(&f), 1);
	assert_call(&f, 0, ORG, CG_NONE, "x", "once");
	ck_assert_int_eq(cgfs_outbox_kind(e), CGFS_OB_RECEIPT);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

struct racer {
	struct cgfs_outbox *o;
	struct cgfs_ob_entry *e;
	int what;
	long ret;
};

static void *race_thread(void *arg)
{
	struct racer *r = arg;
	struct cgfs_ob_entry *e2 = NULL;

	switch (r->what) {
	case 0:
		r->ret = cgfs_outbox_write(r->e, "late", 4, 4);
		break;
	case 1:
		r->ret = cgfs_outbox_truncate(r->e, 0);
		break;
	case 2:
		r->ret = cgfs_outbox_open(r->o, ORG, CG_NONE, "x", O_WRONLY | O_TRUNC, &e2);
		break;
	}
	return NULL;
}

/* Changes that arrive while the draft is being sent wait for the send,
 * then find a receipt; reads and stats do not wait. */
START_TEST(changes_wait_for_send)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct committer c;
	struct racer r[3];
	pthread_t th, rth[3];
	pthread_barrier_t start;
	struct cgfs_ob_stat st;
	struct fake f;

	fake_init(&f);
	f.sleep_ms = 200;
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	write_ok(e, "text", 4, 0);
	pthread_barrier_init(&start, NULL, 1);
	c = (struct committer){ .e = e, .o = o, .f = &f, .start = &start };
	ck_assert_int_eq(pthread_create(&th, NULL, commit_thread, &c), 0);
	fake_wait_in_send(&f);

	/* The send is under way (for 200 ms): reading is not held up. */
	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, "x", &st), 0);
	ck_assert_int_eq(st.kind, CGFS_OB_DRAFT);
	assert_entry_text(e, "text", 4);
	pthread_mutex_lock(&f.lock);
	ck_assert_int_eq(f.in_send, 1);
	pthread_mutex_unlock(&f.lock);

	for (int i = 0; i < 3; i++) {
		r[i] = (struct racer){ .o = o, .e = e, .what = i };
		ck_assert_int_eq(pthread_create(&rth[i], NULL, race_thread, &r[i]), 0);
	}
	/* A commit and an unlink from this thread wait too. */
	ck_assert_int_eq(cgfs_outbox_commit(e, fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_kind(e), CGFS_OB_RECEIPT);
	for (int i = 0; i < 3; i++)
		pthread_join(rth[i], NULL);
	pthread_join(th, NULL);
	ck_assert_int_eq(c.ret, 0);
	ck_assert_int_eq(r[0].ret, -EROFS);
	ck_assert_int_eq(r[1].ret, -EROFS);
	ck_assert_int_eq(r[2].ret, -EISDIR);
	ck_assert_int_eq(fake_calls(&f), 1);
	assert_call(&f, 0, ORG, CG_NONE, "x", "text");
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "x"), 0);
	pthread_barrier_destroy(&start);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

/* An unlink that arrives during the send waits for it, then removes the
 * receipt. */
START_TEST(unlink_waits_for_send)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct cgfs_ob_entry *e;
	struct committer c;
	pthread_t th;
	pthread_barrier_t start;
	struct fake f;

	fake_init(&f);
	f.sleep_ms = 200;
	e = open_ok(o, CG_NONE, "x", O_CREAT | O_RDWR);
	write_ok(e, "text", 4, 0);
	pthread_barrier_init(&start, NULL, 1);
	c = (struct committer){ .e = e, .o = o, .f = &f, .start = &start };
	ck_assert_int_eq(pthread_create(&th, NULL, commit_thread, &c), 0);
	fake_wait_in_send(&f);
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "x"), 0);
	/* The send was finished before the unlink went ahead. */
	ck_assert_int_eq(cgfs_outbox_kind(e), CGFS_OB_RECEIPT);
	ck_assert(missing(o, CG_NONE, "x"));
	pthread_join(th, NULL);
	ck_assert_int_eq(c.ret, 0);
	ck_assert_int_eq(cgfs_outbox_close(e, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 1);
	pthread_barrier_destroy(&start);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

struct writer {
	struct cgfs_outbox *o;
	struct fake *f;
	pthread_barrier_t *start;
	int i;
	int ret;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	struct cgfs_ob_entry *e = NULL;
	char name[32], line[64];
	int64_t repo = w->i % 2 ? REPO : CG_NONE;
	int n;

	snprintf(name, sizeof(name), "draft-%02d", w->i);
	pthread_barrier_wait(w->start);
	w->ret = cgfs_outbox_open(w->o, ORG, repo, name, O_CREAT | O_EXCL | O_WRONLY, &e);
	if (w->ret)
		return NULL;
	n = snprintf(line, sizeof(line), "prompt %d\n", w->i);
	if (cgfs_outbox_write(e, line, (size_t)n, 0) != n)
		w->ret = -EIO;
	if (cgfs_outbox_write(e, "end\n", 4, n) != 4)
		w->ret = -EIO;
	if (cgfs_outbox_close(e, fake_send, w->f))
		w->ret = -EIO;
	return NULL;
}

START_TEST(twenty_writers)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct writer w[NTHREADS];
	pthread_t th[NTHREADS];
	pthread_barrier_t start;
	struct fake f;
	int seen[NTHREADS] = { 0 };

	fake_init(&f);
	f.sleep_ms = 20;
	scratch_make(&t);
	s = scratch_spool(t.root);
	o = ob_new(s);
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct writer){ .o = o, .f = &f, .start = &start, .i = i };
		ck_assert_int_eq(pthread_create(&th[i], NULL, writer_thread, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(w[i].ret, 0);
	}
	pthread_barrier_destroy(&start);

	ck_assert_int_eq(fake_calls(&f), NTHREADS);
	for (int k = 0; k < NTHREADS; k++) {
		struct call *c = &f.calls[k];
		char want[64];
		int i;

		ck_assert_int_eq(sscanf(c->name, "draft-%d", &i), 1);
		ck_assert_int_ge(i, 0);
		ck_assert_int_lt(i, NTHREADS);
		ck_assert_int_eq(seen[i]++, 0);
		snprintf(want, sizeof(want), "prompt %d\nend\n", i);
		assert_call(&f, k, ORG, i % 2 ? REPO : CG_NONE, c->name, want);
		ck_assert_int_eq(kind_of(o, i % 2 ? REPO : CG_NONE, c->name), CGFS_OB_RECEIPT);
	}
	/* Every one was sent, so the spool is empty. */
	ck_assert(!on_disk(&t, "7/new/draft-00"));
	ck_assert(!on_disk(&t, "7/repo-42/draft-01"));
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
	fake_free(&f);
}
END_TEST


/* ---- sends in flight ------------------------------------------------------------- */

static void fake_unknown(struct fake *f, int unknown)
{
	pthread_mutex_lock(&f->lock);
	f->unknown = unknown;
	pthread_mutex_unlock(&f->lock);
}

static const struct call *call_at(struct fake *f, int i)
{
	const struct call *c;

	pthread_mutex_lock(&f->lock);
	ck_assert_int_lt(i, f->n);
	c = &f->calls[i];
	pthread_mutex_unlock(&f->lock);
	return c;
}

/* "cgfs-" and 32 lowercase hex digits. */
static void assert_marker_form(const char *m)
{
	ck_assert_uint_eq(strlen(m), 37);
	ck_assert(strncmp(m, "cgfs-", 5) == 0);
	for (int i = 5; i < 37; i++)
		ck_assert_msg((m[i] >= '0' && m[i] <= '9') || (m[i] >= 'a' && m[i] <= 'f'),
			      "marker %s", m);
}

/* Save draft name again (truncate to its length) and close with a send:
 * the close's result. */
static int resave_ret(struct cgfs_outbox *o, const char *name, struct fake *f)
{
	struct cgfs_ob_entry *e;
	struct cgfs_ob_stat st;

	ck_assert_int_eq(cgfs_outbox_stat(o, ORG, CG_NONE, name, &st), 0);
	ck_assert_int_eq(cgfs_outbox_open(o, ORG, CG_NONE, name, 0, &e), 0);
	ck_assert_int_eq(cgfs_outbox_truncate(e, (off_t)st.size), 0);
	return cgfs_outbox_close(e, fake_send, f);
}

/* The in-flight record of new/<name>, relative to the spool root. */
static void record_path(const char *name, char *out, size_t size)
{
	snprintf(out, size, "7/inflight-new/%s", name);
}

START_TEST(inflight_marker_kept_until_a_definite_answer)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct fake f;
	char rel[300], expect[80], first[CGFS_OUTBOX_MARKER_SIZE];

	fake_init(&f);
	scratch_make(&t);
	f.root = t.root;
	s = scratch_spool(t.root);
	o = ob_new(s);
	put_draft(o, CG_NONE, "a", "hello\n");
	record_path("a", rel, sizeof(rel));
	/* An answer lost: the marker was on disk before the send, and stays. */
	fake_script(&f, -ECONNRESET, "ECONNRESET: lost");
	fake_unknown(&f, 1);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "a", fake_send, &f),
			 -ECONNRESET);
	ck_assert_int_eq(fake_calls(&f), 1);
	ck_assert_int_eq(call_at(&f, 0)->resolve, 0);
	snprintf(first, sizeof(first), "%s", call_at(&f, 0)->marker);
	assert_marker_form(first);
	snprintf(expect, sizeof(expect), "%s\n", first);
	ck_assert_str_eq(call_at(&f, 0)->record, expect);
	assert_disk(&t, rel, expect);
	ck_assert_int_eq(kind_of(o, CG_NONE, "a"), CGFS_OB_DRAFT);
	assert_text(o, CG_NONE, "a.error", "ECONNRESET: lost\n");
	/* Saving again resolves with the same marker; unknown again: kept. */
	fake_script(&f, -ETIMEDOUT, "ETIMEDOUT: slow");
	ck_assert_int_eq(resave_ret(o, "a", &f), -ETIMEDOUT);
	ck_assert_int_eq(call_at(&f, 1)->resolve, 1);
	ck_assert_str_eq(call_at(&f, 1)->marker, first);
	assert_disk(&t, rel, expect);
	/* Found (or sent): the receipt, and neither the record nor the draft's
	 * spool file stays. */
	fake_script(&f, 0, NULL);
	ck_assert_int_eq(resave_ret(o, "a", &f), 0);
	ck_assert_int_eq(fake_calls(&f), 3);
	ck_assert_int_eq(call_at(&f, 2)->resolve, 1);
	ck_assert_str_eq(call_at(&f, 2)->marker, first);
	ck_assert_int_eq(kind_of(o, CG_NONE, "a"), CGFS_OB_RECEIPT);
	ck_assert(!on_disk(&t, rel));
	ck_assert(!on_disk(&t, "7/new/a"));

	/* A definite failure ends the flight: the next attempt is a new one. */
	put_draft(o, CG_NONE, "b", "quota\n");
	record_path("b", rel, sizeof(rel));
	fake_script(&f, -EDQUOT, "HTTP 402: no");
	fake_unknown(&f, 0);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "b", fake_send, &f), -EDQUOT);
	snprintf(first, sizeof(first), "%s", call_at(&f, 3)->marker);
	assert_marker_form(first);
	snprintf(expect, sizeof(expect), "%s\n", first);
	ck_assert_str_eq(call_at(&f, 3)->record, expect);
	ck_assert(!on_disk(&t, rel));
	ck_assert_int_eq(resave_ret(o, "b", &f), -EDQUOT);
	ck_assert_int_eq(call_at(&f, 4)->resolve, 0);
	ck_assert_str_ne(call_at(&f, 4)->marker, first);
	assert_marker_form(call_at(&f, 4)->marker);
	ck_assert(!on_disk(&t, rel));
	/* No prompt (-ENODATA) is definite too. */
	fake_script(&f, -ENODATA, NULL);
	ck_assert_int_eq(resave_ret(o, "b", &f), 0);
	ck_assert(!on_disk(&t, rel));
	ck_assert_int_eq(fake_calls(&f), 6);

	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
	fake_free(&f);
}
END_TEST

START_TEST(inflight_restored_and_resolved)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct fake f;
	char marker[CGFS_OUTBOX_MARKER_SIZE], expect[80];

	fake_init(&f);
	scratch_make(&t);
	f.root = t.root;
	s = scratch_spool(t.root);
	o = ob_new(s);
	put_draft(o, CG_NONE, "lost", "lost answer\n");
	put_draft(o, CG_NONE, "plain", "never sent\n");
	put_draft(o, CG_NONE, "down", "still down\n");
	fake_script(&f, -ECONNRESET, "ECONNRESET: lost");
	fake_unknown(&f, 1);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "lost", fake_send, &f),
			 -ECONNRESET);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "down", fake_send, &f),
			 -ECONNRESET);
	snprintf(marker, sizeof(marker), "%s", call_at(&f, 0)->marker);
	cgfs_outbox_free(o);                    /* the "kill -9" */

	o = ob_new(s);
	ck_assert_int_eq(cgfs_outbox_restore(o), 3);
	/* A commit point alone (a reader's close) does not send it... */
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "lost", fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 2);
	/* ...the resolve does: with its marker, asking to look first.  The
	 * draft never sent is not touched.  "down" fails again (unknown) and
	 * is tried once per resolve. */
	pthread_mutex_lock(&f.lock);
	f.ret = 0;
	pthread_mutex_unlock(&f.lock);
	ck_assert_int_eq(cgfs_outbox_resolve(o, fake_send, &f), 2);
	ck_assert_int_eq(fake_calls(&f), 4);
	for (int i = 2; i < 4; i++) {
		ck_assert_int_eq(call_at(&f, i)->resolve, 1);
		assert_marker_form(call_at(&f, i)->marker);
	}
	ck_assert(strcmp(call_at(&f, 2)->marker, marker) == 0 ||
		  strcmp(call_at(&f, 3)->marker, marker) == 0);
	ck_assert_int_eq(kind_of(o, CG_NONE, "lost"), CGFS_OB_RECEIPT);
	ck_assert_int_eq(kind_of(o, CG_NONE, "down"), CGFS_OB_RECEIPT);
	ck_assert_int_eq(kind_of(o, CG_NONE, "plain"), CGFS_OB_DRAFT);
	ck_assert(!on_disk(&t, "7/inflight-new/lost"));
	ck_assert(!on_disk(&t, "7/new/lost"));
	ck_assert(on_disk(&t, "7/new/plain"));
	ck_assert_int_eq(cgfs_outbox_resolve(o, fake_send, &f), 0);
	ck_assert_int_eq(fake_calls(&f), 4);
	cgfs_outbox_free(o);

	/* An unknown failure of the resolve keeps the flight for the next. */
	o = ob_new(s);
	put_draft(o, CG_NONE, "again", "again\n");
	fake_script(&f, -ETIMEDOUT, "ETIMEDOUT: x");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "again", fake_send, &f),
			 -ETIMEDOUT);
	snprintf(marker, sizeof(marker), "%s", call_at(&f, 4)->marker);
	cgfs_outbox_free(o);
	o = ob_new(s);
	ck_assert_int_eq(cgfs_outbox_restore(o), 2);
	ck_assert_int_eq(cgfs_outbox_resolve(o, fake_send, &f), 1);
	ck_assert_str_eq(call_at(&f, 5)->marker, marker);
	ck_assert_int_eq(cgfs_outbox_resolve(o, fake_send, &f), 0);
	snprintf(expect, sizeof(expect), "%s\n", marker);
	assert_disk(&t, "7/inflight-new/again", expect);
	assert_text(o, CG_NONE, "again.error", "ETIMEDOUT: x\n");
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
	fake_free(&f);
}
END_TEST

START_TEST(inflight_record_follows_rename_and_unlink)
{
	struct scratch t;
	struct cgfs_spool *s;
	struct cgfs_outbox *o;
	struct fake f;
	char marker[CGFS_OUTBOX_MARKER_SIZE], expect[80];

	fake_init(&f);
	scratch_make(&t);
	s = scratch_spool(t.root);
	o = ob_new(s);
	put_draft(o, CG_NONE, "a", "A\n");
	fake_script(&f, -ECONNRESET, "ECONNRESET: lost");
	fake_unknown(&f, 1);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "a", fake_send, &f),
			 -ECONNRESET);
	snprintf(marker, sizeof(marker), "%s", call_at(&f, 0)->marker);
	snprintf(expect, sizeof(expect), "%s\n", marker);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, "a", ".b", 0), 0);
	ck_assert(!on_disk(&t, "7/inflight-new/a"));
	assert_disk(&t, "7/inflight-new/.b", expect);
	/* Renamed onto a plain name, saving it resolves with its marker. */
	fake_script(&f, 0, NULL);
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, ".b", "c", 0), 0);
	assert_disk(&t, "7/inflight-new/c", expect);
	ck_assert_int_eq(resave_ret(o, "c", &f), 0);
	ck_assert_int_eq(call_at(&f, 1)->resolve, 1);
	ck_assert_str_eq(call_at(&f, 1)->marker, marker);
	ck_assert(!on_disk(&t, "7/inflight-new/c"));
	/* A draft that replaces one in flight leaves no record behind. */
	put_draft(o, CG_NONE, "d", "D\n");
	fake_script(&f, -ECONNRESET, "ECONNRESET: lost");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "d", fake_send, &f),
			 -ECONNRESET);
	ck_assert(on_disk(&t, "7/inflight-new/d"));
	put_draft(o, CG_NONE, ".e", "E\n");
	ck_assert_int_eq(cgfs_outbox_rename(o, ORG, CG_NONE, ".e", "d", 0), 0);
	ck_assert(!on_disk(&t, "7/inflight-new/d"));
	/* rm of a draft in flight drops its record. */
	put_draft(o, CG_NONE, "f", "F\n");
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "f", fake_send, &f),
			 -ECONNRESET);
	ck_assert(on_disk(&t, "7/inflight-new/f"));
	ck_assert_int_eq(cgfs_outbox_unlink(o, ORG, CG_NONE, "f"), 0);
	ck_assert(!on_disk(&t, "7/inflight-new/f"));
	ck_assert(!on_disk(&t, "7/new/f"));
	cgfs_outbox_free(o);
	cgfs_spool_close(s);
	scratch_remove(&t);
	fake_free(&f);
}
END_TEST

START_TEST(inflight_without_spool)
{
	struct cgfs_outbox *o = ob_new(NULL);
	struct fake f;
	char marker[CGFS_OUTBOX_MARKER_SIZE];

	fake_init(&f);
	put_draft(o, CG_NONE, "a", "A\n");
	fake_script(&f, -EIO, "HTTP 502: bad gateway");
	fake_unknown(&f, 1);
	ck_assert_int_eq(cgfs_outbox_commit_name(o, ORG, CG_NONE, "a", fake_send, &f), -EIO);
	snprintf(marker, sizeof(marker), "%s", call_at(&f, 0)->marker);
	fake_script(&f, 0, NULL);
	ck_assert_int_eq(resave_ret(o, "a", &f), 0);
	ck_assert_int_eq(call_at(&f, 1)->resolve, 1);
	ck_assert_str_eq(call_at(&f, 1)->marker, marker);
	cgfs_outbox_free(o);
	fake_free(&f);
}
END_TEST

static Suite *outbox_suite(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc;

	tc = tcase_create("files");
	tcase_add_test(tc, create_write_read);
	tcase_add_test(tc, binary_text);
	tcase_add_test(tc, list_sorted);
	tcase_add_test(tc, open_excl);
	tcase_add_test(tc, open_trunc);
	tcase_add_test(tc, hole_zero_fill);
	tcase_add_test(tc, truncate_grow_shrink);
	tcase_add_test(tc, efbig);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);

	tc = tcase_create("commit");
	tcase_add_test(tc, scratch_never_sent);
	tcase_add_test(tc, held_draft_sent_by_rename);
	tcase_add_test(tc, blank_never_sent);
	tcase_add_test(tc, dirty_logic);
	tcase_add_test(tc, failure_error_file);
	tcase_add_test(tc, failure_reason_forms);
	tcase_add_test(tc, enodata);
	tcase_add_test(tc, success_receipt);
	tcase_add_test(tc, close_commit_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, unlink_entries);
	tcase_add_test(tc, rename_entries);
	tcase_add_test(tc, rename_then_commit);
	tcase_add_test(tc, outboxes_separate);
	suite_add_tcase(s, tc);

	tc = tcase_create("spool");
	tcase_add_test(tc, spool_write_through);
	tcase_add_test(tc, spool_failure);
	tcase_add_test(tc, restore_from_spool);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, concurrent_commits_send_once);
	tcase_add_test(tc, changes_wait_for_send);
	tcase_add_test(tc, unlink_waits_for_send);
	tcase_add_test(tc, twenty_writers);
	suite_add_tcase(s, tc);

	tc = tcase_create("inflight");
	tcase_add_test(tc, inflight_marker_kept_until_a_definite_answer);
	tcase_add_test(tc, inflight_restored_and_resolved);
	tcase_add_test(tc, inflight_record_follows_rename_and_unlink);
	tcase_add_test(tc, inflight_without_spool);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(outbox_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
