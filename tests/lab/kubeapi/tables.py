"""Server-side printing: the ``meta.k8s.io/v1`` Table kubectl asks for on a plain ``kubectl get``."""

import datetime

from .timeutil import parse_time


def _age(obj, now):
    created = parse_time(obj.get("metadata", {}).get("creationTimestamp"))
    if created is None:
        return "<unknown>"
    seconds = int((now - created).total_seconds())
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _pod_status(pod):
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    for status in pod.get("status", {}).get("containerStatuses", []):
        waiting = status.get("state", {}).get("waiting")
        if waiting:
            return waiting.get("reason", "Waiting")
    return pod.get("status", {}).get("phase", "Pending")


def _pod_row(pod, _now):
    statuses = pod.get("status", {}).get("containerStatuses", [])
    ready = sum(1 for s in statuses if s.get("ready"))
    total = len(pod.get("spec", {}).get("containers", []))
    restarts = sum(s.get("restartCount", 0) for s in statuses)
    return [f"{ready}/{total}", _pod_status(pod), restarts], ["Ready", "Status", "Restarts"]


def _deployment_row(obj, _now):
    status = obj.get("status", {})
    ready = f"{status.get('readyReplicas', 0)}/{obj.get('spec', {}).get('replicas', 1)}"
    return [ready, status.get("updatedReplicas", 0), status.get("availableReplicas", 0)], ["Ready", "Up-to-date", "Available"]


def _daemonset_row(obj, _now):
    status = obj.get("status", {})
    keys = ["desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled", "numberAvailable"]
    return [status.get(k, 0) for k in keys], ["Desired", "Current", "Ready", "Up-to-date", "Available"]


def _configmap_row(obj, _now):
    return [len(obj.get("data", {}) or {}) + len(obj.get("binaryData", {}) or {})], ["Data"]


def _namespace_row(obj, _now):
    return [obj.get("status", {}).get("phase", "Active")], ["Status"]


def _node_row(obj, _now):
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in obj.get("status", {}).get("conditions", []))
    roles = ",".join(sorted(k.rsplit("/", 1)[1] for k in obj["metadata"].get("labels", {}) if k.startswith("node-role.kubernetes.io/"))) or "<none>"
    version = obj.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "")
    return ["Ready" if ready else "NotReady", roles, version], ["Status", "Roles", "Version"]


def _plain_row(_obj, _now):
    return [], []


ROWS = {
    "pods": _pod_row,
    "deployments": _deployment_row,
    "daemonsets": _daemonset_row,
    "configmaps": _configmap_row,
    "namespaces": _namespace_row,
    "nodes": _node_row,
}


def table(plural, objects, resource_version):
    now = datetime.datetime.now(datetime.timezone.utc)
    row_fn = ROWS.get(plural, _plain_row)
    _cells, names = row_fn(objects[0], now) if objects else row_fn({"metadata": {}, "spec": {}, "status": {}}, now)
    columns = [{"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0}]
    columns += [{"name": n, "type": "string", "format": "", "description": n, "priority": 0} for n in names]
    columns.append({"name": "Age", "type": "string", "format": "", "description": "Age", "priority": 0})
    rows = []
    for obj in objects:
        cells, _names = row_fn(obj, now)
        partial = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}
        rows.append({"cells": [obj["metadata"]["name"], *cells, _age(obj, now)], "object": partial})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": str(resource_version)}, "columnDefinitions": columns, "rows": rows}
