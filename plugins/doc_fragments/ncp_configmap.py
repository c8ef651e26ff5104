# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The live ConfigMap holding ncp.ini, as ncp_config, ncp_mode_switch, ncp_originals and nsx_policy_ids take it
    # (argument spec: CONFIGMAP_OPTIONS in module_utils/_ncp_config_edit.py).
    DOCUMENTATION = r"""
options:
  configmap:
    description:
      - The live ConfigMap holding ncp.ini, read and written through C(kubectl).
    type: dict
    suboptions:
      name:
        description: Name of the ConfigMap.
        type: str
        default: nsx-ncp-config
      namespace:
        description: Namespace of the ConfigMap.
        type: str
        default: nsx-system
      key:
        description: The ConfigMap data key that holds the ini text.
        type: str
        default: ncp.ini
      kubeconfig:
        description: Kubeconfig file for C(kubectl); kubectl's own default when not set.
        type: path
      context:
        description: Kubeconfig context; the current context when not set.
        type: str
      kubectl:
        description: The C(kubectl) binary, a name looked up on E(PATH) or a path.
        type: str
        default: kubectl
"""
