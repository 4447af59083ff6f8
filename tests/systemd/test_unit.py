#!/usr/bin/env python3
"""The systemd user unit (systemd/codegen-fs.service.in, docs/SEMANTICS.md
"Service and logs"): `systemd-analyze --user verify` accepts it with not one
warning, and the unit meson installs is that unit with only the binary's
directory in ExecStart= changed.

systemd-analyze wants the ExecStart= binary to exist, so it checks the copy
made for this build (codegen-fs.service.build, ExecStart= in the build
tree); a corrupted copy must be refused, so the check cannot pass by
checking nothing.  Exits 77 (meson's skip) where systemd-analyze is missing.

Environment: CGFS_UNIT (the unit as installed), CGFS_UNIT_BUILD (the copy
for this build), CGFS_BIN (the binary of this build).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ANALYZE = shutil.which("systemd-analyze")
UNIT = os.environ.get("CGFS_UNIT", "build/systemd/codegen-fs.service")
UNIT_BUILD = os.environ.get("CGFS_UNIT_BUILD", "build/systemd/codegen-fs.service.build")
BIN = os.environ.get("CGFS_BIN", "build/fs/codegen-fs")


def verify(text):
    """systemd-analyze --user verify of a unit with this text; -> (rc, output)."""
    with tempfile.TemporaryDirectory(prefix="cgfs-unit-") as tmp:
        runtime = os.path.join(tmp, "runtime")
        os.mkdir(runtime, 0o700)
        path = os.path.join(tmp, "codegen-fs.service")
        with open(path, "w") as f:
            f.write(text)
        # A user manager's view without a user session: its runtime dir.
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime, SYSTEMD_LOG_COLOR="0")
        proc = subprocess.run([ANALYZE, "--user", "--man=no", "verify", path],
                              capture_output=True, text=True, timeout=60, env=env)
        return proc.returncode, (proc.stdout + proc.stderr).replace(path, "<unit>")


def read(path):
    with open(path) as f:
        return f.read()


class UnitTest(unittest.TestCase):

    def test_systemd_analyze_verify_accepts_the_unit(self):
        rc, out = verify(read(UNIT_BUILD))
        self.assertEqual((rc, out), (0, ""), "systemd-analyze verify of the unit")

    def test_a_broken_unit_is_refused(self):
        """The check is live: a wrong Type= and an unknown key are reported."""
        text = read(UNIT_BUILD).replace("Type=notify", "Type=notifyy")
        text = text.replace("Restart=on-failure", "Restart=on-failure\nRestartz=1")
        rc, out = verify(text)
        self.assertIn("Failed to parse service type, ignoring: notifyy", out)
        self.assertIn("Unknown key 'Restartz'", out)

    def test_the_installed_unit_differs_only_in_the_binary(self):
        installed, build = read(UNIT), read(UNIT_BUILD)
        bindir = os.path.dirname(os.path.abspath(BIN))
        got = re.findall(r"^ExecStart=(\S+)/codegen-fs ", installed, re.M)
        self.assertEqual(len(got), 1, f"one ExecStart= running codegen-fs: {got!r}")
        self.assertTrue(os.path.isabs(got[0]), f"ExecStart= is absolute: {got[0]!r}")
        self.assertEqual(installed.replace(f"ExecStart={got[0]}/", f"ExecStart={bindir}/"),
                         build)

    def test_the_unit_mounts_home_codegen_in_the_foreground_with_readiness(self):
        lines = set(read(UNIT).splitlines())
        for line in ("Type=notify", "Restart=on-failure", "WantedBy=default.target",
                     "ExecStartPre=mkdir -p %h/codegen",
                     "ExecStopPost=-fusermount3 -uzq %h/codegen"):
            self.assertIn(line, lines)
        self.assertRegex(read(UNIT), r"(?m)^ExecStart=\S+/codegen-fs -f \$CODEGEN_FS_OPTIONS "
                                     r"%h/codegen$")


if __name__ == "__main__":
    if ANALYZE is None:
        print("SKIP: systemd-analyze is not installed")
        sys.exit(77)
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
