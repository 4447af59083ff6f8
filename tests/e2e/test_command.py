#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Command": mounts refused before
mounting (wrong token, unreachable API, a token file readable by others), the
--token-file option, and clean unmounts on signals and fusermount3 -u.

    python3 tests/e2e/test_command.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import os
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    TOKEN, Mount, describe_requests, mounted, sh, signal_name)
from mountcase import (  # noqa: E402
    FAST_LIMITER, MountTest, main)


# --------------------------------------------------------------------------
# The command: refused mounts, signals

class MountCommandTest(MountTest):

    def spawn_expecting_failure(self, mount):
        self.addCleanup(mount.stop)
        proc = mount.spawn()
        started = time.monotonic()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail(f"codegen-fs did not exit within 10 s (mounted: {mounted(mount.mnt)})")
        return proc.returncode, mount.stderr_tail(), time.monotonic() - started

    def test_wrong_token_is_refused_before_mounting(self):
        seq = self.fake.mark()
        mount = Mount(self.fake, deadline=5, token="wrong-token-e2e-0451")
        rc, err, _ = self.spawn_expecting_failure(mount)
        self.assertEqual(rc, 1, f"exit status with a wrong token; stderr {err!r}")
        self.assertIn("codegen-fs: cannot mount:", err)
        self.assertIn("Invalid or missing API token", err)
        self.assertNotIn("wrong-token-e2e-0451", err, "the token is printed")
        self.assertFalse(mounted(mount.mnt), "a mount was left behind")
        requests = self.fake.requests(seq)
        self.assertEqual([(e["method"], e["path"], e["auth"]) for e in requests],
                         [("GET", "/v1/users/me", "wrong")],
                         f"requests of a refused mount: {describe_requests(requests)}")

    def test_unreachable_api_is_refused_before_mounting(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mount = Mount(self.fake, deadline=3, base_url=f"http://127.0.0.1:{port}")
        rc, err, seconds = self.spawn_expecting_failure(mount)
        self.assertEqual(rc, 1, f"exit status with nothing listening; stderr {err!r}")
        self.assertRegex(err, r"codegen-fs: cannot mount: \S", "a message says why")
        self.assertFalse(mounted(mount.mnt), "a mount was left behind")

    def test_token_file_readable_by_others_is_refused(self):
        mount = Mount(self.fake, token_in_env=False)
        token_file = os.path.join(mount.home, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token_file, 0o644)
        mount.opts.append(f"--token-file={token_file}")
        seq = self.fake.mark()
        rc, err, _ = self.spawn_expecting_failure(mount)
        self.assertEqual(rc, 1, f"exit status; stderr {err!r}")
        self.assertIn(token_file, err, "the message names the file")
        self.assertIn("chmod 600", err)
        self.assertFalse(mounted(mount.mnt))
        self.assertNoRequests(seq, "a refused token file")

    def test_bad_numbers_are_refused_before_any_request(self):
        """Each numeric option is checked whole and against its range; a
        refusal exits 2, names the option, and asks the server nothing."""
        cases = [
            ("--run-ttl=3x", "codegen-fs: --run-ttl must be a number from 0.1 to 86400 "
                             "(got '3x')"),
            ("--deadline=0.1", "codegen-fs: --deadline must be a number from 0.5 to 3600 "
                               "(got '0.1')"),
            ("--list-window=-5", "codegen-fs: --list-window must be a number from 1 to "
                                 "10000 (got '-5')"),
            ("--logs-ttl=abc", "fuse: invalid parameter in option `--logs-ttl=abc'"),
        ]
        for opt, message in cases:
            with self.subTest(option=opt):
                seq = self.fake.mark()
                mount = Mount(self.fake, opt)
                rc, err, _ = self.spawn_expecting_failure(mount)
                self.assertEqual(rc, 2, f"exit status with {opt}; stderr {err!r}")
                self.assertIn(message, err)
                self.assertFalse(mounted(mount.mnt), "a mount was left behind")
                self.assertNoRequests(seq, f"a mount refused for {opt}")

    def test_token_file_600_is_used(self):
        mount = Mount(self.fake, FAST_LIMITER, token_in_env=False)
        token_file = os.path.join(mount.home, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token_file, 0o600)
        mount.opts.append(f"--token-file={token_file}")
        self.addCleanup(self._stop_mount, mount)
        mount.start()
        self.assertEqual(mount.read("me/id"), b"1\n")

    def test_signals_unmount_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            with self.subTest(signal=signal_name(sig)):
                m = self.mount()
                self.assertEqual(m.read("me/github_username"), b"alice-dev\n")
                m.proc.send_signal(sig)
                rc = m.reap(timeout=10)
                if rc is None:
                    self.fail(f"codegen-fs did not exit within 10 s of {signal_name(sig)}")
                self.assertEqual(rc, 0, f"exit status after {signal_name(sig)}; stderr "
                                        f"{m.stderr_tail()!r}")
                self.assertFalse(mounted(m.mnt), f"still mounted after {signal_name(sig)}")

    def test_fusermount_u_ends_the_daemon_with_status_0(self):
        m = self.mount()
        self.assertEqual(m.read("orgs/11/name"), b"acme\n")
        rc, _, err = sh(["fusermount3", "-u", m.mnt], timeout=10)
        self.assertEqual(rc, 0, f"fusermount3 -u: {err}")
        rc = m.reap(timeout=10)
        if rc is None:
            self.fail("codegen-fs still runs 10 s after fusermount3 -u")
        self.assertEqual(rc, 0, f"exit status after fusermount3 -u; stderr {m.stderr_tail()!r}")
        self.assertFalse(mounted(m.mnt))


if __name__ == "__main__":
    main()
