"""The NSX preflight checks as pure functions, driven by JSON fixtures."""

import json
import os

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _preflight_checks as checks
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import blocking, finding, passed, summarize

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "preflight")
KEYS = {"check", "severity", "cluster", "object_type", "object_id", "display_name", "message", "remediation"}


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


@pytest.mark.parametrize(
    "version, minimum, expect",
    [
        ("4.1.2.0.0.22589037", "3.2.0", None),
        ("3.2.0.0.0.19067070", "3.2.0", None),
        ("3.1.3.7.0.19380474", "3.2.0", "older than 3.2.0"),
        ("9.0.0.0.24733065", "3.2.0", "no Manager API"),
        ("", "3.2.0", "no readable version"),
    ],
)
def test_nsx_version(version, minimum, expect):
    found = checks.check_nsx_version({"product_version": version}, minimum)
    if expect is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0]["check"] == "nsx_version" and found[0]["severity"] == "error"
        assert expect in found[0]["message"]


def test_manager_on_vip_is_an_error_and_a_node_is_fine():
    vip = {"ip_address": "10.0.0.10"}
    assert checks.check_manager_not_vip({"10.0.0.11"}, vip, "10.0.0.11") == []
    assert checks.check_manager_not_vip({"10.0.0.10"}, {"ip_address": "0.0.0.0"}, "10.0.0.10") == []
    [found] = checks.check_manager_not_vip({"10.0.0.10"}, vip, "nsx-vip.example.com")
    assert found["severity"] == "error" and found["object_id"] == "10.0.0.10"
    [unknown] = checks.check_manager_not_vip(None, vip, "nsx.example.com")
    assert unknown["severity"] == "warning"


def test_coordinator_not_running_names_the_start_command():
    assert checks.check_migration_coordinator({"runtime_state": "running"}, "nsx1") == []
    [found] = checks.check_migration_coordinator({"runtime_state": "stopped"}, "nsx1")
    assert "/etc/init.d/migration-coordinator start" in found["remediation"] and "nsx1" in found["message"]


def test_promotion_in_progress_blocks():
    assert checks.check_promotion_idle({"mp_policy_promotion": "PROMOTION_NOT_IN_PROGRESS"}) == []
    assert checks.check_promotion_idle({"mp_policy_promotion": "PROMOTION_IN_PROGRESS"})[0]["check"] == "promotion_idle"


@pytest.mark.parametrize(
    "config, severities",
    [
        ({"backup_enabled": True, "remote_file_server": {"server": "10.0.0.5", "port": 22}}, []),
        # A backup on request needs only the remote file server: the schedule off is information.
        ({"backup_enabled": False, "remote_file_server": {"server": "10.0.0.5"}}, ["info"]),
        ({"backup_enabled": True}, ["error"]),
        ({}, ["error"]),
    ],
)
def test_backup_configured(config, severities):
    found = checks.check_backup_configured(config)
    assert [f["severity"] for f in found] == severities
    assert passed(found, "warning") is ("error" not in severities)


def test_misspelt_cluster_is_reported():
    assert checks.check_cluster_objects("prod", 12) == []
    [found] = checks.check_cluster_objects("prdo", 0)
    assert found["cluster"] == "prdo" and "ncp/cluster=prdo" in found["message"]


def test_admin_sections_inside_ncp_range_from_fixture():
    data = load("dfw_sections.json")
    scan = checks.SectionRangeScan(data["clusters"], markers=data["markers"])
    for section in data["sections"]:
        scan.add(section)
    found = scan.result()
    assert [(f["object_id"], f["cluster"]) for f in found] == [(e["object_id"], e["cluster"]) for e in data["expected_findings"]]
    for item, expected in zip(found, data["expected_findings"]):
        assert set(item) == KEYS
        assert "position %d" % expected["position"] in item["message"]
        assert expected["before"] in item["message"] and expected["after"] in item["message"]
        assert "a1" in item["remediation"] and "a2" in item["remediation"]
    assert [s[0] for s in scan.ncp_sections if s[3] != 0] == data["expected_ncp_sections_with_rules"]
    assert sorted(scan.ncp_creators) == data["expected_ncp_creators"]


def test_admin_section_between_clusters_in_scope_is_reported():
    sections = [
        {"id": "a1", "tags": [{"scope": "ncp/cluster", "tag": "a"}]},
        {"id": "mid", "display_name": "mid"},
        {"id": "b1", "tags": [{"scope": "ncp/cluster", "tag": "b"}]},
    ]
    scan = checks.SectionRangeScan(["a"])
    for section in sections:
        scan.add(section)
    assert [f["object_id"] for f in scan.result()] == ["mid"]


def test_section_scan_holds_only_pending_admin_sections():
    scan = checks.SectionRangeScan(["a"])
    scan.add({"id": "a1", "tags": [{"scope": "ncp/cluster", "tag": "a"}]})
    for number in range(5000):
        scan.add({"id": "admin-%d" % number})
    assert len(scan.pending) == 5000
    scan.add({"id": "x", "tags": [{"scope": "ncp/cluster", "tag": "other"}]})
    assert scan.pending == [] and len(scan.findings) == 5000


READER_VIEWS = {
    # What NSX shows each kind of reader (nsx-reference.md section 3): the same objects, other _protection.
    "superuser": {"ncp-a": "REQUIRE_OVERRIDE", "someone": "REQUIRE_OVERRIDE", "admin": "NOT_PROTECTED"},
    "read-only": {"ncp-a": "PROTECTED", "someone": "PROTECTED", "admin": "PROTECTED"},
    "ncp-a": {"ncp-a": "NOT_PROTECTED", "someone": "PROTECTED", "admin": "NOT_PROTECTED"},
}


@pytest.mark.parametrize("reader", sorted(READER_VIEWS))
def test_user_rules_are_judged_by_creator_whoever_reads(reader):
    view = READER_VIEWS[reader]
    section = ("s1", "ns-web", "a", 3, "ncp-a")
    rules = [
        {"id": rule_id, "display_name": rule_id, "_create_user": creator, "_protection": view[creator]}
        for rule_id, creator in (("r1", "ncp-a"), ("r2", "admin"), ("r3", "someone"), ("r4", "ncp-a"))
    ]
    assert [f["object_id"] for f in checks.check_rules_of_section(section, rules, set())] == ["r2", "r3"]


def test_user_rules_in_ncp_section():
    section = ("s1", "ns-web", "a", 3)
    rules = [
        {"id": "r1", "display_name": "ncp rule", "_create_user": "ncp-a", "_protection": "REQUIRE_OVERRIDE"},
        {"id": "r2", "display_name": "hand made", "_create_user": "admin", "_protection": "NOT_PROTECTED"},
        {"id": "r3", "display_name": "other PI", "_create_user": "someone", "_protection": "REQUIRE_OVERRIDE"},
    ]
    found = checks.check_rules_of_section(section, rules, {"ncp-a"})
    assert [f["object_id"] for f in found] == ["r2", "r3"]
    assert all(f["cluster"] == "a" and "s1" in f["message"] for f in found)


def test_virtual_server_rule_limit():
    vs = {"id": "vs1", "display_name": "default-lb", "rule_ids": ["r%d" % n for n in range(300)], "tags": [{"scope": "ncp/cluster", "tag": "a"}]}
    [found] = checks.check_virtual_server(vs, ["a"], 255)
    assert "300 rules" in found["message"] and found["object_id"] == "vs1"
    assert checks.check_virtual_server(vs, ["b"], 255) == []
    assert checks.check_virtual_server(dict(vs, rule_ids=["r"] * 255), ["a"], 255) == []


def test_shared_name_clash_reports_each_member():
    index = checks.SharedNameIndex()
    index.add("IpPool", {"id": "p1", "display_name": "ext pool"})
    index.add("IpPool", {"id": "p2", "display_name": "ext/pool"})
    index.add("IpPool", {"id": "p3", "display_name": "other"})
    index.add("IpPool", {"id": "p4", "display_name": "ext pool", "tags": [{"scope": "ncp/cluster", "tag": "a"}]})
    index.add("IpBlock", {"id": "b1", "display_name": "ext pool"})
    found = index.findings()
    assert sorted(f["object_id"] for f in found) == ["p1", "p2"]
    assert checks.SharedNameIndex(only=["unrelated"]).findings() == []


def test_policy_id_from_name():
    assert checks.policy_id_from_name("a b/c") == "a_b_c"
    assert checks.policy_id_from_name("..") == "_.."


def test_finding_shape_and_summary():
    items = [finding("x", "error", "m"), finding("y", "warning", "m"), finding("z", "info", "m")]
    assert set(items[0]) == KEYS
    summary = summarize(items, ["x", "y"])
    assert summary == {"errors": 1, "warnings": 1, "infos": 1, "checks_run": ["x", "y"]}
    assert len(blocking(items, "error")) == 1 and len(blocking(items, "warning")) == 2 and blocking(items, "never") == []
    assert passed(items[1:], "error") and not passed(items[1:], "warning") and not passed(items, "never")
    with pytest.raises(ValueError):
        finding("x", "fatal", "m")


def test_clusters_not_in_inventory_name_the_cluster_and_the_variable():
    [error] = checks.check_clusters_in_inventory({"k8s-09": "found by /api/v1/search/query"})
    assert (error["check"], error["severity"], error["cluster"]) == ("nsx_cluster_not_in_inventory", "error", "k8s-09")
    assert "strategy 1" in error["message"] and "ncp_clusters_known_gone" in error["remediation"]
    [warning] = checks.check_clusters_in_inventory({"k8s-09": "x"}, "warning")
    assert warning["severity"] == "warning" and "strategy 2" in warning["message"]
    assert checks.check_clusters_in_inventory({}) == []
