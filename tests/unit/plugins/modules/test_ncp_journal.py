"""ncp_journal: read, mark, check mode, and refusal from another host."""

import json
import os

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
