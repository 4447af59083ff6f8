"""fakeapi.cli: the command line of scripts/fake-codegen-api, and its main().

Parses the flags (docs/FAKE-API.md, "Running"), starts the server, prints the
one ready line on stdout, and exits 0 at once on SIGTERM or SIGINT.
"""

import argparse
import os
import signal
import sys
import threading

from .app import FakeApi
from .bulk import SAMPLE_RUNS
from .config import Config
from .server import Server


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="fake-codegen-api",
        description="Loopback fake of the Codegen REST API (see docs/FAKE-API.md).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--rate-limits", choices=("on", "off"), default="on")
    parser.add_argument("--rate-time-scale", type=float, default=1.0)
    parser.add_argument("--run-seconds", type=float, default=120.0)
    parser.add_argument("--log-interval-ms", type=int, default=1000)
    parser.add_argument("--run-quota", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=SAMPLE_RUNS,
                        help=f"runs of org 11 (at least {SAMPLE_RUNS}, the sample)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.latency_ms < 0 or args.rate_time_scale <= 0 or args.run_seconds < 0 \
            or args.log_interval_ms < 1 or (args.run_quota is not None and args.run_quota < 0):
        parser.error("--latency-ms, --run-seconds and --run-quota must be >= 0, "
                     "--rate-time-scale > 0 and --log-interval-ms >= 1")
    if args.runs < SAMPLE_RUNS:
        parser.error(f"--runs must be >= {SAMPLE_RUNS} (the sample runs of org 11)")
    return args


def main(argv):
    args = parse_args(argv)
    config = Config(args.rate_limits == "on", args.latency_ms, args.run_quota,
                    args.run_seconds, args.log_interval_ms, args.rate_time_scale)
    fake = FakeApi(args.token, args.seed, config, args.quiet, args.runs)
    server = Server((args.host, args.port), fake)

    def stop(signum, frame):
        fake.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    sys.stdout.write(f"fake-codegen-api listening on http://{host}:{port}\n")
    sys.stdout.flush()
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    sys.stdout.flush()
    sys.stderr.flush()
    # Daemon threads may still hold stalled or idle connections: leave at once.
    os._exit(0)
