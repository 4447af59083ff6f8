"""The real transport path for the e2e tests: nginx from Debian in front of the
fake Codegen API, speaking TLS with HTTP/2, with certificates from a
throwaway CA made here with openssl.

    front = TlsFront(fake)          # nginx on four ports, in a temp dir
    front.url("good")               # https://localhost:PORT, trusted via front.ca_file
    front.url("expired")            # a certificate whose validity has ended
    front.url("wronghost")          # a certificate for another host name
    front.url("tls10")              # a server that speaks TLS 1.0 only
    front.mark(); front.log(since)  # what nginx served: (port, protocol, method, uri, status)
    front.stop()

Every server also answers for api.codegen.test (a name only a proxy can
resolve: see ConnectProxy).  Needs nginx and openssl (scripts/setup
installs both); skip_reason() says why they cannot run.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from harness import loopback_listener

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
KINDS = ("good", "expired", "wronghost", "tls10")
HOSTS = "DNS:localhost,DNS:api.codegen.test,IP:127.0.0.1"


# A mount's environment for the front: no proxy from the environment, and no
# CA bundle from it either (the mount is given --ca-file, or a test sets one).
NO_PROXY_ENV = {"http_proxy": "", "https_proxy": "", "HTTPS_PROXY": "", "ALL_PROXY": "",
                "all_proxy": "", "no_proxy": "", "NO_PROXY": ""}
NO_CA_ENV = {"CURL_CA_BUNDLE": "", "SSL_CERT_FILE": "", "SSL_CERT_DIR": ""}


def skip_reason():
    if not os.access(NGINX, os.X_OK):
        return "nginx is not installed (scripts/setup installs it)"
    if not shutil.which("openssl"):
        return "openssl is not installed"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(directory):
    """A CA (ca.pem) and three server certificates signed by it: good.pem
    (localhost, valid two days), expired.pem (its notAfter is yesterday),
    wronghost.pem (for other.invalid only); each with its .key."""
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=codegen-fs test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    for name, days, hosts in (("good", "2", HOSTS), ("expired", "-1", HOSTS),
                              ("wronghost", "2", "DNS:other.invalid")):
        with open(os.path.join(directory, f"{name}.ext"), "w") as f:
            f.write(f"subjectAltName={hosts}\nextendedKeyUsage=serverAuth\n")
        _openssl("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=directory)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", days,
                 "-extfile", f"{name}.ext", cwd=directory)


SERVER = """
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost api.codegen.test;
        ssl_certificate {dir}/{cert}.pem;
        ssl_certificate_key {dir}/{cert}.key;
        {protocols}
        location / {{
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 300s;
        }}
    }}
"""

CONFIG = """
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
daemon off;
events {{ worker_connections 512; }}
http {{
    log_format cgfs '$server_port $server_protocol $request_method $request_uri $status '
                    '$connection';
    access_log {dir}/access.log cgfs;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    client_max_body_size 64m;
    upstream fake {{ server 127.0.0.1:{fake_port}; keepalive 16; }}
{servers}
}}
"""


class TlsFront:
    def __init__(self, fake):
        self.dir = tempfile.mkdtemp(prefix="cgfs-tls-")
        os.chmod(self.dir, 0o755)
        os.mkdir(os.path.join(self.dir, "tmp"))
        make_pki(self.dir)
        self.ca_file = os.path.join(self.dir, "ca.pem")
        self.ports = {kind: _free_port() for kind in KINDS}
        servers = []
        for kind in KINDS:
            protocols = ("ssl_protocols TLSv1; ssl_ciphers DEFAULT:@SECLEVEL=0;"
                         if kind == "tls10" else "ssl_protocols TLSv1.2 TLSv1.3;")
            cert = "good" if kind == "tls10" else kind
            servers.append(SERVER.format(port=self.ports[kind], dir=self.dir, cert=cert,
                                         protocols=protocols))
        user = "user root root;" if os.geteuid() == 0 else ""
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(CONFIG.format(user=user, dir=self.dir, fake_port=fake.port,
                                  servers="".join(servers)))
        self.access_log = os.path.join(self.dir, "access.log")
        open(self.access_log, "w").close()
        self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c", "nginx.conf"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: "
                                   f"{self.proc.stderr.read().decode(errors='replace')}"
                                   f"{self.error_log()}")
            if all(self._listening(p) for p in self.ports.values()):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen within 10 s: {self.error_log()}")

    @staticmethod
    def _listening(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    def url(self, kind="good", host="localhost"):
        return f"https://{host}:{self.ports[kind]}"

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def mark(self):
        return os.path.getsize(self.access_log)

    def _rows(self, since):
        with open(self.access_log) as f:
            f.seek(since)
            return [line.split() for line in f.read().splitlines() if len(line.split()) == 6]

    def log(self, since=0):
        """[(port, protocol, method, uri, status)] nginx served since mark()."""
        return [(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in self._rows(since)]

    def connections(self, since=0, port=None):
        """{nginx's connection serial number: requests on it} since mark()."""
        seen = {}
        for r in self._rows(since):
            if port is None or int(r[0]) == port:
                seen[int(r[5])] = seen.get(int(r[5]), 0) + 1
        return seen

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class ConnectProxy:
    """An HTTPS proxy that tunnels each CONNECT to a port of its own choosing
    (any host name: the proxy does the resolving) and records the CONNECT
    lines and every byte it relays each way."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.sock, self.url = loopback_listener()
        self.lock = threading.Lock()
        self.connects = []
        self.relayed = bytearray()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(conn,), daemon=True).start()

    def _tunnel(self, conn):
        head = b""
        with conn:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            request_line = head.split(b"\r\n", 1)[0]
            with self.lock:
                self.connects.append(head)
            if not request_line.startswith(b"CONNECT "):
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with upstream:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                rest = head.split(b"\r\n\r\n", 1)[1]
                if rest:
                    upstream.sendall(rest)
                pump = threading.Thread(target=self._pump, args=(upstream, conn), daemon=True)
                pump.start()
                self._pump(conn, upstream)
                pump.join(5)

    def _pump(self, src, dst):
        src.settimeout(None)
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.relayed += data
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def seen(self):
        with self.lock:
            return list(self.connects), bytes(self.relayed)

    def close(self):
        self.sock.close()
