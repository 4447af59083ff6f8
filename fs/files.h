/* files.h - the content of the tree's nodes: the functions of the route rows.
 *
 * Most files are one field of one API object in one format: such a row
 * names its object kind, the field and the format, and cgfs_file_field
 * renders it (a new file in a run directory is one row).  The rest are
 * here too: directories that list ids (orgs, runs, repos, users, an
 * outbox's names) and check them, the logs, the mount's own files
 * (README, errors, stats), the answers of control files, and the links.
 */
#ifndef CGFS_FILES_H
#define CGFS_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "routes.h"

/* A field row: the row's object (r->route->res), field and format. */
int cgfs_file_field(struct cgfs_req *r, struct cg_buf *out);

/* Checks of rows ending in an id: does the row's object exist?  A run's
 * directory also takes the run's created_at as its mtime. */
int cgfs_check_object(struct cgfs_req *r);
int cgfs_check_run(struct cgfs_req *r);
/* A run in the row's run list (users/<id>/runs/, by-source/<S>/). */
int cgfs_check_listed_run(struct cgfs_req *r);
/* Lists of id directories: the ids of the row's object's list. */
int cgfs_list_items(struct cgfs_req *r, cgfs_add_fn add, void *arg);
/* runs/ and the run lists of link rows (the row's res: users/<id>/runs/,
 * by-source/<S>/): the newest runs, dirs or links, each with its cached
 * run's mtime. */
int cgfs_list_runs(struct cgfs_req *r, cgfs_add_fn add, void *arg);
/* The same for run list kind, leaving out, when status is set, the runs
 * whose cached copy has another status or is not held (by-status/<S>/).
 * 0 or the list's -errno. */
int cgfs_list_run_entries(struct cgfs_req *r, enum cgfs_res kind, const char *status,
			  cgfs_add_fn add, void *arg);
/* A link row's run (users/<id>/runs/<run>, by-status/<S>/<run>, ...):
 * the link to orgs/<org>/runs/<run>, relative ("../../../runs/<run>");
 * its mtime is the run's when it is held. */
int cgfs_link_run(struct cgfs_req *r, struct cg_buf *out);

/* /orgs/<name> -> <id>. */
int cgfs_check_orgname(struct cgfs_req *r);
int cgfs_list_orgnames(struct cgfs_req *r, cgfs_add_fn add, void *arg);
int cgfs_link_orgname(struct cgfs_req *r, struct cg_buf *out);

/* An outbox's names (outbox.h): drafts, receipts (links), error files. */
int cgfs_check_entry(struct cgfs_req *r);
int cgfs_list_entries(struct cgfs_req *r, cgfs_add_fn add, void *arg);
int cgfs_entry_size(struct cgfs_req *r, size_t *size);
int cgfs_link_receipt(struct cgfs_req *r, struct cg_buf *out);

/* logs (arg 0) and logs.jsonl (arg 1): sizes without downloading unless
 * open (logs.h), and reads at an offset. */
int cgfs_logs_size(struct cgfs_req *r, size_t *size);
ssize_t cgfs_logs_read_at(struct cgfs_req *r, char *buf, size_t size, off_t off);
/* The logs of (org, run) grew: make the kernel drop the two files' cached
 * sizes (the follower's callback, logs.h). */
void cgfs_logs_grew(struct cgfs *fs, int64_t org, int64_t run);

/* Can the content and size of r's file not change now: a field of a
 * finished run (status, summary, run.json, prs, ...), or logs and
 * logs.jsonl once complete?  From what is held; never a request.  Such a
 * file may be served from the kernel's page cache (ops.c); a command on
 * the run makes it live again (frozen.h). */
int cgfs_req_frozen(struct cgfs_req *r);

/* events (arg 0) and events.jsonl (arg 1) of an org: what the feed holds
 * (events.h); never a request. */
int cgfs_events_size(struct cgfs_req *r, size_t *size);
ssize_t cgfs_events_read_at(struct cgfs_req *r, char *buf, size_t size, off_t off);
/* The feed of org grew: make the kernel drop the two files' cached sizes
 * (the watcher's callback, events.h). */
void cgfs_events_grew(struct cgfs *fs, int64_t org);

/* The mount's own files. */
int cgfs_file_readme(struct cgfs_req *r, struct cg_buf *out);
int cgfs_file_errors(struct cgfs_req *r, struct cg_buf *out);
int cgfs_file_stats(struct cgfs_req *r, struct cg_buf *out);
/* A run's `error`: the last failure met about it. */
int cgfs_file_run_error(struct cgfs_req *r, struct cg_buf *out);
/* A control file reads as empty. */
int cgfs_file_nothing(struct cgfs_req *r, struct cg_buf *out);
/* ctl.out, setup-commands: the answer kept in slot r->route->arg. */
int cgfs_file_answer(struct cgfs_req *r, struct cg_buf *out);

#endif
