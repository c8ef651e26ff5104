"""Lab admin endpoints under ``/_lab/`` (no auth; the lab listens on 127.0.0.1 only).

GET  /_lab/state                      settings, faults, resourceVersion
POST /_lab/settings                   {"pod_termination_delay": 5, ...}
POST /_lab/faults                     {"pods_never_terminate": true, "ncp_never_ready": true, "unreachable": true}
GET  /_lab/ncp                        NCP pods now (name, phase, ready, terminating, policy_nsxapi) and every NCP start
POST /_lab/configmaps/NS/NAME         {"data": {...}, "manager": "somebody-else"}: an edit made by someone else
POST /_lab/manifest                   a YAML manifest (body), applied like ``kubectl apply -f``
POST /_lab/rbac                       {"denied": ["patch deployments/scale", ...]}: rights the user lacks (authz.py)
GET  /_lab/history/PLURAL             every write to that resource kept in the watch event log, in order: resourceVersion,
                                      type (ADDED / MODIFIED / DELETED), namespace, name, spec (so a test can order writes
                                      of two resources, e.g. an admission policy's creation against NCP's scale-down)
"""

import json

from .controller import ANNOTATION_MODE
from .errors import ApiError, bad_request
from .patching import merge_patch
from .resources import find
from .seed import apply_manifest_text

PODS = find("", "v1", "pods")
CONFIGMAPS = find("", "v1", "configmaps")


def _json(body):
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise bad_request(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise bad_request("a JSON object is expected")
    return data


def _update_known(target, changes, what):
    unknown = set(changes) - set(target)
    if unknown:
        raise bad_request(f"unknown {what}: {', '.join(sorted(unknown))}")
    target.update(changes)


def ncp_report(store):
    pods = store.items(PODS)
    current = []
    for pod in pods:
        mode = pod["metadata"].get("annotations", {}).get(ANNOTATION_MODE)
        if mode is None:
            continue
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod.get("status", {}).get("conditions", []))
        current.append(
            {
                "name": pod["metadata"]["name"],
                "namespace": pod["metadata"]["namespace"],
                "phase": pod["status"].get("phase"),
                "ready": ready,
                "terminating": bool(pod["metadata"].get("deletionTimestamp")),
                "policy_nsxapi": mode == "True",
                "started_at": pod["status"].get("startTime"),
            }
        )
    return {"pods": current, "starts": store.ncp_starts}


def handle(store, method, parts, body):
    """``parts`` is the path below /_lab/. Returns (code, body)."""
    with store.lock:
        if method == "GET" and parts == ["state"]:
            return 200, {"settings": store.settings, "faults": store.faults, "denied": store.denied, "resourceVersion": store.resource_version}
        if method == "GET" and parts == ["ncp"]:
            return 200, ncp_report(store)
        if method == "GET" and len(parts) == 2 and parts[0] == "history":
            return 200, {
                "items": [
                    {"resourceVersion": rv, "type": kind, "namespace": namespace, "name": obj["metadata"]["name"], "spec": obj.get("spec")}
                    for rv, plural, namespace, kind, obj in list(store.events)
                    if plural == parts[1]
                ]
            }
        if method == "POST" and parts == ["settings"]:
            _update_known(store.settings, {k: float(v) for k, v in _json(body).items()}, "settings")
            store.save()
            return 200, store.settings
        if method == "POST" and parts == ["faults"]:
            _update_known(store.faults, {k: bool(v) for k, v in _json(body).items()}, "faults")
            store.save()
            return 200, store.faults
        if method == "POST" and len(parts) == 3 and parts[0] == "configmaps":
            data = _json(body)
            current = store.get(CONFIGMAPS, parts[1], parts[2])
            updated = merge_patch(current, {"data": data.get("data", {})})
            result = store.replace(CONFIGMAPS, parts[1], parts[2], updated, current, data.get("manager", "somebody-else"))
            return 200, result
        if method == "POST" and parts == ["rbac"]:
            denied = _json(body).get("denied", [])
            if not isinstance(denied, list) or not all(isinstance(d, str) and len(d.split()) == 2 for d in denied):
                raise bad_request('denied must be a list of "VERB RESOURCE[/SUBRESOURCE]"')
            store.denied = list(denied)
            store.save()
            return 200, {"denied": store.denied}
        if method == "POST" and parts == ["manifest"]:
            return 200, {"skipped": apply_manifest_text(store, body.decode("utf-8", "replace"))}
    raise ApiError(404, "NotFound", f"no lab endpoint {method} /_lab/{'/'.join(parts)}")
