/* cg_models.c - the model tables of the Codegen API's objects.
 *
 * One table of fields per object (cg_json.h does the walking); a few
 * models add a step the table cannot say (a run's parsed created_at, a log
 * entry's object-or-string observation, the run-logs envelope, the
 * shapes of bare arrays).  The public parse/free pairs are generated from
 * one list at the end.  Contract: cg_models.h.
 */
#include "cg_models.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- element models that are not objects ------------------------------- */

static int parse_kv(const cJSON *json, struct cg_kv *kv, bool numeric)
{
	int ret;

	if (!json->string)
		return -EIO;
	kv->key = strdup(json->string);
	if (!kv->key)
		return -ENOMEM;
	kv->num = CG_NONE;
	if (numeric) {
		cg_json_int(json, &kv->num);
		return 0;
	}
	ret = cg_json_scalar_text(json, &kv->str);
	if (ret) {
		free(kv->key);
		kv->key = NULL;
	}
	return ret;
}

static int parse_kv_num(const struct cg_json_model *m, const cJSON *json, void *out)
{
	return parse_kv(json, out, true);
}

static int parse_kv_str(const struct cg_json_model *m, const cJSON *json, void *out)
{
	return parse_kv(json, out, false);
}

static void free_kv(const struct cg_json_model *m, void *p)
{
	struct cg_kv *kv = p;

	free(kv->key);
	free(kv->str);
	memset(kv, 0, sizeof(*kv));
}

static const struct cg_json_model kv_num_model = {
	.size = sizeof(struct cg_kv), .parse = parse_kv_num, .free = free_kv,
};
static const struct cg_json_model kv_str_model = {
	.size = sizeof(struct cg_kv), .parse = parse_kv_str, .free = free_kv,
};

/* Token status: "name", {"provider": "name"} or {"name": "name"}. */
static int parse_provider_name(const struct cg_json_model *m, const cJSON *json, void *out)
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

static void free_name(const struct cg_json_model *m, void *p)
{
	char **s = p;

	free(*s);
	*s = NULL;
}

static const struct cg_json_model provider_name_model = {
	.size = sizeof(char *), .parse = parse_provider_name, .free = free_name,
};

/* ---- organizations, users, repos ----------------------------------------- */

static const struct cg_json_field org_fields[] = {
	CG_JSON_ID_F(struct cg_org, id),
	CG_JSON_STR_F(struct cg_org, name),
	CG_JSON_SUB_F("settings", "enable_pr_creation", CG_JSON_TRI, struct cg_org,
		      enable_pr_creation),
	CG_JSON_SUB_F("settings", "enable_rules_detection", CG_JSON_TRI, struct cg_org,
		      enable_rules_detection),
	CG_JSON_RAW_F(struct cg_org),
};
const struct cg_json_model cg_model_org = CG_JSON_PLAIN(struct cg_org, org_fields);

static const struct cg_json_field user_fields[] = {
	CG_JSON_ID_F(struct cg_user, id),
	CG_JSON_STR_F(struct cg_user, email),
	CG_JSON_STR_F(struct cg_user, github_user_id),
	CG_JSON_STR_F(struct cg_user, github_username),
	CG_JSON_STR_F(struct cg_user, avatar_url),
	CG_JSON_STR_F(struct cg_user, full_name),
	CG_JSON_STR_F(struct cg_user, role),
	CG_JSON_TRI_F(struct cg_user, is_admin),
	CG_JSON_RAW_F(struct cg_user),
};
const struct cg_json_model cg_model_user = CG_JSON_PLAIN(struct cg_user, user_fields);

static const struct cg_json_field repo_fields[] = {
	CG_JSON_ID_F(struct cg_repo, id),
	CG_JSON_STR_F(struct cg_repo, name),
	CG_JSON_STR_F(struct cg_repo, full_name),
	CG_JSON_STR_F(struct cg_repo, description),
	CG_JSON_STR_F(struct cg_repo, github_id),
	CG_JSON_INT_F(struct cg_repo, organization_id),
	CG_JSON_STR_F(struct cg_repo, visibility),
	CG_JSON_TRI_F(struct cg_repo, archived),
	CG_JSON_STR_F(struct cg_repo, setup_status),
	CG_JSON_STR_F(struct cg_repo, language),
	CG_JSON_RAW_F(struct cg_repo),
};
const struct cg_json_model cg_model_repo = CG_JSON_PLAIN(struct cg_repo, repo_fields);

/* ---- runs ------------------------------------------------------------------ */

static const struct cg_json_field pr_fields[] = {
	CG_JSON_ID_F(struct cg_pr, id),
	CG_JSON_STR_F(struct cg_pr, title),
	CG_JSON_STR_F(struct cg_pr, url),
	CG_JSON_STR_F(struct cg_pr, created_at),
	CG_JSON_STR_F(struct cg_pr, head_branch_name),
};
static const struct cg_json_model pr_model = CG_JSON_PLAIN(struct cg_pr, pr_fields);

static const struct cg_json_field run_fields[] = {
	CG_JSON_ID_F(struct cg_run, id),
	CG_JSON_INT_F(struct cg_run, organization_id),
	CG_JSON_STR_F(struct cg_run, status),
	CG_JSON_STR_F(struct cg_run, created_at),
	CG_JSON_STR_F(struct cg_run, web_url),
	CG_JSON_STR_F(struct cg_run, result),
	CG_JSON_STR_F(struct cg_run, summary),
	CG_JSON_STR_F(struct cg_run, source_type),
	CG_JSON_LIST_F("github_pull_requests", CG_JSON_ARRAY, CG_JSON_SKIP_BAD, struct cg_run,
		       prs, n_prs, pr_model),
	CG_JSON_TEXT_F(struct cg_run, metadata),
	CG_JSON_RAW_F(struct cg_run),
};

static int parse_run(const struct cg_json_model *m, const cJSON *json, void *out)
{
	struct cg_run *r = out;
	int64_t epoch;
	int ret;

	ret = cg_json_parse_object(m, json, out);
	if (ret)
		return ret;
	r->created_epoch = CG_NONE;
	if (r->created_at && !cg_time_parse(r->created_at, &epoch))
		r->created_epoch = epoch;
	return 0;
}
const struct cg_json_model cg_model_run =
	CG_JSON_MODEL(struct cg_run, parse_run, cg_json_free_object, run_fields);

void cg_run_slim(struct cg_run *r)
{
	char **text[] = { &r->created_at, &r->web_url, &r->result, &r->summary,
			  &r->source_type, &r->metadata };

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		free(*text[i]);
		*text[i] = NULL;
	}
	cg_json_free_items(&pr_model, r->prs, r->n_prs);
	r->prs = NULL;
	r->n_prs = 0;
}

int cg_run_slim_keeps(size_t offset)
{
	return offset == offsetof(struct cg_run, id) ||
	       offset == offsetof(struct cg_run, organization_id) ||
	       offset == offsetof(struct cg_run, status) ||
	       offset == offsetof(struct cg_run, created_epoch) ||
	       offset == offsetof(struct cg_run, raw);
}

int cg_run_expand(const struct cg_run *slim, struct cg_run *out)
{
	cJSON *json;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!slim->raw)
		return -EIO;
	/* raw is cJSON's own text of an object that parsed: only memory fails. */
	json = cJSON_Parse(slim->raw);
	if (!json)
		return -ENOMEM;
	ret = cg_run_parse(json, out);
	cJSON_Delete(json);
	return ret;
}

static const struct cg_json_field log_fields[] = {
	CG_JSON_INT_F(struct cg_log_entry, agent_run_id),
	CG_JSON_STR_F(struct cg_log_entry, created_at),
	CG_JSON_STR_F(struct cg_log_entry, tool_name),
	CG_JSON_STR_F(struct cg_log_entry, message_type),
	CG_JSON_STR_F(struct cg_log_entry, thought),
	CG_JSON_STR_F(struct cg_log_entry, observation),
	CG_JSON_TEXT_F(struct cg_log_entry, tool_input),
	CG_JSON_TEXT_F(struct cg_log_entry, tool_output),
	CG_JSON_RAW_F(struct cg_log_entry),
};

/* `observation` is a string or an object: the table reads it as text,
 * an object or array is then kept as its JSON. */
static int parse_log_entry(const struct cg_json_model *m, const cJSON *json, void *out)
{
	struct cg_log_entry *e = out;
	const cJSON *obs;
	int ret;

	ret = cg_json_parse_object(m, json, out);
	if (ret)
		return ret;
	obs = cJSON_GetObjectItemCaseSensitive(json, "observation");
	if (!cJSON_IsObject(obs) && !cJSON_IsArray(obs))
		return 0;
	ret = cg_json_text(obs, &e->observation);
	if (ret)
		goto out_free_entry;
	e->observation_is_json = 1;
	return 0;

out_free_entry:
	cg_json_free_object(m, out);
	return ret;
}
const struct cg_json_model cg_model_log_entry =
	CG_JSON_MODEL(struct cg_log_entry, parse_log_entry, cg_json_free_object, log_fields);

static const struct cg_json_field run_logs_fields[] = {
	CG_JSON_LIST_F("logs", CG_JSON_ARRAY, CG_JSON_REQUIRED | CG_JSON_SKIP_BAD,
		       struct cg_run_logs, logs, n_logs, cg_model_log_entry),
	CG_JSON_INT_F(struct cg_run_logs, total_logs),
	CG_JSON_INT_F(struct cg_run_logs, page),
	CG_JSON_INT_F(struct cg_run_logs, size),
	CG_JSON_INT_F(struct cg_run_logs, pages),
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

static void free_run_logs(const struct cg_json_model *m, void *p)
{
	struct cg_run_logs *l = p;

	cg_model_run.free(&cg_model_run, &l->run);
	cg_json_free_object(m, p);
}

static int parse_run_logs(const struct cg_json_model *m, const cJSON *json, void *out)
{
	struct cg_run_logs *l = out;
	cJSON *envelope;
	int ret;

	ret = cg_json_parse_object(m, json, out);
	if (ret)
		return ret;
	ret = object_without(json, "logs", &envelope);
	if (ret)
		goto out_free_logs;
	ret = cg_model_run.parse(&cg_model_run, envelope, &l->run);
	cJSON_Delete(envelope);
	if (ret)
		goto out_free_logs;
	return 0;

out_free_logs:
	free_run_logs(m, out);
	return ret;
}
const struct cg_json_model cg_model_run_logs =
	CG_JSON_MODEL(struct cg_run_logs, parse_run_logs, free_run_logs, run_logs_fields);

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
	for (i = 0; i < CG_JSON_ARRAY_SIZE(states); i++)
		if (!strcmp(status, states[i].status))
			return states[i].state;
	return CG_RUN_UNKNOWN;
}

static const char *const source_types[] = {
	"LOCAL", "SLACK", "GITHUB", "GITHUB_CHECK_SUITE", "GITHUB_PR_REVIEW", "LINEAR", "API",
	"CHAT", "JIRA", "CLICKUP", "MONDAY", "SETUP_COMMANDS",
};

const char *cg_source_type_at(size_t i)
{
	return i < CG_JSON_ARRAY_SIZE(source_types) ? source_types[i] : NULL;
}

const char *cg_source_type_named(const char *name)
{
	for (size_t i = 0; name && i < CG_JSON_ARRAY_SIZE(source_types); i++)
		if (!strcmp(name, source_types[i]))
			return source_types[i];
	return NULL;
}

/* ---- pages ----------------------------------------------------------------- */

#define PAGE_FIELDS(T, el) \
	CG_JSON_COUNTED_LIST_F("items", CG_JSON_ARRAY, CG_JSON_REQUIRED | CG_JSON_SKIP_BAD, T, \
			       items, n, meta.left_out, el), \
	CG_JSON_FLD("total", CG_JSON_INT, T, meta.total), \
	CG_JSON_FLD("page", CG_JSON_INT, T, meta.page), \
	CG_JSON_FLD("size", CG_JSON_INT, T, meta.size), \
	CG_JSON_FLD("pages", CG_JSON_INT, T, meta.pages)

static const struct cg_json_field org_page_fields[] = { PAGE_FIELDS(struct cg_org_page, cg_model_org) };
static const struct cg_json_field user_page_fields[] = { PAGE_FIELDS(struct cg_user_page, cg_model_user) };
static const struct cg_json_field repo_page_fields[] = { PAGE_FIELDS(struct cg_repo_page, cg_model_repo) };
static const struct cg_json_field run_page_fields[] = { PAGE_FIELDS(struct cg_run_page, cg_model_run) };
const struct cg_json_model cg_model_org_page = CG_JSON_PLAIN(struct cg_org_page, org_page_fields);
const struct cg_json_model cg_model_user_page = CG_JSON_PLAIN(struct cg_user_page, user_page_fields);
const struct cg_json_model cg_model_repo_page = CG_JSON_PLAIN(struct cg_repo_page, repo_page_fields);
const struct cg_json_model cg_model_run_page = CG_JSON_PLAIN(struct cg_run_page, run_page_fields);

/* ---- organization extras --------------------------------------------------- */

static const struct cg_json_field integration_fields[] = {
	CG_JSON_STR_F(struct cg_integration, integration_type),
	CG_JSON_TRI_F(struct cg_integration, active),
	CG_JSON_INT_F(struct cg_integration, token_id),
	CG_JSON_INT_F(struct cg_integration, installation_id),
	CG_JSON_TEXT_F(struct cg_integration, metadata),
};
static const struct cg_json_model integration_model =
	CG_JSON_PLAIN(struct cg_integration, integration_fields);

static const struct cg_json_field integrations_fields[] = {
	CG_JSON_INT_F(struct cg_integrations, organization_id),
	CG_JSON_STR_F(struct cg_integrations, organization_name),
	CG_JSON_LIST_F("integrations", CG_JSON_ARRAY, CG_JSON_SKIP_BAD, struct cg_integrations,
		       items, n, integration_model),
	CG_JSON_INT_F(struct cg_integrations, total_active_integrations),
	CG_JSON_RAW_F(struct cg_integrations),
};
const struct cg_json_model cg_model_integrations =
	CG_JSON_PLAIN(struct cg_integrations, integrations_fields);

static const struct cg_json_field cli_rules_fields[] = {
	CG_JSON_STR_F(struct cg_cli_rules, organization_rules),
	CG_JSON_STR_F(struct cg_cli_rules, user_custom_prompt),
	CG_JSON_RAW_F(struct cg_cli_rules),
};
const struct cg_json_model cg_model_cli_rules = CG_JSON_PLAIN(struct cg_cli_rules, cli_rules_fields);

static const struct cg_json_field check_suite_fields[] = {
	CG_JSON_INT_F(struct cg_check_suite, check_retry_count),
	CG_JSON_STRLIST_F(struct cg_check_suite, ignored_checks),
	CG_JSON_LIST_F("check_retry_counts", CG_JSON_MAP, 0, struct cg_check_suite,
		       check_retry_counts.items, check_retry_counts.n, kv_num_model),
	CG_JSON_LIST_F("custom_prompts", CG_JSON_MAP, 0, struct cg_check_suite,
		       custom_prompts.items, custom_prompts.n, kv_str_model),
	CG_JSON_STRLIST_F(struct cg_check_suite, high_priority_apps),
	CG_JSON_STRLIST_F(struct cg_check_suite, available_check_suite_names),
	CG_JSON_RAW_F(struct cg_check_suite),
};
const struct cg_json_model cg_model_check_suite =
	CG_JSON_PLAIN(struct cg_check_suite, check_suite_fields);

static const struct cg_json_field provider_fields[] = {
	CG_JSON_ID_F(struct cg_oauth_provider, id),
	CG_JSON_STR_F(struct cg_oauth_provider, name),
	CG_JSON_STR_F(struct cg_oauth_provider, issuer),
	CG_JSON_STR_F(struct cg_oauth_provider, authorization_endpoint),
	CG_JSON_STR_F(struct cg_oauth_provider, token_endpoint),
	CG_JSON_STRLIST_F(struct cg_oauth_provider, default_scopes),
	CG_JSON_TRI_F(struct cg_oauth_provider, is_mcp),
	CG_JSON_TEXT_F(struct cg_oauth_provider, meta),
	CG_JSON_RAW_F(struct cg_oauth_provider),
};
static const struct cg_json_model provider_model =
	CG_JSON_PLAIN(struct cg_oauth_provider, provider_fields);

/* The endpoint answers a bare array (anything else fails): a provider
 * without a usable id, or not an object, is left out and counted. */
static int parse_provider_list(const struct cg_json_model *m, const cJSON *json, void *out)
{
	struct cg_oauth_provider_list *l = out;
	void *items;
	int ret;

	if (!cJSON_IsArray(json))
		return -EIO;
	ret = cg_json_parse_items(json, &provider_model, CG_JSON_SKIP_BAD, &items, &l->n,
				  &l->left_out);
	if (ret)
		return ret;
	l->items = items;
	ret = cg_json_text(json, &l->raw);
	if (ret)
		m->free(m, out);
	return ret;
}

static void free_provider_list(const struct cg_json_model *m, void *p)
{
	struct cg_oauth_provider_list *l = p;

	cg_json_free_items(&provider_model, l->items, l->n);
	free(l->raw);
	memset(l, 0, sizeof(*l));
}

const struct cg_json_model cg_model_oauth_provider_list = {
	.size = sizeof(struct cg_oauth_provider_list),
	.parse = parse_provider_list, .free = free_provider_list,
};

static void free_string_list(const struct cg_json_model *m, void *p)
{
	struct cg_string_list *l = p;

	cg_json_free_items(&cg_json_text_model, l->items, l->n);
	memset(l, 0, sizeof(*l));
}

/* The schema of this answer is undocumented ("a list of provider names"),
 * hence the accepted shapes listed in the header. */
static int parse_oauth_status(const struct cg_json_model *m, const cJSON *json, void *out)
{
	struct cg_string_list *l = out;
	const cJSON *child, *list = NULL;
	void *items;
	int ret;

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
		return 0;
	ret = cg_json_parse_items(list, &provider_name_model, CG_JSON_SKIP_BAD, &items, &l->n,
				  &l->left_out);
	if (ret)
		return ret;
	l->items = items;
	return 0;
}

const struct cg_json_model cg_model_oauth_status = {
	.size = sizeof(struct cg_string_list),
	.parse = parse_oauth_status, .free = free_string_list,
};

/* ---- answers of actions ---------------------------------------------------- */

/* Any JSON value: `message` when it is an object that has one.  Unlike a
 * field, a bare `null` answer still has a raw text. */
static int parse_message(const struct cg_json_model *m, const cJSON *json, void *out)
{
	struct cg_message *msg = out;
	int ret;

	if (!json)
		return -EIO;
	if (cJSON_IsObject(json)) {
		ret = cg_json_scalar_text(cJSON_GetObjectItemCaseSensitive(json, "message"),
					  &msg->message);
		if (ret)
			return ret;
	}
	msg->raw = cJSON_PrintUnformatted(json);
	if (!msg->raw) {
		m->free(m, out);
		return -ENOMEM;
	}
	return 0;
}

static void free_message(const struct cg_json_model *m, void *p)
{
	struct cg_message *msg = p;

	free(msg->message);
	free(msg->raw);
	memset(msg, 0, sizeof(*msg));
}

const struct cg_json_model cg_model_message = {
	.size = sizeof(struct cg_message), .parse = parse_message, .free = free_message,
};

static const struct cg_json_field pr_edit_fields[] = {
	CG_JSON_TRI_F(struct cg_pr_edit, success),
	CG_JSON_STR_F(struct cg_pr_edit, url),
	CG_JSON_INT_F(struct cg_pr_edit, number),
	CG_JSON_STR_F(struct cg_pr_edit, title),
	CG_JSON_STR_F(struct cg_pr_edit, state),
	CG_JSON_STR_F(struct cg_pr_edit, error),
	CG_JSON_RAW_F(struct cg_pr_edit),
};
const struct cg_json_model cg_model_pr_edit = CG_JSON_PLAIN(struct cg_pr_edit, pr_edit_fields);

static const struct cg_json_field started_run_fields[] = {
	CG_JSON_ID_F(struct cg_started_run, agent_run_id),
	CG_JSON_STR_F(struct cg_started_run, status),
	CG_JSON_STR_F(struct cg_started_run, url),
	CG_JSON_STR_F(struct cg_started_run, message),
	CG_JSON_RAW_F(struct cg_started_run),
};
const struct cg_json_model cg_model_started_run =
	CG_JSON_PLAIN(struct cg_started_run, started_run_fields);

static const struct cg_json_field slack_token_fields[] = {
	CG_JSON_REQ_STR_F(struct cg_slack_token, token),
	CG_JSON_STR_F(struct cg_slack_token, message),
	CG_JSON_INT_F(struct cg_slack_token, expires_in_minutes),
	CG_JSON_RAW_F(struct cg_slack_token),
};
const struct cg_json_model cg_model_slack_token =
	CG_JSON_PLAIN(struct cg_slack_token, slack_token_fields);

/* ---- the public parse/free pairs ------------------------------------------- */

/* name, out type: cg_<name>_parse and cg_<name>_free over cg_model_<name>. */
#define PUBLIC_MODELS(X) \
	X(message, struct cg_message) \
	X(org, struct cg_org) \
	X(user, struct cg_user) \
	X(repo, struct cg_repo) \
	X(run, struct cg_run) \
	X(log_entry, struct cg_log_entry) \
	X(run_logs, struct cg_run_logs) \
	X(org_page, struct cg_org_page) \
	X(user_page, struct cg_user_page) \
	X(repo_page, struct cg_repo_page) \
	X(run_page, struct cg_run_page) \
	X(integrations, struct cg_integrations) \
	X(cli_rules, struct cg_cli_rules) \
	X(check_suite, struct cg_check_suite) \
	X(oauth_provider_list, struct cg_oauth_provider_list) \
	X(pr_edit, struct cg_pr_edit) \
	X(started_run, struct cg_started_run) \
	X(slack_token, struct cg_slack_token)

#define DEFINE_PARSE_FREE(name, T) \
	int cg_##name##_parse(const cJSON *json, T *out) \
	{ \
		return cg_json_parse(&cg_model_##name, json, out); \
	} \
	void cg_##name##_free(T *p) \
	{ \
		cg_json_free(&cg_model_##name, p); \
	}
PUBLIC_MODELS(DEFINE_PARSE_FREE)

int cg_oauth_status_parse(const cJSON *json, struct cg_string_list *out)
{
	return cg_json_parse(&cg_model_oauth_status, json, out);
}

void cg_string_list_free(struct cg_string_list *l)
{
	cg_json_free(&cg_model_oauth_status, l);
}

void cg_kv_list_free(struct cg_kv_list *l)
{
	if (!l)
		return;
	cg_json_free_items(&kv_str_model, l->items, l->n);
	memset(l, 0, sizeof(*l));
}
