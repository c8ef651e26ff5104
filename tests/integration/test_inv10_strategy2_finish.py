"""Invariant 10 under strategy 2: every cluster migrated on its own (migrate_cluster.yml), then finish.yml.

The migrations put the admin's top DFW rules in Policy before the first import and leave the bottom ones in MP (after
every Policy rule, so the order holds); finish.yml, once every cluster is verified, re-creates the bottom rules in
Policy below every imported NCP policy and fails while the order check finds a violation. Its --check run changes
nothing and ends rc 0 with the copies still to write; a second finish.yml changes nothing.
"""

import json
import os

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.long]

MP_RULE_TAG = "ncp-mp-to-policy/mp-rule"


def policy_copies(order):
    """MP rule IDs that have a Policy copy in this effective order."""
    return {(e["tags"] or {}).get(MP_RULE_TAG) for e in order if e["layer"] == "policy"} - {None}


def verification(lab, report):
    with open(os.path.join(lab.out, report, "finish-verification.json"), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def strategy2(module_lab_factory):
    lab = module_lab_factory("k8s2.yml")
    migrations = [lab.run("migrate_cluster.yml", {"ncp_cluster": c, "ncp_ack_no_backup_restore": True}, report="report-" + c) for c in lab.clusters]
    before = lab.nsx_call("/_lab/firewall")["order"]
    snapshot = lab.snapshot()
    check = lab.run("finish.yml", check=True, report="finish-check")
    after_check = lab.snapshot()
    finish = lab.run("finish.yml", report="finish")
    after = lab.nsx_call("/_lab/firewall")["order"]
    again = lab.run("finish.yml", report="finish-again")
    return {
        "lab": lab,
        "migrations": migrations,
        "before": before,
        "check": check,
        "check_changed": sorted(k for k in set(snapshot) | set(after_check) if snapshot.get(k) != after_check.get(k)),
        "finish": finish,
        "after": after,
        "again": again,
        "after_again": lab.nsx_call("/_lab/firewall")["order"],
    }


def test_finish_puts_the_bottom_rules_in_policy_and_the_order_holds(strategy2):
    lab = strategy2["lab"]
    for run in strategy2["migrations"]:
        assert run.returncode == 0, run.stdout[-3000:]
    top, bottom = lab.admin_rules_around_ncp()
    assert top and bottom
    before, after = strategy2["before"], strategy2["after"]
    assert any(e["layer"] == "policy" and e["cluster"] for e in before), "no import moved NCP's rules to Policy: nothing was tested"
    # Strategy 2 put the top rules in Policy and left the bottom ones in MP (enforced after every Policy rule).
    assert set(top) <= policy_copies(before) and not set(bottom) & policy_copies(before)
    assert lab.firewall_order_violations(before, top, bottom) == []
    # --check: rc 0, nothing changed, the bottom copies still to write.
    assert strategy2["check"].returncode == 0, strategy2["check"].stdout[-3000:]
    assert strategy2["check_changed"] == []
    finish = strategy2["finish"]
    assert finish.returncode == 0, finish.stdout[-3000:]
    assert set(top) | set(bottom) <= policy_copies(after), "finish ended without every admin rule in Policy"
    assert lab.firewall_order_violations(after, top, bottom) == []
    # Each bottom rule's Policy copy is enforced after every NCP rule (the copy, not the MP original, is now the first).
    last_ncp = max(i for i, e in enumerate(after) if e["cluster"])
    copies = [i for i, e in enumerate(after) if e["layer"] == "policy" and (e["tags"] or {}).get(MP_RULE_TAG) in bottom]
    assert len(copies) == len(bottom) and min(copies) > last_ncp
    record = verification(lab, "finish")["firewall_order"]
    assert record["checked"] and record["changed"] and record["bottom_in_place"] and record["top_in_place"], record
    assert record["written"] and record["violations"] == [] and record["problems"] == [], record


def test_a_second_finish_changes_nothing(strategy2):
    lab, again = strategy2["lab"], strategy2["again"]
    assert again.returncode == 0, again.stdout[-3000:]
    assert strategy2["after_again"] == strategy2["after"]
    record = verification(lab, "finish-again")["firewall_order"]
    assert record["checked"] and record["changed"] is False and record["written"] == [] and record["problems"] == [], record
