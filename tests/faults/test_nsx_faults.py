"""NSX faults during a strategy-1 run (issue 11): transient errors, coordinator, backups, credentials, TLS.

Faults are injected through the simulator's ``/_lab`` API at a stage boundary the test waits for in the
journals, so they hit the flow mid-run rather than the preflight.
"""

import pytest

from .harness import assert_invariants

LONG = pytest.mark.long

# Transient faults the clients retry: a burst shorter than the retry budget must not change the outcome.
TRANSIENT = {
    "429-burst": {"type": "status", "status": 429, "count": 3, "path": "/api/*"},
    "503-burst": {"type": "status", "status": 503, "count": 3, "path": "/api/*"},
    "dropped-connections": {"type": "drop", "count": 2, "path": "/api/*"},
    "500-607": {"type": "status", "status": 500, "error_code": 607, "count": 3, "path": "/api/*"},
}


def assert_halted_before_import(lab, run, report, words):
    """The run stopped before any import: nothing promoted, NCP back in MP mode everywhere, the cause named."""
    assert run.rc != 0
    assert report["result"] == "failed"
    for name in lab.cluster_names:
        journal = lab.journal(name) or {}
        assert not journal.get("attempts"), f"{name} was imported: {journal.get('attempts')}"
        assert lab.ncp_state(name)["mode"] == "mp", name
        assert not lab.promoted_objects(name)
    steps = " ".join(report["next_steps"]).lower()
    assert "the run stopped early" in steps
    assert any(word.lower() in steps for word in words), report["next_steps"]
    assert_invariants(lab, report, run, expect_result="failed")


@pytest.mark.parametrize(
    "kind",
    [pytest.param(k, marks=LONG) for k in TRANSIENT],
)
def test_transient_nsx_errors_are_retried(fault_lab, kind):
    """A burst of 429 / 503 / 500-607 answers or dropped connections while a cluster imports: retried, the run succeeds."""
    lab = fault_lab("clusters_1.yml")
    run = lab.start()
    assert run.wait_until(lab.attempt_open("k8s-01"))
    lab.nsx_fault(**TRANSIENT[kind])
    run.wait()
    report = lab.report()
    assert run.rc == 0, run.output[-4000:]
    assert lab.nsx_admin("GET", "/_lab/faults")["request_faults"] == [], "the burst was not consumed"
    assert lab.ncp_state("k8s-01")["mode"] == "policy"
    assert lab.promoted_objects("k8s-01")
    assert_invariants(lab, report, run, expect_result="success")


# A busy coordinator before an import is also tests/integration's promotion test (make test).
@pytest.mark.parametrize("state", [pytest.param("stopped", marks=LONG), pytest.param("busy", marks=LONG)])
def test_coordinator_fault_before_import(fault_lab, state):
    """The migration coordinator stops, or another promotion makes it busy (30722), after NCP was stopped."""
    lab = fault_lab("clusters_1.yml")
    run = lab.start()
    assert run.wait_until(lab.state_reached("k8s-01", "quiesced"))
    lab.nsx_fault(type="coordinator", state=state)
    run.wait()
    assert_halted_before_import(lab, run, lab.report(), ["coordinator", "promotion", "30722", "busy"])


# A failed backup is also tests/integration's backup test (make test).
@pytest.mark.parametrize("mode", [pytest.param("fail", marks=LONG), pytest.param("hang", marks=LONG)])
def test_backup_fault(fault_lab, mode):
    """The NSX backup fails, or never finishes (ncp_backup_timeout): no import without a backup (invariant 2)."""
    lab = fault_lab("clusters_1.yml")
    lab.nsx_admin("POST", "/_lab/backups", {"mode": mode, "error_code": "BACKUP_SERVER_UNREACHABLE", "error_message": "sftp server unreachable"})
    run = lab.run(extra={"ncp_backup_timeout": 5})
    report = lab.report()
    assert not (report.get("backup") or {}).get("success")
    assert_halted_before_import(lab, run, report, ["backup"])


@pytest.mark.long
def test_password_rotated_mid_run(fault_lab):
    """The NSX password changes after the shared import and the sessions end: the cluster import is not started (the
    module's last-moment NSX check cannot log in again; before that check existed the importer ended rc 2) and NCP
    returns to MP. The check logs in afresh, so a rotation alone (the module's session still open) is caught too:
    tests/unit/plugins/modules/test_nsx_mp_import_gate.py::test_shared_then_cluster_logs_in_afresh_before_the_cluster_import."""
    lab = fault_lab("clusters_1.yml")
    new_password = "Rotated-Passw0rd!Lab"
    # The shared importer run lasts 4 s (simulated_seconds), its NSX work done in the first: the password changes
    # once it logged its success and before it exits, so before the module's check ahead of the cluster import.
    lab.set_importer_config("k8s-01", simulated_seconds=4)
    run = lab.start()
    assert run.wait_until(lambda: "shared import of cluster k8s-01 succeeded" in lab.importer_log("k8s-01")), run.output[-3000:]
    assert "shared_imported" not in lab.journal("k8s-01")["states"], "the shared import ended before the rotation"
    lab.nsx_admin("POST", "/_lab/credentials", {"password": new_password})
    lab.nsx_admin("POST", "/_lab/sessions/expire")
    run.wait()
    report = lab.report()
    assert run.rc != 0
    cluster = report["clusters"][0]
    assert cluster["outcome"] == "not_attempted", cluster
    # Shared imported, and no cluster-scope attempt at all (journal and importer runs); NCP back in MP mode.
    journal = lab.journal("k8s-01")
    assert [(a["scope"], a["outcome"]) for a in journal["attempts"]] == [("shared", "imported")], journal["attempts"]
    assert "shared_imported" in journal["states"] and "cluster_imported" not in journal["states"]
    assert [r["scopes"] for r in lab.importer_runs()] == [["shared"]]
    assert lab.ncp_state("k8s-01")["mode"] == "mp"
    # The reason names the cluster and that its import did not start (not an import that "ended error").
    assert "k8s-01 was not imported" in report["next_steps"][0], report["next_steps"]
    assert_invariants(lab, report, run, expect_result="failed", secrets=[new_password])


@pytest.mark.long
def test_tls_certificate_changed_mid_run(fault_lab):
    """NSX presents a certificate from another CA after the stop: every NSX call fails verification, nothing is imported."""
    lab = fault_lab("clusters_1.yml")
    run = lab.start()
    assert run.wait_until(lab.state_reached("k8s-01", "ncp_stopped"))
    lab.nsx_fault(type="tls_certificate")
    run.wait()
    assert_halted_before_import(lab, run, lab.report(), ["certificate", "ssl", "tls"])
