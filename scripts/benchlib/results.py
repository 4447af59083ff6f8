"""What a bench run collects: every sample, the traces and notes beside them,
the problems (Problem: a workload that could not run or gave an impossible
figure), summary() of a figure's samples, and log() of progress to stderr."""

import collections
import statistics
import sys


class Problem(Exception):
    """A workload could not run or produced an impossible figure."""


class Results:
    def __init__(self):
        self.samples = collections.defaultdict(list)
        self.info = {}                  # key -> text (requests traces, choices)
        self.problems = []
        self.notes = []
        self.statuses = {}              # W1: Counter of statuses, "codegen-fs" / "curl"

    def add(self, key, value):
        self.samples[key].append(value)

    def check(self, ok, what):
        if not ok:
            raise Problem(what)


def summary(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values), "values": values}


def log(text):
    print(text, file=sys.stderr, flush=True)
