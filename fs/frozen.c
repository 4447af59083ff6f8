/* frozen.c - what the kernel may keep of the files that cannot change
 * (see frozen.h). */
#include "frozen.h"

#include <fuse_lowlevel.h>

#include "files.h"
#include "nodes.h"

double cgfs_frozen_timeout(struct cgfs *fs, struct cgfs_req *r, uint64_t ino, double live)
{
	int frozen = cgfs_req_frozen(r);

	cgfs_nodes_set_frozen(fs->nodes, ino, frozen);
	return frozen ? CGFS_FROZEN_SECONDS : live;
}

void cgfs_frozen_open(struct cgfs *fs, uint64_t ino, int frozen, int resized)
{
	int was = cgfs_nodes_set_frozen(fs->nodes, ino, frozen);

	if (!fs->se)
		return;
	/* An invalidation makes the kernel drop the answer of a GETATTR in
	 * flight, and a read waiting on it ends at the size held before: so
	 * there is none for a file that is frozen and was, and the opener
	 * that freezes a file invalidates before its reply, so its own read
	 * asks after.  (Two first openers at once can still meet it: the
	 * second's read then ends early once; not seen in tests.) */
	/* The kernel may hold a size from before the run finished (its pages
	 * would then end there: `COMPLET`), or from before it came back to
	 * life: drop attributes and pages, before the first read.  Otherwise
	 * it may hold the size a stat saw before this open made it exact (a
	 * log: what was held then); make it ask again, so `tail -n` and
	 * `wc -c` see it.  A frozen size is exact already. */
	if (frozen != was)
		fuse_lowlevel_notify_inval_inode(fs->se, ino, 0, 0);
	else if (!frozen && resized)
		fuse_lowlevel_notify_inval_inode(fs->se, ino, -1, 0);
}

void cgfs_frozen_thaw(struct cgfs *fs, int64_t org, int64_t run)
{
	uint64_t inos[128];
	size_t n;

	if (!fs->se)
		return;
	/* Outside the table's lock: the kernel may wait on a read that
	 * another thread is answering. */
	do {
		n = cgfs_nodes_thaw(fs->nodes, org, run, inos, sizeof(inos) / sizeof(inos[0]));
		for (size_t i = 0; i < n; i++)
			fuse_lowlevel_notify_inval_inode(fs->se, inos[i], 0, 0);
	} while (n == sizeof(inos) / sizeof(inos[0]));
}
