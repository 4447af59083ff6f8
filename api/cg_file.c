/* cg_file.c - a capped whole-file read (see cg_file.h). */
#include "cg_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cg_file_read(int dirfd, const char *path, size_t max, unsigned flags, char **data,
		 size_t *len, mode_t *mode)
{
	struct stat st;
	size_t size, got = 0;
	char *buf;
	int fd, ret = 0;

	if (mode)
		*mode = 0;
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer forever; fstat then refuses it.  No effect on regular files. */
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
		    (flags & CG_FILE_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out_close;
	}
	if (mode)
		*mode = st.st_mode;
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		ret = -EINVAL;
		goto out_close;
	}
	if ((flags & CG_FILE_PRIVATE) && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		ret = -EPERM;
		goto out_close;
	}
	if ((unsigned long long)st.st_size > max) {
		ret = -EFBIG;
		goto out_close;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			/* It may be a secret (the token file). */
			explicit_bzero(buf, got);
			free(buf);
			goto out_close;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
out_close:
	close(fd);
	return ret;
}
