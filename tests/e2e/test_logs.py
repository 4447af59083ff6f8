#!/usr/bin/env python3
"""End-to-end tests of the logs of a live run (docs/SEMANTICS.md "Requests and
freshness", logs paragraph; "The tree (read side)", `logs`): tail -f follows a
working run, and live logs are fetched incrementally, only while open, at most
every --logs-ttl.

    python3 tests/e2e/test_logs.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import os
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    describe_requests, kill_bounded, logs_file, query_of, sh)
from mountcase import (  # noqa: E402
    QUICK_FAKE, RUNS, MountTest, first_difference, logs_requests_of, main)

# tail -f on FUSE polls (1 s by default); a new entry then waits for the
# kernel's attribute cache (about 1 s) and the mount's --logs-ttl (1 s): a
# line may show up to ~3 s after the server has the entry.  The entries
# that come with a run's end show 2.45 s late on every run here (the same
# before and after issue 14), and ASan adds its own: the bound is the 3 s.
TAIL_MAX_LAG = 3.0
LOGS_TTL = 1.0          # the mount's default --logs-ttl


# --------------------------------------------------------------------------
# tail -f on a working run

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


if __name__ == "__main__":
    main()
