"""NSX simulator: the ``python -m tests.lab.nsxsim`` entry point as a subprocess."""

import os
import subprocess
import sys

import requests

from tests.lab.nsxsim.settings import DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.lab.nsxsim.testing import ROOT, spawn_cli

SCENARIOS = os.path.join(os.path.dirname(__file__), "scenarios")


def _stop(process):
    process.terminate()
    assert process.wait(timeout=10) == 0


def test_help_documents_default_credentials():
    out = subprocess.run([sys.executable, "-m", "tests.lab.nsxsim", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True).stdout
    assert DEFAULT_USERNAME in out and DEFAULT_PASSWORD in out and "--generate" in out


def test_cli_http_with_generate_and_credentials():
    process, url = spawn_cli("--port", "0", "--username", "ops", "--password", "pw", "--generate", "clusters=1,sections=3,rules=9")
    try:
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/api/v1/node/version", auth=("ops", "pw"), timeout=10).status_code == 200
        assert requests.get(url + "/api/v1/node/version", auth=(DEFAULT_USERNAME, DEFAULT_PASSWORD), timeout=10).status_code == 403
    finally:
        _stop(process)


def test_cli_tls_scenario_and_client_cert(tmp_path):
    certdir = str(tmp_path / "pki")
    process, url = spawn_cli("--port", "0", "--tls", "--certdir", certdir, "--scenario", os.path.join(SCENARIOS, "nsx_small.yml"))
    try:
        assert url.startswith("https://127.0.0.1:")
        ca = os.path.join(certdir, "ca.pem")
        cert = (os.path.join(certdir, "client.pem"), os.path.join(certdir, "client.key"))
        response = requests.get(url + "/api/v1/logical-routers/t0-uuid", cert=cert, verify=ca, timeout=10)
        assert response.status_code == 200 and response.json()["display_name"] == "t0-shared"
    finally:
        _stop(process)


def test_cli_bad_arguments():
    result = subprocess.run(
        [sys.executable, "-m", "tests.lab.nsxsim", "--port", "0", "--generate", "nonsense=1"], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2 and "unknown generator keys" in result.stderr
    result = subprocess.run([sys.executable, "-m", "tests.lab.nsxsim"], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
