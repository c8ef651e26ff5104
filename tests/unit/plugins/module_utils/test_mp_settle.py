"""Vendor Failure and Recovery, phase 1: after an exit 2, NCP runs in MP mode for the quiesce period before the next import."""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import mp_settle, tkgi_no_rerun

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


def test_a_failed_cluster_rollback_before_a_good_shared_one_asks_for_no_mp_run():
    # recover.yml rollback: the cluster scope's rollback failed (NCP stays stopped), the shared one then ended well
    # (its outcome is failed_restart_ncp_mp): NCP must not run in MP mode, so there is no MP run to ask for.
    record = journal()
    record["attempts"] = [
        {"attempt": 1, "scope": "cluster", "rc": 1, "outcome": "failed_keep_ncp_stopped", "rollback": True, "ended_at": RC2_END},
        {"attempt": 2, "scope": "shared", "rc": 0, "outcome": "failed_restart_ncp_mp", "rollback": True, "ended_at": RC2_END},
    ]
    assert mp_settle(record, 600, EPOCH + 4000) == {"wait": 0, "problem": ""}


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


# -- TKGI after exit 2: no re-run at all (vendor-facts 1.3, 6.5) ----------------------------------------------------


def tkgi_journal(**attempt):
    record = journal(mp_started_at=jr.iso_time(EPOCH + 5))
    record["attempts"][0].update(driver="tkgi", host="m1", migration_log="/var/vcap/sys/log/ncp/x.log", **attempt)
    return record


def test_a_tkgi_promotion_that_ended_2_is_never_promoted_again():
    problem = tkgi_no_rerun(tkgi_journal())
    assert "TKGI promotion of c1 ended with importer exit code 2 at %s" % RC2_END in problem
    assert "not promoted again" in problem and "Manager mode on every master" in problem and "/var/vcap/sys/log/ncp/x.log" in problem
    # the run stops before NCP is stopped, however long NCP has run in MP mode since
    assert mp_settle(tkgi_journal(), 600, EPOCH + 4000) == {"wait": 0, "problem": problem}


def test_tkgi_may_re_run_after_other_outcomes_and_the_importer_after_exit_2():
    for outcome in ("failed_keep_ncp_stopped", "imported", "error"):  # exit 1: re-run that cluster from the same VM
        assert tkgi_no_rerun(tkgi_journal(outcome=outcome)) == ""
    assert tkgi_no_rerun(tkgi_journal(rollback=True)) == ""
    assert tkgi_no_rerun(journal(mp_started_at=jr.iso_time(EPOCH + 5))) == ""  # driver importer: the vendor's recovery
    assert tkgi_no_rerun(None) == "" and tkgi_no_rerun({"attempts": []}) == ""
