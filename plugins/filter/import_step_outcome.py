# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: import_step_outcome
short_description: What a registered nsx_mp_import result means for the rest of the run
version_added: 0.1.0
description:
  - Reads the registered result of the import step and says how the run goes on (docs/architecture.md section 3,
    invariants 3, 5 and 6).
  - V(imported) for an empty input or a result that neither failed nor was unreachable (every step ended well, or
    the journal records them as done); V(not_started) when the importer did not
    start - NSX was busy (RV(ncp.mp_to_policy.nsx_mp_import#module:blocked_by)) or the module failed
    before it journaled an attempt (its result holds RV(ncp.mp_to_policy.nsx_mp_import#module:attempt)
    null, for example when NSX refused the credentials of the last-moment check); V(error) when the
    outcome is unknown (the master became unreachable, the module could not run or gave no outcome);
    otherwise the module's own RV(ncp.mp_to_policy.nsx_mp_import#module:outcome).
options:
  _input:
    description: The registered result of M(ncp.mp_to_policy.nsx_mp_import), or an empty dict (no import ran).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    outcome: "{{ import_result | ncp.mp_to_policy.import_step_outcome }}"
"""

RETURN = r"""
_value:
  description: V(imported), V(not_started), V(error), V(failed_keep_ncp_stopped) or V(failed_restart_ncp_mp).
  type: str
"""


def import_step_outcome(result):
    if not result or not (result.get("failed") or result.get("unreachable")):
        return "imported"
    if result.get("unreachable"):
        return "error"
    if result.get("blocked_by"):
        return "not_started"
    # nsx_mp_import journals the attempt before the importer starts: a structured failure without one ran nothing.
    if "attempt" in result and result["attempt"] is None and result.get("rc") is None and not result.get("outcome"):
        return "not_started"
    return result.get("outcome") or "error"


class FilterModule:
    def filters(self):
        return {"import_step_outcome": import_step_outcome}
