"""Vendor Failure and Recovery, phase 1: after an exit 2, NCP runs in MP mode for the quiesce period before the next import."""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_decisions import mp_settle

RC2_END = "2026-11-25T10:00:00Z"
EPOCH = jr.parse_time(RC2_END)


def journal(outcome="failed_restart_ncp_mp", mp_started_at=None, state_dir=None):
    record = {
        "format": 1,
        "cluster": "c1",
        "owner_host": "m1",
        "states": {},
        "attempts": [{"attempt": 1, "scope": "cluster", "rc": 2, "outcome": outcome, "ended_at": RC2_END}],
    }
    if mp_started_at:
        record["mp_started_at"] = mp_started_at
    return record


def test_right_after_the_mp_restart_the_whole_quiesce_is_left():
    started = jr.iso_time(EPOCH + 5)
    assert mp_settle(journal(mp_started_at=started), 600, EPOCH + 5) == {"wait": 600, "problem": ""}
    assert mp_settle(journal(mp_started_at=started), 600, EPOCH + 105.5) == {"wait": 500, "problem": ""}


def test_once_ncp_ran_the_quiesce_period_in_mp_the_import_may_follow():
    assert mp_settle(journal(mp_started_at=jr.iso_time(EPOCH + 5)), 600, EPOCH + 605) == {"wait": 0, "problem": ""}
    assert mp_settle(journal(mp_started_at=jr.iso_time(EPOCH + 5)), 600, EPOCH + 4000)["wait"] == 0


def test_ncp_never_started_in_mp_since_the_exit_2_is_refused():
    for started in (None, jr.iso_time(EPOCH - 60)):  # none at all, or only one from before the exit 2
        verdict = mp_settle(journal(mp_started_at=started), 600, EPOCH + 4000)
        assert verdict["wait"] == 0
        assert "has not run in Manager mode since its import ended rc 2 at %s" % RC2_END in verdict["problem"]
        assert "c1" in verdict["problem"] and "600 s" in verdict["problem"]


def test_no_exit_2_last_means_no_wait():
    for outcome in ("imported", "failed_keep_ncp_stopped", "error"):
        assert mp_settle(journal(outcome=outcome), 600, EPOCH) == {"wait": 0, "problem": ""}
    assert mp_settle(None, 600, EPOCH) == {"wait": 0, "problem": ""}
    assert mp_settle({"attempts": []}, 600, EPOCH) == {"wait": 0, "problem": ""}


def test_the_journal_keeps_the_mp_start_across_a_new_stop(tmp_path):
    """mp_started_at survives the new stop that clears the ncp_started state, so the gate can still measure the MP run."""
    state_dir = str(tmp_path)
    jr.mark_state(state_dir, "c1", "ncp_started", "m1", at=EPOCH + 5, mode="mp")
    marks, clear = jr.service_marks("stopped", new_stop=True)
    journal_after = jr.mark_states(state_dir, "c1", "m1", marks, clear)
    assert "ncp_started" not in journal_after["states"]
    assert journal_after["mp_started_at"] == jr.iso_time(EPOCH + 5)
    jr.mark_state(state_dir, "c1", "ncp_started", "m1", at=EPOCH + 50, mode="policy")
    assert jr.read_journal(state_dir, "c1")["mp_started_at"] == jr.iso_time(EPOCH + 5)
