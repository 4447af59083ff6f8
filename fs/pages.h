/* pages.h - the pages of one list fetched at once, and whole lists.
 *
 * Once a list's first page has given its total, the other pages are asked
 * for together (up to CGFS_PAGE_THREADS at a time, each taking its
 * rate-limit token as any request), so a syscall that needs 5 pages waits
 * for about one page's time, not five, within its one deadline (the
 * request's deadline).  Whole lists (orgs, repos, users) are built here
 * from their pages; run lists (runs.c) take their pages their own way.
 */
#ifndef CGFS_PAGES_H
#define CGFS_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include "cg_client.h"
#include "cg_request.h"

#define CGFS_PAGE_THREADS 4

/* The page types of lists share one layout ({meta, items, n}); every item
 * of a whole list starts with its int64_t id. */
struct cgfs_page_layout {
	struct cg_page_meta meta;
	void *items;
	size_t n;
};

/* Pages 1..n-1 of endpoint ep asked for with a (skip = a->skip + i * CGFS_PAGE; limit
 * CGFS_PAGE, or less for the page that reaches upto when upto > 0).  The
 * answers are ep's model; a failed page has rets[i] < 0 and errs[i]. */
struct cgfs_pages {
	size_t n;
	void **pages;              /* [0] unused */
	int *rets;
	struct cg_error *errs;
};

/* Fetch them: 0 and *out (free with cgfs_pages_free, which frees every
 * answer), or -ENOMEM. */
int cgfs_pages_fetch(struct cg_client *c, enum cg_endpoint ep, const struct cg_op_args *a,
		     size_t n, int64_t upto, struct cgfs_pages *out);
void cgfs_pages_free(enum cg_endpoint ep, struct cgfs_pages *p);

/* The limit of the page at skip when a list stops at upto (0: no stop). */
int64_t cgfs_page_limit(int64_t skip, int64_t upto);

/* Every page of the whole list ep (items of elem bytes) asked for with a,
 * gathered into acc (one page of ep's model, zeroed): at most max items;
 * a page is cut to its limit (a server may ignore it), an id seen again is
 * left out (the first wins), and what was left out is counted in
 * acc->meta.left_out.  The first page gives the total; the others come at
 * once.  Without a total, pages follow one another until a short one or
 * one that brings nothing new.  0, or -errno (acc is then empty). */
int cgfs_pages_whole_list(struct cg_client *c, enum cg_endpoint ep, size_t elem, size_t max,
			  struct cg_op_args a, void *acc, struct cg_error *err);

#endif
