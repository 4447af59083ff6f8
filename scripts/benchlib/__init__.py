"""The modules of the benchmark runner scripts/bench (docs/BENCHMARKS.md), and
the one thing they share on import: tests/e2e on sys.path, so that each can
`import harness` (the fake, the mount, bounded commands).

config      constants, paths, Setup (the sizes of a full or --smoke run)
results     Results, Problem, summary(), log()
measure     request-log tallies, RSS, listen-backlog drops
baselines   memfs, tmpfs trees, curl + jq, direct POSTs
context     Bench: the fake, mounts, bounded commands and readers
wl_tree     W1-W3    wl_logs   W4, W4 tail, W5
wl_memory   W6       wl_outbox W7
wl_scale    W8       wl_disk   W9
report      the tables (text, Markdown) of a run or of a saved --json
cli         options, preflight, the plan, main()
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "tests", "e2e"))
