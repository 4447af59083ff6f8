/* cg_buf.c - the growable, capped byte buffer (see cg_buf.h). */
#include "cg_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_CAP 256

static size_t limit_of(const struct cg_buf *b)
{
	return b->cap_limit ? b->cap_limit : CG_BUF_DEFAULT_CAP;
}

/* Doubling, so that appending n bytes one at a time costs O(n); the
 * allocation never exceeds the cap. */
int cg_buf_reserve(struct cg_buf *b, size_t extra)
{
	size_t limit = limit_of(b);
	size_t need, cap;
	char *data;

	if (extra > SIZE_MAX - 1 - b->len)
		return -EFBIG;
	need = b->len + extra + 1;
	if (b->data && need <= b->cap)
		return 0;
	if (need > limit)
		return -EFBIG;
	cap = b->cap ? b->cap : BUF_MIN_CAP;
	while (cap < need && cap <= limit / 2)
		cap *= 2;
	if (cap < need || cap > limit)
		cap = limit;
	data = realloc(b->data, cap);
	if (!data)
		return -ENOMEM;
	if (!b->data)
		data[0] = '\0';
	b->data = data;
	b->cap = cap;
	return 0;
}

void cg_buf_commit(struct cg_buf *b, size_t n)
{
	if (!b->data)
		return;
	b->len += n;
	b->data[b->len] = '\0';
}

int cg_buf_append(struct cg_buf *b, const char *data, size_t len)
{
	int ret;

	if (!len)
		return 0;
	ret = cg_buf_reserve(b, len);
	if (ret)
		return ret;
	memcpy(b->data + b->len, data, len);
	cg_buf_commit(b, len);
	return 0;
}

int cg_buf_puts(struct cg_buf *b, const char *s)
{
	return s ? cg_buf_append(b, s, strlen(s)) : 0;
}

int cg_buf_printf(struct cg_buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	int n, ret;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n <= 0) {
		ret = n < 0 ? -EINVAL : 0;
		goto out_end;
	}
	ret = cg_buf_reserve(b, (size_t)n);
	if (ret)
		goto out_end;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
	b->len += (size_t)n;
out_end:
	va_end(ap2);
	va_end(ap);
	return ret;
}

int cg_buf_resize(struct cg_buf *b, size_t len)
{
	int ret;

	if (len <= b->len) {
		cg_buf_truncate(b, len);
		return 0;
	}
	ret = cg_buf_reserve(b, len - b->len);
	if (ret)
		return ret;
	memset(b->data + b->len, 0, len - b->len);
	cg_buf_commit(b, len - b->len);
	return 0;
}

void cg_buf_truncate(struct cg_buf *b, size_t len)
{
	if (!b->data)
		return;
	if (len < b->len)
		b->len = len;
	b->data[b->len] = '\0';
}

const char *cg_buf_data(const struct cg_buf *b)
{
	return b->data ? b->data : "";
}

size_t cg_buf_len(const struct cg_buf *b)
{
	return b->len;
}

char *cg_buf_take(struct cg_buf *b, size_t *len)
{
	char *data = b->data ? b->data : strdup("");
	size_t n = b->len;

	if (!data)
		return NULL;
	b->data = NULL;
	cg_buf_free(b);
	if (len)
		*len = n;
	return data;
}

void cg_buf_shrink(struct cg_buf *b)
{
	char *data;

	if (!b->data || b->cap <= b->len + 1)
		return;
	data = realloc(b->data, b->len + 1);
	if (data) {             /* else keep the larger block: still valid */
		b->data = data;
		b->cap = b->len + 1;
	}
}

void cg_buf_free(struct cg_buf *b)
{
	size_t limit;

	if (!b)
		return;
	limit = b->cap_limit;
	free(b->data);
	memset(b, 0, sizeof(*b));
	b->cap_limit = limit;
}
