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
import resource
import socket
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import TOKEN, Mount, MountError  # noqa: E402
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
        os.kill(m.proc.pid, signal.SIGSEGV)
        self.assertEqual(m.reap(10), -signal.SIGSEGV, "the daemon did not die of SIGSEGV")
        cores = self.cores_of(m.proc.pid)
        for name in cores:
            with open(os.path.join(self.core_dir, name), "rb") as f:
                copies = f.read().count(TOKEN.encode())
            self.assertEqual(copies, 0, f"{copies} copies of the token are in {name}")
        self.assertEqual(cores, [], "codegen-fs wrote a core dump")
        # The same settings do write a core for another process: the test can fail.
        control = subprocess.Popen(["sleep", "30"], preexec_fn=unlimited_cores)
        time.sleep(0.1)
        control.send_signal(signal.SIGSEGV)
        control.wait(10)
        self.assertEqual(self.cores_of(control.pid), [f"core.{control.pid}"],
                         "the control process wrote no core: this machine cannot test it")

# --------------------------------------------------------------------------
# Proxies

class Listener:
    """A stand-in proxy on a port of its own: it records every connection's
    first bytes and answers 502 (a CONNECT: 403), so nothing is tunnelled."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
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


if __name__ == "__main__":
    main()
