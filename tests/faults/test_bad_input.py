"""Bad input (issue 11): one clear error naming what is wrong, and nothing changed anywhere.

One lab serves every case (nothing may change, and each case checks exactly that against the lab's first
state); each case runs migrate_all.yml with its own inventory copy and undoes its own edit afterwards.
"""

import contextlib
import os
import re

import pytest
import yaml

from tests.edits import edited_file

from .harness import FaultLab, assert_invariants, lab_lock


@pytest.fixture(scope="module")
def input_lab(tmp_path_factory):
    with lab_lock():
        lab = FaultLab(tmp_path_factory.mktemp("bad-input") / "lab", "clusters_1.yml").up()
        try:
            lab.baseline = snapshot(lab)
            yield lab
        finally:
            lab.down()


def snapshot(lab):
    state = lab.nsx_state()
    return {
        "configmap": lab.configmap_ini("k8s-01"),
        "manifest": lab.manifest_text("k8s-01"),
        "starts": len(lab.ncp_state("k8s-01")["starts"]),
        "backups": state["backups"]["history"],
        "promotions": state["promotions"],
        "policy_objects": state["policy_objects"],
    }


def drop_section(text, section):
    return re.sub(rf"(?ms)^\[{re.escape(section)}\]\n.*?(?=^\[|\Z)", "", text)


def without_configmap(text):
    documents = [d for d in yaml.safe_load_all(text) if d and not (d.get("kind") == "ConfigMap" and d["metadata"]["name"] == "nsx-ncp-config")]
    return yaml.safe_dump_all(documents, sort_keys=False)


def group_vars(lab, inventory):
    return lab.group(inventory, "k8s-01")["vars"]


def host_vars(lab, inventory):
    return lab.group(inventory, "k8s-01")["hosts"]["k8s-01-master-0"]


# case -> (inventory edit, extra vars, the words the one error must contain)
CASES = {
    "missing-cluster-name": (lambda lab, inv: group_vars(lab, inv).pop("ncp_cluster_name"), {}, ["ncp_cluster_name"]),
    "mistyped-platform": (lambda lab, inv: group_vars(lab, inv).update(ncp_platform="kubernets"), {}, ["ncp_platform"]),
    "misspelled-importer-path": (
        lambda lab, inv: host_vars(lab, inv).update(ncp_importer_pth=host_vars(lab, inv).pop("ncp_importer_path")),
        {},
        ["ncp_importer_path"],
    ),
    "quiesce-not-a-number": (None, {"ncp_quiesce_seconds": "ten"}, ["ncp_quiesce_seconds"]),
    "cluster-without-nsx-objects": (lambda lab, inv: group_vars(lab, inv).update(ncp_cluster_name="k8s-09"), {}, ["cluster_objects_found"]),
    "importer-path-missing": (
        lambda lab, inv: host_vars(lab, inv).update(ncp_importer_path="/nonexistent/mp_to_policy_importer.py"),
        {},
        ["/nonexistent/mp_to_policy_importer.py"],
    ),
    "ncp-ini-without-nsx_v3": (None, {}, ["nsx_v3"]),
    "manifest-without-configmap": (None, {}, ["nsx-ncp-config"]),
}


DEFAULT_CASES = ("missing-cluster-name", "cluster-without-nsx-objects", "manifest-without-configmap")


@pytest.mark.parametrize("case", [pytest.param(c, marks=() if c in DEFAULT_CASES else pytest.mark.long) for c in CASES])
def test_bad_input_is_rejected_and_changes_nothing(input_lab, case):
    lab = input_lab
    edit, extra, words = CASES[case]
    inventory = lab.inventory()
    if edit:
        edit(lab, inventory)
    path = os.path.join(lab.out, f"inventory-{case}.yml")
    lab.write_inventory(inventory, path)
    with contextlib.ExitStack() as stack:
        if case == "ncp-ini-without-nsx_v3":
            lab.set_configmap_ini("k8s-01", drop_section(lab.baseline["configmap"], "nsx_v3"))
            stack.callback(lab.set_configmap_ini, "k8s-01", lab.baseline["configmap"])
        if case == "manifest-without-configmap":
            stack.enter_context(edited_file(lab.host("k8s-01")["manifest_path"], without_configmap))
        run = lab.run(inventory=path, extra=extra, report=f"report-{case}")
        output = run.output
        report = lab.report(f"report-{case}")
        reported = "" if report is None else " ".join(report.get("next_steps", [])) + str(report.get("findings"))
    assert run.rc != 0
    missing = [w for w in words if w not in output and w not in reported]
    assert not missing, f"the error does not name {missing}; output: {run.log_path}"
    assert_nothing_changed(lab)
    # docs/architecture.md section 4: every run writes the report, a refused one too.
    assert_invariants(lab, report, run, expect_result="failed")


def assert_nothing_changed(lab):
    """No stop journaled, NCP never restarted, ConfigMap, NCP YAML file and NSX as they were."""
    now = snapshot(lab)
    assert now == lab.baseline, {k: (lab.baseline[k], now[k]) for k in now if now[k] != lab.baseline[k]}
    journal = lab.journal("k8s-01") or {}
    assert "ncp_stopped" not in journal.get("states", {}) and not journal.get("attempts"), journal
    assert lab.ncp_state("k8s-01")["mode"] == "mp"


# A variable rejected by an argument spec (a role's, or the begin play's): the run is refused before anything
# changes, and still ends with its report, which names the variable once.
# case -> (inventory edit, extra vars, the variable, the master named with it, playbook)
REJECTED = {
    "mistyped-platform": (lambda lab, inv: group_vars(lab, inv).update(ncp_platform="kubernets"), {}, "ncp_platform", "k8s-01-master-0", None),
    "missing-cluster-name": (lambda lab, inv: group_vars(lab, inv).pop("ncp_cluster_name"), {}, "ncp_cluster_name", "k8s-01-master-0", None),
    "quiesce-not-a-number": (None, {"ncp_quiesce_seconds": "ten"}, "ncp_quiesce_seconds", None, None),
    # Checked by a controller role only after NCP was stopped, until the begin play checked the run's variables
    # against those roles too: the failed controller ended the playbook with NCP stopped and no report.
    "backup-poll-interval-not-a-number": (None, {"ncp_backup_poll_interval": "abc"}, "ncp_backup_poll_interval", None, None),
    # A recovery without its cluster must not go on to recover every cluster.
    "recover-without-cluster": (None, {"ncp_recover_action": "rollback"}, "ncp_cluster", None, "recover.yml"),
    "recover-mistyped-action": (None, {"ncp_cluster": "k8s-01", "ncp_recover_action": "rollbak"}, "ncp_recover_action", None, "recover.yml"),
}


REJECTED_DEFAULT_CASES = ("mistyped-platform", "backup-poll-interval-not-a-number")


@pytest.mark.parametrize("case", [pytest.param(c, marks=() if c in REJECTED_DEFAULT_CASES else pytest.mark.long) for c in REJECTED])
def test_rejected_input_still_writes_the_report(input_lab, case):
    lab = input_lab
    edit, extra, variable, master, playbook = REJECTED[case]
    inventory = lab.inventory()
    if edit:
        edit(lab, inventory)
    path = os.path.join(lab.out, f"inventory-rejected-{case}.yml")
    lab.write_inventory(inventory, path)
    run = lab.run(playbook or "migrate_all.yml", inventory=path, extra=extra, report=f"report-rejected-{case}")
    report = lab.report(f"report-rejected-{case}")
    assert run.rc != 0
    assert report is not None, f"no migration-report.json; output: {run.log_path}"
    assert report["result"] == "failed"
    assert_nothing_changed(lab)
    assert lab.journal("k8s-01") is None, "a refused run wrote a journal"
    # Named once: one next step (the halt reason), and one task refused it (no role after it failed on it too).
    naming = [step for step in report["next_steps"] if variable in step]
    assert len(naming) == 1 and naming[0].count(variable) == 1, report["next_steps"]
    if master:
        assert master in naming[0], naming
    # Besides the masters a refused run leaves alone, two failures: the rejection and the report's verdict.
    failures = [line for line in run.output.splitlines() if line.startswith("fatal: [") and "is left alone" not in line]
    assert len(failures) == 2, f"more failures than the rejection and the report's verdict; output: {run.log_path}"
    assert_invariants(lab, report, run, expect_result="failed")
