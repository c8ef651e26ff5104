"""nsx_dfw_refactor against the NSX simulator: plan, apply, preflight after, idempotence, conflicts, check mode."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _dfw_refactor as dfw
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError, NsxClient
from tests.unit.module_runner import run_module

SPEC = "clusters=2,sections=8,rules=60,virtual_servers=4"
DFW_CHECKS = {"dfw_admin_section_inside_ncp_range", "dfw_user_rule_in_ncp_section"}


def connection(sim, **extra):
    args = {"nsx_manager": sim.url, "nsx_username": sim.username, "nsx_password": sim.password, "retries": 0, "request_timeout": 10}
    args.update(extra)
    return args


def clusters_of(sim):
    return [cluster["name"] for cluster in sim.generated["clusters"]]


def refactor(sim, check_mode=False, diff=False, **extra):
    extra.setdefault("clusters", clusters_of(sim))
    return run_module("nsx_dfw_refactor", connection(sim, **extra), check_mode=check_mode, diff=diff)


def dfw_findings(sim):
    result = run_module("nsx_preflight", connection(sim, clusters=clusters_of(sim), fail_on="never", max_requests_per_second=0))
    assert not result.failed, result.get("msg")
    return [f for f in result["findings"] if f["check"] in DFW_CHECKS]


def snapshot(sim):
    """Every section (order, revision) and every rule of every section."""
    sections = sim.get("/api/v1/firewall/sections").json()["results"]
    rules = {}
    for section in sections:
        rules[section["id"]] = [(r["id"], r["_revision"]) for r in sim.get("/api/v1/firewall/sections/%s/rules" % section["id"]).json()["results"]]
    return [(s["id"], s["_revision"]) for s in sections], rules


@pytest.mark.parametrize("blocker", ["admin_section", "user_rule"])
def test_plan_apply_preflight_idempotent(nsxsim_factory, blocker):
    sim = nsxsim_factory(generate=SPEC + ",blockers=" + blocker)
    planted = sim.generated["blockers"][blocker]
    planned = refactor(sim)
    assert not planned.failed, planned.get("msg")
    moves = [i for i in planned["plan"] if i["action"] == "move"]
    expected = planted if blocker == "admin_section" else planted["rule_id"]
    assert [(m["kind"], m["id"]) for m in moves] == [("section" if blocker == "admin_section" else "rule", expected)]
    assert moves[0]["reordered_with"], "a move inside NCP's range always changes some NCP ordering"
    assert planned["changed"] is False and planned["applied"] == []
    assert len(dfw_findings(sim)) == 1

    applied = refactor(sim, state="applied")
    assert not applied.failed, applied.get("msg")
    assert applied["changed"] is True and applied["verified"] is True
    assert [i["id"] for i in applied["applied"] if i["action"] == "move"] == [expected]
    assert dfw_findings(sim) == []
    if blocker == "user_rule":
        done = applied["applied"][-1]
        target = done["to_section"]["id"]
        copies = sim.get("/api/v1/firewall/sections/%s/rules" % target).json()["results"]
        assert [r["id"] for r in copies] == [done["new_id"]] and copies[0]["display_name"] == moves[0]["display_name"]
        assert sim.get("/api/v1/firewall/sections/%s/rules/%s" % (planted["section_id"], expected)).status_code == 404

    again = refactor(sim, state="applied")
    assert not again.failed and again["changed"] is False and again["plan"] == [] and again["applied"] == []


def test_both_blockers_and_diff(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC + ",blockers=admin_section+user_rule")
    result = refactor(sim, diff=True)
    assert "admin-inserted-section" in result["diff"]["before"] and "<- moved" in result["diff"]["after"]
    assert "(to be created)" in result["diff"]["after"]
    applied = refactor(sim, state="applied")
    assert applied["verified"] is True and dfw_findings(sim) == []


def test_check_mode_changes_nothing(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC + ",blockers=admin_section+user_rule")
    before = snapshot(sim)
    result = refactor(sim, check_mode=True, state="applied")
    assert not result.failed and result["changed"] is True and result["applied"] == [] and len(result["plan"]) == 3
    assert sim.admin.count("POST", "/api/v1/firewall/sections") == 0
    assert snapshot(sim) == before


def test_change_after_review_stops_the_apply_with_nothing_moved(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC + ",blockers=admin_section+user_rule")
    reviewed = refactor(sim)["plan"]
    section = sim.get("/api/v1/firewall/sections/%s" % sim.generated["blockers"]["admin_section"]).json()
    answer = sim.put("/api/v1/firewall/sections/%s" % section["id"], json=dict(section, description="edited meanwhile"))
    assert answer.status_code == 200, answer.text
    before = snapshot(sim)
    result = refactor(sim, state="applied", reviewed_plan=reviewed)
    assert result.failed and "changed since the plan was reviewed" in result["msg"] and "admin-inserted-section" in result["msg"]
    assert result["applied"] == [] and snapshot(sim) == before
    # The same apply with the fresh plan goes through.
    fresh = refactor(sim)["plan"]
    assert refactor(sim, state="applied", reviewed_plan=fresh)["verified"] is True


def nsx_client(sim):
    return NsxClient(sim.url, username=sim.username, password=sim.password, retries=0, auth="basic")


def plan_now(client, sim):
    options = dfw.RefactorOptions(clusters=clusters_of(sim))
    state = dfw.read_firewall(client, options)
    return dfw.compute_plan(state, options)


def test_concurrent_change_between_plan_and_write_stops_at_the_conflict(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC + ",blockers=admin_section+user_rule")
    client = nsx_client(sim)
    plan = plan_now(client, sim)
    section_id = sim.generated["blockers"]["admin_section"]
    section = sim.get("/api/v1/firewall/sections/%s" % section_id).json()
    sim.put("/api/v1/firewall/sections/%s" % section_id, json=dict(section, description="raced"))
    before = snapshot(sim)
    with pytest.raises(dfw.RefactorConflict, match="changed on NSX since the plan was made"):
        dfw.verify_revisions(client, plan)
    applied = []
    with pytest.raises(NsxApiError) as caught:
        dfw.apply_plan(client, plan, applied)  # without the pre-check, NSX's own guard refuses
    assert caught.value.status in dfw.CONFLICT_STATUSES and caught.value.error_code == 207
    assert applied == [] and snapshot(sim) == before


def test_stops_at_the_first_conflict_after_earlier_moves(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC + ",blockers=admin_section+user_rule")
    client = nsx_client(sim)
    plan = plan_now(client, sim)
    rule = plan.items[-1]
    assert rule["kind"] == "rule"
    source = rule["from_section"]["id"]
    body = sim.get("/api/v1/firewall/sections/%s/rules/%s" % (source, rule["id"])).json()
    assert sim.put("/api/v1/firewall/sections/%s/rules/%s" % (source, rule["id"]), json=dict(body, notes="raced")).status_code == 200
    applied = []
    with pytest.raises(dfw.RefactorConflict):
        dfw.apply_plan(client, plan, applied)
    assert [i["kind"] for i in applied] == ["section", "section"]  # the section move and the target section
    assert sim.get("/api/v1/firewall/sections/%s/rules/%s" % (source, rule["id"])).status_code == 200
    target = applied[1]["id"]
    assert sim.get("/api/v1/firewall/sections/%s/rules" % target).json()["results"] == []


def test_failed_delete_removes_the_copy(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC + ",blockers=user_rule")
    planted = sim.generated["blockers"]["user_rule"]
    sim.admin.add_fault(type="status", status=503, method="DELETE", path="/api/v1/firewall/sections/%s/rules/*" % planted["section_id"], count=1)
    result = refactor(sim, state="applied")
    assert result.failed and result["status"] == 503 and "Stopped at move rule" in result["msg"]
    assert sim.get("/api/v1/firewall/sections/%s/rules/%s" % (planted["section_id"], planted["rule_id"])).status_code == 200
    target = result["applied"][0]["id"]
    assert sim.get("/api/v1/firewall/sections/%s/rules" % target).json()["results"] == []
    # Re-running reuses the target section and finishes the move.
    again = refactor(sim, state="applied")
    assert again["verified"] is True and [i["action"] for i in again["applied"]] == ["move"]


def test_bad_options_fail_cleanly(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC + ",blockers=admin_section")
    result = refactor(sim, section_placement={"x": "sideways"})
    assert result.failed and "section_placement" in result["msg"]
    result = refactor(sim, clusters=[""])
    assert result.failed and "clusters" in result["msg"]
