"""recover.yml's keep_down and retry for real (vendor "Failure and Recovery"), after a strategy-1 import of the second of
three clusters ended rc 1:

- keep_down changes nothing: NSX, the ConfigMaps, NCP (every cluster stays stopped, invariant 5) and no importer run;
  its report says the cluster is kept down for a restore and the run is a success (the operator's choice was carried out);
- retry, once the cause is gone, imports the cluster again on the master that ran the failed attempt (the importer's
  records are there), switches it to Policy mode only after that import ended rc 0 (invariant 4) and starts its NCP in
  Policy mode; the other clusters stay stopped (the recovery is for one cluster);
- migrate_all.yml then resumes: the untouched cluster is imported, none is imported twice, and every cluster runs NCP
  in Policy mode.
"""

import pytest

from .test_inv4_5_6_import_failures import CLUSTERS, PORT_FAILS, migrate_with_second_failing, ncp_now, policy_flags

pytestmark = pytest.mark.slow

ROLLBACK_FAILS = {"type": "rollback_failure", "count": -1}


def outside_state(snap):
    """What keep_down must not change: NSX, the ConfigMaps and NCP (the journal files may record the run's lease)."""
    return {key: value for key, value in snap.items() if not key.startswith("file:")}


def runs_of(lab, cluster):
    return [run for run in lab.importer_runs() if run["cluster"] == cluster]


@pytest.fixture(scope="module")
def recovered(module_lab_factory):
    lab = module_lab_factory("k8s3.yml")
    failed = migrate_with_second_failing(lab, PORT_FAILS, ROLLBACK_FAILS, report="report-rc1")
    held = ncp_now(lab)
    failed_attempt = lab.journal("k8s-02")[1]["attempts"][-1]
    before_keep = (lab.snapshot(), len(lab.importer_runs()))
    keep = lab.run("recover.yml", {"ncp_cluster": "k8s-02", "ncp_recover_action": "keep_down"}, report="report-keep-down")
    after_keep = (lab.snapshot(), len(lab.importer_runs()), ncp_now(lab))
    # The operator fixed the cause (the lab's faults cleared): the retry can succeed.
    lab.nsx_call("/_lab/faults", "DELETE")
    k8s01_runs = len(runs_of(lab, "k8s-01"))
    retry = lab.run("recover.yml", {"ncp_cluster": "k8s-02", "ncp_recover_action": "retry"}, report="report-retry")
    after_retry = ncp_now(lab)
    flags_after_retry = {c: policy_flags(lab, c) for c in CLUSTERS}
    resumed = lab.run("migrate_all.yml", report="report-resumed")
    return {
        "lab": lab,
        "failed": failed,
        "held": held,
        "failed_attempt": failed_attempt,
        "keep": (before_keep, keep, after_keep),
        "retry": retry,
        "after_retry": after_retry,
        "flags_after_retry": flags_after_retry,
        "k8s01_runs": k8s01_runs,
        "resumed": resumed,
    }


def test_keep_down_changes_nothing_and_reports_the_choice(recovered):
    lab, held = recovered["lab"], recovered["held"]
    assert recovered["failed"].returncode != 0
    assert recovered["failed_attempt"]["rc"] == 1, recovered["failed"].stdout[-3000:]
    assert held == {c: ("stopped", 1) for c in CLUSTERS}, held
    (snap_before, runs_before), keep, (snap_after, runs_after, ncp_after) = recovered["keep"]
    assert keep.returncode == 0, keep.stdout[-4000:]
    assert outside_state(snap_after) == outside_state(snap_before)
    assert runs_after == runs_before
    assert ncp_after == held
    report = lab.report("report-keep-down")
    assert report["result"] == "success", report
    assert [(c["name"], c["ncp_mode"]) for c in report["clusters"]] == [("k8s-02", "stopped")]
    assert any("kept down as asked" in step and "restore the NSX backup" in step for step in report["next_steps"]), report["next_steps"]


def test_retry_imports_again_on_the_same_master_and_only_then_policy_mode(recovered):
    lab, retry = recovered["lab"], recovered["retry"]
    assert retry.returncode == 0, retry.stdout[-4000:]
    attempts = lab.journal("k8s-02")[1]["attempts"]
    last = attempts[-1]
    assert (last["scope"], last["rc"], last["rollback"] if "rollback" in last else False) == ("cluster", 0, False), attempts
    # The importer's records of the failed attempt are on that master: the retry ran there.
    assert {a["host"] for a in attempts} == {recovered["failed_attempt"]["host"]}, attempts
    flags = recovered["flags_after_retry"]
    assert flags["k8s-02"] == ("True", {"True"})
    assert recovered["after_retry"]["k8s-02"] == ("policy", 2)
    # The recovery is for k8s-02 alone: the others stay as the failed run left them.
    assert {c: recovered["after_retry"][c] for c in ("k8s-01", "k8s-03")} == {"k8s-01": ("stopped", 1), "k8s-03": ("stopped", 1)}
    assert flags["k8s-03"] == ("False", {"False"})
    report = lab.report("report-retry")
    assert report["result"] == "success", report
    assert [(c["name"], c["outcome"], c["ncp_mode"]) for c in report["clusters"]] == [("k8s-02", "imported", "policy")]


def test_the_migration_then_resumes_and_every_cluster_runs_in_policy_mode(recovered):
    lab, resumed = recovered["lab"], recovered["resumed"]
    assert resumed.returncode == 0, resumed.stdout[-4000:]
    assert {c: lab.ncp_mode(c) for c in CLUSTERS} == {c: "policy" for c in CLUSTERS}
    assert all(policy_flags(lab, c) == ("True", {"True"}) for c in CLUSTERS)
    # k8s-01 was imported before the failure and is not imported again; k8s-03 is imported now.
    assert len(runs_of(lab, "k8s-01")) == recovered["k8s01_runs"]
    assert lab.journal("k8s-03")[1]["attempts"][-1]["rc"] == 0
    report = lab.report("report-resumed")
    assert report["result"] == "success", report
    assert {c["name"]: c["outcome"] for c in report["clusters"]} == {"k8s-01": "already_imported", "k8s-02": "already_imported", "k8s-03": "imported"}
