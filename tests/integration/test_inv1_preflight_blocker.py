"""Invariant 1: no import starts unless the preflight has no error findings - and no NCP is stopped either."""

import pytest

pytestmark = pytest.mark.slow


def test_blocker_stops_the_run_before_any_ncp_stop(lab_factory):
    lab = lab_factory("k8s2_blocker.yml")
    # Invariant 9: the dry run fails as the real run would, before anything, naming the blocker.
    before = lab.snapshot()
    check = lab.run("migrate_all.yml", check=True)
    after = lab.snapshot()
    assert check.returncode != 0, check.stdout[-3000:]
    assert "The dry run found where the real run would stop: the preflight found" in check.stdout, check.stdout[-3000:]
    assert "dfw_admin_section_inside_ncp_range" in check.stdout
    assert sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key)) == []
    # One fork for two masters: the preflight also warns that the stop and the start would run in waves.
    run = lab.run("migrate_all.yml", forks=1)
    assert run.returncode != 0, run.stdout[-3000:]
    for cluster in lab.clusters:
        assert lab.ncp_mode(cluster) == "mp"
        assert lab.ncp_start_count(cluster) == 1, "NCP of %s was stopped and started again" % cluster
        host, journal = lab.journal(cluster)
        assert journal is None or "ncp_stopped" not in journal.get("states", {}), journal
        assert not (journal or {}).get("attempts"), journal
        assert lab.policy_status(cluster)["in_policy"] == 0
    assert lab.nsx_state()["backups"]["history"] == 0
    report = lab.report()
    assert report["result"] == "failed"
    assert any(f["check"] == "dfw_admin_section_inside_ncp_range" and f["severity"] == "error" for f in report["findings"])
    assert "dfw_admin_section_inside_ncp_range" in report["next_steps"][0]
    [forks] = [f for f in report["findings"] if f["check"] == "controller_forks"]
    assert forks["severity"] == "warning" and "2 masters but Ansible runs 1 forks" in forks["message"]
