# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dfw_order_finish
short_description: The firewall-order verdict after the last cluster, from nsx_dfw_order's bottom step
version_added: 0.2.0
description:
  - From the result of M(ncp.mp_to_policy.nsx_dfw_order) with O(ncp.mp_to_policy.nsx_dfw_order#module:state=bottom),
    run once every cluster is imported, the record finish writes and its problems (invariant 10) - the step failed,
    a copy ranked on the wrong side of an NCP policy, a top section without a complete Policy copy.
  - In check mode a bottom copy still to write is not a problem. A skipped step is not checked.
positional: check_mode
options:
  _input:
    description: The registered result of the bottom step (skipped, failed or not).
    type: dict
    required: true
  check_mode:
    description: Whether the run is a dry run (C(ansible_check_mode)).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    order_check: "{{ bottom_step | ncp.mp_to_policy.dfw_order_finish(ansible_check_mode) }}"
"""

RETURN = r"""
_value:
  description:
    - C(checked), C(changed), C(top_in_place), C(bottom_in_place), C(violations), C(written) (Policy paths written, or
      to write in check mode) and C(problems) (empty when the order holds).
  type: dict
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dfw_order import finish_check


class FilterModule:
    def filters(self):
        return {"dfw_order_finish": finish_check}
