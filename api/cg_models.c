/* cg_models.c - cJSON -> C structs for the Codegen API's objects.
 *
 * Every model is a table of fields (JSON key, kind, offset in the struct);
 * one generic walker parses and frees them, and one generic item parser
 * handles every array and map (pages, PRs, logs, string lists, settings
 * maps).  Adding a field is one table row.  Contract: cg_models.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cg_models.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- JSON scalars ---------------------------------------------------------- */

/* JSON numbers are doubles: above 2^53 they are no longer exact ids. */
#define MAX_EXACT_INT 9007199254740992.0

/* An integer, or a string of decimal digits (some endpoints quote ids).
 * Writes *out only when the value is usable. */
static bool json_int(const cJSON *item, int64_t *out)
{
	const char *s;
	char *end;
	long long v;
	double d;

	if (cJSON_IsNumber(item)) {
		d = item->valuedouble;
		if (!(d >= -MAX_EXACT_INT && d <= MAX_EXACT_INT))
			return false;
		if ((double)(int64_t)d != d)
			return false;
		*out = (int64_t)d;
		return true;
	}
	if (!cJSON_IsString(item) || !item->valuestring)
		return false;
	s = item->valuestring;
	if (!*s || s[strspn(s, "0123456789")])
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Compact JSON text of item; NULL for a missing item or JSON null.
 * cJSON allocates with malloc (codegen-fs installs no hooks), so the
 * result is released with free() like every other string we hand out. */
static int json_text(const cJSON *item, char **out)
{
	*out = NULL;
	if (!item || cJSON_IsNull(item))
		return 0;
	*out = cJSON_PrintUnformatted(item);
	return *out ? 0 : -ENOMEM;
}

/* A string field shown as text: strings as they are (bytes untouched),
 * numbers and booleans as their JSON text, anything else NULL. */
static int scalar_text(const cJSON *item, char **out)
{
	*out = NULL;
	if (cJSON_IsString(item) && item->valuestring)
		*out = strdup(item->valuestring);
	else if (cJSON_IsNumber(item))
		*out = cJSON_PrintUnformatted(item);
	else if (cJSON_IsBool(item))
		*out = strdup(cJSON_IsTrue(item) ? "true" : "false");
	else
		return 0;
	return *out ? 0 : -ENOMEM;
}

/* ---- table-driven models ------------------------------------------------ */

struct model;

enum field_kind {
	F_ID,     /* required integer: -EIO when unusable */
	F_INT,    /* optional integer: CG_NONE when unusable */
	F_TRI,    /* tri-state boolean */
	F_STR,    /* scalar_text() */
	F_JSON,   /* json_text() of the value */
	F_RAW,    /* json_text() of the whole object */
	F_ARRAY,  /* items of an array, parsed with elem */
	F_MAP,    /* members of an object, parsed with elem */
};

#define FIELD_REQUIRED	0x1  /* F_STR: NULL fails; F_ARRAY/F_MAP: wrong type fails */
#define FIELD_SKIP_BAD	0x2  /* F_ARRAY/F_MAP: drop items that fail with -EIO */

struct field {
	const char *key;
	const char *sub;          /* when set, the value is json[key][sub] */
	enum field_kind kind;
	unsigned flags;
	size_t off;               /* where the value goes */
	size_t off_n;             /* F_ARRAY/F_MAP: where the count goes */
	const struct model *elem; /* F_ARRAY/F_MAP */
};

/* parse() fills a zeroed *out; on failure it leaves *out zeroed.
 * free() releases what *out owns and zeroes it. */
struct model {
	size_t size;
	int (*parse)(const struct model *m, const cJSON *json, void *out);
	void (*free)(const struct model *m, void *p);
	const struct field *fields;
	size_t n_fields;
};

#define FLD(k, kind_, T, m)	{ .key = (k), .kind = (kind_), .off = offsetof(T, m) }
#define ID_FIELD(T, m)		FLD(#m, F_ID, T, m)
#define INT_FIELD(T, m)		FLD(#m, F_INT, T, m)
#define TRI_FIELD(T, m)		FLD(#m, F_TRI, T, m)
#define STR_FIELD(T, m)		FLD(#m, F_STR, T, m)
#define JSON_FIELD(T, m)	FLD(#m, F_JSON, T, m)
#define RAW_FIELD(T)		FLD(NULL, F_RAW, T, raw)
#define SUB_FIELD(k, s, kind_, T, m) \
	{ .key = (k), .sub = (s), .kind = (kind_), .off = offsetof(T, m) }
#define REQ_STR_FIELD(T, m) \
	{ .key = #m, .kind = F_STR, .flags = FIELD_REQUIRED, .off = offsetof(T, m) }
#define LIST_FIELD(k, kind_, fl, T, m, nm, el) \
	{ .key = (k), .kind = (kind_), .flags = (fl), .off = offsetof(T, m), \
	  .off_n = offsetof(T, nm), .elem = &(el) }
#define STRLIST_FIELD(T, m) \
	LIST_FIELD(#m, F_ARRAY, FIELD_SKIP_BAD, T, m.items, m.n, text_model)
#define PAGE_FIELDS(T, el) \
	LIST_FIELD("items", F_ARRAY, FIELD_REQUIRED, T, items, n, el), \
	FLD("total", F_INT, T, meta.total), \
	FLD("page", F_INT, T, meta.page), \
	FLD("size", F_INT, T, meta.size), \
	FLD("pages", F_INT, T, meta.pages)

static int parse_object(const struct model *m, const cJSON *json, void *out);
static void free_object(const struct model *m, void *p);

#define OBJECT_MODEL(T, parse_fn, free_fn, fields_) { \
	.size = sizeof(T), .parse = (parse_fn), .free = (free_fn), \
	.fields = (fields_), .n_fields = ARRAY_SIZE(fields_) }
#define PLAIN_MODEL(T, fields_) OBJECT_MODEL(T, parse_object, free_object, fields_)

static void *field_ptr(void *base, size_t off)
{
	return (char *)base + off;
}

static void free_items(const struct model *elem, void *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		elem->free(elem, (char *)items + i * elem->size);
	free(items);
}

/* The one parser of every array and map: each child of container becomes
 * an elem.  With FIELD_SKIP_BAD a child that fails with -EIO is dropped;
 * any other failure fails the whole list.  *items is NULL when *n is 0. */
static int parse_items(const cJSON *container, const struct model *elem,
		       unsigned flags, void **items_out, size_t *n_out)
{
	const cJSON *child;
	size_t count = 0, n = 0;
	char *items;
	int ret;

	cJSON_ArrayForEach(child, container)
		count++;
	if (!count) {
		*items_out = NULL;
		*n_out = 0;
		return 0;
	}
	items = calloc(count, elem->size);
	if (!items)
		return -ENOMEM;
	cJSON_ArrayForEach(child, container) {
		ret = elem->parse(elem, child, items + n * elem->size);
		if (ret == -EIO && (flags & FIELD_SKIP_BAD))
			continue;
		if (ret)
			goto out_free_items;
		n++;
	}
	if (!n) {
		free(items);
		items = NULL;
	}
	*items_out = items;
	*n_out = n;
	return 0;

out_free_items:
	free_items(elem, items, n);
	return ret;
}

static int parse_list_field(const struct field *f, const cJSON *item, void *base)
{
	bool ok = f->kind == F_ARRAY ? cJSON_IsArray(item) : cJSON_IsObject(item);
	void *items;
	size_t n;
	int ret;

	if (!ok)
		return (f->flags & FIELD_REQUIRED) ? -EIO : 0;
	ret = parse_items(item, f->elem, f->flags, &items, &n);
	if (ret)
		return ret;
	/* The member is a typed pointer (struct cg_pr *, char **, ...). */
	memcpy(field_ptr(base, f->off), &items, sizeof(items));
	*(size_t *)field_ptr(base, f->off_n) = n;
	return 0;
}

static int parse_field(const struct field *f, const cJSON *json, void *base)
{
	void *dst = field_ptr(base, f->off);
	const cJSON *item = NULL;
	int ret;

	if (f->key)
		item = cJSON_GetObjectItemCaseSensitive(json, f->key);
	if (f->sub)
		item = cJSON_IsObject(item) ?
		       cJSON_GetObjectItemCaseSensitive(item, f->sub) : NULL;

	switch (f->kind) {
	case F_ID:
		return json_int(item, dst) ? 0 : -EIO;
	case F_INT:
		if (!json_int(item, dst))
			*(int64_t *)dst = CG_NONE;
		return 0;
	case F_TRI:
		*(int *)dst = cJSON_IsBool(item) ? !!cJSON_IsTrue(item) : -1;
		return 0;
	case F_STR:
		ret = scalar_text(item, dst);
		if (!ret && (f->flags & FIELD_REQUIRED) && !*(char **)dst)
			return -EIO;
		return ret;
	case F_JSON:
		return json_text(item, dst);
	case F_RAW:
		return json_text(json, dst);
	case F_ARRAY:
	case F_MAP:
		return parse_list_field(f, item, base);
	}
	return -EINVAL;
}

static void free_field(const struct field *f, void *base)
{
	void *dst = field_ptr(base, f->off);
	void *items;

	switch (f->kind) {
	case F_STR:
	case F_JSON:
	case F_RAW:
		free(*(char **)dst);
		break;
	case F_ARRAY:
	case F_MAP:
		memcpy(&items, dst, sizeof(items));
		free_items(f->elem, items, *(size_t *)field_ptr(base, f->off_n));
		break;
	default:
		break;
	}
}

static void free_object(const struct model *m, void *p)
{
	size_t i;

	for (i = 0; i < m->n_fields; i++)
		free_field(&m->fields[i], p);
	memset(p, 0, m->size);
}

static int parse_object(const struct model *m, const cJSON *json, void *out)
{
	size_t i;
	int ret;

	if (!cJSON_IsObject(json))
		return -EIO;
	for (i = 0; i < m->n_fields; i++) {
		ret = parse_field(&m->fields[i], json, out);
		if (ret)
			goto out_free_fields;
	}
	return 0;

out_free_fields:
	free_object(m, out);
	return ret;
}

/* Public entry points: parse into a scratch copy so *out is written only
 * on success. */
static int parse_top(const struct model *m, const cJSON *json, void *out)
{
	void *tmp;
	int ret;

	if (!out)
		return -EINVAL;
	tmp = calloc(1, m->size);
	if (!tmp)
		return -ENOMEM;
	ret = m->parse(m, json, tmp);
	if (!ret)
		memcpy(out, tmp, m->size);
	free(tmp);
	return ret;
}

static void free_top(const struct model *m, void *p)
{
	if (p)
		m->free(m, p);
}

/* ---- element models that are not objects ------------------------------- */

/* An element of a string list: a scalar, else -EIO (skipped by callers). */
static int parse_text(const struct model *m, const cJSON *json, void *out)
{
	char **s = out;
	int ret;

	ret = scalar_text(json, s);
	if (ret)
		return ret;
	return *s ? 0 : -EIO;
}

static void free_text(const struct model *m, void *p)
{
	char **s = p;

	free(*s);
	*s = NULL;
}

static const struct model text_model = {
	.size = sizeof(char *), .parse = parse_text, .free = free_text,
};

static int parse_kv(const struct model *m, const cJSON *json, void *out, bool numeric)
{
	struct cg_kv *kv = out;
	int ret;

	if (!json->string)
		return -EIO;
	kv->key = strdup(json->string);
	if (!kv->key)
		return -ENOMEM;
	kv->num = CG_NONE;
	if (numeric) {
		json_int(json, &kv->num);
		return 0;
	}
	ret = scalar_text(json, &kv->str);
	if (ret) {
		free(kv->key);
		kv->key = NULL;
	}
	return ret;
}

static int parse_kv_num(const struct model *m, const cJSON *json, void *out)
{
	return parse_kv(m, json, out, true);
}

static int parse_kv_str(const struct model *m, const cJSON *json, void *out)
{
	return parse_kv(m, json, out, false);
}

static void free_kv(const struct model *m, void *p)
{
	struct cg_kv *kv = p;

	free(kv->key);
	free(kv->str);
	memset(kv, 0, sizeof(*kv));
}

static const struct model kv_num_model = {
	.size = sizeof(struct cg_kv), .parse = parse_kv_num, .free = free_kv,
};
static const struct model kv_str_model = {
	.size = sizeof(struct cg_kv), .parse = parse_kv_str, .free = free_kv,
};

/* Token status: "name", {"provider": "name"} or {"name": "name"}. */
static int parse_provider_name(const struct model *m, const cJSON *json, void *out)
{
	const cJSON *name = json;
	char **s = out;

	if (cJSON_IsObject(json)) {
		name = cJSON_GetObjectItemCaseSensitive(json, "provider");
		if (!cJSON_IsString(name))
			name = cJSON_GetObjectItemCaseSensitive(json, "name");
	}
	if (!cJSON_IsString(name) || !name->valuestring)
		return -EIO;
	*s = strdup(name->valuestring);
	return *s ? 0 : -ENOMEM;
}

static const struct model provider_name_model = {
	.size = sizeof(char *), .parse = parse_provider_name, .free = free_text,
};

/* ---- object models -------------------------------------------------------- */

static const struct field org_fields[] = {
	ID_FIELD(struct cg_org, id),
	STR_FIELD(struct cg_org, name),
	SUB_FIELD("settings", "enable_pr_creation", F_TRI, struct cg_org, enable_pr_creation),
	SUB_FIELD("settings", "enable_rules_detection", F_TRI, struct cg_org,
		  enable_rules_detection),
	RAW_FIELD(struct cg_org),
};
static const struct model org_model = PLAIN_MODEL(struct cg_org, org_fields);

static const struct field user_fields[] = {
	ID_FIELD(struct cg_user, id),
	STR_FIELD(struct cg_user, email),
	STR_FIELD(struct cg_user, github_user_id),
	STR_FIELD(struct cg_user, github_username),
	STR_FIELD(struct cg_user, avatar_url),
	STR_FIELD(struct cg_user, full_name),
	STR_FIELD(struct cg_user, role),
	TRI_FIELD(struct cg_user, is_admin),
	RAW_FIELD(struct cg_user),
};
static const struct model user_model = PLAIN_MODEL(struct cg_user, user_fields);

static const struct field repo_fields[] = {
	ID_FIELD(struct cg_repo, id),
	STR_FIELD(struct cg_repo, name),
	STR_FIELD(struct cg_repo, full_name),
	STR_FIELD(struct cg_repo, description),
	STR_FIELD(struct cg_repo, github_id),
	INT_FIELD(struct cg_repo, organization_id),
	STR_FIELD(struct cg_repo, visibility),
	TRI_FIELD(struct cg_repo, archived),
	STR_FIELD(struct cg_repo, setup_status),
	STR_FIELD(struct cg_repo, language),
	RAW_FIELD(struct cg_repo),
};
static const struct model repo_model = PLAIN_MODEL(struct cg_repo, repo_fields);

static const struct field pr_fields[] = {
	ID_FIELD(struct cg_pr, id),
	STR_FIELD(struct cg_pr, title),
	STR_FIELD(struct cg_pr, url),
	STR_FIELD(struct cg_pr, created_at),
	STR_FIELD(struct cg_pr, head_branch_name),
};
static const struct model pr_model = PLAIN_MODEL(struct cg_pr, pr_fields);

static const struct field run_fields[] = {
	ID_FIELD(struct cg_run, id),
	INT_FIELD(struct cg_run, organization_id),
	STR_FIELD(struct cg_run, status),
	STR_FIELD(struct cg_run, created_at),
	STR_FIELD(struct cg_run, web_url),
	STR_FIELD(struct cg_run, result),
	STR_FIELD(struct cg_run, summary),
	STR_FIELD(struct cg_run, source_type),
	LIST_FIELD("github_pull_requests", F_ARRAY, FIELD_SKIP_BAD, struct cg_run,
		   prs, n_prs, pr_model),
	JSON_FIELD(struct cg_run, metadata),
	RAW_FIELD(struct cg_run),
};

static int parse_run(const struct model *m, const cJSON *json, void *out)
{
	struct cg_run *r = out;
	int64_t epoch;
	int ret;

	ret = parse_object(m, json, out);
	if (ret)
		return ret;
	r->created_epoch = CG_NONE;
	if (r->created_at && !cg_time_parse(r->created_at, &epoch))
		r->created_epoch = epoch;
	return 0;
}
static const struct model run_model =
	OBJECT_MODEL(struct cg_run, parse_run, free_object, run_fields);

static const struct field log_fields[] = {
	INT_FIELD(struct cg_log_entry, agent_run_id),
	STR_FIELD(struct cg_log_entry, created_at),
	STR_FIELD(struct cg_log_entry, tool_name),
	STR_FIELD(struct cg_log_entry, message_type),
	STR_FIELD(struct cg_log_entry, thought),
	STR_FIELD(struct cg_log_entry, observation),
	JSON_FIELD(struct cg_log_entry, tool_input),
	JSON_FIELD(struct cg_log_entry, tool_output),
	RAW_FIELD(struct cg_log_entry),
};

/* `observation` is a string or an object: the table reads it as text,
 * an object or array is then kept as its JSON. */
static int parse_log_entry(const struct model *m, const cJSON *json, void *out)
{
	struct cg_log_entry *e = out;
	const cJSON *obs;
	int ret;

	ret = parse_object(m, json, out);
	if (ret)
		return ret;
	obs = cJSON_GetObjectItemCaseSensitive(json, "observation");
	if (!cJSON_IsObject(obs) && !cJSON_IsArray(obs))
		return 0;
	ret = json_text(obs, &e->observation);
	if (ret)
		goto out_free_entry;
	e->observation_is_json = 1;
	return 0;

out_free_entry:
	free_object(m, out);
	return ret;
}
static const struct model log_model =
	OBJECT_MODEL(struct cg_log_entry, parse_log_entry, free_object, log_fields);

static const struct field run_logs_fields[] = {
	LIST_FIELD("logs", F_ARRAY, FIELD_REQUIRED | FIELD_SKIP_BAD,
		   struct cg_run_logs, logs, n_logs, log_model),
	INT_FIELD(struct cg_run_logs, total_logs),
	INT_FIELD(struct cg_run_logs, page),
	INT_FIELD(struct cg_run_logs, size),
	INT_FIELD(struct cg_run_logs, pages),
};

/* A shallow rebuild of obj without key: cheaper than duplicating a page
 * of logs only to delete it. */
static int object_without(const cJSON *obj, const char *key, cJSON **out)
{
	const cJSON *child;
	cJSON *copy, *dup;

	copy = cJSON_CreateObject();
	if (!copy)
		return -ENOMEM;
	cJSON_ArrayForEach(child, obj) {
		if (child->string && !strcmp(child->string, key))
			continue;
		dup = cJSON_Duplicate(child, 1);
		if (!dup)
			goto out_delete_copy;
		if (!cJSON_AddItemToObject(copy, child->string ? child->string : "", dup)) {
			cJSON_Delete(dup);
			goto out_delete_copy;
		}
	}
	*out = copy;
	return 0;

out_delete_copy:
	cJSON_Delete(copy);
	return -ENOMEM;
}

static void free_run_logs(const struct model *m, void *p)
{
	struct cg_run_logs *l = p;

	run_model.free(&run_model, &l->run);
	free_object(m, p);
}

static int parse_run_logs(const struct model *m, const cJSON *json, void *out)
{
	struct cg_run_logs *l = out;
	cJSON *envelope;
	int ret;

	ret = parse_object(m, json, out);
	if (ret)
		return ret;
	ret = object_without(json, "logs", &envelope);
	if (ret)
		goto out_free_logs;
	ret = run_model.parse(&run_model, envelope, &l->run);
	cJSON_Delete(envelope);
	if (ret)
		goto out_free_logs;
	return 0;

out_free_logs:
	free_run_logs(m, out);
	return ret;
}
static const struct model run_logs_model =
	OBJECT_MODEL(struct cg_run_logs, parse_run_logs, free_run_logs, run_logs_fields);

static const struct field org_page_fields[] = { PAGE_FIELDS(struct cg_org_page, org_model) };
static const struct field user_page_fields[] = { PAGE_FIELDS(struct cg_user_page, user_model) };
static const struct field repo_page_fields[] = { PAGE_FIELDS(struct cg_repo_page, repo_model) };
static const struct field run_page_fields[] = { PAGE_FIELDS(struct cg_run_page, run_model) };
static const struct model org_page_model = PLAIN_MODEL(struct cg_org_page, org_page_fields);
static const struct model user_page_model = PLAIN_MODEL(struct cg_user_page, user_page_fields);
static const struct model repo_page_model = PLAIN_MODEL(struct cg_repo_page, repo_page_fields);
static const struct model run_page_model = PLAIN_MODEL(struct cg_run_page, run_page_fields);

static const struct field integration_fields[] = {
	STR_FIELD(struct cg_integration, integration_type),
	TRI_FIELD(struct cg_integration, active),
	INT_FIELD(struct cg_integration, token_id),
	INT_FIELD(struct cg_integration, installation_id),
	JSON_FIELD(struct cg_integration, metadata),
};
static const struct model integration_model =
	PLAIN_MODEL(struct cg_integration, integration_fields);

static const struct field integrations_fields[] = {
	INT_FIELD(struct cg_integrations, organization_id),
	STR_FIELD(struct cg_integrations, organization_name),
	LIST_FIELD("integrations", F_ARRAY, FIELD_SKIP_BAD, struct cg_integrations,
		   items, n, integration_model),
	INT_FIELD(struct cg_integrations, total_active_integrations),
	RAW_FIELD(struct cg_integrations),
};
static const struct model integrations_model =
	PLAIN_MODEL(struct cg_integrations, integrations_fields);

static const struct field cli_rules_fields[] = {
	STR_FIELD(struct cg_cli_rules, organization_rules),
	STR_FIELD(struct cg_cli_rules, user_custom_prompt),
	RAW_FIELD(struct cg_cli_rules),
};
static const struct model cli_rules_model = PLAIN_MODEL(struct cg_cli_rules, cli_rules_fields);

static const struct field check_suite_fields[] = {
	INT_FIELD(struct cg_check_suite, check_retry_count),
	STRLIST_FIELD(struct cg_check_suite, ignored_checks),
	LIST_FIELD("check_retry_counts", F_MAP, 0, struct cg_check_suite,
		   check_retry_counts.items, check_retry_counts.n, kv_num_model),
	LIST_FIELD("custom_prompts", F_MAP, 0, struct cg_check_suite,
		   custom_prompts.items, custom_prompts.n, kv_str_model),
	STRLIST_FIELD(struct cg_check_suite, high_priority_apps),
	STRLIST_FIELD(struct cg_check_suite, available_check_suite_names),
	RAW_FIELD(struct cg_check_suite),
};
static const struct model check_suite_model =
	PLAIN_MODEL(struct cg_check_suite, check_suite_fields);

static const struct field provider_fields[] = {
	ID_FIELD(struct cg_oauth_provider, id),
	STR_FIELD(struct cg_oauth_provider, name),
	STR_FIELD(struct cg_oauth_provider, issuer),
	STR_FIELD(struct cg_oauth_provider, authorization_endpoint),
	STR_FIELD(struct cg_oauth_provider, token_endpoint),
	STRLIST_FIELD(struct cg_oauth_provider, default_scopes),
	TRI_FIELD(struct cg_oauth_provider, is_mcp),
	JSON_FIELD(struct cg_oauth_provider, meta),
	RAW_FIELD(struct cg_oauth_provider),
};
static const struct model provider_model = PLAIN_MODEL(struct cg_oauth_provider, provider_fields);

static const struct field pr_edit_fields[] = {
	TRI_FIELD(struct cg_pr_edit, success),
	STR_FIELD(struct cg_pr_edit, url),
	INT_FIELD(struct cg_pr_edit, number),
	STR_FIELD(struct cg_pr_edit, title),
	STR_FIELD(struct cg_pr_edit, state),
	STR_FIELD(struct cg_pr_edit, error),
	RAW_FIELD(struct cg_pr_edit),
};
static const struct model pr_edit_model = PLAIN_MODEL(struct cg_pr_edit, pr_edit_fields);

static const struct field started_run_fields[] = {
	ID_FIELD(struct cg_started_run, agent_run_id),
	STR_FIELD(struct cg_started_run, status),
	STR_FIELD(struct cg_started_run, url),
	STR_FIELD(struct cg_started_run, message),
	RAW_FIELD(struct cg_started_run),
};
static const struct model started_run_model =
	PLAIN_MODEL(struct cg_started_run, started_run_fields);

static const struct field slack_token_fields[] = {
	REQ_STR_FIELD(struct cg_slack_token, token),
	STR_FIELD(struct cg_slack_token, message),
	INT_FIELD(struct cg_slack_token, expires_in_minutes),
	RAW_FIELD(struct cg_slack_token),
};
static const struct model slack_token_model =
	PLAIN_MODEL(struct cg_slack_token, slack_token_fields);

/* ---- time ------------------------------------------------------------------ */

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

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
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
	int64_t off;

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
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || s > 59)
		return -EINVAL;
	*epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
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

/* ---- runs ------------------------------------------------------------------ */

enum cg_run_state cg_run_state_of(const char *status)
{
	static const struct {
		const char *status;
		enum cg_run_state state;
	} states[] = {
		{ "ACTIVE", CG_RUN_WORKING },
		{ "PENDING", CG_RUN_WORKING },
		{ "RUNNING", CG_RUN_WORKING },
		{ "EVALUATION", CG_RUN_WORKING },
		{ "PAUSED", CG_RUN_PAUSED },
		{ "COMPLETE", CG_RUN_FINISHED },
		{ "FAILED", CG_RUN_FINISHED },
		{ "ERROR", CG_RUN_FINISHED },
		{ "CANCELLED", CG_RUN_FINISHED },
		{ "STOPPED", CG_RUN_FINISHED },
		{ "TIMEOUT", CG_RUN_FINISHED },
		{ "MAX_ITERATIONS_REACHED", CG_RUN_FINISHED },
		{ "OUT_OF_TOKENS", CG_RUN_FINISHED },
	};
	size_t i;

	if (!status)
		return CG_RUN_UNKNOWN;
	for (i = 0; i < ARRAY_SIZE(states); i++)
		if (!strcmp(status, states[i].status))
			return states[i].state;
	return CG_RUN_UNKNOWN;
}

int cg_run_parse(const cJSON *json, struct cg_run *out)
{
	return parse_top(&run_model, json, out);
}

void cg_run_free(struct cg_run *r)
{
	free_top(&run_model, r);
}

int cg_log_entry_parse(const cJSON *json, struct cg_log_entry *out)
{
	return parse_top(&log_model, json, out);
}

void cg_log_entry_free(struct cg_log_entry *e)
{
	free_top(&log_model, e);
}

int cg_run_logs_parse(const cJSON *json, struct cg_run_logs *out)
{
	return parse_top(&run_logs_model, json, out);
}

void cg_run_logs_free(struct cg_run_logs *l)
{
	free_top(&run_logs_model, l);
}

/* ---- shared pieces, orgs, users, repos, pages -------------------------------- */

void cg_string_list_free(struct cg_string_list *l)
{
	if (!l)
		return;
	free_items(&text_model, l->items, l->n);
	memset(l, 0, sizeof(*l));
}

void cg_kv_list_free(struct cg_kv_list *l)
{
	if (!l)
		return;
	free_items(&kv_str_model, l->items, l->n);
	memset(l, 0, sizeof(*l));
}

int cg_message_parse(const cJSON *json, struct cg_message *out)
{
	struct cg_message m = { 0 };
	int ret;

	if (!out)
		return -EINVAL;
	if (!json)
		return -EIO;
	if (cJSON_IsObject(json)) {
		ret = scalar_text(cJSON_GetObjectItemCaseSensitive(json, "message"),
				  &m.message);
		if (ret)
			return ret;
	}
	/* Unlike a field, a bare `null` answer still has a raw text. */
	m.raw = cJSON_PrintUnformatted(json);
	if (!m.raw) {
		ret = -ENOMEM;
		goto out_free_message;
	}
	*out = m;
	return 0;

out_free_message:
	free(m.message);
	return ret;
}

void cg_message_free(struct cg_message *m)
{
	if (!m)
		return;
	free(m->message);
	free(m->raw);
	memset(m, 0, sizeof(*m));
}

int cg_org_parse(const cJSON *json, struct cg_org *out)
{
	return parse_top(&org_model, json, out);
}

void cg_org_free(struct cg_org *o)
{
	free_top(&org_model, o);
}

int cg_user_parse(const cJSON *json, struct cg_user *out)
{
	return parse_top(&user_model, json, out);
}

void cg_user_free(struct cg_user *u)
{
	free_top(&user_model, u);
}

int cg_repo_parse(const cJSON *json, struct cg_repo *out)
{
	return parse_top(&repo_model, json, out);
}

void cg_repo_free(struct cg_repo *r)
{
	free_top(&repo_model, r);
}

int cg_org_page_parse(const cJSON *json, struct cg_org_page *out)
{
	return parse_top(&org_page_model, json, out);
}

int cg_user_page_parse(const cJSON *json, struct cg_user_page *out)
{
	return parse_top(&user_page_model, json, out);
}

int cg_repo_page_parse(const cJSON *json, struct cg_repo_page *out)
{
	return parse_top(&repo_page_model, json, out);
}

int cg_run_page_parse(const cJSON *json, struct cg_run_page *out)
{
	return parse_top(&run_page_model, json, out);
}

void cg_org_page_free(struct cg_org_page *p)
{
	free_top(&org_page_model, p);
}

void cg_user_page_free(struct cg_user_page *p)
{
	free_top(&user_page_model, p);
}

void cg_repo_page_free(struct cg_repo_page *p)
{
	free_top(&repo_page_model, p);
}

void cg_run_page_free(struct cg_run_page *p)
{
	free_top(&run_page_model, p);
}

/* ---- organization extras --------------------------------------------------- */

int cg_integrations_parse(const cJSON *json, struct cg_integrations *out)
{
	return parse_top(&integrations_model, json, out);
}

void cg_integrations_free(struct cg_integrations *i)
{
	free_top(&integrations_model, i);
}

int cg_cli_rules_parse(const cJSON *json, struct cg_cli_rules *out)
{
	return parse_top(&cli_rules_model, json, out);
}

void cg_cli_rules_free(struct cg_cli_rules *r)
{
	free_top(&cli_rules_model, r);
}

int cg_check_suite_parse(const cJSON *json, struct cg_check_suite *out)
{
	return parse_top(&check_suite_model, json, out);
}

void cg_check_suite_free(struct cg_check_suite *s)
{
	free_top(&check_suite_model, s);
}

/* The endpoint answers a bare array: a provider without an id fails the
 * list, as a bad item fails a page. */
int cg_oauth_provider_list_parse(const cJSON *json, struct cg_oauth_provider_list *out)
{
	struct cg_oauth_provider_list l = { 0 };
	void *items;
	int ret;

	if (!out)
		return -EINVAL;
	if (!cJSON_IsArray(json))
		return -EIO;
	ret = parse_items(json, &provider_model, 0, &items, &l.n);
	if (ret)
		return ret;
	l.items = items;
	ret = json_text(json, &l.raw);
	if (ret)
		goto out_free_list;
	*out = l;
	return 0;

out_free_list:
	cg_oauth_provider_list_free(&l);
	return ret;
}

void cg_oauth_provider_list_free(struct cg_oauth_provider_list *l)
{
	if (!l)
		return;
	free_items(&provider_model, l->items, l->n);
	free(l->raw);
	memset(l, 0, sizeof(*l));
}

/* The schema of this answer is undocumented ("a list of provider names"),
 * hence the accepted shapes listed in the header. */
int cg_oauth_status_parse(const cJSON *json, struct cg_string_list *out)
{
	const cJSON *child, *list = NULL;
	void *items;
	size_t n;
	int ret;

	if (!out)
		return -EINVAL;
	if (cJSON_IsArray(json)) {
		list = json;
	} else if (cJSON_IsObject(json)) {
		cJSON_ArrayForEach(child, json) {
			if (cJSON_IsArray(child)) {
				list = child;
				break;
			}
		}
	}
	if (!list)
		return -EIO;
	ret = parse_items(list, &provider_name_model, 0, &items, &n);
	if (ret)
		return ret;
	out->items = items;
	out->n = n;
	return 0;
}

/* ---- answers of actions ---------------------------------------------------- */

int cg_pr_edit_parse(const cJSON *json, struct cg_pr_edit *out)
{
	return parse_top(&pr_edit_model, json, out);
}

void cg_pr_edit_free(struct cg_pr_edit *e)
{
	free_top(&pr_edit_model, e);
}

int cg_started_run_parse(const cJSON *json, struct cg_started_run *out)
{
	return parse_top(&started_run_model, json, out);
}

void cg_started_run_free(struct cg_started_run *s)
{
	free_top(&started_run_model, s);
}

int cg_slack_token_parse(const cJSON *json, struct cg_slack_token *out)
{
	return parse_top(&slack_token_model, json, out);
}

void cg_slack_token_free(struct cg_slack_token *t)
{
	free_top(&slack_token_model, t);
}
