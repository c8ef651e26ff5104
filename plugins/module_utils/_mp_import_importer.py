# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nsx_mp_import's driver ``importer``: the vendor's ``mp_to_policy_importer.py``, its exit code the process's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _importer_config as cfg
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._importer_policy_ids import shared_policy_ids, shared_resource_refs
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError


class ImporterDriver:
    """The importer's input files, their clean-up and the shared import's Policy IDs, for one scope's run."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.config_file = self.user_spec_file = self.user_spec = self.credentials_file = None

    def validate(self, task):
        """The script and the files beside it; config.yaml must merge. Writes nothing."""
        params = self.params
        path = params["importer_path"]
        if not path:
            task.fail("importer_path is required with driver importer (the path of mp_to_policy_importer.py)")
        if not os.path.isfile(path):
            task.fail("importer_path %s is not a file: give the path of mp_to_policy_importer.py on this host" % path)
        directory = os.path.dirname(os.path.abspath(path))
        self.config_file = os.path.join(directory, cfg.CONFIG_FILE)
        self.user_spec_file = os.path.join(directory, cfg.USER_SPEC_FILE)
        if params["nsx_password"]:
            self.credentials_file = os.path.join(jr.cluster_dir(task.state_dir, task.cluster), cfg.CREDENTIALS_FILE)
        try:
            self.user_spec = cfg.user_spec_data(params["user_spec"])
            self.importer_config(task)  # refuses a config.yaml it cannot merge into, before anything runs
        except cfg.ImporterConfigError as exc:
            task.fail(str(exc))

    def importer_config(self, task):
        """config.yaml's content for this run: the file's keys, ours over them (build_config)."""
        params = self.params
        return cfg.build_config(self.config_file, params, task.cluster, params["config"], self.credentials_file, params["rollback"])[1]

    def result_fields(self):
        return dict(config_file=self.config_file, user_spec_file=self.user_spec_file)

    def refuse_rerun(self, journal):
        """Nothing refuses a re-run of the importer: the journal's imported state and owner host decide."""
        return ""

    def write_inputs(self, task):
        """config.yaml, user-spec.yaml and the 0600 credentials file."""
        try:
            # From config.yaml as it is now, not as validated: its keys are kept, also what the shared import's run
            # (shared_then_cluster) or anyone else left there since.
            config = self.importer_config(task)
            if self.credentials_file:
                cfg.write_credentials_file(self.credentials_file, self.params["nsx_username"], self.params["nsx_password"])
            cfg.write_yaml_if_changed(self.config_file, config)
            if self.user_spec is not None:
                cfg.write_yaml_if_changed(self.user_spec_file, self.user_spec)
        except (cfg.ImporterConfigError, OSError) as exc:
            self.remove_credentials()
            task.fail("cannot write the importer's input files, the importer did not run: %s" % exc)

    def remove_credentials(self):
        if self.credentials_file:
            try:
                cfg.remove_file(self.credentials_file)
            except OSError as exc:
                self.module.warn("could not remove the credentials file %s: %s; remove it by hand" % (self.credentials_file, exc))

    def cwd(self, task):
        return os.path.dirname(self.config_file)

    def log_offsets(self):
        return {}

    def read_exit_code(self, ran, before):
        """None: the importer's exit code is the process's."""
        return None

    def finish(self, task, result, command_rc, reading, outcome, timed_out):
        """After a shared import ending 0, its Policy IDs into ``result``; nothing more for the journal's attempt."""
        if outcome.outcome == "imported" and task.scope == "shared":
            result["policy_ids"] = self.read_policy_ids()
        return {}

    def read_policy_ids(self):
        dangling = []
        try:
            found = shared_policy_ids(self.module.client, shared_resource_refs(self.user_spec) or None, dangling)
            for mp_id, policy_path in dangling:
                self.module.warn("shared resource %s was imported as %s, but the Policy API has no such object: its ID is not used" % (mp_id, policy_path))
            return found
        except NsxApiError as exc:
            self.module.warn("the shared import ended 0 but its Policy IDs could not be read back from NSX: %s" % exc.message)
            return {}
