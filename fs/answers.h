/* answers.h - what the mount's own commands answered: local state, not API objects.
 *
 * An org's `ctl.out` holds the answer of its last command (a Slack connect
 * token, the run an analysis started); a repo's `setup-commands` reads as
 * the run its last write started.  These are not copies of anything the
 * server can be asked for again, so they live here, not in the TTL cache
 * (which may drop what it holds).  Kept in memory for the mount's life.
 * Thread-safe.
 */
#ifndef CGFS_ANSWERS_H
#define CGFS_ANSWERS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "render.h"

enum cgfs_answer {
	CGFS_ANSWER_NONE,
	CGFS_ANSWER_CTL_OUT,      /* per org */
	CGFS_ANSWER_SETUP,        /* per org and repo */
};

struct cgfs_answers;

struct cgfs_answers *cgfs_answers_new(void);
void cgfs_answers_free(struct cgfs_answers *a);   /* accepts NULL */

/* Keep text as the answer of (slot, org, repo), replacing the last one.
 * 0 or -ENOMEM. */
int cgfs_answers_set(struct cgfs_answers *a, enum cgfs_answer slot, int64_t org, int64_t repo,
		     const char *text, size_t len);

/* Append the answer to out and give its time: 0, or -ENOENT when there is
 * none yet (*when untouched), -ENOMEM. */
int cgfs_answers_get(struct cgfs_answers *a, enum cgfs_answer slot, int64_t org, int64_t repo,
		     struct cg_buf *out, time_t *when);

#endif
