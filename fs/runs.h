/* runs.h - the fetch functions of runs and run lists (objects.c's RUN, RUNS
 * and USER_RUNS rows).
 *
 * Runs are where the request economy is won: a finished run never changes
 * and is kept on disk (disk.h); every run of a list page goes into the
 * cache, so reading the files of listed runs costs nothing; and a stale
 * listed run is renewed with the page it sits on, so re-reading the status
 * of every listed run costs a request per 100 runs (docs/SEMANTICS.md,
 * "Requests and freshness").
 */
#ifndef CGFS_RUNS_H
#define CGFS_RUNS_H

#include "objects.h"

/* Fetch run ids->run of org ids->org; prev is the stale copy, or NULL.
 * Its requests end by deadline (cgfs_now seconds; 0: the client's own).
 * 0 and *out, or -errno with err. */
int cgfs_fetch_run(struct cgfs *fs, const struct cgfs_ids *ids, const struct cg_run *prev,
		   struct cg_run *out, double deadline, struct cg_error *err);

/* Renew the runs of the org's list page at skip (the page holding that
 * index), as fetch_run does for a stale listed run: one request.  0 or
 * -errno with err. */
int cgfs_renew_run_page(struct cgfs *fs, int64_t org, int64_t skip, double deadline,
			struct cg_error *err);

/* Fetch the newest --list-window runs of org ids->org (of user ids->user
 * when set, of origin ids->source when set), at most that many whatever a page holds; prev is the stale
 * list, or NULL.  Every page shares deadline.  0 and *out (its own ids
 * array), or -errno with err. */
int cgfs_fetch_run_list(struct cgfs *fs, const struct cgfs_ids *ids,
			const struct cgfs_id_list *prev, struct cgfs_id_list *out,
			double deadline, struct cg_error *err);

#endif
