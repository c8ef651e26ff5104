"""nsx_dfw_order against the NSX simulator: classification, top copies before the imports, bottom copies after, the
translation of rule objects, check mode, idempotence, and the effective order the simulator then enforces."""

from tests.lab.test_nsxsim_migration import _migrate
from tests.unit.module_runner import run_module

SPEC = "clusters=2,sections=6,rules=30,virtual_servers=2"
SECTIONS = "/api/v1/firewall/sections"


def connection(sim, **extra):
    args = {"nsx_manager": sim.url, "nsx_username": sim.username, "nsx_password": sim.password, "retries": 0, "request_timeout": 10}
    args.update(extra)
    return args


def dfw_order(sim, check_mode=False, diff=False, **extra):
    extra.setdefault("clusters", [c["name"] for c in sim.generated["clusters"]])
    return run_module("nsx_dfw_order", connection(sim, **extra), check_mode=check_mode, diff=diff)


def effective(sim):
    return sim.admin.call("GET", "/firewall")["order"]


def import_cluster(sim, cluster):
    ids = [s["id"] for s in sim.get(SECTIONS).json()["results"] if {"scope": "ncp/cluster", "tag": cluster} in s["tags"]]
    assert _migrate(sim, "DFW_SECTION", ids)["overall_migration_status"] == "SUCCESS"


def first_index(order, rule_id):
    """Where the first enforced copy of MP rule ``rule_id`` is (the MP original or a Policy copy)."""
    return min(i for i, e in enumerate(order) if e["mp_rule"] == rule_id or e["tags"].get("ncp-mp-to-policy/mp-rule") == rule_id)


def admin_rules(sim, names):
    sections = [s for s in sim.get(SECTIONS).json()["results"] if s["display_name"] in names]
    return [r["id"] for s in sections for r in sim.get("%s/%s/rules" % (SECTIONS, s["id"])).json()["results"]]


TOP = ["admin-above-0", "admin-above-1", "ncp-top-marker"]
BOTTOM = ["ncp-bottom-marker", "admin-below-0", "admin-below-1"]


def test_classification_without_and_with_markers(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    planned = dfw_order(sim)
    assert not planned.failed, planned.get("msg")
    cases = [(s["display_name"], s["case"]) for s in planned["sections"]]
    assert cases == [(n, "top") for n in TOP] + [(n, "bottom") for n in BOTTOM]
    assert planned["changed"] is False and planned["applied"] == [] and planned["blockers"] == []
    assert planned["order"] == {"top_in_place": False, "bottom_in_place": False, "violations": []}
    markers = sim.generated["markers"]
    planned = dfw_order(sim, firewall_markers={"top": markers["top"], "bottom": markers["bottom"]})
    assert [(s["display_name"], s["case"]) for s in planned["sections"]] == cases


def test_top_copies_keep_the_order_through_the_imports_and_bottom_ones_after(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    top, bottom = admin_rules(sim, TOP), admin_rules(sim, BOTTOM)
    dry = dfw_order(sim, state="top", check_mode=True, diff=True)
    assert dry["changed"] is True and len(dry["plan"]) == 3 and dry["applied"] == []
    assert sim.get("/policy/api/v1/infra/domains/default/security-policies").json()["result_count"] == 0
    assert "<- written" in dry["diff"]["after"]
    applied = dfw_order(sim, state="top")
    assert not applied.failed, applied.get("msg")
    assert applied["changed"] is True and applied["order"]["top_in_place"] is True
    assert dfw_order(sim, state="top")["changed"] is False
    for cluster in ("k8s-01", "k8s-02"):
        import_cluster(sim, cluster)
        order = effective(sim)
        ncp = [i for i, e in enumerate(order) if e["cluster"]]
        assert ncp and all(first_index(order, r) < min(ncp) for r in top)
    # Before the bottom copies, the bottom rules are MP (after every Policy rule); then Policy, still after NCP's.
    applied = dfw_order(sim, state="bottom")
    assert not applied.failed, applied.get("msg")
    order = effective(sim)
    ncp = [i for i, e in enumerate(order) if e["cluster"]]
    assert all(first_index(order, r) > max(ncp) for r in bottom)
    assert all(order[first_index(order, r)]["layer"] == "policy" for r in bottom + top)
    assert applied["order"]["violations"] == [] and applied["order"]["bottom_in_place"] is True


def test_rule_objects_are_translated_or_named_as_blockers(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    section = next(s for s in sim.get(SECTIONS).json()["results"] if s["display_name"] == "admin-above-0")
    rule = {
        "display_name": "deny-cidr",
        "action": "DROP",
        "sources": [{"target_type": "IPv4Address", "target_id": "10.1.0.0/16"}, {"target_type": "IPv4Address", "target_id": "192.0.2.1-192.0.2.5"}],
        "destinations": [{"target_type": "NSGroup", "target_id": "mp-group-1", "target_display_name": "web"}],
        "services": [{"service": {"resource_type": "L4PortSetNSService", "l4_protocol": "TCP", "destination_ports": ["443"]}}],
    }
    assert sim.post("%s/%s/rules" % (SECTIONS, section["id"]), json=rule).status_code == 201
    refused = dfw_order(sim, state="top")
    assert refused.failed and "mp-group-1" in refused["msg"]
    assert [(b["check"], b["object_id"]) for b in refused["blockers"]] == [("dfw_order_untranslatable", "mp-group-1")]
    assert sim.get("/policy/api/v1/infra/domains/default/security-policies").json()["result_count"] == 0
    assert sim.patch("/policy/api/v1/infra/domains/default/groups/web", json={"display_name": "web"}).status_code == 200
    applied = dfw_order(sim, state="top", policy_counterparts={"mp-group-1": "/infra/domains/default/groups/web"})
    assert not applied.failed, applied.get("msg")
    copy = next(r for e in applied["applied"] for r in e["rules"] if r["display_name"] == "deny-cidr")
    assert copy["source_groups"] == ["10.1.0.0/16", "192.0.2.1-192.0.2.5"]
    assert copy["destination_groups"] == ["/infra/domains/default/groups/web"]
    assert copy["service_entries"][0]["destination_ports"] == ["443"] and "services" not in copy


IMPORTER = "import pathlib, sys\npathlib.Path(sys.argv[0]).with_name('ran').write_text('yes')\n"


def test_the_import_gate_refuses_while_the_top_rules_are_not_in_policy(nsxsim_factory, tmp_path):
    """Invariant 10's guard in nsx_mp_import: no importer run (and no journaled attempt) before the top copies exist."""
    sim = nsxsim_factory(generate=SPEC)
    importer = tmp_path / "mp_to_policy_importer.py"
    importer.write_text(IMPORTER)
    scope = {"clusters": ["k8s-01", "k8s-02"]}
    args = connection(sim, scope="cluster", cluster="k8s-01", importer_path=str(importer), state_dir=str(tmp_path / "state"), host_id="m1", timeout=30)
    refused = run_module("nsx_mp_import", dict(args, require_dfw_top_rules=scope))
    assert refused.failed and "not started" in refused["msg"]
    assert {b["check"] for b in refused["blocked_by"]} == {"dfw_order_top_rules_in_policy"}
    assert sorted(b["display_name"] for b in refused["blocked_by"]) == sorted(TOP)
    assert not (tmp_path / "ran").exists() and not (tmp_path / "state" / "k8s-01" / "state.json").exists()
    assert not dfw_order(sim, state="top").failed
    allowed = run_module("nsx_mp_import", dict(args, require_dfw_top_rules=scope))
    assert allowed["blocked_by"] == [] and (tmp_path / "ran").exists()


def test_mp_originals_are_retired_only_on_request_and_only_when_every_copy_is_in_place(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    count = len(sim.get(SECTIONS).json()["results"])
    refused = dfw_order(sim, state="retired")
    assert refused.failed and "not in place" in refused["msg"] and len(sim.get(SECTIONS).json()["results"]) == count
    assert not dfw_order(sim, state="top").failed
    for cluster in ("k8s-01", "k8s-02"):
        import_cluster(sim, cluster)
    assert not dfw_order(sim, state="bottom").failed
    dry = dfw_order(sim, state="retired", check_mode=True)
    assert dry["changed"] is True and len(dry["plan"]) == 6 and len(sim.get(SECTIONS).json()["results"]) == count
    done = dfw_order(sim, state="retired")
    assert not done.failed, done.get("msg")
    left = [s["display_name"] for s in sim.get(SECTIONS).json()["results"]]
    assert len(left) == count - 6 and not set(TOP + BOTTOM) & set(left)


def test_the_import_gate_checks_the_first_importer_run_of_shared_then_cluster(nsxsim_factory, tmp_path):
    """The DFW order is judged once per module run, before its first importer run: shared_then_cluster refuses before
    the shared run (nothing runs, nothing is journaled), and runs both once the top copies exist."""
    sim = nsxsim_factory(generate=SPEC)
    importer = tmp_path / "mp_to_policy_importer.py"
    importer.write_text(IMPORTER)
    scope = {"clusters": ["k8s-01", "k8s-02"]}
    args = connection(
        sim, scope="shared_then_cluster", cluster="k8s-01", importer_path=str(importer), state_dir=str(tmp_path / "state"), host_id="m1", timeout=30
    )
    refused = run_module("nsx_mp_import", dict(args, require_dfw_top_rules=scope))
    assert refused.failed and "the shared import of cluster k8s-01 was not started" in refused["msg"]
    assert not (tmp_path / "ran").exists() and not (tmp_path / "state" / "k8s-01" / "state.json").exists()
    assert not dfw_order(sim, state="top").failed
    allowed = run_module("nsx_mp_import", dict(args, require_dfw_top_rules=scope))
    assert not allowed.failed, allowed.get("msg")
    assert [s["scope"] for s in allowed["scopes"]] == ["shared", "cluster"] and (tmp_path / "ran").exists()
