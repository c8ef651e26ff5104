"""Pytest fixtures for the NSX simulator (registered in the repository's conftest.py ``pytest_plugins``).

Fixtures
--------
``nsxsim``            function scope: an HTTP simulator with a small generated inventory (2 clusters ``k8s-01``,
                      ``k8s-02``; SMALL_SPEC), started in a background thread on a free port, stopped afterwards.
``nsxsim_tls``        the same over HTTPS; ``.ca_path`` is the CA to trust, ``.client_cert`` / ``.client_key`` a
                      client certificate accepted as principal ``ncp-k8s-01`` (the generator's principal of k8s-01).
``nsxsim_factory``    ``nsxsim_factory(scenario=None, generate=None, tls=False, settings=None, username=None,
                      password=None)`` -> a started simulator; ``scenario`` is a file path or a dict (scenario.py),
                      ``generate`` a generator spec (generator.py), ``settings`` a dict of settings.py overrides.
                      Every simulator it starts is stopped at teardown.
``nsxsim_scale``      session scope: a 25,000-rule inventory (SCALE_SPEC). Shared: treat it as read-only.

Every fixture yields an ``NsxSim``:
    .url ("http://127.0.0.1:PORT"), .host ("127.0.0.1"), .port, .host_port ("127.0.0.1:PORT"), .scheme,
    .username, .password (current values, so they follow a credential rotation), .auth ((username, password)),
    .verify (what to pass as requests' ``verify=``: the CA path over TLS, else True), .ca_path, .client_cert,
    .client_key, .certdir (None without TLS), .generated (generator summary: cluster names, ids, markers, blockers),
    .simulator (the in-process Simulator, for white-box assertions), .admin (LabAdmin), .stop().
``LabAdmin`` wraps the ``/_lab`` endpoints: add_fault(type=..., ...), clear_faults(), faults(), counters(),
    reset_counters(), count(method, path), update_settings(**values), settings(), expire_sessions(),
    rotate_password(password, username=None), coordinator(running=None, busy=None), backups(**values),
    state(), objects(kind), object(object_id), policy_paths(), add_inventory(mapping).
``NsxSim.request(method, path, auth=..., **requests_kwargs)`` (and .get/.post/.put) sends a plain HTTP call with
    Basic auth and ``verify`` filled in; ``assert_nsx_error(response, status, error_code=None)`` checks an error body.
``spawn_cli(*args)`` runs ``python -m tests.lab.nsxsim`` as a subprocess and returns (Popen, url).

Note: this machine sets REQUESTS_CA_BUNDLE, so pass ``verify=sim.verify`` on every requests call.
"""

import os
import subprocess
import sys

import pytest
import requests

from .runner import start_simulator

SMALL_SPEC = "clusters=2,sections=8,rules=40,virtual_servers=4,tier1s=2,switches=2,ports_per_switch=2,ns_groups=3"
SCALE_SPEC = "clusters=10,sections=1000,rules=25000,virtual_servers=200,tier1s=2,switches=2,ports_per_switch=2,ns_groups=4"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LISTENING = "NSX simulator listening on "
DEFAULT = object()


class LabAdmin:
    """Client for the simulator's ``/_lab`` control endpoints."""

    def __init__(self, url, verify):
        self.url = url
        self.verify = verify
        self.session = requests.Session()

    def call(self, method, path, body=None):
        response = self.session.request(method, self.url + "/_lab" + path, json=body, verify=self.verify, timeout=30)
        if response.status_code >= 400:
            raise AssertionError(f"lab call {method} {path} failed: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def add_fault(self, **spec):
        return self.call("POST", "/faults", spec)

    def clear_faults(self):
        return self.call("DELETE", "/faults")

    def faults(self):
        return self.call("GET", "/faults")

    def counters(self):
        return self.call("GET", "/counters")

    def count(self, method, path):
        return self.counters()["by_path"].get(f"{method} {path}", 0)

    def reset_counters(self):
        return self.call("DELETE", "/counters")

    def update_settings(self, **values):
        return self.call("PATCH", "/settings", values)

    def settings(self):
        return self.call("GET", "/settings")

    def expire_sessions(self):
        return self.call("POST", "/sessions/expire")

    def rotate_password(self, password, username=None):
        body = {"password": password}
        if username:
            body["username"] = username
        return self.call("POST", "/credentials", body)

    def coordinator(self, running=None, busy=None):
        body = {k: v for k, v in (("running", running), ("busy", busy)) if v is not None}
        return self.call("POST", "/coordinator", body)

    def backups(self, **values):
        return self.call("POST", "/backups", values)

    def state(self):
        return self.call("GET", "/state")

    def objects(self, kind):
        return self.call("GET", f"/objects/{kind}")["results"]

    def object(self, object_id):
        return self.call("GET", f"/object/{object_id}")

    def policy_paths(self):
        return self.call("GET", "/policy")["paths"]

    def add_inventory(self, data):
        return self.call("POST", "/inventory", data)


class NsxSim:
    """A running simulator as the fixtures hand it out."""

    def __init__(self, server):
        self.server = server
        self.simulator = server.simulator
        self.url = server.url
        self.scheme = server.scheme
        self.host = server.host
        self.port = server.port
        self.host_port = f"{server.host}:{server.port}"
        certs = server.certs or {}
        self.certdir = os.path.dirname(certs["ca.pem"]) if certs else None
        self.ca_path = certs.get("ca.pem")
        self.client_cert = certs.get("client.pem")
        self.client_key = certs.get("client.key")
        self.verify = self.ca_path or True
        self.admin = LabAdmin(self.url, self.verify)
        self._session = requests.Session()

    @property
    def username(self):
        return self.simulator.settings.username

    @property
    def password(self):
        return self.simulator.settings.password

    @property
    def auth(self):
        return (self.username, self.password)

    @property
    def generated(self):
        return self.simulator.inventory.generated

    def request(self, method, path, auth=DEFAULT, **kwargs):
        """Plain HTTP call to the simulator (Basic auth with the current credentials unless ``auth`` is given)."""
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", 30)
        return self._session.request(method, self.url + path, auth=self.auth if auth is DEFAULT else auth, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def stop(self):
        self._session.close()
        self.server.stop()


def assert_nsx_error(response, status, error_code=None):
    """The response is an NSX-shaped error with this status (and error_code); returns the body."""
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    body = response.json()
    for key in ("httpStatus", "error_code", "module_name", "error_message"):
        assert key in body, body
    if error_code is not None:
        assert body["error_code"] == error_code, body
    return body


def start(scenario=None, generate=SMALL_SPEC, tls=False, settings=None, username=None, password=None, certdir=None):
    server = start_simulator(username=username, password=password, tls=tls, certdir=certdir, scenario=scenario, generate_spec=generate, settings=settings)
    return NsxSim(server)


def spawn_cli(*args, timeout=20.0):
    """Start ``python -m tests.lab.nsxsim ARGS`` from the repository root; returns (Popen, url) once it listens."""
    process = subprocess.Popen([sys.executable, "-m", "tests.lab.nsxsim", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith(LISTENING):
        process.kill()
        _out, err = process.communicate(timeout=timeout)
        raise RuntimeError(f"nsxsim did not start: {line!r} {err}")
    return process, line.replace(LISTENING, "", 1).strip()


@pytest.fixture(scope="session")
def nsxsim_certdir(tmp_path_factory):
    """One lab PKI per test session (reused by every TLS simulator)."""
    return str(tmp_path_factory.mktemp("nsxsim-pki"))


@pytest.fixture
def nsxsim():
    sim = start()
    yield sim
    sim.stop()


@pytest.fixture
def nsxsim_tls(nsxsim_certdir):
    sim = start(tls=True, certdir=nsxsim_certdir)
    yield sim
    sim.stop()


@pytest.fixture
def nsxsim_factory(nsxsim_certdir):
    started = []

    def factory(scenario=None, generate=None, tls=False, settings=None, username=None, password=None):
        sim = start(scenario, generate, tls, settings, username, password, nsxsim_certdir if tls else None)
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture(scope="session")
def nsxsim_scale():
    sim = start(generate=SCALE_SPEC)
    yield sim
    sim.stop()
