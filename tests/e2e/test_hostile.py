#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "A hostile server": the mount against
the fake's `answer` fault (docs/FAKE-API.md), which serves odd JSON where the
API would answer well: `null` bodies, lists with nulls, bad ids, hostile
names, huge totals, pages ignoring `limit`, control bytes in text.

    python3 tests/e2e/test_hostile.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import TOKEN, query_of, read_bytes, sh  # noqa: E402
from mountcase import ORG, RUNS, MountTest, main  # noqa: E402

ROOT_ENTRIES = {"README", "errors", "stats", "me", "mcp-providers", "orgs"}
ORGS_PATH = "/v1/organizations"
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
LEFT_OUT = "of the answer left out: no usable id, not an object, an id again, or past 10000"


class HostileTest(MountTest):

    def answer(self, path, body, **spec):
        """Every request under path (until the faults are cleared) gets body."""
        self.fake.fault("answer", path=path, body=body, count=None, **spec)

    def errors(self, m):
        """The /errors lines without their time."""
        lines = m.read("errors").decode().splitlines()
        for line in lines:
            self.assertRegex(line, "^" + TIME + " ", "an /errors line starts with its time")
        return [line.split(" ", 1)[1] for line in lines]

    def m_read_twice(self, m, rel):
        m.read(rel)
        m.read(rel)

    def gets(self, since, path):
        return [query_of(r) for r in self.fake.requests(since)
                if r["method"] == "GET" and r["path"] == path]

    # -- 6: a listing shows what it can --------------------------------------------

    def test_root_lists_with_null_providers_and_the_file_reports_eio(self):
        self.answer("/v1/mcp-providers", None)
        m = self.mount()
        since = self.fake.mark()
        self.assertEqual(set(os.listdir(m.mnt)), ROOT_ENTRIES, "entries of / (ls)")
        rc, out, err = sh(["ls", "-l", m.mnt])
        self.assertEqual((rc, err), (0, ""), "ls -l /")
        row = [line for line in out.splitlines() if line.endswith(" mcp-providers")]
        self.assertEqual(len(row), 1, out)
        self.assertEqual(row[0].split()[4], "0", "the failed entry's size: " + row[0])
        self.assertErrno(errno.EIO, read_bytes, m.path("mcp-providers"),
                         what="cat /mcp-providers (null answer)")
        self.assertGreaterEqual(len(self.gets(since, "/v1/mcp-providers")), 1)
        self.assertIn("200 EIO", "\n".join(self.errors(m)))

    def test_null_provider_is_left_out_and_named(self):
        good = {"id": 1, "name": "linear", "issuer": "https://linear.app"}
        self.answer("/v1/mcp-providers", [None, good, {"id": 8.5, "name": "bad"}])
        m = self.mount()
        self.assertEqual(set(os.listdir(m.mnt)), ROOT_ENTRIES, "entries of /")
        self.assertFile(m, "mcp-providers", b"linear\thttps://linear.app\n")
        # The listing of / fetched the list (for the file's size): named once.
        self.m_read_twice(m, "mcp-providers")
        self.assertEqual(self.errors(m), [f"readdir / 200 EIO 2 items {LEFT_OUT}"])

    def test_oauth_status_of_any_json(self):
        path = "/v1/oauth/tokens/status"
        for body, content in ((None, b""), ({}, b""), ([None, "github", None], b"github\n"),
                              ("github", b""), ({"connected": [{"provider": None}]}, b"")):
            with self.subTest(body=body):
                self.fake.clear_faults()
                self.answer(path, body)
                m = self.mount()
                names = set(os.listdir(m.path(f"orgs/{ORG}")))
                self.assertIn("oauth", names, f"entries of /orgs/{ORG}")
                self.assertFile(m, f"orgs/{ORG}/oauth", content)
                m.stop()

    def test_bad_ids_are_left_out_of_orgs(self):
        self.answer(ORGS_PATH, {"items": [
            {"id": 11, "name": "acme"}, {"id": None, "name": "n"}, {"id": 8.5, "name": "f"},
            {"id": True, "name": "t"}, {"id": "x", "name": "s"}, None, {"id": "12", "name": "q"},
            {"id": 11, "name": "again"}], "total": 8})
        m = self.mount()
        since = self.fake.mark()
        self.assertEqual(set(os.listdir(m.path("orgs"))), {"11", "12", "acme", "q"})
        self.assertEqual(os.readlink(m.path("orgs/acme")), "11")
        self.assertEqual(os.readlink(m.path("orgs/q")), "12")
        self.assertEqual(self.gets(since, ORGS_PATH), [{"skip": "0", "limit": "100"}])
        self.assertEqual(self.errors(m), [f"readdir /orgs 200 EIO 6 items {LEFT_OUT}"])

    def test_bad_ids_are_left_out_of_runs(self):
        run = {"id": 789, "organization_id": ORG, "status": "COMPLETE", "summary": "ok"}
        self.answer(f"/v1/organizations/{ORG}/agent/runs", {
            "items": [run, {"id": None}, {"id": "x"}, 5, dict(run)], "total": 10 ** 15,
            "page": 1, "size": 100, "pages": 10 ** 13})
        m = self.mount()
        self.prime_org(m)
        since = self.fake.mark()
        self.assertEqual(os.listdir(m.path(RUNS)), ["789"])
        self.assertFile(m, f"{RUNS}/789/status", b"COMPLETE\n")
        self.assertEqual(len(self.gets(since, f"/v1/organizations/{ORG}/agent/runs")), 1)
        self.assertEqual(self.errors(m), [f"readdir /{RUNS} 200 EIO 3 items {LEFT_OUT}"])

    def test_pages_ignoring_limit_and_a_huge_total(self):
        items = [{"id": i} for i in range(1, 151)]
        self.answer(ORGS_PATH, {"items": items, "total": 10 ** 15})
        m = self.mount()
        since = self.fake.mark()
        self.assertEqual(sorted(os.listdir(m.path("orgs")), key=int),
                         [str(i) for i in range(1, 151)])
        # Each page is cut to its limit and an id again is left out; the huge
        # total is believed up to a whole list's 1,000 items: 10 pages, the 9
        # after the first at once (test_deadlines.py), whatever they bring.
        gets = self.gets(since, ORGS_PATH)
        self.assertEqual(sorted(int(q["skip"]) for q in gets), list(range(0, 1000, 100)))
        self.assertEqual({q["limit"] for q in gets}, {"100"})
        # Left out: 50 of the first page, 100 of the second, 150 of each other.
        self.assertEqual(self.errors(m), [f"readdir /orgs 200 EIO 1350 items {LEFT_OUT}"])

    # -- 7: names from the server are safe entries ---------------------------------

    def test_hostile_org_names(self):
        long_name = "n" * 300
        self.answer(ORGS_PATH, {"items": [
            {"id": 11, "name": "acme"}, {"id": 12, "name": "a/b"}, {"id": 13, "name": ".."},
            {"id": 14, "name": "x\ny"}, {"id": 15, "name": "\x1b[31mred"},
            {"id": 16, "name": long_name}, {"id": 17, "name": "acme"}, {"id": 18, "name": ""},
            {"id": 19, "name": "42"}, {"id": 20, "name": "beta"}, {"id": 21, "name": "n" * 255}],
            "total": 11})
        m = self.mount()
        ids = {str(i) for i in range(11, 22)}
        self.assertEqual(set(os.listdir(m.path("orgs"))), ids | {"acme", "beta", "n" * 255})
        rc, out, err = sh(["ls", "-l", m.path("orgs")])
        self.assertEqual((rc, err), (0, ""), "ls -l /orgs")
        # Duplicates: the first org in server order has the name.
        self.assertEqual(os.readlink(m.path("orgs/acme")), "11")
        self.assertEqual(os.readlink(m.path("orgs", "n" * 255)), "21")
        for name in ("x\ny", "\x1b[31mred", "42x"):
            self.assertErrno(errno.ENOENT, os.lstat, m.path("orgs", name), what=repr(name))
        self.assertErrno(errno.ENAMETOOLONG, os.lstat, m.path("orgs", long_name),
                         what="a 300-byte name")
        self.assertEqual(self.errors(m), [
            f"readdir /orgs 200 EIO org {i}: its name is not a file name: left out of the names"
            if i != 17 else
            "readdir /orgs 200 EIO org 17: its name is org 11's: left out of the names"
            for i in (12, 13, 14, 15, 16, 17, 18, 19)])
        # 8: a name file is a single value: control bytes escaped, its newline kept.
        self.assertFile(m, "orgs/15/name", b"\\x1b[31mred\n")
        self.assertFile(m, "orgs/14/name", b"x\ny\n")

    # -- 8: text from the server cannot drive the terminal -------------------------

    def test_single_values_escape_control_bytes(self):
        self.answer(f"/v1/organizations/{ORG}/agent/run/789", {
            "id": 789, "organization_id": ORG, "status": "COMPLETE\x1b]0;pwned\x07",
            "summary": "line one\nline two\x1b[2J\r", "result": "a\tb\\c",
            "web_url": "https://x/\x7f"})
        m = self.mount()
        self.assertFile(m, f"{RUNS}/789/status", b"COMPLETE\\x1b]0;pwned\\x07\n")
        self.assertFile(m, f"{RUNS}/789/summary", b"line one\nline two\\x1b[2J\\r\n")
        self.assertFile(m, f"{RUNS}/789/result", b"a\tb\\c\n")
        self.assertFile(m, f"{RUNS}/789/web_url", b"https://x/\\x7f\n")

    def test_one_value_per_line_files_cannot_forge_lines(self):
        self.answer("/v1/oauth/tokens/status", ["github\nforged", "\x1b[1mslack"])
        self.answer(f"/v1/organizations/{ORG}/integrations", {"integrations": [
            {"integration_type": "github active\nslack", "active": True}]})
        self.answer("/v1/mcp-providers", [
            {"id": 1, "name": "li\tnear", "issuer": "https://i\nforged\tline"}])
        m = self.mount()
        self.assertFile(m, f"orgs/{ORG}/oauth", b"github\\nforged\n\\x1b[1mslack\n")
        self.assertFile(m, f"orgs/{ORG}/integrations", b"github active\\nslack active\n")
        self.assertFile(m, "mcp-providers", b"li\\tnear\thttps://i\\nforged\\tline\n")
        self.assertEqual(self.errors(m), [])

    def test_a_reflected_token_is_not_shown(self):
        self.answer(f"/v1/organizations/{ORG}/agent/run/789",
                    {"message": "bad token {token}"}, status=400)
        m = self.mount()
        self.assertErrno(errno.EINVAL, read_bytes, m.path(f"{RUNS}/789/status"),
                         what="a run answered 400")
        errors = "\n".join(self.errors(m))
        self.assertNotIn(TOKEN, errors)
        self.assertTrue(re.search(r" 400 EINVAL ", errors), errors)


if __name__ == "__main__":
    main()
