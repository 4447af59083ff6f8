/* scratch.h - throw-away spool directories for the unit tests of the spool
 * and the outbox (tests/unit/test_spool.c, test_outbox.c).
 *
 * Each test makes its own mkdtemp directory under /tmp and removes it,
 * whatever it holds, at the end; the spool itself is <base>/spool, not
 * created (cgfs_spool_open makes it).
 */
#ifndef TEST_SCRATCH_H
#define TEST_SCRATCH_H

#include <stddef.h>

struct cgfs_spool;

struct scratch {
	char base[64];          /* the mkdtemp directory */
	char root[128];         /* base/spool, the spool itself */
};

/* Make a fresh base directory (fails the test when it cannot). */
void scratch_make(struct scratch *t);
/* Remove base and everything under it (fails the test when it cannot). */
void scratch_remove(struct scratch *t);
/* root/rel into path. */
void scratch_path(const struct scratch *t, const char *rel, char *path, size_t size);
/* cgfs_spool_open(dir) that must succeed (the reason is in the failure). */
struct cgfs_spool *scratch_spool(const char *dir);

#endif
