"""The REST verbs on resources: get/list/create/update/patch/delete and the ``scale`` subresource.

Each function takes the parsed request (``Request``) and returns ``(http_code, body)`` or raises ApiError.
Watches are streamed by the server itself (see server.py).
"""

import copy
import json
from dataclasses import dataclass, field

import yaml

from . import tables
from .errors import ApiError, bad_request
from .patching import PatchError, json_patch, merge_patch, strategic_merge_patch
from .selectors import SelectorError, match_labels_selector, parse_field_selector, parse_label_selector

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "unsupported",
}


@dataclass
class Request:
    """A resource request as the router parsed it."""

    method: str
    resource: object
    namespace: str | None
    name: str | None
    subresource: str | None
    query: dict
    body: bytes = b""
    content_type: str = ""
    accept: str = ""
    user_agent: str = ""
    extra: dict = field(default_factory=dict)

    def param(self, name, default=None):
        return self.query.get(name, [default])[0]

    @property
    def dry_run(self):
        return self.param("dryRun") == "All"

    @property
    def manager(self):
        return self.param("fieldManager") or (self.user_agent.split("/", 1)[0] or "unknown")

    @property
    def wants_table(self):
        return "as=Table" in self.accept


def decode_body(req):
    if not req.body:
        raise bad_request("the request has no body")
    try:
        if req.content_type.startswith("application/apply-patch+yaml") or "yaml" in req.content_type:
            return yaml.safe_load(req.body)
        return json.loads(req.body)
    except (ValueError, yaml.YAMLError) as exc:
        raise bad_request(f"the body of the request could not be decoded: {exc}") from exc


def predicate(req):
    try:
        labels = parse_label_selector(req.param("labelSelector", ""))
        fields = parse_field_selector(req.param("fieldSelector", ""))
    except SelectorError as exc:
        raise bad_request(str(exc)) from exc
    return lambda obj: labels(obj["metadata"].get("labels")) and fields(obj)


def list_objects(store, req):
    items, version = store.list(req.resource, req.namespace, predicate(req))
    if req.wants_table:
        return 200, tables.table(req.resource.plural, items, version)
    return 200, {"kind": f"{req.resource.kind}List", "apiVersion": req.resource.api_version, "metadata": {"resourceVersion": str(version)}, "items": items}


def get_object(store, req):
    obj = store.get(req.resource, req.namespace, req.name)
    if req.wants_table:
        return 200, tables.table(req.resource.plural, [obj], obj["metadata"]["resourceVersion"])
    return 200, obj


def create_object(store, req):
    return 201, store.create(req.resource, req.namespace, decode_body(req), req.manager, req.dry_run)


def update_object(store, req):
    return 200, store.replace(req.resource, req.namespace, req.name, decode_body(req), None, req.manager, req.dry_run, req.subresource)


def _patched(current, patch_kind, body):
    try:
        if patch_kind == "json":
            return json_patch(current, body)
        if patch_kind == "merge":
            return merge_patch(current, body)
        return strategic_merge_patch(current, body)
    except PatchError as exc:
        raise ApiError(422, "Invalid", f"the patch could not be applied: {exc}") from exc


def _patch_kind(req):
    kind = PATCH_TYPES.get(req.content_type.split(";")[0].strip())
    if kind in (None, "unsupported"):
        raise ApiError(
            415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted media types include: {', '.join(PATCH_TYPES)}"
        )
    return kind


def patch_object(store, req):
    kind = _patch_kind(req)
    body = decode_body(req)
    if kind == "apply":
        force = req.param("force") == "true"
        return 200, store.apply(req.resource, req.namespace, req.name, body, req.manager, force, req.dry_run)
    with store.lock:
        current = store.get(req.resource, req.namespace, req.name)
        result = _patched(current, kind, body)
        if not isinstance(result, dict):
            raise ApiError(422, "Invalid", "the patch did not produce an object")
        return 200, store.replace(req.resource, req.namespace, req.name, result, current, req.manager, req.dry_run, req.subresource)


def delete_object(store, req):
    grace = req.param("gracePeriodSeconds")
    if req.body:
        try:
            options = json.loads(req.body)
        except ValueError:
            options = {}
        grace = options.get("gracePeriodSeconds", grace)
    return 200, store.delete(req.resource, req.namespace, req.name, None if grace is None else int(grace), req.dry_run)


def delete_collection(store, req):
    items = store.items(req.resource, req.namespace, predicate(req))
    deleted = [store.delete(req.resource, req.namespace, obj["metadata"]["name"], None, req.dry_run) for obj in items]
    return 200, {"kind": f"{req.resource.kind}List", "apiVersion": req.resource.api_version, "metadata": {}, "items": deleted}


# ---- scale subresource (autoscaling/v1 Scale) -------------------------------------------------------
def scale_of(obj):
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta},
        "spec": {"replicas": obj["spec"].get("replicas", 1)},
        "status": {"replicas": obj.get("status", {}).get("replicas", 0), "selector": match_labels_selector(obj["spec"].get("selector", {}).get("matchLabels"))},
    }


def scale(store, req):
    with store.lock:
        current = store.get(req.resource, req.namespace, req.name)
        if req.method == "GET":
            return 200, scale_of(current)
        if req.method == "PUT":
            wanted = decode_body(req)
        elif req.method == "PATCH":
            kind = _patch_kind(req)
            if kind == "apply":
                raise ApiError(415, "UnsupportedMediaType", "apply patches are not supported on the scale subresource")
            wanted = _patched(scale_of(current), kind, decode_body(req))
        else:
            raise ApiError(405, "MethodNotAllowed", f"{req.method} is not supported on scale")
        replicas = (wanted.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise ApiError(422, "Invalid", f'Scale.autoscaling "{req.name}" is invalid: spec.replicas: Invalid value: {replicas!r}')
        updated = copy.deepcopy(current)
        updated["spec"]["replicas"] = replicas
        updated["metadata"]["resourceVersion"] = (wanted.get("metadata") or {}).get("resourceVersion") or current["metadata"]["resourceVersion"]
        result = store.replace(req.resource, req.namespace, req.name, updated, current, req.manager, req.dry_run)
        return 200, scale_of(result)


def handle(store, req):
    """Dispatch one non-watch resource request."""
    if req.subresource == "scale":
        if req.resource.plural != "deployments":
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return scale(store, req)
    if req.subresource and req.subresource not in req.resource.subresources:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    if req.name is None:
        if req.method == "GET":
            return list_objects(store, req)
        if req.method == "POST":
            return create_object(store, req)
        if req.method == "DELETE":
            return delete_collection(store, req)
    else:
        if req.method == "GET":
            return get_object(store, req)
        if req.method == "PUT":
            return update_object(store, req)
        if req.method == "PATCH":
            return patch_object(store, req)
        if req.method == "DELETE":
            return delete_object(store, req)
    raise ApiError(405, "MethodNotAllowed", f"the server does not allow this method on the requested resource: {req.method}")
