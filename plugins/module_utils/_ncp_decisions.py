# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How NCP may come back after a run, from the cluster's journal (docs/architecture.md section 2).

The importer's exit code meaning itself lives in importer_outcome.py; this only reads the
outcomes the journal recorded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr

KEEP_STOPPED = ("failed_keep_ncp_stopped", "error", None)
# ncp_after_rc1: what a strategy-1 run does with the other clusters once one ended rc 1 - or with a result not known
# (a crash, a timeout, a kill, an attempt left open), which may be an rc 1 that could not say so.
AFTER_RC1 = ("keep_down", "restart_others")


def rc1_clusters(journals, strategy, after_rc1="keep_down"):
    """The clusters whose last importer attempt ended rc 1 or with no known result, when they keep every cluster down.

    Strategy 1 only, and unless the operator chose ``restart_others``: the NSX backup is the restore point
    of last resort after rc 1, and it stays valid only while no NCP writes to NSX, so every cluster the run
    stopped stays stopped, in Policy mode or not (docs/architecture.md section 3, invariant 5; vendor-facts section 2.4).
    An attempt that crashed, timed out, was killed or is still open (``error`` or no outcome) may have left NSX as
    an rc 1 does, so it holds the others too: restarting them would spend the restore point on a guess.
    ``journals``: the run's clusters' journals (None for a cluster that has none).
    """
    if after_rc1 not in AFTER_RC1:
        raise ValueError("ncp_after_rc1 must be one of %s, not %r" % (", ".join(AFTER_RC1), after_rc1))
    if strategy != "all_clusters" or after_rc1 == "restart_others":
        return []
    return sorted(journal.get("cluster") for journal in journals or [] if journal and held_by_attempts(journal))


def last_attempts(journal):
    """{scope: the last importer attempt of that scope (an import or a rollback)}, in the order the scopes first ran."""
    return dict((attempt.get("scope"), attempt) for attempt in (journal or {}).get("attempts") or [])


def held_by_attempts(journal):
    """True when the last importer attempt of some scope ended rc 1, did not finish or is still open (invariant 5):
    per scope, not only the journal's last attempt - a rollback that failed for the cluster scope holds NCP stopped
    also after the shared scope's rollback then ended well (recover.yml rolls back cluster, then shared)."""
    return any(attempt.get("outcome") in KEEP_STOPPED for attempt in last_attempts(journal).values())


def start_mode(journal, restart_mp=True, keep_down=False, restored=False, tkgi=False):
    """``policy``, ``mp``, ``stopped`` or ``none`` (this run did not stop NCP, or it runs again).

    ``tkgi``: the run never stops a TKGI cluster's NCP, its promotion does (issue 27); once a promotion was
    attempted the rules below apply as if the run had stopped it (the start then confirms what TKGI did).

    - ``policy`` only after the Policy-mode switch was journaled, which follows a cluster import
      ending rc 0 (invariant 4); ``stopped`` for an imported cluster whose switch is not journaled;
    - ``stopped`` when the last importer attempt of a scope ended rc 1, did not finish, or is still open
      (invariant 5, :func:`held_by_attempts`);
    - ``mp`` after rc 2 or a successful rollback, or for a cluster that was stopped but not
      imported, unless ``restart_mp`` is false (invariant 6);
    - ``stopped`` whatever the journal says when ``keep_down`` (another cluster of a strategy-1 run ended
      rc 1: :func:`rc1_clusters`);
    - ``mp`` whatever the journal says when ``restored``: NSX was restored from the run's backup and the
      cluster's configuration put back as it was before the run (recover.yml, after_restore).
    """
    states = (journal or {}).get("states") or {}
    stopped = "ncp_stopped" in states or (tkgi and bool((journal or {}).get("attempts")))
    if not stopped or "ncp_started" in states:
        return "none"
    if keep_down:
        return "stopped"
    if restored:
        return "mp"
    if "policy_configured" in states:
        return "policy"
    if "cluster_imported" in states:
        # Imported, but the Policy-mode switch is not journaled: MP mode would act on promoted objects
        # and Policy mode is not configured yet. A re-run finishes the switch.
        return "stopped"
    if held_by_attempts(journal):
        return "stopped"
    return "mp" if restart_mp else "stopped"


def rollback_scopes(journal):
    """Scopes to roll back, cluster first: those the importer ran and no completed rollback undid.

    A scope whose last attempt is a rollback that ended well is done; running it again would ask
    the importer to undo nothing.
    """
    last = last_attempts(journal)
    return [
        scope
        for scope in ("cluster", "shared")
        if scope in last and not (last[scope].get("rollback") and last[scope].get("outcome") == "failed_restart_ncp_mp")
    ]


def run_clusters(done, strategy):
    """(clusters the run stops, clusters it leaves alone), from ``done``: {cluster: True when its journal shows it
    imported, switched and started in Policy mode}, in inventory order.

    Strategy 1 (``all_clusters``) stops every cluster while any import is to come, those already in Policy mode too
    (invariant 11, vendor-facts 2.4: all clusters sharing the NSX are down); they are not imported again (the journal
    says already_imported) and start again in Policy mode. Otherwise, and when every cluster is done (a re-run of a
    finished migration), done clusters are left alone.
    """
    pending = [name for name, finished in done.items() if not finished]
    if strategy == "all_clusters" and pending:
        return list(done), []
    return pending, [name for name, finished in done.items() if finished]


def confirmed_stops(stops):
    """``stops``: {cluster: the journal its NCP stop wrote, or None}, for the clusters the run stopped, in run order ->
    (epochs, unconfirmed): {cluster: epoch of its journaled ``ncp_stopped``} and the clusters without one (invariant 2:
    no import before NCP is confirmed stopped on every one)."""
    epochs = {}
    for cluster, journal in stops.items():
        stopped = ((journal or {}).get("state_epochs") or {}).get("ncp_stopped")
        if stopped is not None:
            epochs[cluster] = stopped
    return epochs, [cluster for cluster in stops if cluster not in epochs]


def reusable_backup(stops):
    """The NSX backup a re-run of strategy 1 takes again instead of a new one (invariant 2: a backup after the last
    stop): the one every stopped cluster's journal records after the latest confirmed stop, or "" (none, or not the
    same one everywhere)."""
    epochs, _unconfirmed = confirmed_stops(stops)
    last = max([float(epoch) for epoch in epochs.values()] + [0.0])
    ids = []
    for journal in stops.values():
        record = ((journal or {}).get("states") or {}).get("backed_up")
        at = ((journal or {}).get("state_epochs") or {}).get("backed_up")
        if record and at is not None and float(at) >= last:
            ids.append(record.get("backup_id"))
    return ids[0] if stops and len(ids) == len(stops) and len(set(ids)) == 1 else ""


def _epoch(text):
    return jr.parse_time(text) if text else None


def tkgi_no_rerun(journal):
    """Why the automation must not promote this TKGI cluster again, or "" when it may.

    TKGI after an importer exit code 2 (vendor-facts 1.3, 6.5): the cluster's NSX resources are still MP only; do NOT
    re-run the promotion - check the importer's log and confirm NCP can start in Manager mode on all masters. So a last
    promotion (driver tkgi) that ended ``failed_restart_ncp_mp`` stops every later run before it stops NCP. (Exit 1 is
    the opposite: re-run that cluster from the same VM, which the journal's owner host and the halt already give.)
    """
    attempts = (journal or {}).get("attempts") or []
    last = attempts[-1] if attempts else {}
    if last.get("driver") != "tkgi" or last.get("outcome") != "failed_restart_ncp_mp" or last.get("rollback"):
        return ""
    cluster = journal.get("cluster")
    return (
        "the TKGI promotion of %s ended with importer exit code 2 at %s (attempt %s on %s, migration log %s): its NSX resources are still "
        "Manager (MP) only, and TKGI says not to run the promotion again. It is not promoted again by this automation. Read the importer's "
        "migration log, confirm that NCP starts and works in Manager mode on every master of %s (monit summary / the NCP log), and ask "
        "VMware support before any new promotion of %s"
        % (cluster, last.get("ended_at"), last.get("attempt"), last.get("host"), last.get("migration_log") or "unknown", cluster, cluster)
    )


def mp_settle(journal, quiesce_seconds, now):
    """After an exit 2, how long NCP must still run in Manager mode before this cluster is stopped for its next import.

    Vendor Failure and Recovery, phase 1 (vendor-facts 2.2): when an import ends with NCP back in MP mode, run NCP in MP
    mode until it is idle - at least the quiesce period, NCP's longest retry interval - before importing again.
    Returns ``{"wait": seconds, "problem": text}``: ``wait`` 0 and no problem when the last importer attempt did not end
    ``failed_restart_ncp_mp`` or NCP has run long enough in MP mode since (``mp_started_at``, journal.py); a ``problem``
    when NCP has not been started in MP mode since that exit 2 (it cannot have settled: nothing to wait for), and always
    after a TKGI promotion's exit 2 (:func:`tkgi_no_rerun`: no next import).
    """
    attempts = (journal or {}).get("attempts") or []
    last = attempts[-1] if attempts else None
    # A scope held stopped (a failed rollback of the cluster scope before the shared one ended well): NCP must not run
    # in MP mode at all, so there is nothing to settle; the next step is the backup restore, not an import.
    if not last or last.get("outcome") != "failed_restart_ncp_mp" or held_by_attempts(journal):
        return {"wait": 0, "problem": ""}
    no_rerun = tkgi_no_rerun(journal)
    if no_rerun:  # TKGI: no next import to wait for
        return {"wait": 0, "problem": no_rerun}
    ended = _epoch(last.get("ended_at"))
    started = _epoch((journal or {}).get("mp_started_at"))
    if started is None or (ended is not None and started < ended):
        return {
            "wait": 0,
            "problem": "NCP of %s has not run in Manager mode since its import ended rc 2 at %s: the vendor's recovery (Failure and Recovery, "
            "phase 1) runs NCP in Manager mode until it is idle, at least %d s, before the next import - start NCP in Manager mode "
            "(by hand, or recover.yml -e ncp_cluster=%s -e ncp_recover_action=rollback) and run again once it has run that long"
            % (journal.get("cluster"), last.get("ended_at"), quiesce_seconds, journal.get("cluster")),
        }
    return {"wait": max(0, int(-(-(started + quiesce_seconds - now) // 1))), "problem": ""}
