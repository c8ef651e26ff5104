"""NSX simulator: plain-HTTP checks of the MP / Policy endpoints and error shapes (nsx-reference.md §2)."""

import socket

import pytest

from tests.lab.nsxsim.testing import assert_nsx_error

SECTIONS = "/api/v1/firewall/sections"


def test_version_and_vip(nsxsim):
    body = nsxsim.get("/api/v1/node/version").json()
    assert body["product_version"].startswith("4.1.2")
    assert set(body) >= {"node_version", "product_version"}
    assert nsxsim.get("/api/v1/cluster/api-virtual-ip").json()["ip_address"] == "0.0.0.0"


def test_unknown_path_wrong_method_and_bad_json_are_nsx_errors(nsxsim):
    assert_nsx_error(nsxsim.get("/api/v1/no/such/thing"), 404, 202)
    assert_nsx_error(nsxsim.request("DELETE", "/api/v1/node/version"), 405)
    assert_nsx_error(nsxsim.request("OPTIONS", "/api/v1/node/version"), 405)
    section = nsxsim.get(SECTIONS).json()["results"][0]
    bad = nsxsim.put(f"{SECTIONS}/{section['id']}", data=b"{not json", headers={"Content-Type": "application/json"})
    assert_nsx_error(bad, 400)
    assert_nsx_error(nsxsim.get(f"{SECTIONS}/no-such-section"), 404, 202)


def test_garbage_request_line_gets_nsx_error(nsxsim):
    with socket.create_connection((nsxsim.host, nsxsim.port), timeout=5) as sock:
        sock.sendall(b"BROKEN\r\n\r\n")
        data = sock.recv(65536).decode()
    assert data.startswith("HTTP/1.1 400")
    assert '"error_code"' in data and "Traceback" not in data


def test_bad_cursor_and_page_size(nsxsim):
    assert_nsx_error(nsxsim.get(SECTIONS, params={"cursor": "not-a-cursor"}), 400)
    assert_nsx_error(nsxsim.get(SECTIONS, params={"cursor": "0002deadbeef"}), 400)
    assert_nsx_error(nsxsim.get(SECTIONS, params={"page_size": 1001}), 400)
    # A cursor of one listing is not valid for another.
    cursor = nsxsim.get("/api/v1/logical-ports", params={"page_size": 2}).json()["cursor"]
    assert_nsx_error(nsxsim.get(SECTIONS, params={"cursor": cursor}), 400)


def test_paging_shape(nsxsim):
    first = nsxsim.get("/api/v1/logical-ports", params={"page_size": 3}).json()
    total = first["result_count"]
    assert len(first["results"]) == 3 and not first["cursor"].startswith("0000")
    seen = [p["id"] for p in first["results"]]
    cursor = first["cursor"]
    while cursor:
        page = nsxsim.get("/api/v1/logical-ports", params={"page_size": 3, "cursor": cursor}).json()
        assert page["result_count"] == total
        seen += [p["id"] for p in page["results"]]
        cursor = page.get("cursor")
    assert len(seen) == len(set(seen)) == total


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/logical-routers",
        "/api/v1/logical-switches",
        "/api/v1/logical-ports",
        "/api/v1/logical-router-ports",
        "/api/v1/pools/ip-blocks",
        "/api/v1/pools/ip-pools",
        "/api/v1/pools/ip-subnets",
        "/api/v1/ns-groups",
        "/api/v1/trust-management/certificates",
        "/api/v1/loadbalancer/services",
        "/api/v1/loadbalancer/virtual-servers",
        "/api/v1/loadbalancer/rules",
    ],
)
def test_mp_lists(nsxsim, path):
    body = nsxsim.get(path).json()
    assert body["result_count"] == len(body["results"]) > 0
    assert "cursor" not in body
    for obj in body["results"]:
        assert {"id", "display_name", "resource_type", "tags", "_revision", "_create_user", "_protection"} <= set(obj)


def test_router_type_filter_and_shared_t0(nsxsim):
    t0s = nsxsim.get("/api/v1/logical-routers", params={"router_type": "TIER0"}).json()["results"]
    assert [t["display_name"] for t in t0s] == ["t0-shared"]
    assert t0s[0]["_protection"] == "NOT_PROTECTED"
    t1s = nsxsim.get("/api/v1/logical-routers", params={"router_type": "TIER1"}).json()["results"]
    assert all(t["_protection"] == "REQUIRE_OVERRIDE" and t["_create_user"].startswith("ncp-") for t in t1s)


def test_sections_in_priority_order_with_rule_count(nsxsim):
    sections = nsxsim.get(SECTIONS).json()["results"]
    names = [s["display_name"] for s in sections]
    assert names.index("ncp-top-marker") < names.index("k8s-01-marker") < names.index("k8s-02-marker") < names.index("ncp-bottom-marker")
    assert sections[-1]["is_default"]
    for section in sections:
        rules = nsxsim.get(f"{SECTIONS}/{section['id']}/rules").json()
        assert section["rule_count"] == rules["result_count"] == len(rules["results"])
    marker = sections[names.index("k8s-01-marker")]
    assert {"scope": "ncp/fw_sect_marker", "tag": "true"} in marker["tags"]
    assert {"scope": "ncp/cluster", "tag": "k8s-01"} in marker["tags"]


def test_no_list_of_all_rules(nsxsim):
    assert_nsx_error(nsxsim.get("/api/v1/firewall/rules"), 404)


def test_section_put_revision_and_protection(nsxsim):
    section = next(s for s in nsxsim.get(SECTIONS).json()["results"] if s["display_name"] == "k8s-01-marker")
    url = f"{SECTIONS}/{section['id']}"
    changed = dict(section, description="edited")
    # NCP's principal-identity objects need X-Allow-Overwrite.
    assert_nsx_error(nsxsim.put(url, json=changed), 400, 289)
    updated = nsxsim.put(url, json=changed, headers={"X-Allow-Overwrite": "true"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["_revision"] == section["_revision"] + 1
    # The old _revision is now stale.
    assert_nsx_error(nsxsim.put(url, json=changed, headers={"X-Allow-Overwrite": "true"}), 409)
    assert nsxsim.get(url).json()["description"] == "edited"


def test_rule_get_put(nsxsim):
    section = next(s for s in nsxsim.get(SECTIONS).json()["results"] if s["display_name"] == "admin-above-0")
    rule = nsxsim.get(f"{SECTIONS}/{section['id']}/rules").json()["results"][0]
    url = f"{SECTIONS}/{section['id']}/rules/{rule['id']}"
    assert nsxsim.get(url).json() == rule
    assert rule["id"].isdigit() and rule["_protection"] == "NOT_PROTECTED"
    new = nsxsim.put(url, json=dict(rule, action="DROP")).json()
    assert new["action"] == "DROP" and new["_revision"] == rule["_revision"] + 1
    assert nsxsim.get(f"{SECTIONS}/{section['id']}").json()["_revision"] == section["_revision"] + 1


def test_create_admin_section_between_ncp_sections(nsxsim):
    anchor = next(s for s in nsxsim.get(SECTIONS).json()["results"] if s["display_name"] == "k8s-01-marker")
    created = nsxsim.post(
        SECTIONS, params={"operation": "insert_after", "id": anchor["id"]}, json={"display_name": "mine", "section_type": "LAYER3", "stateful": True}
    )
    assert created.status_code == 201, created.text
    names = [s["display_name"] for s in nsxsim.get(SECTIONS).json()["results"]]
    assert names[names.index("k8s-01-marker") + 1] == "mine"
    rule = nsxsim.post(f"{SECTIONS}/{created.json()['id']}/rules", json={"display_name": "r", "action": "ALLOW"})
    assert rule.status_code == 201 and rule.json()["_create_user"] == "admin"


def test_list_with_rules_is_rate_limited_and_slow(nsxsim):
    nsxsim.admin.update_settings(list_with_rules_per_minute=2, list_with_rules_seconds_per_1000_rules=0.5)
    section = next(s for s in nsxsim.get(SECTIONS).json()["results"] if s["rule_count"])
    url = f"{SECTIONS}/{section['id']}"
    first = nsxsim.post(url, params={"action": "list_with_rules"})
    assert first.status_code == 200
    assert len(first.json()["rules"]) == section["rule_count"]
    assert nsxsim.post(url, params={"action": "list_with_rules"}).status_code == 200
    assert_nsx_error(nsxsim.post(url, params={"action": "list_with_rules"}), 429)
    assert_nsx_error(nsxsim.post(url, params={"action": "bogus"}), 400)


def test_lb_virtual_servers_have_rule_ids(nsxsim):
    servers = nsxsim.get("/api/v1/loadbalancer/virtual-servers").json()["results"]
    rules = {r["id"] for r in nsxsim.get("/api/v1/loadbalancer/rules").json()["results"]}
    assert servers and all(set(vs["rule_ids"]) <= rules for vs in servers)


def test_ip_pool_allocations_and_nat(nsxsim):
    pool = next(p for p in nsxsim.get("/api/v1/pools/ip-pools").json()["results"] if p["display_name"] == "floating-ip-pool")
    allocations = nsxsim.get(f"/api/v1/pools/ip-pools/{pool['id']}/allocations").json()
    assert allocations["result_count"] >= 2 and "allocation_id" in allocations["results"][0]
    new = nsxsim.post(f"/api/v1/pools/ip-pools/{pool['id']}", params={"action": "ALLOCATE"}, json={}).json()
    assert nsxsim.get(f"/api/v1/pools/ip-pools/{pool['id']}/allocations").json()["result_count"] == allocations["result_count"] + 1
    assert new["allocation_id"].startswith("198.18.")
    t1 = nsxsim.get("/api/v1/logical-routers", params={"router_type": "TIER1"}).json()["results"][0]
    nat = nsxsim.get(f"/api/v1/logical-routers/{t1['id']}/nat/rules").json()
    assert nat["results"][0]["action"] == "SNAT"


def test_search_query(nsxsim):
    query = "resource_type:LogicalSwitch AND tags.scope:ncp\\/cluster AND tags.tag:k8s-02"
    body = nsxsim.get("/api/v1/search/query", params={"query": query, "page_size": 1}).json()
    assert body["result_count"] == 2 and len(body["results"]) == 1 and body["cursor"]
    rest = nsxsim.get("/api/v1/search/query", params={"query": query, "cursor": body["cursor"]}).json()
    assert len(rest["results"]) == 1 and "cursor" not in rest
    assert all(r["resource_type"] == "LogicalSwitch" for r in body["results"] + rest["results"])
    rules = nsxsim.get("/api/v1/search/query", params={"query": "resource_type:FirewallRule AND display_name:k8s-01*"}).json()
    assert rules["result_count"] > 0
    quoted = nsxsim.get("/api/v1/search/query", params={"query": 'display_name:"t0-shared"'}).json()
    assert quoted["result_count"] == 1
    assert_nsx_error(nsxsim.get("/api/v1/search/query", params={"query": "(resource_type:X"}), 400)
    assert_nsx_error(nsxsim.get("/api/v1/search/query"), 400)


def test_policy_tree_lists_and_realization(nsxsim):
    empty = nsxsim.get("/policy/api/v1/infra/tier-0s").json()
    assert empty == {"results": [], "result_count": 0, "sort_by": "display_name", "sort_ascending": True}
    assert_nsx_error(nsxsim.get("/policy/api/v1/infra/tier-0s/nope"), 404, 202)
    assert nsxsim.request("PATCH", "/policy/api/v1/infra/tier-1s/t1-a", json={"display_name": "a"}).status_code == 200
    assert nsxsim.request("PATCH", "/policy/api/v1/infra/tier-1s/t1-b", json={"display_name": "b"}).status_code == 200
    page = nsxsim.get("/policy/api/v1/infra/tier-1s", params={"page_size": 1}).json()
    assert page["cursor"] == "1" and page["result_count"] == 2
    assert nsxsim.get("/policy/api/v1/infra/tier-1s", params={"cursor": "1"}).json()["results"][0]["id"] == "t1-b"
    assert_nsx_error(nsxsim.get("/policy/api/v1/infra/tier-1s", params={"cursor": "x"}), 400)
    status = nsxsim.get("/policy/api/v1/infra/realized-state/status", params={"intent_path": "/infra/tier-1s/t1-a"}).json()
    assert status["consolidated_status"]["consolidated_status"] == "SUCCESS"
