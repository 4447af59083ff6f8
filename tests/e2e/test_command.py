#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Command": mounts refused before
mounting (wrong token, unreachable API, a token file readable by others, a bad
command line, a mount point already mounted, dead or not a directory), the
--token-file option, options as -o mount options, and clean unmounts on
signals and fusermount3 -u.

    python3 tests/e2e/test_command.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import os
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    CGFS_BIN, TOKEN, Mount, describe_requests, mounted, sh, signal_name)
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
            ("--logs-ttl=abc", "codegen-fs: --logs-ttl must be a number from 0.1 to 86400 "
                               "(got 'abc')"),
            ("-orun_ttl=3x", "codegen-fs: -o run_ttl must be a number from 0.1 to 86400 "
                             "(got '3x')"),
            ("-omax_threads=0", "codegen-fs: -o max_threads must be a whole number from 1 to "
                                "10000 (got '0')"),
            ("-omax_threads=2.5", "codegen-fs: -o max_threads must be a whole number from 1 "
                                  "to 10000 (got '2.5')"),
            ("--cache-dir=relative/dir", "codegen-fs: --cache-dir must be an absolute path "
                                         "(got 'relative/dir')"),
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

    def assertRefusedBeforeAnyRequest(self, mount, status, message, what):
        seq = self.fake.mark()
        rc, err, _ = self.spawn_expecting_failure(mount)
        self.assertEqual(rc, status, f"exit status {what}; stderr {err!r}")
        self.assertIn(message, err)
        self.assertNotIn("drafts in new/", err, "it went on as far as the spool")
        self.assertFalse(mounted(mount.mnt), "a mount was left behind")
        self.assertNoRequests(seq, f"a mount refused {what}")
        return err

    def test_bad_command_lines_are_refused_before_any_request(self):
        """Usage errors exit 2 and ask the server nothing: a value after a
        space instead of '=', an unknown option, a third argument."""
        cases = [
            (("--list-window", "100"), "codegen-fs: --list-window needs its value after "
                                       "'=': --list-window=N (or -o list_window=N)"),
            (("--token-file", "/tmp/x"), "codegen-fs: --token-file needs its value after "
                                         "'=': --token-file=FILE"),
            (("-o", "no_such_option=1"), "fuse: unknown option(s): `-o no_such_option=1'"),
            (("--no-such-option=1",), "fuse: unknown option(s): `--no-such-option=1'"),
            (("one", "two"), "codegen-fs: one MOUNTPOINT (or SOURCE MOUNTPOINT) only; "
                             "what is"),
        ]
        for opts, message in cases:
            with self.subTest(options=opts):
                self.assertRefusedBeforeAnyRequest(Mount(self.fake, *opts), 2, message,
                                                   f"for {opts}")

    def test_every_option_is_also_a_mount_option(self):
        """-o list_window=5,run_ttl=2,... acts as --list-window=5 does, and the
        mount shows as type fuse.codegen-fs named by SOURCE."""
        m = self.mount("-o", "list_window=5,run_ttl=2,list_ttl=2,deadline=10,"
                             "cache_mb=64", "codegen-e2e")
        runs = sorted(os.listdir(m.path("orgs/11/runs")))
        newest = sorted(str(r["id"]) for r in self.fake.get(
            "/v1/organizations/11/agent/runs", limit=5)["items"])
        self.assertEqual(runs, newest, "list_window=5 as a mount option")
        with open("/proc/self/mounts", encoding="utf-8") as f:
            entries = [line.split()[:3] for line in f if line.split()[1] == m.mnt]
        self.assertEqual(entries, [["codegen-e2e", m.mnt, "fuse.codegen-fs"]])

    def test_mountpoint_already_mounted_is_refused(self):
        first = self.mount()
        self.assertEqual(first.read("me/id"), b"1\n")
        second = Mount(self.fake)
        second.argv = lambda: [CGFS_BIN, "-f", first.mnt]
        err = self.assertRefusedBeforeAnyRequest(
            second, 1, f"codegen-fs: cannot mount on {first.mnt}: already a mount point "
                       f"(codegen-fs, type fuse.codegen-fs); unmount it first", "on a mount")
        self.assertIn(f"fusermount3 -u {first.mnt}", err)
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            stacked = [line for line in f if line.split()[4] == first.mnt]
        self.assertEqual(len(stacked), 1, f"mounts at {first.mnt}: {stacked}")
        self.assertEqual(first.read("orgs/11/name"), b"acme\n", "the first mount broke")

    def test_stale_mountpoint_says_to_run_fusermount_u(self):
        dead = self.mount()
        dead.proc.send_signal(signal.SIGKILL)
        dead.reap(timeout=10)
        with self.assertRaises(OSError) as ctx:
            os.statvfs(dead.mnt)
        self.assertEqual(ctx.exception.errno, errno.ENOTCONN)
        again = Mount(self.fake)
        again.argv = lambda: [CGFS_BIN, "-f", dead.mnt]
        self.assertRefusedBeforeAnyRequest(
            again, 1, f"codegen-fs: cannot mount on {dead.mnt}: Transport endpoint is not "
                      f"connected: {dead.mnt} is a FUSE mount whose daemon has died; run: "
                      f"fusermount3 -u {dead.mnt}", "on a dead mount")

    def test_regular_file_as_mountpoint_is_refused(self):
        m = Mount(self.fake)
        path = os.path.join(m.dir, "a-file")
        with open(path, "w") as f:
            f.write("x\n")
        m.argv = lambda: [CGFS_BIN, "-f", path]
        self.assertRefusedBeforeAnyRequest(
            m, 1, f"codegen-fs: cannot mount on {path}: not a directory", "on a file")
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), "x\n")

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

    def test_files_open_at_the_end_are_freed_and_commit_nothing(self):
        # A log and a draft still open when SIGTERM ends the mount: the kernel
        # never releases them; the daemon frees them (the sanitizer build
        # fails on a leak) and sends nothing.
        m = self.mount()
        seq = self.fake.mark()
        log = os.open(m.path("orgs/11/runs/789/logs"), os.O_RDONLY)
        draft = os.open(m.path("orgs/11/new/left-open"), os.O_WRONLY | os.O_CREAT, 0o600)
        self.assertEqual(os.write(draft, b"Never sent\n"), 11)
        self.assertGreater(len(os.read(log, 100)), 0)
        m.proc.send_signal(signal.SIGTERM)
        rc = m.reap(timeout=10)
        for fd in (log, draft):
            try:
                os.close(fd)
            except OSError:
                pass
        self.assertEqual(rc, 0, f"exit status with files open; stderr {m.stderr_tail()!r}")
        self.assertEqual([e for e in self.fake.requests(seq) if e["method"] == "POST"], [])

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
