/* cg_time.c - timestamp parsing and formatting (see cg_time.h). */
#include "cg_time.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Reads exactly n decimal digits (no sign, no locale). */
static bool read_digits(const char **p, int n, int *out)
{
	const char *s = *p;
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*p = s + n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/* Zone: "Z", "+HH:MM", "+HHMM" (or '-'); none means UTC. Returns the
 * offset east of UTC in seconds via *off. */
static bool read_zone(const char **p, int64_t *off)
{
	int sign, hh, mm;

	*off = 0;
	if (!**p)
		return true;
	if (expect(p, 'Z'))
		return true;
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!read_digits(p, 2, &hh))
		return false;
	expect(p, ':');
	if (!read_digits(p, 2, &mm))
		return false;
	if (hh > 23 || mm > 59)
		return false;
	*off = sign * (hh * 3600 + mm * 60);
	return true;
}

int cg_time_parse(const char *text, int64_t *epoch)
{
	int y, mo, d, h, mi, s;
	const char *p = text;
	struct tm tm;
	int64_t off;
	time_t t;

	if (!text || !epoch)
		return -EINVAL;
	if (!read_digits(&p, 4, &y) || !expect(&p, '-') ||
	    !read_digits(&p, 2, &mo) || !expect(&p, '-') ||
	    !read_digits(&p, 2, &d))
		return -EINVAL;
	if (!expect(&p, 'T') && !expect(&p, ' '))
		return -EINVAL;
	if (!read_digits(&p, 2, &h) || !expect(&p, ':') ||
	    !read_digits(&p, 2, &mi) || !expect(&p, ':') ||
	    !read_digits(&p, 2, &s))
		return -EINVAL;
	if (expect(&p, '.')) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (!read_zone(&p, &off) || *p)
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	/* timegm normalises an impossible date (Feb 30 becomes Mar 2): a day
	 * that moved the month was not in it. */
	if (tm.tm_mon != mo - 1 || tm.tm_mday != d)
		return -EINVAL;
	*epoch = (int64_t)t - off;
	return 0;
}

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define EPOCH_MIN (-62167219200LL)
#define EPOCH_MAX 253402300799LL

int cg_time_format(int64_t epoch, char *buf, size_t size)
{
	struct tm tm;
	time_t t;
	int n;

	if (!buf || size < 21 || epoch < EPOCH_MIN || epoch > EPOCH_MAX)
		return -EINVAL;
	t = (time_t)epoch;
	if ((int64_t)t != epoch || !gmtime_r(&t, &tm))
		return -EINVAL;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		     tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n == 20 ? 0 : -EINVAL;
}
