# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who is in the run: each cluster's masters and import master, and why a run was refused before it began.

Each filter's documentation is in the file of its name beside this one (<filter>.yml).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def cluster_scope(hostvars, hosts, only="", refused=False, import_masters=None, migrated=None):
    """Only the operator's variables (C(ncp_cluster_name), C(ncp_platform)) are read from C(hostvars); who imports
    and what is done come in as the groups the import_master role makes."""
    chosen, migrated = set(import_masters or []), set(migrated or [])
    scope = {}
    for host in hosts or []:
        variables = hostvars[host]
        name = variables.get("ncp_cluster_name")
        if not name:
            if refused:
                continue  # in no cluster; a refused run changes nothing anyway
            raise AnsibleFilterError("host %s is in group ncp_clusters but has no ncp_cluster_name" % host)
        if only and name != only:
            continue
        entry = scope.setdefault(name, {"masters": [], "import_master": None, "platform": variables.get("ncp_platform") or "kubernetes"})
        entry["masters"].append(host)
        if host in chosen:
            entry["import_master"] = host
    for entry in scope.values():
        entry["done"] = entry["import_master"] in migrated
    if refused:
        return scope
    if only and only not in scope:
        raise AnsibleFilterError("ncp_cluster %r is not a cluster of the inventory (known: %s)" % (only, ", ".join(sorted(scope)) or "none"))
    if not scope:
        raise AnsibleFilterError("the inventory has no clusters: put each cluster's masters in a child group of ncp_clusters")
    return scope


def import_master(masters, journals, preferred=None):
    masters = list(masters or [])
    if not masters:
        raise AnsibleFilterError("the cluster has no master hosts in the inventory")
    unknown = [host for host in masters if not isinstance((journals or {}).get(host), dict) or "exists" not in journals[host]]
    if unknown:
        raise AnsibleFilterError(
            "cannot tell which master holds the cluster's journal: no answer from %s; the importer must be re-run on the master that ran it"
            % ", ".join(unknown)
        )
    holders = [host for host in masters if journals[host]["exists"]]
    if len(holders) > 1:
        raise AnsibleFilterError(
            "several masters hold a journal for the cluster (%s): keep the one that ran the importer, move the others aside" % ", ".join(holders)
        )
    if holders:
        return holders[0]
    if preferred:
        if preferred not in masters:
            raise AnsibleFilterError("ncp_import_master %r is not one of the cluster's masters (%s)" % (preferred, ", ".join(masters)))
        return preferred
    return masters[0]


def migrated(journal):
    """True when the journal shows the cluster imported, switched and restarted in Policy mode."""
    states = (journal or {}).get("states") or {}
    started = states.get("ncp_started") or {}
    return bool("cluster_imported" in states and "policy_configured" in states and started.get("mode") == "policy")


RUN = "localhost"


def rejection_reason(failures):
    hosts_by_error = {}
    for host in sorted(failures or {}, key=lambda name: (name != RUN, name)):
        result = (failures or {}).get(host) or {}
        for error in result.get("argument_errors") or [result.get("msg") or "its variables were rejected"]:
            hosts_by_error.setdefault(" ".join(str(error).split()).rstrip("."), []).append(host)
    errors = []
    for error, hosts in hosts_by_error.items():
        masters = [host for host in hosts if host != RUN]
        errors.append("%s (%s)" % (error, ", ".join(masters)) if masters else error)
    return "the variables were rejected before anything changed: %s. Fix the inventory or the extra variables and run it again." % "; ".join(errors)


class FilterModule:
    def filters(self):
        return {"cluster_scope": cluster_scope, "import_master": import_master, "journal_migrated": migrated, "rejection_reason": rejection_reason}
