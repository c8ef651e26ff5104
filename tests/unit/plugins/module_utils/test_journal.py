"""The cluster journal: atomic writes, states, attempts, the owner host, one run at a time."""

import json
import os

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr


def test_no_journal_reads_none(tmp_path):
    assert jr.read_journal(str(tmp_path), "c1") is None
    assert jr.owner_host(str(tmp_path), "c1") is None


def test_marking_a_state_creates_the_journal_owned_by_the_host(tmp_path):
    jr.mark_state(str(tmp_path), "c1", "ncp_stopped", "master-1", at=1795620000)
    journal = jr.read_journal(str(tmp_path), "c1")
    assert journal["owner_host"] == "master-1"
    assert journal["states"]["ncp_stopped"]["at"] == "2026-11-25T15:20:00Z"
    assert jr.state_time(journal, "ncp_stopped") == 1795620000
    assert jr.owner_host(str(tmp_path), "c1") == "master-1"
    assert oct(os.stat(tmp_path / "c1").st_mode & 0o777) == "0o700"


def test_states_with_details_and_the_current_state(tmp_path):
    state_dir = str(tmp_path)
    for state, details in [
        ("preflight_passed", {}),
        ("ncp_stopped", {}),
        ("quiesced", {}),
        ("backed_up", {"backup_id": "b-1"}),
        ("shared_imported", {"policy_ids": {"mp-1": "t0"}}),
        ("cluster_imported", {}),
        ("policy_configured", {}),
    ]:
        jr.mark_state(state_dir, "c1", state, "m1", **details)
        assert jr.current_state(jr.read_journal(state_dir, "c1")) == state
    journal = jr.mark_state(state_dir, "c1", "ncp_started", "m1", mode="policy")
    assert journal["states"]["backed_up"]["backup_id"] == "b-1"
    assert journal["states"]["ncp_started"]["mode"] == "policy"
    assert jr.is_imported(journal, "shared") and jr.is_imported(journal, "cluster")
    assert jr.current_state(journal) == "ncp_started"


@pytest.mark.parametrize(
    "state, details, message",
    [
        ("backed_up", {}, "backup_id"),
        ("ncp_started", {}, "mode"),
        ("ncp_started", {"mode": "maybe"}, "policy or mp"),
        ("imported", {}, "unknown journal state"),
    ],
)
def test_bad_states_are_refused_and_nothing_is_written(tmp_path, state, details, message):
    with pytest.raises(jr.JournalError, match=message):
        jr.mark_state(str(tmp_path), "c1", state, "m1", **details)
    assert not (tmp_path / "c1" / "state.json").exists()


def test_another_host_is_refused_and_the_journal_is_unchanged(tmp_path):
    jr.mark_state(str(tmp_path), "c1", "ncp_stopped", "master-1")
    before = (tmp_path / "c1" / "state.json").read_bytes()
    with pytest.raises(jr.JournalOwnerError) as info:
        jr.mark_state(str(tmp_path), "c1", "quiesced", "master-2")
    assert info.value.owner == "master-1" and info.value.host == "master-2"
    assert "master-1" in str(info.value)
    with pytest.raises(jr.JournalOwnerError):
        jr.begin_attempt(str(tmp_path), "c1", "master-2", "shared")
    assert (tmp_path / "c1" / "state.json").read_bytes() == before


def test_attempts_are_recorded_before_and_after_the_run(tmp_path):
    state_dir = str(tmp_path)
    number = jr.begin_attempt(state_dir, "c1", "m1", "shared", log_file="/l/1.log", command=["python3", "imp.py"])
    assert number == 1
    attempt = jr.read_journal(state_dir, "c1")["attempts"][0]
    assert attempt["ended_at"] is None and attempt["host"] == "m1" and attempt["log_file"] == "/l/1.log"
    jr.finish_attempt(state_dir, "c1", "m1", number, 2, "failed_restart_ncp_mp", "mp", 1.23456)
    attempt = jr.read_journal(state_dir, "c1")["attempts"][0]
    assert attempt["rc"] == 2 and attempt["outcome"] == "failed_restart_ncp_mp" and attempt["duration"] == 1.235
    assert attempt["ended_at"] and attempt["started_at"]
    assert jr.begin_attempt(state_dir, "c1", "m1", "shared") == 2
    assert jr.last_attempt(jr.read_journal(state_dir, "c1"), scope="shared", outcome="failed_restart_ncp_mp")["attempt"] == 1


def test_an_interrupted_attempt_is_closed_as_an_error_by_the_next_one(tmp_path):
    state_dir = str(tmp_path)
    jr.begin_attempt(state_dir, "c1", "m1", "cluster")
    jr.begin_attempt(state_dir, "c1", "m1", "cluster")
    first = jr.read_journal(state_dir, "c1")["attempts"][0]
    assert first["outcome"] == "error" and first["ncp_mode"] == "stopped" and first["interrupted"] is True


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    for index in range(5):
        jr.mark_state(str(tmp_path), "c1", "ncp_stopped", "m1", at=1795620000 + index)
    assert sorted(os.listdir(tmp_path / "c1")) == ["state.json"]
    json.loads((tmp_path / "c1" / "state.json").read_text())


def test_a_corrupt_journal_is_reported_not_overwritten(tmp_path):
    (tmp_path / "c1").mkdir()
    (tmp_path / "c1" / "state.json").write_text("{not json")
    with pytest.raises(jr.JournalError, match="not valid JSON"):
        jr.mark_state(str(tmp_path), "c1", "ncp_stopped", "m1")
    assert (tmp_path / "c1" / "state.json").read_text() == "{not json"


def test_a_journal_of_another_cluster_is_refused(tmp_path):
    (tmp_path / "c1").mkdir()
    (tmp_path / "c1" / "state.json").write_text(json.dumps(jr.new_journal("c2", "m1")))
    with pytest.raises(jr.JournalError, match="not a format-1 journal of cluster 'c1'"):
        jr.read_journal(str(tmp_path), "c1")


@pytest.mark.parametrize("name", ["", "..", "a/b", "../etc", "-x", "a b", None])
def test_cluster_names_that_cannot_be_a_directory_are_refused(tmp_path, name):
    with pytest.raises(jr.JournalError, match="cannot name a journal directory"):
        jr.journal_path(str(tmp_path), name)


def test_clear_state(tmp_path):
    jr.mark_state(str(tmp_path), "c1", "cluster_imported", "m1")
    journal = jr.clear_state(str(tmp_path), "c1", "cluster_imported", "m1")
    assert not jr.is_imported(journal, "cluster")
    assert not jr.is_imported(jr.read_journal(str(tmp_path), "c1"), "cluster")


def test_a_lease_refused_while_the_holder_has_the_lock_names_the_holder(tmp_path):
    """The first run holds the lock (a journal write, an importer): the second is told which run holds the cluster."""
    state_dir = str(tmp_path)
    jr.acquire_lease(state_dir, "c1", "m1", "run-1", 600, controller="ctl-1", now=1795620000)
    with jr.ClusterLock(state_dir, "c1"):
        with pytest.raises(jr.JournalLeaseError, match=r"held by another run \(run run-1 from ctl-1"):
            jr.acquire_lease(state_dir, "c1", "m1", "run-2", 600, now=1795620010)
        with pytest.raises(jr.JournalBusyError, match="may still be running"):  # the holder itself, or once its lease expired
            jr.acquire_lease(state_dir, "c1", "m1", "run-1", 600, now=1795620010)
        with pytest.raises(jr.JournalBusyError, match="may still be running"):
            jr.acquire_lease(state_dir, "c1", "m1", "run-2", 600, now=1795620000 + 601)


def test_one_run_at_a_time(tmp_path):
    with jr.ClusterLock(str(tmp_path), "c1") as lock:
        assert lock.fileno() is not None
        with pytest.raises(jr.JournalBusyError, match="may still be running"):
            jr.ClusterLock(str(tmp_path), "c1").acquire()
    jr.ClusterLock(str(tmp_path), "c1").acquire().release()


def test_iso_time_round_trip():
    assert jr.parse_time(jr.iso_time(1795620000.7)) == 1795620000


def test_mark_can_clear_states_in_the_same_write(tmp_path):
    state_dir = str(tmp_path)
    jr.mark_state(state_dir, "c1", "quiesced", "m1")
    jr.mark_state(state_dir, "c1", "backed_up", "m1", backup_id="b1")
    journal = jr.mark_state(state_dir, "c1", "ncp_stopped", "m1", clear=["quiesced", "backed_up", "ncp_started"])
    assert sorted(journal["states"]) == ["ncp_stopped"]
    with pytest.raises(jr.JournalError, match="unknown journal states to clear: later"):
        jr.mark_state(state_dir, "c1", "ncp_stopped", "m1", clear=["later"])


def test_the_kept_originals_are_never_readable_by_others(tmp_path, monkeypatch):
    """originals.json may hold NSX credentials (ncp.ini): it is 0600 from the moment it is in place, whatever the umask."""
    import stat

    from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _atomic_file

    modes_at_rename = {}
    real_rename = os.rename

    def rename(source, destination):
        modes_at_rename[os.path.basename(destination)] = stat.S_IMODE(os.stat(source).st_mode)
        real_rename(source, destination)

    monkeypatch.setattr(_atomic_file.os, "rename", rename)
    originals = {"configmap": {"namespace": "nsx-system", "name": "nsx-ncp-config", "key": "ncp.ini", "text": "nsx_api_password = x\n"}}
    old_umask = os.umask(0o022)
    try:
        jr.keep_originals(str(tmp_path), "k8s-01", "m1", originals)
    finally:
        os.umask(old_umask)
    assert modes_at_rename[jr.ORIGINALS_FILE] == 0o600
    assert jr.read_originals(str(tmp_path), "k8s-01")[1]["configmap"]["text"] == "nsx_api_password = x\n"
