/* render.c - the bytes of every synthetic file (see render.h).
 *
 * The FUSE layer renders the same cached model on getattr and on read, so
 * everything here is deterministic and allocation-light: a model in, bytes
 * appended to a capped cg_buf out.  A render function that fails leaves
 * the buffer as it found it, so a caller never serves half a file.
 */
#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_LEN	21	/* "2025-06-21T11:20:04Z" + NUL */

/* Drops whatever was appended after `len` when ret reports a failure. */
static int buf_undo(struct cg_buf *b, size_t len, int ret)
{
	if (ret)
		cg_buf_truncate(b, len);
	return ret;
}

void cgfs_set_why(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_size)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
}

/* ---- shared pieces ----------------------------------------------------------- */


static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* created_at as "2025-06-21T11:20:04Z" into buf; -EINVAL when it cannot
 * be normalised (the caller then shows it as sent). */
static int normalise_time(const char *text, char buf[TIME_LEN])
{
	int64_t epoch;
	int ret;

	ret = cg_time_parse(text, &epoch);
	if (ret)
		return ret;
	return cg_time_format(epoch, buf, TIME_LEN);
}

enum oneline_mode {
	ONELINE_ESCAPE,		/* `logs`: reversible, "\n" -> "\\n" */
	ONELINE_SPACES,		/* `errors`: control bytes -> ' ' */
	ONELINE_VALUE,		/* a single value: as ESCAPE, but "\n", "\t", "\\" stay */
};

static const char *escape_of(unsigned char c, char esc[5])
{
	switch (c) {
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	snprintf(esc, 5, "\\x%02x", c);
	return esc;
}

/* Appends s so that it cannot break a line-per-entry file.  Bytes >= 0x80
 * pass through untouched: they are UTF-8 (or the server's own bytes) and
 * never a line break. */
static int put_oneline(struct cg_buf *out, const char *s, enum oneline_mode mode)
{
	size_t start = out->len;
	const char *run = s, *p;
	char esc[5];
	int ret = 0;

	for (p = s; *p && !ret; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x20 && c != 0x7f && (c != '\\' || mode != ONELINE_ESCAPE))
			continue;
		if (mode == ONELINE_VALUE && (c == '\n' || c == '\t'))
			continue;
		ret = cg_buf_append(out, run, (size_t)(p - run));
		run = p + 1;
		if (!ret)
			ret = cg_buf_puts(out, mode == ONELINE_SPACES ? " " : escape_of(c, esc));
	}
	if (!ret)
		ret = cg_buf_append(out, run, (size_t)(p - run));
	return buf_undo(out, start, ret);
}

/* The one "value + newline" rule: text (its control bytes but "\n" and
 * "\t" escaped, so it cannot drive a terminal), then "\n" unless it
 * already ends in one; NULL appends nothing. */
static int put_line(struct cg_buf *out, const char *s)
{
	size_t len, start = out->len;
	int ret;

	if (!s)
		return 0;
	len = strlen(s);
	ret = put_oneline(out, s, ONELINE_VALUE);
	if (!ret && (!len || s[len - 1] != '\n'))
		ret = cg_buf_append(out, "\n", 1);
	return buf_undo(out, start, ret);
}

/* One item of a one-item-per-line file: escaped as `logs` is (a newline
 * in it cannot forge a line), then "\n". */
static int put_item_line(struct cg_buf *out, const char *s)
{
	size_t start = out->len;
	int ret = put_oneline(out, s, ONELINE_ESCAPE);

	if (!ret)
		ret = cg_buf_append(out, "\n", 1);
	return buf_undo(out, start, ret);
}

/* sep, then s made one-line; the caller undoes a partial field. */
static int put_field(struct cg_buf *out, const char *sep, const char *s,
		     enum oneline_mode mode)
{
	int ret = cg_buf_puts(out, sep);

	return ret ? ret : put_oneline(out, s, mode);
}

/* ---- values ------------------------------------------------------------------ */

int cgfs_render_value(struct cg_buf *out, const char *value)
{
	return put_line(out, value);
}

int cgfs_render_int(struct cg_buf *out, int64_t value)
{
	if (value == CG_NONE)
		return 0;
	return cg_buf_printf(out, "%" PRId64 "\n", value);
}

int cgfs_render_bool(struct cg_buf *out, int value)
{
	if (value < 0)
		return 0;
	return put_line(out, value ? "true" : "false");
}

int cgfs_render_time(struct cg_buf *out, const char *created_at)
{
	char buf[TIME_LEN];

	if (!created_at)
		return 0;
	return put_line(out, normalise_time(created_at, buf) ? created_at : buf);
}

int cgfs_render_json(struct cg_buf *out, const char *json_text)
{
	size_t start = out->len;
	cJSON *json;
	char *text;
	int ret;

	if (!json_text)
		return 0;
	json = cJSON_Parse(json_text);
	if (!json || cJSON_IsNull(json)) {
		cJSON_Delete(json);
		return 0;
	}
	text = cJSON_Print(json);
	cJSON_Delete(json);
	if (!text)
		return -ENOMEM;
	ret = cg_buf_puts(out, text);
	if (!ret)
		ret = cg_buf_append(out, "\n", 1);
	free(text);
	return buf_undo(out, start, ret);
}

/* ---- runs --------------------------------------------------------------------- */

int cgfs_render_prs(struct cg_buf *out, const struct cg_run *run)
{
	size_t i, start = out->len;
	int ret = 0;

	for (i = 0; i < run->n_prs && !ret; i++)
		if (run->prs[i].url && *run->prs[i].url)
			ret = put_item_line(out, run->prs[i].url);
	return buf_undo(out, start, ret);
}

int cgfs_render_prs_json(struct cg_buf *out, const struct cg_run *run)
{
	size_t start = out->len;
	cJSON *json = run->raw ? cJSON_Parse(run->raw) : NULL;
	const cJSON *prs = cJSON_GetObjectItemCaseSensitive(json, "github_pull_requests");
	char *text = NULL;
	int ret;

	if (cJSON_IsArray(prs)) {
		text = cJSON_Print(prs);
		if (!text) {
			cJSON_Delete(json);
			return -ENOMEM;
		}
	}
	ret = cg_buf_puts(out, text ? text : "[]");
	if (!ret)
		ret = cg_buf_append(out, "\n", 1);
	free(text);
	cJSON_Delete(json);
	return buf_undo(out, start, ret);
}

int cgfs_render_branches(struct cg_buf *out, const struct cg_run *run)
{
	size_t i, start = out->len;
	int ret = 0;

	for (i = 0; i < run->n_prs && !ret; i++)
		if (run->prs[i].head_branch_name && *run->prs[i].head_branch_name)
			ret = put_item_line(out, run->prs[i].head_branch_name);
	return buf_undo(out, start, ret);
}

int cgfs_render_log_line(struct cg_buf *out, const struct cg_log_entry *e)
{
	const char *when = "-", *text = NULL;
	size_t start = out->len;
	char buf[TIME_LEN];
	int ret;

	if (e->created_at && *e->created_at)
		when = normalise_time(e->created_at, buf) ? e->created_at : buf;
	if (e->thought && *e->thought)
		text = e->thought;
	else if (e->observation && *e->observation)
		text = e->observation;

	/* An unparsable created_at is shown as sent, so it is escaped too. */
	ret = put_field(out, "", when, ONELINE_ESCAPE);
	if (!ret)
		ret = put_field(out, " ", or_dash(e->message_type), ONELINE_ESCAPE);
	if (!ret && e->tool_name && *e->tool_name)
		ret = put_field(out, " ", e->tool_name, ONELINE_ESCAPE);
	if (!ret)
		ret = cg_buf_puts(out, ":");
	if (!ret && text)
		ret = put_field(out, " ", text, ONELINE_ESCAPE);
	if (!ret)
		ret = cg_buf_puts(out, "\n");
	return buf_undo(out, start, ret);
}

int cgfs_render_log_jsonl(struct cg_buf *out, const struct cg_log_entry *e)
{
	/* raw is cJSON's compact text: it never holds a raw newline. */
	return put_line(out, e->raw);
}

/* ---- organizations ------------------------------------------------------------ */

int cgfs_render_integrations(struct cg_buf *out, const struct cg_integrations *i)
{
	size_t k, start = out->len;
	int ret = 0;

	for (k = 0; k < i->n && !ret; k++) {
		const struct cg_integration *it = &i->items[k];

		ret = put_oneline(out, or_dash(it->integration_type), ONELINE_ESCAPE);
		if (!ret)
			ret = cg_buf_printf(out, " %s\n", it->active < 0 ? "unknown" :
					      it->active ? "active" : "inactive");
	}
	return buf_undo(out, start, ret);
}

int cgfs_render_rules(struct cg_buf *out, const struct cg_cli_rules *r)
{
	size_t start = out->len;
	int ret = 0;

	if (r->organization_rules) {
		ret = cg_buf_puts(out, "# Organization rules\n");
		if (!ret)
			ret = put_line(out, r->organization_rules);
	}
	if (!ret && r->user_custom_prompt) {
		ret = cg_buf_puts(out, r->organization_rules ? "\n# User custom prompt\n"
							       : "# User custom prompt\n");
		if (!ret)
			ret = put_line(out, r->user_custom_prompt);
	}
	return buf_undo(out, start, ret);
}

int cgfs_render_lines(struct cg_buf *out, const struct cg_string_list *l)
{
	size_t i, start = out->len;
	int ret = 0;

	for (i = 0; i < l->n && !ret; i++)
		ret = put_item_line(out, l->items[i]);
	return buf_undo(out, start, ret);
}

int cgfs_render_mcp_providers(struct cg_buf *out, const struct cg_oauth_provider_list *l)
{
	size_t i, start = out->len;
	int ret = 0;

	for (i = 0; i < l->n && !ret; i++) {
		ret = put_oneline(out, l->items[i].name ? l->items[i].name : "", ONELINE_ESCAPE);
		if (!ret)
			ret = put_field(out, "\t", l->items[i].issuer ? l->items[i].issuer : "",
					ONELINE_ESCAPE);
		if (!ret)
			ret = cg_buf_puts(out, "\n");
	}
	return buf_undo(out, start, ret);
}

/* ---- names from the server ------------------------------------------------------ */

int cgfs_name_usable(const char *name)
{
	size_t len;

	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	len = strlen(name);
	if (len > CGFS_NAME_MAX || strspn(name, "0123456789") == len)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/')
			return 0;
	return 1;
}

size_t cgfs_orgname_owner(const struct cg_org_page *orgs, size_t i)
{
	const char *name = orgs->items[i].name;

	if (!cgfs_name_usable(name))
		return SIZE_MAX;
	for (size_t j = 0; j < i; j++)
		if (orgs->items[j].name && !strcmp(orgs->items[j].name, name))
			return j;
	return i;
}

/* ---- the mount's own files ------------------------------------------------------ */

#define STATS_COLS 7

/* Header and rows share this one format, so they cannot drift apart: the
 * counters are right-aligned in columns wide enough for 10 digits. */
static int stats_row(struct cg_buf *out, const char *name, const char *const col[STATS_COLS])
{
	return cg_buf_printf(out, "%-16s  %10s  %10s  %10s  %10s  %10s  %10s  %10s\n",
			       name, col[0], col[1], col[2], col[3], col[4], col[5], col[6]);
}

int cgfs_render_stats(struct cg_buf *out, const struct cg_endpoint_stats st[CG_EP_COUNT],
		      const struct cgfs_cache_counters *cache, long connections)
{
	static const char *const header[STATS_COLS] = {
		"requests", "retries", "429s", "waits", "errors", "bytes_in", "bytes_out",
	};
	static const struct cgfs_cache_counters no_cache;
	char num[STATS_COLS][24];
	const char *col[STATS_COLS];
	size_t start = out->len;
	int ep, k, ret;

	ret = stats_row(out, "endpoint", header);
	for (ep = 0; st && ep < CG_EP_COUNT && !ret; ep++) {
		const struct cg_endpoint_stats *s = &st[ep];
		const uint64_t v[STATS_COLS] = {
			s->requests, s->retries, s->http_429, s->rate_waits,
			s->errors, s->bytes_in, s->bytes_out,
		};

		if (!s->requests && !s->rate_waits)
			continue;
		for (k = 0; k < STATS_COLS; k++) {
			snprintf(num[k], sizeof(num[k]), "%" PRIu64, v[k]);
			col[k] = num[k];
		}
		ret = stats_row(out, cg_endpoint_info((enum cg_endpoint)ep)->name, col);
	}
	if (!cache)
		cache = &no_cache;
	if (!ret)
		ret = cg_buf_printf(out, "cache hits %" PRIu64 "\ncache misses %" PRIu64
				      "\ncache stale_served %" PRIu64
				      "\ncache negative_hits %" PRIu64 "\nconnections %ld\n",
				      cache->hits, cache->misses, cache->stale_served,
				      cache->negative_hits, connections);
	return buf_undo(out, start, ret);
}

int cgfs_render_error_line(struct cg_buf *out, time_t when, const char *op,
			   const char *path, long http_status, int err,
			   const char *message)
{
	char when_s[TIME_LEN], status[24];
	size_t start = out->len;
	int ret;

	if (cg_time_format((int64_t)when, when_s, sizeof(when_s)))
		snprintf(when_s, sizeof(when_s), "-");
	if (http_status > 0)
		snprintf(status, sizeof(status), "%ld", http_status);
	else
		snprintf(status, sizeof(status), "-");
	/* Callers hold errno either way round (-ENOENT from a handler,
	 * ENOENT from cg_error). */
	if (err < 0 && err != INT_MIN)
		err = -err;

	/* A file name may hold a newline too: op and path are cleaned like
	 * the message, so one failure is always one line. */
	ret = put_field(out, "", when_s, ONELINE_SPACES);
	if (!ret)
		ret = put_field(out, " ", or_dash(op), ONELINE_SPACES);
	if (!ret)
		ret = put_field(out, " ", or_dash(path), ONELINE_SPACES);
	if (!ret)
		ret = cg_buf_printf(out, " %s %s", status, cg_errno_name(err));
	if (!ret && message && *message)
		ret = put_field(out, " ", message, ONELINE_SPACES);
	if (!ret)
		ret = cg_buf_puts(out, "\n");
	return buf_undo(out, start, ret);
}

int cgfs_render_fmt(struct cg_buf *out, enum cgfs_fmt fmt, const void *field)
{
	switch (fmt) {
	case CGFS_FMT_VALUE:        return cgfs_render_value(out, *(char *const *)field);
	case CGFS_FMT_INT:          return cgfs_render_int(out, *(const int64_t *)field);
	case CGFS_FMT_TIME:         return cgfs_render_time(out, *(char *const *)field);
	case CGFS_FMT_JSON:         return cgfs_render_json(out, *(char *const *)field);
	case CGFS_FMT_PRS:          return cgfs_render_prs(out, field);
	case CGFS_FMT_PRS_JSON:     return cgfs_render_prs_json(out, field);
	case CGFS_FMT_BRANCHES:     return cgfs_render_branches(out, field);
	case CGFS_FMT_INTEGRATIONS: return cgfs_render_integrations(out, field);
	case CGFS_FMT_RULES:        return cgfs_render_rules(out, field);
	case CGFS_FMT_LINES:        return cgfs_render_lines(out, field);
	case CGFS_FMT_PROVIDERS:    return cgfs_render_mcp_providers(out, field);
	}
	return -EINVAL;
}
