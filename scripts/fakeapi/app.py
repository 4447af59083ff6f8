"""fakeapi.app: the fake as a whole: its state under one lock, and the /v1 pipeline.

FakeApi owns every piece of mutable state (world, request log, faults, rate
limiter, config) behind FakeApi.lock, and answers a /v1 request that no fault
has taken: auth, routing, rate limit, then the operation.  The HTTP side is
fakeapi.server; the /_control endpoints are fakeapi.control.
"""

import sys
import threading
import time
import traceback

from .contract import MSG_RATE_LIMITED, MSG_UNAUTHORIZED, ApiError, json_bytes, message_error
from .bulk import SAMPLE_RUNS
from .faults import FaultTable
from .operations import ApiRequest
from .ratelimit import RateLimiter
from .requestlog import RequestLog
from .routes import API_ROUTER
from .world import World


class FakeApi:
    """Owns every piece of mutable state; self.lock guards all of it."""

    def __init__(self, token, seed, config, quiet, runs=SAMPLE_RUNS):
        self.lock = threading.RLock()
        self.token = token
        self.seed = seed
        self.config = config
        self.quiet = quiet
        self.runs = runs                # org 11's runs (fakeapi.bulk)
        self.stopping = threading.Event()
        self.requests = RequestLog()
        self.faults = FaultTable()
        self.limiter = RateLimiter()
        self.world = World(seed, config, time.time(), time.monotonic(), runs)

    def auth_state(self, header):
        if not header:
            return "missing"
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip() == self.token:
            return "ok"
        return "wrong"

    def process_v1(self, method, path, query, body, auth):
        """Auth, routing, rate limit, handler -> (status, headers, body bytes)."""
        try:
            if auth != "ok":
                raise message_error(401, MSG_UNAUTHORIZED)
            route, params = API_ROUTER.match(method, path)
            with self.lock:
                now = time.monotonic()
                if self.config.rate_limits:
                    retry_after = self.limiter.hit(route.rate_class, now,
                                                   self.config.rate_time_scale)
                    if retry_after:
                        raise ApiError(429, {"message": MSG_RATE_LIMITED, "status_code": 429},
                                       [("Retry-After", str(retry_after))])
                self.world.advance(now, time.time())
                result = route.handler(self.world, ApiRequest(method, path, params, query, body))
                return 200, [], json_bytes(result)
        except ApiError as err:
            return err.status, err.headers, json_bytes(err.body)
        except Exception:   # a bug in the fake: answer like a server error, and say so
            traceback.print_exc(file=sys.stderr)
            return 500, [], json_bytes({"message": "Internal Server Error", "status_code": 500})

    def reset(self):
        with self.lock:
            self.world = World(self.seed, self.config, time.time(), time.monotonic(),
                               self.runs)
            self.requests.clear()
            self.faults.clear()
            self.limiter.clear()
