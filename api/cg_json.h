/* cg_json.h - parse cJSON values into C structs by table.
 *
 * A model is a table of typed field descriptors (JSON key, kind, offset in
 * the struct); one walker parses and frees any struct so described, and one
 * item parser handles every array and map.  The getters are tolerant in the
 * ways cg_models.h documents (null, missing, quoted ids, scalars as text).
 * Knows no particular API object: the tables live in cg_models.c.
 */
#ifndef CG_JSON_H
#define CG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* An optional integer that was null, missing or unusable. */
#define CG_NONE INT64_MIN

enum cg_json_kind {
	CG_JSON_ID,     /* required integer: -EIO when unusable */
	CG_JSON_INT,    /* optional integer: CG_NONE when unusable */
	CG_JSON_TRI,    /* tri-state boolean: 1, 0, -1 */
	CG_JSON_STR,    /* cg_json_scalar_text() */
	CG_JSON_TEXT,   /* cg_json_text() of the value */
	CG_JSON_RAW,    /* cg_json_text() of the whole object */
	CG_JSON_ARRAY,  /* items of an array, parsed with elem */
	CG_JSON_MAP,    /* members of an object, parsed with elem */
};

#define CG_JSON_REQUIRED 0x1  /* STR: NULL fails; ARRAY/MAP: wrong type fails */
#define CG_JSON_SKIP_BAD 0x2  /* ARRAY/MAP: drop items that fail with -EIO */
#define CG_JSON_COUNT_BAD 0x4 /* ARRAY/MAP: the count of items left out goes to off_bad */

/* One answer's list holds at most this many items: the rest are left out
 * (and counted like bad items), whatever the server sent. */
#define CG_JSON_MAX_ITEMS 10000

struct cg_json_model;

struct cg_json_field {
	const char *key;
	const char *sub;                  /* when set, the value is json[key][sub] */
	enum cg_json_kind kind;
	unsigned flags;
	size_t off;                       /* where the value goes */
	size_t off_n;                     /* ARRAY/MAP: where the count goes */
	size_t off_bad;                   /* ARRAY/MAP with COUNT_BAD: items left out (size_t) */
	const struct cg_json_model *elem; /* ARRAY/MAP */
};

/* parse() fills a zeroed *out; on failure it leaves *out zeroed.
 * free() releases what *out owns and zeroes it. */
struct cg_json_model {
	size_t size;
	int (*parse)(const struct cg_json_model *m, const cJSON *json, void *out);
	void (*free)(const struct cg_json_model *m, void *p);
	const struct cg_json_field *fields;
	size_t n_fields;
};

/* Field rows: the JSON key is the member's name unless given. */
#define CG_JSON_FLD(k, kind_, T, m) { .key = (k), .kind = (kind_), .off = offsetof(T, m) }
#define CG_JSON_ID_F(T, m)	CG_JSON_FLD(#m, CG_JSON_ID, T, m)
#define CG_JSON_INT_F(T, m)	CG_JSON_FLD(#m, CG_JSON_INT, T, m)
#define CG_JSON_TRI_F(T, m)	CG_JSON_FLD(#m, CG_JSON_TRI, T, m)
#define CG_JSON_STR_F(T, m)	CG_JSON_FLD(#m, CG_JSON_STR, T, m)
#define CG_JSON_TEXT_F(T, m)	CG_JSON_FLD(#m, CG_JSON_TEXT, T, m)
#define CG_JSON_RAW_F(T)	CG_JSON_FLD(NULL, CG_JSON_RAW, T, raw)
#define CG_JSON_SUB_F(k, s, kind_, T, m) \
	{ .key = (k), .sub = (s), .kind = (kind_), .off = offsetof(T, m) }
#define CG_JSON_REQ_STR_F(T, m) \
	{ .key = #m, .kind = CG_JSON_STR, .flags = CG_JSON_REQUIRED, .off = offsetof(T, m) }
#define CG_JSON_LIST_F(k, kind_, fl, T, m, nm, el) \
	{ .key = (k), .kind = (kind_), .flags = (fl), .off = offsetof(T, m), \
	  .off_n = offsetof(T, nm), .elem = &(el) }
/* A list whose left-out items are counted in member bad (a size_t). */
#define CG_JSON_COUNTED_LIST_F(k, kind_, fl, T, m, nm, bad, el) \
	{ .key = (k), .kind = (kind_), .flags = (fl) | CG_JSON_COUNT_BAD, \
	  .off = offsetof(T, m), .off_n = offsetof(T, nm), .off_bad = offsetof(T, bad), \
	  .elem = &(el) }
/* A struct cg_string_list member (items/n) of scalars; bad items dropped. */
#define CG_JSON_STRLIST_F(T, m) \
	CG_JSON_LIST_F(#m, CG_JSON_ARRAY, CG_JSON_SKIP_BAD, T, m.items, m.n, cg_json_text_model)

#define CG_JSON_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* A model whose parse/free are given (usually wrapping the generic ones). */
#define CG_JSON_MODEL(T, parse_fn, free_fn, fields_) { \
	.size = sizeof(T), .parse = (parse_fn), .free = (free_fn), \
	.fields = (fields_), .n_fields = CG_JSON_ARRAY_SIZE(fields_) }
/* A model that is its table and nothing else. */
#define CG_JSON_PLAIN(T, fields_) \
	CG_JSON_MODEL(T, cg_json_parse_object, cg_json_free_object, fields_)

/* ---- tolerant getters ------------------------------------------------------- */

/* An integer, or a string of decimal digits (some endpoints quote ids);
 * numbers beyond 2^53 are not exact and refused.  Writes *out only when
 * the value is usable. */
bool cg_json_int(const cJSON *item, int64_t *out);

/* Compact JSON text of item (caller frees with free()); NULL for a missing
 * item or JSON null.  0 or -ENOMEM. */
int cg_json_text(const cJSON *item, char **out);

/* A string field shown as text (caller frees): strings as they are, numbers
 * and booleans as their JSON text, anything else NULL.  0 or -ENOMEM. */
int cg_json_scalar_text(const cJSON *item, char **out);

/* ---- the walker ------------------------------------------------------------- */

/* Parse every field of m's table from the object json into a zeroed out;
 * -EIO when json is not an object or a required field is unusable. */
int cg_json_parse_object(const struct cg_json_model *m, const cJSON *json, void *out);
/* Free what the fields of m's table own in p, and zero it. */
void cg_json_free_object(const struct cg_json_model *m, void *p);

/* Each child of container becomes an elem (calloc'd array, caller frees
 * with cg_json_free_items).  With CG_JSON_SKIP_BAD a child failing with
 * -EIO is dropped; any other failure fails the list.  Children past
 * CG_JSON_MAX_ITEMS are dropped too.  *left_out (when not NULL) counts the
 * children dropped.  *items is NULL when *n is 0. */
int cg_json_parse_items(const cJSON *container, const struct cg_json_model *elem,
			unsigned flags, void **items, size_t *n, size_t *left_out);
void cg_json_free_items(const struct cg_json_model *elem, void *items, size_t n);

/* The public form: parse json with m into *out, written only on success
 * (-EINVAL for a NULL out).  Free with cg_json_free, which accepts NULL. */
int cg_json_parse(const struct cg_json_model *m, const cJSON *json, void *out);
void cg_json_free(const struct cg_json_model *m, void *p);

/* The element of a string list: a scalar as text, else -EIO. */
extern const struct cg_json_model cg_json_text_model;

#endif
