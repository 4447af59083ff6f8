#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Service and logs", the user unit:
systemd/codegen-fs.service (this build's copy, codegen-fs.service.build,
whose ExecStart= is the build's binary) run by a real `systemd --user`
manager against the fake API.  `systemctl --user start` returns once
~/codegen answers (Type=notify), `stop` unmounts, an enabled unit is stopped
at a "logout" (SIGTERM to the manager, as at the last logout) and started
again at the next "login" (a new manager) by default.target, a killed daemon
is restarted (Restart=on-failure) onto the mount its death left behind
(ExecStopPost= clears it), and the daemon's stderr reaches the journal's
stream with each line's level.

No systemd runs here as PID 1, so the test runs in a private mount namespace
(unshare -m) in which /run/systemd is a tmpfs (so the manager sees a booted
systemd and no journald), root's home is a temporary directory (a copy of
/etc/passwd over /etc/passwd; HOME is that directory too), and a Unix socket
of the test's own at /run/systemd/journal/stdout plays journald's stream
socket: the manager connects each service's stdout and stderr to it.
Needs root; exits 77 (meson's skip) without it, without unshare, systemd or
FUSE, or when the manager does not reach "running".

    python3 tests/e2e/test_user_unit.py [-k pattern] [TestClass.test_name ...]

Environment: CGFS_UNIT_BUILD (default build/systemd/codegen-fs.service.build),
and those of mountcase.py.
"""

import atexit
import ctypes
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    CGFS_BIN, FUSERMOUNT, ROOT, bounded, describe_requests, mounted, read_bytes,
    reexec_in_private_namespace, release_inherited_fuse_mounts, sh, skip_reason)
from mountcase import (  # noqa: E402
    FAST_LIMITER, RUN_PATH, RUNS, MountTest, main)

IN_NAMESPACE = "CGFS_E2E_PRIVATE_NS"
UNIT = "codegen-fs.service"
UNIT_BUILD = os.path.abspath(os.environ.get("CGFS_UNIT_BUILD") or os.path.join(
    ROOT, "build", "systemd", "codegen-fs.service.build"))
SYSTEMD = next((p for p in ("/lib/systemd/systemd", "/usr/lib/systemd/systemd")
                if os.access(p, os.X_OK)), None)
SYSTEMCTL = shutil.which("systemctl")
JOURNAL_STDOUT = "/run/systemd/journal/stdout"
MANAGER_WAIT = 20.0     # seconds for a manager to reach "running"
RESTART_SEC = 1         # the drop-in's RestartSec= (the unit's 10 s is long for a test)
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)
UCRED = struct.Struct("iII")    # struct ucred: pid, uid, gid
_LEFT = set()           # managers and daemons to kill at exit, by pid


def die_with_parent():
    """In the child before exec: SIGTERM when the test process dies, so a
    killed test still stops the manager, which stops the unit (unmounts)."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


def mount_count(path):
    """How many mounts are stacked at path (/proc/self/mountinfo)."""
    real = os.path.realpath(path)
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if len(line.split()) > 4 and line.split()[4] == real)


def in_proc_mounts(path):
    real = os.path.realpath(path)
    with open("/proc/mounts", encoding="utf-8") as f:
        return any(len(line.split()) > 1 and line.split()[1] == real for line in f)


class JournalStream:
    """journald's stdout stream socket as systemd(1) talks to it: each
    connection is a header of seven lines (identifier, unit, priority, level
    prefix, to syslog, to kmsg, to console), then the service's output.  The
    unit field is empty from a user manager (journald finds the unit from the
    sender's cgroup): a stream is told by its sender's pid (SO_PEERCRED)."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(16)
        self.lock = threading.Lock()
        self.streams = []       # [sender pid, header lines, bytearray of the output]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            cred = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, UCRED.size)
            entry = [UCRED.unpack(cred)[0], None, bytearray()]
            with self.lock:
                self.streams.append(entry)
            threading.Thread(target=self._read, args=(conn, entry), daemon=True).start()

    def _read(self, conn, entry):
        data = bytearray()
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                with self.lock:
                    if entry[1] is not None:
                        entry[2] += chunk
                        continue
                    data += chunk
                    if data.count(b"\n") >= 7:
                        *header, rest = bytes(data).split(b"\n", 7)
                        entry[1] = [h.decode("utf-8", "replace") for h in header]
                        entry[2] += rest

    def of(self, pid):
        """-> [(header, the output's lines)] of the streams pid opened."""
        with self.lock:
            return [(header, text.decode("utf-8", "replace").splitlines())
                    for sender, header, text in self.streams if sender == pid and header]

    def text(self):
        """All output so far, each line after its identifier (failure messages)."""
        with self.lock:
            return "".join(f"{header[0]}: {line}\n" for _, header, text in self.streams
                           if header for line in text.decode("utf-8", "replace").splitlines())

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class Manager:
    """`systemd --user` with the environment of a login: HOME, XDG_RUNTIME_DIR,
    a plain PATH, nothing of the test's own CODEGEN_* or XDG_* variables."""

    def __init__(self, home, runtime):
        self.home = home
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("CODEGEN_", "XDG_", "DBUS_", "NOTIFY_", "CGFS_"))}
        self.env.update(HOME=home, XDG_RUNTIME_DIR=runtime, SYSTEMD_LOG_COLOR="0",
                        SYSTEMD_LOG_TARGET="console",
                        PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        self.log_path = os.path.join(home, f"manager-{time.monotonic_ns()}.log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([SYSTEMD, "--user"], stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL, env=self.env,
                                         preexec_fn=die_with_parent)
        _LEFT.add(self.proc.pid)

    def log(self, size=3000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-size:].decode("utf-8", "replace")
        except OSError:
            return ""

    def systemctl(self, *args, timeout=30):
        """-> (rc, stdout, stderr) of systemctl --user ARGS."""
        return sh([SYSTEMCTL, "--user", "--no-pager", *args], timeout=timeout, env=self.env)

    def state(self):
        """is-system-running's word, or why there is none."""
        if self.proc.poll() is not None:
            return f"(the manager exited with status {self.proc.returncode})"
        rc, out, err = self.systemctl("is-system-running", timeout=10)
        return out.strip() or err.strip()

    def wait_running(self, timeout=MANAGER_WAIT):
        """-> None once "running", else the last state seen."""
        last = [None]

        def settled():
            last[0] = self.state()
            return last[0] not in ("", "initializing", "starting") and \
                not last[0].startswith("Failed to connect")

        wait_until(settled, timeout, step=0.1)
        return None if last[0] == "running" else last[0]

    def show(self, prop):
        rc, out, _ = self.systemctl("show", "-p", prop, "--value", UNIT, timeout=10)
        return out.strip()

    def main_pid(self):
        value = self.show("MainPID")
        return int(value) if value.isdigit() else 0

    def logout(self, timeout=30):
        """SIGTERM, as at the last logout: the manager starts exit.target,
        stops every unit and exits.  -> its exit status, None if it still runs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _LEFT.discard(self.proc.pid)


@atexit.register
def sweep(mnt=None):
    """Last resort: no manager, no daemon and no mount outlives the test."""
    for pid in list(_LEFT):
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _LEFT.discard(pid)
    if mnt and mounted(mnt):
        subprocess.run([FUSERMOUNT, "-uz", mnt], capture_output=True, timeout=10)
        if mounted(mnt):
            subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=10)


class UserUnitTest(MountTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.work = os.path.realpath(tempfile.mkdtemp(prefix="cgfs-e2e-user-unit-"))
        cls.addClassCleanup(shutil.rmtree, cls.work, True)
        cls.home = os.path.join(cls.work, "home")
        os.mkdir(cls.home, 0o700)
        cls.mnt = os.path.join(cls.home, "codegen")
        cls.addClassCleanup(sweep, cls.mnt)
        cls.runtime = os.path.join(cls.work, "runtime")
        os.mkdir(cls.runtime, 0o700)
        # root's home in the password database is the temporary one.
        passwd = os.path.join(cls.work, "passwd")
        with open("/etc/passwd", encoding="utf-8") as f:
            lines = f.read().splitlines()
        with open(passwd, "w", encoding="utf-8") as f:
            for line in lines:
                fields = line.split(":")
                if len(fields) == 7 and fields[2] == str(os.getuid()):
                    fields[5] = cls.home
                f.write(":".join(fields) + "\n")
        cls.bind(passwd, "/etc/passwd")
        cls.journal = JournalStream(JOURNAL_STDOUT)
        cls.addClassCleanup(cls.journal.close)

    @classmethod
    def bind(cls, source, target):
        rc, _, err = sh(["mount", "--bind", source, target], timeout=10)
        if rc != 0:
            raise AssertionError(f"mount --bind {source} {target}: {err}")
        cls.addClassCleanup(sh, ["umount", "-l", target], 10)

    def setUp(self):
        super().setUp()
        self.units = os.path.join(self.home, ".config", "systemd", "user")
        os.makedirs(self.units, exist_ok=True)
        shutil.copyfile(UNIT_BUILD, os.path.join(self.units, UNIT))
        config = os.path.join(self.home, ".config", "codegen-fs")
        os.makedirs(config, 0o700, exist_ok=True)
        self.write_env()
        self.managers = []
        self.addCleanup(self.tear_down_home)

    def write_env(self, *options):
        path = os.path.join(self.home, ".config", "codegen-fs", "env")
        with open(path, "w") as f:
            f.write("# written by tests/e2e/test_user_unit.py\n"
                    f"CODEGEN_API_TOKEN={self.fake.token}\n"
                    f"CODEGEN_API_BASE_URL={self.fake.url}\n"
                    f"CODEGEN_FS_OPTIONS={' '.join((FAST_LIMITER, *options))}\n")
        os.chmod(path, 0o600)

    def tear_down_home(self):
        for manager in self.managers:
            if manager.proc.poll() is None and manager.logout() is None:
                manager.kill()
            _LEFT.discard(manager.proc.pid)
        left = mounted(self.mnt)
        sweep(self.mnt)
        for name in (".config", ".cache", ".local", "codegen"):
            shutil.rmtree(os.path.join(self.home, name), ignore_errors=True)
        if left:
            self.fail(f"{self.mnt} was still mounted after the managers were gone")

    def login(self):
        """A new user manager, "running"; -> Manager."""
        manager = Manager(self.home, self.runtime)
        self.managers.append(manager)
        why = manager.wait_running()
        self.assertIsNone(why, f"the user manager is not running: {why}; its log: "
                               f"{manager.log()!r}")
        return manager

    def context(self, manager):
        """What a failure message needs: status, the unit's output, the log."""
        _, status, _ = manager.systemctl("status", UNIT, timeout=10)
        return (f"\nsystemctl --user status:\n{status}\nthe unit's output:\n"
                f"{self.journal.text()[-3000:]}\nthe manager's log:\n{manager.log()}")

    def assertCtl(self, manager, *args, timeout=30):
        rc, out, err = manager.systemctl(*args, timeout=timeout)
        self.assertEqual(rc, 0, f"systemctl --user {' '.join(args)}: {out}{err}"
                                f"{self.context(manager)}")
        return out

    def assertIsActive(self, manager, expected):
        _, out, _ = manager.systemctl("is-active", UNIT, timeout=10)
        self.assertEqual(out, f"{expected}\n", f"is-active{self.context(manager)}")

    def assertDaemon(self, manager, pid):
        self.assertGreater(pid, 0, f"no MainPID{self.context(manager)}")
        _LEFT.add(pid)
        self.assertEqual(os.path.realpath(f"/proc/{pid}/exe"), os.path.realpath(CGFS_BIN),
                         "the unit's main process is this build's codegen-fs")

    def assertMountAnswers(self, manager):
        """Right now (no waiting): ~/codegen is a mount point that answers."""
        self.assertTrue(mounted(self.mnt), f"{self.mnt} is not a mount point"
                                           f"{self.context(manager)}")
        self.assertEqual(mount_count(self.mnt), 1, "one mount at ~/codegen, not a stack")
        outcome = bounded(read_bytes, os.path.join(self.mnt, RUNS, "789", "status"),
                          timeout=30, what="cat ~/codegen/orgs/11/runs/789/status")
        self.assertIsNone(outcome.error, f"cat status {outcome.describe()}"
                                         f"{self.context(manager)}")
        self.assertEqual(outcome.value, b"COMPLETE\n")

    def assertRequestsOfAStart(self, since, run_read=True):
        """The fake got GET /v1/users/me first and once, and (unless the
        run was read from the disk cache of an earlier mount) GET run 789."""
        requests = self.fake.requests(since)
        paths = [(e["method"], e["path"]) for e in requests]
        self.assertEqual(paths[:1], [("GET", "/v1/users/me")],
                         f"a start asks who we are first: {describe_requests(requests)}")
        self.assertEqual(paths.count(("GET", "/v1/users/me")), 1, describe_requests(requests))
        self.assertEqual(paths.count(("GET", f"{RUN_PATH}789")), 1 if run_read else 0,
                         describe_requests(requests))

    def assertStopped(self, manager, pid):
        self.assertFalse(in_proc_mounts(self.mnt), f"{self.mnt} is still in /proc/mounts")
        self.assertTrue(wait_until(lambda: not alive(pid), 10),
                        f"the daemon {pid} outlived its unit's stop by 10 s")

    # ----------------------------------------------------------------------

    def test_start_returns_once_the_mount_answers_and_stop_unmounts(self):
        manager = self.login()
        seq = self.fake.mark()
        # Readiness: /v1/users/me answers after 1.5 s, and the mount is made
        # after it; a start that did not wait for READY=1 would return first.
        self.fake.fault("latency", ms=1500, count=1, path="/v1/users/me")
        started = time.monotonic()
        self.assertCtl(manager, "start", UNIT)
        took = time.monotonic() - started
        self.assertMountAnswers(manager)
        self.assertGreaterEqual(took, 1.5, "start returned before the API answered")
        self.assertIsActive(manager, "active")
        pid = manager.main_pid()
        self.assertDaemon(manager, pid)
        self.assertRequestsOfAStart(seq)

        self.assertCtl(manager, "stop", UNIT)
        self.assertStopped(manager, pid)
        self.assertFalse(mounted(self.mnt))
        _, out, _ = manager.systemctl("is-active", UNIT, timeout=10)
        self.assertEqual(out, "inactive\n", f"after stop{self.context(manager)}")
        self.assertEqual(manager.show("Result"), "success")
        self.assertEqual(manager.show("ExecMainStatus"), "0", "SIGTERM: a clean exit 0")

    def test_enabled_it_ends_at_logout_and_comes_back_at_login(self):
        manager = self.login()
        self.assertCtl(manager, "enable", UNIT)
        wants = os.path.join(self.units, "default.target.wants", UNIT)
        self.assertTrue(os.path.islink(wants), f"enable made no {wants}")
        self.assertCtl(manager, "start", UNIT)
        self.assertMountAnswers(manager)
        pid = manager.main_pid()
        self.assertDaemon(manager, pid)

        status = manager.logout()
        self.assertEqual(status, 0, f"the manager's exit at logout{self.context(manager)}")
        self.assertStopped(manager, pid)
        self.assertFalse(mounted(self.mnt), "logout left ~/codegen mounted")

        seq = self.fake.mark()
        again = self.login()
        # "running" means the start jobs of default.target are done: the
        # mount is there and answers, with no start of the test's own.
        self.assertMountAnswers(again)
        self.assertIsActive(again, "active")
        self.assertDaemon(again, again.main_pid())
        # Run 789 is finished: the first session's disk cache serves it.
        self.assertRequestsOfAStart(seq, run_read=False)
        self.assertCtl(again, "disable", "--now", UNIT)
        self.assertFalse(mounted(self.mnt), "disable --now left ~/codegen mounted")

    def test_not_enabled_a_login_mounts_nothing(self):
        """The other half of the test above: the mount at login comes from
        the enable, not from the manager starting every unit it finds."""
        self.login()
        self.assertFalse(mounted(self.mnt), "a login mounted a unit never enabled")

    def test_a_killed_daemon_is_restarted_onto_the_dead_mount(self):
        drop_in = os.path.join(self.units, UNIT + ".d")
        os.makedirs(drop_in, exist_ok=True)
        with open(os.path.join(drop_in, "test.conf"), "w") as f:
            f.write(f"[Service]\nRestartSec={RESTART_SEC}\n")
        manager = self.login()
        self.assertCtl(manager, "start", UNIT)
        self.assertMountAnswers(manager)
        first = manager.main_pid()
        self.assertDaemon(manager, first)

        os.kill(first, signal.SIGKILL)
        self.assertTrue(wait_until(lambda: not alive(first), 10), "SIGKILL did not end it")
        restarted = wait_until(lambda: manager.main_pid() not in (0, first) and
                               manager.show("ActiveState") == "active", RESTART_SEC + 20,
                               step=0.2)
        self.assertTrue(restarted, f"not restarted within {RESTART_SEC + 20} s"
                                   f"{self.context(manager)}")
        second = manager.main_pid()
        self.assertDaemon(manager, second)
        self.assertEqual(manager.show("NRestarts"), "1")
        self.assertMountAnswers(manager)
        self.assertCtl(manager, "stop", UNIT)
        self.assertStopped(manager, second)
        self.assertEqual(manager.show("ActiveState"), "inactive")

    def test_the_daemon_logs_to_the_journal_with_levels(self):
        """The unit's stdout and stderr are the journal's stream: the manager
        connects them to journald's socket and sets $JOURNAL_STREAM, so the
        daemon starts each line with its level (-o debug_api's are debug)."""
        self.write_env("-o", "debug_api")
        manager = self.login()
        seq = self.fake.mark()
        self.assertCtl(manager, "start", UNIT)
        self.assertMountAnswers(manager)
        pid = manager.main_pid()
        self.assertDaemon(manager, pid)
        requests = self.fake.requests(seq)
        self.assertCtl(manager, "stop", UNIT)
        self.assertStopped(manager, pid)
        streams = self.journal.of(pid)
        # Identifier, unit (journald's to find), priority daemon.info, level
        # prefix on, not to syslog, kmsg or the console.
        self.assertEqual([header for header, _ in streams],
                         [["codegen-fs", "", "30", "1", "0", "0", "0"]],
                         f"the daemon's one stream to the journal{self.context(manager)}")
        lines = streams[0][1]
        api = [re.match(r"^<7>api (\S+) (\S+) (\d{3}) \d+ms$", line) for line in lines]
        self.assertTrue(all(api), f"every line is a debug api line: {lines}")
        self.assertEqual([(m.group(1), m.group(2), int(m.group(3))) for m in api],
                         [(e["method"], e["path"] + (f"?{e['query']}" if e.get("query") else ""),
                           e["status"]) for e in requests],
                         f"one line per request: {describe_requests(requests)}")
        self.assertNotIn(self.fake.token, "\n".join(lines))


def namespace_unavailable():
    """Why a user manager cannot be started in a private namespace here, or None."""
    if os.geteuid() != 0:
        return "a user manager in a private mount namespace needs root"
    if SYSTEMD is None or SYSTEMCTL is None:
        return "systemd (/lib/systemd/systemd, systemctl) is not installed"
    if not os.path.exists(UNIT_BUILD):
        return f"{UNIT_BUILD} is missing (set CGFS_UNIT_BUILD)"
    return None


def prepare_namespace():
    """In the namespace: /run/systemd a tmpfs with system/ (a booted systemd,
    no journald); -> None, or why a user manager cannot run here."""
    rc, _, err = sh(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/run/systemd"],
                    timeout=10)
    if rc != 0:
        return f"mount -t tmpfs tmpfs /run/systemd: {err.strip()}"
    os.makedirs("/run/systemd/system", exist_ok=True)
    home = tempfile.mkdtemp(prefix="cgfs-e2e-user-unit-probe-")
    runtime = os.path.join(home, "runtime")
    os.mkdir(runtime, 0o700)
    manager = Manager(home, runtime)
    try:
        why = manager.wait_running()
        if why is not None:
            return f"systemd --user does not reach 'running' here ({why}): {manager.log()!r}"
        return None
    finally:
        if manager.logout(10) is None:
            manager.kill()
        _LEFT.discard(manager.proc.pid)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    if os.environ.get(IN_NAMESPACE) != "1":
        reason = skip_reason()
        reason = reason or namespace_unavailable()
        status, why = ((None, reason) if reason
                       else reexec_in_private_namespace(__file__, IN_NAMESPACE))
        if status is None:
            print(f"SKIP: {why}")
            sys.exit(77)
        sys.exit(status)
    release_inherited_fuse_mounts()
    why = prepare_namespace()
    if why:
        print(f"SKIP: {why}")
        sys.exit(77)
    main()
