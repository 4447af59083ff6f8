/* scratch.c - throw-away spool directories for unit tests (see scratch.h). */
#include "scratch.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <check.h>

#include "spool.h"

void scratch_make(struct scratch *t)
{
	snprintf(t->base, sizeof(t->base), "/tmp/test-scratch-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->base));
	snprintf(t->root, sizeof(t->root), "%s/spool", t->base);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

void scratch_remove(struct scratch *t)
{
	ck_assert_int_eq(nftw(t->base, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

void scratch_path(const struct scratch *t, const char *rel, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", t->root, rel);
}

struct cgfs_spool *scratch_spool(const char *dir)
{
	char why[256] = "";
	struct cgfs_spool *s = cgfs_spool_open(dir, why, sizeof(why));

	ck_assert_msg(s != NULL, "spool %s: %s", dir, why);
	return s;
}
