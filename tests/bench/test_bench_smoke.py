#!/usr/bin/env python3
"""Smoke run of the benchmarks: `scripts/bench --smoke` (one repetition, small
sizes, 5 ms of latency) must run every workload and give possible figures.
The figures themselves are not judged here (docs/BENCHMARKS.md has the real
ones); a missed goal is not a failure, a workload that cannot run is.

Environment (as tests/e2e): CGFS_BIN, CGFS_MEMFS_BIN, CG_FAKE_API.  Exits 77
(meson's skip) where FUSE is not available.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402

BENCH = os.path.join(ROOT, "scripts", "bench")

# A figure every workload must produce, with a test of possibility.
EXPECTED = {
    "w1.cgfs.time": lambda v: v > 0,
    "w1.cgfs.requests": lambda v: v >= 2,           # at least the org list and one page
    "w1.curl.requests": lambda v: v >= 51,          # one list page + 50 runs
    "w2.cgfs.per_file": lambda v: v > 0,
    "w2.memfs.per_file": lambda v: v > 0,
    "w2.tmpfs.per_file": lambda v: v > 0,
    "w3.lslr.cold.requests": lambda v: v > 0,
    "w3.lslr.warm.time": lambda v: v > 0,
    "w3.find.cold.requests": lambda v: v > 0,
    "w3.lslr.memfs.warm": lambda v: v > 0,
    "w4.cold.requests": lambda v: v >= 3,
    "w4.curl.requests": lambda v: v >= 3,
    "w4.warm.time": lambda v: v > 0,
    "w4.tail.lag": lambda v: v > -0.05,
    "w5.serial.requests": lambda v: v >= 50,
    "w5.parallel.requests": lambda v: v >= 50,
    "w5.tls.serial.time": lambda v: v > 0,
    "w5.tls.parallel.time": lambda v: v > 0,
    "w5.tls.serial.connections": lambda v: v >= 1,
    "w5.tls.parallel.connections": lambda v: v >= 1,
    "w6.hwm": lambda v: v > 0,
    "w6.json_per_run": lambda v: v > 0,
    "w6.json_added": lambda v: v > 0,
    "w6.added": lambda v: abs(v) < 1e6,             # a slope: noise may make it small
    "w7.posts": lambda v: v == 10,
    "w7.429s": lambda v: v == 0,
    "w7.cgfs.time": lambda v: v > 0,
    "w8.50.cold.requests": lambda v: v >= 1,        # at least one page per 100 runs
    "w8.300.cold.requests": lambda v: v >= 3,
    "w8.extra_requests": lambda v: v >= 0,
    "w8.300.cold.time": lambda v: v > 0,
    "w8.300.warm.time": lambda v: v > 0,
    "w8.300.rss": lambda v: v > 0,
    "w8.300.disk": lambda v: v >= 0,
    # 5 pages at 300 ms: never under 2 round trips (the first page, then the rest).
    "w8.rt.runs": lambda v: v >= 1.9,
    "w8.rt.user": lambda v: v >= 1.9,
    "w8.rt.source": lambda v: v >= 1.9,
    "w8.rt.logs": lambda v: v >= 1.9,
    "w8.rt.runs.nodisk": lambda v: v >= 1.9,
    "w9.on.cold": lambda v: v > 0,
    "w9.off.cold": lambda v: v > 0,
    "w9.big.cold": lambda v: v > 0,
    "w9.big.lookup": lambda v: v > 0,
    "w9.small.lookup": lambda v: v > 0,
    "w9.big.files": lambda v: v == 1,
    "w9.big.mb": lambda v: v > 1,                   # 5,000 runs of ~400 B
}


class BenchSmoke(unittest.TestCase):
    def test_every_workload_runs_and_gives_possible_figures(self):
        with tempfile.TemporaryDirectory(prefix="cgfs-bench-smoke-") as tmp:
            out = os.path.join(tmp, "bench.json")
            try:
                proc = subprocess.run([sys.executable, BENCH, "--smoke", "--json", out],
                                      capture_output=True, text=True, timeout=240,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired as exc:
                self.fail(f"scripts/bench --smoke did not finish within 240 s: "
                          f"{(exc.stderr or b'')[-3000:]!r}")
            report = proc.stdout[-6000:] + "\n--- stderr ---\n" + proc.stderr[-4000:]
            self.assertEqual(proc.returncode, 0, report)
            with open(out) as f:
                data = json.load(f)
        self.assertEqual(data["problems"], [], report)
        for key, possible in EXPECTED.items():
            values = data["samples"].get(key)
            self.assertTrue(values, f"no figure {key}\n{report}")
            for value in values:
                self.assertTrue(possible(value), f"impossible {key} = {value}\n{report}")
        self.assertLess(data["elapsed"], 120, report)


if __name__ == "__main__":
    reason = harness.skip_reason()
    if reason:
        print(f"skipped: {reason}")
        sys.exit(77)
    unittest.main()
