"""ncp_service with ``journal``: the confirmed Kubernetes stop or start journaled in the same run (real kubectl,
lab cluster) - only once confirmed, never for a failed stop or start, and the journal checked before NCP is touched."""

import os

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from tests.unit.module_runner import run_module

from .test_ncp_service import ncp_args, set_policy_nsxapi

CLUSTER = "k8s-01"
HOST = "master-1"


@pytest.fixture
def cluster(kube_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # kubectl's discovery cache
    return kube_cluster


@pytest.fixture
def state_dir(tmp_path):
    path = str(tmp_path / "state")
    jr.mark_state(path, CLUSTER, "preflight_passed", HOST, warnings=0)
    return path


def journal(state_dir, **extra):
    return dict(dict(cluster=CLUSTER, state_dir=state_dir, host=HOST), **extra)


def test_stop_then_start_are_journaled_once_confirmed(cluster, state_dir):
    stopped = run_module("ncp_service", ncp_args(cluster, state="stopped", journal=journal(state_dir)))
    assert not stopped.failed, stopped
    assert cluster.ncp_pods() == []
    record = jr.read_journal(state_dir, CLUSTER)
    assert record["states"]["ncp_stopped"]["replicas"] == 1 and record["states"]["ncp_stopped"]["platform"] == "kubernetes"
    # Journaled after the pods were gone: the recorded time is not before the module saw NCP stopped.
    assert jr.state_time(record, "ncp_stopped") >= int(stopped["at_epoch"]) - 1
    assert stopped["journal"]["journal"] == record
    assert stopped["journal"]["state_epochs"]["ncp_stopped"] == jr.state_time(record, "ncp_stopped")
    started = run_module("ncp_service", ncp_args(cluster, state="started", replicas=1, expect_mode="mp", journal=journal(state_dir)))
    assert not started.failed, started
    assert jr.read_journal(state_dir, CLUSTER)["states"]["ncp_started"]["mode"] == "mp"


def test_a_rerun_keeps_the_first_stop_time_and_a_new_stop_forgets_start_quiesce_and_backup(cluster, state_dir):
    jr.mark_state(state_dir, CLUSTER, "ncp_stopped", HOST, at=1000.0, replicas=2, platform="kubernetes")
    again = run_module("ncp_service", ncp_args(cluster, state="stopped", journal=journal(state_dir)))
    assert not again.failed
    assert jr.state_time(jr.read_journal(state_dir, CLUSTER), "ncp_stopped") == 1000.0
    for state, details in (("quiesced", dict(seconds=600)), ("backed_up", dict(backup_id="b-1")), ("ncp_started", dict(mode="mp"))):
        jr.mark_state(state_dir, CLUSTER, state, HOST, **details)
    new = run_module("ncp_service", ncp_args(cluster, state="stopped", journal=journal(state_dir, new_stop=True)))
    states = jr.read_journal(state_dir, CLUSTER)["states"]
    assert not new.failed and new["changed"]
    assert jr.state_time({"states": states}, "ncp_stopped") > 1000.0
    assert not {"quiesced", "backed_up", "ncp_started"} & set(states)


def test_a_stop_that_fails_journals_nothing(cluster, state_dir):
    cluster.set_faults(pods_never_terminate=True)
    result = run_module("ncp_service", ncp_args(cluster, state="stopped", timeout=2, journal=journal(state_dir)))
    assert result.failed and "still exist" in result["msg"]
    assert "ncp_stopped" not in jr.read_journal(state_dir, CLUSTER)["states"]


def test_a_start_in_the_wrong_mode_journals_nothing(cluster, state_dir):
    run_module("ncp_service", ncp_args(cluster, state="stopped", journal=journal(state_dir)))
    result = run_module("ncp_service", ncp_args(cluster, state="started", replicas=1, expect_mode="policy", journal=journal(state_dir)))
    assert result.failed and "says mp mode" in result["msg"]
    assert "ncp_started" not in jr.read_journal(state_dir, CLUSTER)["states"]
    set_policy_nsxapi(cluster, "True")
    started = run_module("ncp_service", ncp_args(cluster, state="started", replicas=1, expect_mode="policy", journal=journal(state_dir)))
    assert not started.failed and jr.read_journal(state_dir, CLUSTER)["states"]["ncp_started"]["mode"] == "policy"


def test_a_journal_of_another_master_leaves_ncp_alone(cluster, state_dir):
    result = run_module("ncp_service", ncp_args(cluster, state="stopped", journal=journal(state_dir, host="master-2")))
    assert result.failed and "master-1" in result["msg"] and result["msg"].endswith("NCP was left as it is")
    assert result["path"] == os.path.join(state_dir, CLUSTER, "state.json")
    assert len(cluster.ncp_pods()) == 1
    assert "ncp_stopped" not in jr.read_journal(state_dir, CLUSTER)["states"]


def test_check_mode_stops_nothing_and_writes_no_journal(cluster, state_dir):
    before = jr.read_journal(state_dir, CLUSTER)
    result = run_module("ncp_service", ncp_args(cluster, state="stopped", journal=journal(state_dir)), check_mode=True)
    assert result["changed"] and "ncp_stopped" in result["journal"]["states"]
    assert len(cluster.ncp_pods()) == 1
    assert jr.read_journal(state_dir, CLUSTER) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(state="stopped", platform="tkgi"), "journal applies to platform kubernetes only"),
        (dict(state="started", replicas=1), "journal with state=started needs expect_mode"),
    ],
)
def test_journal_misuse_is_refused_before_ncp_is_touched(cluster, state_dir, args, message):
    result = run_module("ncp_service", ncp_args(cluster, journal=journal(state_dir), **args))
    assert result.failed and result["msg"].startswith(message)
    assert len(cluster.ncp_pods()) == 1
