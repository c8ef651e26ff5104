# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NSX-side preflight checks, one pure function each, over data NSX returned.

Fetching lives in preflight_scan.py; these functions only judge, so JSON fixtures can drive
their tests. Meanings follow nsx-reference.md section 3 (the vendor's requirements).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import finding, findings_unless

CLUSTER_TAG = "ncp/cluster"
MARKER_TAG = "ncp/fw_sect_marker"
# What ``_protection`` says to a superuser about a principal identity's object: changing it needs
# X-Allow-Overwrite. It describes the reader's rights, never who created the object (nsx-reference 3).
PROTECTED = "REQUIRE_OVERRIDE"
# NSX 9 removed the Manager API, and with it this import path.
FIRST_VERSION_WITHOUT_MP = (9,)


def parse_version(text):
    """``"4.1.2.0.0.22589037"`` -> (4, 1, 2, 0, 0, 22589037); None when it has no leading number."""
    match = re.match(r"^\s*(\d+(?:\.\d+)*)", str(text or ""))
    if not match:
        return None
    return tuple(int(part) for part in match.group(1).split("."))


def _version_at_least(version, minimum):
    width = max(len(version), len(minimum))
    return version + (0,) * (width - len(version)) >= minimum + (0,) * (width - len(minimum))


def tag_value(obj, scope):
    for tag in obj.get("tags") or []:
        if tag.get("scope") == scope:
            return tag.get("tag")
    return None


def check_nsx_version(version_answer, min_version):
    """The import needs NSX >= min_version and an NSX that still has the Manager API (< 9)."""
    text = version_answer.get("product_version") or version_answer.get("node_version")
    version = parse_version(text)
    if version is None:
        return [finding("nsx_version", "error", "NSX reported no readable version (%r)" % (text,), "Check that nsx_manager is an NSX Manager node.")]
    if version[:1] >= FIRST_VERSION_WITHOUT_MP:
        message = "NSX %s has no Manager API: the MP-to-Policy import does not exist on NSX 9 or later" % text
        fix = "Clusters still in Manager mode must be imported on NSX 3.2-4.x before upgrading to NSX 9."
    elif not _version_at_least(version, parse_version(min_version)):
        message = "NSX %s is older than %s, the first release with the MP-to-Policy import" % (text, min_version)
        fix = "Upgrade NSX to %s or later before the import." % min_version
    else:
        return []
    return [finding("nsx_version", "error", message, fix)]


def check_manager_not_vip(manager_addresses, vip_answer, manager):
    """All migration calls must go to one manager node, never the cluster VIP (TKGI-DOC)."""
    vip = (vip_answer or {}).get("ip_address")
    if not vip or vip in ("0.0.0.0", "::"):
        return []
    if manager_addresses is None:
        message = "Could not resolve %s to compare it with the API virtual IP %s" % (manager, vip)
        return [finding("nsx_manager_not_vip", "warning", message, "Set nsx_manager to the IP address of one NSX Manager node.")]
    return findings_unless(
        "nsx_manager_not_vip",
        vip not in manager_addresses,
        "error",
        "nsx_manager %s is the cluster's API virtual IP %s, which may send calls to different nodes" % (manager, vip),
        "Set nsx_manager to one NSX Manager node's own address, the node where the migration coordinator runs.",
        object_type="ApiVirtualIp",
        object_id=vip,
    )


def check_migration_coordinator(status_answer, manager):
    state = (status_answer or {}).get("runtime_state")
    return findings_unless(
        "migration_coordinator_running",
        state == "running",
        "error",
        "The migration coordinator on %s is %s, not running" % (manager, state or "in an unknown state"),
        "Start it on this manager: /etc/init.d/migration-coordinator start (or 'start service migration-coordinator' in nsxcli,"
        " or POST /api/v1/node/services/migration-coordinator?action=start), then check with /etc/init.d/migration-coordinator status.",
        object_type="NodeService",
        object_id="migration-coordinator",
    )


def check_promotion_idle(state_answer):
    state = (state_answer or {}).get("mp_policy_promotion")
    return findings_unless(
        "promotion_idle",
        state == "PROMOTION_NOT_IN_PROGRESS",
        "error",
        "An MP-to-Policy promotion is in progress on NSX (%s): only one import may run at a time" % state,
        "Wait for the running import or promotion to finish (or end it as its owner must), then run the preflight again.",
    )


def check_backup_configured(config_answer):
    """A backup on request (``backup_to_remote``) needs only the remote file server (nsx-reference 5).

    ``backup_enabled`` switches NSX's own schedule: off is worth knowing, never a blocker.
    """
    config = config_answer or {}
    server = (config.get("remote_file_server") or {}).get("server")
    if not server:
        severity = "error"
        message = "NSX backup to a remote server is not configured (no remote file server is set): strategy 1 must back up NSX before the first import"
        fix = (
            "Configure the remote file server under System > Backup & Restore (PUT /api/v1/cluster/backups/config). Strategy 2 runs"
            " without a backup: waive this check there with skip_checks."
        )
    elif not config.get("backup_enabled"):
        severity = "info"
        message = "NSX's own backup schedule is off (backup_enabled false); the backup before the import is taken on request to %s" % server
        fix = "Nothing to do for the import; turn the schedule on if NSX should back itself up regularly."
    else:
        return []
    return [finding("backup_configured", severity, message, fix, object_type="BackupConfiguration")]


def check_cluster_objects(cluster, tagged_count):
    return findings_unless(
        "cluster_objects_found",
        tagged_count,
        "error",
        "No NSX object carries the tag ncp/cluster=%s: the name is misspelt or the cluster never ran NCP on this NSX" % cluster,
        "Use the value of [coe] cluster in the cluster's ncp.ini.",
        cluster=cluster,
    )


KNOWN_GONE_VARIABLE = "ncp_clusters_known_gone"


def check_clusters_in_inventory(tagged, severity="error"):
    """Invariant 11. ``tagged``: {cluster: where its ncp/cluster tag was seen}, neither in the inventory nor named as gone.
    Strategy 1 (``error``): its NCP would keep writing to NSX through the backup and the imports (vendor-facts 2.4).
    Strategy 2 (``warning``): it runs on by design, but shares the one-import-at-a-time rule and must be imported too."""
    found = []
    for cluster in sorted(tagged):
        where = tagged[cluster]
        if severity == "error":
            message = (
                "Objects on NSX carry the tag ncp/cluster=%s (%s) but the inventory has no such cluster: strategy 1 would leave"
                " its NCP running through the backup and the imports" % (cluster, where)
            )
            remediation = (
                "Add the cluster's masters to the inventory (a child group of ncp_clusters) so that it is stopped with the others;"
                " or, if the cluster no longer exists and nothing runs its NCP, name it in %s. Waiving or skipping the check ID"
                " does not apply to this check." % KNOWN_GONE_VARIABLE
            )
        else:
            message = (
                "Objects on NSX carry the tag ncp/cluster=%s (%s) but the inventory has no such cluster: it keeps running"
                " (strategy 2), and its own import must not run at the same time as this one" % (cluster, where)
            )
            remediation = "Plan its import too (before NSX 9), or name it in %s if it no longer exists." % KNOWN_GONE_VARIABLE
        found.append(finding("nsx_cluster_not_in_inventory", severity, message, remediation, cluster=cluster))
    return found


class SectionRangeScan:
    """dfw_admin_section_inside_ncp_range over the streamed section list: an admin section between two NCP sections
    blocks when one of them belongs to a cluster being imported. Only the admin sections since the last NCP section
    are held, so memory does not grow with the inventory."""

    def __init__(self, clusters, identities=None, markers=None):
        self.clusters = set(clusters)
        self.identities = set(identities or [])
        self.markers = set(v for v in (markers or {}).values() if v)
        self.position = 0
        self.pending = []
        self.previous_ncp = None
        self.findings = []
        self.ncp_sections = []  # (id, display_name, cluster, rule_count, _create_user) of in-scope clusters
        self.ncp_creators = set()  # creators of every ncp/cluster-tagged section, any cluster
        self.first_last = {}

    # Public: the DFW refactoring plan (dfw_refactor.py) and the firewall order judge sections the same way.
    def is_ncp(self, section):
        """True when the section counts as NCP-created (any cluster, in scope or not)."""
        return bool(tag_value(section, CLUSTER_TAG)) or section.get("_create_user") in self.identities

    def is_marker(self, section):
        """True for a marker section (named in ncp.ini or tagged ncp/fw_sect_marker)."""
        return section.get("id") in self.markers or tag_value(section, MARKER_TAG) is not None

    def add(self, section):
        self.position += 1
        brief = (self.position, section.get("id"), section.get("display_name"))
        if self.is_marker(section):
            return
        if not self.is_ncp(section):
            if self.previous_ncp is not None:
                self.pending.append(brief)
            return
        cluster = tag_value(section, CLUSTER_TAG)
        current = brief + (cluster,)
        creator = section.get("_create_user")
        if cluster and creator:
            self.ncp_creators.add(creator)
        if cluster in self.clusters:
            self.ncp_sections.append((section.get("id"), section.get("display_name"), cluster, section.get("rule_count"), creator))
            first, _last = self.first_last.get(cluster, (current, None))
            self.first_last[cluster] = (first, current)
        if self.pending and (cluster in self.clusters or self.previous_ncp[3] in self.clusters):
            for admin in self.pending:
                self.findings.append(self._finding(admin, self.previous_ncp, current))
        self.pending = []
        self.previous_ncp = current

    def _finding(self, admin, before, after):
        cluster = before[3] if before[3] in self.clusters else after[3]
        return finding(
            "dfw_admin_section_inside_ncp_range",
            "error",
            "Admin DFW section %r (%s) at position %d lies between NCP sections %r (%s, position %d, cluster %s) and %r (%s, position %d, cluster %s)"
            % (admin[2], admin[1], admin[0], before[2], before[1], before[0], before[3], after[2], after[1], after[0], after[3]),
            "",
            cluster=cluster,
            object_type="FirewallSection",
            object_id=admin[1],
            display_name=admin[2],
        )

    def result(self):
        """The findings, with a remediation naming the cluster's first and last NCP sections."""
        for item in self.findings:
            first, last = self.first_last.get(item["cluster"], (None, None))
            where = ""
            if first and last:
                sections = (first[2], first[1], last[2], last[1], item["cluster"])
                where = " above the first NCP section %r (%s) or below the last NCP section %r (%s) of cluster %s" % sections
            item["remediation"] = (
                "Move the section%s (see 'Dealing with DFW Sections Created by NSX Admin'; nsx_dfw_refactor can plan the move),"
                " and review the rule-order change with the security team." % where
            )
        return self.findings


def rule_owners(section, identities):
    """Who may have created NCP's rules in ``section`` (a SectionRangeScan.ncp_sections tuple): the given principal
    identities, else the section's creator (NCP creates a section and its rules with one identity). Never
    ``_protection``, which describes what the reader may do, not who created the object."""
    if identities:
        return set(identities)
    creator = section[4] if len(section) > 4 else None
    return set([creator]) if creator else set()


def check_rules_of_section(section, rules, identities):
    """Rules in an NCP section whose ``_create_user`` is not NCP's (see ``rule_owners``)."""
    section_id, section_name, cluster = section[0], section[1], section[2]
    owners = rule_owners(section, identities)
    found = []
    for rule in rules:
        creator = rule.get("_create_user")
        if creator in owners:
            continue
        found.append(
            finding(
                "dfw_user_rule_in_ncp_section",
                "error",
                "Rule %r (%s) in NCP section %r (%s) of cluster %s was created by %s, not by NCP's principal identity (%s)"
                % (rule.get("display_name"), rule.get("id"), section_name, section_id, cluster, creator, ", ".join(sorted(owners)) or "unknown"),
                "Move the rule into an admin section at the same priority (outside NCP's range), then delete it from section %s." % section_id,
                cluster=cluster,
                object_type="FirewallRule",
                object_id=rule.get("id"),
                display_name=rule.get("display_name"),
            )
        )
    return found


def check_virtual_server(vs, clusters, limit):
    cluster = tag_value(vs, CLUSTER_TAG)
    if cluster not in clusters:
        return []
    count = len(vs.get("rule_ids") or [])
    return findings_unless(
        "lb_virtual_server_rule_limit",
        count <= limit,
        "error",
        "NCP virtual server %r (%s) has %d rules, more than the %d the import supports" % (vs.get("display_name"), vs.get("id"), count, limit),
        "Split the Ingress rules of the default load balancer across LoadBalancer CRDs so that no virtual server has more than %d rules." % limit,
        cluster=cluster,
        object_type="LbVirtualServer",
        object_id=vs.get("id"),
        display_name=vs.get("display_name"),
    )


def policy_id_from_name(name):
    """The Policy ID NCP 3.2 derives from an MP display name (space and '/' become '_')."""
    text = str(name or "").replace(" ", "_").replace("/", "_")
    if text and set(text) == {"."}:
        text = "_" + text
    return text


class SharedNameIndex:
    """Shared resources (not tagged by NCP) per type, for their display-name clashes; they number in the tens."""

    def __init__(self, only=None):
        self.only = set(only or [])
        self.by_key = {}

    def add(self, object_type, obj):
        if tag_value(obj, CLUSTER_TAG):
            return  # cluster-owned, not shared
        key = (object_type, policy_id_from_name(obj.get("display_name")))
        self.by_key.setdefault(key, []).append((obj.get("id"), obj.get("display_name")))

    def findings(self):
        found = []
        for (object_type, policy_id), members in sorted(self.by_key.items()):
            if len(members) < 2:
                continue
            if self.only and not any(member_id in self.only or name in self.only for member_id, name in members):
                continue
            ids = ", ".join("%s (%r)" % member for member in members)
            for member_id, name in members:
                found.append(
                    finding(
                        "shared_resource_name_unique",
                        "error",
                        "%s display name %r is shared by %d objects (%s): their Policy IDs would collide as %r"
                        % (object_type, name, len(members), ids, policy_id),
                        "Rename all but one of them so every shared resource has a unique display name before the import.",
                        object_type=object_type,
                        object_id=member_id,
                        display_name=name,
                    )
                )
        return found
