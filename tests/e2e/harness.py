"""Harness of the end-to-end tests: the fake Codegen API, a real codegen-fs mount,
bounded shell commands and syscalls, and the expected content of every file.

Nothing here asserts; the test_*.py files do.  Everything that can hang (a
mount, a syscall into the mount, a shell command) is bounded, so a hung
filesystem fails a test instead of hanging the suite, and every mount is torn
down even when its test fails (Mount.stop, the at-exit sweep).

Environment:
  CGFS_BIN     the codegen-fs binary      (default build/fs/codegen-fs)
  CG_FAKE_API  the fake Codegen API       (default scripts/fake-codegen-api)
  CGFS_E2E_KEEP_LOGS=1  keep the temp dirs of mounts (daemon stderr) after the run
"""

import atexit
import datetime
import errno
import http.client
import json
import os
import re
import select
import socket
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _tool_path(variable, default):
    value = os.environ.get(variable)
    if value:
        return os.path.abspath(value)
    return os.path.join(ROOT, default)


CGFS_BIN = _tool_path("CGFS_BIN", os.path.join("build", "fs", "codegen-fs"))
FAKE_API = _tool_path("CG_FAKE_API", os.path.join("scripts", "fake-codegen-api"))
FUSERMOUNT = shutil.which("fusermount3")
TOKEN = "e2e-token-5f1c9a"
OWN = "_e2e"            # query marker of the tests' own requests to the fake
READY_RE = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))\s*$")
MOUNT_WAIT = 10.0


def skip_reason():
    """Why the suite cannot run here (meson's skip), or None."""
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is missing: FUSE is not available here"
    if FUSERMOUNT is None:
        return "fusermount3 is not installed"
    return None


# --------------------------------------------------------------------------
# Bounded calls

class Outcome:
    """What a bounded call did: value or error, and how long it took."""

    def __init__(self, value, error, seconds):
        self.value = value
        self.error = error
        self.seconds = seconds

    @property
    def errno(self):
        return getattr(self.error, "errno", None)

    def describe(self):
        if self.error is None:
            text = repr(self.value)
            return "succeeded with " + (text if len(text) < 200 else text[:200] + "...")
        code = self.errno
        name = errno.errorcode.get(code, str(code)) if code is not None else "-"
        return f"failed with {name} ({self.error!r})"


class Hung(AssertionError):
    pass


def bounded(fn, *args, timeout=30.0, what=None):
    """Run fn(*args) in a daemon thread; -> Outcome.  Raises Hung when it has not
    returned within timeout (the thread stays blocked until the mount goes away)."""
    box = {}

    def runner():
        started = time.monotonic()
        try:
            box["value"] = fn(*args)
        except BaseException as exc:    # reported to the caller
            box["error"] = exc
        box["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runner, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise Hung(f"{what or getattr(fn, '__name__', fn)}{args!r} did not return within "
                   f"{timeout} s")
    return Outcome(box.get("value"), box.get("error"), box["seconds"])


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_timed_syscalls(path):
    """open, read until EOF, close, each timed; -> (content, [(syscall, seconds)])."""
    times = []
    started = time.monotonic()
    fd = os.open(path, os.O_RDONLY)
    times.append(("open", time.monotonic() - started))
    chunks = []
    try:
        while True:
            started = time.monotonic()
            chunk = os.read(fd, 65536)
            times.append(("read", time.monotonic() - started))
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        started = time.monotonic()
        os.close(fd)
        times.append(("close", time.monotonic() - started))
    return b"".join(chunks), times


_STUCK = []     # processes that did not die when killed (blocked in the mount)


def loopback_listener():
    """A TCP socket listening on a free loopback port; -> (socket, its http:// URL)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


def sh(cmd, timeout=30.0, env=None, cwd=None):
    """Run a command (a list, or a string for sh -c); -> (rc, stdout, stderr) as
    text.  Raises Hung if it has not finished within timeout."""
    argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, cwd=cwd)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_bounded(proc)
        raise Hung(f"command {cmd!r} did not finish within {timeout} s")
    return (proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def kill_bounded(proc, grace=3.0):
    """SIGKILL proc and reap it if it dies within grace; a process blocked in an
    unanswered FUSE request dies only when the mount goes away, so it is reaped
    at exit instead of hanging the test."""
    if proc.poll() is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _STUCK.append(proc)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None and proc.poll() is not None:
            stream.close()


# --------------------------------------------------------------------------
# The fake Codegen API

class FakeError(RuntimeError):
    pass


class Fake:
    """scripts/fake-codegen-api as a subprocess, with its control endpoints and a
    direct client of its /v1 API (the expected data).  The tests' own /v1
    requests carry the query marker _e2e=1, so the request log can tell them
    from the mount's."""

    def __init__(self, *flags, token=TOKEN, port=0):
        self.flags = list(flags)
        self.token = token
        self.proc = None
        self._start(port)

    def _start(self, port):
        argv = [sys.executable, FAKE_API, "--port", str(port), "--token", self.token,
                "--quiet", *self.flags]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10.0)
        line = self.proc.stdout.readline().decode("utf-8", "replace") if ready else ""
        match = READY_RE.search(line)
        if not match:
            kill_bounded(self.proc)
            err = self.proc.stderr.read().decode("utf-8", "replace") if self.proc.stderr else ""
            raise FakeError(f"fake-codegen-api did not start ({argv!r}): ready line {line!r}, "
                            f"stderr {err[-2000:]!r}")
        self.url = match.group(1)
        self.port = int(match.group(2))
        # stderr only carries tracebacks with --quiet; drain it so it never blocks.
        self._stderr_tail = []
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()

    def _drain(self, stream):
        for line in iter(stream.readline, b""):
            self._stderr_tail.append(line.decode("utf-8", "replace"))
            del self._stderr_tail[:-200]
        stream.close()

    def stderr_tail(self):
        return "".join(self._stderr_tail)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM and reap; safe to call twice."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            kill_bounded(self.proc)
        self.proc.stdout.close()

    def restart(self):
        """Start again on the same port (fresh state, same flags)."""
        self.stop()
        deadline = time.monotonic() + 10
        while True:
            try:
                self._start(self.port)
                return
            except FakeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    # -- HTTP ----------------------------------------------------------------

    def _request(self, method, target, body=None, token=None, timeout=30.0):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {}
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, target, body=data, headers=headers)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def control(self, method, path, body=None):
        status, _, data = self._request(method, path, body)
        if status != 200:
            raise FakeError(f"{method} {path} -> {status} {data[:300]!r}")
        return json.loads(data)

    def api(self, method, path, body=None, **query):
        """A /v1 request of the test itself (marked); -> parsed JSON.  Waits out
        429s of the fake's rate limits; raises FakeError on any other error."""
        query[OWN] = 1
        target = f"{path}?{urlencode(query)}"
        deadline = time.monotonic() + 60
        while True:
            status, headers, data = self._request(method, target, body, token=self.token)
            if status == 429 and time.monotonic() < deadline:
                time.sleep(float(headers.get("Retry-After", "1")))
                continue
            if status != 200:
                raise FakeError(f"{method} {target} -> {status} {data[:300]!r}")
            return json.loads(data)

    def get(self, path, **query):
        return self.api("GET", path, **query)

    def get_all(self, path, **query):
        """Every item of a paginated list."""
        items, skip = [], 0
        while True:
            page = self.get(path, skip=skip, limit=100, **query)
            items += page["items"]
            skip += 100
            if skip >= page["total"]:
                return items

    def runs(self, org=11, **query):
        return self.get_all(f"/v1/organizations/{org}/agent/runs", **query)

    def run(self, run_id, org=11):
        return self.get(f"/v1/organizations/{org}/agent/run/{run_id}")

    def logs(self, run_id, org=11):
        entries, skip = [], 0
        while True:
            page = self.get(f"/v1/alpha/organizations/{org}/agent/run/{run_id}/logs",
                            skip=skip, limit=100)
            entries += page["logs"]
            skip += 100
            if skip >= page["total_logs"]:
                return entries

    def create_run(self, prompt, org=11, **fields):
        return self.api("POST", f"/v1/organizations/{org}/agent/run",
                        dict(prompt=prompt, **fields))

    # -- control ---------------------------------------------------------------

    def reset(self):
        self.control("POST", "/_control/reset", {})

    def config(self, **changes):
        return self.control("POST", "/_control/config", changes)

    def fault(self, kind, **spec):
        return self.control("POST", "/_control/faults", dict(kind=kind, **spec))

    def clear_faults(self):
        self.control("DELETE", "/_control/faults")

    def run_state(self, run_id):
        return self.control("GET", f"/_control/runs/{run_id}")

    def change_run(self, run_id, **changes):
        """Set a run's status and/or add a PR (POST /_control/runs/{id})."""
        return self.control("POST", f"/_control/runs/{run_id}", changes)

    def mark(self):
        """Empty the request log; -> the seq of the last request so far."""
        return self.control("DELETE", "/_control/requests")["seq"]

    def requests(self, since=0, own=False):
        """The /v1 requests after seq since; the tests' own ones only if own."""
        entries = self.control("GET", f"/_control/requests?since={since}")["requests"]
        if own:
            return entries
        return [e for e in entries if not is_own(e)]


def is_own(entry):
    return any(part.split("=")[0] == OWN for part in (entry.get("query") or "").split("&"))


def query_of(entry):
    """The request's query as a dict (without the marker)."""
    result = {}
    for part in (entry.get("query") or "").split("&"):
        if part:
            name, _, value = part.partition("=")
            result[name] = value
    return result


def describe_requests(entries):
    if not entries:
        return "(none)"
    return "; ".join(f"{e['method']} {e['path']}" + (f"?{e['query']}" if e.get("query") else "")
                     + f" -> {e.get('status')}" + (f" fault={e['fault']}" if e.get("fault") else "")
                     for e in entries)


# --------------------------------------------------------------------------
# The mount

_MOUNTS = set()


def mounted(path):
    """Is path a mount point, per /proc/self/mountinfo?  (os.path.ismount says
    no for a FUSE mount whose daemon died: stat fails with ENOTCONN.)"""
    real = os.path.realpath(path)
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.split()
                if len(fields) > 4:
                    point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)),
                                   fields[4])
                    if point == real:
                        return True
    except OSError:
        pass
    return False


class MountError(AssertionError):
    pass


class Mount:
    """codegen-fs -f --deadline=S [opts] MNT against a fake, in a fresh temp dir
    with its own HOME and XDG_CACHE_HOME (so no real ~/.codegen or persistent
    cache is read).  start() waits until MNT is a mount point (at most 10 s);
    stop() unmounts with fusermount3 -u, waits for the process, and falls back
    to kill -9 and fusermount3 -uz."""

    def __init__(self, fake, *opts, deadline=30, token=None, env=None, base_url=None,
                 token_in_env=True):
        self.fake = fake
        self.opts = list(opts)
        self.deadline = deadline
        self.token = fake.token if token is None else token
        self.base_url = base_url or fake.url
        self.token_in_env = token_in_env
        self.extra_env = dict(env or {})
        self.dir = tempfile.mkdtemp(prefix="cgfs-e2e-")
        self.mnt = os.path.join(self.dir, "mnt")
        self.home = os.path.join(self.dir, "home")
        os.mkdir(self.mnt)
        os.mkdir(self.home, 0o700)
        self.proc = None
        self.returncode = None
        _MOUNTS.add(self)

    def argv(self):
        return [CGFS_BIN, "-f", f"--deadline={self.deadline}", *self.opts, self.mnt]

    def environ(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CODEGEN_", "XDG_"))}
        env.update(HOME=self.home, XDG_CACHE_HOME=os.path.join(self.home, ".cache"),
                   XDG_CONFIG_HOME=os.path.join(self.home, ".config"),
                   CODEGEN_API_BASE_URL=self.base_url)
        if self.token_in_env:
            env["CODEGEN_API_TOKEN"] = self.token
        env.update(self.extra_env)
        return env

    def spawn(self):
        """Start the process without waiting for the mount."""
        self.stdout_path = os.path.join(self.dir, "stdout")
        self.stderr_path = os.path.join(self.dir, "stderr")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=self.environ())
        return self.proc

    def start(self):
        if not os.access(CGFS_BIN, os.X_OK):
            self.stop()
            raise MountError(f"codegen-fs binary {CGFS_BIN} is missing (set CGFS_BIN)")
        self.spawn()
        deadline = time.monotonic() + MOUNT_WAIT
        while time.monotonic() < deadline:
            if os.path.ismount(self.mnt):
                return self
            if self.proc.poll() is not None:
                rc, err = self.proc.returncode, self.stderr_tail()
                self.stop()
                raise MountError(f"codegen-fs exited with status {rc} before mounting; "
                                 f"argv {self.argv()!r}; stderr: {err!r}")
            time.sleep(0.02)
        err = self.stderr_tail()
        self.stop()
        raise MountError(f"{self.mnt} was not mounted within {MOUNT_WAIT} s; stderr: {err!r}")

    def stderr_tail(self, size=3000):
        """The end of the daemon's stderr (kept past stop())."""
        try:
            with open(self.stderr_path, "rb") as f:
                data = f.read()
        except (OSError, AttributeError):
            data = getattr(self, "_kept_stderr", b"")
        return data[-size:].decode("utf-8", "replace")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def reap(self, timeout):
        """Wait for a daemon the test itself ended (a signal, fusermount3 -u);
        -> its exit status, or None if it still runs after timeout."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def path(self, *parts):
        return os.path.join(self.mnt, *[str(p) for p in parts])

    def read(self, *parts, timeout=30.0):
        """The bytes of a file of the mount (bounded)."""
        outcome = bounded(read_bytes, self.path(*parts), timeout=timeout, what="read")
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def stop(self):
        """Unmount and reap.  -> None, or a text saying what went wrong (the
        daemon crashed or exited non-zero after a clean unmount)."""
        problem = None
        if self.proc is not None and self.returncode is None:
            clean = False
            if self.proc.poll() is None and mounted(self.mnt):
                try:
                    rc = subprocess.run([FUSERMOUNT, "-u", self.mnt], capture_output=True,
                                        timeout=10).returncode
                    clean = rc == 0
                except subprocess.TimeoutExpired:
                    pass
            try:
                self.proc.wait(timeout=10 if clean else 0.5)
            except subprocess.TimeoutExpired:
                stacks = thread_stacks(self.proc.pid) if clean else ""
                kill_bounded(self.proc, grace=5)
                if clean:
                    problem = ("codegen-fs did not exit within 10 s of fusermount3 -u; its "
                               f"threads: {stacks}")
            self.returncode = self.proc.poll()
            if problem is None and clean and self.returncode != 0:
                problem = f"codegen-fs exited with status {self.returncode} after unmount"
            if problem is None and not clean and self.returncode not in (0, -9) \
                    and self.returncode is not None:
                problem = f"codegen-fs had died with status {self.returncode}"
        if mounted(self.mnt):
            subprocess.run([FUSERMOUNT, "-uz", self.mnt], capture_output=True, timeout=10)
        if problem:
            problem += f"; stderr: {self.stderr_tail()!r}"
        if not mounted(self.mnt):
            _MOUNTS.discard(self)
            if not os.environ.get("CGFS_E2E_KEEP_LOGS"):
                self._kept_stderr = self.stderr_tail(1 << 20).encode()
                shutil.rmtree(self.dir, ignore_errors=True)
        return problem


def release_inherited_fuse_mounts():
    """In a mount namespace just made with unshare: lazily unmount every
    codegen-fs mount it copied from outside (another test's, running at the
    same time), so that this namespace never keeps that mount's connection,
    and its daemon, alive after the other test unmounted it."""
    with open("/proc/self/mounts", encoding="utf-8") as f:
        points = [line.split()[1] for line in f if line.split()[2] == "fuse.codegen-fs"]
    for point in reversed(points):
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), point)
        subprocess.run(["umount", "-l", point], capture_output=True, timeout=10)


def reexec_in_private_namespace(script, flag):
    """Run script (a test file) again with this process's arguments in a
    private mount namespace (unshare -m), with the environment variable flag
    set to "1" there; a SIGTERM (a runner's timeout) is passed on, so that
    the tests clean up.  -> (its exit status, None), or (None, why) when
    that cannot be done here (then the tests skip)."""
    if os.geteuid() != 0:
        return None, "unshare -m needs root"
    unshare = shutil.which("unshare")
    if unshare is None:
        return None, "unshare (util-linux) is not installed"
    cmd = [unshare, "--mount", "--propagation", "private"]
    probe = subprocess.run([*cmd, "true"], capture_output=True)
    if probe.returncode != 0:
        return None, f"unshare --mount fails here: {probe.stderr.decode().strip()}"
    child = subprocess.Popen([*cmd, sys.executable, os.path.abspath(script), *sys.argv[1:]],
                             env=dict(os.environ, **{flag: "1"}))
    signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
    return child.wait(), None


def thread_stacks(pid):
    """What each thread of pid is doing (gdb, when installed): for a report."""
    gdb = shutil.which("gdb")
    if not gdb:
        return "(no gdb to show them)"
    try:
        out = subprocess.run([gdb, "-batch", "-p", str(pid), "-ex", "thread apply all bt 12"],
                             capture_output=True, timeout=30, text=True).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(gdb: {e})"
    return "\n".join(line for line in out.splitlines() if line.startswith(("#", "Thread")))


@atexit.register
def _sweep():
    """Last resort: no mount and no stuck process outlives the suite."""
    for mount in list(_MOUNTS):
        mount.stop()
    for proc in _STUCK:
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass


# --------------------------------------------------------------------------
# Expected contents (docs/SEMANTICS.md, "The tree (read side)")

ISO_RE = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")
CONTROL_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
FINISHED = frozenset(("COMPLETE", "FAILED", "ERROR", "CANCELLED", "STOPPED", "TIMEOUT",
                      "MAX_ITERATIONS_REACHED", "OUT_OF_TOKENS"))
WORKING = frozenset(("ACTIVE", "PENDING", "RUNNING", "EVALUATION"))


def value_file(value):
    """A single value: its text and one newline; null is an empty file."""
    if value is None:
        return b""
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    if not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8")


def iso_utc(text):
    """created_at in the one form the mount shows: 2025-06-21T11:20:04Z."""
    match = ISO_RE.match(text)
    if not match:
        return text
    date, clock, _, zone = match.groups()
    if zone in (None, "Z", "+00:00", "-00:00", "+0000", "-0000"):
        return f"{date}T{clock}Z"
    parsed = datetime.datetime.fromisoformat(f"{date}T{clock}{zone}")
    return parsed.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_file(value):
    return b"" if value is None else (iso_utc(value) + "\n").encode("utf-8")


def compact_json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def escape_log_text(text):
    out = []
    for ch in text:
        if ch in CONTROL_ESCAPES:
            out.append(CONTROL_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def log_line(entry):
    """One line of `logs`: <time> <type>[ <tool>]: <text>."""
    created = entry.get("created_at")
    when = iso_utc(created) if created else "-"
    head = f"{when} {entry.get('message_type') or '-'}"
    if entry.get("tool_name"):
        head += f" {entry['tool_name']}"
    text = entry.get("thought")
    if not text:
        observation = entry.get("observation")
        if observation is None:
            text = ""
        elif isinstance(observation, str):
            text = observation
        else:
            text = compact_json(observation)
    return f"{head}: {escape_log_text(text)}\n"


def logs_file(entries):
    return "".join(log_line(e) for e in entries).encode("utf-8")


def logs_jsonl_file(entries):
    return "".join(compact_json(e) + "\n" for e in entries).encode("utf-8")


def prs_file(run):
    prs = run.get("github_pull_requests") or []
    return "".join(pr["url"] + "\n" for pr in prs if pr.get("url")).encode("utf-8")


def prs_json_value(run):
    """What prs.json holds, parsed: the PR array as sent; [] for null or missing."""
    prs = run.get("github_pull_requests")
    return prs if isinstance(prs, list) else []


def branches_file(run):
    """One head branch per PR that has one (a PR with a usable id)."""
    prs = run.get("github_pull_requests") or []
    return "".join(pr["head_branch_name"] + "\n" for pr in prs
                   if pr.get("head_branch_name") and isinstance(pr.get("id"), int)
                   ).encode("utf-8")


JSON_FILE = object()    # marker: compare parsed JSON (see check_json_file)


def run_files(run, logs=None):
    """Expected content of every read-side file of a run directory.  JSON files
    map to (JSON_FILE, object).  logs None leaves logs and logs.jsonl out."""
    files = {
        "id": value_file(run["id"]),
        "status": value_file(run.get("status")),
        "summary": value_file(run.get("summary")),
        "result": value_file(run.get("result")),
        "web_url": value_file(run.get("web_url")),
        "created_at": time_file(run.get("created_at")),
        "source_type": value_file(run.get("source_type")),
        "prs": prs_file(run),
        "prs.json": (JSON_FILE, prs_json_value(run)),
        "branches": branches_file(run),
        "metadata.json": (JSON_FILE, run.get("metadata")),
        "run.json": (JSON_FILE, run),
        "error": b"",
    }
    if logs is not None:
        files["logs"] = logs_file(logs)
        files["logs.jsonl"] = logs_jsonl_file(logs)
    return files


def rules_file(rules):
    parts = []
    if rules.get("organization_rules") is not None:
        parts.append("# Organization rules\n" + value_file(rules["organization_rules"]).decode())
    if rules.get("user_custom_prompt") is not None:
        parts.append("# User custom prompt\n" + value_file(rules["user_custom_prompt"]).decode())
    return "\n".join(parts).encode("utf-8")


def integrations_file(answer):
    return "".join(f"{i['integration_type']} {'active' if i['active'] else 'inactive'}\n"
                   for i in answer["integrations"]).encode("utf-8")


def lines_file(items):
    return "".join(f"{item}\n" for item in items).encode("utf-8")


def mcp_providers_file(providers):
    return "".join(f"{p['name']}\t{p['issuer']}\n" for p in providers).encode("utf-8")


def json_file_problem(content, expected):
    """None if content is expected pretty-printed (null: empty), else why not."""
    if expected is None:
        return None if content == b"" else f"expected an empty file for null, got {content[:200]!r}"
    if not content.endswith(b"\n"):
        return f"does not end with a newline: {content[-100:]!r}"
    try:
        parsed = json.loads(content)
    except ValueError as exc:
        return f"is not JSON ({exc}): {content[:200]!r}"
    if parsed != expected:
        return f"parsed JSON differs:\n got      {parsed!r}\n expected {expected!r}"
    if isinstance(expected, (dict, list)) and expected and b"\n" not in content.rstrip(b"\n"):
        return f"is not pretty-printed (one line): {content[:200]!r}"
    return None


def errno_name(code):
    return errno.errorcode.get(code, str(code))


def signal_name(code):
    try:
        return signal.Signals(code).name
    except ValueError:
        return str(code)
