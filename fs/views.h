/* views.h - orgs/<org>/by-status/ and by-source/: an org's runs grouped by
 * status and by origin, as links to runs/<id> (the functions of their
 * route rows).
 *
 * by-status/ is made from the runs/ window as the cache holds it (each
 * listed run's last seen status): it costs what listing runs/ costs, and
 * no request while runs/ is fresh.  by-source/<SOURCE>/ is the newest
 * --list-window runs of that origin, asked for with the run list's own
 * source_type filter (objects.h SOURCE_RUNS), a request per 100 runs as
 * runs/ is.  docs/SEMANTICS.md, "Views by status and by source".
 */
#ifndef CGFS_VIEWS_H
#define CGFS_VIEWS_H

#include "routes.h"

/* At most this many statuses are told apart in by-status/ (a hostile
 * server could send one per run); runs of the others are left out. */
#define CGFS_VIEW_MAX_STATUSES 64

/* by-status/<STATUS>: 0 for a documented status (DESIGN.md §1; empty when
 * no run of the window has it) and for one a run of the window has;
 * -ENOENT for any other name, or the window's -errno. */
int cgfs_check_status(struct cgfs_req *r);
/* by-status/: the statuses of the window's runs that are usable names
 * (render.h), in the order the newest run of each comes. */
int cgfs_list_statuses(struct cgfs_req *r, cgfs_add_fn add, void *arg);
/* by-status/<STATUS>/<run>: 0 when the run is in the window with that
 * status, else -ENOENT. */
int cgfs_check_status_run(struct cgfs_req *r);
/* by-status/<STATUS>/: the window's runs of that status, newest first. */
int cgfs_list_status_runs(struct cgfs_req *r, cgfs_add_fn add, void *arg);

/* by-source/: every origin the API defines (cg_source_type_at), asking
 * nothing.  Lookup of another name fails in matching (routes.c). */
int cgfs_list_sources(struct cgfs_req *r, cgfs_add_fn add, void *arg);

#endif
