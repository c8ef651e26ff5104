"""report_journals: the journal the migration report is built from, for every cluster of the run."""

from ansible_collections.ncp.mp_to_policy.plugins.filter.report_journals import report_journals

SCOPE = {"k8s-01": {"import_master": "m1"}, "k8s-02": {"import_master": None}}


def journal(*states):
    return {"cluster": "k8s-01", "states": {name: {"at": "2026-12-02T07:00:0%dZ" % i} for i, name in enumerate(states)}}


def read(record):
    """An ncp_journal result."""
    return {"changed": False, "journal": record, "exists": record is not None}


def test_the_final_read_wins():
    facts = {"m1": {"report_journal": read(journal("ncp_started")), "ncp_stop_journal": read(journal("ncp_stopped"))}}
    found = report_journals(SCOPE, facts)
    assert found["k8s-01"] == {"journal": journal("ncp_started"), "unread": False, "host": "m1"}
    assert found["k8s-02"] == {"journal": None, "unread": False, "host": None}  # no import master: nothing to read


def test_a_failed_final_read_falls_back_to_the_latest_journal_of_the_run_marked_unread():
    facts = {
        "m1": {
            "report_journal": {"failed": True, "unreachable": True, "msg": "ssh: timed out"},
            "import_master_journal": read(journal()),
            "mp_import_journal": read(journal("ncp_stopped", "quiesced", "backed_up")),
            "ncp_policy_mode_marked": {"skipped": True},
        }
    }
    found = report_journals(SCOPE, facts)["k8s-01"]
    assert found["unread"] is True and found["host"] == "m1"
    assert list(found["journal"]["states"]) == ["ncp_stopped", "quiesced", "backed_up"]


def test_the_import_result_counts_and_so_does_a_failed_import_s_journal():
    # The master was lost right after its import: the import's own journal is the latest the run has, also
    # when the import failed (its attempt is journaled) - not the journal check's from before it.
    imported = journal("ncp_stopped", "quiesced", "backed_up", "shared_imported", "cluster_imported")
    failed = dict(journal("ncp_stopped", "quiesced", "backed_up"), attempts=[{"rc": 1, "outcome": "failed_keep_ncp_stopped"}])
    for result, expected in (({"rc": 0, "journal": read(imported)}, imported), ({"failed": True, "rc": 1, "journal": read(failed)}, failed)):
        facts = {"m1": {"report_journal": {"failed": True}, "mp_import_journal": read(journal("ncp_stopped")), "mp_import_result": result}}
        assert report_journals(SCOPE, facts)["k8s-01"]["journal"] == expected


def test_failed_reads_and_writes_are_not_taken_for_the_journal():
    facts = {"m1": {"import_master_journal": read(journal("preflight_passed")), "ncp_stop_journal": {"failed": True, "journal": {"garbage": 1}}}}
    assert report_journals(SCOPE, facts)["k8s-01"]["journal"] == journal("preflight_passed")
