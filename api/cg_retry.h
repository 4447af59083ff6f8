/* cg_retry.h - when to try a failed GET again.
 *
 * Pure functions, so the schedule can be tested exactly: jittered
 * exponential backoff and the parsing of a Retry-After header.
 */
#ifndef CG_RETRY_H
#define CG_RETRY_H

#include <time.h>

/* Delay in seconds before retry number `attempt` (1 = first retry):
 * d = min(cap, base * 2^(attempt-1)), then "equal jitter": d/2 + d/2 * r,
 * with r in [0,1) supplied by the caller (random in production, fixed in
 * tests).  attempt < 1 is treated as 1. */
double cg_backoff_delay(int attempt, double base, double cap, double r);

/* Parse a Retry-After value (the libcurl transport asks libcurl instead,
 * CURLINFO_RETRY_AFTER; this is for a transport that sees the header's
 * text, and states what the two forms mean): delta-seconds ("120", tolerantly "1.5") or an
 * HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"), relative to wall-clock
 * `now`.  Returns seconds to wait (>= 0; a date in the past gives 0), or
 * -1 when the value is missing or unparsable. */
double cg_retry_after_parse(const char *value, time_t now);

#endif
