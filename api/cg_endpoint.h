/* cg_endpoint.h - the table of the API's 26 operations.
 *
 * One row per operation of openapi3.json (and stop, which the spec
 * describes but gives no path: see CG_EP_STOP_RUN): its method, path template, the
 * rate-limit class it counts against, whether a failed attempt may be
 * repeated, what goes in its query string and body, and the model that
 * parses its answer.  Only GETs are retried: repeating a POST could start
 * a second agent run (DESIGN.md §3).  Stats are kept per row.  Everything
 * an operation does differently is here, so cg_client.c has one generic
 * call.  Needs neither cJSON nor FUSE.
 */
#ifndef CG_ENDPOINT_H
#define CG_ENDPOINT_H

#include "cg_ratelimit.h"

enum cg_endpoint {
	CG_EP_LIST_ORGS,
	CG_EP_GET_ME,
	CG_EP_LIST_USERS,
	CG_EP_GET_USER,
	CG_EP_LIST_REPOS,
	CG_EP_LIST_RUNS,
	CG_EP_GET_RUN,
	CG_EP_RUN_LOGS,
	CG_EP_CREATE_RUN,
	CG_EP_RESUME_RUN,
	CG_EP_BAN_RUN,
	CG_EP_UNBAN_RUN,
	CG_EP_REMOVE_FROM_PR,
	CG_EP_GET_CHECK_SUITE,
	CG_EP_PUT_CHECK_SUITE,
	CG_EP_EDIT_PR,
	CG_EP_EDIT_REPO_PR,
	CG_EP_INTEGRATIONS,
	CG_EP_SETUP_COMMANDS,
	CG_EP_MCP_PROVIDERS,
	CG_EP_OAUTH_STATUS,
	CG_EP_OAUTH_REVOKE,
	CG_EP_ANALYZE_LOGS,
	CG_EP_CLI_RULES,
	CG_EP_SLACK_TOKEN,
	CG_EP_STOP_RUN,      /* not in the spec's paths: Codegen's own clients' /v1/beta route */
	CG_EP_COUNT
};

/* Query parameters, one bit each; a request sends them in this order. */
enum cg_query {
	CG_Q_USER_ID     = 1 << 0,  /* user_id from the run filter, when set */
	CG_Q_SOURCE_TYPE = 1 << 1,  /* source_type from the run filter, when set */
	CG_Q_PROVIDER    = 1 << 2,  /* provider (required) */
	CG_Q_SKIP        = 1 << 3,
	CG_Q_LIMIT       = 1 << 4,
	CG_Q_REVERSE     = 1 << 5,  /* reverse=true, when asked */
	CG_Q_REPO_ID     = 1 << 6,
	CG_Q_ORG_ID      = 1 << 7,
};
#define CG_Q_PAGE (CG_Q_SKIP | CG_Q_LIMIT)

/* The JSON body an operation sends (cg_request.c builds each kind). */
enum cg_body {
	CG_BODY_NONE,
	CG_BODY_CREATE_RUN,  /* prompt, images, metadata, repo_id, model, agent_type */
	CG_BODY_RESUME_RUN,  /* agent_run_id, prompt, images */
	CG_BODY_RUN_ID,      /* agent_run_id */
	CG_BODY_SETTINGS,    /* the caller's JSON object as is */
	CG_BODY_PR_STATE,    /* state */
	CG_BODY_SETUP,       /* repo_id, prompt */
	CG_BODY_ORG_ID,      /* org_id */
};

struct cg_json_model;

struct cg_endpoint_info {
	const char *name;          /* short stable name, e.g. "get_run" */
	const char *method;        /* "GET", "POST", "PUT", "PATCH" */
	const char *path;          /* template, e.g. "/v1/organizations/{org_id}/agent/run/{agent_run_id}" */
	enum cg_rl_class rl_class;
	int retry;                 /* 1: failed attempts may be repeated */
	unsigned query;            /* enum cg_query bits */
	enum cg_body body;
	const struct cg_json_model *answer;  /* parses the 2xx answer (cg_models.h) */
	int unlisted;              /* 1: a route the spec does not list, which a server may
				      lack: a 404 or 405 for the route itself is ENOTSUP
				      (cg_error_route_missing) */
};

/* The row of an endpoint; never NULL for a valid enum value. */
const struct cg_endpoint_info *cg_endpoint_info(enum cg_endpoint ep);

#endif
