# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nsx_mp_import's driver ``tkgi``: ``tkgi promote-cluster-to-policy``, the importer's exit code read from the
migration log on this control-plane VM, never tkgi's own (vendor-facts 1.3)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_migration_log as tkgi_log
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_decisions import tkgi_no_rerun


class TkgiDriver:
    """The migration log's reading and tkgi's own result, for one promotion."""

    # tkgi needs no input files: the importer's are on the control-plane VM, TKGI's to write.
    config_file = user_spec_file = credentials_file = None

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.exit_code_regex = None

    def validate(self, task):
        if self.params["user_spec"] is not None or self.params["config"]:
            self.module.warn("config and user_spec are not used with driver tkgi")
        if not (self.params["tkgi_migration_log"] or "").strip():
            # Without the log the outcome would be tkgi's own exit code, which is not the importer's 0/1/2 (issue 27).
            task.fail(
                "tkgi_migration_log is empty: with driver tkgi the importer's exit code is read from its migration log on the cluster's"
                " control-plane VM, never from tkgi's own exit code; set it to where your TKGI release writes that log"
            )
        try:
            self.exit_code_regex = tkgi_log.compile_exit_code_regex(self.params["tkgi_exit_code_regex"])
        except tkgi_log.MigrationLogError as exc:
            task.fail(str(exc))

    def result_fields(self):
        return dict(tkgi_result=None, cli_rc=None, migration_log=None)

    def refuse_rerun(self, journal):
        """TKGI after exit 2: no new promotion (ncp_decisions.tkgi_no_rerun) unless O(force)."""
        return "" if self.params["force"] else tkgi_no_rerun(journal)

    def write_inputs(self, task):
        pass

    def remove_credentials(self):
        pass

    def cwd(self, task):
        return jr.cluster_dir(task.state_dir, task.cluster)

    def log_offsets(self):
        """The migration logs' sizes before the promotion: only what they gain during it is read."""
        return tkgi_log.log_offsets(self.params["tkgi_migration_log"])

    def read_exit_code(self, ran, before):
        """The migration log's LogReading, or None when the promotion was killed at the timeout."""
        return None if ran.timed_out else tkgi_log.read_exit_code(self.params["tkgi_migration_log"], before, self.exit_code_regex)

    def finish(self, task, result, command_rc, reading, outcome, timed_out):
        """tkgi's JSON, its own exit code and the log read, into ``result``; returned for the journal's attempt too."""
        extras = dict(
            tkgi_result=parse_last_json(result["log_file"]),
            cli_rc=None if timed_out else command_rc,
            migration_log=reading.log_file if reading else None,
        )
        result.update(extras)
        unknown = reading.problem if reading else None
        if unknown:
            self.module.warn("the importer's exit code of this promotion is unknown: %s (tkgi exited %s)" % (unknown, command_rc))
        return extras


def parse_last_json(path):
    """The last JSON document in the log (tkgi --json prints one); None when there is none."""
    try:
        with open(path, "r") as handle:
            text = handle.read()
    except (IOError, OSError):
        return None
    for candidate in [text] + text.splitlines()[::-1]:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None
