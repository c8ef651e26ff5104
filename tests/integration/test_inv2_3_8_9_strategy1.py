"""One clean strategy-1 run on three clusters, preceded by --check runs of every migration playbook.

- invariant 9: preflight, prepare, migrate_all, migrate_cluster (before the run) and finish (after it) in check mode end rc 0,
  change nothing in the lab, and the migrations' dry runs print their plan and the Policy-mode diff;
- invariant 2: every import starts after the last NCP stop + the quiesce, and after a backup taken after that stop;
- invariant 3: importer runs never overlap (the lab's run ledger), in inventory order;
- invariant 10: the admin's top DFW rules are enforced before every NCP rule, the bottom ones after, after each import
  and at the end (the simulator's effective order), the top ones in Policy before the first import;
- invariant 8: the NSX password is in no task output (-vvv), log, report, journal or importer argv.
"""

import calendar
import os
import time

import pytest

from .labtools import dry_run_plan, plan_steps

pytestmark = pytest.mark.slow

# Longer than the backup and the steps between the last stop and the first import take on the lab, so that a
# run that skipped the wait would be caught.
QUIESCE = 15


def epoch(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


@pytest.fixture(scope="module")
def strategy1(module_lab_factory):
    lab = module_lab_factory("k8s3.yml")
    before = lab.snapshot()
    checks = {
        "preflight.yml": lab.run("preflight.yml", check=True, diff=True),
        "prepare.yml": lab.run("prepare.yml", check=True, diff=True),
        "migrate_all.yml": lab.run("migrate_all.yml", check=True, diff=True),
        "migrate_cluster.yml": lab.run("migrate_cluster.yml", {"ncp_cluster": "k8s-02", "ncp_ack_no_backup_restore": True}, check=True, diff=True),
    }
    after_check = lab.snapshot()
    run = lab.run("migrate_all.yml", {"ncp_quiesce_seconds": QUIESCE}, verbosity=3)
    # finish.yml has its healthy lab only now, after the migration.
    after_run = lab.snapshot()
    checks["finish.yml"] = lab.run("finish.yml", check=True, diff=True)
    after_finish_check = lab.snapshot()
    return {
        "lab": lab,
        "before": before,
        "after_check": after_check,
        "checks": checks,
        "run": run,
        "after_run": after_run,
        "after_finish_check": after_finish_check,
    }


def changed_keys(before, after):
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


def test_check_mode_changes_nothing(strategy1):
    """Invariant 9: every playbook's --check --diff ends rc 0 on a healthy lab, changes nothing, and the migrations' dry
    runs reach every step that would change something (their plan and the Policy-mode diff are printed)."""
    for name, run in strategy1["checks"].items():
        assert run.returncode == 0, (name, run.stdout[-3000:])
    assert changed_keys(strategy1["before"], strategy1["after_check"]) == []
    assert changed_keys(strategy1["after_run"], strategy1["after_finish_check"]) == []
    importer = "mp_to_policy_importer.py"
    plan = dry_run_plan(strategy1["checks"]["migrate_all.yml"].stdout)
    assert plan is not None, strategy1["checks"]["migrate_all.yml"].stdout[-3000:]
    for cluster in ("k8s-01", "k8s-02", "k8s-03"):
        assert "## %s (kubernetes): import master %s-master-0 (masters: %s-master-0)" % (cluster, cluster, cluster) in plan
        steps = plan_steps(plan, cluster)
        assert steps[0] == "scale Deployment nsx-ncp from 1 to 0 replicas and wait until its pods are gone", steps
        assert steps[1] == "wait the quiesce: 3 s after the last NCP stop", steps
        assert steps[2].startswith("back up NSX"), steps
        assert steps[3].startswith("shared import: run ") and steps[3].endswith(importer + " --shared-only"), steps
        assert steps[4].startswith("cluster import: run ") and steps[4].endswith(importer + " --cluster-only"), steps
        assert steps[5].startswith("set policy_nsxapi = True in ConfigMap nsx-ncp-config and /"), steps
        assert steps[6:] == ["start NCP in policy mode"], steps
    # strategy 2: the one cluster, no backup
    plan = dry_run_plan(strategy1["checks"]["migrate_cluster.yml"].stdout)
    assert [line for line in plan if line.startswith("## ")] == ["## k8s-02 (kubernetes): import master k8s-02-master-0 (masters: k8s-02-master-0)"]
    steps = plan_steps(plan, "k8s-02")
    assert len(steps) == 6 and not any("back up" in step for step in steps), steps
    assert steps[-1] == "start NCP in policy mode", steps
    # --diff: the ncp.ini change the switch would write, in the live ConfigMap and the NCP YAML file of each cluster
    for name, clusters in (("migrate_all.yml", 3), ("migrate_cluster.yml", 1)):
        output = strategy1["checks"][name].stdout
        assert output.count("\n+policy_nsxapi = True") == clusters and output.count("\n+    policy_nsxapi = True") == clusters, name


def test_run_succeeds(strategy1):
    lab, run = strategy1["lab"], strategy1["run"]
    assert run.returncode == 0, run.stdout[-5000:]
    for cluster in lab.clusters:
        assert lab.ncp_mode(cluster) == "policy"
        # Issue 26: after each cluster import, its MP objects were checked against the migration API's mapping: all there.
        check = lab.journal(cluster)[1]["import_check"]
        assert check["complete"] is True and check["left_behind"] == [], check
        assert check["by_type"]["LOGICAL_SWITCH"]["found"] >= 1 and check["by_type"]["DFW_SECTION"]["migrated"] >= 1, check


def test_imports_only_after_every_stop_the_quiesce_and_a_later_backup(strategy1):
    lab = strategy1["lab"]
    journals = {cluster: lab.journal(cluster)[1] for cluster in lab.clusters}
    last_stop = max(epoch(j["states"]["ncp_stopped"]["at"]) for j in journals.values())
    first_import = min(epoch(a["started_at"]) for j in journals.values() for a in j["attempts"])
    # journal times are whole seconds: allow one second of rounding
    assert first_import >= last_stop + QUIESCE - 1, (last_stop, first_import)
    for journal in journals.values():
        assert epoch(journal["states"]["quiesced"]["at"]) >= last_stop + QUIESCE - 1, journal["states"]
    backups = {j["states"]["backed_up"]["backup_id"] for j in journals.values()}
    assert len(backups) == 1 and lab.nsx_state()["backups"]["history"] == 1
    for journal in journals.values():
        assert epoch(journal["states"]["backed_up"]["at"]) >= last_stop
        assert epoch(journal["states"]["backed_up"]["at"]) <= first_import


def test_imports_run_one_at_a_time(strategy1):
    lab = strategy1["lab"]
    # The lab's run ledger: each importer run notes the runs it found running (journal times are whole seconds and a
    # lab import takes a fraction of one, so two overlapping imports could share their stamps). Start order, no ties.
    runs = lab.importer_runs()
    assert [r for r in runs if r["running_with"]] == [], runs
    # cluster by cluster, in inventory order, the shared import before the cluster's
    assert [(r["cluster"], r["scopes"]) for r in runs] == [(c, [scope]) for c in lab.clusters for scope in ("shared", "cluster")], runs
    attempts = [a for c in lab.clusters for a in lab.journal(c)[1]["attempts"]]
    assert len(attempts) == len(runs) == 6 and all(a["outcome"] == "imported" for a in attempts), attempts


def test_secrets_appear_nowhere(strategy1):
    lab, run = strategy1["lab"], strategy1["run"]
    password = lab.nsx["password"]
    assert password not in run.stdout, "the NSX password is in the -vvv output"
    for name, check in strategy1["checks"].items():
        assert password not in check.stdout, name
    leaks = []
    for root in (lab.report_dir, os.path.join(lab.out, "hosts")):
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                if name == "nsx-credentials.yaml" or os.path.islink(path):
                    continue  # the lab's own 0600 credentials file on the master
                with open(path, "rb") as handle:
                    if password.encode() in handle.read():
                        leaks.append(path)
    assert leaks == []
    for cluster in lab.clusters:
        for attempt in lab.journal(cluster)[1]["attempts"]:
            assert password not in " ".join(attempt["command"])


def test_firewall_order_is_kept_after_each_import_and_at_the_end(strategy1):
    lab, run = strategy1["lab"], strategy1["run"]
    assert run.returncode == 0, run.stdout[-3000:]
    top, bottom = lab.admin_rules_around_ncp()
    assert top and bottom
    points = lab.firewall_order_points()
    # One point per importer migration (shared and cluster of three clusters) and the end.
    assert len(points) >= 7, [label for label, _order in points]
    dfw_imported = [label for label, order in points if any(e["layer"] == "policy" and e["cluster"] for e in order)]
    assert dfw_imported, "no import moved NCP's rules to Policy: nothing was tested"
    for label, order in points:
        assert lab.firewall_order_violations(order, top, bottom) == [], label
    end = points[-1][1]
    copies = {e["tags"].get("ncp-mp-to-policy/mp-rule") for e in end if e["layer"] == "policy"}
    assert set(top) | set(bottom) <= copies, "the run ended without every admin rule in Policy"
    report = lab.report()
    assert report["firewall_order"]["checked"] and report["firewall_order"]["bottom_in_place"] is True
    assert report["firewall_order"]["violations"] == []
