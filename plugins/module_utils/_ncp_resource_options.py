# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ncp.ini options that name NSX resources, and how each item becomes a Policy ID that exists.

In MP mode these options take a display name or an MP UUID; in Policy mode only a Policy ID (vendor-facts 3.3,
NCP operator's configmap.yaml). Policy IDs are never computed (the naming rule of NCP 4.x is NOT FOUND): a name is
resolved to its MP object first (exactly one object of the option's type), then MP ID -> Policy ID comes from the
migration API's mapping (``GET /api/v1/migration/migrated-resources``, read through ``importer_policy_ids``), and
each Policy ID is checked with a GET of its Policy path. Transport zones and edge clusters are not imported: the
Policy API reads them from the enforcement point under the MP UUID (API reference, PolicyTransportZone /
PolicyEdgeCluster under ``/infra/sites/{site}/enforcement-points/{ep}``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict, namedtuple

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

POLICY_API = "/policy/api/v1"
ENFORCEMENT_POINT = "/infra/sites/default/enforcement-points/default"
POLICY_PATH_SCOPE = "policyPath"

# One NSX resource type: its MP list, its MigratedObject resource types (official API reference, MigratedResources
# list enum), its Policy collection(s) (routers: by router_type), whether Policy keeps the MP UUID as its ID, and the
# MP API's resource_type of its objects (API reference; what a finding names as object_type).
ResourceKind = namedtuple("ResourceKind", "name mp_list migrated_types policy_collections same_id mp_type")

KINDS = OrderedDict(
    (kind.name, kind)
    for kind in (
        ResourceKind(
            "router", "/api/v1/logical-routers", ("TIER0", "TIER1"), OrderedDict(TIER0="/infra/tier-0s", TIER1="/infra/tier-1s"), False, "LogicalRouter"
        ),
        ResourceKind("ip_block", "/api/v1/pools/ip-blocks", ("IPBLOCK",), ("/infra/ip-blocks",), False, "IpBlock"),
        ResourceKind("ip_pool", "/api/v1/pools/ip-pools", ("IPPOOL",), ("/infra/ip-pools",), False, "IpPool"),
        ResourceKind("transport_zone", "/api/v1/transport-zones", (), (ENFORCEMENT_POINT + "/transport-zones",), True, "TransportZone"),
        ResourceKind("edge_cluster", "/api/v1/edge-clusters", (), (ENFORCEMENT_POINT + "/edge-clusters",), True, "EdgeCluster"),
        ResourceKind("lb_service", "/api/v1/loadbalancer/services", ("LB_SERVICE",), ("/infra/lb-services",), False, "LbService"),
        # An MP IPSet is promoted to a Policy Group (its addresses as an IPAddressExpression).
        ResourceKind("ip_set", "/api/v1/ip-sets", ("IP_SET",), ("/infra/domains/default/groups",), False, "IPSet"),
        ResourceKind(
            "client_ssl_profile",
            "/api/v1/loadbalancer/client-ssl-profiles",
            ("LB_CLIENT_SSL_PROFILE",),
            ("/infra/lb-client-ssl-profiles",),
            False,
            "LbClientSslProfile",
        ),
    )
)

# THE table: every [nsx_v3] option that names an NSX resource -> its resource type (vendor-facts 3.3; tier0_router is
# deprecated in favour of top_tier_router; tier0_gateway: nsx-reference 1). Comma-separated lists where NCP takes them.
RESOURCE_OPTIONS = OrderedDict(
    (
        ("top_tier_router", "router"),
        ("tier0_router", "router"),
        ("tier0_gateway", "router"),
        ("container_ip_blocks", "ip_block"),
        ("no_snat_ip_blocks", "ip_block"),
        ("external_ip_pools", "ip_pool"),
        ("external_ip_pools_lb", "ip_pool"),
        ("overlay_tz", "transport_zone"),
        ("edge_cluster", "edge_cluster"),
        ("lb_service", "lb_service"),
        ("lb_vs_ip_set", "ip_set"),
        ("client_ssl_profile", "client_ssl_profile"),
    )
)
# Options NCP only understands in MP mode (vendor-facts 3.3: the NCP operator strips them in Policy mode).
MP_ONLY_OPTIONS = ("top_firewall_section_marker", "bottom_firewall_section_marker")
MIGRATED_RESOURCES = "/api/v1/migration/migrated-resources"


def option_items(value):
    """The items of an option's value (comma-separated), stripped, empty ones dropped."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def collections_of(kind):
    collections = kind.policy_collections
    return list(collections.values()) if isinstance(collections, dict) else list(collections)


def policy_collection(kind, mp_object):
    if isinstance(kind.policy_collections, dict):
        return kind.policy_collections.get(mp_object.get("router_type"))
    return kind.policy_collections[0]


def policy_id_of(policy_path):
    """The last segment of a Policy path: the object's Policy ID."""
    return policy_path.rstrip("/").rsplit("/", 1)[-1]


def migrated_items(client, resource_type):
    """The migration API's MigratedObjects of one type; None when this NSX release does not know the type (400 / 404)."""
    try:
        return list(client.paginate(MIGRATED_RESOURCES, params={"resource_type": resource_type}))
    except NsxApiError as exc:
        if exc.status in (400, 404):
            return None
        raise


def migrated_resources(client, resource_types):
    """{MP id: (Policy id, Policy path or None)} from the migration API's mapping for ``resource_types``.

    A type this NSX release does not know (400 / 404) is skipped.
    """
    mapping = {}
    for resource_type in resource_types:
        for item in migrated_items(client, resource_type) or []:
            if item.get("resource_id") and (item.get("policy_id") or item.get("policy_path")):
                policy_path = item.get("policy_path") or None
                mapping[item["resource_id"]] = (item.get("policy_id") or policy_id_of(policy_path), policy_path)
    return mapping


def policy_object_exists(client, policy_path):
    try:
        client.get(POLICY_API + policy_path.rstrip("/"))
    except NsxApiError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def policy_path_of(mp_object):
    """The Policy path of a promoted MP object's ``policyPath`` tag (UNCONFIRMED tag), or None."""
    for tag in mp_object.get("tags") or []:
        if tag.get("scope") == POLICY_PATH_SCOPE and tag.get("tag"):
            return tag["tag"]
    return None


class Resolution(object):
    """What ``resolve`` found: ``by_option`` {option: {item: Policy ID}}, ``unresolved`` {option: [(item, reason)]},
    ``checked`` the Policy paths that were read and exist, ``policy_ids`` {item: Policy ID} over every option."""

    def __init__(self):
        self.by_option = OrderedDict()
        self.unresolved = OrderedDict()
        self.checked = []

    @property
    def policy_ids(self):
        return {item: policy_id for items in self.by_option.values() for item, policy_id in items.items()}

    def message(self, section="nsx_v3"):
        return "; ".join(
            "[%s] %s: %s" % (section, option, ", ".join("%s (%s)" % (item, reason) for item, reason in problems))
            for option, problems in self.unresolved.items()
        )


class Resolver(object):
    """Resolves the items of the resource options against one NSX, reading each MP list and mapping once."""

    def __init__(self, client, hints=None):
        self.client = client
        self.hints = dict(hints or {})  # item -> Policy ID given by the operator (or journaled): still checked
        self._read = {}  # (what, kind name or Policy path) -> its answer: each is read once

    def _once(self, key, read):
        if key not in self._read:
            self._read[key] = read()
        return self._read[key]

    def mp_objects(self, kind):
        return self._once(("list", kind.name), lambda: list(self.client.paginate(kind.mp_list)))

    def mapping(self, kind):
        return self._once(("mapping", kind.name), lambda: migrated_resources(self.client, kind.migrated_types))

    def exists(self, policy_path):
        return self._once(("exists", policy_path), lambda: policy_object_exists(self.client, policy_path))

    def mp_named(self, kind, name):
        """The MP objects of ``kind`` whose display name is ``name``."""
        return [mp_object for mp_object in self.mp_objects(kind) if mp_object.get("display_name") == name]

    def find_mp(self, kind, item):
        """(MP object or None, reason when the item names no single object)."""
        for mp_object in self.mp_objects(kind):
            if mp_object.get("id") == item:
                return mp_object, None
        named = self.mp_named(kind, item)
        if len(named) > 1:
            return None, "the name of %d MP objects (%s): give the MP ID instead" % (len(named), ", ".join(sorted(o["id"] for o in named)))
        return (named[0], None) if named else (None, None)

    def existing_policy_path(self, kind, policy_id):
        for collection in collections_of(kind):
            path = "%s/%s" % (collection, policy_id)
            if self.exists(path):
                return path
        return None

    def resolve_item(self, kind, item):
        """(Policy ID, Policy path) or (None, reason)."""
        if item in self.hints:
            path = self.existing_policy_path(kind, self.hints[item])
            if path is None:
                return None, "given Policy ID %s has no Policy object in %s" % (self.hints[item], " or ".join(collections_of(kind)))
            return self.hints[item], path
        mp_object, ambiguous = self.find_mp(kind, item)
        if ambiguous:
            return None, ambiguous
        if mp_object is None:
            # Not an MP name or ID: a Policy ID already (a re-run after the switch) if the Policy API has it.
            path = self.existing_policy_path(kind, item)
            if path is None:
                return None, "no MP %s has this name or ID, and no Policy object %s/%s exists" % (kind.name, collections_of(kind)[0], item)
            return item, path
        policy_id, policy_path = self.mapping(kind).get(mp_object["id"], (None, None))
        if policy_id is None:
            policy_path = policy_path_of(mp_object)  # UNCONFIRMED tag: only when the mapping has no entry
            policy_id = policy_id_of(policy_path) if policy_path else None
        if policy_id is None and kind.same_id:
            policy_id = mp_object["id"]
        if policy_id is None:
            return None, "MP %s %s is not in NSX's migrated-resources (was it imported?)" % (kind.name, mp_object["id"])
        collection = policy_collection(kind, mp_object)
        policy_path = (policy_path or ("%s/%s" % (collection, policy_id) if collection else "")).rstrip("/")
        if not policy_path or not self.exists(policy_path):
            return None, "MP %s %s maps to %s, which the Policy API does not have" % (kind.name, mp_object["id"], policy_path or policy_id)
        return policy_id, policy_path

    def resolve(self, values_list):
        """Resolve every resource option of each ``values`` mapping (an ini section; the ConfigMap, the NCP YAML ...)."""
        result = Resolution()
        for values in values_list:
            for option, kind_name in RESOURCE_OPTIONS.items():
                kind = KINDS[kind_name]
                for item in option_items(values.get(option)):
                    if item in result.by_option.get(option, {}) or item in dict(result.unresolved.get(option, [])):
                        continue
                    policy_id, found = self.resolve_item(kind, item)
                    if policy_id is None:
                        result.unresolved.setdefault(option, []).append((item, found))
                    else:
                        result.by_option.setdefault(option, OrderedDict())[item] = policy_id
                        if found not in result.checked:
                            result.checked.append(found)
        _refuse_conflicts(result)
        return result


def _refuse_conflicts(result):
    """The same text naming different objects in two options cannot go in one item -> Policy ID map."""
    seen = {}
    for option, items in list(result.by_option.items()):
        for item, policy_id in list(items.items()):
            other = seen.setdefault(item, (option, policy_id))
            if other[1] != policy_id:
                for name in (option, other[0]):
                    result.by_option.get(name, {}).pop(item, None)
                    reason = "names different objects in %s and %s: give the MP ID instead" % (other[0], option)
                    if (item, reason) not in result.unresolved.get(name, []):
                        result.unresolved.setdefault(name, []).append((item, reason))
