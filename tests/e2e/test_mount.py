#!/usr/bin/env python3
"""End-to-end tests of codegen-fs: a real FUSE mount against the fake Codegen API.

Each test mounts codegen-fs (tests/e2e/harness.py: Mount) on a fake Codegen API
(scripts/fake-codegen-api: Fake), reads the tree with the tools people use
(ls -l, cat, grep, tail -f, plain syscalls), and asserts the exact content
(docs/SEMANTICS.md "The mount"), the exact errno, and the requests the fake
received (its /_control/requests log; the tests' own requests carry _e2e=1
and are left out).  Every mount is torn down even when its test fails.

    python3 tests/e2e/test_mount.py [-k pattern] [TestClass.test_name ...]

Environment: CGFS_BIN (default build/fs/codegen-fs), CG_FAKE_API (default
scripts/fake-codegen-api).  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import calendar
import errno
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    FINISHED, JSON_FILE, TOKEN, Fake, Hung, Mount, bounded, describe_requests, errno_name,
    integrations_file, json_file_problem, kill_bounded, lines_file, logs_file,
    mcp_providers_file, mounted, query_of, read_bytes, read_timed_syscalls, rules_file,
    run_files, sh, signal_name, skip_reason, time_file, value_file)

ORG = 11
RUNS = f"orgs/{ORG}/runs"
RUN_PATH = f"/v1/organizations/{ORG}/agent/run/"       # + id: GET run
LIST_PATH = f"/v1/organizations/{ORG}/agent/runs"
LOGS_PATH = f"/v1/alpha/organizations/{ORG}/agent/run/"  # + id + /logs
FAST_LIMITER = "--rate-time-scale=0.01"   # the mount's token buckets out of the way
QUICK_FAKE = ("--rate-limits", "off")

# The read side of a run directory (SEMANTICS) and the write-side names
# DESIGN.md §2/§3 adds (resume, ctl), which a listing may also show.
RUN_DIR_FILES = {"id", "status", "summary", "result", "web_url", "created_at", "source_type",
                 "prs", "metadata.json", "run.json", "logs", "logs.jsonl", "wait", "error"}
RUN_DIR_WRITE_SIDE = {"resume", "ctl"}
ROOT_ENTRIES = {"README", "errors", "stats", "me", "mcp-providers", "orgs"}
ORG_DIR_ENTRIES = {"name", "org.json", "rules", "integrations", "integrations.json", "oauth",
                   "runs", "repos", "users"}
ORG_DIR_WRITE_SIDE = {"ctl", "ctl.out", "new"}
REPO_FILES = {"name", "full_name", "language", "visibility", "setup_status", "repo.json",
              "check-suite.json"}
REPO_DIR_WRITE_SIDE = {"setup-commands", "new"}
USER_FILES = {"user.json", "email", "github_username", "full_name", "role", "id"}
ISO_Z = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"
# tail -f on FUSE polls (1 s by default); a new entry then waits for the
# kernel's attribute cache (about 1 s) and the mount's --logs-ttl (1 s): a
# line may show up to ~3 s after the server has the entry.
TAIL_MAX_LAG = 2.5
LOGS_TTL = 1.0          # the mount's default --logs-ttl
READ_SYSCALL = {"x86_64": 0, "aarch64": 63}.get(platform.machine())


def first_difference(got, expected):
    """Where two texts differ, as a short message."""
    got_lines = got.decode("utf-8", "replace").split("\n")
    exp_lines = expected.decode("utf-8", "replace").split("\n")
    for number, (a, b) in enumerate(zip(got_lines, exp_lines), 1):
        if a != b:
            return f"line {number}: got {a!r}, expected {b!r}"
    return (f"got {len(got_lines) - 1} lines, expected {len(exp_lines) - 1}; got ends "
            f"{got[-120:]!r}, expected ends {expected[-120:]!r}")


def gets_of_run(requests, run_id):
    return [e for e in requests if e["method"] == "GET" and e["path"] == f"{RUN_PATH}{run_id}"]


def logs_requests_of(requests, run_id):
    return [e for e in requests if e["path"] == f"{LOGS_PATH}{run_id}/logs"]


def parallel(calls, timeout):
    """Run each (fn, *args) in its own thread at once; -> [Outcome] in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(index, fn, args):
        barrier.wait()
        results[index] = bounded(fn, *args, timeout=timeout)

    threads = [threading.Thread(target=worker, args=(i, c[0], c[1:]), daemon=True)
               for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 5)
    hung = [calls[i] for i, r in enumerate(results) if r is None]
    if hung:
        raise Hung(f"{len(hung)} of {len(calls)} parallel calls did not return within "
                   f"{timeout} s: {hung[:3]}")
    return results


# --------------------------------------------------------------------------
# Base class

class MountTest(unittest.TestCase):
    """One fake per class (reset before every test); mounts per test through
    self.mount(), or per class through cls.class_mount()."""

    FAKE_FLAGS = QUICK_FAKE
    fake = None
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake(*cls.FAKE_FLAGS)
        cls.addClassCleanup(cls.fake.stop)

    @classmethod
    def class_mount(cls, *opts, **kwargs):
        mount = Mount(cls.fake, *cls._opts(opts), **kwargs)

        def stop():
            problem = mount.stop()
            if problem:
                raise AssertionError(problem)

        cls.addClassCleanup(stop)
        return mount.start()

    @staticmethod
    def _opts(opts):
        if any(o.startswith("--rate-time-scale") for o in opts):
            return list(opts)
        return [FAST_LIMITER, *opts]

    def setUp(self):
        if not self.fake.alive():
            self.fake.restart()
        self.fake.reset()

    def mount(self, *opts, **kwargs):
        mount = Mount(self.fake, *self._opts(opts), **kwargs)
        self.addCleanup(self._stop_mount, mount)
        return mount.start()

    def _stop_mount(self, mount):
        problem = mount.stop()
        if problem:
            self.fail(problem)

    # -- assertions ------------------------------------------------------------

    def assertFile(self, mount, rel, expected):
        """rel reads as expected (bytes, or (JSON_FILE, object)) and stats with
        its true size."""
        path = mount.path(rel)
        outcome = bounded(read_bytes, path, timeout=30, what=f"read {rel}")
        self.assertIsNone(outcome.error, f"{rel}: reading it {outcome.describe()}")
        content = outcome.value
        if isinstance(expected, tuple) and expected[0] is JSON_FILE:
            problem = json_file_problem(content, expected[1])
            self.assertIsNone(problem, f"{rel}: {problem}")
        else:
            self.assertEqual(content, expected,
                             f"{rel}: content differs: {first_difference(content, expected)}")
        size = os.stat(path).st_size
        self.assertEqual(size, len(content),
                         f"{rel}: st_size is {size} but it reads {len(content)} bytes")
        return content

    def assertErrno(self, expected, fn, *args, what, timeout=30):
        """fn(*args) fails with exactly expected (an errno or a tuple of them)."""
        codes = expected if isinstance(expected, tuple) else (expected,)
        names = " or ".join(errno_name(c) for c in codes)
        outcome = bounded(fn, *args, timeout=timeout, what=what)
        self.assertIsNotNone(outcome.error, f"{what}: expected {names}, but it "
                                            f"{outcome.describe()}")
        self.assertIsInstance(outcome.error, OSError,
                              f"{what}: expected {names}, got {outcome.error!r}")
        self.assertIn(outcome.errno, codes, f"{what}: expected {names}, got "
                                            f"{errno_name(outcome.errno)} ({outcome.error})")
        return outcome

    def assertNoRequests(self, since, what):
        requests = self.fake.requests(since)
        self.assertEqual(requests, [], f"{what} should cost no request; the fake got "
                                       f"{len(requests)}: {describe_requests(requests)}")

    def assertAlive(self, mount):
        self.assertTrue(mount.alive(), f"codegen-fs died (status {mount.proc.poll()}); "
                                       f"stderr: {mount.stderr_tail()!r}")

    def prime_org(self, mount):
        """Resolve /orgs/11 (its one-time requests), so later counts see only
        the requests of the step they measure."""
        self.assertTrue(os.path.isdir(mount.path(f"orgs/{ORG}/runs")),
                        f"/orgs/{ORG}/runs is not a directory")


# --------------------------------------------------------------------------
# 1. Every file of the tree, compared with what the fake serves

class TreeContentTest(MountTest):
    """The content of every read-side file, against the fake's JSON (one mount
    with --list-window=150: runs 1151..1300 are listed, the others resolve by id)."""

    WINDOW = 150
    # 789 showcase + PR; 790 PRs [] metadata {}; 791 nulls; 792 null source_type;
    # 700 space-form created_at; 555 null created_at; 1250 shared PR; 1282 two
    # PRs; 1290 PENDING with 0 logs; 1294 unknown status; 1000 500 logs; 1201 LOCAL.
    SAMPLE_RUNS = (789, 790, 791, 792, 700, 555, 1250, 1282, 1290, 1294, 1000, 1201)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.m = cls.class_mount(f"--list-window={cls.WINDOW}")

    def setUp(self):
        super().setUp()
        self.assertAlive(self.m)

    def test_root_has_exactly_the_top_level_entries(self):
        names = set(os.listdir(self.m.mnt))
        self.assertEqual(names, ROOT_ENTRIES, "entries of /")
        for name in ("me", "orgs"):
            self.assertTrue(os.path.isdir(self.m.path(name)), f"/{name} is not a directory")
        for name in ("README", "errors", "stats", "mcp-providers"):
            path = self.m.path(name)
            self.assertTrue(os.path.isfile(path), f"/{name} is not a regular file")
            content = self.m.read(name)
            self.assertEqual(os.stat(path).st_size, len(content), f"/{name}: st_size")
        self.assertGreater(len(self.m.read("README")), 100, "/README is (nearly) empty")

    def test_me_files_are_the_token_user(self):
        me = self.fake.get("/v1/users/me")
        self.assertEqual(set(os.listdir(self.m.path("me"))), USER_FILES, "entries of /me")
        self.assertFile(self.m, "me/user.json", (JSON_FILE, me))
        for name in ("email", "github_username", "full_name", "role", "id"):
            self.assertFile(self.m, f"me/{name}", value_file(me[name]))
        self.assertEqual(self.m.read("me/email"), b"alice@example.com\n")

    def test_orgs_lists_member_ids_and_name_links(self):
        orgs = self.m.path("orgs")
        self.assertEqual(set(os.listdir(orgs)), {"11", "12", "acme", "globex"}, "entries of /orgs")
        for name, target in (("acme", "11"), ("globex", "12")):
            self.assertTrue(os.path.islink(os.path.join(orgs, name)), f"/orgs/{name} is no link")
            self.assertEqual(os.readlink(os.path.join(orgs, name)), target,
                             f"/orgs/{name} link target")
            self.assertTrue(os.path.isdir(os.path.join(orgs, target)), f"/orgs/{target}")
        self.assertEqual(self.m.read("orgs/acme/name"), b"acme\n", "reading through the link")

    def test_org_files_match_the_api(self):
        orgs = {o["id"]: o for o in self.fake.get_all("/v1/organizations")}
        for org in (11, 12):
            with self.subTest(org=org):
                base = f"orgs/{org}"
                names = set(os.listdir(self.m.path(base)))
                self.assertLessEqual(ORG_DIR_ENTRIES, names, f"entries of /{base}")
                self.assertLessEqual(names, ORG_DIR_ENTRIES | ORG_DIR_WRITE_SIDE,
                                     f"unexpected entries in /{base}")
                self.assertFile(self.m, f"{base}/name", value_file(orgs[org]["name"]))
                self.assertFile(self.m, f"{base}/org.json", (JSON_FILE, orgs[org]))
                rules = self.fake.get(f"/v1/organizations/{org}/cli/rules")
                self.assertFile(self.m, f"{base}/rules", rules_file(rules))
                integrations = self.fake.get(f"/v1/organizations/{org}/integrations")
                self.assertFile(self.m, f"{base}/integrations", integrations_file(integrations))
                self.assertFile(self.m, f"{base}/integrations.json", (JSON_FILE, integrations))
                oauth = self.fake.get("/v1/oauth/tokens/status", org_id=org)
                self.assertFile(self.m, f"{base}/oauth", lines_file(oauth))
        # The documented sample data, literally (guards the renderers above too).
        self.assertEqual(self.m.read("orgs/11/integrations"),
                         b"github active\nslack active\nlinear inactive\nnotion active\n"
                         b"jira inactive\n")
        self.assertEqual(self.m.read("orgs/11/oauth"), b"linear\nnotion\n")
        self.assertEqual(self.m.read("orgs/12/rules"), b"# Organization rules\nFollow the Go "
                         b"style guide (gofmt, golangci-lint).\n")
        self.assertEqual(self.m.read("orgs/11/rules"),
                         b"# Organization rules\nUse type hints everywhere.\nNever commit "
                         b"secrets.\nRun `make test` before opening a PR.\n\n# User custom "
                         b"prompt\nAnswer briefly; prefer small pull requests.\n")

    def test_mcp_providers_lists_name_and_issuer(self):
        providers = self.fake.get("/v1/mcp-providers")
        self.assertFile(self.m, "mcp-providers", mcp_providers_file(providers))
        self.assertEqual(self.m.read("mcp-providers"),
                         b"linear\thttps://linear.app\nnotion\thttps://api.notion.com\n"
                         b"sentry\thttps://sentry.io\n")

    def test_run_files_match_the_api(self):
        multi_line = next((i for i in range(101, 200)
                           if "\n" in self.fake.run_state(i)["prompt"]), None)
        samples = self.SAMPLE_RUNS + ((multi_line,) if multi_line else ())
        for run_id in samples:
            with self.subTest(run=run_id):
                run = self.fake.run(run_id)
                logs = self.fake.logs(run_id)
                base = f"{RUNS}/{run_id}"
                names = set(os.listdir(self.m.path(base)))
                self.assertLessEqual(RUN_DIR_FILES, names, f"entries of /{base}")
                self.assertLessEqual(names, RUN_DIR_FILES | RUN_DIR_WRITE_SIDE,
                                     f"unexpected entries in /{base}")
                for name, expected in run_files(run, logs).items():
                    content = self.assertFile(self.m, f"{base}/{name}", expected)
                    if name == "logs.jsonl":
                        parsed = [json.loads(line) for line in content.splitlines()]
                        self.assertEqual(parsed, logs, f"{base}/logs.jsonl entries")
                self.assertEqual(len(self.m.read(f"{base}/logs").splitlines()), len(logs),
                                 f"{base}/logs: one line per entry")

    def test_run_file_formats_of_pinned_runs(self):
        # The documented sample runs, literally: null -> empty, normalised time.
        read = self.m.read
        self.assertEqual(read(f"{RUNS}/789/status"), b"COMPLETE\n")
        self.assertEqual(read(f"{RUNS}/789/id"), b"789\n")
        self.assertEqual(read(f"{RUNS}/789/result"), b"Done: Add retries to the payment client\n")
        self.assertEqual(read(f"{RUNS}/789/prs"), b"https://github.com/acme/payments/pull/689\n")
        self.assertEqual(json.loads(read(f"{RUNS}/789/metadata.json")), {"ticket": "PAY-12"})
        self.assertEqual(read(f"{RUNS}/791/summary"), b"")
        self.assertEqual(read(f"{RUNS}/791/result"), b"")
        self.assertEqual(read(f"{RUNS}/791/prs"), b"")
        self.assertEqual(read(f"{RUNS}/791/metadata.json"), b"")
        self.assertEqual(read(f"{RUNS}/790/prs"), b"")
        self.assertEqual(read(f"{RUNS}/792/source_type"), b"")
        self.assertEqual(read(f"{RUNS}/555/created_at"), b"")
        self.assertEqual(read(f"{RUNS}/1290/logs"), b"")
        self.assertEqual(read(f"{RUNS}/1290/logs.jsonl"), b"")
        self.assertEqual(read(f"{RUNS}/1294/status"), b"QUEUED_FOR_REVIEW\n")
        raw = self.fake.run(700)["created_at"]
        self.assertRegex(raw, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$", "fake's 700 form")
        shown = read(f"{RUNS}/700/created_at")
        self.assertEqual(shown, f"{raw[:10]}T{raw[11:19]}Z\n".encode(),
                         "space-form created_at is shown as ISO 8601 UTC")
        raw = self.fake.run(789)["created_at"]
        self.assertEqual(read(f"{RUNS}/789/created_at"), f"{raw[:19]}Z\n".encode(),
                         "fractions are dropped")
        self.assertEqual(len(read(f"{RUNS}/1000/logs").splitlines()), 500)

    def test_run_dir_mtime_is_created_at(self):
        for run_id in (789, 700):
            with self.subTest(run=run_id):
                shown = time_file(self.fake.run(run_id)["created_at"]).decode().strip()
                expected = calendar.timegm(time.strptime(shown, "%Y-%m-%dT%H:%M:%SZ"))
                mtime = os.stat(self.m.path(f"{RUNS}/{run_id}")).st_mtime
                self.assertEqual(int(mtime), int(expected),
                                 f"mtime of runs/{run_id} is {mtime}, created_at is {shown}")

    def test_modes_and_owner(self):
        uid = os.getuid()
        for rel, kind, mode in ((f"{RUNS}/789/status", "file", 0o444),
                                ("orgs/11/org.json", "file", 0o444),
                                (f"{RUNS}/789", "dir", 0o555), ("orgs", "dir", 0o555),
                                ("orgs/acme", "link", 0o777)):
            with self.subTest(path=rel):
                st = os.lstat(self.m.path(rel))
                self.assertEqual(st.st_mode & 0o7777, mode,
                                 f"/{rel}: mode {oct(st.st_mode & 0o7777)}, expected {oct(mode)}")
                self.assertEqual(st.st_uid, uid, f"/{rel}: owner")
                check = {"file": os.path.isfile, "dir": os.path.isdir,
                         "link": os.path.islink}[kind]
                self.assertTrue(check(self.m.path(rel)), f"/{rel} is not a {kind}")

    def test_repo_files_match_the_api(self):
        repos = {r["id"]: r for r in self.fake.get_all(f"/v1/organizations/{ORG}/repos")}
        self.assertEqual(set(os.listdir(self.m.path(f"orgs/{ORG}/repos"))),
                         {str(i) for i in repos}, "entries of repos/")
        for repo_id in (456, 459, 461, 460):
            with self.subTest(repo=repo_id):
                base = f"orgs/{ORG}/repos/{repo_id}"
                names = set(os.listdir(self.m.path(base)))
                self.assertLessEqual(REPO_FILES, names, f"entries of /{base}")
                self.assertLessEqual(names, REPO_FILES | REPO_DIR_WRITE_SIDE,
                                     f"unexpected entries in /{base}")
                repo = repos[repo_id]
                for name in ("name", "full_name", "language", "visibility", "setup_status"):
                    self.assertFile(self.m, f"{base}/{name}", value_file(repo[name]))
                self.assertFile(self.m, f"{base}/repo.json", (JSON_FILE, repo))
                suite = self.fake.get(f"/v1/organizations/{ORG}/repos/check-suite-settings",
                                      repo_id=repo_id)
                self.assertFile(self.m, f"{base}/check-suite.json", (JSON_FILE, suite))
        self.assertEqual(self.m.read(f"orgs/{ORG}/repos/456/full_name"), b"acme/payments\n")
        self.assertEqual(self.m.read(f"orgs/{ORG}/repos/459/language"), b"")

    def test_user_files_match_the_api(self):
        users = {u["id"]: u for u in self.fake.get_all(f"/v1/organizations/{ORG}/users")}
        self.assertEqual(set(os.listdir(self.m.path(f"orgs/{ORG}/users"))),
                         {str(i) for i in range(1, 9)}, "entries of users/")
        for user_id in sorted(users):
            with self.subTest(user=user_id):
                base = f"orgs/{ORG}/users/{user_id}"
                self.assertEqual(set(os.listdir(self.m.path(base))), USER_FILES | {"runs"},
                                 f"entries of /{base}")
                user = users[user_id]
                self.assertFile(self.m, f"{base}/user.json", (JSON_FILE, user))
                for name in ("email", "github_username", "full_name", "role", "id"):
                    self.assertFile(self.m, f"{base}/{name}", value_file(user[name]))
        self.assertEqual(self.m.read(f"orgs/{ORG}/users/4/email"), b"")
        self.assertEqual(self.m.read(f"orgs/{ORG}/users/3/full_name"), "Carol Nguyễn\n".encode())

    def test_user_runs_are_links_to_that_users_newest_runs(self):
        for user_id in (1, 4, 8):
            with self.subTest(user=user_id):
                expected = [str(r["id"]) for r in self.fake.runs(user_id=user_id)][:self.WINDOW]
                base = self.m.path(f"orgs/{ORG}/users/{user_id}/runs")
                names = os.listdir(base)
                self.assertEqual(names, expected, f"users/{user_id}/runs/: the user's newest "
                                 f"{self.WINDOW} run ids, newest first")
                for name in names:
                    self.assertEqual(os.readlink(os.path.join(base, name)),
                                     f"../../../runs/{name}", f"users/{user_id}/runs/{name}")
                first = expected[0]
                self.assertEqual(self.m.read(f"orgs/{ORG}/users/{user_id}/runs/{first}/status"),
                                 value_file(self.fake.run(int(first))["status"]),
                                 "status read through the link")

    def test_tail_n_and_wc_of_finished_logs(self):
        for run_id in (1000, 789):
            with self.subTest(run=run_id):
                expected = logs_file(self.fake.logs(run_id)).decode().splitlines(keepends=True)
                path = self.m.path(f"{RUNS}/{run_id}/logs")
                rc, out, err = sh(["tail", "-n", "5", path], timeout=30)
                self.assertEqual((rc, err), (0, ""), f"tail -n 5 {path}")
                self.assertEqual(out, "".join(expected[-5:]), "tail -n 5: the last 5 lines")
                rc, out, err = sh(["wc", "-l", path], timeout=30)
                self.assertEqual(int(out.split()[0]), len(expected), "wc -l: one line per entry")

    def test_grep_over_listed_statuses(self):
        listed = self.fake.runs()[:self.WINDOW]
        failed = sorted(r["id"] for r in listed if r["status"] == "FAILED")
        self.assertTrue(failed, "the sample data has failed runs in the window")
        rc, out, err = sh(f"cd {self.m.path(RUNS)} && grep -lx FAILED */status", timeout=60)
        self.assertEqual((rc, err), (0, ""), "grep -lx FAILED */status")
        found = sorted(int(line.split("/")[0]) for line in out.splitlines())
        self.assertEqual(found, failed, "runs whose status file says FAILED")


# --------------------------------------------------------------------------
# 2-4. Request economy, freshness, single flight

class RequestEconomyTest(MountTest):
    """What each step costs, read from the fake's request log; one mount per test."""

    def expect_only(self, since, allowed, what):
        """The requests since seq are exactly allowed ([(method, path)], any order)."""
        requests = self.fake.requests(since)
        got = sorted((e["method"], e["path"]) for e in requests)
        self.assertEqual(got, sorted(allowed), f"{what}: requests were "
                                               f"{describe_requests(requests)}")
        return requests

    def one_time_org_requests(self, requests):
        """Requests other than run lists: at most one GET /v1/organizations (the
        org's membership), nothing else."""
        others = [e for e in requests if e["path"] != LIST_PATH]
        self.assertTrue(all((e["method"], e["path"]) == ("GET", "/v1/organizations")
                            for e in others) and len(others) <= 1,
                        f"besides the list pages only one GET /v1/organizations may be sent; "
                        f"got {describe_requests(others)}")

    def test_ls_l_runs_fetches_the_window_in_five_pages_then_nothing(self):
        m = self.mount("--list-window=500", "--run-ttl=60", "--list-ttl=60")
        newest = self.fake.runs()[:500]
        expected_ids = [str(r["id"]) for r in newest]
        seq = self.fake.mark()
        rc, out, err = sh(["ls", "-l", m.path(RUNS) + "/"], timeout=60)
        self.assertEqual((rc, err), (0, ""), "ls -l runs/")
        requests = self.fake.requests(seq)
        pages = [e for e in requests if e["path"] == LIST_PATH]
        self.assertEqual(sorted((int(query_of(e).get("skip", 0)), query_of(e).get("limit"),
                                 e["method"]) for e in pages),
                         [(skip, "100", "GET") for skip in range(0, 500, 100)],
                         f"ls -l runs/ must fetch pages skip=0..400 limit=100 once each; "
                         f"requests: {describe_requests(requests)}")
        for entry in pages:
            self.assertEqual(set(query_of(entry)) - {"skip", "limit"}, set(),
                             f"list page filters: {entry['query']}")
        self.one_time_org_requests(requests)
        lines = [line for line in out.splitlines() if not line.startswith("total")]
        self.assertEqual(len(lines), 500, f"ls -l lists {len(lines)} entries, expected 500")
        self.assertTrue(all(line.startswith("dr-xr-xr-x") for line in lines),
                        f"every entry is a 0555 directory: {lines[:3]}")
        self.assertEqual(sorted(line.split()[-1] for line in lines), sorted(expected_ids),
                         "ls -l runs/: the newest 500 ids")

        seq = self.fake.mark()
        names = os.listdir(m.path(RUNS))
        self.assertEqual(names, expected_ids, "runs/ lists the newest 500 runs, newest first")
        by_id = {str(r["id"]): r for r in newest}

        def read_listed():
            wrong = []
            for name in names:
                for field in ("status", "summary", "result", "created_at"):
                    content = read_bytes(m.path(RUNS, name, field))
                    raw = by_id[name].get(field)
                    want = time_file(raw) if field == "created_at" else value_file(raw)
                    if content != want:
                        wrong.append(f"{name}/{field}: {content!r} != {want!r}")
            return wrong

        outcome = bounded(read_listed, timeout=60, what="reading 4 files of 500 runs")
        self.assertIsNone(outcome.error, f"reading listed runs {outcome.describe()}")
        self.assertEqual(outcome.value, [], "content of listed runs' files")
        self.assertNoRequests(seq, "reading status/summary/result/created_at of 500 listed runs")

        seq = self.fake.mark()
        rc, out2, err = sh(["ls", "-l", m.path(RUNS) + "/"], timeout=60)
        self.assertEqual(rc, 0, f"second ls -l: {err}")
        self.assertEqual(len(out2.splitlines()), len(out.splitlines()), "second ls -l")
        self.assertNoRequests(seq, "a second ls -l within --list-ttl")

        outside = next(r for r in reversed(self.fake.runs()) if r["status"] in FINISHED)
        self.assertNotIn(str(outside["id"]), names)
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, outside["id"], "status"), value_file(outside["status"]))
        self.expect_only(seq, [("GET", f"{RUN_PATH}{outside['id']}")],
                         f"cat runs/{outside['id']}/status (outside the window)")
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, outside["id"], "status"), value_file(outside["status"]))
        self.assertEqual(m.read(RUNS, outside["id"], "summary"), value_file(outside["summary"]))
        self.assertNoRequests(seq, f"reading the finished run {outside['id']} again")

    def test_unlisted_run_costs_one_get_without_listing(self):
        m = self.mount()
        self.prime_org(m)
        seq = self.fake.mark()
        run = self.fake.run(150)
        self.assertFile(m, f"{RUNS}/150/status", value_file(run["status"]))
        self.assertFile(m, f"{RUNS}/150/run.json", (JSON_FILE, run))
        self.expect_only(seq, [("GET", f"{RUN_PATH}150")], "reading runs/150 (never listed)")

    def test_finished_runs_are_not_refetched_after_run_ttl(self):
        ids = [789] + list(range(1280, 1287))   # COMPLETE, and every other finished status
        m = self.mount("--run-ttl=1")
        self.prime_org(m)
        runs = {i: self.fake.run(i) for i in ids}
        self.assertEqual({r["status"] for r in runs.values()}, FINISHED, "the sample statuses")
        seq = self.fake.mark()
        for run_id in ids:
            self.assertEqual(m.read(RUNS, run_id, "status"), value_file(runs[run_id]["status"]))
        self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in ids],
                         "first read of 8 finished runs")
        time.sleep(1.6)
        seq = self.fake.mark()
        for run_id in ids:
            self.assertEqual(m.read(RUNS, run_id, "status"), value_file(runs[run_id]["status"]))
            self.assertFile(m, f"{RUNS}/{run_id}/run.json", (JSON_FILE, runs[run_id]))
        self.assertNoRequests(seq, "reading finished runs after --run-ttl=1 expired")

    def test_unfinished_runs_are_refetched_after_run_ttl(self):
        # RUNNING, PAUSED, an unknown status, and a live run.
        ids = (1291, 1293, 1294, 1295)
        self.addCleanup(self.fake.config, run_seconds=120.0)
        m = self.mount("--run-ttl=1")
        self.prime_org(m)
        seq = self.fake.mark()
        for run_id in ids:
            self.assertEqual(m.read(RUNS, run_id, "status"),
                             value_file(self.fake.run(run_id)["status"]))
        self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in ids], "first read")
        seq = self.fake.mark()
        for run_id in ids:
            m.read(RUNS, run_id, "status")
        self.assertNoRequests(seq, "reading again within --run-ttl")
        time.sleep(1.6)
        seq = self.fake.mark()
        for run_id in ids:
            m.read(RUNS, run_id, "status")
        self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in ids],
                         "reading unfinished runs after --run-ttl (one GET each)")
        # The live run finishes: the next refresh shows it, then it is never fetched again.
        self.fake.config(run_seconds=0)
        self.assertEqual(self.fake.run_state(1295)["run"]["status"], "COMPLETE")
        time.sleep(1.6)
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, 1295, "status"), b"COMPLETE\n",
                         "the live run's new status after --run-ttl")
        self.expect_only(seq, [("GET", f"{RUN_PATH}1295")], "refresh of the finished live run")
        time.sleep(1.6)
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, 1295, "status"), b"COMPLETE\n")
        self.assertNoRequests(seq, "reading the now finished run after --run-ttl")

    def test_missing_run_is_enoent_and_remembered_for_missing_ttl(self):
        m = self.mount("--missing-ttl=3")
        self.prime_org(m)
        path = m.path(RUNS, 999999)
        seq = self.fake.mark()
        started = time.monotonic()
        self.assertErrno(errno.ENOENT, os.stat, path, what="stat runs/999999")
        self.expect_only(seq, [("GET", f"{RUN_PATH}999999")], "first lookup of runs/999999")
        time.sleep(1.5)     # past the kernel's entry timeout, within --missing-ttl
        seq = self.fake.mark()
        self.assertErrno(errno.ENOENT, os.stat, path, what="stat runs/999999 again")
        rc, _, err = sh(["cat", os.path.join(path, "status")])
        self.assertEqual(rc, 1, "cat runs/999999/status")
        self.assertIn("No such file or directory", err)
        self.assertNoRequests(seq, "a second lookup of runs/999999 within --missing-ttl")
        time.sleep(max(0.0, started + 3.6 - time.monotonic()))
        seq = self.fake.mark()
        self.assertErrno(errno.ENOENT, os.stat, path, what="stat runs/999999 after missing-ttl")
        self.expect_only(seq, [("GET", f"{RUN_PATH}999999")], "lookup after --missing-ttl")

    def test_concurrent_misses_make_one_request(self):
        m = self.mount()
        self.prime_org(m)
        expected = value_file(self.fake.run(160)["status"])
        seq = self.fake.mark()
        outcomes = parallel([(read_bytes, m.path(RUNS, 160, "status"))] * 8, timeout=30)
        for outcome in outcomes:
            self.assertIsNone(outcome.error, f"a reader {outcome.describe()}")
            self.assertEqual(outcome.value, expected, "status read by one of 8 readers")
        self.expect_only(seq, [("GET", f"{RUN_PATH}160")],
                         "8 concurrent reads of one unlisted run")
        # The kernel already merges concurrent lookups of one name; logs and
        # logs.jsonl of one run are different files sharing one fetch, so this
        # part needs the mount's own single flight.
        self.assertTrue(os.path.isdir(m.path(RUNS, 1000)))
        logs = self.fake.logs(1000)
        seq = self.fake.mark()
        outcomes = parallel([(read_bytes, m.path(RUNS, 1000, name))
                             for name in ("logs", "logs.jsonl") * 4], timeout=30)
        for outcome in outcomes:
            self.assertIsNone(outcome.error, f"a reader {outcome.describe()}")
        self.assertEqual({o.value for o in outcomes[0::2]}, {logs_file(logs)}, "logs")
        requests = self.fake.requests(seq)
        pages = sorted(int(query_of(e).get("skip", 0)) for e in logs_requests_of(requests, 1000))
        self.assertEqual(pages, [0, 100, 200, 300, 400],
                         f"8 concurrent readers of logs/logs.jsonl of run 1000 (500 entries): "
                         f"{describe_requests(requests)}")

    def test_sequential_requests_reuse_a_kept_alive_connection(self):
        m = self.mount()
        self.prime_org(m)
        seq = self.fake.mark()
        for run_id in range(180, 185):
            m.read(RUNS, run_id, "status")
        requests = self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in range(180, 185)],
                                    "5 sequential misses")
        ports = {e["client_port"] for e in requests}
        # One idle connection is reused; a pool may hold the start-up one too.
        self.assertLessEqual(len(ports), 2, f"5 sequential requests used {len(ports)} "
                                            f"connections (ports {sorted(ports)}): no keep-alive")

    def assertParallel(self, m, rels, expected_requests, what):
        """Reading rels at once, with the fake answering after 500 ms, takes
        well under the sum: the misses were fetched in parallel."""
        self.addCleanup(self.fake.config, latency_ms=0)
        self.fake.config(latency_ms=500)
        seq = self.fake.mark()
        started = time.monotonic()
        outcomes = parallel([(read_bytes, m.path(rel)) for rel in rels], timeout=30)
        elapsed = time.monotonic() - started
        self.fake.config(latency_ms=0)
        for outcome in outcomes:
            self.assertIsNone(outcome.error, f"{what}: a reader {outcome.describe()}")
        requests = self.expect_only(seq, expected_requests, what)
        first = min(e["time"] for e in requests)
        arrivals = sorted(round(e["time"] - first, 2) for e in requests)
        connections = len({e["client_port"] for e in requests})
        self.assertLess(elapsed, 0.5 * len(rels) / 2,
                        f"{what}: {len(rels)} misses at 500 ms each took {elapsed:.2f} s; the "
                        f"fake got them at +{arrivals} s on {connections} connection(s)")

    def test_misses_in_different_directories_run_in_parallel(self):
        m = self.mount()
        repos = (456, 457, 458, 459)
        for repo_id in repos:
            self.assertTrue(os.path.isdir(m.path(f"orgs/{ORG}/repos/{repo_id}")))
        self.assertParallel(m, [f"orgs/{ORG}/repos/{r}/check-suite.json" for r in repos],
                            [("GET", f"/v1/organizations/{ORG}/repos/check-suite-settings")] * 4,
                            "check-suite.json of 4 repos")

    def test_lookups_in_one_directory_each_cost_one_request(self):
        # libfuse 3.14 never passes FUSE_PARALLEL_DIROPS to the kernel, so the
        # kernel looks up names of one directory one at a time (SEMANTICS.md,
        # "Requests and freshness"): no parallelism to assert here, but each
        # unlisted run still costs exactly one GET and nothing more.
        m = self.mount()
        self.prime_org(m)
        ids = range(170, 178)
        seq = self.fake.mark()
        outcomes = parallel([(read_bytes, m.path(f"{RUNS}/{i}/status")) for i in ids],
                            timeout=30)
        for outcome in outcomes:
            self.assertIsNone(outcome.error, f"a reader {outcome.describe()}")
        self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in ids], "status of 8 runs")

    def test_logs_of_a_finished_run_are_fetched_once(self):
        m = self.mount()
        self.prime_org(m)
        logs = self.fake.logs(1000)
        seq = self.fake.mark()
        self.assertFile(m, f"{RUNS}/1000/logs", logs_file(logs))
        requests = self.fake.requests(seq)
        pages = sorted((int(query_of(e).get("skip", 0)), query_of(e).get("limit"))
                       for e in logs_requests_of(requests, 1000))
        self.assertEqual(pages, [(skip, "100") for skip in range(0, 500, 100)],
                         f"logs of run 1000 (500 entries): {describe_requests(requests)}")
        self.assertLessEqual(len(gets_of_run(requests, 1000)), 1, "GET run 1000")
        seq = self.fake.mark()
        m.read(RUNS, 1000, "logs.jsonl")
        m.read(RUNS, 1000, "logs")
        sh(["tail", "-n", "3", m.path(RUNS, 1000, "logs")])
        self.assertNoRequests(seq, "reading the finished run's logs again")

    def test_listing_a_run_downloads_no_logs(self):
        """ls -l and find show the logs size held (0 before any read) and
        fetch nothing; opening the file makes its size exact at once."""
        m = self.mount()
        self.prime_org(m)
        logs = logs_file(self.fake.logs(789))
        seq = self.fake.mark()
        rc, out, err = sh(["ls", "-l", m.path(RUNS, 789) + "/"], timeout=30)
        self.assertEqual((rc, err), (0, ""), "ls -l runs/789/")
        sizes = {line.split()[-1]: int(line.split()[4]) for line in out.splitlines()[1:]}
        self.assertEqual((sizes["logs"], sizes["logs.jsonl"]), (0, 0),
                         f"logs sizes before any read: {out}")
        rc, out, err = sh(["find", m.path(RUNS, 789)], timeout=30)
        self.assertEqual((rc, err), (0, ""), "find runs/789")
        self.assertEqual(logs_requests_of(self.fake.requests(seq), 789), [],
                         "ls -l and find must not fetch logs")
        rc, out, err = sh(["wc", "-c", m.path(RUNS, 789, "logs")], timeout=30)
        self.assertEqual(int(out.split()[0]), len(logs), "wc -c right after the stat of ls")
        self.assertEqual(os.stat(m.path(RUNS, 789, "logs")).st_size, len(logs),
                         "stat after the logs were read")

    def test_stale_listed_runs_are_renewed_by_page_not_one_by_one(self):
        """After the run TTL, re-reading the status of every listed run renews
        the unfinished ones with the list pages they sit on (a request per
        page), never with a GET per run."""
        m = self.mount("--list-window=500", "--run-ttl=0.5", "--list-ttl=60")
        names = os.listdir(m.path(RUNS))
        self.assertEqual(len(names), 500, "runs/ lists 500 runs")
        by_id = {str(r["id"]): r for r in self.fake.runs()[:500]}
        unfinished = [n for n in names if by_id[n]["status"] not in FINISHED]
        self.assertGreater(len(unfinished), 5, "the sample data has unfinished runs")
        time.sleep(0.7)     # every unfinished run is stale now
        seq = self.fake.mark()
        for name in names:
            self.assertEqual(read_bytes(m.path(RUNS, name, "status")),
                             value_file(by_id[name]["status"]), f"runs/{name}/status")
        requests = self.fake.requests(seq)
        gets = [e for e in requests if e["path"].startswith(RUN_PATH)]
        pages = [e for e in requests if e["path"] == LIST_PATH]
        self.assertEqual(gets, [], f"no GET per run; got {describe_requests(gets)}")
        self.assertGreaterEqual(len(pages), 1, "stale runs are renewed by list pages")
        self.assertLessEqual(len(pages), 5 * 2, f"at most a page per 100 runs per TTL; got "
                                                f"{describe_requests(pages)}")
        self.assertEqual(len(requests), len(pages), f"only list pages: "
                                                    f"{describe_requests(requests)}")

    def test_list_refresh_fetches_only_the_new_page(self):
        m = self.mount("--list-window=500", "--list-ttl=1")
        ids = [str(r["id"]) for r in self.fake.runs()[:500]]
        self.assertEqual(os.listdir(m.path(RUNS)), ids, "runs/ before the new run")
        created = self.fake.create_run("e2e: a run created while the list is cached")
        time.sleep(1.3)
        seq = self.fake.mark()
        names = os.listdir(m.path(RUNS))
        requests = self.fake.requests(seq)
        pages = [e for e in requests if e["path"] == LIST_PATH]
        self.assertEqual([query_of(e).get("skip", "0") for e in pages], ["0"],
                         f"a refresh after --list-ttl fetches only the first page; "
                         f"requests: {describe_requests(requests)}")
        self.assertEqual(names, [str(created["id"])] + ids[:499],
                         "runs/ after the refresh: the new run first, still 500 entries")
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, created["id"], "status"), b"ACTIVE\n")
        self.assertNoRequests(seq, "status of a run the refreshed list filled")


# --------------------------------------------------------------------------
# 5. tail -f on a working run

class LiveLogsTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE + ("--run-seconds", "8", "--log-interval-ms", "500")
    RUN_SECONDS = 8.0

    def test_tail_f_follows_a_working_run(self):
        m = self.mount()
        run = self.fake.create_run("e2e: follow me with tail -f")
        created = time.monotonic()
        run_id = run["id"]
        path = m.path(RUNS, run_id, "logs")
        seq = self.fake.mark()
        tail = subprocess.Popen(["tail", "-n", "+1", "-f", path], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.addCleanup(kill_bounded, tail)
        # Two more readers of the same logs: the mount still fetches them at
        # most every --logs-ttl (shared fetches).
        for _ in range(2):
            other = subprocess.Popen(["tail", "-f", path], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            self.addCleanup(kill_bounded, other)
        tail_started = time.monotonic()
        lines = []      # (monotonic time, line)

        def reader():
            for line in iter(tail.stdout.readline, b""):
                lines.append((time.monotonic(), line))

        threading.Thread(target=reader, daemon=True).start()
        counts = []     # (monotonic time, server log_count, status)
        finished_at = None
        final_count = None
        limit = created + self.RUN_SECONDS + 8
        while time.monotonic() < limit:
            state = self.fake.run_state(run_id)
            now = time.monotonic()
            counts.append((now, state["log_count"], state["run"]["status"]))
            if state["run"]["status"] != "ACTIVE" and finished_at is None:
                finished_at, final_count = now, state["log_count"]
            if final_count is not None and len(lines) >= final_count:
                break
            if tail.poll() is not None:
                break
            time.sleep(0.1)
        if tail.poll() is not None:
            self.fail(f"tail -f exited with {tail.returncode}: {tail.stderr.read()!r}")
        self.assertIsNotNone(finished_at, "the fake's run never finished")
        self.assertEqual(len(lines), final_count,
                         f"tail -f printed {len(lines)} lines, the run has {final_count} "
                         f"entries (waited {time.monotonic() - finished_at:.1f} s after it ended)")

        while_working = [t for t, _ in lines if t < finished_at]
        self.assertGreaterEqual(len(while_working), 8,
                                f"only {len(while_working)} lines appeared while the run worked")
        batches = 1 + sum(1 for a, b in zip(while_working, while_working[1:]) if b - a > 0.3)
        self.assertGreaterEqual(batches, 4, f"lines arrived in only {batches} batches while "
                                            "the run worked: tail -f did not follow")
        lags = []
        for index, (seen, _) in enumerate(lines, 1):
            server_had = next((t for t, count, _ in counts if count >= index), None)
            self.assertIsNotNone(server_had, f"tail printed line {index}, which the server "
                                             f"never had: {lines[index - 1][1]!r}")
            lags.append(seen - max(server_had, tail_started))
        worst = max(lags)
        self.assertLessEqual(worst, TAIL_MAX_LAG,
                             f"a line appeared {worst:.2f} s after the server had it "
                             f"(lags {[round(x, 2) for x in lags]})")

        final = self.fake.logs(run_id)
        expected = logs_file(final)
        shown = b"".join(line for _, line in lines)
        self.assertEqual(shown, expected, f"tail -f output vs the fake's logs: "
                                          f"{first_difference(shown, expected)}")
        self.assertFile(m, f"{RUNS}/{run_id}/logs", expected)
        rc, out, _ = sh(["tail", "-n", "5", path])
        self.assertEqual(out.encode(), b"".join(expected.splitlines(keepends=True)[-5:]),
                         "tail -n 5 of the finished run")

        requests = logs_requests_of(self.fake.requests(seq), run_id)
        skips = [int(query_of(e).get("skip", 0)) for e in requests]
        self.assertGreater(len(skips), 2, "live logs were fetched incrementally")
        self.assertNotIn(0, skips[1:], f"a live run's logs are fetched with skip = entries "
                                       f"held, never from 0 again: skips {skips}")
        ended = time.time() - (time.monotonic() - finished_at)
        live = sorted(e["time"] for e in requests if e["time"] < ended - 0.5)
        gaps = [round(b - a, 2) for a, b in zip(live, live[1:])]
        self.assertTrue(all(g >= LOGS_TTL - 0.15 for g in gaps),
                        f"3 readers of a live run's logs: fetched faster than --logs-ttl=1 "
                        f"(gaps {gaps})")

    def test_live_logs_are_fetched_only_while_open(self):
        self.addCleanup(self.fake.config, run_seconds=self.RUN_SECONDS)
        self.fake.config(run_seconds=60)
        m = self.mount()
        self.prime_org(m)
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, 1295, "status"), b"ACTIVE\n")
        time.sleep(2.5)
        self.assertEqual(logs_requests_of(self.fake.requests(seq), 1295), [],
                         "logs of a live run fetched without a reader")
        seq = self.fake.mark()
        content = m.read(RUNS, 1295, "logs")
        self.assertTrue(content, "logs of live run 1295 are empty")
        first = logs_requests_of(self.fake.requests(seq), 1295)
        self.assertTrue(first, "reading logs fetched nothing")
        seq = self.fake.mark()
        time.sleep(2.5)
        later = logs_requests_of(self.fake.requests(seq), 1295)
        self.assertEqual(later, [], f"logs fetched after the reader closed them: "
                                    f"{describe_requests(later)}")

    def test_an_open_live_log_is_followed_without_reads(self):
        # A reader that holds logs open and only stats it (as tail -f does
        # between polls) sees the size grow: the mount keeps fetching
        # incrementally, at most every --logs-ttl, while the file is open.
        self.addCleanup(self.fake.config, run_seconds=self.RUN_SECONDS)
        self.fake.config(run_seconds=60)
        m = self.mount()
        self.prime_org(m)
        path = m.path(RUNS, 1295, "logs")
        fd = os.open(path, os.O_RDONLY)
        self.addCleanup(os.close, fd)
        first = os.fstat(fd).st_size
        seq = self.fake.mark()
        time.sleep(3.5)
        fetches = logs_requests_of(self.fake.requests(seq), 1295)
        skips = [int(query_of(e).get("skip", 0)) for e in fetches]
        self.assertGreaterEqual(len(fetches), 2, "an open live log was not followed")
        self.assertLessEqual(len(fetches), 5, f"followed faster than --logs-ttl: {skips}")
        self.assertTrue(all(k > 0 for k in skips), f"not incremental: skips {skips}")
        self.assertGreater(os.fstat(fd).st_size, first, "the size did not grow")


# --------------------------------------------------------------------------
# 6. wait

class WaitTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE + ("--run-seconds", "4", "--log-interval-ms", "500")
    RUN_SECONDS = 4.0
    RUN_TTL = 1.0

    def test_wait_blocks_until_the_run_finishes_then_prints_its_status(self):
        m = self.mount(f"--run-ttl={self.RUN_TTL:g}")
        self.prime_org(m)
        seq = self.fake.mark()
        cases = (("e2e: wait for me", "COMPLETE"), ("e2e: [fail] wait for me", "FAILED"),
                 ("e2e: [pause] wait for me", "PAUSED"))
        runs = [self.fake.create_run(prompt) for prompt, _ in cases]
        created = time.monotonic()
        procs = []
        # Three more waiters on the first run: together they still poll it
        # no faster than --run-ttl (one shared fetch).
        for run in runs + [runs[0]] * 3:
            proc = subprocess.Popen(["cat", m.path(RUNS, run["id"], "wait")],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL)
            self.addCleanup(kill_bounded, proc)
            procs.append(proc)
        for (prompt, status), run, proc in zip(cases + (cases[0],) * 3, runs + [runs[0]] * 3,
                                               procs):
            try:
                out, err = proc.communicate(timeout=self.RUN_SECONDS + self.RUN_TTL + 8)
            except subprocess.TimeoutExpired:
                self.fail(f"cat wait of {prompt!r} still blocked long after the run finished")
            ended = time.monotonic()
            self.assertEqual((proc.returncode, out, err), (0, f"{status}\n".encode(), b""),
                             f"cat runs/{run['id']}/wait ({prompt!r})")
            self.assertGreaterEqual(ended - created, self.RUN_SECONDS - 0.3,
                                    f"wait of {prompt!r} returned before the run finished")
            self.assertLessEqual(ended - created, self.RUN_SECONDS + self.RUN_TTL + 2.5,
                                 f"wait of {prompt!r} returned {ended - created:.1f} s after "
                                 "the create (the run took 4 s)")
        requests = self.fake.requests(seq)
        for run in runs:
            times = sorted(e["time"] for e in gets_of_run(requests, run["id"]))
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertTrue(times, f"wait never fetched run {run['id']}")
            self.assertLessEqual(len(times), math.ceil(self.RUN_SECONDS / self.RUN_TTL) + 3,
                                 f"GETs of run {run['id']} during the wait: {len(times)}")
            self.assertTrue(all(g >= self.RUN_TTL - 0.15 for g in gaps),
                            f"wait polled run {run['id']} faster than --run-ttl=1: gaps "
                            f"{[round(g, 2) for g in gaps]}")
        for (prompt, status), run in zip(cases, runs):
            self.assertEqual(m.read(RUNS, run["id"], "status"), f"{status}\n".encode())

    def test_wait_returns_at_once_when_not_working(self):
        m = self.mount()
        for run_id, status in ((789, "COMPLETE"), (1286, "FAILED"), (1293, "PAUSED"),
                               (1294, "QUEUED_FOR_REVIEW")):
            with self.subTest(run=run_id):
                outcome = bounded(read_bytes, m.path(RUNS, run_id, "wait"), timeout=10)
                self.assertIsNone(outcome.error, f"wait of {run_id} {outcome.describe()}")
                self.assertEqual(outcome.value, f"{status}\n".encode(), f"runs/{run_id}/wait")
                self.assertLess(outcome.seconds, 1.5, f"wait of a {status} run took "
                                                      f"{outcome.seconds:.2f} s")
                size = os.stat(m.path(RUNS, run_id, "wait")).st_size
                self.assertEqual(size, len(status) + 1, f"st_size of runs/{run_id}/wait")

    def test_wait_is_interrupted_by_sigint(self):
        self.addCleanup(self.fake.config, run_seconds=self.RUN_SECONDS)
        self.fake.config(run_seconds=60)
        m = self.mount(f"--run-ttl={self.RUN_TTL:g}")
        run = self.fake.create_run("e2e: a long run to interrupt")
        proc = subprocess.Popen(["cat", m.path(RUNS, run["id"], "wait")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        self.addCleanup(kill_bounded, proc)
        time.sleep(1.0)
        if proc.poll() is not None:
            self.fail(f"cat wait returned on a working run: {proc.stdout.read()!r}")
        if READ_SYSCALL is not None:
            seen = []
            for _ in range(10):
                with open(f"/proc/{proc.pid}/syscall") as f:
                    seen.append(f.read().split()[0])
                if seen[-1] == str(READ_SYSCALL):
                    break
                time.sleep(0.05)
            self.assertIn(str(READ_SYSCALL), seen,
                          f"cat should be blocked in read(2) of wait; /proc/<pid>/syscall "
                          f"showed {seen}")
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        try:
            proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self.fail("cat wait did not exit within 2 s of SIGINT")
        self.assertLess(time.monotonic() - sent, 2.0)
        self.assertNotEqual(proc.returncode, 0, "interrupted wait must not succeed")
        self.assertEqual(proc.stdout.read(), b"", "interrupted wait printed a status")
        proc.stdout.close()
        proc.stderr.close()
        self.assertAlive(m)
        self.assertEqual(m.read(RUNS, 789, "status"), b"COMPLETE\n", "the mount after SIGINT")
        self.fake.config(run_seconds=0)
        outcome = bounded(read_bytes, m.path(RUNS, run["id"], "wait"), timeout=10)
        self.assertEqual(outcome.value, b"COMPLETE\n", f"wait after the run finished "
                                                       f"{outcome.describe()}")


# --------------------------------------------------------------------------
# 7. Bad paths and writes

class BadPathTest(MountTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.m = cls.class_mount()

    def setUp(self):
        super().setUp()
        self.assertAlive(self.m)

    def p(self, rel):
        return self.m.path(rel)

    def test_unknown_paths_are_enoent(self):
        for rel in (f"{RUNS}/999999", "orgs/nosuchname", "orgs/11/nosuchfile",
                    f"{RUNS}/789/nosuch", "orgs/11/repos/999", "orgs/11/repos/470",
                    "orgs/11/users/999", "orgs/11/users/9", "nosuch", "me/nosuch",
                    f"{RUNS}/abc", f"{RUNS}/999999/status"):
            with self.subTest(path=rel):
                self.assertErrno(errno.ENOENT, os.stat, self.p(rel), what=f"stat /{rel}")
        rc, _, err = sh(["cat", self.p("orgs/11/nosuchfile")])
        self.assertEqual(rc, 1)
        self.assertIn("No such file or directory", err)

    def test_org_without_membership_is_eacces(self):
        for rel in ("orgs/13", "orgs/13/runs", "orgs/13/name"):
            with self.subTest(path=rel):
                self.assertErrno(errno.EACCES, os.stat, self.p(rel), what=f"stat /{rel}")
        self.assertErrno(errno.EACCES, os.listdir, self.p("orgs/13/runs"),
                         what="listdir /orgs/13/runs")
        rc, _, err = sh(["ls", self.p("orgs/13/runs")])
        self.assertNotEqual(rc, 0)
        self.assertIn("Permission denied", err)
        self.assertNotIn("13", os.listdir(self.p("orgs")), "/orgs lists org 13")

    def test_file_as_directory_is_enotdir(self):
        for rel in (f"{RUNS}/789/status/x", "orgs/11/name/x", "README/x"):
            with self.subTest(path=rel):
                self.assertErrno(errno.ENOTDIR, os.stat, self.p(rel), what=f"stat /{rel}")
        self.assertErrno(errno.ENOTDIR, os.listdir, self.p(f"{RUNS}/789/status"),
                         what="listdir runs/789/status")

    def test_directory_as_file_is_eisdir(self):
        fd = os.open(self.p(f"{RUNS}/789"), os.O_RDONLY)
        try:
            self.assertErrno(errno.EISDIR, os.read, fd, 100, what="read(runs/789)")
        finally:
            os.close(fd)
        rc, out, err = sh(["cat", self.p(f"{RUNS}/789")])
        self.assertEqual((rc, out), (1, ""), "cat runs/789")
        self.assertIn("Is a directory", err)

    def test_writes_are_refused(self):
        status = self.p(f"{RUNS}/789/status")
        run_dir = self.p(f"{RUNS}/789")
        for flags, name in ((os.O_WRONLY, "O_WRONLY"), (os.O_RDWR, "O_RDWR"),
                            (os.O_WRONLY | os.O_TRUNC, "O_WRONLY|O_TRUNC"),
                            (os.O_WRONLY | os.O_APPEND, "O_WRONLY|O_APPEND")):
            with self.subTest(open=name):
                outcome = self.assertErrno((errno.EROFS, errno.EACCES), os.open, status, flags,
                                           what=f"open(status, {name})")
                if outcome.error is None:
                    os.close(outcome.value)
        checks = (
            ("create runs/789/newfile", errno.EROFS,
             lambda: os.open(os.path.join(run_dir, "newfile"), os.O_WRONLY | os.O_CREAT, 0o644)),
            ("mkdir orgs/11/newdir", errno.EROFS, lambda: os.mkdir(self.p("orgs/11/newdir"))),
            ("mkdir runs/789/newdir", errno.EROFS, lambda: os.mkdir(os.path.join(run_dir, "d"))),
            ("unlink runs/789/status", errno.EPERM, lambda: os.unlink(status)),
            ("rmdir runs/789", errno.EPERM, lambda: os.rmdir(run_dir)),
            ("rmdir orgs/11/runs", errno.EPERM, lambda: os.rmdir(self.p(RUNS))),
            ("rename status", errno.EROFS,
             lambda: os.rename(status, os.path.join(run_dir, "status2"))),
            ("link status", errno.EROFS, lambda: os.link(status, os.path.join(run_dir, "l"))),
            ("symlink in runs/789", errno.EROFS,
             lambda: os.symlink("status", os.path.join(run_dir, "s"))),
            ("chmod status", errno.EROFS, lambda: os.chmod(status, 0o644)),
            ("chown status", errno.EROFS, lambda: os.chown(status, os.getuid(), os.getgid())),
            ("truncate status", errno.EROFS, lambda: os.truncate(status, 0)),
            ("utime status", errno.EROFS, lambda: os.utime(status, (0, 0))),
        )
        for what, code, action in checks:
            with self.subTest(op=what):
                outcome = self.assertErrno(code, action, what=what)
                if isinstance(outcome.value, int):
                    os.close(outcome.value)
        rc, _, err = sh(f"echo x > {self.p(f'{RUNS}/789/newfile')}")
        self.assertNotEqual(rc, 0, "shell redirection into the mount")
        self.assertIn("Read-only file system", err)
        rc, _, err = sh(["touch", os.path.join(run_dir, "newfile")])
        self.assertNotEqual(rc, 0, "touch runs/789/newfile")
        self.assertIn("Read-only file system", err)
        rc, _, err = sh(["rm", status])
        self.assertNotEqual(rc, 0, "rm runs/789/status")
        self.assertIn("Operation not permitted", err)
        self.assertEqual(self.m.read(f"{RUNS}/789/status"), b"COMPLETE\n", "status unchanged")
        self.assertEqual(set(os.listdir(run_dir)) - RUN_DIR_WRITE_SIDE, RUN_DIR_FILES,
                         "runs/789 after the refused writes")


# --------------------------------------------------------------------------
# 8. Faults: stale copies served, errno within the deadline, daemon survives

class FaultTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE + ("--run-seconds", "600")
    DEADLINE = 3
    BOUND = DEADLINE + 1.5

    def check_fault(self, live, missing, code, http=None, message=None, kill_server=False,
                    **fault):
        m = self.mount("--run-ttl=1", deadline=self.DEADLINE)
        stale_rel = f"{RUNS}/{live}/status"
        self.assertEqual(m.read(stale_rel), b"ACTIVE\n", f"live run {live} before the fault")
        expected_missing = value_file(self.fake.run(missing)["status"])
        time.sleep(1.3)     # --run-ttl=1 and the kernel's 1 s caches expire
        errors_before = m.read("errors").decode().splitlines()
        seq = self.fake.mark()
        if kill_server:
            self.fake.stop()
        else:
            self.fake.fault(count=None, path=f"/v1/organizations/{ORG}/agent/run", **fault)
        stale, miss = parallel([(read_timed_syscalls, m.path(stale_rel)),
                                (read_timed_syscalls, m.path(RUNS, missing, "status"))],
                               timeout=4 * self.BOUND)
        what = "server down" if kill_server else f"fault {fault}"
        self.assertIsNone(stale.error, f"{what}: reading the cached (stale) run {live} "
                                       f"{stale.describe()}")
        content, times = stale.value
        self.assertEqual(content, b"ACTIVE\n", f"{what}: the stale copy is served")
        for syscall, seconds in times:
            self.assertLessEqual(seconds, self.BOUND, f"{what}: {syscall}() of the stale file "
                                                      f"took {seconds:.2f} s")
        if not kill_server:
            tried = [e for e in self.fake.requests(seq) if e["path"] == f"{RUN_PATH}{live}"]
            self.assertTrue(tried and all(e["fault"] == fault["kind"] for e in tried),
                            f"{what}: reading the stale run {live} did not try to refresh it "
                            f"through the fault: {describe_requests(tried)}")
        self.assertIsNotNone(miss.error, f"{what}: reading never-fetched run {missing} "
                                         f"{miss.describe()}")
        self.assertEqual(miss.errno, code, f"{what}: never-fetched run {missing}: expected "
                                           f"{errno_name(code)}, got {miss.describe()}")
        self.assertLessEqual(miss.seconds, self.BOUND,
                             f"{what}: the failing open() took {miss.seconds:.2f} s")

        errors = m.read("errors", timeout=4 * self.BOUND).decode()
        new = errors.splitlines()[len(errors_before):]
        line_re = re.compile(rf"^{ISO_Z} \S+ \S+ (\d{{3}}|-) E[A-Z0-9]+ ")
        for line in new:
            self.assertRegex(line, line_re, "an /errors line: <time> <op> <path> <status> "
                                            "<ERRNO> <message>")
        named = [line for line in new if str(live) in line and line.split()[4] == errno_name(code)]
        self.assertTrue(named, f"{what}: /errors gained no line about run {live} with "
                               f"{errno_name(code)}; new lines: {new}")
        if http is not None:
            self.assertTrue(any(line.split()[3] == http for line in named),
                            f"{what}: /errors lines do not show HTTP status {http}: {named}")
        if message is not None:
            self.assertTrue(any(message in line for line in named),
                            f"{what}: /errors lines do not carry the server's message "
                            f"{message!r}: {named}")
        run_error = m.read(f"{RUNS}/{live}/error", timeout=4 * self.BOUND).decode()
        self.assertIn(errno_name(code), run_error, f"{what}: runs/{live}/error")
        for name in ("errors", "stats"):
            self.assertNotIn(TOKEN, m.read(name).decode(), f"the token appears in /{name}")

        if kill_server:
            self.fake.restart()
        else:
            self.fake.clear_faults()
        self.assertAlive(m)
        # A failure may be remembered for a few seconds (fs/cache.c holds off
        # 3 s); the read must work again within that plus one deadline.
        limit = time.monotonic() + 3.0 + self.DEADLINE + 1.0
        while True:
            outcome = bounded(read_bytes, m.path(RUNS, missing, "status"),
                              timeout=2 * self.BOUND)
            if outcome.error is None or time.monotonic() > limit:
                break
            time.sleep(0.25)
        self.assertEqual(outcome.value, expected_missing,
                         f"after the {what} is over, runs/{missing}/status "
                         f"{outcome.describe()}")
        self.assertEqual(m.read(RUNS, live, "status"), b"ACTIVE\n")
        self.assertAlive(m)

    def test_stall_serves_stale_copy_and_times_out(self):
        self.check_fault(1295, 150, errno.ETIMEDOUT, http="-", kind="stall")

    def test_server_down_serves_stale_copy_and_is_ehostunreach(self):
        self.check_fault(1296, 151, errno.EHOSTUNREACH, http="-", kill_server=True)

    def test_http_500_serves_stale_copy_and_is_eio(self):
        self.check_fault(1297, 152, errno.EIO, http="500", message="Internal Server Error",
                         kind="status", status=500)

    def test_429_storm_serves_stale_copy_and_is_eagain(self):
        self.check_fault(1298, 153, errno.EAGAIN, http="429", message="Rate limit exceeded",
                         kind="429", retry_after=1)

    def test_malformed_json_serves_stale_copy_and_is_eio(self):
        self.check_fault(1299, 154, errno.EIO, kind="malformed")

    def test_oversized_body_serves_stale_copy_and_is_efbig(self):
        self.check_fault(1300, 155, errno.EFBIG, kind="oversized", bytes=40 * 1024 * 1024)


# --------------------------------------------------------------------------
# 9. Many concurrent readers

class ConcurrentReadersTest(MountTest):
    # Rate limits on, windows scaled like the mount's: the mount must never see a 429.
    FAKE_FLAGS = ("--rate-time-scale", "0.01")
    READERS = 16
    RUN_IDS = tuple(range(1001, 1201))

    def test_sixteen_readers_read_the_same_bytes_as_one(self):
        self.fake.config(rate_limits=False)
        listed = {r["id"]: r for r in self.fake.runs()[:500]}
        expected = {}
        log_counts = {}
        for run_id in self.RUN_IDS:
            logs = self.fake.logs(run_id)
            log_counts[run_id] = len(logs)
            for name, want in run_files(listed[run_id], logs).items():
                expected[(run_id, name)] = want
        self.fake.config(rate_limits=True)
        m = self.mount("--rate-time-scale=0.01")
        self.assertEqual(len(os.listdir(m.path(RUNS))), 500)
        seq = self.fake.mark()
        keys = sorted(expected)

        def reader(index):
            order = list(keys)
            random.Random(index).shuffle(order)
            got = {}
            for run_id, name in order:
                try:
                    got[(run_id, name)] = read_bytes(m.path(RUNS, run_id, name))
                except OSError as exc:
                    got[(run_id, name)] = exc
            return got

        started = time.monotonic()
        outcomes = parallel([(reader, i) for i in range(self.READERS)], timeout=150)
        elapsed = time.monotonic() - started
        single = reader(self.READERS)

        wrong = []
        for (run_id, name), want in expected.items():
            got = single[(run_id, name)]
            if isinstance(got, OSError):
                wrong.append(f"{run_id}/{name}: {got}")
            elif isinstance(want, tuple):
                problem = json_file_problem(got, want[1])
                if problem:
                    wrong.append(f"{run_id}/{name}: {problem}")
            elif got != want:
                wrong.append(f"{run_id}/{name}: {first_difference(got, want)}")
        self.assertEqual(wrong[:5], [], f"{len(wrong)} files differ from the fake's data")
        for index, outcome in enumerate(outcomes):
            self.assertIsNone(outcome.error, f"reader {index} {outcome.describe()}")
            differ = [k for k in keys if outcome.value[k] != single[k]]
            self.assertEqual(differ[:5], [], f"reader {index}: {len(differ)} files differ from "
                                             f"what a single reader read")
        sizes = [k for k in keys if os.stat(m.path(RUNS, k[0], k[1])).st_size != len(single[k])]
        self.assertEqual(sizes[:5], [], "st_size differs from the content")

        requests = self.fake.requests(seq)
        refused = [e for e in requests if e["status"] == 429]
        self.assertEqual(refused, [], f"the mount got {len(refused)} 429s from a fake with "
                                      f"the same rate limits ({elapsed:.1f} s)")
        for run_id in self.RUN_IDS:
            if listed[run_id]["status"] not in FINISHED:
                continue
            self.assertEqual(gets_of_run(requests, run_id), [],
                             f"a listed finished run {run_id} was fetched again")
            pages = sorted(int(query_of(e).get("skip", 0))
                           for e in logs_requests_of(requests, run_id))
            want = list(range(0, max(1, log_counts[run_id]), 100))
            self.assertEqual(pages, want, f"log pages of finished run {run_id} "
                                          f"({log_counts[run_id]} entries) under 17 readers")


# --------------------------------------------------------------------------
# 10. The command: refused mounts, signals

class PersistentCacheTest(MountTest):
    """Finished runs and their complete logs are kept on disk
    ($XDG_CACHE_HOME/codegen-fs), so a remount reads them with no request."""

    def cache_dir(self):
        cache = tempfile.mkdtemp(prefix="cgfs-e2e-cache-")
        self.addCleanup(shutil.rmtree, cache, True)
        return cache

    def test_a_remount_reads_a_finished_run_and_its_logs_with_no_request(self):
        cache = self.cache_dir()
        first = self.mount(env={"XDG_CACHE_HOME": cache})
        names = ("status", "summary", "run.json", "logs", "logs.jsonl")
        before = {name: first.read(RUNS, 789, name) for name in names}
        self._stop_mount(first)
        second = self.mount(env={"XDG_CACHE_HOME": cache})
        seq = self.fake.mark()
        after = {name: second.read(RUNS, 789, name) for name in names}
        self.assertEqual(after, before, "run 789 read from the disk cache")
        requests = self.fake.requests(seq)
        about_789 = [e for e in requests if "/789" in e["path"]]
        self.assertEqual(about_789, [], f"a remount asked the server about run 789: "
                                        f"{describe_requests(requests)}")

    def test_unfinished_runs_are_not_kept_and_files_are_private(self):
        cache = self.cache_dir()
        m = self.mount(env={"XDG_CACHE_HOME": cache})
        self.assertEqual(m.read(RUNS, 1300, "status"), b"ACTIVE\n")
        m.read(RUNS, 1300, "logs")
        m.read(RUNS, 789, "logs")
        kept = sorted(os.path.relpath(os.path.join(d, f), cache)
                      for d, _, files in os.walk(cache) for f in files)
        self.assertEqual([os.path.basename(k) for k in kept], ["789.json", "789.logs.jsonl"],
                         f"files kept: {kept}")
        for d, _, files in os.walk(os.path.join(cache, "codegen-fs")):
            self.assertEqual(os.stat(d).st_mode & 0o777, 0o700, d)
            for f in files:
                self.assertEqual(os.stat(os.path.join(d, f)).st_mode & 0o777, 0o600, f)


class RunCtlTest(MountTest):
    """runs/<id>/ctl: one command per line, run inside write() so the shell
    sees the error (DESIGN.md §3)."""

    def ctl(self, m, run_id, text):
        return sh(["bash", "-c", 'printf "%s" "$1" > "$2"', "ctl", text, m.path(RUNS, run_id, "ctl")])

    def posts(self, seq):
        return [(e["method"], e["path"], json.loads(e["body"]) if e["body"] else None)
                for e in self.fake.requests(seq) if e["method"] != "GET"]

    def test_ctl_is_listed_writable_and_reads_empty(self):
        m = self.mount()
        st = os.stat(m.path(RUNS, 789, "ctl"))
        self.assertEqual(st.st_mode & 0o777, 0o644)
        self.assertEqual(m.read(RUNS, 789, "ctl"), b"")
        self.assertIn("ctl", os.listdir(m.path(RUNS, 789)))

    def test_ban_unban_remove_from_pr(self):
        m = self.mount()
        seq = self.fake.mark()
        self.assertEqual(self.ctl(m, 1250, "ban\n")[0], 0)
        self.assertTrue(self.fake.run_state(1250)["banned"])
        self.assertEqual(self.ctl(m, 1250, "unban\n")[0], 0)
        self.assertFalse(self.fake.run_state(1250)["banned"])
        self.assertEqual(self.ctl(m, 1250, "remove-from-pr\n")[0], 0)
        self.assertTrue(self.fake.run_state(1250)["removed_from_pr"])
        base = f"/v1/organizations/{ORG}/agent/run/"
        self.assertEqual(self.posts(seq), [
            ("POST", base + "ban", {"agent_run_id": 1250}),
            ("POST", base + "unban", {"agent_run_id": 1250}),
            ("POST", base + "remove-from-pr", {"agent_run_id": 1250}),
        ])

    def test_resume_makes_the_run_live_again(self):
        m = self.mount()
        self.assertEqual(m.read(RUNS, 789, "status"), b"COMPLETE\n")
        seq = self.fake.mark()
        rc, _, err = self.ctl(m, 789, "resume Also add unit tests\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.posts(seq), [
            ("POST", f"/v1/organizations/{ORG}/agent/run/resume",
             {"agent_run_id": 789, "prompt": "Also add unit tests"})])
        # The finished copy was forgotten: the next read asks again.
        self.assertEqual(m.read(RUNS, 789, "status"), b"ACTIVE\n")
        self.assertEqual(self.fake.run_state(789)["resumes"], ["Also add unit tests"])

    def test_several_commands_and_refresh(self):
        m = self.mount()
        seq = self.fake.mark()
        rc, _, err = self.ctl(m, 1250, "ban\n\nrefresh\nunban\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual([p[1].rsplit("/", 1)[1] for p in self.posts(seq)], ["ban", "unban"])

    def test_pr_edit(self):
        m = self.mount()
        pr = self.fake.run_state(1250)["prs"][0]["id"]
        seq = self.fake.mark()
        rc, _, err = self.ctl(m, 1250, f"pr {pr} ready_for_review\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.posts(seq), [
            ("PATCH", f"/v1/organizations/{ORG}/prs/{pr}", {"state": "ready_for_review"})])
        self.assertEqual(self.fake.run_state(1250)["prs"][0]["state"], "ready_for_review")

    def test_errors_reach_the_writer(self):
        m = self.mount()
        seq = self.fake.mark()
        rc, _, err = self.ctl(m, 789, "bogus\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid argument", err)
        rc, _, err = self.ctl(m, 789, "pr 999999 draft\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("No such file or directory", err)
        rc, _, err = self.ctl(m, 789, "pr 12 merged\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid argument", err)
        self.assertEqual([p[:2] for p in self.posts(seq)],
                         [("PATCH", f"/v1/organizations/{ORG}/prs/999999")],
                         "only the well-formed command reached the server")
        errors = m.read("errors").decode()
        self.assertIn(f"write /orgs/{ORG}/runs/789/ctl - EINVAL unknown command 'bogus'", errors)
        self.assertIn(f"write /orgs/{ORG}/runs/789/ctl 404 ENOENT Pull request not found.", errors)
        # The run's `error` holds its last failure.
        self.assertIn("EINVAL PR state must be open, closed, draft or ready_for_review",
                      m.read(RUNS, 789, "error").decode())
        self.fake.fault("status", status=500, count=None)
        self.addCleanup(self.fake.clear_faults)
        rc, _, err = self.ctl(m, 789, "ban\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("Input/output error", err)


class OrgCtlTest(MountTest):
    """orgs/<org>/ctl and ctl.out (DESIGN.md §3)."""

    def ctl(self, m, text):
        return sh(["bash", "-c", 'printf "%s" "$1" > "$2"', "ctl", text,
                   m.path(f"orgs/{ORG}/ctl")])

    def test_analyze_sandbox_shows_the_new_run(self):
        m = self.mount()
        before = os.listdir(m.path(RUNS))
        seq = self.fake.mark()
        rc, _, err = self.ctl(m, "analyze-sandbox 301\n")
        self.assertEqual(rc, 0, err)
        posts = [(e["method"], e["path"]) for e in self.fake.requests(seq) if e["method"] != "GET"]
        self.assertEqual(posts, [("POST", f"/v1/organizations/{ORG}/sandbox/301/analyze-logs")])
        run_id = m.read(f"orgs/{ORG}/ctl.out").decode().strip()
        self.assertTrue(run_id.isdigit(), run_id)
        names = os.listdir(m.path(RUNS))
        self.assertEqual(names[0], run_id, "runs/ shows the analysis run first, at once")
        self.assertEqual(names[1:], before[:len(names) - 1])
        self.assertEqual(m.read(RUNS, run_id, "status"), b"ACTIVE\n")

    def test_revoke_oauth_and_slack_connect(self):
        m = self.mount()
        self.assertEqual(m.read(f"orgs/{ORG}/oauth"), b"linear\nnotion\n")
        rc, _, err = self.ctl(m, "revoke-oauth linear\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(m.read(f"orgs/{ORG}/ctl.out"),
                         b"Revoked OAuth tokens for provider 'linear'.\n")
        self.assertEqual(m.read(f"orgs/{ORG}/oauth"), b"notion\n")
        seq = self.fake.mark()
        rc, _, err = self.ctl(m, "slack-connect\n")
        self.assertEqual(rc, 0, err)
        [post] = [e for e in self.fake.requests(seq) if e["method"] == "POST"]
        self.assertEqual((post["path"], json.loads(post["body"])),
                         ("/v1/slack-connect/generate-token", {"org_id": ORG}))
        token = m.read(f"orgs/{ORG}/ctl.out").decode()
        self.assertRegex(token, r"^[0-9a-f]{32}\n$")

    def test_errors_and_refresh(self):
        m = self.mount()
        rc, _, err = self.ctl(m, "analyze-sandbox 999\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("No such file or directory", err)
        rc, _, err = self.ctl(m, "revoke-oauth github\n")
        self.assertNotEqual(rc, 0)
        rc, _, err = self.ctl(m, "launch\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid argument", err)
        errors = m.read("errors").decode()
        self.assertIn(f"write /orgs/{ORG}/ctl 404 ENOENT Sandbox not found.", errors)
        self.assertIn(f"write /orgs/{ORG}/ctl - EINVAL unknown command 'launch'", errors)
        m.read(f"orgs/{ORG}/integrations")
        seq = self.fake.mark()
        rc, _, err = self.ctl(m, "refresh\n")
        self.assertEqual(rc, 0, err)
        m.read(f"orgs/{ORG}/integrations")
        paths = [e["path"] for e in self.fake.requests(seq)]
        self.assertIn(f"/v1/organizations/{ORG}/integrations", paths,
                      "refresh forgot the org's cached answers")


class WholeFileWriteTest(MountTest):
    """Files written whole, acted on at the commit point (a flush after
    writes, fsync, the last release): runs/<id>/resume,
    repos/<id>/check-suite.json, repos/<id>/setup-commands."""

    REPO = f"orgs/{ORG}/repos/456"

    def tee(self, m, rel, text):
        return sh(["bash", "-c", 'printf "%s" "$1" | tee "$2" >/dev/null', "tee", text,
                   m.path(rel)])

    def writes(self, seq):
        return [(e["method"], e["path"], e["query"], json.loads(e["body"]) if e["body"] else None)
                for e in self.fake.requests(seq) if e["method"] != "GET"]

    def test_resume_sends_the_follow_up_once(self):
        m = self.mount()
        seq = self.fake.mark()
        rc, _, err = self.tee(m, f"{RUNS}/789/resume", "Also add unit tests\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.writes(seq), [
            ("POST", f"/v1/organizations/{ORG}/agent/run/resume", "",
             {"agent_run_id": 789, "prompt": "Also add unit tests\n"})])
        self.assertEqual(m.read(RUNS, 789, "status"), b"ACTIVE\n")
        seq = self.fake.mark()
        rc, _, err = self.tee(m, f"{RUNS}/789/resume", "  \n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.writes(seq), [], "an empty follow-up is not sent")

    def test_check_suite_round_trip(self):
        m = self.mount()
        settings = json.loads(m.read(self.REPO, "check-suite.json"))
        settings.update(check_retry_count=4, ignored_checks=["lint"])
        del settings["available_check_suite_names"]
        seq = self.fake.mark()
        with open(m.path(self.REPO, "check-suite.json"), "w") as f:
            json.dump(settings, f)
        [(method, path, query, body)] = self.writes(seq)
        self.assertEqual((method, path, query, body),
                         ("PUT", f"/v1/organizations/{ORG}/repos/check-suite-settings",
                          "repo_id=456", settings))
        again = json.loads(m.read(self.REPO, "check-suite.json"))
        self.assertEqual((again["check_retry_count"], again["ignored_checks"]), (4, ["lint"]))

    def test_invalid_settings_are_refused(self):
        m = self.mount()
        seq = self.fake.mark()
        rc, _, err = self.tee(m, f"{self.REPO}/check-suite.json", "{retry: 3")
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid argument", err)
        self.assertEqual(self.writes(seq), [], "invalid JSON: no PUT sent")
        rc, _, err = self.tee(m, f"{self.REPO}/check-suite.json", '{"check_retry_count": 11}')
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid argument", err)
        self.assertEqual(len(self.writes(seq)), 1, "exactly one PUT for the refused value")
        self.assertIn("422 EINVAL body.check_retry_count: Input should be less than or equal "
                      "to 10", m.read("errors").decode())

    def test_setup_commands_starts_a_run(self):
        m = self.mount()
        seq = self.fake.mark()
        rc, _, err = self.tee(m, f"{self.REPO}/setup-commands", "use uv\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.writes(seq), [
            ("POST", f"/v1/organizations/{ORG}/setup-commands/generate", "",
             {"repo_id": 456, "prompt": "use uv\n"})])
        run_id = m.read(self.REPO, "setup-commands").decode().strip()
        self.assertEqual(os.listdir(m.path(RUNS))[0], run_id)
        self.assertEqual(m.read(RUNS, run_id, "source_type"), b"SETUP_COMMANDS\n")


class MountCommandTest(MountTest):

    def spawn_expecting_failure(self, mount):
        self.addCleanup(mount.stop)
        proc = mount.spawn()
        started = time.monotonic()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail(f"codegen-fs did not exit within 10 s (mounted: {mounted(mount.mnt)})")
        return proc.returncode, mount.stderr_tail(), time.monotonic() - started

    def test_wrong_token_is_refused_before_mounting(self):
        seq = self.fake.mark()
        mount = Mount(self.fake, deadline=5, token="wrong-token-e2e-0451")
        rc, err, _ = self.spawn_expecting_failure(mount)
        self.assertEqual(rc, 1, f"exit status with a wrong token; stderr {err!r}")
        self.assertIn("codegen-fs: cannot mount:", err)
        self.assertIn("Invalid or missing API token", err)
        self.assertNotIn("wrong-token-e2e-0451", err, "the token is printed")
        self.assertFalse(mounted(mount.mnt), "a mount was left behind")
        requests = self.fake.requests(seq)
        self.assertEqual([(e["method"], e["path"], e["auth"]) for e in requests],
                         [("GET", "/v1/users/me", "wrong")],
                         f"requests of a refused mount: {describe_requests(requests)}")

    def test_unreachable_api_is_refused_before_mounting(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mount = Mount(self.fake, deadline=3, base_url=f"http://127.0.0.1:{port}")
        rc, err, seconds = self.spawn_expecting_failure(mount)
        self.assertEqual(rc, 1, f"exit status with nothing listening; stderr {err!r}")
        self.assertRegex(err, r"codegen-fs: cannot mount: \S", "a message says why")
        self.assertFalse(mounted(mount.mnt), "a mount was left behind")

    def test_token_file_readable_by_others_is_refused(self):
        mount = Mount(self.fake, token_in_env=False)
        token_file = os.path.join(mount.home, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token_file, 0o644)
        mount.opts.append(f"--token-file={token_file}")
        seq = self.fake.mark()
        rc, err, _ = self.spawn_expecting_failure(mount)
        self.assertEqual(rc, 1, f"exit status; stderr {err!r}")
        self.assertIn(token_file, err, "the message names the file")
        self.assertIn("chmod 600", err)
        self.assertFalse(mounted(mount.mnt))
        self.assertNoRequests(seq, "a refused token file")

    def test_token_file_600_is_used(self):
        mount = Mount(self.fake, FAST_LIMITER, token_in_env=False)
        token_file = os.path.join(mount.home, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token_file, 0o600)
        mount.opts.append(f"--token-file={token_file}")
        self.addCleanup(self._stop_mount, mount)
        mount.start()
        self.assertEqual(mount.read("me/id"), b"1\n")

    def test_signals_unmount_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            with self.subTest(signal=signal_name(sig)):
                m = self.mount()
                self.assertEqual(m.read("me/github_username"), b"alice-dev\n")
                m.proc.send_signal(sig)
                rc = m.reap(timeout=10)
                if rc is None:
                    self.fail(f"codegen-fs did not exit within 10 s of {signal_name(sig)}")
                self.assertEqual(rc, 0, f"exit status after {signal_name(sig)}; stderr "
                                        f"{m.stderr_tail()!r}")
                self.assertFalse(mounted(m.mnt), f"still mounted after {signal_name(sig)}")

    def test_fusermount_u_ends_the_daemon_with_status_0(self):
        m = self.mount()
        self.assertEqual(m.read("orgs/11/name"), b"acme\n")
        rc, _, err = sh(["fusermount3", "-u", m.mnt], timeout=10)
        self.assertEqual(rc, 0, f"fusermount3 -u: {err}")
        rc = m.reap(timeout=10)
        if rc is None:
            self.fail("codegen-fs still runs 10 s after fusermount3 -u")
        self.assertEqual(rc, 0, f"exit status after fusermount3 -u; stderr {m.stderr_tail()!r}")
        self.assertFalse(mounted(m.mnt))


# --------------------------------------------------------------------------

def main():
    reason = skip_reason()
    if reason:
        print(f"SKIP: {reason}")
        sys.exit(77)
    # A runner's timeout sends SIGTERM: exit through atexit, which unmounts.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    program = unittest.main(verbosity=2, exit=False)
    result = program.result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = max(0, result.testsRun - failed - skipped - len(result.expectedFailures))
    print(f"e2e: {passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
