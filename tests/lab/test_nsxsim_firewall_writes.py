"""DFW write endpoints of the simulator: section revise, rule revise, rule create/delete and their guards."""

from .nsxsim.testing import assert_nsx_error

SECTIONS = "/api/v1/firewall/sections"
SPEC = "clusters=1,sections=4,rules=20,virtual_servers=1,blockers=user_rule"


def order(sim):
    return [s["id"] for s in sim.get(SECTIONS).json()["results"]]


def admin_sections(sim):
    return [s for s in sim.get(SECTIONS).json()["results"] if not s["tags"] and not s.get("is_default")]


def ncp_sections(sim):
    return [s for s in sim.get(SECTIONS).json()["results"] if s["tags"] and s["rule_count"]]


def test_section_revise_moves_with_revision_guard(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    first, second = admin_sections(sim)[:2]
    ncp = ncp_sections(sim)[0]
    answer = sim.post(f"{SECTIONS}/{second['id']}", params={"action": "revise", "operation": "insert_before", "id": first["id"]}, json=second)
    assert answer.status_code == 200, answer.text
    assert answer.json()["_revision"] == second["_revision"] + 1
    now = order(sim)
    assert now.index(second["id"]) + 1 == now.index(first["id"])
    # The same body again is stale now (409 / 207), and so is a body without _revision.
    assert_nsx_error(sim.post(f"{SECTIONS}/{second['id']}", params={"action": "revise", "operation": "insert_top"}, json=second), 409, 207)
    no_revision = {k: v for k, v in second.items() if k != "_revision"}
    assert_nsx_error(sim.post(f"{SECTIONS}/{second['id']}", params={"action": "revise", "operation": "insert_top"}, json=no_revision), 409, 207)
    assert order(sim) == now
    moved = sim.get(f"{SECTIONS}/{second['id']}").json()
    assert sim.post(f"{SECTIONS}/{second['id']}", params={"action": "revise", "operation": "insert_after", "id": ncp["id"]}, json=moved).status_code == 200
    now = order(sim)
    assert now.index(second["id"]) == now.index(ncp["id"]) + 1
    # insert_bottom stays above the default section.
    moved = sim.get(f"{SECTIONS}/{second['id']}").json()
    assert sim.post(f"{SECTIONS}/{second['id']}", params={"action": "revise", "operation": "insert_bottom"}, json=moved).status_code == 200
    assert order(sim)[-2] == second["id"]
    # insert_before needs an anchor.
    assert_nsx_error(sim.post(f"{SECTIONS}/{second['id']}", params={"action": "revise", "operation": "insert_before"}, json=moved), 400)


def test_protected_section_revise_needs_the_override(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    ncp = ncp_sections(sim)[0]
    assert_nsx_error(sim.post(f"{SECTIONS}/{ncp['id']}", params={"action": "revise", "operation": "insert_top"}, json=ncp), 400, 289)
    answer = sim.post(f"{SECTIONS}/{ncp['id']}", params={"action": "revise", "operation": "insert_top"}, json=ncp, headers={"X-Allow-Overwrite": "true"})
    assert answer.status_code == 200 and order(sim)[0] == ncp["id"]


def test_rule_revise_reorders_within_its_section(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    section = admin_sections(sim)[0]
    rules = sim.get(f"{SECTIONS}/{section['id']}/rules").json()["results"]
    assert len(rules) >= 2
    first, last = rules[0], rules[-1]
    path = f"{SECTIONS}/{section['id']}/rules/{last['id']}"
    answer = sim.post(path, params={"action": "revise", "operation": "insert_before", "id": first["id"]}, json=dict(last, notes="moved up"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["notes"] == "moved up" and answer.json()["_revision"] == last["_revision"] + 1
    assert [r["id"] for r in sim.get(f"{SECTIONS}/{section['id']}/rules").json()["results"]][0] == last["id"]
    assert sim.get(f"{SECTIONS}/{section['id']}").json()["_revision"] == section["_revision"] + 1
    # Stale body, an anchor in another section, itself as anchor.
    assert_nsx_error(sim.post(path, params={"action": "revise", "operation": "insert_bottom"}, json=last), 409, 207)
    fresh = sim.get(path).json()
    other = sim.get(f"{SECTIONS}/{admin_sections(sim)[1]['id']}/rules").json()["results"][0]
    assert_nsx_error(sim.post(path, params={"action": "revise", "operation": "insert_after", "id": other["id"]}, json=fresh), 404, 202)
    assert_nsx_error(sim.post(path, params={"action": "revise", "operation": "insert_after", "id": last["id"]}, json=fresh), 400)
    assert sim.post(path, params={"action": "revise", "operation": "insert_bottom"}, json=fresh).status_code == 200
    assert [r["id"] for r in sim.get(f"{SECTIONS}/{section['id']}/rules").json()["results"]][-1] == last["id"]


def test_rule_out_of_a_protected_section_needs_the_override(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    planted = sim.generated["blockers"]["user_rule"]
    path = f"{SECTIONS}/{planted['section_id']}/rules/{planted['rule_id']}"
    rule = sim.get(path).json()
    assert rule["_protection"] == "NOT_PROTECTED"
    count = sim.get(f"{SECTIONS}/{planted['section_id']}").json()["rule_count"]
    assert_nsx_error(sim.request("DELETE", path), 400, 289)
    assert sim.request("DELETE", path, headers={"X-Allow-Overwrite": "true"}).status_code == 200
    assert sim.get(path).status_code == 404
    assert sim.get(f"{SECTIONS}/{planted['section_id']}").json()["rule_count"] == count - 1


def test_rule_created_at_a_position_in_an_admin_section(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    section = admin_sections(sim)[0]
    answer = sim.post(f"{SECTIONS}/{section['id']}/rules", params={"operation": "insert_top"}, json={"display_name": "copied", "action": "DROP"})
    assert answer.status_code == 201
    rules = sim.get(f"{SECTIONS}/{section['id']}/rules").json()["results"]
    assert rules[0]["id"] == answer.json()["id"] and rules[0]["_create_user"] == sim.username
