"""fakeapi.routes: the /v1 route table, the one place that says what the fake serves.

One row per operation: method, path template, rate-limit class (a key of
contract.RATE_LIMITS) and the operation that answers it.  The C client's
table, api/cg_endpoint.c, must list the same operations:
tests/fake/test_endpoint_table.py checks that both ways.
"""

from . import operations as op
from .router import Router

ORG = "/v1/organizations/{org_id}"

API_ROUTES = (
    ("GET", ORG + "/users", "general", op.op_list_users),
    ("GET", ORG + "/users/{user_id}", "general", op.op_get_user),
    ("GET", "/v1/users/me", "general", op.op_get_me),
    ("POST", ORG + "/agent/run", "create", op.op_create_run),
    ("GET", ORG + "/agent/run/{agent_run_id}", "general", op.op_get_run),
    ("GET", ORG + "/agent/runs", "general", op.op_list_runs),
    ("POST", ORG + "/agent/run/resume", "general", op.op_resume_run),
    ("POST", ORG + "/agent/run/ban", "general", op.op_ban_run),
    ("POST", ORG + "/agent/run/unban", "general", op.op_unban_run),
    ("POST", ORG + "/agent/run/remove-from-pr", "general", op.op_remove_from_pr),
    ("GET", ORG + "/repos", "general", op.op_list_repos),
    ("GET", ORG + "/repos/check-suite-settings", "general", op.op_get_check_suite),
    ("PUT", ORG + "/repos/check-suite-settings", "general", op.op_put_check_suite),
    ("PATCH", ORG + "/prs/{pr_id}", "pr_edit", op.op_edit_pr),
    ("PATCH", ORG + "/repos/{repo_id}/prs/{pr_id}", "pr_edit", op.op_edit_repo_pr),
    ("GET", ORG + "/integrations", "general", op.op_integrations),
    ("POST", ORG + "/setup-commands/generate", "setup", op.op_setup_commands),
    ("GET", "/v1/organizations", "general", op.op_list_orgs),
    ("GET", "/v1/mcp-providers", "general", op.op_mcp_providers),
    ("GET", "/v1/oauth/tokens/status", "general", op.op_oauth_status),
    ("POST", "/v1/oauth/tokens/revoke", "general", op.op_oauth_revoke),
    ("POST", ORG + "/sandbox/{sandbox_id}/analyze-logs", "analyze", op.op_analyze_logs),
    ("GET", ORG + "/cli/rules", "rules", op.op_cli_rules),
    ("POST", "/v1/slack-connect/generate-token", "general", op.op_slack_token),
    ("GET", "/v1/alpha/organizations/{org_id}/agent/run/{agent_run_id}/logs", "logs",
     op.op_run_logs),
    # Not in the spec's paths: Codegen's own clients stop a run here.
    ("POST", "/v1/beta/organizations/{org_id}/agent/run/stop", "general", op.op_stop_run),
)

API_ROUTER = Router(API_ROUTES)
