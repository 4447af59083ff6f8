"""Workload W8: the cost growth of a list window over a big org (the fake's
--runs): for each window, a cold `ls runs/` (time, requests against the
minimum of one per 100 runs; also with no disk cache), a warm `ls -l
runs/`, the daemon's RSS and the disk cache's size after it; and, at 300 ms
of latency, how many round trips a cold 5-page list takes (runs/, a user's
runs, an origin's runs, the log of a finished run)."""

import math
import os
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import ORG, TOKEN
from .results import Problem, log
from .measure import proc_status


RTT = 0.3               # the latency of the round-trip figures
LONG_LOG_RUN = 1000     # COMPLETE, 500 log entries: 5 pages (docs/FAKE-API.md)
# name -> (path under orgs/<org>, how it is read)
ROUND_TRIPS = {
    "runs": ("runs", os.listdir),
    "user": ("users/3/runs", os.listdir),
    "source": ("by-source/SLACK", os.listdir),
    "logs": (f"runs/{LONG_LOG_RUN}/logs", lambda p: len(open(p, "rb").read())),
}


def tree_size(top):
    """(files, bytes allocated on disk) under top, directories included."""
    files = blocks = 0
    for root, dirs, names in os.walk(top):
        for name in names + dirs:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            files += name in names
            blocks += st.st_blocks
    return files, blocks * 512


def w8_cold_nodisk(b, fake, window, scale):
    """The cold `ls runs/` of window with no disk cache (an unusable --cache-dir)."""
    s, r = b.s, b.r
    fake.config(rate_time_scale=scale)
    fake.reset()
    m = h.Mount(fake, f"--rate-time-scale={scale:g}", f"--list-window={window}",
                "--cache-dir=/dev/null/none", deadline=60)
    m.start()
    try:
        runs = m.path("orgs", ORG, "runs")
        os.stat(runs)
        t0 = time.monotonic()
        outcome = h.bounded(os.listdir, runs, timeout=s.timeout_long, what="W8 ls runs/")
        cold = time.monotonic() - t0
        if outcome.error or len(outcome.value) != window:
            raise Problem(f"W8 ls runs/ (window {window}, no disk cache): {outcome.error!r}")
    finally:
        problem = m.stop()
        if problem:
            raise Problem(f"W8 daemon: {problem}")
    r.add(f"w8.{window}.cold_nodisk.time", cold)
    log(f"W8 window {window}, no disk cache: cold ls {cold:.2f} s")


def w8_window(b, fake, window, scale):
    """One window's figures on a fresh mount: -> its requests past the least."""
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
        files, disk = tree_size(os.path.join(m.home, ".cache"))
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
    r.add(f"{key}.files", files)
    log(f"W8 window {window}: cold ls {cold:.2f} s, {len(reqs)} requests (least {least}); "
        f"warm ls -l {warm * 1000:.0f} ms ({warm_reqs} requests); RSS {rss / 2**20:.1f} MiB; "
        f"disk cache {disk / 2**10:,.0f} KiB in {files} files")
    return len(reqs) - least


def w8_round_trips(b, fake, scale, disk):
    """Each cold 5-page read of ROUND_TRIPS on a fresh mount at RTT of latency
    (once what leads to it is known), in round trips (seconds / RTT); disk
    False: with no disk cache (an unusable --cache-dir), which shows what
    writing it costs."""
    s, r = b.s, b.r
    opts = [] if disk else ["--cache-dir=/dev/null/none"]
    fake.config(rate_time_scale=scale, latency_ms=int(RTT * 1000))
    fake.reset()
    try:
        for name, (path, read) in ROUND_TRIPS.items():
            m = h.Mount(fake, f"--rate-time-scale={scale:g}", "--list-window=500", *opts,
                        deadline=60)
            m.start()
            try:
                full = m.path("orgs", ORG, path)
                # What leads to it (the org, the user, the run), not counted:
                # the figure is the list's pages (the log's) alone.
                os.stat(full)
                seq = fake.mark()
                t0 = time.monotonic()
                outcome = h.bounded(read, full, timeout=s.timeout_long, what=f"W8 {path}")
                secs = time.monotonic() - t0
                if outcome.error:
                    raise Problem(f"W8 {path} at {RTT:g} s latency: {outcome.error!r}")
                time.sleep(0.5)
                n = len(fake.requests(since=seq))
            finally:
                problem = m.stop()
                if problem:
                    raise Problem(f"W8 daemon: {problem}")
            r.add(f"w8.rt.{name}" + ("" if disk else ".nodisk"), secs / RTT)
            log(f"W8 {path} at {RTT * 1000:.0f} ms{'' if disk else ', no disk cache'}: "
                f"{secs:.2f} s, {secs / RTT:.2f} round trips, {n} requests")
    finally:
        fake.config(latency_ms=s.latency_ms)


W8_REPS = 3     # at most: a repetition takes about 50 s (the bench fits in 10 minutes)


def w8(b, reps):
    s = b.s
    reps = min(reps, W8_REPS)
    fake = h.Fake("--latency-ms", str(s.latency_ms), "--rate-limits", "on",
                  "--runs", str(s.w8_org_runs), token=TOKEN)
    try:
        for _ in range(reps):
            extra = 0
            for window in s.w8_windows:
                extra = max(extra, w8_window(b, fake, window, s.scale["W8"]))
                w8_cold_nodisk(b, fake, window, s.scale["W8"])
            b.r.add("w8.extra_requests", extra)
            w8_round_trips(b, fake, s.scale["W8"], True)
            w8_round_trips(b, fake, s.scale["W8"], False)
    finally:
        fake.stop()
