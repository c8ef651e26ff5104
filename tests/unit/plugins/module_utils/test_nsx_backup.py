"""nsx_backup logic against a scripted NSX: config check, our backup told apart, waits, failures, timeout."""

import json

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_backup import BackupError, BackupRun, check_backup_config, iso_from_ms
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient

CONFIGURED = {"backup_enabled": True, "remote_file_server": {"server": "192.0.2.10", "port": 22, "directory_path": "/b"}}
T0 = 1795620000.0  # the fake clock's start, seconds


class FakeBackups:
    """NSX's backup endpoints over a fake clock: a backup takes ``duration`` seconds of it."""

    def __init__(self, server, config="configured", duration=25, fail=False, hang=False, running=None, history=None):
        self.now = T0
        self.config = dict(CONFIGURED) if config == "configured" else config
        self.duration = duration
        self.fail = fail
        self.hang = hang
        self.current = running  # (backup_id, start_ms, end_at_seconds)
        self.history = list(history or [])
        self.started = 0
        server.handler = self.answer

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0
        self.now += seconds
        if self.current and not self.hang and self.now >= self.current[2]:
            backup_id, start_ms = self.current[:2]
            entry = {"backup_id": backup_id, "start_time": start_ms, "end_time": int(self.now * 1000), "success": not self.fail}
            if self.fail:
                entry.update(error_code="BACKUP_SERVER_UNREACHABLE", error_message="Failed to connect to the remote file server.")
            self.history.append(entry)
            self.current = None

    def answer(self, request):
        key = (request["method"], request["path"])
        if key == ("GET", "/api/v1/cluster/backups/config"):
            return (200, self.config, {}) if self.config is not None else (404, {"error_code": 202, "error_message": "not found"}, {})
        if key == ("GET", "/api/v1/cluster/backups/status"):
            if self.current:
                return (200, {"operation_type": "BACKUP", "backup_id": self.current[0], "start_time": self.current[1]}, {})
            return (200, {"operation_type": "NONE"}, {})
        if key == ("GET", "/api/v1/cluster/backups/history"):
            return (200, {"cluster_backup_statuses": self.history}, {})
        if key == ("POST", "/api/v1/cluster") and request["query"] == "action=backup_to_remote":
            if self.current:
                return (400, {"error_code": 29003, "error_message": "A backup operation is already in progress."}, {})
            self.started += 1
            self.current = ("ours-%d" % self.started, int(self.now * 1000) + 300, self.now + self.duration)
            return (200, b"", {})
        return None


def make_run(server, fake, **kwargs):
    client = NsxClient(server.url, username="admin", password="pw-123456789", auth="basic", validate_certs=False)
    kwargs.setdefault("poll_interval", 10)
    return BackupRun(client, clock=fake.clock, sleep=fake.sleep, **kwargs)


def test_our_backup_is_waited_for_and_returned(scripted):
    old = {"backup_id": "old", "start_time": int(T0 * 1000) - 3600000, "end_time": int(T0 * 1000) - 3500000, "success": True}
    fake = FakeBackups(scripted, history=[old])
    result = make_run(scripted, fake).run()
    assert result["backup_id"] == "ours-1" and result["success"] is True and result["changed"] is True
    assert result["start_time"] == iso_from_ms(int(T0 * 1000) + 300) and result["start_time"].endswith("Z")
    assert result["end_time_ms"] >= result["start_time_ms"] and result["waited_for"] is None
    assert fake.now - T0 == 30  # three polls of 10 s for a 25 s backup


def test_an_older_successful_backup_never_counts(scripted):
    # A backup that succeeded just before the request is in the history from the start: never ours.
    recent = {"backup_id": "recent", "start_time": int(T0 * 1000) - 1000, "end_time": int(T0 * 1000) - 10, "success": True}
    fake = FakeBackups(scripted, history=[recent], hang=True)
    with pytest.raises(BackupError, match="timed out after 60s") as info:
        make_run(scripted, fake, timeout=60).run()
    assert info.value.details["backup_id"] == "ours-1"


def test_a_backup_already_running_is_waited_for_then_ours_starts(scripted):
    fake = FakeBackups(scripted, running=("theirs", int(T0 * 1000) - 5000, T0 + 15))
    result = make_run(scripted, fake).run()
    assert result["waited_for"] == "theirs" and result["backup_id"] == "ours-1" and result["success"] is True
    assert fake.started == 1


def test_failed_backup_raises_with_nsx_error_code_and_message(scripted):
    fake = FakeBackups(scripted, fail=True)
    with pytest.raises(BackupError, match="BACKUP_SERVER_UNREACHABLE: Failed to connect") as info:
        make_run(scripted, fake).run()
    details = info.value.details
    assert details["success"] is False and details["backup_id"] == "ours-1"
    assert details["error_code"] == "BACKUP_SERVER_UNREACHABLE" and details["error_message"].startswith("Failed")


def test_timeout_is_bounded_and_never_sleeps_past_it(scripted):
    fake = FakeBackups(scripted, hang=True)
    with pytest.raises(BackupError, match="timed out after 25s"):
        make_run(scripted, fake, timeout=25, poll_interval=10).run()
    assert fake.now - T0 == 25


def test_a_clock_skew_within_the_allowance_is_tolerated(scripted):
    # NSX's clock is 60 s behind ours: its start_time is before our request time.
    fake = FakeBackups(scripted)
    original = fake.answer

    def skewed(request):
        answer = original(request)
        if fake.current and request["method"] == "POST":
            backup_id, start_ms, end_at = fake.current
            fake.current = (backup_id, start_ms - 60000, end_at)
        return answer

    scripted.handler = skewed
    assert make_run(scripted, fake).run()["backup_id"] == "ours-1"


def test_no_wait_returns_after_the_request(scripted):
    fake = FakeBackups(scripted)
    result = make_run(scripted, fake).run(wait=False)
    assert result["backup_id"] == "ours-1" and result["success"] is None and result["changed"] is True


def test_check_mode_verifies_the_config_and_starts_nothing(scripted):
    fake = FakeBackups(scripted)
    result = make_run(scripted, fake).run(check_mode=True)
    assert result["changed"] is True and result["backup_id"] is None and result["running"] is False
    assert fake.started == 0 and not scripted.calls("POST")


@pytest.mark.parametrize(
    "config, missing",
    [
        ({"backup_enabled": False}, "remote_file_server"),
        ({"backup_enabled": True, "remote_file_server": {"port": 22}}, "remote_file_server.server"),
    ],
)
def test_missing_backup_target_is_named(scripted, config, missing):
    fake = FakeBackups(scripted, config=config)
    with pytest.raises(BackupError, match="%s is missing" % missing.replace(".", r"\.")) as info:
        make_run(scripted, fake).run()
    assert info.value.details["missing"] == missing and fake.started == 0


def test_backup_enabled_false_with_a_target_is_enough(scripted):
    fake = FakeBackups(scripted, config={"backup_enabled": False, "remote_file_server": {"server": "s"}})
    assert make_run(scripted, fake).run()["success"] is True


def test_no_backup_config_at_all(scripted):
    FakeBackups(scripted, config=None)
    client = NsxClient(scripted.url, username="admin", password="pw-123456789", auth="basic", validate_certs=False)
    with pytest.raises(BackupError, match="no backup configuration") as info:
        check_backup_config(client)
    assert info.value.details["status"] == 404 and info.value.details["path"] == "/api/v1/cluster/backups/config"


def test_nsx_refusing_to_start_is_reported(scripted):
    fake = FakeBackups(scripted)
    scripted.handler = lambda request: (
        (400, {"error_code": 29002, "error_message": "no remote file server"}, {}) if request["method"] == "POST" else fake.answer(request)
    )
    with pytest.raises(BackupError, match="refused to start") as info:
        make_run(scripted, fake).run()
    assert info.value.details["error_code"] == 29002 and info.value.details["status"] == 400


def test_iso_from_ms():
    assert iso_from_ms(1795620000250) == "2026-11-25T15:20:00.250Z"
    assert iso_from_ms(0) is None and iso_from_ms(None) is None
    json.dumps(iso_from_ms(1))
