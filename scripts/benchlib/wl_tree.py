"""Workloads W1-W3 on the tree: `cat runs/*/status` cold (W1), `grep` warm and
after --list-ttl (W2), `ls -lR` and `find` cold and warm (W3)."""

import collections
import contextlib
import os
import statistics
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import INNER, ORG, PAUSE
from .results import Problem, log
from .measure import is_logs, trace_text
from .baselines import mirror_tree, write_tree


def w1_w2(b, reps, do_w2):
    s, r = b.s, b.r
    n = s.runs
    window = [] if n == 500 else [f"--list-window={n}"]
    w2_root = os.path.join(b.shm, "w2")
    memfs = None
    with contextlib.ExitStack() as stack:
        for rep in range(reps):
            # codegen-fs, on a fresh mount.
            b.configure(s.scale["W1"])
            seq = b.mark()
            with b.mount(s.scale["W1"], *window) as m:
                org = m.path("orgs", ORG)
                rc, out, err, secs = b.timed(["sh", "-c", "cat runs/*/status"], cwd=org)
                cold_end = time.monotonic()
                reqs = b.requests(seq)
                statuses = out.split()
                r.check(rc == 0 and len(statuses) == n,
                        f"W1 cat runs/*/status: rc {rc}, {len(statuses)} lines, {err[-300:]!r}")
                r.check(len(reqs) > 0, "W1: codegen-fs made no request on a fresh mount")
                r.add("w1.cgfs.time", secs)
                r.add("w1.cgfs.requests", len(reqs))
                r.add("w1.cgfs.mount", m.mount_seconds)
                r.info["w1.cgfs.requests"] = trace_text(reqs)
                r.statuses["codegen-fs"] = collections.Counter(statuses)
                log(f"W1 {rep + 1}/{reps}: codegen-fs {secs:.3f} s, {len(reqs)} requests "
                    f"(mount {m.mount_seconds:.3f} s)")
                if not do_w2:
                    continue
                # W2: the same files, warm, against the same files in memory
                # behind FUSE and on tmpfs.  On each: a first grep, then 5 more,
                # each after a 0.1 s pause (each starts on a quiet machine, as a
                # command typed by a user does; the 5 fit in the kernel's 1 s
                # entry timeout); a repetition's figure is the median of the 5.
                grep = ["sh", "-c", "grep -l FAILED runs/*/status"]
                rc0, first, err0, _ = b.timed(grep, cwd=org)
                r.check(rc0 == 0 and first, f"W2 first grep: rc {rc0}, {err0[-300:]!r}")
                seq = b.mark()
                times = {"cgfs": []}
                for _ in range(INNER):
                    time.sleep(PAUSE)
                    rc, out, err, secs = b.timed(grep, cwd=org)
                    r.check(rc == 0 and out == first,
                            f"W2 warm grep: rc {rc}, output {len(out)} bytes, not {len(first)}")
                    times["cgfs"].append(secs)
                reqs = b.requests(seq)
                if memfs is None:
                    ids = os.listdir(os.path.join(org, "runs"))
                    files = {}
                    for run_id in ids:
                        with open(os.path.join(org, "runs", run_id, "status"), "rb") as f:
                            files[f"orgs/{ORG}/runs/{run_id}/status"] = f.read()
                    write_tree(w2_root, files)
                    memfs = stack.enter_context(b.memfs(w2_root))
                for name, root in (("memfs", memfs.path("orgs", ORG)),
                                   ("tmpfs", os.path.join(w2_root, "orgs", str(ORG)))):
                    b.timed(grep, cwd=root)
                    times[name] = []
                    for _ in range(INNER):
                        time.sleep(PAUSE)
                        rc, out, err, secs = b.timed(grep, cwd=root)
                        r.check(rc == 0 and out == first, f"W2 {name}: grep output differs")
                        times[name].append(secs)
                for name in times:
                    r.add(f"w2.{name}.per_file", statistics.median(times[name]) / n * 1e6)
                r.add("w2.cgfs.requests", len(reqs) / INNER)
                if reqs:
                    r.info["w2.cgfs.requests"] = trace_text(reqs)
                # The same grep once the list is stale (--list-ttl, 10 s).
                time.sleep(max(0.0, cold_end + s.w2_later - time.monotonic()))
                seq = b.mark()
                rc, out, err, secs = b.timed(grep, cwd=org)
                reqs = b.requests(seq)
                r.check(rc == 0 and out == first, f"W2 later grep: rc {rc}")
                r.add("w2.later.per_file", secs / n * 1e6)
                r.add("w2.later.requests", len(reqs))
                r.info["w2.later.requests"] = trace_text(reqs)
                log(f"W2 {rep + 1}/{reps}: per file codegen-fs "
                    f"{r.samples['w2.cgfs.per_file'][-1]:.1f} µs, memfs "
                    f"{r.samples['w2.memfs.per_file'][-1]:.1f} µs, tmpfs "
                    f"{r.samples['w2.tmpfs.per_file'][-1]:.1f} µs; {s.w2_later:g} s later "
                    f"{r.samples['w2.later.per_file'][-1]:.1f} µs "
                    f"({r.samples['w2.later.requests'][-1]} requests)")


def w3(b, reps):
    s, r = b.s, b.r
    window = [] if s.runs == 500 else [f"--list-window={s.runs}"]
    scale = s.scale["W3"]
    root = os.path.join(b.shm, "w3")
    commands = {"lslr": ["ls", "-lR"], "find": ["find"]}
    given_up = {}
    have_tree = False
    for rep in range(reps):
        for name, argv in commands.items():
            if name in given_up:
                continue
            b.configure(scale)
            with b.mount(scale, *window) as m:
                org = m.path("orgs", ORG)
                seq = b.mark()
                try:
                    rc, out, err, secs = b.timed(argv + [org], timeout=s.w3_bound)
                except h.Hung:
                    reqs = b.requests(seq)
                    logs = sum(1 for e in reqs if is_logs(e))
                    text = (f"did not finish within {s.w3_bound:g} s: {len(reqs)} requests by "
                            f"then, {logs} of them GET .../logs ({trace_text(reqs, 4)})")
                    given_up[name] = text
                    r.info[f"w3.{name}.cold.time"] = text
                    r.problems.append(f"W3 {' '.join(argv)} (cold) {text}")
                    log(f"W3 {' '.join(argv)}: {text}")
                    continue
                reqs = b.requests(seq)
                r.check(rc == 0 and out.count("\n") > 0,
                        f"W3 {' '.join(argv)}: rc {rc}, {out.count(chr(10))} lines, {err[-300:]!r}")
                r.check(len(reqs) > 0, f"W3 {' '.join(argv)}: no request on a fresh mount")
                r.add(f"w3.{name}.cold.time", secs)
                r.add(f"w3.{name}.cold.requests", len(reqs))
                r.info[f"w3.{name}.cold.requests"] = trace_text(reqs)
                seq = b.mark()
                rc, out2, err, secs2 = b.timed(argv + [org])
                reqs = b.requests(seq)
                r.check(rc == 0 and out2.count("\n") > 0, f"W3 {' '.join(argv)} warm: rc {rc}")
                r.add(f"w3.{name}.warm.time", secs2)
                r.add(f"w3.{name}.warm.requests", len(reqs))
                if reqs:
                    r.info[f"w3.{name}.warm.time"] = f"{len(reqs)} requests: {trace_text(reqs)}"
                log(f"W3 {rep + 1}/{reps} {' '.join(argv)}: cold {secs:.3f} s "
                    f"({r.samples[f'w3.{name}.cold.requests'][-1]} requests), warm {secs2:.3f} s "
                    f"({len(reqs)} requests)")
                if not have_tree:
                    outcome = h.bounded(mirror_tree, org, os.path.join(root, "orgs", str(ORG)),
                                        timeout=120, what="copy of the org tree")
                    if outcome.error:
                        raise Problem(f"W3: copying the tree: {outcome.error!r}")
                    have_tree = True
        if not have_tree:
            continue
        # The baselines: the same tree in memory behind FUSE (fresh mount: cold), tmpfs.
        for name, argv in commands.items():
            if name in given_up:
                continue
            with b.memfs(root) as fs:
                org = fs.path("orgs", ORG)
                rc, out, err, secs = b.timed(argv + [org])
                rc2, out2, err2, secs2 = b.timed(argv + [org])
                r.check(rc == 0 and rc2 == 0, f"W3 memfs {' '.join(argv)}: rc {rc}/{rc2}")
                r.add(f"w3.{name}.memfs.cold", secs)
                r.add(f"w3.{name}.memfs.warm", secs2)
            org = os.path.join(root, "orgs", str(ORG))
            b.timed(argv + [org])
            rc, out, err, secs = b.timed(argv + [org])
            r.add(f"w3.{name}.tmpfs", secs)
