/* create.h - sending a draft of an outbox: front matter to a create request.
 *
 * The send function of the outboxes (outbox.h cgfs_ob_send_fn): read the
 * draft's front matter (draft.h), resolve its repo and images, create the
 * run, and make it show at once: the new run is cached (so `cat
 * new/<name>/status` asks nothing) and every run list that can hold it is
 * forgotten (runs/, users/<you>/runs/).
 */
#ifndef CGFS_CREATE_H
#define CGFS_CREATE_H

#include <stddef.h>
#include <stdint.h>

/* arg is the mount's struct cgfs.  0 with *run; -ENODATA when the text
 * holds no prompt (nothing sent); or -errno with the reason in why, also
 * logged to /errors. */
int cgfs_send_draft(void *arg, int64_t org, int64_t repo, const char *name, const char *text,
		    size_t len, int64_t *run, char *why, size_t why_size);

#endif
