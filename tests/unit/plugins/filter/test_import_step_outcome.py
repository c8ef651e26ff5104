"""import_step_outcome: how the run goes on after an import step (invariants 3, 5 and 6)."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.filter.ncp_decisions import import_step_outcome


@pytest.mark.parametrize(
    "result, expected",
    [
        ({}, "imported"),
        # The whole registered result of a step that ended well, also when the journal records it as done already.
        ({"failed": False, "changed": True, "outcome": "imported", "rc": 0}, "imported"),
        ({"changed": False, "outcome": "already_imported", "rc": 0}, "imported"),
        ({"failed": True, "outcome": "failed_keep_ncp_stopped", "rc": 1}, "failed_keep_ncp_stopped"),
        ({"failed": True, "outcome": "failed_restart_ncp_mp", "rc": 2}, "failed_restart_ncp_mp"),
        ({"failed": True, "outcome": "error", "timed_out": True}, "error"),
        # The master went away while the controller waited: the importer may still run there.
        ({"unreachable": True, "msg": "Failed to connect"}, "error"),
        ({"unreachable": True, "blocked_by": [{"check": "promotion_idle"}]}, "error"),
        # NSX was busy: nothing ran, nothing was journaled.
        ({"failed": True, "outcome": None, "blocked_by": [{"check": "promotion_idle"}]}, "not_started"),
        # The module failed before it could say anything (bad importer_path, NSX unreachable).
        ({"failed": True, "msg": "importer_path /x is not a file"}, "error"),
        ({"failed": True, "outcome": None, "blocked_by": []}, "error"),
        # nsx_mp_import's own failure before it journaled an attempt (NSX refused the last-moment check's login).
        ({"failed": True, "outcome": None, "blocked_by": [], "attempt": None, "rc": None, "msg": "NSX API error 403"}, "not_started"),
        # An attempt was journaled: the importer started, so the outcome is what the module says, or unknown.
        ({"failed": True, "outcome": None, "attempt": 2, "rc": None}, "error"),
    ],
)
def test_outcome(result, expected):
    assert import_step_outcome(result) == expected
