#!/usr/bin/env python3
"""End-to-end tests of the write side of docs/SEMANTICS.md "The tree (read
side)" (DESIGN.md §3): runs/<id>/ctl, orgs/<org>/ctl and ctl.out, and the files
written whole (runs/<id>/resume, repos/<id>/check-suite.json,
repos/<id>/setup-commands).  The outbox new/ is test_outbox.py's.

    python3 tests/e2e/test_writes.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    sh)
from mountcase import (  # noqa: E402
    ORG, RUNS, MountTest, main)


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


if __name__ == "__main__":
    main()
