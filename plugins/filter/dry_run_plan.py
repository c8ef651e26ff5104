# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dry_run_plan
short_description: What a check-mode run of the migration or recovery would do, cluster by cluster
version_added: 0.1.0
description:
  - Per cluster of the run's scope, the import master and the steps the run would take, from the check-mode results
    of its tasks (NCP stop, quiesce, NSX backup, importer commands, Policy-mode switch) and the mode NCP would be
    started in, decided as the real run decides it on the journal as a successful run would leave it.
positional: results, run
options:
  _input:
    description: The run's clusters (C(migration_scope), from P(ncp.mp_to_policy.cluster_scope#filter)).
    type: dict
    required: true
  results:
    description:
      - Cluster name to the check-mode results of its import master's steps, as the playbook names them (C(stop),
        C(import), C(rollback), C(switch), C(tkgi_rendered), C(restored), C(manifest_path), C(journal) (as read before
        the run)).
    type: dict
    required: true
  run:
    description:
      - C(strategy), C(halt_reason), C(import_clusters) (clusters the run would stop and import), C(quiesce)
        (C(seconds), C(remaining)), C(backup) (C(reused_id)), C(restart_mp), C(recover_action).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Show the plan
  ansible.builtin.debug:
    msg: "{{ migration_scope | ncp.mp_to_policy.dry_run_plan(results, run) }}"
"""

RETURN = r"""
_value:
  description:
    - C(clusters), one C({cluster, platform, import_master, masters, steps, ncp_start_mode}) per cluster, and C(lines),
      the plan as text for the operator.
  type: dict
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dry_run import cluster_plan, render


def dry_run_plan(scope, results, run):
    plans = []
    for cluster, entry in (scope or {}).items():
        facts = (results or {}).get(cluster) or {}
        cluster_entry = dict(
            cluster=cluster,
            platform=entry.get("platform") or "kubernetes",
            import_master=entry.get("import_master"),
            masters=entry.get("masters") or [],
            journal=facts.get("journal"),
            stops=cluster in (run.get("import_clusters") or []) and run.get("strategy") != "recover",
            done=entry.get("done"),
        )
        plans.append(cluster_plan(cluster_entry, facts, run))
    return dict(clusters=plans, lines=render(plans))


class FilterModule:
    def filters(self):
        return {"dry_run_plan": dry_run_plan}
