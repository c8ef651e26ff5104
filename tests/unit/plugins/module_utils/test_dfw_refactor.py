"""The DFW refactoring plan over hand-built layouts, checked against hand-computed answers."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _dfw_refactor as dfw
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _preflight_checks as checks

NCP = "ncp-a"


def ncp(section_id, cluster, rules, **extra):
    return dict(
        {
            "id": section_id,
            "display_name": section_id,
            "tags": [{"scope": "ncp/cluster", "tag": cluster}],
            "_create_user": "ncp-" + cluster,
            "_protection": "REQUIRE_OVERRIDE",
            "rule_count": rules,
            "_revision": 3,
            "section_type": "LAYER3",
            "stateful": True,
        },
        **extra,
    )


def admin(section_id, rules=0, **extra):
    return dict(
        {
            "id": section_id,
            "display_name": section_id,
            "tags": [],
            "_create_user": "admin",
            "_protection": "NOT_PROTECTED",
            "rule_count": rules,
            "_revision": 1,
        },
        **extra,
    )


def ncp_rule(rule_id, cluster="a"):
    return {"id": rule_id, "display_name": rule_id, "_create_user": "ncp-" + cluster, "_protection": "REQUIRE_OVERRIDE", "_revision": 0}


def user_rule(rule_id):
    return {"id": rule_id, "display_name": rule_id, "_create_user": "admin", "_protection": "NOT_PROTECTED", "_revision": 5, "action": "DROP"}


def layout():
    """top | a1(3) X a2(3, u in the middle) a3(4) Y b1(5) | bottom default; clusters in scope: a."""
    sections = [
        admin("top"),
        ncp("a1", "a", 3),
        admin("X"),
        ncp("a2", "a", 3, applied_tos=[{"target_type": "NSGroup", "target_id": "g1"}]),
        ncp("a3", "a", 4),
        admin("Y"),
        ncp("b1", "b", 5),
        admin("bottom"),
        admin("default", is_default=True),
    ]
    rules = {
        "a1": [ncp_rule("a1-%d" % i) for i in range(3)],
        "a2": [ncp_rule("a2-0"), user_rule("u"), ncp_rule("a2-2")],
        "a3": [ncp_rule("a3-%d" % i) for i in range(4)],
    }
    return sections, rules


def plan_for(sections, rules, clusters=("a",), **options):
    opts = dfw.RefactorOptions(clusters=list(clusters), **options)
    scan = dfw.scan_sections(sections, opts)
    identities = set(opts.identities)
    state = dfw.FirewallState(sections, rules, scan, identities)
    return dfw.compute_plan(state, opts), state


def names(entries):
    return [entry["id"] for entry in entries]


def order(plan):
    return [s["id"] if not s.get("_planned_new") else s["display_name"] for s in plan.after]


def test_hand_computed_plan():
    sections, rules = layout()
    plan, _state = plan_for(sections, rules)
    kinds = [(i["kind"], i["action"], i["id"] or i["display_name"], i["placement"]) for i in plan.items]
    assert kinds == [
        ("section", "move", "X", "above"),
        ("section", "create", "ncp-mp-to-policy-moved-rules-above", "above"),
        ("section", "move", "Y", "below"),
        ("rule", "move", "u", "above"),
    ]
    x, create, y, rule = plan.items
    # X: above passes a1 (3 rules); below would pass a2, a3, b1 (12 rules).
    assert x["cost"] == {"above": {"sections": 1, "rules": 3}, "below": {"sections": 3, "rules": 12}}
    assert names(x["reordered_with"]) == ["a1"] and x["reordered_with"][0]["rules"] == 3
    assert x["anchor"] == {"operation": "insert_before", "id": "a1", "display_name": "a1"}
    assert (x["from_position"], x["to_position"]) == (3, 2)
    # Y lies between a3 (in scope) and b1 (another cluster): below passes only b1.
    assert y["cost"] == {"above": {"sections": 3, "rules": 10}, "below": {"sections": 1, "rules": 5}}
    assert names(y["reordered_with"]) == ["b1"] and y["reordered_with"][0]["cluster"] == "b"
    assert y["anchor"]["operation"] == "insert_after" and y["anchor"]["id"] == "b1"
    # u: above passes a1 and the one NCP rule before it in a2; below would pass a3, b1 and one rule.
    assert rule["cost"] == {"above": {"sections": 2, "rules": 4}, "below": {"sections": 3, "rules": 10}}
    assert [(s["id"], s["rules"]) for s in rule["reordered_with"]] == [("a1", 3), ("a2", 1)]
    assert rule["reordered_with_admin"] == []  # X stays before u
    assert rule["from_section"]["id"] == "a2" and rule["from_position"] == 2
    assert rule["to_section"] == {"id": None, "display_name": "ncp-mp-to-policy-moved-rules-above", "new": True}
    assert rule["applied_tos_from_section"] is True
    assert plan.work[3]["body"]["applied_tos"] == [{"target_type": "NSGroup", "target_id": "g1"}]
    assert "id" not in plan.work[3]["body"] and "_revision" not in plan.work[3]["body"]
    assert order(plan) == ["top", "X", "ncp-mp-to-policy-moved-rules-above", "a1", "a2", "a3", "b1", "Y", "bottom", "default"]
    assert create["to_position"] == 3
    assert {f["check"] for f in plan.findings} == {"dfw_admin_section_inside_ncp_range", "dfw_user_rule_in_ncp_section"}


def _as_read_by(objects, reader):
    """The objects as NSX shows them to ``reader`` (superuser, read-only or NCP's own identity)."""
    seen = []
    for obj in objects:
        creator = obj["_create_user"]
        if reader == "read-only":
            protection = "PROTECTED"
        elif creator.startswith("ncp-") and creator != reader:
            protection = "REQUIRE_OVERRIDE" if reader == "superuser" else "PROTECTED"
        else:
            protection = "NOT_PROTECTED"
        seen.append(dict(obj, _protection=protection))
    return seen


@pytest.mark.parametrize("reader", ["superuser", "read-only", NCP])
def test_plan_is_the_same_whoever_reads_and_moves_no_ncp_rule(reader):
    sections, rules = layout()
    expected, _state = plan_for(sections, rules)
    plan, _state = plan_for(_as_read_by(sections, reader), dict((k, _as_read_by(v, reader)) for k, v in rules.items()))
    assert [(i["kind"], i["action"], i["id"] or i["display_name"]) for i in plan.items] == [
        (i["kind"], i["action"], i["id"] or i["display_name"]) for i in expected.items
    ]
    assert [i["id"] for i in plan.items if i["kind"] == "rule"] == ["u"]


@pytest.mark.parametrize("where", ["rule", "section"])
def test_objects_created_by_a_principal_identity_are_never_moved(where):
    sections, rules = layout()
    if where == "rule":
        rules["a2"][1] = ncp_rule("u", cluster="b")  # another cluster's NCP put a rule into a2
    else:
        sections[2] = dict(sections[2], _create_user="ncp-b")  # X: an untagged section made by NCP of b
    with pytest.raises(dfw.RefactorError, match="principal identity.*created by ncp-b"):
        plan_for(sections, rules)


def test_planned_layout_passes_the_preflight_judgement():
    sections, rules = layout()
    plan, state = plan_for(sections, rules)
    scan = checks.SectionRangeScan(["a"])
    for section in plan.after:
        scan.add(dict(section, _create_user=section.get("_create_user", "admin")))
    assert scan.result() == []
    remaining = dict((k, [r for r in v if r["id"] not in plan.moved_rules]) for k, v in rules.items())
    for section in scan.ncp_sections:
        assert checks.check_rules_of_section(section, remaining.get(section[0], []), state.identities) == []


def test_forced_below_keeps_relative_order_and_chains_anchors():
    sections, rules = layout()
    sections.insert(3, admin("X2"))  # a1 X X2 a2 ...
    plan, _scan = plan_for(sections, rules, placement="below")
    assert order(plan) == ["top", "a1", "a2", "a3", "b1", "ncp-mp-to-policy-moved-rules-below", "X", "X2", "Y", "bottom", "default"]
    anchors = [(i["id"] or i["display_name"], i["anchor"]["operation"], i["anchor"]["id"]) for i in plan.items if i["kind"] == "section"]
    assert anchors == [
        ("ncp-mp-to-policy-moved-rules-below", "insert_after", "b1"),
        ("X", "insert_after", "(new) ncp-mp-to-policy-moved-rules-below"),
        ("X2", "insert_after", "X"),
        ("Y", "insert_after", "X2"),
    ]
    rule = plan.items[-1]
    assert rule["anchor"]["operation"] == "insert_top"
    assert [(s["id"], s["rules"]) for s in rule["reordered_with"]] == [("a2", 1), ("a3", 4), ("b1", 5)]


def test_per_object_overrides_win():
    sections, rules = layout()
    plan, _scan = plan_for(sections, rules, placement="below", section_placement={"X": "above", "Y": "auto"}, rule_placement={"u": "above"})
    sides = dict((i["id"], (i["placement"], i["placement_reason"])) for i in plan.items if i["id"])
    assert sides == {"X": ("above", "per-object override"), "Y": ("below", "auto"), "u": ("above", "per-object override")}


def test_markers_bound_the_range():
    sections, rules = layout()
    plan, _scan = plan_for(sections, rules, firewall_markers={"top": "top", "bottom": "bottom"})
    x = plan.items[0]
    assert x["anchor"]["id"] == "top" and order(plan)[:3] == ["X", "ncp-mp-to-policy-moved-rules-above", "top"]
    assert [a["id"] for a in x["reordered_with_admin"]] == ["top"]


def test_existing_target_section_is_reused_and_given_one_must_be_admin():
    sections, rules = layout()
    sections.insert(0, admin("t-above", rules=2, display_name="ncp-mp-to-policy-moved-rules-above"))
    plan, _scan = plan_for(sections, rules)
    assert [i["action"] for i in plan.items].count("create") == 0
    rule = plan.items[-1]
    assert rule["to_section"] == {"id": "t-above", "display_name": "ncp-mp-to-policy-moved-rules-above", "new": False}
    assert rule["to_position"] == 3 and rule["anchor"]["operation"] == "insert_bottom"
    with pytest.raises(dfw.RefactorError, match="an NCP section"):
        plan_for(sections, rules, rule_target_sections={"above": "a1"})
    with pytest.raises(dfw.RefactorError, match="does not exist"):
        plan_for(sections, rules, rule_target_sections={"below": "nope"}, placement="below")


def test_nothing_to_do_gives_an_empty_plan():
    sections = [admin("top"), ncp("a1", "a", 1), ncp("a2", "a", 0), admin("bottom")]
    plan, state = plan_for(sections, {"a1": [ncp_rule("r")]})
    assert plan.empty and plan.after == sections
    assert dfw.render_diff(plan, state)["before"] == ""


def test_admin_sections_between_other_clusters_stay():
    sections = [ncp("a1", "a", 0), ncp("b1", "b", 0), admin("Z"), ncp("b2", "b", 0)]
    plan, _scan = plan_for(sections, {})
    assert plan.empty


def test_diff_is_built_from_the_data():
    sections, rules = layout()
    plan, state = plan_for(sections, rules)
    diff = dfw.render_diff(plan, state)
    before, after = diff["before"].splitlines(), diff["after"].splitlines()
    assert before[0].startswith("top (top) [admin]") and "    rule 'u' (u)" in before
    assert before.index("    rule 'u' (u)") == before.index("a2 (a2) [NCP a]") + 1
    assert after[1] == "X (X) [admin]  <- moved"
    assert after[2] == "ncp-mp-to-policy-moved-rules-above (to be created) [admin, new]" and after[3] == "    rule 'u' (u)"


def test_plan_differences():
    sections, rules = layout()
    plan, _scan = plan_for(sections, rules)
    assert dfw.plan_differences(plan.items, plan.items) == []
    bumped = [dict(i) for i in plan.items]
    bumped[0]["revision"] = 7
    text = dfw.plan_differences(plan.items, bumped)
    assert any("no longer planned" in t and "X" in t for t in text)


def test_bad_options():
    with pytest.raises(dfw.RefactorError):
        dfw.RefactorOptions(clusters=["a"], placement="left")
    with pytest.raises(dfw.RefactorError, match="section_placement"):
        dfw.RefactorOptions(clusters=["a"], section_placement={"X": "up"})
    with pytest.raises(dfw.RefactorError, match="keys above and below"):
        dfw.RefactorOptions(clusters=["a"], rule_target_sections={"middle": "s"})
