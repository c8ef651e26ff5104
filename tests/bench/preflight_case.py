"""One preflight benchmark case in a process of its own, so that its peak memory is its own.

``python -m tests.bench.preflight_case CASE_JSON`` runs the real ``nsx_preflight`` module in-process
(``tests/unit/module_runner.py``) with the module arguments of CASE_JSON["args"] and prints one JSON
line: wall and CPU seconds, peak Python heap (tracemalloc) and peak RSS growth during the run, and
the module's result summary. CASE_JSON["profile"] (a path) also writes a cProfile dump there.
"""

import cProfile
import gc
import importlib
import json
import resource
import sys
import time
import tracemalloc

from tests.bench.common import ensure_collection_path


def rss_kb():
    with open("/proc/self/statm", encoding="utf-8") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() // 1024


def reset_peak_rss():
    """Linux resets VmHWM (the peak RSS) on ``5`` written to clear_refs; False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def peak_rss_kb():
    with open("/proc/self/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def trace_requests(trace):
    """Record (start, end, kind) of every request the NSX client sends (for the phase breakdown)."""
    from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient

    send = NsxClient._send

    def timed_send(self, method, path, params, body, extra_headers):
        began = time.perf_counter()
        try:
            return send(self, method, path, params, body, extra_headers)
        finally:
            trace.append((began, time.perf_counter(), "rules" if path.endswith("/rules") else "other"))

    NsxClient._send = timed_send


def phases(trace, began):
    """Seconds before, during and after the per-section rule reads, and their achieved rate."""
    rules = [t for t in trace if t[2] == "rules"]
    if not rules:
        return None
    first, last = min(t[0] for t in rules), max(t[1] for t in rules)
    return {
        "before_rules_seconds": round(first - began, 2),
        "rules_seconds": round(last - first, 2),
        "rule_requests": len(rules),
        "rules_per_second": round(len(rules) / (last - first), 1) if last > first else None,
        "after_rules_seconds": round(max(t[1] for t in trace) - last, 2),
        "requests_before_rules": sum(1 for t in trace if t[0] < first),
        "requests_after_rules": sum(1 for t in trace if t[0] > last),
    }


def main(argv):
    case = json.loads(argv[0])
    ensure_collection_path()
    from tests.unit.module_runner import run_module  # the collection path must be set first

    # Load the module and its libraries before measuring: the figures are the scan's, not the imports'.
    importlib.import_module("ansible_collections.ncp.mp_to_policy.plugins.modules.nsx_preflight")
    importlib.import_module("requests")
    trace = []
    if case.get("trace", True):
        trace_requests(trace)
    gc.collect()
    rss_before = rss_kb()
    peak_was_reset = reset_peak_rss()
    if case.get("tracemalloc", True):
        tracemalloc.start()
    profiler = cProfile.Profile() if case.get("profile") else None
    cpu_before = time.process_time()
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    result = run_module("nsx_preflight", case["args"])
    if profiler:
        profiler.disable()
        profiler.dump_stats(case["profile"])
    wall = time.perf_counter() - began
    breakdown = phases(trace, began)
    cpu = time.process_time() - cpu_before
    heap_peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None
    tracemalloc.stop()
    peak_rss = peak_rss_kb()
    findings = result.get("findings") or []
    print(
        json.dumps(
            {
                "wall_seconds": round(wall, 3),
                "client_cpu_seconds": round(cpu, 3),
                "heap_peak_mib": round(heap_peak / 1048576, 2) if heap_peak is not None else None,
                "rss_before_mib": round(rss_before / 1024, 1),
                "rss_peak_mib": round(peak_rss / 1024, 1),
                "rss_growth_mib": round(max(0, peak_rss - rss_before) / 1024, 1) if peak_was_reset else None,
                "failed": bool(result.get("failed")),
                "msg": result.get("msg"),
                "api_requests": result.get("api_requests"),
                "findings": len(findings),
                "findings_by_check": sorted({f["check"] for f in findings}),
                "checks_run": len((result.get("summary") or {}).get("checks_run") or []),
                "checks_run_ids": sorted((result.get("summary") or {}).get("checks_run") or []),
                "phases": breakdown,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
