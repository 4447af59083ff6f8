"""The baselines a workload is compared with: the in-memory FUSE filesystem
(MemFS: build/bench/cgfs-memfs, torn down like harness.Mount), trees copied to
tmpfs, W1's curl + jq run (bench-baseline.sh; Companion runs it in a thread)
and W7's direct POSTs."""

import atexit
import collections
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import BASELINE_SH, MEMFS_BIN, ORG
from .results import Problem, log


_MEMFS = set()


class MemFS:
    """build/bench/cgfs-memfs SRC MNT, torn down like harness.Mount."""

    def __init__(self, src):
        self.dir = tempfile.mkdtemp(prefix="cgfs-bench-memfs-")
        self.mnt = os.path.join(self.dir, "mnt")
        os.mkdir(self.mnt)
        self.err_path = os.path.join(self.dir, "stderr")
        _MEMFS.add(self)
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([MEMFS_BIN, src, self.mnt], stdout=subprocess.DEVNULL,
                                         stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not h.mounted(self.mnt):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                text = self._stderr()
                self.stop()
                raise Problem(f"cgfs-memfs did not mount {src}: {text!r}")
            time.sleep(0.01)

    def _stderr(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def path(self, *parts):
        return os.path.join(self.mnt, *[str(p) for p in parts])

    def stop(self):
        if self.proc is not None and self.proc.poll() is None and h.mounted(self.mnt):
            try:
                subprocess.run([h.FUSERMOUNT, "-u", self.mnt], capture_output=True, timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                h.kill_bounded(self.proc)
        if h.mounted(self.mnt):
            subprocess.run([h.FUSERMOUNT, "-uz", self.mnt], capture_output=True, timeout=10)
        if not h.mounted(self.mnt):
            _MEMFS.discard(self)
            shutil.rmtree(self.dir, ignore_errors=True)


def _sweep_memfs():
    for m in list(_MEMFS):
        m.stop()


atexit.register(_sweep_memfs)


def write_tree(root, files):
    """files: {relative path: bytes}."""
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def mirror_tree(src, dst):
    """Copy what `ls -lR` and `find` see of a warm codegen-fs subtree: names,
    types, link targets, modes, sizes and mtimes (files are sparse: their
    content is not read, so the copy makes no request)."""
    os.makedirs(dst, exist_ok=True)
    with os.scandir(src) as it:
        entries = list(it)
    for e in entries:
        target = os.path.join(dst, e.name)
        st = e.stat(follow_symlinks=False)
        if e.is_symlink():
            os.symlink(os.readlink(e.path), target)
            continue
        if e.is_dir(follow_symlinks=False):
            mirror_tree(e.path, target)
        else:
            with open(target, "wb") as f:
                f.truncate(st.st_size)
        os.chmod(target, st.st_mode & 0o7777)
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def w1_curl(b):
    """One repetition of W1's baseline: bench-baseline.sh status (curl + jq, one
    request at a time), on the fake of b."""
    s, r = b.s, b.r
    n = s.runs
    b.configure(s.scale["W1-curl"])
    seq = b.mark()
    rc, out, err, secs = b.timed([BASELINE_SH, "status", str(ORG), str(n)],
                                 timeout=s.timeout_long, env=b.baseline_env())
    reqs = b.requests(seq)
    r.check(rc == 0, f"W1 curl baseline failed ({rc}): {err[-500:]}")
    lines = out.splitlines()
    r.check(len(lines) == n, f"W1 curl baseline printed {len(lines)} statuses, not {n}")
    r.check(len(reqs) >= n + 1, f"W1 curl baseline: only {len(reqs)} requests")
    r.add("w1.curl.time", secs)
    r.add("w1.curl.requests", len(reqs))
    r.add("w1.curl.429s", sum(1 for e in reqs if e["status"] == 429))
    r.statuses["curl"] = collections.Counter(line.split()[1] for line in lines)
    log(f"W1 baseline {len(r.samples['w1.curl.time'])}: curl + jq {secs:.2f} s, "
        f"{len(reqs)} requests")


class Companion:
    """Runs W1's curl baseline in a thread, side by side with W5's one reader."""

    def __init__(self, b):
        self.b = b
        self.thread = None
        self.error = None

    def start(self):
        def run():
            try:
                w1_curl(self.b)
            except BaseException as exc:     # handed to the main thread by join()
                self.error = exc
        self.error = None
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self):
        if self.thread is None:
            return
        self.thread.join(self.b.s.timeout_long + 30)
        alive = self.thread.is_alive()
        self.thread = None
        if alive:
            raise Problem("W1 curl baseline did not finish")
        if self.error is not None:
            raise self.error


def post_run(conn, fake, prompt):
    """POST a create on an open connection; -> the status."""
    try:
        conn.request("POST", f"/v1/organizations/{ORG}/agent/run",
                     body=json.dumps({"prompt": prompt}).encode(),
                     headers={"Authorization": f"Bearer {fake.token}",
                              "Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()
