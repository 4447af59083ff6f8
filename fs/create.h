/* create.h - sending a draft of an outbox: front matter to a create request.
 *
 * The send function of the outboxes (outbox.h cgfs_ob_send_fn): read the
 * draft's front matter (draft.h), resolve its repo and images, create the
 * run, and make it show at once: the new run is cached (so `cat
 * new/<name>/status` asks nothing) and every run list that can hold it is
 * forgotten (runs/, users/<you>/runs/).  Every create carries the
 * attempt's marker in its metadata; an attempt that may repeat an earlier
 * one with an unknown outcome first looks for that marker among the
 * newest runs of the org and takes the run it finds instead of sending.
 */
#ifndef CGFS_CREATE_H
#define CGFS_CREATE_H

#include <stddef.h>
#include <stdint.h>

#include "outbox.h"

/* How far a resolve looks: this many pages of this many runs, newest
 * first. */
#define CGFS_RESOLVE_PAGES 5
#define CGFS_RESOLVE_PAGE 100

/* arg is the mount's struct cgfs.  0 with *run; -ENODATA when the text
 * holds no prompt (nothing sent); or -errno with the reason in why, also
 * logged to /errors, and at->unknown set when a run may have been created
 * (no answer, a cut-short or malformed answer, a 5xx, or the runs could
 * not be listed to resolve). */
int cgfs_send_draft(void *arg, int64_t org, int64_t repo, const char *name, const char *text,
		    size_t len, struct cgfs_ob_attempt *at, int64_t *run, char *why,
		    size_t why_size);

#endif
