# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that says what an importer exit code means (docs/architecture.md section 4).

0 success; 1 failed, NCP must NOT run in MP mode; 2 failed, restart NCP in MP mode. Anything else (a signal, a crash,
our timeout, a TKGI migration log without an exit code) tells nothing about NSX's state: NCP stays stopped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections

IMPORTED = "imported"
ALREADY_IMPORTED = "already_imported"
FAILED_KEEP_NCP_STOPPED = "failed_keep_ncp_stopped"
FAILED_RESTART_NCP_MP = "failed_restart_ncp_mp"
ERROR = "error"
OUTCOMES = (IMPORTED, ALREADY_IMPORTED, FAILED_KEEP_NCP_STOPPED, FAILED_RESTART_NCP_MP, ERROR)

NCP_POLICY = "policy"
NCP_MP = "mp"
NCP_STOPPED = "stopped"
NCP_MODES = (NCP_POLICY, NCP_MP, NCP_STOPPED)

# succeeded: the run did what was asked (an import, or a rollback).
ImporterOutcome = collections.namedtuple("ImporterOutcome", "rc outcome ncp_mode succeeded next_step")

_NEXT_IMPORTED = {
    "shared": "shared resources imported: update ncp.ini with their Policy IDs and import the cluster (scope cluster) on the same master",
    "cluster": "cluster imported: set policy_nsxapi = True (live ConfigMap and the NCP YAML file) and start NCP in Policy mode",
}
_NEXT_KEEP_STOPPED = (
    "do NOT start NCP in MP mode and stop further imports; recovery choices: re-run the importer on the same master, "
    "roll back (rollback: true), or restore the NSX backup"
)
_NEXT_RESTART_MP = "keep policy_nsxapi = False and restart NCP in MP mode; stop further imports until the cause is fixed"
_NEXT_ROLLED_BACK = "rollback succeeded: the imported resources were returned to MP; keep policy_nsxapi = False and restart NCP in MP mode"
_NEXT_ROLLBACK_FAILED = "rollback failed: do NOT start NCP; restore the NSX backup (strategy 1) or discard the cluster (strategy 2)"
_NEXT_ERROR = (
    "the importer's result is unknown (%s): keep NCP stopped, read the log, check NSX's migration status, "
    "then re-run on the same master or follow the recovery for the state found"
)


def importer_outcome(rc, timed_out=False, rollback=False, scope="cluster", unknown=None):
    """Map one importer run to an :class:`ImporterOutcome`; ``unknown`` says why ``rc`` is None.

    A rollback exiting 0 leaves the MP objects as before the import, the state of exit code 2: restart NCP in MP mode.
    """
    if timed_out:
        return ImporterOutcome(rc, ERROR, NCP_STOPPED, False, _NEXT_ERROR % "killed at the timeout")
    if rc == 0 and rollback:
        return ImporterOutcome(rc, FAILED_RESTART_NCP_MP, NCP_MP, True, _NEXT_ROLLED_BACK)
    if rc == 0:
        return ImporterOutcome(rc, IMPORTED, NCP_POLICY, True, _NEXT_IMPORTED.get(scope, _NEXT_IMPORTED["cluster"]))
    if rc == 1:
        return ImporterOutcome(rc, FAILED_KEEP_NCP_STOPPED, NCP_STOPPED, False, _NEXT_ROLLBACK_FAILED if rollback else _NEXT_KEEP_STOPPED)
    if rc == 2:
        return ImporterOutcome(rc, FAILED_RESTART_NCP_MP, NCP_MP, False, _NEXT_RESTART_MP)
    if rc is None:
        why = unknown or "no exit status"
    elif rc < 0:
        why = "killed by signal %d" % -rc
    else:
        why = "unexpected exit code %d" % rc
    return ImporterOutcome(rc, ERROR, NCP_STOPPED, False, _NEXT_ERROR % why)


def already_imported_outcome(scope="cluster"):
    """The outcome of a run skipped because the journal records the scope as imported."""
    return ImporterOutcome(0, ALREADY_IMPORTED, NCP_POLICY, True, _NEXT_IMPORTED.get(scope, _NEXT_IMPORTED["cluster"]))
