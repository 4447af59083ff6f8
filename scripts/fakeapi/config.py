"""fakeapi.config: the tunables that the command line sets and /_control/config changes.

Config holds them and checks a change as a whole: a bad value applies nothing.
"""

from .contract import is_int, is_number


class Config:
    """Tunables; guarded by FakeApi.lock."""

    def __init__(self, rate_limits, latency_ms, run_quota, run_seconds, log_interval_ms,
                 rate_time_scale, stop_route=True):
        self.rate_limits = rate_limits
        self.latency_ms = latency_ms
        self.run_quota = run_quota
        self.run_seconds = run_seconds
        self.log_interval_ms = log_interval_ms
        self.rate_time_scale = rate_time_scale
        self.stop_route = stop_route    # False: POST .../agent/run/stop is an unknown route

    def as_dict(self):
        return {"rate_limits": self.rate_limits, "latency_ms": self.latency_ms,
                "run_quota": self.run_quota, "run_seconds": self.run_seconds,
                "log_interval_ms": self.log_interval_ms,
                "rate_time_scale": self.rate_time_scale, "stop_route": self.stop_route}

    def update(self, changes):
        """Apply a dict of changes; raise ValueError (nothing applied) if one is bad."""
        if not isinstance(changes, dict):
            raise ValueError("body must be a JSON object")
        checked = {}
        for key, value in changes.items():
            if key in ("rate_limits", "stop_route"):
                ok = isinstance(value, bool)
            elif key == "latency_ms":
                ok = is_int(value) and value >= 0
            elif key == "run_quota":
                ok = value is None or (is_int(value) and value >= 0)
            elif key == "run_seconds":
                ok = is_number(value) and value >= 0
            elif key == "log_interval_ms":
                ok = is_int(value) and value >= 1
            elif key == "rate_time_scale":
                ok = is_number(value) and value > 0
            else:
                raise ValueError(f"unknown config key {key!r}")
            if not ok:
                raise ValueError(f"bad value for {key!r}: {value!r}")
            checked[key] = float(value) if key in ("run_seconds", "rate_time_scale") else value
        for key, value in checked.items():
            setattr(self, key, value)
