"""The one mapping from an importer exit code to the outcome and what NCP must do next."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.importer_outcome import (
    NCP_MODES,
    OUTCOMES,
    already_imported_outcome,
    importer_outcome,
)


@pytest.mark.parametrize(
    "rc, outcome, ncp_mode, succeeded",
    [
        (0, "imported", "policy", True),
        (1, "failed_keep_ncp_stopped", "stopped", False),
        (2, "failed_restart_ncp_mp", "mp", False),
        (3, "error", "stopped", False),
        (137, "error", "stopped", False),
        (-9, "error", "stopped", False),
        (255, "error", "stopped", False),
        (None, "error", "stopped", False),
    ],
)
def test_exit_code_meaning(rc, outcome, ncp_mode, succeeded):
    result = importer_outcome(rc)
    assert (result.outcome, result.ncp_mode, result.succeeded) == (outcome, ncp_mode, succeeded)
    assert result.next_step


@pytest.mark.parametrize("rc", [0, 1, 2, None])
def test_timeout_is_an_error_whatever_the_rc(rc):
    result = importer_outcome(rc, timed_out=True)
    assert (result.outcome, result.ncp_mode, result.succeeded) == ("error", "stopped", False)
    assert "timeout" in result.next_step


def test_signal_is_named_in_the_next_step():
    assert "signal 9" in importer_outcome(-9).next_step


def test_successful_rollback_means_restart_ncp_in_mp_mode_never_policy():
    result = importer_outcome(0, rollback=True)
    assert (result.outcome, result.ncp_mode, result.succeeded) == ("failed_restart_ncp_mp", "mp", True)


def test_failed_rollback_keeps_ncp_stopped_and_points_to_the_backup():
    result = importer_outcome(1, rollback=True)
    assert (result.outcome, result.ncp_mode) == ("failed_keep_ncp_stopped", "stopped")
    assert "backup" in result.next_step


def test_rc_1_never_lets_ncp_run_in_mp_mode():
    assert importer_outcome(1).ncp_mode != "mp"
    assert "do NOT start NCP" in importer_outcome(1).next_step


def test_next_step_depends_on_scope():
    assert "ncp.ini" in importer_outcome(0, scope="shared").next_step
    assert "policy_nsxapi = True" in importer_outcome(0, scope="cluster").next_step


def test_already_imported():
    result = already_imported_outcome("cluster")
    assert (result.outcome, result.ncp_mode, result.succeeded) == ("already_imported", "policy", True)


def test_every_result_uses_the_contract_vocabulary():
    for rc in (0, 1, 2, 3, None):
        for rollback in (False, True):
            result = importer_outcome(rc, rollback=rollback)
            assert result.outcome in OUTCOMES and result.ncp_mode in NCP_MODES


def test_no_exit_status_names_why_and_keeps_ncp_stopped():
    result = importer_outcome(None, unknown="the migration log /x.log has no exit code line")
    assert (result.outcome, result.ncp_mode, result.succeeded) == ("error", "stopped", False)
    assert "has no exit code line" in result.next_step
    # a known rc is never overridden by a reason given for an unknown one
    assert importer_outcome(0, unknown="ignored").outcome == "imported"
