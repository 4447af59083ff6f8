#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "The tree (read side)": the content,
modes and links of every read-side file against what the fake serves, and the
run's `wait` file.

    python3 tests/e2e/test_tree.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import calendar
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    JSON_FILE, bounded, integrations_file, kill_bounded, lines_file, logs_file,
    mcp_providers_file, read_bytes, rules_file, run_files, sh, time_file, value_file)
from mountcase import (  # noqa: E402
    ORG, QUICK_FAKE, RUNS, RUN_DIR_FILES, RUN_DIR_WRITE_SIDE, MountTest, gets_of_run, main)

ROOT_ENTRIES = {"README", "errors", "stats", "me", "mcp-providers", "orgs"}
ORG_DIR_ENTRIES = {"name", "org.json", "rules", "integrations", "integrations.json", "oauth",
                   "runs", "repos", "users", "by-status", "by-source"}
ORG_DIR_ENTRIES |= {"events", "events.jsonl"}   # the feed of run changes (test_events.py)
ORG_DIR_WRITE_SIDE = {"ctl", "ctl.out", "new"}
REPO_FILES = {"name", "full_name", "language", "visibility", "setup_status", "repo.json",
              "check-suite.json"}
REPO_DIR_WRITE_SIDE = {"setup-commands", "new"}
USER_FILES = {"user.json", "email", "github_username", "full_name", "role", "id"}
READ_SYSCALL = {"x86_64": 0, "aarch64": 63}.get(platform.machine())


# --------------------------------------------------------------------------
# Every file of the tree, compared with what the fake serves

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

    def test_a_run_without_created_at_has_the_epoch_and_ls_t_puts_it_last(self):
        # 1111 has a null created_at; a window of 200 (1101..1300) lists it.
        self.assertIsNone(self.fake.run(1111)["created_at"])
        m = self.mount("--list-window=200")
        listed = [r["id"] for r in self.fake.runs()[:200]]
        rc, out, err = sh(["ls", "-t", m.path(RUNS)], timeout=30)
        self.assertEqual((rc, err), (0, ""))
        shown = [int(name) for name in out.split()]
        self.assertEqual(sorted(shown), sorted(listed))
        self.assertEqual(shown[-1], 1111, "ls -t should put the run with no created_at last")
        self.assertEqual(os.stat(m.path(f"{RUNS}/1111")).st_mtime, 0)
        mtimes = [os.stat(m.path(f"{RUNS}/{i}")).st_mtime for i in shown]
        self.assertEqual(mtimes, sorted(mtimes, reverse=True), "ls -t is not newest first")
        self.assertGreater(mtimes[0], mtimes[-2])

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
# wait

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


if __name__ == "__main__":
    main()
