"""The preflight proves the window's prerequisites on each import master (issue 25): a matrix of broken prerequisites.

For each case one prerequisite of the window is broken on one import master, for real: an interpreter that cannot
import a library (a wrapper whose PYTHONPATH shadows it with a module raising ImportError), the importer's command
line with a flag it lacks, the NSX Manager unreachable from that master, RBAC without a right (the lab cluster's
authorizer, POST /_lab/rbac), a read-only bind mount, a clock 10 minutes behind (libfaketime), tkgi logged out.
Each must be caught by ``preflight.yml`` with exactly one error finding, of the expected check ID, naming the host,
and ``migrate_all.yml`` must stop before any NCP stop (invariant 1 for the window's prerequisites).

One case runs in ``make test`` (no ``requests`` for Ansible's interpreter: the failure issue 25 reported); the others
are under the ``long`` marker (``make test-faults``): each takes a preflight and a migrate_all run (~2 min on 2 busy
cores).
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.edits import edited_file, edited_yaml
from tests.lab.labctl import down, up

from .conftest import SCENARIOS
from .labtools import Lab, ini_value

pytestmark = pytest.mark.slow
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("window-matrix"))
    try:
        up(os.path.join(SCENARIOS, "k8s_tkgi.yml"), out)
        yield Lab(out).wait_ready()
    finally:
        down(out, quiet=True)


def k8s_master(lab):
    cluster = next(c for c in lab.clusters if lab.platform(c) == "kubernetes")
    return cluster, lab.masters(cluster)[0]


def tkgi_master(lab):
    cluster = next(c for c in lab.clusters if lab.platform(c) == "tkgi")
    return cluster, lab.masters(cluster)[0]


def host_vars(lab, host, **values):
    """The inventory with ``values`` set on ``host``, for the ``with`` block."""

    def change(inventory):
        for group in inventory["all"]["children"]["ncp_clusters"]["children"].values():
            if host in group["hosts"]:
                group["hosts"][host].update(values)

    return edited_yaml(os.path.join(lab.out, "inventory.yml"), change)


def python_without(lab, library):
    """An interpreter like the lab's whose ``import <library>`` fails (a shadowing module raising ImportError)."""
    shadow = os.path.join(lab.out, f"no-{library}")
    os.makedirs(shadow, exist_ok=True)
    with open(os.path.join(shadow, f"{library}.py"), "w", encoding="utf-8") as handle:
        handle.write(f"raise ImportError(\"No module named '{library}'\")\n")
    wrapper = os.path.join(shadow, "python")
    with open(wrapper, "w", encoding="utf-8") as handle:
        handle.write(f'#!/bin/sh\nPYTHONPATH={shadow} exec {sys.executable} "$@"\n')
    os.chmod(wrapper, 0o755)
    return wrapper


@contextlib.contextmanager
def read_only(path):
    subprocess.run(["mount", "--bind", path, path], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", path], check=True)
        yield
    finally:
        subprocess.run(["umount", path], check=True)


def k8s_master_with(**values):
    """A case: the first Kubernetes import master with host variables ``values`` (callables take the lab)."""

    @contextlib.contextmanager
    def case(lab):
        cluster, host = k8s_master(lab)
        with host_vars(lab, host, **{k: v(lab) if callable(v) else v for k, v in values.items()}):
            yield cluster, host, {}

    return case


def kubectl_denied(*rights):
    """A case: the lab cluster's authorizer refuses ``rights`` (POST /_lab/rbac) to the kubeconfig's user."""

    @contextlib.contextmanager
    def case(lab):
        cluster, host = k8s_master(lab)
        lab.kube(cluster, "/_lab/rbac", "POST", {"denied": list(rights)})
        try:
            yield cluster, host, {}
        finally:
            lab.kube(cluster, "/_lab/rbac", "POST", {"denied": []})

    return case


no_requests = k8s_master_with(ansible_python_interpreter=lambda lab: python_without(lab, "requests"))
importer_python_without_pyyaml = k8s_master_with(ncp_importer_python=lambda lab: python_without(lab, "yaml"))
nsx_unreachable_from_master = k8s_master_with(nsx_manager="127.0.0.1:9")  # nothing listens there: as if a firewall refused it
kubectl_cannot_scale = kubectl_denied("patch deployments/scale")
kubectl_cannot_patch_configmap = kubectl_denied("update configmaps", "patch configmaps")


@contextlib.contextmanager
def importer_flag_rejected(lab):
    cluster, host = k8s_master(lab)
    yield cluster, host, {"ncp_importer_argv": ["{python}", "{importer_path}", "--{scope}-only", "--dry-run-first"]}


@contextlib.contextmanager
def state_dir_read_only(lab):
    cluster, host = k8s_master(lab)
    with read_only(lab.host(host)["state_dir"]):
        yield cluster, host, {}


@contextlib.contextmanager
def ncp_yaml_read_only(lab):
    cluster, host = k8s_master(lab)
    with read_only(lab.host(host)["manifest_path"]):
        yield cluster, host, {}


@contextlib.contextmanager
def clock_ten_minutes_behind(lab):
    if not os.path.exists(LIBFAKETIME):
        subprocess.run(["apt-get", "install", "-y", "-q", "faketime"], capture_output=True, check=False, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if not os.path.exists(LIBFAKETIME):
        pytest.skip("libfaketime (Debian package faketime) is not installed")
    cluster, host = k8s_master(lab)
    wrapper = os.path.join(lab.out, "python-10-minutes-behind")
    with open(wrapper, "w", encoding="utf-8") as handle:
        handle.write(f'#!/bin/sh\nLD_PRELOAD={LIBFAKETIME} FAKETIME=-10m exec {sys.executable} "$@"\n')
    os.chmod(wrapper, 0o755)
    with host_vars(lab, host, ansible_python_interpreter=wrapper):
        yield cluster, host, {}


@contextlib.contextmanager
def tkgi_logged_out(lab):
    cluster, host = tkgi_master(lab)
    marker = os.path.join(lab.host(host)["root"], "var", "vcap", "tkgi", "logged-out")
    os.makedirs(os.path.dirname(marker), exist_ok=True)
    with open(marker, "w", encoding="utf-8"):
        pass
    try:
        yield cluster, host, {}
    finally:
        os.remove(marker)


LONG = pytest.mark.long
CASES = [
    pytest.param(no_requests, "host_module_libraries", id="no-requests-for-ansible"),
    pytest.param(kubectl_cannot_scale, "host_kubectl_rights", id="kubectl-cannot-scale", marks=LONG),
    pytest.param(importer_flag_rejected, "importer_cli_flags", id="importer-rejects-flag", marks=LONG),
    pytest.param(importer_python_without_pyyaml, "host_pyyaml", id="importer-python-without-pyyaml", marks=LONG),
    pytest.param(nsx_unreachable_from_master, "host_nsx_reachable", id="nsx-unreachable-from-master", marks=LONG),
    pytest.param(kubectl_cannot_patch_configmap, "host_kubectl_rights", id="kubectl-cannot-patch-configmap", marks=LONG),
    pytest.param(state_dir_read_only, "host_state_dir_writable", id="state-dir-read-only", marks=LONG),
    pytest.param(ncp_yaml_read_only, "host_ncp_yaml_writable", id="ncp-yaml-read-only", marks=LONG),
    pytest.param(clock_ten_minutes_behind, "host_clock_skew", id="clock-10-minutes-behind", marks=LONG),
    pytest.param(tkgi_logged_out, "host_tkgi_login", id="tkgi-logged-out", marks=LONG),
]


def errors(findings):
    return [f for f in findings if f["severity"] == "error" and not f.get("waived")]


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="the read-only cases need root")
@pytest.mark.parametrize("broken, check", CASES)
def test_broken_prerequisite_is_one_finding_and_no_ncp_stop(lab, broken, check):
    starts = {c: lab.ncp_start_count(c) for c in lab.clusters}
    with broken(lab) as (cluster, host, extra):
        preflight = lab.run("preflight.yml", extra)
        with open(os.path.join(lab.report_dir, "preflight-report.json"), encoding="utf-8") as handle:
            report = json.load(handle)
        found = errors(report["findings"])
        assert preflight.returncode != 0, preflight.stdout[-3000:]
        assert [(f["check"], f["cluster"]) for f in found] == [(check, cluster)], found
        assert host in found[0]["message"] and found[0]["remediation"], found[0]
        run = lab.run("migrate_all.yml", extra)
    assert run.returncode != 0, run.stdout[-3000:]
    assert [f["check"] for f in errors(lab.report()["findings"])] == [check]
    for name in lab.clusters:
        assert not lab.ncp_stop_seen(name), name
        assert lab.ncp_start_count(name) == starts[name], name
        assert "ncp_stopped" not in ((lab.journal(name)[1] or {}).get("states") or {}), name


def test_a_typo_in_an_ncp_ini_resource_option_is_a_blocker_found_before_the_window(lab):
    """Issue 26: ``external_ip_pools`` misspelt in one cluster's ncp.ini is one error naming the cluster, option and item,
    found by the preflight (NSX's MP lists against each master's ncp.ini), not mid-window when the switch would halt.
    Every other item of the lab's ncp.ini files (the other cluster's ConfigMap and NCP YAML file, this one's other
    options) resolves: infos for display names, no false blocker. The preflight changes nothing."""
    cluster, host = tkgi_master(lab)
    path = lab.host(host)["ncp_ini"]
    pool = ini_value(lab.ncp_ini_text(host), "external_ip_pools")
    typo = pool + "-typo"
    before = lab.snapshot()
    with edited_file(path, lambda text: text.replace("external_ip_pools = %s\n" % pool, "external_ip_pools = %s\n" % typo, 1)):
        assert ini_value(lab.ncp_ini_text(host), "external_ip_pools") == typo
        run = lab.run("preflight.yml")
    with open(os.path.join(lab.report_dir, "preflight-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    assert run.returncode != 0, run.stdout[-3000:]
    found = errors(report["findings"])
    assert [(f["check"], f["cluster"], f["object_type"], f["display_name"]) for f in found] == [("ncp_ini_resource_unresolved", cluster, "IpPool", typo)]
    assert "[nsx_v3] external_ip_pools in %s" % path in found[0]["message"] and "GET /api/v1/pools/ip-pools" in found[0]["remediation"]
    # Exactly the planted finding: no warning, and the check's other findings are infos of names that resolve, both
    # clusters' (the other cluster's copy names the same pool).
    assert not [f for f in report["findings"] if f["severity"] == "warning"], report["findings"]
    infos = set((f["cluster"], f["display_name"]) for f in report["findings"] if f["check"] == "ncp_ini_resource_unresolved" and f not in found)
    others = [c for c in lab.clusters if c != cluster]
    assert (cluster, pool) not in infos and {(c, pool) for c in others} <= infos, infos
    assert set(c for c, _name in infos) == set(lab.clusters), infos
    assert lab.snapshot() == before


def bad_network_profile():
    """A network profile with each cluster configuration TKGI's migration does not support (docs-pks mp2p-migration
    Prerequisites): a Bootstrap Security Group, k8s_np_use_ip_sets false, a Policy-only default SSL profile."""
    ncp = {"nsx_v3": {"k8s_np_use_ip_sets": False, "client_ssl_profile": "default-balanced-client-ssl-profile"}}
    cni = {"type": "nsxt", "parameters": {"extensions": {"ncp": ncp}}}
    parameters = {"master_vms_nsgroup_id": "9b8d535a-d3b6-4735-9fd0-56305c4a5293", "cni_configurations": cni}
    return {"name": "np-unsupported", "description": "lab", "parameters": parameters}


def test_tkgi_prerequisites_block_the_preflight_and_pass_once_fixed(lab):
    """Issue 27: each TKGI prerequisite broken for the TKGI cluster (an old tkgi CLI; its network profile with an NSGroup,
    k8s_np_use_ip_sets false and a Policy-only SSL profile; a TAS principal identity on NSX; NSX's certificates
    expiring before the window ends) is an error finding of its own check ID and the preflight fails before the window;
    fixed, the same preflight passes. The Kubernetes cluster gets no TKGI finding."""
    cluster, host = tkgi_master(lab)
    settings = os.path.join(lab.host(host)["root"], "var", "vcap", "tkgi", "lab-tkgi.json")
    os.makedirs(os.path.dirname(settings), exist_ok=True)
    with open(settings, "w", encoding="utf-8") as handle:
        profiles = {"np-unsupported": bad_network_profile()}
        json.dump({"version": "1.15.0-build.7", "network_profile_name": "np-unsupported", "network_profiles": profiles}, handle)
    identities = "/api/v1/trust-management/principal-identities"
    tas = lab.nsx_call(identities, "POST", {"name": "tas-ncp-superuser", "node_id": "tas-1", "role": "enterprise_admin"}, auth=True)
    foundation = {"ncp_tkgi_principal_identities": ["pks-*"]}
    try:
        run = lab.run("preflight.yml", dict(foundation, ncp_tkgi_window_end="2040-01-01T00:00:00Z"))  # after the lab's certificates expire (2036)
        with open(os.path.join(lab.report_dir, "preflight-report.json"), encoding="utf-8") as handle:
            found = errors(json.load(handle)["findings"])
        assert run.returncode != 0, run.stdout[-3000:]
        host_side = ["tkgi_version", "tkgi_network_profile_nsgroup", "tkgi_np_use_ip_sets", "tkgi_policy_only_objects"]
        assert sorted((f["check"], f["cluster"]) for f in found if f["cluster"]) == sorted((check, cluster) for check in host_side), found
        nsx_side = [(f["check"], f["object_type"], f["object_id"]) for f in found if not f["cluster"]]
        assert ("tkgi_nsx_dedicated", "PrincipalIdentity", tas["id"]) in nsx_side, nsx_side
        certificates = lab.nsx_call("/api/v1/trust-management/certificates", auth=True)["results"]
        expiring = [("tkgi_certificates_valid", "Certificate", c["id"]) for c in certificates]
        assert sorted(nsx_side) == sorted([("tkgi_nsx_dedicated", "PrincipalIdentity", tas["id"])] + expiring), nsx_side
        assert all(f["remediation"] for f in found)
    finally:
        os.remove(settings)
        lab.nsx_call(identities + "/" + tas["id"], "DELETE", auth=True)
    run = lab.run("preflight.yml", dict(foundation, ncp_tkgi_window_end="2030-01-01T00:00:00Z"))
    with open(os.path.join(lab.report_dir, "preflight-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    assert run.returncode == 0 and not errors(report["findings"]), report["findings"]
    assert not [f for f in report["findings"] if f["check"].startswith("tkgi_")], report["findings"]
