/* spool.c - drafts written through to disk (see spool.h).
 *
 * A draft exists only in the mount's memory until it is sent; this module
 * keeps a copy of each one under the spool directory so that a crash, a
 * kill -9 or a restart loses no prompt (DESIGN.md §3, §5).  Each file is
 * replaced atomically: the text goes to a temporary file in the same
 * directory, which is fsynced and renamed onto the draft's name, and the
 * directory is fsynced so that the rename itself survives a power cut.
 */
#include "spool_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cg_file.h"
#include "private.h"
#include "render.h"

/* A spool file larger than this is not a draft this mount wrote. */
#define SPOOL_MAX_FILE (64u << 20)

/* The directory of an outbox's in-flight records, next to the outbox. */
#define INFLIGHT_PREFIX "inflight-"
#define MARKER_MAX 63

char *cgfs_spool_default_dir(void)
{
	return cgfs_private_xdg_dir("XDG_STATE_HOME", ".local/state");
}

struct cgfs_spool *cgfs_spool_open(const char *dir, char *why, size_t why_size)
{
	struct cgfs_spool *s;
	struct stat st;
	int ret, fd;

	if (!dir || !dir[0]) {
		cgfs_set_why(why, why_size, "no spool directory given");
		return NULL;
	}
	ret = cgfs_private_mkdirs(dir);
	if (ret) {
		cgfs_set_why(why, why_size, "cannot create spool directory %s: %s", dir,
			strerror(-ret));
		return NULL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		cgfs_set_why(why, why_size, "cannot open spool directory %s: %s", dir,
			strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		cgfs_set_why(why, why_size, "cannot stat spool directory %s: %s", dir,
			strerror(errno));
		goto out_close;
	}
	/* Drafts are the user's prompts; a spool others can read or plant
	 * files in is refused rather than silently repaired. */
	ret = cgfs_private_check(&st);
	if (ret == -EPERM) {
		cgfs_set_why(why, why_size, "spool directory %s is owned by another user",
			dir);
		goto out_close;
	}
	if (ret) {
		cgfs_set_why(why, why_size, "spool directory %s is accessible by group or "
			"others (mode %03o; chmod 700 it)", dir,
			(unsigned)(st.st_mode & 0777));
		goto out_close;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		cgfs_set_why(why, why_size, "spool directory %s: %s", dir, strerror(ENOMEM));
		goto out_close;
	}
	s->root_fd = fd;
	pthread_mutex_init(&s->lock, NULL);
	return s;

out_close:
	close(fd);
	return NULL;
}

void cgfs_spool_close(struct cgfs_spool *s)
{
	if (!s)
		return;
	close(s->root_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int all_digits(const char *p)
{
	if (!*p)
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

int cgfs_spool_valid_outbox(const char *outbox)
{
	if (!outbox)
		return 0;
	if (strcmp(outbox, "new") == 0)
		return 1;
	return strncmp(outbox, "repo-", 5) == 0 && all_digits(outbox + 5);
}

/* A name that looks like one of our temporary files is refused: the next
 * cgfs_spool_each would delete it as debris. */
int cgfs_spool_valid_name(const char *name)
{
	return name && name[0] && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && !strchr(name, '/') &&
	       strncmp(name, SPOOL_TMP_PREFIX, strlen(SPOOL_TMP_PREFIX)) != 0;
}

/* The org directory name: canonical decimal (no sign, no leading zero),
 * so that what each reports can be dropped again by its number. */
int cgfs_spool_parse_org(const char *name, int64_t *org)
{
	char *end;
	long long v;

	if (name[0] < '1' || name[0] > '9' || !all_digits(name))
		return -EINVAL;
	errno = 0;
	v = strtoll(name, &end, 10);
	if (errno || *end || v <= 0)
		return -EINVAL;
	*org = v;
	return 0;
}

static int fsync_dir(int dfd)
{
	return fsync(dfd) < 0 ? -errno : 0;
}

/* Open (creating if asked) the subdirectory sub of dfd.  A new directory
 * is made durable by an fsync of its parent.  0 and *out, or -errno. */
int cgfs_spool_open_subdir(int dfd, const char *sub, int create, int *out)
{
	int fd, ret;

	if (create) {
		if (mkdirat(dfd, sub, 0700) == 0) {
			ret = fsync_dir(dfd);
			if (ret)
				return ret;
		} else if (errno != EEXIST) {
			return -errno;
		}
	}
	fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*out = fd;
	return 0;
}

/* Open <spool>/<org>/<outbox>/, creating it if asked.  0 and *out, or
 * -errno. */
int cgfs_spool_open_dir(struct cgfs_spool *s, int64_t org, const char *outbox,
		       int create, int *out)
{
	char org_name[24];
	int org_fd, ret;

	snprintf(org_name, sizeof(org_name), "%" PRId64, org);
	ret = cgfs_spool_open_subdir(s->root_fd, org_name, create, &org_fd);
	if (ret)
		return ret;
	ret = cgfs_spool_open_subdir(org_fd, outbox, create, out);
	close(org_fd);
	return ret;
}

int cgfs_spool_tmp_name(struct cgfs_spool *s, const char *name, char *tmp, size_t size)
{
	unsigned long n;
	int ret;

	pthread_mutex_lock(&s->lock);
	n = ++s->counter;
	pthread_mutex_unlock(&s->lock);
	ret = snprintf(tmp, size, SPOOL_TMP_PREFIX "%s-%ld-%lu", name, (long)getpid(), n);
	return ret < 0 || (size_t)ret >= size ? -ENAMETOOLONG : 0;
}

int cgfs_spool_put(struct cgfs_spool *s, int64_t org, const char *outbox,
		   const char *name, const char *text, size_t len)
{
	char tmp[NAME_MAX + 64];
	int dfd, ret;

	if (!cgfs_spool_args(s, org, outbox, name) || (!text && len))
		return -EINVAL;
	ret = cgfs_spool_tmp_name(s, name, tmp, sizeof(tmp));
	if (ret)
		return ret;
	ret = cgfs_spool_open_dir(s, org, outbox, 1, &dfd);
	if (ret)
		return ret;
	ret = cgfs_private_replace(dfd, name, tmp, text, len);
	close(dfd);
	return ret;
}

int cgfs_spool_append(struct cgfs_spool *s, int64_t org, const char *outbox,
		      const char *name, const char *buf, size_t len)
{
	struct stat st;
	int dfd, fd, ret;

	if (!cgfs_spool_args(s, org, outbox, name) || (!buf && len))
		return -EINVAL;
	ret = cgfs_spool_open_dir(s, org, outbox, 1, &dfd);
	if (ret)
		return ret;
	/* O_NONBLOCK: a FIFO planted under the name must not hang the mount. */
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out_close_dir;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out_close_file;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EIO;
		goto out_close_file;
	}
	ret = cgfs_private_write_all(fd, buf, len);
	/* A short append (a full disk) is taken back: the caller keeps its
	 * previous text, and the file must match it.  The write's errno is
	 * the one worth reporting unless the file could not be cut back. */
	if (ret && ftruncate(fd, st.st_size) < 0)
		ret = -EIO;
out_close_file:
	if (close(fd) < 0 && !ret)
		ret = -errno;
out_close_dir:
	close(dfd);
	return ret;
}

/* Open <spool>/<org>/inflight-<outbox>/, creating it if asked.  0 and
 * *out, or -errno. */
static int open_inflight(struct cgfs_spool *s, int64_t org, const char *outbox,
			 int create, int *out)
{
	char sub[64];

	snprintf(sub, sizeof(sub), INFLIGHT_PREFIX "%s", outbox);
	return cgfs_spool_open_dir(s, org, sub, create, out);
}

static int valid_marker(const char *m, size_t n)
{
	if (n < 1 || n > MARKER_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((m[i] >= 'a' && m[i] <= 'z') || (m[i] >= 'A' && m[i] <= 'Z') ||
		      (m[i] >= '0' && m[i] <= '9') || m[i] == '-' || m[i] == '_'))
			return 0;
	return 1;
}

int cgfs_spool_mark(struct cgfs_spool *s, int64_t org, const char *outbox,
		    const char *name, const char *marker)
{
	char tmp[NAME_MAX + 64], text[MARKER_MAX + 2];
	unsigned long n;
	int dfd, ret;

	if (!cgfs_spool_args(s, org, outbox, name) || !marker ||
	    !valid_marker(marker, strlen(marker)))
		return -EINVAL;
	ret = cgfs_spool_tmp_name(s, name, tmp, sizeof(tmp));
	if (ret)
		return ret;
	ret = open_inflight(s, org, outbox, 1, &dfd);
	if (ret)
		return ret;
	n = (unsigned long)snprintf(text, sizeof(text), "%s\n", marker);
	ret = cgfs_private_replace(dfd, name, tmp, text, n);
	close(dfd);
	return ret;
}

int cgfs_spool_marker(struct cgfs_spool *s, int64_t org, const char *outbox,
		      const char *name, char *marker, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	int dfd, ret;

	if (!cgfs_spool_args(s, org, outbox, name) || size <= MARKER_MAX)
		return -EINVAL;
	ret = open_inflight(s, org, outbox, 0, &dfd);
	if (ret)
		return ret == -ENOTDIR || ret == -ELOOP ? -ENOENT : ret;
	ret = cg_file_read(dfd, name, MARKER_MAX + 2, CG_FILE_NOFOLLOW, &text, &len, NULL);
	close(dfd);
	if (ret == -ELOOP || ret == -EINVAL || ret == -EFBIG)
		ret = -ENOENT;
	if (ret)
		return ret;
	if (len && text[len - 1] == '\n')
		len--;
	if (!valid_marker(text, len)) {
		free(text);
		return -ENOENT;
	}
	memcpy(marker, text, len);
	marker[len] = '\0';
	free(text);
	return 0;
}

/* Remove name from the directory fd (and fsync it): 0 or -errno, ENOENT
 * being no error. */
int cgfs_spool_remove_in(int dfd, const char *name)
{
	int ret;

	if (unlinkat(dfd, name, 0) < 0)
		ret = errno == ENOENT ? 0 : -errno;
	else
		ret = fsync_dir(dfd);
	close(dfd);
	return ret;
}

int cgfs_spool_unmark(struct cgfs_spool *s, int64_t org, const char *outbox,
		      const char *name)
{
	int dfd, ret;

	if (!cgfs_spool_args(s, org, outbox, name))
		return -EINVAL;
	ret = open_inflight(s, org, outbox, 0, &dfd);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	return cgfs_spool_remove_in(dfd, name);
}

int cgfs_spool_drop(struct cgfs_spool *s, int64_t org, const char *outbox,
		    const char *name)
{
	int dfd, ret;

	if (!cgfs_spool_args(s, org, outbox, name))
		return -EINVAL;
	ret = cgfs_spool_open_dir(s, org, outbox, 0, &dfd);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	ret = cgfs_spool_remove_in(dfd, name);
	/* The record goes after the draft: a crash in between leaves a record
	 * with no draft, which nothing reads. */
	if (!ret)
		ret = cgfs_spool_unmark(s, org, outbox, name);
	return ret;
}

/* Whether a temporary file belongs to a put of this process that may still
 * be running: `.tmp-<name>-<pid>-<counter>`, read from the end because the
 * name may itself contain '-'. */
int cgfs_spool_tmp_is_ours(const char *tmp)
{
	const char *last, *p;
	char pid[24];
	size_t len;

	last = strrchr(tmp, '-');
	if (!last || last == tmp || !all_digits(last + 1))
		return 0;
	for (p = last - 1; p > tmp && *p != '-'; p--)
		;
	len = (size_t)(last - p - 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	return *p == '-' && len == strlen(pid) && memcmp(p + 1, pid, len) == 0;
}

/* Read the draft name in dfd: 0 with *text (malloc'd, NUL-terminated) and
 * *len; 1 when it is not a draft to report (vanished, a symbolic link, not
 * a regular file, too large); or -errno. */
static int read_draft(int dfd, const char *name, char **text, size_t *len)
{
	int ret = cg_file_read(dfd, name, SPOOL_MAX_FILE, CG_FILE_NOFOLLOW, text, len, NULL);

	if (ret == -ENOENT || ret == -ELOOP || ret == -EINVAL || ret == -EFBIG)
		return 1;
	return ret;
}

static int each_outbox(int dfd, int64_t org, const char *outbox,
		       cgfs_spool_fn fn, void *arg)
{
	struct dirent *de;
	DIR *d;
	int ret = 0;

	d = fdopendir(dfd);
	if (!d) {
		ret = -errno;
		close(dfd);
		return ret;
	}
	for (;;) {
		char *text = NULL;
		size_t len = 0;

		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = errno ? -errno : 0;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strncmp(de->d_name, SPOOL_TMP_PREFIX, strlen(SPOOL_TMP_PREFIX)) == 0) {
			/* Debris of a write interrupted by a crash; the draft's
			 * previous version is still under its own name. */
			if (!cgfs_spool_tmp_is_ours(de->d_name))
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		ret = read_draft(dirfd(d), de->d_name, &text, &len);
		if (ret == 1)
			continue;
		if (ret)
			break;
		ret = fn(arg, org, outbox, de->d_name, text, len);
		free(text);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

int cgfs_spool_walk(int dfd, int (*want)(const char *name, int64_t *id),
		    int (*fn)(int fd, const char *name, int64_t id, void *arg), void *arg)
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
		int64_t id = 0;
		int sub = -1;

		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = errno ? -errno : 0;
			break;
		}
		if (!want(de->d_name, &id))
			continue;
		ret = cgfs_spool_open_subdir(dirfd(d), de->d_name, 0, &sub);
		if (!ret)
			ret = fn(sub, de->d_name, id, arg);
		if (ret == -ENOENT || ret == -ENOTDIR || ret == -ELOOP) {
			ret = 0;      /* gone meanwhile, or not a directory of ours */
			continue;
		}
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

int cgfs_spool_want_org(const char *name, int64_t *org)
{
	return !cgfs_spool_parse_org(name, org);
}

int cgfs_spool_each_org(struct cgfs_spool *s,
			int (*fn)(int fd, const char *name, int64_t org, void *arg), void *arg)
{
	/* A fresh fd each time: fdopendir takes it over, and each walk needs
	 * its own directory offset. */
	int fd = openat(s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return cgfs_spool_walk(fd, cgfs_spool_want_org, fn, arg);
}

struct walk {
	cgfs_spool_fn fn;
	void *arg;
	int64_t org;
};

static int want_outbox(const char *name, int64_t *id)
{
	(void)id;
	return cgfs_spool_valid_outbox(name);
}

static int outbox_dir(int fd, const char *name, int64_t id, void *arg)
{
	struct walk *w = arg;

	(void)id;
	return each_outbox(fd, w->org, name, w->fn, w->arg);
}

static int org_dir(int fd, const char *name, int64_t org, void *arg)
{
	struct walk *w = arg;

	(void)name;
	w->org = org;
	return cgfs_spool_walk(fd, want_outbox, outbox_dir, w);
}

int cgfs_spool_each(struct cgfs_spool *s, cgfs_spool_fn fn, void *arg)
{
	struct walk w = { fn, arg, 0 };

	if (!s || !fn)
		return -EINVAL;
	return cgfs_spool_each_org(s, org_dir, &w);
}
