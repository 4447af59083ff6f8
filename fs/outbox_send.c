/* outbox_send.c - the commit points of the outboxes (see outbox.h):
 * send a dirty draft once, then settle it into a receipt or give it an
 * error file.
 */
#include "outbox_impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draft.h"

/* ---- commit ------------------------------------------------------------- */

static int blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return 0;
	return 1;
}

/* Whether a commit point sends e now.  Called with the lock held. */
static int wants_send(const struct cgfs_ob_entry *e)
{
	return e->kind == CGFS_OB_DRAFT && e->dirty && !e->detached &&
	       !cgfs_draft_is_scratch(e->name) && !blank(e->text.data, e->text.len);
}

/* The error file's text: why as one line (the errno's name when the send
 * gave none), ending in a newline. */
static void set_error(struct cgfs_ob_entry *e, int err, const char *why)
{
	size_t n = strlen(why);
	char *text;

	while (n && (why[n - 1] == '\n' || why[n - 1] == '\r'))
		n--;
	if (!n) {
		why = strerror(-err);
		n = strlen(why);
	}
	cgfs_ob_clear_error(e);
	text = malloc(n + 2);
	if (!text)
		return;
	memcpy(text, why, n);
	text[n] = '\n';
	text[n + 1] = '\0';
	e->error = text;
	e->error_mtime = time(NULL);
}

/* Record what a send returned.  Called with the lock held. */
static void settle(struct cgfs_ob_entry *e, int ret, int64_t run, const char *why)
{
	e->dirty = 0;
	if (ret == -ENODATA) {
		/* The last attempt found no prompt: nothing failed. */
		cgfs_ob_clear_error(e);
	} else if (ret) {
		set_error(e, ret, why);
	} else {
		e->kind = CGFS_OB_RECEIPT;
		e->run = run;
		cg_buf_free(&e->text);
		cgfs_ob_clear_error(e);
		e->mtime = time(NULL);
	}
}

int cgfs_outbox_commit(struct cgfs_ob_entry *e, cgfs_ob_send_fn send, void *arg)
{
	struct cgfs_outbox *o = e->o;
	char why[WHY_SIZE] = "";
	int64_t run = 0;
	int ret;

	if (!send)
		return 0;
	pthread_mutex_lock(&o->lock);
	cgfs_ob_wait_idle(o, e);
	if (!wants_send(e)) {
		pthread_mutex_unlock(&o->lock);
		return 0;
	}
	/* Busy keeps text, len and name still while the lock is dropped. */
	cgfs_ob_begin_busy(e);
	ret = send(arg, e->box->org, e->box->repo, e->name, cg_buf_data(&e->text), e->text.len,
		   &run, why, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	if (ret > 0)
		ret = -EIO;
	/* The run exists now whatever the spool says; a copy it failed to
	 * drop comes back as a draft at the next mount, not sent by itself. */
	if (!ret)
		cgfs_ob_store_drop(e);
	cgfs_ob_end_busy(e);
	settle(e, ret, run, why);
	pthread_mutex_unlock(&o->lock);
	return ret == -ENODATA ? 0 : ret;
}

int cgfs_outbox_commit_name(struct cgfs_outbox *o, int64_t org, int64_t repo,
			    const char *name, cgfs_ob_send_fn send, void *arg)
{
	struct cgfs_ob_entry *e = NULL;
	struct cgfs_ob_box *b;
	int ret;

	if (!cgfs_ob_valid_name(name))
		return -ENOENT;
	pthread_mutex_lock(&o->lock);
	b = cgfs_ob_find_box(o, org, repo, 0);
	if (b)
		e = cgfs_ob_find(b, name);
	if (e)
		e->refs++;
	pthread_mutex_unlock(&o->lock);
	if (!e)
		return -ENOENT;
	ret = cgfs_outbox_commit(e, send, arg);
	pthread_mutex_lock(&o->lock);
	cgfs_ob_put_ref(e);
	pthread_mutex_unlock(&o->lock);
	return ret;
}
