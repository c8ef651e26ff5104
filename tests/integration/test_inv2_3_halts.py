"""Runs that must stop before any import (invariants 2 and 3), on two Kubernetes clusters.

- a failing NSX backup: no import;
- NCP that never stops on one cluster: no import anywhere (not even on the cluster that did stop);
- a promotion in progress on NSX when the second import is due: that import does not start.
"""

import json
import subprocess
import sys

import pytest

from .labtools import ROOT

pytestmark = pytest.mark.slow


def no_attempts(lab):
    return {cluster: lab.journal(cluster)[1]["attempts"] for cluster in lab.clusters if lab.journal(cluster)[1]}


def test_failed_backup_means_no_import(lab_factory):
    lab = lab_factory("k8s2.yml")
    lab.add_faults({"type": "backup", "mode": "fail"})
    run = lab.run("migrate_all.yml")
    assert run.returncode != 0
    assert all(not attempts for attempts in no_attempts(lab).values()), no_attempts(lab)
    for cluster in lab.clusters:
        assert lab.policy_status(cluster)["in_policy"] == 0
        assert lab.ncp_mode(cluster) == "mp"  # started again in MP mode
    assert "backup failed" in lab.report()["next_steps"][0]


def test_ncp_that_never_stops_means_no_import_anywhere(lab_factory):
    lab = lab_factory("k8s2.yml")
    lab.kube("k8s-02", "/_lab/faults", "POST", {"pods_never_terminate": True})
    run = lab.run("migrate_all.yml", {"ncp_stop_timeout_seconds": 4})
    assert run.returncode != 0
    assert all(not attempts for attempts in no_attempts(lab).values()), no_attempts(lab)
    assert lab.policy_status("k8s-01")["in_policy"] == 0
    assert lab.ncp_mode("k8s-01") == "mp"
    assert "k8s-02" in lab.report()["next_steps"][0]


def test_tkgi_master_that_never_stops_means_no_import_anywhere(lab_factory):
    # master-1 is not the import master: only the cluster's list of masters tells the import master to wait for it.
    lab = lab_factory("k8s_tkgi.yml")
    lab.set_monit("k8s-02-master-1", stop_seconds=3600)  # monit shows "stop pending" for the whole run
    run = lab.run("migrate_all.yml", {"ncp_stop_timeout_seconds": 4})
    assert run.returncode != 0
    assert all(not attempts for attempts in no_attempts(lab).values()), no_attempts(lab)
    assert "ncp_stopped" not in (lab.journal("k8s-02")[1] or {}).get("states", {}), lab.journal("k8s-02")
    assert lab.policy_status("k8s-01")["in_policy"] == 0
    assert lab.ncp_mode("k8s-01") == "mp"
    assert lab.monit("k8s-02-master-1")["action"] == "stop"  # its stop never ended; nothing claims otherwise
    assert "k8s-02" in lab.report()["next_steps"][0], lab.report()["next_steps"]


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
    assert lab.journal("k8s-02")[1]["attempts"] == [], json.dumps(lab.journal("k8s-02")[1])
    assert lab.ncp_mode("k8s-02") == "mp"
    assert "promotion" in lab.report()["next_steps"][0].lower()
