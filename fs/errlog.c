/* errlog.c - the bounded log of failures behind `/errors` (see errlog.h). */
#include "errlog.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* lock guards everything below it. */
struct cgfs_errlog {
	pthread_mutex_t lock;
	char *lines[CGFS_ERRLOG_LINES];   /* ring, oldest at head */
	size_t head, count;
	size_t bytes;                     /* total length of the kept lines */
	time_t last;
};

struct cgfs_errlog *cgfs_errlog_new(void)
{
	struct cgfs_errlog *l = calloc(1, sizeof(*l));

	if (l)
		pthread_mutex_init(&l->lock, NULL);
	return l;
}

void cgfs_errlog_free(struct cgfs_errlog *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < CGFS_ERRLOG_LINES; i++)
		free(l->lines[i]);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void cgfs_errlog_add(struct cgfs_errlog *l, const char *op, const char *path,
		     const struct cg_error *err)
{
	struct cg_buf line = { 0 };
	time_t now = time(NULL);
	size_t slot;

	if (cgfs_render_error_line(&line, now, op, path, err->http_status, err->err,
				   err->message))
		return;
	/* The line outlives the mount in the log: all but its time, which
	 * the log has its own of. */
	cgfs_log(CGFS_LOG_WARNING, "%s", strchr(line.data, ' ') ? strchr(line.data, ' ') + 1
								 : line.data);
	pthread_mutex_lock(&l->lock);
	if (l->count == CGFS_ERRLOG_LINES) {
		l->bytes -= strlen(l->lines[l->head]);
		free(l->lines[l->head]);
		l->lines[l->head] = NULL;
		l->head = (l->head + 1) % CGFS_ERRLOG_LINES;
		l->count--;
	}
	slot = (l->head + l->count) % CGFS_ERRLOG_LINES;
	l->lines[slot] = line.data;  /* the buffer's data is ours now */
	l->bytes += line.len;
	l->count++;
	l->last = now;
	pthread_mutex_unlock(&l->lock);
}

int cgfs_errlog_render(struct cgfs_errlog *l, struct cg_buf *out)
{
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->count && !ret; i++)
		ret = cg_buf_puts(out, l->lines[(l->head + i) % CGFS_ERRLOG_LINES]);
	pthread_mutex_unlock(&l->lock);
	return ret;
}

void cgfs_errlog_stat(struct cgfs_errlog *l, size_t *size, time_t *mtime)
{
	pthread_mutex_lock(&l->lock);
	*size = l->bytes;
	*mtime = l->last;
	pthread_mutex_unlock(&l->lock);
}
