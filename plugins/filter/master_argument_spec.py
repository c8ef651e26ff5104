# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: master_argument_spec
short_description: One argument spec for a master, from the argument specs of the roles a playbook runs on it
version_added: 0.1.0
description:
  - Merges the options of every entry point of the given roles that runs on a master - the ones that
    declare C(ncp_cluster_name) - into one argument spec for M(ansible.builtin.validate_argument_spec).
  - The begin play checks each master's variables against it, so that a missing or mistyped variable is
    refused before anything runs, with one error per variable, instead of by a role half-way through
    the run (docs/architecture.md section 4).
  - An option is required when one of the entry points requires it; defaults and descriptions are left out.
  - Fails when two entry points declare the same option with a different type, element type or choices.
positional: roles_dir
extends_documentation_fragment:
  - ncp.mp_to_policy.role_argument_specs
"""

EXAMPLES = r"""
- name: Check this master's variables
  ansible.builtin.validate_argument_spec:
    argument_spec: "{{ ['import_master', 'ncp_stop'] | ncp.mp_to_policy.master_argument_spec(role_path ~ '/..') }}"
"""

RETURN = r"""
_value:
  description: Option name to its argument spec (C(type), C(elements), C(choices), C(required), C(options), C(no_log)).
  type: dict
"""

import os

import yaml
from ansible.errors import AnsibleFilterError

# What validation needs; the rest of an option (description, default, version_added) is documentation.
_CHECKED = ("type", "elements", "choices", "options", "no_log")
# A master's entry points are the ones that work on its cluster.
_MASTER_OPTION = "ncp_cluster_name"


def master_entry_points(specs):
    """The entry points of a role (its parsed ``argument_specs``) that run on a master."""
    return {name: spec for name, spec in sorted((specs or {}).items()) if _MASTER_OPTION in ((spec or {}).get("options") or {})}


def merge_options(entry_points):
    """``entry_points``: ``{"role/entry": options}`` -> one options dict (required when any requires it)."""
    merged, origin = {}, {}
    for where, options in entry_points.items():
        for name, option in (options or {}).items():
            checked = {key: option[key] for key in _CHECKED if option.get(key) is not None}
            if name not in merged:
                merged[name] = dict(checked, required=bool(option.get("required")))
                origin[name] = where
                continue
            seen = {key: value for key, value in merged[name].items() if key != "required"}
            if seen != checked:
                raise AnsibleFilterError("option %s is declared differently in %s (%r) and %s (%r)" % (name, origin[name], seen, where, checked))
            merged[name]["required"] = merged[name]["required"] or bool(option.get("required"))
    return merged


def master_argument_spec(roles, roles_dir):
    return merge_options(role_entry_points(roles, roles_dir, on_master=True))


def role_entry_points(roles, roles_dir, on_master):
    """``{"role/entry": options}`` of the roles' entry points that run on a master (``on_master``) or on the controller."""
    entry_points = {}
    for role in roles or []:
        path = os.path.join(roles_dir, role, "meta", "argument_specs.yml")
        try:
            with open(path, encoding="utf-8") as handle:
                specs = (yaml.safe_load(handle) or {}).get("argument_specs")
        except (IOError, OSError, yaml.YAMLError) as error:
            raise AnsibleFilterError("cannot read the argument specs of role %s: %s" % (role, error))
        chosen = master_entry_points(specs)
        if not on_master:
            chosen = dict((name, spec) for name, spec in sorted((specs or {}).items()) if name not in chosen)
        for entry, spec in chosen.items():
            entry_points["%s/%s" % (role, entry)] = (spec or {}).get("options")
    return entry_points


class FilterModule:
    def filters(self):
        return {"master_argument_spec": master_argument_spec}
