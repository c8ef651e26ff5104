# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: import_master
short_description: Choose the master of a cluster that runs the importer
version_added: 0.1.0
description:
  - The import master of a cluster is the master whose journal exists; only when none exists is
    one chosen, O(preferred) if given, else the first master (docs/architecture.md section 3, invariant 7).
  - Fails when a master's journal state is unknown (it did not answer), when several masters
    hold a journal, or when O(preferred) is not one of the masters.
positional: masters
options:
  _input:
    description: The cluster's master hosts, in inventory order.
    type: list
    elements: str
    required: true
  journals:
    description: Per master, the result of M(ncp.mp_to_policy.ncp_journal) with O(ncp.mp_to_policy.ncp_journal#module:action=read) (a dict with C(exists)).
    type: dict
    required: true
  preferred:
    description: The configured import master (C(ncp_import_master)), if any.
    type: str
"""

EXAMPLES = r"""
- name: Pick the import master
  ansible.builtin.set_fact:
    ncp_selected_master: "{{ masters | ncp.mp_to_policy.import_master(journals, ncp_import_master | default(none)) }}"
"""

RETURN = r"""
_value:
  description: The inventory name of the import master.
  type: str
"""

from ansible.errors import AnsibleFilterError


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


class FilterModule:
    def filters(self):
        return {"import_master": import_master, "journal_migrated": migrated}
