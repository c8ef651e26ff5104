"""Generic MP collections (logical routers, switches, ports, pools, NS groups, certificates, LB objects, ...),
NAT rules under their router, IP pool allocations, and the search API."""

import ipaddress
import time

from .errors import bad_request, not_found
from .inventory import apply_update, check_can_modify
from .kinds import KINDS
from .paging import paginate
from .routing import Response, require_action
from .search import compile_query, required_resource_type, search

NAT = "/api/v1/logical-routers/{router_id}/nat/rules"
SEARCH_CACHE_SECONDS = 30.0


class MpApi:
    def __init__(self, sim):
        self.sim = sim
        self._search_cache = {}  # query text -> (monotonic time, results)

    def routes(self):
        routes = [
            ("GET", "/api/v1/search/query", self.search),
            ("GET", "/api/v1/search", self.search),
            ("GET", "/api/v1/pools/ip-pools/{pool_id}/allocations", self.list_allocations),
            ("POST", "/api/v1/pools/ip-pools/{pool_id}", self.pool_action),
            ("GET", NAT, self.list_nat),
            ("POST", NAT, self.create_nat),
            ("GET", NAT + "/{rule_id}", self.get_nat),
            ("PUT", NAT + "/{rule_id}", self.put_nat),
            ("DELETE", NAT + "/{rule_id}", self.delete_nat),
        ]
        for kind in KINDS.values():
            if not kind.url:
                continue
            routes += [
                ("GET", kind.url, self._lister(kind)),
                ("POST", kind.url, self._creator(kind)),
                ("GET", kind.url + "/{object_id}", self._getter(kind)),
                ("PUT", kind.url + "/{object_id}", self._putter(kind)),
                ("DELETE", kind.url + "/{object_id}", self._deleter(kind)),
            ]
        return routes

    # -- generic collections --------------------------------------------------------------
    def _lister(self, kind):
        def handler(request):
            objects = list(self.sim.inventory.objects[kind.name].values())
            for name in kind.list_filters:
                if name in request.query:
                    objects = [o for o in objects if str(o.get(name)) == request.query[name]]
            return paginate(objects, request.query, request.path)

        return handler

    def _creator(self, kind):
        def handler(request):
            body = request.json()
            for key in ("id", "_revision"):
                body.pop(key, None)
            obj = self.sim.inventory.add(kind.name, body, request.principal, request.auth_kind == "certificate")
            return Response(obj, status=201)

        return handler

    def _getter(self, kind):
        def handler(request, object_id):
            return self.sim.inventory.get(kind.name, object_id)

        return handler

    def _putter(self, kind):
        def handler(request, object_id):
            obj = self.sim.inventory.get(kind.name, object_id)
            return apply_update(obj, request.json(), kind.resource_type, request.principal, request.allow_overwrite)

        return handler

    def _deleter(self, kind):
        def handler(request, object_id):
            obj = self.sim.inventory.get(kind.name, object_id)
            check_can_modify(obj, kind.resource_type, request.principal, request.allow_overwrite)
            self.sim.inventory.remove(kind.name, object_id)

        return handler

    # -- IP pool allocations ------------------------------------------------------------------
    def list_allocations(self, request, pool_id):
        self.sim.inventory.get("IpPool", pool_id)
        return paginate(self.sim.inventory.allocations.get(pool_id, []), request.query, request.path)

    def pool_action(self, request, pool_id):
        action = require_action(request, ("ALLOCATE", "RELEASE"))
        inv = self.sim.inventory
        pool = inv.get("IpPool", pool_id)
        allocations = inv.allocations.setdefault(pool_id, [])
        body = request.json(required=False)
        if action == "RELEASE":
            address = body.get("allocation_id")
            kept = [a for a in allocations if a["allocation_id"] != address]
            if len(kept) == len(allocations):
                raise not_found(address)
            inv.allocations[pool_id] = kept
            return body
        address = body.get("allocation_id") or _next_free(pool, allocations)
        if any(a["allocation_id"] == address for a in allocations):
            raise bad_request(f"IP address {address} is already allocated in pool {pool_id}.", error_code=5141)
        allocation = {"allocation_id": address}
        allocations.append(allocation)
        return allocation

    # -- NAT rules --------------------------------------------------------------------------------
    def _router(self, router_id):
        return self.sim.inventory.get("LogicalRouter", router_id)

    def _nat_rule(self, router_id, rule_id):
        self._router(router_id)
        rule = self.sim.inventory.get("NatRule", rule_id)
        if rule.get("logical_router_id") != router_id:
            raise not_found(rule_id)
        return rule

    def list_nat(self, request, router_id):
        self._router(router_id)
        rules = [r for r in self.sim.inventory.objects["NatRule"].values() if r.get("logical_router_id") == router_id]
        return paginate(rules, request.query, request.path)

    def create_nat(self, request, router_id):
        router = self._router(router_id)
        check_can_modify(router, "LogicalRouter", request.principal, request.allow_overwrite)
        body = request.json()
        body.pop("_revision", None)
        body["id"] = self.sim.inventory.new_rule_id()
        body["logical_router_id"] = router_id
        return Response(self.sim.inventory.add("NatRule", body, request.principal, request.auth_kind == "certificate"), status=201)

    def get_nat(self, request, router_id, rule_id):
        return self._nat_rule(router_id, rule_id)

    def put_nat(self, request, router_id, rule_id):
        rule = self._nat_rule(router_id, rule_id)
        apply_update(rule, request.json(), "NatRule", request.principal, request.allow_overwrite)
        rule["logical_router_id"] = router_id
        return rule

    def delete_nat(self, request, router_id, rule_id):
        rule = self._nat_rule(router_id, rule_id)
        check_can_modify(rule, "NatRule", request.principal, request.allow_overwrite)
        self.sim.inventory.remove("NatRule", rule_id)

    # -- search ----------------------------------------------------------------------------------------
    def search(self, request):
        text = request.query.get("query", "")
        node = compile_query(text)
        cached = self._search_cache.get(text)
        # Continuation pages reuse the first page's result set (NSX's search index is not transactional either).
        if request.query.get("cursor") and cached and time.monotonic() - cached[0] < SEARCH_CACHE_SECONDS:
            results = cached[1]
        else:
            inv = self.sim.inventory
            wanted = required_resource_type(node)
            if wanted == "firewallrule":
                candidates = inv.rule_by_id.values()
            elif wanted == "firewallsection":
                candidates = inv.sections
            else:
                candidates = [*inv.all_objects(), *self.sim.policy.objects.values()]
            results = search(candidates, text)
            if len(self._search_cache) > 32:
                self._search_cache.clear()
            self._search_cache[text] = (time.monotonic(), results)
        return paginate(results, request.query, f"{request.path}?{text}")


def _next_free(pool, allocations):
    used = {a["allocation_id"] for a in allocations}
    for subnet in pool.get("subnets", []):
        for allocation_range in subnet.get("allocation_ranges", []):
            start = ipaddress.ip_address(allocation_range["start"])
            end = ipaddress.ip_address(allocation_range["end"])
            address = start
            while address <= end:
                if str(address) not in used:
                    return str(address)
                address += 1
    raise bad_request(f"IP pool {pool['id']} is exhausted.", error_code=5109)
