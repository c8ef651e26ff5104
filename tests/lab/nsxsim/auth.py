"""Authentication as NSX does it: HTTP Basic, session cookie + XSRF token, or a client certificate.

Three kinds of account (readers.py): the superuser ``settings.username``, the read-only
``settings.readonly_username``, and principal identities by client certificate (CN = identity).

Bad or missing credentials answer 403 with error_code 403 (NSX does not use 401); a session request whose
``X-XSRF-TOKEN`` is missing or wrong answers 403 with error_code 98.
"""

import base64
import binascii
import secrets
import threading
import time
import urllib.parse
from http.cookies import CookieError, SimpleCookie

from .errors import bad_credentials, bad_xsrf
from .readers import PRINCIPAL, READ_ONLY, SUPERUSER

SESSION_COOKIE = "JSESSIONID"
XSRF_HEADER = "X-XSRF-TOKEN"


class Session:
    def __init__(self, username, role, xsrf, idle_seconds):
        self.username = username
        self.role = role
        self.xsrf = xsrf
        self.idle_seconds = idle_seconds
        self.last_used = time.monotonic()
        self.expired = False

    def alive(self):
        return not self.expired and time.monotonic() - self.last_used < self.idle_seconds


class Authenticator:
    def __init__(self, settings):
        self.settings = settings
        self.sessions = {}
        self._lock = threading.Lock()

    def authenticate(self, request):
        """Set ``request.principal``; raise an NSX 403 when no valid credential comes with the request."""
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            user, password = _decode_basic(header[6:].strip())
            role = self._role_of(user, password)
            if role is None:
                raise bad_credentials()
            request.principal, request.auth_kind, request.role = user, "basic", role
            return
        session_id = _session_cookie(request.headers.get("Cookie"))
        if session_id:
            with self._lock:
                session = self.sessions.get(session_id)
                if session is None or not session.alive():
                    self.sessions.pop(session_id, None)
                    raise bad_credentials()
                if request.headers.get(XSRF_HEADER) != session.xsrf:
                    raise bad_xsrf()
                session.last_used = time.monotonic()
            request.principal, request.auth_kind, request.role = session.username, "session", session.role
            return
        if request.peer_cn:
            request.principal, request.auth_kind, request.role = request.peer_cn, "certificate", PRINCIPAL
            return
        raise bad_credentials()

    def _role_of(self, user, password):
        """SUPERUSER or READ_ONLY for a known user and password, else None."""
        accounts = ((self.settings.username, self.settings.password, SUPERUSER), (self.settings.readonly_username, self.settings.readonly_password, READ_ONLY))
        for known_user, known_password, role in accounts:
            if secrets.compare_digest(str(user), known_user) and secrets.compare_digest(str(password), known_password):
                return role
        return None

    def create_session(self, body, secure):
        """POST /api/session/create: form j_username/j_password -> (headers) with cookie and XSRF token."""
        form = urllib.parse.parse_qs((body or b"").decode("utf-8", "replace"))
        user = form.get("j_username", [""])[0]
        password = form.get("j_password", [""])[0]
        role = self._role_of(user, password)
        if role is None:
            raise bad_credentials()
        session_id = secrets.token_hex(16)
        xsrf = secrets.token_urlsafe(24)
        with self._lock:
            self.sessions[session_id] = Session(user, role, xsrf, self.settings.session_idle_seconds)
        cookie = f"{SESSION_COOKIE}={session_id}; Path=/; HttpOnly" + ("; Secure" if secure else "")
        return {"Set-Cookie": cookie, XSRF_HEADER: xsrf}

    def destroy_session(self, request):
        session_id = _session_cookie(request.headers.get("Cookie"))
        with self._lock:
            self.sessions.pop(session_id, None)

    def expire_sessions(self):
        """Lab control: every existing session becomes invalid, so clients must log in again."""
        with self._lock:
            for session in self.sessions.values():
                session.expired = True
            count = len(self.sessions)
        return count


def _decode_basic(token):
    try:
        user, _sep, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_credentials() from None
    return user, password


def _session_cookie(header):
    if not header:
        return None
    cookie = SimpleCookie()
    try:
        cookie.load(header)
    except CookieError:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None
