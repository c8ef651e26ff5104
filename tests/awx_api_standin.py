"""A recording HTTP stand-in of the controller's REST API, for the real awx.awx modules.

Just enough of AWX's API for an awx.awx module to look an object up by name and create or update it (list
``GET <base>v2/<type>/?name=...``, ``POST <base>v2/<type>/``, ``PATCH <base>v2/<type>/<id>/``), served under
whatever base path the test picks: ``/api/`` (AWX) or ``/api/controller/`` (the AAP 2.5 platform gateway). Any
other path is a 404, as the gateway answers for a path it does not route. Every request is recorded (method,
path, Authorization header) so that a test can say where the modules went.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class ControllerApi:
    def __init__(self, base_path):
        self.base = base_path.rstrip("/") + "/v2/"
        self.requests = []
        self.objects = {}  # type -> {id: object}
        self.next_id = 1
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _route(self, path):
        """(type, id or None) for a path under this API's base, else None."""
        if not path.startswith(self.base):
            return None
        parts = [p for p in path[len(self.base) :].split("/") if p]
        if len(parts) == 1:
            return parts[0], None
        if len(parts) == 2 and parts[1].isdigit():
            return parts[0], int(parts[1])
        return None

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method):
                url = urlsplit(self.path)
                api.requests.append({"method": method, "path": url.path, "authorization": self.headers.get("Authorization")})
                route = api._route(url.path)
                if route is None:
                    return self._reply(404, {"detail": "Not found."})
                kind, item_id = route
                items = api.objects.setdefault(kind, {})
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                if method == "GET" and item_id is None:
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    found = [o for o in items.values() if all(str(o.get(k)) == v for k, v in query.items() if k in ("name", "id"))]
                    return self._reply(200, {"count": len(found), "next": None, "previous": None, "results": found})
                if method == "GET" and item_id in items:
                    return self._reply(200, items[item_id])
                if method == "POST" and item_id is None:
                    new = dict(body, id=api.next_id, type=kind.rstrip("s"), url="%s%s/%d/" % (api.base, kind, api.next_id), related={}, summary_fields={})
                    items[api.next_id] = new
                    api.next_id += 1
                    return self._reply(201, new)
                if method == "PATCH" and item_id in items:
                    items[item_id].update(body)
                    return self._reply(200, items[item_id])
                return self._reply(404, {"detail": "Not found."})

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PATCH(self):
                self._serve("PATCH")

        return Handler
