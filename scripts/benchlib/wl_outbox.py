"""Workload W7: 10 prompts written into the outbox at once, against 10 POSTs
sent straight to the API."""

import http.client
import os
import re
import subprocess
import threading
import time

import harness as h  # the fake, the mount, bounded commands (tests/e2e)
from .config import ORG
from .results import log
from .measure import is_create, listen_overflows, trace_text
from .baselines import post_run


def w7(b, reps):
    s, r = b.s, b.r
    scale = s.scale["W7"]
    n = s.w7_creates
    for rep in range(reps):
        # The limit: n POSTs at once, straight to the API (the limit allows all n),
        # on connections opened beforehand (10 simultaneous connects would
        # overflow the fake's listen backlog of 5 and wait out a SYN retransmit).
        b.configure(scale)
        statuses = [None] * n
        gate = threading.Barrier(n + 1)
        conns = []
        for i in range(n):
            conn = http.client.HTTPConnection("127.0.0.1", b.fake.port, timeout=30)
            conn.connect()
            conns.append(conn)

        def one(i):
            gate.wait()
            statuses[i] = post_run(conns[i], b.fake, f"bench ideal {i}")

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        gate.wait()
        started = time.monotonic()
        for t in threads:
            t.join(30)
        secs = time.monotonic() - started
        r.check(statuses == [200] * n, f"W7 direct POSTs answered {statuses}")
        r.add("w7.ideal.time", secs)

        b.configure(scale)
        with b.mount(scale) as m:
            new = m.path("orgs", ORG, "new")
            os.listdir(new)     # resolve orgs/11 first (one GET /v1/organizations), untimed
            names = [os.path.join(new, f"bench-{rep}-{i}") for i in range(n)]
            seq = b.mark()
            drops = listen_overflows()
            started = time.monotonic()
            procs = [subprocess.Popen(["sh", "-c", 'printf "%s\\n" "$1" | tee "$2" >/dev/null',
                                       "sh", f"bench prompt {i}", path],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
                     for i, path in enumerate(names)]
            deadline = started + 60
            done = None
            try:
                while time.monotonic() < deadline:
                    if all(os.path.islink(p) for p in names):
                        done = time.monotonic() - started
                        break
                    time.sleep(0.002)
                for proc in procs:
                    proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            finally:
                errors = []
                for proc in procs:
                    if proc.poll() is None:
                        h.kill_bounded(proc)
                    errors.append((proc.returncode, proc.stderr.read().decode()[-200:]
                                   if proc.poll() is not None else ""))
                    proc.stderr.close()
            drops = listen_overflows() - drops
            reqs = b.requests(seq)
            posts = sum(1 for e in reqs if is_create(e))
            n429 = sum(1 for e in reqs if e["status"] == 429)
            links = [os.readlink(p) for p in names if os.path.islink(p)]
            r.check(done is not None, f"W7: {len(links)} of {n} receipts within 60 s; "
                    f"writers {errors}; errors {h.sh(['cat', m.path('errors')])[1][-500:]!r}")
            r.check(all(re.fullmatch(r"\.\./runs/\d+", t) for t in links),
                    f"W7: receipts point at {links}")
            r.check(all(rc == 0 for rc, _ in errors), f"W7: a writer failed: {errors}")
            r.add("w7.cgfs.time", done)
            r.add("w7.posts", posts)
            r.add("w7.429s", n429)
            r.add("w7.listen_drops", drops)
            arrivals = sorted(e["time"] for e in reqs if is_create(e))
            if arrivals:
                r.add("w7.post_spread", arrivals[-1] - arrivals[0])
            r.info["w7.posts"] = trace_text(reqs)
            log(f"W7 {rep + 1}/{reps}: {n} receipts after {done:.3f} s ({posts} POSTs, "
                f"{n429} 429s, {drops} SYNs dropped by a full backlog); {n} direct POSTs "
                f"{r.samples['w7.ideal.time'][-1]:.3f} s")
    b.fake.reset()
