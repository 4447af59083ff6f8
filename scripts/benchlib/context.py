"""Bench: the context every workload runs in: the fake (configure, its request
log), fresh codegen-fs and memfs mounts, bounded commands and readers, and
facts about the sample data."""

import contextlib
import os
import subprocess
import sys
import threading
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .baselines import MemFS
from .results import Problem


class Bench:
    def __init__(self, setup, results, fake, shm):
        self.s = setup
        self.r = results
        self.fake = fake
        self.shm = shm
        self.cache = {}

    # -- the fake ------------------------------------------------------------

    def configure(self, scale, **more):
        self.fake.config(rate_time_scale=scale, **more)
        self.fake.reset()

    def mark(self):
        return self.fake.mark()

    def requests(self, seq):
        return self.fake.requests(since=seq)

    def run_state(self, run_id):
        return self.fake.run_state(run_id)

    # -- mounts ----------------------------------------------------------------

    @contextlib.contextmanager
    def mount(self, scale, *opts, **kw):
        """A fresh codegen-fs mount (its own HOME and XDG_CACHE_HOME, so nothing
        cached by an earlier mount), unmounted at the end; kw as harness.Mount's
        (base_url, env)."""
        m = h.Mount(self.fake, f"--rate-time-scale={scale:g}", *opts, deadline=30, **kw)
        started = time.monotonic()
        m.start()
        m.mount_seconds = time.monotonic() - started
        try:
            yield m
        finally:
            problem = m.stop()
            if problem and sys.exc_info()[0] is None:
                raise Problem(f"the daemon: {problem}")

    @contextlib.contextmanager
    def memfs(self, src):
        fs = MemFS(src)
        try:
            yield fs
        finally:
            fs.stop()

    # -- commands --------------------------------------------------------------

    def timed(self, cmd, timeout=120.0, cwd=None, env=None):
        """-> (rc, stdout, stderr, seconds); raises harness.Hung after timeout."""
        started = time.monotonic()
        rc, out, err = h.sh(cmd, timeout=timeout, cwd=cwd, env=env)
        return rc, out, err, time.monotonic() - started

    def readers(self, argvs, timeout):
        """Start every argv at once; -> (seconds until all exited, [(rc, bytes, stderr)])."""
        procs, counts, errs, threads = [], [0] * len(argvs), [b""] * len(argvs), []

        def drain(i, proc):
            total = 0
            for chunk in iter(lambda: proc.stdout.read(65536), b""):
                total += len(chunk)
            counts[i] = total

        def drain_err(i, proc):
            errs[i] = proc.stderr.read()[-2000:]

        started = time.monotonic()
        try:
            for i, argv in enumerate(argvs):
                proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL)
                procs.append(proc)
                for fn in (drain, drain_err):
                    t = threading.Thread(target=fn, args=(i, proc), daemon=True)
                    t.start()
                    threads.append(t)
            deadline = started + timeout
            for proc in procs:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            for t in threads:
                t.join(max(0.0, deadline - time.monotonic()))
            seconds = time.monotonic() - started
        except subprocess.TimeoutExpired:
            for proc in procs:
                h.kill_bounded(proc)
            raise h.Hung(f"{len(argvs)} readers did not finish within {timeout} s")
        finally:
            for proc in procs:
                if proc.poll() is None:
                    h.kill_bounded(proc)
        for proc in procs:
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        return seconds, [(p.returncode, counts[i], errs[i].decode("utf-8", "replace"))
                         for i, p in enumerate(procs)]

    def baseline_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODEGEN_")}
        env.update(CODEGEN_API_BASE_URL=self.fake.url, CODEGEN_API_TOKEN=self.fake.token)
        return env

    # -- facts about the sample data (control endpoints: not rate-limited) ----

    def log_counts(self, ids):
        key = ("log_counts", tuple(ids))
        if key not in self.cache:
            self.cache[key] = {i: self.run_state(i)["log_count"] for i in ids}
        return self.cache[key]

    def statuses(self, ids):
        key = ("statuses", tuple(ids))
        if key not in self.cache:
            self.cache[key] = {i: self.run_state(i)["run"]["status"] for i in ids}
        return self.cache[key]

    def newest_ids(self, n):
        """The ids of the newest n runs of the org (the sample data: 1300 down)."""
        return list(range(1300, 1300 - n, -1))
