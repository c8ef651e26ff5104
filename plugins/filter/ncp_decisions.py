# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's decisions from the clusters' journals and the import's result, for the roles and playbooks.

The decisions themselves are in module_utils/_ncp_decisions.py (unit-tested); each filter's documentation is in
the file of its name beside this one (<filter>.yml).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.errors import AnsibleFilterError

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_decisions as decide


def confirmed_stops(stops):
    epochs, unconfirmed = decide.confirmed_stops(stops or {})
    return {"epochs": epochs, "unconfirmed": unconfirmed, "reusable_backup": decide.reusable_backup(stops or {})}


def import_step_outcome(result):
    if not result or not (result.get("failed") or result.get("unreachable")):
        return "imported"
    if result.get("unreachable"):
        return "error"
    if result.get("blocked_by"):
        return "not_started"
    # nsx_mp_import journals the attempt before the importer starts: a structured failure without one ran nothing.
    if "attempt" in result and result["attempt"] is None and result.get("rc") is None and not result.get("outcome"):
        return "not_started"
    return result.get("outcome") or "error"


def ncp_mp_settle(journal, quiesce_seconds):
    return decide.mp_settle(journal, int(quiesce_seconds), time.time())


def ncp_rc1_clusters(journals, strategy, after_rc1="keep_down"):
    try:
        return decide.rc1_clusters(journals, strategy, after_rc1)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def run_clusters(scope, strategy):
    stop, done = decide.run_clusters(dict((name, bool(entry.get("done"))) for name, entry in (scope or {}).items()), strategy)
    return {"stop": stop, "done": done}


class FilterModule:
    def filters(self):
        return {
            "confirmed_stops": confirmed_stops,
            "import_step_outcome": import_step_outcome,
            "ncp_mp_settle": ncp_mp_settle,
            "ncp_rc1_clusters": ncp_rc1_clusters,
            "ncp_rollback_scopes": decide.rollback_scopes,
            "ncp_start_mode": decide.start_mode,
            "run_clusters": run_clusters,
        }
