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
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import TOKEN, Mount  # noqa: E402
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

if __name__ == "__main__":
    main()
