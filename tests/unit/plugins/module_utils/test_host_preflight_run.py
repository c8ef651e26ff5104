"""host_preflight_run: which host checks ncp_host_preflight runs on a master, on what, and what it returns.

Driven through the module with real processes and files (a TKGI master: the rendered ncp.ini, a tkgi CLI stand-in, a
closed local port as NSX Manager); host_checks' own judgements are tested in test_host_checks / test_host_window_checks.
"""

import os
import shutil
import socket
import stat
import sys
import time

import pytest

from tests.unit import module_runner

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures")
# The tkgi CLI stand-in: `tkgi cluster NAME --json` answers for cluster tkgi-a only.
FAKE_TKGI = """#!%s
import sys
if sys.argv[1:] == ["cluster", "tkgi-a", "--json"]:
    print('{"name": "tkgi-a"}')
    sys.exit(0)
sys.stderr.write("Error: You are not currently authenticated. Please log in to continue.\\n")
sys.exit(1)
"""


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def master(tmp_path):
    importer = tmp_path / "mp_to_policy_importer.py"
    shutil.copy(os.path.join(FIXTURES, "importer", "fake_importer.py"), str(importer))
    ini = tmp_path / "ncp.ini"
    shutil.copy(os.path.join(FIXTURES, "ncp_ini", "ncp-shipped.ini"), str(ini))
    tkgi = tmp_path / "tkgi"
    tkgi.write_text(FAKE_TKGI % sys.executable)
    tkgi.chmod(tkgi.stat().st_mode | stat.S_IEXEC)
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    return dict(
        cluster="tkgi-a",
        platform="tkgi",
        importer_path=str(importer),
        importer_python=sys.executable,
        host="master-0",
        ncp_ini_path=str(ini),
        ncp_version="4.1.2",
        tkgi=str(tkgi),
        state_dir=str(state_dir),
        kubectl=str(tmp_path / "no-kubectl"),
        # TKGI's own prerequisites (tkgi --version, the network profile) have their tests in test_tkgi_prerequisites.py.
        skip_checks=["host_kubectl", "tkgi_version", "tkgi_network_profile_nsgroup", "tkgi_np_use_ip_sets", "tkgi_policy_only_objects"],
    )


def test_a_healthy_tkgi_master_passes_and_runs_the_checks_its_options_ask_for(capsys, master):
    result = module_runner.run_module("ncp_host_preflight", master)
    assert not result.failed and result["passed"] and result["findings"] == [] and result["changed"] is False
    ran = result["summary"]["checks_run"]
    assert ran == [
        "host_python3",
        "host_pyyaml",
        "host_module_libraries",
        "host_state_dir_writable",
        "host_tkgi_login",
        "importer_present",
        "ncp_version",
        "policy_nsxapi_false",
    ]
    # Not asked for: no nsx_manager, controller_time or manifest_path; importer flags and kubectl rights are Kubernetes'.
    assert result["python_version"].startswith("3.") and result["ncp_version"] == "4.1.2"
    assert [copy["source"] for copy in result["ncp_ini_resources"]] == [master["ncp_ini_path"]]
    assert result["ncp_ini_resources"][0]["policy_mode"] is False


def test_broken_prerequisites_are_findings_that_fail_the_task(capsys, master):
    master.update(cluster="tkgi-b", nsx_manager="127.0.0.1:%d" % closed_port(), controller_time=time.time() - 600, validate_certs=False)
    master["state_dir"] = os.path.join(master["ncp_ini_path"], "state")  # under a file: no directory can be made there
    result = module_runner.run_module("ncp_host_preflight", master)
    assert result.failed and result["passed"] is False
    failing = sorted(f["check"] for f in result["findings"] if f["severity"] == "error")
    expected = ["host_nsx_reachable", "host_clock_skew", "host_state_dir_writable", "host_tkgi_login"]
    assert failing == sorted(expected)
    assert result["msg"].startswith("Host preflight found %d blocking finding(s): " % len(expected))
    assert all(f["cluster"] == "tkgi-b" for f in result["findings"])
    assert set(expected) <= set(result["summary"]["checks_run"])


def test_skipped_checks_do_not_run_and_an_unknown_id_is_refused(capsys, master):
    master["skip_checks"] = master["skip_checks"] + ["host_tkgi_login", "policy_nsxapi_false", "host_python3"]
    master["cluster"] = "not-logged-in"
    result = module_runner.run_module("ncp_host_preflight", master)
    assert not result.failed, result["findings"]
    assert not set(master["skip_checks"]) & set(result["summary"]["checks_run"]) and result["python_version"] is None
    master["skip_checks"] = ["host_kubectl", "no_such_check"]
    refused = module_runner.run_module("ncp_host_preflight", master)
    assert refused.failed and "skip_checks names unknown host check IDs: no_such_check" in refused["msg"]
    assert "findings" not in refused
