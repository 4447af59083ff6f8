"""fakeapi.ratelimit: the documented rate limits, as one sliding window per class.

The classes and their (requests, window) are contract.RATE_LIMITS; the
windows are scaled by --rate-time-scale.  A refused request is not counted.
"""

import collections
import math

from .contract import RATE_LIMITS


class RateLimiter:
    """Sliding window per rate-limit class (one token is valid, so per token)."""

    def __init__(self):
        self.windows = collections.defaultdict(collections.deque)

    def hit(self, rate_class, now, scale):
        """Count a request at monotonic time now; returns 0 if allowed, else the
        Retry-After in whole seconds (the refused request is not counted)."""
        limit, window = RATE_LIMITS[rate_class]
        window *= scale
        hits = self.windows[rate_class]
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            return max(1, math.ceil(hits[0] + window - now))
        hits.append(now)
        return 0

    def clear(self):
        self.windows.clear()
