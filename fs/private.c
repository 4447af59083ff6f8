/* private.c - private directories and atomic replaces (see private.h). */
#include "private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg_auth.h"

char *cgfs_private_xdg_dir(const char *xdg_var, const char *home_sub)
{
	const char *xdg = getenv(xdg_var);
	char *home, *dir;
	size_t size;

	if (xdg && xdg[0] == '/') {
		size = strlen(xdg) + sizeof("/codegen-fs");
		dir = malloc(size);
		if (dir)
			snprintf(dir, size, "%s/codegen-fs", xdg);
		return dir;
	}
	home = cg_home_dir();
	if (!home)
		return NULL;
	size = strlen(home) + 1 + strlen(home_sub) + sizeof("/codegen-fs");
	dir = malloc(size);
	if (dir)
		snprintf(dir, size, "%s/%s/codegen-fs", home, home_sub);
	free(home);
	return dir;
}

int cgfs_private_mkdirs(const char *path)
{
	char *copy, *p;
	int ret = 0;

	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	if (!copy[0])
		goto out_free_copy;
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
				ret = -errno;
				goto out_free_copy;
			}
			*p = c;
		}
		if (*p == '\0')
			break;
	}
out_free_copy:
	free(copy);
	return ret;
}

int cgfs_private_check(const struct stat *st)
{
	if (!S_ISDIR(st->st_mode))
		return -ENOTDIR;
	if (st->st_uid != geteuid())
		return -EPERM;
	if (st->st_mode & 077)
		return -EACCES;
	return 0;
}

int cgfs_private_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int cgfs_private_replace(int dirfd, const char *name, const char *tmp, const char *data,
			 size_t len)
{
	int fd, ret;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = cgfs_private_write_all(fd, data, len);
	if (ret)
		goto out_close_file;
	if (fsync(fd) < 0) {
		ret = -errno;
		goto out_close_file;
	}
	/* close can report a deferred write error (NFS); the rename must not
	 * publish a file whose contents were lost. */
	if (close(fd) < 0) {
		ret = -errno;
		goto out_unlink;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		ret = -errno;
		goto out_unlink;
	}
	/* The rename itself survives a power cut only once the directory is
	 * on disk. */
	return fsync(dirfd) < 0 ? -errno : 0;

out_close_file:
	close(fd);
out_unlink:
	unlinkat(dirfd, tmp, 0);
	return ret;
}
