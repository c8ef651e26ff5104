# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cluster_scope
short_description: The clusters of a run, with their masters and chosen import master
version_added: 0.1.0
description:
  - Reads the cluster of every host in O(_input) from its C(ncp_cluster_name) and returns one
    entry per cluster, so that a cluster whose import master could not be chosen is still in
    scope (and blocks the run) instead of silently dropping out of it.
positional: hosts, only, refused, import_masters, migrated
options:
  _input:
    description: C(hostvars).
    type: raw
    required: true
  hosts:
    description: The masters of all clusters (C(groups['ncp_clusters'])).
    type: list
    elements: str
    required: true
  only:
    description: Restrict to this cluster (strategy 2); empty for all.
    type: str
  refused:
    description:
      - The run was refused when it began (its variables were rejected). Its report lists what can be read - a
        master without C(ncp_cluster_name) is left out and an unknown O(only) gives no cluster - instead of
        failing the run before its report.
    type: bool
    default: false
  import_masters:
    description: The chosen import masters (the group C(ncp_import_masters) the C(import_master) role makes).
    type: list
    elements: str
    default: []
  migrated:
    description:
      - The import masters whose journal shows their cluster imported, switched and restarted in Policy mode (the group
        C(ncp_migrated_masters) the C(import_master) role makes).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Clusters of this run
  ansible.builtin.set_fact:
    scope: "{{ hostvars | ncp.mp_to_policy.cluster_scope(groups['ncp_clusters'], ncp_cluster | default(''), false, groups['ncp_import_masters']) }}"
"""

RETURN = r"""
_value:
  description:
    - Cluster name to C({masters, import_master, platform, done}); C(import_master) is null when none was chosen.
    - C(done) is true when the import master is in O(migrated) (a re-run leaves the cluster alone).
  type: dict
"""

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


class FilterModule:
    def filters(self):
        return {"cluster_scope": cluster_scope}
