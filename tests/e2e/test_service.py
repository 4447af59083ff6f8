#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Service and logs": readiness through
$NOTIFY_SOCKET (READY=1 once the mount answers, STOPPING=1 when it ends), the
failures of /errors in the log (stderr in the foreground, the system log in
the background), and -o debug_api's one line per API request.

The service manager is a Unix datagram socket of the test's own, as systemd's
is; the system log too, named by $CODEGEN_FS_SYSLOG_SOCKET (fs/log.h).  Both
receive with SO_PASSCRED, so the sender's pid is the kernel's word.

    python3 tests/e2e/test_service.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import os
import re
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    FUSERMOUNT, TOKEN, Mount, bounded, describe_requests, mounted, sh)
from mountcase import (  # noqa: E402
    ORG, RUNS, MountTest, main)

ROOT_ENTRIES = ["README", "errors", "mcp-providers", "me", "orgs", "stats"]
UCRED = struct.Struct("iII")    # struct ucred: pid, uid, gid
# <PRI>Mmm dd hh:mm:ss codegen-fs[PID]: text   (fs/log.h)
SYSLOG_RE = re.compile(r"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d codegen-fs\[(\d+)\]: (.*)$",
                       re.S)
API_RE = re.compile(r"^api (\S+) (\S+) (\d{3}|-) (\d+)ms(?: (E[A-Z0-9]+))?(?: retry (\d+))?$")
LOG_DAEMON = 3 << 3
WARNING, DEBUG = 4, 7


class Listener:
    """A Unix datagram socket bound at path ("@name": abstract) that reports
    each datagram with its sender's pid."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + path[1:] if path.startswith("@") else path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

    def receive(self, timeout):
        """-> (bytes, sender pid), or None when nothing came within timeout."""
        self.sock.settimeout(timeout)
        try:
            data, ancillary, _, _ = self.sock.recvmsg(65536, socket.CMSG_SPACE(UCRED.size))
        except (socket.timeout, BlockingIOError):
            return None
        pid = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = UCRED.unpack(payload[:UCRED.size])[0]
        return data, pid

    def drain(self, quiet=0.3):
        """Every datagram until none comes for `quiet` seconds."""
        got = []
        while True:
            item = self.receive(quiet)
            if item is None:
                return got
            got.append(item)

    def close(self):
        self.sock.close()
        if not self.path.startswith("@"):
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


class BackgroundMount(Mount):
    """codegen-fs without -f: the command returns once mounted; the daemon
    lives on as its child."""

    def argv(self):
        return [a for a in super().argv() if a != "-f"]


def wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def without_time(errors_line):
    """An /errors line as the log has it: all but its first field, the time."""
    return errors_line.split(" ", 1)[1]


class ServiceTest(MountTest):

    def listener(self, name):
        path = name if name.startswith("@") else os.path.join(self.tmp, name)
        sock = Listener(path)
        self.addCleanup(sock.close)
        return sock

    def setUp(self):
        super().setUp()
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="cgfs-service-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# Readiness: the notify protocol

class ReadinessTest(ServiceTest):

    def ready_then_stopping(self, socket_name, latency_ms):
        notify = self.listener(socket_name)
        if latency_ms:
            self.fake.fault("latency", ms=latency_ms, count=1, path="/v1/users/me")
        mount = Mount(self.fake, *self._opts(()), env={"NOTIFY_SOCKET": notify.path})
        self.addCleanup(mount.stop)
        started = time.monotonic()
        proc = mount.spawn()

        item = notify.receive(15)
        at_ready = time.monotonic() - started
        self.assertIsNotNone(item, f"no READY=1 within 15 s; mounted {mounted(mount.mnt)}; "
                                   f"stderr {mount.stderr_tail()!r}")
        # At once, before anything else: the mount is there and answers.
        is_mounted = mounted(mount.mnt)
        listing = bounded(os.listdir, mount.mnt, timeout=5)
        self.assertEqual(item, (b"READY=1", proc.pid), "the datagram and its sender")
        self.assertTrue(is_mounted, "READY=1 came before the mount existed")
        self.assertIsNone(listing.error, f"ls right after READY=1 {listing.describe()}")
        self.assertEqual(sorted(listing.value), ROOT_ENTRIES)
        if latency_ms:
            self.assertGreaterEqual(at_ready, latency_ms / 1000,
                                    "READY=1 came before the API answered who we are")
        self.assertEqual(mount.read("me/github_username"), b"alice-dev\n")
        self.assertEqual(notify.drain(), [], "one READY=1, and nothing else while mounted")

        rc, _, err = sh([FUSERMOUNT, "-u", mount.mnt], timeout=10)
        self.assertEqual(rc, 0, f"fusermount3 -u: {err}")
        self.assertEqual(notify.receive(10), (b"STOPPING=1", proc.pid),
                         "STOPPING=1 at the unmount")
        self.assertEqual(mount.reap(10), 0, f"exit status; stderr {mount.stderr_tail()!r}")
        self.assertEqual(notify.drain(), [], "nothing after STOPPING=1")
        self.assertNotIn("NOTIFY", mount.stderr_tail())

    def test_ready_once_mounted_and_answering_stopping_at_unmount(self):
        self.ready_then_stopping("notify", latency_ms=1200)

    def test_an_abstract_socket_name(self):
        self.ready_then_stopping(f"@cgfs-e2e-notify-{os.getpid()}", latency_ms=0)

    def test_a_refused_mount_is_never_ready(self):
        notify = self.listener("notify")
        mount = Mount(self.fake, *self._opts(()), token="wrong-token-e2e-0452",
                      env={"NOTIFY_SOCKET": notify.path})
        self.addCleanup(mount.stop)
        proc = mount.spawn()
        proc.wait(timeout=15)
        self.assertEqual(proc.returncode, 1, f"stderr {mount.stderr_tail()!r}")
        self.assertEqual(notify.drain(), [], "a refused mount sends nothing")


# --------------------------------------------------------------------------
# -o debug_api and failures in the foreground: stderr

class ForegroundLogTest(ServiceTest):

    def api_lines(self, mount):
        lines = [line for line in mount.stderr_tail(1 << 20).splitlines()
                 if line.startswith("codegen-fs: api ")]
        return [line[len("codegen-fs: "):] for line in lines]

    def expected_api_lines(self, requests):
        """One line per request the fake received; a repeat of a request whose
        answer was 5xx is its retry."""
        expected, retry = [], 0
        for i, e in enumerate(requests):
            target = e["path"] + (f"?{e['query']}" if e.get("query") else "")
            previous = requests[i - 1] if i else None
            if previous and (previous["method"], previous["path"], previous.get("query")) == \
                    (e["method"], e["path"], e.get("query")) and previous["status"] >= 500:
                retry += 1
            else:
                retry = 0
            expected.append((e["method"], target, str(e["status"]), None,
                             str(retry) if retry else None))
        return expected

    def test_debug_api_logs_each_request_and_never_the_token_or_a_body(self):
        seq = self.fake.mark()
        m = self.mount("-o", "debug_api")
        self.assertEqual(m.read(f"{RUNS}/789/status"), b"COMPLETE\n")
        self.fake.fault("status", status=503, count=1, path=f"/v1/organizations/{ORG}/agent/run/790",
                        method="GET")
        self.assertEqual(m.read(f"{RUNS}/790/id"), b"790\n")
        self.assertErrnoOf(m, f"{RUNS}/99999999/status")
        prompt = "debug-api-secret-prompt-7f3e"
        rc, _, err = sh(f"printf '%s\\n' {prompt} | tee {m.path(f'orgs/{ORG}/new/dbg')}",
                        timeout=30)
        self.assertEqual(rc, 0, f"tee into new/: {err}")
        requests = self.fake.requests(seq)
        time.sleep(0.3)
        got = [API_RE.match(line) for line in self.api_lines(m)]
        self.assertTrue(all(got), f"every api line has the format: {self.api_lines(m)}")
        seen = [(g.group(1), g.group(2), g.group(3), g.group(5), g.group(6)) for g in got]
        run = f"/v1/organizations/{ORG}/agent/run"
        self.assertEqual(seen, [("GET", "/v1/users/me", "200", None, None),
                                ("GET", "/v1/organizations?skip=0&limit=100", "200", None, None),
                                ("GET", f"{run}/789", "200", None, None),
                                ("GET", f"{run}/790", "503", None, None),
                                ("GET", f"{run}/790", "200", None, "1"),
                                ("GET", f"{run}/99999999", "404", None, None),
                                ("POST", run, "200", None, None)],
                         "the api lines of the known sequence")
        self.assertEqual(seen, self.expected_api_lines(requests),
                         f"the api lines against the fake's log: {describe_requests(requests)}")
        for g in got:
            self.assertLess(int(g.group(4)), 30000, f"milliseconds of {g.group(0)}")
        text = m.stderr_tail(1 << 20)
        self.assertNotIn(TOKEN, text, "the token is in the log")
        self.assertNotIn(prompt, text, "a request body is in the log")
        self.assertNotIn("Bearer", text)

    def assertErrnoOf(self, m, rel):
        outcome = bounded(lambda p: open(p).read(), m.path(rel), timeout=30)
        self.assertIsNotNone(outcome.error, f"{rel} {outcome.describe()}")

    def test_without_debug_api_no_request_is_logged(self):
        m = self.mount()
        self.assertEqual(m.read(f"{RUNS}/789/status"), b"COMPLETE\n")
        self.assertEqual(self.api_lines(m), [])

    def test_failures_go_to_stderr_as_in_errors(self):
        m = self.mount(deadline=3)
        self.fake.fault("status", status=500, count=None, path=f"/v1/organizations/{ORG}/agent/run/791")
        self.assertErrnoOf(m, f"{RUNS}/791/status")
        errors = m.read("errors").decode().splitlines()
        self.assertTrue(errors, "/errors has the failure")
        time.sleep(0.3)
        logged = [line[len("codegen-fs: "):] for line in m.stderr_tail(1 << 20).splitlines()
                  if line.startswith("codegen-fs: ")]
        self.assertEqual(logged, [without_time(line) for line in errors],
                         "each /errors line, without its time, on stderr")

    def test_on_the_journal_stream_lines_carry_their_level(self):
        """A unit's -f daemon: stderr is the journal's stream ($JOURNAL_STREAM
        names its device and inode), and each line starts with its priority."""
        m = Mount(self.fake, *self._opts(("-o", "debug_api")), deadline=3)
        self.addCleanup(m.stop)
        with open(os.path.join(m.dir, "stderr"), "wb"):
            pass
        st = os.stat(os.path.join(m.dir, "stderr"))
        m.extra_env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
        m.start()
        self.fake.fault("status", status=500, count=None, path=f"/v1/organizations/{ORG}/agent/run/791")
        self.assertErrnoOf(m, f"{RUNS}/791/status")
        errors = m.read("errors").decode().splitlines()
        time.sleep(0.3)
        lines = m.stderr_tail(1 << 20).splitlines()
        self.assertEqual([line for line in lines if line.startswith("<4>")],
                         ["<4>" + without_time(line) for line in errors])
        self.assertRegex(lines[0], r"^<7>api GET /v1/users/me 200 \d+ms$")
        self.assertEqual([line for line in lines if not re.match(r"<[47]>", line)], [],
                         "every line carries its level")


# --------------------------------------------------------------------------
# In the background: the system log

class BackgroundLogTest(ServiceTest):

    def test_failures_and_requests_reach_the_system_log(self):
        log = self.listener("log")
        seq = self.fake.mark()
        m = BackgroundMount(self.fake, *self._opts(("-o", "debug_api")), deadline=3,
                            env={"CODEGEN_FS_SYSLOG_SOCKET": log.path})
        self.addCleanup(m.stop)
        m.start()
        self.assertEqual(m.reap(10), 0, "the command returns 0 once mounted")
        self.fake.fault("status", status=500, count=None, path=f"/v1/organizations/{ORG}/agent/run/791")
        outcome = bounded(lambda p: open(p).read(), m.path(RUNS, 791, "status"), timeout=30)
        self.assertIsNotNone(outcome.error, f"run 791 behind a 500: {outcome.describe()}")
        errors = m.read("errors").decode().splitlines()
        self.assertTrue(errors, "/errors has the failure")
        requests = self.fake.requests(seq)
        received = log.drain(0.5)

        self.assertTrue(received, "nothing reached the system log")
        daemon = received[0][1]
        self.assertNotEqual(daemon, m.proc.pid, "the log comes from the daemon, not the command")
        parsed = []
        for data, pid in received:
            match = SYSLOG_RE.match(data.decode())
            self.assertIsNotNone(match, f"a syslog datagram: {data!r}")
            self.assertEqual((int(match.group(2)), pid), (daemon, daemon), "pid in the datagram")
            parsed.append((int(match.group(1)), match.group(3)))
        warnings = [text for pri, text in parsed if pri == LOG_DAEMON | WARNING]
        debug = [text for pri, text in parsed if pri == LOG_DAEMON | DEBUG]
        self.assertEqual(sorted(p for p, _ in parsed if p not in (LOG_DAEMON | WARNING,
                                                                 LOG_DAEMON | DEBUG)), [])
        self.assertEqual(warnings, [without_time(line) for line in errors],
                         "each /errors line, without its time, in the system log")
        # GET /v1/users/me was asked before the daemon went to the
        # background: on stderr; every later request in the system log.
        stderr = m.stderr_tail(1 << 20).splitlines()
        self.assertEqual(len(stderr), 1, f"stderr of the command: {stderr}")
        self.assertRegex(stderr[0], r"^codegen-fs: api GET /v1/users/me 200 \d+ms$")
        self.assertEqual([e["path"] for e in requests][0], "/v1/users/me")
        self.assertEqual([API_RE.match(t).group(2) for t in debug],
                         [e["path"] + (f"?{e['query']}" if e.get("query") else "")
                          for e in requests[1:]],
                         f"the api lines of the system log: {describe_requests(requests)}")
        self.assertTrue(any(API_RE.match(t).group(3) == "500" for t in debug))
        for _, text in parsed:
            self.assertNotIn(TOKEN, text)

        rc, _, err = sh([FUSERMOUNT, "-u", m.mnt], timeout=10)
        self.assertEqual(rc, 0, f"fusermount3 -u: {err}")
        self.assertTrue(wait_gone(daemon, 10), "the daemon outlived its unmount by 10 s")


if __name__ == "__main__":
    main()
