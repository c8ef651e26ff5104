"""NSX simulator: injected faults (latency, 429/503/500 bursts, dropped connections), API limits, counters."""

import concurrent.futures
import os
import time

import pytest
import requests

from tests.lab.nsxsim.testing import assert_nsx_error

SCENARIOS = os.path.join(os.path.dirname(__file__), "scenarios")


def test_status_bursts_then_recovery(nsxsim):
    nsxsim.admin.add_fault(type="status", status=429, count=2, path="/api/v1/logical-routers")
    nsxsim.admin.add_fault(type="status", status=503, count=1, path="/api/v1/logical-switches", method="GET")
    nsxsim.admin.add_fault(type="status", status=500, count=1, path="/api/v1/logical-*")
    assert_nsx_error(nsxsim.get("/api/v1/logical-routers"), 429)
    assert_nsx_error(nsxsim.get("/api/v1/logical-routers"), 429)
    # The 500 burst matches the next logical-* request.
    assert_nsx_error(nsxsim.get("/api/v1/logical-routers"), 500, 607)
    assert nsxsim.get("/api/v1/logical-routers").status_code == 200
    assert_nsx_error(nsxsim.get("/api/v1/logical-switches"), 503)
    assert nsxsim.get("/api/v1/logical-switches").status_code == 200
    assert nsxsim.admin.faults()["request_faults"] == []


def test_latency(nsxsim):
    nsxsim.admin.add_fault(type="latency", seconds=0.3, path="/api/v1/node/version")
    start = time.monotonic()
    assert nsxsim.get("/api/v1/node/version").status_code == 200
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    nsxsim.get("/api/v1/cluster/api-virtual-ip")
    assert time.monotonic() - start < 0.3
    nsxsim.admin.clear_faults()


def test_dropped_connection(nsxsim):
    nsxsim.admin.add_fault(type="drop", count=1, path="/api/v1/node/version")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(nsxsim.url + "/api/v1/node/version", auth=nsxsim.auth, verify=nsxsim.verify, timeout=5)
    assert nsxsim.get("/api/v1/node/version").status_code == 200


def test_rate_limit(nsxsim):
    nsxsim.admin.update_settings(rate_limit_enabled=True, rate_limit=5)
    codes = [nsxsim.get("/api/v1/node/version").status_code for _number in range(8)]
    assert codes[:5] == [200] * 5 and 429 in codes[5:]
    time.sleep(1.05)
    assert nsxsim.get("/api/v1/node/version").status_code == 200


def test_concurrency_limit(nsxsim):
    nsxsim.admin.update_settings(concurrency_limit_enabled=True, concurrency_limit=2)
    nsxsim.admin.add_fault(type="latency", seconds=0.4, path="/api/v1/node/version")

    def call(_number):
        return requests.get(nsxsim.url + "/api/v1/node/version", auth=nsxsim.auth, verify=nsxsim.verify, timeout=10)

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(call, range(6)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) >= 2 and 503 in codes
    assert_nsx_error(next(r for r in responses if r.status_code == 503), 503)


def test_request_counters(nsxsim):
    nsxsim.admin.reset_counters()
    for _number in range(3):
        nsxsim.get("/api/v1/node/version")
    nsxsim.get("/api/v1/firewall/sections", params={"page_size": 5})
    counters = nsxsim.admin.counters()
    assert counters["by_path"] == {"GET /api/v1/node/version": 3, "GET /api/v1/firewall/sections": 1}
    assert counters["total"] == 4
    assert nsxsim.admin.count("GET", "/api/v1/node/version") == 3


def test_coordinator_stopped_by_scenario_and_lab(nsxsim_factory):
    sim = nsxsim_factory(scenario={"coordinator": {"running": False}})
    assert_nsx_error(sim.get("/api/v1/migration/status-summary"), 500)
    sim.admin.coordinator(running=True)
    assert sim.get("/api/v1/migration/status-summary").status_code == 200


def test_fault_scenario_file(nsxsim_factory):
    sim = nsxsim_factory(scenario=os.path.join(SCENARIOS, "nsx_faults.yml"))
    assert_nsx_error(sim.get("/api/v1/logical-routers"), 429)
    assert_nsx_error(sim.get("/api/v1/logical-switches"), 503)
    assert_nsx_error(sim.get("/api/v1/logical-ports"), 500, 607)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(sim.url + "/api/v1/ns-groups", auth=sim.auth, verify=sim.verify, timeout=5)
    assert sim.get("/api/v1/ns-groups").status_code == 200
    start = time.monotonic()
    sim.get("/api/v1/firewall/sections")
    assert time.monotonic() - start >= 0.05
    assert sim.admin.faults()["migration_failures"] == {"DFW_SECTION": "simulated DFW promotion failure"}
    assert sim.admin.settings()["rate_limit_enabled"] is True


def test_bad_lab_requests(nsxsim):
    response = requests.post(nsxsim.url + "/_lab/faults", json={"type": "nonsense"}, timeout=5)
    assert_nsx_error(response, 400)
    assert_nsx_error(requests.patch(nsxsim.url + "/_lab/settings", json={"no_such": 1}, timeout=5), 400)
    assert_nsx_error(requests.get(nsxsim.url + "/_lab/nothing", timeout=5), 404)


def test_small_scenario_file(nsxsim_factory):
    sim = nsxsim_factory(scenario=os.path.join(SCENARIOS, "nsx_small.yml"))
    names = [s["display_name"] for s in sim.get("/api/v1/firewall/sections").json()["results"]]
    assert names == ["ncp-top-marker", "demo-np-isolation", "ncp-bottom-marker"]
    rule = sim.get("/api/v1/firewall/sections/demo-section/rules/2002").json()
    assert rule["_create_user"] == "admin" and rule["_protection"] == "NOT_PROTECTED"
    assert sim.get("/api/v1/firewall/sections/demo-section").json()["rule_count"] == 2
    pool = sim.get("/api/v1/pools/ip-pools/floating-pool-uuid/allocations").json()
    assert pool["result_count"] == 2
