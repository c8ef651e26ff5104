"""Runs that must stop before any import (invariants 2 and 3), on two clusters.

- a failing NSX backup: no import;
- NCP that never stops on one cluster: no import anywhere (not even on the cluster that did stop);
- a promotion in progress on NSX when the second import is due: that import does not start;
- a cluster whose NCP configuration cannot be kept for a restore (issue 26): no NCP is stopped at all, as the record is
  taken before the window.

"No import" is read from the journals the run wrote (a cluster without a journal is named, never skipped: a run
that died before writing anything must not pass) and from NSX: the cluster has MP objects and none is in Policy.
"Restarted in MP mode" is told apart from "never stopped" by the lab's record of NCP stops and starts.
"""

import os
import subprocess
import sys

import pytest

from .labtools import ROOT

pytestmark = pytest.mark.slow


def journals(lab):
    """Per cluster: its journal, or None when the run wrote none for it."""
    return {cluster: lab.journal(cluster)[1] for cluster in lab.clusters}


def assert_stopped_and_not_imported(lab, cluster):
    """The run stopped this cluster's NCP (journaled and seen by the lab) and ran no importer for it."""
    journal = journals(lab)[cluster]
    assert journal is not None, "%s has no journal: the run never got to it" % cluster
    assert "ncp_stopped" in journal["states"], (cluster, journal)
    assert journal["attempts"] == [], (cluster, journal["attempts"])
    assert not {"shared_imported", "cluster_imported", "policy_configured"} & set(journal["states"]), (cluster, journal)
    assert lab.ncp_stop_seen(cluster), "%s: the lab never saw its NCP stop" % cluster


def assert_restarted_in_mp(lab, cluster):
    """NCP was stopped and started again in MP mode: two starts (before the run, after the halt), both MP."""
    assert lab.ncp_stop_seen(cluster), "%s: NCP was never stopped" % cluster
    assert lab.ncp_mode(cluster) == "mp", (cluster, lab.ncp_mode(cluster))
    assert [s["policy_nsxapi"] for s in lab.ncp_starts(cluster)] == [False, False], (cluster, lab.ncp_starts(cluster))


def assert_nothing_in_policy(lab, cluster):
    status = lab.policy_status(cluster)
    assert status["objects"] > 0 and status["in_policy"] == 0, (cluster, status)


def assert_no_import_although_k8s01_stopped(lab):
    """k8s-02's NCP never stopped: k8s-01's did, and still nothing was imported there (its NCP runs again in MP
    mode); k8s-02 has no stop journaled, no importer run, nothing in Policy."""
    assert_stopped_and_not_imported(lab, "k8s-01")
    assert_nothing_in_policy(lab, "k8s-01")
    assert_restarted_in_mp(lab, "k8s-01")
    k8s02 = journals(lab)["k8s-02"]
    assert "ncp_stopped" not in (k8s02 or {}).get("states", {}), k8s02
    assert (k8s02 or {}).get("attempts", []) == [], k8s02
    assert_nothing_in_policy(lab, "k8s-02")


def test_failed_backup_means_no_import(lab_factory):
    lab = lab_factory("k8s2.yml")
    lab.add_faults({"type": "backup", "mode": "fail"})
    run = lab.run("migrate_all.yml")
    assert run.returncode != 0
    for cluster in lab.clusters:
        assert_stopped_and_not_imported(lab, cluster)
        assert "backed_up" not in journals(lab)[cluster]["states"], journals(lab)[cluster]
        assert_nothing_in_policy(lab, cluster)
        assert_restarted_in_mp(lab, cluster)
    assert "backup failed" in lab.report()["next_steps"][0]


def test_a_configuration_that_cannot_be_kept_stops_the_run_before_any_ncp_stop(lab_factory):
    lab = lab_factory("k8s2.yml")
    # originals.json cannot be written where a directory of that name stands
    os.makedirs(os.path.join(lab.host(lab.masters("k8s-02")[0])["state_dir"], "k8s-02", "originals.json"))
    run = lab.run("migrate_all.yml")
    assert run.returncode != 0, run.stdout[-3000:]
    for cluster in lab.clusters:
        assert not lab.ncp_stop_seen(cluster), "%s: NCP was stopped" % cluster
        assert "ncp_stopped" not in (journals(lab)[cluster] or {}).get("states", {}), journals(lab)[cluster]
        assert_nothing_in_policy(lab, cluster)
    assert lab.nsx_state()["backups"]["history"] == 0, lab.nsx_state()["backups"]
    first = lab.report()["next_steps"][0]
    assert "the NCP configuration of k8s-02 could not be kept for a restore" in first and "no NCP was stopped" in first, first


def test_ncp_that_never_stops_means_no_import_anywhere(lab_factory):
    lab = lab_factory("k8s2.yml")
    lab.kube("k8s-02", "/_lab/faults", "POST", {"pods_never_terminate": True})
    run = lab.run("migrate_all.yml", {"ncp_stop_timeout_seconds": 4})
    assert run.returncode != 0
    assert_no_import_although_k8s01_stopped(lab)
    assert "k8s-02" in lab.report()["next_steps"][0]


def test_promotion_in_progress_stops_the_next_import(lab_factory):
    lab = lab_factory("k8s2.yml")
    watcher = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.labtools", "when", "--lab", lab.out, "--cluster", "k8s-01", "--state", "cluster_imported", "--promotion"],
        cwd=ROOT,
    )
    try:
        run = lab.run("migrate_all.yml")
    finally:
        watcher.kill()
        watcher.wait()
    assert run.returncode != 0
    assert lab.ncp_mode("k8s-01") == "policy"
    assert_stopped_and_not_imported(lab, "k8s-02")
    assert_nothing_in_policy(lab, "k8s-02")
    assert_restarted_in_mp(lab, "k8s-02")
    assert "promotion" in lab.report()["next_steps"][0].lower()
