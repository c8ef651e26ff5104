"""finish.yml's verdict: a cluster is finished when its journal, its NCP configuration and NSX all say so."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.filter.reports import FilterModule

verify_clusters = FilterModule().filters()["finish_verdict"]  # as the finish role calls it: answers | finish_verdict(names, ...)

FINISHED = {
    "name": "k8s-01",
    "platform": "kubernetes",
    "import_master": "m1",
    "journal_error": "",
    "journal_exists": True,
    "imported": True,
    "current_state": "ncp_started",
    "started_mode": "policy",
    "config_error": "",
    "policy_nsxapi": "True",
    "left_behind": [],
    "left_behind_message": "",
}
PROMOTED = {"name": "k8s-01", "tagged": 5, "unpromoted": 0, "unpromoted_by_type": {}, "unpromoted_objects": []}


def verdict(answer=None, nsx=None, fail_on_unpromoted=False):
    answers = [dict(FINISHED, **answer)] if answer is not None else []
    return verify_clusters(answers, ["k8s-01"], [dict(PROMOTED, **(nsx or {}))], fail_on_unpromoted)[0]


def test_a_finished_cluster_is_ok_with_nsx_s_counts():
    found = verdict({})
    assert found["ok"] and found["problems"] == [] and found["policy_mode"] is True
    assert (found["tagged"], found["unpromoted"], found["import_master"]) == (5, 0, "m1")
    # Booleans as a template may leave them.
    assert verdict({"journal_exists": "True", "imported": "yes", "policy_nsxapi": True})["ok"]


@pytest.mark.parametrize(
    "answer, nsx, problems",
    [
        ({"policy_nsxapi": "False"}, {}, ["NCP is configured for MP mode (policy_nsxapi = False)"]),
        ({"policy_nsxapi": ""}, {}, ["NCP is configured for MP mode (policy_nsxapi = unset)"]),
        ({"config_error": "Forbidden"}, {}, ["NCP configuration not readable: Forbidden"]),
        ({"journal_error": "permission denied"}, {}, ["journal not readable: permission denied"]),
        (
            {"imported": False, "current_state": "backed_up", "started_mode": None},
            {},
            [
                "the journal records no successful cluster import (last state: backed_up)",
                "the journal records no start of NCP in Policy mode (started in: not started)",
            ],
        ),
        ({"started_mode": "mp"}, {}, ["the journal records no start of NCP in Policy mode (started in: mp)"]),
        # No journal (migrated by other means): NSX decides.
        ({"journal_exists": False}, {"unpromoted": 2}, ["no migration journal, and NSX shows 2 of 5 NCP-tagged MP objects unpromoted"]),
        ({"journal_exists": False}, {"tagged": 0}, ["no migration journal, and NSX shows 0 of 0 NCP-tagged MP objects unpromoted"]),
        ({"left_behind_message": "  2 MP objects left behind  "}, {}, ["2 MP objects left behind"]),
        # Unpromoted objects are listed, not a failure, unless asked.
        ({}, {"unpromoted": 3}, []),
    ],
)
def test_problems(answer, nsx, problems):
    found = verdict(answer, nsx)
    assert found["problems"] == problems and found["ok"] is (not problems)


def test_unpromoted_objects_fail_when_asked_and_there_is_a_journal():
    assert verdict({}, {"unpromoted": 3}, fail_on_unpromoted="true")["problems"] == ["3 NCP-tagged MP object(s) not promoted to Policy"]
    assert verdict({"journal_exists": False}, {"unpromoted": 3}, fail_on_unpromoted=True)["problems"] == [
        "no migration journal, and NSX shows 3 of 5 NCP-tagged MP objects unpromoted"
    ]


def test_a_cluster_whose_master_did_not_answer_fails_and_the_order_is_the_names():
    found = verdict(None)
    assert found["problems"] == ["NCP configuration not readable: no import master of this cluster answered"]
    assert (found["platform"], found["import_master"], found["ok"]) == ("unknown", None, False)
    both = verify_clusters([FINISHED], ["k8s-02", "k8s-01"], [PROMOTED, dict(PROMOTED, name="k8s-02")])
    assert [c["name"] for c in both] == ["k8s-02", "k8s-01"] and [c["ok"] for c in both] == [False, True]
