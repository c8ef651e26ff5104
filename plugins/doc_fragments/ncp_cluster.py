# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The Kubernetes target of every module that runs kubectl (argument spec: KUBECTL_ARGSPEC in module_utils/_kubectl.py).
    DOCUMENTATION = r"""
options:
  kubectl:
    description: The C(kubectl) binary (the one the importer uses), a name looked up on E(PATH) or a path.
    type: str
    default: kubectl
  kubeconfig:
    description: Kubeconfig giving access to the cluster; kubectl's own default when not set.
    type: path
  context:
    description: Kubeconfig context; the current context when not set.
    type: str
notes:
  - O(kubectl), O(kubeconfig) and O(context) can be set for every module that runs kubectl at once with
    C(module_defaults) C(group/ncp.mp_to_policy.ncp).
"""

    # NCP's objects as flat options (NCP_CLUSTER_ARGSPEC in module_utils/_kubectl.py).
    OBJECTS = r"""
options:
  namespace:
    description: NCP's namespace.
    type: str
    default: nsx-system
  deployment:
    description: NCP's Deployment.
    type: str
    default: nsx-ncp
  configmap:
    description: NCP's ConfigMap.
    type: str
    default: nsx-ncp-config
  configmap_key:
    description: The key of O(configmap) holding ncp.ini.
    type: str
    default: ncp.ini
"""

    # The live ConfigMap holding ncp.ini as a dict (CONFIGMAP_OPTIONS in module_utils/_ncp_config_edit.py).
    CONFIGMAP = r"""
options:
  configmap:
    description:
      - The live ConfigMap holding ncp.ini, read and written through C(kubectl) (O(kubectl), O(kubeconfig), O(context)).
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
        description: Deprecated, use O(kubeconfig). Used when O(kubeconfig) is not set; set to another value, the task fails.
        type: path
      context:
        description: Deprecated, use O(context). Used when O(context) is not set; set to another value, the task fails.
        type: str
      kubectl:
        description: Deprecated, use O(kubectl). Used when O(kubectl) is left at its default; set to another value, the task fails.
        type: str
"""
