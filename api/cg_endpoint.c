/* cg_endpoint.c - the operation table (see cg_endpoint.h). */
#include "cg_endpoint.h"

#include "cg_models.h"

#define ORG "/v1/organizations/{org_id}"
#define NOQ 0
#define NOB CG_BODY_NONE

/* name, method, path, rate-limit class, retry, query, body, answer, unlisted */
static const struct cg_endpoint_info table[CG_EP_COUNT] = {
	[CG_EP_LIST_ORGS]       = { "list_orgs", "GET", "/v1/organizations",
				    CG_RL_GENERAL, 1, CG_Q_PAGE, NOB, &cg_model_org_page },
	[CG_EP_GET_ME]          = { "get_me", "GET", "/v1/users/me",
				    CG_RL_GENERAL, 1, NOQ, NOB, &cg_model_user },
	[CG_EP_LIST_USERS]      = { "list_users", "GET", ORG "/users",
				    CG_RL_GENERAL, 1, CG_Q_PAGE, NOB, &cg_model_user_page },
	[CG_EP_GET_USER]        = { "get_user", "GET", ORG "/users/{user_id}",
				    CG_RL_GENERAL, 1, NOQ, NOB, &cg_model_user },
	[CG_EP_LIST_REPOS]      = { "list_repos", "GET", ORG "/repos",
				    CG_RL_GENERAL, 1, CG_Q_PAGE, NOB, &cg_model_repo_page },
	[CG_EP_LIST_RUNS]       = { "list_runs", "GET", ORG "/agent/runs",
				    CG_RL_GENERAL, 1, CG_Q_USER_ID | CG_Q_SOURCE_TYPE | CG_Q_PAGE, NOB,
				    &cg_model_run_page },
	[CG_EP_GET_RUN]         = { "get_run", "GET", ORG "/agent/run/{agent_run_id}",
				    CG_RL_GENERAL, 1, NOQ, NOB, &cg_model_run },
	[CG_EP_RUN_LOGS]        = { "run_logs", "GET", "/v1/alpha/organizations/{org_id}/agent/run/{agent_run_id}/logs",
				    CG_RL_LOGS, 1, CG_Q_PAGE | CG_Q_REVERSE, NOB, &cg_model_run_logs },
	[CG_EP_CREATE_RUN]      = { "create_run", "POST", ORG "/agent/run",
				    CG_RL_CREATE, 0, NOQ, CG_BODY_CREATE_RUN, &cg_model_run },
	[CG_EP_RESUME_RUN]      = { "resume_run", "POST", ORG "/agent/run/resume",
				    CG_RL_GENERAL, 0, NOQ, CG_BODY_RESUME_RUN, &cg_model_run },
	[CG_EP_BAN_RUN]         = { "ban_run", "POST", ORG "/agent/run/ban",
				    CG_RL_GENERAL, 0, NOQ, CG_BODY_RUN_ID, &cg_model_message },
	[CG_EP_UNBAN_RUN]       = { "unban_run", "POST", ORG "/agent/run/unban",
				    CG_RL_GENERAL, 0, NOQ, CG_BODY_RUN_ID, &cg_model_message },
	[CG_EP_REMOVE_FROM_PR]  = { "remove_from_pr", "POST", ORG "/agent/run/remove-from-pr",
				    CG_RL_GENERAL, 0, NOQ, CG_BODY_RUN_ID, &cg_model_message },
	[CG_EP_GET_CHECK_SUITE] = { "get_check_suite", "GET", ORG "/repos/check-suite-settings",
				    CG_RL_GENERAL, 1, CG_Q_REPO_ID, NOB, &cg_model_check_suite },
	[CG_EP_PUT_CHECK_SUITE] = { "put_check_suite", "PUT", ORG "/repos/check-suite-settings",
				    CG_RL_GENERAL, 0, CG_Q_REPO_ID, CG_BODY_SETTINGS, &cg_model_message },
	[CG_EP_EDIT_PR]         = { "edit_pr", "PATCH", ORG "/prs/{pr_id}",
				    CG_RL_PR_EDIT, 0, NOQ, CG_BODY_PR_STATE, &cg_model_pr_edit },
	[CG_EP_EDIT_REPO_PR]    = { "edit_repo_pr", "PATCH", ORG "/repos/{repo_id}/prs/{pr_id}",
				    CG_RL_PR_EDIT, 0, NOQ, CG_BODY_PR_STATE, &cg_model_pr_edit },
	[CG_EP_INTEGRATIONS]    = { "integrations", "GET", ORG "/integrations",
				    CG_RL_GENERAL, 1, NOQ, NOB, &cg_model_integrations },
	[CG_EP_SETUP_COMMANDS]  = { "setup_commands", "POST", ORG "/setup-commands/generate",
				    CG_RL_SETUP, 0, NOQ, CG_BODY_SETUP, &cg_model_started_run },
	[CG_EP_MCP_PROVIDERS]   = { "mcp_providers", "GET", "/v1/mcp-providers",
				    CG_RL_GENERAL, 1, NOQ, NOB, &cg_model_oauth_provider_list },
	[CG_EP_OAUTH_STATUS]    = { "oauth_status", "GET", "/v1/oauth/tokens/status",
				    CG_RL_GENERAL, 1, CG_Q_ORG_ID, NOB, &cg_model_oauth_status },
	[CG_EP_OAUTH_REVOKE]    = { "oauth_revoke", "POST", "/v1/oauth/tokens/revoke",
				    CG_RL_GENERAL, 0, CG_Q_PROVIDER | CG_Q_ORG_ID, NOB, &cg_model_message },
	[CG_EP_ANALYZE_LOGS]    = { "analyze_logs", "POST", ORG "/sandbox/{sandbox_id}/analyze-logs",
				    CG_RL_ANALYZE, 0, NOQ, NOB, &cg_model_started_run },
	[CG_EP_CLI_RULES]       = { "cli_rules", "GET", ORG "/cli/rules",
				    CG_RL_RULES, 1, NOQ, NOB, &cg_model_cli_rules },
	[CG_EP_SLACK_TOKEN]     = { "slack_token", "POST", "/v1/slack-connect/generate-token",
				    CG_RL_GENERAL, 0, NOQ, CG_BODY_ORG_ID, &cg_model_slack_token },
	/* StopAgentRunInput has no path in openapi3.json; Codegen's Raycast
	 * extension posts it here. */
	[CG_EP_STOP_RUN]        = { "stop_run", "POST", "/v1/beta/organizations/{org_id}/agent/run/stop",
				    CG_RL_GENERAL, 0, NOQ, CG_BODY_RUN_ID, &cg_model_message, 1 },
};

const struct cg_endpoint_info *cg_endpoint_info(enum cg_endpoint ep)
{
	if ((int)ep < 0 || ep >= CG_EP_COUNT)
		return &table[CG_EP_GET_ME];
	return &table[ep];
}
