"""What promoting MP objects to Policy does to the state: Policy objects appear, MP objects get a policyPath tag.

One ``TypeSpec`` per migration resource type says which MP objects a ``manager_id`` names and where the Policy
object goes. The coordinator (coordinator.py) decides *when* this runs; this module only knows *what* happens.
"""

import dataclasses

from . import firewall_order
from .inventory import PROTECTED, UNPROTECTED, bump

POLICY_PATH_SCOPE = "policyPath"
# MigratedObject.resource_type names where they differ from the migration_data type (official API reference:
# TIER0, IPBLOCK, IPPOOL, ...; the migration_data names IP_BLOCK / IP_POOL are UNCONFIRMED).
MIGRATED_RESOURCE_TYPES = {"IP_BLOCK": "IPBLOCK", "IP_POOL": "IPPOOL"}
MAX_LB_RULES = 255


@dataclasses.dataclass(frozen=True)
class TypeSpec:
    name: str
    kind: str  # MP kind (kinds.py) or "FirewallSection"
    collection: str  # Policy collection; "{parent}" is the promoted parent's Policy path
    policy_type: str
    shared: bool = False
    match: tuple = ()  # (field, value) the MP object must have
    parent_field: str = ""  # MP field naming the parent whose Policy path replaces {parent}
    creates_object: bool = True


_SPECS = (
    TypeSpec("TIER0", "LogicalRouter", "/infra/tier-0s", "Tier0", shared=True, match=("router_type", "TIER0")),
    TypeSpec("IP_BLOCK", "IpBlock", "/infra/ip-blocks", "IpAddressBlock", shared=True),
    TypeSpec("IP_POOL", "IpPool", "/infra/ip-pools", "IpAddressPool", shared=True),
    TypeSpec("CERTIFICATE", "Certificate", "/infra/certificates", "TlsCertificate"),
    TypeSpec("METADATA_PROXY", "MetadataProxy", "/infra/metadata-proxies", "MetadataProxyConfig"),
    TypeSpec(
        "SPOOFGUARD_PROFILES", "SwitchingProfile", "/infra/spoofguard-profiles", "SpoofGuardProfile", match=("resource_type", "SpoofGuardSwitchingProfile")
    ),
    TypeSpec(
        "MACDISCOVERY_PROFILES",
        "SwitchingProfile",
        "/infra/mac-discovery-profiles",
        "MacDiscoveryProfile",
        match=("resource_type", "MacManagementSwitchingProfile"),
    ),
    TypeSpec(
        "SEGMENT_SECURITY_PROFILES",
        "SwitchingProfile",
        "/infra/segment-security-profiles",
        "SegmentSecurityProfile",
        match=("resource_type", "SwitchSecuritySwitchingProfile"),
    ),
    TypeSpec("QOS_PROFILES", "SwitchingProfile", "/infra/qos-profiles", "QoSProfile", match=("resource_type", "QosSwitchingProfile")),
    TypeSpec(
        "IPDISCOVERY_PROFILES", "SwitchingProfile", "/infra/ip-discovery-profiles", "IPDiscoveryProfile", match=("resource_type", "IpDiscoverySwitchingProfile")
    ),
    TypeSpec("NS_GROUP", "NSGroup", "/infra/domains/default/groups", "Group"),
    # An MP IPSet becomes a Policy Group (IP_SET: MigratedResources list enum of the official API reference).
    TypeSpec("IP_SET", "IPSet", "/infra/domains/default/groups", "Group"),
    TypeSpec("DHCP_SERVER", "DhcpServer", "/infra/dhcp-server-configs", "DhcpServerConfig"),
    TypeSpec("TIER1", "LogicalRouter", "/infra/tier-1s", "Tier1", match=("router_type", "TIER1")),
    TypeSpec("LOGICAL_SWITCH", "LogicalSwitch", "/infra/segments", "Segment"),
    TypeSpec("LOGICAL_PORT", "LogicalPort", "{parent}/ports", "SegmentPort", parent_field="logical_switch_id"),
    TypeSpec(
        "TIER1_LOGICAL_ROUTER_PORT", "LogicalRouterPort", "{parent}/locale-services/default/interfaces", "Tier1Interface", parent_field="logical_router_id"
    ),
    TypeSpec("NAT", "NatRule", "{parent}/nat/USER/nat-rules", "PolicyNatRule", parent_field="logical_router_id"),
    TypeSpec(
        "TIER0_LOGICAL_ROUTER_PORT", "LogicalRouterPort", "{parent}/locale-services/default/interfaces", "Tier0Interface", parent_field="logical_router_id"
    ),
    TypeSpec("TIER0_LOGICAL_ROUTER_CONFIG", "LogicalRouter", "", "", match=("router_type", "TIER0"), creates_object=False),
    TypeSpec("LB_CLIENT_SSL_PROFILE", "LbClientSslProfile", "/infra/lb-client-ssl-profiles", "LBClientSslProfile"),
    TypeSpec("LB_MONITOR", "LbMonitor", "/infra/lb-monitor-profiles", "LBHttpMonitorProfile"),
    TypeSpec("LB_POOL", "LbPool", "/infra/lb-pools", "LBPool"),
    TypeSpec("LB_APPLICATION_PROFILE", "LbApplicationProfile", "/infra/lb-app-profiles", "LBHttpProfile"),
    TypeSpec("LB_PERSISTENCE_PROFILE", "LbPersistenceProfile", "/infra/lb-persistence-profiles", "LBCookiePersistenceProfile"),
    TypeSpec("LB_VIRTUAL_SERVER", "LbVirtualServer", "/infra/lb-virtual-servers", "LBVirtualServer"),
    TypeSpec("LB_SERVICE", "LbService", "/infra/lb-services", "LBService"),
    TypeSpec("DFW_SECTION", "FirewallSection", "/infra/domains/default/security-policies", "SecurityPolicy"),
)
SPECS = {spec.name: spec for spec in _SPECS}
# The order the tools import in (nsx-reference.md §2); IP_BLOCK / IP_POOL names and place are UNCONFIRMED.
MIGRATION_ORDER = [spec.name for spec in _SPECS]
_COPIED_FIELDS = ("description", "cidr", "subnets", "action", "direction", "disabled", "logged", "ip_protocol", "ip_address", "port")


class Issue(Exception):
    """A reason one submitted object cannot be promoted."""


def derive_from_display_name(name):
    """NCP 3.2 rule: spaces and '/' become '_'; a name of only dots gets a leading '_'."""
    policy_id = name.replace(" ", "_").replace("/", "_")
    if policy_id and set(policy_id) == {"."}:
        policy_id = "_" + policy_id
    return policy_id


def _pairs(items):
    return {str(item.get("key")): item.get("value") for item in items or [] if isinstance(item, dict)}


class Promoter:
    def __init__(self, inventory, tree, settings):
        self.inventory = inventory
        self.tree = tree
        self.settings = settings
        self.records = {}  # (type, manager_id) -> record dict
        self.policy_path_of = {}  # MP id -> Policy path of its promoted object

    # -- resolving what a manager_id names --------------------------------------
    def resolve(self, spec, manager_id):
        inv = self.inventory
        if spec.kind == "FirewallSection":
            if manager_id not in inv.section_by_id:
                raise Issue(f"MP resource {manager_id} of type {spec.name} not found.")
            return [inv.section_by_id[manager_id]]
        if spec.name.endswith("_LOGICAL_ROUTER_PORT"):
            tier = spec.name.split("_", 1)[0]
            router = inv.objects["LogicalRouter"].get(manager_id)
            if router is not None and router.get("router_type") == tier:
                return [p for p in inv.objects["LogicalRouterPort"].values() if p.get("logical_router_id") == manager_id]
            port = inv.objects["LogicalRouterPort"].get(manager_id)
            owner = inv.objects["LogicalRouter"].get((port or {}).get("logical_router_id"), {})
            if port is None or owner.get("router_type") != tier:
                raise Issue(f"MP resource {manager_id} of type {spec.name} not found.")
            return [port]
        obj = inv.objects[spec.kind].get(manager_id)
        if obj is None or (spec.match and obj.get(spec.match[0]) != spec.match[1]):
            raise Issue(f"MP resource {manager_id} of type {spec.name} not found.")
        return [obj]

    def already_migrated(self, spec, manager_id, objects):
        if (spec.name, manager_id) in self.records:
            return True
        if not spec.creates_object or spec.name.endswith("_LOGICAL_ROUTER_PORT") and manager_id in self.inventory.objects["LogicalRouter"]:
            return False
        return any(_policy_path_tag(obj) for obj in objects)

    # -- pre-check ------------------------------------------------------------------
    def precheck(self, submission):
        """Problems the pre-check component reports (duplicates, unknown objects, unmigrated parents, bad types)."""
        problems = []
        seen = set()
        for group in submission["migration_data"]:
            spec = SPECS[group["type"]]
            for entry in group["resource_ids"]:
                manager_id = entry["manager_id"]
                if (spec.name, manager_id) in seen:
                    problems.append(f"MP resource {manager_id} of type {spec.name} is duplicate or already migrated.")
                    continue
                seen.add((spec.name, manager_id))
                try:
                    objects = self.resolve(spec, manager_id)
                except Issue as issue:
                    problems.append(str(issue))
                    continue
                if self.already_migrated(spec, manager_id, objects):
                    problems.append(f"MP resource {manager_id} of type {spec.name} is duplicate or already migrated.")
                    continue
                if spec.name == "TIER0_LOGICAL_ROUTER_CONFIG" and manager_id not in self.policy_path_of:
                    problems.append(f"Tier-0 {manager_id} must be migrated (TIER0) before its configuration.")
                for obj in objects:
                    if spec.parent_field and obj.get(spec.parent_field) not in self.policy_path_of:
                        problems.append(f"Parent {obj.get(spec.parent_field)} of MP resource {obj['id']} ({spec.name}) is not migrated yet.")
        return problems

    # -- migration --------------------------------------------------------------------
    def plan(self, submission, owner, failing_types):
        """(items, feedback): the Policy objects to create, or per-object errors that fail the migration."""
        items, feedback, planned = [], [], set()
        for group in submission["migration_data"]:
            spec = SPECS[group["type"]]
            for entry in group["resource_ids"]:
                for obj in self.resolve(spec, entry["manager_id"]):
                    errors = self._object_errors(spec, entry, obj, failing_types, planned)
                    if errors:
                        feedback.append(
                            {
                                "type": spec.name,
                                "mp_id": obj["id"],
                                "mp_display_name": obj.get("display_name", obj["id"]),
                                "error_list": [{"error_id": code, "error_desc": text} for code, text in errors],
                            }
                        )
                        continue
                    items.append(self._item(spec, entry, obj, owner, planned))
        return items, feedback

    def _object_errors(self, spec, entry, obj, failing_types, planned):
        errors = []
        if spec.name in failing_types:
            errors.append((30800, failing_types[spec.name] or f"Promotion of {spec.name} {obj['id']} failed."))
        if spec.name == "LB_VIRTUAL_SERVER" and len(obj.get("rule_ids", [])) > MAX_LB_RULES:
            errors.append((30801, f"Virtual server {obj['id']} has {len(obj['rule_ids'])} rules; at most {MAX_LB_RULES} can be promoted."))
        if spec.creates_object:
            path = self.policy_path(spec, entry, obj)
            if path in self.tree.objects or path in planned:
                errors.append((30802, f"Policy object {path} already exists; cannot promote MP resource {obj['id']}."))
        return errors

    def policy_id(self, spec, entry, obj):
        requested = entry.get("policy_id")
        if requested and self.settings.honour_requested_policy_id and entry["manager_id"] == obj["id"]:
            return str(requested)
        rule = self.settings.shared_policy_id_rule if spec.shared else self.settings.policy_id_rule
        if rule == "display_name":
            return derive_from_display_name(obj.get("display_name") or obj["id"])
        return obj["id"]

    def policy_path(self, spec, entry, obj):
        if entry.get("policy_path") and entry["manager_id"] == obj["id"]:
            return str(entry["policy_path"])
        collection = spec.collection
        if spec.parent_field:
            collection = collection.replace("{parent}", self.policy_path_of.get(obj.get(spec.parent_field), "/infra/unknown"))
        return f"{collection}/{self.policy_id(spec, entry, obj)}"

    def _item(self, spec, entry, obj, owner, planned):
        item = {"type": spec.name, "manager_id": entry["manager_id"], "object": obj, "path": None, "body": None, "children": [], "tag_only": []}
        if not spec.creates_object:
            return item
        path = self.policy_path(spec, entry, obj)
        planned.add(path)
        item["path"] = path
        item["body"] = self._body(spec.policy_type, obj, owner)
        links = _pairs(entry.get("linked_ids"))
        meta = _pairs(entry.get("metadata"))
        if spec.name == "DFW_SECTION":
            # Where the section lands is the simulator's setting (firewall_order.land_imported), not the request's.
            item["body"]["category"] = self.settings.imported_dfw_category
            item["body"]["sequence_number"] = int(meta.get("sequence", 0) or 0)
            for index, rule in enumerate(self.inventory.rules.get(obj["id"], []), start=1):
                rule_id = str(links.get(f"{rule['id']}-policyid", rule["id"]))
                body = self._body("Rule", rule, owner)
                body["sequence_number"] = int(links.get(rule["id"], index))
                item["children"].append((rule, f"{path}/rules/{rule_id}", body))
        elif spec.name == "IP_POOL":
            for allocation in self.inventory.allocations.get(obj["id"], []):
                address = allocation["allocation_id"]
                allocation_id = str(links.get(address, address.replace(".", "-")))
                body = {"resource_type": "IpAddressAllocation", "display_name": address, "allocation_ip": address, "tags": []}
                item["children"].append((None, f"{path}/ip-allocations/{allocation_id}", body))
        elif spec.name == "LB_VIRTUAL_SERVER":
            rules = self.inventory.objects["LbRule"]
            item["body"]["rules"] = [{"display_name": rid} for rid in obj.get("rule_ids", [])]
            item["tag_only"] = [rules[rid] for rid in obj.get("rule_ids", []) if rid in rules]
        return item

    def _body(self, policy_type, obj, owner):
        body = {key: obj[key] for key in _COPIED_FIELDS if key in obj}
        body.update(
            resource_type=policy_type,
            display_name=obj.get("display_name", obj["id"]),
            tags=[dict(t) for t in obj.get("tags", []) if t.get("scope") != POLICY_PATH_SCOPE],
            realization_id=obj["id"],
            _create_user=owner,
            _last_modified_user=owner,
            _protection=PROTECTED if owner not in ("admin", self.settings.username) else UNPROTECTED,
        )
        return body

    def apply(self, items):
        """Create the Policy objects and tag the MP objects (the migration component succeeded)."""
        self._apply(items)
        sections = [item["path"] for item in items if item["type"] == "DFW_SECTION" and item["path"]]
        if sections:
            firewall_order.land_imported(self.tree, sections, self.settings.imported_dfw_category, self.settings.imported_dfw_position)

    def _apply(self, items):
        for item in items:
            record = self.records.setdefault((item["type"], item["manager_id"]), {"type": item["type"], "paths": [], "tagged": []})
            if item["path"] is None:
                continue
            self.tree.put(item["path"], item["body"], self.settings.realization_seconds)
            record["paths"].append(item["path"])
            self._tag(item["object"], item["path"], record)
            for mp_obj, path, body in item["children"]:
                self.tree.put(path, body, self.settings.realization_seconds)
                if mp_obj is not None:
                    self._tag(mp_obj, path, record)
            for mp_obj in item["tag_only"]:
                self._tag(mp_obj, item["path"], record)

    def _tag(self, obj, path, record):
        # UNCONFIRMED (no public source): a policyPath tag on the promoted MP object; off by settings.tag_promoted_objects.
        if self.settings.tag_promoted_objects:
            obj.setdefault("tags", []).append({"scope": POLICY_PATH_SCOPE, "tag": path})
            bump(obj, "nsx_policy")
        self.policy_path_of[obj["id"]] = path
        record["tagged"].append(obj)

    # -- rollback ------------------------------------------------------------------------
    def rollback(self, migration_data):
        """Undo promotions named in ``migration_data``; returns how many records were rolled back."""
        undone = 0
        for group in migration_data:
            for entry in group.get("resource_ids", []):
                record = self.records.pop((group.get("type"), entry.get("manager_id")), None)
                if record is None:
                    continue
                undone += 1
                for path in record["paths"]:
                    if path in self.tree.objects:
                        self.tree.delete(path)
                for obj in record["tagged"]:
                    obj["tags"] = [t for t in obj.get("tags", []) if t.get("scope") != POLICY_PATH_SCOPE]
                    bump(obj, "nsx_policy")
                    self.policy_path_of.pop(obj["id"], None)
        return undone

    # -- GET /api/v1/migration/migrated-resources ------------------------------------------
    def migrated_resources(self, resource_type):
        """MigratedObject entries (MP id -> Policy id and path) of what was promoted, for one resource type."""
        found = []
        for (type_name, manager_id), record in self.records.items():
            if MIGRATED_RESOURCE_TYPES.get(type_name, type_name) != resource_type or not record["paths"]:
                continue
            path = record["paths"][0]
            found.append({"resource_type": resource_type, "resource_id": manager_id, "policy_id": path.rsplit("/", 1)[-1], "policy_path": path})
        return found

    # -- stats ------------------------------------------------------------------------------
    def count_mp(self, spec, pending_only=False):
        inv = self.inventory
        if spec.kind == "FirewallSection":
            objects = inv.sections
        else:
            objects = inv.objects[spec.kind].values()
        if spec.match:
            objects = [o for o in objects if o.get(spec.match[0]) == spec.match[1]]
        if spec.name.endswith("_LOGICAL_ROUTER_PORT"):
            tier = spec.name.split("_", 1)[0]
            routers = inv.objects["LogicalRouter"]
            objects = [p for p in objects if routers.get(p.get("logical_router_id"), {}).get("router_type") == tier]
        if pending_only:
            objects = [o for o in objects if not _policy_path_tag(o)]
        return len(list(objects))

    def promoted_count(self, type_name):
        return sum(max(1, len(r["paths"])) for key, r in self.records.items() if key[0] == type_name)


def _policy_path_tag(obj):
    return next((t["tag"] for t in obj.get("tags", []) if t.get("scope") == POLICY_PATH_SCOPE), None)
