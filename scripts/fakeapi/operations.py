"""fakeapi.operations: the 26 operations of the API, one function each.

Each takes (world, request) and returns the JSON value of a 200 answer, or
raises contract.ApiError.  It validates the path, query and body first (one
422 for all their errors), then checks membership, lookups and quota, in the
order docs/FAKE-API.md gives.  Which route calls which is fakeapi.routes.
"""

import copy
import math

from .contract import (CHECK_SUITE_BODY, CREATE_RUN_BODY, EDIT_PR_BODY, FINISHED_STATUSES,
                       MSG_QUOTA, MSG_SANDBOX_NOT_FOUND, MSG_USER_NOT_FOUND, NOT_FOUND,
                       RESUME_RUN_BODY, SETUP_COMMANDS_BODY, SLACK_TOKEN_BODY, SOURCE_TYPES,
                       STOP_RUN_BODY, ApiError, message_error)
from .sampledata import (CLI_RULES, INTEGRATIONS, MCP_PROVIDERS, ME_USER_ID, ORG_USERS, ORGS,
                         SANDBOXES, org_repo_ids, repo_full_name, repo_response, user_response)
from .validation import Validator, page, page_of


class ApiRequest:
    """What a handler sees: path params, query (last value wins) and raw body."""

    def __init__(self, method, path, params, query, body):
        self.method = method
        self.path = path
        self.params = params
        self.query = query
        self.body = body


def op_list_users(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    skip, limit = v.pagination()
    v.finish()
    world.require_member(org_id)
    return page([user_response(u) for u in ORG_USERS[org_id]], skip, limit)


def op_get_user(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    user_id = v.path_int("user_id")
    v.finish()
    world.require_member(org_id)
    if user_id not in ORG_USERS[org_id]:
        raise message_error(404, MSG_USER_NOT_FOUND)
    return user_response(user_id)


def op_get_me(world, req):
    return user_response(ME_USER_ID)


def op_create_run(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    body = v.body(CREATE_RUN_BODY)
    v.finish()
    world.require_member(org_id)
    if body["repo_id"] is not None:
        world.require_repo(org_id, body["repo_id"])
    quota = world.config.run_quota
    if quota is not None and world.runs_created >= quota:
        raise message_error(402, MSG_QUOTA)
    world.runs_created += 1
    run = world.create_run(org_id, body["prompt"], "API", images=body["images"],
                           metadata=body["metadata"], repo_id=body["repo_id"],
                           model=body["model"], agent_type=body["agent_type"])
    return run.response()


def op_get_run(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    run_id = v.path_int("agent_run_id")
    v.finish()
    world.require_member(org_id)
    return world.require_run(org_id, run_id).response()


def op_list_runs(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    user_id = v.query_int("user_id")
    source_type = v.query_enum("source_type", SOURCE_TYPES)
    skip, limit = v.pagination()
    v.finish()
    world.require_member(org_id)
    total, runs = world.list_runs(org_id, user_id, source_type, skip, limit)
    return page_of(total, [r.response() for r in runs], skip, limit)


def op_resume_run(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    body = v.body(RESUME_RUN_BODY)
    v.finish()
    world.require_member(org_id)
    run = world.require_run(org_id, body["agent_run_id"])
    world.resume_run(run, body["prompt"], body["images"])
    return run.response()


def stop_operation(message, remove_from_pr=None):
    """ban (remove_from_pr False), remove-from-pr (True) or unban (None)."""
    def operation(world, req):
        v = Validator(req)
        org_id = v.path_int("org_id")
        body = v.body(STOP_RUN_BODY)
        v.finish()
        world.require_member(org_id)
        run = world.require_run(org_id, body["agent_run_id"])
        if remove_from_pr is None:
            run.banned = False
        else:
            world.ban_run(run, remove_from_pr)
        return {"message": message.format(id=run.id), "agent_run_id": run.id}
    return operation


op_ban_run = stop_operation("All checks banned for agent run {id}.", remove_from_pr=False)
op_unban_run = stop_operation("All checks unbanned for agent run {id}.")
op_remove_from_pr = stop_operation("Codegen removed from the PR of agent run {id}.",
                                   remove_from_pr=True)


def op_stop_run(world, req):
    """Stop (the /v1/beta route of Codegen's own clients; no path in the spec):
    a run that has not finished ends STOPPED; a finished one is a 400.  With
    config stop_route off it answers as a route the server does not have."""
    if not world.config.stop_route:
        raise ApiError(404, NOT_FOUND)
    v = Validator(req)
    org_id = v.path_int("org_id")
    body = v.body(STOP_RUN_BODY)
    v.finish()
    world.require_member(org_id)
    run = world.require_run(org_id, body["agent_run_id"])
    if run.status in FINISHED_STATUSES:
        raise message_error(400, f"Agent run {run.id} has already finished ({run.status}).")
    world.stop_run(run)
    return {"message": f"Agent run {run.id} stopped.", "agent_run_id": run.id,
            "status": run.status}


def op_list_repos(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    skip, limit = v.pagination()
    v.finish()
    world.require_member(org_id)
    return page([repo_response(r) for r in org_repo_ids(org_id)], skip, limit)


def op_get_check_suite(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    repo_id = v.query_int("repo_id", required=True)
    v.finish()
    world.require_member(org_id)
    world.require_repo(org_id, repo_id)
    return copy.deepcopy(world.check_suites[repo_id])


def op_put_check_suite(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    repo_id = v.query_int("repo_id", required=True)
    body = v.body(CHECK_SUITE_BODY)
    v.finish()
    world.require_member(org_id)
    world.require_repo(org_id, repo_id)
    settings = world.check_suites[repo_id]
    for name, value in body.items():
        if value is not None:
            settings[name] = copy.deepcopy(value)
    return {"message": "Check suite settings updated successfully.",
            "settings": copy.deepcopy(settings)}


def edit_pr(world, req, with_repo):
    v = Validator(req)
    org_id = v.path_int("org_id")
    repo_id = v.path_int("repo_id") if with_repo else None
    pr_id = v.path_int("pr_id")
    body = v.body(EDIT_PR_BODY)
    v.finish()
    world.require_member(org_id)
    if with_repo:
        world.require_repo(org_id, repo_id)
    pr = world.require_pr(org_id, pr_id, repo_id)
    pr.state = body["state"]
    return {"success": True, "url": pr.url, "number": pr.number, "title": pr.title,
            "state": pr.state, "error": None}


def op_edit_pr(world, req):
    return edit_pr(world, req, with_repo=False)


def op_edit_repo_pr(world, req):
    return edit_pr(world, req, with_repo=True)


def op_integrations(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    v.finish()
    org = world.require_member(org_id)
    integrations = copy.deepcopy(INTEGRATIONS[org_id])
    return {"organization_id": org_id, "organization_name": org["name"],
            "integrations": integrations,
            "total_active_integrations": sum(1 for i in integrations if i["active"])}


def op_setup_commands(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    body = v.body(SETUP_COMMANDS_BODY)
    v.finish()
    world.require_member(org_id)
    repo_id = world.require_repo(org_id, body["repo_id"])
    prompt = body["prompt"] or f"Generate setup commands for {repo_full_name(repo_id)}"
    run = world.create_run(org_id, prompt, "SETUP_COMMANDS", repo_id=repo_id,
                           metadata={"trigger_source": body["trigger_source"]})
    return {"agent_run_id": run.id, "status": run.status, "url": run.web_url}


def op_list_orgs(world, req):
    v = Validator(req)
    skip, limit = v.pagination()
    v.finish()
    orgs = [{"id": org_id, "name": org["name"], "settings": dict(org["settings"])}
            for org_id, org in ORGS.items() if org["member"]]
    return page(orgs, skip, limit)


def op_mcp_providers(world, req):
    return [copy.deepcopy(p) for p in MCP_PROVIDERS if p["is_mcp"]]


def op_oauth_status(world, req):
    v = Validator(req)
    org_id = v.query_int("org_id", required=True)
    v.finish()
    world.require_member(org_id)
    return list(world.oauth[org_id])


def op_oauth_revoke(world, req):
    v = Validator(req)
    provider = v.query_str("provider", required=True)
    org_id = v.query_int("org_id", required=True)
    v.finish()
    world.require_member(org_id)
    connected = world.oauth[org_id]
    if provider not in connected:
        raise message_error(404, f"No active OAuth token for provider '{provider}'.")
    connected.remove(provider)
    return {"message": f"Revoked OAuth tokens for provider '{provider}'.",
            "provider": provider, "revoked": 1}


def op_analyze_logs(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    sandbox_id = v.path_int("sandbox_id")
    v.finish()
    world.require_member(org_id)
    if SANDBOXES.get(sandbox_id) != org_id:
        raise message_error(404, MSG_SANDBOX_NOT_FOUND)
    run = world.create_run(org_id, f"Analyze the logs of sandbox {sandbox_id}", "API",
                           metadata={"sandbox_id": sandbox_id})
    return {"agent_run_id": run.id, "status": run.status,
            "message": "Sandbox log analysis started."}


def op_cli_rules(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    v.finish()
    world.require_member(org_id)
    return dict(CLI_RULES[org_id])


def op_slack_token(world, req):
    v = Validator(req)
    body = v.body(SLACK_TOKEN_BODY)
    v.finish()
    world.require_member(body["org_id"])
    token = world.new_slack_token()
    return {"token": token,
            "message": f"Send 'Connect my account: {token}' to the Codegen bot in a DM.",
            "expires_in_minutes": 10}


def op_run_logs(world, req):
    v = Validator(req)
    org_id = v.path_int("org_id")
    run_id = v.path_int("agent_run_id")
    skip, limit = v.pagination()
    reverse = v.query_bool("reverse", False)
    v.finish()
    world.require_member(org_id)
    run = world.require_run(org_id, run_id)
    logs = world.logs(run)
    if reverse:
        logs = logs[::-1]
    total = len(logs)
    return {"id": run.id, "organization_id": run.org_id, "status": run.status,
            "created_at": run.created_at, "web_url": run.web_url, "result": run.result,
            "metadata": run.metadata, "logs": logs[skip:skip + limit], "total_logs": total,
            "page": skip // limit + 1, "size": limit, "pages": math.ceil(total / limit)}
