#!/usr/bin/env python
"""Lab stand-in for NCP's scripts/mp_to_policy_import/mp_to_policy_importer.py (vendor contract, nsx-reference.md §1).

Usage: mp_to_policy_importer.py [--shared-only | --cluster-only] [--config FILE] [--user-spec FILE]
(the real script's flags are UNCONFIRMED; this default is the lab's: no flag = shared resources, then the cluster).

config.yaml (beside the script unless --config): nsx_manager (host[:port] or URL of ONE manager node),
nsx_username, nsx_password or credentials_file (YAML with nsx_username / nsx_password), nsx_client_cert +
nsx_client_key, ca_file, insecure (skip TLS verification), cluster, kubeconfig, kubectl, kubectl_cache_dir,
rollback_imported_resources (default False), poll_interval (s), migration_timeout (s), batch_size, request_timeout,
simulated_seconds (lab only, default 0: the run lasts at least this long from its process start; benchmarks use it
for a fixed import time),
lab_fault (lab only, fault tests: {kind: rc1|rc2|crash|hang|leave_one, scope: cluster|shared|any, after_batches: N,
type: T}, see fault_hook and leave_one_out),
lab_run_ledger (lab only: a directory shared by the lab's importers, where each run notes the runs it found running:
invariant 3's oracle, see join_run_ledger).
user-spec.yaml (beside the script unless --user-spec): shared_resources: {TIER0: [name or id], IP_BLOCK: [...],
IP_POOL: [...]}; names not found are ignored; ip-allocations and k8s-clusters are accepted and not used.

Phases: 1 reads the cluster (kubectl) and the MP objects, builds every request, and exits 2 without changing
anything when it cannot; 2 submits them type by type in the documented order to the migration API (CONSUMER
mode), records each imported batch under records/ beside the script, and on failure rolls back what the records
hold; 3 reads back the Policy path of every imported object from the migration API's mapping,
GET /api/v1/migration/migrated-resources (policy-ids-<cluster>.json beside the script).
Exit codes: 0 imported (or rolled back on request); 1 failed and NCP must not run in MP mode (rollback failed,
or DFW sections were imported); 2 failed, nothing left imported: restart NCP in MP mode.
"""

import argparse
import base64
import datetime
import fcntl
import json
import logging
import os
import random
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
LOG = logging.getLogger("mp_to_policy_importer")
RC_OK, RC_KEEP_NCP_STOPPED, RC_RESTART_MP = 0, 1, 2
RETRY_STATUS = (429, 503)
RETRY_ERROR_CODES = (607,)
DUPLICATE = re.compile(r"MP resource (\S+) of type (\S+) is duplicate or already migrated")
CLUSTER_TAG = "ncp/cluster"
PROJECT_TAG = "ncp/project"
SWITCHING_PROFILES = {
    "SPOOFGUARD_PROFILES": "SpoofGuardSwitchingProfile",
    "MACDISCOVERY_PROFILES": "MacManagementSwitchingProfile",
    "SEGMENT_SECURITY_PROFILES": "SwitchSecuritySwitchingProfile",
    "QOS_PROFILES": "QosSwitchingProfile",
    "IPDISCOVERY_PROFILES": "IpDiscoverySwitchingProfile",
}
# (type, MP collection, scope) in the order the tools import them (nsx-reference.md §2; IP_BLOCK/IP_POOL UNCONFIRMED).
TYPES = [
    ("TIER0", "/api/v1/logical-routers", "shared"),
    ("IP_BLOCK", "/api/v1/pools/ip-blocks", "shared"),
    ("IP_POOL", "/api/v1/pools/ip-pools", "shared"),
    # Other shared resources a user spec may name (ncp.ini's lb_vs_ip_set, client_ssl_profile, lb_service).
    ("IP_SET", "/api/v1/ip-sets", "shared"),
    ("LB_CLIENT_SSL_PROFILE", "/api/v1/loadbalancer/client-ssl-profiles", "shared"),
    ("LB_SERVICE", "/api/v1/loadbalancer/services", "shared"),
    ("CERTIFICATE", "/api/v1/trust-management/certificates", "cluster"),
    ("METADATA_PROXY", "/api/v1/md-proxies", "cluster"),
    *[(name, "/api/v1/switching-profiles", "cluster") for name in SWITCHING_PROFILES],
    ("NS_GROUP", "/api/v1/ns-groups", "cluster"),
    ("DHCP_SERVER", "/api/v1/dhcp/servers", "cluster"),
    ("TIER1", "/api/v1/logical-routers", "cluster"),
    ("LOGICAL_SWITCH", "/api/v1/logical-switches", "cluster"),
    ("LOGICAL_PORT", "/api/v1/logical-ports", "cluster"),
    ("TIER1_LOGICAL_ROUTER_PORT", "/api/v1/logical-router-ports", "cluster"),
    ("NAT", "/api/v1/logical-routers/{router}/nat/rules", "cluster"),
    ("TIER0_LOGICAL_ROUTER_PORT", "/api/v1/logical-router-ports", "cluster"),
    ("TIER0_LOGICAL_ROUTER_CONFIG", "/api/v1/logical-routers", "shared"),
    ("LB_MONITOR", "/api/v1/loadbalancer/monitors", "cluster"),
    ("LB_POOL", "/api/v1/loadbalancer/pools", "cluster"),
    ("LB_APPLICATION_PROFILE", "/api/v1/loadbalancer/application-profiles", "cluster"),
    ("LB_PERSISTENCE_PROFILE", "/api/v1/loadbalancer/persistence-profiles", "cluster"),
    ("LB_VIRTUAL_SERVER", "/api/v1/loadbalancer/virtual-servers", "cluster"),
    ("LB_SERVICE", "/api/v1/loadbalancer/services", "cluster"),
    ("DFW_SECTION", "/api/v1/firewall/sections", "cluster"),
]
SHARED_SPEC_TYPES = ("TIER0", "IP_BLOCK", "IP_POOL")


class Refusal(Exception):
    """Phase 1 cannot build a request: nothing was changed."""


class ImportFailure(Exception):
    """Phase 2 or 3 failed after the migration window was opened."""


class NsxError(Exception):
    """An NSX API call failed (HTTP error, NSX error body, or no connection)."""

    def __init__(self, message, status=None, error_code=None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code


# ---- configuration -----------------------------------------------------------------------------------
def load_yaml(path, required=True):
    if not os.path.exists(path):
        if required:
            raise Refusal(f"{path} not found")
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise Refusal(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise Refusal(f"{path} must hold a mapping")
    return data


def load_config(path):
    config = load_yaml(path)
    if config.get("credentials_file"):
        credentials = load_yaml(config["credentials_file"])
        for key in ("nsx_username", "nsx_password"):
            if credentials.get(key) is not None:
                config[key] = credentials[key]
    missing = [key for key in ("nsx_manager", "cluster") if not config.get(key)]
    if not config.get("nsx_client_cert") and not (config.get("nsx_username") and config.get("nsx_password")):
        missing.append("nsx_username/nsx_password (or credentials_file, or nsx_client_cert)")
    if missing:
        raise Refusal(f"config.yaml lacks: {', '.join(missing)}")
    return config


# ---- NSX client ----------------------------------------------------------------------------------------
class NsxClient:
    """Basic-auth (or client-certificate) JSON client for one NSX Manager node, retrying 429/503/607."""

    def __init__(self, config):
        manager = str(config["nsx_manager"])
        self.base = manager.rstrip("/") if "://" in manager else f"https://{manager}"
        self.timeout = float(config.get("request_timeout", 60))
        self.headers = {"Accept": "application/json", "Content-Type": "application/json", "X-Allow-Overwrite": "true"}
        if config.get("nsx_username") and config.get("nsx_password"):
            token = base64.b64encode(f"{config['nsx_username']}:{config['nsx_password']}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
        self.context = None
        if self.base.startswith("https://"):
            if config.get("insecure"):
                self.context = ssl._create_unverified_context()  # noqa: S323 - the operator asked for it
            else:
                self.context = ssl.create_default_context(cafile=config.get("ca_file") or None)
            if config.get("nsx_client_cert"):
                self.context.load_cert_chain(config["nsx_client_cert"], config.get("nsx_client_key"))

    def call(self, method, path, body=None, attempts=8):
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(attempts):
            request = urllib.request.Request(self.base + path, data=data, method=method, headers=self.headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as answer:
                    text = answer.read()
                return json.loads(text) if text.strip() else {}
            except urllib.error.HTTPError as exc:
                error = _nsx_error(exc)
                if attempt + 1 < attempts and (error.status in RETRY_STATUS or error.error_code in RETRY_ERROR_CODES):
                    time.sleep(random.uniform(0.4, 0.6))
                    continue
                raise error from None
            except (urllib.error.URLError, OSError, ValueError) as exc:
                if attempt + 1 < attempts:
                    time.sleep(random.uniform(0.4, 0.6))
                    continue
                raise NsxError(f"{method} {path}: {getattr(exc, 'reason', exc)}") from None
        raise NsxError(f"{method} {path}: no answer")

    def list_all(self, path):
        """Every page of an MP list (cursor paging)."""
        results, cursor = [], None
        while True:
            separator = "&" if "?" in path else "?"
            page = self.call("GET", path + (f"{separator}cursor={urllib.parse.quote(cursor)}" if cursor else ""))
            results.extend(page.get("results", []))
            cursor = page.get("cursor")
            if not cursor or cursor.startswith("0000"):
                return results


def _nsx_error(exc):
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        body = {}
    message = body.get("error_message") or exc.reason
    return NsxError(f"{exc.code} {message} (error_code {body.get('error_code')})", exc.code, body.get("error_code"))


# ---- phase 1: read and build ---------------------------------------------------------------------------
def tag_value(obj, scope):
    return next((t.get("tag") for t in obj.get("tags") or [] if t.get("scope") == scope), None)


def kubectl_json(config, *args):
    command = [config.get("kubectl", "kubectl")]
    if config.get("kubeconfig"):
        command += ["--kubeconfig", str(config["kubeconfig"])]
    if config.get("kubectl_cache_dir"):
        command += ["--cache-dir", str(config["kubectl_cache_dir"])]
    command += [*args, "-o", "json"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Refusal(f"kubectl failed: {exc}") from exc
    if done.returncode != 0:
        raise Refusal(f"kubectl {' '.join(args)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def read_cluster(config):
    """What Kubernetes has: the namespaces NCP objects belong to, and whether NCP still runs."""
    namespaces = {item["metadata"]["name"] for item in kubectl_json(config, "get", "namespaces").get("items", [])}
    if "nsx-system" in namespaces:
        pods = kubectl_json(config, "get", "pods", "-n", "nsx-system", "-l", "component=nsx-ncp").get("items", [])
        running = [p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp")]
        if running:
            LOG.warning("NCP pods still exist (%s): NCP must be stopped before an import", ", ".join(running))
    return namespaces


def _entry(obj):
    return {"manager_id": obj["id"]}


def _selected(obj, names):
    return obj.get("id") in names or obj.get("display_name") in names


class Planner:
    """Builds the ordered list of (type, entries) for a scope from the MP inventory."""

    def __init__(self, client, config, user_spec):
        self.client = client
        self.cluster = str(config["cluster"])
        self.shared = user_spec.get("shared_resources") or {}
        self.cache = {}

    def _list(self, path):
        if path not in self.cache:
            self.cache[path] = self.client.list_all(path)
        return self.cache[path]

    def _mine(self, path):
        return [o for o in self._list(path) if tag_value(o, CLUSTER_TAG) == self.cluster]

    def _routers(self, router_type):
        return [o for o in self._list("/api/v1/logical-routers") if o.get("router_type") == router_type]

    def shared_entries(self, type_name):
        kind = "TIER0" if type_name == "TIER0_LOGICAL_ROUTER_CONFIG" else type_name
        names = {str(n) for n in self.shared.get(kind) or []}
        if kind == "TIER0":
            candidates = self._routers("TIER0")
        else:
            candidates = self._list({t: p for t, p, _scope in TYPES}[kind])
        found = [o for o in candidates if _selected(o, names)]
        for name in sorted(names - {o.get("display_name") for o in found} - {o.get("id") for o in found}):
            LOG.info("shared %s %r not found in NSX: ignored", kind, name)
        return found

    def cluster_objects(self, type_name, path):
        if type_name in SWITCHING_PROFILES:
            return [o for o in self._mine(path) if o.get("resource_type") == SWITCHING_PROFILES[type_name]]
        if type_name == "TIER1":
            return [o for o in self._routers("TIER1") if tag_value(o, CLUSTER_TAG) == self.cluster]
        if type_name in ("TIER1_LOGICAL_ROUTER_PORT", "TIER0_LOGICAL_ROUTER_PORT"):
            routers = {r["id"] for r in self._routers("TIER1" if type_name.startswith("TIER1") else "TIER0")}
            return [o for o in self._mine(path) if o.get("logical_router_id") in routers]
        if type_name == "NAT":
            rules = []
            for router in self._routers("TIER1") + self._routers("TIER0"):
                if router["router_type"] == "TIER1" and tag_value(router, CLUSTER_TAG) != self.cluster:
                    continue
                rules += [r for r in self._list(path.format(router=router["id"])) if tag_value(r, CLUSTER_TAG) == self.cluster]
            return rules
        return self._mine(path)

    def plan(self, scope, namespaces):
        requests = []
        for type_name, path, type_scope in TYPES:
            if type_scope != scope:
                continue
            objects = self.shared_entries(type_name) if scope == "shared" else self.cluster_objects(type_name, path)
            entries = []
            for index, obj in enumerate(objects):
                project = tag_value(obj, PROJECT_TAG)
                if scope == "cluster" and project and project not in namespaces:
                    raise Refusal(
                        f"MP {type_name} {obj['id']} belongs to namespace {project!r}, which Kubernetes does not have: "
                        "run NCP in MP mode until it is idle (at least 10 minutes), stop it, and retry"
                    )
                entry = _entry(obj)
                if type_name == "DFW_SECTION":
                    entry["metadata"] = [{"key": "category", "value": "Application"}, {"key": "sequence", "value": str(index + 1)}]
                entries.append(entry)
            if entries:
                requests.append((type_name, entries, path))
        return requests


# ---- records on local disk -------------------------------------------------------------------------------
class Records:
    """Imported batches of one cluster and scope, in import order (records/<cluster>-<scope>.json beside the script)."""

    def __init__(self, cluster, scope):
        self.path = os.path.join(HERE, "records", f"{cluster}-{scope}.json")
        self.data = {"cluster": cluster, "scope": scope, "batches": [], "policy_paths": {}}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                self.data.update(json.load(handle))

    @property
    def batches(self):
        return self.data["batches"]

    def has_dfw(self):
        return any(batch["type"] == "DFW_SECTION" for batch in self.batches)

    def add(self, type_name, entries, path):
        self.batches.append({"type": type_name, "path": path, "resource_ids": entries, "imported_at": _now()})
        self.save()

    def save(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, indent=1)
        os.replace(tmp, self.path)

    def clear(self):
        self.data["batches"] = []
        self.data["policy_paths"] = {}
        self.save()


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- phase 2: the migration coordinator -------------------------------------------------------------------
class Coordinator:
    STATUS = "/api/v1/migration/status-summary?component_type=MP_TO_POLICY_MIGRATION"

    def __init__(self, client, config):
        self.client = client
        self.poll = float(config.get("poll_interval", 1.0))
        self.timeout = float(config.get("migration_timeout", 3600))

    def status(self):
        return self.client.call("GET", self.STATUS)

    def wait(self, done_states):
        deadline = time.monotonic() + self.timeout
        while True:
            status = self.status()
            if status.get("overall_migration_status") in done_states:
                return status
            if time.monotonic() > deadline:
                raise ImportFailure(f"the migration did not reach {'/'.join(done_states)} within {self.timeout:.0f} s")
            time.sleep(self.poll)

    def ready(self):
        if self.status().get("overall_migration_status") not in ("NOT_STARTED", "SUCCESS"):
            self.client.call("POST", "/api/v1/migration/plan?action=abort")

    def import_batch(self, type_name, entries):
        """Import one batch; returns the entries really imported (duplicates dropped and resent without them)."""
        pending = list(entries)
        while pending:
            self.ready()
            self.client.call("POST", "/api/v1/migration/mp-to-policy", {"migration_data": [{"type": type_name, "resource_ids": pending}], "mode": "CONSUMER"})
            self.client.call("POST", "/api/v1/migration/plan?action=start")
            status = self.wait(("PAUSED", "SUCCESS", "FAILED"))
            components = status.get("component_status") or [{}]
            precheck = components[0]
            if precheck.get("status") == "FAILED":
                details = precheck.get("details", "")
                duplicates = {m.group(1) for m in DUPLICATE.finditer(details)}
                if "is duplicate or already migrated" not in details:
                    raise ImportFailure(f"{type_name}: pre-check failed: {details}")
                before = len(pending)
                pending = [e for e in pending if e["manager_id"] not in duplicates] if duplicates else []
                LOG.info("%s: %d already migrated, %d left to send", type_name, before - len(pending), len(pending))
                self.client.call("POST", "/api/v1/migration/plan?action=abort")
                continue
            self.client.call("POST", "/api/v1/migration/plan?action=continue")
            status = self.wait(("SUCCESS", "FAILED"))
            migration = (status.get("component_status") or [{}, {}])[-1]
            if status.get("overall_migration_status") == "FAILED" or migration.get("status") == "FAILED":
                for item in self.client.call("GET", "/api/v1/migration/mp-to-policy/feedback").get("results", []):
                    for error in item.get("error_list", []):
                        LOG.error(
                            "%s %s (%s): %s %s",
                            item.get("type"),
                            item.get("mp_id"),
                            item.get("mp_display_name"),
                            error.get("error_id"),
                            error.get("error_desc"),
                        )
                raise ImportFailure(f"{type_name}: migration failed: {migration.get('details', '')}")
            return pending
        return []

    def rollback(self, batches):
        data = [{"type": b["type"], "resource_ids": b["resource_ids"]} for b in reversed(batches)]
        if data:
            self.client.call("POST", "/api/v1/migration/mp-to-policy/rollback", {"migration_data": data})


# ---- lab-only fault injection (tests/faults) ----------------------------------------------------------------
LAB_FAULT_KINDS = ("rc1", "rc2", "crash", "hang", "leave_one")


class LabFault(Exception):
    """Raised by the lab fault hook to end a scope with a chosen exit code."""

    def __init__(self, rc):
        super().__init__(f"lab fault: exit {rc}")
        self.rc = rc


def lab_fault(config, scope):
    """The ``lab_fault`` of config.yaml when it applies to this scope, else None (a bad spec is a Refusal)."""
    spec = config.get("lab_fault")
    if not spec:
        return None
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict) or spec.get("kind") not in LAB_FAULT_KINDS:
        raise Refusal(f"lab_fault must name a kind of {', '.join(LAB_FAULT_KINDS)}: {spec!r}")
    if spec.get("scope", "cluster") not in (scope, "any"):
        return None
    return {"kind": spec["kind"], "after_batches": int(spec.get("after_batches", 1)), "type": str(spec.get("type", "LOGICAL_PORT"))}


def leave_one_out(fault, requests):
    """leave_one: the last object of the fault's type (default LOGICAL_PORT, which nothing imported later depends on) is
    left out of the requests, silently, and the run still exits 0 - an importer that misses an object (issue 26)."""
    if not fault or fault["kind"] != "leave_one":
        return requests
    kept = []
    for type_name, entries, path in requests:
        if type_name == fault["type"] and entries:
            LOG.debug("lab fault leave_one: %s %s left out", type_name, entries[-1]["manager_id"])
            entries = entries[:-1]
        if entries:
            kept.append((type_name, entries, path))
    return kept


def fault_hook(fault, records, coordinator, imported_batches):
    """Fire the lab fault once ``imported_batches`` batches of the scope were imported (0: before the first).

    rc1: exit 1 leaving the imported batches in place (as after a failed rollback); rc2: roll back what the
    records hold, exit 2 (as after a failed migration step); crash: the process dies of SIGSEGV (no exit
    code, objects left imported); hang: the process stops making progress (until the caller's timeout kills it).
    """
    if not fault or fault["kind"] == "leave_one" or imported_batches != fault["after_batches"]:
        return
    kind = fault["kind"]
    LOG.error("lab fault %s after %d imported batch(es)", kind, imported_batches)
    for handler in LOG.handlers:
        handler.flush()
    if kind == "rc1":
        raise LabFault(RC_KEEP_NCP_STOPPED)
    if kind == "rc2":
        coordinator.rollback(records.batches)
        records.clear()
        raise LabFault(RC_RESTART_MP)
    if kind == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    while True:  # hang
        time.sleep(3600)


# ---- running a scope --------------------------------------------------------------------------------------
def chunks(entries, size):
    for start in range(0, len(entries), size):
        yield entries[start : start + size]


# MigratedObject.resource_type where it differs from the migration_data type (IP_BLOCK / IP_POOL names UNCONFIRMED).
MIGRATED_RESOURCE_TYPES = {"IP_BLOCK": "IPBLOCK", "IP_POOL": "IPPOOL"}


def read_back(client, records):
    """Phase 3: the Policy path of every imported object, from the migration API's MP-id -> Policy mapping."""
    paths = {}
    for batch in records.batches:
        if batch["type"] == "TIER0_LOGICAL_ROUTER_CONFIG" or "{router}" in batch["path"]:
            continue  # no object of its own (config) / NAT rules: read through their router
        resource_type = MIGRATED_RESOURCE_TYPES.get(batch["type"], batch["type"])
        query = urllib.parse.urlencode({"resource_type": resource_type})
        mapping = {item["resource_id"]: item["policy_path"] for item in client.list_all(f"/api/v1/migration/migrated-resources?{query}")}
        for entry in batch["resource_ids"]:
            path = mapping.get(entry["manager_id"])
            if not path:
                raise ImportFailure(f"{batch['type']} {entry['manager_id']} has no Policy path in migrated-resources after import")
            paths[entry["manager_id"]] = path
    records.data["policy_paths"] = paths
    records.save()
    return paths


def run_scope(client, config, scope, requests):
    cluster = str(config["cluster"])
    records = Records(cluster, scope)
    coordinator = Coordinator(client, config)
    size = int(config.get("batch_size", 1000))
    LOG.info("%s import of cluster %s: %d types, %d objects", scope, cluster, len(requests), sum(len(entries) for _type, entries, _path in requests))
    try:
        client.call("POST", "/api/v1/migration/mp-to-policy/workflow?action=INITIATE")
    except NsxError as exc:
        raise Refusal(f"cannot open the migration window: {exc}") from exc
    fault = lab_fault(config, scope)
    requests = leave_one_out(fault, requests)
    done = 0
    try:
        fault_hook(fault, records, coordinator, done)
        for type_name, entries, path in requests:
            for batch in chunks(entries, size):
                imported = coordinator.import_batch(type_name, batch)
                if imported:
                    records.add(type_name, imported, path)
                LOG.info("%s: %d imported", type_name, len(imported))
                done += 1
                fault_hook(fault, records, coordinator, done)
        paths = read_back(client, records)
        _write_policy_ids(cluster, scope, paths)
    except LabFault as exc:
        return exc.rc
    except (ImportFailure, NsxError) as exc:
        LOG.error("%s import failed: %s", scope, exc)
        return fail_and_roll_back(coordinator, records)
    finally:
        _close_window(client)
    LOG.info("%s import of cluster %s succeeded", scope, cluster)
    return RC_OK


def fail_and_roll_back(coordinator, records):
    if records.has_dfw():
        LOG.error("DFW sections were imported: a full rollback is impossible; restore the NSX backup. Do not run NCP in MP mode.")
        return RC_KEEP_NCP_STOPPED
    try:
        coordinator.rollback(records.batches)
    except NsxError as exc:
        LOG.error("rollback failed: %s; restore the NSX backup. Do not run NCP in MP mode.", exc)
        return RC_KEEP_NCP_STOPPED
    LOG.info("rolled back %d imported batch(es); NCP can be restarted in MP mode", len(records.batches))
    records.clear()
    return RC_RESTART_MP


def _close_window(client):
    try:
        client.call("POST", "/api/v1/migration/mp-to-policy/workflow?action=DONE", attempts=3)
    except NsxError as exc:
        LOG.warning("could not close the migration window: %s", exc)


def _write_policy_ids(cluster, scope, paths):
    target = os.path.join(HERE, f"policy-ids-{cluster}.json")
    data = {}
    if os.path.exists(target):
        with open(target, encoding="utf-8") as handle:
            data = json.load(handle)
    data[scope] = {mp_id: path.rsplit("/", 1)[-1] for mp_id, path in paths.items()}
    data[f"{scope}_paths"] = paths
    with open(target + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    os.replace(target + ".tmp", target)


def roll_back_on_request(client, config, scopes):
    """``rollback_imported_resources: True``: roll back what the records say (cluster before shared)."""
    cluster = str(config["cluster"])
    coordinator = Coordinator(client, config)
    for scope in reversed(scopes):
        records = Records(cluster, scope)
        if records.has_dfw():
            LOG.error("%s records include DFW sections: a full rollback is impossible; restore the NSX backup", scope)
            return RC_KEEP_NCP_STOPPED
        try:
            coordinator.rollback(records.batches)
            _close_window(client)
        except NsxError as exc:
            LOG.error("rollback of the %s import failed: %s; restore the NSX backup", scope, exc)
            return RC_KEEP_NCP_STOPPED
        LOG.info("rolled back %d recorded %s batch(es)", len(records.batches), scope)
        records.clear()
    return RC_OK


# ---- lab only: importer runs that ran at once (invariant 3, tests/faults and tests/integration) ----------------
RUN_LEDGER_KEY = "lab_run_ledger"
RUN_LEDGER_FILE = "runs.jsonl"
HOST_NAME = os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))  # HOST_ROOT/opt/ncp/<dir>


def join_run_ledger(config, scopes):
    """Note this run in the lab's run ledger with the importer runs still running now; return the handle to keep open.

    Each run holds an exclusive ``flock`` on its own entry under ``running/`` for as long as its process lives (the
    kernel drops it at exit, also on SIGKILL or SIGSEGV); an entry is renamed into place only once locked, so one whose
    lock can be taken belongs to a run that ended. ``runs.jsonl`` gets one line per run, in start order, with
    ``running_with``: the runs it found running. Independent of clocks: two runs that overlap by a millisecond are
    seen (the later one finds the earlier locked). None without ``lab_run_ledger``.
    """
    directory = config.get(RUN_LEDGER_KEY)
    if not directory:
        return None
    running = os.path.join(str(directory), "running")
    os.makedirs(running, exist_ok=True)
    entry = {"pid": os.getpid(), "host": HOST_NAME, "cluster": str(config.get("cluster")), "scopes": scopes, "started": time.time()}
    name = f"{os.getpid()}-{random.getrandbits(32):08x}.json"
    handle = open(os.path.join(running, "." + name), "w", encoding="utf-8")  # noqa: SIM115 - held until the process exits
    fcntl.flock(handle, fcntl.LOCK_EX)
    json.dump(entry, handle)
    handle.flush()
    os.rename(handle.name, os.path.join(running, name))
    others = []
    for other in sorted(os.listdir(running)):
        if other == name or other.startswith("."):
            continue
        path = os.path.join(running, other)
        try:
            with open(path, encoding="utf-8") as peer:
                try:
                    fcntl.flock(peer, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    others.append(json.load(peer))
                    continue
                os.unlink(path)  # its run ended
        except FileNotFoundError:
            continue
    with open(os.path.join(str(directory), RUN_LEDGER_FILE), "a", encoding="utf-8") as ledger:
        fcntl.flock(ledger, fcntl.LOCK_EX)
        ledger.write(json.dumps(dict(entry, running_with=others)) + "\n")
    return handle


def read_run_ledger(directory):
    """The runs noted in a run ledger, in start order (see join_run_ledger); [] when none ran."""
    path = os.path.join(str(directory), RUN_LEDGER_FILE)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ---- command line -----------------------------------------------------------------------------------------
def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--shared-only", action="store_true", help="import only the shared resources named in user-spec.yaml")
    only.add_argument("--cluster-only", action="store_true", help="import only the resources tagged for the cluster")
    parser.add_argument("--config", default=os.path.join(HERE, "config.yaml"))
    parser.add_argument("--user-spec", default=os.path.join(HERE, "user-spec.yaml"))
    return parser.parse_args(argv)


def setup_logging():
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    LOG.setLevel(logging.INFO)
    LOG.handlers = []
    for handler in (logging.StreamHandler(sys.stdout), logging.FileHandler(os.path.join(HERE, "mp_to_policy_importer.log"))):
        handler.setFormatter(formatter)
        LOG.addHandler(handler)


def process_age():
    """Seconds since this process was started (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            started_ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def main(argv=None):
    # Counted from the process start: the interpreter's start and imports are part of the fixed duration.
    began = time.monotonic() - process_age()
    simulated = {}
    rc = run(argv, simulated)
    # Lab only: a fixed import duration for benchmarks (the rest of simulated_seconds is slept away).
    remaining = float(simulated.get("simulated_seconds") or 0) - (time.monotonic() - began)
    if remaining > 0:
        time.sleep(remaining)
    return rc


def run(argv, simulated):
    args = parse_args(argv)
    setup_logging()
    scopes = ["shared"] if args.shared_only else ["cluster"] if args.cluster_only else ["shared", "cluster"]
    try:
        config = load_config(args.config)
        simulated["simulated_seconds"] = config.get("simulated_seconds")
        simulated["ledger_entry"] = join_run_ledger(config, scopes)  # before the first NSX call, held until exit
        user_spec = load_yaml(args.user_spec, required=False)
        client = NsxClient(config)
        if config.get("rollback_imported_resources"):
            return roll_back_on_request(client, config, scopes)
        namespaces = read_cluster(config) if "cluster" in scopes else set()
        planner = Planner(client, config, user_spec)
        plans = [(scope, planner.plan(scope, namespaces)) for scope in scopes]  # phase 1 for every scope first
        for scope, requests in plans:
            rc = run_scope(client, config, scope, requests)
            if rc != RC_OK:
                return rc
        return RC_OK
    except Refusal as exc:
        LOG.error("cannot build the migration requests, nothing was changed: %s", exc)
        return RC_RESTART_MP
    except (NsxError, ssl.SSLError, OSError) as exc:
        LOG.error("cannot read NSX, nothing was changed: %s", exc)
        return RC_RESTART_MP


if __name__ == "__main__":
    sys.exit(main())
