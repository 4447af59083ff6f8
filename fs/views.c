/* views.c - the by-status and by-source views of an org's runs (see views.h).
 *
 * by-status/ reads the runs/ window and the runs the cache holds for it,
 * never a run by itself: whatever it shows, listing runs/ had already
 * fetched.  by-source/ needs no code of its own past its list of origins:
 * its runs are a run list kind (SOURCE_RUNS) shown as files.c shows a
 * user's runs.
 */
#include "views.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

/* Each run of the window with its cached status (NULL when the run is not
 * held or has none), newest first, until fn returns non-zero: 0, the
 * window's -errno, or fn's value (> 0: stopped there). */
typedef int (*status_fn)(void *arg, int64_t run, const char *status);

static int each_status(struct cgfs_req *r, status_fn fn, void *arg)
{
	struct cgfs_ids ids = { r->org, CG_NONE, CG_NONE, CG_NONE, NULL };
	struct cgfs_ref list = { 0 };
	int ret = cgfs_obj_get(r->fs, CGFS_RES_RUNS, &ids, &r->ctx, &list);

	for (size_t i = 0; !ret && i < cgfs_list_count(CGFS_RES_RUNS, list.model); i++) {
		struct cgfs_ref run = { 0 };

		ids.run = cgfs_list_id(CGFS_RES_RUNS, list.model, i);
		if (cgfs_obj_peek(r->fs, CGFS_RES_RUN, &ids, &run)) {
			ret = fn(arg, ids.run, NULL);
			continue;
		}
		ret = fn(arg, ids.run, ((const struct cg_run *)run.model)->status);
		cgfs_ref_drop(&run);
	}
	cgfs_ref_drop(&list);
	return ret;
}

struct status_find {
	const char *status;
	int64_t run;        /* CG_NONE: any run with the status */
};

static int find_status(void *arg, int64_t run, const char *status)
{
	const struct status_find *f = arg;

	return status && !strcmp(status, f->status) && (f->run == CG_NONE || f->run == run);
}

int cgfs_check_status(struct cgfs_req *r)
{
	struct status_find f = { r->name, CG_NONE };
	int ret;

	/* A documented status is there, runs or none: `ls by-status/FAILED`
	 * in a script is empty, not an error, when nothing failed. */
	if (cg_run_state_of(r->name) != CG_RUN_UNKNOWN)
		return 0;
	ret = each_status(r, find_status, &f);
	return ret < 0 ? ret : ret ? 0 : -ENOENT;
}

struct status_set {
	const char *names[CGFS_VIEW_MAX_STATUSES];
	size_t n;
};

/* The statuses point into runs no longer held: the set keeps copies in
 * names, freed by the caller. */
static int add_status(void *arg, int64_t run, const char *status)
{
	struct status_set *set = arg;
	char *copy;

	(void)run;
	if (!status || !cgfs_name_usable(status) || set->n == CGFS_VIEW_MAX_STATUSES)
		return 0;
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->names[i], status))
			return 0;
	copy = strdup(status);
	if (!copy)
		return -ENOMEM;
	set->names[set->n++] = copy;
	return 0;
}

int cgfs_list_statuses(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	struct status_set set = { .n = 0 };
	int ret = each_status(r, add_status, &set);

	for (size_t i = 0; !ret && i < set.n; i++)
		ret = add(arg, set.names[i], CGFS_DIR, r->fs->mounted_at, 0, 0);
	for (size_t i = 0; i < set.n; i++)
		free((char *)set.names[i]);
	return ret;
}

int cgfs_check_status_run(struct cgfs_req *r)
{
	struct status_find f = { r->name, r->run };
	int ret = each_status(r, find_status, &f);

	return ret < 0 ? ret : ret ? 0 : -ENOENT;
}

int cgfs_list_status_runs(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	return cgfs_list_run_entries(r, CGFS_RES_RUNS, r->name, add, arg);
}

int cgfs_list_sources(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	const char *name;
	int ret = 0;

	for (size_t i = 0; !ret && (name = cg_source_type_at(i)); i++)
		ret = add(arg, name, CGFS_DIR, r->fs->mounted_at, 0, 0);
	return ret;
}
