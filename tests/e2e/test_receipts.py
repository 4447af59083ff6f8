#!/usr/bin/env python3
"""End-to-end tests of receipts that last (docs/SEMANTICS.md, "Receipts").

A draft sent from new/ becomes the link new/<name> -> ../runs/<id>; these
tests check that the link survives an unmount and a remount (kept in the
state directory beside the spool, files 0600), that showing it costs no
request, that `rm` removes it for good, and the bound --keep-receipts:
the newest N stay, live and after a remount.

    CGFS_BIN=build/fs/codegen-fs python3 tests/e2e/test_receipts.py [Class[.test]]

Each test mounts several times over one state directory (XDG_STATE_HOME):
one mount at a time holds it, so each mount is stopped before the next.
Exits 77 (meson's skip) when FUSE is unavailable.
"""

import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import CGFS_BIN, bounded, describe_requests, sh  # noqa: E402
from mountcase import ORG, MountTest, main  # noqa: E402
from test_security import OTHER, OTHER_SCRIPT  # noqa: E402  (runs nothing on import)

NEW = f"orgs/{ORG}/new"
REPO = 456
REPO_NEW = f"orgs/{ORG}/repos/{REPO}/new"
CREATE_PATH = f"/v1/organizations/{ORG}/agent/run"


class ReceiptsBase(MountTest):
    """Helpers: a state dir shared by the mounts of one test, sends, listings."""

    def state_dir(self):
        path = tempfile.mkdtemp(prefix="cgfs-e2e-receipts-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def mount_on(self, state, *opts):
        return self.mount(*opts, deadline=10, env={"XDG_STATE_HOME": state})

    def unmount(self, m):
        self.assertIsNone(m.stop(), "a clean unmount")

    def send(self, m, rel, text):
        """printf | tee rel, which must succeed; -> the link's target."""
        rc, _, err = sh(["sh", "-c", 'printf "%s\\n" "$1" | tee "$2" >/dev/null', "sh",
                         text, m.path(rel)])
        self.assertEqual((rc, err), (0, ""), f"tee {rel}")
        self.assertTrue(stat.S_ISLNK(os.lstat(m.path(rel)).st_mode), f"{rel} is not a link")
        return os.readlink(m.path(rel))

    def listing(self, m, rel=NEW):
        outcome = bounded(os.listdir, m.path(rel), timeout=30, what=f"listdir {rel}")
        self.assertIsNone(outcome.error, f"listdir {rel} {outcome.describe()}")
        return sorted(outcome.value)

    def receipt_file(self, state, outbox, name):
        """The receipt's file in the state dir (exactly one account)."""
        found = glob.glob(os.path.join(state, "codegen-fs", "*", str(ORG),
                                       f"receipts-{outbox}", name))
        self.assertEqual(len(found), 1, f"receipt files of {outbox}/{name}: {found}")
        return found[0]

    def receipt_names(self, state, outbox="new"):
        return sorted(os.path.basename(p) for p in glob.glob(
            os.path.join(state, "codegen-fs", "*", str(ORG), f"receipts-{outbox}", "*")))

    def posts(self, since):
        return [e for e in self.fake.requests(since) if e["method"] != "GET"]


class ReceiptsTest(ReceiptsBase):

    def test_a_receipt_lasts_across_a_remount_and_costs_no_request(self):
        state = self.state_dir()
        first = self.mount_on(state)
        self.assertEqual(self.send(first, f"{NEW}/x", "Add retries"), "../runs/10001")
        self.assertEqual(self.send(first, f"{REPO_NEW}/y", "Bump the lockfile"),
                         "../../../runs/10002")
        sent_at = int(os.lstat(first.path(NEW, "x")).st_mtime)
        self.unmount(first)

        # On disk: one line "<run> <time sent>", private as the spool is.
        path = self.receipt_file(state, "new", "x")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), f"10001 {sent_at}\n".encode())
        self.receipt_file(state, f"repo-{REPO}", "y")
        for directory, _, files in os.walk(os.path.join(state, "codegen-fs")):
            self.assertEqual(os.stat(directory).st_mode & 0o777, 0o700, directory)
            for name in files:
                mode = os.lstat(os.path.join(directory, name)).st_mode & 0o777
                self.assertEqual(mode, 0o600, f"{directory}/{name}")

        seq = self.fake.mark()
        second = self.mount_on(state)
        self.prime_org(second)
        self.assertTrue(os.path.isdir(second.path(REPO_NEW)))     # the repo list, once
        shown = self.fake.mark()
        self.assertEqual(os.readlink(second.path(NEW, "x")), "../runs/10001")
        self.assertEqual(os.readlink(second.path(REPO_NEW, "y")), "../../../runs/10002")
        self.assertEqual(self.listing(second), ["x"])
        rc, out, err = sh(["ls", "-l", second.path(NEW)])
        self.assertEqual((rc, err), (0, ""), "ls -l new/")
        lines = out.splitlines()
        self.assertEqual(len(lines), 2, f"ls -l new/: {out!r}")
        self.assertTrue(lines[1].startswith("l") and lines[1].endswith(" x -> ../runs/10001"),
                        f"ls -l new/: {out!r}")
        self.assertEqual(int(os.lstat(second.path(NEW, "x")).st_mtime), sent_at,
                         "the link's mtime is the time it was sent, across the remount")
        requests = self.fake.requests(shown)
        self.assertEqual(requests, [], "showing receipts costs no request; the fake got "
                                       f"{describe_requests(requests)}")
        # The link leads to the run; nothing was sent again.
        self.assertEqual(second.read(NEW, "x", "status"), b"ACTIVE\n")
        self.assertEqual(second.read(NEW, "x", "id"), b"10001\n")
        self.assertEqual(self.posts(seq), [], "the remount sent something")
        # The in-mount README says so, from the route table.
        readme = second.read("README").decode()
        self.assertIn("  /orgs/<org>/new\n      write a prompt into any name here to create "
                      "a run; the name becomes a link to it, kept across remounts (rm drops "
                      "it; --keep-receipts)\n", readme)
        # Still a sent name: saving onto it is refused as before the remount.
        outcome = bounded(os.open, second.path(NEW, "x"), os.O_WRONLY | os.O_TRUNC,
                          timeout=10, what="open new/x for writing")
        self.assertIsInstance(outcome.error, IsADirectoryError, outcome.describe())

    def test_rm_removes_a_receipt_for_good(self):
        state = self.state_dir()
        first = self.mount_on(state)
        self.send(first, f"{NEW}/keep", "kept")
        self.send(first, f"{NEW}/drop", "dropped")
        self.send(first, f"{NEW}/live", "removed before the unmount")
        rc, _, err = sh(["rm", first.path(NEW, "live")])
        self.assertEqual((rc, err), (0, ""), "rm new/live")
        self.unmount(first)
        self.assertEqual(self.receipt_names(state), ["drop", "keep"])

        second = self.mount_on(state)
        self.assertEqual(self.listing(second), ["drop", "keep"])
        seq = self.fake.mark()
        rc, _, err = sh(["rm", second.path(NEW, "drop")])
        self.assertEqual((rc, err), (0, ""), "rm new/drop after the remount")
        self.assertFalse(os.path.lexists(second.path(NEW, "drop")))
        self.assertEqual(self.posts(seq), [], "rm of a receipt sends nothing")
        self.assertEqual(self.fake.run_state(10002)["run"]["id"], 10002, "the run stays")
        self.unmount(second)
        self.assertEqual(self.receipt_names(state), ["keep"])

        third = self.mount_on(state)
        self.assertEqual(self.listing(third), ["keep"])
        self.assertFalse(os.path.lexists(third.path(NEW, "drop")))
        self.assertEqual(os.readlink(third.path(NEW, "keep")), "../runs/10001")

    def test_the_bound_keeps_the_newest_live_and_after_a_remount(self):
        state = self.state_dir()
        first = self.mount_on(state, "--keep-receipts=2")
        for i, name in enumerate(("a", "b"), 1):
            self.assertEqual(self.send(first, f"{NEW}/{name}", f"prompt {name}"),
                             f"../runs/1000{i}")
        self.assertEqual(self.listing(first), ["a", "b"])
        os.lstat(first.path(NEW, "a"))          # the kernel holds the name now
        self.assertEqual(self.send(first, f"{NEW}/c", "prompt c"), "../runs/10003")
        # Live: the oldest fell away at once (the kernel forgot it too).
        self.assertEqual(self.listing(first), ["b", "c"])
        self.assertFalse(os.path.lexists(first.path(NEW, "a")), "new/a after the third send")
        self.assertEqual(self.receipt_names(state), ["b", "c"])
        # Drafts do not count, and the repo's outbox has a bound of its own.
        self.send(first, f"{REPO_NEW}/r", "in the repo outbox")
        with open(first.path(NEW, "notes.draft"), "w") as f:
            f.write("held\n")
        self.assertEqual(self.listing(first), ["b", "c", "notes.draft"])
        self.unmount(first)

        second = self.mount_on(state, "--keep-receipts=2")
        self.assertEqual(self.listing(second), ["b", "c", "notes.draft"])
        self.assertEqual(os.readlink(second.path(NEW, "b")), "../runs/10002")
        self.assertEqual(os.readlink(second.path(NEW, "c")), "../runs/10003")
        self.assertEqual(self.listing(second, REPO_NEW), ["r"])
        self.unmount(second)

        # A smaller bound at the next mount: the older receipts go, on disk too.
        third = self.mount_on(state, "-o", "keep_receipts=1")
        self.assertEqual(self.listing(third), ["c", "notes.draft"])
        self.assertEqual(self.receipt_names(state), ["c"])
        self.assertEqual(self.listing(third, REPO_NEW), ["r"])

    def test_a_bound_out_of_range_is_a_usage_error(self):
        mnt = self.state_dir()
        for value in ("0", "10001", "2.5", "x"):
            seq = self.fake.mark()
            proc = subprocess.run([CGFS_BIN, "-f", f"--keep-receipts={value}", mnt],
                                  capture_output=True, text=True, timeout=30,
                                  env={**os.environ, "CODEGEN_API_TOKEN": self.fake.token,
                                       "CODEGEN_API_BASE_URL": self.fake.url})
            self.assertEqual(proc.returncode, 2, f"--keep-receipts={value}: {proc.stderr!r}")
            self.assertIn("codegen-fs: --keep-receipts must be a whole number from 1 to "
                          f"10000 (got '{value}')", proc.stderr)
            self.assertEqual(self.fake.requests(seq), [], "a usage error asks nothing")


class ReceiptsOfOthersTest(ReceiptsBase):
    """-o allow_other: a receipt restored after a remount is the owner's only,
    as every name of an outbox is (docs/SEMANTICS.md, "Other users")."""

    def as_other(self, m, steps):
        argv = ["setpriv", f"--reuid={OTHER}", f"--regid={OTHER}", "--clear-groups",
                sys.executable, "-c", OTHER_SCRIPT, m.mnt,
                json.dumps([list(s) + [""] * (4 - len(s)) for s in steps])]
        proc = subprocess.run(argv, capture_output=True, timeout=60, cwd="/")
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        return json.loads(proc.stdout)

    def test_a_restored_receipt_is_the_owners_only(self):
        if os.geteuid() != 0:
            self.fail("needs root: to mount with allow_other and act as uid 65534")
        state = self.state_dir()
        first = self.mount_on(state, "-o", "allow_other")
        self.send(first, f"{NEW}/x", "the owner's prompt")
        self.unmount(first)
        second = self.mount_on(state, "-o", "allow_other")
        os.chmod(second.dir, 0o755)     # the other user reaches the mount point
        self.assertEqual(os.readlink(second.path(NEW, "x")), "../runs/10001")
        time.sleep(1.2)     # past the kernel's entry and attribute cache
        seq = self.fake.mark()
        refused = self.as_other(second, [
            ("readlink", "readlink", f"{NEW}/x"),
            ("stat", "stat", f"{NEW}/x"),
            ("ls new", "list", NEW),
            ("rm", "unlink", f"{NEW}/x"),
            ("mv", "rename", f"{NEW}/x", f"{NEW}/y"),
        ])
        self.assertEqual(refused, {name: "EACCES" for name in refused}, refused)
        self.assertEqual(self.fake.requests(seq), [], "what another user was refused")
        self.assertEqual(self.listing(second), ["x"])
        self.assertEqual(os.readlink(second.path(NEW, "x")), "../runs/10001")
        self.assertEqual(self.receipt_names(state), ["x"])


if __name__ == "__main__":
    main()
