/* cg_time.h - the Codegen API's timestamps to epoch seconds and back.
 *
 * The API writes time two ways: ISO 8601 with a zone ("...T11:20:04Z",
 * "+02:00") and a zone-less "YYYY-MM-DD HH:MM:SS.ffffff" that is UTC.
 * Pure functions; the calendar arithmetic is the C library's (timegm).
 */
#ifndef CG_TIME_H
#define CG_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Parse a Codegen timestamp: ISO 8601 ("2025-06-21T11:20:04Z",
 * "2025-06-21T11:20:04.123456Z", "...+00:00", "...+02:00") or the
 * zone-less "2025-06-21 11:20:04.123456" (which is UTC).  Fractions are
 * dropped.  Returns 0 and sets *epoch (seconds since 1970 UTC), or -EINVAL
 * for NULL or anything else. */
int cg_time_parse(const char *text, int64_t *epoch);

/* Format epoch seconds as "2025-06-21T11:20:04Z" into buf (at least 21
 * bytes).  Returns 0 or -EINVAL (buffer too small, year out of 0..9999). */
int cg_time_format(int64_t epoch, char *buf, size_t size);

#endif
