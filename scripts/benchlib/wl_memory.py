"""Workload W6: the daemon's memory (RSS, peak) per listed, read and
logs-cached run, against the size of the runs' JSON; and what each run adds
(the slope between a window and a wider one), the goal's figure."""

import os
import statistics
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import ORG, RUN_FILES, TOKEN
from .context import Bench
from .results import Problem, log
from .measure import proc_status


def w6(b, reps):
    s = b.s
    # A fake of its own, with runs enough for the wider window.
    fake = h.Fake("--latency-ms", str(s.latency_ms), "--rate-limits", "on",
                  "--runs", str(s.w6_org_runs), token=TOKEN)
    try:
        w6_on(Bench(s, b.r, fake, b.shm), reps)
    finally:
        fake.stop()


def w6_on(b, reps):
    s, r = b.s, b.r
    scale = s.scale["W6"]
    n, wide = s.w6_window, s.w6_wide
    # The size of a run's JSON as the API sends it (compact UTF-8), from the
    # fake directly (the bench's own requests, not the mount's).
    b.configure(scale)
    runs = b.fake.runs(ORG)[:wide]
    sizes = [len(h.compact_json(x).encode()) for x in runs]
    json_avg = statistics.mean(sizes[:n])
    json_added = statistics.mean(sizes[n:])
    statuses = {x["id"]: x["status"] for x in runs}
    log_ids = [x["id"] for x in runs[:n] if x["status"] in h.FINISHED][:s.w6_logs]
    plain = [f for f in RUN_FILES if f not in ("logs", "logs.jsonl", "wait")]

    def read_all(org, ids):
        files = total = 0
        for i in ids:
            names = plain + (["wait"] if statuses.get(int(i)) in h.FINISHED else [])
            for name in names:
                with open(os.path.join(org, "runs", i, name), "rb") as f:
                    total += len(f.read())
                files += 1
        return files, total

    def jsonl_bytes(paths):
        total = 0
        for path in paths:
            with open(path, "rb") as f:
                total += sum(len(line.rstrip(b"\n")) for line in f)
        return total

    def list_and_read(m, window):
        """-> RSS (status dicts) after mounting, listing, reading every file; seconds."""
        pid = m.proc.pid
        org = m.path("orgs", ORG)
        time.sleep(0.2)
        before = proc_status(pid)
        t0 = time.monotonic()
        outcome = h.bounded(os.listdir, os.path.join(org, "runs"), timeout=s.timeout_long,
                            what="W6 listing")
        if outcome.error:
            raise Problem(f"W6 listing: {outcome.error!r}")
        ids = sorted(outcome.value, key=int)
        r.check(len(ids) == window, f"W6: {len(ids)} runs listed, not {window}")
        listed = proc_status(pid)
        t1 = time.monotonic()
        outcome = h.bounded(read_all, org, ids, timeout=s.timeout_long,
                            what="W6 read every file")
        if outcome.error:
            raise Problem(f"W6 reading every file: {outcome.error!r}")
        nfiles, nbytes = outcome.value
        r.check(nbytes > 0, f"W6: {nbytes} bytes read from {nfiles} files")
        read = proc_status(pid)
        return before, listed, read, (t1 - t0, time.monotonic() - t1, nfiles)

    for rep in range(reps):
        b.configure(scale)
        with b.mount(scale, f"--list-window={n}") as m:
            before, after_list, after_runs, (ls_s, read_s, nfiles) = list_and_read(m, n)
            pid = m.proc.pid
            org = m.path("orgs", ORG)
            t2 = time.monotonic()
            paths = []
            for i in log_ids:
                paths += [os.path.join(org, "runs", str(i), "logs"),
                          os.path.join(org, "runs", str(i), "logs.jsonl")]
            secs, outs = b.readers([["cat"] + paths[j::16] for j in range(16)],
                                   timeout=s.timeout_long)
            r.check(all(o[0] == 0 and o[1] > 0 for o in outs), f"W6: a logs reader failed: "
                    f"{[o for o in outs if o[0] != 0][:2]}")
            after_logs = proc_status(pid)
            t3 = time.monotonic()
            logs_avg = h.bounded(jsonl_bytes, paths[1::2], timeout=60).value / len(log_ids)
        b.configure(scale)
        with b.mount(scale, f"--list-window={wide}") as m:
            w_before, w_list, w_runs, _ = list_and_read(m, wide)
        grown = after_runs["VmRSS"] - before["VmRSS"]
        per_run = grown / n
        # What each run past the first n adds: the slope between the two
        # windows, free of what the mount holds whatever its runs (the
        # libraries' state, SQLite's page cache, threads and their stacks).
        added = ((w_runs["VmRSS"] - w_before["VmRSS"]) - grown) / (wide - n)
        added_listed = ((w_list["VmRSS"] - w_before["VmRSS"]) -
                        (after_list["VmRSS"] - before["VmRSS"])) / (wide - n)
        r.add("w6.rss0", before["VmRSS"] / 2**20)
        r.add("w6.hwm", after_logs["VmHWM"] / 2**20)
        r.add("w6.rss_end", after_logs["VmRSS"] / 2**20)
        r.add("w6.per_run_listed", (after_list["VmRSS"] - before["VmRSS"]) / n)
        r.add("w6.per_run", per_run)
        r.add("w6.json_per_run", json_avg)
        r.add("w6.beyond_json_avg", per_run - json_avg)
        r.add("w6.added_listed", added_listed)
        r.add("w6.added", added)
        r.add("w6.json_added", json_added)
        r.add("w6.beyond_json", added - json_added)
        r.add("w6.per_logs_run", (after_logs["VmRSS"] - after_runs["VmRSS"]) / len(log_ids))
        r.add("w6.logs_json_per_run", logs_avg)
        log(f"W6 {rep + 1}/{reps}: RSS {before['VmRSS'] / 2**20:.1f} -> listed "
            f"{after_list['VmRSS'] / 2**20:.1f} ({ls_s:.1f} s) -> {nfiles} files read "
            f"{after_runs['VmRSS'] / 2**20:.1f} ({read_s:.1f} s) -> logs of {len(log_ids)} "
            f"{after_logs['VmRSS'] / 2**20:.1f} MiB ({t3 - t2:.1f} s); peak "
            f"{after_logs['VmHWM'] / 2**20:.1f} MiB; {per_run:.0f} B per run, JSON "
            f"{json_avg:.0f} B; window {wide}: RSS {w_before['VmRSS'] / 2**20:.1f} -> "
            f"{w_runs['VmRSS'] / 2**20:.1f} MiB, {added:.0f} B per added run, JSON "
            f"{json_added:.0f} B")
