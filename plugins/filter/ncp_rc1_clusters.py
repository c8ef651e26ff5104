# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ncp_rc1_clusters
short_description: The clusters whose importer exit code 1 (or unknown result) keeps every cluster of a strategy-1 run stopped
version_added: 0.1.0
description:
  - The clusters whose last importer attempt ended rc 1 or with no known result (V(error), or an attempt left open),
    when O(strategy) is V(all_clusters) and O(after_rc1) is V(keep_down) - every cluster the run stopped then stays
    stopped, so that the NSX backup stays a valid restore point. Empty otherwise (strategy 2, a recovery, or
    V(restart_others)).
positional: strategy, after_rc1
options:
  _input:
    description: The journals of the run's clusters (C(journal) of M(ncp.mp_to_policy.ncp_journal)); null entries are skipped.
    type: list
    elements: dict
    required: true
  strategy:
    description: The run's strategy (V(all_clusters), V(one_cluster) or V(recover)).
    type: str
    required: true
  after_rc1:
    description: The run variable C(ncp_after_rc1).
    type: str
    choices: [keep_down, restart_others]
    default: keep_down
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    rc1: "{{ journals | ncp.mp_to_policy.ncp_rc1_clusters('all_clusters', 'keep_down') }}"
"""

RETURN = r"""
_value:
  description: Cluster names, sorted.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import rc1_clusters


def ncp_rc1_clusters(journals, strategy, after_rc1="keep_down"):
    try:
        return rc1_clusters(journals, strategy, after_rc1)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule:
    def filters(self):
        return {"ncp_rc1_clusters": ncp_rc1_clusters}
