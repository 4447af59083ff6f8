"""fakeapi.bulk: the older runs that `--runs N` adds to org 11, made when asked for.

Past its 1,200 sample runs, org 11 gets N - 1,200 older ones (ids from
BULK_FIRST_ID up, one a minute back from the start of the sample history,
newest first).  Only their user and origin are drawn at start-up (one
random stream, so 100,000 cost milliseconds); a run itself is built, from
the seed as a sample run is, the first time a page or a lookup needs it,
and kept.  The lists a filter selects are kept too: a page costs its items.
"""

import random

from .contract import SOURCE_TYPES
from .sampledata import ORG_USERS

BULK_ORG = 11
BULK_FIRST_ID = 200001
SAMPLE_RUNS = 1200       # org 11's sample runs: --runs may not go below
BULK_STEP = 60.0         # seconds between two bulk runs


class BulkRuns:
    """The bulk runs of one org: index k is the k-th newest, id BULK_FIRST_ID + k."""

    def __init__(self, seed, count, newest_ts, make_run):
        rng = random.Random(f"{seed}:bulk")
        self.count = count
        self.newest_ts = newest_ts
        self.make_run = make_run        # (run_id, attrs overrides) -> Run, kept by the world
        self.users = rng.choices(ORG_USERS[BULK_ORG], k=count)
        self.sources = [rng.choice(SOURCE_TYPES) if rng.random() < 0.95 else None
                        for _ in range(count)]
        self.filtered = {}              # (user, source) -> list of indexes

    def holds(self, run_id):
        return BULK_FIRST_ID <= run_id < BULK_FIRST_ID + self.count

    def run(self, run_id):
        """Build bulk run run_id (the world keeps it)."""
        k = run_id - BULK_FIRST_ID
        return self.make_run(run_id, {"user_id": self.users[k], "source_type": self.sources[k],
                                      "sort_ts": self.newest_ts - k * BULK_STEP})

    def indexes(self, user_id, source_type):
        """The indexes a filter keeps (None: all), newest first."""
        if user_id is None and source_type is None:
            return None
        key = (user_id, source_type)
        if key not in self.filtered:
            self.filtered[key] = [k for k in range(self.count)
                                  if (user_id is None or self.users[k] == user_id)
                                  and (source_type is None or self.sources[k] == source_type)]
        return self.filtered[key]

    def page(self, user_id, source_type, skip, limit, lookup):
        """(total, the runs from skip, at most limit), lookup(run_id) giving a run."""
        kept = self.indexes(user_id, source_type)
        total = self.count if kept is None else len(kept)
        chosen = range(skip, min(skip + limit, total)) if skip < total else range(0)
        ids = [BULK_FIRST_ID + (k if kept is None else kept[k]) for k in chosen]
        return total, [lookup(run_id) for run_id in ids]
