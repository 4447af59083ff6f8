/* fs.h - the state of one mount, shared by every FUSE handler.
 *
 * One struct cgfs is the FUSE session's userdata; it owns
 * the API client and the caches.  Nothing else in fs/ is global but the
 * log's sink (log.h), which is the process's, as syslog(3)'s is.
 */
#ifndef CGFS_FS_H
#define CGFS_FS_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cg_client.h"

struct fuse_session;
struct cgfs_disk;
struct cgfs_nodes;
struct cgfs_outbox;
struct cgfs_cache;
struct cgfs_logs_table;
struct cgfs_errlog;
struct cgfs_answers;
struct cgfs_notify;
struct cgfs_events;

struct cgfs_config {
	int64_t list_window;     /* runs listed by runs/ */
	double run_ttl;          /* unfinished runs */
	double logs_ttl;         /* incremental log fetches while read */
	double list_ttl;         /* run lists */
	double meta_ttl;         /* orgs, repos, users, integrations, ... */
	double missing_ttl;      /* ids the server does not know */
	double deadline;         /* seconds one syscall waits for an answer (0: no own bound) */
	size_t cache_bytes;      /* bound of the API objects held in memory (cache.h) */
};

struct cgfs {
	struct cgfs_config cfg;
	struct cg_client *client;       /* thread-safe */
	struct cgfs_cache *cache;       /* thread-safe */
	struct cgfs_logs_table *logs;   /* thread-safe */
	struct cgfs_errlog *errors;     /* thread-safe */
	struct fuse_session *se;        /* set once mounted; for invalidations */
	struct cgfs_nodes *nodes;       /* inode numbers; thread-safe */
	struct cgfs_outbox *outbox;     /* drafts of every new/; thread-safe */
	struct cgfs_disk *disk;         /* finished runs on disk, or NULL; thread-safe */
	struct cgfs_answers *answers;   /* what control files answered; thread-safe */
	uid_t uid;                      /* the mounting user: owner-only rows are theirs */
	gid_t gid;
	int shared;                     /* -o allow_other: other uids reach the mount */
	time_t mounted_at;
	struct cgfs_notify *notify;     /* the service manager, or NULL; read-only */
	struct cgfs_events *events;     /* the orgs' feeds of run changes, or NULL; thread-safe */
	struct cgfs_wholes *wholes;     /* whole forms of slim runs, or NULL; thread-safe */
};

/* Where a failure happened, for the `errors` file. */
struct cgfs_ctx {
	const char *op;     /* "getattr", "read", ... */
	const char *path;
	double deadline;    /* monotonic seconds (cgfs_now) the caller waits until; 0: none */
};

#endif
