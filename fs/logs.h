/* logs.h - the `logs` and `logs.jsonl` files of runs: append-only text.
 *
 * A run's log entries are rendered once, as they arrive, into both files'
 * text, which only ever grows while the run lives.  Logs of a finished run
 * are fetched once (all pages).  A live run's logs are fetched
 * incrementally (skip = entries held), and only while a reader has one of
 * the files open, at most every logs_ttl seconds (DESIGN.md §4).
 */
#ifndef CGFS_LOGS_H
#define CGFS_LOGS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "fs.h"

struct cgfs_logs_table;

struct cgfs_logs_table *cgfs_logs_table_new(void);
void cgfs_logs_table_free(struct cgfs_logs_table *t);

/* A reader opened (delta 1) or closed (delta -1) logs or logs.jsonl. */
void cgfs_logs_readers(struct cgfs *fs, int64_t org, int64_t run, int delta);

/* Bring a run's logs up to date as the policy above allows, and report the
 * sizes of both texts and their mtime.  Errors (no text held yet and the
 * fetch failed) are -errno, logged with ctx; with text held a failed
 * refresh is logged and the held text is reported. */
int cgfs_logs_sync(struct cgfs *fs, int64_t org, int64_t run, const struct cgfs_ctx *ctx,
		   size_t *text_size, size_t *jsonl_size, time_t *mtime);

/* Without fetching: when nobody has the run's logs open, 0 with the sizes
 * of the texts held (0 before the first fetch) and their mtime; when a
 * reader has them open, 1 and nothing filled (the caller syncs).  So a
 * stat from `ls -l` or `find` downloads no logs, and an open file's size is
 * exact. */
int cgfs_logs_peek(struct cgfs *fs, int64_t org, int64_t run, size_t *text_size,
		   size_t *jsonl_size, time_t *mtime);

/* Copy up to size bytes at off of the text (jsonl=0) or the jsonl text
 * into buf; returns the count (0 at the end).  At the end of what is held
 * of a finished run whose last fetch failed before the log's end, the
 * fetch's -errno instead: a reader never mistakes a prefix for the whole
 * log.  Does not fetch. */
ssize_t cgfs_logs_read(struct cgfs *fs, int64_t org, int64_t run, int jsonl,
		       char *buf, size_t size, off_t off);

/* The run came back to life (resumed, refreshed): its logs may grow
 * again, so stop treating them as complete. */
void cgfs_logs_reopen(struct cgfs *fs, int64_t org, int64_t run);

/* Are the logs held complete (a finished run, every entry held)?  Then
 * neither text changes until cgfs_logs_reopen.  Does not fetch. */
int cgfs_logs_complete(struct cgfs *fs, int64_t org, int64_t run);

/* The follower: a thread that, every logs_ttl, brings up to date the logs
 * of live runs that a reader has open, and calls grew() for each that
 * grew, so the kernel can drop its cached size at once (a `tail -f` then
 * sees new lines within about a second instead of two).  0 or -errno. */
int cgfs_logs_follow_start(struct cgfs *fs,
			   void (*grew)(struct cgfs *fs, int64_t org, int64_t run));
/* Stop and join the follower; safe when it was never started. */
void cgfs_logs_follow_stop(struct cgfs *fs);

#endif
