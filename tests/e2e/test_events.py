#!/usr/bin/env python3
"""End-to-end tests of orgs/<org>/events and events.jsonl (docs/SEMANTICS.md
"Watching runs"): tail -f sees run changes (a status, a PR, a new run) within a few
seconds; the feed costs no request while nobody has it open, and with readers (one
or two) at most one request per --list-ttl for each list page holding a working run
(plus the newest page); events.jsonl holds the same events as JSON objects.

    python3 tests/e2e/test_events.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import WORKING, describe_requests, kill_bounded, query_of  # noqa: E402
from mountcase import LIST_PATH, ORG, QUICK_FAKE, RUNS, MountTest, main  # noqa: E402

EVENTS = f"orgs/{ORG}/events"
LIST_TTL = 1.0
# A change reaches the feed within --list-ttl, the kernel within the watcher's
# tick (0.2 s), and tail -f within its poll (1 s).
TAIL_MAX_LAG = 4.0
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


class Tail:
    """tail -n0 -f on a file, its lines gathered by a thread."""

    def __init__(self, test, path):
        self.proc = subprocess.Popen(["tail", "-n0", "-f", path], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        test.addCleanup(kill_bounded, self.proc)
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            self.lines.append((time.monotonic(), line.decode()))

    def wait_for(self, pattern, timeout):
        """The first line matching pattern (a regex), and when it came; None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for seen, line in list(self.lines):
                if re.fullmatch(pattern, line):
                    return seen, line
            time.sleep(0.05)
        return None


def list_requests(entries):
    """The run-list requests among entries, as their skip values."""
    return [int(query_of(e).get("skip", 0)) for e in entries
            if e["method"] == "GET" and e["path"] == LIST_PATH]


class EventsTest(MountTest):
    # The live runs (1295-1300, ACTIVE) keep working until a test changes them.
    FAKE_FLAGS = QUICK_FAKE + ("--run-seconds", "600")

    def start(self):
        m = self.mount(f"--list-ttl={LIST_TTL}")
        self.prime_org(m)
        os.listdir(m.path(RUNS))    # the first listing: the feed's baseline, no news
        return m

    def test_tail_f_sees_status_pr_and_new_run(self):
        m = self.start()
        self.assertEqual(m.read(EVENTS), b"", "the first listing is no news")
        tail = Tail(self, m.path(EVENTS))
        time.sleep(1.5)
        changed = time.monotonic()
        self.fake.change_run(1297, status="RUNNING")
        got = tail.wait_for(rf"{TIME} 1297 ACTIVE -> RUNNING\n", TAIL_MAX_LAG + 2)
        self.assertIsNotNone(got, f"tail -f saw no status line; it printed {tail.lines!r}")
        self.assertLessEqual(got[0] - changed, TAIL_MAX_LAG,
                             f"the status line came {got[0] - changed:.1f} s after the change")

        pr = self.fake.change_run(1297, add_pr=True)["prs"][-1]
        url = self.fake.run(1297)["github_pull_requests"][-1]["url"]
        got = tail.wait_for(rf"{TIME} 1297 pr {pr['id']} {re.escape(url)}\n", TAIL_MAX_LAG + 2)
        self.assertIsNotNone(got, f"tail -f saw no PR line; it printed {tail.lines!r}")

        created = self.fake.create_run("e2e: a run started elsewhere")
        got = tail.wait_for(rf"{TIME} {created['id']} new -> ACTIVE\n", TAIL_MAX_LAG + 2)
        self.assertIsNotNone(got, f"tail -f saw no new run; it printed {tail.lines!r}")

        # The feed as a whole: those three lines, in order, nothing else, and
        # events.jsonl the same events as JSON.
        text = m.read(EVENTS).decode()
        lines = text.splitlines()
        self.assertEqual([line.split(" ", 1)[1] for line in lines],
                         ["1297 ACTIVE -> RUNNING", f"1297 pr {pr['id']} {url}",
                          f"{created['id']} new -> ACTIVE"], f"events: {text!r}")
        self.assertEqual(os.stat(m.path(EVENTS)).st_size, len(text.encode()))
        times = [line.split(" ", 1)[0] for line in lines]
        jsonl = m.read(f"{EVENTS}.jsonl").decode()
        objects = [json.loads(line) for line in jsonl.splitlines()]
        self.assertEqual(objects, [
            {"time": times[0], "run": 1297, "event": "status", "old": "ACTIVE",
             "status": "RUNNING"},
            {"time": times[1], "run": 1297, "event": "pr", "pr": pr["id"], "url": url},
            {"time": times[2], "run": created["id"], "event": "new", "status": "ACTIVE"},
        ])

    def test_a_run_created_here_is_new_once(self):
        m = self.start()
        with open(m.path(f"orgs/{ORG}/new/feed"), "w") as f:
            f.write("e2e: created through the mount\n")
        run_id = int(os.readlink(m.path(f"orgs/{ORG}/new/feed")).rsplit("/", 1)[1])
        os.listdir(m.path(RUNS))    # the list again: the run is known, no second line
        text = m.read(EVENTS).decode()
        self.assertRegex(text, rf"\A{TIME} {run_id} new -> ACTIVE\n\Z")

    def test_a_window_with_nothing_working_costs_nothing_with_a_reader(self):
        # Every run of the window finished: the feed has nothing to keep fresh.
        for run in self.fake.runs()[:500]:
            if run["status"] in WORKING:
                self.fake.change_run(run["id"], status="COMPLETE")
        m = self.start()
        fd = os.open(m.path(EVENTS), os.O_RDONLY)
        try:
            seq = self.fake.mark()
            time.sleep(3 * LIST_TTL + 0.5)
            self.assertNoRequests(seq, "a reader of the feed while nothing works")
        finally:
            os.close(fd)

    def test_request_costs(self):
        # A working run on page 3 of the list window (skip 200), besides the
        # live runs on page 1: with a reader, exactly those two pages are asked
        # for, each at most once per --list-ttl; without one, nothing.
        deep = self.fake.get(LIST_PATH, skip=200, limit=100)["items"][50]["id"]
        self.fake.change_run(deep, status="RUNNING")
        m = self.start()
        seq = self.fake.mark()
        time.sleep(3 * LIST_TTL + 0.5)
        self.assertNoRequests(seq, "the feed with nobody reading it (3 x --list-ttl)")

        fd = os.open(m.path(EVENTS), os.O_RDONLY)
        opened = True
        try:
            seq = self.fake.mark()
            window = 5.0
            time.sleep(window)
            requests = self.fake.requests(seq)
            skips = list_requests(requests)
            others = [e for e in requests if e["path"] != LIST_PATH]
            self.assertEqual(others, [], f"the feed asked for more than list pages: "
                                         f"{describe_requests(others)}")
            self.assertEqual(set(skips), {0, 200},
                             f"pages asked for: skips {skips}; only pages 1 and 3 hold "
                             "working runs")
            most = int(window / LIST_TTL) + 1
            for skip in (0, 200):
                count = skips.count(skip)
                self.assertLessEqual(count, most, f"page at skip {skip} asked for {count} "
                                                  f"times in {window} s (--list-ttl=1)")
                self.assertGreaterEqual(count, 3, f"page at skip {skip} asked for only "
                                                  f"{count} times in {window} s: not kept "
                                                  "fresh")
            times = sorted(e["time"] for e in requests if int(query_of(e).get("skip", 0)) == 200)
            gaps = [round(b - a, 2) for a, b in zip(times, times[1:])]
            self.assertTrue(all(g >= LIST_TTL - 0.2 for g in gaps),
                            f"page 3 asked for faster than --list-ttl: gaps {gaps}")

            # A second reader (of events.jsonl) costs nothing more.
            fd2 = os.open(m.path(f"{EVENTS}.jsonl"), os.O_RDONLY)
            try:
                seq = self.fake.mark()
                time.sleep(3.0)
                skips = list_requests(self.fake.requests(seq))
            finally:
                os.close(fd2)
            for skip in (0, 200):
                self.assertLessEqual(skips.count(skip), 4, f"two readers: skips {skips}")
            self.assertEqual(set(skips), {0, 200}, f"two readers: skips {skips}")

            # The deep run's change reaches the feed through its page.
            self.fake.change_run(deep, status="COMPLETE")
            deadline = time.monotonic() + 3 * LIST_TTL + 1
            while time.monotonic() < deadline and b"COMPLETE" not in m.read(EVENTS):
                time.sleep(0.2)
            self.assertRegex(m.read(EVENTS).decode(), rf"\A{TIME} {deep} RUNNING -> COMPLETE\n\Z")
            os.close(fd)
            opened = False
            time.sleep(0.5)
            seq = self.fake.mark()
            time.sleep(3 * LIST_TTL)
            self.assertNoRequests(seq, "the feed after its reader closed it")
        finally:
            if opened:
                os.close(fd)


if __name__ == "__main__":
    main()
