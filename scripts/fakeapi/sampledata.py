"""fakeapi.sampledata: the fixed sample data and its API shapes.

Organisations, users, repositories, check-suite settings, integrations, CLI
rules, MCP providers, OAuth connections and sandboxes (docs/FAKE-API.md,
"Sample data"), with the functions that render users and repositories as the
API answers them.  Never mutated: the world deep-copies what may change.
"""

ORGS = {
    11: {"name": "acme", "member": True,
         "settings": {"enable_pr_creation": True, "enable_rules_detection": True}},
    12: {"name": "globex", "member": True,
         "settings": {"enable_pr_creation": False, "enable_rules_detection": True}},
    13: {"name": "initech", "member": False,
         "settings": {"enable_pr_creation": True, "enable_rules_detection": False}},
}

# id -> (github_username, email, full_name, role, is_admin, has_avatar)
USERS = {
    1: ("alice-dev", "alice@example.com", "Alice Example", "ADMIN", True, True),
    2: ("bob-builder", "bob@example.com", "Bob Builder", "MANAGER", False, True),
    3: ("carol-codes", "carol@example.com", "Carol Nguyễn", "MEMBER", False, True),
    4: ("dave-ops", None, "Dave Okafor", "MEMBER", False, False),
    5: ("erin-qa", "erin@example.com", "Erin Müller", None, None, True),
    6: ("frank-fe", None, None, "MEMBER", False, True),
    7: ("grace-h", "grace@example.com", "Grace Hopper", "ADMIN", True, True),
    8: ("heidi-bot", None, None, None, None, False),
    9: ("ivan-g", "ivan@globex.example", "Ivan Petrov", "MANAGER", False, True),
    10: ("judy-k", None, "Judy Kim", "MEMBER", False, True),
    11: ("mallory", "mallory@initech.example", "Mallory Initech", "ADMIN", True, True),
}
ORG_USERS = {11: (1, 2, 3, 4, 5, 6, 7, 8), 12: (1, 9, 10), 13: (11,)}
ME_USER_ID = 1

# id -> (org, name, description, visibility, archived, setup_status, language)
REPOS = {
    456: (11, "payments", "Payment processing service", "private", False, "COMPLETED", "Python"),
    457: (11, "web-app", "Customer-facing web application", "private", False, "COMPLETED",
          "TypeScript"),
    458: (11, "infra", None, "private", False, "NOT_STARTED", "HCL"),
    459: (11, "docs", "Public documentation", "public", None, "COMPLETED", None),
    460: (11, "legacy-billing", "Old billing system (read-only)", "private", True, "FAILED",
          "Java"),
    461: (11, "mobile", None, None, False, "IN_PROGRESS", "Kotlin"),
    470: (12, "core", "Core services", "private", False, "COMPLETED", "Go"),
    471: (12, "website", None, "public", False, "NOT_STARTED", "JavaScript"),
    480: (13, "tps-reports", "TPS report generator", "private", False, "COMPLETED", "C"),
}

DEFAULT_CHECK_SUITE = {"check_retry_count": 3, "ignored_checks": [], "check_retry_counts": {},
                       "custom_prompts": {}, "high_priority_apps": [],
                       "available_check_suite_names": ["build", "test"]}
CHECK_SUITES = {
    456: {"check_retry_count": 5, "ignored_checks": ["codecov/patch"],
          "check_retry_counts": {"ci/lint": 1, "ci/test": 4},
          "custom_prompts": {"ci/test": "Fix flaky tests by waiting for the fake clock, "
                                        "never by adding sleeps."},
          "high_priority_apps": ["github-actions"],
          "available_check_suite_names": ["ci/build", "ci/lint", "ci/test", "codecov/patch"]},
    457: {"check_retry_count": 2, "ignored_checks": ["lighthouse", "percy"],
          "check_retry_counts": {"e2e": 0}, "custom_prompts": {},
          "high_priority_apps": ["vercel", "github-actions"],
          "available_check_suite_names": ["build", "e2e", "lighthouse", "percy", "unit"]},
    460: {"check_retry_count": 0, "ignored_checks": [], "check_retry_counts": {},
          "custom_prompts": {"jenkins": "Ignore the Maven cache warnings."},
          "high_priority_apps": [], "available_check_suite_names": ["jenkins"]},
    470: {"check_retry_count": 10, "ignored_checks": ["golangci-lint"],
          "check_retry_counts": {"go test": 3}, "custom_prompts": {},
          "high_priority_apps": ["buildkite"],
          "available_check_suite_names": ["go test", "golangci-lint"]},
}

INTEGRATIONS = {
    11: [
        {"integration_type": "github", "active": True, "token_id": None,
         "installation_id": 5550011, "metadata": {"account": "acme", "repositories": 6}},
        {"integration_type": "slack", "active": True, "token_id": 71, "installation_id": None,
         "metadata": {"team": "Acme Corp", "channel": "#codegen"}},
        {"integration_type": "linear", "active": False, "token_id": None,
         "installation_id": None, "metadata": None},
        {"integration_type": "notion", "active": True, "token_id": 73, "installation_id": None,
         "metadata": None},
        {"integration_type": "jira", "active": False, "token_id": 74, "installation_id": None,
         "metadata": {"site": "acme.atlassian.net"}},
    ],
    12: [
        {"integration_type": "github", "active": True, "token_id": None,
         "installation_id": 5550012, "metadata": {"account": "globex"}},
        {"integration_type": "slack", "active": False, "token_id": None,
         "installation_id": None, "metadata": None},
    ],
    13: [],
}

CLI_RULES = {
    11: {"organization_rules": "Use type hints everywhere.\nNever commit secrets.\n"
                               "Run `make test` before opening a PR.",
         "user_custom_prompt": "Answer briefly; prefer small pull requests."},
    12: {"organization_rules": "Follow the Go style guide (gofmt, golangci-lint).",
         "user_custom_prompt": None},
    13: {"organization_rules": None, "user_custom_prompt": None},
}

MCP_PROVIDERS = [
    {"id": 1, "name": "linear", "issuer": "https://linear.app",
     "authorization_endpoint": "https://linear.app/oauth/authorize",
     "token_endpoint": "https://api.linear.app/oauth/token",
     "default_scopes": ["read", "write"], "is_mcp": True,
     "meta": {"server_url": "https://mcp.linear.app/sse"}},
    {"id": 2, "name": "notion", "issuer": "https://api.notion.com",
     "authorization_endpoint": "https://api.notion.com/v1/oauth/authorize",
     "token_endpoint": "https://api.notion.com/v1/oauth/token",
     "default_scopes": None, "is_mcp": True, "meta": None},
    {"id": 3, "name": "sentry", "issuer": "https://sentry.io",
     "authorization_endpoint": "https://sentry.io/oauth/authorize/",
     "token_endpoint": "https://sentry.io/oauth/token/",
     "default_scopes": ["org:read", "project:read", "event:read"], "is_mcp": True,
     "meta": {"server_url": "https://mcp.sentry.dev/sse"}},
    {"id": 4, "name": "github", "issuer": "https://github.com",
     "authorization_endpoint": "https://github.com/login/oauth/authorize",
     "token_endpoint": "https://github.com/login/oauth/access_token",
     "default_scopes": ["repo", "read:org"], "is_mcp": False, "meta": None},
]

OAUTH_CONNECTED = {11: ["linear", "notion"], 12: ["sentry"], 13: ["linear"]}
SANDBOXES = {301: 11, 302: 11, 303: 12}


def user_response(user_id):
    username, email, full_name, role, is_admin, has_avatar = USERS[user_id]
    github_user_id = str(1000 + user_id)
    return {"id": user_id, "email": email, "github_user_id": github_user_id,
            "github_username": username,
            "avatar_url": (f"https://avatars.githubusercontent.com/u/{github_user_id}?v=4"
                           if has_avatar else None),
            "full_name": full_name, "role": role, "is_admin": is_admin}


def repo_full_name(repo_id):
    org_id, name = REPOS[repo_id][0], REPOS[repo_id][1]
    return f"{ORGS[org_id]['name']}/{name}"


def repo_response(repo_id):
    org_id, name, description, visibility, archived, setup_status, language = REPOS[repo_id]
    return {"id": repo_id, "name": name, "full_name": repo_full_name(repo_id),
            "description": description, "github_id": str(700000000 + repo_id),
            "organization_id": org_id, "visibility": visibility, "archived": archived,
            "setup_status": setup_status, "language": language}


def org_repo_ids(org_id):
    return [repo_id for repo_id, repo in REPOS.items() if repo[0] == org_id]
