"""Invariant 7: re-runs use the master that holds the cluster's journal (the importer's records are on its disk).

A TKGI cluster with two masters: the first (failing, rc 2) attempt runs on master-1 as configured; the re-run, now
configured for master-0, must still run on master-1. A journal that cannot be read on one master: the run refuses to
choose and changes nothing.
"""

import os

import pytest

pytestmark = pytest.mark.slow

ONE_CLUSTER = {"ncp_cluster": "k8s-02", "ncp_ack_no_backup_restore": True}
PORT_FAILS = {"type": "migration_failure", "resource_type": "LOGICAL_PORT", "message": "lab: logical port cannot be migrated"}


def test_rerun_keeps_the_recorded_master_and_refuses_an_unreadable_one(lab_factory):
    lab = lab_factory("k8s_tkgi.yml")
    lab.add_faults(PORT_FAILS)
    first = lab.run("migrate_cluster.yml", dict(ONE_CLUSTER, ncp_import_master="k8s-02-master-1"))
    assert first.returncode != 0
    assert lab.journals_on("k8s-02") == ["k8s-02-master-1"], first.stdout[-4000:]
    assert lab.journal("k8s-02")[1]["attempts"][-1]["rc"] == 2

    lab.nsx_call("/_lab/faults", "DELETE")
    second = lab.run("migrate_cluster.yml", dict(ONE_CLUSTER, ncp_import_master="k8s-02-master-0"))
    assert second.returncode == 0, second.stdout[-4000:]
    assert lab.journals_on("k8s-02") == ["k8s-02-master-1"]
    attempts = lab.journal("k8s-02")[1]["attempts"]
    assert {a["host"] for a in attempts} == {"k8s-02-master-1"}
    assert attempts[-1]["rc"] == 0
    assert lab.ncp_mode("k8s-02") == "policy"


def test_unreadable_journal_on_a_master_refuses_the_run(lab_factory):
    lab = lab_factory("k8s_tkgi.yml")
    lab.add_faults(PORT_FAILS)
    first = lab.run("migrate_cluster.yml", dict(ONE_CLUSTER, ncp_import_master="k8s-02-master-1"))
    assert first.returncode != 0
    assert lab.journal("k8s-02")[1]["attempts"][-1]["rc"] == 2, first.stdout[-4000:]
    lab.nsx_call("/_lab/faults", "DELETE")
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
    assert lab.ncp_mode("k8s-02") == "mp"
    # the run refused because of the damaged journal, and names it
    assert "the journal %s is not valid JSON" % path in run.stdout, run.stdout[-4000:]
