"""dfw_order's decisions without NSX: the vendor's case table and the rule translation."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _dfw_order as order

NCP = [{"scope": "ncp/cluster", "tag": "k1"}]


def section(sid, ncp=False, **extra):
    return dict({"id": sid, "display_name": sid, "tags": NCP if ncp else [], "_create_user": "ncp-k1" if ncp else "admin"}, **extra)


def cases(sections, **options):
    return [(item["section"]["id"], item["case"]) for item in order.classify(sections, order.OrderOptions(["k1"], **options))]


def test_case_table_without_markers_is_relative_to_ncps_first_and_last_section():
    layout = [section("a"), section("n1", True), section("in"), section("n2", True), section("b"), section("d", is_default=True)]
    assert cases(layout) == [("a", "top"), ("in", "inside"), ("b", "bottom")]


def test_case_table_with_markers():
    layout = [section("a"), section("top"), section("x"), section("n1", True), section("bottom"), section("b")]
    assert cases(layout, firewall_markers={"top": "top", "bottom": "bottom"}) == [
        ("a", "top"),
        ("top", "top"),
        ("x", "inside"),
        ("bottom", "bottom"),
        ("b", "bottom"),
    ]
    with pytest.raises(order.OrderError, match="gone"):
        cases(layout, firewall_markers={"top": "gone"})


def test_no_ncp_section_and_no_marker_leaves_every_section_unaffected():
    assert cases([section("a"), section("b")]) == [("a", "unaffected"), ("b", "unaffected")]


class Known:
    """Counterparts that know one group."""

    def path(self, target_type, target_id):
        return "/infra/domains/default/groups/g" if target_id == "known" else None


def test_translation_inline_addresses_counterparts_and_blockers():
    rule = {
        "id": "r1",
        "display_name": "r1",
        "action": "DROP",
        "sources": [{"target_type": "IPv4Address", "target_id": "10.0.0.0/8"}],
        "destinations": [{"target_type": "NSGroup", "target_id": "known"}],
        "services": [{"service": {"resource_type": "ICMPTypeNSService", "protocol": "ICMPv4", "icmp_type": 8}}],
        "_revision": 3,
    }
    body, problems = order.translate_rule(rule, section("s"), Known())
    assert problems == []
    assert body["source_groups"] == ["10.0.0.0/8"] and body["destination_groups"] == ["/infra/domains/default/groups/g"]
    assert body["service_entries"][0]["resource_type"] == "ICMPTypeServiceEntry" and body["scope"] == ["ANY"]
    assert body["tags"] == [{"scope": order.RULE_TAG, "tag": "r1"}] and "_revision" not in body
    rule["sources"] = [{"target_type": "LogicalSwitch", "target_id": "ls-1", "target_display_name": "web-ls"}]
    body, problems = order.translate_rule(rule, section("s", applied_tos=[{"target_type": "NSGroup", "target_id": "gone"}]), Known())
    assert body is None and sorted(p["object_id"] for p in problems) == ["gone", "ls-1"]


def test_options_refuse_bad_counterparts():
    with pytest.raises(order.OrderError, match="x"):
        order.OrderOptions(["k1"], policy_counterparts={"x": "groups/g"})


def bottom_result(**extra):
    """nsx_dfw_order state=bottom's result: one top and one bottom section, both in place, no violation."""
    result = {
        "changed": False,
        "order": {"top_in_place": True, "bottom_in_place": True, "violations": []},
        "sections": [{"id": "t", "case": "top", "in_place": True}, {"id": "b", "case": "bottom", "in_place": True}],
        "plan": [],
        "applied": [],
    }
    result.update(extra)
    return result


def test_finish_check_passes_an_order_kept_and_records_what_was_written():
    written = [{"policy_path": "/infra/domains/default/security-policies/ncp-mp-b"}]
    check = order.finish_check(bottom_result(changed=True, plan=written, applied=written))
    assert check == {
        "checked": True,
        "changed": True,
        "top_in_place": True,
        "bottom_in_place": True,
        "violations": [],
        "written": ["/infra/domains/default/security-policies/ncp-mp-b"],
        "problems": [],
    }
    assert order.finish_check(bottom_result())["problems"] == []


def test_finish_check_fails_on_a_failed_step_a_violation_or_a_missing_copy():
    failed = order.finish_check(bottom_result(failed=True, msg="the bottom rules cannot be re-created in Policy: X"))
    assert failed["problems"] == ["the admin's bottom DFW rules were not re-created in Policy: the bottom rules cannot be re-created in Policy: X"]
    # A module that failed before it could read NSX (no order) is still a failed check.
    assert order.finish_check({"failed": True, "msg": "NSX API error 403"})["checked"] is True
    assert order.finish_check({"failed": True, "msg": "NSX API error 403"})["problems"] != []
    violated = order.finish_check(bottom_result(order={"top_in_place": True, "bottom_in_place": True, "violations": ["bottom copy p is not below q"]}))
    assert violated["problems"] == ["bottom copy p is not below q"]
    no_top = bottom_result(order={"top_in_place": False, "bottom_in_place": True, "violations": []})
    no_top["sections"][0]["in_place"] = False
    assert "admin top section(s) t have no complete Policy copy" in order.finish_check(no_top)["problems"][0]
    no_bottom = order.finish_check(bottom_result(order={"top_in_place": True, "bottom_in_place": False, "violations": []}))
    assert no_bottom["problems"] == ["the admin's bottom DFW rules have no complete Policy copy after the bottom step"]


def test_finish_check_in_check_mode_a_bottom_copy_to_write_is_no_problem():
    to_write = [{"policy_path": "/infra/domains/default/security-policies/ncp-mp-b"}]
    dry = bottom_result(changed=True, plan=to_write, order={"top_in_place": True, "bottom_in_place": False, "violations": []})
    check = order.finish_check(dry, check_mode=True)
    assert check["problems"] == [] and check["written"] == ["/infra/domains/default/security-policies/ncp-mp-b"]
    # The same result from a real run means the write did not take.
    assert order.finish_check(dry)["problems"] != []


def test_finish_check_a_skipped_step_is_not_checked():
    check = order.finish_check({"skipped": True, "changed": False})
    assert check["checked"] is False and check["problems"] == []
    assert order.finish_check(None)["checked"] is False
