"""Invariant 11: strategy 1 stops every cluster that has objects on the NSX; one the inventory does not hold (and the
operator did not name as gone) refuses the run before any NCP stop."""

import subprocess

import pytest

from tests.integration.labtools import playbook_env, wait_journal

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(module_lab_factory):
    return module_lab_factory("k8s2_unlisted.yml")


def test_a_cluster_on_the_nsx_missing_from_the_inventory_refuses_the_run_before_any_stop(lab):
    before = lab.snapshot()
    # Waiving the check by its ID does not apply: only naming the cluster in ncp_clusters_known_gone does.
    run = lab.run("migrate_all.yml", {"ncp_preflight_waivers": ["nsx_cluster_not_in_inventory"]})
    after = lab.snapshot()
    assert run.returncode == 2, run.stdout[-3000:]
    report = lab.report()
    assert report["result"] == "failed"
    [unlisted] = [f for f in report["findings"] if f["check"] == "nsx_cluster_not_in_inventory"]
    assert (unlisted["severity"], unlisted["cluster"], unlisted["waived"]) == ("error", "k8s-03", False)
    assert "ncp_clusters_known_gone" in unlisted["remediation"]
    assert "nsx_cluster_not_in_inventory" in report["next_steps"][0]
    for cluster in lab.clusters:
        assert lab.ncp_mode(cluster) == "mp" and lab.ncp_start_count(cluster) == 1, "NCP of %s was stopped" % cluster
        assert not lab.ncp_stop_seen(cluster)
        _host, journal = lab.journal(cluster)
        assert "ncp_stopped" not in (journal or {}).get("states", {}), journal
    assert lab.nsx_state()["backups"]["history"] == 0
    assert lab.importer_runs() == []
    assert sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key)) == []


# long (make test-faults): two migrations, ~100 s on a quiet machine, ~150 s under load - over make test's budget. In make
# test the decision is covered by tests/unit/plugins/module_utils/test_migration_decisions.py::test_run_clusters.
@pytest.mark.long
def test_a_cluster_already_in_policy_mode_is_stopped_before_the_first_import_and_restarted_in_policy_mode(lab, tmp_path):
    # k8s-02 goes first, alone (strategy 2): k8s-03 on the NSX only warns there, the other clusters run on by design.
    first = lab.run("migrate_cluster.yml", {"ncp_cluster": "k8s-02", "ncp_ack_no_backup_restore": True}, report="report-k8s-02")
    assert first.returncode == 0, first.stdout[-3000:]
    warned = [f for f in lab.report("report-k8s-02")["findings"] if f["check"] == "nsx_cluster_not_in_inventory"]
    assert [(f["severity"], f["cluster"]) for f in warned] == [("warning", "k8s-03")]
    assert lab.ncp_mode("k8s-02") == "policy" and lab.ncp_mode("k8s-01") == "mp"
    runs_before = len(lab.importer_runs())
    # Strategy 1 for the rest, k8s-03 named as gone: k8s-02 (in Policy mode) must be down when k8s-01's import starts.
    command = lab.playbook_command("migrate_all.yml", {"ncp_clusters_known_gone": ["k8s-03"]}, report="report-all")
    with open(tmp_path / "migrate_all.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=lab.out, env=playbook_env(), stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_journal(lab, "k8s-01", open_attempt=True, process=process, timeout=600)
            mode_at_first_import = lab.ncp_mode("k8s-02")
        finally:
            returncode = process.wait(timeout=900)
    output = (tmp_path / "migrate_all.log").read_text(encoding="utf-8")
    assert mode_at_first_import == "stopped", output[-3000:]
    assert returncode == 0, output[-3000:]
    # Not imported again; back in Policy mode, as its ConfigMap says.
    assert lab.ncp_mode("k8s-02") == "policy" and lab.ncp_mode("k8s-01") == "policy"
    assert [start["policy_nsxapi"] for start in lab.ncp_starts("k8s-02")] == [False, True, True]
    assert [run["cluster"] for run in lab.importer_runs()[runs_before:]] == ["k8s-01", "k8s-01"]  # shared, cluster
    _host, journal = lab.journal("k8s-02")
    assert journal["states"]["ncp_started"]["mode"] == "policy"
    assert "backed_up" in journal["states"]  # its stop counted for the quiesce and the backup, with the others'
    outcomes = {c["name"]: (c["outcome"], c["ncp_mode"]) for c in lab.report("report-all")["clusters"]}
    assert outcomes == {"k8s-01": ("imported", "policy"), "k8s-02": ("already_imported", "policy")}, outcomes
