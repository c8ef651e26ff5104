# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's record: the migration report, the dry run's plan and the finish verdict (module_utils _migration_report,
_dry_run and _finish_verdict). Each filter's documentation is in the file of its name beside this one (<filter>.yml).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dry_run import cluster_plan, render
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._finish_verdict import verify_clusters
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._migration_report import report_of_run


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


def migration_report(run, scope, journals_seen, final_reads, findings=None):
    return report_of_run(run or {}, scope or {}, journals_seen, final_reads, findings)


class FilterModule:
    def filters(self):
        return {"dry_run_plan": dry_run_plan, "finish_verdict": verify_clusters, "migration_report": migration_report}
