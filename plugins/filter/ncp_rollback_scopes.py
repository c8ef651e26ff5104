# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ncp_rollback_scopes
short_description: The import scopes a rollback must undo, from the cluster's journal
version_added: 0.1.0
description:
  - Returns the scopes (V(cluster) first, then V(shared)) that the importer ran and that no
    completed rollback undid since.
options:
  _input:
    description: The journal (C(journal) of M(ncp.mp_to_policy.ncp_journal)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Scopes to roll back
  ansible.builtin.debug:
    msg: "{{ journal_result.journal | ncp.mp_to_policy.ncp_rollback_scopes }}"
"""

RETURN = r"""
_value:
  description: The scopes, in rollback order.
  type: list
  elements: str
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import rollback_scopes


def ncp_rollback_scopes(journal):
    return rollback_scopes(journal)


class FilterModule:
    def filters(self):
        return {"ncp_rollback_scopes": ncp_rollback_scopes}
