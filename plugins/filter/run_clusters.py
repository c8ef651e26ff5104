# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: run_clusters
short_description: The clusters a migration run stops, and those it leaves alone
version_added: 0.1.0
description:
  - Strategy 1 (V(all_clusters)) stops every cluster while any import is to come, those already in Policy mode too
    (invariant 11); they are not imported again and start again in Policy mode.
  - Otherwise, and when every cluster is done, clusters already in Policy mode are left alone.
positional: strategy
options:
  _input:
    description: The run's scope (M(ncp.mp_to_policy.cluster_scope) filter), each cluster with C(done).
    type: dict
    required: true
  strategy:
    description: V(all_clusters) (strategy 1) or V(one_cluster) (strategy 2).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    run: "{{ scope | ncp.mp_to_policy.run_clusters('all_clusters') }}"
"""

RETURN = r"""
_value:
  description: C(stop) (the clusters the run stops and imports, or finds imported) and C(done) (left alone), in order.
  type: dict
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import run_clusters as decide


def run_clusters(scope, strategy):
    stop, done = decide(dict((name, bool(entry.get("done"))) for name, entry in (scope or {}).items()), strategy)
    return {"stop": stop, "done": done}


class FilterModule:
    def filters(self):
        return {"run_clusters": run_clusters}
