# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration report (docs/architecture.md section 4), built from the clusters' journals.

The journals are the record of what happened, so a report written after a failure, an
interruption or a resumed run tells the same story as one written after a clean run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._import_leftovers import describe as describe_leftovers
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import AFTER_RC1, KEEP_STOPPED, last_attempts, rc1_clusters

FAILED_OUTCOMES = ("failed_keep_ncp_stopped", "failed_restart_ncp_mp", "error")
DONE_OUTCOMES = ("imported", "already_imported")
_ISO = "%Y-%m-%dT%H:%M:%SZ"


def _epoch(text):
    return float(calendar.timegm(time.strptime(text, _ISO))) if text else None


def _iso(epoch):
    return time.strftime(_ISO, time.gmtime(epoch)) if epoch is not None else None


def _state_at(journal, state):
    return ((journal or {}).get("states", {}).get(state) or {}).get("at")


def cluster_outcome(journal, run_started_at):
    """(outcome, imports) of one cluster from its journal; a rollback counts as an attempt."""
    attempts = list((journal or {}).get("attempts", []))
    imports = [
        {"scope": a.get("scope"), "rc": a.get("rc"), "outcome": a.get("outcome"), "duration": a.get("duration"), "log_file": a.get("log_file")}
        for a in (journal or {}).get("attempts", [])
    ]
    states = (journal or {}).get("states", {})
    if "cluster_imported" in states:
        imported_at = _epoch(states["cluster_imported"].get("at"))
        started = _epoch(run_started_at)
        return ("already_imported" if started and imported_at and imported_at < started else "imported"), imports
    if attempts:
        # A scope whose last attempt holds NCP stopped (a failed rollback of the cluster scope, then a good one of the
        # shared scope) is the cluster's outcome, as it is for start_mode.
        held = [a for a in last_attempts(journal).values() if a.get("outcome") in KEEP_STOPPED and a.get("outcome") in FAILED_OUTCOMES]
        last = held[-1] if held else attempts[-1]
        if last.get("outcome") in FAILED_OUTCOMES:
            return last["outcome"], imports
    return "not_attempted", imports


def stop_time(journal, tkgi=False):
    """When NCP was stopped for the migration: the journaled stop; for TKGI, whose promotion stops NCP itself and is
    never stopped by the run (issue 27), the first promotion attempt's start."""
    at = _state_at(journal, "ncp_stopped")
    if at or not tkgi:
        return at
    attempts = (journal or {}).get("attempts") or []
    return attempts[0].get("started_at") if attempts else None


def ncp_mode(journal, tkgi=False):
    """What NCP runs in now, as far as the journal knows: policy, mp or stopped."""
    stopped = _epoch(stop_time(journal, tkgi))
    started_record = ((journal or {}).get("states", {}).get("ncp_started")) or {}
    started = _epoch(started_record.get("at"))
    if started is not None and (stopped is None or started >= stopped):
        return started_record.get("mode") or "mp"
    if stopped is not None:
        return "stopped"
    return "mp"  # never stopped by this migration: still running in Manager mode


def next_steps(cluster, outcome, mode, strategy, start_failure=None, policy_configured=True):
    """What the operator does next for one cluster; ``start_failure``: why its NCP start failed in this run;
    ``policy_configured``: its journal records the switch of ncp.ini to Policy mode."""
    name = cluster["name"]
    # The start's own error, so the operator knows where to look.
    why = " (%s)" % start_failure if start_failure else ""
    if outcome == "failed_keep_ncp_stopped":
        steps = [
            "%s: the importer exited 1 - do NOT start NCP in Manager mode. Choose one: re-run the import on the same master (%s) "
            "with recover.yml -e ncp_cluster=%s -e ncp_recover_action=retry; or roll back with -e ncp_recover_action=rollback "
            "and then restart NCP in Manager mode" % (name, cluster.get("import_host"), name)
        ]
        if strategy == "all_clusters":
            steps[0] += "; or, if both fail, restore the NSX backup taken before the imports"
        return steps
    if outcome == "failed_restart_ncp_mp":
        return [
            "%s: the import was rolled back (importer rc 2, or a requested rollback); NCP: %s%s. Fix the cause in the importer's log, "
            "then run the migration again." % (name, mode, why)
        ]
    if outcome == "error":
        return [
            "%s: the importer did not finish (timeout, crash or interruption); NCP stays stopped. Read the log, then run the migration "
            "again on the same master (%s) - the journal resumes it." % (name, cluster.get("import_host"))
        ]
    if outcome in DONE_OUTCOMES and mode == "stopped" and not policy_configured:
        # A halted or failed Policy switch: ncp.ini still says MP, on objects that are now Policy's.
        return [
            "%s: imported, but ncp.ini was not switched to Policy mode%s; NCP stays stopped (in Manager mode it would act on "
            "imported objects). Fix the cause the run names, then run the migration again - it resumes, switches ncp.ini and starts "
            "NCP in Policy mode." % (name, why)
        ]
    if outcome in DONE_OUTCOMES and mode == "stopped":
        return [
            "%s: imported and configured for Policy mode, but NCP was not confirmed running%s; check its pods (or monit), then run the "
            "migration again - it resumes and starts NCP in Policy mode." % (name, why)
        ]
    if outcome == "not_attempted" and mode == "stopped":
        return ["%s: NCP is stopped%s and no import ran; run the migration again to resume, or recover.yml to start NCP in Manager mode." % (name, why)]
    return []


def kept_down(clusters, journals, rc1, backup):
    """Strategy 1 after rc 1 (or an import of unknown result): what the stopped clusters are configured for, and the
    recovery choices (report key ``after_rc1``)."""
    held = [c["name"] for c in clusters if c["ncp_mode"] == "stopped"]
    policy = sorted(name for name in held if "policy_configured" in ((journals.get(name) or {}).get("states") or {}))
    backup_id = (backup or {}).get("backup_id") or "taken before the imports"
    names = ", ".join(rc1)
    why = ", ".join(_holds_because(name, journals) for name in rc1)
    choices = [
        "recover %s: recover.yml -e ncp_cluster=NAME -e ncp_recover_action=retry (or rollback), then run migrate_all.yml again - "
        "it resumes and starts every cluster (the imported ones in Policy mode)" % names,
        "if the retry and the rollback both fail: restore NSX from the backup %s, then recover.yml -e ncp_recover_action=after_restore "
        "(every cluster's ncp.ini and ConfigMap back as before the run, NCP started in Manager mode)" % backup_id,
        "start the other clusters without a restore: migrate_all.yml -e ncp_after_rc1=restart_others - the backup then no longer "
        "matches NSX, and a later restore would revert clusters that run in Policy mode",
    ]
    step = (
        "Strategy 1: %s, so every cluster this run stopped stays stopped and the NSX backup %s stays a valid restore point "
        "(stopped: %s; ncp.ini/ConfigMap say Policy: %s). Choose: %s"
        % (why, backup_id, ", ".join(held) or "none", ", ".join(policy) or "none", " | ".join("(%d) %s" % (i + 1, c) for i, c in enumerate(choices)))
    )
    return {"rc1_clusters": rc1, "stopped": held, "policy_configured": policy, "choices": choices}, step


def _holds_because(name, journals):
    """Why ``name`` holds every cluster of a strategy-1 run down: rc 1, or an import whose result is not known."""
    attempts = (journals.get(name) or {}).get("attempts") or []
    if attempts and attempts[-1].get("outcome") == "failed_keep_ncp_stopped":
        return "%s ended rc 1" % name
    return "%s's import ended with no known result (a crash, a timeout or a kill can leave NSX as an rc 1 does)" % name


def after_restore_steps(clusters, unread):
    """recover.yml after_restore: what is left to do once NSX was restored and the configurations put back."""
    steps = [
        "%s: its configuration was not put back or NCP not confirmed running in Manager mode; NCP stays stopped - read the "
        "recovery's output, fix the cause and run recover.yml -e ncp_recover_action=after_restore again" % c["name"]
        for c in clusters
        if c["ncp_mode"] != "mp" and c["name"] not in unread
    ]
    if not steps:
        steps.append(
            "NSX is as the backup saw it and every cluster runs NCP in Manager mode with its ncp.ini and ConfigMap as before the run; "
            "the run's journals were moved aside (restored-<time>/ in each cluster's state directory). The importer's own records "
            "beside it on each import master describe imports NSX no longer has: move them aside before a new window, then run "
            "preflight.yml and the migration again"
        )
    return steps


def build_report(run, scope, journals, findings=None, now=None):
    """The report dict of docs/architecture.md section 4.

    ``run``: strategy, started_at, halt_reason, backup, recover_action, after_rc1 (ncp_after_rc1), start_failures (cluster name -> why its
    NCP start failed in this run), unread_journals (cluster name -> import master whose journal could not be read
    at the end; ``journals`` then holds the one the run read last); ``scope``: cluster_scope's dict;
    ``journals``: cluster name -> journal (or None when it could not be read).
    """
    now = time.time() if now is None else now
    clusters = []
    stops, starts = [], []
    any_failed = False
    all_done = True
    # A recovery succeeds when NCP ends where the operator's choice puts it.
    wanted_mode = {"retry": "policy", "rollback": "mp", "keep_down": "stopped", "after_restore": "mp"}.get(run.get("recover_action"), "policy")
    start_failures = run.get("start_failures") or {}
    unread = run.get("unread_journals") or {}
    for name in sorted(scope):
        entry = scope[name]
        journal = journals.get(name)
        outcome, imports = cluster_outcome(journal, run.get("started_at"))
        tkgi = entry.get("platform") == "tkgi"
        mode = ncp_mode(journal, tkgi)
        stopped_at = stop_time(journal, tkgi)
        started_at = _state_at(journal, "ncp_started") if mode in ("policy", "mp") and stopped_at else None
        cluster = {
            "name": name,
            "platform": entry.get("platform"),
            "import_host": (journal or {}).get("owner_host") or entry.get("import_master"),
            "outcome": outcome,
            "ncp_mode": mode,
            "ncp_stopped_at": stopped_at,
            "ncp_started_at": started_at,
            "imports": imports,
            # The last proof that the import left nothing behind (nsx_import_verify), or None when none was journaled.
            "import_check": (journal or {}).get("import_check"),
        }
        clusters.append(cluster)
        if stopped_at:
            stops.append(_epoch(stopped_at))
            starts.append(_epoch(started_at) if started_at else now)
        # Not knowing where a cluster stands at the end of the run is a failure whatever was wanted.
        any_failed = any_failed or name in unread
        if wanted_mode == "policy":
            any_failed = any_failed or outcome in FAILED_OUTCOMES or name in start_failures
            all_done = all_done and outcome in DONE_OUTCOMES and mode == "policy"
        else:
            all_done = all_done and mode == wanted_mode
            any_failed = any_failed or mode != wanted_mode
    if all_done and (not run.get("halt_reason") or run.get("recover_action") == "keep_down"):
        result = "success"
    elif any_failed or run.get("halt_reason"):
        result = "failed"
    else:
        result = "interrupted"
    downtime = round(max(starts) - min(stops), 1) if stops else 0
    steps = []
    for cluster in clusters:
        if cluster["name"] in unread:
            steps.append(
                "%s: its journal on %s could not be read at the end of the run (host unreachable or journal unreadable); this report shows"
                " it as the run last read it. When %s answers again, run the playbook again - it resumes from that journal."
                % (cluster["name"], unread[cluster["name"]], unread[cluster["name"]])
            )
        configured = "policy_configured" in ((journals.get(cluster["name"]) or {}).get("states") or {})
        steps.extend(next_steps(cluster, cluster["outcome"], cluster["ncp_mode"], run.get("strategy"), start_failures.get(cluster["name"]), configured))
        if cluster["outcome"] in DONE_OUTCOMES and describe_leftovers(cluster["import_check"], cluster["name"]):
            steps.append("WARNING " + describe_leftovers(cluster["import_check"], cluster["name"]))
    if run.get("recover_action") == "after_restore":
        # The run's imports are undone by the restore: the per-cluster steps of the run no longer apply.
        steps = after_restore_steps(clusters, unread)
    if run.get("halt_reason"):
        steps.insert(0, "The run stopped early: %s" % run["halt_reason"])
    # A run refused for a mistyped ncp_after_rc1 still gets its report.
    after = run.get("after_rc1") if run.get("after_rc1") in AFTER_RC1 else "keep_down"
    rc1 = rc1_clusters([dict(journals[n], cluster=n) for n in sorted(scope) if journals.get(n)], run.get("strategy"), after)
    after_rc1, step = kept_down(clusters, journals, rc1, run.get("backup")) if rc1 else (None, None)
    if step:
        # Instead of each held cluster's own "run again / start it" step: the run-wide choice comes first.
        held = set(after_rc1["stopped"]) - set(rc1)
        steps = [s for s in steps if s.split(":")[0] not in held]
        steps.insert(1 if run.get("halt_reason") else 0, step)
    return {
        "strategy": run.get("strategy"),
        "result": result,
        "started_at": run.get("started_at"),
        "ended_at": _iso(now),
        "downtime_seconds": downtime,
        "backup": run.get("backup") or None,
        "clusters": clusters,
        "findings": list(findings or []),
        "next_steps": steps,
        "after_rc1": after_rc1,
        # What the window forbade (the Kubernetes API read-only), said when it started and kept in the record.
        "warnings": list(run.get("window_warnings") or []),
        "firewall_order": firewall_order(run.get("firewall_order")),
    }


def journals_for_report(scope, seen, final_reads):
    """(journals, unread): each cluster's journal as the report's final read returned it (``final_reads``: cluster ->
    an ncp_journal result). Where that read failed (the import master became unreachable), the journal as the run last
    saw it (``seen``: cluster -> journal) and the cluster in ``unread`` (cluster -> import master): the report shows
    what the run knows instead of guessing that NCP runs in Manager mode."""
    journals, unread = {}, {}
    for cluster, entry in scope.items():
        final = (final_reads or {}).get(cluster)
        if isinstance(final, dict) and "journal" in final and not final.get("failed"):
            journals[cluster] = final["journal"]
            continue
        journals[cluster] = (seen or {}).get(cluster) or None
        if journals[cluster] is not None:
            unread[cluster] = (entry or {}).get("import_master")
    return journals, unread


def latest_backup(journals):
    """The latest NSX backup any journal records, as the report shows it (``{backup_id, success}``), or None."""
    records = [((journal or {}).get("states") or {}).get("backed_up") for journal in journals.values()]
    records = [record for record in records if record]
    if not records:
        return None
    return {"backup_id": max(records, key=lambda record: record.get("at") or "")["backup_id"], "success": True}


def report_of_run(run, scope, seen, final_reads, findings=None, now=None):
    """The report of a run (:func:`build_report`) from the journals of :func:`journals_for_report`. ``run`` as for
    build_report; its ``backup`` is the one this run made, else (strategy 1 resumed or repeated) the latest the journals
    record; ``start_failures``: cluster -> why its NCP start failed, empty when it did not."""
    journals, unread = journals_for_report(scope, seen, final_reads)
    backup = run.get("backup") or (latest_backup(journals) if run.get("strategy") == "all_clusters" else None)
    failures = dict((name, why) for name, why in (run.get("start_failures") or {}).items() if why)
    return build_report(dict(run, unread_journals=unread, backup=backup, start_failures=failures), scope, journals, findings, now)


def firewall_order(check):
    """The order check of invariant 10 as the run left it: ``{checked, top_in_place, bottom_in_place, violations,
    sections}`` from the last nsx_dfw_order result of the run (``checked`` false when the run made none)."""
    check = check or {}
    order = check.get("order") or {}
    return {
        "checked": bool(order),
        "top_in_place": order.get("top_in_place"),
        "bottom_in_place": order.get("bottom_in_place"),
        "violations": list(order.get("violations") or []),
        "sections": [dict((k, s.get(k)) for k in ("id", "display_name", "case", "policy_path", "category", "in_place")) for s in check.get("sections") or []],
    }
