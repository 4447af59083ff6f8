/* spool_receipts.c - the receipts of sent drafts, on disk (see spool.h).
 *
 * A receipt in memory ends with the mount; this keeps one small file per
 * receipt beside the drafts, so that after a remount new/<name> is still
 * the link to the run it made.  A receipt is written once, when its draft
 * is sent, and removed by rm, by a rename away from its name, or when the
 * outbox's bound lets it fall away (outbox.h); so it is replaced as a
 * draft is (atomically, fsynced) and never appended to.
 */
#include "spool_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg_file.h"
#include "private.h"

#define RECEIPTS_PREFIX "receipts-"
/* "<19 digits> <20 digits>\n" fits, with room to spare. */
#define RECEIPT_MAX 64

/* Open <spool>/<org>/receipts-<outbox>/, creating it if asked. */
static int open_receipts(struct cgfs_spool *s, int64_t org, const char *outbox, int create,
			 int *out)
{
	char sub[64];

	snprintf(sub, sizeof(sub), RECEIPTS_PREFIX "%s", outbox);
	return cgfs_spool_open_dir(s, org, sub, create, out);
}

int cgfs_spool_put_receipt(struct cgfs_spool *s, int64_t org, const char *outbox,
			   const char *name, int64_t run, time_t sent)
{
	char tmp[NAME_MAX + 64], text[RECEIPT_MAX];
	int dfd, ret, n;

	if (!cgfs_spool_args(s, org, outbox, name) || run <= 0 || sent < 0)
		return -EINVAL;
	ret = cgfs_spool_tmp_name(s, name, tmp, sizeof(tmp));
	if (ret)
		return ret;
	ret = open_receipts(s, org, outbox, 1, &dfd);
	if (ret)
		return ret;
	n = snprintf(text, sizeof(text), "%" PRId64 " %lld\n", run, (long long)sent);
	ret = cgfs_private_replace(dfd, name, tmp, text, (size_t)n);
	close(dfd);
	return ret;
}

int cgfs_spool_drop_receipt(struct cgfs_spool *s, int64_t org, const char *outbox,
			    const char *name)
{
	int dfd, ret;

	if (!cgfs_spool_args(s, org, outbox, name))
		return -EINVAL;
	ret = open_receipts(s, org, outbox, 0, &dfd);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	return cgfs_spool_remove_in(dfd, name);
}

/* A canonical decimal number of at most 18 digits (so it cannot
 * overflow), ending at *end.  0 and *v, or -EINVAL. */
static int parse_number(const char *p, const char **end, long long *v)
{
	size_t n = strspn(p, "0123456789");

	if (n == 0 || n > 18 || (p[0] == '0' && n > 1))
		return -EINVAL;
	*v = strtoll(p, NULL, 10);
	*end = p + n;
	return 0;
}

/* Parse "<run> <sent>\n" (len bytes): 0 with both, or -EINVAL. */
static int parse_receipt(const char *text, size_t len, int64_t *run, time_t *sent)
{
	const char *p;
	long long r, t;

	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len))
		return -EINVAL;
	if (parse_number(text, &p, &r) || r <= 0 || *p++ != ' ')
		return -EINVAL;
	if (parse_number(p, &p, &t) || *p != '\n' || (size_t)(p - text) != len - 1)
		return -EINVAL;
	*run = r;
	*sent = (time_t)t;
	return 0;
}

static int each_in(int dfd, int64_t org, const char *outbox, cgfs_spool_receipt_fn fn,
		   void *arg)
{
	struct dirent *de;
	DIR *d = fdopendir(dfd);
	int ret = 0;

	if (!d) {
		ret = -errno;
		close(dfd);
		return ret;
	}
	for (;;) {
		char *text = NULL;
		size_t len = 0;
		int64_t run;
		time_t sent;

		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = errno ? -errno : 0;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strncmp(de->d_name, SPOOL_TMP_PREFIX, strlen(SPOOL_TMP_PREFIX))) {
			if (!cgfs_spool_tmp_is_ours(de->d_name))
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		ret = cg_file_read(dirfd(d), de->d_name, RECEIPT_MAX, CG_FILE_NOFOLLOW, &text,
				   &len, NULL);
		if (ret == -ENOENT || ret == -ELOOP || ret == -EINVAL || ret == -EFBIG) {
			ret = 0;
			continue;
		}
		if (ret)
			break;
		if (!parse_receipt(text, len, &run, &sent))
			ret = fn(arg, org, outbox, de->d_name, run, sent);
		free(text);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

struct walk {
	cgfs_spool_receipt_fn fn;
	void *arg;
	int64_t org;
};

/* "receipts-<outbox>". */
static int want_receipts(const char *name, int64_t *id)
{
	(void)id;
	return !strncmp(name, RECEIPTS_PREFIX, strlen(RECEIPTS_PREFIX)) &&
	       cgfs_spool_valid_outbox(name + strlen(RECEIPTS_PREFIX));
}

static int receipts_dir(int fd, const char *name, int64_t id, void *arg)
{
	struct walk *w = arg;

	(void)id;
	return each_in(fd, w->org, name + strlen(RECEIPTS_PREFIX), w->fn, w->arg);
}

/* The receipt directories of one org directory. */
static int org_dir(int fd, const char *name, int64_t org, void *arg)
{
	struct walk *w = arg;

	(void)name;
	w->org = org;
	return cgfs_spool_walk(fd, want_receipts, receipts_dir, w);
}

int cgfs_spool_each_receipt(struct cgfs_spool *s, cgfs_spool_receipt_fn fn, void *arg)
{
	struct walk w = { fn, arg, 0 };

	if (!s || !fn)
		return -EINVAL;
	return cgfs_spool_each_org(s, org_dir, &w);
}
