/* events.h - orgs/<org>/events and events.jsonl: a live feed of run changes.
 *
 * Every run the mount receives from the API (a list page, a GET, the answer
 * to a create) is shown to the feed of its org, which compares it with what
 * it knew of that run and appends one line per change: a new run, a status
 * change, a new PR (docs/SEMANTICS.md "Watching runs" has the exact line
 * formats).  Both files only ever grow, and their offsets never move, so
 * `tail -f` follows them.  No request is made for the feed while nobody
 * has one of its files open; while someone has, the watcher keeps the
 * working runs of the org's list window fresh at --list-ttl: the newest
 * page (where new runs appear) and each other page that holds a working
 * run, one request each per --list-ttl.
 *
 * Memory is bounded: a feed holds at most `keep` events (older ones are
 * dropped; their bytes then read as '\n') and remembers at most
 * CGFS_EVENTS_RUNS runs (the least recently seen are forgotten).
 */
#ifndef CGFS_EVENTS_H
#define CGFS_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "fs.h"

/* Events a feed holds by default, and runs it remembers. */
#define CGFS_EVENTS_KEEP 10000
#define CGFS_EVENTS_RUNS 20000

struct cgfs_events;

/* A table of feeds, each holding at most keep events (0: the default).
 * NULL when out of memory; free with cgfs_events_free (accepts NULL). */
struct cgfs_events *cgfs_events_new(size_t keep);
void cgfs_events_free(struct cgfs_events *ev);

/* How the mount came to see a run. */
enum cgfs_seen {
	CGFS_SEEN_LISTED,    /* on a page of the org's newest runs (runs/) */
	CGFS_SEEN_OTHER,     /* by id, in a user's list, from the disk cache */
	CGFS_SEEN_CREATED,   /* the answer to a create through this mount */
};

/* The mount saw run of org, as the API sent it: append what changed since
 * the feed last saw it.  A run the feed does not know is new when it was
 * created here, or listed once the org is primed; otherwise it is only
 * remembered.  Nothing is appended when fs->events is NULL. */
void cgfs_events_saw_run(struct cgfs *fs, int64_t org, const struct cg_run *run,
			 enum cgfs_seen how);

/* The org's newest runs were listed in full: from now on a listed run the
 * feed does not know is a new run (the first listing is no news). */
void cgfs_events_primed(struct cgfs *fs, int64_t org);

/* A reader opened (delta 1) or closed (delta -1) events or events.jsonl;
 * the first one wakes the watcher. */
void cgfs_events_readers(struct cgfs *fs, int64_t org, int delta);

/* The size of the text (jsonl 0) or jsonl feed, every byte it ever held,
 * and the time of its last event (0 when none).  Never fetches. */
void cgfs_events_stat(struct cgfs *fs, int64_t org, int jsonl, size_t *size, time_t *mtime);

/* Copy up to size bytes at off of a feed into buf: the count (0 at the
 * end).  Bytes of dropped events read as '\n'.  Never fetches. */
ssize_t cgfs_events_read(struct cgfs *fs, int64_t org, int jsonl, char *buf, size_t size,
			 off_t off);

/* The watcher: a thread that keeps fresh the working runs of every org
 * whose feed is open (see above) and calls grew() when a feed open there
 * grew, so that the kernel drops its cached size.  0 or -errno. */
int cgfs_events_watch_start(struct cgfs *fs, void (*grew)(struct cgfs *fs, int64_t org));
/* Stop and join it; safe when it was never started. */
void cgfs_events_watch_stop(struct cgfs *fs);

#endif
