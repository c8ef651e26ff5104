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
positional: scope, journals, findings
options:
  _input:
    description:
      - The run (C(strategy), C(started_at), C(halt_reason), C(backup), C(recover_action)), C(start_failures)
        (cluster name to why its NCP start failed in this run) and C(unread_journals) (cluster name to the import
        master whose journal could not be read at the end of the run; O(journals) then holds the one the run read last).
    type: dict
    required: true
  scope:
    description: The clusters of the run, as returned by P(ncp.mp_to_policy.cluster_scope#filter).
    type: dict
    required: true
  journals:
    description: Cluster name to its journal (null when it could not be read).
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
    report: "{{ run | ncp.mp_to_policy.migration_report(scope, journals, findings) }}"
"""

RETURN = r"""
_value:
  description: The migration report.
  type: dict
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._migration_report import build_report


def migration_report(run, scope, journals, findings=None):
    return build_report(run or {}, scope or {}, journals or {}, findings)


class FilterModule:
    def filters(self):
        return {"migration_report": migration_report}
