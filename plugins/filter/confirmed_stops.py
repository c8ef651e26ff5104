# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: confirmed_stops
short_description: Which clusters' NCP stops are confirmed in their journals, when, and a backup to take again
version_added: 0.2.0
description:
  - Invariant 2 - no import before NCP is confirmed stopped on every cluster the run stops. A stop is confirmed when
    the journal the stop wrote records C(ncp_stopped).
  - Strategy 1 takes one NSX backup after the last stop; a re-run takes again the one every stopped cluster's journal
    records after the latest confirmed stop (C(reusable_backup)), instead of a new one.
options:
  _input:
    description: Cluster to the journal its NCP stop wrote (C(journal) of M(ncp.mp_to_policy.ncp_service)), or null.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Confirmed stops
  ansible.builtin.set_fact:
    stops: "{{ {'k8s-01': stop_result.journal} | ncp.mp_to_policy.confirmed_stops }}"
"""

RETURN = r"""
_value:
  description:
    - C(epochs) (cluster to the epoch of its confirmed stop), C(unconfirmed) (the others, in order) and
      C(reusable_backup) (the backup ID to take again, or an empty string).
  type: dict
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import confirmed_stops as decide
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import reusable_backup


def confirmed_stops(stops):
    epochs, unconfirmed = decide(stops or {})
    return {"epochs": epochs, "unconfirmed": unconfirmed, "reusable_backup": reusable_backup(stops or {})}


class FilterModule:
    def filters(self):
        return {"confirmed_stops": confirmed_stops}
