"""Support of the end-to-end test files: MountTest, the base class every
tests/e2e/test_*.py builds on, with the constants, helpers and main() they share.

Each test mounts codegen-fs (harness.py: Mount) on a fake Codegen API
(scripts/fake-codegen-api: Fake), reads the tree with the tools people use
(ls -l, cat, grep, tail -f, plain syscalls), and asserts the exact content
(docs/SEMANTICS.md "The mount"), the exact errno, and the requests the fake
received (its /_control/requests log; the tests' own requests carry _e2e=1
and are left out).  Every mount is torn down even when its test fails.
Nothing here runs on import; each test file ends with main().

    python3 tests/e2e/test_<section>.py [-k pattern] [TestClass.test_name ...]

Environment: CGFS_BIN (default build/fs/codegen-fs), CG_FAKE_API (default
scripts/fake-codegen-api).  CGFS_E2E_TLS=1 puts nginx (tls.py) in front of each
class's fake: every mount that names no base URL of its own then speaks HTTP/2
over TLS to it, trusting the throwaway CA through --ca-file, and every request
nginx served during a test must have been HTTP/2 (the suite's TLS runs).  main() exits 77 (meson's skip) when FUSE is unavailable.
"""

import os
import signal
import sys
import threading
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    JSON_FILE, Fake, Hung, Mount, bounded, describe_requests, errno_name, json_file_problem,
    read_bytes, skip_reason)


ORG = 11
RUNS = f"orgs/{ORG}/runs"
RUN_PATH = f"/v1/organizations/{ORG}/agent/run/"       # + id: GET run
LIST_PATH = f"/v1/organizations/{ORG}/agent/runs"
LOGS_PATH = f"/v1/alpha/organizations/{ORG}/agent/run/"  # + id + /logs
TLS = os.environ.get("CGFS_E2E_TLS") == "1"
FAST_LIMITER = "--rate-time-scale=0.01"   # the mount's token buckets out of the way
QUICK_FAKE = ("--rate-limits", "off")

# The read side of a run directory (SEMANTICS) and the write-side names
# DESIGN.md §2/§3 adds (resume, ctl), which a listing may also show.
RUN_DIR_FILES = {"id", "status", "summary", "result", "web_url", "created_at", "source_type",
                 "prs", "prs.json", "branches", "metadata.json", "run.json", "logs",
                 "logs.jsonl", "wait", "error"}
RUN_DIR_WRITE_SIDE = {"resume", "ctl"}


def first_difference(got, expected):
    """Where two texts differ, as a short message."""
    got_lines = got.decode("utf-8", "replace").split("\n")
    exp_lines = expected.decode("utf-8", "replace").split("\n")
    for number, (a, b) in enumerate(zip(got_lines, exp_lines), 1):
        if a != b:
            return f"line {number}: got {a!r}, expected {b!r}"
    return (f"got {len(got_lines) - 1} lines, expected {len(exp_lines) - 1}; got ends "
            f"{got[-120:]!r}, expected ends {expected[-120:]!r}")


def gets_of_run(requests, run_id):
    return [e for e in requests if e["method"] == "GET" and e["path"] == f"{RUN_PATH}{run_id}"]


def logs_requests_of(requests, run_id):
    return [e for e in requests if e["path"] == f"{LOGS_PATH}{run_id}/logs"]


def parallel(calls, timeout):
    """Run each (fn, *args) in its own thread at once; -> [Outcome] in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(index, fn, args):
        barrier.wait()
        results[index] = bounded(fn, *args, timeout=timeout)

    threads = [threading.Thread(target=worker, args=(i, c[0], c[1:]), daemon=True)
               for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 5)
    hung = [calls[i] for i, r in enumerate(results) if r is None]
    if hung:
        raise Hung(f"{len(hung)} of {len(calls)} parallel calls did not return within "
                   f"{timeout} s: {hung[:3]}")
    return results


# --------------------------------------------------------------------------
# Base class

class MountTest(unittest.TestCase):
    """One fake per class (reset before every test); mounts per test through
    self.mount(), or per class through cls.class_mount()."""

    FAKE_FLAGS = QUICK_FAKE
    fake = None
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake(*cls.FAKE_FLAGS)
        cls.addClassCleanup(cls.fake.stop)
        cls.tls_front = None
        if TLS:
            import tls
            cls.tls_front = tls.TlsFront(cls.fake)
            cls.addClassCleanup(cls.tls_front.stop)
            cls.addClassCleanup(cls._assert_tls_served)

    @classmethod
    def _assert_tls_served(cls):
        if not cls.tls_front.log():
            raise AssertionError(f"{cls.__name__}: a TLS run in which nginx served nothing")

    @classmethod
    def _through_tls(cls, opts, kwargs):
        """In a TLS run, a mount with no base URL of its own goes through nginx."""
        if cls.tls_front is None or kwargs.get("base_url"):
            return opts
        kwargs["base_url"] = cls.tls_front.url()
        env = {"HTTPS_PROXY": "", "https_proxy": "", "ALL_PROXY": "", "all_proxy": ""}
        kwargs["env"] = {**env, **(kwargs.get("env") or {})}
        return [f"--ca-file={cls.tls_front.ca_file}", *opts]

    @classmethod
    def class_mount(cls, *opts, **kwargs):
        opts = cls._through_tls(list(opts), kwargs)
        mount = Mount(cls.fake, *cls._opts(opts), **kwargs)

        def stop():
            problem = mount.stop()
            if problem:
                raise AssertionError(problem)

        cls.addClassCleanup(stop)
        return mount.start()

    @staticmethod
    def _opts(opts):
        if any(o.startswith("--rate-time-scale") for o in opts):
            return list(opts)
        return [FAST_LIMITER, *opts]

    def setUp(self):
        if not self.fake.alive():
            self.fake.restart()
        self.fake.reset()
        if self.tls_front is not None:
            since = self.tls_front.mark()
            self.addCleanup(self._assert_http2, since)

    def _assert_http2(self, since):
        spoken = {row[1] for row in self.tls_front.log(since)}
        self.assertLessEqual(spoken, {"HTTP/2.0"}, "nginx served other than HTTP/2")

    def mount(self, *opts, **kwargs):
        opts = self._through_tls(list(opts), kwargs)
        mount = Mount(self.fake, *self._opts(opts), **kwargs)
        self.addCleanup(self._stop_mount, mount)
        return mount.start()

    def _stop_mount(self, mount):
        problem = mount.stop()
        if problem:
            self.fail(problem)

    # -- assertions ------------------------------------------------------------

    def assertFile(self, mount, rel, expected):
        """rel reads as expected (bytes, or (JSON_FILE, object)) and stats with
        its true size."""
        path = mount.path(rel)
        outcome = bounded(read_bytes, path, timeout=30, what=f"read {rel}")
        self.assertIsNone(outcome.error, f"{rel}: reading it {outcome.describe()}")
        content = outcome.value
        if isinstance(expected, tuple) and expected[0] is JSON_FILE:
            problem = json_file_problem(content, expected[1])
            self.assertIsNone(problem, f"{rel}: {problem}")
        else:
            self.assertEqual(content, expected,
                             f"{rel}: content differs: {first_difference(content, expected)}")
        size = os.stat(path).st_size
        self.assertEqual(size, len(content),
                         f"{rel}: st_size is {size} but it reads {len(content)} bytes")
        return content

    def assertErrno(self, expected, fn, *args, what, timeout=30):
        """fn(*args) fails with exactly expected (an errno or a tuple of them)."""
        codes = expected if isinstance(expected, tuple) else (expected,)
        names = " or ".join(errno_name(c) for c in codes)
        outcome = bounded(fn, *args, timeout=timeout, what=what)
        self.assertIsNotNone(outcome.error, f"{what}: expected {names}, but it "
                                            f"{outcome.describe()}")
        self.assertIsInstance(outcome.error, OSError,
                              f"{what}: expected {names}, got {outcome.error!r}")
        self.assertIn(outcome.errno, codes, f"{what}: expected {names}, got "
                                            f"{errno_name(outcome.errno)} ({outcome.error})")
        return outcome

    def assertNoRequests(self, since, what):
        requests = self.fake.requests(since)
        self.assertEqual(requests, [], f"{what} should cost no request; the fake got "
                                       f"{len(requests)}: {describe_requests(requests)}")

    def assertAlive(self, mount):
        self.assertTrue(mount.alive(), f"codegen-fs died (status {mount.proc.poll()}); "
                                       f"stderr: {mount.stderr_tail()!r}")

    def prime_org(self, mount):
        """Resolve /orgs/11 (its one-time requests), so later counts see only
        the requests of the step they measure."""
        self.assertTrue(os.path.isdir(mount.path(f"orgs/{ORG}/runs")),
                        f"/orgs/{ORG}/runs is not a directory")


# --------------------------------------------------------------------------

def main():
    reason = skip_reason()
    if reason:
        print(f"SKIP: {reason}")
        sys.exit(77)
    # A runner's timeout sends SIGTERM: exit through atexit, which unmounts.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    program = unittest.main(verbosity=2, exit=False)
    result = program.result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = max(0, result.testsRun - failed - skipped - len(result.expectedFailures))
    print(f"e2e: {passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(0 if result.wasSuccessful() else 1)
