/* frozen.h - what the kernel may keep: the files that cannot change.
 *
 * A frozen file (files.h cgfs_req_frozen: a field of a finished run, or
 * its logs once complete) is given to the kernel with an hour's entry and
 * attribute timeouts and opened with keep_cache instead of direct_io, so
 * re-reading it costs an open and a close.  Each transition is told to
 * the kernel when it happens, never waited out: the node table marks what
 * the kernel was last told of each number (nodes.h), an open that finds
 * the mark wrong drops the kernel's attributes and pages before the first
 * read (a run that finished: no read clipped at the live size), and a
 * command on a run drops everything frozen of it (it may live again).
 * The hour bounds only what no command of this mount changed (a run
 * resumed elsewhere): a stat may show the old size until then; an open
 * sees the change at once.
 */
#ifndef CGFS_FROZEN_H
#define CGFS_FROZEN_H

#include <stdint.h>

#include "routes.h"

#define CGFS_FROZEN_SECONDS 3600.0

/* The entry and attribute timeout of what the kernel is told of ino,
 * resolved as r: the hour when frozen, else live; marks the number. */
double cgfs_frozen_timeout(struct cgfs *fs, struct cgfs_req *r, uint64_t ino, double live);

/* ino is being opened, frozen or not; resized: the open made a size exact
 * that a stat before it may not have seen (a log).  Marks the number and
 * drops what the kernel holds that no longer stands. */
void cgfs_frozen_open(struct cgfs *fs, uint64_t ino, int frozen, int resized);

/* Commands were sent about run of org (every run of org when run is
 * CG_NONE): the kernel drops everything frozen of it, pages included. */
void cgfs_frozen_thaw(struct cgfs *fs, int64_t org, int64_t run);

#endif
