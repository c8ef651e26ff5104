# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: controller_argument_spec
short_description: One argument spec for the run's own variables, from the roles a playbook runs on the controller
version_added: 0.1.0
description:
  - Merges the operator's options (named C(ncp_*) or C(nsx_*)) of every entry point of the given roles that runs on
    the controller - the ones that do not declare C(ncp_cluster_name) - into one argument spec for
    M(ansible.builtin.validate_argument_spec).
  - The begin play checks localhost's variables against it, so that a mistyped run variable (for example
    C(ncp_backup_poll_interval)) is refused before any NCP is stopped, instead of by its role half-way through
    the window, where the failed controller would end the playbook with NCP still stopped and no report.
  - Options the run computes for itself (C(migration_*), C(preflight_*), C(report_*)) are left out, and none is
    required; types, element types and choices are checked.
  - Fails when two entry points declare the same option with a different type, element type or choices.
positional: roles_dir
extends_documentation_fragment:
  - ncp.mp_to_policy.role_argument_specs
"""

EXAMPLES = r"""
- name: Check the run's variables
  ansible.builtin.validate_argument_spec:
    argument_spec: "{{ ['quiesce', 'nsx_backup'] | ncp.mp_to_policy.controller_argument_spec(role_path ~ '/..') }}"
"""

RETURN = r"""
_value:
  description: Option name to its argument spec (C(type), C(elements), C(choices), C(options), C(no_log), C(required) false).
  type: dict
"""

from ansible_collections.ncp.mp_to_policy.plugins.filter.master_argument_spec import merge_options, role_entry_points

# The operator's variables; the rest of a controller entry point's options are computed by the run itself.
_OPERATOR_PREFIXES = ("ncp_", "nsx_")


def controller_argument_spec(roles, roles_dir):
    entry_points = role_entry_points(roles, roles_dir, on_master=False)
    operator = {}
    for where, options in entry_points.items():
        chosen = dict((name, option) for name, option in (options or {}).items() if name.startswith(_OPERATOR_PREFIXES))
        # The choices of a run variable are checked by the entry point that declares them (the report's spec leaves
        # ncp_recover_action open on purpose, so that a run refused for it still gets its report).
        operator[where] = dict((name, option) for name, option in chosen.items() if not _open_twin(name, option, entry_points))
    return dict((name, dict(spec, required=False)) for name, spec in merge_options(operator).items())


def _open_twin(name, option, entry_points):
    """True when ``option`` declares no choices and another entry point declares the same option with choices."""
    if option.get("choices"):
        return False
    return any((options or {}).get(name, {}).get("choices") for options in entry_points.values())


class FilterModule:
    def filters(self):
        return {"controller_argument_spec": controller_argument_spec}
