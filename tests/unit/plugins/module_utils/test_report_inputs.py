"""The report's inputs: each cluster's journal (the final read, else as the run last saw it), its backup, its start failures."""

from ansible_collections.ncp.mp_to_policy.plugins.filter.reports import migration_report
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._migration_report import journals_for_report, latest_backup, report_of_run

SCOPE = {"k8s-01": {"import_master": "m1", "platform": "kubernetes"}, "k8s-02": {"import_master": None, "platform": "kubernetes"}}
T0 = "2026-12-02T06:00:00Z"


def journal(*states, **backup):
    """A journal with ``states`` one second apart from 07:00:00; ``backed_up`` carries ``backup`` (backup_id, at)."""
    records = {name: {"at": "2026-12-02T07:00:0%dZ" % i} for i, name in enumerate(states)}
    if backup:
        records["backed_up"] = dict(backup)
    return {"cluster": "k8s-01", "owner_host": "m1", "states": records, "attempts": []}


def read(record):
    """An ncp_journal result."""
    return {"changed": False, "journal": record, "exists": record is not None}


def test_the_final_read_wins():
    seen = {"k8s-01": journal("ncp_stopped")}
    journals, unread = journals_for_report(SCOPE, seen, {"k8s-01": read(journal("ncp_started"))})
    assert journals == {"k8s-01": journal("ncp_started"), "k8s-02": None} and unread == {}
    # A final read that found no journal is what the cluster has: not an earlier one.
    assert journals_for_report(SCOPE, seen, {"k8s-01": read(None)}) == ({"k8s-01": None, "k8s-02": None}, {})


def test_a_failed_final_read_falls_back_to_the_journal_the_run_last_saw_marked_unread():
    seen = {"k8s-01": journal("ncp_stopped", "quiesced")}
    # Unreachable, a failed read that still names a journal, never run (its master lost earlier), skipped.
    for final in ({"failed": True, "unreachable": True, "msg": "ssh: timed out"}, {"failed": True, "journal": None}, None, {"skipped": True}):
        journals, unread = journals_for_report(SCOPE, seen, {"k8s-01": final})
        assert journals["k8s-01"] == journal("ncp_stopped", "quiesced") and unread == {"k8s-01": "m1"}
    # Nothing seen and nothing read: no journal, and nothing to call unread.
    assert journals_for_report(SCOPE, {}, {"k8s-01": {"failed": True}}) == ({"k8s-01": None, "k8s-02": None}, {})


def test_the_report_of_a_run_whose_final_read_failed_fails_and_names_the_master():
    seen = {"k8s-01": journal("ncp_stopped", "quiesced")}
    # As the report role calls it: run | migration_report(scope, journals_seen, final_reads, findings).
    report = migration_report({"strategy": "one_cluster", "started_at": T0}, {"k8s-01": SCOPE["k8s-01"]}, seen, {"k8s-01": {"failed": True}}, [])
    assert report["result"] == "failed" and report["clusters"][0]["ncp_mode"] == "stopped"
    assert report["next_steps"][0].startswith("k8s-01: its journal on m1 could not be read")


def test_the_backup_is_this_run_s_else_the_journals_latest_under_strategy_1_only():
    old, new = journal(backup_id="b-old", at="2026-12-01T07:00:00Z"), journal(backup_id="b-new", at="2026-12-02T07:00:00Z")
    scope = {"a": SCOPE["k8s-01"], "b": SCOPE["k8s-01"]}
    finals = {"a": read(new), "b": read(old)}
    run = {"strategy": "all_clusters", "started_at": T0}
    assert report_of_run(run, scope, {}, finals)["backup"] == {"backup_id": "b-new", "success": True}
    made = {"backup_id": "b-run", "success": True}
    assert report_of_run(dict(run, backup=made), scope, {}, finals)["backup"] == made
    assert report_of_run(dict(run, strategy="one_cluster"), scope, {}, finals)["backup"] is None
    assert latest_backup({"a": None, "b": journal("ncp_stopped")}) is None


def test_only_named_start_failures_count():
    # Imported and switched, its start not confirmed: a named start failure fails the run, an empty one is no failure.
    imported = journal("ncp_stopped", "cluster_imported", "policy_configured")
    scope, finals = {"k8s-01": SCOPE["k8s-01"]}, {"k8s-01": read(imported)}
    run = {"strategy": "one_cluster", "started_at": T0}
    assert report_of_run(dict(run, start_failures={"k8s-01": ""}), scope, {}, finals)["result"] == "interrupted"
    failed = report_of_run(dict(run, start_failures={"k8s-01": "not Ready"}), scope, {}, finals)
    assert failed["result"] == "failed" and "(not Ready)" in failed["next_steps"][0]
