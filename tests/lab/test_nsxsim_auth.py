"""NSX simulator: Basic, session + XSRF and client-certificate authentication, over HTTP and HTTPS."""

import requests

from tests.lab.nsxsim.testing import assert_nsx_error

VERSION = "/api/v1/node/version"


def _login(sim, session, username=None, password=None):
    form = {"j_username": username or sim.username, "j_password": password or sim.password}
    return session.post(sim.url + "/api/session/create", data=form, verify=sim.verify, timeout=10)


def test_basic_auth_wrong_and_missing(nsxsim):
    assert nsxsim.get(VERSION).status_code == 200
    assert_nsx_error(nsxsim.get(VERSION, auth=("admin", "wrong")), 403, 403)
    assert_nsx_error(nsxsim.get(VERSION, auth=None), 403, 403)
    assert_nsx_error(nsxsim.get(VERSION, headers={"Authorization": "Basic !!!notbase64"}, auth=None), 403, 403)


def test_session_with_xsrf(nsxsim):
    session = requests.Session()
    login = _login(nsxsim, session)
    assert login.status_code == 200
    xsrf = login.headers["X-XSRF-TOKEN"]
    assert "JSESSIONID" in session.cookies
    assert session.get(nsxsim.url + VERSION, headers={"X-XSRF-TOKEN": xsrf}, verify=nsxsim.verify).status_code == 200
    assert_nsx_error(session.get(nsxsim.url + VERSION, verify=nsxsim.verify), 403, 98)
    assert_nsx_error(session.get(nsxsim.url + VERSION, headers={"X-XSRF-TOKEN": "nope"}, verify=nsxsim.verify), 403, 98)


def test_bad_login_and_session_expiry(nsxsim):
    session = requests.Session()
    assert_nsx_error(_login(nsxsim, session, password="wrong"), 403, 403)
    xsrf = _login(nsxsim, session).headers["X-XSRF-TOKEN"]
    nsxsim.admin.expire_sessions()
    assert_nsx_error(session.get(nsxsim.url + VERSION, headers={"X-XSRF-TOKEN": xsrf}, verify=nsxsim.verify), 403, 403)
    xsrf = _login(nsxsim, session).headers["X-XSRF-TOKEN"]
    assert session.get(nsxsim.url + VERSION, headers={"X-XSRF-TOKEN": xsrf}, verify=nsxsim.verify).status_code == 200


def test_password_rotation(nsxsim):
    old = nsxsim.password
    nsxsim.admin.rotate_password("Rotated-Passw0rd!")
    assert_nsx_error(nsxsim.get(VERSION, auth=("admin", old)), 403, 403)
    assert nsxsim.get(VERSION).status_code == 200  # the handle follows the rotation


def test_tls_server_certificate_and_basic(nsxsim_tls):
    assert nsxsim_tls.url.startswith("https://127.0.0.1:")
    assert nsxsim_tls.get(VERSION).status_code == 200
    # The lab CA is not in any default bundle: verification without it fails.
    try:
        requests.get(nsxsim_tls.url + VERSION, auth=nsxsim_tls.auth, verify=True, timeout=10)
    except requests.exceptions.SSLError:
        pass
    else:
        raise AssertionError("server certificate verified without the lab CA")
    localhost = nsxsim_tls.url.replace("127.0.0.1", "localhost")
    assert requests.get(localhost + VERSION, auth=nsxsim_tls.auth, verify=nsxsim_tls.ca_path, timeout=10).status_code == 200


def test_client_certificate_principal(nsxsim_tls):
    cert = (nsxsim_tls.client_cert, nsxsim_tls.client_key)
    response = nsxsim_tls.get(VERSION, auth=None, cert=cert)
    assert response.status_code == 200
    # The certificate's principal owns what it creates: NOT_PROTECTED to itself, REQUIRE_OVERRIDE to the superuser.
    created = nsxsim_tls.post("/api/v1/ns-groups", auth=None, cert=cert, json={"display_name": "pi-group"}).json()
    assert created["_create_user"] == "ncp-k8s-01" and created["_protection"] == "NOT_PROTECTED"
    assert nsxsim_tls.get(f"/api/v1/ns-groups/{created['id']}").json()["_protection"] == "REQUIRE_OVERRIDE"
    assert_nsx_error(nsxsim_tls.put(f"/api/v1/ns-groups/{created['id']}", json=dict(created, description="x")), 400, 289)
    owned = nsxsim_tls.put(f"/api/v1/ns-groups/{created['id']}", auth=None, cert=cert, json=dict(created, description="x"))
    assert owned.status_code == 200
    assert_nsx_error(nsxsim_tls.get(VERSION, auth=None), 403, 403)


def test_session_cookie_is_secure_over_tls(nsxsim_tls):
    session = requests.Session()
    login = _login(nsxsim_tls, session)
    assert "Secure" in login.headers["Set-Cookie"]
    ok = session.get(nsxsim_tls.url + VERSION, headers={"X-XSRF-TOKEN": login.headers["X-XSRF-TOKEN"]}, verify=nsxsim_tls.ca_path)
    assert ok.status_code == 200
