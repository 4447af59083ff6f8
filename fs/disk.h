/* disk.h - the persistent cache of finished runs and their logs.
 *
 * A finished run never changes (DESIGN.md §4), so once seen its JSON and,
 * once complete, its log entries are kept under
 * $XDG_CACHE_HOME/codegen-fs (else ~/.cache/codegen-fs); a remount reads
 * them with no request.  One subdirectory per API host and user keeps
 * accounts apart; in it one SQLite database, cache.db (WAL mode), holds
 * every entry.  Private: directories 0700, files 0600.  A put or a drop
 * only enqueues: a background thread writes the queue in batches, one
 * transaction each, so a kill -9 loses at most the last batches, never the
 * database.  Reads see what was put at once (pending entries first, then
 * the database).  A failure to write is not an error for the caller: the
 * cache only saves requests.  No FUSE, no network.
 */
#ifndef CGFS_DISK_H
#define CGFS_DISK_H

#include <stddef.h>
#include <stdint.h>

struct cgfs_disk;

enum cgfs_disk_kind {
	CGFS_DISK_RUN,    /* the run object as the server sent it */
	CGFS_DISK_LOGS,   /* every log entry, one compact JSON per line */
};

/* $XDG_CACHE_HOME/codegen-fs (absolute only) else $HOME/.cache/codegen-fs;
 * malloc'd, or NULL. */
char *cgfs_disk_default_dir(void);

/* "<host>-u<user>": the subdirectory of one API host and user (also the
 * spool's, main.c). */
void cgfs_account_label(const char *base_url, int64_t user_id, char *out, size_t size);

/* Open the cache under dir for this API base URL and user id, creating it
 * (0700).  NULL with the reason in why when it cannot be used. */
struct cgfs_disk *cgfs_disk_open(const char *dir, const char *base_url, int64_t user_id,
				 char *why, size_t why_size);
void cgfs_disk_close(struct cgfs_disk *d);

/* What waits to be written is memory too: at most an eighth of
 * memory_bound (--cache-mb), between 1 and 128 MiB; a put past it waits
 * for the writer, up to a second. */
void cgfs_disk_bound(struct cgfs_disk *d, size_t memory_bound);

/* Read an entry: 0 with *data (malloc'd, NUL-terminated) and *len, or
 * -ENOENT (absent), other -errno. */
int cgfs_disk_get(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		  char **data, size_t *len);

/* 1 when an entry exists. */
int cgfs_disk_has(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run);

/* Store a copy of an entry (replacing), written later by the background
 * thread.  0, or -EAGAIN when the queue is full (the entry is then not
 * kept), -EFBIG, -ENOMEM, -EIO (the database cannot be opened). */
int cgfs_disk_put(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		  const char *data, size_t len);

/* Forget an entry (the run changed through this mount); queued like a put,
 * never refused for a full queue. */
void cgfs_disk_drop(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run);

#endif
