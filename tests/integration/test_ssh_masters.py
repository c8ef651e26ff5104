"""Strategy 1 with real SSH masters, as an operator runs it from AWX (issue 25).

The lab's SSH mode (``python -m tests.lab up --ssh``): every master is an SSH host in its own network namespace,
the inventory holds no NSX password (the controller's environment does: NSX_PASSWORD, as an AWX credential injects
it) and the NSX CA exists only on the controller (hidden from the masters' sshd). Two Kubernetes clusters and one
TKGI cluster with two masters; the run must end ``success`` and leave the password nowhere on the masters or in the
output (invariant 8), and the CA copy the modules wrote for their run nowhere either.
"""

import glob
import os
import subprocess

import pytest

from tests.lab.hosts.netns import can_make_namespaces, ensure_packages
from tests.lab.labctl import down, up

from .conftest import SCENARIOS
from .labtools import Lab

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ssh_run(tmp_path_factory):
    reason = ensure_packages() or can_make_namespaces()
    if reason:
        pytest.skip(reason)
    out = str(tmp_path_factory.mktemp("ssh-lab"))
    try:
        up(os.path.join(SCENARIOS, "k8s2_tkgi.yml"), out, ssh=True)
        lab = Lab(out).wait_ready()
        password = lab.nsx["password"]
        run = lab.run("migrate_all.yml", verbosity=3, env={"NSX_PASSWORD": password})
        yield lab, run, password
    finally:
        down(out, quiet=True)


def master_files(lab):
    return [p for c in lab.clusters.values() for h in c["hosts"] for p in glob.glob(os.path.join(h["root"], "**"), recursive=True) if os.path.isfile(p)]


def test_inventory_has_no_password_and_masters_cannot_read_the_ca(ssh_run):
    lab, _run, password = ssh_run
    with open(os.path.join(lab.out, "inventory.yml"), encoding="utf-8") as handle:
        assert password not in handle.read()
    ssh = lab.data["ssh"]
    for name, host in ssh["hosts"].items():
        vars_ = ssh["inventory_vars"][name]
        command = ["ssh", "-i", vars_["ansible_ssh_private_key_file"], *vars_["ansible_ssh_common_args"].split(), f"root@{host['address']}"]
        seen = subprocess.run([*command, "test -e " + lab.nsx["ca_file"]], capture_output=True, text=True, timeout=30, check=False)
        assert seen.returncode == 1, (name, seen.returncode, seen.stderr)  # the file is absent there, ssh itself worked


def test_run_over_ssh_succeeds(ssh_run):
    lab, run, _password = ssh_run
    assert run.returncode == 0, run.stdout[-5000:]
    assert lab.report()["result"] == "success"
    for cluster in lab.clusters:
        assert lab.ncp_mode(cluster) == "policy", cluster
    assert "ESTABLISH SSH CONNECTION" in run.stdout  # the masters really were reached over SSH


def test_password_and_ca_copy_nowhere_on_the_masters(ssh_run):
    lab, run, password = ssh_run
    assert password not in run.stdout
    files = master_files(lab)
    assert files  # the roots hold the journals, importer logs and records of the run
    leaked = []
    for path in files:
        with open(path, "rb") as handle:
            if password.encode() in handle.read():
                leaked.append(path)
    assert leaked == []
    assert [p for p in files if os.path.basename(p) in ("nsx-ca.pem", "nsx-credentials.yaml")] == []
