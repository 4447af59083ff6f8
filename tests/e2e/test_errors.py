#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Errors" (the errno of bad paths and
refused writes) and of failures in "Requests and freshness" (stale copies
served, the mapped errno within the deadline, /errors and the run's `error`,
the daemon survives).

    python3 tests/e2e/test_errors.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    TOKEN, bounded, describe_requests, errno_name, read_bytes, read_timed_syscalls, sh,
    value_file)
from mountcase import (  # noqa: E402
    ORG, QUICK_FAKE, RUNS, RUN_DIR_FILES, RUN_DIR_WRITE_SIDE, RUN_PATH, MountTest, main,
    parallel)

ISO_Z = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"


# --------------------------------------------------------------------------
# Bad paths and writes

class BadPathTest(MountTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.m = cls.class_mount()

    def setUp(self):
        super().setUp()
        self.assertAlive(self.m)

    def p(self, rel):
        return self.m.path(rel)

    def test_unknown_paths_are_enoent(self):
        for rel in (f"{RUNS}/999999", "orgs/nosuchname", "orgs/11/nosuchfile",
                    f"{RUNS}/789/nosuch", "orgs/11/repos/999", "orgs/11/repos/470",
                    "orgs/11/users/999", "orgs/11/users/9", "nosuch", "me/nosuch",
                    f"{RUNS}/abc", f"{RUNS}/999999/status"):
            with self.subTest(path=rel):
                self.assertErrno(errno.ENOENT, os.stat, self.p(rel), what=f"stat /{rel}")
        rc, _, err = sh(["cat", self.p("orgs/11/nosuchfile")])
        self.assertEqual(rc, 1)
        self.assertIn("No such file or directory", err)

    def test_org_without_membership_is_eacces(self):
        for rel in ("orgs/13", "orgs/13/runs", "orgs/13/name"):
            with self.subTest(path=rel):
                self.assertErrno(errno.EACCES, os.stat, self.p(rel), what=f"stat /{rel}")
        self.assertErrno(errno.EACCES, os.listdir, self.p("orgs/13/runs"),
                         what="listdir /orgs/13/runs")
        rc, _, err = sh(["ls", self.p("orgs/13/runs")])
        self.assertNotEqual(rc, 0)
        self.assertIn("Permission denied", err)
        self.assertNotIn("13", os.listdir(self.p("orgs")), "/orgs lists org 13")

    def test_file_as_directory_is_enotdir(self):
        for rel in (f"{RUNS}/789/status/x", "orgs/11/name/x", "README/x"):
            with self.subTest(path=rel):
                self.assertErrno(errno.ENOTDIR, os.stat, self.p(rel), what=f"stat /{rel}")
        self.assertErrno(errno.ENOTDIR, os.listdir, self.p(f"{RUNS}/789/status"),
                         what="listdir runs/789/status")

    def test_directory_as_file_is_eisdir(self):
        fd = os.open(self.p(f"{RUNS}/789"), os.O_RDONLY)
        try:
            self.assertErrno(errno.EISDIR, os.read, fd, 100, what="read(runs/789)")
        finally:
            os.close(fd)
        rc, out, err = sh(["cat", self.p(f"{RUNS}/789")])
        self.assertEqual((rc, out), (1, ""), "cat runs/789")
        self.assertIn("Is a directory", err)

    def test_writes_are_refused(self):
        status = self.p(f"{RUNS}/789/status")
        run_dir = self.p(f"{RUNS}/789")
        for flags, name in ((os.O_WRONLY, "O_WRONLY"), (os.O_RDWR, "O_RDWR"),
                            (os.O_WRONLY | os.O_TRUNC, "O_WRONLY|O_TRUNC"),
                            (os.O_WRONLY | os.O_APPEND, "O_WRONLY|O_APPEND")):
            with self.subTest(open=name):
                outcome = self.assertErrno((errno.EROFS, errno.EACCES), os.open, status, flags,
                                           what=f"open(status, {name})")
                if outcome.error is None:
                    os.close(outcome.value)
        checks = (
            ("create runs/789/newfile", errno.EROFS,
             lambda: os.open(os.path.join(run_dir, "newfile"), os.O_WRONLY | os.O_CREAT, 0o644)),
            ("mkdir orgs/11/newdir", errno.EROFS, lambda: os.mkdir(self.p("orgs/11/newdir"))),
            ("mkdir runs/789/newdir", errno.EROFS, lambda: os.mkdir(os.path.join(run_dir, "d"))),
            ("unlink runs/789/status", errno.EPERM, lambda: os.unlink(status)),
            ("rmdir runs/789", errno.EPERM, lambda: os.rmdir(run_dir)),
            ("rmdir orgs/11/runs", errno.EPERM, lambda: os.rmdir(self.p(RUNS))),
            ("rename status", errno.EROFS,
             lambda: os.rename(status, os.path.join(run_dir, "status2"))),
            ("link status", errno.EROFS, lambda: os.link(status, os.path.join(run_dir, "l"))),
            ("symlink in runs/789", errno.EROFS,
             lambda: os.symlink("status", os.path.join(run_dir, "s"))),
            ("chmod status", errno.EROFS, lambda: os.chmod(status, 0o644)),
            ("chown status", errno.EROFS, lambda: os.chown(status, os.getuid(), os.getgid())),
            ("truncate status", errno.EROFS, lambda: os.truncate(status, 0)),
            ("utime status", errno.EROFS, lambda: os.utime(status, (0, 0))),
        )
        for what, code, action in checks:
            with self.subTest(op=what):
                outcome = self.assertErrno(code, action, what=what)
                if isinstance(outcome.value, int):
                    os.close(outcome.value)
        rc, _, err = sh(f"echo x > {self.p(f'{RUNS}/789/newfile')}")
        self.assertNotEqual(rc, 0, "shell redirection into the mount")
        self.assertIn("Read-only file system", err)
        rc, _, err = sh(["touch", os.path.join(run_dir, "newfile")])
        self.assertNotEqual(rc, 0, "touch runs/789/newfile")
        self.assertIn("Read-only file system", err)
        rc, _, err = sh(["rm", status])
        self.assertNotEqual(rc, 0, "rm runs/789/status")
        self.assertIn("Operation not permitted", err)
        self.assertEqual(self.m.read(f"{RUNS}/789/status"), b"COMPLETE\n", "status unchanged")
        self.assertEqual(set(os.listdir(run_dir)) - RUN_DIR_WRITE_SIDE, RUN_DIR_FILES,
                         "runs/789 after the refused writes")


# --------------------------------------------------------------------------
# Faults: stale copies served, errno within the deadline, daemon survives

class FaultTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE + ("--run-seconds", "600")
    DEADLINE = 3
    BOUND = DEADLINE + 1.5

    def check_fault(self, live, missing, code, http=None, message=None, kill_server=False,
                    **fault):
        m = self.mount("--run-ttl=1", deadline=self.DEADLINE)
        stale_rel = f"{RUNS}/{live}/status"
        self.assertEqual(m.read(stale_rel), b"ACTIVE\n", f"live run {live} before the fault")
        expected_missing = value_file(self.fake.run(missing)["status"])
        time.sleep(1.3)     # --run-ttl=1 and the kernel's 1 s caches expire
        errors_before = m.read("errors").decode().splitlines()
        seq = self.fake.mark()
        if kill_server:
            self.fake.stop()
        else:
            self.fake.fault(count=None, path=f"/v1/organizations/{ORG}/agent/run", **fault)
        stale, miss = parallel([(read_timed_syscalls, m.path(stale_rel)),
                                (read_timed_syscalls, m.path(RUNS, missing, "status"))],
                               timeout=4 * self.BOUND)
        what = "server down" if kill_server else f"fault {fault}"
        self.assertIsNone(stale.error, f"{what}: reading the cached (stale) run {live} "
                                       f"{stale.describe()}")
        content, times = stale.value
        self.assertEqual(content, b"ACTIVE\n", f"{what}: the stale copy is served")
        for syscall, seconds in times:
            self.assertLessEqual(seconds, self.BOUND, f"{what}: {syscall}() of the stale file "
                                                      f"took {seconds:.2f} s")
        if not kill_server:
            tried = [e for e in self.fake.requests(seq) if e["path"] == f"{RUN_PATH}{live}"]
            self.assertTrue(tried and all(e["fault"] == fault["kind"] for e in tried),
                            f"{what}: reading the stale run {live} did not try to refresh it "
                            f"through the fault: {describe_requests(tried)}")
        self.assertIsNotNone(miss.error, f"{what}: reading never-fetched run {missing} "
                                         f"{miss.describe()}")
        self.assertEqual(miss.errno, code, f"{what}: never-fetched run {missing}: expected "
                                           f"{errno_name(code)}, got {miss.describe()}")
        self.assertLessEqual(miss.seconds, self.BOUND,
                             f"{what}: the failing open() took {miss.seconds:.2f} s")

        errors = m.read("errors", timeout=4 * self.BOUND).decode()
        new = errors.splitlines()[len(errors_before):]
        line_re = re.compile(rf"^{ISO_Z} \S+ \S+ (\d{{3}}|-) E[A-Z0-9]+ ")
        for line in new:
            self.assertRegex(line, line_re, "an /errors line: <time> <op> <path> <status> "
                                            "<ERRNO> <message>")
        named = [line for line in new if str(live) in line and line.split()[4] == errno_name(code)]
        self.assertTrue(named, f"{what}: /errors gained no line about run {live} with "
                               f"{errno_name(code)}; new lines: {new}")
        if http is not None:
            self.assertTrue(any(line.split()[3] == http for line in named),
                            f"{what}: /errors lines do not show HTTP status {http}: {named}")
        if message is not None:
            self.assertTrue(any(message in line for line in named),
                            f"{what}: /errors lines do not carry the server's message "
                            f"{message!r}: {named}")
        run_error = m.read(f"{RUNS}/{live}/error", timeout=4 * self.BOUND).decode()
        self.assertIn(errno_name(code), run_error, f"{what}: runs/{live}/error")
        for name in ("errors", "stats"):
            self.assertNotIn(TOKEN, m.read(name).decode(), f"the token appears in /{name}")

        if kill_server:
            self.fake.restart()
        else:
            self.fake.clear_faults()
        self.assertAlive(m)
        # A failure may be remembered for a few seconds (fs/cache.c holds off
        # 3 s); the read must work again within that plus one deadline.
        limit = time.monotonic() + 3.0 + self.DEADLINE + 1.0
        while True:
            outcome = bounded(read_bytes, m.path(RUNS, missing, "status"),
                              timeout=2 * self.BOUND)
            if outcome.error is None or time.monotonic() > limit:
                break
            time.sleep(0.25)
        self.assertEqual(outcome.value, expected_missing,
                         f"after the {what} is over, runs/{missing}/status "
                         f"{outcome.describe()}")
        self.assertEqual(m.read(RUNS, live, "status"), b"ACTIVE\n")
        self.assertAlive(m)

    def test_stall_serves_stale_copy_and_times_out(self):
        self.check_fault(1295, 150, errno.ETIMEDOUT, http="-", kind="stall")

    def test_server_down_serves_stale_copy_and_is_ehostunreach(self):
        self.check_fault(1296, 151, errno.EHOSTUNREACH, http="-", kill_server=True)

    def test_http_500_serves_stale_copy_and_is_eio(self):
        self.check_fault(1297, 152, errno.EIO, http="500", message="Internal Server Error",
                         kind="status", status=500)

    def test_429_storm_serves_stale_copy_and_is_eagain(self):
        self.check_fault(1298, 153, errno.EAGAIN, http="429", message="Rate limit exceeded",
                         kind="429", retry_after=1)

    def test_malformed_json_serves_stale_copy_and_is_eio(self):
        self.check_fault(1299, 154, errno.EIO, kind="malformed")

    def test_oversized_body_serves_stale_copy_and_is_efbig(self):
        self.check_fault(1300, 155, errno.EFBIG, kind="oversized", bytes=40 * 1024 * 1024)


if __name__ == "__main__":
    main()
