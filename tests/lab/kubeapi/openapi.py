"""The ``/openapi/v3`` documents kubectl reads.

kubectl only needs to learn that PATCH of each kind accepts the ``fieldValidation`` query
parameter (then it leaves validation to the server instead of wanting full schemas).
``/openapi/v2`` stays 404 on purpose: kubectl wants protobuf there and copes without it.
"""

import hashlib
import json

from .resources import GROUP_VERSIONS, RESOURCES

QUERY_PARAMS = ["dryRun", "fieldManager", "fieldValidation", "force", "pretty"]


def _gv_path(group, version):
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _operation(res, action):
    return {
        "operationId": f"{action}{res.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": res.group, "version": res.version, "kind": res.kind},
        "parameters": [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for name in QUERY_PARAMS],
        "responses": {"200": {"description": "OK"}},
    }


def group_version_document(group, version):
    """The per-group-version OpenAPI v3 document; None when the group version is unknown."""
    if (group, version) not in GROUP_VERSIONS:
        return None
    paths = {}
    for res in RESOURCES:
        if (res.group, res.version) != (group, version):
            continue
        base = "/" + _gv_path(group, version) + ("/namespaces/{namespace}/" if res.namespaced else "/") + res.plural
        paths[base] = {"get": _operation(res, "list"), "post": _operation(res, "post")}
        paths[base + "/{name}"] = {
            "get": _operation(res, "get"),
            "put": _operation(res, "put"),
            "patch": _operation(res, "patch"),
            "delete": _operation(res, "delete"),
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.31.4"},
        "paths": paths,
        "components": {"schemas": {}},
    }


def root_document():
    """``/openapi/v3``: where each group version's document lives (the hash lets kubectl cache it)."""
    paths = {}
    for group, version in GROUP_VERSIONS:
        digest = hashlib.sha512(json.dumps(group_version_document(group, version), sort_keys=True).encode()).hexdigest().upper()[:128]
        paths[_gv_path(group, version)] = {"serverRelativeURL": f"/openapi/v3/{_gv_path(group, version)}?hash={digest}"}
    return {"paths": paths}
