"""Importer exit codes 2 and 1 on the second of three clusters (strategy 1).

- invariant 4: policy_nsxapi = True only for the cluster whose cluster import ended rc 0 (ConfigMap and NCP YAML file);
- invariant 6: after rc 2 the cluster stays policy_nsxapi = False and NCP restarts in MP mode; further imports stop;
  the untouched cluster restarts in MP mode; the imported one stays in Policy mode;
- invariant 5: after rc 1 that cluster's NCP is never started (also not by a re-run of the migration); further
  imports stop; the report gives the recovery choices;
- invariant 9: recover.yml in check mode (retry and rollback) ends rc 0, changes nothing and plans the importer runs;
- invariant 8: the password is in no output of the failure paths (-vvv);
- invariant 10: after the halt (and after each import before it) the admin's top DFW rules are enforced before every
  NCP rule and the bottom ones after (the simulator's effective order).
"""

import json
import os
import subprocess
import sys

import pytest

from .labtools import ROOT, dry_run_plan, ini_value, plan_steps

pytestmark = pytest.mark.slow

PORT_FAILS = {"type": "migration_failure", "resource_type": "LOGICAL_PORT", "message": "lab: logical port cannot be migrated"}


def fail_after_first_import(lab, *faults):
    """Inject the faults once k8s-01 is imported: the second cluster's import fails."""
    argv = [sys.executable, "-m", "tests.integration.labtools", "when", "--lab", lab.out, "--cluster", "k8s-01", "--state", "cluster_imported"]
    for fault in faults:
        argv += ["--fault", json.dumps(fault)]
    return subprocess.Popen(argv, cwd=ROOT)


def migrate_with_second_failing(lab, *faults, verbosity=0, report=None):
    watcher = fail_after_first_import(lab, *faults)
    try:
        run = lab.run("migrate_all.yml", verbosity=verbosity, report=report)
    finally:
        watcher.kill()
        watcher.wait()
    return run


def policy_flags(lab, cluster):
    files = {ini_value(lab.manifest_text(h), "policy_nsxapi") for h in lab.masters(cluster)}
    return ini_value(lab.configmap_ini(cluster), "policy_nsxapi"), files


@pytest.fixture(scope="module")
def rc2(module_lab_factory):
    lab = module_lab_factory("k8s3.yml")
    run = migrate_with_second_failing(lab, PORT_FAILS)
    return lab, run


CLUSTERS = ("k8s-01", "k8s-02", "k8s-03")


def configuration(lab, cluster):
    """The cluster's ConfigMap ncp.ini and NCP YAML file(s), exactly."""
    files = {}
    for host in lab.masters(cluster):
        with open(lab.host(host)["manifest_path"], "rb") as handle:
            files[host] = handle.read()
    return lab.configmap_ini(cluster), files


def ncp_now(lab):
    return {c: (lab.ncp_mode(c), len(lab.ncp_starts(c))) for c in CLUSTERS}


@pytest.fixture(scope="module")
def rc1(module_lab_factory):
    lab = module_lab_factory("k8s3.yml")
    original = {c: configuration(lab, c) for c in CLUSTERS}
    # one report directory per run: each run's own report is checked, not the last one written
    run = migrate_with_second_failing(lab, PORT_FAILS, {"type": "rollback_failure", "count": -1}, verbosity=3, report="report-rc1")
    held = ncp_now(lab)
    before = lab.snapshot()
    checks = {
        action: lab.run("recover.yml", {"ncp_cluster": "k8s-02", "ncp_recover_action": action}, check=True, verbosity=3, report="report-check-" + action)
        for action in ("retry", "rollback")
    }
    after = lab.snapshot()
    rerun = lab.run("migrate_all.yml", report="report-rerun")
    held_after_rerun = ncp_now(lab)
    # The operator chooses the rollback and NSX refuses it (the lab's rollback failure): recover.yml must halt.
    before_rollback = lab.snapshot()
    rollback = lab.run("recover.yml", {"ncp_cluster": "k8s-02", "ncp_recover_action": "rollback"}, report="report-rollback")
    rolled = (before_rollback, rollback, lab.snapshot(), ncp_now(lab))
    # the operator restores NSX from the run's backup (the lab's restore), then puts the clusters back
    lab.nsx_call("/_lab/backups", "POST", {"restore": lab.report("report-rc1")["backup"]["backup_id"]})
    # refused while one cluster's original is not on record: one error naming it, nothing changed (no NCP started either)
    kept = os.path.join(lab.host(lab.masters("k8s-03")[0])["state_dir"], "k8s-03", "originals.json")
    os.rename(kept, kept + ".away")
    before_refusal = lab.snapshot()
    refused = lab.run("recover.yml", {"ncp_recover_action": "after_restore"}, report="report-restore-refused")
    after_refusal = lab.snapshot()
    os.rename(kept + ".away", kept)
    before_check = lab.snapshot()
    restore_check = lab.run("recover.yml", {"ncp_recover_action": "after_restore"}, check=True, report="report-restore-check")
    after_check = lab.snapshot()
    restored = lab.run("recover.yml", {"ncp_recover_action": "after_restore"}, report="report-restored")
    return {
        "lab": lab,
        "run": run,
        "before": before,
        "checks": checks,
        "after": after,
        "rerun": rerun,
        "original": original,
        "held": held,
        "held_after_rerun": held_after_rerun,
        "rollback": rolled,
        "restore_check": (before_check, restore_check, after_check),
        "refusal": (before_refusal, refused, after_refusal),
        "restored": restored,
    }


def test_rc2_policy_mode_only_where_the_import_ended_rc0(rc2):
    lab, run = rc2
    assert run.returncode != 0
    assert lab.journal("k8s-02")[1]["attempts"][-1]["rc"] == 2, run.stdout[-4000:]
    assert policy_flags(lab, "k8s-01") == ("True", {"True"})
    assert policy_flags(lab, "k8s-02") == ("False", {"False"})
    assert policy_flags(lab, "k8s-03") == ("False", {"False"})
    assert "policy_configured" not in lab.journal("k8s-02")[1]["states"]


def test_rc2_restarts_mp_stops_further_imports_keeps_imported_in_policy(rc2):
    lab, _run = rc2
    assert lab.ncp_mode("k8s-01") == "policy"
    assert lab.ncp_mode("k8s-02") == "mp"
    assert [s["policy_nsxapi"] for s in lab.ncp_starts("k8s-02")] == [False, False]
    assert lab.journal("k8s-03")[1]["attempts"] == []
    assert lab.ncp_mode("k8s-03") == "mp"
    assert [s["policy_nsxapi"] for s in lab.ncp_starts("k8s-03")] == [False, False]
    assert lab.policy_status("k8s-02")["in_policy"] == 0
    report = {c["name"]: c for c in lab.report()["clusters"]}
    assert report["k8s-02"]["outcome"] == "failed_restart_ncp_mp" and report["k8s-02"]["ncp_mode"] == "mp"


def test_rc2_halt_keeps_the_firewall_order(rc2):
    lab, run = rc2
    assert run.returncode != 0
    top, bottom = lab.admin_rules_around_ncp()
    points = lab.firewall_order_points()
    events = [label.split(" #")[0] for label, _order in points]
    assert "migration failed" in events, events  # k8s-02's failed import is one of the points
    assert any(e["layer"] == "policy" and e["cluster"] == "k8s-01" for e in points[-1][1]), "k8s-01's NCP rules not in Policy: nothing tested"
    for label, order in points:
        assert lab.firewall_order_violations(order, top, bottom) == [], label
    assert lab.report()["firewall_order"]["top_in_place"] is True


def test_rc1_never_starts_that_ncp_and_stops_further_imports(rc1):
    lab = rc1["lab"]
    assert rc1["run"].returncode != 0
    # the run's journals as it left them (the restore at the end of the fixture moves them aside)
    rc1_report = lab.report("report-rc1")
    assert {c["name"]: c["imports"][-1]["rc"] if c["imports"] else None for c in rc1_report["clusters"]} == {"k8s-01": 0, "k8s-02": 1, "k8s-03": None}
    # strategy 1 after rc 1: all three stay stopped - no MP or Policy start after the stop (the start before the run only)
    assert rc1["held"] == {c: ("stopped", 1) for c in CLUSTERS}, rc1["held"]
    # the rc-1 run's own report (the re-run writes its own, elsewhere)
    report = rc1_report
    outcomes = {c["name"]: (c["outcome"], c["ncp_mode"]) for c in report["clusters"]}
    assert outcomes == {"k8s-01": ("imported", "stopped"), "k8s-02": ("failed_keep_ncp_stopped", "stopped"), "k8s-03": ("not_attempted", "stopped")}, outcomes
    assert report["result"] == "failed"
    steps = " ".join(report["next_steps"])
    assert "ncp_recover_action=retry" in steps and "ncp_recover_action=rollback" in steps and "restore the NSX backup" in steps
    # the report says which configurations say Policy and the recovery choices
    assert report["after_rc1"]["policy_configured"] == ["k8s-01"] and report["after_rc1"]["stopped"] == list(CLUSTERS), report["after_rc1"]
    assert "ncp_recover_action=after_restore" in steps and "ncp_after_rc1=restart_others" in steps
    # a re-run of the migration does not start any of them either, and imports nothing
    assert rc1["rerun"].returncode != 0
    assert rc1["held_after_rerun"] == {c: ("stopped", 1) for c in CLUSTERS}, rc1["held_after_rerun"]
    rerun_report = lab.report("report-rerun")
    assert {c["name"]: c["outcome"] for c in rerun_report["clusters"]}["k8s-02"] == "failed_keep_ncp_stopped", rerun_report
    assert "ncp_recover_action=retry" in " ".join(rerun_report["next_steps"]), rerun_report["next_steps"]


def test_a_failed_rollback_keeps_ncp_stopped_and_says_to_restore_the_backup(rc1):
    """Invariant 5 (recover.yml rollback): NSX refuses the rollback of the rc-1 cluster; the recovery halts, starts no NCP,
    changes no NCP configuration, and its report names the failure and the backup restore."""
    before, run, after, ncp = rc1["rollback"]
    assert run.returncode != 0, run.stdout[-3000:]
    assert ncp == rc1["held_after_rerun"], ncp
    for cluster in CLUSTERS:
        assert after["configmap:" + cluster] == before["configmap:" + cluster], cluster
    # Cluster scope first, and nothing after a rollback that failed: the shared scope stays as it is (the cluster's
    # resources left in Policy may use it); the backup restore is the next step.
    journal = json.loads(next(text for key, text in after.items() if key.endswith("/k8s-02/state.json")))
    since = journal["attempts"][len(json.loads(next(text for key, text in before.items() if key.endswith("/k8s-02/state.json")))["attempts"]) :]
    assert [(a["scope"], a.get("rollback"), a["outcome"]) for a in since] == [("cluster", True, "failed_keep_ncp_stopped")], since
    report = rc1["lab"].report("report-rollback")
    first = report["next_steps"][0]
    assert report["result"] != "success" and first.startswith("The run stopped early: the rollback of k8s-02 failed"), report["next_steps"]
    assert "restore the NSX backup" in first, first


def test_after_restore_puts_every_cluster_back_in_mp_mode_byte_for_byte(rc1):
    """Issue 26: after the NSX restore, recover.yml after_restore leaves every cluster in MP mode with its ncp.ini and
    ConfigMap exactly as before the run, and the run's journals cleared; its dry run plans it and changes nothing."""
    lab = rc1["lab"]
    before_refusal, refused, after_refusal = rc1["refusal"]
    assert refused.returncode != 0
    changed = sorted(key for key in set(before_refusal) | set(after_refusal) if before_refusal.get(key) != after_refusal.get(key))
    assert changed == [], changed
    first = lab.report("report-restore-refused")["next_steps"][0]
    assert "ncp_recover_action=after_restore changed nothing: the NCP configuration of cluster 'k8s-03' before the run is recorded but" in first, first
    before_check, check, after_check = rc1["restore_check"]
    assert check.returncode == 0, check.stdout[-3000:]
    changed = sorted(key for key in set(before_check) | set(after_check) if before_check.get(key) != after_check.get(key))
    assert changed == [], changed
    plan = plan_steps(dry_run_plan(check.stdout) or [], "k8s-01")
    assert plan[0].startswith("put back ncp.ini as kept before the run") and "differs" in plan[0], plan
    assert plan[1:] == ["start NCP in mp mode", "move the journal aside (a later migration starts afresh)"], plan
    run = rc1["restored"]
    assert run.returncode == 0, run.stdout[-4000:]
    for cluster in CLUSTERS:
        assert configuration(lab, cluster) == rc1["original"][cluster], cluster
        assert lab.ncp_mode(cluster) == "mp", cluster
        assert lab.journal(cluster) == (None, None), cluster
        assert lab.policy_status(cluster)["in_policy"] == 0, cluster
    report = lab.report("report-restored")
    assert report["result"] == "success" and {c["ncp_mode"] for c in report["clusters"]} == {"mp"}, report


def test_recover_check_mode_changes_nothing(rc1):
    """Invariant 9: recover.yml --check ends rc 0, changes nothing, and reaches the steps that would change something:
    its plan names the importer runs (the retry's cluster import, the rollback of both scopes) and how NCP comes back."""
    before, after = rc1["before"], rc1["after"]
    changed = sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
    assert changed == [], changed
    for action, run in rc1["checks"].items():
        assert run.returncode == 0, (action, run.stdout[-3000:])
    importer = "mp_to_policy_importer.py"
    retry = plan_steps(dry_run_plan(rc1["checks"]["retry"].stdout) or [], "k8s-02")
    assert retry[0] == "shared import: already imported (journal), not run again", retry
    assert retry[1].startswith("cluster import: run ") and retry[1].endswith(importer + " --cluster-only"), retry
    assert retry[2].startswith("set policy_nsxapi = True in ConfigMap nsx-ncp-config and /"), retry
    assert retry[3:] == ["start NCP in policy mode"], retry
    rollback = plan_steps(dry_run_plan(rc1["checks"]["rollback"].stdout) or [], "k8s-02")
    assert [step.split(": run ")[0] for step in rollback[:2]] == ["roll back the cluster import", "roll back the shared import"], rollback
    assert rollback[2:] == ["start NCP in mp mode"], rollback


def test_no_secret_in_failure_output(rc1):
    password = rc1["lab"].nsx["password"]
    assert password not in rc1["run"].stdout
    for action, run in rc1["checks"].items():
        # -vvv outputs of dry runs that reached the importer tasks (their module arguments carry the credentials)
        assert "nsx_mp_import" in run.stdout and dry_run_plan(run.stdout), action
        assert password not in run.stdout
