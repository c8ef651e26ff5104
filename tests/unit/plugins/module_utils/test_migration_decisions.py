"""What the journal lets NCP do next, and the report built from journals (invariants 4-6)."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._migration_report import build_report, cluster_outcome, ncp_mode, stop_time
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import rc1_clusters, rollback_scopes, run_clusters, start_mode

T0 = "2026-11-25T10:00:00Z"
STOP = "2026-11-25T10:01:00Z"
LATER = "2026-11-25T10:20:00Z"


def journal(states=(), attempts=()):
    return {
        "owner_host": "m1",
        "states": {name: dict({"at": STOP if name == "ncp_stopped" else LATER}, **extra) for name, extra in states},
        "attempts": [dict(a) for a in attempts],
    }


def attempt(scope, rc, outcome, rollback=False):
    return {"scope": scope, "rc": rc, "outcome": outcome, "rollback": rollback, "started_at": LATER, "duration": 1.0, "log_file": "x.log"}


STOPPED = [("ncp_stopped", {"replicas": 1})]


@pytest.mark.parametrize(
    "states, attempts, restart, mode",
    [
        ([], [], True, "none"),  # never stopped by the run
        (STOPPED, [], True, "mp"),  # stopped, halted before import: back in MP mode
        (STOPPED, [], False, "stopped"),
        (STOPPED + [("cluster_imported", {}), ("policy_configured", {})], [attempt("cluster", 0, "imported")], True, "policy"),
        # Imported, no Policy switch journaled: never policy (invariant 4), and never MP mode on promoted objects.
        (STOPPED + [("cluster_imported", {})], [attempt("cluster", 0, "imported")], True, "stopped"),
        (STOPPED, [attempt("shared", 0, "imported"), attempt("cluster", 1, "failed_keep_ncp_stopped")], True, "stopped"),  # invariant 5
        (STOPPED, [attempt("cluster", 2, "failed_restart_ncp_mp")], True, "mp"),  # invariant 6
        (STOPPED, [attempt("cluster", None, "error")], True, "stopped"),  # timeout / crash
        (STOPPED, [attempt("cluster", None, None)], True, "stopped"),  # still open: interrupted
        (STOPPED, [attempt("cluster", 1, "failed_keep_ncp_stopped"), attempt("cluster", 0, "failed_restart_ncp_mp", True)], True, "mp"),
        # recover.yml rollback: the cluster scope's rollback failed, the shared scope's then ended well: still stopped.
        (
            STOPPED,
            [attempt("shared", 0, "imported"), attempt("cluster", 1, "failed_keep_ncp_stopped")]
            + [attempt("cluster", 1, "failed_keep_ncp_stopped", True), attempt("shared", 0, "failed_restart_ncp_mp", True)],
            True,
            "stopped",
        ),
        (STOPPED, [attempt("shared", 1, "failed_keep_ncp_stopped"), attempt("shared", 0, "failed_restart_ncp_mp", True)], True, "mp"),
        (STOPPED + [("ncp_started", {"mode": "mp"})], [], True, "none"),  # already started again
    ],
)
def test_start_mode(states, attempts, restart, mode):
    assert start_mode(journal(states, attempts), restart) == mode


@pytest.mark.parametrize(
    "states, attempts, mode",
    [
        ([], [], "none"),  # not promoted: TKGI never touched NCP, and neither does the run
        ([("cluster_imported", {}), ("policy_configured", {})], [attempt("cluster", 0, "imported")], "policy"),
        ([], [attempt("cluster", 1, "failed_keep_ncp_stopped")], "stopped"),  # TKGI: re-run only this cluster
        ([], [attempt("cluster", 2, "failed_restart_ncp_mp")], "mp"),  # TKGI: confirm NCP can restart in MP
        ([("ncp_started", {"mode": "policy"})], [attempt("cluster", 0, "imported")], "none"),
    ],
)
def test_start_mode_of_a_tkgi_cluster_whose_ncp_the_promotion_stopped(states, attempts, mode):
    # Issue 27: no ncp_stopped in a TKGI journal (the run does not stop NCP); an attempted promotion stands for it.
    assert start_mode(journal(states, attempts), True, tkgi=True) == mode
    if attempts and mode != "none":
        assert start_mode(journal(states, attempts), True) == "none"  # without the flag: never started


def test_rollback_scopes_skip_what_a_rollback_already_undid():
    runs = [attempt("shared", 0, "imported"), attempt("cluster", 1, "failed_keep_ncp_stopped")]
    assert rollback_scopes(journal(STOPPED, runs)) == ["cluster", "shared"]
    undone = runs + [attempt("cluster", 0, "failed_restart_ncp_mp", True)]
    assert rollback_scopes(journal(STOPPED, undone)) == ["shared"]
    assert rollback_scopes(None) == []


def test_outcome_and_mode_from_journal():
    done = journal(STOPPED + [("cluster_imported", {}), ("policy_configured", {}), ("ncp_started", {"mode": "policy"})], [attempt("cluster", 0, "imported")])
    assert cluster_outcome(done, T0)[0] == "imported"
    assert cluster_outcome(done, "2026-11-25T11:00:00Z")[0] == "already_imported"  # imported before this run began
    assert ncp_mode(done) == "policy"
    assert ncp_mode(journal(STOPPED)) == "stopped" and ncp_mode(None) == "mp"
    # The cluster rollback failed, the shared one after it ended well: the cluster's outcome is the failed rollback.
    half = [attempt("cluster", 1, "failed_keep_ncp_stopped"), attempt("cluster", 1, "failed_keep_ncp_stopped", True)]
    assert cluster_outcome(journal(STOPPED, half + [attempt("shared", 0, "failed_restart_ncp_mp", True)]), T0)[0] == "failed_keep_ncp_stopped"
    assert cluster_outcome(journal(STOPPED, [attempt("cluster", 2, "failed_restart_ncp_mp")]), T0)[0] == "failed_restart_ncp_mp"


def test_a_tkgi_promotion_stands_for_the_stop_the_run_never_made():
    # Issue 27: TKGI's promotion stopped NCP; an unknown result leaves it stopped, not "still in Manager mode".
    failed = journal([], [attempt("cluster", None, "error")])
    assert ncp_mode(failed, tkgi=True) == "stopped" and ncp_mode(failed) == "mp"
    assert stop_time(failed, tkgi=True) == LATER and stop_time(journal([], []), tkgi=True) is None


SCOPE = {"a": {"platform": "kubernetes", "import_master": "m1"}, "b": {"platform": "tkgi", "import_master": "m2"}}


def test_report_success_and_downtime():
    done = journal(STOPPED + [("cluster_imported", {}), ("policy_configured", {}), ("ncp_started", {"mode": "policy"})], [attempt("cluster", 0, "imported")])
    report = build_report({"strategy": "all_clusters", "started_at": T0, "backup": {"backup_id": "b1", "success": True}}, SCOPE, {"a": done, "b": done})
    assert report["result"] == "success" and report["downtime_seconds"] == 1140.0
    assert [c["outcome"] for c in report["clusters"]] == ["imported", "imported"] and report["next_steps"] == []
    for key in ("strategy", "result", "started_at", "ended_at", "downtime_seconds", "backup", "clusters", "findings"):
        assert key in report


def test_report_failed_run_names_recovery_choices():
    failed = journal(STOPPED, [attempt("cluster", 1, "failed_keep_ncp_stopped")])
    untouched = journal(STOPPED + [("ncp_started", {"mode": "mp"})])
    report = build_report({"strategy": "all_clusters", "started_at": T0, "halt_reason": "the import of a ended rc 1"}, SCOPE, {"a": failed, "b": untouched})
    assert report["result"] == "failed"
    assert [(c["outcome"], c["ncp_mode"]) for c in report["clusters"]] == [("failed_keep_ncp_stopped", "stopped"), ("not_attempted", "mp")]
    text = " ".join(report["next_steps"])
    assert "do NOT start NCP" in text and "ncp_recover_action=rollback" in text and "restore the NSX backup" in text


def test_report_of_an_interrupted_run():
    report = build_report({"strategy": "all_clusters", "started_at": T0}, SCOPE, {"a": journal(STOPPED), "b": journal(STOPPED)}, now=1764064860.0)
    assert report["result"] == "interrupted"
    assert [c["ncp_mode"] for c in report["clusters"]] == ["stopped", "stopped"]


def test_recovery_succeeds_when_ncp_ends_where_the_choice_puts_it():
    rolled = journal(
        STOPPED + [("ncp_started", {"mode": "mp"})], [attempt("cluster", 1, "failed_keep_ncp_stopped"), attempt("cluster", 0, "failed_restart_ncp_mp", True)]
    )
    one = {"a": SCOPE["a"]}
    assert build_report({"strategy": "recover", "recover_action": "rollback"}, one, {"a": rolled})["result"] == "success"
    kept = journal(STOPPED, [attempt("cluster", 1, "failed_keep_ncp_stopped")])
    assert build_report({"strategy": "recover", "recover_action": "keep_down", "halt_reason": "kept down"}, one, {"a": kept})["result"] == "success"
    assert build_report({"strategy": "recover", "recover_action": "rollback"}, one, {"a": kept})["result"] == "failed"


def test_imported_cluster_whose_ncp_did_not_start_is_a_failure_with_a_next_step():
    imported = journal(STOPPED + [("cluster_imported", {}), ("policy_configured", {})], [attempt("cluster", 0, "imported")])
    one = {"a": SCOPE["a"]}
    # Without the start failure the run looks merely interrupted (a cluster not done, nothing failed).
    assert build_report({"strategy": "all_clusters", "started_at": T0}, one, {"a": imported})["result"] == "interrupted"
    why = "NCP did not become Ready within 5s after scaling nsx-system/nsx-ncp to 1"
    report = build_report({"strategy": "all_clusters", "started_at": T0, "start_failures": {"a": why}}, one, {"a": imported})
    assert report["result"] == "failed" and report["clusters"][0]["ncp_mode"] == "stopped"
    (step,) = report["next_steps"]
    assert step.startswith("a: ") and "not confirmed running (%s)" % why in step and "run the migration again" in step


def test_start_failure_of_a_cluster_going_back_to_mp_mode_is_named():
    rolled_back = journal(STOPPED, [attempt("cluster", 2, "failed_restart_ncp_mp")])
    run = {"strategy": "all_clusters", "started_at": T0, "halt_reason": "rc 2", "start_failures": {"a": "not Ready"}}
    report = build_report(run, {"a": SCOPE["a"]}, {"a": rolled_back})
    assert report["result"] == "failed" and "NCP: stopped (not Ready)" in " ".join(report["next_steps"])


def test_journal_unread_at_the_end_is_reported_as_last_read_and_fails_the_run():
    # The import master went away during the import: the run last read the journal before the import began.
    last_read = journal(STOPPED + [("quiesced", {}), ("backed_up", {"backup_id": "b1"})])
    run = {"strategy": "all_clusters", "started_at": T0, "unread_journals": {"a": "m1"}}
    report = build_report(run, {"a": SCOPE["a"]}, {"a": last_read})
    assert report["result"] == "failed"
    assert report["clusters"][0]["ncp_mode"] == "stopped"  # not "mp": this run stopped it and never started it
    step = report["next_steps"][0]
    assert step.startswith("a: its journal on m1 could not be read") and "run the playbook again" in step


@pytest.mark.parametrize(
    "done, strategy, stop, left",
    [
        # Invariant 11: strategy 1 stops the cluster already in Policy mode with the others while an import is to come.
        ({"a": False, "b": True, "c": False}, "all_clusters", ["a", "b", "c"], []),
        # A re-run of a finished migration stops nothing.
        ({"a": True, "b": True}, "all_clusters", [], ["a", "b"]),
        # Strategy 2: the other clusters run on by design.
        ({"b": True}, "one_cluster", [], ["b"]),
        ({"a": False}, "one_cluster", ["a"], []),
    ],
)
def test_run_clusters(done, strategy, stop, left):
    assert run_clusters(done, strategy) == (stop, left)


def named(name, states=(), attempts=()):
    return dict(journal(states, attempts), cluster=name)


RC1_RUN = [
    named("k8s-01", STOPPED + [("cluster_imported", {}), ("policy_configured", {})], [attempt("cluster", 0, "imported")]),
    named("k8s-02", STOPPED, [attempt("cluster", 1, "failed_keep_ncp_stopped")]),
    named("k8s-03", STOPPED),
    None,
]


def test_rc1_keeps_every_cluster_of_strategy1_down_unless_the_operator_chooses_otherwise():
    """Invariant 5, strategy 1: after rc 1 every stopped cluster stays stopped (the backup stays a valid restore point)."""
    assert rc1_clusters(RC1_RUN, "all_clusters") == ["k8s-02"]
    assert [start_mode(j, True, keep_down=True) for j in RC1_RUN[:3]] == ["stopped"] * 3
    assert rc1_clusters(RC1_RUN, "all_clusters", "restart_others") == []
    assert [start_mode(j, True) for j in RC1_RUN[:3]] == ["policy", "stopped", "mp"]  # the explicit choice: as before
    assert rc1_clusters(RC1_RUN, "one_cluster") == [] and rc1_clusters(RC1_RUN, "recover") == []
    # a cluster started again is not started twice; an rc-1 cluster recovered since (rollback rc 0) holds no one
    assert start_mode(named("x", STOPPED + [("ncp_started", {"mode": "mp"})]), True, keep_down=True) == "none"
    recovered = named("k8s-02", STOPPED, [attempt("cluster", 1, "failed_keep_ncp_stopped"), attempt("cluster", 0, "failed_restart_ncp_mp", True)])
    assert rc1_clusters([recovered], "all_clusters") == []
    # ... but not one whose cluster rollback failed, though the shared rollback after it ended well
    half = named(
        "k8s-02",
        STOPPED,
        recovered["attempts"][:1] + [attempt("cluster", 1, "failed_keep_ncp_stopped", True), attempt("shared", 0, "failed_restart_ncp_mp", True)],
    )
    assert rc1_clusters([half], "all_clusters") == ["k8s-02"]
    with pytest.raises(ValueError, match="ncp_after_rc1 must be one of keep_down, restart_others"):
        rc1_clusters(RC1_RUN, "all_clusters", "restart")


@pytest.mark.parametrize("last", [attempt("cluster", -11, "error"), attempt("cluster", None, None)], ids=["crashed", "left-open"])
def test_an_import_of_unknown_result_keeps_every_cluster_of_strategy1_down(last):
    """Invariant 5, strategy 1: a crash, timeout, kill or open attempt may be an rc 1 that could not say so."""
    run = [RC1_RUN[0], named("k8s-02", STOPPED, [last]), RC1_RUN[2]]
    assert rc1_clusters(run, "all_clusters") == ["k8s-02"]
    assert rc1_clusters(run, "all_clusters", "restart_others") == [] and rc1_clusters(run, "one_cluster") == []
    scope = {name: {"platform": "kubernetes", "import_master": name + "-m"} for name in ("k8s-01", "k8s-02", "k8s-03")}
    report = build_report({"strategy": "all_clusters", "started_at": T0}, scope, {j["cluster"]: j for j in run}, now=1.8e9)
    assert report["after_rc1"]["stopped"] == ["k8s-01", "k8s-02", "k8s-03"]
    assert report["next_steps"][0].startswith("Strategy 1: k8s-02's import ended with no known result")


def test_report_after_rc1_lists_what_says_policy_and_the_choices():
    scope = {name: {"platform": "kubernetes", "import_master": name + "-m"} for name in ("k8s-01", "k8s-02", "k8s-03")}
    journals = {j["cluster"]: j for j in RC1_RUN if j}
    run = {"strategy": "all_clusters", "started_at": T0, "halt_reason": "the import of k8s-02 ended failed_keep_ncp_stopped", "backup": {"backup_id": "b-1"}}
    report = build_report(run, scope, journals, now=1.8e9)
    assert report["after_rc1"]["rc1_clusters"] == ["k8s-02"]
    assert report["after_rc1"]["stopped"] == ["k8s-01", "k8s-02", "k8s-03"]
    assert report["after_rc1"]["policy_configured"] == ["k8s-01"]
    choices = [c.split(":")[0] for c in report["after_rc1"]["choices"]]
    assert choices == ["recover k8s-02", "if the retry and the rollback both fail", "start the other clusters without a restore"]
    assert "b-1" in report["after_rc1"]["choices"][1] and "ncp_recover_action=after_restore" in report["after_rc1"]["choices"][1]
    assert report["next_steps"][1].startswith("Strategy 1: k8s-02 ended rc 1, so every cluster this run stopped stays stopped")
    # the held clusters' own "run again" steps give way to the run-wide choice; the rc-1 cluster keeps its own
    assert not [s for s in report["next_steps"] if s.startswith(("k8s-01:", "k8s-03:"))]
    assert [s for s in report["next_steps"] if s.startswith("k8s-02:")]
    assert build_report(dict(run, after_rc1="restart_others"), scope, journals, now=1.8e9)["after_rc1"] is None
    assert build_report(dict(run, after_rc1="typo"), scope, journals, now=1.8e9)["after_rc1"]["rc1_clusters"] == ["k8s-02"]


@pytest.mark.parametrize("switched", [True, False], ids=["switched", "switch-halted"])
def test_an_imported_cluster_left_stopped_is_told_whether_ncp_ini_says_policy(switched):
    """The report does not say "configured for Policy mode" for a cluster whose switch is not journaled."""
    states = STOPPED + [("cluster_imported", {})] + ([("policy_configured", {})] if switched else [])
    scope = {"k8s-01": {"platform": "kubernetes", "import_master": "m1"}}
    journals = {"k8s-01": named("k8s-01", states, [attempt("cluster", 0, "imported")])}
    run = {"strategy": "one_cluster", "started_at": T0, "halt_reason": "Policy IDs: external_ip_pools has no Policy ID"}
    report = build_report(run, scope, journals, now=1.8e9)
    assert (report["clusters"][0]["outcome"], report["clusters"][0]["ncp_mode"]) == ("imported", "stopped")
    step = [s for s in report["next_steps"] if s.startswith("k8s-01:")]
    assert len(step) == 1
    assert ("imported and configured for Policy mode" in step[0]) is switched
    assert ("ncp.ini was not switched to Policy mode" in step[0]) is not switched
