/* cg_endpoint.h - the table of the API's 25 operations.
 *
 * One row per operation of openapi3.json: its method, path template, the
 * rate-limit class it counts against and whether a failed attempt may be
 * repeated.  Only GETs are retried: repeating a POST could start a second
 * agent run (DESIGN.md §3).  Stats are kept per row.
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
	CG_EP_COUNT
};

struct cg_endpoint_info {
	const char *name;          /* short stable name, e.g. "get_run" */
	const char *method;        /* "GET", "POST", "PUT", "PATCH" */
	const char *path;          /* template, e.g. "/v1/organizations/{org_id}/agent/run/{agent_run_id}" */
	enum cg_rl_class rl_class;
	int retry;                 /* 1: failed attempts may be repeated */
};

/* The row of an endpoint; never NULL for a valid enum value. */
const struct cg_endpoint_info *cg_endpoint_info(enum cg_endpoint ep);

#endif
