#!/usr/bin/env python
"""Benchmark the NSX simulator: startup time of the largest inventory and simple GET throughput.

Run from the repository root: ``.venv/bin/python tests/bench/bench_nsxsim.py [--seconds 5] [--clients 4]``.
Targets (issue 3): startup of 20 clusters / 50,000 rules under 10 s; at least 1,000 simple GETs/s.
The load generator shares the machine's cores with the simulator, so the figures are lower bounds.
"""

import argparse
import base64
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LARGEST = "clusters=20,sections=2000,rules=50000,virtual_servers=400,blockers=admin_section+user_rule+big_vs+duplicate_names"
LISTENING = "NSX simulator listening on "
USER, PASSWORD = "bench", "bench-password"


def start(spec):
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.lab.nsxsim", "--port", "0", "--username", USER, "--password", PASSWORD, "--generate", spec],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    elapsed = time.monotonic() - began
    if not line.startswith(LISTENING):
        process.kill()
        raise SystemExit(f"simulator did not start: {line!r}")
    return process, line.replace(LISTENING, "", 1).strip(), elapsed


def hammer(url, path, seconds, clients):
    """Keep-alive GET loop from ``clients`` threads; returns (requests, errors, elapsed)."""
    parts = urllib.parse.urlsplit(url)
    headers = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
    counts = [0] * clients
    errors = [0] * clients
    deadline = time.monotonic() + seconds

    def worker(index):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < deadline:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                counts[index] += 1
            else:
                errors[index] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), sum(errors), time.monotonic() - began


def first_section_with_rules(url):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
    connection.request("GET", "/api/v1/firewall/sections", headers=headers)
    sections = json.loads(connection.getresponse().read())["results"]
    connection.close()
    return max(sections, key=lambda s: s["rule_count"])["id"]


def measure(spec=LARGEST, seconds=5.0, clients=4):
    """Startup time of ``spec`` and GET throughput of three kinds of call, as a dict."""
    process, url, startup = start(spec)
    try:
        result = {"spec": spec, "startup_seconds": round(startup, 2), "clients": clients, "seconds_per_run": seconds, "throughput": []}
        for label, path in (
            ("GET /api/v1/node/version", "/api/v1/node/version"),
            ("GET one logical router list page", "/api/v1/logical-routers?page_size=10"),
            ("GET 1000-rule page", f"/api/v1/firewall/sections/{first_section_with_rules(url)}/rules?page_size=1000"),
        ):
            done, errors, elapsed = hammer(url, path, seconds, clients)
            result["throughput"].append({"call": label, "per_second": round(done / elapsed), "ok": done, "errors": errors, "seconds": round(elapsed, 1)})
        return result
    finally:
        process.terminate()
        process.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each throughput run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive client connections")
    parser.add_argument("--spec", default=LARGEST, help="generator spec of the inventory")
    args = parser.parse_args()
    result = measure(args.spec, args.seconds, args.clients)
    print(f"startup ({args.spec}): {result['startup_seconds']:.2f} s  [target < 10 s]")
    for run in result["throughput"]:
        print(f"{run['call']}: {run['per_second']:,} req/s ({run['ok']} ok, {run['errors']} errors, {args.clients} clients, {run['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
