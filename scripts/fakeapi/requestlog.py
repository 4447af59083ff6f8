"""fakeapi.requestlog: the log of every /v1 request, for tests to inspect.

GET /_control/requests reads it.  Entries keep method, path, query, body,
auth state (never the token), content type, status and fault; seq numbers
never go back, even after clear().
"""

import collections
import time

REQUEST_LOG_CAP = 100000


class RequestLog:
    """Every /v1 request in arrival order; seq never goes back, even after clear()."""

    def __init__(self):
        self.entries = collections.deque(maxlen=REQUEST_LOG_CAP)
        self.seq = 0

    def add(self, method, path, query, body, auth, content_type, client_port):
        self.seq += 1
        entry = {"seq": self.seq, "method": method, "path": path, "query": query,
                 "body": body.decode("utf-8", "replace") if body else None, "auth": auth,
                 "content_type": content_type, "status": None, "fault": None,
                 "client_port": client_port, "time": time.time()}
        self.entries.append(entry)
        return entry

    def since(self, seq):
        return [dict(e) for e in self.entries if e["seq"] > seq]

    def clear(self):
        self.entries.clear()
