"""NSX simulator: Policy security policies and rules (published Policy API) and the effective firewall order."""

from tests.lab.nsxsim.testing import assert_nsx_error

from .test_nsxsim_migration import _migrate

POLICIES = "/policy/api/v1/infra/domains/default/security-policies"
SECTIONS = "/api/v1/firewall/sections"


def effective(sim):
    return sim.admin.call("GET", "/firewall")["order"]


def put_policy(sim, policy_id, category, rules=(), **extra):
    body = dict({"display_name": policy_id, "category": category, "rules": list(rules)}, **extra)
    answer = sim.patch(f"{POLICIES}/{policy_id}", json=body)
    assert answer.status_code == 200, answer.text
    return sim.get(f"{POLICIES}/{policy_id}").json()


def test_categories_outrank_each_other_and_every_mp_section(nsxsim):
    put_policy(nsxsim, "app", "Application", [{"id": "a1", "action": "ALLOW"}])
    put_policy(nsxsim, "env", "Environment", [{"id": "e1", "action": "DROP", "source_groups": ["10.0.0.0/8", "192.0.2.1-192.0.2.9"]}])
    put_policy(nsxsim, "emg", "Emergency", [{"id": "x1", "action": "REJECT"}, {"id": "x2", "action": "DROP", "sequence_number": 0}])
    order = effective(nsxsim)
    policy = [e for e in order if e["layer"] == "policy"]
    assert [e["rule"].rsplit("/", 1)[-1] for e in policy] == ["x2", "x1", "e1", "a1"]
    assert [e["category"] for e in policy] == ["Emergency", "Emergency", "Environment", "Application"]
    mp = [e for e in order if e["layer"] == "mp"]
    assert mp and order[len(policy) :] == mp
    sections = [s["id"] for s in nsxsim.get(SECTIONS).json()["results"]]
    assert [e["container"] for e in mp] == [s for s in sections for e in mp if e["container"] == s][: len(mp)]


def test_published_validation(nsxsim):
    assert_nsx_error(nsxsim.patch(f"{POLICIES}/bad", json={"category": "Top"}), 400)
    assert_nsx_error(nsxsim.patch(f"{POLICIES}/bad", json={"category": "Application", "sequence_number": -1}), 400)
    put_policy(nsxsim, "p", "Environment")
    for rule in (
        {"source_groups": ["ANY", "10.0.0.1"]},
        {"destination_groups": ["/infra/domains/default/groups/none"]},
        {"services": ["10.0.0.1"]},
        {"action": "PERMIT"},
    ):
        assert_nsx_error(nsxsim.patch(f"{POLICIES}/p/rules/r", json=rule), 400)
    assert nsxsim.patch(f"{POLICIES}/p/rules/r", json={"source_groups": ["2001:db8::/64"], "destination_groups": ["ANY"]}).status_code == 200
    assert_nsx_error(nsxsim.patch(f"{POLICIES}/none/rules/r", json={}), 404)


def test_revise_moves_a_policy_within_its_category(nsxsim):
    for name in ("a", "b", "c"):
        put_policy(nsxsim, name, "Application", [{"id": name + "1"}])
    answer = nsxsim.post(f"{POLICIES}/c", params={"action": "revise", "operation": "insert_top"}, json={})
    assert answer.status_code == 200 and answer.json()["sequence_number"] == 10
    answer = nsxsim.post(f"{POLICIES}/a", params={"action": "revise", "operation": "insert_after", "anchor_path": f"{POLICIES[14:]}/b"}, json={})
    assert answer.status_code == 200, answer.text
    assert [e["container"].rsplit("/", 1)[-1] for e in effective(nsxsim) if e["layer"] == "policy"] == ["c", "b", "a"]
    answer = nsxsim.post(f"{POLICIES}/a", params={"action": "revise", "operation": "insert_bottom"}, json={"category": "Environment"})
    assert answer.status_code == 200 and effective(nsxsim)[0]["container"].endswith("/a")


def test_an_import_lands_at_the_top_of_application_and_is_snapshotted(nsxsim):
    put_policy(nsxsim, "admin-app", "Application", [{"id": "r"}])
    put_policy(nsxsim, "admin-env", "Environment", [{"id": "r"}])
    sections = nsxsim.get(SECTIONS).json()["results"]
    ncp = [s for s in sections if s["display_name"].startswith("k8s-01-np-") and s["rule_count"]][:2]
    status = _migrate(nsxsim, "DFW_SECTION", [s["id"] for s in ncp])
    assert status["overall_migration_status"] == "SUCCESS"
    order = effective(nsxsim)
    containers = []
    for entry in order:
        if entry["container"] not in containers:
            containers.append(entry["container"])
    assert containers[0].endswith("/admin-env")
    assert [c.rsplit("/", 1)[-1] for c in containers[1:3]] == [s["id"] for s in ncp]
    assert containers[3].endswith("/admin-app")
    promoted = [e for e in order if e["cluster"] == "k8s-01" and e["layer"] == "policy"]
    assert promoted and all(e["mp_rule"] for e in promoted)
    # The promoted MP sections are enforced as Policy only.
    assert not [e for e in order if e["layer"] == "mp" and e["container"] in {s["id"] for s in ncp}]
    snapshots = nsxsim.admin.call("GET", "/firewall/snapshots")["snapshots"]
    assert [s["event"] for s in snapshots] == ["migration succeeded"] and snapshots[0]["order"] == order


def test_where_an_import_lands_is_a_setting(nsxsim):
    nsxsim.admin.update_settings(imported_dfw_category="Environment", imported_dfw_position="bottom")
    put_policy(nsxsim, "admin-env", "Environment", [{"id": "r"}])
    section = next(s for s in nsxsim.get(SECTIONS).json()["results"] if s["display_name"].startswith("k8s-01-np-") and s["rule_count"])
    assert _migrate(nsxsim, "DFW_SECTION", [section["id"]])["overall_migration_status"] == "SUCCESS"
    policy = [e for e in effective(nsxsim) if e["layer"] == "policy"]
    assert policy[0]["container"].endswith("/admin-env")
    assert {e["category"] for e in policy} == {"Environment"} and policy[-1]["cluster"] == "k8s-01"
