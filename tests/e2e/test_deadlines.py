#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Requests and freshness", deadlines
paragraphs: one deadline per syscall shared by all its requests, every list
bounded (a huge `total`, a page ignoring `limit`), a server that is down fails
an uncached read within seconds while cached copies are served, and a finished
run's log never ends early (the read fails with the fetch's errno; the next
read continues).  A user's runs and an origin's runs page as runs/ does (over
an org of 8,000 runs, `--runs`, so each has a full window).

    python3 tests/e2e/test_deadlines.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    bounded, describe_requests, logs_file, query_of, read_bytes, sh, value_file)
from mountcase import (  # noqa: E402
    LIST_PATH, LOGS_PATH, ORG, QUICK_FAKE, RUNS, MountTest, logs_requests_of, main)

USERS_PATH = f"/v1/organizations/{ORG}/users"
FAILURE_HOLDOFF = 3.0    # the mount does not ask again about a failed resource for 3 s


class DeadlineTest(MountTest):

    def test_ls_runs_stays_within_one_deadline(self):
        # 5 pages of runs at 3 s each: one 5 s deadline.  The first page takes
        # 3 s and gives the total; the other 4 go out together and time out.
        m = self.mount(deadline=5)
        self.prime_org(m)
        self.addCleanup(self.fake.config, latency_ms=0)
        self.fake.config(latency_ms=3000)
        seq = self.fake.mark()
        start = time.monotonic()
        outcome = self.assertErrno(errno.ETIMEDOUT, os.listdir, m.path(RUNS),
                                   what="listdir runs/", timeout=30)
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, 5 + 1, f"ls runs/ took {elapsed:.1f} s with --deadline=5")
        self.assertIsNotNone(outcome)
        time.sleep(0.5)   # the fake logs the second page when it answers, or now
        lists = [e for e in self.fake.requests(seq) if e["path"] == LIST_PATH]
        self.assertEqual(sorted(int(query_of(e)["skip"]) for e in lists),
                         list(range(0, 500, 100)), describe_requests(lists))

    def test_a_first_ls_runs_fetches_the_window_in_parallel(self):
        # 5 pages at 1.5 s each: 7.5 s one after the other, 3 s when the first
        # page's total lets the other 4 go out together.
        m = self.mount(deadline=4.5)
        self.prime_org(m)
        newest = [str(r["id"]) for r in self.fake.runs()][:500]
        self.addCleanup(self.fake.config, latency_ms=0)
        self.fake.config(latency_ms=1500)
        seq = self.fake.mark()
        got = bounded(os.listdir, m.path(RUNS), timeout=30, what="listdir runs/")
        # Every request came within the one deadline (one after the other they
        # could not: ETIMEDOUT).  Taking 500 runs in costs CPU time besides,
        # which a loaded machine stretches: no bound on that here.
        self.assertIsNone(got.error, got.describe())
        self.assertEqual(got.value, newest)
        lists = [e for e in self.fake.requests(seq) if e["path"] == LIST_PATH]
        self.assertEqual(sorted(int(query_of(e)["skip"]) for e in lists),
                         list(range(0, 500, 100)), describe_requests(lists))

    def test_a_huge_total_sends_a_bounded_number_of_requests(self):
        # Every page full, the total 10^9: the list stops at 1,000 users.
        m = self.mount()
        self.prime_org(m)
        self.fake.fault("total", total=10 ** 9, path=USERS_PATH, count=None)
        seq = self.fake.mark()
        got = bounded(os.listdir, m.path(f"orgs/{ORG}/users"), timeout=30,
                      what="listdir users/")
        self.assertIsNone(got.error, got.describe())
        self.assertEqual(sorted(got.value), sorted(str(1000000 + i) for i in range(1000)))
        pages = [e for e in self.fake.requests(seq) if e["path"] == USERS_PATH]
        # A whole list holds at most 1,000 items: 10 pages, whatever the total.
        self.assertEqual(sorted(int(query_of(e)["skip"]) for e in pages),
                         list(range(0, 1000, 100)), describe_requests(pages))

    def test_pages_after_the_first_come_in_parallel(self):
        # 5 full pages at 1.5 s each: one after the other they would take 7.5 s;
        # the first gives the total, the other 4 then go out together.
        m = self.mount(deadline=4.5)
        self.prime_org(m)
        self.fake.fault("total", total=500, path=USERS_PATH, count=None)
        self.addCleanup(self.fake.config, latency_ms=0)
        self.fake.config(latency_ms=1500)
        seq = self.fake.mark()
        got = bounded(os.listdir, m.path(f"orgs/{ORG}/users"), timeout=30,
                      what="listdir users/")
        # Within the one deadline (one after the other: ETIMEDOUT).
        self.assertIsNone(got.error, got.describe())
        self.assertEqual(sorted(got.value), sorted(str(1000000 + i) for i in range(500)))
        pages = [e for e in self.fake.requests(seq) if e["path"] == USERS_PATH]
        self.assertEqual(sorted(int(query_of(e)["skip"]) for e in pages),
                         list(range(0, 500, 100)), describe_requests(pages))

    def test_a_page_ignoring_limit_fills_no_more_than_the_window(self):
        m = self.mount("--list-window=5")
        self.prime_org(m)
        newest = [str(r["id"]) for r in self.fake.get(LIST_PATH, limit=5)["items"]]
        self.fake.fault("nolimit", path=LIST_PATH, count=None)
        seq = self.fake.mark()
        got = bounded(os.listdir, m.path(RUNS), timeout=30, what="listdir runs/")
        self.assertIsNone(got.error, got.describe())
        self.assertEqual(sorted(got.value), sorted(newest))
        lists = [e for e in self.fake.requests(seq) if e["path"] == LIST_PATH]
        self.assertEqual([(query_of(e)["skip"], query_of(e)["limit"], e["fault"])
                          for e in lists], [("0", "5", "nolimit")], describe_requests(lists))


class ServerDownTest(MountTest):

    def test_uncached_read_fails_fast_and_cached_copy_is_served(self):
        m = self.mount()     # --deadline=30
        status = m.path(RUNS, 789, "status")
        first = bounded(read_bytes, status, timeout=30, what="cat runs/789/status")
        self.assertIsNone(first.error, first.describe())
        self.assertEqual(first.value, value_file(self.fake.run(789)["status"]))
        self.fake.stop()     # connection refused from now on; setUp restarts it
        again = bounded(read_bytes, status, timeout=30, what="cat runs/789/status (down)")
        self.assertIsNone(again.error, again.describe())
        self.assertEqual(again.value, first.value)
        start = time.monotonic()
        rc, out, err = sh(["cat", m.path(RUNS, 1000, "status")], timeout=40)
        elapsed = time.monotonic() - start
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("No route to host", err)
        self.assertLess(elapsed, 3.0, f"an uncached cat took {elapsed:.1f} s with the "
                                      "server down")
        self.assertAlive(m)


class LongLogTest(MountTest):

    RUN = 1000   # COMPLETE, 500 log entries: 5 pages

    def test_a_finished_log_never_ends_early(self):
        entries = self.fake.logs(self.RUN)
        self.assertEqual(len(entries), 500)
        m = self.mount(deadline=5)
        self.prime_org(m)
        logs = m.path(RUNS, self.RUN, "logs")
        # The first page comes, then the rate limit answers every other page
        # (asked for together once the first gave the total) with a minute to wait.
        self.fake.fault("429", path=f"{LOGS_PATH}{self.RUN}/logs", after=1, count=None,
                        retry_after=60)
        seq = self.fake.mark()
        start = time.monotonic()
        rc, out, err = sh(["cat", logs], timeout=40)
        self.assertLess(time.monotonic() - start, 5 + 1)
        self.assertEqual(rc, 1, f"cat exited {rc} after {len(out)} bytes")
        self.assertIn("Resource temporarily unavailable", err)
        self.assertEqual(out.encode("utf-8"), logs_file(entries[:100]))
        first = logs_requests_of(self.fake.requests(seq), self.RUN)
        self.assertEqual([(query_of(e)["skip"], e["status"]) for e in first[:1]],
                         [("0", 200)], describe_requests(first))
        rest = [(int(query_of(e)["skip"]), e["status"]) for e in first[1:]]
        self.assertIn((100, 429), rest, describe_requests(first))
        self.assertLessEqual(set(rest), {(s, 429) for s in range(100, 500, 100)},
                             describe_requests(first))
        # The limit is lifted; past the mount's hold-off the next cat goes on
        # from what is held.
        self.fake.clear_faults()
        time.sleep(FAILURE_HOLDOFF + 0.5)
        seq = self.fake.mark()
        rc, out, err = sh(["cat", logs], timeout=40)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out.encode("utf-8"), logs_file(entries))
        second = logs_requests_of(self.fake.requests(seq), self.RUN)
        self.assertEqual(sorted(int(query_of(e)["skip"]) for e in second), [100, 200, 300, 400],
                         describe_requests(second))

    def test_log_pages_after_the_first_come_in_parallel(self):
        # 5 pages at 1.5 s each: 7.5 s one after the other, past the 4.5 s
        # deadline; the first gives the total and the other 4 go out together.
        entries = self.fake.logs(self.RUN)
        m = self.mount(deadline=4.5)
        self.prime_org(m)
        logs = m.path(RUNS, self.RUN, "logs")
        os.stat(logs)
        self.addCleanup(self.fake.config, latency_ms=0)
        self.fake.config(latency_ms=1500)
        seq = self.fake.mark()
        got = bounded(read_bytes, logs, timeout=30, what="read logs")
        self.assertIsNone(got.error, got.describe())
        self.assertEqual(got.value, logs_file(entries))
        pages = logs_requests_of(self.fake.requests(seq), self.RUN)
        self.assertEqual(sorted(int(query_of(e)["skip"]) for e in pages),
                         list(range(0, 500, 100)), describe_requests(pages))


class FilteredListDeadlineTest(MountTest):
    """users/<id>/runs and by-source/<SOURCE>/ over an org where each has
    more than a window of runs: the first page, then the other 4 at once."""

    FAKE_FLAGS = (*QUICK_FAKE, "--runs", "8000")

    def assert_window_within_deadline(self, path, **query):
        # 5 pages at 1.5 s each: 7.5 s one after the other, past the 4.5 s
        # deadline; 3 s when the first page's total lets the rest go together.
        newest = [str(r["id"]) for r in self.fake.runs(**query)]
        self.assertGreater(len(newest), 500, f"the fake has too few runs for {query}")
        m = self.mount(deadline=4.5)
        self.prime_org(m)
        self.addCleanup(self.fake.config, latency_ms=0)
        self.fake.config(latency_ms=1500)
        seq = self.fake.mark()
        got = bounded(os.listdir, m.path(path), timeout=30, what=f"listdir {path}")
        self.assertIsNone(got.error, got.describe())
        self.assertEqual(got.value, newest[:500])
        lists = [e for e in self.fake.requests(seq) if e["path"] == LIST_PATH]
        self.assertEqual(sorted(int(query_of(e)["skip"]) for e in lists),
                         list(range(0, 500, 100)), describe_requests(lists))
        for e in lists:
            self.assertEqual({k: query_of(e)[k] for k in query},
                             {k: str(v) for k, v in query.items()}, describe_requests([e]))

    def test_a_first_users_runs_fetches_the_window_in_parallel(self):
        self.assert_window_within_deadline(f"orgs/{ORG}/users/3/runs", user_id=3)

    def test_a_first_by_source_fetches_the_window_in_parallel(self):
        self.assert_window_within_deadline(f"orgs/{ORG}/by-source/SLACK",
                                           source_type="SLACK")


if __name__ == "__main__":
    main()
