"""A real HTTP(S) server on 127.0.0.1 whose answers a test scripts, for client tests.

Each route is (method, path) -> a list of answers served in order (the last one repeats).
An answer is (status, body, headers) or the string ``"drop"`` to close the connection
without answering. Every request is recorded with its headers and body.
"""

import datetime
import http.server
import ipaddress
import json
import os
import ssl
import threading
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class ScriptedServer:
    def __init__(self, tls_dir=None):
        self.routes = {}
        self.requests = []
        self.handler = None  # optional callable(request) -> answer or None
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                record = {"method": self.command, "path": url.path, "query": url.query, "headers": dict(self.headers), "body": body}
                server.requests.append(record)
                answer = server.handler(record) if server.handler else None
                if answer is None:
                    not_found = (404, {"httpStatus": "NOT_FOUND", "error_code": 202, "error_message": "not found"}, {})
                    answers = server.routes.get((self.command, url.path)) or [not_found]
                    answer = answers.pop(0) if len(answers) > 1 else answers[0]
                if answer == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                status, payload, headers = answer
                data = payload if isinstance(payload, bytes) else (b"" if payload is None else json.dumps(payload).encode())
                head = "HTTP/1.1 %d X\r\nContent-Length: %d\r\n" % (status, len(data))
                if "Content-Type" not in headers and payload is not None and not isinstance(payload, bytes):
                    head += "Content-Type: application/json\r\n"
                for key, value in headers.items():
                    head += "%s: %s\r\n" % (key, value)
                self.wfile.write(head.encode() + b"\r\n" + data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        scheme = "http"
        if tls_dir:
            self.ca_path, cert, key = make_self_signed(tls_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.port = self.httpd.server_address[1]
        self.address = "127.0.0.1:%d" % self.port
        self.url = "%s://%s" % (scheme, self.address)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, method, path, *answers):
        self.routes[(method, path)] = list(answers)

    def calls(self, method=None, path=None):
        return [r for r in self.requests if (method is None or r["method"] == method) and (path is None or r["path"] == path)]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def make_self_signed(directory):
    """A CA and a server certificate for 127.0.0.1 signed by it; returns (ca, cert, key) paths."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject, issuer, public_key, signer, is_ca, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(san, critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scripted-test-ca")])
    ca = build(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    cert = build(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name, key.public_key(), ca_key, False, san)
    paths = [os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server.key")]
    with open(paths[0], "wb") as handle:
        handle.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths
