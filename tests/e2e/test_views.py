#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Views by status and by source":
orgs/<org>/by-status/<STATUS>/<id> and by-source/<SOURCE>/<id>, links to
runs/<id>.  The exact listings against the fake, what they cost in requests
(by-status: nothing once runs/ is cached; by-source: the list pages with the
source_type filter, one per 100 runs), and ENOENT for names that are not there.

    python3 tests/e2e/test_views.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import describe_requests, query_of, sh  # noqa: E402
from mountcase import LIST_PATH, ORG, QUICK_FAKE, RUNS, MountTest, main  # noqa: E402

# The spec's ApiAgentRunSourceType, in its order.
SOURCE_TYPES = ["LOCAL", "SLACK", "GITHUB", "GITHUB_CHECK_SUITE", "GITHUB_PR_REVIEW", "LINEAR",
                "API", "CHAT", "JIRA", "CLICKUP", "MONDAY", "SETUP_COMMANDS"]
BY_STATUS = f"orgs/{ORG}/by-status"
BY_SOURCE = f"orgs/{ORG}/by-source"
WINDOW = 150


def first_seen(values):
    """values without repeats, in the order each first comes."""
    seen = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


class ViewsTest(MountTest):
    """One mount per test; the fake's live runs stay ACTIVE for the test's time."""

    FAKE_FLAGS = QUICK_FAKE + ("--run-seconds", "3600")

    def lists_since(self, since):
        return [e for e in self.fake.requests(since) if e["path"] == LIST_PATH]

    def window(self, size=WINDOW, org=ORG):
        return self.fake.runs(org=org)[:size]

    # -- by-status ----------------------------------------------------------------

    def test_by_status_is_the_window_grouped_with_no_request(self):
        """ls by-status/ names the statuses of the runs/ window (the newest
        run's first); each status lists exactly the window's runs that have
        it, as links to ../../runs/<id>; none of it, nor reading through the
        links, asks the server anything once runs/ is listed."""
        m = self.mount(f"--list-window={WINDOW}", "--list-ttl=600", "--run-ttl=600")
        self.prime_org(m)
        os.listdir(m.path(RUNS))
        window = self.window()
        since = self.fake.mark()
        statuses = first_seen(r["status"] for r in window)
        self.assertIn("QUEUED_FOR_REVIEW", statuses, "the sample's unknown status (run 1294)")
        self.assertEqual(os.listdir(m.path(BY_STATUS)), statuses, "ls -f by-status/")
        for status in statuses:
            with self.subTest(status=status):
                ids = [str(r["id"]) for r in window if r["status"] == status]
                self.assertEqual(sorted(os.listdir(m.path(BY_STATUS, status))), sorted(ids),
                                 f"ls by-status/{status}")
                link = m.path(BY_STATUS, status, ids[0])
                self.assertEqual(os.readlink(link), f"../../runs/{ids[0]}")
                self.assertEqual(m.read(BY_STATUS, status, ids[0], "status"),
                                 f"{status}\n".encode(), "reading through the link")
        failed = sorted(str(r["id"]) for r in window if r["status"] == "FAILED")
        rc, out, err = sh(["ls", "-l", m.path(BY_STATUS, "FAILED")])
        self.assertEqual((rc, err), (0, ""), "ls -l by-status/FAILED")
        rows = [line.split() for line in out.splitlines()[1:]]
        self.assertEqual([row[-3:] for row in rows],
                         [[i, "->", f"../../runs/{i}"] for i in failed], out)
        self.assertTrue(all(row[0] == "lrwxrwxrwx" and row[4] == str(len(f"../../runs/{row[-3]}"))
                            for row in rows), out)
        self.assertNoRequests(since, "by-status/ after runs/")

    def test_a_first_by_status_listing_costs_what_runs_costs(self):
        """Listed first, by-status/ fetches the window as runs/ would (a page
        per 100 runs, no filter); runs/ then costs nothing."""
        m = self.mount("--list-window=250", "--list-ttl=600", "--run-ttl=600")
        self.prime_org(m)
        since = self.fake.mark()
        self.assertEqual(os.listdir(m.path(BY_STATUS)),
                         first_seen(r["status"] for r in self.window(250)))
        pages = self.lists_since(since)
        self.assertEqual(sorted((int(query_of(e)["skip"]), query_of(e)["limit"]) for e in pages),
                         [(0, "100"), (100, "100"), (200, "50")],
                         f"the window's pages: {describe_requests(self.fake.requests(since))}")
        self.assertTrue(all(set(query_of(e)) == {"skip", "limit"} for e in pages),
                        describe_requests(pages))
        since = self.fake.mark()
        self.assertEqual(len(os.listdir(m.path(RUNS))), 250)
        self.assertEqual(sorted(os.listdir(m.path(BY_STATUS, "COMPLETE"))),
                         sorted(str(r["id"]) for r in self.window(250)
                                if r["status"] == "COMPLETE"))
        self.assertNoRequests(since, "runs/ after by-status/")

    def test_names_not_there_are_enoent_and_a_documented_status_is_empty(self):
        """A documented status no run of the window has is an empty
        directory; any other name, a run of another status and a run
        outside the window are ENOENT."""
        m = self.mount("--list-window=20", "--list-ttl=600", "--run-ttl=600")
        org12 = "orgs/12/by-status"
        runs12 = self.window(20, org=12)
        self.assertNotIn("RUNNING", {r["status"] for r in runs12}, "org 12 has no working run")
        self.assertEqual(os.listdir(m.path(org12)), first_seen(r["status"] for r in runs12))
        self.assertEqual(os.listdir(m.path(org12, "RUNNING")), [], "ls by-status/RUNNING")
        complete = next(str(r["id"]) for r in runs12 if r["status"] == "COMPLETE")
        older = str(self.fake.runs(org=12)[25]["id"])
        for rel in (f"{org12}/BOGUS", f"{org12}/failed", f"{org12}/123", f"{org12}/FAILED.",
                    f"{org12}/QUEUED_FOR_REVIEW", f"{org12}/FAILED/{complete}",
                    f"{org12}/COMPLETE/{older}", f"{org12}/COMPLETE/{complete}/x",
                    f"{org12}/COMPLETE/latest"):
            with self.subTest(path=rel):
                self.assertErrno(errno.ENOENT, os.lstat, m.path(rel), what=f"lstat {rel}")
        self.assertTrue(os.path.islink(m.path(org12, "COMPLETE", complete)))
        # In org 11 the unknown status is there while a run of the window has it.
        self.assertEqual(os.listdir(m.path(BY_STATUS, "QUEUED_FOR_REVIEW")), ["1294"])
        self.assertErrno(errno.ENOENT, os.listdir, m.path(BY_STATUS, "QUEUED_FOR_REVIEW2"),
                         what="ls by-status/QUEUED_FOR_REVIEW2")

    def test_the_views_are_read_only(self):
        m = self.mount("--list-window=20")
        failed = m.path(BY_STATUS, "FAILED")
        link = os.path.join(failed, os.listdir(failed)[0])
        for what, fn, args, code in (
                ("touch by-status/FAILED/x", open, (os.path.join(failed, "x"), "w"), errno.EROFS),
                ("mkdir by-status/NEW", os.mkdir, (m.path(BY_STATUS, "NEW"),), errno.EROFS),
                ("ln -s in by-status/FAILED", os.symlink, ("../../runs/1", os.path.join(
                    failed, "1")), errno.EROFS),
                ("touch by-source/x", open, (m.path(BY_SOURCE, "x"), "w"), errno.EROFS),
                ("rm a by-status link", os.unlink, (link,), errno.EPERM),
                ("rmdir by-source/SLACK", os.rmdir, (m.path(BY_SOURCE, "SLACK"),), errno.EPERM)):
            with self.subTest(what=what):
                self.assertErrno(code, fn, *args, what=what)
        self.assertTrue(os.path.islink(link), "the link is still there")

    def test_statuses_that_are_no_file_names_are_left_out(self):
        """A status that is no usable name ("a/b", "", "..", a control byte,
        all digits, null) puts its run in runs/ but in no by-status/ entry."""
        statuses = ["a/b", "", "..", "x\ny", "123", None, "DONE", "FAILED", "DONE"]
        items = [{"id": 9000 - i, "organization_id": ORG, "status": s}
                 for i, s in enumerate(statuses)]
        self.fake.fault("answer", path=LIST_PATH, count=None,
                        body={"items": items, "total": len(items), "page": 1, "size": 100,
                              "pages": 1})
        m = self.mount("--list-ttl=600", "--run-ttl=600")
        self.prime_org(m)
        self.assertEqual(sorted(os.listdir(m.path(RUNS))), sorted(str(i["id"]) for i in items))
        self.assertEqual(os.listdir(m.path(BY_STATUS)), ["DONE", "FAILED"])
        self.assertEqual(sorted(os.listdir(m.path(BY_STATUS, "DONE"))), ["8992", "8994"])
        self.assertEqual(os.listdir(m.path(BY_STATUS, "FAILED")), ["8993"])
        self.assertEqual(m.read(BY_STATUS, "DONE", "8994", "status"), b"DONE\n")

    # -- by-source ----------------------------------------------------------------

    def test_by_source_lists_the_apis_origins_with_no_request(self):
        m = self.mount()
        self.prime_org(m)
        since = self.fake.mark()
        self.assertEqual(os.listdir(m.path(BY_SOURCE)), SOURCE_TYPES, "ls -f by-source/")
        for rel in ("EMAIL", "slack", "Slack", "SLACK ", "1"):
            with self.subTest(name=rel):
                self.assertErrno(errno.ENOENT, os.lstat, m.path(BY_SOURCE, rel),
                                 what=f"lstat by-source/{rel}")
        self.assertTrue(os.path.isdir(m.path(BY_SOURCE, "SLACK")))
        self.assertNoRequests(since, "by-source/ and its names")

    def test_by_source_asks_with_the_filter_a_page_per_100_runs(self):
        """by-source/GITHUB (113 runs in the sample) is the newest --list-window
        of them: the list with source_type=GITHUB, skip 0 limit 100 and skip
        100 limit 50; then nothing, for the listing again nor for reading
        the runs' files through the links."""
        m = self.mount(f"--list-window={WINDOW}", "--list-ttl=600", "--run-ttl=600")
        self.prime_org(m)
        github = self.fake.runs(source_type="GITHUB")
        self.assertGreater(len(github), 100, "the sample has more than a page of GITHUB runs")
        expected = [str(r["id"]) for r in github[:WINDOW]]
        since = self.fake.mark()
        self.assertEqual(sorted(os.listdir(m.path(BY_SOURCE, "GITHUB"))), sorted(expected))
        requests = self.fake.requests(since)
        self.assertEqual(sorted((e["method"], e["path"], query_of(e)["source_type"],
                                 int(query_of(e)["skip"]), query_of(e)["limit"])
                                for e in requests),
                         [("GET", LIST_PATH, "GITHUB", 0, "100"),
                          ("GET", LIST_PATH, "GITHUB", 100, "50")],
                         f"by-source/GITHUB: {describe_requests(requests)}")
        self.assertTrue(all(set(query_of(e)) == {"source_type", "skip", "limit"}
                            for e in requests), describe_requests(requests))
        since = self.fake.mark()
        self.assertEqual(sorted(os.listdir(m.path(BY_SOURCE, "GITHUB"))), sorted(expected))
        self.assertEqual(os.readlink(m.path(BY_SOURCE, "GITHUB", expected[0])),
                         f"../../runs/{expected[0]}")
        self.assertEqual(m.read(BY_SOURCE, "GITHUB", expected[-1], "source_type"), b"GITHUB\n")
        self.assertNoRequests(since, "by-source/GITHUB again, and its runs' files")
        slack = self.fake.runs(source_type="SLACK")[0]["id"]
        self.assertErrno(errno.ENOENT, os.lstat, m.path(BY_SOURCE, "GITHUB", str(slack)),
                         what="a SLACK run under by-source/GITHUB")

    def test_by_source_window_is_list_window(self):
        m = self.mount("--list-window=7", "--list-ttl=600")
        self.prime_org(m)
        since = self.fake.mark()
        expected = [str(r["id"]) for r in self.fake.runs(source_type="SLACK")[:7]]
        rc, out, err = sh(["ls", "-t", m.path(BY_SOURCE, "SLACK")])
        self.assertEqual((rc, err), (0, ""), "ls -t by-source/SLACK")
        self.assertEqual(out.split(), expected, "ls -t: newest first (the runs' created_at)")
        self.assertEqual([query_of(e) for e in self.lists_since(since)],
                         [{"source_type": "SLACK", "skip": "0", "limit": "7"}])

    # -- both, after a create -------------------------------------------------------

    def test_a_run_made_here_shows_in_both_views_at_once(self):
        """A create forgets by-source/ lists as it does runs/ (long before
        --list-ttl): the new run (source API) is in by-source/API and under
        its status in by-status/."""
        m = self.mount("--list-window=50", "--list-ttl=600", "--run-ttl=600")
        self.prime_org(m)
        before = os.listdir(m.path(BY_SOURCE, "API"))
        os.listdir(m.path(BY_STATUS))
        with open(m.path(f"orgs/{ORG}/new/views"), "wb") as f:
            f.write(b"Group the runs\n")
        run_id = os.readlink(m.path(f"orgs/{ORG}/new/views")).rsplit("/", 1)[1]
        self.assertNotIn(run_id, before)
        self.assertIn(run_id, os.listdir(m.path(BY_SOURCE, "API")), "by-source/API after")
        status = m.read(RUNS, run_id, "status").decode().strip()
        self.assertEqual(self.fake.run(int(run_id))["source_type"], "API")
        self.assertIn(status, os.listdir(m.path(BY_STATUS)))
        self.assertIn(run_id, os.listdir(m.path(BY_STATUS, status)))


if __name__ == "__main__":
    main()
