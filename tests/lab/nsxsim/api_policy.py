"""Policy API under ``/policy/api/v1``: the ``/infra`` tree (get, list with numeric cursors, PATCH/PUT/DELETE) and
realized state."""

from .errors import bad_request, not_found, stale_revision
from .inventory import READ_ONLY, bump, check_can_modify
from .paging import paginate
from .policy_tree import COLLECTION, split
from .routing import Response
from .search import search

PREFIX = "/policy/api/v1"
# Fabric objects the Policy API reads from the enforcement point (official API reference: PolicyTransportZone and
# PolicyEdgeCluster under /infra/sites/{site-id}/enforcement-points/{enforcementpoint-id}/...): created on MP, never
# imported, shown under their MP UUID.
ENFORCEMENT_POINT = "/infra/sites/default/enforcement-points/default"
FABRIC = {
    ENFORCEMENT_POINT + "/transport-zones": ("TransportZone", "PolicyTransportZone"),
    ENFORCEMENT_POINT + "/edge-clusters": ("EdgeCluster", "PolicyEdgeCluster"),
}


class PolicyApi:
    def __init__(self, sim):
        self.sim = sim

    def routes(self):
        return [
            ("GET", PREFIX + "/infra/realized-state/status", self.realized_status),
            # API-REF (Policy API, "Search API": GET /policy/api/v1/search/query, the same Lucene query and
            # paging as the MP search): the Policy objects, with their tags (docs/nsx-api.md).
            ("GET", PREFIX + "/search/query", self.search),
            ("GET", PREFIX + "/infra", self.infra),
            ("GET", PREFIX + "/infra/{rest*}", self.get),
            ("PATCH", PREFIX + "/infra/{rest*}", self.patch),
            ("PUT", PREFIX + "/infra/{rest*}", self.put),
            ("DELETE", PREFIX + "/infra/{rest*}", self.delete),
        ]

    def search(self, request):
        text = request.query.get("query", "")
        return paginate(search(list(self.sim.policy.objects.values()), text), request.query, f"{request.path}?{text}")

    def infra(self, request):
        return {"resource_type": "Infra", "id": "infra", "path": "/infra", "display_name": "infra", "_revision": 0}

    def get(self, request, rest):
        tree = self.sim.policy
        path = "/infra/" + rest
        collection, object_id = split(path)
        if path in FABRIC or collection in FABRIC:
            return self.fabric(request, path)
        if path in tree.objects:
            return tree.objects[path]
        items = sorted(tree.list(path), key=lambda o: (str(o.get("display_name", "")).lower(), o["id"]))
        return paginate(items, request.query, path, numeric=True, extra={"sort_by": "display_name", "sort_ascending": True})

    def fabric(self, request, path):
        """An enforcement point's transport zones / edge clusters: the MP objects, read-only, under their MP UUID."""
        listed = path in FABRIC
        collection = path if listed else split(path)[0]
        kind, resource_type = FABRIC[collection]
        items = [_fabric_object(collection, resource_type, obj) for obj in self.sim.inventory.objects[kind].values()]
        if listed:
            items.sort(key=lambda o: (str(o.get("display_name", "")).lower(), o["id"]))
            return paginate(items, request.query, path, numeric=True, extra={"sort_by": "display_name", "sort_ascending": True})
        found = [item for item in items if item["path"] == path]
        if not found:
            raise not_found(path)
        return found[0]

    def _check_creatable(self, path):
        collection, _rest = split(path)
        if not COLLECTION.match(collection) and collection not in self.sim.policy.children:
            raise bad_request(f"Cannot create an object at {path}: unsupported path.", error_code=500012)

    def patch(self, request, rest):
        tree = self.sim.policy
        path = "/infra/" + rest
        body = request.json()
        existing = tree.objects.get(path)
        if existing is None:
            self._check_creatable(path)
            body.setdefault("display_name", split(path)[1])
            body.update(_create_user=request.principal, _last_modified_user=request.principal, _protection=_protection(request))
            tree.put(path, body, self.sim.settings.realization_seconds)
            return Response(None)
        check_can_modify(existing, existing.get("resource_type", "PolicyObject"), request.principal, request.allow_overwrite)
        for key, value in body.items():
            if key not in READ_ONLY and key not in ("path", "_revision"):
                existing[key] = value
        bump(existing, request.principal)
        return Response(None)

    def put(self, request, rest):
        tree = self.sim.policy
        path = "/infra/" + rest
        body = request.json()
        existing = tree.objects.get(path)
        if existing is None:
            self._check_creatable(path)
            body.pop("_revision", None)
            body.setdefault("display_name", split(path)[1])
            body.update(_create_user=request.principal, _last_modified_user=request.principal, _protection=_protection(request))
            return tree.put(path, body, self.sim.settings.realization_seconds)
        check_can_modify(existing, existing.get("resource_type", "PolicyObject"), request.principal, request.allow_overwrite)
        if body.get("_revision") != existing["_revision"]:
            raise stale_revision(existing.get("resource_type", "PolicyObject"), path)
        kept = {k: existing[k] for k in (*READ_ONLY, "path", "relative_path", "parent_path", "realization_id") if k in existing}
        existing.clear()
        existing.update(body)
        existing.update(kept)
        existing["_revision"] = body["_revision"]
        bump(existing, request.principal)
        return existing

    def delete(self, request, rest):
        tree = self.sim.policy
        path = "/infra/" + rest
        existing = tree.get(path)
        check_can_modify(existing, existing.get("resource_type", "PolicyObject"), request.principal, request.allow_overwrite)
        tree.delete(path)

    def realized_status(self, request):
        intent_path = request.query.get("intent_path")
        if not intent_path:
            raise bad_request("intent_path is required.")
        status = self.sim.policy.realization(intent_path)
        return {"consolidated_status": {"consolidated_status": status}, "intent_path": intent_path, "publish_status": "REALIZED"}


def _protection(request):
    return "REQUIRE_OVERRIDE" if request.auth_kind == "certificate" else "NOT_PROTECTED"


def _fabric_object(collection, resource_type, obj):
    return {
        "resource_type": resource_type,
        "id": obj["id"],
        "display_name": obj.get("display_name", obj["id"]),
        "path": "%s/%s" % (collection, obj["id"]),
        "parent_path": collection.rsplit("/", 1)[0],
        "realization_id": obj["id"],
        "_revision": obj.get("_revision", 0),
    }
