"""Controller faults (issue 11): the playbook killed at every stage boundary and run again (it resumes from
the journal), and two runs at once against the same NSX (the second must refuse, not interleave)."""

import pytest

from .harness import assert_invariants

# design.md section 4, in order; the playbook is SIGKILLed (with its workers) as soon as the journal shows the state.
BOUNDARIES = ["preflight_passed", "ncp_stopped", "quiesced", "backed_up", "shared_imported", "cluster_imported", "policy_configured", "ncp_started"]


# A killed run resumed is also the molecule scenario "resume" (make test); every boundary runs here in the long variant.
@pytest.mark.parametrize("boundary", [pytest.param(b, marks=pytest.mark.long) for b in BOUNDARIES])
def test_killed_at_stage_boundary_then_resumed(fault_lab, boundary):
    lab = fault_lab("clusters_1.yml")
    first = lab.start(name="killed")
    assert first.wait_until(lab.state_reached("k8s-01", boundary)), first.output[-3000:]
    first.kill()
    stopped_at = lab.journal("k8s-01")["states"].get("ncp_stopped", {}).get("at")
    # An importer the dead controller started keeps running in its own session: an operator waits for it.
    lab.wait_importers_gone()
    second = lab.run(name="resumed")
    report = lab.report()
    assert second.rc == 0, second.output[-4000:]
    journal = lab.journal("k8s-01")
    # Resumed, not redone: each scope imported once, the first stop time kept (the quiesce counts from it).
    for scope in ("shared", "cluster"):
        imported = [a for a in journal["attempts"] if a["scope"] == scope and a["outcome"] == "imported"]
        assert len(imported) == 1, journal["attempts"]
    if stopped_at:
        assert journal["states"]["ncp_stopped"]["at"] == stopped_at
    assert lab.ncp_state("k8s-01")["mode"] == "policy"
    assert report["clusters"][0]["outcome"] in ("imported", "already_imported")
    assert_invariants(lab, report, second, expect_result="success")


@pytest.mark.long
def test_second_run_against_the_same_nsx_refuses(fault_lab):
    lab = fault_lab("clusters_2.yml")
    first = lab.start(name="first", extra={"ncp_quiesce_seconds": 15})
    assert first.wait_until(lab.state_reached("k8s-01", "ncp_stopped"))
    second = lab.start(name="second", report="report-second", extra={"ncp_quiesce_seconds": 15})
    second.wait()
    first.wait()
    lab.wait_importers_gone()
    text = second.output.lower()
    # The second run refuses at once, naming the run in progress, and changes nothing.
    assert second.rc != 0
    assert "another" in text and ("run" in text or "migration" in text), second.output[-3000:]
    assert lab.nsx_state()["backups"]["history"] == 1, "the second run took its own NSX backup"
    for name in lab.cluster_names:
        attempts = lab.journal(name)["attempts"]
        assert len(attempts) == 2 and all(a["outcome"] == "imported" for a in attempts), (name, attempts)
    assert first.rc == 0, first.output[-3000:]
    assert_invariants(lab, lab.report(), first, expect_result="success")
