/* render.h - the text of every synthetic file, from the API's models.
 *
 * Pure functions: a model in, bytes out.  The FUSE layer renders on
 * getattr (for true sizes) and on read, so rendering must be cheap and
 * deterministic: the same model always gives the same bytes.
 *
 * Formats (DESIGN.md §2, docs/SEMANTICS.md):
 *   - a single value is its text followed by exactly one "\n"; a value that
 *     already ends in "\n" gets no second one; NULL (null or missing) renders
 *     as an empty file; its control bytes but "\n" and "\t" are escaped as
 *     `logs` escapes them ("\r", "\x1b"), so it cannot drive a terminal;
 *   - a file of one item per line (oauth, integrations, mcp-providers, prs)
 *     escapes each item as `logs` does: an item cannot forge a line;
 *   - created_at renders as ISO 8601 UTC "2025-06-21T11:20:04Z" whichever
 *     form the server sent; an unparsable timestamp renders as sent;
 *   - *.json files are the object pretty-printed by cJSON (tabs), plus "\n";
 *     JSON null renders as an empty file.
 *
 * Every function appends to an existing cg_buf and returns 0 or -ENOMEM
 * (or -EFBIG past the buffer's cap).
 */
#ifndef CGFS_RENDER_H
#define CGFS_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cg_buf.h"
#include "cg_client.h"
#include "cg_models.h"

/* Write a one-line reason into why (nothing when why is NULL or why_size
 * is 0): the "why" out-parameter of the pure modules. */
__attribute__((format(printf, 3, 4)))
void cgfs_set_why(char *why, size_t why_size, const char *fmt, ...);

/* ---- values ------------------------------------------------------------------ */

/* A single value: text + "\n", nothing for NULL. */
int cgfs_render_value(struct cg_buf *out, const char *value);
/* An integer value: "%lld\n"; CG_NONE renders as empty. */
int cgfs_render_int(struct cg_buf *out, int64_t value);
/* A tri-state: "true\n", "false\n", or empty for -1. */
int cgfs_render_bool(struct cg_buf *out, int value);
/* created_at normalised: "2025-06-21T11:20:04Z\n"; NULL renders empty. */
int cgfs_render_time(struct cg_buf *out, const char *created_at);
/* Compact or pretty JSON text in, pretty JSON + "\n" out; NULL, "null" or
 * unparsable text render as empty (unparsable cannot come from the client,
 * which produced the text itself). */
int cgfs_render_json(struct cg_buf *out, const char *json_text);

/* ---- runs --------------------------------------------------------------------- */

/* The PR URLs of a run, one per line; PRs without a URL are skipped. */
int cgfs_render_prs(struct cg_buf *out, const struct cg_run *run);
/* `prs.json`: the run's github_pull_requests array as the server sent it
 * (run->raw), pretty-printed, + "\n"; "[]\n" when it is null, missing or
 * not an array (or the run has no raw text). */
int cgfs_render_prs_json(struct cg_buf *out, const struct cg_run *run);
/* `branches`: the head_branch_name of each PR, one per line, escaped as
 * `prs` is; PRs without one (null, empty) are skipped. */
int cgfs_render_branches(struct cg_buf *out, const struct cg_run *run);

/* One line of `logs` for one entry:
 *   "<time> <type> <tool>: <text>\n"
 * time is created_at normalised (or "-" when missing), type the
 * message_type (or "-"), " <tool>" only when tool_name is set, text the
 * thought when non-empty, else the observation (its string, or its compact
 * JSON when it was an object), else nothing ("<time> <type>:" then "\n").
 * Inside text, "\\" becomes "\\\\", newline "\\n", CR "\\r", tab "\\t" and
 * other control bytes "\\xNN", so every entry is exactly one line. */
int cgfs_render_log_line(struct cg_buf *out, const struct cg_log_entry *e);
/* One line of `logs.jsonl`: the entry's raw JSON + "\n". */
int cgfs_render_log_jsonl(struct cg_buf *out, const struct cg_log_entry *e);

/* ---- organizations ------------------------------------------------------------ */

/* `integrations`: one line per integration, "<type> active|inactive\n"
 * (a null `active` reads "unknown"), in server order. */
int cgfs_render_integrations(struct cg_buf *out, const struct cg_integrations *i);
/* `rules`: "# Organization rules\n<text>\n" and, after a blank line,
 * "# User custom prompt\n<text>\n"; a null part is left out entirely; both
 * null renders empty. */
int cgfs_render_rules(struct cg_buf *out, const struct cg_cli_rules *r);
/* One string per line (`oauth`: the connected providers). */
int cgfs_render_lines(struct cg_buf *out, const struct cg_string_list *l);
/* `mcp-providers`: "<name>\t<issuer>\n" per provider. */
int cgfs_render_mcp_providers(struct cg_buf *out, const struct cg_oauth_provider_list *l);

/* ---- names from the server ----------------------------------------------------- */

/* A name the server sent becomes a directory entry only when it is one
 * lookup finds again: not empty, "." or "..", no "/", no control byte
 * (below 0x20, 0x7f), at most CGFS_NAME_MAX bytes, not all digits (it would
 * read as an id). */
#define CGFS_NAME_MAX 255
int cgfs_name_usable(const char *name);

/* Which org's name entry orgs->items[i]'s name is: i when it is listed for
 * i, the index of the first org in server order with that name when that
 * one is (the first wins), SIZE_MAX when the name is not usable. */
size_t cgfs_orgname_owner(const struct cg_org_page *orgs, size_t i);

/* ---- formats: a field of a model, by kind of value ------------------------------ */

enum cgfs_fmt {
	CGFS_FMT_VALUE,          /* char *: cgfs_render_value */
	CGFS_FMT_INT,            /* int64_t: cgfs_render_int */
	CGFS_FMT_TIME,           /* char * (created_at): cgfs_render_time */
	CGFS_FMT_JSON,           /* char * (JSON text): cgfs_render_json */
	CGFS_FMT_PRS,            /* struct cg_run: cgfs_render_prs */
	CGFS_FMT_PRS_JSON,       /* struct cg_run: cgfs_render_prs_json */
	CGFS_FMT_BRANCHES,       /* struct cg_run: cgfs_render_branches */
	CGFS_FMT_INTEGRATIONS,   /* struct cg_integrations */
	CGFS_FMT_RULES,          /* struct cg_cli_rules */
	CGFS_FMT_LINES,          /* struct cg_string_list */
	CGFS_FMT_PROVIDERS,      /* struct cg_oauth_provider_list */
};

/* Render the value at field (a pointer into a model, of the type the
 * format names). */
int cgfs_render_fmt(struct cg_buf *out, enum cgfs_fmt fmt, const void *field);

/* ---- the mount's own files ------------------------------------------------------ */

struct cgfs_cache_counters {
	uint64_t hits, misses, stale_served, negative_hits;
};

/* `stats`: a header line ("endpoint", then the columns requests retries
 * 429s waits errors bytes_in bytes_out), then one line per endpoint that has
 * seen at least one request or wait, in enum order: the name padded to 16,
 * each counter right-aligned in 10 columns after two spaces; then
 * "cache hits <n>\ncache misses <n>\ncache stale_served <n>\n"
 * "cache negative_hits <n>\n", and "connections <n>\n" (connections to the
 * API opened so far). */
int cgfs_render_stats(struct cg_buf *out, const struct cg_endpoint_stats st[CG_EP_COUNT],
		      const struct cgfs_cache_counters *cache, long connections);

/* One line of `errors`:
 *   "<time ISO Z> <op> <path> <http status or -> <ERRNO> <message>\n"
 * the message with control bytes turned into spaces. */
int cgfs_render_error_line(struct cg_buf *out, time_t when, const char *op,
			   const char *path, long http_status, int err,
			   const char *message);

#endif
