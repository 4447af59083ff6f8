#!/usr/bin/env python3
"""The man page and --help state the same options with the same defaults.

Every option line of `codegen-fs --help` (made from the option table,
fs/options.c) must have an entry in docs/codegen-fs.1.scd spelled the same,
whose "(default X)" is the same X (or which states none when --help states
none), and every option the man page's OPTIONS and FUSE OPTIONS sections
spell as --name=VALUE or -o name[=VALUE] must be one --help lists, so that
the two cannot drift apart.

    python3 tests/man/test_man_options.py

Environment: CGFS_BIN (default build/fs/codegen-fs), CGFS_MAN_SCD (default
docs/codegen-fs.1.scd).
"""

import os
import re
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CGFS_BIN = os.environ.get("CGFS_BIN") or os.path.join(ROOT, "build", "fs", "codegen-fs")
MAN_SCD = os.environ.get("CGFS_MAN_SCD") or os.path.join(ROOT, "docs", "codegen-fs.1.scd")

# "    --list-window=N    text (default 500)", "    -o max_threads=N   text (default 64)",
# "    -o allow_other     text", and the bare "    -o list_window=N" of the -o listing.
HELP_OPTION = re.compile(r"^    (--[a-z][a-z-]*(?:=[A-Z]+)?|-o [a-z][a-z_]*(?:=[A-Z]+)?)(?:\s{2,}(.*))?$")
DEFAULT = re.compile(r"\(default ([^()]*)\)")
MAN_SPELLING = re.compile(r"\*([^*]+)\*(?:=_([A-Za-z]+)_)?")


def help_options():
    """{spelling: default or None} of codegen-fs --help."""
    out = subprocess.run([CGFS_BIN, "--help"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError(f"codegen-fs --help exited {out.returncode}: {out.stderr}")
    options = {}
    for line in out.stdout.splitlines():
        match = HELP_OPTION.match(line)
        if not match:
            continue
        spelling, text = match.group(1), match.group(2)
        if text is None:            # the -o listing: the default is on the -- line
            options.setdefault(spelling, "listed")
            continue
        found = DEFAULT.search(text)
        options[spelling] = found.group(1) if found else None
    return options, out.stdout


def man_entries():
    """{spelling: default or None} of the OPTIONS and FUSE OPTIONS sections:
    an entry is a line starting with '*' followed by tab-indented lines."""
    with open(MAN_SCD, encoding="utf-8") as f:
        lines = f.read().split("\n")
    entries, section, i = {}, None, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("# "):
            section = line[2:].strip()
        if section in ("OPTIONS", "FUSE OPTIONS") and line.startswith("*"):
            body = []
            i += 1
            while i < len(lines) and lines[i].startswith("\t"):
                body.append(lines[i].strip())
                i += 1
            found = DEFAULT.search(" ".join(body))
            for name, metavar in MAN_SPELLING.findall(line):
                spelling = name + (f"={metavar}" if metavar else "")
                entries[spelling] = found.group(1) if found else None
            continue
        i += 1
    return entries


class ManPageOptionsTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.help, cls.help_text = help_options()
        cls.man = man_entries()
        # The -o listing names the -- options' mount spellings: pair them.
        cls.mount_of = {}
        for spelling in cls.help:
            if spelling.startswith("--"):
                name, eq, metavar = spelling[2:].partition("=")
                cls.mount_of[spelling] = f"-o {name.replace('-', '_')}{eq}{metavar}"

    def test_help_lists_options(self):
        self.assertGreaterEqual(len([s for s in self.help if s.startswith("--")]), 12,
                                f"--help lists too few options:\n{self.help_text}")

    def test_every_help_option_is_in_the_man_page_with_its_default(self):
        for spelling, default in self.help.items():
            if default == "listed":
                continue
            with self.subTest(option=spelling):
                self.assertIn(spelling, self.man, f"{spelling} is not in {MAN_SCD}")
                self.assertEqual(self.man[spelling], default,
                                 f"{spelling}: the man page says default "
                                 f"{self.man[spelling]!r}, --help says {default!r}")

    def test_every_option_has_its_mount_option_spelling(self):
        for spelling, mount in self.mount_of.items():
            with self.subTest(option=spelling):
                self.assertIn(mount, self.help, f"--help does not list {mount}")
                self.assertIn(mount, self.man, f"the man page does not spell {mount}")
                self.assertEqual(self.man[mount], self.help[spelling],
                                 f"{mount}: default differs from {spelling}'s")

    def test_every_man_page_option_is_in_help(self):
        for spelling in self.man:
            if not re.fullmatch(r"--[a-z-]+=[A-Z]+|-o [a-z_]+(=[A-Z]+)?", spelling):
                continue            # -f, -h, --help, "-o ro", "-o fsname=NAME"
            if spelling in ("-o ro", "-o fsname=NAME"):
                continue
            with self.subTest(option=spelling):
                self.assertIn(spelling, self.help,
                              f"the man page has {spelling}, --help does not")

    def test_max_threads_states_the_default_used(self):
        self.assertEqual(self.help.get("-o max_threads=N"), "64")
        self.assertNotIn("default: 10)", self.help_text)


if __name__ == "__main__":
    program = unittest.main(verbosity=2, exit=False)
    sys.exit(0 if program.result.wasSuccessful() else 1)
