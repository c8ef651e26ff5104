# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ncp_start_mode
short_description: The mode NCP may be started in, from the cluster's journal
version_added: 0.1.0
description:
  - V(policy) only after the Policy-mode switch was journaled (after a cluster import ending rc 0);
    V(stopped) for an imported cluster whose switch is not journaled, and when the last importer
    attempt ended rc 1 or did not finish; V(mp) after rc 2, a
    successful rollback, or when the cluster was stopped but not imported (unless O(restart_mp) is
    false); V(none) when this run did not stop NCP or NCP was started since.
  - V(stopped) for every cluster this run stopped when O(keep_down) (another cluster of a strategy-1 run
    ended rc 1, see P(ncp.mp_to_policy.ncp_rc1_clusters#filter)).
  - V(mp) for every cluster this run stopped when O(restored) (recover.yml, after_restore).
positional: restart_mp, keep_down, restored, tkgi
options:
  _input:
    description: The journal (C(journal) of M(ncp.mp_to_policy.ncp_journal)); null when none exists.
    type: dict
    required: true
  restart_mp:
    description: Start clusters stopped but not imported again in MP mode.
    type: bool
    default: true
  keep_down:
    description: Keep the cluster stopped whatever its journal says (the NSX backup stays a valid restore point).
    type: bool
    default: false
  restored:
    description: NSX was restored from the run's backup and the cluster's configuration put back as it was before the run.
    type: bool
    default: false
  tkgi:
    description:
      - A TKGI cluster, whose NCP the run never stops (its promotion does); once a promotion was attempted the
        journal decides as if the run had stopped it.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    mode: "{{ journal_result.journal | ncp.mp_to_policy.ncp_start_mode(true) }}"
"""

RETURN = r"""
_value:
  description: V(policy), V(mp), V(stopped) or V(none).
  type: str
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import start_mode


def ncp_start_mode(journal, restart_mp=True, keep_down=False, restored=False, tkgi=False):
    return start_mode(journal, restart_mp, keep_down, restored, tkgi)


class FilterModule:
    def filters(self):
        return {"ncp_start_mode": ncp_start_mode}
