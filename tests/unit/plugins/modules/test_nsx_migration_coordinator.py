"""nsx_migration_coordinator and nsx_promotion_status against the NSX simulator."""

from tests.unit.module_runner import run_module

SPEC = "clusters=2,sections=4,rules=10,virtual_servers=2"


def connection(sim, **extra):
    args = {"nsx_manager": sim.url, "nsx_username": sim.username, "nsx_password": sim.password, "retries": 0, "request_timeout": 10}
    args.update(extra)
    return args


def coordinator(sim, check_mode=False, **extra):
    return run_module("nsx_migration_coordinator", connection(sim, **extra), check_mode=check_mode, diff=True)


def test_stopped_coordinator_is_started_and_waited_for(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC, settings={"coordinator_start_seconds": 0.3})
    sim.admin.coordinator(running=False)
    status = coordinator(sim)
    assert not status.failed and status["changed"] is False and status["running"] is False and status["runtime_state"] == "stopped"
    checked = coordinator(sim, check_mode=True, state="started")
    assert checked["changed"] is True and checked["runtime_state"] == "stopped" and sim.admin.count("POST", "/api/v1/node/services/migration-coordinator") == 0
    started = coordinator(sim, state="started", poll_interval=0.1, timeout=10)
    assert not started.failed, started.get("msg")
    assert started["changed"] is True and started["running"] is True and started["previous_state"] == "stopped"
    assert started["waited"] > 0 and started["diff"] == {"before": {"runtime_state": "stopped"}, "after": {"runtime_state": "running"}}
    again = coordinator(sim, state="started")
    assert again["changed"] is False and again["running"] is True
    assert sim.admin.count("POST", "/api/v1/node/services/migration-coordinator") == 1


def test_start_times_out_with_a_clear_message(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC, settings={"coordinator_start_seconds": 30})
    sim.admin.coordinator(running=False)
    result = coordinator(sim, state="started", poll_interval=0.1, timeout=1)
    assert result.failed and "timeout" in result["msg"] and result["runtime_state"] == "stopped"


def test_stop(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    result = coordinator(sim, state="stopped", poll_interval=0.1)
    assert result["changed"] is True and result["running"] is False


def test_nsx_error_is_reported(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    sim.admin.add_fault(type="status", status=500, path="/api/v1/node/services/migration-coordinator/status", count=1)
    result = coordinator(sim)
    assert result.failed and result["status"] == 500 and result["path"].endswith("/status")


def test_promotion_status_before_any_import(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    result = run_module("nsx_promotion_status", connection(sim, clusters=["k8s-01", "k8s-02"]))
    assert not result.failed, result.get("msg")
    assert result["complete"] is False
    assert [entry["name"] for entry in result["clusters"]] == ["k8s-01", "k8s-02"]
    for entry in result["clusters"]:
        assert entry["tagged"] > 0 and entry["unpromoted"] == entry["tagged"]
        assert len(entry["unpromoted_objects"]) == min(entry["tagged"], 20)
    assert {s["type"] for s in result["shared"]} == {"LogicalRouter", "IpBlock", "IpPool"}
    assert [s["policy_id"] for s in result["shared"]] == [None] * len(result["shared"])


def test_started_coordinator_satisfies_the_preflight(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    sim.admin.coordinator(running=False)
    args = connection(sim, clusters=["k8s-01", "k8s-02"], fail_on="never", max_requests_per_second=0)
    before = run_module("nsx_preflight", args)
    assert [f["check"] for f in before["findings"]] == ["migration_coordinator_running"]
    assert coordinator(sim, state="started", poll_interval=0.1)["running"] is True
    after = run_module("nsx_preflight", args)
    assert after["findings"] == [] and after["passed"] is True
