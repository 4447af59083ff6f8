"""Measuring helpers: tallies of the fake's request log, the daemon's memory
(/proc/<pid>/status) and the system's listen-backlog drops (/proc/net/netstat)."""

import collections
import re


def count_by(reqs):
    def norm(path):
        return re.sub(r"/\d+", "/N", path)
    return collections.Counter(f"{e['method']} {norm(e['path'])} -> {e['status']}"
                               for e in reqs)


def trace_text(reqs, limit=6):
    return ", ".join(f"{n}× {k}" for k, n in count_by(reqs).most_common(limit))


def is_logs(e):
    return e["path"].endswith("/logs")


def is_create(e):
    return e["method"] == "POST" and re.fullmatch(r"/v1/organizations/\d+/agent/run", e["path"])


def proc_status(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) * 1024
    return values


def listen_overflows():
    """TcpExt ListenOverflows (system-wide): connections dropped because a
    listen backlog was full; each costs the client a 1 s SYN retransmit."""
    try:
        with open("/proc/net/netstat") as f:
            lines = f.read().splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            if names.startswith("TcpExt:"):
                table = dict(zip(names.split()[1:], values.split()[1:]))
                return int(table.get("ListenOverflows", 0))
    except (OSError, ValueError):
        pass
    return 0
