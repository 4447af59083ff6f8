"""fakeapi.contract: the facts of the Codegen API that every other module shares.

The enums, the error messages and bodies, the documented rate limits, the
request body models, the JSON and time formats, and ApiError, the exception
an operation raises to answer with an HTTP error.  Data and tiny helpers only:
this module imports nothing from the package.
"""

import datetime
import json
import math
import re

SOURCE_TYPES = ("LOCAL", "SLACK", "GITHUB", "GITHUB_CHECK_SUITE", "GITHUB_PR_REVIEW",
                "LINEAR", "API", "CHAT", "JIRA", "CLICKUP", "MONDAY", "SETUP_COMMANDS")
AGENT_TYPES = ("codegen", "claude_code")
PR_STATES = ("open", "closed", "draft", "ready_for_review")
WORKING_STATUSES = frozenset(("ACTIVE", "PENDING", "RUNNING", "EVALUATION"))
FINISHED_STATUSES = frozenset(("COMPLETE", "FAILED", "ERROR", "CANCELLED", "STOPPED", "TIMEOUT",
                               "MAX_ITERATIONS_REACHED", "OUT_OF_TOKENS"))
UNKNOWN_STATUS = "QUEUED_FOR_REVIEW"
MESSAGE_TYPES = ("ACTION", "PLAN_EVALUATION", "FINAL_ANSWER", "ERROR", "USER_MESSAGE",
                 "USER_GITHUB_ISSUE_COMMENT", "INITIAL_PR_GENERATION", "DETECT_PR_ERRORS",
                 "FIX_PR_ERRORS", "PR_CREATION_FAILED", "PR_EVALUATION", "COMMIT_EVALUATION",
                 "AGENT_RUN_LINK")
UNKNOWN_MESSAGE_TYPE = "CONTEXT_SUMMARY"

MSG_UNAUTHORIZED = "Invalid or missing API token."
MSG_FORBIDDEN = "You do not have access to this organization."
MSG_RUN_NOT_FOUND = "Agent run not found."
MSG_USER_NOT_FOUND = "User not found."
MSG_REPO_NOT_FOUND = "Repository not found."
MSG_PR_NOT_FOUND = "Pull request not found."
MSG_SANDBOX_NOT_FOUND = "Sandbox not found."
MSG_RATE_LIMITED = "Rate limit exceeded. Please try again later."
MSG_QUOTA = ("Alloted agent runs for the current billing plan have been reached. "
             "Please upgrade your plan to continue.")
NOT_FOUND = {"detail": "Not Found"}
METHOD_NOT_ALLOWED = {"detail": "Method Not Allowed"}

# (requests, window in seconds) per rate-limit class, before --rate-time-scale.
RATE_LIMITS = {
    "general": (60, 30.0),
    "create": (10, 60.0),
    "logs": (60, 60.0),
    "setup": (5, 60.0),
    "analyze": (5, 60.0),
    "pr_edit": (30, 60.0),
    "rules": (30, 60.0),
}

INT_RE = re.compile(r"^[+-]?\d+$")


def json_bytes(obj):
    """Serialise like Starlette's JSONResponse: compact, raw UTF-8."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def iso_z(ts):
    """Unix time -> '2025-06-21T11:20:04.123456Z'."""
    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_space(ts):
    """Unix time -> '2025-06-21 11:20:04.123456' (the zone-less UTC form)."""
    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def first_line(text, width=80):
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:width]
    return ""


class ApiError(Exception):
    """An HTTP error answer: status, JSON body, extra headers."""

    def __init__(self, status, body, headers=()):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = list(headers)


def message_error(status, message):
    return ApiError(status, {"message": message, "status_code": status})


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


# --------------------------------------------------------------------------
# Request body models (validated by fakeapi.validation)

class Field:
    """One field of a request body model (kinds: str int dict enum str_list str_int_map
    str_str_map data_uri_list)."""

    def __init__(self, name, kind, required=False, nullable=True, default=None,
                 choices=None, ge=None, le=None):
        self.name = name
        self.kind = kind
        self.required = required
        self.nullable = nullable
        self.default = default
        self.choices = choices
        self.ge = ge
        self.le = le


IMAGE_ERROR = "Each image must be a base64 data URI (data:image/<type>;base64,<data>)"

CREATE_RUN_BODY = (
    Field("prompt", "str", required=True, nullable=False),
    Field("images", "data_uri_list"),
    Field("metadata", "dict"),
    Field("repo_id", "int"),
    Field("model", "str"),
    Field("agent_type", "enum", choices=AGENT_TYPES),
)
RESUME_RUN_BODY = (
    Field("agent_run_id", "int", required=True, nullable=False),
    Field("prompt", "str", required=True, nullable=False),
    Field("images", "data_uri_list"),
)
STOP_RUN_BODY = (
    Field("agent_run_id", "int", required=True, nullable=False),
    Field("before_card_order_id", "str"),
    Field("after_card_order_id", "str"),
)
CHECK_SUITE_BODY = (
    Field("check_retry_count", "int", ge=0, le=10),
    Field("ignored_checks", "str_list"),
    Field("check_retry_counts", "str_int_map"),
    Field("custom_prompts", "str_str_map"),
    Field("high_priority_apps", "str_list"),
)
EDIT_PR_BODY = (Field("state", "enum", required=True, nullable=False, choices=PR_STATES),)
SETUP_COMMANDS_BODY = (
    Field("repo_id", "int", required=True, nullable=False),
    Field("prompt", "str"),
    Field("trigger_source", "str", nullable=False, default="setup-commands"),
)
SLACK_TOKEN_BODY = (Field("org_id", "int", required=True, nullable=False),)
