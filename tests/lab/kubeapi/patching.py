"""The patch flavours kubectl sends: JSON merge (RFC 7386), strategic merge, JSON patch (RFC 6902).

Strategic merge is modelled on what matters for NCP's objects: maps merge, ``null`` deletes,
lists of named items (containers, volumes, env, ...) merge by their key, other lists replace.
"""

import copy

# Lists whose items are merged by a key field instead of being replaced (Kubernetes patchMergeKey).
MERGE_KEYS = {"containerPort": "ports", "mountPath": "volumeMounts", "type": "conditions", "ip": "hostAliases"}
DEFAULT_MERGE_KEY = "name"


class PatchError(ValueError):
    """A patch that cannot be applied (answered 422 / 400)."""


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _merge_key(field_name, items):
    key = next((k for k, v in MERGE_KEYS.items() if v == field_name), DEFAULT_MERGE_KEY)
    if items and all(isinstance(item, dict) and key in item for item in items):
        return key
    return None


def _strategic_list(field_name, target, patch):
    key = _merge_key(field_name, [p for p in patch if isinstance(p, dict) and "$patch" not in p] or patch)
    if key is None or not isinstance(target, list):
        return copy.deepcopy([p for p in patch if not (isinstance(p, dict) and p.get("$patch"))])
    result = copy.deepcopy(target)
    for item in patch:
        if not isinstance(item, dict):
            raise PatchError(f"list {field_name} mixes keyed and plain items")
        index = next((i for i, cur in enumerate(result) if isinstance(cur, dict) and cur.get(key) == item.get(key)), None)
        directive = item.get("$patch")
        if directive == "delete":
            if index is not None:
                result.pop(index)
            continue
        clean = {k: v for k, v in item.items() if k != "$patch"}
        if index is None:
            result.append(strategic_merge_patch({}, clean))
        else:
            result[index] = strategic_merge_patch(result[index], clean)
    return result


def strategic_merge_patch(target, patch):
    """Kubernetes strategic merge patch, for the object shapes the lab serves."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue  # $setElementOrder, $retainKeys, ...: ordering hints only
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _strategic_list(key, result.get(key), value)
        else:
            result[key] = value
    return result


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _walk(doc, parts):
    node = doc
    for part in parts:
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError) as exc:
                raise PatchError(f"no element {part!r}") from exc
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise PatchError(f"path element {part!r} not found")
    return node


def _add(doc, parts, value):
    if not parts:
        return value
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if index > len(parent):
            raise PatchError(f"index {index} out of range")
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise PatchError("cannot add below a scalar")
    return doc


def _remove(doc, parts):
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    try:
        if isinstance(parent, list):
            return parent.pop(int(last))
        return parent.pop(last)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise PatchError(f"cannot remove {'/'.join(parts)}: not found") from exc


def json_patch(target, operations):
    """RFC 6902 JSON patch."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"malformed operation {op!r}")
        parts = _pointer(op["path"])
        kind = op["op"]
        if kind == "add":
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, parts)
        elif kind == "replace":
            _walk(doc, parts)
            if parts:
                _remove(doc, parts)
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind in ("move", "copy"):
            source = _pointer(op.get("from", ""))
            value = _remove(doc, source) if kind == "move" else copy.deepcopy(_walk(doc, source))
            doc = _add(doc, parts, value)
        elif kind == "test":
            if _walk(doc, parts) != op.get("value"):
                raise PatchError(f"test failed at {op['path']}")
        else:
            raise PatchError(f"unknown operation {kind!r}")
    return doc


def prune_removed(last, current, applied):
    """Drop from ``current`` what ``last`` (an earlier apply by the same manager) had and ``applied`` no longer has."""
    if not isinstance(last, dict) or not isinstance(current, dict):
        return current
    for key, value in last.items():
        if key not in applied:
            current.pop(key, None)
        elif isinstance(value, dict) and isinstance(applied[key], dict):
            prune_removed(value, current.get(key), applied[key])
    return current
