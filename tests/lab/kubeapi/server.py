"""HTTP(S) front of the lab cluster: routing, auth, JSON answers, streamed watches, lab admin endpoints."""

import base64
import hmac
import json
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import admin, authz, openapi, rest
from .controller import Controller
from .errors import ApiError
from .resources import GROUP_VERSIONS, SERVER_VERSION, api_group, api_group_list, api_resource_list, api_versions, find

WATCH_DEFAULT_TIMEOUT = 1800
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class Auth:
    """Accepted credentials: a bearer token and/or a basic user/password (none: open)."""

    def __init__(self, token=None, username=None, password=None):
        self.token, self.username, self.password = token, username, password

    def allows(self, header):
        if not (self.token or self.username):
            return True
        scheme, _space, value = (header or "").partition(" ")
        if scheme.lower() == "bearer" and self.token:
            return hmac.compare_digest(value.strip(), self.token)
        if scheme.lower() == "basic" and self.username:
            try:
                user, _colon, password = base64.b64decode(value.strip()).decode().partition(":")
            except ValueError:
                return False
            return hmac.compare_digest(user, self.username) and hmac.compare_digest(password, self.password or "")
        return False


def parse_resource_path(parts):
    """``api/v1/...`` or ``apis/G/V/...`` split into (group, version, namespace, plural, name, subresource)."""
    if parts[0] == "api":
        group, version, rest_parts = "", parts[1], parts[2:]
    else:
        group, version, rest_parts = parts[1], parts[2], parts[3:]
    namespace = None
    if len(rest_parts) >= 3 and rest_parts[0] == "namespaces":
        namespace, rest_parts = rest_parts[1], rest_parts[2:]
    plural = rest_parts[0]
    name = rest_parts[1] if len(rest_parts) > 1 else None
    sub = rest_parts[2] if len(rest_parts) > 2 else None
    if len(rest_parts) > 3:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    return group, version, namespace, plural, name, sub


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # see toolchain.md: avoids 40 ms per keep-alive request
    server_version = "lab-kube-apiserver"

    # ---- plumbing --------------------------------------------------------------------------------
    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        if self.server.lab.verbose:
            sys.stderr.write("kubeapi %s\n" % (format % args))

    def _send(self, code, body):
        payload = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self):
        lab = self.server.lab
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        body = self._read_body()
        try:
            if parts[:1] == ["_lab"]:
                return self._send(*admin.handle(lab.store, self.command, parts[1:], body))
            if lab.store.faults.get("unreachable"):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # the client sees the connection drop
                return None
            if not lab.auth.allows(self.headers.get("Authorization")):
                return self._send(401, ApiError(401, "Unauthorized", "Unauthorized").status())
            return self._route(parts, urllib.parse.parse_qs(url.query), body)
        except ApiError as exc:
            return self._send(exc.code, exc.status())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return None

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch  # noqa: N815 - http.server's names

    # ---- routes ------------------------------------------------------------------------------------
    def _route(self, parts, query, body):
        lab = self.server.lab
        if self.command == "GET":
            fixed = self._fixed_document(parts)
            if fixed is not None:
                return self._send(200, fixed)
        if self.command == "POST" and parts == authz.REVIEW_PATH:
            with lab.store.lock:
                return self._send(*authz.review(lab.store, body))
        if parts[:1] == ["api"] and len(parts) >= 3 or parts[:1] == ["apis"] and len(parts) >= 4:
            group, version, namespace, plural, name, sub = parse_resource_path(parts)
            res = find(group, version, plural)
            if res is None or (namespace is not None and not res.namespaced):
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            authz.check(lab.store, authz.request_verb(self.command, name, query), res, namespace, name, sub)
            if res.namespaced and namespace is None and self.command not in ("GET",):
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            req = rest.Request(
                self.command,
                res,
                namespace,
                name,
                sub,
                query,
                body,
                self.headers.get("Content-Type", ""),
                self.headers.get("Accept", ""),
                self.headers.get("User-Agent", ""),
            )
            if self.command == "GET" and req.param("watch") in ("1", "true"):
                return self._watch(req)
            return self._send(*rest.handle(lab.store, req))
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    def _fixed_document(self, parts):
        """Discovery, version, health and OpenAPI documents; None when the path is none of them."""
        path = "/".join(parts)
        if path == "api":
            return api_versions(f"127.0.0.1:{self.server.server_address[1]}")
        if path == "apis":
            return api_group_list()
        if path == "version":
            return SERVER_VERSION
        if path in ("healthz", "readyz", "livez"):
            return "ok"
        if path == "openapi/v3":
            return openapi.root_document()
        if parts[:2] == ["openapi", "v3"]:
            rest_parts = parts[2:]
            group, version = ("", rest_parts[1]) if rest_parts[:1] == ["api"] and len(rest_parts) == 2 else (None, None)
            if rest_parts[:1] == ["apis"] and len(rest_parts) == 3:
                group, version = rest_parts[1], rest_parts[2]
            doc = openapi.group_version_document(group, version) if version else None
            if doc is None:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return doc
        if len(parts) == 2 and parts[0] == "api":
            return api_resource_list("", parts[1])
        if len(parts) == 2 and parts[0] == "apis":
            return api_group(parts[1]) if any(group == parts[1] for group, _version in GROUP_VERSIONS) else None
        if len(parts) == 3 and parts[0] == "apis":
            return api_resource_list(parts[1], parts[2])
        return None

    # ---- watch -------------------------------------------------------------------------------------
    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _event(self, kind, obj):
        self._chunk(json.dumps({"type": kind, "object": obj}).encode() + b"\n")

    def _watch(self, req):
        store = self.server.lab.store
        if req.name:
            req.query["fieldSelector"] = [",".join(filter(None, [req.param("fieldSelector"), f"metadata.name={req.name}"]))]
        match = rest.predicate(req)
        timeout = float(req.param("timeoutSeconds") or WATCH_DEFAULT_TIMEOUT)
        wanted = req.param("resourceVersion") or ""
        initial = req.param("sendInitialEvents") == "true" or wanted in ("", "0")
        with store.lock:
            items, current = store.list(req.resource, req.namespace, match)
            since = current if initial else int(wanted)
            store.events_after(since)  # 410 Gone before any byte is sent
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            if initial:
                for obj in items:
                    self._event("ADDED", obj)
            if req.param("sendInitialEvents") == "true":
                bookmark = {
                    "kind": req.resource.kind,
                    "apiVersion": req.resource.api_version,
                    "metadata": {"resourceVersion": str(current), "annotations": {INITIAL_EVENTS_END: "true"}},
                }
                self._event("BOOKMARK", bookmark)
            self._stream(req, match, since, time.monotonic() + timeout)
            self._chunk(b"")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        self.close_connection = True

    def _stream(self, req, match, since, deadline):
        store = self.server.lab.store
        while not self.server.lab.stopping.is_set() and time.monotonic() < deadline:
            with store.changed:
                try:
                    events = store.events_after(since)
                except ApiError:
                    return
                if not events:
                    store.changed.wait(timeout=0.5)
                    continue
            for version, plural, namespace, kind, obj in events:
                since = version
                if plural != req.resource.plural or (req.namespace and namespace != req.namespace) or not match(obj):
                    continue
                self._event(kind, obj)


class LabHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class KubeApiServer:
    """One lab cluster's API server (HTTP, or HTTPS with ``ssl_context``) plus its controller."""

    def __init__(self, store, port=0, auth=None, ssl_context=None, verbose=False):
        self.store = store
        self.auth = auth or Auth()
        self.verbose = verbose
        self.stopping = threading.Event()
        self.controller = Controller(store)
        self.httpd = LabHTTPServer(("127.0.0.1", port), Handler)
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if ssl_context is not None else "http"
        self.httpd.lab = self
        self._thread = None

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self):
        self.controller.start()
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="kubeapi-http", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.controller.stop()
        if self._thread:
            self._thread.join(timeout=5)
