"""fakeapi.server: the HTTP/1.1 side: connections, bodies, faults acted out, logging.

Handler reads each keep-alive request (Content-Length or chunked, capped),
sends /v1 to FakeApi after taking a fault for it, /_control to
fakeapi.control, and writes every answer with a Content-Length.  It acts the
faults out (stall, drop, truncate, status, 429, malformed, oversized, answer, total,
nolimit) and logs one line per request to stderr, never the token.
"""

import json
import select
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from . import control
from .contract import MSG_RATE_LIMITED, NOT_FOUND, json_bytes
from .faults import MALFORMED_BODY, STALL_MAX_SECONDS, reflect_token

MAX_REQUEST_BODY = 32 * 1024 * 1024
IDLE_KEEPALIVE_SECONDS = 300

HTML_ERRORS = {
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
}


def claim_total(payload, total, skip):
    """A list answer re-sent claiming `total` items (the `total` fault): the
    first page's items, repeated up to the page's size, numbered 1000000 +
    their place in the list (the request's `skip` onwards)."""
    answer = json.loads(payload)
    if isinstance(answer, dict) and "total" in answer and answer.get("items"):
        items, size = answer["items"], answer.get("size") or 1
        answer["items"] = [dict(items[i % len(items)], id=1000000 + skip + i)
                           for i in range(size)]
        answer["total"] = total
        answer["page"] = skip // size + 1
        answer["pages"] = -(-total // size)
    return json_bytes(answer)


class BodyError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Handler(BaseHTTPRequestHandler):
    """One connection; requests are read and answered in order (keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-codegen-api/1.0"
    timeout = IDLE_KEEPALIVE_SECONDS

    def setup(self):
        super().setup()
        # Headers and body are separate writes: without this, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    @property
    def fake(self):
        return self.server.fake

    def version_string(self):
        return self.server_version

    def dispatch(self):
        started = time.monotonic()
        self.request_record = None
        raw_path, _, raw_query = self.path.partition("?")
        path = unquote(raw_path)
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        fault_kind = None
        try:
            try:
                body = self.read_body()
            except (BodyError, ValueError) as err:
                self.close_connection = True
                status = getattr(err, "status", 400)
                self.send_json(status, {"message": str(err), "status_code": status})
                return
            if path == "/v1" or path.startswith("/v1/"):
                status, fault_kind = self.serve_v1(path, query, raw_query, body)
            elif path.startswith("/_control/"):
                status, payload = control.answer(self.fake, self.command, path, query, body)
                status = self.send_json(status, payload)
            else:
                status = self.send_json(404, NOT_FOUND)
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True
            status = None
        self.log_line(status, fault_kind, started)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunked()
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not length.strip().isdigit():
            raise BodyError(400, "bad Content-Length")
        size = int(length)
        if size > MAX_REQUEST_BODY:
            raise BodyError(413, "request body too large")
        return self.rfile.read(size)

    def read_chunked(self):
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_REQUEST_BODY:
                raise BodyError(413, "request body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    # -- /v1 -----------------------------------------------------------------

    def serve_v1(self, path, query, raw_query, body):
        """Answer a /v1 request: fault, then auth, routing, rate limit, handler.
        Returns (status sent or None, fault kind or None)."""
        fake = self.fake
        auth = fake.auth_state(self.headers.get("Authorization"))
        with fake.lock:
            entry = fake.requests.add(self.command, path, raw_query, body, auth,
                                      self.headers.get("Content-Type"),
                                      self.client_address[1])
            fault = fake.faults.take(self.command, path)
            if fault:
                entry["fault"] = fault.kind
        self.request_record = entry
        kind = fault.kind if fault else None
        status = None
        if kind in ("stall", "drop") and fault.params.get("process"):
            # The request takes effect (a create does create the run); only
            # its answer is lost.
            fake.process_v1(self.command, path, query, body, auth)
        if kind == "stall":
            self.stall()
        elif kind == "drop":
            self.close_connection = True
        else:
            if kind == "latency":
                time.sleep(fault.params["ms"] / 1000.0)
            if kind == "answer":
                self.pause_for_latency()
                status = self.send_answer(fault)
            elif kind in ("status", "429", "malformed", "oversized"):
                self.pause_for_latency()
                status = self.send_fault(fault)
            else:
                if kind == "nolimit":
                    query = {k: v for k, v in query.items() if k != "limit"}
                skip = query.get("skip", "0")
                if kind == "total":
                    query = dict(query, skip="0")
                status, headers, payload = fake.process_v1(self.command, path, query, body, auth)
                if kind == "total" and status == 200 and skip.isdigit():
                    payload = claim_total(payload, fault.params["total"], int(skip))
                self.pause_for_latency()
                status = self.send_bytes(status, "application/json", payload, headers,
                                         truncate=(kind == "truncate"))
        return status, kind

    def record_status(self, status):
        """Note the status in the request log before the answer goes out, so a
        client that reads the log right after its answer sees it."""
        if self.request_record is not None:
            with self.fake.lock:
                self.request_record["status"] = status

    def pause_for_latency(self):
        with self.fake.lock:
            latency = self.fake.config.latency_ms
        if latency:
            time.sleep(latency / 1000.0)

    def send_fault(self, fault):
        kind = fault.kind
        if kind == "status":
            code = fault.params["status"]
            if code in HTML_ERRORS:
                reason = HTML_ERRORS[code]
                html = (f"<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
                        f"<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx"
                        f"</center>\r\n</body>\r\n</html>\r\n")
                return self.send_bytes(code, "text/html", html.encode())
            reason = self.responses.get(code, ("Error",))[0]
            return self.send_json(code, {"message": reason, "status_code": code})
        if kind == "429":
            retry = fault.params["retry_after"]
            headers = [] if retry is None else [("Retry-After", str(retry))]
            return self.send_json(429, {"message": MSG_RATE_LIMITED, "status_code": 429},
                                  headers)
        if kind == "malformed":
            return self.send_bytes(200, "application/json", MALFORMED_BODY)
        return self.send_oversized(fault.params["bytes"])

    def send_answer(self, fault):
        """The hostile answer: the fault's body as given (the token sent put in
        for every "{token}"), whole or, with cut, its first half."""
        _, _, sent = (self.headers.get("Authorization") or "").strip().partition(" ")
        body = reflect_token(fault.params["body"], sent.strip())
        return self.send_bytes(fault.params["status"], "application/json", json_bytes(body),
                               truncate=fault.params["cut"])

    def send_oversized(self, size):
        head, tail = b'{"data": "', b'"}'
        self.record_status(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"x" * (1 << 20)
        remaining = size - len(head) - len(tail)
        try:
            self.wfile.write(head)
            while remaining > 0:
                part = chunk if remaining >= len(chunk) else chunk[:remaining]
                self.wfile.write(part)
                remaining -= len(part)
            self.wfile.write(tail)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        return 200

    def stall(self):
        """Hold the connection without answering until the client goes away."""
        self.close_connection = True
        deadline = time.monotonic() + STALL_MAX_SECONDS
        sock = self.connection
        while not self.fake.stopping.is_set() and time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([sock], [], [], 0.2)
                if readable and not sock.recv(65536):
                    return
            except (OSError, ValueError):
                return

    # -- sending ---------------------------------------------------------------

    def send_json(self, status, obj, headers=()):
        return self.send_bytes(status, "application/json", json_bytes(obj), headers)

    def send_bytes(self, status, content_type, body, headers=(), truncate=False):
        """Send a complete answer (or, with truncate, its first half and close)."""
        self.record_status(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body[:len(body) // 2] if truncate else body)
        if truncate:
            self.close_connection = True
        return status

    # -- logging (stderr only, never the token) --------------------------------

    def log_request(self, code="-", size="-"):
        pass    # replaced by log_line, which knows about faults and timing

    def log_message(self, format, *args):
        if not self.fake.quiet:
            sys.stderr.write("fake-codegen-api: " + (format % args) + "\n")

    def log_line(self, status, fault_kind, started):
        if self.fake.quiet:
            return
        elapsed = (time.monotonic() - started) * 1000.0
        target = self.path if len(self.path) <= 200 else self.path[:200] + "..."
        fault = f" fault={fault_kind}" if fault_kind else ""
        sys.stderr.write(f"fake-codegen-api: {self.command} {target} -> "
                         f"{status if status is not None else '-'} {elapsed:.1f}ms{fault}\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a burst of parallel clients (16
    # readers of a mount) would see SYNs dropped and 1 s retransmits.
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address, fake):
        self.fake = fake
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        if not self.fake.quiet:
            exc = sys.exc_info()[1]
            sys.stderr.write(f"fake-codegen-api: connection error: {exc!r}\n")
