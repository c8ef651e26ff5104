# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rejection_reason
short_description: Why a run was refused, from the failed argument checks, for the halt reason and the report
version_added: 0.1.0
description:
  - One sentence naming each rejected variable once (an argument spec's own error, or the assertion's message),
    with the masters it was rejected on; C(localhost) stands for the run's own variables and is not named.
positional: ""
options:
  _input:
    description: Host to the result of its failed check (C(argument_errors) of M(ansible.builtin.validate_argument_spec), else C(msg)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The reason a run's variables were rejected, from a failed variable check of localhost
  ansible.builtin.debug:
    msg: "{{ {'localhost': ansible_failed_result} | ncp.mp_to_policy.rejection_reason }}"
"""

RETURN = r"""
_value:
  description: The reason, for C(migration_halt_reason).
  type: str
"""

RUN = "localhost"


def rejection_reason(failures):
    hosts_by_error = {}
    for host in sorted(failures or {}, key=lambda name: (name != RUN, name)):
        result = (failures or {}).get(host) or {}
        for error in result.get("argument_errors") or [result.get("msg") or "its variables were rejected"]:
            hosts_by_error.setdefault(" ".join(str(error).split()).rstrip("."), []).append(host)
    errors = []
    for error, hosts in hosts_by_error.items():
        masters = [host for host in hosts if host != RUN]
        errors.append("%s (%s)" % (error, ", ".join(masters)) if masters else error)
    return "the variables were rejected before anything changed: %s. Fix the inventory or the extra variables and run it again." % "; ".join(errors)


class FilterModule:
    def filters(self):
        return {"rejection_reason": rejection_reason}
