"""fakeapi.content: the generated text of runs: prompts, outcomes and log entries.

Deterministic for a given random.Random: log_entry() fills an entry the way its
message type is documented, generate_logs() expands a run's LogPlan, and
outcome_texts() gives the summary and result of a finished run.
"""

import random

from .contract import MESSAGE_TYPES, UNKNOWN_MESSAGE_TYPE, first_line, iso_z

PROMPTS = (
    "Add retries to the payment client",
    "Fix the flaky test in tests/test_checkout.py",
    "Upgrade the logging library and remove deprecated calls",
    "Write docs for the webhook endpoints",
    "Investigate the memory leak in the background worker",
    "Refactor the settings loader to use dataclasses",
    "Add pagination to the /invoices endpoint",
    "Translate the onboarding e-mails to German (Übersetzung)",
    "Bump dependencies and fix the build",
    "Add a CLI flag for dry runs\nKeep the old behaviour as the default.",
    "Why does the nightly export take 3 hours?\nProfile it and propose a fix.",
    "Remove the unused feature flags",
    "Add type hints to the billing module",
    "Make the login page accessible (WCAG 2.1 AA)",
)

THOUGHTS = (
    "I need to search for the relevant code in the repository.",
    "Plan:\n1. Find the HTTP client\n2. Add retries with backoff\n3. Update the tests",
    "The naïve implementation retries forever → I'll cap it at 3 attempts.",
    "Tests pass ✓ — moving on to the documentation.",
    "Résumé of the changes so far:\n- client.py: backoff added\n- tests: 2 new cases",
    "ユーザーの要求を確認します (checking the request again).",
    "The stack trace points at the connection pool; let me read it.",
    "This function is called from three places, so the change must stay compatible.",
    "Let me run the test suite before opening the pull request.",
    "The CI failure is unrelated: a timeout in the lint job.",
)

TOOL_FILES = ("src/client.py", "src/billing/invoice.py", "tests/test_checkout.py",
              "README.md", "web/src/App.tsx", "cmd/server/main.go")


def tool_call(rng):
    """A deterministic (tool_name, tool_input, tool_output) triple."""
    kind = rng.randrange(5)
    path = rng.choice(TOOL_FILES)
    if kind == 0:
        query = rng.choice(("def retry", "class PaymentClient", "TODO", "timeout="))
        return ("ripgrep_search", {"query": query, "file_extensions": [".py", ".ts"]},
                {"matches": rng.randint(0, 9), "files": [path, rng.choice(TOOL_FILES)]})
    if kind == 1:
        return ("file_view", {"path": path, "start_line": 1, "end_line": 120},
                {"lines": rng.randint(20, 400), "truncated": rng.random() < 0.3})
    if kind == 2:
        return ("file_edit", {"path": path, "old": "retries = 0", "new": "retries = 3"},
                {"status": "success", "lines_changed": rng.randint(1, 40)})
    if kind == 3:
        command = rng.choice(("pytest -q", "npm test", "go test ./...", "make lint"))
        code = rng.choice((0, 0, 0, 1))
        return ("run_command", {"command": command, "timeout": 600},
                {"exit_code": code, "stdout": "4 passed" if code == 0 else "1 failed, 3 passed"})
    return ("web_search", {"query": "python exponential backoff jitter"},
            {"results": rng.randint(1, 10)})


def log_entry(run_id, ts, message_type, rng, text=None):
    """One AgentRunLogResponse, filled the way the documented message type is."""
    entry = {"agent_run_id": run_id, "created_at": iso_z(ts), "tool_name": None,
             "message_type": message_type, "thought": None, "observation": None,
             "tool_input": None, "tool_output": None}
    choice = rng.randrange(3)
    if message_type == "ACTION":
        name, tool_input, tool_output = tool_call(rng)
        entry.update(tool_name=name, tool_input=tool_input, tool_output=tool_output,
                     thought=rng.choice(THOUGHTS),
                     observation=(f"{name} finished", {"status": "success",
                                                       "results": ["Found 3 matches..."]},
                                  None)[choice])
    elif message_type == "PLAN_EVALUATION":
        entry.update(thought=rng.choice(THOUGHTS),
                     observation=("Plan still valid.", {"steps_done": rng.randint(1, 5)},
                                  None)[choice])
    elif message_type == "FINAL_ANSWER":
        entry.update(thought=rng.choice((None, "Summarising the work.")),
                     observation=text or "I made the requested change and opened a pull request.")
    elif message_type == "ERROR":
        entry.update(tool_name=rng.choice((None, "run_command")),
                     observation=text or rng.choice(("Sandbox command timed out after 600 s",
                                                     {"error": "ToolError",
                                                      "detail": "exit code 1"})))
    elif message_type == "USER_MESSAGE":
        entry.update(thought=text or "Please also update the changelog.")
    elif message_type == "USER_GITHUB_ISSUE_COMMENT":
        entry.update(thought="@codegen can you also handle the empty-cart case?",
                     observation={"issue_number": rng.randint(10, 900), "author": "bob-builder"})
    elif message_type == "INITIAL_PR_GENERATION":
        entry.update(thought="Opening a pull request with the changes.",
                     observation={"pr_number": rng.randint(100, 999), "draft": False})
    elif message_type == "DETECT_PR_ERRORS":
        entry.update(observation={"failing_checks": ["ci/test"], "total_checks": 4})
    elif message_type == "FIX_PR_ERRORS":
        entry.update(thought="The test fails because of a missing fixture; adding it.",
                     observation="Pushed a fix commit.")
    elif message_type == "PR_CREATION_FAILED":
        entry.update(observation="GitHub returned 422: a pull request already exists "
                                 "for this branch.")
    elif message_type == "PR_EVALUATION":
        entry.update(thought="Reviewing the diff of the pull request.",
                     observation={"approved": rng.random() < 0.7, "comments": rng.randint(0, 6)})
    elif message_type == "COMMIT_EVALUATION":
        entry.update(observation={"commits": rng.randint(1, 5), "verdict": "ok"})
    elif message_type == "AGENT_RUN_LINK":
        other = rng.randint(101, 1300)
        entry.update(thought="Delegated the documentation part to another agent run.",
                     observation={"agent_run_id": other,
                                  "web_url": f"https://codegen.com/agent/trace/{other}"})
    else:
        entry.update(thought="Condensed the conversation to stay within the context window.",
                     observation={"tokens_before": 180000, "tokens_after": 42000})
    return entry


ALL_MESSAGE_TYPES = MESSAGE_TYPES + (UNKNOWN_MESSAGE_TYPE,)
RANDOM_TYPE_WEIGHTS = ((m, 60 if m == "ACTION" else 20 if m == "PLAN_EVALUATION" else 1)
                       for m in ALL_MESSAGE_TYPES if m not in ("USER_MESSAGE", "FINAL_ANSWER"))
RANDOM_TYPES, RANDOM_WEIGHTS = zip(*RANDOM_TYPE_WEIGHTS)


class LogPlan:
    """How the first `count` log entries of a run are generated (lazily, once)."""

    def __init__(self, count, start_ts, step_min, step_max, final_type, final_text, showcase):
        self.count = count
        self.start_ts = start_ts
        self.step_min = step_min
        self.step_max = step_max
        self.final_type = final_type     # message type of the last entry, or None
        self.final_text = final_text     # its observation (the result at build time)
        self.showcase = showcase         # entries 1..14 cover every message type


def generate_logs(seed, run):
    plan = run.log_plan
    rng = random.Random(f"{seed}:logs:{run.id}")
    entries = []
    ts = plan.start_ts
    for index in range(plan.count):
        ts += rng.uniform(plan.step_min, plan.step_max)
        text = None
        if index == 0:
            message_type, text = "USER_MESSAGE", run.prompt
        elif index == plan.count - 1 and plan.final_type:
            message_type = plan.final_type
            text = plan.final_text
        elif plan.showcase and index <= len(ALL_MESSAGE_TYPES):
            message_type = ALL_MESSAGE_TYPES[index - 1]
        else:
            message_type = rng.choices(RANDOM_TYPES, RANDOM_WEIGHTS)[0]
        entries.append(log_entry(run.id, ts, message_type, rng, text))
    return entries


def final_status_for(prompt):
    if "[fail]" in prompt:
        return "FAILED"
    if "[pause]" in prompt:
        return "PAUSED"
    return "COMPLETE"


OUTCOMES = {
    "FAILED": ("The agent could not finish: the tests kept failing.", "Failed: {line}"),
    "ERROR": ("The sandbox crashed while running the setup commands.", "Error: sandbox crashed"),
    "PAUSED": ("Waiting for a follow-up message.", "Question: should I also update the docs? "
                                                   "({line})"),
    "CANCELLED": ("Cancelled by a user.", None),
    "STOPPED": ("Stopped by a user.", "Stopped: {line}"),
    "TIMEOUT": ("Timed out after 60 minutes.", None),
    "MAX_ITERATIONS_REACHED": ("Reached the maximum number of iterations.", "Partial: {line}"),
    "OUT_OF_TOKENS": ("Ran out of tokens.", None),
}


def outcome_texts(status, prompt):
    """(summary, result) of a run that ended with status; (None, None) if not ended."""
    line = first_line(prompt)
    if status == "COMPLETE":
        return f"Completed: {line}. The changes are in the linked pull request.", f"Done: {line}"
    if status not in OUTCOMES:
        return None, None
    summary, result = OUTCOMES[status]
    return summary, (result.format(line=line) if result else None)


def final_message_type(status):
    if status in ("COMPLETE", "PAUSED"):
        return "FINAL_ANSWER"
    if status in ("FAILED", "ERROR", "TIMEOUT", "MAX_ITERATIONS_REACHED", "OUT_OF_TOKENS"):
        return "ERROR"
    return None
