# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: report_journals
short_description: Each cluster's journal for the migration report, read at the end or as the run last saw it
version_added: 0.1.0
description:
  - For every cluster in O(_input), the journal its import master returned to the report's final read
    (C(report_journal)). When that read failed (the master became unreachable), the journal as this run last
    read or wrote it - the latest of the import master's registered results, in run order - marked C(unread), so
    that the report shows what the run knows instead of guessing that NCP runs in Manager mode.
positional: hostvars
options:
  _input:
    description: The run's clusters, as returned by P(ncp.mp_to_policy.cluster_scope#filter).
    type: dict
    required: true
  hostvars:
    description: C(hostvars).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Journals for the report
  ansible.builtin.set_fact:
    journals: "{{ migration_scope | ncp.mp_to_policy.report_journals(hostvars) }}"
"""

RETURN = r"""
_value:
  description:
    - Cluster name to C({journal, unread, host}); C(journal) is null when no journal of the cluster was ever read,
      C(unread) is true when it is an earlier one than the final read, C(host) is the import master.
  type: dict
"""

# The import master's registered results (and facts) that carry the cluster's journal, in run order: a later one
# knows more. Each holds the journal under "journal", except nsx_mp_import's result, whose "journal" is the
# ncp_journal-shaped description of the journal it left (with the record under "journal" again).
JOURNAL_SOURCES = (
    "import_master_journal",
    "ncp_stop_journal",
    "mp_import_journal",
    "mp_import_result",
    "ncp_policy_mode_journal",
    "ncp_policy_mode_marked",
    "ncp_start_journal",
)
IMPORT_RESULT = "mp_import_result"


def journal_of(name, result):
    """The journal record a registered result carries, or None (not run, skipped, a failed read or write)."""
    if not isinstance(result, dict):
        return None
    if name == IMPORT_RESULT:
        # A failed import still journaled its attempt (rc 1, rc 2): that record is what the run knows.
        described = result.get("journal")
        return (described.get("journal") or None) if isinstance(described, dict) else None
    if result.get("failed"):
        return None
    return result.get("journal") or None


def report_journals(scope, hostvars):
    found = {}
    for cluster, entry in (scope or {}).items():
        host = (entry or {}).get("import_master")
        facts = hostvars[host] if host else {}
        final = facts.get("report_journal") or {}
        if isinstance(final, dict) and "journal" in final and not final.get("failed"):
            found[cluster] = {"journal": final["journal"], "unread": False, "host": host}
            continue
        earlier = None
        for name in JOURNAL_SOURCES:
            earlier = journal_of(name, facts.get(name)) or earlier
        found[cluster] = {"journal": earlier, "unread": earlier is not None, "host": host}
    return found


class FilterModule:
    def filters(self):
        return {"report_journals": report_journals}
