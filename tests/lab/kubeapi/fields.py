"""Field ownership (``metadata.managedFields``), so server-side apply conflicts like a real API server.

Ownership is tracked per leaf of nested maps; a list counts as one leaf (a simplification:
Kubernetes tracks keyed list items separately).
"""

from .timeutil import now_rfc3339

SYSTEM_METADATA = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
}
MISSING = object()


def leaves(obj, prefix=()):
    """Paths (tuples) of the leaves a writer can own; apiVersion/kind/status and system metadata excluded."""
    paths = {}
    if not isinstance(obj, dict):
        return paths
    for key, value in obj.items():
        if not prefix and key in ("apiVersion", "kind", "status"):
            continue
        if prefix == ("metadata",) and key in SYSTEM_METADATA:
            continue
        path = (*prefix, key)
        if isinstance(value, dict) and value:
            paths.update(leaves(value, path))
        else:
            paths[path] = value
    return paths


def value_at(obj, path):
    node = obj
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def to_fields_v1(paths):
    tree = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(f"f:{part}", {})
    return tree


def from_fields_v1(tree, prefix=()):
    paths = set()
    for key, child in (tree or {}).items():
        if not key.startswith("f:"):
            continue  # keyed list items and "." markers: the lab owns lists whole
        path = (*prefix, key[2:])
        nested = from_fields_v1(child, path) if child else set()
        paths.update(nested or {path})
    return paths


def _owned(entries):
    return [(entry, from_fields_v1(entry.get("fieldsV1"))) for entry in entries]


def _upsert(entries, manager, operation, api_version, paths):
    kept = [e for e in entries if not (e.get("manager") == manager and e.get("operation") == operation)]
    if paths:
        kept.append(
            {
                "manager": manager,
                "operation": operation,
                "apiVersion": api_version,
                "time": now_rfc3339(),
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(paths),
            }
        )
    return kept


def record_update(old, new, manager, api_version):
    """managedFields after an Update-type write (create, PUT, patch) by ``manager``."""
    entries = list((old or {}).get("metadata", {}).get("managedFields", []))
    before, after = leaves(old or {}), leaves(new)
    changed = {p for p, v in after.items() if before.get(p, MISSING) != v}
    removed = set(before) - set(after)
    result = []
    for entry, paths in _owned(entries):
        remaining = paths - changed - removed
        if remaining or (entry.get("manager") == manager and entry.get("operation") == "Update"):
            result.append({**entry, "fieldsV1": to_fields_v1(remaining)})
    mine = next((paths for entry, paths in _owned(result) if entry.get("manager") == manager and entry.get("operation") == "Update"), set())
    return _upsert(result, manager, "Update", api_version, (mine | changed) - removed)


def apply_conflicts(current, applied, manager):
    """``[(path, other_manager)]`` for applied leaves that change a value another manager owns."""
    conflicts = []
    for path, value in leaves(applied).items():
        if value_at(current, path) == value:
            continue
        for entry, paths in _owned(current.get("metadata", {}).get("managedFields", [])):
            if entry.get("manager") != manager and any(path[: len(p)] == p or p[: len(path)] == path for p in paths):
                conflicts.append((path, entry.get("manager"), entry.get("apiVersion", "v1")))
    return conflicts


def record_apply(current, applied, manager, api_version):
    """managedFields after a server-side apply: the manager owns exactly what it applied; others lose it."""
    applied_paths = set(leaves(applied))
    result = []
    for entry, paths in _owned((current or {}).get("metadata", {}).get("managedFields", [])):
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            continue
        remaining = {p for p in paths if not any(p[: len(a)] == a or a[: len(p)] == p for a in applied_paths)}
        if remaining:
            result.append({**entry, "fieldsV1": to_fields_v1(remaining)})
    return _upsert(result, manager, "Apply", api_version, applied_paths)


def applied_paths_of(obj, manager):
    """Leaves the manager owns through Apply (what it applied last time)."""
    for entry, paths in _owned(obj.get("metadata", {}).get("managedFields", [])):
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            return paths
    return set()
