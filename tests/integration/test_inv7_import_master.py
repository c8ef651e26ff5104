"""Invariant 7: re-runs use the master that holds the cluster's journal (the importer's records are on its disk).

A TKGI cluster with two masters: the first attempt runs on master-1 as configured and the importer ends 1 while tkgi
exits 0; the re-run, now configured for master-0, must still run on master-1 (TKGI after exit 1: re-run that cluster
from the same VM), and there the importer ends 0 while tkgi exits 1. Both outcomes are the importer's, read from the
migration log on master-1, not tkgi's exit code (vendor-facts 1.3). A journal that cannot be read on one master: the
run refuses to choose and changes nothing.
"""

import os

import pytest

pytestmark = pytest.mark.slow

ONE_CLUSTER = {"ncp_cluster": "k8s-02", "ncp_ack_no_backup_restore": True}
IMPORTER_RC1 = {"kind": "rc1", "after_batches": 1}


def fail_with_rc1_on_master_1(lab):
    """master-1's importer ends 1 (part of the cluster in Policy), its tkgi exits 0."""
    lab.set_importer_fault("k8s-02-master-1", IMPORTER_RC1)
    lab.set_tkgi_fault("k8s-02-master-1", cli_rc=0)


def test_rerun_keeps_the_recorded_master_and_refuses_an_unreadable_one(lab_factory):
    lab = lab_factory("k8s_tkgi.yml")
    fail_with_rc1_on_master_1(lab)
    first = lab.run("migrate_cluster.yml", dict(ONE_CLUSTER, ncp_import_master="k8s-02-master-1"))
    assert first.returncode != 0
    assert lab.journals_on("k8s-02") == ["k8s-02-master-1"], first.stdout[-4000:]
    attempt = lab.journal("k8s-02")[1]["attempts"][-1]
    assert (attempt["cli_rc"], attempt["rc"], attempt["outcome"]) == (0, 1, "failed_keep_ncp_stopped"), attempt
    assert attempt["migration_log"].startswith(lab.host("k8s-02-master-1")["root"]), attempt
    assert lab.ncp_mode("k8s-02") == "stopped"

    lab.set_importer_fault("k8s-02-master-1", None)
    lab.set_tkgi_fault("k8s-02-master-1", cli_rc=1)
    second = lab.run("migrate_cluster.yml", dict(ONE_CLUSTER, ncp_import_master="k8s-02-master-0"))
    assert second.returncode == 0, second.stdout[-4000:]
    assert lab.journals_on("k8s-02") == ["k8s-02-master-1"]
    attempts = lab.journal("k8s-02")[1]["attempts"]
    assert {a["host"] for a in attempts} == {"k8s-02-master-1"}
    assert (attempts[-1]["cli_rc"], attempts[-1]["rc"], attempts[-1]["outcome"]) == (1, 0, "imported"), attempts[-1]
    assert lab.ncp_mode("k8s-02") == "policy"
    status = lab.policy_status("k8s-02")
    assert status["objects"] > 0 and status["in_policy"] == status["objects"], status


def test_unreadable_journal_on_a_master_refuses_the_run(lab_factory):
    lab = lab_factory("k8s_tkgi.yml")
    fail_with_rc1_on_master_1(lab)
    first = lab.run("migrate_cluster.yml", dict(ONE_CLUSTER, ncp_import_master="k8s-02-master-1"))
    assert first.returncode != 0
    assert lab.journal("k8s-02")[1]["attempts"][-1]["rc"] == 1, first.stdout[-4000:]
    lab.set_importer_fault("k8s-02-master-1", None)
    # master-1's journal is damaged: nobody can tell which master ran the importer
    path = os.path.join(lab.host("k8s-02-master-1")["state_dir"], "k8s-02", "state.json")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("{not json")
    before = lab.snapshot()
    run = lab.run("migrate_cluster.yml", ONE_CLUSTER)
    after = lab.snapshot()
    assert run.returncode != 0
    # nothing changed anywhere: NSX, NCP (no stop, no start), every file on every master (the damaged journal too)
    changed = sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
    assert changed == [], changed
    assert lab.ncp_mode("k8s-02") == "stopped"  # as the rc 1 left it: the refused run started nothing
    # the run refused because of the damaged journal, and names it
    assert "the journal %s is not valid JSON" % path in run.stdout, run.stdout[-4000:]
