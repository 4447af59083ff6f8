#!/usr/bin/env python3
"""End-to-end tests of scripts/demo: a failed build shows its errors, a busy
port names DEMO_PORT, a restart reuses the port, and `scripts/demo stop` after
the daemon was SIGKILLed unmounts the dead mount and waits for the fake API to
exit.

    python3 tests/e2e/test_demo.py [-k pattern] [TestClass.test_name ...]

Each test runs a copy of scripts/demo in a scratch tree of its own, with a
no-op scripts/setup, the real fake API, a stub `meson` (on PATH) that builds
nothing or fails like a compiler, and build/fs/codegen-fs linked to $CGFS_BIN,
so the checkout's build dir is not touched.  Exits 77 (meson's skip) when
FUSE is unavailable.
"""

import errno
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import CGFS_BIN, FAKE_API, ROOT, mounted, sh  # noqa: E402
from mountcase import main  # noqa: E402

COMPILE_ERROR = "../fs/main.c:12:1: error: expected ';' before '}' token"

STUB_MESON = f"""#!/bin/sh
# meson compile: fails like a compiler when build/fail exists.
if [ -e build/fail ]; then
	echo "ninja: Entering directory 'build'"
	echo "{COMPILE_ERROR}"
	echo "ninja: build stopped: subcommand failed."
	exit 1
fi
exit 0
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pids_of(pattern_args):
    """The pids whose argv holds every string of pattern_args (live ones)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if all(any(a.decode("utf-8", "replace").endswith(p) for a in argv)
               for p in pattern_args):
            found.append(int(name))
    return found


def alive(pid):
    """Running, not a zombie (a zombie's parent may be a PID 1 that never reaps)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class DemoTest(unittest.TestCase):

    def setUp(self):
        self.tree = tempfile.mkdtemp(prefix="cgfs-demo-")
        self.addCleanup(shutil.rmtree, self.tree, ignore_errors=True)
        scripts = os.path.join(self.tree, "scripts")
        os.makedirs(scripts)
        os.makedirs(os.path.join(self.tree, "build", "fs"))
        os.makedirs(os.path.join(self.tree, "bin"))
        shutil.copy(os.path.join(ROOT, "scripts", "demo"), scripts)
        os.symlink(FAKE_API, os.path.join(scripts, "fake-codegen-api"))
        os.symlink(CGFS_BIN, os.path.join(self.tree, "build", "fs", "codegen-fs"))
        self.write("scripts/setup", "#!/bin/sh\nexit 0\n")
        self.write("bin/meson", STUB_MESON)
        self.port = free_port()
        self.mnt = os.path.join(self.tree, "mnt")
        self.addCleanup(self.sweep)

    def write(self, path, text):
        path = os.path.join(self.tree, path)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, 0o755)

    def demo(self, *args, port=None):
        env = dict(os.environ, DEMO_PORT=str(port or self.port),
                   PATH=os.path.join(self.tree, "bin") + ":" + os.environ["PATH"])
        return sh([os.path.join(self.tree, "scripts", "demo"), *args], timeout=60, env=env)

    def fake_pid(self):
        with open(os.path.join(self.tree, ".demo", "fake.pid"), encoding="ascii") as f:
            return int(f.read())

    def sweep(self):
        """Whatever a failed test left: the mount, the daemon, the fake."""
        for pid in pids_of(["codegen-fs", self.mnt]) + pids_of(["fake-codegen-api",
                                                                 str(self.port)]):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if mounted(self.mnt):
            sh(["fusermount3", "-uz", self.mnt], timeout=10)

    def test_a_failed_build_shows_the_compiler_errors(self):
        open(os.path.join(self.tree, "build", "fail"), "w").close()
        rc, out, err = self.demo(self.mnt)
        self.assertEqual(rc, 1, f"stdout {out!r} stderr {err!r}")
        self.assertIn(COMPILE_ERROR + "\n", err)
        self.assertTrue(err.endswith("demo: the build failed (above; also in "
                                     ".demo/build.log)\n"), err)
        self.assertFalse(os.path.exists(os.path.join(self.tree, ".demo", "fake.pid")))
        self.assertFalse(mounted(self.mnt))

    def test_a_busy_port_names_DEMO_PORT(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            started = time.monotonic()
            rc, out, err = self.demo(self.mnt, port=port)
            seconds = time.monotonic() - started
        self.assertEqual(rc, 1, f"stdout {out!r} stderr {err!r}")
        self.assertEqual(err, f"demo: port {port} is in use; choose another with DEMO_PORT, "
                              f"e.g. DEMO_PORT={port + 1} scripts/demo\n")
        self.assertLess(seconds, 5, "waited for a fake that had already exited")
        self.assertFalse(os.path.exists(os.path.join(self.tree, ".demo", "fake.pid")))
        self.assertFalse(mounted(self.mnt))

    def test_stop_after_the_daemon_was_killed_unmounts_and_ends_the_fake(self):
        rc, out, err = self.demo(self.mnt)
        self.assertEqual(rc, 0, f"stdout {out!r} stderr {err!r}")
        self.assertTrue(mounted(self.mnt))
        first = self.fake_pid()
        # A restart on the same port: stop waits for the first fake to exit.
        rc, out, err = self.demo(self.mnt)
        self.assertEqual(rc, 0, f"restart: stdout {out!r} stderr {err!r}")
        self.assertFalse(alive(first), "the first fake still runs after the restart")
        fake = self.fake_pid()
        self.assertTrue(alive(fake))
        with open(os.path.join(self.mnt, "orgs", "11", "name"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "acme\n")

        daemons = pids_of(["codegen-fs", self.mnt])
        self.assertEqual(len(daemons), 1, f"codegen-fs processes on {self.mnt}: {daemons}")
        os.kill(daemons[0], signal.SIGKILL)
        for _ in range(50):
            if not alive(daemons[0]):
                break
            time.sleep(0.1)
        with self.assertRaises(OSError) as dead:
            os.listdir(self.mnt)
        # ENOTCONN, or ECONNABORTED from kernels that tell an aborted connection.
        self.assertIn(dead.exception.errno, (errno.ENOTCONN, errno.ECONNABORTED),
                      dead.exception)
        self.assertTrue(mounted(self.mnt), "the dead mount is gone before stop")

        rc, out, err = self.demo("stop")
        self.assertEqual((rc, out, err), (0, "demo: stopped\n", ""))
        self.assertFalse(mounted(self.mnt), "the dead mount is still mounted after stop")
        self.assertEqual(os.listdir(self.mnt), [])
        self.assertFalse(alive(fake), "the fake still runs when stop has returned")
        self.assertFalse(os.path.exists(os.path.join(self.tree, ".demo", "fake.pid")))
        self.assertFalse(os.path.exists(os.path.join(self.tree, ".demo", "mountpoint")))


if __name__ == "__main__":
    main()
