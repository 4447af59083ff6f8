#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Security": the token is never in a
core dump, never goes through a proxy in clear, and with -o allow_other the
other users of the machine may read runs but not act on the owner's account.

    python3 tests/e2e/test_security.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is
unavailable.  The core dump and allow_other tests need root (to set
core_pattern, to mount for other users, to act as another uid).
"""

import os
import json
import resource
import socket
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import TOKEN, Mount, MountError, loopback_listener  # noqa: E402
from mountcase import MountTest, main  # noqa: E402

CORE_PATTERN = "/proc/sys/kernel/core_pattern"


def unlimited_cores():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


class CoreMount(Mount):
    """A mount whose daemon has no limit on the size of its core."""

    def spawn(self):
        self.stdout_path = os.path.join(self.dir, "stdout")
        self.stderr_path = os.path.join(self.dir, "stderr")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=self.environ(),
                                         preexec_fn=unlimited_cores)
        return self.proc


class CoreDumpTest(MountTest):

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.fail("needs root: core_pattern is set for the test")
        with open(CORE_PATTERN) as f:
            saved = f.read().rstrip("\n")
        self.addCleanup(self._restore, saved)
        # Every core of the machine, for the test's few seconds, in one
        # directory (the daemon's working directory is / after libfuse's
        # fuse_daemonize, even in the foreground).
        self.core_dir = tempfile.mkdtemp(prefix="cgfs-cores-")
        self.addCleanup(shutil.rmtree, self.core_dir, ignore_errors=True)
        with open(CORE_PATTERN, "w") as f:
            f.write(os.path.join(self.core_dir, "core.%p"))

    @staticmethod
    def _restore(saved):
        with open(CORE_PATTERN, "w") as f:
            f.write(saved)

    def cores_of(self, pid):
        return [n for n in os.listdir(self.core_dir) if n == f"core.{pid}"]

    def test_a_crash_writes_no_core(self):
        m = CoreMount(self.fake, "--rate-time-scale=0.01")
        self.addCleanup(m.stop)
        m.start()
        # The token has been used: it is in the client and in libcurl's buffers.
        self.assertEqual(m.read("orgs/11/runs/789/status"), b"COMPLETE\n")
        # SIGABRT: its default action is a core, as SIGSEGV's, but the
        # sanitizers' runtime leaves it alone (it turns SIGSEGV into exit 1).
        os.kill(m.proc.pid, signal.SIGABRT)
        self.assertEqual(m.reap(10), -signal.SIGABRT, "the daemon did not die of SIGABRT")
        cores = self.cores_of(m.proc.pid)
        for name in cores:
            with open(os.path.join(self.core_dir, name), "rb") as f:
                copies = f.read().count(TOKEN.encode())
            self.assertEqual(copies, 0, f"{copies} copies of the token are in {name}")
        self.assertEqual(cores, [], "codegen-fs wrote a core dump")
        # The same settings do write a core for another process: the test can fail.
        control = subprocess.Popen(["sleep", "30"], preexec_fn=unlimited_cores)
        time.sleep(0.1)
        control.send_signal(signal.SIGABRT)
        control.wait(10)
        self.assertEqual(self.cores_of(control.pid), [f"core.{control.pid}"],
                         "the control process wrote no core: this machine cannot test it")

# --------------------------------------------------------------------------
# Proxies

class Listener:
    """A stand-in proxy on a port of its own: it records every connection's
    first bytes and answers 502 (a CONNECT: 403), so nothing is tunnelled."""

    def __init__(self):
        self.sock, self.url = loopback_listener()
        self.lock = threading.Lock()
        self.received = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data and len(data) < 65536:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    with self.lock:
                        self.received.append(data)
                    answer = b"403 Forbidden" if data.startswith(b"CONNECT") else b"502 Bad"
                    conn.sendall(b"HTTP/1.1 " + answer + b"\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                except OSError:
                    pass

    def connections(self):
        with self.lock:
            return list(self.received)

    def close(self):
        self.sock.close()


class ProxyTest(MountTest):

    def setUp(self):
        super().setUp()
        self.proxy = Listener()
        self.addCleanup(self.proxy.close)

    def test_loopback_http_never_uses_a_proxy(self):
        for variable in ("http_proxy", "ALL_PROXY", "all_proxy"):
            with self.subTest(variable=variable):
                env = {"http_proxy": "", "ALL_PROXY": "", "all_proxy": "", "no_proxy": "",
                       "NO_PROXY": "", variable: self.proxy.url}
                since = self.fake.mark()
                try:
                    m = self.mount(env=env, deadline=5)
                except MountError as e:
                    self.fail(f"no mount ({e}); the proxy got {len(self.proxy.connections())} "
                              f"requests, the first: {self.proxy.connections()[:1]!r}")
                self.assertEqual(m.read("orgs/11/runs/789/status"), b"COMPLETE\n")
                self.assertEqual(self.proxy.connections(), [],
                                 f"with {variable} set the proxy was sent a request")
                paths = [e["path"] for e in self.fake.requests(since)]
                self.assertIn("/v1/users/me", paths)
                self.assertIn("/v1/organizations/11/agent/run/789", paths)
                self._stop_mount(m)

    def https_mount_fails(self, env):
        m = Mount(self.fake, "--rate-time-scale=0.01", deadline=2,
                  base_url="https://api.codegen.test", env=env)
        self.addCleanup(m.stop)
        with self.assertRaises(MountError) as caught:
            m.start()
        self.assertIn("cannot mount", str(caught.exception))
        self.assertNotIn(TOKEN, m.stderr_tail())

    def test_https_goes_through_https_proxy_as_connect(self):
        self.https_mount_fails({"HTTPS_PROXY": self.proxy.url, "https_proxy": self.proxy.url,
                                "no_proxy": "", "NO_PROXY": ""})
        connections = self.proxy.connections()
        self.assertGreaterEqual(len(connections), 1, "HTTPS_PROXY was not used")
        for data in connections:
            self.assertTrue(data.startswith(b"CONNECT api.codegen.test:443 HTTP/1.1\r\n"),
                            f"the proxy got {data[:200]!r}, not a CONNECT")
            self.assertNotIn(TOKEN.encode(), data)
            self.assertNotIn(b"Authorization", data)

    def test_https_honours_no_proxy(self):
        self.https_mount_fails({"HTTPS_PROXY": self.proxy.url, "https_proxy": self.proxy.url,
                                "NO_PROXY": "api.codegen.test", "no_proxy": "api.codegen.test"})
        self.assertEqual(self.proxy.connections(), [], "NO_PROXY was not honoured")


# --------------------------------------------------------------------------
# -o allow_other: other users read runs; the owner's files are the owner's

OTHER = 65534   # nobody
RUN = "orgs/11/runs/789"
REPO = "orgs/11/repos/456"

# Run as the other uid: each (name, op, path[, path2]) tried, its outcome
# printed as JSON: "ok", "ok:<content>" or the errno's name.
OTHER_SCRIPT = r"""
import errno, json, os, sys
mnt, steps = sys.argv[1], json.loads(sys.argv[2])
def run(op, path, extra):
    p = os.path.join(mnt, path)
    if op == "read":
        with open(p, "rb") as f:
            return "ok:" + f.read().decode()
    if op == "write":
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, extra.encode())
        finally:
            os.close(fd)
        return "ok"
    if op == "list":
        return "ok:" + ",".join(sorted(os.listdir(p)))
    if op == "stat":
        return "ok:%o" % os.lstat(p).st_mode
    if op == "unlink":
        os.unlink(p)
    elif op == "rename":
        os.rename(p, os.path.join(mnt, extra))
    elif op == "mknod":
        os.mknod(p, 0o644)
    elif op == "truncate":
        os.truncate(p, 0)
    elif op == "readlink":
        return "ok:" + os.readlink(p)
    return "ok"
out = {}
for name, op, path, extra in steps:
    try:
        out[name] = run(op, path, extra)
    except OSError as e:
        out[name] = errno.errorcode.get(e.errno, str(e.errno))
print(json.dumps(out))
"""


class AllowOtherTest(MountTest):

    def shared_mount(self):
        if os.geteuid() != 0:
            self.fail("needs root: to mount with allow_other and act as uid 65534")
        self.m = self.mount("-o", "allow_other", "--run-ttl=600", "--list-ttl=600",
                            "--meta-ttl=600", "--missing-ttl=600")
        os.chmod(self.m.dir, 0o755)   # the other user reaches the mount point
        return self.m

    def as_other(self, steps):
        argv = ["setpriv", f"--reuid={OTHER}", f"--regid={OTHER}", "--clear-groups",
                sys.executable, "-c", OTHER_SCRIPT, self.m.mnt,
                json.dumps([list(s) + [""] * (4 - len(s)) for s in steps])]
        proc = subprocess.run(argv, capture_output=True, timeout=60, cwd="/")
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        return json.loads(proc.stdout)

    def test_others_read_runs_but_cannot_act_or_see_the_owners_files(self):
        m = self.shared_mount()
        new = "orgs/11/new"
        # The owner: a draft kept unsent (a held name), an answer in
        # ctl.out, everything the other user will try looked up once.
        with open(m.path(new, "notes.draft"), "w") as f:
            f.write("the owner's secret prompt\n")
        with open(m.path("orgs/11/ctl"), "w") as f:
            f.write("slack-connect\n")
        answer = m.read("orgs/11/ctl.out")
        self.assertNotEqual(answer, b"", "slack-connect answered nothing")
        for rel in (f"{RUN}/status", f"{RUN}/ctl", f"{RUN}/resume", f"{REPO}/setup-commands",
                    f"{REPO}/check-suite.json", "orgs/11/ctl.out", "errors"):
            os.stat(m.path(rel))
        self.assertEqual(m.read(RUN, "status"), b"COMPLETE\n")
        time.sleep(1.2)   # past the kernel's entry and attribute cache
        since = self.fake.mark()
        refused = self.as_other([
            ("tee new/x", "write", f"{new}/x", "Add retries\n"),
            ("image probe", "write", f"{new}/y", "---\nimage: /etc/shadow\n---\nlook\n"),
            ("ctl ban", "write", f"{RUN}/ctl", "ban\n"),
            ("org ctl", "write", "orgs/11/ctl", "slack-connect\n"),
            ("resume", "write", f"{RUN}/resume", "go on\n"),
            ("setup-commands", "write", f"{REPO}/setup-commands", "\n"),
            ("check-suite.json", "read", f"{REPO}/check-suite.json"),
            ("ctl.out", "read", "orgs/11/ctl.out"),
            ("errors", "read", "errors"),
            ("ls new", "list", new),
            ("read draft", "read", f"{new}/notes.draft"),
            ("stat draft", "stat", f"{new}/notes.draft"),
            ("overwrite draft", "write", f"{new}/notes.draft", "mine now\n"),
            ("rm draft", "unlink", f"{new}/notes.draft"),
            ("mv draft", "rename", f"{new}/notes.draft", f"{new}/sent"),
            ("mknod", "mknod", f"{new}/z"),
            ("draft error", "read", f"{new}/notes.draft.error"),
            ("truncate ctl", "truncate", f"{RUN}/ctl"),
        ])
        self.assertEqual(refused, {name: "EACCES" for name in refused}, refused)
        self.assertNoRequests(since, "what another user was refused")
        allowed = self.as_other([
            ("status", "read", f"{RUN}/status"),
            ("ls run", "list", RUN),
            ("mode status", "stat", f"{RUN}/status"),
            ("mode run", "stat", RUN),
            ("mode ctl", "stat", f"{RUN}/ctl"),
            ("mode ctl.out", "stat", "orgs/11/ctl.out"),
            ("mode new", "stat", new),
        ])
        self.assertEqual(allowed["status"], "ok:COMPLETE\n")
        self.assertIn("ctl", allowed["ls run"].split(","))
        modes = {"mode status": stat.S_IFREG | 0o444, "mode run": stat.S_IFDIR | 0o555,
                 "mode ctl": stat.S_IFREG | 0o600, "mode ctl.out": stat.S_IFREG | 0o400,
                 "mode new": stat.S_IFDIR | 0o700}
        for name, mode in modes.items():
            self.assertEqual(allowed[name], "ok:%o" % mode, name)
        # The owner's things are as the owner left them.
        self.assertEqual(m.read(new, "notes.draft"), b"the owner's secret prompt\n")
        self.assertEqual(sorted(os.listdir(m.path(new))), ["notes.draft"])
        self.assertEqual(m.read("orgs/11/ctl.out"), answer)
        self.assertEqual([e for e in self.fake.requests(since) if e["method"] != "GET"], [])

    def test_without_allow_other_modes_stay(self):
        m = self.mount()
        self.assertEqual(stat.S_IMODE(os.stat(m.path(RUN, "ctl")).st_mode), 0o644)
        self.assertEqual(stat.S_IMODE(os.stat(m.path("orgs/11/new")).st_mode), 0o755)


if __name__ == "__main__":
    main()
