"""Workload W8: the cost growth of a list window over a big org (the fake's
--runs): for each window, a cold `ls runs/` (time, requests against the
minimum of one per 100 runs), a warm `ls -l runs/`, the daemon's RSS and
the disk cache's size after it."""

import math
import os
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import ORG, TOKEN
from .results import Problem, log
from .measure import proc_status


def tree_bytes(top):
    """Bytes of every file under top (0 when it does not exist)."""
    total = 0
    for root, _, files in os.walk(top):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def w8_window(b, fake, window, scale):
    s, r = b.s, b.r
    fake.config(rate_time_scale=scale)
    fake.reset()
    m = h.Mount(fake, f"--rate-time-scale={scale:g}", f"--list-window={window}", deadline=60)
    m.start()
    try:
        pid = m.proc.pid
        runs = m.path("orgs", ORG, "runs")
        if not os.path.isdir(runs):       # the org's one-time requests, not counted
            raise Problem(f"W8: {runs} is not a directory")
        seq = fake.mark()
        t0 = time.monotonic()
        outcome = h.bounded(os.listdir, runs, timeout=s.timeout_long, what="W8 ls runs/")
        cold = time.monotonic() - t0
        if outcome.error:
            raise Problem(f"W8 ls runs/ (window {window}): {outcome.error!r}")
        r.check(len(outcome.value) == window,
                f"W8: {len(outcome.value)} runs listed, not {window}")
        time.sleep(0.3)   # the fake logs a request when it has answered it
        reqs = fake.requests(since=seq)
        least = math.ceil(window / 100)
        r.check(len(reqs) >= least, f"W8: {len(reqs)} requests for {window} runs")
        rc, out, err = h.sh(["ls", "-l", runs], timeout=s.timeout_long)   # warms it
        r.check(rc == 0, f"W8 ls -l: {err[-500:]!r}")
        seq = fake.mark()
        t0 = time.monotonic()
        rc, out, err = h.sh(["ls", "-l", runs], timeout=s.timeout_long)
        warm = time.monotonic() - t0
        r.check(rc == 0, f"W8 ls -l: {err[-500:]!r}")
        warm_reqs = len(fake.requests(since=seq))
        time.sleep(1.0)   # a disk cache written in the background settles
        rss = proc_status(pid)["VmRSS"]
        disk = tree_bytes(os.path.join(m.home, ".cache"))
    finally:
        problem = m.stop()
        if problem:
            raise Problem(f"W8 daemon: {problem}")
    key = f"w8.{window}"
    r.add(f"{key}.cold.time", cold)
    r.add(f"{key}.cold.requests", len(reqs))
    r.add(f"{key}.cold.least", least)
    r.add(f"{key}.warm.time", warm)
    r.add(f"{key}.warm.requests", warm_reqs)
    r.add(f"{key}.rss", rss / 2**20)
    r.add(f"{key}.disk", disk / 2**10)
    log(f"W8 window {window}: cold ls {cold:.2f} s, {len(reqs)} requests (least {least}); "
        f"warm ls -l {warm * 1000:.0f} ms ({warm_reqs} requests); RSS {rss / 2**20:.1f} MiB; "
        f"disk cache {disk / 2**10:,.0f} KiB")


def w8(b, reps):
    s = b.s
    fake = h.Fake("--latency-ms", str(s.latency_ms), "--rate-limits", "on",
                  "--runs", str(s.w8_org_runs), token=TOKEN)
    try:
        for _ in range(reps):
            for window in s.w8_windows:
                w8_window(b, fake, window, s.scale["W8"])
    finally:
        fake.stop()
