"""NSX simulator: backup config, backup_to_remote, status and history, and backup faults."""

import time

import pytest

from tests.lab.nsxsim.testing import assert_nsx_error


def _wait_idle(sim, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sim.get("/api/v1/cluster/backups/status").json()["operation_type"] == "NONE":
            return
        time.sleep(0.01)
    raise AssertionError("backup never finished")


def test_backup_success(nsxsim):
    config = nsxsim.get("/api/v1/cluster/backups/config").json()
    assert config["backup_enabled"] and config["remote_file_server"]["server"]
    started = time.time() * 1000
    response = nsxsim.post("/api/v1/cluster", params={"action": "backup_to_remote"})
    assert response.status_code == 200 and response.content == b""
    status = nsxsim.get("/api/v1/cluster/backups/status").json()
    assert status["operation_type"] == "BACKUP" and status["backup_id"]
    assert_nsx_error(nsxsim.post("/api/v1/cluster", params={"action": "backup_to_remote"}), 400)
    _wait_idle(nsxsim)
    history = nsxsim.get("/api/v1/cluster/backups/history").json()
    entry = history["cluster_backup_statuses"][-1]
    assert entry["success"] is True and entry["backup_id"] == status["backup_id"]
    assert started - 1000 <= entry["start_time"] <= entry["end_time"] <= time.time() * 1000 + 1000
    assert history["node_backup_statuses"] and history["inventory_backup_statuses"]


def test_backup_failure_and_absent_server(nsxsim):
    nsxsim.admin.backups(mode="fail", error_code="BACKUP_AUTHENTICATION_FAILURE", error_message="bad sftp password")
    nsxsim.post("/api/v1/cluster", params={"action": "backup_to_remote"})
    _wait_idle(nsxsim)
    entry = nsxsim.get("/api/v1/cluster/backups/history").json()["cluster_backup_statuses"][-1]
    assert entry["success"] is False and entry["error_code"] == "BACKUP_AUTHENTICATION_FAILURE"
    nsxsim.admin.backups(configured=False)
    assert nsxsim.get("/api/v1/cluster/backups/config").json()["backup_enabled"] is False
    assert_nsx_error(nsxsim.post("/api/v1/cluster", params={"action": "backup_to_remote"}), 400)


def test_backup_that_never_finishes(nsxsim):
    nsxsim.admin.backups(mode="hang")
    nsxsim.post("/api/v1/cluster", params={"action": "backup_to_remote"})
    time.sleep(0.2)
    assert nsxsim.get("/api/v1/cluster/backups/status").json()["operation_type"] == "BACKUP"
    nsxsim.admin.backups(cancel=True, mode="ok")
    assert nsxsim.get("/api/v1/cluster/backups/status").json()["operation_type"] == "NONE"


def test_put_config(nsxsim):
    config = nsxsim.get("/api/v1/cluster/backups/config").json()
    config["remote_file_server"]["directory_path"] = "/elsewhere"
    config["passphrase"] = "secret"
    assert nsxsim.put("/api/v1/cluster/backups/config", json=config).status_code == 200
    stored = nsxsim.get("/api/v1/cluster/backups/config").json()
    assert stored["remote_file_server"]["directory_path"] == "/elsewhere" and "passphrase" not in stored
    assert_nsx_error(nsxsim.put("/api/v1/cluster/backups/config", json={"backup_enabled": True}), 400)
    assert_nsx_error(nsxsim.post("/api/v1/cluster", params={"action": "explode"}), 400)


def test_restore_puts_back_what_the_backup_saw(nsxsim):
    """The lab's restore (restore.py): NSX as a successful backup saw it, also when restored twice; unknown backups refused."""
    nsxsim.request("PATCH", "/policy/api/v1/infra/tier-1s/before", json={"display_name": "before"})
    nsxsim.post("/api/v1/cluster", params={"action": "backup_to_remote"})
    _wait_idle(nsxsim)
    backup_id = nsxsim.get("/api/v1/cluster/backups/history").json()["cluster_backup_statuses"][-1]["backup_id"]
    saw = (nsxsim.admin.state()["counts"], sorted(nsxsim.admin.policy_paths()))
    nsxsim.request("PATCH", "/policy/api/v1/infra/tier-1s/after", json={"display_name": "after"})
    nsxsim.request("DELETE", "/policy/api/v1/infra/tier-1s/before")
    nsxsim.admin.add_inventory({"logical_switches": [{"id": "ls-after", "display_name": "after", "transport_zone_id": "tz"}]})
    assert (nsxsim.admin.state()["counts"], sorted(nsxsim.admin.policy_paths())) != saw
    for attempt in (1, 2):  # a backup can be restored twice
        nsxsim.admin.backups(restore=backup_id)
        assert (nsxsim.admin.state()["counts"], sorted(nsxsim.admin.policy_paths())) == saw, attempt
        assert "/infra/tier-1s/before" in saw[1] and nsxsim.get("/policy/api/v1/infra/tier-1s/before").status_code == 200
        nsxsim.request("PATCH", "/policy/api/v1/infra/tier-1s/after", json={"display_name": "after"})
    with pytest.raises(AssertionError, match="no successful backup 'no-such-backup' is kept"):
        nsxsim.admin.backups(restore="no-such-backup")
