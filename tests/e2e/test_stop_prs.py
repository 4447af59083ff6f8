#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Stopping a run; PRs as data": `echo
stop > runs/<id>/ctl` (POST /v1/beta/.../agent/run/stop, ENOTSUP from a server
without the route), and runs/<id>/prs.json and branches, read from the run
object with no request of their own.

    python3 tests/e2e/test_stop_prs.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    FINISHED, branches_file, prs_json_value, sh)
from mountcase import (  # noqa: E402
    ORG, RUN_PATH, RUNS, MountTest, main)

STOP_PATH = f"/v1/beta/organizations/{ORG}/agent/run/stop"
NO_STOP = ("the API does not offer stop_run: POST "
           "/v1/beta/organizations/{org_id}/agent/run/stop answered")


def write_ctl(path, text):
    """One write() of text to a ctl file: the errno comes back as OSError."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text)
    finally:
        os.close(fd)


class StopTest(MountTest):
    """stop in runs/<id>/ctl (DESIGN.md §3)."""

    def posts(self, seq):
        return [(e["method"], e["path"], json.loads(e["body"]) if e["body"] else None)
                for e in self.fake.requests(seq) if e["method"] != "GET"]

    def test_stop_a_working_run(self):
        m = self.mount()
        self.assertIn("1291", os.listdir(m.path(RUNS)))   # a listed run, cached by its page
        self.assertEqual(m.read(RUNS, 1291, "status"), b"RUNNING\n")
        seq = self.fake.mark()
        rc, out, err = sh(["sh", "-c", 'echo stop > "$1"', "sh", m.path(RUNS, 1291, "ctl")])
        self.assertEqual((rc, out, err), (0, "", ""))
        self.assertEqual(self.posts(seq), [("POST", STOP_PATH, {"agent_run_id": 1291})])
        self.assertEqual(self.fake.run_state(1291)["run"]["status"], "STOPPED")
        # The cached RUNNING copy was forgotten: the next read asks again.
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, 1291, "status"), b"STOPPED\n")
        self.assertEqual([(e["method"], e["path"]) for e in self.fake.requests(seq)],
                         [("GET", f"{RUN_PATH}1291")])
        # STOPPED is finished: wait answers at once, and nothing is asked again.
        self.assertEqual(m.read(RUNS, 1291, "wait"), b"STOPPED\n")
        self.assertEqual(m.read(RUNS, 1291, "status"), b"STOPPED\n")
        self.assertEqual(len(self.fake.requests(seq)), 1)
        # Only that run: 1292 shares its PR and keeps working.
        self.assertEqual(m.read(RUNS, 1292, "status"), b"EVALUATION\n")

    def test_stop_a_finished_run_is_einval(self):
        m = self.mount()
        seq = self.fake.mark()
        self.assertErrno(errno.EINVAL, write_ctl, m.path(RUNS, 789, "ctl"), b"stop\n",
                         what="stop of a finished run")
        self.assertEqual(self.posts(seq), [("POST", STOP_PATH, {"agent_run_id": 789})])
        line = (f"write /orgs/{ORG}/runs/789/ctl 400 EINVAL Agent run 789 has already "
                "finished (COMPLETE).")
        self.assertIn(line, m.read("errors").decode())
        self.assertIn(line, m.read(RUNS, 789, "error").decode())
        self.assertEqual(m.read(RUNS, 789, "status"), b"COMPLETE\n")

    def test_stop_takes_no_argument(self):
        m = self.mount()
        seq = self.fake.mark()
        self.assertErrno(errno.EINVAL, write_ctl, m.path(RUNS, 1291, "ctl"), b"stop now\n",
                         what="stop with an argument")
        self.assertEqual(self.posts(seq), [])

    def test_a_server_without_the_route_is_enotsup(self):
        self.fake.config(stop_route=False)
        self.addCleanup(self.fake.config, stop_route=True)
        m = self.mount()
        self.assertEqual(m.read(RUNS, 1291, "status"), b"RUNNING\n")
        seq = self.fake.mark()
        self.assertErrno(errno.ENOTSUP, write_ctl, m.path(RUNS, 1291, "ctl"), b"stop\n",
                         what="stop without the route")
        got = self.fake.requests(seq)
        self.assertEqual([(e["method"], e["path"], e["body"], e["status"]) for e in got],
                         [("POST", STOP_PATH, '{"agent_run_id":1291}', 404)])
        line = f"write /orgs/{ORG}/runs/1291/ctl 404 ENOTSUP {NO_STOP} 404 (Not Found)"
        self.assertIn(line, m.read("errors").decode())
        rc, _, err = sh(["bash", "-c", 'echo stop > "$1"', "bash", m.path(RUNS, 1291, "ctl")])
        self.assertNotEqual(rc, 0)
        self.assertIn("Operation not supported", err)     # what the shell shows
        self.assertEqual(self.fake.run_state(1291)["run"]["status"], "RUNNING")

    def test_405_is_enotsup_and_a_404_about_the_run_is_enoent(self):
        m = self.mount()
        self.addCleanup(self.fake.clear_faults)
        self.fake.fault("answer", path=STOP_PATH, status=405,
                        body={"detail": "Method Not Allowed"}, count=1)
        self.assertErrno(errno.ENOTSUP, write_ctl, m.path(RUNS, 1291, "ctl"), b"stop\n",
                         what="stop answered 405")
        self.assertIn(f"write /orgs/{ORG}/runs/1291/ctl 405 ENOTSUP {NO_STOP} 405 "
                      "(Method Not Allowed)", m.read("errors").decode())
        self.fake.fault("answer", path=STOP_PATH, status=404,
                        body={"message": "Agent run not found.", "status_code": 404}, count=1)
        self.assertErrno(errno.ENOENT, write_ctl, m.path(RUNS, 1291, "ctl"), b"stop\n",
                         what="stop answered 404 about the run")
        self.assertIn(f"write /orgs/{ORG}/runs/1291/ctl 404 ENOENT Agent run not found.",
                      m.read("errors").decode())


def cjson_pretty(value, depth=0):
    """value as cJSON_Print writes it (tabs; objects one member a line,
    arrays on one line, ", " between items, one level deeper)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\t" * (depth + 1)
        members = [f"{inner}{json.dumps(k, ensure_ascii=False)}:\t{cjson_pretty(v, depth + 1)}"
                   for k, v in value.items()]
        return "{\n" + ",\n".join(members) + "\n" + "\t" * depth + "}"
    if isinstance(value, list):
        return "[" + ", ".join(cjson_pretty(v, depth + 1) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class PrsTest(MountTest):
    """prs.json and branches (DESIGN.md §2)."""

    def test_exact_content_of_a_pinned_run(self):
        m = self.mount()
        [pr] = self.fake.run(789)["github_pull_requests"]
        self.assertEqual(pr["head_branch_name"], "codegen/add-retries-to-the-payment-client-789")
        self.assertEqual(m.read(RUNS, 789, "prs.json").decode(),
                         "[{\n"
                         f"\t\t\"id\":\t{pr['id']},\n"
                         f"\t\t\"title\":\t\"{pr['title']}\",\n"
                         f"\t\t\"url\":\t\"{pr['url']}\",\n"
                         f"\t\t\"created_at\":\t\"{pr['created_at']}\",\n"
                         f"\t\t\"head_branch_name\":\t\"{pr['head_branch_name']}\"\n"
                         "\t}]\n")
        self.assertEqual(m.read(RUNS, 789, "branches"),
                         b"codegen/add-retries-to-the-payment-client-789\n")
        for run_id in (790, 791):     # PRs [] and null
            self.assertEqual(m.read(RUNS, run_id, "prs.json"), b"[]\n")
            self.assertEqual(m.read(RUNS, run_id, "branches"), b"")

    def test_runs_of_every_shape_and_no_request(self):
        m = self.mount("--list-window=1200")
        # Finished runs only: their listed copies stay fresh for the whole test.
        runs = [r for r in self.fake.runs() if r["status"] in FINISHED]   # not logged
        two = next(r for r in runs if len(r["github_pull_requests"] or ()) == 2)
        no_branch = next(r for r in runs
                         if any(p["head_branch_name"] is None
                                for p in r["github_pull_requests"] or ()))
        shared = next(r for r in runs if r["id"] == 1250)   # its PR is 1291's and 1292's
        os.listdir(m.path(RUNS))         # the list pages fill every listed run
        seq = self.fake.mark()
        for run in (two, no_branch, shared):
            with self.subTest(run=run["id"]):
                text = self.assertFile(m, f"{RUNS}/{run['id']}/prs.json",
                                       (cjson_pretty(prs_json_value(run)) + "\n").encode())
                self.assertEqual(json.loads(text), run["github_pull_requests"])
                self.assertFile(m, f"{RUNS}/{run['id']}/branches", branches_file(run))
        self.assertEqual(len(branches_file(two).splitlines()), 2)
        self.assertEqual(len(m.read(RUNS, no_branch["id"], "branches").splitlines()),
                         len(no_branch["github_pull_requests"]) - 1)
        self.assertEqual(self.fake.requests(seq), [], "prs.json and branches asked nothing")

    def test_git_fetch_of_the_branch(self):
        m = self.mount()
        branch = m.read(RUNS, 789, "branches").decode().strip()
        with tempfile.TemporaryDirectory() as tmp:
            origin, clone = os.path.join(tmp, "origin"), os.path.join(tmp, "clone")
            git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                   "-c", "init.defaultBranch=main"]
            for cmd in (git + ["init", "-q", origin],
                        git + ["-C", origin, "commit", "-q", "--allow-empty", "-m", "base"],
                        git + ["-C", origin, "branch", branch],
                        git + ["clone", "-q", origin, clone]):
                rc, _, err = sh(cmd)
                self.assertEqual(rc, 0, f"{cmd}: {err}")
            rc, _, err = sh(["sh", "-c", 'git fetch -q origin "$(cat "$1")"', "sh",
                             m.path(RUNS, 789, "branches")], cwd=clone)
            self.assertEqual(rc, 0, err)
            rc, out, _ = sh(["git", "-C", clone, "rev-parse", "FETCH_HEAD"])
            self.assertEqual(rc, 0)
            self.assertRegex(out, r"^[0-9a-f]{40}\n$")


if __name__ == "__main__":
    main()
