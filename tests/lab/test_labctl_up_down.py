"""``python -m tests.lab up|down``: the whole lab starts, the inventory works as is, nothing is left running."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.lab.labctl import REPO

SCENARIO = os.path.join(REPO, "tests", "lab", "scenarios", "lab_3clusters.yml")


def _lab(*args):
    return subprocess.run([sys.executable, "-m", "tests.lab", *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"tests.lab" in handle.read()
    except OSError:
        return False


def test_up_writes_inventory_and_down_leaves_nothing(tmp_path):
    out = tmp_path / "lab"
    started = _lab("up", "--scenario", SCENARIO, "--out", str(out))
    try:
        assert started.returncode == 0, started.stderr
        assert "NSX Manager simulator: https://127.0.0.1:" in started.stdout
        lab = json.loads((out / "lab.json").read_text())
        pids = [lab["nsx"]["pid"]] + [c["pid"] for c in lab["clusters"]]
        assert len(pids) == 4 and all(_alive(p) for p in pids)
        inventory = yaml.safe_load((out / "inventory.yml").read_text())
        groups = inventory["all"]["children"]["ncp_clusters"]["children"]
        assert sorted(groups) == ["cluster_k8s_01", "cluster_k8s_02", "cluster_k8s_03"]
        tkgi = groups["cluster_k8s_03"]
        assert tkgi["vars"]["ncp_platform"] == "tkgi" and len(tkgi["hosts"]) == 2
        host = groups["cluster_k8s_01"]["hosts"]["k8s-01-master-0"]
        assert os.path.exists(host["ncp_importer_path"]) and os.path.exists(host["ncp_manifest_path"])
        assert inventory["all"]["vars"]["ansible_python_interpreter"] == sys.executable
        graph = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(out / "inventory.yml"), "--list"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert graph.returncode == 0 and "k8s-03-master-1" in graph.stdout
        again = _lab("up", "--scenario", SCENARIO, "--out", str(out))
        assert again.returncode == 1 and "already running" in again.stderr and "Traceback" not in again.stderr
    finally:
        stopped = _lab("down", "--out", str(out))
    assert stopped.returncode == 0, stopped.stderr
    assert not any(_alive(p) for p in pids)


def test_tkgi_host_stand_ins(tmp_path):
    from tests.lab.hosts.layout import build_host

    nsx = {"url": "https://127.0.0.1:9", "username": "u", "password": "p", "ca_file": None}
    paths = build_host(tmp_path / "h", "tk", "tkgi", str(tmp_path / "kc"), nsx)

    def run(*args):
        return subprocess.run(args, capture_output=True, text=True, check=False)

    assert "Process 'ncp'" in run(paths["monit"], "summary").stdout
    assert run(paths["monit"], "stop", "ncp").returncode == 0
    assert "stop pending" in run(paths["monit"], "summary").stdout
    with open(paths["ncp_ini"], "a", encoding="utf-8") as handle:
        handle.write("")
    assert run(paths["monit"], "start", "ncp").returncode == 0
    state = json.loads((tmp_path / "h" / "var" / "vcap" / "monit" / "ncp.json").read_text())
    assert state["starts"] == [{"started_at": state["starts"][0]["started_at"], "policy_nsxapi": False}]
    assert run(paths["monit"], "stop", "bogus").returncode == 1
    wrong = run(paths["tkgi"], "promote-cluster-to-policy", "other", "--wait", "--non-interactive")
    assert wrong.returncode == 2 and "not found" in wrong.stderr
    declined = subprocess.run(
        [paths["tkgi"], "promote-cluster-to-policy", "tk", "--wait"], capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    assert declined.returncode == 2 and "nothing was changed" in declined.stderr
    assert oct(os.stat(tmp_path / "h" / "etc" / "ncp" / "nsx-credentials.yaml").st_mode & 0o777) == "0o600"


def test_up_ssh_reaches_masters_over_ssh_and_down_removes_the_namespaces(tmp_path):
    from tests.lab.hosts.netns import can_make_namespaces, ensure_packages

    reason = ensure_packages() or can_make_namespaces()
    if reason:
        pytest.skip(reason)
    out = tmp_path / "lab"
    started = _lab("up", "--ssh", "--scenario", os.path.join(REPO, "tests", "integration", "scenarios", "k8s2.yml"), "--out", str(out))
    try:
        assert started.returncode == 0, started.stderr
        lab = json.loads((out / "lab.json").read_text())
        namespaces = [h["netns"] for h in lab["ssh"]["hosts"].values()]
        assert len(namespaces) == 2 and all(n in _netns() for n in namespaces)
        inventory_text = (out / "inventory.yml").read_text()
        assert lab["nsx"]["password"] not in inventory_text
        host = yaml.safe_load(inventory_text)["all"]["children"]["ncp_clusters"]["children"]["cluster_k8s_01"]["hosts"]["k8s-01-master-0"]
        assert host["ansible_connection"] == "ssh" and host["ansible_host"].startswith("10.214.")
        # Real Ansible over real SSH, into the master's own network namespace (its address is not the controller's).
        ping = subprocess.run(
            [
                os.path.join(os.path.dirname(sys.executable), "ansible"),
                "-i",
                str(out / "inventory.yml"),
                "k8s-01-master-0",
                "-m",
                "ansible.builtin.command",
                "-a",
                "ip -4 -o addr show",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert ping.returncode == 0 and host["ansible_host"] in ping.stdout, ping.stdout + ping.stderr
        assert not os.path.exists(out / "hosts" / "k8s-01-master-0" / "etc" / "ncp" / "nsx-credentials.yaml")
    finally:
        stopped = _lab("down", "--out", str(out))
    assert stopped.returncode == 0, stopped.stderr
    assert not any(n in _netns() for n in namespaces)


def _netns():
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
