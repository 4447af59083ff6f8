#!/usr/bin/env python3
"""End-to-end tests of "never a duplicate run": a create whose outcome is
unknown is resolved, not sent again (docs/SEMANTICS.md "The outbox").

Every create carries a marker in its metadata; while its outcome is unknown
(the answer cut short, the connection dropped after the request, the daemon
killed mid-send) the draft stays "in flight" with the marker in the spool.
Saving it again, or the next mount, first looks for the marker among the
newest runs of the org: found, the draft becomes that run's receipt with no
POST; not found, it is sent once, with the same marker.  The tests assert the
fake's request log (the POSTs and their bodies), the receipts, the errno and
the spool's in-flight records.

    CGFS_BIN=build/fs/codegen-fs python3 tests/e2e/test_exactly_once.py [Class[.test]]

Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import bounded, describe_requests, errno_name  # noqa: E402
from mountcase import LIST_PATH, ORG, QUICK_FAKE, MountTest, main  # noqa: E402

NEW = f"orgs/{ORG}/new"
CREATE_PATH = f"/v1/organizations/{ORG}/agent/run"
MARKER_KEY = "codegen_fs_create"
MARKER_RE = re.compile(r"^cgfs-[0-9a-f]{32}$")
UNKNOWN_HINT = "a run may have been made; saving again checks before sending"


def write_close(path, data):
    """open O_TRUNC, write all, close -> None or the OSError of the close
    (the commit point); a failing open or write raises."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        raise
    try:
        os.close(fd)
    except OSError as exc:
        return exc
    return None


class ExactlyOnceTest(MountTest):
    FAKE_FLAGS = QUICK_FAKE

    def home(self):
        path = tempfile.mkdtemp(prefix="cgfs-e2e-once-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def spool(self, home):
        """<spool>/<host>-u<user>/<org> of the one account the tests mount."""
        root = os.path.join(home, ".local", "state", "codegen-fs")
        accounts = [d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))]
        self.assertEqual(len(accounts), 1, f"the spool {root} holds {accounts}")
        return os.path.join(root, accounts[0], str(ORG))

    def record(self, home, name):
        """The in-flight record of new/<name> (its text), or None."""
        try:
            with open(os.path.join(self.spool(home), "inflight-new", name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def posts(self, seq):
        return [e for e in self.fake.requests(seq)
                if e["method"] == "POST" and e["path"] == CREATE_PATH]

    def lists(self, seq):
        return [e for e in self.fake.requests(seq)
                if e["method"] == "GET" and e["path"] == LIST_PATH]

    def marker_of(self, post, prompt, what):
        body = json.loads(post["body"])
        self.assertEqual(body.get("prompt"), prompt, f"{what}: the POST's prompt")
        meta = body.get("metadata")
        self.assertIsInstance(meta, dict, f"{what}: the POST's metadata {meta!r}")
        self.assertEqual(set(meta), {MARKER_KEY}, f"{what}: the POST's metadata {meta!r}")
        self.assertRegex(meta[MARKER_KEY], MARKER_RE, f"{what}: the marker")
        return meta[MARKER_KEY]

    def runs_with(self, marker):
        """The fake's runs of the org whose metadata holds marker."""
        return [r["id"] for r in self.fake.runs(ORG)
                if isinstance(r.get("metadata"), dict)
                and r["metadata"].get(MARKER_KEY) == marker]

    def fault(self, kind, **params):
        self.addCleanup(self.fake.clear_faults)
        self.fake.fault(kind, path=CREATE_PATH, method="POST", count=1, **params)

    def assertReceiptOf(self, m, name, run_id, prompt, what):
        path = m.path(NEW, name)
        outcome = bounded(os.lstat, path, timeout=30, what=f"lstat new/{name}")
        self.assertIsNone(outcome.error, f"{what}: lstat {outcome.describe()}")
        self.assertTrue(stat.S_ISLNK(outcome.value.st_mode),
                        f"{what}: new/{name} is not a receipt (mode "
                        f"{oct(outcome.value.st_mode)}); listing {os.listdir(m.path(NEW))}")
        self.assertEqual(os.readlink(path), f"../runs/{run_id}", f"{what}: the receipt")
        self.assertEqual(self.fake.run_state(run_id)["prompt"], prompt, f"{what}: the run")
        self.assertFalse(os.path.lexists(path + ".error"), f"{what}: new/{name}.error")
        self.assertEqual(m.read(NEW, name, "status"), b"ACTIVE\n", f"{what}: status")

    def assertDraftInFlight(self, m, home, name, data, marker, what):
        st = os.lstat(m.path(NEW, name))
        self.assertTrue(stat.S_ISREG(st.st_mode), f"{what}: new/{name} is not a draft")
        self.assertEqual(m.read(NEW, name), data, f"{what}: the draft's text")
        error = m.read(NEW, name + ".error").decode()
        self.assertIn(UNKNOWN_HINT, error, f"{what}: new/{name}.error")
        self.assertTrue(error.endswith(")\n"), f"{what}: new/{name}.error {error!r}")
        self.assertEqual(self.record(home, name), (marker + "\n").encode(),
                         f"{what}: the spool's in-flight record")

    # ---- (a) the answer lost after the run was made: saving again, no POST

    def check_lost_answer(self, name, kind, code, **params):
        home = self.home()
        m = self.mount(deadline=5, env={"HOME": home})
        prompt = f"e2e exactly once: {name}\n"
        data = prompt.encode()
        self.fault(kind, **params)
        seq = self.fake.mark()
        err = bounded(write_close, m.path(NEW, name), data, timeout=30, what="first save")
        self.assertIsNone(err.error, err.describe())
        self.assertIsInstance(err.value, OSError, f"{name}: the first save succeeded")
        self.assertEqual(err.value.errno, code, f"{name}: the close's errno "
                                                f"{errno_name(err.value.errno)}")
        posts = self.posts(seq)
        self.assertEqual(len(posts), 1, describe_requests(self.fake.requests(seq)))
        self.assertEqual(posts[0]["fault"], kind)
        marker = self.marker_of(posts[0], prompt, f"{name}: first POST")
        made = self.runs_with(marker)
        self.assertEqual(len(made), 1, f"{name}: the fault let the create make one run")
        self.assertDraftInFlight(m, home, name, data, marker, f"{name} after the lost answer")

        seq = self.fake.mark()
        err = bounded(write_close, m.path(NEW, name), data, timeout=30, what="second save")
        self.assertIsNone(err.error, err.describe())
        self.assertIsNone(err.value, f"{name}: saving again failed: {err.value!r}")
        self.assertEqual(self.posts(seq), [], f"{name}: saving again sent a second POST: "
                                              f"{describe_requests(self.fake.requests(seq))}")
        self.assertGreaterEqual(len(self.lists(seq)), 1, f"{name}: no look at the runs")
        self.assertEqual(self.runs_with(marker), made, f"{name}: runs with the marker")
        self.assertReceiptOf(m, name, made[0], prompt, f"{name} saved again")
        self.assertIsNone(self.record(home, name), f"{name}: the record after the receipt")
        self.assertFalse(os.path.exists(os.path.join(self.spool(home), "new", name)),
                         f"{name}: the draft's spool file after the receipt")

    def test_cut_short_answer_then_save_again_makes_no_second_run(self):
        self.check_lost_answer("cut", "truncate", errno.EIO)

    def test_dropped_after_the_request_then_save_again_makes_no_second_run(self):
        self.check_lost_answer("dropped", "drop", errno.ECONNRESET, process=True)

    def test_dropped_before_anything_was_made_sends_once_more_with_the_marker(self):
        home = self.home()
        m = self.mount(deadline=5, env={"HOME": home})
        prompt = "e2e exactly once: nothing was made\n"
        data = prompt.encode()
        self.fault("drop")
        seq = self.fake.mark()
        self.assertEqual(getattr(write_close(m.path(NEW, "none"), data), "errno", None),
                         errno.ECONNRESET)
        marker = self.marker_of(self.posts(seq)[0], prompt, "first POST")
        self.assertEqual(self.runs_with(marker), [])
        self.assertDraftInFlight(m, home, "none", data, marker, "after the drop")
        seq = self.fake.mark()
        self.assertIsNone(write_close(m.path(NEW, "none"), data))
        posts = self.posts(seq)
        self.assertEqual(len(posts), 1, describe_requests(self.fake.requests(seq)))
        self.assertEqual(self.marker_of(posts[0], prompt, "second POST"), marker,
                         "the second attempt carries the same marker")
        lists = self.lists(seq)
        self.assertGreaterEqual(len(lists), 1, "no look at the runs before sending again")
        self.assertLess(lists[0]["seq"], posts[0]["seq"], "the look comes before the POST")
        made = self.runs_with(marker)
        self.assertEqual(len(made), 1)
        self.assertReceiptOf(m, "none", made[0], prompt, "sent again")
        self.assertIsNone(self.record(home, "none"))

    # ---- (b) kill -9 while the POST is in flight, then a remount

    def check_kill_in_flight(self, name, process):
        home = self.home()
        first = self.mount(deadline=30, env={"HOME": home})
        prompt = f"e2e exactly once: killed while sending {name}\n"
        data = prompt.encode()
        self.fault("stall", process=process)
        seq = self.fake.mark()
        result = {}
        writer = threading.Thread(target=lambda: result.update(
            err=write_close(first.path(NEW, name), data)), daemon=True)
        writer.start()
        deadline = time.monotonic() + 20
        while not self.posts(seq) and time.monotonic() < deadline:
            time.sleep(0.05)
        posts = self.posts(seq)
        self.assertEqual(len(posts), 1, "the POST did not reach the fake")
        marker = self.marker_of(posts[0], prompt, "the stalled POST")
        # The record is on disk before the POST leaves.
        self.assertEqual(self.record(home, name), (marker + "\n").encode(),
                         "the in-flight record while the POST is under way")
        first.proc.send_signal(signal.SIGKILL)
        self.assertEqual(first.reap(10), -signal.SIGKILL, "codegen-fs after kill -9")
        writer.join(10)
        self.assertFalse(writer.is_alive(), "the close did not return after kill -9")
        self.assertIsNone(first.stop(), "cleaning up the dead mount")
        made = self.runs_with(marker)
        self.assertEqual(len(made), 1 if process else 0, "runs the killed attempt made")

        seq = self.fake.mark()
        second = self.mount(deadline=10, env={"HOME": home})
        posts = self.posts(seq)
        if process:
            self.assertEqual(posts, [], "the remount sent a second POST: "
                                        f"{describe_requests(self.fake.requests(seq))}")
        else:
            self.assertEqual(len(posts), 1, describe_requests(self.fake.requests(seq)))
            self.assertEqual(self.marker_of(posts[0], prompt, "the remount's POST"), marker)
            made = self.runs_with(marker)
            self.assertEqual(len(made), 1)
        self.assertGreaterEqual(len(self.lists(seq)), 1, "the remount did not look")
        self.assertEqual(sorted(os.listdir(second.path(NEW))), [name], "new/ after remount")
        self.assertReceiptOf(second, name, made[0], prompt, "after the remount")
        self.assertIsNone(self.record(home, name), "the record after the remount")
        self.assertEqual(self.runs_with(marker), made, "runs with the marker")

    def test_kill_9_after_the_run_was_made_remount_gives_the_receipt(self):
        self.check_kill_in_flight("made", process=True)

    def test_kill_9_before_the_run_was_made_remount_sends_it_once(self):
        self.check_kill_in_flight("unmade", process=False)

    # ---- (c) a definite failure: saving again sends once, a new attempt

    def test_402_is_definite_saving_again_sends_once(self):
        home = self.home()
        self.addCleanup(self.fake.config, run_quota=None)
        self.fake.config(run_quota=0)
        m = self.mount(deadline=5, env={"HOME": home})
        prompt = "e2e exactly once: over quota\n"
        data = prompt.encode()
        seq = self.fake.mark()
        self.assertEqual(getattr(write_close(m.path(NEW, "quota"), data), "errno", None),
                         errno.EDQUOT)
        posts = self.posts(seq)
        self.assertEqual(len(posts), 1)
        self.assertEqual(posts[0]["status"], 402)
        first = self.marker_of(posts[0], prompt, "the refused POST")
        error = m.read(NEW, "quota.error").decode()
        self.assertTrue(error.startswith("HTTP 402: "), error)
        self.assertNotIn(UNKNOWN_HINT, error)
        self.assertIsNone(self.record(home, "quota"), "a definite answer ends the flight")
        self.fake.config(run_quota=None)
        seq = self.fake.mark()
        self.assertIsNone(write_close(m.path(NEW, "quota"), data))
        posts = self.posts(seq)
        self.assertEqual(len(posts), 1, describe_requests(self.fake.requests(seq)))
        self.assertEqual(self.lists(seq), [], "a definite failure needs no look at the runs")
        second = self.marker_of(posts[0], prompt, "the second POST")
        self.assertNotEqual(second, first, "a new attempt has a new marker")
        made = self.runs_with(second)
        self.assertEqual(len(made), 1)
        self.assertReceiptOf(m, "quota", made[0], prompt, "saved again")

    def test_user_metadata_is_kept_and_the_marker_key_is_reserved(self):
        m = self.mount(deadline=5, env={"HOME": self.home()})
        seq = self.fake.mark()
        text = b'---\nmetadata: {"codegen_fs_create": "mine"}\n---\nhi\n'
        err = write_close(m.path(NEW, "reserved"), text)
        self.assertEqual(getattr(err, "errno", None), errno.EINVAL)
        self.assertEqual(self.posts(seq), [], "a reserved key is refused before sending")
        self.assertEqual(m.read(NEW, "reserved.error").decode(),
                         "front matter: metadata key 'codegen_fs_create' is reserved for "
                         "the mark of codegen-fs\n")
        seq = self.fake.mark()
        self.assertIsNone(write_close(m.path(NEW, "kept"),
                                      b'---\nmetadata: {"ticket": "PAY-1"}\n---\nhi\n'))
        body = json.loads(self.posts(seq)[0]["body"])
        self.assertEqual(set(body["metadata"]), {"ticket", MARKER_KEY})
        self.assertEqual(body["metadata"]["ticket"], "PAY-1")
        self.assertRegex(body["metadata"][MARKER_KEY], MARKER_RE)


if __name__ == "__main__":
    main()
