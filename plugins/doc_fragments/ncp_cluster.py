# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # How a module on a master reaches NCP's objects in the cluster with kubectl
    # (argument spec: NCP_CLUSTER_ARGSPEC in module_utils/_kubectl.py).
    DOCUMENTATION = r"""
options:
  kubectl:
    description: The kubectl binary (the one the importer uses).
    type: str
    default: kubectl
  kubeconfig:
    description: Kubeconfig giving access to the cluster.
    type: path
  context:
    description: Kubeconfig context to use.
    type: str
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
