"""In-memory NSX state: MP objects by kind, DFW sections in priority order with their rules, IP pool allocations.

Objects are plain JSON-ready dicts as NSX returns them. Callers hold ``Inventory.lock`` around reads that are
serialized and around every change (the HTTP layer does this for each request).
"""

import threading
import uuid

from .clock import now_ms
from .errors import not_found, not_owner, stale_revision
from .kinds import KINDS

PROTECTED = "REQUIRE_OVERRIDE"
# The fabric's fixed IDs (the lab's NCP YAML names the transport zone by this MP UUID).
OVERLAY_TZ_ID = "3fd1a5c8-1b52-4c2e-9a2b-5c7c52b2a7e1"
EDGE_CLUSTER_ID = "9b7c6d5e-4f3a-4b2c-8d1e-0f9a8b7c6d5e"
UNPROTECTED = "NOT_PROTECTED"
# Fields a client cannot set; kept from the stored object on PUT.
READ_ONLY = ("id", "resource_type", "_create_time", "_create_user", "_protection", "_system_owned", "rule_count")


def stamp(obj, principal, protected, kind_resource_type=None, id_factory=None):
    """Fill in the system fields NSX adds to a created object."""
    now = now_ms()
    obj.setdefault("id", (id_factory or (lambda: str(uuid.uuid4())))())
    if kind_resource_type:
        obj.setdefault("resource_type", kind_resource_type)
    obj.setdefault("display_name", obj["id"])
    obj.setdefault("tags", [])
    obj.setdefault("_create_user", principal)
    obj.setdefault("_protection", PROTECTED if protected else UNPROTECTED)
    obj.setdefault("_create_time", now)
    obj.setdefault("_last_modified_user", obj["_create_user"])
    obj.setdefault("_last_modified_time", now)
    obj.setdefault("_system_owned", False)
    obj.setdefault("_revision", 0)
    return obj


def check_can_modify(obj, kind, principal, allow_overwrite):
    """NSX refuses to change a principal-identity-protected object unless its owner asks or X-Allow-Overwrite is set."""
    if obj.get("_protection") == PROTECTED and principal != obj.get("_create_user") and not allow_overwrite:
        raise not_owner(principal, kind, obj.get("_create_user"))


def apply_update(obj, body, kind, principal, allow_overwrite):
    """Replace ``obj``'s fields with ``body`` (an NSX PUT), checking ``_revision`` and protection."""
    check_can_modify(obj, kind, principal, allow_overwrite)
    if "_revision" not in body:
        raise stale_revision(kind, obj["id"])
    if body["_revision"] != obj["_revision"]:
        raise stale_revision(kind, obj["id"])
    kept = {key: obj[key] for key in READ_ONLY if key in obj}
    obj.clear()
    obj.update(body)
    obj.update(kept)
    obj.setdefault("tags", [])
    obj["_revision"] = body["_revision"] + 1
    obj["_last_modified_user"] = principal
    obj["_last_modified_time"] = now_ms()
    return obj


def bump(obj, principal="system"):
    obj["_revision"] = obj.get("_revision", 0) + 1
    obj["_last_modified_user"] = principal
    obj["_last_modified_time"] = now_ms()


class Inventory:
    def __init__(self):
        self.lock = threading.RLock()
        self.objects = {name: {} for name in KINDS}
        self.sections = []  # priority order
        self.section_by_id = {}
        self.rules = {}  # section id -> ordered list of rules
        self.rule_by_id = {}
        self.rule_section = {}  # rule id -> section id
        self.allocations = {}  # ip pool id -> list of allocation dicts
        self._next_rule_id = 1000
        self.generated = None  # summary written by the generator
        self.add_fabric()

    def add_fabric(self):
        """What every NSX that runs NCP has before any cluster: an overlay transport zone and an edge cluster (the admin's)."""
        self.add("TransportZone", {"id": OVERLAY_TZ_ID, "display_name": "overlay-tz", "transport_type": "OVERLAY"})
        self.add("EdgeCluster", {"id": EDGE_CLUSTER_ID, "display_name": "edge-cluster-1", "members": []})

    # -- generic MP objects -------------------------------------------------
    def add(self, kind, obj, principal="admin", protected=False):
        stamp(obj, principal, protected, KINDS[kind].resource_type)
        self.objects[kind][obj["id"]] = obj
        return obj

    def get(self, kind, object_id):
        try:
            return self.objects[kind][object_id]
        except KeyError:
            raise not_found(object_id) from None

    def remove(self, kind, object_id):
        self.get(kind, object_id)
        del self.objects[kind][object_id]
        self.allocations.pop(object_id, None)

    def find(self, object_id):
        """(kind, object) for any MP object id, sections and rules included; (None, None) when unknown."""
        for kind, store in self.objects.items():
            if object_id in store:
                return kind, store[object_id]
        if object_id in self.section_by_id:
            return "FirewallSection", self.section_by_id[object_id]
        if object_id in self.rule_by_id:
            return "FirewallRule", self.rule_by_id[object_id]
        return None, None

    def all_objects(self):
        """Every searchable MP object (for /api/v1/search/query)."""
        for store in self.objects.values():
            yield from store.values()
        yield from self.sections
        yield from self.rule_by_id.values()

    # -- DFW ----------------------------------------------------------------
    def new_rule_id(self):
        # MP firewall rule ids are numeric strings.
        self._next_rule_id += 1
        while str(self._next_rule_id) in self.rule_by_id:
            self._next_rule_id += 1
        return str(self._next_rule_id)

    def section(self, section_id):
        try:
            return self.section_by_id[section_id]
        except KeyError:
            raise not_found(section_id) from None

    def add_section(self, section, principal="admin", protected=False, operation="insert_bottom", anchor_id=None):
        stamp(section, principal, protected, None)
        section.setdefault("resource_type", "FirewallSection")
        section.setdefault("section_type", "LAYER3")
        section.setdefault("stateful", True)
        section.setdefault("applied_tos", [])
        section.setdefault("is_default", False)
        section.setdefault("locked", False)
        section.setdefault("category", "Default")
        section.setdefault("enforced_on", "VIF")
        section.setdefault("comments", "")
        section["rule_count"] = 0
        self.sections.insert(self.insert_index(operation, anchor_id), section)
        self.section_by_id[section["id"]] = section
        self.rules[section["id"]] = []
        return section

    def insert_index(self, operation, anchor_id):
        default_at = len(self.sections)
        # The default section always stays last, as in NSX.
        if self.sections and self.sections[-1].get("is_default"):
            default_at -= 1
        if operation == "insert_top":
            return 0
        if operation in ("insert_before", "insert_after"):
            anchor = self.section(anchor_id)
            index = self.sections.index(anchor)
            return index if operation == "insert_before" else index + 1
        return default_at

    def remove_section(self, section_id):
        section = self.section(section_id)
        for rule in self.rules.pop(section_id):
            self.rule_by_id.pop(rule["id"], None)
            self.rule_section.pop(rule["id"], None)
        self.sections.remove(section)
        del self.section_by_id[section_id]

    def add_rule(self, section_id, rule, principal="admin", protected=False, operation="insert_bottom", anchor_id=None):
        section = self.section(section_id)
        if "id" not in rule:
            rule["id"] = self.new_rule_id()
        stamp(rule, principal, protected, "FirewallRule")
        rule.setdefault("action", "ALLOW")
        rule.setdefault("direction", "IN_OUT")
        rule.setdefault("ip_protocol", "IPV4_IPV6")
        rule.setdefault("disabled", False)
        rule.setdefault("logged", False)
        rule.setdefault("is_default", False)
        rule["section_id"] = section_id
        rules = self.rules[section_id]
        if operation == "insert_top":
            index = 0
        elif operation in ("insert_before", "insert_after"):
            anchor = self.rule(section_id, anchor_id)
            index = rules.index(anchor) + (operation == "insert_after")
        else:
            index = len(rules)
        rules.insert(index, rule)
        self.rule_by_id[rule["id"]] = rule
        self.rule_section[rule["id"]] = section_id
        section["rule_count"] = len(rules)
        return rule

    def rule(self, section_id, rule_id):
        self.section(section_id)
        if self.rule_section.get(rule_id) != section_id:
            raise not_found(rule_id)
        return self.rule_by_id[rule_id]

    def remove_rule(self, section_id, rule_id):
        rule = self.rule(section_id, rule_id)
        self.rules[section_id].remove(rule)
        del self.rule_by_id[rule_id]
        del self.rule_section[rule_id]
        self.section_by_id[section_id]["rule_count"] = len(self.rules[section_id])

    # -- summary --------------------------------------------------------------
    def counts(self):
        data = {kind: len(store) for kind, store in self.objects.items()}
        data["FirewallSection"] = len(self.sections)
        data["FirewallRule"] = len(self.rule_by_id)
        data["IpPoolAllocation"] = sum(len(v) for v in self.allocations.values())
        return data
