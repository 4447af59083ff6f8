"""The bench's command: its options, the preflight checks, the plan of
workloads on the fakes, the machine facts, and the run's JSON (main)."""

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import MEMFS_BIN, TOKEN, WORKLOADS, Setup
from .results import Problem, Results, log
from .baselines import Companion, w1_curl
from .context import Bench
from .report import report
from .wl_tree import w1_w2, w3
from .wl_logs import w4, w4_tail, w5, w5_tls
from .wl_memory import w6
from .wl_outbox import w7
from .wl_scale import w8
from .wl_disk import w9


def machine():
    def run(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": run(["nproc"]),
        "cpu": cpu,
        "kernel": platform.release(),
        "libfuse": run(["pkg-config", "--modversion", "fuse3"]),
        "fusermount3": run(["fusermount3", "-V"]),
        "python": platform.python_version(),
        "curl": run(["curl", "--version"]).split("\n")[0],
        "jq": run(["jq", "--version"]),
        "cgfs_bin": h.CGFS_BIN,
        "memfs_bin": MEMFS_BIN,
    }


def parse_args(argv, usage):
    """usage: the launcher's docstring (its first paragraph is --help's text)."""
    p = argparse.ArgumentParser(prog="scripts/bench", description=usage.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=None,
                   help="repetitions of every figure (default 5; 1 with --smoke)")
    p.add_argument("--smoke", action="store_true",
                   help="one repetition, small sizes, 5 ms latency: checks that every "
                        "workload runs and gives possible figures")
    p.add_argument("--only", default=None,
                   help="comma-separated workloads to run (W1..W9; W2 runs with W1)")
    p.add_argument("--apart", action="store_true",
                   help="run W1's curl baseline on its own instead of side by side with "
                        "W5's one reader (longer: ~4 more minutes)")
    p.add_argument("--json", metavar="FILE", help="write every sample and figure as JSON")
    p.add_argument("--report", metavar="FILE",
                   help="measure nothing: print (and with --markdown write) the tables of "
                        "the run saved in FILE by --json")
    p.add_argument("--markdown", metavar="FILE", help="write the tables as Markdown")
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = 1 if args.smoke else 5
    if args.reps < 1:
        p.error("--reps must be at least 1")
    only = WORKLOADS
    if args.only:
        only = tuple(w.strip().upper() for w in args.only.split(",") if w.strip())
        bad = [w for w in only if w not in WORKLOADS]
        if bad:
            p.error(f"unknown workloads {bad}; choose among {', '.join(WORKLOADS)}")
    args.workloads = only
    return args


def preflight(workloads):
    problems = []
    if h.skip_reason():
        problems.append(h.skip_reason())
    if not os.access(h.CGFS_BIN, os.X_OK):
        problems.append(f"codegen-fs binary {h.CGFS_BIN} is missing (build it, or set CGFS_BIN)")
    if set(workloads) & {"W2", "W3", "W4"} and not os.access(MEMFS_BIN, os.X_OK):
        problems.append(f"{MEMFS_BIN} is missing (ninja -C build, or set CGFS_MEMFS_BIN)")
    for tool in ("curl", "jq", "tail", "find"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not installed")
    if not os.path.isdir("/dev/shm"):
        problems.append("/dev/shm (tmpfs) is missing")
    return problems


def on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv, usage):
    """Run the bench (argv: its arguments, usage: scripts/bench's docstring);
    -> the exit status."""
    args = parse_args(argv, usage)
    if args.report:
        with open(args.report) as f:
            report(json.load(f), args.markdown)
        return 0
    setup = Setup(args.smoke)
    started = time.monotonic()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)     # also when started in the background
    problems = preflight(args.workloads)
    if problems:
        for p in problems:
            log(f"bench: {p}")
        return 1
    results = Results()
    info = machine()
    load_start = os.getloadavg()
    command = "scripts/bench " + " ".join(shlex.quote(a) for a in argv)
    log(f"bench: {command}: {args.reps} repetition(s), latency {setup.latency_ms} ms, "
        f"workloads {','.join(args.workloads)}")
    timings = {}
    interrupted = False
    with contextlib.ExitStack() as stack:
        fake = h.Fake("--latency-ms", str(setup.latency_ms), "--rate-limits", "on",
                      token=TOKEN)
        stack.callback(fake.stop)
        shm = tempfile.mkdtemp(prefix="cgfs-bench-", dir="/dev/shm")
        stack.callback(shutil.rmtree, shm, True)
        bench = Bench(setup, results, fake, shm)
        plan = []
        do_w1 = "W1" in args.workloads or "W2" in args.workloads
        companion = None
        if do_w1:
            # W1's baseline runs on a fake of its own: side by side with W5's one
            # reader when W5 runs too (unless --apart), else after W1.
            fake2 = h.Fake("--latency-ms", str(setup.latency_ms), "--rate-limits", "on",
                           token=TOKEN)
            stack.callback(fake2.stop)
            bench2 = Bench(setup, results, fake2, shm)
            if "W5" in args.workloads and not args.apart:
                companion = Companion(bench2)
            plan.append(("W1+W2" if "W2" in args.workloads else "W1",
                         lambda: w1_w2(bench, args.reps, "W2" in args.workloads)))

            def curl_rest():
                for _ in range(args.reps - len(results.samples["w1.curl.time"])):
                    w1_curl(bench2)
            if companion is None:
                plan.append(("W1 baseline", curl_rest))
        if "W3" in args.workloads:
            plan.append(("W3", lambda: w3(bench, args.reps)))
        if "W4" in args.workloads:
            plan.append(("W4", lambda: w4(bench, args.reps)))
            plan.append(("W4 tail", lambda: w4_tail(bench)))
        if "W5" in args.workloads:
            plan.append(("W5" + (" + W1 baseline" if companion else ""),
                         lambda: w5(bench, args.reps, companion)))
            if companion is not None:
                # Repetitions the companion could not run (W5 failed) run alone.
                plan.append(("W1 baseline (rest)", curl_rest))
            plan.append(("W5 TLS", lambda: w5_tls(bench, args.reps)))
        if "W6" in args.workloads:
            plan.append(("W6", lambda: w6(bench, args.reps)))
        if "W7" in args.workloads:
            plan.append(("W7", lambda: w7(bench, args.reps)))
        if "W8" in args.workloads:
            plan.append(("W8", lambda: w8(bench, args.reps)))
        if "W9" in args.workloads:
            plan.append(("W9", lambda: w9(bench, args.reps)))
        for name, fn in plan:
            t0 = time.monotonic()
            try:
                fn()
            except KeyboardInterrupt:
                results.problems.append(f"{name}: interrupted")
                interrupted = True
                break
            except (Problem, h.Hung, h.MountError, h.FakeError, OSError) as exc:
                results.problems.append(f"{name}: {exc}")
                log(f"bench: {name} failed: {exc}")
                if not fake.alive():
                    results.problems.append("the fake API died: " + fake.stderr_tail()[-1000:])
                    break
            finally:
                timings[name] = time.monotonic() - t0
                log(f"bench: {name} took {timings[name]:.1f} s")
    elapsed = time.monotonic() - started
    if len(results.statuses) == 2 and results.statuses["curl"] != results.statuses["codegen-fs"]:
        results.notes.append(f"W1: the statuses of codegen-fs and curl differ: "
                             f"{dict(results.statuses['codegen-fs'])} vs "
                             f"{dict(results.statuses['curl'])}")
    data = {"command": command, "date": time.strftime("%Y-%m-%d"), "machine": info,
            "setup": setup.as_dict(), "reps": args.reps, "workloads": list(args.workloads),
            "elapsed": elapsed, "timings": timings, "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(), "samples": results.samples, "info": results.info,
            "notes": results.notes, "problems": results.problems,
            "w4": bench.cache.get("w4"), "w5": bench.cache.get("w5")}
    rows = report(data, args.markdown)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(data, rows=rows), f, indent=2, default=str)
            f.write("\n")
    if interrupted:
        return 130
    return 1 if results.problems else 0
