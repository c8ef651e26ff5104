"""NsxPreflight against the simulator: what the scan asks NSX for, and what it does not."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _preflight_scan as preflight_scan
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_scan import NsxPreflight, PreflightOptions
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient

SPEC = "clusters=3,sections=12,rules=60,virtual_servers=3"


def scan(sim, clusters, **options):
    # The searches these tests count are cluster_objects_found's; nsx_cluster_not_in_inventory's have their own tests.
    if "inventory_clusters" not in options:
        options["skip_checks"] = list(options.get("skip_checks") or []) + ["nsx_cluster_not_in_inventory"]
    client = NsxClient(sim.url, username=sim.username, password=sim.password, retries=1)
    sim.admin.reset_counters()
    try:
        version, findings, checks_run = NsxPreflight(client, PreflightOptions(clusters, **options)).run()
    finally:
        client.close()
    return findings, checks_run, sim.admin.counters()["by_path"]


def test_clusters_seen_in_the_lists_cost_no_search(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    findings, checks_run, counters = scan(sim, ["k8s-01", "k8s-02", "k8s-03"])
    assert "cluster_objects_found" in checks_run
    assert findings == []
    assert counters.get("GET /api/v1/search/query", 0) == 0


def test_a_cluster_missing_from_the_lists_is_searched(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    findings, _checks_run, counters = scan(sim, ["k8s-01", "k8s-O2"])
    assert [(f["check"], f["cluster"]) for f in findings] == [("cluster_objects_found", "k8s-O2")]
    assert counters.get("GET /api/v1/search/query") == 1


def test_without_the_list_checks_every_cluster_is_searched(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    skip = ["dfw_admin_section_inside_ncp_range", "dfw_user_rule_in_ncp_section", "lb_virtual_server_rule_limit"]
    findings, _checks_run, counters = scan(sim, ["k8s-01", "k8s-02"], skip_checks=skip)
    assert findings == []
    assert counters.get("GET /api/v1/search/query") == 2


def test_rule_reads_keep_a_bounded_window_of_futures(monkeypatch):
    """Memory must not grow with the sections: while the first read is stuck, only 4 x workers are queued."""
    gate = threading.Event()
    submitted = []

    class CountingPool(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append(args[0][0])
            return super().submit(fn, *args, **kwargs)

    class Client:
        def paginate(self, path, params=None):
            if "/s0/" in path:
                gate.wait(10)
            return iter([])

    monkeypatch.setattr(preflight_scan, "ThreadPoolExecutor", CountingPool)
    scan = NsxPreflight(Client(), PreflightOptions(["c"], max_concurrency=2))
    sections = [("s%d" % i, "section %d" % i, "c", 1) for i in range(100)]
    result = []
    worker = threading.Thread(target=lambda: result.append(scan._rules_findings(sections, set())))
    worker.start()
    time.sleep(0.3)
    assert len(submitted) == 8
    gate.set()
    worker.join(10)
    assert result == [[]] and submitted == ["s%d" % i for i in range(100)]


# -- nsx_cluster_not_in_inventory (invariant 11) ---------------------------------------------------


def test_a_cluster_tagged_on_nsx_but_not_in_the_inventory_is_an_error(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    findings, checks_run, counters = scan(sim, ["k8s-01", "k8s-02"], inventory_clusters=["k8s-01", "k8s-02"])
    assert "nsx_cluster_not_in_inventory" in checks_run
    [unlisted] = findings
    assert (unlisted["check"], unlisted["severity"], unlisted["cluster"]) == ("nsx_cluster_not_in_inventory", "error", "k8s-03")
    assert "ncp_clusters_known_gone" in unlisted["remediation"] and "ncp/cluster=k8s-03" in unlisted["message"]
    # One search found k8s-03, one more found nothing else; the Policy API's search found nothing beyond them.
    assert counters.get("GET /api/v1/search/query") == 2 and counters.get("GET /policy/api/v1/search/query") == 1


def test_every_cluster_in_the_inventory_costs_one_search_per_api(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    findings, _checks_run, counters = scan(sim, ["k8s-02"], inventory_clusters=["k8s-01", "k8s-02", "k8s-03"])
    assert findings == []
    assert counters.get("GET /api/v1/search/query") == 1 and counters.get("GET /policy/api/v1/search/query") == 1


def test_a_cluster_named_as_gone_is_left_out_and_strategy_2_warns(nsxsim_factory):
    sim = nsxsim_factory(generate=SPEC)
    gone, _checks_run, _counters = scan(sim, ["k8s-01"], inventory_clusters=["k8s-01"], clusters_known_gone=["k8s-03"])
    assert [(f["cluster"], f["severity"]) for f in gone] == [("k8s-02", "error")]
    warned, _checks_run, _counters = scan(sim, ["k8s-01"], inventory_clusters=["k8s-01"], unlisted_cluster_severity="warning")
    assert [(f["cluster"], f["severity"]) for f in warned] == [("k8s-02", "warning"), ("k8s-03", "warning")]


def test_a_cluster_with_only_policy_objects_is_found(nsxsim_factory):
    """A cluster already in Policy mode: NCP tags its Policy objects with ncp/cluster (as a promotion copies them)."""
    sim = nsxsim_factory(generate=SPEC)
    body = {"display_name": "seg-1", "tags": [{"scope": "ncp/cluster", "tag": "tkg-09"}]}
    assert sim.request("PATCH", "/policy/api/v1/infra/segments/tkg-09-seg-1", json=body).status_code == 200
    findings, _checks_run, _counters = scan(sim, ["k8s-01"], inventory_clusters=["k8s-01", "k8s-02", "k8s-03"])
    assert [(f["check"], f["cluster"]) for f in findings] == [("nsx_cluster_not_in_inventory", "tkg-09")]


def test_a_search_that_ignores_the_exclusion_fails_instead_of_missing_a_cluster():
    class Client:
        def get(self, path, params=None):
            return {"results": [{"tags": [{"scope": "ncp/cluster", "tag": "k8s-01"}]}], "result_count": 1}

    scan = NsxPreflight(Client(), PreflightOptions(["k8s-01"]))
    with pytest.raises(ValueError, match="excluded"):
        scan._clusters_not_in_inventory()


def test_the_query_excludes_each_known_cluster_quoted():
    assert preflight_scan.other_clusters_query([]) == "tags.scope:ncp\\/cluster"
    assert preflight_scan.other_clusters_query(["b", 'a"x']) == 'tags.scope:ncp\\/cluster AND NOT (tags.tag:"a\\"x" OR tags.tag:"b")'
