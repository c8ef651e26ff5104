# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ncp_mp_settle
short_description: How long NCP must still run in Manager mode after an importer exit 2, from the cluster's journal
version_added: 0.2.0
description:
  - Vendor Failure and Recovery, phase 1 - after an import that ended with NCP back in Manager mode (rc 2), NCP runs in
    Manager mode for at least the quiesce period before the cluster is stopped for its next import.
  - Returns C(wait) (seconds still to wait, 0 when none) and C(problem) (why the import cannot follow at all - NCP was not
    started in Manager mode since the exit 2 - or empty).
positional: quiesce_seconds
options:
  _input:
    description: The journal (C(journal) of M(ncp.mp_to_policy.ncp_journal)); null when none exists.
    type: dict
    required: true
  quiesce_seconds:
    description: The quiesce period (C(ncp_quiesce_seconds)).
    type: int
    required: true
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    settle: "{{ journal_result.journal | ncp.mp_to_policy.ncp_mp_settle(600) }}"
"""

RETURN = r"""
_value:
  description: C(wait) (int, seconds) and C(problem) (str).
  type: dict
"""

import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import mp_settle


def ncp_mp_settle(journal, quiesce_seconds):
    return mp_settle(journal, int(quiesce_seconds), time.time())


class FilterModule:
    def filters(self):
        return {"ncp_mp_settle": ncp_mp_settle}
