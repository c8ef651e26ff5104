"""Request/response objects and the path router.

``{name}`` placeholders match one path segment, ``{name*}`` the rest of the path.
"""

import json
import re

from .errors import bad_request, method_not_allowed, unknown_uri

_PLACEHOLDER = re.compile(r"\{(\w+)(\*?)\}")


class Request:
    """One parsed API request as handlers see it."""

    def __init__(self, method, path, query, headers, body, client_ip, peer_cn=None):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client_ip = client_ip
        self.peer_cn = peer_cn
        self.principal = None  # set by authentication
        self.auth_kind = None  # "basic", "session" or "certificate"
        self.role = None  # readers.SUPERUSER, READ_ONLY or PRINCIPAL, set by authentication

    def json(self, required=True):
        if not self.body or not self.body.strip():
            if required:
                raise bad_request("The request body is missing.", error_code=325)
            return {}
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"Unable to parse the request body as JSON: {exc}", error_code=325) from None
        if not isinstance(data, dict):
            raise bad_request("The request body must be a JSON object.", error_code=325)
        return data

    @property
    def allow_overwrite(self):
        return str(self.headers.get("X-Allow-Overwrite", "")).lower() == "true"

    @property
    def action(self):
        return self.query.get("action")


class Response:
    """What a handler answers: a JSON-able body (or None for an empty body), headers, and an optional delay."""

    def __init__(self, body=None, status=200, headers=None, delay=0.0):
        self.body = body
        self.status = status
        self.headers = dict(headers or {})
        self.delay = delay


class Route:
    def __init__(self, method, pattern, handler):
        self.method = method
        self.pattern = pattern
        parts = _PLACEHOLDER.split(pattern)
        regex = ""
        # split() yields literal, name, star, literal, name, star, ..., literal
        for index in range(0, len(parts), 3):
            regex += re.escape(parts[index])
            if index + 1 < len(parts):
                regex += f"(?P<{parts[index + 1]}>{'.+' if parts[index + 2] else '[^/]+'})"
        self.regex = re.compile(f"^{regex}$")
        self.handler = handler


class Router:
    def __init__(self, routes=()):
        self.routes = list(routes)

    def add(self, method, pattern, handler):
        self.routes.append(Route(method, pattern, handler))

    def resolve(self, method, path):
        """(handler, params) or an NSX-shaped 404/405."""
        path_matched = False
        for route in self.routes:
            match = route.regex.match(path)
            if not match:
                continue
            if route.method == method:
                return route.handler, match.groupdict()
            path_matched = True
        if path_matched:
            raise method_not_allowed(method, path)
        raise unknown_uri(path)


def require_action(request, allowed):
    action = request.action
    if action not in allowed:
        raise bad_request(f"Invalid action '{action}'. Supported actions: {', '.join(allowed)}.")
    return action
