# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Where ncp.ini sits in an NCP YAML manifest, and its NSX section (NCP_INI_LOCATION_OPTIONS in module_utils/_ncp_config_edit.py).
    DOCUMENTATION = r"""
options:
  manifest_configmap:
    description:
      - In an NCP YAML manifest (a file that embeds ncp.ini in a ConfigMap), the name of the ConfigMap that
        holds ncp.ini (under its C(ncp.ini) data key).
      - Exactly one document of the manifest must define a ConfigMap of this name.
    type: str
    default: nsx-ncp-config
  section:
    description: The ncp.ini section holding NCP's NSX options.
    type: str
    default: nsx_v3
"""
