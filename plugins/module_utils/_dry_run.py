# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dry run (check mode) of a migration or recovery: what it would do, cluster by cluster.

Check mode writes nothing, so a step cannot see what an earlier step would have written. The plan is
the path on which every step succeeds: each importer run is taken to end rc 0 (the real run decides
from the real exit codes), and NCP's start mode is decided by the same rule as the real run
(ncp_decisions.start_mode) on the journal as that path would leave it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import start_mode
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.importer_outcome import importer_outcome


def planned_import(journal, cluster, host, scope, rollback=False, command=None):
    """The journal as one importer run would leave it if it ended rc 0, recorded as nsx_mp_import records it.

    The attempt is marked ``planned`` (it did not run); nothing is written.
    """
    after = copy.deepcopy(journal) if journal else jr.new_journal(cluster, host)
    outcome = importer_outcome(0, rollback=rollback, scope=scope)
    number = jr.next_attempt_number(after)
    now = jr.iso_time()
    after["attempts"].append(
        dict(
            attempt=number,
            scope=scope,
            rollback=bool(rollback),
            rc=0,
            outcome=outcome.outcome,
            ncp_mode=outcome.ncp_mode,
            started_at=now,
            ended_at=now,
            host=host,
            command=list(command or []),
            planned=True,
        )
    )
    state = jr.IMPORT_STATES[scope]
    if outcome.outcome == "imported":
        jr.apply_marks(after, host, [(state, {"attempt": number}, False)])
    elif rollback:
        after["states"].pop(state, None)
    return after


def _stop_step(entry, facts):
    """(step, True when this run would stop NCP now)."""
    if entry["platform"] == "tkgi":
        return "NCP is left to tkgi promote-cluster-to-policy, which stops and starts it itself (not stopped by this run)", False
    stop = facts.get("stop") or {}
    # The stop task ran (in check mode: would change something) and did not fail.
    if isinstance(stop, dict) and not stop.get("skipped") and not stop.get("failed") and stop.get("changed"):
        return "scale Deployment nsx-ncp from %s to 0 replicas and wait until its pods are gone" % stop.get("previous_replicas"), True
    return "NCP is already stopped (nsx-ncp at 0 replicas)", False


def _quiesce_step(run, stopping):
    """The wait after the last stop: all of it when this run stops NCP, else what is left since the journaled stop."""
    quiesce = run.get("quiesce") or {}
    remaining = int(quiesce.get("remaining") or 0)
    seconds = int(quiesce.get("seconds") or 0)
    if stopping:
        return "wait the quiesce: %d s after the last NCP stop" % seconds
    if remaining > 0:
        return "wait the rest of the quiesce: %d s of %d s after the journaled NCP stop" % (remaining, seconds)
    return "quiesce already served (%d s since the journaled NCP stop)" % seconds


def _backup_step(run):
    if run["strategy"] != "all_clusters":
        return None
    backup = run.get("backup") or {}
    if backup.get("reused_id"):
        return "reuse NSX backup %s (taken after the last NCP stop)" % backup["reused_id"]
    return "back up NSX and wait for the backup to succeed (remote backup target checked)"


def _import_steps(facts):
    result = facts.get("import") or {}
    steps = []
    for scope in result.get("scopes") or []:
        if scope.get("outcome") == "already_imported":
            steps.append("%s import: already imported (journal), not run again" % scope["scope"])
        else:
            steps.append("%s import: run %s" % (scope["scope"], " ".join(scope.get("command") or [])))
    for item in (facts.get("rollback") or {}).get("results") or []:
        if not item.get("skipped"):
            steps.append("roll back the %s import: run %s" % (item.get("item"), " ".join(item.get("command") or [])))
    return steps


def _policy_step(entry, facts):
    switched = facts.get("switch")
    if entry["platform"] == "kubernetes" and isinstance(switched, dict) and not switched.get("skipped") and not switched.get("failed"):
        targets = ["ConfigMap nsx-ncp-config"] if (switched.get("configmap") or {}).get("changed") else []
        if (switched.get("manifest") or {}).get("changed"):
            targets.append(facts.get("manifest_path") or "the NCP YAML file")
        return "set policy_nsxapi = True in %s" % " and ".join(targets) if targets else "policy_nsxapi is already True"
    tkgi = [item for item in (facts.get("tkgi_rendered") or {}).get("results") or [] if not item.get("skipped")]
    if tkgi:
        return "check that the promotion rendered policy_nsxapi = True in ncp.ini on %s" % ", ".join(item.get("item") for item in tkgi)
    return None


def planned_journal(entry, facts):
    """The cluster's journal as the plan's path would leave it: stop, quiesce, backup, imports, Policy-mode switch."""
    imported = ((facts.get("import") or {}).get("journal") or {}).get("journal")
    # Each rollback's check-mode result planned it on the journal as it is on disk: chained here, in order, as the real
    # run writes them (start_mode looks at every scope's last attempt).
    rollbacks = [item.get("item") for item in (facts.get("rollback") or {}).get("results") or [] if item.get("journal")]
    host = entry["import_master"]
    journal = copy.deepcopy(imported or entry.get("journal") or jr.new_journal(entry["cluster"], host))
    for scope in rollbacks:
        journal = planned_import(journal, entry["cluster"], host, scope, rollback=True)
    if entry["stops"] and entry["platform"] != "tkgi":
        restarted = "ncp_started" in journal["states"]
        jr.apply_marks(journal, host, [("ncp_stopped", {}, not restarted)], jr.NEW_STOP_CLEARS if restarted else ())
    if _policy_step(entry, facts):
        jr.apply_marks(journal, host, [("policy_configured", {}, False)])
    return journal


def cluster_plan(entry, facts, run):
    """One cluster's plan: ``{cluster, platform, import_master, masters, steps, ncp_start_mode}``.

    ``entry``: ``cluster``, ``platform``, ``import_master``, ``masters``, ``journal`` (as read before the run),
    ``stops`` (the run would stop its NCP), ``done`` (already migrated). ``facts``: the check-mode results of the
    import master's steps, as the playbook names them (``stop``, ``import``, ``rollback``, ``switch``, ``tkgi_rendered``,
    ``restored``, ``manifest_path``). ``run``: ``strategy``, ``halt_reason``, ``quiesce``, ``backup``, ``restart_mp``,
    ``recover_action``.
    """
    plan = dict(cluster=entry["cluster"], platform=entry["platform"], import_master=entry["import_master"], masters=entry["masters"])
    if entry.get("done"):
        return dict(plan, steps=["already imported and running in Policy mode: left alone"], ncp_start_mode="none")
    halted = run.get("halt_reason")
    if run.get("recover_action") == "after_restore":
        return dict(plan, **_after_restore_plan(facts, halted))
    steps, stopping = [], False
    if entry["stops"]:
        stop, stopping = _stop_step(entry, facts)
        wait = None if entry["platform"] == "tkgi" else _quiesce_step(run, stopping)  # TKGI's promotion waits itself
        steps += [stop] if halted else [stop, wait, _backup_step(run)]
    if halted:
        # The real run stops here; what it stopped comes back as the journal then allows (no import was made).
        steps = (steps if stopping else []) + ["the run would stop: %s" % halted]
        facts = {}
    else:
        steps += _import_steps(facts)
        steps.append(_policy_step(entry, facts))
    journal = planned_journal(dict(entry, stops=entry["stops"] and (stopping or not halted)), facts)
    mode = start_mode(journal, run.get("restart_mp", True), tkgi=entry["platform"] == "tkgi")
    if run.get("recover_action") == "keep_down":
        mode = "stopped"
    if mode in ("policy", "mp"):
        steps.append("start NCP in %s mode" % mode)
    elif mode == "stopped" or not halted:
        steps.append("leave NCP %s" % ("stopped" if mode == "stopped" else "as it is"))
    return dict(plan, steps=[step for step in steps if step], ncp_start_mode=mode)


def _after_restore_plan(facts, halted):
    """recover.yml after_restore: the configuration put back, NCP started in MP mode, the journal moved aside."""
    restored = facts.get("restored") or {}
    if halted or restored.get("skipped") or restored.get("failed") or not restored:
        return dict(steps=["the recovery would stop: %s" % (halted or restored.get("msg") or "nothing to put back")], ncp_start_mode="stopped")
    kept = restored.get("originals") or {}
    what = restored.get("restored") or {}
    targets = ["ConfigMap %s (%s)" % (kept.get("configmap"), "differs" if what.get("configmap") else "already as before")]
    if kept.get("manifest"):
        targets.append("%s (%s)" % (kept["manifest"], "differs" if what.get("manifest") else "already as before"))
    steps = [
        "put back ncp.ini as kept before the run (%s): %s" % (kept.get("at"), ", ".join(targets)),
        "start NCP in mp mode",
        "move the journal aside (a later migration starts afresh)",
    ]
    return dict(steps=steps, ncp_start_mode="mp")


def render(plans):
    """The plan as lines for the operator."""
    lines = ["# Dry run (check mode): nothing was changed", ""]
    for plan in plans:
        lines.append("## %s (%s): import master %s (masters: %s)" % (plan["cluster"], plan["platform"], plan["import_master"], ", ".join(plan["masters"])))
        lines.extend("%d. %s" % (number, step) for number, step in enumerate(plan["steps"], 1))
        lines.append("")
    return lines
