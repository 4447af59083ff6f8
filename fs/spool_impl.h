/* spool_impl.h - what the spool's modules share, for them only.
 *
 * The spool (spool.h) is two modules over one directory tree: spool.c,
 * the drafts and their in-flight records; spool_receipts.c, the receipts
 * of sent drafts.  This header holds the handle and the plumbing both use
 * (argument checks, directories, temporary names).  Nothing else includes
 * it.
 */
#ifndef CGFS_SPOOL_IMPL_H
#define CGFS_SPOOL_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "spool.h"

/* The prefix of the temporary files of atomic replaces. */
#define SPOOL_TMP_PREFIX ".tmp-"

/* lock guards counter; everything else is set by open and never changes. */
struct cgfs_spool {
	int root_fd;                    /* O_DIRECTORY fd of the spool root */
	pthread_mutex_t lock;
	unsigned long counter;          /* makes temporary names unique */
};

/* "new" or a canonical "repo-<digits>". */
int cgfs_spool_valid_outbox(const char *outbox);
/* A name of a file: not empty, ".", "..", no '/', not a temporary name. */
int cgfs_spool_valid_name(const char *name);

/* The arguments every per-name call takes are usable. */
static inline int cgfs_spool_args(const struct cgfs_spool *s, int64_t org, const char *outbox,
				  const char *name)
{
	return s && org > 0 && cgfs_spool_valid_outbox(outbox) && cgfs_spool_valid_name(name);
}

/* An org directory's name: canonical decimal.  0 and *org, or -EINVAL. */
int cgfs_spool_parse_org(const char *name, int64_t *org);

/* Open (creating with 0700 if asked; a new one is fsynced into its parent)
 * the subdirectory sub of dfd, never through a link.  0 and *out, or
 * -errno. */
int cgfs_spool_open_subdir(int dfd, const char *sub, int create, int *out);

/* Open <spool>/<org>/<sub>/, creating it if asked.  0 and *out, or
 * -errno. */
int cgfs_spool_open_dir(struct cgfs_spool *s, int64_t org, const char *sub, int create,
			int *out);

/* Each subdirectory of dfd (which it takes over) whose name want accepts
 * (setting *id as it likes), opened never through a link and handed to fn,
 * which takes its fd over.  One gone meanwhile, or not a directory (fn's
 * -ENOENT, -ENOTDIR, -ELOOP too), is skipped.  0, or the first -errno. */
int cgfs_spool_walk(int dfd, int (*want)(const char *name, int64_t *id),
		    int (*fn)(int fd, const char *name, int64_t id, void *arg), void *arg);

/* The org directories of the spool (canonical decimal names) walked so. */
int cgfs_spool_want_org(const char *name, int64_t *org);
int cgfs_spool_each_org(struct cgfs_spool *s,
			int (*fn)(int fd, const char *name, int64_t org, void *arg), void *arg);

/* A unique temporary name for a replace of name: ".tmp-<name>-<pid>-<n>".
 * 0 or -ENAMETOOLONG. */
int cgfs_spool_tmp_name(struct cgfs_spool *s, const char *name, char *tmp, size_t size);

/* Whether a temporary name is one of this process's (a replace that may
 * still be under way): the others are debris of a crash. */
int cgfs_spool_tmp_is_ours(const char *tmp);

/* Remove name from the directory dfd and fsync it; closes dfd.  0 or
 * -errno, ENOENT being no error. */
int cgfs_spool_remove_in(int dfd, const char *name);

#endif
