/* draft.c - what a prompt file in an outbox (`new/`) asks for (see draft.h).
 *
 * Kept free of FUSE and the network so that the front matter grammar, the
 * scratch-name rules and the image encoding can be tested byte for byte;
 * the outbox calls these at commit time and shows `why` to the user.
 */
#include "draft.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "draft_yaml.h"
#include "render.h"

#define IMAGE_MAX	((off_t)10 << 20)
static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trailing blanks and CR: a draft saved by a Windows editor ends its lines
 * in CRLF, and the front matter must read the same. */
static size_t rtrim(const char *p, size_t n)
{
	while (n && (is_blank(p[n - 1]) || p[n - 1] == '\r'))
		n--;
	return n;
}

static int is_fence(const char *p, size_t n)
{
	return rtrim(p, n) == 3 && memcmp(p, "---", 3) == 0;
}

/* The line starting at off: its length without the '\n', and the offset
 * of the next line (len when this one is the last). */
static size_t line_at(const char *text, size_t len, size_t off, size_t *next)
{
	const char *nl = memchr(text + off, '\n', len - off);

	if (!nl) {
		*next = len;
		return len - off;
	}
	*next = (size_t)(nl - text) + 1;
	return (size_t)(nl - (text + off));
}

static char *dup_bytes(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int only_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)p[i]))
			return 0;
	return 1;
}

/* The front matter whose first line starts at start, into d; *prompt is
 * the offset after its closing line.  The closing line is looked for
 * first, so a forgotten one is named as such rather than as a bad line of
 * prompt text. */
static int front_matter(struct cgfs_draft *d, const char *text, size_t len, size_t start,
			size_t *prompt, char *why, size_t why_size)
{
	size_t off, next, n, end = len;
	int ret;

	for (off = start; off < len; off = next) {
		n = line_at(text, len, off, &next);
		if (is_fence(text + off, n)) {
			end = off;
			break;
		}
	}
	if (end == len) {
		cgfs_set_why(why, why_size, "front matter: no closing '---' line");
		return -EINVAL;
	}
	ret = cgfs_draft_yaml(d, text + start, end - start, 2, why, why_size);
	if (ret)
		return ret;
	line_at(text, len, end, prompt);
	return 0;
}

int cgfs_draft_parse(const char *text, size_t len, struct cgfs_draft *out,
		     char *why, size_t why_size)
{
	struct cgfs_draft d = { 0 };
	size_t off = 0, next, n;
	const char *nul;
	int ret;

	if (!text) {
		text = "";
		len = 0;
	}
	if (len) {
		n = line_at(text, len, 0, &next);
		if (is_fence(text, n)) {
			ret = front_matter(&d, text, len, next, &off, why, why_size);
			if (ret)
				goto out_free;
		}
	}

	if (only_space(text + off, len - off)) {
		cgfs_set_why(why, why_size, off ? "no prompt after the front matter"
					       : "the prompt is empty");
		ret = -ENODATA;
		goto out_free;
	}
	nul = memchr(text + off, '\0', len - off);
	if (nul) {
		cgfs_set_why(why, why_size, "the prompt holds a NUL byte at offset %zu",
			(size_t)(nul - (text + off)));
		ret = -EINVAL;
		goto out_free;
	}
	d.prompt = dup_bytes(text + off, len - off);
	if (!d.prompt) {
		cgfs_set_why(why, why_size, "out of memory");
		ret = -ENOMEM;
		goto out_free;
	}
	*out = d;
	return 0;

out_free:
	cgfs_draft_free(&d);
	return ret;
}

void cgfs_draft_free(struct cgfs_draft *d)
{
	if (!d)
		return;
	free(d->prompt);
	free(d->repo);
	free(d->model);
	free(d->agent_type);
	free(d->metadata);
	for (size_t i = 0; i < d->n_images; i++)
		free(d->images[i]);
	free(d->images);
	memset(d, 0, sizeof(*d));
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);

	return n >= sn && !memcmp(s + n - sn, suffix, sn);
}

int cgfs_draft_is_scratch(const char *name)
{
	size_t n;

	/* nothing nameless is a draft */
	if (!name || !name[0])
		return 1;
	n = strlen(name);
	if (name[0] == '.' || name[n - 1] == '~')
		return 1;
	if (n >= 2 && name[0] == '#' && name[n - 1] == '#')
		return 1;
	if (n >= 4 && !memcmp(name + n - 4, ".sw", 3))
		return 1;
	/* VS Code's atomic save; JetBrains' "safe write" */
	return ends_with(name, n, ".vsctmp") || ends_with(name, n, "___jb_tmp___") ||
	       ends_with(name, n, "___jb_old___");
}

int cgfs_draft_is_held(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > strlen(CGFS_DRAFT_HELD_SUFFIX) && ends_with(name, n, CGFS_DRAFT_HELD_SUFFIX) &&
	       !cgfs_draft_is_scratch(name);
}

static const char *image_type(const unsigned char *b, size_t n)
{
	static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	static const unsigned char jpeg[3] = { 0xff, 0xd8, 0xff };

	if (n >= sizeof(png) && !memcmp(b, png, sizeof(png)))
		return "png";
	if (n >= sizeof(jpeg) && !memcmp(b, jpeg, sizeof(jpeg)))
		return "jpeg";
	if (n >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
		return "gif";
	if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
		return "webp";
	return NULL;
}

/* RFC 4648 base64 with padding of n bytes: 4 * ((n + 2) / 3) chars and a
 * NUL into out. */
static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
		*out++ = abc[v >> 6 & 63];
		*out++ = abc[v & 63];
	}
	if (n - i == 1) {
		*out++ = abc[in[i] >> 2];
		*out++ = abc[(in[i] & 3) << 4];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		*out++ = abc[in[i] >> 2];
		*out++ = abc[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*out++ = abc[(in[i + 1] & 15) << 2];
		*out++ = '=';
	}
	*out = '\0';
}

static void why_errno(char *why, size_t why_size, const char *path, int err)
{
	char buf[128];

	cgfs_set_why(why, why_size, "image '%s': %s", path, strerror_r(err, buf, sizeof(buf)));
}

/* Open the image path names, a relative one in dir: fd, or -errno with
 * why.  The daemon's own rights apply, as for an absolute path. */
static int open_in(const char *dir, const char *path, char *why, size_t why_size)
{
	char full[PATH_MAX];
	const char *name = path;
	int fd;

	if (path[0] != '/') {
		if (!dir) {
			cgfs_set_why(why, why_size, "image '%s': a relative path, and the working "
				     "directory of the process that wrote the draft is not known "
				     "(write the draft again, or give an absolute path)", path);
			return -EINVAL;
		}
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, path) >= sizeof(full)) {
			why_errno(why, why_size, path, ENAMETOOLONG);
			return -ENAMETOOLONG;
		}
		name = full;
	}
	/* O_NONBLOCK: a FIFO given as an image must be refused, not block
	 * the FUSE thread in open() */
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;

		if (name == path) {
			why_errno(why, why_size, path, err);
		} else {
			char buf[128];

			cgfs_set_why(why, why_size, "image '%s' (in %s): %s", path, dir,
				     strerror_r(err, buf, sizeof(buf)));
		}
		return -err;
	}
	return fd;
}

int cgfs_image_data_uri(const char *dir, const char *path, char **uri, char *why,
			size_t why_size)
{
	unsigned char *data;
	const char *type;
	struct stat st;
	size_t size, got = 0, prefix, total;
	ssize_t r;
	char *s;
	int fd, ret;

	fd = open_in(dir, path, why, why_size);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		ret = -errno;
		why_errno(why, why_size, path, -ret);
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		cgfs_set_why(why, why_size, "image '%s': not a regular file", path);
		ret = -EINVAL;
		goto out_close;
	}
	if (st.st_size > IMAGE_MAX) {
		cgfs_set_why(why, why_size, "image '%s': larger than 10 MiB", path);
		ret = -EFBIG;
		goto out_close;
	}
	size = (size_t)st.st_size;
	data = malloc(size ? size : 1);
	if (!data) {
		cgfs_set_why(why, why_size, "out of memory");
		ret = -ENOMEM;
		goto out_close;
	}
	/* a file that shrinks meanwhile is taken as it is; one that grows is
	 * cut at the size checked above */
	while (got < size) {
		r = read(fd, data + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			why_errno(why, why_size, path, -ret);
			goto out_free_data;
		}
		if (!r)
			break;
		got += (size_t)r;
	}

	type = image_type(data, got);
	if (!type) {
		cgfs_set_why(why, why_size, "image '%s': not a PNG, JPEG, GIF or WEBP file", path);
		ret = -EINVAL;
		goto out_free_data;
	}
	prefix = strlen("data:image/;base64,") + strlen(type);
	total = prefix + 4 * ((got + 2) / 3) + 1;
	s = malloc(total);
	if (!s) {
		cgfs_set_why(why, why_size, "out of memory");
		ret = -ENOMEM;
		goto out_free_data;
	}
	snprintf(s, total, "data:image/%s;base64,", type);
	base64(data, got, s + prefix);
	*uri = s;
	ret = 0;

out_free_data:
	free(data);
out_close:
	close(fd);
	return ret;
}
