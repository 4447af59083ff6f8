/* errlog.h - the `/errors` file: a bounded, append-only log of failures.
 *
 * Each line carries the server's own message (DESIGN.md §2):
 *   <time> <op> <path> <http status> <ERRNO> <message>
 * The newest CGFS_ERRLOG_LINES lines are kept; older ones drop off the
 * front (the file then shrinks, which `tail -f` reports as truncation).
 * Each line also goes to the daemon's log (log.h) without its time, so
 * that failures outlive the mount.
 */
#ifndef CGFS_ERRLOG_H
#define CGFS_ERRLOG_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "cg_error.h"
#include "render.h"

#define CGFS_ERRLOG_LINES 1000

struct cgfs_errlog;

/* NULL on allocation failure; free with cgfs_errlog_free (accepts NULL). */
struct cgfs_errlog *cgfs_errlog_new(void);
void cgfs_errlog_free(struct cgfs_errlog *l);

/* Append one failure. */
void cgfs_errlog_add(struct cgfs_errlog *l, const char *op, const char *path,
		     const struct cg_error *err);

/* The whole text into out (appended).  0 or -ENOMEM. */
int cgfs_errlog_render(struct cgfs_errlog *l, struct cg_buf *out);

/* Size of the whole text and the time of the last line (0 if none). */
void cgfs_errlog_stat(struct cgfs_errlog *l, size_t *size, time_t *mtime);

#endif
