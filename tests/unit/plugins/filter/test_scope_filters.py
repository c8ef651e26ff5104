"""The filters that decide who imports and whether the import may start."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ncp.mp_to_policy.plugins.filter.ncp_decisions import confirmed_stops
from ansible_collections.ncp.mp_to_policy.plugins.filter.preflight_verdict import preflight_verdict
from ansible_collections.ncp.mp_to_policy.plugins.filter.run_scope import cluster_scope, import_master
from ansible_collections.ncp.mp_to_policy.plugins.filter.run_scope import migrated as journal_migrated
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import finding

MASTERS = ["m1", "m2", "m3"]


def journals(*holders):
    return {host: {"exists": host in holders} for host in MASTERS}


def test_master_with_journal_wins_over_preference():
    # Invariant 7: the importer's records are on the master that ran it.
    assert import_master(MASTERS, journals("m2"), preferred="m3") == "m2"


def test_preferred_then_first_master_when_no_journal():
    assert import_master(MASTERS, journals(), preferred="m3") == "m3"
    assert import_master(MASTERS, journals()) == "m1"


@pytest.mark.parametrize(
    "answers, preferred, words",
    [
        ({"m1": {"exists": False}, "m2": None, "m3": {"exists": False}}, None, "no answer from m2"),
        (journals("m1", "m3"), None, "several masters"),
        (journals(), "elsewhere", "not one of the cluster's masters"),
    ],
)
def test_unsafe_choices_are_refused(answers, preferred, words):
    with pytest.raises(AnsibleFilterError, match=words):
        import_master(MASTERS, answers, preferred)


def test_cluster_scope_keeps_clusters_without_master():
    # Only the operator's variables come from hostvars; the import_master role's choice comes as its groups.
    hostvars = {
        "a1": {"ncp_cluster_name": "a", "import_master_host": "a2"},
        "a2": {"ncp_cluster_name": "a"},
        "b1": {"ncp_cluster_name": "b", "ncp_platform": "tkgi"},
    }
    scope = cluster_scope(hostvars, ["a1", "a2", "b1"], "", False, ["a1"])
    assert scope == {
        "a": {"masters": ["a1", "a2"], "import_master": "a1", "platform": "kubernetes", "done": False},
        "b": {"masters": ["b1"], "import_master": None, "platform": "tkgi", "done": False},
    }
    assert cluster_scope(hostvars, ["a1", "a2", "b1"], "", False, ["a1"], ["a1"])["a"]["done"] is True
    assert cluster_scope(hostvars, ["a1", "a2", "b1"], "", False, ["a1"], ["b1"])["a"]["done"] is False
    assert list(cluster_scope(hostvars, ["a1", "a2", "b1"], "b")) == ["b"]
    with pytest.raises(AnsibleFilterError, match="'c' is not a cluster"):
        cluster_scope(hostvars, ["a1"], "c")


def test_a_journal_shows_the_cluster_migrated_only_when_imported_switched_and_started_in_policy_mode():
    states = {"cluster_imported": {}, "policy_configured": {}, "ncp_started": {"mode": "policy"}}
    assert journal_migrated({"states": states}) is True
    assert journal_migrated({"states": dict(states, ncp_started={"mode": "mp"})}) is False
    assert journal_migrated({"states": {k: v for k, v in states.items() if k != "policy_configured"}}) is False
    assert journal_migrated(None) is False


def host_result(*items):
    return {"findings": list(items), "summary": {"checks_run": ["host_python3"]}}


def test_verdict_blocks_on_errors_and_honours_waivers():
    nsx = {"findings": [finding("backup_configured", "error", "no backup")], "summary": {"checks_run": ["backup_configured"]}, "nsx_version": "4.1.2"}
    verdict = preflight_verdict({"a": "a1"}, nsx, {"a1": host_result(finding("ncp_version", "warning", "unknown", cluster="a"))})
    assert not verdict["passed"] and [f["check"] for f in verdict["blocking"]] == ["backup_configured"]
    waived = preflight_verdict({"a": "a1"}, nsx, {"a1": host_result()}, ["backup_configured"])
    assert waived["passed"] and waived["findings"][0]["waived"] is True


def test_a_cluster_left_running_is_not_waived_by_its_check_id():
    unlisted = finding("nsx_cluster_not_in_inventory", "error", "k8s-09 is tagged on NSX", cluster="k8s-09")
    nsx = {"findings": [unlisted], "summary": {"checks_run": ["nsx_cluster_not_in_inventory"]}, "nsx_version": "4.1.2"}
    verdict = preflight_verdict({"a": "a1"}, nsx, {"a1": host_result()}, ["nsx_cluster_not_in_inventory"])
    assert not verdict["passed"] and verdict["findings"][0]["waived"] is False
    assert [f["cluster"] for f in verdict["blocking"]] == ["k8s-09"]


def test_verdict_blocks_when_a_master_or_nsx_did_not_answer():
    nsx_ok = {"findings": [], "summary": {"checks_run": []}}
    missing = preflight_verdict({"a": "a1", "b": None}, nsx_ok, {"a1": {"unreachable": True, "msg": "ssh: timed out"}})
    assert not missing["passed"]
    assert sorted(f["cluster"] for f in missing["blocking"]) == ["a", "b"]
    assert "ssh: timed out" in missing["blocking"][0]["message"]
    failed_nsx = preflight_verdict({"a": "a1"}, {"failed": True, "msg": "NSX Manager x could not be reached"}, {"a1": host_result()})
    assert not failed_nsx["passed"] and "could not be reached" in failed_nsx["blocking"][0]["message"]


NSX_OK = {"findings": [], "summary": {"checks_run": []}}


@pytest.mark.parametrize("forks, masters, waves", [(5, 20, 4), (5, 6, 2), (1, 3, 3)])
def test_fewer_forks_than_masters_is_a_warning_naming_the_waves_and_the_fix(forks, masters, waves):
    verdict = preflight_verdict({"a": "a1"}, NSX_OK, {"a1": host_result()}, [], {"forks": forks, "masters": masters})
    [warning] = [f for f in verdict["findings"] if f["check"] == "controller_forks"]
    assert warning["severity"] == "warning" and verdict["passed"]  # slower, not unsafe: it never blocks
    assert "%d masters but Ansible runs %d forks" % (masters, forks) in warning["message"] and "%d waves" % waves in warning["message"]
    assert "-f %d" % masters in warning["remediation"]
    assert "controller_forks" in verdict["summary"]["checks_run"]


def test_enough_forks_or_no_controller_settings_find_nothing():
    enough = preflight_verdict({"a": "a1"}, NSX_OK, {"a1": host_result()}, [], {"forks": 20, "masters": 20})
    assert not [f for f in enough["findings"] if f["check"] == "controller_forks"] and "controller_forks" in enough["summary"]["checks_run"]
    skipped = preflight_verdict({"a": "a1"}, NSX_OK, {"a1": host_result()}, [], None)
    assert "controller_forks" not in skipped["summary"]["checks_run"]


@pytest.mark.parametrize("controller", [{"forks": 0, "masters": 3}, {"forks": "many", "masters": 3}, {"masters": 3}])
def test_unusable_controller_settings_are_one_clear_error(controller):
    with pytest.raises(AnsibleFilterError, match="controller must be"):
        preflight_verdict({"a": "a1"}, NSX_OK, {"a1": host_result()}, [], controller)


def test_a_stop_is_confirmed_only_by_its_journaled_ncp_stopped():
    # Invariant 2: a cluster whose stop wrote no journal, or one without ncp_stopped, is not confirmed.
    stops = {"a": {"state_epochs": {"ncp_stopped": 12.5}}, "b": None, "c": {"state_epochs": {"preflight_passed": 1.0}}}
    assert confirmed_stops(stops) == {"epochs": {"a": 12.5}, "unconfirmed": ["b", "c"], "reusable_backup": ""}
    assert confirmed_stops({}) == {"epochs": {}, "unconfirmed": [], "reusable_backup": ""}


def test_a_backup_is_taken_again_only_when_every_stopped_cluster_records_it_after_the_last_stop():
    def stop(at, backup=None, backed_at=None):
        journal = {"states": {}, "state_epochs": {"ncp_stopped": at}}
        if backup:
            journal["states"]["backed_up"] = {"backup_id": backup}
            journal["state_epochs"]["backed_up"] = backed_at
        return journal

    assert confirmed_stops({"a": stop(10, "b1", 20), "b": stop(12, "b1", 20)})["reusable_backup"] == "b1"
    # Before the latest stop (a cluster stopped again since), on one cluster only, or two different backups: a new one.
    assert confirmed_stops({"a": stop(10, "b1", 11), "b": stop(12, "b1", 11)})["reusable_backup"] == ""
    assert confirmed_stops({"a": stop(10, "b1", 20), "b": stop(12)})["reusable_backup"] == ""
    assert confirmed_stops({"a": stop(10, "b1", 20), "b": stop(12, "b2", 20)})["reusable_backup"] == ""
    assert confirmed_stops({})["reusable_backup"] == ""
