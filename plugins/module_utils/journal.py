# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one journal of a cluster's migration: ``<state_dir>/<cluster>/state.json``, on its import master.

The importer keeps its records on that master's disk, so the host that created the journal owns it and a
write from any other host is refused (docs/architecture.md section 3, invariant 7). Writes are atomic.

Shape (format 1)::

    {"format": 1, "cluster": "c1", "owner_host": "master-1", "created_at": ISO, "updated_at": ISO,
     "states": {"ncp_stopped": {"at": ISO, "host": "master-1"}, "backed_up": {"at": ISO, "backup_id": "..."}, ...},
     "attempts": [{"attempt": 1, "scope": "shared", "driver": "importer", "rollback": false, "forced": false,
                   "rc": 0, "outcome": "imported", "ncp_mode": "policy", "timed_out": false,
                   "started_at": ISO, "ended_at": ISO, "duration": 12.3, "log_file": "...", "host": "master-1",
                   "command": [...]}],
     "mp_started_at": ISO,
     "import_check": {"at": ISO, "complete": true, "by_type": {"LOGICAL_SWITCH": {"found": 3, "migrated": 3, "left_behind": [],
                      "verified": true}}, "left_behind": [{"id": "...", "type": "...", "display_name": "..."}],
                      "unverified": [], "not_checked": {"IpBlockSubnet": 2}}}

``mp_started_at`` (the last start in MP mode) survives a new stop, so the next import can tell how long NCP ran
in MP mode after an exit 2 (vendor-facts 2.2). ``import_check``: the last import_leftovers verdict.
Times are ISO 8601 UTC; an attempt without ``ended_at`` was interrupted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import errno
import fcntl
import json
import os
import re
import socket
import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._atomic_file import atomic_write

JOURNAL_FORMAT = 1
JOURNAL_FILE = "state.json"
LOCK_FILE = ".lock"
DEFAULT_STATE_DIR = "/var/lib/ncp-mp-to-policy"
# Which cluster journal a module reads or writes (ncp_journal's options, the journal suboptions of other modules).
JOURNAL_OPTIONS = dict(
    cluster=dict(type="str", required=True),
    state_dir=dict(type="path", default=DEFAULT_STATE_DIR),
    host=dict(type="str"),
)
# docs/architecture.md section 2, in order.
STATES = ("preflight_passed", "ncp_stopped", "quiesced", "backed_up", "shared_imported", "cluster_imported", "policy_configured", "ncp_started")
IMPORT_STATES = {"shared": "shared_imported", "cluster": "cluster_imported"}
# Details a state cannot do without.
_REQUIRED_DETAILS = {"backed_up": ("backup_id",), "ncp_started": ("mode",)}
_NCP_START_MODES = ("policy", "mp")
_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class JournalError(Exception):
    """The journal cannot be read, written or used as asked; ``details``: extra fail_json keys."""

    details = {}


class JournalOwnerError(JournalError):
    def __init__(self, cluster, owner, host, path):
        super(JournalOwnerError, self).__init__(
            "the journal of cluster %r (%s) belongs to host %r, not %r: the importer keeps its records on the master that ran it first, "
            "so every re-run for this cluster must run on %r" % (cluster, path, owner, host, owner)
        )
        self.cluster, self.owner, self.host, self.path = cluster, owner, host, path
        self.details = dict(owner_host=owner, path=path)


class JournalBusyError(JournalError):
    """Another run holds the cluster's lock (an import may still be running)."""


def iso_time(epoch=None):
    return time.strftime(_ISO_FORMAT, time.gmtime(time.time() if epoch is None else epoch))


def parse_time(text):
    return float(calendar.timegm(time.strptime(text, _ISO_FORMAT)))


def default_host():
    return socket.gethostname()


def validate_cluster_name(cluster):
    if not isinstance(cluster, str) or not _CLUSTER_NAME.match(cluster) or cluster in (".", ".."):
        raise JournalError("cluster %r cannot name a journal directory: use letters, digits, '.', '_' or '-' (starting with a letter or digit)" % (cluster,))
    return cluster


def cluster_dir(state_dir, cluster):
    return os.path.join(state_dir, validate_cluster_name(cluster))


def journal_path(state_dir, cluster):
    return os.path.join(cluster_dir(state_dir, cluster), JOURNAL_FILE)


def ensure_cluster_dir(state_dir, cluster):
    """Create ``<state_dir>/<cluster>`` (0700: it holds logs and, during a run, credentials)."""
    path = cluster_dir(state_dir, cluster)
    try:
        os.makedirs(path, 0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST or not os.path.isdir(path):
            raise JournalError("cannot create the state directory %s: %s" % (path, exc.strerror or exc))
    return path


def new_journal(cluster, host):
    now = iso_time()
    journal = dict(format=JOURNAL_FORMAT, cluster=validate_cluster_name(cluster), owner_host=host, created_at=now, updated_at=now)
    return dict(journal, states={}, attempts=[])


def read_journal(state_dir, cluster):
    """The journal as a dict, or None when the cluster has none yet."""
    path = journal_path(state_dir, cluster)
    try:
        with open(path, "r") as handle:
            text = handle.read()
    except IOError as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise JournalError("cannot read the journal %s: %s" % (path, exc.strerror or exc))
    try:
        journal = json.loads(text)
    except ValueError as exc:
        raise JournalError("the journal %s is not valid JSON (%s); it was not changed: inspect or move it aside by hand" % (path, exc))
    if not isinstance(journal, dict) or journal.get("format") != JOURNAL_FORMAT or journal.get("cluster") != cluster:
        raise JournalError("the journal %s is not a format-%d journal of cluster %r; it was not changed" % (path, JOURNAL_FORMAT, cluster))
    journal.setdefault("states", {})
    journal.setdefault("attempts", [])
    return journal


def write_journal(state_dir, cluster, journal):
    ensure_cluster_dir(state_dir, cluster)
    journal["updated_at"] = iso_time()
    path = journal_path(state_dir, cluster)
    try:
        atomic_write(path, json.dumps(journal, indent=2, sort_keys=True).encode("utf-8") + b"\n")
    except (IOError, OSError) as exc:
        raise JournalError("cannot write the journal %s: %s" % (path, exc))
    return journal


def owner_host(state_dir, cluster):
    """The host that owns the cluster's journal, or None when there is no journal."""
    journal = read_journal(state_dir, cluster)
    return journal.get("owner_host") if journal else None


def check_owner(journal, host, state_dir=None):
    if journal and journal.get("owner_host") not in (None, host):
        path = journal_path(state_dir, journal["cluster"]) if state_dir else "state.json"
        raise JournalOwnerError(journal["cluster"], journal["owner_host"], host, path)


def load_for_host(state_dir, cluster, host):
    """The journal (a new, unsaved one when none exists), refused when another host owns it."""
    journal = read_journal(state_dir, cluster)
    check_owner(journal, host, state_dir)
    return journal if journal is not None else new_journal(cluster, host)


def check_mark(state, details):
    if state not in STATES:
        raise JournalError("unknown journal state %r (one of %s)" % (state, ", ".join(STATES)))
    for key in _REQUIRED_DETAILS.get(state, ()):
        if details.get(key) in (None, ""):
            raise JournalError("journal state %s needs %s" % (state, key))
    if state == "ncp_started" and details["mode"] not in _NCP_START_MODES:
        raise JournalError("journal state ncp_started needs mode policy or mp, not %r" % (details["mode"],))


def check_marks(marks, clear=()):
    """Raise JournalError unless every state in ``clear`` is known and every ``(state, details, once)`` may be recorded."""
    unknown = sorted(set(clear or ()) - set(STATES))
    if unknown:
        raise JournalError("unknown journal states to clear: %s (one of %s)" % (", ".join(unknown), ", ".join(STATES)))
    for state, details, _once in marks:
        check_mark(state, details)


def apply_marks(journal, host, marks, clear=(), at=None):
    """Forget the states in ``clear``, then record ``marks`` (``once``: keep a recorded state) in ``journal``; return it."""
    for name in clear or ():
        journal["states"].pop(name, None)
    for state, details, once in marks:
        if once and state in journal["states"]:
            continue
        record = dict(details, at=iso_time(at), host=host)
        journal["states"][state] = record
        if state == "ncp_started" and record.get("mode") == "mp":
            journal["mp_started_at"] = record["at"]
    return journal


def mark_states(state_dir, cluster, host, marks, clear=(), at=None, check_only=False):
    """Record several states in one atomic write (:func:`apply_marks`); return the journal (with ``check_only``, unwritten)."""
    check_marks(marks, clear)
    journal = apply_marks(load_for_host(state_dir, cluster, host), host, marks, clear, at)
    return journal if check_only else write_journal(state_dir, cluster, journal)


record_marks = mark_states


# A stop after NCP was started again is a new stop: the quiesce and the backup must follow it, so they are
# forgotten with the start. A first stop keeps its recorded time on a re-run (the quiesce counts from it).
NEW_STOP_CLEARS = ("ncp_started", "quiesced", "backed_up")


def service_marks(state, platform="kubernetes", replicas=None, new_stop=False, mode=None):
    """The ``(marks, clear)`` a confirmed NCP stop (``stopped``) or start (``started``, in ``mode``) journals.

    A Kubernetes stop records the replicas to start again with (at least 1: NCP found at 0 comes back with one).
    """
    if state == "started":
        return [("ncp_started", dict(mode=mode), False)], ()
    kept = max(int(1 if replicas is None else replicas), 1) if platform == "kubernetes" else 0
    return [("ncp_stopped", dict(replicas=kept, platform=platform), not new_stop)], (NEW_STOP_CLEARS if new_stop else ())


def mark_state(state_dir, cluster, state, host, at=None, clear=(), **details):
    """Record ``state`` (now, or at ``at``), replacing its record: a new stop time restarts the quiesce wait."""
    return mark_states(state_dir, cluster, host, [(state, details, False)], clear, at)


def clear_state(state_dir, cluster, state, host):
    """Forget a state (e.g. ``cluster_imported`` after a successful rollback); return the journal."""
    journal = load_for_host(state_dir, cluster, host)
    if journal["states"].pop(state, None) is not None:
        write_journal(state_dir, cluster, journal)
    return journal


def record_import_check(state_dir, cluster, host, check, at=None):
    """Record the last import check (import_leftovers.compare's verdict) in one atomic write; return the journal."""
    journal = load_for_host(state_dir, cluster, host)
    journal["import_check"] = dict(check, at=iso_time(at))
    return write_journal(state_dir, cluster, journal)


def has_state(journal, state):
    return bool(journal) and state in journal.get("states", {})


def state_time(journal, state):
    return parse_time(journal["states"][state]["at"]) if has_state(journal, state) else None


def current_state(journal):
    """The furthest state of docs/architecture.md section 2 the journal records, or None."""
    reached = [state for state in STATES if has_state(journal, state)]
    return reached[-1] if reached else None


def is_imported(journal, scope):
    return has_state(journal, IMPORT_STATES[scope])


def last_attempt(journal, scope=None, outcome=None):
    """The latest attempt (optionally of one scope and/or outcome), or None."""
    for attempt in reversed((journal or {}).get("attempts", [])):
        if (scope is None or attempt.get("scope") == scope) and (outcome is None or attempt.get("outcome") == outcome):
            return attempt
    return None


def describe(journal, host):
    """The journal as ``ncp_journal`` returns it: the record, its owner, states by name and epoch, what is imported."""
    states = (journal or {}).get("states", {})
    owner = (journal or {}).get("owner_host")
    return dict(
        exists=journal is not None,
        journal=journal,
        owner_host=owner,
        owned_here=owner in (None, host),
        current_state=current_state(journal),
        states=states,
        state_epochs=dict((name, parse_time(record["at"])) for name, record in states.items() if record.get("at")),
        imported=dict(shared=is_imported(journal, "shared"), cluster=is_imported(journal, "cluster")),
        last_attempt=last_attempt(journal),
        lease=(journal or {}).get("lease"),
    )


def next_attempt_number(journal):
    return len((journal or {}).get("attempts", [])) + 1


def close_interrupted_attempts(journal, now=None):
    """Close attempts with no end as errors, NCP kept stopped: under the cluster lock, their run is gone."""
    for attempt in journal.get("attempts", []):
        if attempt.get("ended_at") is None:
            attempt.update(ended_at=iso_time(now), outcome="error", ncp_mode="stopped", interrupted=True)


def begin_attempt(state_dir, cluster, host, scope, driver="importer", rollback=False, forced=False, log_file=None, command=None):
    """Record an attempt before the importer starts, so that a crash still leaves it and its host; return its number."""
    journal = load_for_host(state_dir, cluster, host)
    close_interrupted_attempts(journal)
    number = next_attempt_number(journal)
    attempt = dict(attempt=number, scope=scope, driver=driver, rollback=bool(rollback), forced=bool(forced), host=host)
    attempt.update(log_file=log_file, command=list(command or []), started_at=iso_time(), timed_out=False)
    attempt.update(dict.fromkeys(("rc", "outcome", "ncp_mode", "ended_at", "duration")))  # finish_attempt sets them
    journal["attempts"].append(attempt)
    write_journal(state_dir, cluster, journal)
    return number


def finish_attempt(state_dir, cluster, host, number, rc, outcome, ncp_mode, duration, timed_out=False, **extra):
    """Record the end of attempt ``number``; return the journal."""
    journal = load_for_host(state_dir, cluster, host)
    for attempt in journal["attempts"]:
        if attempt.get("attempt") == number:
            attempt.update(extra)
            attempt.update(rc=rc, outcome=outcome, ncp_mode=ncp_mode, timed_out=bool(timed_out), ended_at=iso_time())
            attempt["duration"] = round(float(duration), 3)
            return write_journal(state_dir, cluster, journal)
    raise JournalError("attempt %s is not in the journal of cluster %r" % (number, cluster))


class ClusterLock:
    """An exclusive, non-blocking ``flock`` on ``<state_dir>/<cluster>/.lock``.

    The importer inherits the descriptor (``fileno``), so the lock stays held while it runs even
    if this process dies: a second run cannot start a second importer beside it.
    """

    def __init__(self, state_dir, cluster):
        self.path = os.path.join(ensure_cluster_dir(state_dir, cluster), LOCK_FILE)
        self.fd = None

    def acquire(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (IOError, OSError) as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise JournalBusyError(
                    "another run holds %s: an import for this cluster may still be running on this host; wait for it, do not start a second one" % self.path
                )
            raise JournalError("cannot lock %s: %s" % (self.path, exc))
        self.fd = fd
        return self

    def fileno(self):
        return self.fd

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


class JournalLeaseError(JournalError):
    """Another run holds the cluster (docs/architecture.md section 3, invariant 3: one run, one import at a time)."""

    def __init__(self, cluster, lease):
        super(JournalLeaseError, self).__init__(
            "cluster %r is held by another run (run %s from %s, since %s, until %s): wait for it to end; if it died, run again with "
            "ncp_break_lease=true" % (cluster, lease.get("run_id"), lease.get("controller"), lease.get("acquired_at"), lease.get("expires_at"))
        )
        self.lease = lease
        self.details = dict(lease=lease)


def _held_by_other(lease, run_id, now):
    return bool(lease) and lease.get("run_id") != run_id and parse_time(lease["expires_at"]) > now


def acquire_lease(state_dir, cluster, host, run_id, seconds, controller=None, force=False, check_only=False, now=None, controller_pid=None):
    """Hold the cluster for run ``run_id`` for ``seconds`` (renewed by the same run); return (journal, broken lease or None).

    The lease lives in the journal on the import master, so two controllers see each other. It is taken under the
    cluster's flock, so two runs cannot both win; a running importer holds that flock too.
    """
    now = time.time() if now is None else now
    lock = None
    if not check_only:  # check mode: judge from what is on disk, create nothing (not even the lock file)
        try:
            lock = ClusterLock(state_dir, cluster).acquire()
        except JournalBusyError:
            # Name the other run when its lease (written atomically, so readable without the lock) says who it is.
            try:
                current = (read_journal(state_dir, cluster) or {}).get("lease")
            except JournalError:
                current = None
            if _held_by_other(current, run_id, now):
                raise JournalLeaseError(cluster, current)
            raise
    try:
        journal = load_for_host(state_dir, cluster, host)
        current = journal.get("lease")
        if _held_by_other(current, run_id, now) and not force:
            raise JournalLeaseError(cluster, current)
        broken = current if _held_by_other(current, run_id, now) else None
        same_run = current and current.get("run_id") == run_id
        journal["lease"] = dict(run_id=run_id, controller=controller, controller_pid=controller_pid)
        journal["lease"].update(acquired_at=current.get("acquired_at") if same_run else iso_time(now), expires_at=iso_time(now + seconds))
        if lock:
            write_journal(state_dir, cluster, journal)
        return journal, broken
    finally:
        if lock:
            lock.release()


def release_lease(state_dir, cluster, host, run_id, check_only=False):
    """Give the cluster back; only the run holding it can. Returns (journal, released)."""
    journal = read_journal(state_dir, cluster)
    if journal is None or (journal.get("lease") or {}).get("run_id") != run_id:
        return journal, False
    check_owner(journal, host, state_dir)
    journal.pop("lease", None)
    if not check_only:
        write_journal(state_dir, cluster, journal)
    return journal, True


# NCP's configuration before the run (recover.yml after_restore). It may hold NSX credentials, so it is kept in a 0600
# ``originals.json`` ({"configmap": {namespace, name, key, text}, "manifest": {path, text} | null}), never in the
# journal (task output), which only records it: ``"originals": {at, host, file, configmap: "NS/NAME data.KEY", manifest}``.
# Texts are the exact bytes, decoded as UTF-8 with surrogateescape.

ORIGINALS_FILE = "originals.json"
RESTORED_PREFIX = "restored-"


def bytes_to_text(data):
    return data.decode("utf-8", "surrogateescape")


def text_to_bytes(text):
    return text.encode("utf-8", "surrogateescape")


def keep_originals(state_dir, cluster, host, originals, check_only=False):
    """Record ``originals`` once (the first record is the configuration before the run); return (journal, recorded now)."""
    journal = load_for_host(state_dir, cluster, host)
    if journal.get("originals"):
        return journal, False
    configmap, manifest = originals["configmap"], originals.get("manifest")
    where = "%s/%s data.%s" % (configmap["namespace"], configmap["name"], configmap["key"])
    journal["originals"] = dict(at=iso_time(), host=host, file=ORIGINALS_FILE, configmap=where, manifest=manifest["path"] if manifest else None)
    if not check_only:
        path = os.path.join(ensure_cluster_dir(state_dir, cluster), ORIGINALS_FILE)
        try:
            atomic_write(path, json.dumps(originals, indent=1, sort_keys=True).encode("utf-8") + b"\n", mode=0o600)
        except (IOError, OSError) as exc:
            raise JournalError("cannot write %s: %s" % (path, exc))
        write_journal(state_dir, cluster, journal)
    return journal, True


def read_originals(state_dir, cluster):
    """The originals the journal records as kept; JournalError naming what is missing otherwise."""
    journal = read_journal(state_dir, cluster)
    path = os.path.join(cluster_dir(state_dir, cluster), ORIGINALS_FILE)
    if not journal or not journal.get("originals"):
        raise JournalError(
            "the NCP configuration of cluster %r before the run is not on record (%s: %s)"
            % (cluster, journal_path(state_dir, cluster), "no journal" if not journal else "no originals entry")
        )
    try:
        with open(path, "r") as handle:
            originals = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        raise JournalError("the NCP configuration of cluster %r before the run is recorded but %s cannot be read: %s" % (cluster, path, exc))
    if not isinstance(originals, dict) or not isinstance(originals.get("configmap"), dict) or "text" not in originals["configmap"]:
        raise JournalError("the NCP configuration of cluster %r before the run is incomplete in %s (no ConfigMap text)" % (cluster, path))
    return journal, originals


def clear_journal(state_dir, cluster, host, check_only=False):
    """Move the cluster's journal and originals aside (``restored-<time>/``): a later run starts afresh. Returns the directory."""
    journal = read_journal(state_dir, cluster)
    check_owner(journal, host, state_dir)
    directory = cluster_dir(state_dir, cluster)
    target = os.path.join(directory, RESTORED_PREFIX + iso_time().replace(":", ""))
    if journal is None or check_only:
        return target if journal is not None else None
    try:
        os.makedirs(target, 0o700)
        for name in (ORIGINALS_FILE, JOURNAL_FILE):  # the journal last: while it is there, the originals are too
            if os.path.exists(os.path.join(directory, name)):
                os.rename(os.path.join(directory, name), os.path.join(target, name))
    except (IOError, OSError) as exc:
        raise JournalError("cannot move the journal of %r aside to %s: %s" % (cluster, target, exc))
    return target
