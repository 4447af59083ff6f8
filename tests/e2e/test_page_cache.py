#!/usr/bin/env python3
"""End-to-end tests of the kernel's page cache for what cannot change
(docs/SEMANTICS.md "What the kernel keeps"): the files of a finished run and
its complete logs are kept by the kernel (pages, sizes, names), and every
transition is seen at once: a run that finishes while it is read, `wait`,
tail -f, resume, ctl refresh, and logs.jsonl after an `ls -l` that showed 0.

A file served from the page cache can be mapped shared (mmap MAP_SHARED); a
direct_io file cannot (ENODEV): that is how these tests tell the two apart.

    python3 tests/e2e/test_page_cache.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import mmap
import os
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    kill_bounded, logs_file, logs_jsonl_file, read_bytes, sh)
from mountcase import (  # noqa: E402
    QUICK_FAKE, RUNS, MountTest, first_difference, logs_requests_of, main)

FINISHED = 789      # COMPLETE in the sample data
LIVE = 1295         # ACTIVE in the sample data (the fake's live runs)
RUN_TTL = "--run-ttl=0.2"


def mapped(path):
    """The bytes of path through a shared map, or the OSError of mapping it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        try:
            with mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ) as m:
                return bytes(m[:])
        except OSError as e:
            return e
    finally:
        os.close(fd)


def write_ctl(path, text):
    return sh(["bash", "-c", 'printf "%s" "$1" > "$2"', "ctl", text, path])


class StatLoop:
    """A thread that stats paths every 20 ms, so the kernel always holds a
    fresh size of each (the one a clipped read would end at)."""

    def __init__(self, *paths):
        self.paths, self.stop = paths, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            for p in self.paths:
                try:
                    os.stat(p)
                except OSError:
                    pass
            time.sleep(0.02)

    def end(self):
        self.stop.set()
        self.thread.join(5)


class FinishedRunTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE

    def test_a_finished_runs_files_are_kept_by_the_kernel(self):
        m = self.mount()
        status = m.path(RUNS, FINISHED, "status")
        self.assertEqual(read_bytes(status), b"COMPLETE\n")
        self.assertEqual(mapped(status), b"COMPLETE\n",
                         "a finished run's status is not served from the page cache")
        expected = logs_jsonl_file(self.fake.logs(FINISHED))
        jsonl = m.path(RUNS, FINISHED, "logs.jsonl")
        self.assertEqual(read_bytes(jsonl), expected)
        self.assertEqual(mapped(jsonl), expected, "complete logs are not page-cached")
        # Read again: the same bytes and no request at all.
        seq = self.fake.mark()
        for _ in range(3):
            self.assertEqual(read_bytes(status), b"COMPLETE\n")
            self.assertEqual(read_bytes(jsonl), expected)
        self.assertEqual(self.fake.requests(seq), [])

    def test_live_files_stay_direct(self):
        m = self.mount()
        for name in ("status", "logs", "wait"):
            path = m.path(RUNS, LIVE, name) if name != "wait" else m.path(RUNS, FINISHED, name)
            got = mapped(path)
            self.assertIsInstance(got, OSError, f"{name}: mapped shared, so page-cached")
            self.assertEqual(got.errno, errno.ENODEV, f"{name}: {got!r}")
        got = mapped(m.path(RUNS, LIVE, "run.json"))
        self.assertIsInstance(got, OSError, "a live run's run.json: page-cached")

    def test_logs_jsonl_after_ls_l_showed_size_0(self):
        m = self.mount()
        rc, out, err = sh(["ls", "-l", m.path(RUNS, FINISHED)])
        self.assertEqual(rc, 0, err)
        sizes = {line.split()[-1]: line.split()[4] for line in out.splitlines()[1:]}
        self.assertEqual(sizes["logs.jsonl"], "0", "logs were fetched by a listing")
        expected = logs_jsonl_file(self.fake.logs(FINISHED))
        path = m.path(RUNS, FINISHED, "logs.jsonl")
        for attempt in range(3):
            got = read_bytes(path)
            self.assertEqual(got, expected, f"read {attempt}: {first_difference(got, expected)}")
            self.assertEqual(os.stat(path).st_size, len(expected))
        rc, out, err = sh(["ls", "-l", m.path(RUNS, FINISHED)])
        sizes = {line.split()[-1]: line.split()[4] for line in out.splitlines()[1:]}
        self.assertEqual(sizes["logs.jsonl"], str(len(expected)))
        self.assertEqual(read_bytes(path), expected, "read after a second ls -l")

    def test_resume_makes_the_kept_files_live_at_once(self):
        m = self.mount()
        status = m.path(RUNS, FINISHED, "status")
        self.assertEqual(read_bytes(status), b"COMPLETE\n")
        self.assertEqual(os.stat(status).st_size, 9)
        rc, _, err = write_ctl(m.path(RUNS, FINISHED, "ctl"), "resume Also add unit tests\n")
        self.assertEqual(rc, 0, err)
        # Before any open: the kernel must not answer from what it kept.
        self.assertEqual(os.stat(status).st_size, len(b"ACTIVE\n"),
                         "a stat after resume gave the finished size")
        self.assertEqual(read_bytes(status), b"ACTIVE\n")
        got = mapped(status)
        self.assertIsInstance(got, OSError, "a resumed run's status is still page-cached")

    def test_resume_file_makes_the_kept_files_live_at_once(self):
        m = self.mount()
        status = m.path(RUNS, FINISHED, "status")
        self.assertEqual(read_bytes(status), b"COMPLETE\n")
        self.assertEqual(os.stat(status).st_size, 9)
        rc, _, err = sh(["bash", "-c", 'printf "%s" "$1" > "$2"', "resume",
                         "Also add unit tests\n", m.path(RUNS, FINISHED, "resume")])
        self.assertEqual(rc, 0, err)
        self.assertEqual(os.stat(status).st_size, len(b"ACTIVE\n"))
        self.assertEqual(read_bytes(status), b"ACTIVE\n")

    def test_ctl_refresh_drops_the_kept_pages(self):
        m = self.mount()
        status = m.path(RUNS, FINISHED, "status")
        self.assertEqual(read_bytes(status), b"COMPLETE\n")
        self.assertEqual(mapped(status), b"COMPLETE\n")
        self.fake.change_run(FINISHED, status="FAILED")
        # Kept: the mount does not ask about a finished run again by itself.
        self.assertEqual(read_bytes(status), b"COMPLETE\n")
        rc, _, err = write_ctl(m.path(RUNS, FINISHED, "ctl"), "refresh\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(os.stat(status).st_size, len(b"FAILED\n"),
                         "a stat after refresh gave the old size")
        self.assertEqual(read_bytes(status), b"FAILED\n")
        self.assertEqual(mapped(status), b"FAILED\n", "finished again: kept again")


class FinishingRunTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE

    def test_a_run_finishing_while_its_status_is_read(self):
        m = self.mount(RUN_TTL)
        status = m.path(RUNS, LIVE, "status")
        self.assertEqual(read_bytes(status), b"ACTIVE\n")
        loop = StatLoop(status)
        self.addCleanup(loop.end)
        seen, finished_at = set(), None
        start = time.monotonic()
        while time.monotonic() - start < 3.0:
            if finished_at is None and time.monotonic() - start > 0.5:
                self.fake.change_run(LIVE, status="COMPLETE")
                finished_at = time.monotonic()
            seen.add(read_bytes(status))
            time.sleep(0.03)
        loop.end()
        self.assertLessEqual(seen, {b"ACTIVE\n", b"COMPLETE\n"},
                             "a read was clipped or stale-paged")
        self.assertEqual(read_bytes(status), b"COMPLETE\n")
        self.assertEqual(os.stat(status).st_size, 9)
        self.assertEqual(mapped(status), b"COMPLETE\n", "finished, yet not kept")

    def test_wait_then_status(self):
        m = self.mount(RUN_TTL)
        status, wait = m.path(RUNS, LIVE, "status"), m.path(RUNS, LIVE, "wait")
        self.assertEqual(read_bytes(status), b"ACTIVE\n")
        loop = StatLoop(status)
        self.addCleanup(loop.end)
        timer = threading.Timer(0.8, self.fake.change_run, (LIVE,), {"status": "TIMEOUT"})
        timer.start()
        self.addCleanup(timer.cancel)
        self.assertEqual(read_bytes(wait), b"TIMEOUT\n")
        got = read_bytes(status)
        loop.end()
        self.assertEqual(got, b"TIMEOUT\n", "status right after wait")
        self.assertEqual(os.stat(status).st_size, 8)


class FinishingLogsTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE + ("--run-seconds", "4", "--log-interval-ms", "300")

    def test_logs_of_a_run_that_finishes_under_tail_f(self):
        m = self.mount(RUN_TTL)
        run_id = self.fake.create_run("e2e: finish under tail -f")["id"]
        logs, jsonl = m.path(RUNS, run_id, "logs"), m.path(RUNS, run_id, "logs.jsonl")
        tail = subprocess.Popen(["tail", "-n", "+1", "-f", logs], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.addCleanup(kill_bounded, tail)
        out = []
        threading.Thread(target=lambda: out.extend(iter(tail.stdout.readline, b"")),
                         daemon=True).start()
        loop = StatLoop(logs, jsonl)
        self.addCleanup(loop.end)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            state = self.fake.run_state(run_id)
            if state["run"]["status"] != "ACTIVE" and len(out) >= state["log_count"]:
                break
            time.sleep(0.1)
        entries = self.fake.logs(run_id)
        self.assertTrue(entries, "the run logged nothing")
        got = b"".join(out)
        self.assertEqual(got, logs_file(entries), first_difference(got, logs_file(entries)))
        # Finished: complete now, and the same bytes from the page cache.
        loop.end()
        time.sleep(0.3)
        for _ in range(2):
            self.assertEqual(read_bytes(logs), logs_file(entries))
            self.assertEqual(read_bytes(jsonl), logs_jsonl_file(entries))
            self.assertEqual(os.stat(jsonl).st_size, len(logs_jsonl_file(entries)))
        self.assertEqual(mapped(logs), logs_file(entries), "complete logs not kept")
        seq = self.fake.mark()
        read_bytes(logs)
        self.assertEqual(logs_requests_of(self.fake.requests(seq), run_id), [])


if __name__ == "__main__":
    main()
