"""nsx_backup against the NSX simulator: success, no target configured, failing backup, timeout, check mode."""

import json
import re

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ncp.mp_to_policy.plugins.modules import nsx_backup
from tests.unit import module_runner

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def run_module(capsys, sim, check_mode=False, **args):
    args.update(nsx_manager=sim.url, nsx_username=sim.username, nsx_password=sim.password)
    args.setdefault("poll_interval", 1)
    args.setdefault("timeout", 20)
    return module_runner.run_module("nsx_backup", args, check_mode=check_mode)


def history(sim):
    return sim.get("/api/v1/cluster/backups/history").json()["cluster_backup_statuses"]


def test_backup_succeeds_and_is_the_new_one(capsys, nsxsim):
    result = run_module(capsys, nsxsim)
    assert not result.get("failed"), result
    assert result["changed"] is True and result["success"] is True and result["waited_for"] is None
    assert [entry["backup_id"] for entry in history(nsxsim)] == [result["backup_id"]]
    assert ISO_MS.match(result["start_time"]) and ISO_MS.match(result["end_time"])
    assert result["end_time_ms"] >= result["start_time_ms"] and result["api_requests"] > 0
    assert nsxsim.password not in json.dumps(result)


def test_no_backup_target_fails_naming_it_and_starts_nothing(capsys, nsxsim):
    nsxsim.admin.backups(configured=False)
    result = run_module(capsys, nsxsim)
    assert result["failed"] is True and result["changed"] is False
    assert "remote_file_server is missing" in result["msg"] and result["missing"] == "remote_file_server"
    assert nsxsim.admin.count("POST", "/api/v1/cluster") == 0 and history(nsxsim) == []


def test_failing_backup_fails_with_nsx_error_code_and_message(capsys, nsxsim):
    nsxsim.admin.backups(mode="fail", error_code="BACKUP_SERVER_UNREACHABLE", error_message="Failed to connect to the remote file server.")
    result = run_module(capsys, nsxsim)
    assert result["failed"] is True and result["success"] is False and result["changed"] is True
    assert result["error_code"] == "BACKUP_SERVER_UNREACHABLE" and result["error_message"] == "Failed to connect to the remote file server."
    assert "BACKUP_SERVER_UNREACHABLE" in result["msg"] and result["backup_id"] == history(nsxsim)[-1]["backup_id"]


def test_backup_that_never_finishes_times_out(capsys, nsxsim):
    nsxsim.admin.backups(mode="hang")
    result = run_module(capsys, nsxsim, timeout=1)
    assert result["failed"] is True and "timed out after 1s" in result["msg"]
    assert result["backup_id"] == nsxsim.get("/api/v1/cluster/backups/status").json()["backup_id"]
    nsxsim.admin.backups(cancel=True)


def test_a_backup_already_running_is_waited_for_then_ours_runs(capsys, nsxsim):
    nsxsim.admin.update_settings(backup_seconds=1.2)
    assert nsxsim.post("/api/v1/cluster", params={"action": "backup_to_remote"}).status_code == 200
    theirs = nsxsim.get("/api/v1/cluster/backups/status").json()["backup_id"]
    nsxsim.admin.update_settings(backup_seconds=0.05)
    result = run_module(capsys, nsxsim)
    assert result["success"] is True and result["waited_for"] == theirs and result["backup_id"] != theirs
    assert [entry["backup_id"] for entry in history(nsxsim)] == [theirs, result["backup_id"]]


def test_check_mode_verifies_the_config_and_starts_nothing(capsys, nsxsim):
    result = run_module(capsys, nsxsim, check_mode=True)
    assert result["changed"] is True and result["backup_id"] is None and result["running"] is False
    assert nsxsim.admin.count("POST", "/api/v1/cluster") == 0 and history(nsxsim) == []
    nsxsim.admin.backups(configured=False)
    result = run_module(capsys, nsxsim, check_mode=True)
    assert result["failed"] is True and "remote_file_server" in result["msg"]


def test_bad_credentials_fail_with_nsx_details_and_no_secret(capsys, nsxsim):
    args = dict(nsx_manager=nsxsim.url, nsx_username="admin", nsx_password="Wrong-Passw0rd-123", poll_interval=1)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            nsx_backup.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True and result["status"] in (401, 403) and result["path"]
    assert "Wrong-Passw0rd-123" not in json.dumps(result)


@pytest.mark.parametrize("option", ["timeout", "poll_interval"])
def test_non_positive_durations_are_refused(capsys, nsxsim, option):
    result = run_module(capsys, nsxsim, **{option: 0})
    assert result["failed"] is True and option in result["msg"]
