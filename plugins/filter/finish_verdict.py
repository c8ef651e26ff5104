# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: finish_verdict
short_description: Whether each cluster is imported and runs NCP in Policy mode, for finish.yml
version_added: 0.3.0
description: Each cluster's import master's answer with C(policy_mode), NSX's counts, C(problems) and C(ok) (no problem).
positional: names, nsx_clusters, fail_on_unpromoted
options:
  _input:
    description: What each cluster's import master said (the finish role's C(cluster) entry point), one per cluster that answered.
    type: list
    elements: dict
    required: true
  names:
    description: The clusters to verify, in the order of the verdicts.
    type: list
    elements: str
    required: true
  nsx_clusters:
    description: The C(clusters) of M(ncp.mp_to_policy.nsx_promotion_status).
    type: list
    elements: dict
    required: true
  fail_on_unpromoted:
    description: Count NCP-tagged MP objects left unpromoted as a problem.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Verify every cluster
  ansible.builtin.set_fact:
    clusters: "{{ answers | ncp.mp_to_policy.finish_verdict(names, promotion.clusters) }}"
"""

RETURN = r"""
_value:
  description: One dict per cluster of O(names).
  type: list
  elements: dict
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._finish_verdict import verify_clusters


class FilterModule:
    def filters(self):
        return {"finish_verdict": verify_clusters}
