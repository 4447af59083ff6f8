"""fakeapi.world: the runs, pull requests and history, and how time moves them.

World owns all the state the /v1 operations read and change: the 1,200 + 30
sample runs built from the seed (with the pinned and live runs of
docs/FAKE-API.md) and the older ones of `--runs` (fakeapi.bulk), the PRs,
the mutable copies of the check-suite settings and OAuth connections, and
the working runs that advance() brings forward.
"""

import collections
import copy
import datetime
import hashlib
import random
import re

from .bulk import BULK_ORG, BULK_STEP, SAMPLE_RUNS, BulkRuns
from .content import (PROMPTS, LogPlan, final_message_type, final_status_for, generate_logs,
                      log_entry, outcome_texts)
from .contract import (MSG_FORBIDDEN, MSG_PR_NOT_FOUND, MSG_REPO_NOT_FOUND, MSG_RUN_NOT_FOUND,
                       SOURCE_TYPES, UNKNOWN_STATUS, WORKING_STATUSES, first_line, iso_space,
                       iso_z, message_error)
from .sampledata import (CHECK_SUITES, DEFAULT_CHECK_SUITE, ME_USER_ID, OAUTH_CONNECTED,
                         ORG_USERS, ORGS, REPOS, org_repo_ids, repo_full_name)

FIRST_CREATED_RUN_ID = 10001
LIVE_RUN_IDS = tuple(range(1295, 1301))
# Sample history ends here (or a day before start-up, if the clock is earlier),
# so created_at of the sample runs does not depend on when the server starts.
HISTORY_END = datetime.datetime(2026, 6, 30, 12, 0, 0, tzinfo=datetime.timezone.utc).timestamp()
HISTORY_SPAN = 365 * 86400.0
PROGRESS_ENTRIES_CAP = 5000   # per work session, whatever the interval


class PullRequest:
    """A GitHub pull request attached to one or more runs."""

    def __init__(self, pr_id, org_id, repo_id, number, title, created_at, head_branch_name, state):
        self.id = pr_id
        self.org_id = org_id
        self.repo_id = repo_id
        self.number = number
        self.title = title
        self.created_at = created_at
        self.head_branch_name = head_branch_name
        self.state = state

    @property
    def url(self):
        return f"https://github.com/{repo_full_name(self.repo_id)}/pull/{self.number}"

    def response(self):
        return {"id": self.id, "title": self.title, "url": self.url,
                "created_at": self.created_at, "head_branch_name": self.head_branch_name}


class WorkSession:
    """A run working towards final_status since start (monotonic and wall clock)."""

    def __init__(self, start_mono, start_wall, final_status, prompt, number):
        self.start_mono = start_mono
        self.start_wall = start_wall
        self.final_status = final_status
        self.prompt = prompt
        self.number = number
        self.progress = 0   # progress entries appended so far


class Run:
    """One agent run: the fields the API shows plus the fake's internal state."""

    def __init__(self, run_id, org_id, user_id, sort_ts, created_at, status, source_type, prompt):
        self.id = run_id
        self.org_id = org_id
        self.user_id = user_id
        self.sort_ts = sort_ts          # creation time, also when created_at shows null
        self.created_at = created_at
        self.status = status
        self.source_type = source_type
        self.prompt = prompt
        self.web_url = f"https://codegen.com/agent/trace/{run_id}"
        self.summary = None
        self.result = None
        self.prs = []                   # list of PullRequest, or None (shown as null)
        self.metadata = None
        self.repo_id = None
        self.images = None
        self.model = None
        self.agent_type = None
        self.banned = False
        self.removed_from_pr = False
        self.resumes = []
        self.log_plan = LogPlan(0, sort_ts, 1.0, 1.0, None, None, False)
        self.generated_logs = None      # cache of the log_plan entries
        self.extra_logs = []            # entries appended while the fake runs
        self.work = None                # WorkSession while working
        self.sessions = 0

    @property
    def sort_key(self):
        return (self.sort_ts, self.id)

    @property
    def log_count(self):
        return self.log_plan.count + len(self.extra_logs)

    def response(self):
        prs = None if self.prs is None else [pr.response() for pr in self.prs]
        return {"id": self.id, "organization_id": self.org_id, "status": self.status,
                "created_at": self.created_at, "web_url": self.web_url, "result": self.result,
                "summary": self.summary, "source_type": self.source_type,
                "github_pull_requests": prs, "metadata": self.metadata}


HISTORY_STATUSES = ("COMPLETE", "FAILED", "ERROR", "CANCELLED", "STOPPED", "TIMEOUT",
                    "MAX_ITERATIONS_REACHED", "OUT_OF_TOKENS", "PAUSED")
HISTORY_STATUS_WEIGHTS = (70, 14, 3, 3, 2, 2, 1, 1, 4)

# Fixed facts about some runs of org 11 (documented in docs/FAKE-API.md); every
# other attribute comes from the seed.
PINNED_RUNS = {
    555: {"form": "null"},
    700: {"form": "space"},
    789: {"status": "COMPLETE", "source_type": "API", "user_id": 1, "repo_id": 456,
          "form": "z", "prs": "list", "pr_count": 1, "metadata": {"ticket": "PAY-12"},
          "prompt": "Add retries to the payment client", "has_summary": True,
          "log_count": 42, "showcase": True},
    790: {"status": "COMPLETE", "prs": "empty", "metadata": {}, "has_summary": True},
    791: {"status": "COMPLETE", "prs": "null", "metadata": None, "has_summary": False},
    792: {"source_type": None},
    800: {"form": "null"},
    1000: {"status": "COMPLETE", "log_count": 500, "showcase": True, "form": "z"},
    1111: {"form": "null"},
    1250: {"status": "COMPLETE", "prs": "list", "pr_count": 1},
    1280: {"status": "ERROR"},
    1281: {"status": "CANCELLED"},
    1282: {"status": "STOPPED"},
    1283: {"status": "TIMEOUT"},
    1284: {"status": "MAX_ITERATIONS_REACHED"},
    1285: {"status": "OUT_OF_TOKENS"},
    1286: {"status": "FAILED"},
    1290: {"status": "PENDING", "log_count": 0, "prs": "empty"},
    1291: {"status": "RUNNING", "prs": ("share", 1250)},
    1292: {"status": "EVALUATION", "prs": ("share", 1250)},
    1293: {"status": "PAUSED"},
    1294: {"status": UNKNOWN_STATUS, "log_count": 2, "prs": "empty"},
}
PINNED_RUNS.update({1201 + i: {"source_type": s} for i, s in enumerate(SOURCE_TYPES)})

# The live runs: (prompt, source_type, user, repo, final status, PRs, metadata).
LIVE_RUNS = {
    1295: ("Add request timeouts to the payment client", "API", 1, 456, "COMPLETE", "empty",
           {"ticket": "PAY-31"}),
    1296: ("Migrate the billing cron job to the new scheduler", "SLACK", 2, 460, "FAILED",
           "empty", None),
    1297: ("Fix the flaky test in tests/test_checkout.py", "GITHUB", 3, 457, "COMPLETE",
           "list", {}),
    1298: ("Review the open pull request and address the comments", "GITHUB_PR_REVIEW", 1, 457,
           "COMPLETE", ("share", 1297), None),
    1299: ("Upgrade the web app to React 19", "LINEAR", 5, 457, "FAILED", "empty",
           {"linear_issue": "WEB-88"}),
    1300: ("Write a runbook for the on-call rotation", "CHAT", 7, 459, "COMPLETE", "empty", None),
}


def plausible_log_count(status, count):
    """A pending run has no entries yet; other unfinished ones only a few."""
    if status == "PENDING":
        return 0
    if status in WORKING_STATUSES or status == UNKNOWN_STATUS:
        return min(count, 12)
    return count


def random_run_attrs(rng, org_id):
    """The seed-dependent attributes of one historical run (rng consumed in a fixed order)."""
    repos = org_repo_ids(org_id)
    status = rng.choices(HISTORY_STATUSES, HISTORY_STATUS_WEIGHTS)[0]
    attrs = {
        "status": status,
        "user_id": rng.choice(ORG_USERS[org_id]),
        "repo_id": rng.choice(repos) if rng.random() < 0.9 else None,
        "source_type": rng.choice(SOURCE_TYPES) if rng.random() < 0.95 else None,
        "form": "space" if rng.random() < 0.12 else "z",
        "prompt": rng.choice(PROMPTS),
        "prs": rng.choices(("list", "empty", "null"), (45, 45, 10))[0],
        "pr_count": 1 if rng.random() < 0.8 else 2,
        "metadata": rng.choice((None, None, {}, {"ticket": f"T-{rng.randint(1, 999)}"},
                                {"source": "cli", "priority": rng.choice(("low", "high"))})),
        "has_summary": rng.random() < 0.9,
        "model": rng.choice((None, "claude-sonnet-4", "gpt-5")),
        "showcase": False,
    }
    bucket = rng.choices(((1, 40), (40, 150), (150, 499)), (70, 25, 5))[0]
    attrs["log_count"] = rng.randint(*bucket)
    return attrs


class World:
    """All sample data and everything the API changes in it.

    Every method is called with FakeApi.lock held.  advance() is the one place
    where time moves working runs forward (logs, then their final status)."""

    def __init__(self, seed, config, start_wall, start_mono, runs=SAMPLE_RUNS):
        self.seed = seed
        self.config = config
        self.start_wall = start_wall
        self.start_mono = start_mono
        self.now_wall = start_wall
        self.now_mono = start_mono
        self.check_suites = {repo_id: copy.deepcopy(CHECK_SUITES.get(repo_id, DEFAULT_CHECK_SUITE))
                             for repo_id in REPOS}
        self.oauth = copy.deepcopy(OAUTH_CONNECTED)
        self.runs = {}
        self.org_runs = {org_id: [] for org_id in ORGS}   # newest first
        self.prs = {}
        self.pr_runs = collections.defaultdict(list)     # PR id -> runs sharing it
        self.working = {}                                 # run id -> Run with a WorkSession
        self.next_run_id = FIRST_CREATED_RUN_ID
        self.runs_created = 0
        self.slack_tokens = 0
        self.bulk = None                                  # org 11's runs past its sample
        self.build_history(runs)

    # -- sample data -------------------------------------------------------

    def build_history(self, runs):
        history_end = min(HISTORY_END, self.start_wall - 86400.0)
        span = HISTORY_SPAN
        if runs > SAMPLE_RUNS:
            self.bulk = BulkRuns(self.seed, runs - SAMPLE_RUNS,
                                 history_end - span - BULK_STEP, self.make_bulk_run)
        org11 = [i for i in range(101, 1301) if i not in LIVE_RUN_IDS]
        for org_id, run_ids, pins in ((11, org11, PINNED_RUNS), (12, range(5001, 5031), {})):
            step = span / len(run_ids)
            for index, run_id in enumerate(run_ids):
                rng = random.Random(f"{self.seed}:run:{run_id}")
                attrs = random_run_attrs(rng, org_id)
                attrs["sort_ts"] = history_end - span + index * step + rng.uniform(0, step * 0.8)
                pin = pins.get(run_id, {})
                attrs.update(pin)
                if "log_count" not in pin:
                    attrs["log_count"] = plausible_log_count(attrs["status"], attrs["log_count"])
                self.add_history_run(org_id, run_id, attrs)
        for run_id, (prompt, source, user_id, repo_id, final, prs, metadata) in LIVE_RUNS.items():
            created = self.start_wall - (LIVE_RUN_IDS[-1] + 1 - run_id) * 45.0
            attrs = {"status": "ACTIVE", "user_id": user_id, "repo_id": repo_id,
                     "source_type": source, "form": "z", "prompt": prompt, "prs": prs,
                     "pr_count": 1, "metadata": metadata, "has_summary": False,
                     "model": None, "showcase": False, "sort_ts": created, "log_count": 0}
            run = self.add_history_run(11, run_id, attrs)
            count = 2 + run_id % 4
            gap = (self.start_wall - created) / (count + 1)
            run.log_plan = LogPlan(count, created, gap, gap, None, None, False)
            self.start_work(run, prompt, final, self.start_mono, self.start_wall)
        for runs in self.org_runs.values():
            runs.sort(key=lambda r: r.sort_key, reverse=True)

    def add_history_run(self, org_id, run_id, attrs):
        run = self.make_history_run(org_id, run_id, attrs)
        self.org_runs[org_id].append(run)
        return run

    def make_bulk_run(self, run_id, over):
        """A bulk run (fakeapi.bulk), from the seed as a sample run is."""
        attrs = random_run_attrs(random.Random(f"{self.seed}:run:{run_id}"), BULK_ORG)
        attrs.update(over)
        attrs["log_count"] = plausible_log_count(attrs["status"], attrs["log_count"])
        return self.make_history_run(BULK_ORG, run_id, attrs)

    def make_history_run(self, org_id, run_id, attrs):
        ts, form = attrs["sort_ts"], attrs["form"]
        created_at = None if form == "null" else iso_space(ts) if form == "space" else iso_z(ts)
        run = Run(run_id, org_id, attrs["user_id"], ts, created_at, attrs["status"],
                  attrs["source_type"], attrs["prompt"])
        run.repo_id = attrs["repo_id"]
        run.metadata = copy.deepcopy(attrs["metadata"])
        run.model = attrs["model"]
        if attrs["has_summary"]:
            run.summary, run.result = outcome_texts(run.status, run.prompt)
        run.log_plan = LogPlan(attrs["log_count"], ts, 1.0, 45.0,
                               final_message_type(run.status), run.result, attrs["showcase"])
        self.attach_prs(run, attrs)
        self.runs[run_id] = run
        return run

    def attach_prs(self, run, attrs):
        mode = attrs["prs"]
        if mode == "null":
            run.prs = None
        elif mode == "empty":
            run.prs = []
        elif isinstance(mode, tuple):
            run.prs = list(self.runs[mode[1]].prs)
        else:
            run.prs = [self.make_pr(run, k) for k in range(attrs["pr_count"])]
        for pr in run.prs or ():
            self.pr_runs[pr.id].append(run)

    def make_pr(self, run, k):
        rng = random.Random(f"{self.seed}:pr:{run.id}:{k}")
        repo_id = run.repo_id or org_repo_ids(run.org_id)[0]
        slug = re.sub(r"[^a-z0-9]+", "-", first_line(run.prompt, 40).lower()).strip("-")
        working = run.status in WORKING_STATUSES
        pr = PullRequest(run.id * 10 + k, run.org_id, repo_id, run.id - 100 + 2000 * k,
                         first_line(run.prompt, 60),
                         iso_z(min(run.sort_ts + 600.0 * (k + 1), self.start_wall)),
                         None if rng.random() < 0.1 else f"codegen/{slug}-{run.id}",
                         "open" if working else rng.choice(("closed", "closed", "open", "draft")))
        self.prs[pr.id] = pr
        return pr

    # -- lookups (raise the API's errors) ----------------------------------

    def require_member(self, org_id):
        org = ORGS.get(org_id)
        if org is None or not org["member"]:
            raise message_error(403, MSG_FORBIDDEN)
        return org

    def find_run(self, run_id):
        """The run with run_id, or None (a bulk run is built the first time)."""
        run = self.runs.get(run_id)
        if run is None and self.bulk is not None and self.bulk.holds(run_id):
            run = self.bulk.run(run_id)
        return run

    def list_runs(self, org_id, user_id, source_type, skip, limit):
        """(total, the page from skip) of the org's runs, newest first."""
        runs = [r for r in self.org_runs[org_id]
                if (user_id is None or r.user_id == user_id)
                and (source_type is None or r.source_type == source_type)]
        if self.bulk is None or org_id != BULK_ORG:
            return len(runs), runs[skip:skip + limit]
        total, older = self.bulk.page(user_id, source_type, max(skip - len(runs), 0),
                                      max(skip + limit - max(skip, len(runs)), 0),
                                      self.find_run)
        return len(runs) + total, runs[skip:skip + limit] + older

    def require_run(self, org_id, run_id):
        run = self.find_run(run_id)
        if run is None or run.org_id != org_id:
            raise message_error(404, MSG_RUN_NOT_FOUND)
        return run

    def require_repo(self, org_id, repo_id):
        if repo_id not in REPOS or REPOS[repo_id][0] != org_id:
            raise message_error(404, MSG_REPO_NOT_FOUND)
        return repo_id

    def require_pr(self, org_id, pr_id, repo_id=None):
        pr = self.prs.get(pr_id)
        if pr is None or pr.org_id != org_id or (repo_id is not None and pr.repo_id != repo_id):
            raise message_error(404, MSG_PR_NOT_FOUND)
        return pr

    def logs(self, run):
        if run.generated_logs is None:
            run.generated_logs = generate_logs(self.seed, run)
        return run.generated_logs + run.extra_logs

    # -- the clock ---------------------------------------------------------

    def advance(self, now_mono, now_wall):
        """Bring every working run up to now: one progress entry per log interval,
        then its final status and entry once run_seconds have passed."""
        self.now_mono, self.now_wall = now_mono, now_wall
        interval = self.config.log_interval_ms / 1000.0
        duration = self.config.run_seconds
        for run in list(self.working.values()):
            work = run.work
            elapsed = now_mono - work.start_mono
            due = min(int(min(elapsed, duration) / interval), PROGRESS_ENTRIES_CAP)
            while work.progress < due:
                ts = work.start_wall + (work.progress + 1) * interval
                rng = random.Random(f"{self.seed}:live:{run.id}:{work.number}:{work.progress}")
                kind = "ACTION" if rng.random() < 0.7 else "PLAN_EVALUATION"
                run.extra_logs.append(log_entry(run.id, ts, kind, rng))
                work.progress += 1
            if elapsed >= duration:
                self.finish_work(run, work.start_wall + duration)

    def start_work(self, run, prompt, final_status, now_mono=None, now_wall=None):
        run.status = "ACTIVE"
        run.work = WorkSession(self.now_mono if now_mono is None else now_mono,
                               self.now_wall if now_wall is None else now_wall,
                               final_status, prompt, run.sessions)
        run.sessions += 1
        self.working[run.id] = run

    def finish_work(self, run, ts):
        work = run.work
        run.status = work.final_status
        run.summary, run.result = outcome_texts(run.status, work.prompt)
        rng = random.Random(f"{self.seed}:final:{run.id}:{work.number}")
        text = run.result if run.status != "FAILED" else {"error": "TaskFailed",
                                                           "detail": run.result}
        run.extra_logs.append(log_entry(run.id, ts, final_message_type(run.status), rng, text))
        self.stop_work(run)

    def stop_work(self, run):
        run.work = None
        self.working.pop(run.id, None)

    # -- operations --------------------------------------------------------

    def create_run(self, org_id, prompt, source_type, images=None, metadata=None, repo_id=None,
                   model=None, agent_type=None):
        run_id = self.next_run_id
        self.next_run_id += 1
        run = Run(run_id, org_id, ME_USER_ID, self.now_wall, iso_z(self.now_wall), "ACTIVE",
                  source_type, prompt)
        run.images, run.metadata, run.repo_id = images, metadata, repo_id
        run.model, run.agent_type = model, agent_type
        rng = random.Random(f"{self.seed}:user:{run_id}:0")
        run.extra_logs.append(log_entry(run_id, self.now_wall, "USER_MESSAGE", rng, prompt))
        self.runs[run_id] = run
        runs = self.org_runs[org_id]
        runs.append(run)
        runs.sort(key=lambda r: r.sort_key, reverse=True)
        self.start_work(run, prompt, final_status_for(prompt))
        return run

    def resume_run(self, run, prompt, images):
        run.resumes.append(prompt)
        if images:
            run.images = (run.images or []) + images
        rng = random.Random(f"{self.seed}:user:{run.id}:{len(run.resumes)}")
        run.extra_logs.append(log_entry(run.id, self.now_wall, "USER_MESSAGE", rng, prompt))
        self.start_work(run, prompt, final_status_for(prompt))

    def ban_run(self, run, remove_from_pr):
        """Ban (and optionally remove from PR): cancel the working runs sharing a PR."""
        run.banned = True
        if remove_from_pr:
            run.removed_from_pr = True
        affected = {run.id: run}
        for pr in run.prs or ():
            for other in self.pr_runs[pr.id]:
                affected[other.id] = other
        for other in affected.values():
            if other.status in WORKING_STATUSES:
                self.stop_work(other)
                other.status = "CANCELLED"

    def stop_run(self, run):
        """Stop: the run stops working and ends STOPPED (no final entry)."""
        self.stop_work(run)
        run.status = "STOPPED"
    def set_status(self, run, status):
        """A status set from outside (/_control): the run stops working."""
        self.stop_work(run)
        run.status = status

    def add_pr(self, run):
        """A new PR on the run (/_control)."""
        pr = self.make_pr(run, len(run.prs or ()))
        run.prs = (run.prs or []) + [pr]
        self.pr_runs[pr.id].append(run)
        return pr

    def new_slack_token(self):
        self.slack_tokens += 1
        digest = hashlib.sha256(f"{self.seed}:slack:{self.slack_tokens}".encode()).hexdigest()
        return digest[:32]
