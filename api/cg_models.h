/* cg_models.h - C models of the Codegen API's JSON objects.
 *
 * Every parser here turns one cJSON value (as the server sent it) into a
 * plain C struct.  Parsing is tolerant, because the API is: any nullable
 * field may be null or missing, timestamps come in two forms, statuses and
 * message types are open strings, and `observation` is a string or an
 * object.  Only a missing or unusable *required* identifier makes a parse
 * fail (-EIO); everything else degrades to "null".
 *
 * Conventions for every struct below:
 *   - strings are owned, NUL-terminated, NULL when the field was null,
 *     missing or of a type that cannot be shown as text;
 *   - a scalar that is not a string (number, bool) in a string field is kept
 *     as its JSON text ("5", "true");
 *   - tri-state booleans are `int`: 1 true, 0 false, -1 null/missing;
 *   - optional integers use CG_NONE (INT64_MIN) for null/missing;
 *   - `raw` is the object re-serialised compactly (cJSON_PrintUnformatted),
 *     i.e. the server's object with its fields in the server's order; the
 *     fs layer pretty-prints it for `*.json` and writes it for `logs.jsonl`;
 *   - a `*_free` function frees what the struct owns (not the struct itself)
 *     and zeroes it; it accepts NULL and zeroed structs;
 *   - a `*_parse` function fills `*out` only on success; on failure `*out`
 *     is left untouched and nothing leaks;
 *   - JSON texts are made by cJSON and freed with free(): nobody may install
 *     other allocators with cJSON_InitHooks.
 *
 * Every parse/free pair below is cg_json_parse/cg_json_free with the model
 * table named at the end of this header (cg_model_<name>), so that generic
 * callers (the endpoint table) can parse any answer.
 *
 * Knows nothing of FUSE or HTTP.
 */
#ifndef CG_MODELS_H
#define CG_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "cg_json.h"   /* CG_NONE, struct cg_json_model */
#include "cg_time.h"   /* cg_time_parse, cg_time_format */

/* ---- small shared pieces ---------------------------------------------------- */

struct cg_page_meta {
	int64_t total, page, size, pages;  /* CG_NONE where missing */
	size_t left_out;   /* items left out: no usable id, not an object, past the cap */
};

/* An owned array of owned strings. */
struct cg_string_list {
	char **items;
	size_t n;
	size_t left_out;   /* oauth status: items that were not names */
};
void cg_string_list_free(struct cg_string_list *l);

/* A name -> value map kept in server order (check-suite settings). */
struct cg_kv {
	char *key;
	char *str;     /* for string maps; NULL in integer maps */
	int64_t num;   /* for integer maps; CG_NONE in string maps */
};
struct cg_kv_list {
	struct cg_kv *items;
	size_t n;
};
void cg_kv_list_free(struct cg_kv_list *l);

/* The message of a body-less or loosely specified answer (ban, unban,
 * remove-from-pr, revoke): `message` if the server sent one, and raw. */
struct cg_message {
	char *message;
	char *raw;
};
int cg_message_parse(const cJSON *json, struct cg_message *out);
void cg_message_free(struct cg_message *m);

/* ---- organizations, users, repos ----------------------------------------- */

struct cg_org {
	int64_t id;                  /* required */
	char *name;
	int enable_pr_creation;      /* tri-state */
	int enable_rules_detection;  /* tri-state */
	char *raw;
};
int cg_org_parse(const cJSON *json, struct cg_org *out);
void cg_org_free(struct cg_org *o);

struct cg_user {
	int64_t id;                  /* required */
	char *email;
	char *github_user_id;
	char *github_username;
	char *avatar_url;
	char *full_name;
	char *role;
	int is_admin;                /* tri-state */
	char *raw;
};
int cg_user_parse(const cJSON *json, struct cg_user *out);
void cg_user_free(struct cg_user *u);

struct cg_repo {
	int64_t id;                  /* required */
	char *name;
	char *full_name;
	char *description;
	char *github_id;
	int64_t organization_id;     /* CG_NONE if missing */
	char *visibility;
	int archived;                /* tri-state */
	char *setup_status;
	char *language;
	char *raw;
};
int cg_repo_parse(const cJSON *json, struct cg_repo *out);
void cg_repo_free(struct cg_repo *r);

/* ---- runs ------------------------------------------------------------------ */

struct cg_pr {
	int64_t id;                  /* required within a PR object */
	char *title;
	char *url;
	char *created_at;            /* as sent */
	char *head_branch_name;
};

struct cg_run {
	int64_t id;                  /* required */
	int64_t organization_id;     /* CG_NONE if missing */
	char *status;                /* open string, kept as sent */
	char *created_at;            /* as sent */
	int64_t created_epoch;       /* parsed created_at, CG_NONE if absent/bad */
	char *web_url;
	char *result;
	char *summary;
	char *source_type;
	struct cg_pr *prs;           /* PR objects without a usable id are skipped */
	size_t n_prs;
	char *metadata;              /* compact JSON of the metadata value, or NULL */
	char *raw;
};
int cg_run_parse(const cJSON *json, struct cg_run *out);
void cg_run_free(struct cg_run *r);

/* A run held long (a cache) need not keep its fields twice: cg_run_slim
 * frees every field that raw holds again, all but id, organization_id,
 * status and created_epoch (and raw); cg_run_slim_keeps(offsetof(struct
 * cg_run, f)) says whether f is kept.  cg_run_expand parses a slim run's
 * raw back into a whole run (free it with cg_run_free): 0, -EIO without
 * raw, or -ENOMEM. */
void cg_run_slim(struct cg_run *r);
int cg_run_slim_keeps(size_t offset);
int cg_run_expand(const struct cg_run *slim, struct cg_run *out);

/* Run status classes (DESIGN.md §1).  Unknown statuses are neither
 * working nor finished. */
enum cg_run_state {
	CG_RUN_UNKNOWN = 0,
	CG_RUN_WORKING,   /* ACTIVE PENDING RUNNING EVALUATION */
	CG_RUN_PAUSED,    /* PAUSED */
	CG_RUN_FINISHED,  /* COMPLETE FAILED ERROR CANCELLED STOPPED TIMEOUT
	                     MAX_ITERATIONS_REACHED OUT_OF_TOKENS */
};
enum cg_run_state cg_run_state_of(const char *status);

/* The origins of a run (the spec's ApiAgentRunSourceType, in its order),
 * the values of the run list's source_type filter: the i-th, or NULL past
 * the last. */
const char *cg_source_type_at(size_t i);
/* The table's own copy of name when it is a source type (exact case),
 * else NULL. */
const char *cg_source_type_named(const char *name);

/* ---- logs ------------------------------------------------------------------ */

struct cg_log_entry {
	int64_t agent_run_id;        /* CG_NONE if missing (tolerated) */
	char *created_at;            /* as sent */
	char *tool_name;
	char *message_type;          /* open string */
	char *thought;
	char *observation;           /* the string, or compact JSON of an object */
	int observation_is_json;     /* 1 when observation was an object/array */
	char *tool_input;            /* compact JSON or NULL */
	char *tool_output;           /* compact JSON or NULL */
	char *raw;
};
int cg_log_entry_parse(const cJSON *json, struct cg_log_entry *out);
void cg_log_entry_free(struct cg_log_entry *e);

/* GET /v1/alpha/.../agent/run/{id}/logs: the run's fields plus a page of
 * entries.  `run.raw` holds the envelope without `logs`. */
struct cg_run_logs {
	struct cg_run run;
	struct cg_log_entry *logs;   /* entries that are not objects are skipped */
	size_t n_logs;
	int64_t total_logs, page, size, pages;  /* CG_NONE when null/missing */
};
int cg_run_logs_parse(const cJSON *json, struct cg_run_logs *out);
void cg_run_logs_free(struct cg_run_logs *l);

/* ---- pages ----------------------------------------------------------------- */

/* A page whose `items` is missing or not an array fails with -EIO; an item
 * that fails to parse fails the page with -EIO (a silently shortened page
 * would make the caller think runs vanished). */
struct cg_org_page  { struct cg_page_meta meta; struct cg_org  *items; size_t n; };
struct cg_user_page { struct cg_page_meta meta; struct cg_user *items; size_t n; };
struct cg_repo_page { struct cg_page_meta meta; struct cg_repo *items; size_t n; };
struct cg_run_page  { struct cg_page_meta meta; struct cg_run  *items; size_t n; };

int cg_org_page_parse(const cJSON *json, struct cg_org_page *out);
int cg_user_page_parse(const cJSON *json, struct cg_user_page *out);
int cg_repo_page_parse(const cJSON *json, struct cg_repo_page *out);
int cg_run_page_parse(const cJSON *json, struct cg_run_page *out);
void cg_org_page_free(struct cg_org_page *p);
void cg_user_page_free(struct cg_user_page *p);
void cg_repo_page_free(struct cg_repo_page *p);
void cg_run_page_free(struct cg_run_page *p);

/* ---- organization extras --------------------------------------------------- */

struct cg_integration {
	char *integration_type;
	int active;                  /* tri-state */
	int64_t token_id;            /* CG_NONE */
	int64_t installation_id;     /* CG_NONE */
	char *metadata;              /* compact JSON or NULL */
};
struct cg_integrations {
	int64_t organization_id;     /* CG_NONE */
	char *organization_name;
	struct cg_integration *items;
	size_t n;
	int64_t total_active_integrations;  /* CG_NONE */
	char *raw;
};
int cg_integrations_parse(const cJSON *json, struct cg_integrations *out);
void cg_integrations_free(struct cg_integrations *i);

struct cg_cli_rules {
	char *organization_rules;
	char *user_custom_prompt;
	char *raw;
};
int cg_cli_rules_parse(const cJSON *json, struct cg_cli_rules *out);
void cg_cli_rules_free(struct cg_cli_rules *r);

struct cg_check_suite {
	int64_t check_retry_count;           /* CG_NONE */
	struct cg_string_list ignored_checks;
	struct cg_kv_list check_retry_counts; /* num values */
	struct cg_kv_list custom_prompts;     /* str values */
	struct cg_string_list high_priority_apps;
	struct cg_string_list available_check_suite_names;
	char *raw;
};
int cg_check_suite_parse(const cJSON *json, struct cg_check_suite *out);
void cg_check_suite_free(struct cg_check_suite *s);

struct cg_oauth_provider {
	int64_t id;                  /* required */
	char *name;
	char *issuer;
	char *authorization_endpoint;
	char *token_endpoint;
	struct cg_string_list default_scopes;
	int is_mcp;                  /* tri-state */
	char *meta;                  /* compact JSON or NULL */
	char *raw;
};
struct cg_oauth_provider_list {
	struct cg_oauth_provider *items;
	size_t n;
	size_t left_out;             /* items without a usable id, or not objects */
	char *raw;                   /* the whole array */
};
int cg_oauth_provider_list_parse(const cJSON *json, struct cg_oauth_provider_list *out);
void cg_oauth_provider_list_free(struct cg_oauth_provider_list *l);

/* GET /v1/oauth/tokens/status: "a list of provider names that are
 * connected".  Accepted shapes: ["a","b"], [{"provider"|"name": "a"}, ...],
 * or an object holding such an array under any key.  Its schema is {}: any
 * other JSON (null, {}, a scalar) is no names; items that are not names are
 * left out and counted. */
int cg_oauth_status_parse(const cJSON *json, struct cg_string_list *out);

/* ---- answers of actions ---------------------------------------------------- */

struct cg_pr_edit {
	int success;                 /* tri-state */
	char *url;
	int64_t number;              /* CG_NONE */
	char *title;
	char *state;
	char *error;
	char *raw;
};
int cg_pr_edit_parse(const cJSON *json, struct cg_pr_edit *out);
void cg_pr_edit_free(struct cg_pr_edit *e);

/* setup-commands/generate and analyze-logs both answer an agent run id,
 * a status and a url or message. agent_run_id is required. */
struct cg_started_run {
	int64_t agent_run_id;
	char *status;
	char *url;                   /* setup-commands */
	char *message;               /* analyze-logs */
	char *raw;
};
int cg_started_run_parse(const cJSON *json, struct cg_started_run *out);
void cg_started_run_free(struct cg_started_run *s);

struct cg_slack_token {
	char *token;                 /* required */
	char *message;
	int64_t expires_in_minutes;  /* CG_NONE */
	char *raw;
};
int cg_slack_token_parse(const cJSON *json, struct cg_slack_token *out);
void cg_slack_token_free(struct cg_slack_token *t);

/* ---- the tables behind the parsers ----------------------------------------- */

/* cg_json_parse(&cg_model_run, json, &run) is cg_run_parse(json, &run),
 * and so on for every name; cg_model_oauth_status parses into a struct
 * cg_string_list (freed with cg_string_list_free). */
extern const struct cg_json_model
	cg_model_message, cg_model_org, cg_model_user, cg_model_repo, cg_model_run,
	cg_model_log_entry, cg_model_run_logs, cg_model_org_page, cg_model_user_page,
	cg_model_repo_page, cg_model_run_page, cg_model_integrations, cg_model_cli_rules,
	cg_model_check_suite, cg_model_oauth_provider_list, cg_model_oauth_status,
	cg_model_pr_edit, cg_model_started_run, cg_model_slack_token;

#endif
