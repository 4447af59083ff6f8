#!/usr/bin/env python3
"""End-to-end tests of the real transport path (docs/SEMANTICS.md "TLS"): the
mount speaks HTTP/2 over TLS to nginx in front of the fake, trusts a private
CA given by --ca-file, $CURL_CA_BUNDLE or $SSL_CERT_FILE, refuses an untrusted,
expired or wrong-host certificate and a TLS 1.0-only server at mount time with
a message that says so, and goes through an HTTPS proxy as a CONNECT tunnel
that never sees the token.

    python3 tests/e2e/test_tls.py [-k pattern] [TestClass.test_name ...]

Environment and method: mountcase.py, tls.py.  Exits 77 (meson's skip) when
FUSE, nginx or openssl is unavailable.
"""

import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import TOKEN, Mount, MountError, sh  # noqa: E402
from harness import FINISHED, logs_jsonl_file  # noqa: E402
from mountcase import (FAST_LIMITER, ORG, RUNS, MountTest, logs_requests_of, main,  # noqa: E402
                       parallel)
import tls  # noqa: E402

NO_PROXY_ENV, NO_CA_ENV = tls.NO_PROXY_ENV, tls.NO_CA_ENV


class TlsTest(MountTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.front = tls.TlsFront(cls.fake)
        cls.addClassCleanup(cls.front.stop)

    def tls_mount(self, *opts, kind="good", env=None, ca=True, host="localhost"):
        ca_opt = [f"--ca-file={self.front.ca_file}"] if ca else []
        return self.mount(*ca_opt, *opts, base_url=self.front.url(kind, host),
                          env={**NO_PROXY_ENV, **NO_CA_ENV, **(env or {})})

    def refused(self, kind, *opts, env=None, ca=True):
        """Mounting against front kind fails within a few seconds: -> stderr."""
        ca_opt = [f"--ca-file={self.front.ca_file}"] if ca else []
        m = Mount(self.fake, FAST_LIMITER, *ca_opt, *opts, deadline=10,
                  base_url=self.front.url(kind), env={**NO_PROXY_ENV, **NO_CA_ENV, **(env or {})})
        self.addCleanup(m.stop)
        start = time.monotonic()
        with self.assertRaises(MountError):
            m.start()
        self.assertLess(time.monotonic() - start, 5, "a TLS refusal was retried")
        err = m.stderr_tail()
        self.assertNotIn(TOKEN, err)
        self.assertEqual(err.count("\n"), 1, f"expected one line, got {err!r}")
        return err

    def assertHttp2(self, since, port):
        served = [row for row in self.front.log(since) if row[0] == port]
        self.assertTrue(served, "nginx served nothing")
        self.assertEqual({row[1] for row in served}, {"HTTP/2.0"}, served[:5])
        return served

    # -- the mount over TLS --------------------------------------------------------

    def test_the_tree_reads_and_a_run_is_created_over_http2(self):
        since = self.front.mark()
        seq = self.fake.mark()
        m = self.tls_mount()
        newest = [str(r["id"]) for r in self.fake.runs()][:500]
        self.assertEqual(os.listdir(m.path(RUNS)), newest)
        self.assertEqual(m.read(f"{RUNS}/789/status"), b"COMPLETE\n")
        logs = m.read(f"{RUNS}/789/logs")
        self.assertTrue(logs.endswith(b"\n") and logs.count(b"\n") >= 1, logs[:200])
        rc, _, err = sh(["bash", "-c", 'printf "%s" "$1" | tee "$2" >/dev/null', "tee",
                         "Add retries to the payment client\n",
                         m.path(f"orgs/{ORG}/new/over-tls")], timeout=30)
        self.assertEqual((rc, err), (0, ""))
        created = [e for e in self.fake.requests(seq) if e["method"] == "POST"]
        self.assertEqual([e["path"] for e in created], [f"/v1/organizations/{ORG}/agent/run"])
        self.assertEqual(json.loads(created[0]["body"])["prompt"], "Add retries to the payment client\n")
        served = self.assertHttp2(since, self.front.ports["good"])
        self.assertIn(("POST", f"/v1/organizations/{ORG}/agent/run", 200),
                      [(r[2], r[3], r[4]) for r in served])
        self.assertIn(("GET", "/v1/users/me", 200), [(r[2], r[3], r[4]) for r in served])

    def test_sixteen_readers_share_one_http2_connection(self):
        """Issue 14 goal 4: parallel requests are streams of one connection
        (a curl multi handle), not 16 TLS handshakes."""
        self.addCleanup(self.fake.config, latency_ms=0)
        # Finished runs with one page of logs each: one request per reader.
        logs = {r["id"]: self.fake.logs(r["id"]) for r in self.fake.runs()[:100]
                if r["status"] in FINISHED}
        runs = [r for r in self.fake.runs()[:100] if 0 < len(logs.get(r["id"], ())) <= 100][:16]
        self.assertEqual(len(runs), 16)
        since = self.front.mark()
        m = self.tls_mount("--list-window=100")
        self.assertEqual(len(os.listdir(m.path(RUNS))), 100)
        expected = {r["id"]: m.read(f"{RUNS}/{r['id']}/summary") for r in runs}
        seq = self.fake.mark()
        self.fake.config(latency_ms=300)

        def read_logs(run_id):
            with open(m.path(RUNS, run_id, "logs.jsonl"), "rb") as f:
                return f.read()

        outcomes = parallel([(read_logs, r["id"]) for r in runs], timeout=30)
        self.fake.config(latency_ms=0)
        for r, o in zip(runs, outcomes):
            self.assertIsNone(o.error, r["id"])
            self.assertEqual(o.value, logs_jsonl_file(logs[r["id"]]), r["id"])
        requests = self.fake.requests(seq)
        for r in runs:
            self.assertEqual(len(logs_requests_of(requests, r["id"])), 1, r["id"])
        self.assertHttp2(since, self.front.ports["good"])
        # Every request of the mount, its start and listing included: one
        # connection (two at most: one may open before the first has said
        # that it speaks HTTP/2).
        used = self.front.connections(since, self.front.ports["good"])
        self.assertLessEqual(len(used), 2, used)
        self.assertGreaterEqual(sum(used.values()), 16 + 1 + 1, used)
        self.assertIn(f"\nconnections {len(used)}\n", m.read("stats").decode())
        self.assertEqual(expected, {r["id"]: m.read(f"{RUNS}/{r['id']}/summary") for r in runs})

    def test_curl_ca_bundle_is_honoured(self):
        since = self.front.mark()
        m = self.tls_mount(ca=False, env={"CURL_CA_BUNDLE": self.front.ca_file})
        self.assertEqual(m.read(f"{RUNS}/789/status"), b"COMPLETE\n")
        self.assertHttp2(since, self.front.ports["good"])

    def test_ssl_cert_file_is_honoured(self):
        m = self.tls_mount(ca=False, env={"SSL_CERT_FILE": self.front.ca_file})
        self.assertEqual(m.read(f"{RUNS}/789/status"), b"COMPLETE\n")

    def test_ca_file_wins_over_the_environment(self):
        m = self.tls_mount(env={"CURL_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"})
        self.assertEqual(m.read(f"{RUNS}/789/status"), b"COMPLETE\n")

    # -- refused at mount time -----------------------------------------------------

    def test_an_untrusted_certificate_is_refused(self):
        err = self.refused("good", ca=False)
        self.assertIn("cannot mount", err)
        self.assertIn("the server's TLS certificate is not trusted (a private CA: --ca-file or "
                      "SSL_CERT_FILE)", err)

    def test_an_expired_certificate_is_refused(self):
        err = self.refused("expired")
        self.assertIn("the server's TLS certificate has expired", err)

    def test_a_certificate_for_another_host_is_refused(self):
        err = self.refused("wronghost")
        self.assertIn("the server's TLS certificate is for another host", err)

    def test_a_tls10_only_server_is_refused(self):
        err = self.refused("tls10")
        self.assertIn("the server offers no TLS version this mount speaks (1.2 or later)", err)

    def test_an_unreadable_ca_file_is_refused_before_any_request(self):
        seq = self.fake.mark()
        m = Mount(self.fake, FAST_LIMITER, "--ca-file=/nonexistent/ca.pem",
                  base_url=self.front.url("good"), env={**NO_PROXY_ENV, **NO_CA_ENV})
        self.addCleanup(m.stop)
        with self.assertRaises(MountError):
            m.start()
        self.assertIn("cannot read the CA bundle /nonexistent/ca.pem (from --ca-file): "
                      "No such file or directory", m.stderr_tail())
        self.assertNoRequests(seq, "a mount with an unreadable CA bundle")

    # -- through an HTTPS proxy ----------------------------------------------------

    def test_https_proxy_tunnels_and_never_sees_the_token(self):
        proxy = tls.ConnectProxy(self.front.ports["good"])
        self.addCleanup(proxy.close)
        since = self.front.mark()
        # api.codegen.test resolves nowhere but at the proxy.
        m = self.tls_mount(host="api.codegen.test",
                           env={"HTTPS_PROXY": proxy.url, "https_proxy": proxy.url})
        self.assertEqual(m.read(f"{RUNS}/789/status"), b"COMPLETE\n")
        connects, relayed = proxy.seen()
        self.assertTrue(connects, "HTTPS_PROXY was not used")
        port = self.front.ports["good"]
        for head in connects:
            self.assertTrue(head.startswith(f"CONNECT api.codegen.test:{port} HTTP/1.1\r\n"
                                            .encode()), head[:200])
            self.assertNotIn(b"Authorization", head)
        self.assertGreater(len(relayed), 1000)
        self.assertNotIn(TOKEN.encode(), relayed)
        self.assertNotIn(b"Bearer", relayed)
        self.assertHttp2(since, port)


if __name__ == "__main__":
    reason = tls.skip_reason()
    if reason:
        print(f"SKIP: {reason}")
        sys.exit(77)
    main()
