"""NSX simulator: the migration coordinator's MP-to-Policy promotion, as NEUTRON-TOOL / SAP-AGENT drive it."""

import time

from tests.lab.nsxsim.testing import assert_nsx_error

MIGRATION = "/api/v1/migration"


def _status(sim):
    return sim.get(f"{MIGRATION}/status-summary", params={"component_type": "MP_TO_POLICY_MIGRATION"}).json()


def _wait(sim, states, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _status(sim)
        if status["overall_migration_status"] in states:
            return status
        time.sleep(0.01)
    raise AssertionError(f"status never reached {states}: {status}")


def _submit(sim, kind, ids, **extra):
    entries = [dict({"manager_id": i}, **extra) for i in ids]
    return sim.post(f"{MIGRATION}/mp-to-policy", json={"migration_data": [{"type": kind, "resource_ids": entries}], "mode": "CONSUMER"})


def _migrate(sim, kind, ids, **extra):
    """Submit, start, wait for PAUSED, continue, wait for the end; returns the last status summary."""
    assert _submit(sim, kind, ids, **extra).status_code == 200
    assert sim.post(f"{MIGRATION}/plan", params={"action": "start"}).status_code == 200
    status = _wait(sim, ("PAUSED", "SUCCESS", "FAILED"))
    if status["component_status"][0]["status"] == "FAILED":
        return status
    assert sim.post(f"{MIGRATION}/plan", params={"action": "continue"}).status_code == 200
    return _wait(sim, ("SUCCESS", "FAILED"))


def _t0(sim):
    return sim.get("/api/v1/logical-routers", params={"router_type": "TIER0"}).json()["results"][0]


def test_service_status_start_stop(nsxsim):
    status = nsxsim.get("/api/v1/node/services/migration-coordinator/status").json()
    assert status["runtime_state"] == "running"
    nsxsim.post("/api/v1/node/services/migration-coordinator", params={"action": "stop"})
    assert nsxsim.get("/api/v1/node/services/migration-coordinator/status").json()["runtime_state"] == "stopped"
    assert_nsx_error(nsxsim.get(f"{MIGRATION}/status-summary"), 500)
    assert_nsx_error(nsxsim.get(f"{MIGRATION}/mp-to-policy/stats", params={"pre_promotion": "false"}), 500)
    assert_nsx_error(_submit(nsxsim, "TIER0", ["x"]), 500)
    nsxsim.post("/api/v1/node/services/migration-coordinator", params={"action": "start"})
    assert _status(nsxsim)["overall_migration_status"] == "NOT_STARTED"


def test_promote_tier0_with_requested_policy_id(nsxsim):
    t0 = _t0(nsxsim)
    assert nsxsim.post(f"{MIGRATION}/mp-to-policy/workflow", params={"action": "INITIATE"}).status_code == 200
    assert nsxsim.get(f"{MIGRATION}/mp-policy-promotion/state").json() == {"mp_policy_promotion": "PROMOTION_IN_PROGRESS"}
    assert _submit(nsxsim, "TIER0", [t0["id"]], policy_id="my-t0").status_code == 200
    assert nsxsim.post(f"{MIGRATION}/plan", params={"action": "start"}).status_code == 200
    paused = _wait(nsxsim, ("PAUSED",))
    assert [c["status"] for c in paused["component_status"]] == ["SUCCESS", "NOT_STARTED"]
    assert set(paused["component_status"][0]) >= {"component_type", "status", "percent_complete", "details", "can_skip"}
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "continue"})
    assert _wait(nsxsim, ("SUCCESS", "FAILED"))["overall_migration_status"] == "SUCCESS"
    policy = nsxsim.get("/policy/api/v1/infra/tier-0s/my-t0").json()
    assert policy["path"] == "/infra/tier-0s/my-t0" and policy["resource_type"] == "Tier0"
    tags = nsxsim.get(f"/api/v1/logical-routers/{t0['id']}").json()["tags"]
    assert {"scope": "policyPath", "tag": "/infra/tier-0s/my-t0"} in tags
    realized = nsxsim.get("/policy/api/v1/infra/realized-state/status", params={"intent_path": "/infra/tier-0s/my-t0"}).json()
    assert realized["consolidated_status"]["consolidated_status"] == "SUCCESS"
    nsxsim.post(f"{MIGRATION}/mp-to-policy/workflow", params={"action": "DONE"})
    assert nsxsim.get(f"{MIGRATION}/mp-policy-promotion/state").json()["mp_policy_promotion"] == "PROMOTION_NOT_IN_PROGRESS"
    stats = nsxsim.get(f"{MIGRATION}/mp-to-policy/stats", params={"pre_promotion": "false"}).json()["migration_stats"]
    tier0 = next(s for s in stats if s["resource_type"] == "TIER0")
    assert tier0["promoted_objects_count"] == 1 and tier0["failed_objects_count"] == 0


def test_shared_policy_id_rule_is_a_setting(nsxsim):
    t0 = _t0(nsxsim)
    assert _migrate(nsxsim, "TIER0", [t0["id"]])["overall_migration_status"] == "SUCCESS"
    assert nsxsim.get("/policy/api/v1/infra/tier-0s/t0-shared").status_code == 200
    nsxsim.admin.update_settings(shared_policy_id_rule="mp_id")
    block = nsxsim.get("/api/v1/pools/ip-blocks").json()["results"][0]
    assert _migrate(nsxsim, "IP_BLOCK", [block["id"]])["overall_migration_status"] == "SUCCESS"
    assert nsxsim.get(f"/policy/api/v1/infra/ip-blocks/{block['id']}").status_code == 200


def test_duplicate_is_reported_by_precheck(nsxsim):
    t0 = _t0(nsxsim)
    assert _migrate(nsxsim, "TIER0", [t0["id"]])["overall_migration_status"] == "SUCCESS"
    status = _migrate(nsxsim, "TIER0", [t0["id"]])
    precheck = status["component_status"][0]
    assert precheck["status"] == "FAILED"
    assert "is duplicate or already migrated" in precheck["details"] and t0["id"] in precheck["details"]
    # A failed plan must be aborted before the next submission.
    assert_nsx_error(_submit(nsxsim, "TIER0", [t0["id"]]), 400, 30722)
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "abort"})
    assert _status(nsxsim)["overall_migration_status"] == "NOT_STARTED"


def test_second_migration_while_one_runs_is_busy(nsxsim):
    nsxsim.admin.update_settings(migration_step_seconds=0.3)
    t0 = _t0(nsxsim)
    _submit(nsxsim, "TIER0", [t0["id"]])
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "start"})
    assert nsxsim.get(f"{MIGRATION}/mp-policy-promotion/state").json()["mp_policy_promotion"] == "PROMOTION_IN_PROGRESS"
    body = assert_nsx_error(_submit(nsxsim, "TIER0", [t0["id"]]), 400, 30722)
    assert body["module_name"] == "migration-coordinator"
    assert body["error_message"] == "Migration coordinator backend is busy. Please try again after some time."
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "abort"})


def test_busy_fault(nsxsim):
    nsxsim.admin.coordinator(busy=True)
    assert_nsx_error(_submit(nsxsim, "TIER0", [_t0(nsxsim)["id"]]), 400, 30722)


def test_failing_resource_type_feedback(nsxsim):
    nsxsim.admin.add_fault(type="migration_failure", resource_type="TIER1", message="boom")
    t1s = [t["id"] for t in nsxsim.get("/api/v1/logical-routers", params={"router_type": "TIER1"}).json()["results"]]
    status = _migrate(nsxsim, "TIER1", t1s)
    assert status["overall_migration_status"] == "FAILED"
    assert status["component_status"][1]["status"] == "FAILED"
    feedback = nsxsim.get(f"{MIGRATION}/mp-to-policy/feedback").json()["results"]
    assert {f["mp_id"] for f in feedback} == set(t1s)
    assert feedback[0]["error_list"][0]["error_desc"] == "boom" and feedback[0]["type"] == "TIER1"
    assert nsxsim.get("/policy/api/v1/infra/tier-1s").json()["result_count"] == 0


def test_parent_must_be_migrated_first(nsxsim):
    port = nsxsim.get("/api/v1/logical-ports").json()["results"][0]
    status = _migrate(nsxsim, "LOGICAL_PORT", [port["id"]])
    assert status["component_status"][0]["status"] == "FAILED"
    assert "not migrated" in status["component_status"][0]["details"]


def test_unknown_type_and_malformed_submission(nsxsim):
    assert_nsx_error(_submit(nsxsim, "NOT_A_TYPE", ["x"]), 400)
    assert_nsx_error(nsxsim.post(f"{MIGRATION}/mp-to-policy", json={"migration_data": []}), 400)
    assert_nsx_error(nsxsim.post(f"{MIGRATION}/plan", params={"action": "explode"}), 400)
    assert_nsx_error(nsxsim.post(f"{MIGRATION}/plan", params={"action": "start"}), 400)


def test_dfw_section_promotion_and_rollback(nsxsim):
    sections = nsxsim.get("/api/v1/firewall/sections").json()["results"]
    section = next(s for s in sections if s["display_name"].startswith("k8s-01-np-") and s["rule_count"])
    rules = nsxsim.get(f"/api/v1/firewall/sections/{section['id']}/rules").json()["results"]
    links = [{"key": rules[0]["id"], "value": "1"}, {"key": f"{rules[0]['id']}-policyid", "value": "first-rule"}]
    status = _migrate(nsxsim, "DFW_SECTION", [section["id"]], policy_id="sp1", linked_ids=links)
    assert status["overall_migration_status"] == "SUCCESS"
    policy_rules = nsxsim.get("/policy/api/v1/infra/domains/default/security-policies/sp1/rules").json()
    assert policy_rules["result_count"] == len(rules)
    assert nsxsim.get("/policy/api/v1/infra/domains/default/security-policies/sp1/rules/first-rule").status_code == 200
    data = {"migration_data": [{"type": "DFW_SECTION", "resource_ids": [{"manager_id": section["id"]}]}]}
    assert nsxsim.post(f"{MIGRATION}/mp-to-policy/rollback", json=data).status_code == 200
    assert nsxsim.get("/policy/api/v1/infra/domains/default/security-policies").json()["result_count"] == 0
    tags = nsxsim.get(f"/api/v1/firewall/sections/{section['id']}").json()["tags"]
    assert not [t for t in tags if t["scope"] == "policyPath"]
    rule_tags = nsxsim.get(f"/api/v1/firewall/sections/{section['id']}/rules/{rules[0]['id']}").json()["tags"]
    assert not [t for t in rule_tags if t["scope"] == "policyPath"]


def test_rollback_failure_fault(nsxsim):
    t0 = _t0(nsxsim)
    assert _migrate(nsxsim, "TIER0", [t0["id"]])["overall_migration_status"] == "SUCCESS"
    nsxsim.admin.add_fault(type="rollback_failure", count=1)
    data = {"migration_data": [{"type": "TIER0", "resource_ids": [{"manager_id": t0["id"]}]}]}
    assert_nsx_error(nsxsim.post(f"{MIGRATION}/mp-to-policy/rollback", json=data), 500)
    assert nsxsim.get("/policy/api/v1/infra/tier-0s").json()["result_count"] == 1
    assert nsxsim.post(f"{MIGRATION}/mp-to-policy/rollback", json=data).status_code == 200
    assert nsxsim.get("/policy/api/v1/infra/tier-0s").json()["result_count"] == 0


def test_pause_and_continue(nsxsim):
    nsxsim.admin.update_settings(migration_step_seconds=0.05)
    t0 = _t0(nsxsim)
    blocks = [b["id"] for b in nsxsim.get("/api/v1/pools/ip-blocks").json()["results"]]
    body = {
        "migration_data": [{"type": "TIER0", "resource_ids": [{"manager_id": t0["id"]}]}, {"type": "IP_BLOCK", "resource_ids": [{"manager_id": blocks[0]}]}],
        "mode": "CONSUMER",
    }
    nsxsim.post(f"{MIGRATION}/mp-to-policy", json=body)
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "start"})
    _wait(nsxsim, ("PAUSED",))
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "continue"})
    assert nsxsim.post(f"{MIGRATION}/plan", params={"action": "pause"}).status_code == 200
    assert _status(nsxsim)["overall_migration_status"] in ("PAUSING", "PAUSED")
    _wait(nsxsim, ("PAUSED",))
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "continue"})
    assert _wait(nsxsim, ("SUCCESS",))["component_status"][1]["percent_complete"] == 100.0


def test_lb_virtual_server_over_255_rules_fails(nsxsim_factory):
    sim = nsxsim_factory(generate="clusters=1,virtual_servers=1,blockers=big_vs")
    big = sim.generated["blockers"]["big_vs"]
    assert len(sim.get(f"/api/v1/loadbalancer/virtual-servers/{big}").json()["rule_ids"]) == 300
    status = _migrate(sim, "LB_VIRTUAL_SERVER", [big])
    assert status["overall_migration_status"] == "FAILED"
    assert "255" in sim.get(f"{MIGRATION}/mp-to-policy/feedback").json()["results"][0]["error_list"][0]["error_desc"]


def test_duplicate_shared_display_names_collide(nsxsim_factory):
    sim = nsxsim_factory(generate="clusters=1,blockers=duplicate_names")
    t0s = [t["id"] for t in sim.get("/api/v1/logical-routers", params={"router_type": "TIER0"}).json()["results"]]
    assert len(t0s) == 2
    status = _migrate(sim, "TIER0", t0s)
    assert status["overall_migration_status"] == "FAILED"
    assert "already exists" in sim.get(f"{MIGRATION}/mp-to-policy/feedback").json()["results"][0]["error_list"][0]["error_desc"]
