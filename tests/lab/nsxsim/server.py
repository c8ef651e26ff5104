"""HTTP(S) front end: a stdlib ThreadingHTTPServer speaking HTTP/1.1 keep-alive.

Each answer (status line, headers and body) goes out in one write with Nagle disabled: writing headers and body
separately costs ~40 ms per keep-alive request (Nagle + delayed ACK). Every error is an NSX-shaped JSON body; a
Python traceback only ever goes to the server's stderr.
"""

import json
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .errors import NsxError, bad_request, internal_error
from .faults import EXPIRE_SESSIONS
from .readers import check_may_write, reader_view
from .routing import Request, Response
from .simulator import PUBLIC_PATHS

LAB_PREFIX = "/_lab"


class NsxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "NSX"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end after this

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(self.timeout)
            self.request.do_handshake()
        super().setup()

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self):  # noqa: N802 - http.server naming
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def do_PUT(self):  # noqa: N802
        self._serve("PUT")

    def do_PATCH(self):  # noqa: N802
        self._serve("PATCH")

    def do_DELETE(self):  # noqa: N802
        self._serve("DELETE")

    def do_HEAD(self):  # noqa: N802
        self._serve("HEAD")

    def do_OPTIONS(self):  # noqa: N802
        self._serve("OPTIONS")

    # -- request pipeline --------------------------------------------------------------------
    def _serve(self, method):
        sim = self.server.simulator
        parts = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parts.path)
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            body = self._read_body()
        except NsxError as error:
            self.close_connection = True
            self._send_error(error)
            return
        request = Request(method, path, query, self.headers, body, self.client_address[0], self._peer_cn())
        if sim.settings.log_requests:
            sys.stderr.write(f"nsxsim {method} {self.path}\n")
        if path == LAB_PREFIX or path.startswith(LAB_PREFIX + "/"):
            self._dispatch(sim.lab_router, request, authenticate=False)
            return
        sim.count(method, path)
        try:
            sim.limits.enter(request.client_ip)
        except NsxError as error:
            self._send_error(error)
            return
        try:
            # Injected latency runs inside the admitted request, so it holds a concurrency slot like a slow NSX.
            latency, action = sim.faults.on_request(method, path)
            if latency:
                time.sleep(latency)
            if action == "drop":
                self._drop()
            elif isinstance(action, NsxError):
                self._send_error(action)
            else:
                if action == EXPIRE_SESSIONS:
                    sim.auth.expire_sessions()
                self._dispatch(sim.router, request, authenticate=path not in PUBLIC_PATHS)
        finally:
            sim.limits.leave()

    def _dispatch(self, router, request, authenticate):
        sim = self.server.simulator
        try:
            if authenticate:
                sim.auth.authenticate(request)
                check_may_write(request)
            handler, params = router.resolve(request.method, request.path)
            with sim.inventory.lock:
                result = handler(request, **params)
                response = result if isinstance(result, Response) else Response(result)
                body = response.body if request.role is None else reader_view(response.body, request.principal, request.role)
                payload = b"" if body is None else json.dumps(body).encode()
        except NsxError as error:
            response, payload = Response(None, error.status, error.headers), json.dumps(error.body()).encode()
        except Exception:  # noqa: BLE001 - any bug becomes an NSX 500 for the client, the traceback stays here
            traceback.print_exc(file=sys.stderr)
            error = internal_error()
            response, payload = Response(None, error.status), json.dumps(error.body()).encode()
        if response.delay:
            time.sleep(response.delay)
        self._write(response.status, payload, response.headers)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = self.rfile.readline(65537).split(b";")[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    raise bad_request("Malformed chunked request body.") from None
                if size == 0:
                    self.rfile.readline(65537)
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            raise bad_request(f"Invalid Content-Length: {length}") from None
        if size < 0:
            raise bad_request(f"Invalid Content-Length: {length}")
        return self.rfile.read(size)

    def _peer_cn(self):
        if not isinstance(self.connection, ssl.SSLSocket):
            return None
        cert = self.connection.getpeercert()
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    # -- output ------------------------------------------------------------------------------------
    def _drop(self):
        """Close the connection without answering (a lab fault)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_error(self, error):
        self._write(error.status, json.dumps(error.body()).encode(), error.headers)

    def _write(self, status, payload, headers):
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {status} {reason}", f"Date: {self.date_time_string()}", "Server: NSX", f"Content-Length: {len(payload)}"]
        if payload:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            data += payload
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def send_error(self, code, message=None, explain=None):
        """Errors http.server raises itself (bad request line, unsupported method) in NSX's shape."""
        if code == HTTPStatus.NOT_IMPLEMENTED:
            code = HTTPStatus.METHOD_NOT_ALLOWED
        self.close_connection = True
        error = NsxError(code, int(code), message or HTTPStatus(code).phrase)
        self._send_error(error)

    def log_message(self, format, *args):  # noqa: A002 - signature of http.server
        if self.server.simulator.settings.log_requests:
            sys.stderr.write("nsxsim: " + (format % args) + "\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # Clients that hang up or fail the TLS handshake are normal in fault tests.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class SimulatorServer:
    """Serves one Simulator on 127.0.0.1; ``start()`` in a background thread or ``serve_forever()``."""

    def __init__(self, simulator, port=0, host="127.0.0.1", tls_context=None):
        self.simulator = simulator
        self.httpd = _Server((host, port), NsxRequestHandler)
        self.httpd.simulator = simulator
        if tls_context is not None:
            simulator.tls_context = tls_context
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.scheme = "https" if tls_context is not None else "http"
        self.host = host
        self.port = self.httpd.server_address[1]
        self._thread = None

    @property
    def url(self):
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="nsxsim-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
