#!/usr/bin/env python3
"""End-to-end tests of the outbox `new/`: prompt files that become runs.

Each test mounts codegen-fs for real on the fake Codegen API (harness.py),
writes into orgs/11/new/ (and repos/<id>/new/) with the tools people use
(bash's echo/printf, heredocs, /bin/echo, tee, dd, cp, mv, vim, Python), and
asserts what the fake received (its request log: exactly one POST per commit,
with exactly the prompt written), what the tree shows afterwards (the receipt
link ../runs/<id>, the kept draft and its .error, /errors) and the errno the
committing syscall returned (DESIGN.md §3, docs/SEMANTICS.md "Errors").

    CGFS_BIN=build/fs/codegen-fs python3 tests/e2e/test_outbox.py [ClassName[.test]]

Tests that create runs mount per test: a mount is cheap (~50 ms) and the
fake's reset restarts created run ids at 10001, so a mount kept across
tests would hold a previous test's run 10001 (and its receipts) in its caches.
Exits 77 (meson's skip) when FUSE is unavailable.
"""

import base64
import errno
import http.server
import json
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    bounded, describe_requests, errno_name, read_bytes, sh)
from mountcase import (  # noqa: E402  (mountcase runs nothing on import)
    FAST_LIMITER, ORG, QUICK_FAKE, RUNS, MountTest, first_difference, main, parallel)

NEW = f"orgs/{ORG}/new"
REPO = 456                                  # acme/payments, "payments"
REPO_NEW = f"orgs/{ORG}/repos/{REPO}/new"
CREATE_PATH = f"/v1/organizations/{ORG}/agent/run"
# CreateAgentRunInput (api-docs/openapi3.json): the only fields a create may carry.
CREATE_FIELDS = {"prompt", "images", "metadata", "repo_id", "model", "agent_type"}
MSG_QUOTA = ("Alloted agent runs for the current billing plan have been reached. "
             "Please upgrade your plan to continue.")
MSG_RATE = "Rate limit exceeded. Please try again later."
# The fake's status fault answers {"message": <the HTTP reason phrase>}, as its
# Python (this one: the harness starts it with sys.executable) spells it.
MSG_422 = http.server.BaseHTTPRequestHandler.responses[422][0]
ERROR_SUFFIX = ".error"
# Every create carries codegen-fs's marker in its metadata (docs/SEMANTICS.md).
MARKER_KEY = "codegen_fs_create"
MARKER_RE = re.compile(r"cgfs-[0-9a-f]{32}")


def without_marker(metadata):
    """metadata (a dict) without the marker; None when nothing else is left."""
    rest = {k: v for k, v in metadata.items() if k != MARKER_KEY}
    return rest or None


def usable_strace():
    """strace, if it is installed and may trace here (containers may forbid
    ptrace); else None."""
    path = shutil.which("strace")
    if path is None:
        return None
    try:
        ok = subprocess.run([path, "-qq", "-o", "/dev/null", "true"], capture_output=True,
                            timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


# --------------------------------------------------------------------------
# Writers: each returns what happened; none asserts.

def write_close(path, data, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC):
    """open, write everything, close; -> {"write": bytes written or the
    OSError, "close": None or the OSError}.  The close is the commit point."""
    fd = os.open(path, flags, 0o644)
    result = {"write": 0, "close": None}
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
            result["write"] += n
    except OSError as exc:
        result["write"] = exc
    try:
        os.close(fd)
    except OSError as exc:
        result["close"] = exc
    return result


def write_fsync_close(path, data):
    """As vim writes its swap file: open, write, fsync, close (all must work)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if os.write(fd, data) != len(data):
            raise AssertionError("short write")
        os.fsync(fd)
    finally:
        os.close(fd)


def png_bytes():
    """A valid 1x1 PNG."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xdb\x00\x03\x00\xff\xd9")


def data_uri(kind, data):
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def big_prompt(size=300 * 1024):
    """Exactly `size` bytes of varied UTF-8 text: characters JSON escapes,
    non-ASCII, numbered lines (so a reordering shows), a final newline."""
    lines, total, n = [], 0, 0
    while True:
        line = (f"{n:06d} \"quoted\" back\\slash\ttab → ✓ é 日本語 "
                f"Add retries to the payment client, step {n}.\n")
        if total + len(line.encode()) > size - 1:
            break
        lines.append(line)
        total += len(line.encode())
        n += 1
    return "".join(lines) + "x" * (size - 1 - total) + "\n"


def spool_files(root):
    """{path relative to root: bytes} of every file under root."""
    found = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, root)] = f.read()
    return found


def write_close_raising(path, data):
    """open(path, "wb"), write, close; errors raise."""
    with open(path, "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------
# Base class

class OutboxTest(MountTest):
    """Helpers to write drafts and check what was sent and what the tree shows."""

    FAKE_FLAGS = QUICK_FAKE      # rate limits off; created runs stay ACTIVE 120 s

    def tmpdir(self):
        path = tempfile.mkdtemp(prefix="cgfs-e2e-outbox-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def source_file(self, data, name="src"):
        """A file outside the mount holding data (bytes or text)."""
        path = os.path.join(self.tmpdir(), name)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path

    def put(self, path, data, what, timeout=60):
        """write_close, bounded (a hung commit fails the test); -> its result.
        Fails the test when the open itself fails."""
        outcome = bounded(write_close, path, data, timeout=timeout, what=what)
        if outcome.error is not None:
            self.fail(f"{what}: {outcome.describe()}")
        return outcome.value

    def save(self, path, data, what):
        """Write data as the whole file; the close must succeed."""
        result = self.put(path, data, what)
        self.assertEqual(result, {"write": len(data), "close": None},
                         f"{what}: open/write/close of {len(data)} bytes")

    def mount_outbox(self, *opts, **kwargs):
        """A mount for one test (see the module doc: run ids restart per test)."""
        return self.mount(*opts, deadline=kwargs.pop("deadline", 10), **kwargs)

    # -- what the fake got ---------------------------------------------------------

    def creates(self, seq):
        return [e for e in self.fake.requests(seq)
                if e["method"] == "POST" and e["path"] == CREATE_PATH]

    def assertNoCreate(self, seq, what):
        requests = self.fake.requests(seq)
        sent = [e for e in requests if e["method"] != "GET"]
        self.assertEqual(sent, [], f"{what}: nothing may be sent, but the fake got "
                                   f"{describe_requests(sent)} (all requests: "
                                   f"{describe_requests(requests)})")

    def assertSentOnce(self, seq, prompt, what, **fields):
        """Exactly one POST .../agent/run since seq, whose body is exactly
        {"prompt": prompt, **fields} (absent fields may be sent as null).
        -> the request log entry."""
        requests = self.fake.requests(seq)
        posts = [e for e in requests if e["method"] == "POST" and e["path"] == CREATE_PATH]
        self.assertEqual(len(posts), 1,
                         f"{what}: expected exactly one POST {CREATE_PATH}, the fake got "
                         f"{len(posts)}; all requests: {describe_requests(requests)}")
        others = [e for e in requests if e["method"] != "GET" and e not in posts]
        self.assertEqual(others, [], f"{what}: other writes sent: {describe_requests(others)}")
        post = posts[0]
        self.assertEqual(post["status"], 200, f"{what}: the create was answered "
                                              f"{post['status']} (fault {post['fault']})")
        self.assertTrue((post["content_type"] or "").startswith("application/json"),
                        f"{what}: Content-Type {post['content_type']!r}")
        body = json.loads(post["body"])
        self.assertIsInstance(body, dict, f"{what}: POST body {post['body'][:200]!r}")
        self.assertLessEqual(set(body), CREATE_FIELDS,
                             f"{what}: body fields outside CreateAgentRunInput: {sorted(body)}")
        got = body.get("prompt")
        self.assertIsInstance(got, str, f"{what}: body prompt {got!r}")
        self.assertTrue(got == prompt, f"{what}: the POST's prompt differs from the text "
                                       f"written ({len(got)} vs {len(prompt)} chars): "
                                       f"{first_difference(got.encode(), prompt.encode())}")
        meta = body.get("metadata")
        self.assertIsInstance(meta, dict, f"{what}: the body's metadata {meta!r}")
        self.assertRegex(meta.get(MARKER_KEY) or "", MARKER_RE, f"{what}: the marker")
        body = dict(body, metadata=without_marker(meta))
        extra = {k: v for k, v in body.items() if k != "prompt" and v is not None}
        self.assertEqual(extra, fields, f"{what}: the body's other fields")
        return post

    # -- what the tree shows ---------------------------------------------------------

    def assertReceipt(self, m, rel, prompt, what, prefix="../runs/"):
        """rel is a symlink prefix<id>; the fake's run <id> holds prompt; the
        run reads through the link at once.  -> the run id (int)."""
        path = m.path(rel)
        outcome = bounded(os.lstat, path, timeout=30, what=f"lstat {rel}")
        self.assertIsNone(outcome.error, f"{what}: lstat {rel} {outcome.describe()}")
        if not stat.S_ISLNK(outcome.value.st_mode):
            self.fail(f"{what}: {rel} is not a symlink (mode {oct(outcome.value.st_mode)}); "
                      f"it reads {self.peek(m, rel)!r}; {rel}{ERROR_SUFFIX}: "
                      f"{self.peek(m, rel + ERROR_SUFFIX)!r}")
        target = os.readlink(path)
        self.assertRegex(target, "^" + re.escape(prefix) + r"\d+$",
                         f"{what}: target of {rel}")
        run_id = int(target[len(prefix):])
        state = self.fake.run_state(run_id)
        self.assertTrue(state["prompt"] == prompt,
                        f"{what}: the fake's run {run_id} has another prompt: "
                        f"{first_difference(state['prompt'].encode(), prompt.encode())}")
        # At once, no sleep: the create's answer filled the run.
        self.assertEqual(m.read(rel, "status"), b"ACTIVE\n", f"{what}: {rel}/status")
        if os.path.lexists(path + ERROR_SUFFIX):
            self.fail(f"{what}: {rel}{ERROR_SUFFIX} exists after a successful send: "
                      f"{self.peek(m, rel + ERROR_SUFFIX)!r}")
        return run_id

    def assertDraftKept(self, m, rel, data, what, contains=()):
        """rel is still a draft (regular file) reading exactly data, and
        rel.error exists and contains each of contains."""
        st = os.lstat(m.path(rel))
        self.assertTrue(stat.S_ISREG(st.st_mode), f"{what}: {rel} is no longer a regular "
                                                  f"file (mode {oct(st.st_mode)})")
        content = m.read(rel)
        self.assertTrue(content == data, f"{what}: the kept draft {rel} reads "
                                         f"{len(content)} bytes, not the {len(data)} written: "
                                         f"{first_difference(content, data)}")
        self.assertEqual(st.st_size, len(data), f"{what}: st_size of the draft {rel}")
        err_rel = rel + ERROR_SUFFIX
        self.assertIn(os.path.basename(err_rel), os.listdir(os.path.dirname(m.path(rel))),
                      f"{what}: {err_rel} is not listed")
        outcome = bounded(read_bytes, m.path(err_rel), timeout=30, what=f"read {err_rel}")
        self.assertIsNone(outcome.error, f"{what}: reading {err_rel} {outcome.describe()}")
        text = outcome.value.decode("utf-8", "replace")
        self.assertTrue(text.strip(), f"{what}: {err_rel} is empty")
        for part in contains:
            self.assertIn(str(part), text, f"{what}: {err_rel} does not mention {part!r}")
        return text

    def peek(self, m, rel):
        outcome = bounded(read_bytes, m.path(rel), timeout=10, what=f"read {rel}")
        return outcome.value[:200] if outcome.error is None else outcome.describe()

    def error_lines(self, m):
        return m.read("errors").decode("utf-8", "replace").splitlines()

    def assertErrorLogged(self, m, before, rel, status, code, message, what):
        """/errors gained a line `<time> <op> /rel <http> <ERRNO> <message...>`."""
        new = self.error_lines(m)[len(before):]
        path = "/" + rel
        hits = [line.split(" ", 5) for line in new]
        hits = [h for h in hits if len(h) >= 5 and h[2] == path]
        self.assertTrue(hits, f"{what}: /errors gained no line naming {path}; new lines: {new}")
        self.assertTrue(any(h[3] == str(status) and h[4] == errno_name(code) for h in hits),
                        f"{what}: /errors lines about {path} do not show {status} "
                        f"{errno_name(code)}: {[' '.join(h) for h in hits]}")
        if message:
            self.assertTrue(any(len(h) > 5 and message in h[5] for h in hits),
                            f"{what}: /errors lines about {path} lack the server's message "
                            f"{message!r}: {[' '.join(h) for h in hits]}")

    def listing(self, m, rel=NEW):
        outcome = bounded(os.listdir, m.path(rel), timeout=30, what=f"listdir {rel}")
        self.assertIsNone(outcome.error, f"listdir {rel} {outcome.describe()}")
        return outcome.value


# --------------------------------------------------------------------------
# 1. Sending: every way of writing a file makes exactly one run

class OutboxSendTest(OutboxTest):
    """Each tool writes a plain name in new/: one POST with exactly the text
    written, and new/<name> becomes the link ../runs/<id>."""

    def send_with(self, name, expected, command=None, action=None):
        """Run command (argv) or action(), which writes expected (text) to
        new/<name>; check the send.  -> (mount, run id)."""
        m = self.mount_outbox("--list-window=100")
        before = self.listing(m, RUNS)      # cached: the new run must show at once
        seq = self.fake.mark()
        if command is not None:
            rc, out, err = sh([c.replace("{path}", m.path(NEW, name)) for c in command])
            self.assertEqual((rc, err), (0, ""), f"{command!r} failed")
        else:
            action(m.path(NEW, name))
        self.assertSentOnce(seq, expected, f"{name}")
        run_id = self.assertReceipt(m, f"{NEW}/{name}", expected, name)
        runs = self.listing(m, RUNS)
        self.assertEqual(runs[0], str(run_id), "runs/ lists the new run first at once")
        self.assertEqual(runs[1:], before[:len(runs) - 1], "runs/ after the create")
        return m, run_id

    def test_new_is_a_directory_of_the_org_and_of_each_repo(self):
        m = self.mount_outbox()
        self.assertIn("new", self.listing(m, f"orgs/{ORG}"))
        self.assertTrue(os.path.isdir(m.path(NEW)), f"{NEW} is not a directory")
        self.assertIn("new", self.listing(m, f"orgs/{ORG}/repos/{REPO}"))
        self.assertTrue(os.path.isdir(m.path(REPO_NEW)), f"{REPO_NEW} is not a directory")
        self.assertEqual(self.listing(m, NEW), [], "a fresh mount's new/ is empty")

    def test_bash_echo_sends_once_and_becomes_a_link(self):
        text = "Add retries to the payment client"
        m, run_id = self.send_with("retries", text + "\n",
                                   ["bash", "-c", 'echo "$1" > "$2"', "bash", text, "{path}"])
        self.assertEqual(self.listing(m), ["retries"], "new/ after the send")
        rc, out, err = sh(["ls", "-l", m.path(NEW) + "/"])
        self.assertEqual(rc, 0, err)
        self.assertIn(f"retries -> ../runs/{run_id}", out, "ls -l new/ shows the mapping")
        run_json = json.loads(m.read(NEW, "retries", "run.json"))
        self.assertEqual((run_json["id"], run_json["status"]), (run_id, "ACTIVE"),
                         "new/retries/run.json")
        # The API's run object has no prompt field; the run's first log
        # entry is the prompt (a USER_MESSAGE).
        first = json.loads(m.read(NEW, "retries", "logs.jsonl").splitlines()[0])
        self.assertEqual((first["message_type"], first["thought"]),
                         ("USER_MESSAGE", text + "\n"), "first entry of new/retries/logs.jsonl")
        self.assertEqual(m.read(RUNS, run_id, "id"), f"{run_id}\n".encode())
        # The name is a run directory now: writing it again is refused.
        seq = self.fake.mark()
        self.assertErrno(errno.EISDIR, write_close_raising, m.path(NEW, "retries"), b"again\n",
                         what="open(new/retries, 'w') over the receipt")
        self.assertNoCreate(seq, "a write onto a receipt")

    def test_the_new_run_shows_at_once_in_my_users_runs(self):
        """A create forgets every run list that can hold the new run: runs/
        and the creator's users/<me>/runs/ (user 1, the token's), listed and
        cached before the create, both list it first at once, long before
        --list-ttl.  (users/<me>/runs/ kept the old list until --list-ttl.)"""
        m = self.mount_outbox("--list-window=100", "--list-ttl=600")
        mine = f"orgs/{ORG}/users/1/runs"
        before = self.listing(m, mine)
        self.assertEqual(self.listing(m, mine), before, "users/1/runs/ is cached")
        seq = self.fake.mark()
        result = write_close(m.path(NEW, "mine"), b"Tidy the changelog\n")
        self.assertEqual(result, {"write": 19, "close": None}, "writing new/mine")
        self.assertSentOnce(seq, "Tidy the changelog\n", "mine")
        run_id = self.assertReceipt(m, f"{NEW}/mine", "Tidy the changelog\n", "mine")
        after = self.listing(m, mine)
        self.assertEqual(after[0], str(run_id), "users/1/runs/ lists the new run first at once")
        self.assertEqual(after[1:], before[:len(after) - 1], "users/1/runs/ after the create")
        self.assertEqual(os.readlink(m.path(mine, str(run_id))), f"../../../runs/{run_id}")
        lists = [r for r in self.fake.requests(seq)
                 if r["method"] == "GET" and r["path"] == f"/v1/organizations/{ORG}/agent/runs"]
        self.assertTrue(any("user_id=1" in (r.get("query") or "") for r in lists),
                        f"users/1/runs/ was listed again after the create: "
                        f"{describe_requests(lists)}")

    def test_printf_without_newline(self):
        text = "No trailing newline: 100% \"quoted\" → ✓"
        self.send_with("printf", text,
                       ["bash", "-c", 'printf "%s" "$1" > "$2"', "bash", text, "{path}"])

    def test_heredoc(self):
        text = "First line\n  indented $HOME `not run`\n\ttab\n\nlast\n"
        self.send_with("heredoc", text,
                       ["bash", "-c", "cat > \"$1\" <<'EOF'\n" + text + "EOF\n", "bash",
                        "{path}"])

    def test_tee_from_a_file(self):
        text = "Sent through tee\nline 2\n"
        src = self.source_file(text)
        self.send_with("tee", text, ["sh", "-c", 'tee "$1" < "$2" > /dev/null', "sh", "{path}",
                                     src])

    def test_dd_in_512_byte_blocks(self):
        text = "".join(f"dd line {i:04d} of the prompt\n" for i in range(200))   # ~5 KB
        src = self.source_file(text)
        self.send_with("dd", text, ["dd", f"if={src}", "of={path}", "bs=512", "status=none"])

    def test_cp_from_outside(self):
        text = "Copied with cp\n"
        src = self.source_file(text)
        self.send_with("copied", text, ["cp", src, "{path}"])
        self.assertTrue(os.path.exists(src), "cp removed its source")

    def test_mv_from_outside(self):
        text = "Moved with mv from outside the mount\n"
        src = self.source_file(text)
        self.send_with("moved", text, ["mv", src, "{path}"])
        self.assertFalse(os.path.exists(src), "mv left its source behind")

    def test_python_300_kb_prompt_in_one_write(self):
        text = big_prompt()
        data = text.encode()
        self.assertEqual(len(data), 300 * 1024)

        self.send_with("big", text, action=lambda path: self.save(path, data, "new/big"))

    def test_vim_with_swap_file_and_4913_probe(self):
        """vim edits an empty draft (touch), then a new file; its swap file
        (.<name>.swp), the 4913 probe and the backup <name>~ are never sent."""
        m = self.mount_outbox()
        home = self.tmpdir()
        new_dir = m.path(NEW)
        # backupskip= : vim skips backups for /tmp/* by default, and the mount
        # lives under /tmp; with it empty vim does what it does in $HOME:
        # probe with 4913, rename x to x~, write x anew, fsync, remove x~.
        vim = ["vim", "-u", "NONE", "-i", "NONE", "-N", "-es",
               "-c", "set swapfile directory=. backupcopy=auto writebackup nobackup "
                     "backupskip= fsync",
               "-c", "normal! iHello from vim", "-c", "wq"]
        env = dict(os.environ, HOME=home)
        strace = usable_strace()
        self.assertTrue(os.path.isdir(new_dir), f"{NEW} is not a directory")
        rc, _, err = sh(["touch", "edited"], cwd=new_dir)
        self.assertEqual(rc, 0, f"touch new/edited: {err}")
        for name in ("edited", "fresh"):
            with self.subTest(file=name):
                trace = os.path.join(home, f"strace-{name}")
                argv = vim + [name]
                if strace:
                    argv = [strace, "-f", "-qq", "-e", "trace=openat",
                            "-o", trace] + argv
                seq = self.fake.mark()
                rc, out, err = sh(argv, cwd=new_dir, env=env, timeout=60)
                self.assertEqual(rc, 0, f"vim on new/{name}: stdout {out!r} stderr {err!r}")
                self.assertSentOnce(seq, "Hello from vim\n", f"vim on new/{name}")
                self.assertReceipt(m, f"{NEW}/{name}", "Hello from vim\n", f"vim {name}")
                left = [n for n in self.listing(m) if n not in ("edited", "fresh")]
                self.assertEqual(left, [], "vim's scratch files left in new/ after :wq")
                if strace:      # prove vim really made its scratch files in new/
                    with open(trace, encoding="utf-8", errors="replace") as f:
                        calls = f.read()
                    swap = re.escape(f'"{"." + name + ".swp"}"')
                    self.assertRegex(calls, swap + r".*O_CREAT.*= \d+",
                                     f"vim did not create its swap file in new/: {calls[-1500:]}")
                    if name == "edited":
                        self.assertRegex(calls, r'"4913".*O_CREAT.*= \d+',
                                         f"vim did not probe with 4913 in new/: {calls[-1500:]}")

    def test_rename_of_a_scratch_draft_onto_a_plain_name_sends_it(self):
        m = self.mount_outbox()
        text = "Written as a dotfile, then renamed\n"
        seq = self.fake.mark()
        self.save(m.path(NEW, ".draft"), text.encode(), "new/.draft")
        self.assertNoCreate(seq, "writing new/.draft")
        self.assertEqual(m.read(NEW, ".draft"), text.encode())
        rc, _, err = sh(["mv", m.path(NEW, ".draft"), m.path(NEW, "renamed")])
        self.assertEqual((rc, err), (0, ""), "mv new/.draft new/renamed")
        self.assertSentOnce(seq, text, "the rename onto a plain name")
        self.assertReceipt(m, f"{NEW}/renamed", text, "renamed")
        self.assertNotIn(".draft", self.listing(m))
        # Between two outboxes a rename is EXDEV (mv then copies), and
        # nothing moves or is sent.
        self.save(m.path(NEW, ".other"), b"stays put\n", "new/.other")
        seq = self.fake.mark()
        self.assertErrno(errno.EXDEV, os.rename, m.path(NEW, ".other"),
                         m.path(REPO_NEW, "moved"), what="rename new/.other into repos/.../new/")
        self.assertEqual(m.read(NEW, ".other"), b"stays put\n")
        self.assertFalse(os.path.lexists(m.path(REPO_NEW, "moved")))
        self.assertNoCreate(seq, "a refused rename")

    def test_repo_outbox_presets_repo_id(self):
        m = self.mount_outbox()
        text = "Fix the flaky payment test\n"
        seq = self.fake.mark()
        rc, _, err = sh(["bash", "-c", 'echo "$1" > "$2"', "bash", text.rstrip("\n"),
                         m.path(REPO_NEW, "flaky")])
        self.assertEqual(rc, 0, err)
        self.assertSentOnce(seq, text, f"{REPO_NEW}/flaky", repo_id=REPO)
        run_id = self.assertReceipt(m, f"{REPO_NEW}/flaky", text, "repo outbox",
                                    prefix="../../../runs/")
        self.assertEqual(self.fake.run_state(run_id)["repo_id"], REPO)
        self.assertNotIn("flaky", self.listing(m, NEW), "the org's new/ is another outbox")
        self.assertIn(str(run_id), self.listing(m, RUNS))


# --------------------------------------------------------------------------
# 2. Front matter

class OutboxFrontMatterTest(OutboxTest):

    def images(self):
        directory = self.tmpdir()
        png, jpg = os.path.join(directory, "shot.png"), os.path.join(directory, "photo.jpg")
        with open(png, "wb") as f:
            f.write(png_bytes())
        with open(jpg, "wb") as f:
            f.write(JPEG)
        return png, jpg

    def test_every_field_is_sent(self):
        m = self.mount_outbox()
        png, jpg = self.images()
        prompt = "Add retries to the payment client.\n\nSecond paragraph.\n"
        text = ("---\n"
                "repo: 456            # repo id or repo name\n"
                "model: claude-sonnet-4\n"
                "agent_type: claude_code\n"
                'metadata: {"ticket": "PAY-12", "n": [1, 2]}   # after the JSON\n'
                "# a comment line\n"
                "\n"
                f"image: {png}\n"
                f"image: {jpg}\n"
                "---\n" + prompt)
        seq = self.fake.mark()
        self.save(m.path(NEW, "full"), text.encode(), "new/full")
        images = [data_uri("png", png_bytes()), data_uri("jpeg", JPEG)]
        metadata = {"ticket": "PAY-12", "n": [1, 2]}
        self.assertSentOnce(seq, prompt, "front matter", repo_id=456, model="claude-sonnet-4",
                            agent_type="claude_code", metadata=metadata, images=images)
        run_id = self.assertReceipt(m, f"{NEW}/full", prompt, "front matter")
        state = self.fake.run_state(run_id)
        self.assertEqual((state["repo_id"], state["model"], state["agent_type"], state["images"]),
                         (456, "claude-sonnet-4", "claude_code", images), "the fake's run")
        self.assertEqual(without_marker(json.loads(m.read(NEW, "full", "metadata.json"))),
                         metadata)

    def test_repo_by_name(self):
        m = self.mount_outbox()
        prompt = "Bump the SDK\n"
        seq = self.fake.mark()
        self.save(m.path(NEW, "byname"), ("---\nrepo: payments\n---\n" + prompt).encode(),
                  "new/byname")
        self.assertSentOnce(seq, prompt, "repo: payments", repo_id=REPO)
        self.assertReceipt(m, f"{NEW}/byname", prompt, "repo by name")

    def test_front_matter_errors_are_einval_and_send_nothing(self):
        m = self.mount_outbox()
        cases = (
            ("badkey", "---\nmodle: claude-sonnet-4\n---\nhi\n", "modle"),
            ("badmeta", "---\nmetadata: [PAY-12]\n---\nhi\n", "metadata is not a mapping"),
            ("badimage", "---\nimage: /nonexistent-e2e/shot.png\n---\nhi\n",
             "/nonexistent-e2e/shot.png"),
            ("badrepo", "---\nrepo: no-such-repo\n---\nhi\n", "no-such-repo"),
        )
        for name, text, offending in cases:
            with self.subTest(case=name):
                seq = self.fake.mark()
                result = self.put(m.path(NEW, name), text.encode(), name)
                self.assertEqual(result["write"], len(text.encode()), f"{name}: the write")
                close = result["close"]
                self.assertIsNotNone(close, f"{name}: close succeeded; a bad front matter "
                                            f"must fail the commit with EINVAL")
                self.assertEqual(close.errno, errno.EINVAL,
                                 f"{name}: close failed with {errno_name(close.errno)}")
                self.assertNoCreate(seq, f"{name}")
                self.assertDraftKept(m, f"{NEW}/{name}", text.encode(), name,
                                     contains=(offending,))
                self.assertNoCreate(seq, f"{name} (after reading it back)")
        # Fixing the draft sends it once; the error goes away.
        seq = self.fake.mark()
        self.save(m.path(NEW, "badkey"), b"---\nmodel: claude-sonnet-4\n---\nhi\n",
                  "the fixed draft")
        self.assertSentOnce(seq, "hi\n", "the fixed draft", model="claude-sonnet-4")
        self.assertReceipt(m, f"{NEW}/badkey", "hi\n", "the fixed draft")
        self.assertNotIn("badkey" + ERROR_SUFFIX, self.listing(m))


# --------------------------------------------------------------------------
# 3. Failed sends: the committing syscall fails, the draft stays

class OutboxFailureTest(OutboxTest):
    """402, 422, 429 and a dropped connection, met by /bin/echo, tee, cp and
    Python: the command fails with the mapped errno, exactly one POST, the
    draft is kept with its .error, /errors names it; saving again sends it."""

    DEADLINE = 5

    def tools(self, m, prefix, text):
        """[(name, bytes it writes, run)]; run() -> (failed?, the errno if the
        tool can tell it (Python) else None, a description, stderr)."""
        src = self.source_file(text)

        def shell(argv):
            rc, out, err = sh(argv)
            return rc != 0, None, f"exit {rc}, stderr {err!r}", err

        def python(path):
            result = write_close(path, text.encode())
            if isinstance(result["write"], OSError):
                return True, "write", f"the write failed: {result['write']!r}", ""
            close = result["close"]
            return (close is not None, close.errno if close else None,
                    f"close {'raised ' + repr(close) if close else 'succeeded'}", "")

        def path(tool):
            return m.path(NEW, f"{prefix}-{tool}")

        return [
            (f"{prefix}-binecho", (text + "\n").encode(),
             lambda: shell(["sh", "-c", '/bin/echo "$1" > "$2"', "sh", text,
                            path("binecho")])),
            (f"{prefix}-tee", text.encode(),
             lambda: shell(["sh", "-c", 'tee "$1" < "$2" > /dev/null', "sh", path("tee"),
                            src])),
            (f"{prefix}-cp", text.encode(), lambda: shell(["cp", src, path("cp")])),
            (f"{prefix}-python", text.encode(), lambda: python(path("python"))),
        ]

    def check_failure(self, prefix, code, http, message, error_contains, clear):
        m = self.mount_outbox(deadline=self.DEADLINE)
        self.assertTrue(os.path.isdir(m.path(NEW)), f"{NEW} is not a directory")
        text = f"e2e {prefix}: this send is refused"
        for name, data, run in self.tools(m, prefix, text):
            with self.subTest(tool=name):
                before = self.error_lines(m)
                seq = self.fake.mark()
                started = time.monotonic()
                outcome = bounded(run, timeout=4 * self.DEADLINE + 10, what=name)
                self.assertIsNone(outcome.error, f"{name}: {outcome.describe()}")
                failed, got, detail, stderr = outcome.value
                self.assertTrue(failed, f"{name}: the command succeeded although the send "
                                        f"failed ({detail}); requests: "
                                        f"{describe_requests(self.fake.requests(seq))}")
                if got is not None:     # Python: the close carries the errno
                    self.assertEqual(got, code, f"{name}: expected {errno_name(code)}, "
                                                f"{detail}")
                if stderr:
                    self.assertIn(os.strerror(code), stderr, f"{name}: the error shown")
                self.assertLessEqual(time.monotonic() - started, self.DEADLINE + 3,
                                     f"{name} took longer than the deadline")
                self.assertDraftKept(m, f"{NEW}/{name}", data, name,
                                     contains=error_contains)
                self.assertErrorLogged(m, before, f"{NEW}/{name}", http, code, message, name)
                posts = self.creates(seq)
                self.assertEqual(len(posts), 1, f"{name}: a create is sent exactly once, "
                                                f"never retried; the fake got "
                                                f"{describe_requests(self.fake.requests(seq))}")
                self.assertEqual(json.loads(posts[0]["body"])["prompt"], data.decode(),
                                 f"{name}: the refused POST's prompt")
        clear()
        for name, data, _ in self.tools(m, prefix, text):
            with self.subTest(resave=name):
                seq = self.fake.mark()
                self.save(m.path(NEW, name), data, f"saving {name} again")
                self.assertSentOnce(seq, data.decode(), f"saving {name} again")
                self.assertReceipt(m, f"{NEW}/{name}", data.decode(), f"{name} saved again")
                self.assertNotIn(name + ERROR_SUFFIX, self.listing(m))

    def fault(self, kind, **params):
        self.addCleanup(self.fake.clear_faults)
        self.fake.fault(kind, path=CREATE_PATH, method="POST", count=None, **params)

    def test_402_quota_is_edquot(self):
        self.addCleanup(self.fake.config, run_quota=None)
        self.fake.config(run_quota=0)
        self.check_failure("quota", errno.EDQUOT, 402, MSG_QUOTA, ("402", MSG_QUOTA),
                           clear=lambda: self.fake.config(run_quota=None))

    def test_422_is_einval(self):
        self.fault("status", status=422)
        self.check_failure("invalid", errno.EINVAL, 422, MSG_422, ("422", MSG_422),
                           clear=self.fake.clear_faults)

    def test_429_is_eagain_and_not_retried(self):
        self.fault("429", retry_after=1)
        self.check_failure("limited", errno.EAGAIN, 429, MSG_RATE, ("429", MSG_RATE),
                           clear=self.fake.clear_faults)

    def test_dropped_connection_is_econnreset(self):
        self.fault("drop")
        self.check_failure("dropped", errno.ECONNRESET, "-", None, (),
                           clear=self.fake.clear_faults)

    def test_builtin_echo_cannot_fail_but_keeps_the_draft(self):
        """bash's builtin echo ignores close() errors (a known limit): its exit
        status says nothing, but the draft and its .error are there."""
        self.addCleanup(self.fake.config, run_quota=None)
        self.fake.config(run_quota=0)
        m = self.mount_outbox(deadline=self.DEADLINE)
        before = self.error_lines(m)
        seq = self.fake.mark()
        text = "e2e builtin echo over quota"
        rc, _, err = sh(["bash", "-c", 'echo "$1" > "$2"', "bash", text,
                         m.path(NEW, "builtin")])
        self.assertDraftKept(m, f"{NEW}/builtin", (text + "\n").encode(),
                             f"builtin echo (exit {rc}, stderr {err!r})",
                             contains=("402", MSG_QUOTA))
        self.assertErrorLogged(m, before, f"{NEW}/builtin", 402, errno.EDQUOT, MSG_QUOTA,
                               "builtin echo")
        self.assertEqual(len(self.creates(seq)), 1, "one POST for the builtin echo: "
                         f"{describe_requests(self.fake.requests(seq))}")


# --------------------------------------------------------------------------
# 4. Names never sent, empty drafts, read-only elsewhere (no run is created:
#    one mount for the class)

class OutboxScratchTest(OutboxTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.m = cls.class_mount(deadline=10)

    def setUp(self):
        super().setUp()
        self.assertAlive(self.m)

    def test_scratch_names_are_never_sent(self):
        m = self.m
        names = (".scr", ".scr.swp", "scr~", "#scr#", "scr.swp", "scr.swo", "scr.vsctmp",
                 "scr___jb_tmp___", "scr___jb_old___")
        seq = self.fake.mark()
        for name in names:
            with self.subTest(name=name):
                data = f"scratch text of {name}\n".encode()
                outcome = bounded(write_fsync_close, m.path(NEW, name), data, timeout=30,
                                  what=f"new/{name}")
                self.assertIsNone(outcome.error, f"open/write/fsync/close of new/{name} "
                                                 f"{outcome.describe()}")
                rc, _, err = sh(["sh", "-c", '/bin/echo more >> "$1"', "sh", m.path(NEW, name)])
                self.assertEqual((rc, err), (0, ""), f"appending to {name}")
        self.assertNoCreate(seq, "writing, fsyncing and closing scratch names")
        listed = self.listing(m)
        for name in names:
            self.assertIn(name, listed, f"the scratch draft {name} is not listed")
            self.assertNotIn(name + ERROR_SUFFIX, listed)
            self.assertEqual(m.read(NEW, name), f"scratch text of {name}\nmore\n".encode(),
                             f"new/{name}")
            self.assertTrue(stat.S_ISREG(os.lstat(m.path(NEW, name)).st_mode), name)
        self.assertNoCreate(seq, "reading scratch drafts back")

    def test_empty_and_blank_drafts_are_never_sent(self):
        m = self.m
        seq = self.fake.mark()
        rc, _, err = sh(["touch", m.path(NEW, "touched")])
        self.assertEqual((rc, err), (0, ""), "touch new/touched")
        blank = b"  \n\t\n\n   "
        self.save(m.path(NEW, "blank"), blank, "new/blank")
        rc, _, err = sh(["bash", "-c", 'echo > "$1"', "bash", m.path(NEW, "echoed-empty")])
        self.assertEqual((rc, err), (0, ""), "echo > new/echoed-empty")
        self.assertNoCreate(seq, "touch and blank drafts")
        rc, out, err = sh(["ls", "-ln", "--time-style=+T", m.path(NEW) + "/"])
        self.assertEqual(rc, 0, err)
        rows = {line.split()[-1]: line.split() for line in out.splitlines()
                if not line.startswith("total")}
        self.assertIn("touched", rows, f"ls -l new/: {out}")
        self.assertTrue(rows["touched"][0].startswith("-"), f"ls -l: {rows['touched']}")
        self.assertEqual(rows["touched"][4], "0", f"ls -l shows touched with size 0: {out}")
        self.assertEqual(rows["blank"][4], str(len(blank)), f"ls -l: {out}")
        self.assertEqual(m.read(NEW, "touched"), b"")
        self.assertEqual(m.read(NEW, "blank"), blank)
        for name in ("touched", "blank", "echoed-empty"):
            self.assertNotIn(name + ERROR_SUFFIX, rows, "an empty draft is no error")
        self.assertNoCreate(seq, "listing and reading empty drafts")

    def test_only_outbox_names_can_be_created(self):
        m = self.m
        seq = self.fake.mark()
        for rel in (f"{RUNS}/x", f"orgs/{ORG}/x", f"{RUNS}/789/x", f"orgs/{ORG}/repos/{REPO}/x",
                    f"orgs/{ORG}/users/1/x", "x", "me/x"):
            with self.subTest(path=rel):
                outcome = self.assertErrno((errno.EROFS, errno.EACCES), os.open, m.path(rel),
                                           os.O_WRONLY | os.O_CREAT, 0o644,
                                           what=f"create /{rel}")
                if isinstance(outcome.value, int):
                    os.close(outcome.value)
                self.assertFalse(os.path.lexists(m.path(rel)), f"/{rel} exists after a refusal")
        rc, _, err = sh(["touch", m.path(RUNS, "x")])
        self.assertNotEqual(rc, 0, "touch orgs/11/runs/x")
        self.assertTrue("Read-only file system" in err or "Permission denied" in err, err)
        outcome = self.assertErrno(errno.EINVAL, os.open, m.path(NEW, "plain.error"),
                                   os.O_WRONLY | os.O_CREAT, 0o644,
                                   what="create new/plain.error (the error files' suffix)")
        if isinstance(outcome.value, int):
            os.close(outcome.value)
        self.assertNoCreate(seq, "refused creates")


# --------------------------------------------------------------------------
# 5. rm, kill -9 and the spool

class OutboxSpoolTest(OutboxTest):

    def test_rm_drops_a_draft_and_a_receipt(self):
        m = self.mount_outbox()
        self.save(m.path(NEW, ".notes"), b"private notes\n", "new/.notes")
        seq = self.fake.mark()
        rc, _, err = sh(["rm", m.path(NEW, ".notes")])
        self.assertEqual((rc, err), (0, ""), "rm new/.notes")
        self.assertNoCreate(seq, "rm of a draft")
        self.assertNotIn(".notes", self.listing(m))
        self.assertFalse(os.path.lexists(m.path(NEW, ".notes")))
        text = "A run whose receipt is removed\n"
        self.save(m.path(NEW, "done"), text.encode(), "new/done")
        run_id = self.assertReceipt(m, f"{NEW}/done", text, "before rm")
        self.assertErrno((errno.EROFS, errno.EACCES), os.open, m.path(NEW, "done", "status"),
                         os.O_WRONLY, what="writing through the receipt into the run")
        seq = self.fake.mark()
        rc, _, err = sh(["rm", m.path(NEW, "done")])
        self.assertEqual((rc, err), (0, ""), "rm new/done (a receipt)")
        self.assertNotIn("done", self.listing(m))
        self.assertFalse(os.path.lexists(m.path(NEW, "done")))
        self.assertNoCreate(seq, "rm of a receipt")
        self.assertEqual(m.read(RUNS, run_id, "status"), b"ACTIVE\n", "the run is still there")
        self.assertEqual(self.fake.run_state(run_id)["run"]["id"], run_id)

    def spool_of(self, home):
        return os.path.join(home, ".local", "state", "codegen-fs")

    def assertPrivate(self, root):
        self.assertTrue(os.path.isdir(root), f"the spool {root} does not exist")
        for directory, _, files in os.walk(root):
            mode = os.stat(directory).st_mode & 0o777
            self.assertEqual(mode, 0o700, f"spool directory {directory} has mode {oct(mode)}")
            for name in files:
                mode = os.stat(os.path.join(directory, name)).st_mode & 0o777
                self.assertEqual(mode, 0o600, f"spool file {directory}/{name}: {oct(mode)}")

    def assertSpooled(self, root, data, what):
        files = spool_files(root)
        self.assertIn(data, files.values(), f"{what}: no spool file holds the draft's text; "
                                            f"spool: { {k: v[:60] for k, v in files.items()} }")

    def test_kill_9_loses_no_draft(self):
        home = self.tmpdir()            # shared by both mounts ($HOME/.local/state)
        spool = self.spool_of(home)
        first = self.mount_outbox(env={"HOME": home})
        kept = {".scratch": b"a scratch draft, closed\n",
                "blank": b"   \n\t\n",
                "open-one": "still open when the daemon dies → ✓\n".encode()}
        self.save(first.path(NEW, ".scratch"), kept[".scratch"], "new/.scratch")
        self.save(first.path(NEW, "blank"), kept["blank"], "new/blank")
        # Removed drafts must not come back.
        self.save(first.path(NEW, ".removed"), b"removed\n", "new/.removed")
        rc, _, err = sh(["touch", first.path(NEW, "removed-plain")])
        self.assertEqual(rc, 0, err)
        rc, _, err = sh(["rm", first.path(NEW, ".removed"), first.path(NEW, "removed-plain")])
        self.assertEqual((rc, err), (0, ""), "rm of two drafts")
        rc, _, err = sh(["touch", first.path(NEW, "open-one")])
        self.assertEqual(rc, 0, err)
        seq = self.fake.mark()
        fd = os.open(first.path(NEW, "open-one"), os.O_WRONLY)
        try:
            self.assertEqual(os.write(fd, kept["open-one"]), len(kept["open-one"]))
            for data in kept.values():
                self.assertSpooled(spool, data, "before kill -9")
            self.assertPrivate(spool)
            first.proc.send_signal(signal.SIGKILL)
            self.assertEqual(first.reap(10), -signal.SIGKILL, "codegen-fs after kill -9")
        finally:
            # The connection is gone: the close fails (ENOTCONN) at once.
            bounded(os.close, fd, timeout=10, what="close after kill -9")
        self.assertNoCreate(seq, "the writes before kill -9")
        self.assertIsNone(first.stop(), "cleaning up the dead mount")   # fusermount3 -uz
        self.assertPrivate(spool)

        second = self.mount_outbox(env={"HOME": home})
        seq = self.fake.mark()
        listed = self.listing(second)
        self.assertEqual(sorted(listed), sorted(kept), "new/ after kill -9 and a remount")
        for name, data in kept.items():
            self.assertEqual(os.lstat(second.path(NEW, name)).st_size, len(data), name)
        self.assertNoCreate(seq, "listing restored drafts")
        for name, data in kept.items():
            self.assertEqual(second.read(NEW, name), data, f"restored new/{name}")
        # Reading a restored draft (its last close) sends nothing; saving it
        # again sends it once, with exactly its text.
        self.assertNoCreate(seq, "reading the restored drafts")
        data = kept["open-one"]
        with open(second.path(NEW, "open-one"), "r+b") as f:
            f.write(data)
        self.assertSentOnce(seq, data.decode(), "saving a restored draft again")

    def test_spool_is_under_xdg_state_home_and_forgets_sent_drafts(self):
        state = self.tmpdir()
        spool = os.path.join(state, "codegen-fs")
        m = self.mount_outbox(env={"XDG_STATE_HOME": state})
        self.save(m.path(NEW, ".kept"), b"kept in the spool\n", "new/.kept")
        self.assertSpooled(spool, b"kept in the spool\n", "XDG_STATE_HOME")
        self.assertPrivate(spool)
        sent = b"sent, so no longer spooled\n"
        self.save(m.path(NEW, "sent"), sent, "new/sent")
        self.assertReceipt(m, f"{NEW}/sent", sent.decode(), "sent")
        self.assertNotIn(sent, spool_files(spool).values(), "a sent draft stays in the spool")
        self.assertFalse(os.path.exists(os.path.join(m.home, ".local", "state", "codegen-fs")),
                         "the spool went to $HOME although XDG_STATE_HOME is set")

    def test_a_second_mount_of_the_account_keeps_its_drafts_in_memory(self):
        """One spool, one mount: a second mount with the same spool says so
        and spools nothing, so two mounts never restore (and send) one draft."""
        state = self.tmpdir()
        spool = os.path.join(state, "codegen-fs")
        first = self.mount_outbox(env={"XDG_STATE_HOME": state})
        second = self.mount_outbox(env={"XDG_STATE_HOME": state})
        self.assertIn("drafts in new/ are kept in memory only", second.stderr_tail(),
                      "the second mount's warning")
        self.assertNotIn("kept in memory only", first.stderr_tail())
        self.save(second.path(NEW, ".second"), b"in memory only\n", "second new/.second")
        self.save(first.path(NEW, ".first"), b"spooled\n", "first new/.first")
        drafts = [v for k, v in spool_files(spool).items() if not k.endswith(".lock")]
        self.assertEqual(drafts, [b"spooled\n"], "only the first mount writes the spool")
        self.assertEqual(second.read(NEW, ".second"), b"in memory only\n")


# --------------------------------------------------------------------------
# 6. Many writers at once

class OutboxConcurrencyTest(OutboxTest):
    WRITERS = 20
    DEADLINE = 10

    def texts(self, tag):
        return {f"{tag}{i:02d}": f"e2e {tag} writer {i:02d}: " + "x" * (37 * i) + f" end {i}\n"
                for i in range(self.WRITERS)}

    def write_all(self, m, texts):
        names = sorted(texts)
        outcomes = parallel([(write_close, m.path(NEW, n), texts[n].encode()) for n in names],
                            timeout=3 * self.DEADLINE + 10)
        return dict(zip(names, outcomes))

    def test_twenty_writers_make_twenty_runs(self):
        m = self.mount_outbox(FAST_LIMITER)
        texts = self.texts("w")
        seq = self.fake.mark()
        outcomes = self.write_all(m, texts)
        for name, outcome in outcomes.items():
            self.assertIsNone(outcome.error, f"{name}: {outcome.describe()}")
            self.assertEqual(outcome.value, {"write": len(texts[name].encode()), "close": None},
                             f"{name}: open/write/close")
        posts = self.creates(seq)
        self.assertEqual(len(posts), self.WRITERS, f"POSTs for {self.WRITERS} writers: "
                                                   f"{describe_requests(self.fake.requests(seq))}")
        self.assertEqual(sorted(json.loads(p["body"])["prompt"] for p in posts),
                         sorted(texts.values()), "the prompts sent")
        runs = {}
        for name, text in texts.items():
            runs[name] = self.assertReceipt(m, f"{NEW}/{name}", text, name)
        self.assertEqual(len(set(runs.values())), self.WRITERS,
                         f"receipts share runs: {runs}")
        self.assertEqual(sorted(self.listing(m)), sorted(texts), "new/ after 20 sends")

    def test_rate_limit_refuses_writers_beyond_ten_cleanly(self):
        """The create class is 10 per 60 s.  With the mount's windows unscaled
        and the fake enforcing the same limit, 20 writers: 10 runs, the fake
        never answers 429, the other 10 closes fail with EAGAIN within the
        deadline and keep their drafts."""
        self.addCleanup(self.fake.config, rate_limits=False)
        self.fake.config(rate_limits=True)
        m = self.mount_outbox("--rate-time-scale=1", deadline=self.DEADLINE)
        self.assertTrue(os.path.isdir(m.path(NEW)), f"{NEW} is not a directory")
        texts = self.texts("r")
        seq = self.fake.mark()
        outcomes = self.write_all(m, texts)
        requests = self.fake.requests(seq)
        refused = [e for e in requests if e["status"] == 429]
        self.assertEqual(refused, [], f"the fake answered 429: {describe_requests(refused)}")
        posts = [e for e in requests if e["method"] == "POST" and e["path"] == CREATE_PATH]
        self.assertLessEqual(len(posts), 10, f"{len(posts)} creates reached the fake within "
                                             f"its 60 s window: {describe_requests(posts)}")
        sent, failed = [], []
        for name, outcome in outcomes.items():
            self.assertIsNone(outcome.error, f"{name}: {outcome.describe()}")
            result = outcome.value
            self.assertEqual(result["write"], len(texts[name].encode()), f"{name}: the write")
            self.assertLessEqual(outcome.seconds, self.DEADLINE + 1.5,
                                 f"{name}: open/write/close took {outcome.seconds:.1f} s")
            if result["close"] is None:
                sent.append(name)
            else:
                self.assertEqual(result["close"].errno, errno.EAGAIN,
                                 f"{name}: close failed with {result['close']!r}")
                failed.append(name)
        self.assertEqual(len(sent), len(posts), f"successful closes {sent} vs POSTs "
                                                f"{describe_requests(posts)}")
        self.assertEqual(len(sent), 10, f"a fresh mount may create 10 runs at once; "
                                        f"{len(sent)} closes succeeded")
        for name in sent:
            self.assertReceipt(m, f"{NEW}/{name}", texts[name], name)
        for name in failed:
            self.assertDraftKept(m, f"{NEW}/{name}", texts[name].encode(), name)
        self.assertEqual(len(self.creates(seq)), len(posts), "reading back sent nothing more")


if __name__ == "__main__":
    main()
