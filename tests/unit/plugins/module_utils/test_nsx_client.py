"""NsxClient against a real local HTTP server: paging, retries, auth, errors, TLS, secrets."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import nsx_client
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError, NsxClient, backoff_delay, normalize_manager

PASSWORD = "S3cret!pass-word"
OK = (200, {"ok": True}, {})


def make_client(server, auth="basic", **kwargs):
    sleeps = []
    kwargs.setdefault("validate_certs", False)
    client = NsxClient(server.url, username="admin", password=PASSWORD, auth=auth, sleep=sleeps.append, **kwargs)
    client.sleeps = sleeps
    return client


def nsx_error(status, code, message, **extra):
    body = {"httpStatus": "X", "error_code": code, "module_name": "common-services", "error_message": message}
    body.update(extra)
    return (status, body, {})


# -- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, url",
    [
        ("nsx1.example.com", "https://nsx1.example.com"),
        ("10.0.0.5:8443", "https://10.0.0.5:8443"),
        ("https://nsx1/", "https://nsx1"),
        ("http://127.0.0.1:1234", "http://127.0.0.1:1234"),
        ("[fd00::1]:443", "https://[fd00::1]:443"),
    ],
)
def test_manager_address_is_normalized(given, url):
    assert normalize_manager(given) == url


@pytest.mark.parametrize("given", ["", "nsx1/api", "nsx1:99999", "user@nsx1", "nsx1:abc"])
def test_bad_manager_address_is_refused_by_name(given):
    with pytest.raises(ValueError, match="nsx_manager"):
        normalize_manager(given)


def test_password_auth_requires_both_username_and_password():
    with pytest.raises(ValueError, match="nsx_username and nsx_password"):
        NsxClient("nsx1", username="admin", password=None, auth="basic")


# -- paging ---------------------------------------------------------------------------------


def test_paging_streams_every_page_and_stops_without_cursor(scripted):
    pages = {
        "": {"results": [{"id": "a"}, {"id": "b"}], "result_count": 5, "cursor": "c1"},
        "c1": {"results": [{"id": "c"}, {"id": "d"}], "result_count": 5, "cursor": "c2"},
        "c2": {"results": [{"id": "e"}], "result_count": 5},
    }

    def answer(request):
        params = dict(p.split("=", 1) for p in request["query"].split("&") if p)
        assert params["page_size"] == "2"
        return (200, pages[params.get("cursor", "")], {})

    scripted.handler = answer
    client = make_client(scripted)
    items = client.paginate("/api/v1/firewall/sections", page_size=2)
    first = next(items)
    assert first == {"id": "a"}
    assert client.request_count == 1  # streamed: the next page is not fetched yet
    assert [first["id"]] + [item["id"] for item in items] == ["a", "b", "c", "d", "e"]
    assert client.request_count == 3


def test_page_size_is_capped_at_nsx_maximum(scripted):
    scripted.route("GET", "/api/v1/x", (200, {"results": [], "result_count": 0}, {}))
    client = make_client(scripted)
    assert client.list_all("/api/v1/x", page_size=5000) == []
    assert "page_size=1000" in scripted.calls()[0]["query"]


def test_repeated_cursor_stops_with_an_error(scripted):
    scripted.route("GET", "/api/v1/x", (200, {"results": [{"id": 1}], "cursor": "same"}, {}))
    with pytest.raises(NsxApiError, match="same paging cursor twice"):
        make_client(scripted).list_all("/api/v1/x")


# -- retries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "transient",
    [
        nsx_error(429, 107, "Client exceeded rate limit"),
        nsx_error(503, 503, "Service unavailable"),
        nsx_error(500, 607, "The transaction was aborted, please retry"),
        nsx_error(500, 610, "General error, please retry"),
    ],
)
def test_transient_answers_are_retried(scripted, transient):
    scripted.route("GET", "/api/v1/node/version", transient, transient, (200, {"product_version": "4.1.2.0.0.1"}, {}))
    client = make_client(scripted)
    assert client.get("/api/v1/node/version")["product_version"] == "4.1.2.0.0.1"
    assert client.request_count == 3
    assert len(client.sleeps) == 2


def test_other_500_is_not_retried(scripted):
    scripted.route("GET", "/api/v1/x", nsx_error(500, 100, "internal"), OK)
    client = make_client(scripted)
    with pytest.raises(NsxApiError) as caught:
        client.get("/api/v1/x")
    assert caught.value.status == 500 and caught.value.error_code == 100
    assert client.request_count == 1


def test_retries_are_bounded(scripted):
    scripted.route("GET", "/api/v1/x", nsx_error(429, 107, "rate"))
    client = make_client(scripted, retries=3)
    with pytest.raises(NsxApiError) as caught:
        client.get("/api/v1/x")
    assert caught.value.status == 429
    assert client.request_count == 4  # the call plus three retries
    assert len(client.sleeps) == 3


def test_retry_after_is_honoured(scripted):
    scripted.route("GET", "/api/v1/x", (503, {"error_code": 503, "error_message": "busy"}, {"Retry-After": "7"}), OK)
    client = make_client(scripted)
    client.get("/api/v1/x")
    assert client.sleeps[0] >= 7


def test_backoff_grows_and_stays_bounded():
    low = [backoff_delay(n, rand=lambda a, b: a) for n in range(10)]
    high = [backoff_delay(n, rand=lambda a, b: b) for n in range(10)]
    assert low[0] == pytest.approx(0.4) and high[0] == pytest.approx(0.6)
    assert all(later >= earlier for earlier, later in zip(low, low[1:]))
    assert max(high) <= nsx_client.BACKOFF_MAX * 1.2
    assert backoff_delay(0, retry_after=10_000, rand=lambda a, b: 1.0) == nsx_client.RETRY_AFTER_MAX


def test_dropped_connection_is_retried_for_get(scripted):
    scripted.route("GET", "/api/v1/x", "drop", OK)
    client = make_client(scripted)
    assert client.get("/api/v1/x") == {"ok": True}
    assert len(scripted.calls("GET", "/api/v1/x")) == 2


def test_dropped_connection_is_not_resent_for_post(scripted):
    # The manager may have acted on it: resending could start a second backup or migration.
    scripted.route("POST", "/api/v1/cluster", "drop", OK)
    client = make_client(scripted)
    with pytest.raises(NsxApiError, match="could not be reached on POST /api/v1/cluster"):
        client.post("/api/v1/cluster", params={"action": "backup_to_remote"})
    assert len(scripted.calls("POST", "/api/v1/cluster")) == 1


def test_refused_connection_names_manager_and_path():
    client = NsxClient("127.0.0.1:1", username="admin", password=PASSWORD, auth="basic", retries=1, sleep=lambda s: None)
    with pytest.raises(NsxApiError) as caught:
        client.get("/api/v1/node/version")
    message = str(caught.value)
    assert "127.0.0.1:1" in message and "/api/v1/node/version" in message and "refused" in message.lower()
    assert client.request_count == 2


# -- session authentication -----------------------------------------------------------------


class SessionNsx:
    """Session auth as NSX does it: form login, JSESSIONID cookie, XSRF token, expiry."""

    def __init__(self, server, expired_answer=(403, 98)):
        self.generation = 0
        self.valid = set()
        self.expired_answer = expired_answer
        self.password = PASSWORD
        server.handler = self

    def expire_all(self):
        self.valid.clear()

    def __call__(self, request):
        if request["path"] == "/api/session/create":
            if request["body"] != ("j_username=admin&j_password=" + self.password.replace("!", "%21")).encode():
                return nsx_error(403, 403, "The credentials were incorrect or the account specified has been locked.")
            self.generation += 1
            token = "tok%d" % self.generation
            self.valid.add(token)
            return (200, b"", {"Set-Cookie": "JSESSIONID=js%d; Path=/; HttpOnly" % self.generation, "X-XSRF-TOKEN": token})
        token = request["headers"].get("X-XSRF-TOKEN")
        cookie = request["headers"].get("Cookie", "")
        if token not in self.valid or ("JSESSIONID=js" + token[3:]) not in cookie:
            status, code = self.expired_answer
            return nsx_error(status, code, "Bad XSRF token" if code == 98 else "The credentials were incorrect or the account specified has been locked.")
        return (200, {"product_version": "4.1.2.0.0.1"}, {})


def test_session_login_sends_cookie_and_xsrf(scripted):
    SessionNsx(scripted)
    client = make_client(scripted, auth="session")
    assert client.get("/api/v1/node/version")["product_version"].startswith("4.1")
    client.get("/api/v1/node/version")
    assert len(scripted.calls("POST", "/api/session/create")) == 1
    assert "Authorization" not in scripted.calls("GET")[0]["headers"]


def test_expired_session_is_renewed_once(scripted):
    nsx = SessionNsx(scripted)
    client = make_client(scripted, auth="session")
    client.get("/api/v1/node/version")
    nsx.expire_all()
    assert client.get("/api/v1/node/version")["product_version"]
    assert len(scripted.calls("POST", "/api/session/create")) == 2


@pytest.mark.parametrize("expired_answer", [(401, 401), (403, 98), (403, 403)])
def test_session_ended_by_nsx_is_renewed_once_and_the_request_repeated(scripted, expired_answer):
    # NSXLIB re-logs on 403/98 and 403/403 (nsx-reference.md section 5); a rejected request had no
    # effect, so even a POST is sent again.
    nsx = SessionNsx(scripted, expired_answer)
    client = make_client(scripted, auth="session")
    client.get("/api/v1/node/version")
    nsx.expire_all()
    assert client.post("/api/v1/cluster?action=backup_to_remote")["product_version"]
    assert len(scripted.calls("POST", "/api/session/create")) == 2
    assert len(scripted.calls("POST", "/api/v1/cluster")) == 2


def test_failed_login_after_expiry_fails_with_the_logins_own_error(scripted):
    nsx = SessionNsx(scripted, (403, 403))
    client = make_client(scripted, auth="session")
    client.get("/api/v1/node/version")
    nsx.expire_all()
    nsx.password = "changed-" + PASSWORD
    with pytest.raises(NsxApiError) as caught:
        client.get("/api/v1/node/version")
    assert "rejected the login of user 'admin'" in str(caught.value) and caught.value.path == "/api/session/create"
    assert len(scripted.calls("POST", "/api/session/create")) == 2 and len(scripted.calls("GET")) == 2


def test_wrong_password_is_one_clear_error_without_the_password(scripted):
    SessionNsx(scripted)
    client = NsxClient(scripted.url, username="admin", password="wrong-" + PASSWORD, auth="session", validate_certs=False)
    with pytest.raises(NsxApiError) as caught:
        client.get("/api/v1/node/version")
    message = str(caught.value)
    assert "rejected the login of user 'admin'" in message and "HTTP 403" in message and scripted.address in message
    assert PASSWORD not in message and "wrong-" not in message


def test_basic_auth_sends_credentials(scripted):
    scripted.route("GET", "/api/v1/x", OK)
    make_client(scripted).get("/api/v1/x")
    assert scripted.calls()[0]["headers"]["Authorization"].startswith("Basic ")


# -- error bodies ---------------------------------------------------------------------------


def test_nsx_error_body_is_parsed(scripted):
    related = [{"error_code": 500012, "error_message": "Section s1 is locked"}]
    scripted.route("PUT", "/api/v1/firewall/sections/s1", nsx_error(412, 244, "Object was modified", related_errors=related))
    with pytest.raises(NsxApiError) as caught:
        make_client(scripted).put("/api/v1/firewall/sections/s1", body={"_revision": 1})
    error = caught.value
    assert (error.status, error.error_code, error.path, error.method) == (412, 244, "/api/v1/firewall/sections/s1", "PUT")
    assert error.related_errors == related
    assert "Object was modified" in str(error) and "Section s1 is locked" in str(error)
    assert error.to_dict()["path"] == "/api/v1/firewall/sections/s1"


@pytest.mark.parametrize(
    "answer, words",
    [
        ((502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {"Content-Type": "text/html"}), ["HTTP 502", "HTML page", "502 Bad Gateway"]),
        ((500, b"", {}), ["HTTP 500", "empty body"]),
        ((500, b"java.lang.NullPointerException", {"Content-Type": "text/plain"}), ["HTTP 500", "not an NSX error", "NullPointer"]),
        ((401, b"", {}), ["HTTP 401", "nsx_username"]),
    ],
)
def test_broken_answers_give_one_clear_message(scripted, answer, words):
    scripted.route("GET", "/api/v1/node/version", answer)
    with pytest.raises(NsxApiError) as caught:
        make_client(scripted, retries=0).get("/api/v1/node/version")
    message = str(caught.value)
    for word in words + [scripted.address, "/api/v1/node/version"]:
        assert word in message
    assert "\n" not in message and "Traceback" not in message


def test_success_with_non_json_body_is_an_error(scripted):
    scripted.route("GET", "/api/v1/node/version", (200, b"<html>login page</html>", {"Content-Type": "text/html"}))
    with pytest.raises(NsxApiError, match="not JSON"):
        make_client(scripted).get("/api/v1/node/version")


def test_password_echoed_by_server_is_masked(scripted):
    scripted.route("GET", "/api/v1/x", nsx_error(400, 1, "bad value " + PASSWORD))
    with pytest.raises(NsxApiError) as caught:
        make_client(scripted).get("/api/v1/x")
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(caught.value.to_dict())


def test_allow_overwrite_header_only_when_asked(scripted):
    scripted.route("PUT", "/api/v1/x", OK)
    client = make_client(scripted)
    client.put("/api/v1/x", body={})
    client.put("/api/v1/x", body={}, allow_overwrite=True)
    first, second = scripted.calls("PUT")
    assert "X-Allow-Overwrite" not in first["headers"]
    assert second["headers"]["X-Allow-Overwrite"] == "true"


# -- TLS ------------------------------------------------------------------------------------


def test_tls_is_verified_by_default(scripted_tls, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    scripted_tls.route("GET", "/api/v1/x", OK)
    client = NsxClient(scripted_tls.url, username="admin", password=PASSWORD, auth="basic", retries=0)
    with pytest.raises(NsxApiError, match="TLS verification of NSX Manager .* failed.*ca_path"):
        client.get("/api/v1/x")
    assert PASSWORD not in str(scripted_tls.requests)


def test_tls_passes_with_ca_path(scripted_tls, monkeypatch):
    # This machine sets REQUESTS_CA_BUNDLE; requests prefers it over Session.verify.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    scripted_tls.route("GET", "/api/v1/x", OK)
    client = NsxClient(scripted_tls.url, username="admin", password=PASSWORD, auth="basic", ca_path=scripted_tls.ca_path)
    assert client.get("/api/v1/x") == {"ok": True}


def test_tls_check_can_be_disabled_for_labs(scripted_tls, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    scripted_tls.route("GET", "/api/v1/x", OK)
    client = NsxClient(scripted_tls.url, username="admin", password=PASSWORD, auth="basic", validate_certs=False)
    assert client.get("/api/v1/x") == {"ok": True}
