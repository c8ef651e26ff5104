# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nsx_mp_import task: validate, decide, run and journal each importer run its scope option asks for (one
ImportTask each, under one cluster lock); the drivers hold what differs between the importer and ``tkgi``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _dfw_order as dfw_order
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _dry_run as dry_run
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _import_leftovers as import_leftovers
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _importer_config as cfg
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._importer_run import mask_argv, run_command, tail_lines
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._mp_import_importer import ImporterDriver
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._mp_import_tkgi import TkgiDriver
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_import_gate import import_blockers
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.importer_outcome import already_imported_outcome, importer_outcome
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

TAIL_LINES = 40
# The importer runs of each scope option, in order.
SCOPE_RUNS = {"shared": ("shared",), "cluster": ("cluster",), "shared_then_cluster": ("shared", "cluster")}
SUMMARY_KEYS = ("rc", "outcome", "ncp_mode", "attempt", "duration", "log_file", "changed")
DRIVERS = {"importer": ImporterDriver, "tkgi": TkgiDriver}


class ImportTask:
    """One importer run of an nsx_mp_import invocation: validate, decide, run, record."""

    def __init__(self, module, scope):
        self.module = module
        self.params = module.params
        self.scope = scope
        # What this module run did before this scope (shared_then_cluster): kept in every result, failures too.
        self.earlier = []
        self.cluster = self.params["cluster"]
        self.state_dir = self.params["state_dir"]
        self.host = self.params["host_id"] or jr.default_host()
        self.secrets = [value for value in module.no_log_values if value]
        self.driver = DRIVERS[self.params["driver"]](module)

    def fail(self, msg, **details):
        self.module.fail_json(msg=msg, changed=self.earlier_changed(), scopes=list(self.earlier), **details)

    def earlier_changed(self):
        return any(summary["changed"] for summary in self.earlier)

    def validate(self):
        """Writes nothing."""
        params = self.params
        try:
            jr.validate_cluster_name(self.cluster)
        except jr.JournalError as exc:
            self.fail(str(exc))
        if params["timeout"] <= 0:
            self.fail("timeout must be a positive number of seconds, not %d" % params["timeout"])
        if params["driver"] == "tkgi" and self.scope != "cluster":
            self.fail("driver tkgi promotes a whole cluster: use scope cluster, not %s" % params["scope"])
        self.driver.validate(self)
        template = params["argv"] or cfg.DEFAULT_ARGV[params["driver"]]
        driver = self.driver
        values = cfg.argv_values(params["importer_path"], self.scope, self.cluster, driver.config_file, driver.user_spec_file, params["importer_python"])
        try:
            self.argv = cfg.expand_argv(template, values)
        except cfg.ImporterConfigError as exc:
            self.fail(str(exc))
        if not self.argv:
            self.fail("argv is empty: give the command to run")
        self.command = mask_argv(self.argv, self.secrets)

    def read_journal(self):
        try:
            journal = jr.read_journal(self.state_dir, self.cluster)
            jr.check_owner(journal, self.host, self.state_dir)
        except jr.JournalOwnerError as exc:
            self.fail(str(exc), journal_file=exc.path, owner_host=exc.owner, host=exc.host)
        except jr.JournalError as exc:
            self.fail(str(exc), journal_file=jr.journal_path(self.state_dir, self.cluster))
        return journal

    def base_result(self, outcome=None):
        """Every return value, as for a run that did not start, with ``outcome``'s fields when given."""
        result = dict(
            rc=None,
            outcome=outcome and outcome.outcome,
            ncp_mode=outcome and outcome.ncp_mode,
            next_step=outcome and outcome.next_step,
            log_file=None,
            log_tail=[],
            duration=0.0,
            attempt=None,
            policy_ids={},
            rolled_back=False,
            timed_out=False,
            command=self.command,
            journal_file=jr.journal_path(self.state_dir, self.cluster),
            blocked_by=[],
            journal=None,
            scopes=list(self.earlier),
            changed=self.earlier_changed(),
        )
        result.update(self.driver.result_fields())
        return result

    def already_imported(self, journal):
        recorded = jr.last_attempt(journal, scope=self.scope, outcome="imported") or {}
        state = journal["states"][jr.IMPORT_STATES[self.scope]]
        result = self.base_result(already_imported_outcome(self.scope))
        result.update(
            rc=recorded.get("rc", 0),
            log_file=recorded.get("log_file"),
            log_tail=tail_lines(recorded["log_file"], TAIL_LINES, self.secrets) if recorded.get("log_file") else [],
            attempt=recorded.get("attempt"),
            policy_ids=state.get("policy_ids") or {},
            journal=jr.describe(journal, self.host),
        )
        return result

    def summary(self, result):
        """This scope's entry in RV(scopes)."""
        return dict(((key, result.get(key)) for key in SUMMARY_KEYS), scope=self.scope)

    def log_path(self, number):
        directory = os.path.join(jr.cluster_dir(self.state_dir, self.cluster), "logs")
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        kind = self.scope + ("-rollback" if self.params["rollback"] else "")
        return os.path.join(directory, "attempt-%d-%s-%s.log" % (number, kind, stamp))

    def run(self, lock):
        """Run once (or not, when already imported); return (result, ImporterOutcome)."""
        journal = self.read_journal()
        if self.skips(journal):
            return self.already_imported(journal), already_imported_outcome(self.scope)
        self.refuse_rerun(journal)
        self.require_nsx_idle()
        log_file = self.log_path(jr.next_attempt_number(journal))
        self.driver.write_inputs(self)
        try:
            number = jr.begin_attempt(
                self.state_dir,
                self.cluster,
                self.host,
                self.scope,
                driver=self.params["driver"],
                rollback=self.params["rollback"],
                forced=self.params["force"],
                log_file=log_file,
                command=self.command,
            )
        except jr.JournalError as exc:
            self.driver.remove_credentials()
            self.fail("cannot record the attempt in the journal, the importer did not run: %s" % exc)
        try:
            ran = self.execute(log_file, lock)
        finally:
            self.driver.remove_credentials()
        return self.record(number, log_file, ran)

    def refuse_rerun(self, journal):
        """A run the driver refuses (TKGI after exit 2): fail, running and journaling nothing."""
        problem = self.driver.refuse_rerun(journal)
        if problem:
            self.module.fail_json(msg=problem, **dict(self.base_result(), journal=jr.describe(journal, self.host)))

    def require_nsx_idle(self):
        """Invariants 3 and 10 at the last moment: fail, running and journaling nothing, while NSX is busy or the
        admin's top DFW rules are not in Policy."""
        dfw_scope = self.params["require_dfw_top_rules"]
        if not self.params["require_nsx_idle"] and not dfw_scope:
            return
        try:
            # A fresh login: the password may have changed since this session opened (a shared import ran in between).
            self.module.client.renew_session()
            blockers = import_blockers(self.module.client) if self.params["require_nsx_idle"] else []
            # The DFW order once per module run: a shared import in between cannot change the verdict.
            if dfw_scope and not blockers and not getattr(self.module, "dfw_gate_passed", False):
                blockers = dfw_order.top_rules_missing(self.module.client, dfw_order.scope_options(dfw_scope))
                self.module.dfw_gate_passed = not blockers
        except dfw_order.OrderError as exc:
            self.module.fail_json(msg="require_dfw_top_rules: %s" % exc, **self.base_result())
        except NsxApiError as exc:
            self.module.fail_nsx(exc, **self.base_result())
        if blockers:
            result = dict(self.base_result(), blocked_by=blockers)
            reasons = "; ".join(item["message"] for item in blockers)
            self.module.fail_json(msg="the %s import of cluster %s was not started: %s" % (self.scope, self.cluster, reasons), **result)

    def skips(self, journal):
        """True when the journal records the scope as imported and nothing asks to run anyway."""
        return bool(journal) and jr.is_imported(journal, self.scope) and not self.params["force"] and not self.params["rollback"]

    def execute(self, log_file, lock):
        """(RunResult or None when the command could not start, the driver's LogReading or None)."""
        driver = self.driver
        env = cfg.importer_env(os.environ, self.cluster, self.scope, driver.config_file, driver.credentials_file)
        before = driver.log_offsets()
        try:
            ran = run_command(self.argv, log_file, self.params["timeout"], cwd=driver.cwd(self), env=env, secrets=self.secrets, pass_fds=(lock.fileno(),))
        except OSError as exc:  # the command could not even start: nothing ran, the outcome is unknown to the journal reader
            with open(log_file, "a") as log:
                log.write("cannot start %s: %s\n" % (self.command[0], exc.strerror or exc))
            return None, None
        return ran, driver.read_exit_code(ran, before)

    def record(self, number, log_file, ran_and_reading):
        ran, reading = ran_and_reading
        command_rc = ran.rc if ran else None
        rc = reading.rc if reading else command_rc
        timed_out = bool(ran and ran.timed_out)
        unknown = reading.problem if reading else None
        outcome = importer_outcome(None if timed_out else rc, timed_out=timed_out, rollback=self.params["rollback"], scope=self.scope, unknown=unknown)
        result = self.base_result(outcome)
        result.update(
            rc=None if timed_out else rc,
            log_file=log_file,
            log_tail=tail_lines(log_file, TAIL_LINES, self.secrets),
            duration=round(ran.duration, 3) if ran else 0.0,
            attempt=number,
            timed_out=timed_out,
            rolled_back=bool(self.params["rollback"] and outcome.succeeded),
            changed=True,
        )
        attempt_extras = self.driver.finish(self, result, command_rc, reading, outcome, timed_out)
        if command_rc == 2 and any(line.lstrip().startswith("usage:") for line in result["log_tail"]):
            self.module.warn(
                "the command printed a usage message: its command line was probably rejected and nothing was imported; set argv to what this importer takes"
            )
        try:
            journal = jr.finish_attempt(
                self.state_dir,
                self.cluster,
                self.host,
                number,
                result["rc"],
                outcome.outcome,
                outcome.ncp_mode,
                result["duration"],
                timed_out=timed_out,
                **attempt_extras,
            )
            state = jr.IMPORT_STATES[self.scope]
            if outcome.outcome == "imported":
                details = {"attempt": number}
                if self.scope == "shared":
                    details["policy_ids"] = result["policy_ids"]
                journal = jr.mark_state(self.state_dir, self.cluster, state, self.host, **details)
            elif result["rolled_back"]:
                journal = jr.clear_state(self.state_dir, self.cluster, state, self.host)
            result["journal"] = jr.describe(journal, self.host)
        except jr.JournalError as exc:
            result["journal_error"] = str(exc)
            self.module.warn("the importer ran but its result could not be journaled: %s" % exc)
        return result, outcome


def import_tasks(module):
    """One ImportTask per importer run the scope option asks for, all validated before any runs."""
    scope = module.params["scope"]
    if module.params["rollback"] and scope == "shared_then_cluster":
        module.fail_json(msg="rollback goes one scope at a time, the cluster first: use scope cluster, then scope shared, not %s" % scope, changed=False)
    tasks = [ImportTask(module, name) for name in SCOPE_RUNS[scope]]
    for task in tasks:
        task.validate()
    return tasks


def check_mode_result(tasks):
    """What would run, scope by scope, and the journal as it would be if each ended rc 0; nothing is written."""
    result, planned = None, None
    for task in tasks:
        task.earlier = result["scopes"] if result else []
        journal = planned or task.read_journal()
        if task.skips(journal):
            result = task.already_imported(journal)
        else:
            task.refuse_rerun(journal)
            task.require_nsx_idle()
            result = task.base_result()
            planned = dry_run.planned_import(journal, task.cluster, task.host, task.scope, task.params["rollback"], task.command)
            # rc is null (nothing ran): say explicitly that the task did not fail, or Ansible takes a non-zero rc for a failure.
            result.update(changed=True, failed=False, next_step="check mode: would run %s" % " ".join(task.command), journal=jr.describe(planned, task.host))
        result["scopes"] = task.earlier + [dict(task.summary(result), command=task.command)]
    return result


def run_imports(tasks, lock):
    """Each scope in turn under the cluster's lock, stopping at the first that does not end well; (result, outcome, task)."""
    earlier, policy_ids = [], {}
    for task in tasks:
        task.earlier = earlier
        result, outcome = task.run(lock)
        earlier = earlier + [task.summary(result)]
        policy_ids = result["policy_ids"] or policy_ids
        if not outcome.succeeded:
            break
    result.update(scopes=earlier, policy_ids=policy_ids, changed=any(summary["changed"] for summary in earlier))
    return result, outcome, task


def run_module(module):
    """nsx_mp_import once its options are parsed: the check-mode plan, or each scope's run under the lock; ends the module."""
    tasks = import_tasks(module)
    if module.check_mode:
        module.exit_json(**check_mode_result(tasks))
    first = tasks[0]
    try:
        lock = jr.ClusterLock(first.state_dir, first.cluster).acquire()
    except jr.JournalError as exc:
        first.fail(str(exc))
    try:
        result, outcome, task = run_imports(tasks, lock)
    finally:
        lock.release()
    if outcome.succeeded:
        if module.params["verify"] and task.scope == "cluster" and result.get("outcome") == "imported":
            result["import_check"] = verify_import(module, task)
        module.exit_json(**result)
    what = "rollback of the %s import" % task.scope if module.params["rollback"] else "%s import" % task.scope
    module.fail_json(msg="%s of cluster %s: %s (rc %s); %s" % (what, task.cluster, outcome.outcome, result["rc"], outcome.next_step), **result)


def verify_import(module, task):
    """The proof that the cluster import left nothing behind, journaled (a warning, never a failure: the import ended 0)."""
    try:
        user_spec = import_leftovers.user_spec_beside(task.params["user_spec"], task.params["importer_path"])
        check = import_leftovers.check_and_record(module.client, task.cluster, user_spec, dict(state_dir=task.state_dir, host=task.host))
    except (NsxApiError, jr.JournalError, cfg.ImporterConfigError) as exc:
        module.warn("%s: the import ended 0 but could not be checked for MP objects left behind: %s (finish.yml checks again)" % (task.cluster, exc))
        return dict(error=str(exc))
    if check["message"]:
        module.warn(check["message"])
    return check
