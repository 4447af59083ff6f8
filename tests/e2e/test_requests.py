#!/usr/bin/env python3
"""End-to-end tests of docs/SEMANTICS.md "Requests and freshness": what each
step costs in requests (list pages, TTLs, missing ids, single flight, parallel
misses, kept-alive connections), many concurrent readers under the fake's rate
limits, and the persistent cache of finished runs.  Live logs: test_logs.py.

    python3 tests/e2e/test_requests.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py.  Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    FINISHED, JSON_FILE, bounded, describe_requests, json_file_problem, logs_file, query_of,
    read_bytes, run_files, sh, time_file, value_file)
from mountcase import (  # noqa: E402
    LIST_PATH, ORG, RUNS, RUN_PATH, MountTest, first_difference, gets_of_run,
    logs_requests_of, main, parallel)


# --------------------------------------------------------------------------
# Request economy, freshness, single flight

class RequestEconomyTest(MountTest):
    """What each step costs, read from the fake's request log; one mount per test."""

    def expect_only(self, since, allowed, what):
        """The requests since seq are exactly allowed ([(method, path)], any order)."""
        requests = self.fake.requests(since)
        got = sorted((e["method"], e["path"]) for e in requests)
        self.assertEqual(got, sorted(allowed), f"{what}: requests were "
                                               f"{describe_requests(requests)}")
        return requests

    def one_time_org_requests(self, requests):
        """Requests other than run lists: at most one GET /v1/organizations (the
        org's membership), nothing else."""
        others = [e for e in requests if e["path"] != LIST_PATH]
        self.assertTrue(all((e["method"], e["path"]) == ("GET", "/v1/organizations")
                            for e in others) and len(others) <= 1,
                        f"besides the list pages only one GET /v1/organizations may be sent; "
                        f"got {describe_requests(others)}")

    def test_ls_l_runs_fetches_the_window_in_five_pages_then_nothing(self):
        m = self.mount("--list-window=500", "--run-ttl=60", "--list-ttl=60")
        newest = self.fake.runs()[:500]
        expected_ids = [str(r["id"]) for r in newest]
        seq = self.fake.mark()
        rc, out, err = sh(["ls", "-l", m.path(RUNS) + "/"], timeout=60)
        self.assertEqual((rc, err), (0, ""), "ls -l runs/")
        requests = self.fake.requests(seq)
        pages = [e for e in requests if e["path"] == LIST_PATH]
        self.assertEqual(sorted((int(query_of(e).get("skip", 0)), query_of(e).get("limit"),
                                 e["method"]) for e in pages),
                         [(skip, "100", "GET") for skip in range(0, 500, 100)],
                         f"ls -l runs/ must fetch pages skip=0..400 limit=100 once each; "
                         f"requests: {describe_requests(requests)}")
        for entry in pages:
            self.assertEqual(set(query_of(entry)) - {"skip", "limit"}, set(),
                             f"list page filters: {entry['query']}")
        self.one_time_org_requests(requests)
        lines = [line for line in out.splitlines() if not line.startswith("total")]
        self.assertEqual(len(lines), 500, f"ls -l lists {len(lines)} entries, expected 500")
        self.assertTrue(all(line.startswith("dr-xr-xr-x") for line in lines),
                        f"every entry is a 0555 directory: {lines[:3]}")
        self.assertEqual(sorted(line.split()[-1] for line in lines), sorted(expected_ids),
                         "ls -l runs/: the newest 500 ids")

        seq = self.fake.mark()
        names = os.listdir(m.path(RUNS))
        self.assertEqual(names, expected_ids, "runs/ lists the newest 500 runs, newest first")
        by_id = {str(r["id"]): r for r in newest}

        def read_listed():
            wrong = []
            for name in names:
                for field in ("status", "summary", "result", "created_at"):
                    content = read_bytes(m.path(RUNS, name, field))
                    raw = by_id[name].get(field)
                    want = time_file(raw) if field == "created_at" else value_file(raw)
                    if content != want:
                        wrong.append(f"{name}/{field}: {content!r} != {want!r}")
            return wrong

        outcome = bounded(read_listed, timeout=60, what="reading 4 files of 500 runs")
        self.assertIsNone(outcome.error, f"reading listed runs {outcome.describe()}")
        self.assertEqual(outcome.value, [], "content of listed runs' files")
        self.assertNoRequests(seq, "reading status/summary/result/created_at of 500 listed runs")

        seq = self.fake.mark()
        rc, out2, err = sh(["ls", "-l", m.path(RUNS) + "/"], timeout=60)
        self.assertEqual(rc, 0, f"second ls -l: {err}")
        self.assertEqual(len(out2.splitlines()), len(out.splitlines()), "second ls -l")
        self.assertNoRequests(seq, "a second ls -l within --list-ttl")

        outside = next(r for r in reversed(self.fake.runs()) if r["status"] in FINISHED)
        self.assertNotIn(str(outside["id"]), names)
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, outside["id"], "status"), value_file(outside["status"]))
        self.expect_only(seq, [("GET", f"{RUN_PATH}{outside['id']}")],
                         f"cat runs/{outside['id']}/status (outside the window)")
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, outside["id"], "status"), value_file(outside["status"]))
        self.assertEqual(m.read(RUNS, outside["id"], "summary"), value_file(outside["summary"]))
        self.assertNoRequests(seq, f"reading the finished run {outside['id']} again")

    def test_unlisted_run_costs_one_get_without_listing(self):
        m = self.mount()
        self.prime_org(m)
        seq = self.fake.mark()
        run = self.fake.run(150)
        self.assertFile(m, f"{RUNS}/150/status", value_file(run["status"]))
        self.assertFile(m, f"{RUNS}/150/run.json", (JSON_FILE, run))
        self.expect_only(seq, [("GET", f"{RUN_PATH}150")], "reading runs/150 (never listed)")

    def test_finished_runs_are_not_refetched_after_run_ttl(self):
        ids = [789] + list(range(1280, 1287))   # COMPLETE, and every other finished status
        m = self.mount("--run-ttl=1")
        self.prime_org(m)
        runs = {i: self.fake.run(i) for i in ids}
        self.assertEqual({r["status"] for r in runs.values()}, FINISHED, "the sample statuses")
        seq = self.fake.mark()
        for run_id in ids:
            self.assertEqual(m.read(RUNS, run_id, "status"), value_file(runs[run_id]["status"]))
        self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in ids],
                         "first read of 8 finished runs")
        time.sleep(1.6)
        seq = self.fake.mark()
        for run_id in ids:
            self.assertEqual(m.read(RUNS, run_id, "status"), value_file(runs[run_id]["status"]))
            self.assertFile(m, f"{RUNS}/{run_id}/run.json", (JSON_FILE, runs[run_id]))
        self.assertNoRequests(seq, "reading finished runs after --run-ttl=1 expired")

    def test_unfinished_runs_are_refetched_after_run_ttl(self):
        # RUNNING, PAUSED, an unknown status, and a live run.
        ids = (1291, 1293, 1294, 1295)
        self.addCleanup(self.fake.config, run_seconds=120.0)
        m = self.mount("--run-ttl=1")
        self.prime_org(m)
        seq = self.fake.mark()
        for run_id in ids:
            self.assertEqual(m.read(RUNS, run_id, "status"),
                             value_file(self.fake.run(run_id)["status"]))
        self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in ids], "first read")
        seq = self.fake.mark()
        for run_id in ids:
            m.read(RUNS, run_id, "status")
        self.assertNoRequests(seq, "reading again within --run-ttl")
        time.sleep(1.6)
        seq = self.fake.mark()
        for run_id in ids:
            m.read(RUNS, run_id, "status")
        self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in ids],
                         "reading unfinished runs after --run-ttl (one GET each)")
        # The live run finishes: the next refresh shows it, then it is never fetched again.
        self.fake.config(run_seconds=0)
        self.assertEqual(self.fake.run_state(1295)["run"]["status"], "COMPLETE")
        time.sleep(1.6)
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, 1295, "status"), b"COMPLETE\n",
                         "the live run's new status after --run-ttl")
        self.expect_only(seq, [("GET", f"{RUN_PATH}1295")], "refresh of the finished live run")
        time.sleep(1.6)
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, 1295, "status"), b"COMPLETE\n")
        self.assertNoRequests(seq, "reading the now finished run after --run-ttl")

    def test_missing_run_is_enoent_and_remembered_for_missing_ttl(self):
        m = self.mount("--missing-ttl=3")
        self.prime_org(m)
        path = m.path(RUNS, 999999)
        seq = self.fake.mark()
        started = time.monotonic()
        self.assertErrno(errno.ENOENT, os.stat, path, what="stat runs/999999")
        self.expect_only(seq, [("GET", f"{RUN_PATH}999999")], "first lookup of runs/999999")
        time.sleep(1.5)     # past the kernel's entry timeout, within --missing-ttl
        seq = self.fake.mark()
        self.assertErrno(errno.ENOENT, os.stat, path, what="stat runs/999999 again")
        rc, _, err = sh(["cat", os.path.join(path, "status")])
        self.assertEqual(rc, 1, "cat runs/999999/status")
        self.assertIn("No such file or directory", err)
        self.assertNoRequests(seq, "a second lookup of runs/999999 within --missing-ttl")
        time.sleep(max(0.0, started + 3.6 - time.monotonic()))
        seq = self.fake.mark()
        self.assertErrno(errno.ENOENT, os.stat, path, what="stat runs/999999 after missing-ttl")
        self.expect_only(seq, [("GET", f"{RUN_PATH}999999")], "lookup after --missing-ttl")

    def test_concurrent_misses_make_one_request(self):
        m = self.mount()
        self.prime_org(m)
        expected = value_file(self.fake.run(160)["status"])
        seq = self.fake.mark()
        outcomes = parallel([(read_bytes, m.path(RUNS, 160, "status"))] * 8, timeout=30)
        for outcome in outcomes:
            self.assertIsNone(outcome.error, f"a reader {outcome.describe()}")
            self.assertEqual(outcome.value, expected, "status read by one of 8 readers")
        self.expect_only(seq, [("GET", f"{RUN_PATH}160")],
                         "8 concurrent reads of one unlisted run")
        # The kernel already merges concurrent lookups of one name; logs and
        # logs.jsonl of one run are different files sharing one fetch, so this
        # part needs the mount's own single flight.
        self.assertTrue(os.path.isdir(m.path(RUNS, 1000)))
        logs = self.fake.logs(1000)
        seq = self.fake.mark()
        outcomes = parallel([(read_bytes, m.path(RUNS, 1000, name))
                             for name in ("logs", "logs.jsonl") * 4], timeout=30)
        for outcome in outcomes:
            self.assertIsNone(outcome.error, f"a reader {outcome.describe()}")
        self.assertEqual({o.value for o in outcomes[0::2]}, {logs_file(logs)}, "logs")
        requests = self.fake.requests(seq)
        pages = sorted(int(query_of(e).get("skip", 0)) for e in logs_requests_of(requests, 1000))
        self.assertEqual(pages, [0, 100, 200, 300, 400],
                         f"8 concurrent readers of logs/logs.jsonl of run 1000 (500 entries): "
                         f"{describe_requests(requests)}")

    def test_sequential_requests_reuse_a_kept_alive_connection(self):
        m = self.mount()
        self.prime_org(m)
        seq = self.fake.mark()
        for run_id in range(180, 185):
            m.read(RUNS, run_id, "status")
        requests = self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in range(180, 185)],
                                    "5 sequential misses")
        ports = {e["client_port"] for e in requests}
        # One idle connection is reused; a pool may hold the start-up one too.
        self.assertLessEqual(len(ports), 2, f"5 sequential requests used {len(ports)} "
                                            f"connections (ports {sorted(ports)}): no keep-alive")

    def assertParallel(self, m, rels, expected_requests, what):
        """Reading rels at once, with the fake answering after 500 ms, takes
        well under the sum: the misses were fetched in parallel."""
        self.addCleanup(self.fake.config, latency_ms=0)
        self.fake.config(latency_ms=500)
        seq = self.fake.mark()
        started = time.monotonic()
        outcomes = parallel([(read_bytes, m.path(rel)) for rel in rels], timeout=30)
        elapsed = time.monotonic() - started
        self.fake.config(latency_ms=0)
        for outcome in outcomes:
            self.assertIsNone(outcome.error, f"{what}: a reader {outcome.describe()}")
        requests = self.expect_only(seq, expected_requests, what)
        first = min(e["time"] for e in requests)
        arrivals = sorted(round(e["time"] - first, 2) for e in requests)
        connections = len({e["client_port"] for e in requests})
        self.assertLess(elapsed, 0.5 * len(rels) / 2,
                        f"{what}: {len(rels)} misses at 500 ms each took {elapsed:.2f} s; the "
                        f"fake got them at +{arrivals} s on {connections} connection(s)")

    def test_misses_in_different_directories_run_in_parallel(self):
        m = self.mount()
        repos = (456, 457, 458, 459)
        for repo_id in repos:
            self.assertTrue(os.path.isdir(m.path(f"orgs/{ORG}/repos/{repo_id}")))
        self.assertParallel(m, [f"orgs/{ORG}/repos/{r}/check-suite.json" for r in repos],
                            [("GET", f"/v1/organizations/{ORG}/repos/check-suite-settings")] * 4,
                            "check-suite.json of 4 repos")

    def test_lookups_in_one_directory_each_cost_one_request(self):
        # libfuse 3.14 never passes FUSE_PARALLEL_DIROPS to the kernel, so the
        # kernel looks up names of one directory one at a time (SEMANTICS.md,
        # "Requests and freshness"): no parallelism to assert here, but each
        # unlisted run still costs exactly one GET and nothing more.
        m = self.mount()
        self.prime_org(m)
        ids = range(170, 178)
        seq = self.fake.mark()
        outcomes = parallel([(read_bytes, m.path(f"{RUNS}/{i}/status")) for i in ids],
                            timeout=30)
        for outcome in outcomes:
            self.assertIsNone(outcome.error, f"a reader {outcome.describe()}")
        self.expect_only(seq, [("GET", f"{RUN_PATH}{i}") for i in ids], "status of 8 runs")

    def test_logs_of_a_finished_run_are_fetched_once(self):
        m = self.mount()
        self.prime_org(m)
        logs = self.fake.logs(1000)
        seq = self.fake.mark()
        self.assertFile(m, f"{RUNS}/1000/logs", logs_file(logs))
        requests = self.fake.requests(seq)
        pages = sorted((int(query_of(e).get("skip", 0)), query_of(e).get("limit"))
                       for e in logs_requests_of(requests, 1000))
        self.assertEqual(pages, [(skip, "100") for skip in range(0, 500, 100)],
                         f"logs of run 1000 (500 entries): {describe_requests(requests)}")
        self.assertLessEqual(len(gets_of_run(requests, 1000)), 1, "GET run 1000")
        seq = self.fake.mark()
        m.read(RUNS, 1000, "logs.jsonl")
        m.read(RUNS, 1000, "logs")
        sh(["tail", "-n", "3", m.path(RUNS, 1000, "logs")])
        self.assertNoRequests(seq, "reading the finished run's logs again")

    def test_listing_a_run_downloads_no_logs(self):
        """ls -l and find show the logs size held (0 before any read) and
        fetch nothing; opening the file makes its size exact at once."""
        m = self.mount()
        self.prime_org(m)
        logs = logs_file(self.fake.logs(789))
        seq = self.fake.mark()
        rc, out, err = sh(["ls", "-l", m.path(RUNS, 789) + "/"], timeout=30)
        self.assertEqual((rc, err), (0, ""), "ls -l runs/789/")
        sizes = {line.split()[-1]: int(line.split()[4]) for line in out.splitlines()[1:]}
        self.assertEqual((sizes["logs"], sizes["logs.jsonl"]), (0, 0),
                         f"logs sizes before any read: {out}")
        rc, out, err = sh(["find", m.path(RUNS, 789)], timeout=30)
        self.assertEqual((rc, err), (0, ""), "find runs/789")
        self.assertEqual(logs_requests_of(self.fake.requests(seq), 789), [],
                         "ls -l and find must not fetch logs")
        rc, out, err = sh(["wc", "-c", m.path(RUNS, 789, "logs")], timeout=30)
        self.assertEqual(int(out.split()[0]), len(logs), "wc -c right after the stat of ls")
        self.assertEqual(os.stat(m.path(RUNS, 789, "logs")).st_size, len(logs),
                         "stat after the logs were read")

    def test_stale_listed_runs_are_renewed_by_page_not_one_by_one(self):
        """After the run TTL, re-reading the status of every listed run renews
        the unfinished ones with the list pages they sit on (a request per
        page), never with a GET per run."""
        m = self.mount("--list-window=500", "--run-ttl=0.5", "--list-ttl=60")
        names = os.listdir(m.path(RUNS))
        self.assertEqual(len(names), 500, "runs/ lists 500 runs")
        by_id = {str(r["id"]): r for r in self.fake.runs()[:500]}
        unfinished = [n for n in names if by_id[n]["status"] not in FINISHED]
        self.assertGreater(len(unfinished), 5, "the sample data has unfinished runs")
        time.sleep(0.7)     # every unfinished run is stale now
        seq = self.fake.mark()
        for name in names:
            self.assertEqual(read_bytes(m.path(RUNS, name, "status")),
                             value_file(by_id[name]["status"]), f"runs/{name}/status")
        requests = self.fake.requests(seq)
        gets = [e for e in requests if e["path"].startswith(RUN_PATH)]
        pages = [e for e in requests if e["path"] == LIST_PATH]
        self.assertEqual(gets, [], f"no GET per run; got {describe_requests(gets)}")
        self.assertGreaterEqual(len(pages), 1, "stale runs are renewed by list pages")
        self.assertLessEqual(len(pages), 5 * 2, f"at most a page per 100 runs per TTL; got "
                                                f"{describe_requests(pages)}")
        self.assertEqual(len(requests), len(pages), f"only list pages: "
                                                    f"{describe_requests(requests)}")

    def test_list_refresh_fetches_only_the_new_page(self):
        m = self.mount("--list-window=500", "--list-ttl=1")
        ids = [str(r["id"]) for r in self.fake.runs()[:500]]
        self.assertEqual(os.listdir(m.path(RUNS)), ids, "runs/ before the new run")
        created = self.fake.create_run("e2e: a run created while the list is cached")
        time.sleep(1.3)
        seq = self.fake.mark()
        names = os.listdir(m.path(RUNS))
        requests = self.fake.requests(seq)
        pages = [e for e in requests if e["path"] == LIST_PATH]
        self.assertEqual([query_of(e).get("skip", "0") for e in pages], ["0"],
                         f"a refresh after --list-ttl fetches only the first page; "
                         f"requests: {describe_requests(requests)}")
        self.assertEqual(names, [str(created["id"])] + ids[:499],
                         "runs/ after the refresh: the new run first, still 500 entries")
        seq = self.fake.mark()
        self.assertEqual(m.read(RUNS, created["id"], "status"), b"ACTIVE\n")
        self.assertNoRequests(seq, "status of a run the refreshed list filled")


# --------------------------------------------------------------------------
# Many concurrent readers

class ConcurrentReadersTest(MountTest):
    # Rate limits on, windows scaled like the mount's: the mount must never see a 429.
    FAKE_FLAGS = ("--rate-time-scale", "0.01")
    READERS = 16
    RUN_IDS = tuple(range(1001, 1201))

    def test_sixteen_readers_read_the_same_bytes_as_one(self):
        self.fake.config(rate_limits=False)
        listed = {r["id"]: r for r in self.fake.runs()[:500]}
        expected = {}
        log_counts = {}
        for run_id in self.RUN_IDS:
            logs = self.fake.logs(run_id)
            log_counts[run_id] = len(logs)
            for name, want in run_files(listed[run_id], logs).items():
                expected[(run_id, name)] = want
        self.fake.config(rate_limits=True)
        m = self.mount("--rate-time-scale=0.01")
        self.assertEqual(len(os.listdir(m.path(RUNS))), 500)
        seq = self.fake.mark()
        keys = sorted(expected)

        def reader(index):
            order = list(keys)
            random.Random(index).shuffle(order)
            got = {}
            for run_id, name in order:
                try:
                    got[(run_id, name)] = read_bytes(m.path(RUNS, run_id, name))
                except OSError as exc:
                    got[(run_id, name)] = exc
            return got

        started = time.monotonic()
        outcomes = parallel([(reader, i) for i in range(self.READERS)], timeout=150)
        elapsed = time.monotonic() - started
        single = reader(self.READERS)

        wrong = []
        for (run_id, name), want in expected.items():
            got = single[(run_id, name)]
            if isinstance(got, OSError):
                wrong.append(f"{run_id}/{name}: {got}")
            elif isinstance(want, tuple):
                problem = json_file_problem(got, want[1])
                if problem:
                    wrong.append(f"{run_id}/{name}: {problem}")
            elif got != want:
                wrong.append(f"{run_id}/{name}: {first_difference(got, want)}")
        self.assertEqual(wrong[:5], [], f"{len(wrong)} files differ from the fake's data")
        for index, outcome in enumerate(outcomes):
            self.assertIsNone(outcome.error, f"reader {index} {outcome.describe()}")
            differ = [k for k in keys if outcome.value[k] != single[k]]
            self.assertEqual(differ[:5], [], f"reader {index}: {len(differ)} files differ from "
                                             f"what a single reader read")
        sizes = [k for k in keys if os.stat(m.path(RUNS, k[0], k[1])).st_size != len(single[k])]
        self.assertEqual(sizes[:5], [], "st_size differs from the content")

        requests = self.fake.requests(seq)
        refused = [e for e in requests if e["status"] == 429]
        self.assertEqual(refused, [], f"the mount got {len(refused)} 429s from a fake with "
                                      f"the same rate limits ({elapsed:.1f} s)")
        for run_id in self.RUN_IDS:
            if listed[run_id]["status"] not in FINISHED:
                continue
            self.assertEqual(gets_of_run(requests, run_id), [],
                             f"a listed finished run {run_id} was fetched again")
            pages = sorted(int(query_of(e).get("skip", 0))
                           for e in logs_requests_of(requests, run_id))
            want = list(range(0, max(1, log_counts[run_id]), 100))
            self.assertEqual(pages, want, f"log pages of finished run {run_id} "
                                          f"({log_counts[run_id]} entries) under 17 readers")


class PersistentCacheTest(MountTest):
    """Finished runs and their complete logs are kept on disk
    ($XDG_CACHE_HOME/codegen-fs), so a remount reads them with no request."""

    def cache_dir(self):
        cache = tempfile.mkdtemp(prefix="cgfs-e2e-cache-")
        self.addCleanup(shutil.rmtree, cache, True)
        return cache

    def test_a_remount_reads_a_finished_run_and_its_logs_with_no_request(self):
        cache = self.cache_dir()
        first = self.mount(env={"XDG_CACHE_HOME": cache})
        names = ("status", "summary", "run.json", "logs", "logs.jsonl")
        before = {name: first.read(RUNS, 789, name) for name in names}
        self._stop_mount(first)
        second = self.mount(env={"XDG_CACHE_HOME": cache})
        seq = self.fake.mark()
        after = {name: second.read(RUNS, 789, name) for name in names}
        self.assertEqual(after, before, "run 789 read from the disk cache")
        requests = self.fake.requests(seq)
        about_789 = [e for e in requests if "/789" in e["path"]]
        self.assertEqual(about_789, [], f"a remount asked the server about run 789: "
                                        f"{describe_requests(requests)}")

    def db_path(self, cache):
        """The one database of the fake's account (fs/disk.c)."""
        accounts = os.listdir(os.path.join(cache, "codegen-fs"))
        self.assertEqual(len(accounts), 1, f"accounts: {accounts}")
        return os.path.join(cache, "codegen-fs", accounts[0], "cache.db")

    def kept(self, cache):
        """{(kind, org, run): bytes} the database holds; kind 0 a run, 1 its logs."""
        db = sqlite3.connect(self.db_path(cache))
        try:
            check = db.execute("PRAGMA integrity_check").fetchall()
            self.assertEqual(check, [("ok",)], "the cache database is corrupt")
            rows = db.execute("SELECT kind, org, run, data FROM entry").fetchall()
        finally:
            db.close()
        return {(kind, org, run): bytes(data) for kind, org, run, data in rows}

    def test_unfinished_runs_are_not_kept_and_files_are_private(self):
        cache = self.cache_dir()
        m = self.mount(env={"XDG_CACHE_HOME": cache})
        self.assertEqual(m.read(RUNS, 1300, "status"), b"ACTIVE\n")
        m.read(RUNS, 1300, "logs")
        m.read(RUNS, 789, "logs")
        for d, _, files in os.walk(os.path.join(cache, "codegen-fs")):
            self.assertEqual(os.stat(d).st_mode & 0o777, 0o700, d)
            for f in files:
                self.assertIn(f, ("cache.db", "cache.db-wal", "cache.db-shm"), d)
                self.assertEqual(os.stat(os.path.join(d, f)).st_mode & 0o777, 0o600, f)
        self._stop_mount(m)
        kept = self.kept(cache)
        self.assertEqual(sorted((kind, run) for kind, _, run in kept), [(0, 789), (1, 789)],
                         "only the finished run 789 and its logs are kept")
        self.assertEqual(json.loads(kept[(0, ORG, 789)]), self.fake.run(789))
        lines = kept[(1, ORG, 789)].decode().splitlines()
        self.assertEqual([json.loads(line) for line in lines], self.fake.logs(789))

    def test_a_kill_9_mid_writes_leaves_a_database_a_remount_reads(self):
        cache = self.cache_dir()
        m = self.mount(env={"XDG_CACHE_HOME": cache})
        names = sorted(int(n) for n in os.listdir(m.path(RUNS)))
        finished = [r for r in names if m.read(RUNS, r, "status").strip().decode() in FINISHED]
        self.assertGreater(len(finished), 20, "the fake has finished runs to keep")
        deadline = time.monotonic() + 10
        while not os.path.exists(self.db_path(cache) + "-wal") or not self.kept(cache):
            self.assertLess(time.monotonic(), deadline, "nothing was written in 10 s")
            time.sleep(0.05)
        # Logs are put one run after another: the kill lands among the writes.
        for run in finished[:20]:
            m.read(RUNS, run, "logs.jsonl")
        m.proc.kill()
        m.proc.wait(10)
        self._stop_mount(m)
        kept = self.kept(cache)
        runs = sorted(run for kind, _, run in kept if kind == 0)
        logs = sorted(run for kind, _, run in kept if kind == 1)
        self.assertTrue(runs, "no run was committed before the kill")
        self.assertLessEqual(set(runs) | set(logs), set(finished), "only finished runs")
        for run in runs:
            self.assertEqual(json.loads(kept[(0, ORG, run)]), self.fake.run(run), run)
        for run in logs:
            lines = kept[(1, ORG, run)].decode().splitlines()
            self.assertEqual([json.loads(line) for line in lines], self.fake.logs(run), run)

        second = self.mount(env={"XDG_CACHE_HOME": cache})
        seq = self.fake.mark()
        for run in runs:
            self.assertEqual(json.loads(second.read(RUNS, run, "run.json")), self.fake.run(run))
        for run in logs:
            self.assertEqual(second.read(RUNS, run, "logs.jsonl").decode().splitlines(),
                             kept[(1, ORG, run)].decode().splitlines())
        requests = self.fake.requests(seq)
        asked = [e for run in set(runs) | set(logs)
                 for e in gets_of_run(requests, run) + logs_requests_of(requests, run)]
        self.assertEqual(asked, [], f"asked about committed runs: {describe_requests(asked)}")
        self.assertTrue(logs, "no logs were committed before the kill")

if __name__ == "__main__":
    main()
