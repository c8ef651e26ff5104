# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The input of the filters that merge the roles' argument specs for the begin play's checks
    # (master_argument_spec, controller_argument_spec).
    DOCUMENTATION = r"""
options:
  _input:
    description: Names of the roles the playbook runs.
    type: list
    elements: str
    required: true
  roles_dir:
    description: The collection's C(roles) directory.
    type: path
    required: true
"""
