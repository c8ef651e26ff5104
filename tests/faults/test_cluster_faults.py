"""Cluster faults (issue 11): an unreachable Kubernetes API, NCP pods that never terminate, NCP that never
becomes Ready after the start, and a ConfigMap edited by someone else during the window."""

import pytest

from .harness import assert_invariants, ini_value, is_true


def run_with_kube_api_gone(lab, cluster, state):
    """A migration during which ``cluster``'s Kubernetes API drops every connection from the moment its journal
    records ``state`` until the run ends; (run, report)."""
    run = lab.start()
    assert run.wait_until(lab.state_reached(cluster, state))
    lab.kube_faults(cluster, unreachable=True)
    run.wait()
    lab.kube_faults(cluster, unreachable=False)
    return run, lab.report()


@pytest.mark.long
def test_kubectl_unreachable_for_one_cluster(fault_lab):
    """k8s-02's API drops every connection from the start: the preflight stops the run, no NCP is touched."""
    lab = fault_lab("clusters_2.yml")
    lab.kube_faults("k8s-02", unreachable=True)
    run = lab.run()
    lab.kube_faults("k8s-02", unreachable=False)
    report = lab.report()
    assert run.rc != 0
    for name in lab.cluster_names:
        states = (lab.journal(name) or {}).get("states", {})
        assert "ncp_stopped" not in states, f"NCP of {name} was stopped although the preflight failed"
        ncp = lab.ncp_state(name)
        assert ncp["mode"] == "mp" and len(ncp["starts"]) == 1, (name, ncp)
    assert "k8s-02" in " ".join(report["next_steps"]) + str(report["findings"])
    assert_invariants(lab, report, run, expect_result="failed")


@pytest.mark.long
def test_kubectl_unreachable_mid_run(fault_lab):
    """k8s-02's API goes away after NCP was stopped: its import cannot read Kubernetes (rc 2); k8s-01 is unaffected."""
    lab = fault_lab("clusters_2.yml")
    run, report = run_with_kube_api_gone(lab, "k8s-02", "quiesced")
    assert run.rc != 0
    outcomes = {c["name"]: c["outcome"] for c in report["clusters"]}
    assert outcomes["k8s-02"] in ("failed_restart_ncp_mp", "not_attempted"), outcomes
    # NCP of k8s-02 could not be started (its API was unreachable): the report must not claim it runs.
    assert_invariants(lab, report, run, expect_result="failed", allow_ncp_down=("k8s-02",))


def test_ncp_pods_never_terminate(fault_lab):
    """k8s-02's NCP pods hang in Terminating: the stop is never confirmed, so no import runs and every NCP
    ends up running in MP mode again (the stop of k8s-02 undone too: it was scaled to 0 by this run)."""
    lab = fault_lab("clusters_2.yml")
    lab.kube_faults("k8s-02", pods_never_terminate=True)
    run = lab.run(extra={"ncp_stop_timeout_seconds": 4})
    lab.kube_faults("k8s-02", pods_never_terminate=False)
    report = lab.report()
    assert run.rc != 0
    for name in lab.cluster_names:
        assert not (lab.journal(name) or {}).get("attempts"), f"{name} was imported although a stop was not confirmed"
    assert lab.ncp_state("k8s-01")["mode"] == "mp"
    assert_invariants(lab, report, run, expect_result="failed")
    deployment = lab.kubectl("k8s-02", "get", "deployment", "nsx-ncp", "-n", "nsx-system", "-o", "jsonpath={.spec.replicas}")
    assert deployment.strip() == "1", f"nsx-ncp of k8s-02 left scaled to {deployment!r}: NCP disappears once the pods terminate"


@pytest.mark.long
def test_ncp_never_ready_after_start(fault_lab):
    """NCP starts in Policy mode but never becomes Ready: the run reports it instead of calling it a success."""
    lab = fault_lab("clusters_1.yml")
    run = lab.start(extra={"ncp_start_timeout_seconds": 5})
    assert run.wait_until(lab.state_reached("k8s-01", "policy_configured"))
    lab.kube_faults("k8s-01", ncp_never_ready=True)
    run.wait()
    report = lab.report()
    assert run.rc != 0
    assert report["result"] != "success"
    ncp = lab.ncp_state("k8s-01")
    assert ncp["mode"] == "policy" and not ncp["ready"]
    assert "ncp_started" not in lab.journal("k8s-01")["states"]
    assert report["clusters"][0]["ncp_mode"] != "policy"
    assert_invariants(lab, report, run)
    assert report["result"] == "failed"
    # The next step names the cluster, what went wrong (the start's own error) and what to do.
    (step,) = [s for s in report["next_steps"] if "k8s-01" in s]
    assert "did not become Ready" in step and "run the migration again" in step, step


@pytest.mark.long
def test_configmap_changed_by_someone_else(fault_lab):
    """Another user edits nsx-ncp-config while NCP is stopped: the Policy switch keeps their change (no lost update)."""
    lab = fault_lab("clusters_1.yml")
    run = lab.start()
    assert run.wait_until(lab.state_reached("k8s-01", "quiesced"))
    ini = lab.configmap_ini("k8s-01")
    edited = ini.replace("loglevel = INFO", "loglevel = DEBUG")
    assert edited != ini
    lab.set_configmap_ini("k8s-01", edited)
    run.wait()
    report = lab.report()
    assert run.rc == 0, run.output[-3000:]
    after = lab.configmap_ini("k8s-01")
    assert ini_value(after, "coe", "loglevel") == "DEBUG", "the other user's change was lost"
    assert is_true(ini_value(after, "nsx_v3", "policy_nsxapi"))
    assert lab.ncp_state("k8s-01")["mode"] == "policy"
    assert_invariants(lab, report, run, expect_result="success")


@pytest.mark.long
def test_configmap_set_to_policy_by_someone_else_then_rc2(fault_lab):
    """Someone sets policy_nsxapi = True by hand during the window and the import then fails rc 2: NCP must come
    back in MP mode, never in Policy mode without an import (invariants 4 and 6)."""
    lab = fault_lab("clusters_1.yml")
    lab.set_importer_fault("k8s-01", {"kind": "rc2", "scope": "cluster", "after_batches": 0})  # before the run: see set_importer_fault
    run = lab.start()
    assert run.wait_until(lab.attempt_open("k8s-01", "shared"))
    ini = lab.configmap_ini("k8s-01")
    lab.set_configmap_ini("k8s-01", ini.replace("policy_nsxapi = False", "policy_nsxapi = True"))
    run.wait()
    report = lab.report()
    assert run.rc != 0
    assert report["clusters"][0]["outcome"] == "failed_restart_ncp_mp"
    assert_invariants(lab, report, run, expect_result="failed")


@pytest.mark.long
def test_policy_mode_switch_that_fails_stops_the_run_and_keeps_that_ncp_down(fault_lab):
    """k8s-01's API goes away once its cluster import is journaled: its Policy-mode switch cannot write the ConfigMap.
    The run halts naming k8s-01 (the playbook's Policy-mode halt, once for every master), k8s-01's NCP stays
    stopped (imported, ncp.ini still MP), k8s-02 is switched and started in Policy mode, and the report says so."""
    lab = fault_lab("clusters_2.yml")
    run, report = run_with_kube_api_gone(lab, "k8s-01", "cluster_imported")
    assert run.rc != 0
    assert report["result"] == "failed"
    assert report["next_steps"][0].startswith("The run stopped early: k8s-01 was imported but its NCP configuration could not be switched")
    assert "policy_configured" not in lab.journal("k8s-01")["states"]
    assert not is_true(ini_value(lab.configmap_ini("k8s-01"), "nsx_v3", "policy_nsxapi"))
    assert lab.ncp_state("k8s-01")["mode"] != "policy"
    clusters = {c["name"]: c for c in report["clusters"]}
    assert clusters["k8s-01"]["ncp_mode"] == "stopped" and clusters["k8s-02"]["ncp_mode"] == "policy", clusters
    assert any(s.startswith("k8s-01: imported, but ncp.ini was not switched to Policy mode") for s in report["next_steps"]), report["next_steps"]
    assert_invariants(lab, report, run, expect_result="failed", allow_ncp_down=("k8s-01",))
