"""Controller faults (issue 11): the playbook killed at every stage boundary and run again (it resumes from
the journal), and two runs at once against the same NSX (the second must refuse, not interleave)."""

import re
import signal

import pytest

from .harness import assert_invariants

# docs/architecture.md section 2, in order; the playbook is SIGKILLed (with its workers) as soon as the journal shows the state.
BOUNDARIES = ["preflight_passed", "ncp_stopped", "quiesced", "backed_up", "shared_imported", "cluster_imported", "policy_configured", "ncp_started"]


# A killed run resumed is also the molecule scenario "resume" (make test); every boundary runs here in the long variant.
@pytest.mark.parametrize("boundary", [pytest.param(b, marks=pytest.mark.long) for b in BOUNDARIES])
def test_killed_at_stage_boundary_then_resumed(fault_lab, boundary):
    lab = fault_lab("clusters_1.yml")
    first = lab.start(name="killed")
    assert first.wait_until(lab.state_reached("k8s-01", boundary)), first.output[-3000:]
    first.kill()
    # It died of the kill (a run that had ended on its own would pass below as "killed and resumed").
    assert first.rc == -signal.SIGKILL, (first.rc, first.output[-3000:])
    assert "PLAY RECAP" not in first.output, "the killed run got to its end"
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


def task_results(output, task):
    """The result lines (``ok: [host]``, ``changed: ...``) a playbook output shows for the task named ``task``."""
    lines, inside = [], False
    for line in output.splitlines():
        if line.startswith(("TASK [", "PLAY [", "RUNNING HANDLER [", "PLAY RECAP")):
            inside = line.startswith("TASK [") and task in line
        elif inside and re.match(r"^(ok|changed|failed|fatal|skipping): ", line):
            lines.append(line)
    return lines


@pytest.mark.long
def test_second_run_against_the_same_nsx_refuses(fault_lab):
    lab = fault_lab("clusters_2.yml")
    first = lab.start(name="first", extra={"ncp_quiesce_seconds": 15})
    assert first.wait_until(lab.state_reached("k8s-01", "ncp_stopped"))
    first_id = lab.journal("k8s-01")["lease"]["run_id"]  # the first run holds each cluster from before its stop
    second = lab.start(name="second", report="report-second", extra={"ncp_quiesce_seconds": 15})
    second.wait()
    first.wait()
    lab.wait_importers_gone()
    # The second run refuses at once, naming the run in progress, and changes nothing.
    assert second.rc != 0
    refused = lab.report("report-second")
    assert refused["result"] == "failed", refused
    assert refused["next_steps"][0].startswith("The run stopped early: "), refused["next_steps"]
    assert f"is held by another run (run {first_id} " in refused["next_steps"][0], refused["next_steps"]
    # It stopped no NCP: its stop task ran on no master (every cluster was left alone after the refusal).
    for task in ("Scale nsx-ncp to 0 and wait until its pods are gone", "Stop NCP under monit on this master"):
        assert [r for r in task_results(second.output, task) if not r.startswith("skipping")] == [], second.output[-3000:]
    assert "Scale nsx-ncp to 0" in first.output, "the stop task was renamed: task_results above checks nothing"
    assert lab.nsx_state()["backups"]["history"] == 1, "the second run took its own NSX backup"
    for name in lab.cluster_names:
        attempts = lab.journal(name)["attempts"]
        assert len(attempts) == 2 and all(a["outcome"] == "imported" for a in attempts), (name, attempts)
        assert lab.ncp_state(name)["mode"] == "policy"
        assert [s["policy"] for s in lab.ncp_state(name)["starts"]] == [False, True], "NCP was started other than once, in Policy mode"
    assert first.rc == 0, first.output[-3000:]
    assert_invariants(lab, lab.report(), first, expect_result="success")
