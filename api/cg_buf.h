/* cg_buf.h - a growable, capped byte buffer.
 *
 * The one buffer of the project: the HTTP response body (cg_http.c), every
 * rendered file (fs/render.h), the logs texts and the outbox drafts.  Its
 * text is always NUL-terminated once it has been allocated, and it never
 * allocates more than its cap, so nothing that grows from network or user
 * input is unbounded.  Knows nothing of FUSE.
 *
 * Declare one zeroed, optionally with a cap: struct cg_buf b = { .cap_limit
 * = N };  The fields may be read directly (data may be NULL while nothing
 * was allocated: cg_buf_data never is); change them only through these
 * functions.  Not thread-safe: the owner's lock guards a buffer.
 */
#ifndef CG_BUF_H
#define CG_BUF_H

#include <stddef.h>

/* The cap when cap_limit is 0. */
#define CG_BUF_DEFAULT_CAP ((size_t)64 << 20)

struct cg_buf {
	char *data;          /* data[len] is '\0' when data is not NULL */
	size_t len;          /* bytes of content */
	size_t cap;          /* bytes allocated (content, NUL and spare room) */
	size_t cap_limit;    /* most bytes ever allocated, NUL included; 0: default */
};

/* Make room for extra more bytes after the content (and the NUL).  The
 * room at data + len is writable, but not content until cg_buf_commit.
 * 0, -EFBIG (the cap would be passed; nothing changes) or -ENOMEM. */
int cg_buf_reserve(struct cg_buf *b, size_t extra);

/* The n bytes written at data + len after a cg_buf_reserve of at least n
 * become content, and are NUL-terminated.  Cannot fail. */
void cg_buf_commit(struct cg_buf *b, size_t n);

/* Append len bytes (s: a C string; NULL appends nothing; printf: a
 * format).  0, -EFBIG or -ENOMEM; on failure the buffer is unchanged. */
int cg_buf_append(struct cg_buf *b, const char *data, size_t len);
int cg_buf_puts(struct cg_buf *b, const char *s);
int cg_buf_printf(struct cg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Set the length to len: cut, or grow with zero bytes.  0, -EFBIG or
 * -ENOMEM (unchanged then). */
int cg_buf_resize(struct cg_buf *b, size_t len);

/* Cut the content to len bytes when it is longer, and write its NUL again
 * (after a reserve whose bytes were not committed).  Cannot fail. */
void cg_buf_truncate(struct cg_buf *b, size_t len);

/* The content, "" while nothing was allocated (never NULL), and its
 * length. */
const char *cg_buf_data(const struct cg_buf *b);
size_t cg_buf_len(const struct cg_buf *b);

/* Hand over the content: a malloc'd, NUL-terminated block the caller
 * frees (a malloc'd "" when empty), its length in *len (len may be NULL).
 * The buffer is left empty with its cap_limit.  NULL when out of memory
 * (the buffer is then unchanged). */
char *cg_buf_take(struct cg_buf *b, size_t *len);

/* Give back the unused capacity of a buffer that is done growing. */
void cg_buf_shrink(struct cg_buf *b);

/* Free the data and zero the buffer (cap_limit is kept); accepts NULL. */
void cg_buf_free(struct cg_buf *b);

#endif
