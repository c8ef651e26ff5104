"""host_checks: the window's prerequisites on an import master (issue 25) - each failure is one finding naming the
host and the fix; a healthy answer is none."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _host_checks as hc
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import HOST_CHECK_IDS

HOST = "k8s-01-master-0"


def one(found, check):
    assert len(found) == 1, found
    item = found[0]
    assert item["check"] == check and item["check"] in HOST_CHECK_IDS
    assert item["severity"] == "error" and item["cluster"] == "k8s-01"
    assert HOST in item["message"] and item["object_id"] == HOST and item["remediation"]
    return item


def test_module_libraries():
    assert hc.check_module_libraries({}, "/usr/bin/python3", "k8s-01", HOST) == []
    item = one(hc.check_module_libraries({"requests": "No module named 'requests'"}, "/usr/bin/python3", "k8s-01", HOST), "host_module_libraries")
    assert "requests" in item["message"] and "/usr/bin/python3" in item["message"] and "ansible_python_interpreter" in item["remediation"]


def test_configured_flags_of_both_scopes():
    argv = ["--shared-only", "--config=/x/config.yaml", "--cluster-only", "-v", "--config=/y", "plain", "-"]
    assert hc.configured_flags(argv) == ["--shared-only", "--config", "--cluster-only", "-v"]


HELP = "usage: mp_to_policy_importer.py [-h] [--shared-only | --cluster-only] [--config CONFIG]\n"


def test_importer_flags():
    assert hc.check_importer_flags(0, HELP, ["--shared-only", "--cluster-only", "--config"], ["py", "imp", "--help"], "k8s-01", HOST) == []
    item = one(hc.check_importer_flags(0, HELP, ["--shared-only", "--shared"], ["py", "imp", "--help"], "k8s-01", HOST), "importer_cli_flags")
    assert "--shared" in item["message"] and "--shared-only" not in item["message"].split("accept ")[1]
    failed = one(
        hc.check_importer_flags(1, "ModuleNotFoundError: No module named 'yaml'", ["--x"], ["py", "imp", "--help"], "k8s-01", HOST), "importer_cli_flags"
    )
    assert "yaml" in failed["message"] and "rc 1" in failed["message"]


def test_nsx_reachable():
    assert hc.check_nsx_reachable(None, "nsx-01:443", "the run's CA", "k8s-01", HOST) == []
    item = one(hc.check_nsx_reachable("[Errno 111] Connection refused", "nsx-01:443", "the run's CA", "k8s-01", HOST), "host_nsx_reachable")
    assert "nsx-01:443" in item["message"] and "refused" in item["message"]


def test_kubectl_rights():
    rights = hc.kubectl_rights("nsx-system", "nsx-ncp", "nsx-ncp-config")
    assert rights[0] == ("patch", "deployment/nsx-ncp", "scale", "nsx-system")
    assert hc.check_kubectl_rights([(r, 0, "yes\n") for r in rights], "k8s-01", HOST) == []
    answers = [(rights[0], 1, "no\n"), (rights[1], 0, "yes\n"), (rights[2], 1, "no - RBAC: denied\n")]
    item = one(hc.check_kubectl_rights(answers, "k8s-01", HOST), "host_kubectl_rights")
    assert "patch deployment/nsx-ncp (scale)" in item["message"] and "patch configmap/nsx-ncp-config" in item["message"]
    assert "update configmap" not in item["message"]


def test_writable(tmp_path):
    state = tmp_path / "var" / "lib" / "ncp"
    assert hc.writable_error(str(state), directory=True) is None  # created by the modules: its parent is writable
    manifest = tmp_path / "ncp.yaml"
    assert "does not exist" in hc.writable_error(str(manifest))
    manifest.write_text("x")
    assert hc.writable_error(str(manifest)) is None
    (tmp_path / "plain").write_text("x")
    assert "not a directory" in hc.writable_error(str(tmp_path / "plain" / "sub"), directory=True)
    item = one(hc.check_writable("host_state_dir_writable", "/x is not writable", "state directory", "k8s-01", HOST), "host_state_dir_writable")
    assert "/x is not writable" in item["message"]
    assert hc.check_writable("host_ncp_yaml_writable", None, "NCP YAML file", "k8s-01", HOST) == []


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason="needs root to mount")
def test_read_only_mount_is_not_writable_even_for_root(tmp_path):
    directory = tmp_path / "ro"
    directory.mkdir()
    (directory / "ncp.yaml").write_text("x")
    subprocess.run(["mount", "--bind", str(directory), str(directory)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(directory)], check=True)
        assert "not writable" in hc.writable_error(str(directory / "ncp.yaml"))
        assert "not writable" in hc.writable_error(str(directory / "state"), directory=True)
    finally:
        subprocess.run(["umount", str(directory)], check=True)


@pytest.mark.parametrize(
    "master, controller, skew",
    [(1000.0, 1000.0, 0.0), (1008.0, 1000.0, 0.0), (1013.0, 1000.0, 3.0), (994.0, 1000.0, -6.0), (1600.0, 1000.0, 590.0), (400.0, 1000.0, -600.0)],
)
def test_clock_skew(master, controller, skew):
    assert hc.clock_skew(master, controller, transit=10) == pytest.approx(skew)


def test_clock():
    assert hc.check_clock(-5.0, 5, "k8s-01", HOST) == []
    item = one(hc.check_clock(-600.0, 5, "k8s-01", HOST), "host_clock_skew")
    assert "600 s behind" in item["message"] and "NTP" in item["remediation"]
    assert "ahead of" in one(hc.check_clock(7.0, 5, "k8s-01", HOST), "host_clock_skew")["message"]


def test_tkgi_login():
    assert hc.check_tkgi_login(0, "{}", "tkgi", "k8s-01", HOST) == []
    item = one(hc.check_tkgi_login(1, "Error: You are not currently logged in", "tkgi", "k8s-01", HOST), "host_tkgi_login")
    assert "tkgi login" in item["remediation"]
