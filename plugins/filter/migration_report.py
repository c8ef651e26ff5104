# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: migration_report
short_description: Build the migration report from the clusters' journals
version_added: 0.1.0
description:
  - Returns the report of docs/architecture.md section 4 (strategy, result, times, downtime, backup, per
    cluster outcome, NCP mode and importer runs, preflight findings, next steps).
positional: scope, journals_seen, final_reads, findings
options:
  _input:
    description:
      - The run (C(strategy), C(started_at), C(halt_reason), C(backup) (the one this run made, else null, and strategy 1
        then reports the latest the journals record), C(recover_action), C(after_rc1), C(firewall_order),
        C(window_warnings)) and C(start_failures) (cluster name to why its NCP start failed in this run, empty when it did not).
    type: dict
    required: true
  scope:
    description: The clusters of the run, as returned by P(ncp.mp_to_policy.cluster_scope#filter).
    type: dict
    required: true
  journals_seen:
    description: Cluster name to its journal as the run last read or wrote it (null when never).
    type: dict
    required: true
  final_reads:
    description:
      - Cluster name to the report's final read of its journal (an M(ncp.mp_to_policy.ncp_journal) result). Where it
        failed, the report shows the journal of O(journals_seen) and names the cluster's journal as unread.
    type: dict
    required: true
  findings:
    description: The preflight findings.
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Build the report
  ansible.builtin.set_fact:
    report: "{{ run | ncp.mp_to_policy.migration_report(scope, seen, final_reads, findings) }}"
"""

RETURN = r"""
_value:
  description: The migration report.
  type: dict
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._migration_report import report_of_run


def migration_report(run, scope, journals_seen, final_reads, findings=None):
    return report_of_run(run or {}, scope or {}, journals_seen, final_reads, findings)


class FilterModule:
    def filters(self):
        return {"migration_report": migration_report}
