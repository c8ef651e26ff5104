"""Preflight at NSX scale: the real nsx_preflight module against the NSX simulator (issue 10, part 1).

For each generated inventory (1, 5 and 20 clusters, growing to 50,000 DFW rules and 2,000 LB virtual
servers, with every blocker planted) one simulator process serves over HTTPS, and each case runs the
module in a fresh process (``preflight_case.py``) so that its peak memory is its own:

- ``unpaced``: simulator limits off, no latency, client pacing off (max_requests_per_second=0): what the
  scan costs in CPU when NSX is never the bottleneck;
- ``nsx``: NSX's defaults on the simulator - client_api_rate_limit 100/s, client_api_concurrency_limit
  40 - and 20 ms latency on every request; the module with its defaults (10 in flight, 100 requests/s);
- ``sequential``: the same NSX, a naive client that sends one request at a time (max_concurrency=1).

Figures per case: wall time, API requests (the module's count, checked against the simulator's), the
budget (list pages + one per NCP section with rules and its extra pages + 50), the rate-limit floor
(requests / 100 s), peak Python heap (tracemalloc) and peak RSS growth of the client process.
"""

import json
import math
import os
import subprocess
import tempfile

import requests

from tests.bench.common import PYTHON, ROOT, ensure_collection_path, log, materialize, process_cpu_seconds
from tests.lab.nsxsim.testing import LISTENING, LabAdmin

BLOCKERS = "admin_section+user_rule+big_vs+duplicate_names"
# (clusters, NCP sections, DFW rules, LB virtual servers, rules of the largest section): 20x the sections and
# virtual servers from first to last, 10x the rules. Each has one big section (3 pages of rules), as busy clusters
# do, so that the pages in flight - what bounds the memory - are alike and growth shows the inventory's share.
# 2,001 sections, not 2,000: the generator puts the big section in the middle of the list, which for 20 clusters
# of 100 sections is the ncp/fw_sect_marker section of k8s-11, whose rules the preflight never reads.
FULL = [(1, 100, 5000, 100, 2500), (5, 500, 12500, 500, 2500), (20, 2001, 50000, 2000, 2500)]
QUICK = [(1, 10, 1250, 10, 1000), (5, 50, 2500, 50, 1000), (20, 201, 5000, 200, 1000)]
RATE_LIMIT = 100
CONCURRENCY_LIMIT = 40
LATENCY = 0.02
MODES = {
    "unpaced": {"limits": False, "latency": 0.0, "args": {"max_concurrency": 10, "max_requests_per_second": 0}},
    "nsx": {"limits": True, "latency": LATENCY, "args": {"max_concurrency": 10, "max_requests_per_second": 100}},
    "sequential": {"limits": True, "latency": LATENCY, "args": {"max_concurrency": 1, "max_requests_per_second": 100}},
    # tracemalloc costs ~2.5x CPU, which would distort the times above on a shared machine: the peak Python
    # heap is measured in a run of its own - unpaced, 10 pages in flight, the most the scan ever holds.
    "memory": {"limits": False, "latency": 0.0, "tracemalloc": True, "args": {"max_concurrency": 10, "max_requests_per_second": 0}},
}
USER, PASSWORD = "bench", "Bench-Passw0rd!Bench"
# Expected findings with every blocker planted: admin section, user rule, big VS, and the two duplicate-name
# clashes (each reported on both objects).
EXPECTED_CHECKS = [
    "dfw_admin_section_inside_ncp_range",
    "dfw_user_rule_in_ncp_section",
    "lb_virtual_server_rule_limit",
    "shared_resource_name_unique",
]


def checks_expected_to_run():
    """Every NSX check the module declares, but the one judging ncp.ini copies (the bench gives none) and TKGI's (its
    inventory has no TKGI cluster: they run with tkgi=true only)."""
    ensure_collection_path()
    from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import NSX_CHECK_IDS

    return sorted(c for c in NSX_CHECK_IDS if c != "ncp_ini_resource_unresolved" and not c.startswith("tkgi_"))


def spec_of(clusters, sections, rules, virtual_servers, largest):
    return f"clusters={clusters},sections={sections},rules={rules},largest_section_rules={largest},virtual_servers={virtual_servers},blockers={BLOCKERS}"


class Simulator:
    """One simulator process (HTTPS, NSX limits available) for one inventory."""

    def __init__(self, spec, workdir):
        self.certdir = os.path.join(workdir, "certs")
        args = [PYTHON, "-m", "tests.lab.nsxsim", "--port", "0", "--tls", "--certdir", self.certdir, "--username", USER, "--password", PASSWORD]
        args += ["--generate", spec, "--rate-limit", str(RATE_LIMIT), "--concurrency-limit", str(CONCURRENCY_LIMIT)]
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # noqa: S603
        line = self.process.stdout.readline()
        if not line.startswith(LISTENING):
            self.stop()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.url = line.replace(LISTENING, "", 1).strip()
        self.host_port = self.url.split("://", 1)[1]
        self.ca = os.path.join(self.certdir, "ca.pem")
        self.admin = LabAdmin(self.url, self.ca)
        self.session = requests.Session()
        self.session.auth = (USER, PASSWORD)

    def configure(self, limits, latency):
        self.admin.update_settings(rate_limit_enabled=limits, concurrency_limit_enabled=limits)
        self.admin.clear_faults()
        if latency:
            self.admin.add_fault(type="latency", seconds=latency, path="*")
        self.admin.reset_counters()

    def pages(self, path, params=None):
        """Every page of a plain listing (for the budget; made before the counters are reset)."""
        params = dict(params or {}, page_size=1000)
        while True:
            page = self.session.get(self.url + path, params=params, timeout=60, verify=self.ca).json()  # REQUESTS_CA_BUNDLE would win
            yield page
            if not page.get("cursor"):
                return
            params["cursor"] = page["cursor"]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def request_budget(sim, clusters):
    """list pages + one read per NCP section with rules (+ its extra pages) + 50, and the parts of it."""
    lists = {
        "/api/v1/firewall/sections": None,
        "/api/v1/loadbalancer/virtual-servers": None,
        "/api/v1/logical-routers": {"router_type": "TIER0"},
        "/api/v1/pools/ip-blocks": None,
        "/api/v1/pools/ip-pools": None,
    }
    list_pages = 0
    rule_reads = 0
    sections_with_rules = 0
    largest = (0, False)
    for path, params in lists.items():
        for page in sim.pages(path, params):
            list_pages += 1
            if path.endswith("/sections"):
                for section in page.get("results") or []:
                    tags = {t.get("scope"): t.get("tag") for t in section.get("tags") or []}
                    marker = "ncp/fw_sect_marker" in tags  # NCP's own marker section: no rules of its own to check
                    largest = max(largest, (section.get("rule_count") or 0, marker))
                    if tags.get("ncp/cluster") in clusters and section.get("rule_count") and not marker:
                        sections_with_rules += 1
                        rule_reads += math.ceil(section["rule_count"] / 1000)
    if largest[1]:
        raise RuntimeError("the largest DFW section of the inventory is a marker section: the benchmark would not read it")
    return {
        "list_pages": list_pages,
        "ncp_sections_with_rules": sections_with_rules,
        "rule_pages": rule_reads,
        "largest_section_rules_read": largest[0],
        "budget": list_pages + rule_reads + 50,
    }


def run_case(sim, clusters, mode, profile=None, collections=None):
    settings = MODES[mode]
    sim.configure(settings["limits"], settings["latency"])
    args = {
        "nsx_manager": sim.host_port,
        "nsx_username": USER,
        "nsx_password": PASSWORD,
        "ca_path": sim.ca,
        "clusters": clusters,
        "fail_on": "never",
        "request_timeout": 60,
        **settings["args"],
    }
    case = {"args": args, "profile": profile, "tracemalloc": settings.get("tracemalloc", False)}
    sim_cpu = process_cpu_seconds(sim.process.pid)
    load_before = os.getloadavg()[0]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if collections:
        env["BENCH_COLLECTIONS"] = collections
    done = subprocess.run([PYTHON, "-m", "tests.bench.preflight_case", json.dumps(case)], cwd=ROOT, capture_output=True, text=True, check=False, env=env)  # noqa: S603
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"preflight case {mode} failed: {done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["simulator_cpu_seconds"] = round(process_cpu_seconds(sim.process.pid) - sim_cpu, 2)
    figures["server_requests"] = sim.admin.counters()["total"]
    figures["mode"] = mode
    figures["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    figures["max_concurrency"] = settings["args"]["max_concurrency"]
    figures["max_requests_per_second"] = settings["args"]["max_requests_per_second"]
    figures["simulator"] = {"rate_limit": RATE_LIMIT if settings["limits"] else None, "concurrency_limit": CONCURRENCY_LIMIT if settings["limits"] else None}
    figures["latency_seconds"] = settings["latency"]
    return figures


def run_baseline(ref, quick=False):
    """The ``nsx`` cases with the collection's plugins/ as of git ``ref``: the "before" of a change."""
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as collections:
        commit = materialize(ref, collections)
        result = run(quick=quick, modes=["nsx"], collections=collections)
    result["ref"] = ref
    result["commit"] = commit
    return result


def run(quick=False, modes=None, profile_dir=None, collections=None):
    """All cases; returns the suite's result dict."""
    inventories = QUICK if quick else FULL
    modes = modes or list(MODES)
    cases = []
    with tempfile.TemporaryDirectory(prefix="bench-preflight-") as workdir:
        for clusters_n, sections, rules, vs, largest in inventories:
            spec = spec_of(clusters_n, sections, rules, vs, largest)
            log(f"preflight: starting the simulator with {spec}")
            sim = Simulator(spec, workdir)
            try:
                clusters = [f"k8s-{i + 1:02d}" for i in range(clusters_n)]
                budget = request_budget(sim, clusters)
                for mode in modes:
                    profile = os.path.join(profile_dir, f"preflight-{clusters_n}-{mode}.prof") if profile_dir else None
                    figures = run_case(sim, clusters, mode, profile, collections)
                    figures.update(
                        inventory={
                            "clusters": clusters_n,
                            "ncp_sections": sections,
                            "dfw_rules": rules,
                            "largest_section_rules": largest,
                            "lb_virtual_servers": vs,
                            "spec": spec,
                        },
                        **budget,
                    )
                    judge(figures)
                    log(
                        f"preflight {clusters_n:>2} clusters {mode:<10}: {figures['wall_seconds']:7.2f} s, {figures['api_requests']} requests "
                        f"(budget {figures['budget']}, floor {figures['floor_seconds']} s, x{figures['time_over_floor']}), "
                        f"heap peak {figures['heap_peak_mib']} MiB, RSS peak {figures['rss_peak_mib']} MiB (+{figures['rss_growth_mib']})"
                    )
                    cases.append(figures)
            finally:
                sim.stop()
    return {"cases": cases, "goals": goals(cases), "settings": {"rate_limit": RATE_LIMIT, "concurrency_limit": CONCURRENCY_LIMIT, "latency_seconds": LATENCY}}


def judge(figures):
    requests_made = figures["api_requests"] or 0
    figures["floor_seconds"] = round(requests_made / RATE_LIMIT, 2)
    figures["time_over_floor"] = round(figures["wall_seconds"] / figures["floor_seconds"], 2) if figures["floor_seconds"] else None
    figures["within_budget"] = requests_made <= figures["budget"]
    figures["requests_match_server"] = requests_made == figures["server_requests"]
    figures["findings_ok"] = not figures["failed"] and figures["findings_by_check"] == EXPECTED_CHECKS and figures["checks_run_ids"] == checks_expected_to_run()


def goals(cases):
    """The issue's goals, judged on the NSX-like runs (memory: on every mode)."""
    nsx = [c for c in cases if c["mode"] == "nsx"]
    result = {
        "requests_within_budget": all(c["within_budget"] for c in cases),
        "time_within_1_5x_floor": bool(nsx) and all(c["time_over_floor"] is not None and c["time_over_floor"] <= 1.5 for c in nsx),
        "findings_exact": all(c["findings_ok"] for c in cases),
    }
    growth = {}
    for mode in sorted({c["mode"] for c in cases if c["heap_peak_mib"] is not None}):
        runs = sorted((c for c in cases if c["mode"] == mode), key=lambda c: c["inventory"]["dfw_rules"])
        if len(runs) > 1 and runs[0]["heap_peak_mib"]:
            growth[mode] = {
                "inventory_growth": round(runs[-1]["inventory"]["dfw_rules"] / runs[0]["inventory"]["dfw_rules"], 1),
                "heap_peak_growth": round(runs[-1]["heap_peak_mib"] / runs[0]["heap_peak_mib"], 2),
                "heap_peak_mib": [r["heap_peak_mib"] for r in runs],
            }
    result["memory_growth"] = growth
    # Flat: the peak heap is set by the pages in flight (<= max_concurrency pages of up to 1,000 objects),
    # not by the inventory - at most 1.5x from the smallest to the largest inventory (10-20x the objects).
    result["memory_flat"] = bool(growth) and all(g["heap_peak_growth"] <= 1.5 for g in growth.values())
    return result
