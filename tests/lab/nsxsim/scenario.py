"""Scenario files: YAML (or JSON) that sets up one simulator.

settings: {rate_limit_enabled: true, migration_step_seconds: 0.01, ...}   # settings.py names
generate: "clusters=2,sections=20,rules=200"       # or a mapping; see generator.py
inventory:                                         # explicit objects, added after generated ones
  logical_routers: [{id: t0, display_name: t0, router_type: TIER0, tags: [...]}]
  ip_pools: [{id: pool, display_name: pool, allocations: ["10.0.0.5"]}]
  firewall_sections: [{id: s1, display_name: s1, tags: [...], _create_user: ncp-k8s, _protection: REQUIRE_OVERRIDE,
                       rules: [{display_name: r1, _create_user: admin, _protection: NOT_PROTECTED}]}]
  # other keys: see kinds.py (logical_switches, logical_ports, logical_router_ports, ip_blocks, ip_subnets,
  # ns_groups, certificates, lb_services, lb_virtual_servers, lb_rules, lb_pools, nat_rules, ...)
coordinator: {running: false, busy: false}
backups: {configured: true, mode: ok|fail|hang, error_code: ..., error_message: ...}
faults: [{type: latency, path: "/api/v1/firewall/*", seconds: 0.2}, {type: status, status: 429, count: 3}, ...]
"""

import json
import os

import yaml

from .generator import generate, parse_spec
from .inventory import PROTECTED
from .kinds import BY_SCENARIO_KEY

TOP_LEVEL = ("settings", "generate", "inventory", "coordinator", "backups", "faults")


def read_file(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    return data or {}


def load_inventory(inventory, data):
    """Add the objects of a scenario ``inventory:`` mapping (plain dicts, copied)."""
    for key, items in (data or {}).items():
        if key == "firewall_sections":
            for section in items:
                section = dict(section)
                rules = section.pop("rules", [])
                added = inventory.add_section(section, section.get("_create_user", "admin"), section.get("_protection") == PROTECTED)
                for rule in rules:
                    rule = dict(rule)
                    inventory.add_rule(added["id"], rule, rule.get("_create_user", added["_create_user"]), rule.get("_protection") == PROTECTED)
            continue
        if key not in BY_SCENARIO_KEY:
            raise ValueError(f"unknown inventory key {key!r}")
        kind = BY_SCENARIO_KEY[key].name
        for item in items:
            item = dict(item)
            allocations = item.pop("allocations", None)
            obj = inventory.add(kind, item, item.get("_create_user", "admin"), item.get("_protection") == PROTECTED)
            if kind == "IpPool" and allocations:
                inventory.allocations[obj["id"]] = [a if isinstance(a, dict) else {"allocation_id": str(a)} for a in allocations]


def apply(sim, data):
    """Set up ``sim`` from parsed scenario data."""
    unknown = set(data) - set(TOP_LEVEL)
    if unknown:
        raise ValueError(f"unknown scenario keys: {sorted(unknown)}")
    sim.settings.update(data.get("settings") or {})
    if data.get("generate"):
        generate(sim.inventory, parse_spec(data["generate"]))
    load_inventory(sim.inventory, data.get("inventory"))
    coordinator = data.get("coordinator") or {}
    if "running" in coordinator:
        sim.apply_fault({"type": "coordinator", "state": "running" if coordinator["running"] else "stopped"})
    if coordinator.get("busy"):
        sim.apply_fault({"type": "coordinator", "state": "busy"})
    if data.get("backups"):
        sim.apply_fault(dict(data["backups"], type="backup"))
    for spec in data.get("faults") or []:
        sim.apply_fault(spec)


def apply_file(sim, path):
    apply(sim, read_file(os.fspath(path)))
