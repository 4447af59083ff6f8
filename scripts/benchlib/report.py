"""The report of a run: the table of rows (figure, baseline, ratio, goal), the
formatting of figures, and report(), which prints the tables and the details
and writes them as Markdown."""

import math

from .config import WORKLOADS
from .results import summary


# The rows of the report.  ratio "base/x": how many times less the figure is
# than its baseline; "x/base": how many times the baseline the figure is.
# A goal compares that ratio (or, with no baseline or goal_on="figure", the
# figure) to a number.
ROWS = [
    dict(w="W1", key="w1.cgfs.requests", label="requests, `cat runs/*/status`, cold",
         unit="req", base="w1.curl.requests", base_label="curl + jq", ratio="base/x",
         rtext="x fewer", goal=(">=", 50)),
    dict(w="W1", key="w1.cgfs.time", label="wall time, `cat runs/*/status`, cold",
         unit="s", base="w1.curl.time", base_label="curl + jq", ratio="base/x",
         rtext="x less time", goal=(">=", 20)),
    dict(w="W1", key="w1.cgfs.mount", label="mount (fresh, incl. GET /users/me)", unit="s"),
    dict(w="W2", key="w2.cgfs.per_file", label="per file, `grep -l FAILED runs/*/status`, warm",
         unit="us", base="w2.memfs.per_file", base_label="in-memory FUSE", ratio="x/base",
         rtext="x of baseline", goal=("<=", 0.6)),
    dict(w="W2", key="w2.cgfs.per_file", label="per file, same, warm", unit="us",
         base="w2.tmpfs.per_file", base_label="tmpfs", ratio="x/base", rtext="x of baseline",
         goal=("<=", 3.5)),
    dict(w="W2", key="w2.cgfs.requests", label="requests of the warm grep", unit="req"),
    dict(w="W2", key="w2.later.per_file", label="per file, the same grep 11 s after the cold cat",
         unit="us", base="w2.memfs.per_file", base_label="in-memory FUSE", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W2", key="w2.later.requests", label="requests of the grep 11 s later", unit="req"),
    dict(w="W3", key="w3.lslr.cold.time", label="`ls -lR orgs/11`, cold", unit="s",
         base="w3.lslr.memfs.cold", base_label="in-memory FUSE, fresh mount", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W3", key="w3.lslr.cold.requests", label="requests of `ls -lR`, cold", unit="req"),
    dict(w="W3", key="w3.lslr.warm.time", label="`ls -lR orgs/11`, warm", unit="s",
         base="w3.lslr.memfs.warm", base_label="in-memory FUSE", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W3", key="w3.lslr.warm.time", label="`ls -lR orgs/11`, warm", unit="s",
         base="w3.lslr.tmpfs", base_label="tmpfs", ratio="x/base", rtext="x of baseline"),
    dict(w="W3", key="w3.find.cold.time", label="`find orgs/11`, cold", unit="s",
         base="w3.find.memfs.cold", base_label="in-memory FUSE, fresh mount", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W3", key="w3.find.cold.requests", label="requests of `find`, cold", unit="req"),
    dict(w="W3", key="w3.find.warm.time", label="`find orgs/11`, warm", unit="s",
         base="w3.find.memfs.warm", base_label="in-memory FUSE", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W3", key="w3.find.warm.time", label="`find orgs/11`, warm", unit="s",
         base="w3.find.tmpfs", base_label="tmpfs", ratio="x/base", rtext="x of baseline"),
    dict(w="W4", key="w4.cold.time", label="`cat` logs of {w4} finished runs, cold", unit="s",
         base="w4.curl.time", base_label="curl + jq", ratio="base/x", rtext="x less time"),
    dict(w="W4", key="w4.cold.requests", label="requests of the cold `cat`", unit="req",
         base="w4.curl.requests", base_label="curl + jq", ratio="base/x", rtext="x fewer"),
    dict(w="W4", key="w4.warm.time", label="the same `cat`, warm", unit="s",
         base="w4.memfs.time", base_label="in-memory FUSE", ratio="x/base",
         rtext="x of baseline", goal=("<=", 0.8)),
    dict(w="W4", key="w4.warm.time", label="the same `cat`, warm", unit="s",
         base="w4.tmpfs.time", base_label="tmpfs", ratio="x/base", rtext="x of baseline"),
    dict(w="W4", key="w4.tail.lag", label="`tail -f` lag behind the server (per line)",
         unit="s", base="w4.tail.limit", base_label="`tail -f` of a local copy (1 s polling)",
         ratio="x/base", rtext="x of baseline"),
    dict(w="W5", key="w5.parallel.time", label="{w5r} readers, logs of {w5} runs, cold",
         unit="s", base="w5.serial.time", base_label="one reader", ratio="base/x",
         rtext="x faster", goal=(">=", 4)),
    dict(w="W5", key="w5.parallel.requests", label="requests of the {w5r} readers", unit="req",
         base="w5.serial.requests", base_label="one reader", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W5", key="w5.tls.parallel.time",
         label="{w5r} readers over HTTPS/HTTP/2 (nginx), logs of {w5t} runs, cold", unit="s",
         base="w5.tls.serial.time", base_label="one reader over HTTPS", ratio="base/x",
         rtext="x faster", goal=(">=", 4)),
    dict(w="W5", key="w5.tls.parallel.connections", label="connections of the {w5r} readers "
         "over HTTP/2 (the whole mount)", unit="conn", base="w5.tls.serial.connections",
         base_label="one reader", ratio="x/base", rtext="x of baseline", goal=("<=", 2),
         goal_on="figure"),
    dict(w="W6", key="w6.hwm", label="peak RSS (VmHWM) after {w6} runs + logs of {w6l}",
         unit="MiB", base="w6.rss0", base_label="RSS after mounting", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W6", key="w6.per_run_listed", label="RSS growth per run, listed only", unit="B",
         base="w6.json_per_run", base_label="the run's JSON (avg)", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W6", key="w6.per_run", label="RSS growth per run, every file read", unit="B",
         base="w6.json_per_run", base_label="the run's JSON (avg)", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W6", key="w6.beyond_json_avg", unit="B",
         label="RSS growth per run beyond its JSON, every file read ({w6} runs)"),
    dict(w="W6", key="w6.added_listed", unit="B",
         label="RSS each run adds, listed only ({w6} -> {w6w} runs)",
         base="w6.json_added", base_label="the added runs' JSON (avg)", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W6", key="w6.added", unit="B",
         label="RSS each run adds, every file read ({w6} -> {w6w} runs)",
         base="w6.json_added", base_label="the added runs' JSON (avg)", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W6", key="w6.beyond_json", label="per cached run, beyond its JSON (what each "
         "added run adds)", unit="B", goal=("<=", 2048)),
    dict(w="W6", key="w6.per_logs_run", label="RSS growth per run whose logs are cached",
         unit="B", base="w6.logs_json_per_run", base_label="its logs' JSON (avg)",
         ratio="x/base", rtext="x of baseline"),
    dict(w="W7", key="w7.cgfs.time", label="{w7} prompts at once: until every receipt exists",
         unit="s", base="w7.ideal.time", base_label="10 POSTs at once (the limit allows it)",
         ratio="x/base", rtext="x of baseline"),
    dict(w="W7", key="w7.post_spread", label="first to last POST's arrival at the API",
         unit="s"),
    dict(w="W7", key="w7.posts", label="POSTs sent", unit="req", goal=("==", 10)),
    dict(w="W7", key="w7.429s", label="429 answers", unit="req", goal=("==", 0)),
    dict(w="W8", key="w8.extra_requests", unit="req",
         label="cold `ls runs/` requests past ⌈window/100⌉, worst window", goal=("==", 0)),
    dict(w="W8", key="w8.rt.runs", unit="rt",
         label="cold `ls runs/` (5 pages) at 300 ms, in round trips",
         base="w8.rt.runs.nodisk", base_label="no disk cache", ratio="x/base",
         rtext="x of baseline", goal=("<=", 2.3), goal_on="figure"),
    dict(w="W8", key="w8.rt.user", unit="rt",
         label="cold `ls users/3/runs` (5 pages), in round trips",
         base="w8.rt.user.nodisk", base_label="no disk cache", ratio="x/base",
         rtext="x of baseline", goal=("<=", 2.3), goal_on="figure"),
    dict(w="W8", key="w8.rt.source", unit="rt",
         label="cold `ls by-source/SLACK` (5 pages), in round trips",
         base="w8.rt.source.nodisk", base_label="no disk cache", ratio="x/base",
         rtext="x of baseline", goal=("<=", 2.3), goal_on="figure"),
    dict(w="W8", key="w8.rt.logs", unit="rt",
         label="cold `cat` of a 5-page finished log, in round trips",
         base="w8.rt.logs.nodisk", base_label="no disk cache", ratio="x/base",
         rtext="x of baseline", goal=("<=", 2.3), goal_on="figure"),
    dict(w="W9", key="w9.on.cold", label="cold `ls runs/` at 0 ms, disk cache on (empty)",
         unit="s", base="w9.off.cold", base_label="disk cache off", ratio="x/base",
         rtext="x of baseline", goal=("<=", 1.5)),
    dict(w="W9", key="w9.big.cold", label="the same with {w9c} more finished runs cached",
         unit="s", base="w9.on.cold", base_label="empty cache", ratio="x/base",
         rtext="x of baseline"),
    dict(w="W9", key="w9.big.lookup", label="a lookup from disk, {w9c} runs cached", unit="s",
         base="w9.small.lookup", base_label="the same with ~500 cached", ratio="x/base",
         rtext="x of baseline", goal=("<=", 1.5)),
    dict(w="W9", key="w9.big.files", label="files of that cache (-wal, -shm aside)",
         unit="n", goal=("==", 1), goal_on="figure"),
    dict(w="W9", key="w9.big.mb", label="size of that cache", unit="MB"),
]


def fmt(value, unit):
    if value is None:
        return "n/a"
    if unit == "s":
        if abs(value) < 1:
            return f"{value * 1000:.1f} ms"
        return f"{value:.2f} s"
    if unit == "us":
        return f"{value:.1f} µs"
    if unit in ("req", "conn"):
        return f"{value:g}"
    if unit == "B":
        return f"{value:,.0f} B"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "n":
        return f"{value:,.0f}"
    if unit == "rt":
        return f"{value:.2f}"
    if unit == "KiB":
        return f"{value:,.0f} KiB"
    return f"{value:g}"


def compute_rows(samples, info, setup):
    """samples: key -> values; info: key -> text; setup: Setup.as_dict()."""
    names = {"w4": setup["w4_logs"], "w5": setup["w5_runs"], "w5r": setup["w5_readers"],
             "w5t": setup.get("w5_tls_runs"), "w9c": f"{setup.get('w9_cached') or 0:,}",
             "w6": setup["w6_window"], "w6l": setup["w6_logs"],
             "w6w": setup.get("w6_wide"), "w7": setup["w7_creates"]}
    rows = []
    for spec in ROWS:
        fig = summary(samples.get(spec["key"], []))
        base = summary(samples.get(spec["base"], [])) if spec.get("base") else None
        ratio = None
        if fig and base:
            x, b = fig["median"], base["median"]
            if spec["ratio"] == "base/x":
                ratio = b / x if x else (math.inf if b else None)
            else:
                ratio = x / b if b else (math.inf if x else None)
        met = None
        goal = spec.get("goal")
        if goal and fig:
            on_ratio = spec.get("base") and spec.get("goal_on") != "figure"
            value = ratio if on_ratio else fig["median"]
            if value is not None:
                op, target = goal
                met = {">=": value >= target, "<=": value <= target, "<": value < target,
                       "==": value == target}[op]
        rows.append(dict(w=spec["w"], key=spec["key"], label=spec["label"].format(**names),
                         unit=spec["unit"], figure=fig, base_key=spec.get("base"),
                         base_label=spec.get("base_label"), baseline=base, ratio=ratio,
                         ratio_text=spec.get("rtext"), goal=goal, met=met,
                         goal_on=spec.get("goal_on"),
                         info=info.get(spec["key"])))
    return rows


def goal_text(row):
    if not row["goal"]:
        return "—"
    op, target = row["goal"]
    sym = {">=": "≥", "<=": "≤", "<": "<", "==": "="}[op]
    if row["base_key"] and row.get("goal_on") != "figure":
        return f"{sym} {target:g}{'x' if op != '==' else ''}"
    return f"{sym} {fmt(target, row['unit'])}"


def row_cells(row):
    fig, base = row["figure"], row["baseline"]
    unit = row["unit"]
    if fig:
        med, lo, hi = fmt(fig["median"], unit), fmt(fig["min"], unit), fmt(fig["max"], unit)
    else:
        med, lo, hi = "n/a", "", ""
    if row["base_key"]:
        if base:
            btext = f"{row['base_label']}: {fmt(base['median'], unit)} " \
                    f"({fmt(base['min'], unit)}–{fmt(base['max'], unit)})"
        else:
            btext = f"{row['base_label']}: n/a"
    else:
        btext = "—"
    if row["ratio"] is None:
        rtext = "—" if not row["base_key"] else "n/a"
    elif math.isinf(row["ratio"]):
        rtext = "∞"
    else:
        suffix = (row["ratio_text"] or "").replace("x of baseline", "x")
        rtext = f"{row['ratio']:.3g}{suffix}"
    met = {True: "met", False: "**missed**", None: "—" if not row["goal"] else "n/a"}[row["met"]]
    return [row["w"], row["label"], med, f"{lo}–{hi}" if fig else "", btext, rtext,
            goal_text(row), met]


HEADER = ["W", "figure", "median", "min–max", "baseline: median (min–max)", "ratio", "goal",
          "met"]


def text_table(rows):
    cells = [HEADER] + [row_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = []
    for n, c in enumerate(cells):
        lines.append("  ".join(x.ljust(widths[i]) for i, x in enumerate(c)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows):
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in row_cells(r)) + " |")
    return "\n".join(out)


W8_COLUMNS = [("cold.time", "cold `ls runs/`", "s"), ("cold.requests", "its requests", "req"),
              ("cold.least", "least (⌈window/100⌉)", "req"),
              ("cold_nodisk.time", "cold, no disk cache", "s"),
              ("warm.time", "warm `ls -l runs/`", "s"), ("warm.requests", "its requests", "req"),
              ("rss", "daemon RSS", "MiB"), ("disk", "disk cache", "KiB"),
              ("files", "its files", "n")]


def w8_cells(data):
    """W8's table (one row a window, medians): [header, rows...], or None."""
    windows = data["setup"].get("w8_windows") or ()
    samples = data["samples"]
    if "W8" not in data["workloads"] or not any(f"w8.{w}.cold.time" in samples
                                                for w in windows):
        return None
    cells = [["window", *[c[1] for c in W8_COLUMNS]]]
    for w in windows:
        row = [f"{w:,} of {data['setup']['w8_org_runs']:,}"]
        for key, _, unit in W8_COLUMNS:
            fig = summary(samples.get(f"w8.{w}.{key}", []))
            row.append(fmt(fig["median"], unit) if fig else "n/a")
        cells.append(row)
    return cells


def report(data, markdown=None):
    """Print the tables of a run (data: what --json saves); write them as
    Markdown to the file markdown if given; -> the rows."""
    setup = data["setup"]
    rows = compute_rows(data["samples"], data["info"], setup)
    rows = [row for row in rows if row["w"] in data["workloads"]]
    print()
    print(text_table(rows))
    w8 = w8_cells(data)
    if w8:
        widths = [max(len(c[i]) for c in w8) for i in range(len(w8[0]))]
        print("\nW8, list windows over a big org (medians):")
        for n, c in enumerate(w8):
            print("  ".join(x.ljust(widths[i]) for i, x in enumerate(c)).rstrip())
            if n == 0:
                print("  ".join("-" * x for x in widths))
    extra = []
    for row in rows:
        if row["info"]:
            extra.append(f"  {row['w']} {row['label']}: {row['info']}")
    if data.get("w4"):
        c = data["w4"]
        extra.append(f"  W4 runs: {', '.join(map(str, c['ids']))} ({c['entries']} entries, "
                     f"{c['pages']} pages)")
    if data.get("w5"):
        c = data["w5"]
        drops = data["samples"].get("w5.parallel.listen_drops", [])
        extra.append(f"  W5 runs: the newest {setup['w5_runs']} finished runs with 1..100 log "
                     f"entries ({c['first']} down to {c['last']}; --list-window={c['window']}); "
                     f"SYNs dropped by the fake's full listen backlog during the "
                     f"{setup['w5_readers']} readers: {drops}")
    if extra:
        print("\nDetails:")
        print("\n".join(extra))
    for note in data["notes"]:
        print(f"note: {note}")
    for problem in data["problems"]:
        print(f"PROBLEM: {problem}")
    missed = [r for r in rows if r["met"] is False]
    print(f"\ngoals: {sum(1 for r in rows if r['met'])} met, {len(missed)} missed"
          + (": " + "; ".join(f"{r['w']} {r['label']}" for r in missed) if missed else ""))
    timings = data["timings"]
    print(f"elapsed: {data['elapsed']:.1f} s "
          f"({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())})")
    if markdown:
        info = data["machine"]
        with open(markdown, "w") as f:
            f.write(f"Command: `{data['command']}` — {data['reps']} repetition(s), elapsed "
                    f"{data['elapsed']:.0f} s, {data.get('date', '?')}.  \n")
            f.write(f"Machine: {info['nproc']} CPUs ({info['cpu']}), Linux {info['kernel']}, "
                    f"libfuse {info['libfuse']}; load average {data['loadavg_start'][0]:.2f} at "
                    f"the start, {data['loadavg_end'][0]:.2f} at the end.\n\n")
            for w in WORKLOADS:
                part = [r for r in rows if r["w"] == w]
                if part:
                    f.write(markdown_table(part) + "\n\n")
            if w8:
                f.write("| " + " | ".join(w8[0]) + " |\n|" + "---|" * len(w8[0]) + "\n")
                for c in w8[1:]:
                    f.write("| " + " | ".join(c) + " |\n")
                f.write("\n")
            if extra:
                f.write("Details:\n\n" + "\n".join("- " + e.strip() for e in extra) + "\n\n")
            for note in data["notes"]:
                f.write(f"- Note: {note}\n")
            for problem in data["problems"]:
                f.write(f"- Problem: {problem}\n")
    return rows
