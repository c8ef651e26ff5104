"""ncp_journal: read, mark, check mode, and refusal from another host."""

import json
import os
import time

from tests.unit.module_runner import run_module


def args(tmp_path, **extra):
    base = {"cluster": "c1", "state_dir": str(tmp_path), "host": "master-1"}
    base.update(extra)
    return base


def test_read_without_journal(tmp_path):
    result = run_module("ncp_journal", args(tmp_path))
    assert not result.failed and result["exists"] is False and result["owned_here"] is True
    assert result["changed"] is False


def test_mark_writes_and_read_returns_it(tmp_path):
    result = run_module("ncp_journal", args(tmp_path, action="mark", state="ncp_stopped", details={"replicas": 2}))
    assert result["changed"] and result["current_state"] == "ncp_stopped"
    with open(os.path.join(str(tmp_path), "c1", "state.json")) as handle:
        stored = json.load(handle)
    assert stored["owner_host"] == "master-1" and stored["states"]["ncp_stopped"]["replicas"] == 2
    again = run_module("ncp_journal", args(tmp_path))
    assert again["states"]["ncp_stopped"]["replicas"] == 2 and "ncp_stopped" in again["state_epochs"]


def test_mark_once_is_idempotent(tmp_path):
    first = run_module("ncp_journal", args(tmp_path, action="mark_once", state="quiesced"))
    second = run_module("ncp_journal", args(tmp_path, action="mark_once", state="quiesced"))
    assert first["changed"] and not second["changed"]
    assert second["states"]["quiesced"]["at"] == first["states"]["quiesced"]["at"]


def test_check_mode_writes_nothing_and_shows_diff(tmp_path):
    result = run_module("ncp_journal", args(tmp_path, action="mark", state="ncp_stopped"), check_mode=True, diff=True)
    assert result["changed"] and "ncp_stopped" in result["diff"]["after"]
    assert not os.path.exists(os.path.join(str(tmp_path), "c1"))


def test_another_host_is_refused(tmp_path):
    run_module("ncp_journal", args(tmp_path, action="mark", state="ncp_stopped"))
    result = run_module("ncp_journal", args(tmp_path, host="master-2", action="mark", state="quiesced"))
    assert result.failed and result["owner_host"] == "master-1" and "master-1" in result["msg"]
    read = run_module("ncp_journal", args(tmp_path, host="master-2"))
    assert read["owned_here"] is False and "quiesced" not in read["states"]


def test_bad_cluster_name_is_one_clear_error(tmp_path):
    result = run_module("ncp_journal", args(tmp_path, cluster="../etc", action="mark", state="ncp_stopped"))
    assert result.failed and "../etc" in result["msg"]
    assert os.listdir(str(tmp_path)) == []


def test_backed_up_needs_backup_id(tmp_path):
    result = run_module("ncp_journal", args(tmp_path, action="mark", state="backed_up"))
    assert result.failed and "backup_id" in result["msg"]


def lease(tmp_path, run_id, **extra):
    return run_module("ncp_journal", args(tmp_path, action="acquire_lease", run_id=run_id, controller="ctl-" + run_id, **extra))


def test_second_run_is_refused_while_the_first_holds_the_cluster(tmp_path):
    first = lease(tmp_path, "run-a")
    assert not first.failed and first["lease"]["run_id"] == "run-a"
    second = lease(tmp_path, "run-b")
    assert second.failed and "run-a" in second["msg"] and "ctl-run-a" in second["msg"] and second["lease"]["run_id"] == "run-a"


def test_renewal_keeps_the_start_and_moves_the_expiry(tmp_path):
    lease(tmp_path, "run-a")
    # an hour-old start, still live: a renewal that took a new start would show a different stamp
    path = os.path.join(str(tmp_path), "c1", "state.json")
    with open(path) as handle:
        stored = json.load(handle)
    old_start, old_expiry = "2020-01-01T00:00:00Z", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 120))
    stored["lease"].update(acquired_at=old_start, expires_at=old_expiry)
    with open(path, "w") as handle:
        json.dump(stored, handle)
    renewed = lease(tmp_path, "run-a")
    assert not renewed.failed
    assert renewed["lease"]["acquired_at"] == old_start
    assert renewed["lease"]["expires_at"] > old_expiry


def test_released_or_expired_lease_can_be_taken(tmp_path):
    lease(tmp_path, "run-a")
    assert run_module("ncp_journal", args(tmp_path, action="release_lease", run_id="run-b"))["changed"] is False
    assert run_module("ncp_journal", args(tmp_path, action="release_lease", run_id="run-a"))["changed"] is True
    assert not lease(tmp_path, "run-b", lease_seconds=0).failed  # expires at once
    assert not lease(tmp_path, "run-c").failed


def test_breaking_a_dead_runs_lease_is_explicit(tmp_path):
    lease(tmp_path, "run-a")
    broken = lease(tmp_path, "run-b", break_lease=True)
    assert not broken.failed and broken["broken_lease"]["run_id"] == "run-a" and broken["lease"]["run_id"] == "run-b"


def test_lease_in_check_mode_writes_nothing_but_still_refuses(tmp_path):
    assert not run_module("ncp_journal", args(tmp_path, action="acquire_lease", run_id="run-a"), check_mode=True).failed
    assert os.listdir(str(tmp_path)) == []
    lease(tmp_path, "run-a")
    refused = run_module("ncp_journal", args(tmp_path, action="acquire_lease", run_id="run-b"), check_mode=True)
    assert refused.failed and "run-a" in refused["msg"]


def test_marks_record_several_states_in_one_write_and_return_the_journal(tmp_path):
    first = run_module("ncp_journal", args(tmp_path, action="mark", state="ncp_stopped"))
    marks = [
        {"state": "quiesced", "once": True, "details": {"seconds": 600}},
        {"state": "backed_up", "details": {"backup_id": "b-1"}},
    ]
    result = run_module("ncp_journal", args(tmp_path, action="mark", marks=marks))
    assert result["changed"] and set(result["state_epochs"]) == {"ncp_stopped", "quiesced", "backed_up"}
    assert result["states"]["backed_up"]["backup_id"] == "b-1" and result["states"]["quiesced"]["seconds"] == 600
    assert result["states"]["ncp_stopped"] == first["states"]["ncp_stopped"]
    with open(os.path.join(str(tmp_path), "c1", "state.json")) as handle:
        assert json.load(handle)["states"] == result["states"]
    # once: a quiesce already journaled keeps its record; the backup is recorded again.
    marks[0]["details"] = {"seconds": 5}
    marks[1]["details"] = {"backup_id": "b-2"}
    again = run_module("ncp_journal", args(tmp_path, action="mark", marks=marks))
    assert again["states"]["quiesced"] == result["states"]["quiesced"]
    assert again["states"]["backed_up"]["backup_id"] == "b-2"


def test_marks_are_checked_before_anything_is_written(tmp_path):
    marks = [{"state": "quiesced"}, {"state": "backed_up"}]
    result = run_module("ncp_journal", args(tmp_path, action="mark", marks=marks))
    assert result.failed and result["msg"] == "journal state backed_up needs backup_id"
    assert not os.path.exists(os.path.join(str(tmp_path), "c1", "state.json"))


def test_marks_need_action_mark(tmp_path):
    result = run_module("ncp_journal", args(tmp_path, action="clear", state="quiesced", marks=[{"state": "quiesced"}]))
    assert result.failed and "marks needs action=mark" in result["msg"]


def test_marks_in_check_mode_write_nothing(tmp_path):
    result = run_module("ncp_journal", args(tmp_path, action="mark", marks=[{"state": "quiesced"}]), check_mode=True, diff=True)
    assert result["changed"] and "quiesced" in result["diff"]["after"] and "quiesced" in result["state_epochs"]
    assert not os.path.exists(os.path.join(str(tmp_path), "c1"))
