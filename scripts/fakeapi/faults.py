"""fakeapi.faults: the table of injected faults that /_control/faults manages.

A fault (latency, stall, status, 429, drop, truncate, malformed, oversized,
answer, total, nolimit) applies to the next count /v1 requests whose path starts
with its path and whose method is its method, after letting the first `after` of
them pass; the first match in the order added wins.  The fault kinds'
constants live here too; fakeapi.server acts the faults out.
"""

from .contract import is_int

FAULT_KINDS = ("latency", "stall", "status", "429", "drop", "truncate", "malformed", "oversized",
               "answer", "total", "nolimit")
MALFORMED_BODY = b'{"items": [{"id": 1, "status": '
OVERSIZED_BYTES = 64 * 1024 * 1024
STALL_MAX_SECONDS = 600.0
TOKEN_MARK = "{token}"     # in an `answer` body: replaced by the bearer token sent


def reflect_token(value, token):
    """value (any JSON) with TOKEN_MARK in its strings replaced by token."""
    if isinstance(value, str):
        return value.replace(TOKEN_MARK, token)
    if isinstance(value, list):
        return [reflect_token(v, token) for v in value]
    if isinstance(value, dict):
        return {reflect_token(k, token): reflect_token(v, token) for k, v in value.items()}
    return value


class Fault:
    def __init__(self, fault_id, kind, remaining, path, method, params, after=0):
        self.id = fault_id
        self.after = after              # matching requests still to let pass
        self.shows_after = after > 0
        self.kind = kind
        self.remaining = remaining      # None: until cleared
        self.path = path
        self.method = method
        self.params = params

    def matches(self, method, path):
        return ((self.path is None or path.startswith(self.path))
                and (self.method is None or self.method == method))

    def describe(self):
        info = {"id": self.id, "kind": self.kind, "count": self.remaining, "path": self.path,
                "method": self.method}
        if self.shows_after:
            info["after"] = self.after
        info.update(self.params)
        return info


class FaultTable:
    """Faults in the order they were added; the first match applies."""

    PARAMS = {  # kind -> {param: (default, validator)}
        "latency": {"ms": (1000, lambda x: is_int(x) and x >= 0)},
        "status": {"status": (500, lambda x: is_int(x) and 100 <= x <= 599)},
        "429": {"retry_after": (1, lambda x: x is None or (is_int(x) and x >= 0))},
        "oversized": {"bytes": (OVERSIZED_BYTES, lambda x: is_int(x) and x >= 16)},
        "answer": {"body": (None, lambda x: True),
                   "status": (200, lambda x: is_int(x) and 100 <= x <= 599),
                   "cut": (False, lambda x: isinstance(x, bool))},
        "total": {"total": (10 ** 9, lambda x: is_int(x) and x >= 0)},
    }
    # Optional params: stored (and shown) only when given.
    OPTIONAL = {  # kind -> {param: validator}
        "stall": {"process": lambda x: isinstance(x, bool)},
        "drop": {"process": lambda x: isinstance(x, bool)},
    }

    def __init__(self):
        self.faults = []
        self.next_id = 1

    def add(self, spec):
        """Validate a POST /_control/faults body and append it; ValueError if bad."""
        if not isinstance(spec, dict):
            raise ValueError("body must be a JSON object")
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        count = spec.get("count", 1)
        if count is not None and not (is_int(count) and count >= 1):
            raise ValueError("count must be a positive integer or null")
        path = spec.get("path")
        if path is not None and not (isinstance(path, str) and path.startswith("/")):
            raise ValueError("path must be a string starting with / or null")
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string or null")
        after = spec.get("after", 0)
        if not (is_int(after) and after >= 0):
            raise ValueError("after must be an integer >= 0")
        params = {}
        for name, (default, valid) in self.PARAMS.get(kind, {}).items():
            value = spec.get(name, default)
            if not valid(value):
                raise ValueError(f"bad value for {name!r}: {value!r}")
            params[name] = value
        for name, valid in self.OPTIONAL.get(kind, {}).items():
            if name in spec:
                if not valid(spec[name]):
                    raise ValueError(f"bad value for {name!r}: {spec[name]!r}")
                params[name] = spec[name]
        fault = Fault(self.next_id, kind, count, path, method.upper() if method else None, params,
                      after)
        self.next_id += 1
        self.faults.append(fault)
        return fault

    def take(self, method, path):
        """The fault that applies to this request (using one of its count), or None."""
        for fault in self.faults:
            if fault.matches(method, path):
                if fault.after:
                    fault.after -= 1
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                return fault
        return None

    def clear(self):
        self.faults = []
