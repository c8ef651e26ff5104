"""NsxPreflight against the simulator: what the scan asks NSX for, and what it does not."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import preflight_scan
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.preflight_scan import NsxPreflight, PreflightOptions

SPEC = "clusters=3,sections=12,rules=60,virtual_servers=3"


def scan(sim, clusters, **options):
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
