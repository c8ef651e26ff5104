# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proof that an import left nothing behind: the migration API's mapping against the MP objects it should cover.

An importer exiting 0 says its requests succeeded, not that every object was in them. Types the importer does not
import on its own are counted in ``not_checked``; a type NSX cannot look up (400 / 404) is ``unverified``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _importer_config as cfg
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._importer_policy_ids import shared_mp_objects, shared_resource_refs
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import KINDS, migrated_items
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_checks import CLUSTER_TAG, tag_value
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_scan import SEARCH, cluster_tag_query

# MP resource_type -> migration type (migrated-resources resource_type). Router ports depend on their router's tier.
_BY_MP_TYPE = {
    "LogicalSwitch": "LOGICAL_SWITCH",
    "LogicalPort": "LOGICAL_PORT",
    "NSGroup": "NS_GROUP",
    "IPSet": "IP_SET",
    "IpBlock": "IPBLOCK",
    "IpPool": "IPPOOL",
    "NatRule": "NAT",
    "FirewallSection": "DFW_SECTION",
    "MetadataProxy": "METADATA_PROXY",
    "LogicalDhcpServer": "DHCP_SERVER",
    "LbService": "LB_SERVICE",
    "LbVirtualServer": "LB_VIRTUAL_SERVER",
    "LbPool": "LB_POOL",
    "LbClientSslProfile": "LB_CLIENT_SSL_PROFILE",
    "SpoofGuardSwitchingProfile": "SPOOFGUARD_PROFILES",
    "MacManagementSwitchingProfile": "MACDISCOVERY_PROFILES",
    "SwitchSecuritySwitchingProfile": "SEGMENT_SECURITY_PROFILES",
    "QosSwitchingProfile": "QOS_PROFILES",
    "IpDiscoverySwitchingProfile": "IPDISCOVERY_PROFILES",
}
# MP resource_types of kinds with several concrete types (API reference: LbMonitor, LbAppProfile, LbPersistenceProfile
# and Certificate subtypes).
_APPLICATION_PROFILES = ("LbHttpProfile", "LbFastTcpProfile", "LbFastUdpProfile")


def migration_type(mp_object, router_tiers):
    """The migration type an MP object is imported as, or None; ``router_tiers``: router id -> TIER0 / TIER1."""
    mp_type = mp_object.get("resource_type") or ""
    if mp_type == "LogicalRouter":
        return mp_object.get("router_type") if mp_object.get("router_type") in ("TIER0", "TIER1") else None
    if mp_type.startswith("LogicalRouter") and "Port" in mp_type:  # LogicalRouterDownLinkPort, ...LinkPortOnTIER0, ...
        tier = router_tiers.get(mp_object.get("logical_router_id"))
        return "%s_LOGICAL_ROUTER_PORT" % tier if tier in ("TIER0", "TIER1") else None
    if mp_type in _BY_MP_TYPE:
        return _BY_MP_TYPE[mp_type]
    if mp_type in _APPLICATION_PROFILES:
        return "LB_APPLICATION_PROFILE"
    if mp_type.startswith("Lb") and mp_type.endswith("Monitor"):
        return "LB_MONITOR"
    if mp_type.startswith("Lb") and mp_type.endswith("PersistenceProfile"):
        return "LB_PERSISTENCE_PROFILE"
    if mp_type.startswith("certificate_"):
        return "CERTIFICATE"
    return None


def compare(expected, migrated, unverified=(), not_checked=None):
    """The verdict (pure): per type, MP objects found, migrated, and the IDs left behind.

    ``expected``: type -> {MP id: display name}; ``migrated``: type -> set of MP ids the mapping has.
    """
    by_type, left_behind = {}, []
    for kind in sorted(expected):
        objects = expected[kind]
        if kind in unverified:
            by_type[kind] = {"found": len(objects), "migrated": None, "left_behind": [], "verified": False}
            continue
        mapped = migrated.get(kind) or set()
        missing = sorted(mp_id for mp_id in objects if mp_id not in mapped)
        by_type[kind] = {"found": len(objects), "migrated": len(objects) - len(missing), "left_behind": missing, "verified": True}
        left_behind.extend({"id": mp_id, "type": kind, "display_name": objects[mp_id]} for mp_id in missing)
    return {
        "by_type": by_type,
        "left_behind": left_behind,
        "complete": not left_behind,
        "unverified": sorted(set(unverified) & set(expected)),
        "not_checked": dict(not_checked or {}),
    }


def describe(check, cluster):
    """One sentence naming what was left behind (the warning and the report's next step), or '' when nothing."""
    if not check or not check.get("left_behind"):
        return ""
    items = ", ".join("%s %s" % (item["type"], item["id"]) for item in check["left_behind"])
    return (
        "%s: the import ended 0 but %d MP object(s) are not in the migration API's mapping (left behind): %s. Do not finish the migration: "
        "promote them (re-run the importer on the cluster's import master, or NSX's Promote Manager Objects to Policy), then run finish.yml "
        "again" % (cluster, len(check["left_behind"]), items)
    )


class LeftoverCheck:
    """Reads NSX through the one client: the cluster's tagged MP objects, the named shared ones, the mapping."""

    def __init__(self, client):
        self.client = client

    def cluster_objects(self, cluster):
        """MP objects (no Policy ``path``) whose ``ncp/cluster`` tag is the cluster; NSX search, filtered exactly here."""
        query = "%s AND NOT path:*" % cluster_tag_query(cluster)
        return [obj for obj in self.client.paginate(SEARCH, params={"query": query}) if not obj.get("path") and tag_value(obj, CLUSTER_TAG) == cluster]

    def shared_objects(self, refs):
        """The shared resources the user spec names; the kind's MP resource_type for a list answer that leaves it out."""
        if not refs:
            return []
        return [dict(obj, resource_type=obj.get("resource_type") or kind.mp_type) for kind, obj in shared_mp_objects(self.client, refs)]

    def run(self, cluster, user_spec=None):
        expected, not_checked = {}, {}
        objects = self.cluster_objects(cluster) + self.shared_objects(shared_resource_refs(user_spec))
        routers = self.client.paginate(KINDS["router"].mp_list) if objects else []
        tiers = dict((router.get("id"), router.get("router_type")) for router in routers)
        for obj in objects:
            kind = migration_type(obj, tiers)
            if kind is None:
                mp_type = obj.get("resource_type") or "unknown"
                not_checked[mp_type] = not_checked.get(mp_type, 0) + 1
                continue
            expected.setdefault(kind, {})[obj.get("id")] = obj.get("display_name")
        migrated, unverified = {}, []
        for kind in sorted(expected):
            items = migrated_items(self.client, kind)
            if items is None:
                unverified.append(kind)
            else:
                migrated[kind] = set(item.get("resource_id") for item in items)
        return compare(expected, migrated, unverified, not_checked)


def user_spec_beside(user_spec, importer_path):
    """The user spec given, else the importer's own file beside it (a missing file is no spec), as data."""
    if user_spec is None and importer_path:
        beside = os.path.join(os.path.dirname(os.path.abspath(importer_path)), cfg.USER_SPEC_FILE)
        user_spec = beside if os.path.isfile(beside) else None
    return cfg.user_spec_data(user_spec)


def check_and_record(client, cluster, user_spec, journal=None):
    """The proof for ``cluster`` (dict with ``message``), journaled when ``journal`` gives its state_dir and host."""
    check = LeftoverCheck(client).run(cluster, user_spec)
    result = dict(check, message=describe(check, cluster))
    if journal:
        jr.record_import_check(journal["state_dir"], cluster, journal["host"], check)
    return result
