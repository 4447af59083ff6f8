/* disk.c - the persistent cache of finished runs (see disk.h). */
#include "disk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg_file.h"
#include "private.h"

#define MAX_ENTRY (64u << 20)

/* lock guards counter; root is fixed after open. */
struct cgfs_disk {
	char *root;               /* <dir>/<host>-u<user> */
	pthread_mutex_t lock;
	unsigned long counter;    /* unique temporary names */
};

char *cgfs_disk_default_dir(void)
{
	return cgfs_private_xdg_dir("XDG_CACHE_HOME", ".cache");
}

/* The host part of a base URL, with anything but [A-Za-z0-9.-] as '_'. */
static void host_label(const char *url, char *out, size_t size)
{
	const char *p = strstr(url, "://");
	size_t n = 0;

	p = p ? p + 3 : url;
	for (; *p && *p != '/' && n + 1 < size; p++) {
		char c = *p;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-';

		out[n++] = plain ? c : '_';
	}
	out[n] = '\0';
}

void cgfs_account_label(const char *base_url, int64_t user_id, char *out, size_t size)
{
	char host[256];

	host_label(base_url, host, sizeof(host));
	snprintf(out, size, "%s-u%" PRId64, host, user_id);
}

struct cgfs_disk *cgfs_disk_open(const char *dir, const char *base_url, int64_t user_id,
				 char *why, size_t why_size)
{
	struct cgfs_disk *d;
	struct stat st;
	char host[256];
	size_t size;
	int ret;

	if (!dir || !base_url) {
		snprintf(why, why_size, "no cache directory");
		return NULL;
	}
	host_label(base_url, host, sizeof(host));
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	size = strlen(dir) + strlen(host) + 32;
	d->root = malloc(size);
	if (!d->root)
		goto out_free;
	snprintf(d->root, size, "%s/%s-u%" PRId64, dir, host, user_id);
	ret = cgfs_private_mkdirs(d->root);
	if (ret || stat(dir, &st) < 0 || cgfs_private_check(&st)) {
		snprintf(why, why_size, "cache directory %s is not usable (it must be a "
			 "directory of yours with mode 700)", dir);
		goto out_free;
	}
	pthread_mutex_init(&d->lock, NULL);
	return d;
out_free:
	free(d->root);
	free(d);
	return NULL;
}

void cgfs_disk_close(struct cgfs_disk *d)
{
	if (!d)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->root);
	free(d);
}

static const char *kind_name(enum cgfs_disk_kind kind)
{
	return kind == CGFS_DISK_LOGS ? "logs.jsonl" : "json";
}

static void entry_path(const struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org,
		       int64_t run, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%" PRId64 "/%" PRId64 ".%s", d->root, org, run, kind_name(kind));
}

int cgfs_disk_has(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run)
{
	char path[4096];

	if (!d)
		return 0;
	entry_path(d, kind, org, run, path, sizeof(path));
	return access(path, R_OK) == 0;
}

int cgfs_disk_get(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		  char **data, size_t *len)
{
	char path[4096];
	int ret;

	if (!d)
		return -ENOENT;
	entry_path(d, kind, org, run, path, sizeof(path));
	ret = cg_file_read(AT_FDCWD, path, MAX_ENTRY, CG_FILE_NOFOLLOW, data, len, NULL);
	/* Not a file this cache wrote. */
	return ret == -EFBIG ? -EINVAL : ret;
}

int cgfs_disk_put(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		  const char *data, size_t len)
{
	char dir[4096], name[64], tmp[128];
	unsigned long n;
	int dfd, ret;

	if (!d)
		return 0;
	snprintf(dir, sizeof(dir), "%s/%" PRId64, d->root, org);
	ret = cgfs_private_mkdirs(dir);
	if (ret)
		return ret;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	pthread_mutex_lock(&d->lock);
	n = d->counter++;
	pthread_mutex_unlock(&d->lock);
	snprintf(name, sizeof(name), "%" PRId64 ".%s", run, kind_name(kind));
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-%lu", name, (long)getpid(), n);
	ret = cgfs_private_replace(dfd, name, tmp, data, len);
	close(dfd);
	return ret;
}

void cgfs_disk_drop(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run)
{
	char path[4096];

	if (!d)
		return;
	entry_path(d, kind, org, run, path, sizeof(path));
	unlink(path);
}
