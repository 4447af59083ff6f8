/* cg_retry.c - backoff schedule and Retry-After parsing (see cg_retry.h). */
#include "cg_retry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double cg_backoff_delay(int attempt, double base, double cap, double r)
{
	double d;

	if (attempt < 1)
		attempt = 1;
	if (attempt > 60)
		attempt = 60;
	d = base * ldexp(1.0, attempt - 1);
	if (d > cap)
		d = cap;
	if (r < 0)
		r = 0;
	if (r > 1)
		r = 1;
	return d / 2 + d / 2 * r;
}

double cg_retry_after_parse(const char *value, time_t now)
{
	struct tm tm;
	const char *end;
	char *num_end;
	double secs;

	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (*value >= '0' && *value <= '9') {
		size_t digits = strspn(value, "0123456789.");

		secs = strtod(value, &num_end);
		/* Decimal digits and a point only: strtod alone would also
		 * take "0x10" (16) or "1e3" (1000). */
		if (num_end != value + digits)
			return -1;
		while (*num_end == ' ' || *num_end == '\t' || *num_end == '\r' || *num_end == '\n')
			num_end++;
		if (*num_end || !isfinite(secs) || secs < 0)
			return -1;
		return secs;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	while (end && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	if (!end || *end)
		return -1;
	secs = difftime(timegm(&tm), now);
	return secs > 0 ? secs : 0;
}
