"""Invariant 11: strategy 1 stops every cluster that has objects on the NSX; one the inventory does not hold (and the
operator did not name as gone) refuses the run before any NCP stop."""

import pytest

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
