"""The cluster's objects: one global resourceVersion, an event log for watches, optional persistence."""

import collections
import copy
import json
import os
import threading
import uuid

from . import fields
from .errors import ApiError, already_exists, bad_request, conflict, invalid, not_found
from .patching import prune_removed, strategic_merge_patch
from .resources import find as find_resource
from .timeutil import now_rfc3339

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
EVENT_LOG_SIZE = 20000
# Settings the lab can change at run time (seconds); faults are booleans, off by default.
DEFAULT_SETTINGS = {"pod_start_delay": 0.3, "pod_ready_delay": 0.3, "pod_termination_delay": 2.0}
DEFAULT_FAULTS = {"pods_never_terminate": False, "ncp_never_ready": False, "unreachable": False}


def object_key(res, namespace, name):
    return (res.plural, namespace if res.namespaced else "", name)


class Store:
    """Thread-safe object store; ``changed`` is notified on every write (watches wait on it)."""

    def __init__(self, state_file=None):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.state_file = state_file
        self.resource_version = 0
        self.objects = {}
        self.events = collections.deque(maxlen=EVENT_LOG_SIZE)
        self.settings = dict(DEFAULT_SETTINGS)
        self.faults = dict(DEFAULT_FAULTS)
        self.denied = []  # "VERB RESOURCE[/SUB]" the lab's RBAC denies (authz.py)
        self.ncp_starts = []  # every NCP start: pod, time, policy_nsxapi, ncp.ini
        if state_file and os.path.exists(state_file):
            self._load()

    # ---- persistence -------------------------------------------------------------------------
    def _load(self):
        with open(self.state_file, encoding="utf-8") as handle:
            data = json.load(handle)
        self.resource_version = data.get("resourceVersion", 0)
        self.settings.update(data.get("settings", {}))
        self.faults.update(data.get("faults", {}))
        self.denied = data.get("denied", [])
        self.ncp_starts = data.get("ncp_starts", [])
        for entry in data.get("objects", []):
            self.objects[tuple(entry["key"])] = entry["object"]

    def save(self):
        if not self.state_file:
            return
        with self.lock:
            data = {
                "resourceVersion": self.resource_version,
                "settings": self.settings,
                "faults": self.faults,
                "denied": self.denied,
                "ncp_starts": self.ncp_starts,
                "objects": [{"key": list(k), "object": v} for k, v in sorted(self.objects.items())],
            }
            tmp = f"{self.state_file}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
            os.replace(tmp, self.state_file)

    # ---- reads ---------------------------------------------------------------------------------
    def get(self, res, namespace, name):
        with self.lock:
            obj = self.objects.get(object_key(res, namespace, name))
            if obj is None:
                raise not_found(res, name)
            return copy.deepcopy(obj)

    def find(self, res, namespace, name):
        """Like get, but None when absent."""
        with self.lock:
            obj = self.objects.get(object_key(res, namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, res, namespace=None, predicate=None):
        with self.lock:
            items = [
                copy.deepcopy(obj)
                for (plural, ns, _name), obj in sorted(self.objects.items())
                if plural == res.plural and (namespace is None or not res.namespaced or ns == namespace) and (predicate is None or predicate(obj))
            ]
            return items, self.resource_version

    def items(self, res, namespace=None, predicate=None):
        """Like list, without the resourceVersion."""
        return self.list(res, namespace, predicate)[0]

    def events_after(self, resource_version):
        """Events newer than ``resource_version``; raises 410 Gone when the log no longer reaches back."""
        with self.lock:
            if self.events and resource_version < self.events[0][0] - 1:
                raise ApiError(410, "Expired", f"too old resource version: {resource_version} ({self.events[0][0] - 1})")
            return [e for e in self.events if e[0] > resource_version]

    # ---- writes --------------------------------------------------------------------------------
    def _commit(self, res, obj, event_type):
        """Store ``obj`` (or delete it) with a new resourceVersion and log the event."""
        self.resource_version += 1
        meta = obj["metadata"]
        key = object_key(res, meta.get("namespace", ""), meta["name"])
        if event_type == "DELETED":
            self.objects.pop(key, None)
        else:
            meta["resourceVersion"] = str(self.resource_version)
            self.objects[key] = obj
        self.events.append((self.resource_version, res.plural, meta.get("namespace", ""), event_type, copy.deepcopy(obj)))
        self.save()
        self.changed.notify_all()
        return copy.deepcopy(obj)

    def _check_identity(self, res, namespace, name, obj):
        if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
            raise bad_request("the object has no metadata")
        if obj.get("kind") and obj["kind"] != res.kind:
            raise bad_request(f"the kind {obj['kind']!r} does not match the resource {res.plural!r}")
        meta = obj["metadata"]
        if name is not None and meta.get("name") not in (None, name):
            raise bad_request(f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})")
        if res.namespaced and meta.get("namespace") not in (None, "", namespace):
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if not meta.get("name") and name is None:
            raise invalid(res, "", "metadata.name: Required value: name is required")

    def create(self, res, namespace, obj, manager="unknown", dry_run=False):
        with self.lock:
            self._check_identity(res, namespace, None, obj)
            obj = copy.deepcopy(obj)
            meta = obj["metadata"]
            if res.namespaced:
                meta["namespace"] = namespace
                if self.find(find_resource("", "v1", "namespaces"), None, namespace) is None and res.plural != "namespaces":
                    raise ApiError(404, "NotFound", f'namespaces "{namespace}" not found', {"name": namespace, "kind": "namespaces"})
            if object_key(res, namespace, meta["name"]) in self.objects:
                raise already_exists(res, meta["name"])
            obj["apiVersion"], obj["kind"] = res.api_version, res.kind
            meta.update(uid=str(uuid.uuid4()), creationTimestamp=now_rfc3339())
            for field in ("resourceVersion", "deletionTimestamp", "managedFields"):
                meta.pop(field, None)
            if res.generation:
                meta["generation"] = 1
            if res.plural == "namespaces":
                obj["status"] = {"phase": "Active"}
            meta["managedFields"] = fields.record_update(None, obj, manager, res.api_version)
            if dry_run:
                return obj
            return self._commit(res, obj, "ADDED")

    def replace(self, res, namespace, name, new, current, manager="unknown", dry_run=False, subresource=None, managed_fields=None):
        """Write ``new`` over ``current`` (PUT or a computed patch result), with the optimistic-concurrency check."""
        with self.lock:
            stored = self.objects.get(object_key(res, namespace, name))
            if stored is None:
                raise not_found(res, name)
            self._check_identity(res, namespace, name, new)
            sent_version = new["metadata"].get("resourceVersion")
            if sent_version and sent_version != stored["metadata"]["resourceVersion"]:
                raise conflict(res, name)
            new = copy.deepcopy(new)
            result = copy.deepcopy(stored)
            if subresource == "status":
                result["status"] = new.get("status", {})
            else:
                status = result.get("status")
                result = new
                result["apiVersion"], result["kind"] = res.api_version, res.kind
                for field in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"):
                    if field in stored["metadata"]:
                        result["metadata"][field] = stored["metadata"][field]
                result["metadata"]["name"] = name
                if res.namespaced:
                    result["metadata"]["namespace"] = namespace
                if status is not None and res.subresources and "status" in res.subresources:
                    result["status"] = status
                if res.generation and result.get("spec") != stored.get("spec"):
                    result["metadata"]["generation"] = stored["metadata"].get("generation", 1) + 1
            if managed_fields is not None:
                result["metadata"]["managedFields"] = managed_fields
            elif new["metadata"].get("managedFields") != stored["metadata"].get("managedFields") and "managedFields" in new["metadata"]:
                pass  # the client rewrote ownership itself (kubectl's client-side to server-side apply upgrade)
            else:
                result["metadata"]["managedFields"] = fields.record_update(stored, result, manager, res.api_version)
            if result == stored:
                return copy.deepcopy(stored)  # a no-op write keeps its resourceVersion, as in Kubernetes
            if dry_run:
                return result
            return self._commit(res, result, "MODIFIED")

    def apply(self, res, namespace, name, applied, manager, force=False, dry_run=False):
        """Server-side apply (``application/apply-patch+yaml``)."""
        with self.lock:
            self._check_identity(res, namespace, name, applied)
            current = self.find(res, namespace, name)
            if current is None:
                created = self.create(res, namespace, applied, manager, dry_run=True)
                created["metadata"]["managedFields"] = fields.record_apply(None, applied, manager, res.api_version)
                return created if dry_run else self._commit(res, created, "ADDED")
            clashes = fields.apply_conflicts(current, applied, manager)
            clashes = [c for c in clashes if not _owned_by_last_applied(current, c[0])]
            if clashes and not force:
                count = len(clashes)
                lines = "\n".join(f'- conflict with "{m}" using {v}: .{".".join(p)}' for p, m, v in clashes)
                message = f"Apply failed with {count} conflict{'s' if count > 1 else ''}: " + (
                    f'conflict with "{clashes[0][1]}" using {clashes[0][2]}: .{".".join(clashes[0][0])}' if count == 1 else "\n" + lines
                )
                causes = [{"type": "FieldManagerConflict", "message": f'conflict with "{m}" using {v}', "field": "." + ".".join(p)} for p, m, v in clashes]
                raise ApiError(409, "Conflict", message, {"causes": causes})
            previous = {}
            for path in fields.applied_paths_of(current, manager):
                node = previous
                for part in path[:-1]:
                    node = node.setdefault(part, {})
                node[path[-1]] = True
            merged = strategic_merge_patch(current, {k: v for k, v in applied.items() if k not in ("apiVersion", "kind")})
            merged = prune_removed(previous, merged, applied)
            merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            ownership = fields.record_apply(current, applied, manager, res.api_version)
            return self.replace(res, namespace, name, merged, current, manager, dry_run=dry_run, managed_fields=ownership)

    def delete(self, res, namespace, name, grace_seconds=None, dry_run=False):
        """Delete; pods only get a deletionTimestamp (the controller removes them after the grace delay)."""
        with self.lock:
            obj = self.get(res, namespace, name)
            if dry_run:
                return obj
            if res.plural == "pods" and grace_seconds != 0:
                if obj["metadata"].get("deletionTimestamp"):
                    return obj
                obj["metadata"]["deletionTimestamp"] = now_rfc3339()
                obj["metadata"]["deletionGracePeriodSeconds"] = int(self.settings["pod_termination_delay"]) if grace_seconds is None else grace_seconds
                return self._commit(res, obj, "MODIFIED")
            return self._commit(res, obj, "DELETED")

    def remove(self, res, namespace, name):
        """Remove at once (the end of a pod's termination)."""
        with self.lock:
            obj = self.find(res, namespace, name)
            if obj is not None:
                self._commit(res, obj, "DELETED")

    def put_status(self, res, namespace, name, status):
        """Controller write of status only; no event when nothing changed."""
        with self.lock:
            obj = self.objects.get(object_key(res, namespace, name))
            if obj is None or obj.get("status") == status:
                return
            obj = copy.deepcopy(obj)
            obj["status"] = status
            self._commit(res, obj, "MODIFIED")

    def put_object(self, res, obj):
        """Controller write of a whole object it owns (pods)."""
        with self.lock:
            self._commit(res, copy.deepcopy(obj), "MODIFIED")


def _owned_by_last_applied(current, path):
    """Like the API server's last-applied manager: a field still equal to its client-side-applied value moves to SSA freely."""
    text = current["metadata"].get("annotations", {}).get(LAST_APPLIED)
    if not text:
        return False
    try:
        last = json.loads(text)
    except ValueError:
        return False
    value = fields.value_at(last, path)
    return value is not fields.MISSING and value == fields.value_at(current, path)
