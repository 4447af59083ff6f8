#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Memory": the bound on the API objects
the mount holds (--cache-mb).  Runs with large metadata are read one after the
other under a small bound; the daemon's resident memory (/proc/<pid>/status
VmRSS) stays near the bound, a dropped finished run comes back from the disk
cache with no request, and a dropped live run costs exactly one GET.  The
complete logs of finished runs are bounded the same way: dropped ones stat as
never read (size 0) and come back from disk with no request.

    python3 tests/e2e/test_memory.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    FINISHED, Mount, bounded, describe_requests, logs_file, mounted, read_bytes)
from mountcase import RUNS, MountTest, gets_of_run, main  # noqa: E402

BLOB = 100_000        # bytes of metadata per run: a run's JSON is ~100 kB
FINISHED_RUNS = 100   # ~10 MB of JSON, ~21 MB as the mount holds it, unbounded
LIVE_RUNS = 24        # ~5 MB as held: more than the bound, which holds ~10
CACHE_MB = 2
RSS_GROWTH_MAX = 8 * 1024 * 1024   # the bound, its bookkeeping, the allocator's slack

# Under AddressSanitizer (scripts/test --sanitize) freed memory waits in a
# quarantine of 256 MB before its reuse: off, so that RSS measures what is held.
NO_QUARANTINE = {"ASAN_OPTIONS": ":".join(
    o for o in (os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=0",
                "thread_local_quarantine_size_kb=0") if o)}


def vm_rss(pid):
    """The process's resident set, in bytes."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")


class CacheBoundTest(MountTest):
    """One mount per test, --cache-mb small; the fake's runs made big by their metadata."""

    def make_runs(self, count, run_seconds, tag):
        """count new runs with BLOB bytes of metadata each, working for run_seconds;
        -> [(id, metadata)]."""
        self.fake.config(run_seconds=run_seconds)
        made = []
        for i in range(count):
            metadata = {"tag": tag, "n": i, "blob": (f"{tag}{i:04d}-" * BLOB)[:BLOB]}
            run = self.fake.create_run(f"Memory test {tag} {i}", metadata=metadata)
            made.append((run["id"], metadata))
        return made

    def read_metadata(self, m, run_id, metadata):
        rel = f"{RUNS}/{run_id}/metadata.json"
        outcome = bounded(read_bytes, m.path(rel), timeout=30, what=f"read {rel}")
        self.assertIsNone(outcome.error, f"{rel}: reading it {outcome.describe()}")
        self.assertEqual(json.loads(outcome.value), metadata, f"{rel}: content differs")

    def test_small_bound_keeps_rss_near_it_and_gives_runs_back(self):
        self.addCleanup(self.fake.config, run_seconds=120.0)
        finished = self.make_runs(FINISHED_RUNS, 0.0, "f")
        for run_id, _ in finished[:3]:
            status = self.fake.run(run_id)["status"]
            self.assertIn(status, FINISHED, f"run {run_id} should have finished: {status}")
        m = self.mount(f"--cache-mb={CACHE_MB}", "--run-ttl=600", "--list-ttl=600",
                       env=NO_QUARANTINE)
        self.prime_org(m)
        pid = m.proc.pid
        before = vm_rss(pid)

        # Every finished run read once: one GET each, and the memory stays bounded.
        seq = self.fake.mark()
        for run_id, metadata in finished:
            self.read_metadata(m, run_id, metadata)
        requests = self.fake.requests(seq)
        for run_id, _ in finished:
            self.assertEqual(len(gets_of_run(requests, run_id)), 1,
                             f"run {run_id}: one GET; requests: {describe_requests(requests)}")
        grown = vm_rss(pid) - before
        self.assertLess(grown, RSS_GROWTH_MAX,
                        f"VmRSS grew by {grown} B reading {FINISHED_RUNS} runs of "
                        f"{BLOB} B with --cache-mb={CACHE_MB}")

        # The oldest read were dropped: they come back from the disk cache.
        seq = self.fake.mark()
        for run_id, metadata in finished[:5]:
            self.read_metadata(m, run_id, metadata)
        self.assertNoRequests(seq, "re-reading finished runs dropped from memory")

        # Live runs cannot come from disk: a dropped one costs one GET, a kept
        # one (the newest read) none.
        live = self.make_runs(LIVE_RUNS, 3600.0, "l")
        seq = self.fake.mark()
        for run_id, metadata in live:
            self.read_metadata(m, run_id, metadata)
        requests = self.fake.requests(seq)
        for run_id, _ in live:
            self.assertEqual(len(gets_of_run(requests, run_id)), 1,
                             f"live run {run_id}: one GET; requests: "
                             f"{describe_requests(requests)}")
        seq = self.fake.mark()
        self.read_metadata(m, live[-1][0], live[-1][1])
        self.assertNoRequests(seq, "re-reading the live run read last (still held)")
        seq = self.fake.mark()
        self.read_metadata(m, live[0][0], live[0][1])
        requests = self.fake.requests(seq)
        self.assertEqual([(e["method"], e["path"]) for e in requests],
                         [("GET", f"/v1/organizations/11/agent/run/{live[0][0]}")],
                         f"re-reading a live run dropped from memory: exactly its GET; got "
                         f"{describe_requests(requests)}")
        grown = vm_rss(pid) - before
        self.assertLess(grown, RSS_GROWTH_MAX,
                        f"VmRSS grew by {grown} B after {FINISHED_RUNS} finished and "
                        f"{LIVE_RUNS} live runs with --cache-mb={CACHE_MB}")
        self.assertAlive(m)

    def test_complete_logs_over_the_bound_are_dropped_and_come_back_from_disk(self):
        m = self.mount("--cache-mb=1", "--run-ttl=600", "--list-ttl=600")
        self.prime_org(m)
        runs, total = [], 0
        for run in self.fake.runs():
            if run["status"] not in FINISHED or run["id"] >= 10000:
                continue
            expected = logs_file(self.fake.logs(run["id"]))
            if not expected:
                continue
            runs.append((run["id"], expected))
            total += 2 * len(expected)          # logs and logs.jsonl, held together
            if total > 3 * 1024 * 1024:
                break
        self.assertGreater(total, 3 * 1024 * 1024, "the fake's finished runs' logs")
        for run_id, expected in runs:
            self.assertFile(m, f"{RUNS}/{run_id}/logs", expected)
        time.sleep(1.2)   # the kernel's attributes of the closed files expire
        first, last = runs[0], runs[-1]
        self.assertEqual(os.stat(m.path(f"{RUNS}/{last[0]}/logs")).st_size, len(last[1]),
                         "the logs read last are held: a stat reports their size")
        self.assertEqual(os.stat(m.path(f"{RUNS}/{first[0]}/logs")).st_size, 0,
                         "the logs read first were dropped: a stat reports 0, as before "
                         "the first read")
        seq = self.fake.mark()
        self.assertFile(m, f"{RUNS}/{first[0]}/logs", first[1])
        self.assertNoRequests(seq, "re-reading dropped logs of a finished run (disk)")
        self.assertAlive(m)

    def test_cache_mb_out_of_range_is_refused_before_any_request(self):
        cases = [("--cache-mb=0", "(got '0')"), ("--cache-mb=524289", "(got '524289')"),
                 ("--cache-mb=2x", "(got '2x')")]
        for opt, got in cases:
            with self.subTest(option=opt):
                seq = self.fake.mark()
                mount = Mount(self.fake, opt)
                self.addCleanup(mount.stop)
                proc = mount.spawn()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.fail(f"codegen-fs {opt} did not exit within 10 s")
                err = mount.stderr_tail()
                self.assertEqual(proc.returncode, 2, f"exit status with {opt}; stderr {err!r}")
                self.assertEqual(err, f"codegen-fs: --cache-mb must be a number from 1 to "
                                      f"524288 {got}\n", f"stderr with {opt}")
                self.assertFalse(mounted(mount.mnt), "a mount was left behind")
                self.assertNoRequests(seq, f"a mount refused for {opt}")


if __name__ == "__main__":
    main()
