/* names.h - changes to the names of the tree: make, remove and rename.
 *
 * The tree is the API's: only an outbox (`new/`) takes names the user
 * makes, removes (a draft, a receipt, an error file) and renames (editors
 * save by renaming a scratch file onto the name; a rename onto a plain name
 * is a commit point).  Anywhere else these answer EROFS, or EPERM for rm.
 */
#ifndef CGFS_NAMES_H
#define CGFS_NAMES_H

#include <sys/types.h>

#include "routes.h"

/* rm dir/name.  0 or -errno. */
int cgfs_names_unlink(struct cgfs *fs, const struct cgfs_qid *dir, const char *name);

/* mknod dir/name (regular files only): 0 with the new node in *made. */
int cgfs_names_mknod(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		     mode_t mode, struct cgfs_qid *made);

/* rename(2) with renameat2 flags; a rename onto a plain name commits it.
 * 0 or -errno (-EXDEV between outboxes: mv then copies).  *changed is 1
 * when the target's names may have changed (the caller makes the kernel
 * forget them once the directory is no longer locked), with *target. */
int cgfs_names_rename(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		      const struct cgfs_qid *newdir, const char *newname, unsigned flags,
		      int *changed, struct cgfs_qid *target);

/* A save onto r's name failed with EISDIR because it is a receipt: the
 * `/errors` line that says the run was already sent (the errno alone, "Is
 * a directory", does not).  Nothing when the name is not a receipt. */
void cgfs_names_sent_already(struct cgfs *fs, const struct cgfs_req *r, const char *op);

/* The names of an outbox entry changed behind the kernel's back (a draft
 * became its receipt link, or its .error file came or went): make the
 * kernel forget both names now, so the next lookup sees what is there.
 * A send may have made one receipt more than the outbox keeps: the oldest
 * falls away here (outbox.h cgfs_outbox_trim), and the kernel forgets it
 * too.  Never call this while the kernel holds the outbox locked (in
 * rename). */
void cgfs_names_changed(struct cgfs *fs, const struct cgfs_qid *entry);

#endif
