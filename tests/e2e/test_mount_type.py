#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Options, mount -t, fstab, the mount point":
codegen-fs mounted by mount(8) as type fuse.codegen-fs (mount.fuse3 runs
`codegen-fs SOURCE MOUNTPOINT -o OPTIONS`), from the command line and from an
fstab line (mount -T FILE MOUNTPOINT), with the program's options given as
mount options; and a mount with no HOME, whose home comes from the password
database.

mount(8) runs its helpers with a clean environment (no PATH: /bin/sh's
default path), so the test runs in a private mount namespace (unshare -m)
where the build's codegen-fs is bind-mounted into /usr/local/sbin, and a copy
of /etc/passwd that gives this user a temporary home over /etc/passwd, so
nothing outside the namespace is touched.  Needs root (mount -t, unshare);
exits 77 (meson's skip) without it or without FUSE.

    python3 tests/e2e/test_mount_type.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.
"""

import os
import pwd
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    CGFS_BIN, Mount, describe_requests, mounted, reexec_in_private_namespace,
    release_inherited_fuse_mounts, sh)
from mountcase import (  # noqa: E402
    FAST_LIMITER, LIST_PATH, MountTest, main)

IN_NAMESPACE = "CGFS_E2E_PRIVATE_NS"
HELPER_DIR = "/usr/local/sbin"      # first in /bin/sh's default PATH


def proc_mounts_entry(path):
    """(source, type) of the mount at path per /proc/self/mounts, or None."""
    real = os.path.realpath(path)
    with open("/proc/self/mounts", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 2 and fields[1].replace("\\040", " ") == real:
                return fields[0], fields[2]
    return None


class NoHomeMount(Mount):
    """A mount whose environment has no HOME and no XDG directories, as a
    mount made at boot (a system unit, fstab) has."""

    def environ(self):
        env = super().environ()
        for name in ("HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
            env.pop(name, None)
        return env


class MountTypeTest(MountTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.work = tempfile.mkdtemp(prefix="cgfs-e2e-mount-type-")
        cls.addClassCleanup(shutil.rmtree, cls.work, True)
        bin_dir = os.path.join(cls.work, "bin")
        os.mkdir(bin_dir)
        os.symlink(CGFS_BIN, os.path.join(bin_dir, "codegen-fs"))
        cls.bind(bin_dir, HELPER_DIR)
        # This uid's home in /etc/passwd, where codegen-fs looks without HOME:
        # a copy of /etc/passwd with that home changed, over /etc/passwd.
        cls.home = os.path.join(cls.work, "home")
        os.mkdir(cls.home, 0o700)
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
        cls.pw_home = pwd.getpwuid(os.getuid()).pw_dir
        if cls.pw_home != cls.home:
            raise AssertionError(f"the bound /etc/passwd gives home {cls.pw_home}")
        cls.token_file = os.path.join(cls.work, "token")
        with open(cls.token_file, "w") as f:
            f.write(cls.fake.token + "\n")
        os.chmod(cls.token_file, 0o600)

    @classmethod
    def bind(cls, source, target):
        rc, _, err = sh(["mount", "--bind", source, target], timeout=10)
        if rc != 0:
            raise AssertionError(f"mount --bind {source} {target}: {err}")
        cls.addClassCleanup(sh, ["umount", "-l", target], 10)

    def mountpoint(self):
        mnt = tempfile.mkdtemp(prefix="mnt-", dir=self.work)
        self.addCleanup(self.unmount_if_mounted, mnt)
        return mnt

    def unmount_if_mounted(self, mnt):
        if mounted(mnt):
            sh(["umount", "-l", mnt], timeout=10)

    def environment(self, base_url=True):
        """mount(8)'s environment; base_url=False: none of the user's, as at boot."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODEGEN_")}
        env.update(PATH="/usr/bin:/bin:/usr/sbin:/sbin")
        if base_url:
            env.update(CODEGEN_API_BASE_URL=self.fake.url)
        return env

    def assertMountedAndRead(self, mnt, source, window):
        entry = proc_mounts_entry(mnt)
        self.assertEqual(entry, (source, "fuse.codegen-fs"),
                         f"/proc/mounts has {entry} for {mnt}")
        with open(os.path.join(mnt, "me", "github_username"), "rb") as f:
            self.assertEqual(f.read(), b"alice-dev\n")
        runs = os.listdir(os.path.join(mnt, "orgs", "11", "runs"))
        newest = [str(r["id"]) for r in self.fake.get(LIST_PATH, limit=window)["items"]]
        self.assertEqual(sorted(runs), sorted(newest),
                         f"runs/ should list the newest {window} (list_window={window})")
        run = newest[0]
        with open(os.path.join(mnt, "orgs", "11", "runs", run, "id"), "rb") as f:
            self.assertEqual(f.read(), f"{run}\n".encode())

    def assertUnmounts(self, mnt):
        rc, _, err = sh(["umount", mnt], timeout=15)
        self.assertEqual(rc, 0, f"umount {mnt}: {err}")
        self.assertFalse(mounted(mnt), f"{mnt} still mounted after umount")

    def test_mount_t_fuse_codegen_fs_with_mount_options(self):
        mnt = self.mountpoint()
        seq = self.fake.mark()
        rc, out, err = sh(["mount", "-t", "fuse.codegen-fs", "codegen", mnt, "-o",
                           f"token_file={self.token_file},list_window=5,deadline=10,"
                           "rate_time_scale=0.01"], timeout=30, env=self.environment())
        self.assertEqual(rc, 0, f"mount -t fuse.codegen-fs: {out} {err}")
        self.assertMountedAndRead(mnt, "codegen", 5)
        lists = [e for e in self.fake.requests(seq) if e["path"] == LIST_PATH]
        self.assertTrue(lists and all("limit=5" in (e.get("query") or "") for e in lists),
                        f"list_window=5 should ask for 5 runs: {describe_requests(lists)}")
        self.assertUnmounts(mnt)

    def test_fstab_line(self):
        mnt = self.mountpoint()
        fstab = os.path.join(self.work, "fstab")
        with open(fstab, "w") as f:
            f.write("# an fstab of the test\n"
                    f"codegen-fstab  {mnt}  fuse.codegen-fs  noauto,_netdev,nofail,"
                    f"token_file={self.token_file},list_window=7,run_ttl=2,"
                    f"base_url={self.fake.url},rate_time_scale=0.01  0  0\n")
        # The base URL from the line alone, as at boot.
        rc, out, err = sh(["mount", "-T", fstab, mnt], timeout=30,
                          env=self.environment(base_url=False))
        self.assertEqual(rc, 0, f"mount -T {fstab} {mnt}: {out} {err}")
        self.assertMountedAndRead(mnt, "codegen-fstab", 7)
        self.assertUnmounts(mnt)

    def test_mount_options_are_checked_before_any_request(self):
        mnt = self.mountpoint()
        seq = self.fake.mark()
        rc, out, err = sh(["mount", "-t", "fuse.codegen-fs", "codegen", mnt, "-o",
                           f"token_file={self.token_file},list_window=0"], timeout=30,
                          env=self.environment())
        self.assertNotEqual(rc, 0, "mount with list_window=0 succeeded")
        self.assertIn("codegen-fs: -o list_window must be a number from 1 to 10000 "
                      "(got '0')", err)
        self.assertFalse(mounted(mnt))
        self.assertNoRequests(seq, "a mount refused for its options")

    def test_no_home_uses_the_password_database(self):
        """No HOME: the token (~/.codegen/auth.json), the disk cache and the
        spool are found under the home of the user in /etc/passwd."""
        os.makedirs(os.path.join(self.home, ".codegen"), 0o700, exist_ok=True)
        auth = os.path.join(self.home, ".codegen", "auth.json")
        with open(auth, "w") as f:
            f.write('{"token": "%s"}\n' % self.fake.token)
        os.chmod(auth, 0o600)
        self.addCleanup(shutil.rmtree, os.path.join(self.home, ".codegen"), True)
        for sub in (".cache", ".local"):
            self.addCleanup(shutil.rmtree, os.path.join(self.home, sub), True)
        mount = NoHomeMount(self.fake, FAST_LIMITER, token_in_env=False)
        self.addCleanup(self._stop_mount, mount)
        mount.start()
        self.assertEqual(mount.read("me/github_username"), b"alice-dev\n")
        label = f"127.0.0.1_{self.fake.port}-u1"
        for sub in (".cache/codegen-fs", ".local/state/codegen-fs"):
            path = os.path.join(self.pw_home, sub, label)
            self.assertTrue(os.path.isdir(path), f"{path} was not made "
                                                 f"(stderr {mount.stderr_tail()!r})")
        err = mount.stderr_tail()
        self.assertNotIn("kept in memory only", err)
        self.assertNotIn("not keeping finished runs on disk", err)


if __name__ == "__main__":
    if os.environ.get(IN_NAMESPACE) != "1":
        status, why = reexec_in_private_namespace(__file__, IN_NAMESPACE)
        if status is None:
            print(f"SKIP: {why}")
            sys.exit(77)
        sys.exit(status)
    release_inherited_fuse_mounts()
    main()
