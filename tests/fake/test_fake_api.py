#!/usr/bin/env python3
"""Tests of scripts/fake-codegen-api, the test double of the Codegen API.

Starts the script as a subprocess with --port 0, reads the URL from its ready
line and talks real HTTP to it with http.client.  Most tests share one server
(rate limits off, short windows and run times; reset before each test); the
command-line tests start their own.  Run: python3 tests/fake/test_fake_api.py
"""

import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "fake-codegen-api")
TOKEN = "test-token"
READY_RE = re.compile(r"^fake-codegen-api listening on (http://127\.0\.0\.1:(\d+))$")
ISO_Z_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ISO_SPACE_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")

# What every test of the shared server starts from (see SharedServerTest.setUp).
SUITE_CONFIG = {"rate_limits": False, "latency_ms": 0, "run_quota": None, "run_seconds": 1.0,
                "log_interval_ms": 100, "rate_time_scale": 0.05, "stop_route": True}

ALL_STATUSES = {"ACTIVE", "PENDING", "RUNNING", "EVALUATION", "PAUSED", "COMPLETE", "FAILED",
                "ERROR", "CANCELLED", "STOPPED", "TIMEOUT", "MAX_ITERATIONS_REACHED",
                "OUT_OF_TOKENS", "QUEUED_FOR_REVIEW"}
SOURCE_TYPES = {"LOCAL", "SLACK", "GITHUB", "GITHUB_CHECK_SUITE", "GITHUB_PR_REVIEW", "LINEAR",
                "API", "CHAT", "JIRA", "CLICKUP", "MONDAY", "SETUP_COMMANDS"}
MESSAGE_TYPES = {"ACTION", "PLAN_EVALUATION", "FINAL_ANSWER", "ERROR", "USER_MESSAGE",
                 "USER_GITHUB_ISSUE_COMMENT", "INITIAL_PR_GENERATION", "DETECT_PR_ERRORS",
                 "FIX_PR_ERRORS", "PR_CREATION_FAILED", "PR_EVALUATION", "COMMIT_EVALUATION",
                 "AGENT_RUN_LINK"}
RUN_FIELDS = ["id", "organization_id", "status", "created_at", "web_url", "result", "summary",
              "source_type", "github_pull_requests", "metadata"]
LOG_FIELDS = ["agent_run_id", "created_at", "tool_name", "message_type", "thought",
              "observation", "tool_input", "tool_output"]

E401 = {"message": "Invalid or missing API token.", "status_code": 401}
E403 = {"message": "You do not have access to this organization.", "status_code": 403}
E429 = {"message": "Rate limit exceeded. Please try again later.", "status_code": 429}
E402 = {"message": "Alloted agent runs for the current billing plan have been reached. "
                   "Please upgrade your plan to continue.", "status_code": 402}


def e404(message):
    return {"message": message, "status_code": 404}


# --------------------------------------------------------------------------
# Helpers

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class FakeProcess:
    """The script running as a subprocess, with the URL from its ready line."""

    def __init__(self, *args, executable=False, stderr=subprocess.DEVNULL):
        command = [SCRIPT] if executable else [sys.executable, SCRIPT]
        started = time.monotonic()
        self.proc = subprocess.Popen(command + ["--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=stderr)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10.0)
        if not ready:
            self.proc.kill()
            raise RuntimeError("fake-codegen-api printed no ready line")
        self.ready_line = self.proc.stdout.readline().decode().rstrip("\n")
        self.startup_seconds = time.monotonic() - started
        match = READY_RE.match(self.ready_line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"unexpected ready line {self.ready_line!r}")
        self.url = match.group(1)
        self.port = int(match.group(2))

    def stop(self):
        """Terminate (if still running) and reap; safe to call more than once."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def call(port, method, path, body=None, token=TOKEN, raw=None, headers=None, timeout=10.0,
         conn=None):
    """One request (on conn if given, else on a fresh connection); -> Response."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=sent)
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        if own:
            conn.close()


SERVER = None


def setUpModule():
    global SERVER
    SERVER = FakeProcess("--quiet", "--rate-limits", "off", "--rate-time-scale", "0.05",
                         "--run-seconds", "1", "--log-interval-ms", "100")


def tearDownModule():
    if SERVER:
        SERVER.stop()


class SharedServerTest(unittest.TestCase):
    """Tests against the shared server, reset to SUITE_CONFIG and fresh data."""

    def setUp(self):
        self.ctl("POST", "/_control/config", SUITE_CONFIG)
        self.ctl("POST", "/_control/reset", {})
        self.reset_at = time.monotonic()

    def api(self, method, path, body=None, **kwargs):
        return call(SERVER.port, method, path, body, **kwargs)

    def get(self, path, **kwargs):
        resp = self.api("GET", path, **kwargs)
        self.assertEqual(resp.status, 200, resp.body)
        return resp.json()

    def post(self, path, body, **kwargs):
        resp = self.api("POST", path, body, **kwargs)
        self.assertEqual(resp.status, 200, resp.body)
        return resp.json()

    def ctl(self, method, path, body=None):
        resp = call(SERVER.port, method, path, body, token=None)
        self.assertEqual(resp.status, 200, resp.body)
        return resp.json()

    def assertError(self, resp, status, body):
        self.assertEqual(resp.status, status, resp.body)
        self.assertEqual(resp.headers["Content-Type"], "application/json")
        self.assertEqual(resp.json(), body)

    def assert422(self, resp, *errors):
        """errors: (type, loc) pairs, in order."""
        self.assertEqual(resp.status, 422, resp.body)
        detail = resp.json()["detail"]
        self.assertEqual([(d["type"], d["loc"]) for d in detail],
                         [(kind, list(loc)) for kind, loc in errors])
        for item in detail:
            self.assertIn("msg", item)
            self.assertIn("input", item)
        return detail

    def all_runs(self, org_id=11):
        runs, skip = [], 0
        while True:
            data = self.get(f"/v1/organizations/{org_id}/agent/runs?skip={skip}&limit=100")
            runs += data["items"]
            skip += 100
            if skip >= data["total"]:
                return runs

    def all_logs(self, run_id, org_id=11):
        logs, skip = [], 0
        while True:
            data = self.get(f"/v1/alpha/organizations/{org_id}/agent/run/{run_id}/logs"
                            f"?skip={skip}&limit=100")
            logs += data["logs"]
            skip += 100
            if skip >= data["total_logs"]:
                return logs

    def sleep_until(self, seconds_after_reset):
        time.sleep(max(0.0, self.reset_at + seconds_after_reset - time.monotonic()))


# --------------------------------------------------------------------------
# Command line, start-up and shutdown

class CommandLineTest(unittest.TestCase):

    def start(self, *args, **kwargs):
        fake = FakeProcess(*args, **kwargs)
        self.addCleanup(fake.stop)
        return fake

    def test_ready_line_request_log_and_sigterm(self):
        fake = self.start("--token", "sekrit-token-123", executable=True, stderr=subprocess.PIPE)
        self.assertLess(fake.startup_seconds, 1.0)
        self.assertEqual(call(fake.port, "GET", "/v1/users/me",
                              token="sekrit-token-123").status, 200)
        self.assertEqual(call(fake.port, "GET", "/v1/users/me").status, 401)
        started = time.monotonic()
        fake.proc.send_signal(signal.SIGTERM)
        out, err = fake.proc.communicate(timeout=5)
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(fake.proc.returncode, 0)
        self.assertEqual(out, b"")          # nothing after the ready line
        err = err.decode()
        self.assertEqual(err.count("GET /v1/users/me"), 2)
        self.assertNotIn("sekrit-token-123", err)

    def test_sigint_exits_zero_with_open_and_stalled_connections(self):
        fake = self.start("--quiet", stderr=subprocess.PIPE)
        idle = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
        self.addCleanup(idle.close)
        self.assertEqual(call(fake.port, "GET", "/v1/users/me", conn=idle).status, 200)
        call(fake.port, "POST", "/_control/faults", {"kind": "stall"}, token=None)
        stalled = socket.create_connection(("127.0.0.1", fake.port))
        self.addCleanup(stalled.close)
        stalled.sendall(b"GET /v1/users/me HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        started = time.monotonic()
        fake.proc.send_signal(signal.SIGINT)
        out, err = fake.proc.communicate(timeout=5)
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(fake.proc.returncode, 0)
        self.assertEqual((out, err), (b"", b""))

    def test_seed_makes_the_same_data(self):
        one, same, other = (self.start("--quiet", "--seed", s) for s in ("7", "7", "8"))

        def snapshot(fake):
            runs = call(fake.port, "GET", "/v1/organizations/11/agent/runs?skip=100&limit=100")
            logs = call(fake.port, "GET", "/v1/alpha/organizations/11/agent/run/500/logs")
            return runs.body, logs.body

        self.assertEqual(snapshot(one), snapshot(same))
        self.assertNotEqual(snapshot(one), snapshot(other))
        for fake in (one, other):
            run = json.loads(call(fake.port, "GET", "/v1/organizations/11/agent/run/789").body)
            self.assertEqual((run["status"], run["source_type"]), ("COMPLETE", "API"))

    def test_run_quota_flag_and_default_rate_limit_window(self):
        fake = self.start("--quiet", "--run-quota", "1")
        path = "/v1/organizations/11/agent/run"
        self.assertEqual(call(fake.port, "POST", path, {"prompt": "one"}).status, 200)
        resp = call(fake.port, "POST", path, {"prompt": "two"})
        self.assertEqual((resp.status, json.loads(resp.body)), (402, E402))
        resumed = call(fake.port, "POST", path + "/resume",
                       {"agent_run_id": 10001, "prompt": "more"})
        self.assertEqual(resumed.status, 200)   # resume is not a create
        # Rate limits are on by default: 60 general requests per 30 s.
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
        self.addCleanup(conn.close)
        statuses = [call(fake.port, "GET", "/v1/users/me", conn=conn).status
                    for _ in range(59)]        # + the resume = 60
        self.assertEqual(set(statuses), {200})
        resp = call(fake.port, "GET", "/v1/users/me", conn=conn)
        self.assertEqual((resp.status, json.loads(resp.body)), (429, E429))
        self.assertIn(int(resp.headers["Retry-After"]), (29, 30))

    def test_runs_flag_makes_a_big_org_cheaply(self):
        fake = self.start("--quiet", "--runs", "100000", "--rate-limits", "off")
        plain = self.start("--quiet", "--rate-limits", "off")
        self.assertLess(fake.startup_seconds, 3.0)
        path = "/v1/organizations/11/agent/runs"

        def page(f, query):
            started = time.monotonic()
            resp = call(f.port, "GET", f"{path}?{query}")
            self.assertEqual(resp.status, 200, resp.body)
            return json.loads(resp.body), time.monotonic() - started

        # The 1,200 sample runs come first, unchanged; the older ones follow.
        # (The live runs' created_at follows the start-up time: ids only there.)
        for skip in (0, 1100):
            got, _ = page(fake, f"skip={skip}&limit=100")
            want, _ = page(plain, f"skip={skip}&limit=100")
            self.assertEqual([r["id"] for r in got["items"]], [r["id"] for r in want["items"]])
            self.assertEqual((got["total"], got["pages"]), (100000, 1000))
        self.assertEqual(got["items"], want["items"])
        got, _ = page(fake, "skip=1150&limit=100")
        self.assertEqual([r["id"] for r in got["items"]][50:],
                         list(range(200001, 200051)))
        got, seconds = page(fake, "skip=99950&limit=100")
        self.assertLess(seconds, 1.0)
        # 98,800 older runs: ids 200001..298800.
        self.assertEqual([r["id"] for r in got["items"]], list(range(298751, 298801)))
        self.assertLessEqual({r["status"] for r in got["items"]},
                             {"COMPLETE", "FAILED", "ERROR", "CANCELLED", "STOPPED", "TIMEOUT",
                              "MAX_ITERATIONS_REACHED", "OUT_OF_TOKENS", "PAUSED"})
        # A filter counts the older runs too, and every one it shows is its own.
        total = 0
        for user in (1, 2, 3, 4, 5, 6, 7, 8):
            got, seconds = page(fake, f"skip=2000&limit=100&user_id={user}")
            self.assertLess(seconds, 1.0)
            total += got["total"]
            for run in got["items"][:3]:
                state = json.loads(call(fake.port, "GET", f"/_control/runs/{run['id']}",
                                        token=None).body)
                self.assertEqual(state["user_id"], user)
        self.assertEqual(total, 100000)
        got, _ = page(fake, "skip=600&limit=100&source_type=SLACK")
        self.assertEqual({r["source_type"] for r in got["items"]}, {"SLACK"})
        self.assertEqual(call(fake.port, "GET", "/v1/organizations/11/agent/run/250000").status,
                         200)
        self.assertEqual(call(fake.port, "GET", "/v1/organizations/11/agent/run/298801").status,
                         404)
        self.assertEqual(call(fake.port, "GET", "/v1/organizations/12/agent/run/250000").status,
                         404)
        self.assertEqual(page(plain, "skip=0&limit=1")[0]["total"], 1200)

    def test_runs_flag_keeps_the_sample(self):
        proc = subprocess.run([sys.executable, SCRIPT, "--runs", "1199"], capture_output=True,
                              text=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--runs must be >= 1200", proc.stderr)

    def test_latency_flag(self):
        fake = self.start("--quiet", "--latency-ms", "300")
        started = time.monotonic()
        self.assertEqual(call(fake.port, "GET", "/v1/users/me").status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        started = time.monotonic()
        self.assertEqual(call(fake.port, "GET", "/_control/health", token=None).status, 200)
        self.assertLess(time.monotonic() - started, 0.25)


# --------------------------------------------------------------------------
# Auth and error shapes

class ErrorShapeTest(SharedServerTest):

    def test_401_missing_and_wrong_token(self):
        self.assertError(self.api("GET", "/v1/users/me", token=None), 401, E401)
        self.assertError(self.api("GET", "/v1/users/me", token="nope"), 401, E401)
        self.assertError(self.api("GET", "/v1/users/me", token=None,
                                  headers={"Authorization": "Basic dGVzdC10b2tlbg=="}), 401, E401)
        # Auth comes before routing and validation.
        self.assertError(self.api("GET", "/v1/nowhere", token=None), 401, E401)
        self.assertError(self.api("GET", "/v1/organizations/11/agent/runs?limit=500", token=None),
                         401, E401)

    def test_403_for_orgs_the_user_is_not_in(self):
        for org in (13, 999):
            for method, path, body in (
                    ("GET", f"/v1/organizations/{org}/users", None),
                    ("GET", f"/v1/organizations/{org}/users/11", None),
                    ("GET", f"/v1/organizations/{org}/agent/runs", None),
                    ("GET", f"/v1/organizations/{org}/agent/run/789", None),
                    ("POST", f"/v1/organizations/{org}/agent/run", {"prompt": "x"}),
                    ("POST", f"/v1/organizations/{org}/agent/run/ban", {"agent_run_id": 789}),
                    ("POST", f"/v1/beta/organizations/{org}/agent/run/stop",
                     {"agent_run_id": 1291}),
                    ("GET", f"/v1/organizations/{org}/repos", None),
                    ("GET", f"/v1/organizations/{org}/repos/check-suite-settings?repo_id=480",
                     None),
                    ("GET", f"/v1/organizations/{org}/integrations", None),
                    ("GET", f"/v1/organizations/{org}/cli/rules", None),
                    ("POST", f"/v1/organizations/{org}/sandbox/301/analyze-logs", None),
                    ("GET", f"/v1/alpha/organizations/{org}/agent/run/789/logs", None),
                    ("GET", f"/v1/oauth/tokens/status?org_id={org}", None),
                    ("POST", f"/v1/oauth/tokens/revoke?provider=linear&org_id={org}", None),
                    ("POST", "/v1/slack-connect/generate-token", {"org_id": org})):
                with self.subTest(method=method, path=path):
                    self.assertError(self.api(method, path, body), 403, E403)

    def test_404_shapes(self):
        cases = (
            ("GET", "/v1/organizations/11/agent/run/99999", None, "Agent run not found."),
            ("GET", "/v1/organizations/11/agent/run/5001", None, "Agent run not found."),
            ("GET", "/v1/alpha/organizations/12/agent/run/789/logs", None,
             "Agent run not found."),
            ("POST", "/v1/organizations/11/agent/run/resume",
             {"agent_run_id": 5001, "prompt": "x"}, "Agent run not found."),
            ("GET", "/v1/organizations/11/users/9", None, "User not found."),
            ("GET", "/v1/organizations/11/repos/check-suite-settings?repo_id=470", None,
             "Repository not found."),
            ("POST", "/v1/organizations/11/agent/run", {"prompt": "x", "repo_id": 470},
             "Repository not found."),
            ("PATCH", "/v1/organizations/11/prs/99999", {"state": "open"},
             "Pull request not found."),
            ("POST", "/v1/organizations/11/sandbox/303/analyze-logs", None, "Sandbox not found."),
            ("POST", "/v1/organizations/11/sandbox/999/analyze-logs", None, "Sandbox not found."),
        )
        for method, path, body, message in cases:
            with self.subTest(path=path):
                self.assertError(self.api(method, path, body), 404, e404(message))

    def test_unknown_path_and_wrong_method(self):
        self.assertError(self.api("GET", "/v1/nowhere"), 404, {"detail": "Not Found"})
        self.assertError(self.api("GET", "/v1/organizations/11"), 404, {"detail": "Not Found"})
        self.assertError(self.api("GET", "/elsewhere", token=None), 404, {"detail": "Not Found"})
        resp = self.api("POST", "/v1/organizations/11/agent/run/789")
        self.assertError(resp, 405, {"detail": "Method Not Allowed"})
        self.assertEqual(resp.headers["Allow"], "GET")
        self.assertError(self.api("DELETE", "/v1/users/me"), 405, {"detail": "Method Not Allowed"})

    def test_422_query_and_path(self):
        runs = "/v1/organizations/11/agent/runs"
        resp = self.api("GET", runs + "?limit=101")
        self.assertEqual(resp.json(), {"detail": [{
            "type": "less_than_equal", "loc": ["query", "limit"],
            "msg": "Input should be less than or equal to 100", "input": "101",
            "ctx": {"le": 100}}]})
        detail = self.assert422(self.api("GET", runs + "?limit=0"),
                                ("greater_than_equal", ("query", "limit")))
        self.assertEqual((detail[0]["msg"], detail[0]["ctx"]),
                         ("Input should be greater than or equal to 1", {"ge": 1}))
        self.assert422(self.api("GET", runs + "?skip=-1"),
                       ("greater_than_equal", ("query", "skip")))
        self.assert422(self.api("GET", runs + "?skip=-1&limit=abc"),
                       ("greater_than_equal", ("query", "skip")), ("int_parsing", ("query", "limit")))
        detail = self.assert422(self.api("GET", "/v1/organizations/acme/agent/runs"),
                                ("int_parsing", ("path", "org_id")))
        self.assertEqual(detail[0], {
            "type": "int_parsing", "loc": ["path", "org_id"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "acme"})
        self.assert422(self.api("GET", "/v1/organizations/11/agent/run/resume"),
                       ("int_parsing", ("path", "agent_run_id")))
        self.assert422(self.api("GET", runs + "?user_id=me"), ("int_parsing", ("query", "user_id")))
        detail = self.assert422(self.api("GET", runs + "?source_type=EMAIL"),
                                ("enum", ("query", "source_type")))
        self.assertTrue(detail[0]["msg"].startswith("Input should be 'LOCAL', 'SLACK', "))
        self.assertTrue(detail[0]["msg"].endswith(" or 'SETUP_COMMANDS'"))
        self.assert422(self.api("GET", "/v1/alpha/organizations/11/agent/run/789/logs?reverse=2"),
                       ("bool_parsing", ("query", "reverse")))
        missing = ("missing", ("query", "repo_id"))
        self.assert422(self.api("GET", "/v1/organizations/11/repos/check-suite-settings"), missing)
        self.assert422(self.api("PUT", "/v1/organizations/11/repos/check-suite-settings", {}),
                       missing)
        self.assert422(self.api("GET", "/v1/oauth/tokens/status"), ("missing", ("query", "org_id")))
        self.assert422(self.api("POST", "/v1/oauth/tokens/revoke"),
                       ("missing", ("query", "provider")), ("missing", ("query", "org_id")))

    def test_422_bodies(self):
        create = "/v1/organizations/11/agent/run"
        detail = self.assert422(self.api("POST", create, {}), ("missing", ("body", "prompt")))
        self.assertEqual(detail[0], {"type": "missing", "loc": ["body", "prompt"],
                                     "msg": "Field required", "input": {}})
        self.assert422(self.api("POST", create, raw=b""), ("missing", ("body",)))
        detail = self.assert422(self.api("POST", create, raw=b'{"prompt": '),
                                ("json_invalid", ("body", 11)))
        self.assertEqual(detail[0]["msg"], "JSON decode error")
        self.assert422(self.api("POST", create, [1, 2]), ("model_attributes_type", ("body",)))
        self.assert422(self.api("POST", create, {"prompt": 5, "metadata": "x", "repo_id": "abc",
                                                 "model": [], "images": "x"}),
                       ("string_type", ("body", "prompt")), ("list_type", ("body", "images")),
                       ("dict_type", ("body", "metadata")), ("int_parsing", ("body", "repo_id")),
                       ("string_type", ("body", "model")))
        self.assert422(self.api("POST", create, {"prompt": "x", "repo_id": 4.5}),
                       ("int_from_float", ("body", "repo_id")))
        self.assert422(self.api("POST", create, {"prompt": "x", "images": [
            "data:image/png;base64,iVBORw0KGgo=", "https://example.com/a.png", 7]}),
            ("value_error", ("body", "images", 1)), ("string_type", ("body", "images", 2)))
        detail = self.assert422(self.api("POST", create, {"prompt": "x", "agent_type": "gpt"}),
                                ("enum", ("body", "agent_type")))
        self.assertEqual(detail[0]["msg"], "Input should be 'codegen' or 'claude_code'")
        self.assert422(self.api("POST", create + "/resume", {}),
                       ("missing", ("body", "agent_run_id")), ("missing", ("body", "prompt")))
        self.assert422(self.api("POST", create + "/ban", {"agent_run_id": "x"}),
                       ("int_parsing", ("body", "agent_run_id")))
        self.assert422(self.api("PATCH", "/v1/organizations/11/prs/7890", {"state": "merged"}),
                       ("enum", ("body", "state")))
        detail = self.assert422(self.api(
            "PUT", "/v1/organizations/11/repos/check-suite-settings?repo_id=456",
            {"check_retry_count": 11}), ("less_than_equal", ("body", "check_retry_count")))
        self.assertEqual(detail[0]["ctx"], {"le": 10})
        self.assert422(self.api(
            "PUT", "/v1/organizations/11/repos/check-suite-settings?repo_id=456",
            {"check_retry_counts": {"ci/test": "many"}, "ignored_checks": [1]}),
            ("string_type", ("body", "ignored_checks", 0)),
            ("int_parsing", ("body", "check_retry_counts", "ci/test")))
        self.assert422(self.api("POST", "/v1/organizations/11/setup-commands/generate", {}),
                       ("missing", ("body", "repo_id")))
        self.assert422(self.api("POST", "/v1/slack-connect/generate-token", {}),
                       ("missing", ("body", "org_id")))
        # Path and body errors come together, path first.
        self.assert422(self.api("POST", "/v1/organizations/x/agent/run", {}),
                       ("int_parsing", ("path", "org_id")), ("missing", ("body", "prompt")))

    def test_keep_alive_across_error_answers(self):
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)
        try:
            statuses = [call(SERVER.port, method, path, body, conn=conn, token=token).status
                        for method, path, body, token in (
                            ("GET", "/v1/users/me", None, TOKEN),
                            ("GET", "/v1/users/me", None, None),
                            ("GET", "/v1/organizations/13/users", None, TOKEN),
                            ("GET", "/v1/organizations/11/agent/run/1", None, TOKEN),
                            ("POST", "/v1/organizations/11/agent/run", {}, TOKEN),
                            ("GET", "/v1/nowhere", None, TOKEN),
                            ("GET", "/v1/organizations", None, TOKEN))]
            self.assertEqual(statuses, [200, 401, 403, 404, 422, 404, 200])
        finally:
            conn.close()


# --------------------------------------------------------------------------
# Sample data and read operations

class SampleDataTest(SharedServerTest):

    def test_me_users_orgs(self):
        alice = {"id": 1, "email": "alice@example.com", "github_user_id": "1001",
                 "github_username": "alice-dev",
                 "avatar_url": "https://avatars.githubusercontent.com/u/1001?v=4",
                 "full_name": "Alice Example", "role": "ADMIN", "is_admin": True}
        self.assertEqual(self.get("/v1/users/me"), alice)
        self.assertEqual(self.get("/v1/organizations/11/users/1"), alice)
        users = self.get("/v1/organizations/11/users")
        self.assertEqual([u["id"] for u in users["items"]], list(range(1, 9)))
        self.assertEqual({k: users[k] for k in ("total", "page", "size", "pages")},
                         {"total": 8, "page": 1, "size": 100, "pages": 1})
        for field in ("email", "full_name", "role", "avatar_url"):
            self.assertIn(None, [u[field] for u in users["items"]], field)
        page3 = self.get("/v1/organizations/11/users?skip=6&limit=3")
        self.assertEqual(([u["id"] for u in page3["items"]], page3["page"], page3["pages"]),
                         ([7, 8], 3, 3))
        self.assertEqual([u["id"] for u in self.get("/v1/organizations/12/users")["items"]],
                         [1, 9, 10])
        orgs = self.get("/v1/organizations")
        self.assertEqual(orgs, {"items": [
            {"id": 11, "name": "acme",
             "settings": {"enable_pr_creation": True, "enable_rules_detection": True}},
            {"id": 12, "name": "globex",
             "settings": {"enable_pr_creation": False, "enable_rules_detection": True}}],
            "total": 2, "page": 1, "size": 100, "pages": 1})
        self.assertEqual(self.get("/v1/organizations?skip=1&limit=1")["items"][0]["id"], 12)

    def test_repos_integrations_rules_providers(self):
        repos = self.get("/v1/organizations/11/repos")
        self.assertEqual(repos["total"], 6)
        payments = [r for r in repos["items"] if r["id"] == 456][0]
        self.assertEqual(payments, {"id": 456, "name": "payments", "full_name": "acme/payments",
                                    "description": "Payment processing service",
                                    "github_id": "700000456", "organization_id": 11,
                                    "visibility": "private", "archived": False,
                                    "setup_status": "COMPLETED", "language": "Python"})
        for field in ("description", "language", "visibility", "archived"):
            self.assertIn(None, [r[field] for r in repos["items"]], field)
        self.assertEqual(self.get("/v1/organizations/12/repos")["total"], 2)
        integrations = self.get("/v1/organizations/11/integrations")
        self.assertEqual((integrations["organization_id"], integrations["organization_name"],
                          integrations["total_active_integrations"]), (11, "acme", 3))
        github = integrations["integrations"][0]
        self.assertEqual((github["integration_type"], github["active"],
                          github["installation_id"]), ("github", True, 5550011))
        self.assertEqual(set(integrations["integrations"][2]),
                         {"integration_type", "active", "token_id", "installation_id",
                          "metadata"})
        self.assertEqual(self.get("/v1/organizations/12/cli/rules"), {
            "organization_rules": "Follow the Go style guide (gofmt, golangci-lint).",
            "user_custom_prompt": None})
        self.assertIsInstance(self.get("/v1/organizations/11/cli/rules")["user_custom_prompt"],
                              str)
        providers = self.get("/v1/mcp-providers")
        self.assertEqual([p["name"] for p in providers], ["linear", "notion", "sentry"])
        self.assertTrue(all(p["is_mcp"] for p in providers))
        self.assertEqual(set(providers[0]), {"id", "name", "issuer", "authorization_endpoint",
                                             "token_endpoint", "default_scopes", "is_mcp",
                                             "meta"})
        self.assertEqual(self.get("/v1/oauth/tokens/status?org_id=11"), ["linear", "notion"])
        settings = self.get("/v1/organizations/11/repos/check-suite-settings?repo_id=456")
        self.assertEqual(settings["ignored_checks"], ["codecov/patch"])
        self.assertEqual(settings["check_retry_counts"], {"ci/lint": 1, "ci/test": 4})

    def test_run_789(self):
        run = self.get("/v1/organizations/11/agent/run/789")
        self.assertEqual(list(run), RUN_FIELDS)
        self.assertEqual({k: run[k] for k in ("id", "organization_id", "status", "web_url",
                                              "result", "source_type", "metadata")},
                         {"id": 789, "organization_id": 11, "status": "COMPLETE",
                          "web_url": "https://codegen.com/agent/trace/789",
                          "result": "Done: Add retries to the payment client",
                          "source_type": "API", "metadata": {"ticket": "PAY-12"}})
        self.assertRegex(run["created_at"], ISO_Z_RE)
        self.assertEqual(run["github_pull_requests"], [{
            "id": 7890, "title": "Add retries to the payment client",
            "url": "https://github.com/acme/payments/pull/689",
            "created_at": run["github_pull_requests"][0]["created_at"],
            "head_branch_name": run["github_pull_requests"][0]["head_branch_name"]}])

    def test_run_list_covers_every_shape(self):
        runs = self.all_runs()
        self.assertEqual([r["id"] for r in runs], list(range(1300, 100, -1)))  # newest first
        self.assertEqual({r["status"] for r in runs}, ALL_STATUSES)
        statuses = [r["status"] for r in runs]
        self.assertGreater(statuses.count("COMPLETE"), 600)
        self.assertGreater(statuses.count("FAILED"), 60)
        forms = [r["created_at"] for r in runs]
        self.assertTrue(any(f and ISO_Z_RE.match(f) for f in forms))
        self.assertTrue(any(f and ISO_SPACE_RE.match(f) for f in forms))
        self.assertIn(None, forms)
        self.assertEqual({r["source_type"] for r in runs}, SOURCE_TYPES | {None})
        prs = [r["github_pull_requests"] for r in runs]
        self.assertIn(None, prs)
        self.assertIn([], prs)
        self.assertTrue(any(p and len(p) == 2 for p in prs))
        metadata = [r["metadata"] for r in runs]
        self.assertIn(None, metadata)
        self.assertIn({}, metadata)
        self.assertTrue(any(m for m in metadata))
        self.assertTrue(any(r["status"] == "COMPLETE" and r["result"] is None for r in runs))
        self.assertTrue(any(r["summary"] is None for r in runs))
        self.assertEqual(self.get("/v1/organizations/11/agent/run/555")["created_at"], None)
        self.assertRegex(self.get("/v1/organizations/11/agent/run/700")["created_at"],
                         ISO_SPACE_RE)
        org12 = self.all_runs(12)
        self.assertEqual([r["id"] for r in org12], list(range(5030, 5000, -1)))

    def test_run_list_pagination_and_filters(self):
        path = "/v1/organizations/11/agent/runs"
        data = self.get(path + "?skip=200&limit=100")
        self.assertEqual({k: data[k] for k in ("total", "page", "size", "pages")},
                         {"total": 1200, "page": 3, "size": 100, "pages": 12})
        self.assertEqual(data["items"][0]["id"], 1100)
        data = self.get(path + "?skip=1190&limit=7")
        self.assertEqual(([r["id"] for r in data["items"]], data["page"], data["pages"]),
                         ([110, 109, 108, 107, 106, 105, 104], 171, 172))
        self.assertEqual(self.get(path + "?skip=5000")["items"], [])
        totals = [self.get(f"{path}?user_id={u}&limit=1")["total"] for u in range(1, 9)]
        self.assertEqual(sum(totals), 1200)
        self.assertTrue(all(totals))
        self.assertEqual(self.get(path + "?user_id=9")["total"], 0)
        api = self.get(path + "?source_type=API&limit=100")
        self.assertTrue(all(r["source_type"] == "API" for r in api["items"]))
        by_source = sum(self.get(f"{path}?source_type={s}&limit=1")["total"]
                        for s in SOURCE_TYPES)
        nulls = sum(1 for r in self.all_runs() if r["source_type"] is None)
        self.assertEqual(by_source + nulls, 1200)
        both = self.get(path + "?source_type=API&user_id=1")
        self.assertTrue(all(r["source_type"] == "API" for r in both["items"]))
        self.assertLess(both["total"], api["total"])

    def test_logs_of_789(self):
        base = "/v1/alpha/organizations/11/agent/run/789/logs"
        data = self.get(base + "?limit=10&skip=20")
        self.assertEqual(list(data), ["id", "organization_id", "status", "created_at", "web_url",
                                      "result", "metadata", "logs", "total_logs", "page", "size",
                                      "pages"])
        self.assertEqual({k: data[k] for k in ("id", "status", "total_logs", "page", "size",
                                              "pages")},
                         {"id": 789, "status": "COMPLETE", "total_logs": 42, "page": 3,
                          "size": 10, "pages": 5})
        logs = self.all_logs(789)
        self.assertEqual(len(logs), 42)
        self.assertEqual(data["logs"], logs[20:30])
        self.assertEqual(self.get(base + "?reverse=true&limit=5")["logs"], logs[::-1][:5])
        self.assertEqual(self.get(base + "?reverse=true&skip=40")["logs"], [logs[1], logs[0]])
        self.assertEqual((logs[0]["message_type"], logs[0]["thought"]),
                         ("USER_MESSAGE", "Add retries to the payment client"))
        self.assertEqual(logs[-1]["message_type"], "FINAL_ANSWER")
        self.assertEqual({e["message_type"] for e in logs} & MESSAGE_TYPES, MESSAGE_TYPES)
        self.assertTrue({e["message_type"] for e in logs} - MESSAGE_TYPES)   # an unknown one
        stamps = [e["created_at"] for e in logs]
        self.assertEqual(stamps, sorted(stamps))
        for entry in logs:
            self.assertEqual(list(entry), LOG_FIELDS)
            self.assertEqual(entry["agent_run_id"], 789)
            self.assertRegex(entry["created_at"], ISO_Z_RE)
            if entry["message_type"] == "ACTION":
                self.assertIsInstance(entry["tool_name"], str)
                self.assertIsInstance(entry["tool_input"], dict)
                self.assertIsInstance(entry["tool_output"], dict)

    def test_log_counts_and_content(self):
        logs = self.all_logs(1000)
        self.assertEqual(len(logs), 500)
        self.assertEqual(self.get("/v1/alpha/organizations/11/agent/run/1000/logs?limit=100")
                         ["pages"], 5)
        empty = self.get("/v1/alpha/organizations/11/agent/run/1290/logs")
        self.assertEqual((empty["status"], empty["logs"], empty["total_logs"], empty["pages"]),
                         ("PENDING", [], 0, 0))
        observations = {type(e["observation"]).__name__ for e in logs}
        self.assertEqual(observations, {"str", "dict", "NoneType"})
        thoughts = [e["thought"] or "" for e in logs]
        self.assertTrue(any("\n" in t for t in thoughts))
        self.assertTrue(any(any(ord(c) > 127 for c in t) for t in thoughts))
        raw = self.api("GET", "/v1/alpha/organizations/11/agent/run/1000/logs").body
        self.assertIn("→".encode("utf-8"), raw)   # raw UTF-8, not \u escapes
        self.assertEqual(self.get("/v1/alpha/organizations/12/agent/run/5001/logs")["id"], 5001)


# --------------------------------------------------------------------------
# Runs that move: live sample runs, created, resumed, setup and analysis runs

class LiveRunTest(SharedServerTest):

    def run_status(self, run_id):
        return self.get(f"/v1/organizations/11/agent/run/{run_id}")["status"]

    def logs(self, run_id):
        return self.all_logs(run_id)

    def test_live_sample_runs_progress_and_finish(self):
        initial = {1295: 5, 1296: 2, 1297: 3, 1298: 4, 1299: 5, 1300: 2}
        first = self.get("/v1/organizations/11/agent/runs?limit=6")["items"]
        self.assertEqual([(r["id"], r["status"]) for r in first],
                         [(i, "ACTIVE") for i in range(1300, 1294, -1)])
        count = self.get("/v1/alpha/organizations/11/agent/run/1295/logs")["total_logs"]
        elapsed = time.monotonic() - self.reset_at
        self.assertGreaterEqual(count, 5)
        self.assertLessEqual(count, 5 + int(elapsed / 0.1) + 1)
        time.sleep(0.35)
        later = self.get("/v1/alpha/organizations/11/agent/run/1295/logs")["total_logs"]
        self.assertGreater(later, count)
        # Cancelling 1297 through its PR also cancels 1298; they must stay cancelled.
        self.post("/v1/organizations/11/agent/run/remove-from-pr", {"agent_run_id": 1297})
        self.sleep_until(1.2)
        finished = {r["id"]: r for r in self.get("/v1/organizations/11/agent/runs?limit=6")
                    ["items"]}
        expected = {1295: "COMPLETE", 1296: "FAILED", 1297: "CANCELLED", 1298: "CANCELLED",
                    1299: "FAILED", 1300: "COMPLETE"}
        self.assertEqual({i: r["status"] for i, r in finished.items()}, expected)
        for run_id in (1295, 1296, 1299, 1300):
            logs = self.logs(run_id)
            self.assertEqual(len(logs), initial[run_id] + 10 + 1, run_id)
            last = "ERROR" if expected[run_id] == "FAILED" else "FINAL_ANSWER"
            self.assertEqual(logs[-1]["message_type"], last)
            stamps = [e["created_at"] for e in logs]
            self.assertEqual(stamps, sorted(stamps))
            self.assertIsNotNone(finished[run_id]["result"])
            self.assertIsNotNone(finished[run_id]["summary"])
        self.assertTrue(finished[1295]["result"].startswith("Done: "))
        self.assertLess(len(self.logs(1297)), initial[1297] + 10)

    def test_created_resumed_setup_and_analysis_runs(self):
        create = "/v1/organizations/11/agent/run"
        image = "data:image/png;base64,iVBORw0KGgo="
        ok = self.post(create, {"prompt": "Add retries\nwith jitter", "repo_id": 456,
                                "model": "claude-sonnet-4", "agent_type": "claude_code",
                                "metadata": {"ticket": "PAY-12"}, "images": [image]})
        self.assertEqual(list(ok), RUN_FIELDS)
        self.assertEqual({k: v for k, v in ok.items() if k != "created_at"},
                         {"id": 10001, "organization_id": 11, "status": "ACTIVE",
                          "web_url": "https://codegen.com/agent/trace/10001", "result": None,
                          "summary": None, "source_type": "API", "github_pull_requests": [],
                          "metadata": {"ticket": "PAY-12"}})
        self.assertRegex(ok["created_at"], ISO_Z_RE)
        failing = self.post(create, {"prompt": "Break it [fail]"})["id"]
        pausing = self.post(create, {"prompt": "Ask me [pause]"})["id"]
        self.assertEqual((failing, pausing), (10002, 10003))
        setup = self.post("/v1/organizations/11/setup-commands/generate", {"repo_id": 457})
        self.assertEqual(setup, {"agent_run_id": 10004, "status": "ACTIVE",
                                 "url": "https://codegen.com/agent/trace/10004"})
        analysis = self.post("/v1/organizations/11/sandbox/301/analyze-logs", None)
        self.assertEqual(analysis, {"agent_run_id": 10005, "status": "ACTIVE",
                                    "message": "Sandbox log analysis started."})
        resumed = self.post(create + "/resume", {"agent_run_id": 789, "prompt": "Also X [pause]"})
        self.assertEqual((resumed["id"], resumed["status"]), (789, "ACTIVE"))
        newest = self.get("/v1/organizations/11/agent/runs?limit=5")["items"]
        self.assertEqual([r["id"] for r in newest], [10005, 10004, 10003, 10002, 10001])
        self.assertEqual(newest[1]["source_type"], "SETUP_COMMANDS")
        self.assertEqual(self.get("/v1/organizations/11/agent/runs?user_id=1&limit=1")
                         ["items"][0]["id"], 10005)
        first = self.logs(10001)[0]
        self.assertEqual((first["message_type"], first["thought"]),
                         ("USER_MESSAGE", "Add retries\nwith jitter"))
        last = self.logs(789)[-1]
        self.assertEqual((last["message_type"], last["thought"]),
                         ("USER_MESSAGE", "Also X [pause]"))
        control = self.ctl("GET", "/_control/runs/10001")
        self.assertEqual({k: v for k, v in control.items() if k not in ("run", "log_count")},
                         {"banned": False, "removed_from_pr": False,
                          "prompt": "Add retries\nwith jitter", "images": [image],
                          "model": "claude-sonnet-4", "agent_type": "claude_code",
                          "repo_id": 456, "user_id": 1, "resumes": [], "prs": []})
        self.assertEqual(control["run"]["id"], 10001)

        self.sleep_until(1.2)
        done = self.get("/v1/organizations/11/agent/run/10001")
        self.assertEqual((done["status"], done["result"]), ("COMPLETE", "Done: Add retries"))
        self.assertIsNotNone(done["summary"])
        logs = self.logs(10001)
        self.assertEqual(len(logs), 1 + 10 + 1)
        self.assertEqual(logs[-1]["message_type"], "FINAL_ANSWER")
        self.assertEqual(self.run_status(failing), "FAILED")
        self.assertEqual(self.logs(failing)[-1]["message_type"], "ERROR")
        self.assertEqual(self.run_status(pausing), "PAUSED")
        self.assertEqual(self.logs(pausing)[-1]["message_type"], "FINAL_ANSWER")
        self.assertEqual(self.run_status(10004), "COMPLETE")
        self.assertEqual(self.run_status(10005), "COMPLETE")
        self.assertEqual(self.run_status(789), "PAUSED")
        self.assertEqual(len(self.logs(789)), 42 + 1 + 10 + 1)
        self.assertEqual(self.ctl("GET", "/_control/runs/789")["resumes"], ["Also X [pause]"])

    def test_run_quota_counts_creates_only(self):
        self.ctl("POST", "/_control/config", {"run_quota": 1})
        create = "/v1/organizations/11/agent/run"
        self.post(create, {"prompt": "one"})
        self.assertError(self.api("POST", create, {"prompt": "two"}), 402, E402)
        self.post("/v1/organizations/11/setup-commands/generate", {"repo_id": 456})
        self.post("/v1/organizations/11/sandbox/302/analyze-logs", None)
        self.post(create + "/resume", {"agent_run_id": 10001, "prompt": "again"})
        self.ctl("POST", "/_control/config", {"run_quota": None})
        self.assertEqual(self.post(create, {"prompt": "three"})["id"], 10004)


# --------------------------------------------------------------------------
# Writes: ban family, check suites, PRs, OAuth, Slack

class WriteOperationTest(SharedServerTest):

    def test_ban_unban_remove_from_pr(self):
        base = "/v1/organizations/11/agent/run"
        self.assertEqual(self.post(base + "/ban", {"agent_run_id": 1250}),
                         {"message": "All checks banned for agent run 1250.",
                          "agent_run_id": 1250})
        statuses = {i: self.get(f"{base}/{i}")["status"] for i in (1250, 1291, 1292, 1293)}
        self.assertEqual(statuses, {1250: "COMPLETE", 1291: "CANCELLED", 1292: "CANCELLED",
                                    1293: "PAUSED"})
        self.assertTrue(self.ctl("GET", "/_control/runs/1250")["banned"])
        self.assertEqual(self.post(base + "/unban", {"agent_run_id": 1250}),
                         {"message": "All checks unbanned for agent run 1250.",
                          "agent_run_id": 1250})
        self.assertFalse(self.ctl("GET", "/_control/runs/1250")["banned"])
        self.assertEqual(self.get(f"{base}/1291")["status"], "CANCELLED")
        self.assertEqual(self.post(base + "/remove-from-pr", {"agent_run_id": 1300}),
                         {"message": "Codegen removed from the PR of agent run 1300.",
                          "agent_run_id": 1300})
        control = self.ctl("GET", "/_control/runs/1300")
        self.assertEqual((control["run"]["status"], control["banned"],
                          control["removed_from_pr"]), ("CANCELLED", True, True))
        self.assertEqual(self.get(f"{base}/1295")["status"], "ACTIVE")
        self.assertError(self.api("POST", base + "/ban", {"agent_run_id": 5001}), 404,
                         e404("Agent run not found."))

    def test_stop(self):
        stop = "/v1/beta/organizations/11/agent/run/stop"
        base = "/v1/organizations/11/agent/run"
        self.assertEqual(self.get(f"{base}/1291")["status"], "RUNNING")
        self.assertEqual(self.post(stop, {"agent_run_id": 1291}),
                         {"message": "Agent run 1291 stopped.", "agent_run_id": 1291,
                          "status": "STOPPED"})
        self.assertEqual(self.get(f"{base}/1291")["status"], "STOPPED")
        # Only that run: 1292 shares its PR and keeps working.
        self.assertEqual(self.get(f"{base}/1292")["status"], "EVALUATION")
        # A paused run (waiting for a follow-up) stops too; a live one stays stopped.
        self.assertEqual(self.post(stop, {"agent_run_id": 1293})["status"], "STOPPED")
        self.assertEqual(self.post(stop, {"agent_run_id": 1295})["status"], "STOPPED")
        time.sleep(SUITE_CONFIG["run_seconds"] + 0.3)
        self.assertEqual(self.get(f"{base}/1295")["status"], "STOPPED")
        # A finished run: 400 with the API's message.
        for run_id, status in ((789, "COMPLETE"), (1291, "STOPPED")):
            self.assertError(self.api("POST", stop, {"agent_run_id": run_id}), 400,
                             {"message": f"Agent run {run_id} has already finished ({status}).",
                              "status_code": 400})
        self.assertError(self.api("POST", stop, {"agent_run_id": 5001}), 404,
                         e404("Agent run not found."))
        self.assertEqual(self.api("POST", stop, {"agent_run_id": "x"}).status, 422)
        self.assertEqual(self.api("GET", stop).status, 405)
        # stop_route off: the route is unknown, as on a server without it.
        self.ctl("POST", "/_control/config", {"stop_route": False})
        self.assertError(self.api("POST", stop, {"agent_run_id": 1292}), 404,
                         {"detail": "Not Found"})
        self.assertEqual(self.get(f"{base}/1292")["status"], "EVALUATION")

    def test_check_suite_settings_persist(self):
        path = "/v1/organizations/11/repos/check-suite-settings?repo_id=457"
        before = self.get(path)
        self.assertEqual(set(before), {"check_retry_count", "ignored_checks",
                                       "check_retry_counts", "custom_prompts",
                                       "high_priority_apps", "available_check_suite_names"})
        answer = self.api("PUT", path, {"check_retry_count": 7, "ignored_checks": None,
                                        "custom_prompts": {"e2e": "Retry once."},
                                        "unknown_field": 1})
        self.assertEqual(answer.status, 200, answer.body)
        expected = dict(before, check_retry_count=7, custom_prompts={"e2e": "Retry once."})
        self.assertEqual(answer.json(), {"message": "Check suite settings updated successfully.",
                                         "settings": expected})
        self.assertEqual(self.get(path), expected)
        self.assertEqual(self.api("PUT", path, {"check_retry_count": 10}).status, 200)
        self.assertEqual(self.get(path)["check_retry_count"], 10)
        self.assertError(self.api("PUT", "/v1/organizations/12/repos/check-suite-settings"
                                         "?repo_id=457", {}), 404, e404("Repository not found."))

    def test_pr_edit(self):
        answer = self.api("PATCH", "/v1/organizations/11/prs/7890", {"state": "closed"})
        self.assertEqual(answer.status, 200, answer.body)
        self.assertEqual(answer.json(), {"success": True,
                                         "url": "https://github.com/acme/payments/pull/689",
                                         "number": 689,
                                         "title": "Add retries to the payment client",
                                         "state": "closed", "error": None})
        self.assertEqual(self.ctl("GET", "/_control/runs/789")["prs"],
                         [{"id": 7890, "number": 689, "repo_id": 456, "state": "closed"}])
        repo_variant = self.api("PATCH", "/v1/organizations/11/repos/456/prs/7890",
                                {"state": "ready_for_review"})
        self.assertEqual(repo_variant.json()["state"], "ready_for_review")
        self.assertError(self.api("PATCH", "/v1/organizations/11/repos/457/prs/7890",
                                  {"state": "open"}), 404, e404("Pull request not found."))
        self.assertError(self.api("PATCH", "/v1/organizations/11/repos/470/prs/7890",
                                  {"state": "open"}), 404, e404("Repository not found."))
        org12_pr = [r for r in self.all_runs(12) if r["github_pull_requests"]][0]
        pr_id = org12_pr["github_pull_requests"][0]["id"]
        self.assertError(self.api("PATCH", f"/v1/organizations/11/prs/{pr_id}",
                                  {"state": "open"}), 404, e404("Pull request not found."))
        self.assertEqual(self.api("PATCH", f"/v1/organizations/12/prs/{pr_id}",
                                  {"state": "draft"}).status, 200)

    def test_oauth_revoke_and_slack_token(self):
        revoke = "/v1/oauth/tokens/revoke?provider=notion&org_id=11"
        self.assertEqual(self.post(revoke, None), {
            "message": "Revoked OAuth tokens for provider 'notion'.", "provider": "notion",
            "revoked": 1})
        self.assertEqual(self.get("/v1/oauth/tokens/status?org_id=11"), ["linear"])
        self.assertError(self.api("POST", revoke), 404,
                         e404("No active OAuth token for provider 'notion'."))
        token = self.post("/v1/slack-connect/generate-token", {"org_id": 12})
        self.assertRegex(token["token"], r"^[0-9a-f]{32}$")
        self.assertEqual(token, {"token": token["token"],
                                 "message": f"Send 'Connect my account: {token['token']}' "
                                            f"to the Codegen bot in a DM.",
                                 "expires_in_minutes": 10})
        again = self.post("/v1/slack-connect/generate-token", {"org_id": 12})
        self.assertNotEqual(again["token"], token["token"])

    def test_chunked_request_body(self):
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)
        try:
            conn.request("POST", "/v1/organizations/11/agent/run",
                         body=iter([b'{"prompt": ', b'"chunked"}']), encode_chunked=True,
                         headers={"Authorization": f"Bearer {TOKEN}",
                                  "Content-Type": "application/json"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertEqual(json.loads(resp.read())["id"], 10001)
        finally:
            conn.close()
        self.assertEqual(self.ctl("GET", "/_control/runs/10001")["prompt"], "chunked")


# --------------------------------------------------------------------------
# Rate limits

class RateLimitTest(SharedServerTest):

    def setUp(self):
        super().setUp()
        self.ctl("POST", "/_control/config", {"rate_limits": True})
        self.conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)

    def tearDown(self):
        self.conn.close()

    def burst(self, method, path, count, body=None):
        return [call(SERVER.port, method, path, body, conn=self.conn) for _ in range(count)]

    def test_general_window_slides_and_refusals_do_not_count(self):
        window = 30 * SUITE_CONFIG["rate_time_scale"]          # 1.5 s
        started = time.monotonic()
        self.assertEqual({r.status for r in self.burst("GET", "/v1/users/me", 60)}, {200})
        refused = self.api("GET", "/v1/organizations")
        self.assertError(refused, 429, E429)
        self.assertIn(int(refused.headers["Retry-After"]), (1, 2))
        # Other classes have their own windows.
        self.assertEqual(self.api("GET", "/v1/organizations/11/cli/rules").status, 200)
        time.sleep(max(0.0, started + window / 2 - time.monotonic()))
        self.assertEqual({r.status for r in self.burst("GET", "/v1/users/me", 60)}, {429})
        time.sleep(max(0.0, started + window + 0.1 - time.monotonic()))
        # If the refused burst had counted, the window would still be full.
        self.assertEqual(self.api("GET", "/v1/users/me").status, 200)
        self.assertLess(time.monotonic() - started, window * 1.5 + 0.5)

    def test_per_class_limits(self):
        limits = (("POST", "/v1/organizations/11/agent/run", {"prompt": "x"}, 10),
                  ("GET", "/v1/alpha/organizations/11/agent/run/789/logs?limit=1", None, 60),
                  ("POST", "/v1/organizations/11/setup-commands/generate", {"repo_id": 456}, 5),
                  ("POST", "/v1/organizations/11/sandbox/301/analyze-logs", None, 5),
                  ("PATCH", "/v1/organizations/11/prs/7890", {"state": "open"}, 30),
                  ("PATCH", "/v1/organizations/11/repos/456/prs/7890", {"state": "open"}, 0),
                  ("GET", "/v1/organizations/11/cli/rules", None, 30))
        for method, path, body, allowed in limits:
            with self.subTest(path=path):
                answers = self.burst(method, path, allowed + 1, body)
                self.assertEqual([r.status for r in answers], [200] * allowed + [429])
                self.assertEqual(answers[-1].json(), E429)
                self.assertGreaterEqual(int(answers[-1].headers["Retry-After"]), 1)
        self.assertEqual(self.api("GET", "/v1/users/me").status, 200)   # general untouched


# --------------------------------------------------------------------------
# Fault injection

class FaultTest(SharedServerTest):

    def fault(self, **spec):
        return self.ctl("POST", "/_control/faults", spec)

    def last_request(self):
        return self.ctl("GET", "/_control/requests")["requests"][-1]

    def test_latency(self):
        self.fault(kind="latency", ms=300, path="/v1/users/me")
        started = time.monotonic()
        self.assertEqual(self.api("GET", "/v1/users/me").status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        self.assertEqual(self.last_request()["fault"], "latency")
        started = time.monotonic()
        self.api("GET", "/v1/users/me")       # count defaults to 1
        self.assertLess(time.monotonic() - started, 0.25)
        self.ctl("POST", "/_control/config", {"latency_ms": 200})
        started = time.monotonic()
        self.api("GET", "/v1/users/me")
        self.assertGreaterEqual(time.monotonic() - started, 0.2)

    def test_stall(self):
        self.fault(kind="stall")
        with self.assertRaises(TimeoutError):
            self.api("GET", "/v1/users/me", timeout=0.5)
        self.assertEqual((self.last_request()["fault"], self.last_request()["status"]),
                         ("stall", None))
        self.assertEqual(self.api("GET", "/v1/users/me").status, 200)

    def test_status_faults(self):
        self.fault(kind="status", count=3)
        self.assertError(self.api("GET", "/v1/users/me", token=None), 500,
                         {"message": "Internal Server Error", "status_code": 500})
        self.assertEqual(self.api("GET", "/v1/organizations").status, 500)
        self.assertEqual(self.api("POST", "/v1/organizations/11/agent/run", {}).status, 500)
        self.assertEqual(self.api("GET", "/v1/users/me").status, 200)
        for code in (502, 503):
            self.fault(kind="status", status=code)
            resp = self.api("GET", "/v1/users/me")
            self.assertEqual(resp.status, code)
            self.assertEqual(resp.headers["Content-Type"], "text/html")
            self.assertIn(f"<h1>{code} ".encode(), resp.body)
        self.assertEqual([r["status"] for r in self.ctl("GET", "/_control/requests")["requests"]],
                         [500, 500, 500, 200, 502, 503])

    def test_429_fault(self):
        self.fault(kind="429")
        resp = self.api("GET", "/v1/users/me")
        self.assertError(resp, 429, E429)
        self.assertEqual(resp.headers["Retry-After"], "1")
        self.fault(kind="429", retry_after=None)
        self.assertNotIn("Retry-After", self.api("GET", "/v1/users/me").headers)
        self.fault(kind="429", retry_after=7)
        self.assertEqual(self.api("GET", "/v1/users/me").headers["Retry-After"], "7")
        # A 429 storm does not use up the real rate limit.
        self.ctl("POST", "/_control/config", {"rate_limits": True})
        self.fault(kind="429", count=None, path="/v1/users/me")
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)
        try:
            answers = [call(SERVER.port, "GET", "/v1/users/me", conn=conn) for _ in range(70)]
            self.assertEqual({r.status for r in answers}, {429})
            self.ctl("DELETE", "/_control/faults")
            answers = [call(SERVER.port, "GET", "/v1/users/me", conn=conn) for _ in range(60)]
            self.assertEqual({r.status for r in answers}, {200})
        finally:
            conn.close()

    def test_drop(self):
        self.fault(kind="drop")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.api("GET", "/v1/users/me")
        self.assertEqual((self.last_request()["fault"], self.last_request()["status"]),
                         ("drop", None))

    def test_truncate(self):
        full = self.api("GET", "/v1/organizations/11/agent/run/789").body
        self.fault(kind="truncate")
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=5)
        try:
            conn.request("GET", "/v1/organizations/11/agent/run/789",
                         headers={"Authorization": f"Bearer {TOKEN}"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertEqual(int(resp.headers["Content-Length"]), len(full))
            with self.assertRaises(http.client.IncompleteRead) as caught:
                resp.read()
            self.assertEqual(caught.exception.partial, full[:len(full) // 2])
        finally:
            conn.close()

    def test_malformed(self):
        self.fault(kind="malformed", path="/v1/organizations/11/agent/runs")
        resp = self.api("GET", "/v1/organizations/11/agent/runs")
        self.assertEqual((resp.status, resp.headers["Content-Type"], resp.body),
                         (200, "application/json", b'{"items": [{"id": 1, "status": '))
        with self.assertRaises(ValueError):
            resp.json()

    def test_oversized(self):
        self.fault(kind="oversized", count=2)
        resp = self.api("GET", "/v1/users/me")
        self.assertEqual((resp.status, len(resp.body)), (200, 64 * 1024 * 1024))
        self.assertEqual(int(resp.headers["Content-Length"]), 64 * 1024 * 1024)
        self.assertEqual(set(resp.json()), {"data"})
        del resp
        # A client that gives up early must not hurt the server.
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=5)
        conn.request("GET", "/v1/users/me", headers={"Authorization": f"Bearer {TOKEN}"})
        conn.getresponse().read(1 << 20)
        conn.close()
        self.assertEqual(self.get("/_control/health", token=None), {"ok": True})
        self.assertEqual(self.api("GET", "/v1/users/me").status, 200)

    def test_answer_hostile_bodies(self):
        for body in (None, {}, [None, {"id": 8.5}], {"items": [{"id": "x", "name": "a/.."}],
                                                       "total": 10 ** 12}):
            self.fault(kind="answer", path="/v1/mcp-providers", body=body)
            resp = self.api("GET", "/v1/mcp-providers")
            self.assertEqual((resp.status, resp.headers["Content-Type"], resp.json()),
                             (200, "application/json", body))
            self.assertEqual(self.last_request()["fault"], "answer")
        self.assertEqual(self.api("GET", "/v1/mcp-providers").status, 200)   # count: 1
        self.assertIsInstance(self.get("/v1/mcp-providers"), list)
        # A reflected token: "{token}" becomes what the request sent, keys too.
        self.fault(kind="answer", status=400, body={"message": "bad {token}", "{token}": 1})
        resp = self.api("GET", "/v1/users/me")
        self.assertEqual((resp.status, resp.json()),
                         (400, {"message": f"bad {TOKEN}", TOKEN: 1}))
        # cut: the full Content-Length, half the body, then the connection closes.
        full = b'{"agent_run_id":5,"status":"ACTIVE"}'
        self.fault(kind="answer", body={"agent_run_id": 5, "status": "ACTIVE"}, cut=True)
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=5)
        try:
            conn.request("POST", "/v1/organizations/11/agent/run", body=b"{}",
                         headers={"Authorization": f"Bearer {TOKEN}"})
            resp = conn.getresponse()
            self.assertEqual(int(resp.headers["Content-Length"]), len(full))
            with self.assertRaises(http.client.IncompleteRead) as caught:
                resp.read()
            self.assertEqual(caught.exception.partial, full[:len(full) // 2])
        finally:
            conn.close()
        for bad in ({"kind": "answer", "status": 7}, {"kind": "answer", "cut": 1}):
            resp = call(SERVER.port, "POST", "/_control/faults", bad, token=None)
            self.assertEqual(resp.status, 400, bad)

    def test_matching_listing_and_clearing(self):
        run_path = "/v1/organizations/11/agent/run/"
        added = self.fault(kind="status", count=2, path=run_path, method="get")
        self.assertEqual(added, {"id": added["id"], "kind": "status", "count": 2,
                                 "path": run_path, "method": "GET", "status": 500})
        self.fault(kind="status", status=503, count=None)
        listed = self.ctl("GET", "/_control/faults")["faults"]
        self.assertEqual([(f["kind"], f["count"]) for f in listed], [("status", 2),
                                                                      ("status", None)])
        self.assertEqual(self.api("GET", run_path + "789").status, 500)
        self.assertEqual(self.ctl("GET", "/_control/faults")["faults"][0]["count"], 1)
        self.assertEqual(self.api("GET", run_path + "789").status, 500)
        for _ in range(3):
            self.assertEqual(self.api("GET", run_path + "789").status, 503)
        self.assertEqual(self.ctl("DELETE", "/_control/faults"), {"faults": []})
        self.assertEqual(self.api("GET", run_path + "789").status, 200)
        for bad in ({"kind": "boom"}, {"kind": "status", "count": 0},
                    {"kind": "status", "status": 99}, {"kind": "latency", "path": "v1"}):
            resp = call(SERVER.port, "POST", "/_control/faults", bad, token=None)
            self.assertEqual(resp.status, 400, bad)
        self.assertEqual(self.ctl("GET", "/_control/faults"), {"faults": []})


# --------------------------------------------------------------------------
# Control endpoints

class ControlTest(SharedServerTest):

    def test_request_log(self):
        self.assertEqual(self.ctl("GET", "/_control/health"), {"ok": True})
        before = time.time()
        self.api("GET", "/v1/organizations/11/agent/runs?limit=5&skip=0")
        self.api("GET", "/v1/users/me", token=None)
        self.api("GET", "/v1/users/me", token="bad")
        self.api("POST", "/v1/organizations/11/agent/run", {"prompt": "hi"})
        log = self.ctl("GET", "/_control/requests")["requests"]
        self.assertEqual(len(log), 4)
        first = log[0]
        self.assertEqual(set(first), {"seq", "method", "path", "query", "body", "auth",
                                      "content_type", "status", "fault", "client_port",
                                      "time"})
        self.assertEqual({k: first[k] for k in ("method", "path", "query", "body", "auth",
                                                "content_type", "status", "fault")},
                         {"method": "GET", "path": "/v1/organizations/11/agent/runs",
                          "query": "limit=5&skip=0", "body": None, "auth": "ok",
                          "content_type": None, "status": 200, "fault": None})
        self.assertGreaterEqual(first["time"], before - 1)
        self.assertEqual([(r["auth"], r["status"]) for r in log],
                         [("ok", 200), ("missing", 401), ("wrong", 401), ("ok", 200)])
        self.assertEqual((log[3]["body"], log[3]["content_type"], log[3]["query"]),
                         ('{"prompt": "hi"}', "application/json", ""))
        seqs = [r["seq"] for r in log]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 4)))
        since = self.ctl("GET", f"/_control/requests?since={seqs[1]}")["requests"]
        self.assertEqual([r["seq"] for r in since], seqs[2:])
        self.ctl("DELETE", "/_control/requests")
        self.assertEqual(self.ctl("GET", "/_control/requests"), {"requests": []})
        self.api("GET", "/v1/users/me")
        self.assertEqual(self.ctl("GET", "/_control/requests")["requests"][0]["seq"],
                         seqs[-1] + 1)
        self.ctl("GET", "/_control/health")         # control requests are not logged
        self.assertEqual(len(self.ctl("GET", "/_control/requests")["requests"]), 1)

    def test_reset_restores_everything(self):
        self.post("/v1/organizations/11/agent/run", {"prompt": "x"})
        self.api("PUT", "/v1/organizations/11/repos/check-suite-settings?repo_id=456",
                 {"check_retry_count": 0})
        self.post("/v1/oauth/tokens/revoke?provider=linear&org_id=11", None)
        self.post("/v1/organizations/11/agent/run/ban", {"agent_run_id": 1291})
        self.ctl("POST", "/_control/faults", {"kind": "status", "path": "/v1/nowhere"})
        self.ctl("POST", "/_control/config", {"rate_limits": True})
        self.assertEqual(self.ctl("POST", "/_control/reset"), {"ok": True})
        self.assertEqual(self.ctl("GET", "/_control/requests"), {"requests": []})
        self.assertEqual(self.ctl("GET", "/_control/faults"), {"faults": []})
        self.assertError(self.api("GET", "/v1/organizations/11/agent/run/10001"), 404,
                         e404("Agent run not found."))
        self.assertEqual(self.get("/v1/organizations/11/repos/check-suite-settings?repo_id=456")
                         ["check_retry_count"], 5)
        self.assertEqual(self.get("/v1/oauth/tokens/status?org_id=11"), ["linear", "notion"])
        self.assertEqual(self.get("/v1/organizations/11/agent/run/1291")["status"], "RUNNING")
        self.assertEqual(self.post("/v1/organizations/11/agent/run", {"prompt": "y"})["id"], 10001)
        self.assertEqual(self.ctl("GET", "/_control/config")["rate_limits"], True)  # kept

    def test_config(self):
        self.assertEqual(self.ctl("GET", "/_control/config"), SUITE_CONFIG)
        changed = self.ctl("POST", "/_control/config", {"latency_ms": 5, "run_quota": 3})
        self.assertEqual(changed, dict(SUITE_CONFIG, latency_ms=5, run_quota=3))
        for bad in ({"latency_ms": -1}, {"rate_limits": "yes"}, {"colour": "blue"},
                    {"log_interval_ms": 0, "latency_ms": 9}):
            resp = call(SERVER.port, "POST", "/_control/config", bad, token=None)
            self.assertEqual(resp.status, 400, bad)
        self.assertEqual(self.ctl("GET", "/_control/config")["latency_ms"], 5)
        self.assertEqual(call(SERVER.port, "GET", "/_control/runs/424242", token=None).status,
                         404)
        self.assertEqual(call(SERVER.port, "GET", "/_control/nothing", token=None).status, 404)

    def test_many_requests_leak_no_threads_or_fds(self):
        pid = SERVER.proc.pid

        def threads():
            with open(f"/proc/{pid}/status") as status:
                return int(re.search(r"^Threads:\s+(\d+)", status.read(), re.M).group(1))

        def fds():
            return len(os.listdir(f"/proc/{pid}/fd"))

        self.api("GET", "/v1/users/me")
        time.sleep(0.2)
        base_threads, base_fds = threads(), fds()
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)
        statuses = [call(SERVER.port, "GET", "/v1/users/me", conn=conn).status
                    for _ in range(1500)]
        conn.close()
        statuses += [call(SERVER.port, "GET", "/v1/organizations/11/agent/runs?limit=2").status
                     for _ in range(300)]

        def worker(results):
            own = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)
            results += [call(SERVER.port, "GET", "/v1/organizations/11/agent/run/789",
                             conn=own).status for _ in range(150)]
            own.close()

        results = []
        workers = [threading.Thread(target=worker, args=(results,)) for _ in range(4)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        self.assertEqual(set(statuses + results), {200})
        self.assertEqual(len(statuses + results), 2400)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (threads() > base_threads or fds() > base_fds):
            time.sleep(0.1)
        self.assertLessEqual(threads(), base_threads)
        self.assertLessEqual(fds(), base_fds)


if __name__ == "__main__":
    unittest.main(verbosity=2)
