"""Workloads on logs: `cat` of finished runs' logs cold and warm (W4), the lag
of `tail -f` on a live run (W4 tail), and 16 concurrent readers (W5), also over
HTTPS with HTTP/2 through nginx (W5 TLS: the connections they share)."""

import contextlib
import math
import os
import statistics
import subprocess
import threading
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import BASELINE_SH, LIVE_RUN, ORG
from .results import Problem, log
from .measure import is_logs, listen_overflows, trace_text
from .baselines import write_tree


def w4(b, reps):
    s, r = b.s, b.r
    # The newest finished runs (their logs never change).
    candidates = b.newest_ids(s.runs)
    statuses = b.statuses(candidates)
    ids = [i for i in candidates if statuses[i] in h.FINISHED][:s.w4_logs]
    counts = b.log_counts(ids)
    entries = sum(counts.values())
    pages = sum(max(1, math.ceil(c / 100)) for c in counts.values())
    b.cache["w4"] = dict(ids=ids, entries=entries, pages=pages)
    root = os.path.join(b.shm, "w4")
    scale = s.scale["W4"]
    window = [] if s.runs == 500 else [f"--list-window={s.runs}"]
    memfs = None
    with contextlib.ExitStack() as stack:
        for rep in range(reps):
            b.configure(scale)
            seq = b.mark()
            rc, out, err, secs = b.timed([BASELINE_SH, "logs", str(ORG)] + [str(i) for i in ids],
                                         timeout=s.timeout_long, env=b.baseline_env())
            reqs = b.requests(seq)
            r.check(rc == 0 and len(out.splitlines()) == entries,
                    f"W4 curl baseline: rc {rc}, {len(out.splitlines())} lines, not {entries}: "
                    f"{err[-300:]!r}")
            r.add("w4.curl.time", secs)
            r.add("w4.curl.requests", len(reqs))

            b.configure(scale)
            with b.mount(scale, *window) as m:
                org = m.path("orgs", ORG)
                b.timed(["ls", os.path.join(org, "runs")])      # the listing, not timed
                paths = [os.path.join(org, "runs", str(i), "logs") for i in ids]
                seq = b.mark()
                rc, out, err, secs = b.timed(["cat"] + paths, timeout=s.timeout_long)
                reqs = b.requests(seq)
                r.check(rc == 0 and out.count("\n") == entries,
                        f"W4 cat logs (cold): rc {rc}, {out.count(chr(10))} lines, not {entries}")
                r.check(sum(1 for e in reqs if is_logs(e)) >= len(ids),
                        f"W4: {len(reqs)} requests for the logs of {len(ids)} runs")
                r.add("w4.cold.time", secs)
                r.add("w4.cold.requests", len(reqs))
                r.info["w4.cold.requests"] = trace_text(reqs)
                seq = b.mark()
                rc, out2, err, secs2 = b.timed(["cat"] + paths)
                reqs = b.requests(seq)
                r.check(rc == 0 and out2 == out, "W4 cat logs (warm) differs from cold")
                r.add("w4.warm.time", secs2)
                r.add("w4.warm.requests", len(reqs))
                if reqs:
                    r.info["w4.warm.time"] = f"{len(reqs)} requests: {trace_text(reqs)}"
                if rep == 0:
                    files = {}
                    for i, path in zip(ids, paths):
                        with open(path, "rb") as f:
                            files[f"orgs/{ORG}/runs/{i}/logs"] = f.read()
                    write_tree(root, files)
                    expected = out
            if memfs is None:
                memfs = stack.enter_context(b.memfs(root))
            for name, base in (("memfs", memfs.mnt), ("tmpfs", root)):
                paths = [os.path.join(base, "orgs", str(ORG), "runs", str(i), "logs") for i in ids]
                b.timed(["cat"] + paths)
                rc, out, err, secs = b.timed(["cat"] + paths)
                r.check(rc == 0 and out == expected, f"W4 {name}: the logs differ")
                r.add(f"w4.{name}.time", secs)
            log(f"W4 {rep + 1}/{reps}: cold {r.samples['w4.cold.time'][-1]:.3f} s "
                f"({r.samples['w4.cold.requests'][-1]} requests), curl + jq "
                f"{r.samples['w4.curl.time'][-1]:.3f} s ({r.samples['w4.curl.requests'][-1]}), "
                f"warm {r.samples['w4.warm.time'][-1] * 1000:.1f} ms, memfs "
                f"{r.samples['w4.memfs.time'][-1] * 1000:.1f} ms")


def w4_tail(b):
    """The lag of `tail -f` behind a live run's entries on the server.  A poller
    asks the fake (control endpoint, no latency, not rate-limited) for the run's
    entry count every 10 ms: entry i exists from the poll that first counts it.
    The same poller appends a line per new entry to a local file that a second
    `tail -f` (polling, as on FUSE) follows: the limit of tail itself."""
    s, r = b.s, b.r
    scale = s.scale["W4-tail"]
    b.configure(scale, log_interval_ms=s.tail_interval_ms)
    mirror = os.path.join(b.shm, "tail-mirror")
    born, seen = {}, {"mount": {}, "mirror": {}}
    stop = threading.Event()
    first = threading.Event()
    state = {"count": None}
    mirror_file = open(mirror, "w")
    procs = []

    def poll():
        while not stop.is_set():
            try:
                count = b.run_state(LIVE_RUN)["log_count"]
            except Exception:       # the fake is stopping
                return
            now = time.monotonic()
            if state["count"] is None:
                mirror_file.write("entry\n" * count)
                mirror_file.flush()
                state["count"] = count
                first.set()
            elif count > state["count"]:
                for i in range(state["count"], count):
                    born[i] = now
                mirror_file.write("entry\n" * (count - state["count"]))
                mirror_file.flush()
                state["count"] = count
            stop.wait(0.01)

    def follow(name, proc):
        i = 0
        for line in iter(proc.stdout.readline, b""):
            seen[name][i] = time.monotonic()
            i += 1

    clock = time.time() - time.monotonic()     # monotonic -> unix time
    try:
        with b.mount(scale) as m:
            seq = b.mark()
            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            r.check(first.wait(10), "W4 tail: the fake's run state did not answer")
            path = m.path("orgs", ORG, "runs", LIVE_RUN, "logs")
            for name, argv in (("mount", ["tail", "-n", "+1", "-f", path]),
                               ("mirror", ["tail", "---disable-inotify", "-n", "+1", "-f",
                                           mirror])):
                proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        stdin=subprocess.DEVNULL)
                procs.append(proc)
                threading.Thread(target=follow, args=(name, proc), daemon=True).start()
            start_count = state["count"]
            deadline = time.monotonic() + s.tail_lines * s.tail_interval_ms / 1000 + 15
            want = None
            while time.monotonic() < deadline:
                ready = [i for i in born if i >= start_count and i in seen["mount"]
                         and i in seen["mirror"]]
                if len(ready) >= s.tail_lines:
                    want = sorted(ready)[:s.tail_lines]
                    break
                time.sleep(0.05)
            r.check(want is not None,
                    f"W4 tail: {len(seen['mount'])} lines from the mount, "
                    f"{len([i for i in born if i >= start_count])} new entries on the server "
                    f"within the bound")
            lags = [seen["mount"][i] - born[i] for i in want]
            limits = [seen["mirror"][i] - born[i] for i in want]
            r.check(min(lags) > -0.05, f"W4 tail: negative lag {min(lags):.3f} s")
            r.samples["w4.tail.lag"].extend(lags)
            r.samples["w4.tail.limit"].extend(limits)
            # Where the lag goes: the mount's logs requests for the run.
            fetches = sorted(e["time"] - clock for e in b.requests(seq) if is_logs(e))
            waits = []
            for i in want:
                later = [t for t in fetches if t >= born[i]]
                if later:
                    waits.append(later[0] - born[i])
            gaps = [b2 - a for a, b2 in zip(fetches, fetches[1:])]
            if waits and gaps:
                r.info["w4.tail.lag"] = (
                    f"{len(fetches)} logs requests, one every {statistics.median(gaps):.2f} s "
                    f"(median); from an entry's birth to the next logs request: "
                    f"{statistics.median(waits):.2f} s median "
                    f"({min(waits):.2f}–{max(waits):.2f}); entries every "
                    f"{s.tail_interval_ms / 1000:g} s")
            log(f"W4 tail -f: lag per line {', '.join(f'{x:.2f}' for x in lags)} s; "
                f"local tail {', '.join(f'{x:.2f}' for x in limits)} s")
    finally:
        stop.set()
        for proc in procs:
            h.kill_bounded(proc)
        mirror_file.close()
        b.fake.config(log_interval_ms=1000)
        b.fake.reset()


def w5(b, reps, companion=None):
    """companion (W1's curl baseline), when given, runs side by side with the
    one reader of each repetition (see docs/BENCHMARKS.md)."""
    s, r = b.s, b.r
    scale = s.scale["W5"]
    candidates = b.newest_ids(s.w5_window)
    statuses = b.statuses(candidates)
    counts = b.log_counts(candidates)
    ids = [i for i in candidates if statuses[i] in h.FINISHED and 0 < counts[i] <= 100]
    r.check(len(ids) >= s.w5_runs, f"W5: only {len(ids)} one-page runs in the window")
    ids = ids[:s.w5_runs]
    # The smallest list window (in whole pages) that lists them all.
    window = math.ceil((candidates.index(ids[-1]) + 1) / 100) * 100
    b.cache["w5"] = dict(first=ids[0], last=ids[-1], window=window, ids=ids)
    k = s.w5_readers
    for rep in range(reps):
        sizes = {}
        for mode in ("serial", "parallel"):
            b.configure(scale)
            if mode == "serial" and companion is not None:
                companion.start()
            try:
                with b.mount(scale, f"--list-window={window}") as m:
                    org = m.path("orgs", ORG)
                    b.timed(["ls", os.path.join(org, "runs")])      # the listing, not timed
                    paths = [os.path.join(org, "runs", str(i), "logs") for i in ids]
                    if mode == "serial":
                        argvs = [["cat"] + paths]
                    else:
                        argvs = [["cat"] + paths[j::k] for j in range(k)]
                    seq = b.mark()
                    drops = listen_overflows()
                    secs, outs = b.readers(argvs, timeout=s.timeout_long)
                    drops = listen_overflows() - drops
                    reqs = b.requests(seq)
            finally:
                if mode == "serial" and companion is not None:
                    companion.join()
            bad = [o for o in outs if o[0] != 0 or o[1] == 0]
            r.check(not bad, f"W5 {mode}: a reader failed or read nothing: {bad[:2]}")
            logs = sum(1 for e in reqs if is_logs(e))
            r.check(logs >= len(ids), f"W5 {mode}: {logs} logs requests for {len(ids)} runs")
            sizes[mode] = sum(o[1] for o in outs)
            r.add(f"w5.{mode}.time", secs)
            r.add(f"w5.{mode}.requests", len(reqs))
            r.add(f"w5.{mode}.429s", sum(1 for e in reqs if e["status"] == 429))
            r.add(f"w5.{mode}.listen_drops", drops)
            r.info[f"w5.{mode}.requests"] = trace_text(reqs)
        r.check(sizes["serial"] == sizes["parallel"],
                f"W5: serial read {sizes['serial']} bytes, parallel {sizes['parallel']}")
        log(f"W5 {rep + 1}/{reps}: one reader {r.samples['w5.serial.time'][-1]:.2f} s, "
            f"{k} readers {r.samples['w5.parallel.time'][-1]:.2f} s "
            f"({r.samples['w5.parallel.listen_drops'][-1]} SYNs dropped by a full backlog)")


def w5_tls(b, reps):
    """W5's readers over HTTPS/HTTP/2 (nginx in front of the fake, as the TLS
    e2e tests): one reader, then 16 at once, and the connections nginx saw
    each mount use (its $connection serial numbers)."""
    import tls  # tests/e2e: nginx with a throwaway CA
    s, r = b.s, b.r
    why = tls.skip_reason()
    if why:
        raise Problem(f"W5 TLS: {why}")
    w5c = b.cache.get("w5")
    if not w5c:
        raise Problem("W5 TLS runs after W5 (it reads the same runs' logs)")
    scale = s.scale["W5"]
    ids = w5c["ids"][:s.w5_tls_runs]
    k = s.w5_readers
    front = tls.TlsFront(b.fake)
    try:
        for rep in range(reps):
            for mode in ("serial", "parallel"):
                b.configure(scale)
                since = front.mark()
                with b.mount(scale, f"--list-window={w5c['window']}",
                             f"--ca-file={front.ca_file}", base_url=front.url(),
                             env={**tls.NO_PROXY_ENV, **tls.NO_CA_ENV}) as m:
                    org = m.path("orgs", ORG)
                    b.timed(["ls", os.path.join(org, "runs")])      # the listing, not timed
                    paths = [os.path.join(org, "runs", str(i), "logs") for i in ids]
                    argvs = ([["cat"] + paths] if mode == "serial"
                             else [["cat"] + paths[j::k] for j in range(k)])
                    secs, outs = b.readers(argvs, timeout=s.timeout_long)
                bad = [o for o in outs if o[0] != 0 or o[1] == 0]
                r.check(not bad, f"W5 TLS {mode}: a reader failed or read nothing: {bad[:2]}")
                served = front.log(since)
                r.check(served and {row[1] for row in served} == {"HTTP/2.0"},
                        f"W5 TLS {mode}: not all HTTP/2: {sorted({row[1] for row in served})}")
                r.add(f"w5.tls.{mode}.time", secs)
                r.add(f"w5.tls.{mode}.connections", len(front.connections(since)))
            log(f"W5 TLS {rep + 1}/{reps}: one reader {r.samples['w5.tls.serial.time'][-1]:.2f} s,"
                f" {k} readers {r.samples['w5.tls.parallel.time'][-1]:.2f} s over "
                f"{r.samples['w5.tls.parallel.connections'][-1]} connection(s)")
    finally:
        front.stop()
