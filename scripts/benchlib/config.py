"""The bench's constants and sizes: paths of its tools, the token, the org, the
workload names, and Setup (the sizes and rate-limit scales of a full or --smoke run)."""

import os

import harness as h  # the fake, the mount, bounded commands (tests/e2e)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MEMFS_BIN = h._tool_path("CGFS_MEMFS_BIN", os.path.join("build", "bench", "cgfs-memfs"))
BASELINE_SH = os.path.join(ROOT, "scripts", "bench-baseline.sh")
TOKEN = "bench-token-3c81f0"
ORG = 11
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9")
# The files of a run directory, as docs/SEMANTICS.md lists them.
RUN_FILES = ("id", "status", "summary", "result", "web_url", "created_at", "source_type",
             "prs", "metadata.json", "run.json", "logs", "logs.jsonl", "wait", "error", "ctl",
             "resume")
LIVE_RUN = 1295         # a live run of the sample data (docs/FAKE-API.md)
INNER = 5               # W2: greps per repetition (their median is its figure)
PAUSE = 0.1             # W2: seconds of quiet before each


class Setup:
    """The sizes and rate-limit scales of one bench run (full or --smoke)."""

    def __init__(self, smoke):
        self.smoke = smoke
        self.latency_ms = 5 if smoke else 80
        self.runs = 50 if smoke else 500             # W1, W2, W3: the listed window
        self.w2_later = 11.0    # seconds after the cold cat: past --list-ttl (10 s)
        self.w4_logs = 3 if smoke else 20
        self.tail_lines = 3 if smoke else 6
        # Not a divisor of tail's 1 s polling, so the lines fall at varied phases.
        self.tail_interval_ms = 370 if smoke else 1300
        self.w5_runs = 50 if smoke else 500
        self.w5_readers = 16
        self.w5_window = 120 if smoke else 1200
        self.w5_tls_runs = 32 if smoke else 160     # W5 TLS: the first of W5's runs
        self.w6_window = 120 if smoke else 1200
        self.w6_wide = 480 if smoke else 4800       # W6: the wider window
        self.w6_org_runs = 1200 if smoke else 6000  # W6: its fake's --runs
        self.w6_logs = 10 if smoke else 100
        self.w7_creates = 10
        self.w8_org_runs = 8000 if smoke else 100000    # W8: the fake's --runs
        self.w8_windows = (50, 300) if smoke else (500, 2000, 10000)
        self.w9_cached = 5000 if smoke else 100000      # W9: finished runs in the cache
        # Rate-limit scale of each workload: 1 (the documented windows) wherever
        # the workload fits in them; see docs/BENCHMARKS.md for each other one.
        self.scale = {
            "W1": 1.0,          # 6 requests
            "W1-curl": 0.02,    # 505 requests would spend ~4 min in 429 waits
            "W3": 0.01 if smoke else 1.0,
            "W4": 1.0,          # ~25 logs requests, ~25 for curl
            "W4-tail": 1.0,
            "W5": 0.002,        # 500 logs requests: latency must dominate
            "W6": 0.002,        # ~120 logs requests; memory does not depend on time
            "W7": 1.0,          # 10 creates: exactly the limit
            "W8": 0.002,        # up to 100 list pages at once: latency must dominate
            "W9": 0.002,        # ~30 mounts of 5 list pages each, at 0 ms
        }
        self.w3_bound = 15.0    # seconds a cold ls -lR / find may take
        self.timeout_long = 120.0 if smoke else 400.0

    def as_dict(self):
        return {k: v for k, v in vars(self).items()}
