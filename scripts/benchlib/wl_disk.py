"""Workload W9: what the disk cache of finished runs (fs/disk.c, SQLite) costs
on the request path, at 0 ms of latency so that nothing hides it: a cold `ls
runs/` with the cache on (empty) against the same with it off; the same with
many more finished runs in the cache; a lookup served from the database with
that many cached against one with few; and what the cache directory holds."""

import json
import os
import shutil
import sqlite3
import tempfile
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import ORG
from .results import Problem

FAR = 10_000_000        # the first id of the runs only the database holds


def fresh_dir(mode=0o700):
    d = tempfile.mkdtemp(prefix="cgfs-bench-w9-")
    os.chmod(d, mode)
    return d


def mount(b, scale, cache):
    return h.Mount(b.fake, f"--rate-time-scale={scale:g}", f"--cache-dir={cache}",
                   deadline=30, env={"XDG_CACHE_HOME": cache})


def cold_ls(b, scale, cache):
    """Seconds of one cold `ls runs/` on a fresh mount whose cache is cache."""
    m = mount(b, scale, cache).start()
    try:
        t0 = time.monotonic()
        outcome = h.bounded(os.listdir, m.path("orgs", ORG, "runs"), timeout=b.s.timeout_long,
                            what="W9 ls runs/")
        secs = time.monotonic() - t0
        if outcome.error or not outcome.value:
            raise Problem(f"W9 ls runs/: {outcome.error!r}")
        return secs
    finally:
        problem = m.stop()
        if problem:
            raise Problem(f"W9: the daemon: {problem}")


def disk_lookup(b, scale, cache, run):
    """Seconds of `cat runs/<run>/status` on a fresh mount, for a run the fake
    does not have: the database answers, with no request (checked)."""
    m = mount(b, scale, cache).start()
    try:
        seq = b.mark()
        t0 = time.monotonic()
        outcome = h.bounded(h.read_bytes, m.path("orgs", ORG, "runs", str(run), "status"),
                            timeout=60, what="W9 lookup")
        secs = time.monotonic() - t0
        asked = [e for e in b.requests(seq) if f"/run/{run}" in e["path"]]
        if outcome.error or asked or not outcome.value.strip():
            raise Problem(f"W9 cat runs/{run}/status: {outcome.error!r}, "
                          f"{len(asked)} requests for it")
        return secs
    finally:
        problem = m.stop()
        if problem:
            raise Problem(f"W9: the daemon: {problem}")


def account_of(cache):
    names = os.listdir(cache)
    if len(names) != 1:
        raise Problem(f"W9: the cache directory holds {names}, not one account")
    return os.path.join(cache, names[0])


def fill(db_path, template, first, n):
    """n copies of the run template (its id changed) as runs first.. of the
    org, in the table fs/disk.c reads (kind 0: a run)."""
    run = json.loads(template)
    db = sqlite3.connect(db_path)

    def rows():
        for i in range(n):
            run["id"] = first + i
            yield ORG, first + i, json.dumps(run, separators=(",", ":")).encode()
    db.executemany("INSERT OR IGNORE INTO entry (kind, org, run, data) VALUES (0, ?, ?, ?)",
                   rows())
    db.commit()
    db.close()


def w9(b, reps):
    s, r = b.s, b.r
    scale = s.scale["W9"]
    b.configure(scale, latency_ms=0)
    dirs = []
    try:
        for _ in range(reps):
            on, off = fresh_dir(), fresh_dir(0o755)     # 755: refused, no disk cache
            dirs += [on, off]
            r.add("w9.on.cold", cold_ls(b, scale, on))
            r.add("w9.off.cold", cold_ls(b, scale, off))
        # A cache that holds w9_cached more finished runs than the fake has.
        big = fresh_dir()
        dirs.append(big)
        cold_ls(b, scale, big)
        db_path = os.path.join(account_of(big), "cache.db")
        db = sqlite3.connect(db_path)
        row = db.execute("SELECT data FROM entry WHERE kind = 0 LIMIT 1").fetchone()
        db.close()
        r.check(row is not None, "W9: the cold ls cached no finished run")
        fill(db_path, row[0], FAR, s.w9_cached)
        # The same run (not in the fake's list) in a cache of a few hundred.
        far = FAR + s.w9_cached // 2
        small = fresh_dir()
        dirs.append(small)
        cold_ls(b, scale, small)
        fill(os.path.join(account_of(small), "cache.db"), row[0], far, 1)
        for _ in range(reps):
            r.add("w9.big.cold", cold_ls(b, scale, big))
            r.add("w9.big.lookup", disk_lookup(b, scale, big, far))
            r.add("w9.small.lookup", disk_lookup(b, scale, small, far))
        files = sorted(os.listdir(account_of(big)))
        r.add("w9.big.files", sum(1 for f in files if not f.endswith(("-wal", "-shm"))))
        r.add("w9.big.mb", sum(os.path.getsize(os.path.join(account_of(big), f))
                               for f in files) / 1e6)
        r.info["w9.big.files"] = " ".join(files)
    finally:
        b.fake.config(latency_ms=s.latency_ms)
        for d in dirs:
            shutil.rmtree(d, True)
