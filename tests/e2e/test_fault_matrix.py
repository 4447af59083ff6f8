#!/usr/bin/env python3
"""End-to-end test of the fault matrix: every fault the fake injects, and the
server being down, against every class of operation, with --deadline=5
(docs/SEMANTICS.md "Requests and freshness", the client's "Errors" table).

Each cell asserts the exact errno (or success, with the cached copy where one
existed), that every syscall, and the operation as a whole (SEMANTICS: one
`cat` waits out the deadline once), ended within the deadline + 1 s, that
/errors got a line about the failure, the requests the fake received, and that
the daemon lives.  One test per fault: its cells run at once, each in a mount
of its own (so the kernel's one-lookup-at-a-time per directory cannot add one
cell's wait to another's), primed before the fault is set.  At the end the
matrix (errno and the operation's seconds per cell) is printed to stderr and,
when CGFS_FAULT_MATRIX names a file, written there.

    python3 tests/e2e/test_fault_matrix.py [-k pattern] [FaultMatrixTest.test_stall ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    Hung, Mount, bounded, describe_requests, errno_name, logs_file, value_file)
from mountcase import (  # noqa: E402
    FAST_LIMITER, LIST_PATH, LOGS_PATH, ORG, QUICK_FAKE, RUN_PATH, RUNS, MountTest, main)

DEADLINE = 5
BOUND = DEADLINE + 1.0
WINDOW = 100                    # one list page
OPTS = (FAST_LIMITER, f"--list-window={WINDOW}", "--run-ttl=1", "--list-ttl=1",
        "--logs-ttl=1")
TTL_WAIT = 1.3                  # the 1 s TTLs and the kernel's 1 s caches expire
CREATE_ORG = 12                 # its runs are in no list another cell reads
CREATE_PATH = f"/v1/organizations/{CREATE_ORG}/agent/run"
BAN_PATH = f"/v1/organizations/{ORG}/agent/run/ban"
UNCACHED_LOOKUP = 150           # outside the window, never fetched
UNCACHED_STATUS = 151
FINISHED = 789                  # COMPLETE, 42 log entries (one page)
LIVE_STATUS = 1295
LIVE_LOGS = 1296
ERRORS_LINE = re.compile(r"^\S+ \S+ \S+ (\d{3}|-) (E[A-Z0-9]+) ")

# fault name -> (fake fault spec or None for the server down, errno or 0 for success)
FAULTS = {
    "latency": ({"kind": "latency", "ms": 2000}, 0),
    "stall": ({"kind": "stall"}, errno.ETIMEDOUT),
    "500": ({"kind": "status", "status": 500}, errno.EIO),
    "502": ({"kind": "status", "status": 502}, errno.EIO),
    "503": ({"kind": "status", "status": 503}, errno.EIO),
    "429 storm": ({"kind": "429", "retry_after": 1}, errno.EAGAIN),
    "drop": ({"kind": "drop"}, errno.ECONNRESET),
    "truncate": ({"kind": "truncate"}, errno.EIO),
    "malformed": ({"kind": "malformed"}, errno.EIO),
    "oversized": ({"kind": "oversized", "bytes": 33 * 1024 * 1024}, errno.EFBIG),
    "server down": (None, errno.EHOSTUNREACH),
}
OPS = ("lookup", "ls cold", "ls cached", "status cold", "status cached", "logs cold",
       "logs cached", "create", "ctl")
# Cached live logs are in the matrix only under the faults where a `cat` of them ends
# within the bound today.  Under a fault that makes the client wait (retries,
# Retry-After, a stall, no server) the `cat`'s open() waits out the refresh of the run
# (the lookup of runs/<id>) and its read() that of the logs, each up to the deadline:
# 10 s in all under a stall, 8 s under a 429 storm (issue 11).  The cells join when
# that is fixed.
LOGS_CACHED_WITHIN_BOUND = tuple(FAULTS)


def ops_of(fault):
    return tuple(op for op in OPS
                 if op != "logs cached" or fault in LOGS_CACHED_WITHIN_BOUND)


MATRIX = {}     # (fault, op) -> (errno or 0, slowest syscall, all syscalls: seconds)


class Timer:
    """Runs syscalls one by one, keeping how long each took (also the one that fails)."""

    def __init__(self):
        self.times = []

    def __call__(self, name, fn, *args):
        started = time.monotonic()
        try:
            return fn(*args)
        finally:
            self.times.append((name, time.monotonic() - started))

    def read_file(self, path):
        fd = self("open", os.open, path, os.O_RDONLY)
        chunks = []
        try:
            while True:
                chunk = self("read", os.read, fd, 65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        finally:
            self("close", os.close, fd)

    def write_file(self, path, data, flags):
        fd = self("open", os.open, path, os.O_WRONLY | flags, 0o644)
        try:
            self("write", os.write, fd, data)
        finally:
            self("close", os.close, fd)


def run_ids(names):
    return sorted(int(n) for n in names if n.isdigit())


# --------------------------------------------------------------------------
# The operation classes: prime (before the fault), act (under it), expected
# (the value of a success), paths (the requests the cell makes) and POST (sent once).

class Cell:
    paths = ()
    post = False
    cached = False

    def __init__(self, test, mount, draft):
        self.test, self.m, self.draft = test, mount, draft
        self.primed = None

    def prime(self):
        self.test.prime_org(self.m)

    def expected(self):
        return None


class Lookup(Cell):
    paths = (f"{RUN_PATH}{UNCACHED_LOOKUP}",)

    def act(self, t):
        return t("stat", os.stat, self.m.path(RUNS, UNCACHED_LOOKUP)).st_mode & 0o170000

    def expected(self):
        return 0o040000


class LsCold(Cell):
    paths = (LIST_PATH,)

    def act(self, t):
        return run_ids(t("readdir", os.listdir, self.m.path(RUNS)))

    def expected(self):
        return sorted(r["id"] for r in self.test.fake.get(LIST_PATH, skip=0,
                                                              limit=WINDOW)["items"])


class LsCached(LsCold):
    cached = True

    def prime(self):
        self.primed = run_ids(os.listdir(self.m.path(RUNS)))
        self.test.assertEqual(len(self.primed), WINDOW, "ls runs/ before the fault")

    def expected(self):
        return self.primed


class StatusCold(Cell):
    paths = (f"{RUN_PATH}{UNCACHED_STATUS}",)

    def act(self, t):
        return t.read_file(self.m.path(RUNS, UNCACHED_STATUS, "status"))

    def expected(self):
        return value_file(self.test.fake.run(UNCACHED_STATUS)["status"])


class StatusCached(Cell):
    paths = (f"{RUN_PATH}{LIVE_STATUS}",)
    cached = True

    def prime(self):
        self.primed = self.m.read(RUNS, LIVE_STATUS, "status")
        self.test.assertEqual(self.primed, b"ACTIVE\n", f"runs/{LIVE_STATUS}/status before")

    def act(self, t):
        return t.read_file(self.m.path(RUNS, LIVE_STATUS, "status"))

    def expected(self):
        return self.primed


class LogsCold(Cell):
    paths = (f"{LOGS_PATH}{FINISHED}/logs",)

    def prime(self):
        self.test.assertTrue(os.path.isdir(self.m.path(RUNS, FINISHED)))

    def act(self, t):
        return t.read_file(self.m.path(RUNS, FINISHED, "logs"))

    def expected(self):
        return logs_file(self.test.fake.logs(FINISHED))


class LogsCached(Cell):
    paths = (f"{LOGS_PATH}{LIVE_LOGS}/logs", f"{RUN_PATH}{LIVE_LOGS}")
    cached = True

    def prime(self):
        self.primed = self.m.read(RUNS, LIVE_LOGS, "logs")
        self.test.assertTrue(self.primed, f"runs/{LIVE_LOGS}/logs before the fault is empty")

    def act(self, t):
        return t.read_file(self.m.path(RUNS, LIVE_LOGS, "logs"))

    def expected(self):
        return self.primed

    def check_success(self, value):
        """A live run's logs grow: what was held, then what came since, as the fake has it."""
        now = logs_file(self.test.fake.logs(LIVE_LOGS))
        self.test.assertTrue(value.startswith(self.primed) and now.startswith(value),
                             f"logs cached: {value[-200:]!r} does not follow the primed copy "
                             f"and lead to the fake's {now[-200:]!r}")


class Create(Cell):
    paths = (CREATE_PATH,)
    post = True

    def prime(self):
        self.test.assertTrue(os.path.isdir(self.m.path(f"orgs/{CREATE_ORG}/new")))

    def act(self, t):
        new = self.m.path(f"orgs/{CREATE_ORG}/new")
        t.write_file(os.path.join(new, self.draft), b"Fault matrix prompt\n",
                     os.O_CREAT | os.O_TRUNC)
        return os.path.islink(os.path.join(new, self.draft))

    def expected(self):
        return True


class Ctl(Cell):
    paths = (BAN_PATH,)
    post = True

    def prime(self):
        self.test.assertTrue(os.path.isdir(self.m.path(RUNS, FINISHED)))

    def act(self, t):
        t.write_file(self.m.path(RUNS, FINISHED, "ctl"), b"ban\n", 0)
        return True

    def expected(self):
        return True


CELLS = dict(zip(OPS, (Lookup, LsCold, LsCached, StatusCold, StatusCached, LogsCold,
                       LogsCached, Create, Ctl)))


# --------------------------------------------------------------------------

class FaultMatrixTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE + ("--run-seconds", "600")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        print_matrix()

    def start_mounts(self, ops):
        mounts = {}
        for op in ops:
            mount = Mount(self.fake, *OPTS, deadline=DEADLINE)
            self.addCleanup(self._stop_mount, mount)
            mounts[op] = mount
        threads = [threading.Thread(target=m.start, daemon=True) for m in mounts.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        for op, mount in mounts.items():
            self.assertTrue(mount.alive() and os.path.ismount(mount.mnt),
                            f"{op}: the mount did not come up: {mount.stderr_tail()!r}")
        return mounts

    def check_fault(self, fault):
        spec, code = FAULTS[fault]
        ops = ops_of(fault)
        mounts = self.start_mounts(ops)
        draft = "fm-" + fault.replace(" ", "-")
        cells = {op: CELLS[op](self, mounts[op], draft) for op in ops}
        for op, cell in cells.items():
            cell.prime()
        time.sleep(TTL_WAIT)
        errors_before = {op: m.read("errors").decode().splitlines() for op, m in mounts.items()}
        seq = self.fake.mark()
        if spec is None:
            self.fake.stop()
        else:
            self.fake.fault(count=None, **spec)
        outcomes = self.run_cells(cells)
        errors_after = {op: m.read("errors", timeout=2 * BOUND).decode().splitlines()
                        for op, m in mounts.items()}
        requests = [] if spec is None else self.fake.requests(seq)
        if spec is None:
            self.fake.restart()
        else:
            self.fake.clear_faults()
        for op in ops:
            outcome, timer = outcomes[op]
            got = 0 if outcome.error is None else outcome.errno
            slowest = max((s for _, s in timer.times), default=0.0)
            MATRIX[(fault, op)] = (got, slowest, sum(s for _, s in timer.times))
        for op in ops:
            with self.subTest(op=op):
                self.check_cell(fault, spec, code, op, cells[op], outcomes[op], requests,
                                errors_after[op][len(errors_before[op]):])

    def run_cells(self, cells):
        results = {}

        def worker(op, cell):
            timer = Timer()
            results[op] = (bounded(cell.act, timer, timeout=4 * BOUND, what=op), timer)

        threads = [threading.Thread(target=worker, args=item, daemon=True)
                   for item in cells.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(4 * BOUND + 5)
        hung = [op for op in cells if op not in results]
        if hung:
            raise Hung(f"cells {hung} did not return within {4 * BOUND} s")
        return results

    def check_cell(self, fault, spec, code, op, cell, result, requests, new_errors):
        outcome, timer = result
        what = f"{fault} x {op}"
        for syscall, seconds in timer.times:
            self.assertLessEqual(seconds, BOUND, f"{what}: {syscall}() took {seconds:.2f} s "
                                                 f"(deadline {DEADLINE} s); {timer.times}")
        total = sum(s for _, s in timer.times)
        self.assertLessEqual(total, BOUND, f"{what}: its syscalls took {total:.2f} s in all "
                                           f"(deadline {DEADLINE} s): {timer.times}")
        fails = code != 0 and not cell.cached
        if fails:
            self.assertIsNotNone(outcome.error, f"{what}: expected {errno_name(code)}, but it "
                                                f"{outcome.describe()}")
            self.assertIsInstance(outcome.error, OSError, f"{what}: {outcome.describe()}")
            self.assertEqual(outcome.errno, code, f"{what}: expected {errno_name(code)}, "
                                                  f"got {outcome.describe()}")
        else:
            self.assertIsNone(outcome.error, f"{what}: {outcome.describe()}")
            if code == 0 and hasattr(cell, "check_success"):
                cell.check_success(outcome.value)
            else:
                self.assertEqual(outcome.value, cell.expected(),
                                 f"{what}: {'the cached copy ' if code else ''}differs")
        if code:
            logged = [ERRORS_LINE.match(line) for line in new_errors]
            self.assertTrue(any(m and m.group(2) == errno_name(code) for m in logged),
                            f"{what}: /errors got no {errno_name(code)} line: {new_errors}")
        else:
            self.assertEqual(new_errors, [], f"{what}: /errors got lines")
        if fails and op == "create":
            error_file = cell.m.read(f"orgs/{CREATE_ORG}/new/{cell.draft}.error").decode()
            self.assertTrue(error_file.endswith("\n") and error_file.strip(),
                            f"{what}: new/{cell.draft}.error is {error_file!r}")
            draft = cell.m.path(f"orgs/{CREATE_ORG}/new", cell.draft)
            self.assertFalse(os.path.islink(draft), f"{what}: the draft turned into a link")
            self.assertEqual(cell.m.read(f"orgs/{CREATE_ORG}/new/{cell.draft}"),
                             b"Fault matrix prompt\n", f"{what}: the draft keeps its text")
        if spec is not None:
            mine = [e for e in requests if e["path"] in cell.paths]
            self.assertTrue(mine, f"{what}: the fake got no request for {cell.paths}")
            self.assertTrue(all(e["fault"] == spec["kind"] for e in mine),
                            f"{what}: requests not through the fault: {describe_requests(mine)}")
            if cell.post:
                self.assertEqual([e["method"] for e in mine], ["POST"],
                                 f"{what}: a POST is sent exactly once: "
                                 f"{describe_requests(mine)}")
        self.assertAlive(cell.m)
        self.assertTrue(os.path.isdir(cell.m.path(RUNS)), f"{what}: the mount answers no more")

    def test_latency(self):
        self.check_fault("latency")

    def test_stall(self):
        self.check_fault("stall")

    def test_http_500(self):
        self.check_fault("500")

    def test_http_502(self):
        self.check_fault("502")

    def test_http_503(self):
        self.check_fault("503")

    def test_429_storm(self):
        self.check_fault("429 storm")

    def test_dropped_connection(self):
        self.check_fault("drop")

    def test_truncated_body(self):
        self.check_fault("truncate")

    def test_malformed_json(self):
        self.check_fault("malformed")

    def test_oversized_body(self):
        self.check_fault("oversized")

    def test_server_down(self):
        self.check_fault("server down")


def print_matrix():
    """The matrix as a table: per cell the errno (ok: success, with the cached copy where
    one was held) and the seconds its syscalls took in all."""
    if not MATRIX:
        return
    width = max(16, max(len(op) for op in OPS))
    head = f"{'fault':<12}" + "".join(f" | {op:<{width}}" for op in OPS)
    lines = [f"fault matrix (--deadline={DEADLINE}): errno, seconds of the operation", head,
             "-" * len(head)]
    for fault in FAULTS:
        row = f"{fault:<12}"
        for op in OPS:
            cell = MATRIX.get((fault, op))
            if cell is None:
                text = "-" if op in ops_of(fault) else "left out"
            else:
                text = f"{'ok' if cell[0] == 0 else errno_name(cell[0])} {cell[2]:.1f}"
            row += f" | {text:<{width}}"
        lines.append(row.rstrip())
    table = "\n".join(lines) + "\n"
    sys.stderr.write("\n" + table)
    target = os.environ.get("CGFS_FAULT_MATRIX")
    if target:
        with open(target, "w", encoding="utf-8") as f:
            f.write(table)


if __name__ == "__main__":
    main()
