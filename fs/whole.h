/* whole.h - the whole form of an object held slim (a run: cg_run_slim),
 * for a read of one of the fields it does not keep.
 *
 * The whole form is parsed back from the object's JSON, so it shows what a
 * whole parse shows.  The last few made are kept (each holding its object),
 * since a `ls -l` or a `cat` of a run's files reads several fields of one
 * run in a row; not those of runs whose JSON is over 16 KiB, parsed for
 * each read instead.  Thread-safe.
 */
#ifndef CGFS_WHOLE_H
#define CGFS_WHOLE_H

#include <stddef.h>

#include "objects.h"

struct cgfs_wholes;
struct cgfs_whole;

/* Keeps the last keep whole forms made; keep 0 keeps none. */
struct cgfs_wholes *cgfs_wholes_new(unsigned keep);
void cgfs_wholes_free(struct cgfs_wholes *w);   /* accepts NULL */

/* The model of ref (of kind) as a read of its field at offset field needs
 * it, in *model: ref's own, or a whole form (*whole is then set: drop it
 * with cgfs_whole_drop, which accepts NULL, when the read is done).  w may
 * be NULL: nothing is kept.  0 or -errno. */
int cgfs_whole_get(struct cgfs_wholes *w, enum cgfs_res kind, const struct cgfs_ref *ref,
		   size_t field, const void **model, struct cgfs_whole **whole);
void cgfs_whole_drop(struct cgfs_whole *whole);

#endif
