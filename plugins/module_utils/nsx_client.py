# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one NSX Manager REST client of the collection.

Every module and role talks to NSX through :class:`NsxClient`. It owns authentication
(basic, session + XSRF, client certificate), TLS verification, timeouts, retries with
exponential backoff and jitter, cursor paging and the translation of NSX error bodies into
:class:`NsxApiError`. Nothing here ever puts a password into a message or a log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import re
import threading
import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._rate_limit import RateLimiter

try:
    import requests
    from requests.adapters import HTTPAdapter

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # reported by the module through missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

MAX_PAGE_SIZE = 1000
# NSX answers these when it is overloaded or a transaction was aborted: safe to resend.
RETRY_STATUSES = (429, 503)
# 500/607 transaction aborted, 500/610 (NSXLIB: retryable, e.g. a manager restarting a service).
RETRY_ERROR_CODES = {500: (607, 610)}
# An expired session or XSRF token: 401, 403/98 and, on some releases, 403/403 (NSXLIB re-logs on both).
XSRF_ERROR_CODE = 98
SESSION_ERROR_CODES = (XSRF_ERROR_CODE, 403)
# NSXLIB waits a random 0.4-0.6 s first and backs off up to 5 s; we use the same envelope.
BACKOFF_BASE = 0.5
BACKOFF_MAX = 5.0
RETRY_AFTER_MAX = 60.0
IDEMPOTENT_METHODS = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
BODY_EXCERPT = 200


class NsxApiError(Exception):
    """An NSX call that failed, with what NSX said about it.

    ``status`` is the HTTP status (None when no answer came), ``error_code`` and
    ``error_message`` come from NSX's error body, ``path`` is the request path.
    """

    # What ``to_dict`` gives ``fail_json``; each is also an attribute (None when not given).
    FIELDS = ("status", "error_code", "error_message", "related_errors", "path", "method", "manager")

    def __init__(self, message, details=None, **fields):
        super(NsxApiError, self).__init__(message)
        unknown = set(fields) - set(self.FIELDS)
        if unknown:
            raise TypeError("unknown NsxApiError fields: %s" % ", ".join(sorted(unknown)))
        self.message = message
        self.details = details
        for name in self.FIELDS:
            setattr(self, name, fields.get(name))
        self.related_errors = self.related_errors or []

    def to_dict(self):
        """Structured details for ``fail_json``."""
        return {name: getattr(self, name) for name in self.FIELDS}


def normalize_manager(manager):
    """Return the base URL for ``manager`` (``host``, ``host:port`` or ``https://host[:port]``).

    Raises ValueError naming the problem for anything else: the manager must be one node,
    addressed without a path.
    """
    if not manager or not str(manager).strip():
        raise ValueError("nsx_manager is empty: give one NSX Manager node as host or host:port")
    text = str(manager).strip()
    scheme = "https"
    match = re.match(r"^(https?)://(.*)$", text, re.IGNORECASE)
    if match:
        scheme, text = match.group(1).lower(), match.group(2)
    text = text.rstrip("/")
    if not text or "/" in text or "?" in text or "@" in text or " " in text:
        raise ValueError("nsx_manager %r is not a host or host:port (no path, user or spaces allowed)" % (manager,))
    host, port = text, None
    if text.startswith("["):  # IPv6 literal, [addr]:port
        end = text.find("]")
        if end < 0:
            raise ValueError("nsx_manager %r has an unterminated IPv6 literal" % (manager,))
        host, rest = text[: end + 1], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError("nsx_manager %r is not a host or host:port" % (manager,))
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    if port is not None:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("nsx_manager %r has an invalid port %r" % (manager, port))
        return "%s://%s:%s" % (scheme, host, int(port))
    return "%s://%s" % (scheme, host)


def _retry_after_seconds(value, now=None):
    """Parse a Retry-After header (seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt, retry_after=None, base=BACKOFF_BASE, cap=BACKOFF_MAX, rand=random.uniform):
    """Seconds to wait before retry number ``attempt`` (0-based).

    Exponential from ``base`` with +/-20% jitter, capped at ``cap``; a server's Retry-After
    wins when it asks for longer, itself capped at RETRY_AFTER_MAX.
    """
    delay = min(cap, base * (2**attempt)) * rand(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), RETRY_AFTER_MAX))
    return delay


def _strip_html(text):
    text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()


class NsxClient:
    """A connection to one NSX Manager node.

    ``max_rate`` (requests per second) paces every call, for scans that must stay under NSX's
    ``client_api_rate_limit``; ``pool_size`` bounds the connections kept for concurrent callers.
    ``auth`` is ``session`` (default: one login, then the JSESSIONID cookie and XSRF token,
    which spares NSX a password check per call), ``basic``, or ``cert`` (client certificate;
    chosen automatically when a certificate and no password are given).
    """

    def __init__(
        self,
        manager,
        username=None,
        password=None,
        client_cert=None,
        client_key=None,
        validate_certs=True,
        ca_path=None,
        request_timeout=60.0,
        retries=5,
        auth="session",
        sleep=time.sleep,
        pool_size=10,
        max_rate=None,
    ):
        if not HAS_REQUESTS:
            raise NsxApiError("the Python library requests is required to talk to NSX")
        self.base_url = normalize_manager(manager)
        self.manager = self.base_url.split("://", 1)[1]
        self.username = username
        self._password = password
        self.client_cert = client_cert
        self.client_key = client_key
        self.verify = ca_path if ca_path else bool(validate_certs)
        self.timeout = float(request_timeout)
        self.retries = max(0, int(retries))
        if client_cert and not password:
            auth = "cert"
        if auth not in ("session", "basic", "cert"):
            raise ValueError("unknown NSX auth mode %r (session, basic or cert)" % (auth,))
        if auth in ("session", "basic") and not (username and password):
            raise ValueError("nsx_username and nsx_password are required unless nsx_client_cert is given")
        if auth == "cert" and not client_cert:
            raise ValueError("certificate authentication needs nsx_client_cert")
        self.auth = auth
        self._sleep = sleep
        self.rate_limiter = RateLimiter(max_rate) if max_rate else None
        self._lock = threading.Lock()
        self._login_lock = threading.Lock()
        self._xsrf_token = None
        self._session_generation = 0
        self.request_count = 0
        self.retry_count = 0
        self.http = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, int(pool_size)), max_retries=0)
        self.http.mount("https://", adapter)
        self.http.mount("http://", adapter)
        self.http.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        if auth == "basic":
            self.http.auth = (username, password)
        if client_cert:
            self.http.cert = (client_cert, client_key) if client_key else client_cert

    # -- public API -------------------------------------------------------------------------

    def get(self, path, params=None, **kwargs):
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path, body=None, params=None, **kwargs):
        return self.request("POST", path, params=params, body=body, **kwargs)

    def put(self, path, body=None, params=None, **kwargs):
        return self.request("PUT", path, params=params, body=body, **kwargs)

    def delete(self, path, params=None, **kwargs):
        return self.request("DELETE", path, params=params, **kwargs)

    def request(self, method, path, params=None, body=None, headers=None, allow_overwrite=False, retries=None, idempotent=None):
        """Send one API call, retrying what NSX says is transient; return the decoded JSON.

        An empty 2xx body returns ``{}``. ``allow_overwrite`` sends ``X-Allow-Overwrite: true``,
        needed to change principal-identity-protected (NCP-created) objects. ``idempotent``
        overrides whether a connection lost mid-request may be resent (default: by method).
        """
        method = method.upper()
        if not path.startswith("/"):
            path = "/" + path
        if self.auth == "session" and self._xsrf_token is None:
            self.login()
        retries = self.retries if retries is None else max(0, int(retries))
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        extra = dict(headers or {})
        if allow_overwrite:
            extra["X-Allow-Overwrite"] = "true"
        relogged = False
        attempt = 0
        while True:
            generation = self._session_generation
            try:
                response = self._send(method, path, params, body, extra)
            except requests.exceptions.SSLError as exc:
                raise self._tls_error(method, path, exc)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if attempt < retries and (idempotent or _never_sent(exc)):
                    self._wait(attempt, None)
                    attempt += 1
                    continue
                raise self._connection_error(method, path, exc, attempt)
            status = response.status_code
            if status < 300:
                return self._decode(method, path, response)
            error = self._error_from_response(method, path, response)
            if self.auth == "session" and not relogged and _session_expired(status, error.error_code):
                self.renew_session(generation)
                relogged = True
                continue
            if attempt < retries and _is_transient(status, error.error_code):
                self._wait(attempt, _retry_after_seconds(response.headers.get("Retry-After")))
                attempt += 1
                continue
            raise error

    def pages(self, path, params=None, page_size=MAX_PAGE_SIZE):
        """Yield each page (the decoded list answer) of a cursor-paged NSX list, one at a time."""
        params = dict(params or {})
        params["page_size"] = min(int(page_size), MAX_PAGE_SIZE)
        seen = set()
        while True:
            page = self.get(path, params=params)
            yield page
            cursor = page.get("cursor")
            if not cursor or str(cursor).startswith("0000"):
                return
            if cursor in seen:
                raise self._api_error(
                    "NSX Manager %s returned the same paging cursor twice for GET %s; stopping to avoid an endless listing" % (self.manager, path), "GET", path
                )
            seen.add(cursor)
            params["cursor"] = cursor

    def paginate(self, path, params=None, page_size=MAX_PAGE_SIZE):
        """Yield the objects of a cursor-paged NSX list, streaming page by page."""
        for page in self.pages(path, params=params, page_size=page_size):
            yield from page.get("results") or []

    def list_all(self, path, params=None, page_size=MAX_PAGE_SIZE):
        """The whole list in memory: only for lists known to be small."""
        return list(self.paginate(path, params=params, page_size=page_size))

    def login(self):
        """Open an NSX API session (session auth only)."""
        with self._login_lock:
            if self._xsrf_token is None:
                self._create_session()

    def renew_session(self, generation=None):
        """Log in afresh (session auth; nothing to do otherwise): proves the credentials as they are now, which an
        open session does not - NSX keeps it when the password changes.

        With ``generation`` (of the session that expired), only when no other thread has renewed it since:
        several threads may see the expiry at once and only the first logs in again."""
        if self.auth != "session":
            return
        with self._login_lock:
            if generation is None or self._session_generation == generation:
                self.http.cookies.clear()
                self._xsrf_token = None
                self._create_session()

    def close(self):
        self.http.close()

    # -- internals --------------------------------------------------------------------------

    def _send(self, method, path, params, body, extra_headers):
        headers = dict(extra_headers)
        if self.auth == "session" and self._xsrf_token:
            headers["X-XSRF-TOKEN"] = self._xsrf_token
        if self.rate_limiter:
            self.rate_limiter.acquire()
        with self._lock:
            self.request_count += 1
        # verify= on every call: requests lets REQUESTS_CA_BUNDLE override Session.verify.
        return self.http.request(
            method,
            self.base_url + path,
            params=params,
            json=body,
            headers=headers,
            timeout=self.timeout,
            verify=self.verify,
        )

    def _create_session(self):
        path = "/api/session/create"
        form = {"j_username": self.username, "j_password": self._password}
        try:
            with self._lock:
                self.request_count += 1
            response = self.http.post(
                self.base_url + path,
                data=form,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=self.timeout,
                verify=self.verify,
            )
        except requests.exceptions.SSLError as exc:
            raise self._tls_error("POST", path, exc)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise self._connection_error("POST", path, exc, 0)
        if response.status_code >= 300:
            error = self._error_from_response("POST", path, response)
            if response.status_code in (401, 403):
                error.message = "NSX Manager %s rejected the login of user %r (HTTP %s on POST %s)%s" % (
                    self.manager,
                    self.username,
                    response.status_code,
                    path,
                    (": " + error.error_message) if error.error_message else "",
                )
                error.args = (error.message,)
            raise error
        token = response.headers.get("X-XSRF-TOKEN")
        if not token:
            raise self._api_error(
                "NSX Manager %s opened a session but sent no X-XSRF-TOKEN header (POST %s)" % (self.manager, path), "POST", path, status=response.status_code
            )
        self._xsrf_token = token
        self._session_generation += 1

    def _wait(self, attempt, retry_after):
        with self._lock:
            self.retry_count += 1
        self._sleep(backoff_delay(attempt, retry_after))

    def _decode(self, method, path, response):
        if not response.content or not response.content.strip():
            return {}
        try:
            return response.json()
        except ValueError:
            raise self._api_error(
                "NSX Manager %s answered %s %s with HTTP %s but the body is not JSON: %r"
                % (self.manager, method, path, response.status_code, self._excerpt(response.text)),
                method,
                path,
                status=response.status_code,
            )

    def _error_from_response(self, method, path, response):
        status = response.status_code
        body = None
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if isinstance(body, dict) and ("error_code" in body or "error_message" in body):
            code = body.get("error_code")
            text = self._mask(str(body.get("error_message") or ""))
            related = [
                {"error_code": item.get("error_code"), "error_message": self._mask(str(item.get("error_message") or ""))}
                for item in body.get("related_errors") or []
                if isinstance(item, dict)
            ]
            message = "NSX Manager %s: %s %s failed with HTTP %s, error_code %s: %s" % (self.manager, method, path, status, code, text)
            if related:
                message += " (related: %s)" % "; ".join("%s %s" % (item["error_code"], item["error_message"]) for item in related)
            details = body.get("details")
            return self._api_error(message, method, path, status=status, error_code=code, error_message=text, related_errors=related, details=details)
        if not response.content or not response.content.strip():
            what = "an empty body"
        elif "html" in (response.headers.get("Content-Type") or "").lower() or response.text.lstrip().startswith("<"):
            what = "an HTML page: %r" % self._excerpt(_strip_html(response.text))
        else:
            what = "a body that is not an NSX error: %r" % self._excerpt(response.text)
        hint = ""
        if status in (401, 403):
            hint = " (check nsx_username / nsx_password or the client certificate)"
        message = "NSX Manager %s: %s %s failed with HTTP %s and %s%s" % (self.manager, method, path, status, what, hint)
        return self._api_error(message, method, path, status=status)

    def _connection_error(self, method, path, exc, attempts):
        kind = "timed out after %ss" % self.timeout if isinstance(exc, requests.exceptions.Timeout) else "could not be reached"
        return self._api_error(
            "NSX Manager %s %s on %s %s (%d retries): %s" % (self.manager, kind, method, path, attempts, self._mask(_root_cause(exc))), method, path
        )

    def _tls_error(self, method, path, exc):
        return self._api_error(
            "TLS verification of NSX Manager %s failed on %s %s: %s. Give the manager's CA in ca_path, or set validate_certs false in a lab"
            % (self.manager, method, path, self._mask(_root_cause(exc))),
            method,
            path,
        )

    def _api_error(self, message, method, path, **fields):
        return NsxApiError(message, manager=self.manager, method=method, path=path, **fields)

    def _excerpt(self, text):
        text = self._mask(text or "")
        return text[:BODY_EXCERPT] + ("..." if len(text) > BODY_EXCERPT else "")

    def _mask(self, text):
        # NSX passwords are at least 12 characters; masking one or two letters would garble text.
        if self._password and len(self._password) >= 4:
            text = text.replace(self._password, "********")
        return text


def _is_transient(status, error_code):
    if status in RETRY_STATUSES:
        return True
    return error_code in RETRY_ERROR_CODES.get(status, ())


def _session_expired(status, error_code):
    return status == 401 or (status == 403 and error_code in SESSION_ERROR_CODES)


def _never_sent(exc):
    """True when the request cannot have reached NSX, so even a POST may be resent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text


def _root_cause(exc):
    """The useful part of a requests/urllib3 exception text (which nests several reprs)."""
    text = str(exc)
    for pattern in (r"\[Errno -?\d+\][^'\")]*", r"certificate verify failed[^'\")]*", r"[Rr]ead timed out", r"Remote end closed connection[^'\")]*"):
        match = re.search(pattern, text)
        if match:
            return match.group(0).strip()
    return text
