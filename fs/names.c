/* names.c - making, removing and renaming names in an outbox (see names.h). */
#include "names.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "create.h"
#include "errlog.h"
#include "nodes.h"
#include "ops.h"
#include "outbox.h"

/* Look name up in dir, where it must be an outbox name: 0 or -ENOENT (with
 * *r), or the errno of a tree the user cannot change (elsewhere). */
static int outbox_name(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		       const char *op, int elsewhere, struct cgfs_req *r)
{
	int ret = cgfs_lookup(fs, dir, name, op, r);

	if (r->route && r->route->open == CGFS_OPEN_DRAFT)
		return ret;
	return ret && ret != -ENOENT ? ret : -elsewhere;
}

int cgfs_names_unlink(struct cgfs *fs, const struct cgfs_qid *dir, const char *name)
{
	struct cgfs_qid q;
	struct cgfs_req r;
	int ret = outbox_name(fs, dir, name, "unlink", EPERM, &r);

	if (!ret)
		ret = cgfs_outbox_unlink(fs->outbox, r.org, r.repo, r.name);
	if (!ret) {
		cgfs_req_qid(&r, &q);
		cgfs_nodes_detach(fs->nodes, &q);
	}
	return ret;
}

int cgfs_names_mknod(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		     mode_t mode, struct cgfs_qid *made)
{
	struct cgfs_ob_entry *e;
	struct cgfs_req r;
	int ret = outbox_name(fs, dir, name, "mknod", EROFS, &r);

	if (ret == -ENOENT)
		ret = S_ISREG(mode) ? 0 : -EPERM;
	else if (!ret)
		ret = -EEXIST;
	if (!ret)
		ret = cgfs_outbox_open(fs->outbox, r.org, r.repo, r.name, O_CREAT | O_EXCL, &e);
	if (!ret) {
		cgfs_outbox_close(e, NULL, NULL);
		cgfs_req_qid(&r, made);
	}
	return ret;
}

int cgfs_names_rename(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		      const struct cgfs_qid *newdir, const char *newname, unsigned flags,
		      int *changed, struct cgfs_qid *target)
{
	struct cgfs_req from, to;
	struct cgfs_qid fq;
	int ret = outbox_name(fs, dir, name, "rename", EROFS, &from), tret;

	*changed = 0;
	if (ret && ret != -ENOENT)
		return ret;
	tret = outbox_name(fs, newdir, newname, "rename", EROFS, &to);
	if (tret && tret != -ENOENT)
		ret = tret;
	if (!to.route || tret == -EROFS)
		return ret;
	cgfs_req_qid(&to, target);
	*changed = 1;
	/* Another outbox: mv copies and removes, which works. */
	if (!ret && (from.route != to.route || from.org != to.org || from.repo != to.repo)) {
		*changed = 0;
		return -EXDEV;
	}
	if (!ret)
		ret = cgfs_outbox_rename(fs->outbox, from.org, from.repo, from.name, to.name, flags);
	if (ret == -EISDIR)
		cgfs_names_sent_already(fs, &to, "rename");
	if (!ret) {
		cgfs_req_qid(&from, &fq);
		cgfs_nodes_rename(fs->nodes, &fq, target);
		/* A rename onto a plain name is a commit point (editors save so). */
		ret = cgfs_outbox_commit_name(fs->outbox, to.org, to.repo, to.name,
					      cgfs_send_draft, fs);
		if (ret == -ENOENT)
			ret = 0;
	}
	return ret;
}

void cgfs_names_sent_already(struct cgfs *fs, const struct cgfs_req *r, const char *op)
{
	struct cg_error err = { 0 };
	struct cgfs_ob_stat st;

	if (cgfs_outbox_stat(fs->outbox, r->org, r->repo, r->name, &st) ||
	    st.kind != CGFS_OB_RECEIPT)
		return;
	err.err = EISDIR;
	snprintf(err.message, sizeof(err.message),
		 "not saved: '%s' was already sent, as run %" PRId64 " (the name is a link "
		 "to its directory now); save under a new name, or rm the link first",
		 r->name, st.run);
	cgfs_errlog_add(fs->errors, op, r->ctx.path, &err);
}

/* A receipt that fell away (the outbox's bound): gone as if removed. */
struct fallen {
	struct cgfs *fs;
	const struct cgfs_qid *entry, *dir;
};

static void receipt_gone(void *arg, const char *name)
{
	struct fallen *f = arg;
	struct cgfs_qid q = *f->entry;

	snprintf(q.name, sizeof(q.name), "%s", name);
	cgfs_nodes_detach(f->fs->nodes, &q);
	cgfs_ops_forget_name(f->fs, f->dir, name);
}

void cgfs_names_changed(struct cgfs *fs, const struct cgfs_qid *entry)
{
	const struct cgfs_route *outbox = cgfs_route_parent(cgfs_route_at(entry->row));
	struct cgfs_qid dir = *entry;
	struct fallen f = { fs, entry, &dir };
	char error[300];

	if (!outbox)
		return;
	dir.row = (unsigned)cgfs_route_index(outbox);
	dir.name[0] = '\0';
	cgfs_ops_forget_name(fs, &dir, entry->name);
	snprintf(error, sizeof(error), "%s%s", entry->name, CGFS_OUTBOX_ERROR_SUFFIX);
	cgfs_ops_forget_name(fs, &dir, error);
	/* A send may have made one receipt more than the outbox keeps. */
	cgfs_outbox_trim(fs->outbox, entry->org, entry->repo, receipt_gone, &f);
}
