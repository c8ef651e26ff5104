#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nsx_mp_import: run the vendor's MP-to-Policy importer (or tkgi) once, journaled, and say what NCP must do next."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nsx_mp_import
short_description: Run the NCP MP-to-Policy importer for a cluster's shared or own resources and map its exit code to the next step
version_added: "0.1.0"
description:
  - Runs the vendor's C(mp_to_policy_importer.py) (O(driver=importer)) or C(tkgi promote-cluster-to-policy) (O(driver=tkgi)) once, on the cluster's import
    master, and turns the importer's exit code into RV(outcome) and RV(ncp_mode), what NCP must do next.
  - The task fails unless the run did what was asked (an import ending 0, or a rollback ending 0); every return value is still set, so a C(rescue) block or
    C(failed_when) can act on RV(ncp_mode).
  - Every attempt is recorded in the cluster's journal C(<state_dir>/<cluster>/state.json) (written atomically) before the importer starts and again when
    it ends - scope, rc, outcome, times, duration, log file, host. A journal created by another host is refused, because the importer keeps its records on
    the master that ran it and a re-run must happen there. A scope the journal records as imported returns RV(outcome=already_imported) without running,
    unless O(force).
  - With O(driver=importer), C(config.yaml) beside the script is updated (see O(config)) and C(user-spec.yaml) is written from O(user_spec). The NSX
    password goes to a 0600 file C(<state_dir>/<cluster>/nsx-credentials.yaml) named in C(config.yaml) by C(credentials_file) (keys C(nsx_username),
    C(nsx_password)), and is removed after the run; it is never on the command line, in the environment or in C(config.yaml).
  - The command runs in its own process group with O(timeout); at the timeout the whole group (the importer and the children it started) is killed. Its
    output goes to a log file under C(<state_dir>/<cluster>/logs/) with the password and C(password=...)-shaped values masked.
  - Only one run per cluster at a time; the importer inherits the lock, so a run started while an importer from an interrupted run still works is refused.
  - For O(scope=shared) and O(scope=shared_then_cluster), after the shared import's exit code 0 the Policy IDs of the imported shared resources are read
    back from NSX (RV(policy_ids)), not derived from a release's naming rule - from the migration API's mapping C(GET /api/v1/migration/migrated-resources)
    (a C(policyPath) tag on the MP object only when the mapping has no entry), each checked with a GET on the Policy API; an ID whose Policy object does
    not exist is left out, with a warning.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.nsx
  - ncp.mp_to_policy.mp_import_tkgi
  - ncp.mp_to_policy.mp_import_gates
attributes:
  check_mode:
    details: Validates the options and the journal, and reports the command that would run (RV(command)); runs nothing and writes nothing.
  diff_mode:
    support: none
options:
  driver:
    description:
      - V(importer) runs C(mp_to_policy_importer.py) (vanilla Kubernetes with NCP).
      - V(tkgi) runs C(tkgi promote-cluster-to-policy) for the whole cluster (O(scope=cluster) only), already logged in where it runs - here, or where
        O(argv) reaches (the controller, a jump host), for example C(["ssh", "jump.example.com", "tkgi", "promote-cluster-to-policy", "{cluster}",
        "--wait", "--json", "--non-interactive"]). The exit code is the importer's, read from O(tkgi_migration_log), never C(tkgi)'s own (RV(cli_rc)); a
        log without one is V(error) (NCP stays stopped).
    type: str
    choices: [importer, tkgi]
    default: importer
  scope:
    description:
      - V(shared) imports the shared resources named in O(user_spec); V(cluster) imports the cluster's own resources.
      - V(shared_then_cluster) does both in one task, as the vendor's steps 6.1 and 6.2 - the shared import, then, only when it ended 0 (or the journal
        records it as imported), the cluster import - two importer runs, each with its own journal attempt, exit code check and O(require_nsx_idle) check
        right before it, under one hold of the cluster's lock. The return values describe the last of them (the cluster import, or the shared import when
        that one did not end well); RV(scopes) has both and RV(policy_ids) the shared import's. Not with O(rollback) (a rollback goes cluster first, one
        scope at a time) or O(driver=tkgi).
    type: str
    choices: [shared, cluster, shared_then_cluster]
    required: true
  cluster:
    description: The cluster's name, the C(ncp/cluster) tag value (ncp.ini C([coe] cluster)); names the journal directory.
    type: str
    required: true
  importer_path:
    description:
      - Path of C(mp_to_policy_importer.py) on the master (shipped in the NCP package under C(scripts/mp_to_policy_import/)); required with
        O(driver=importer). C(config.yaml) and C(user-spec.yaml) are written in its directory.
    type: path
  argv:
    description:
      - The command to run, overriding the default. The importer's real command-line flags (a shared/cluster selector in particular) are B(UNCONFIRMED) and
        may differ between NCP releases; set this to what your release's importer takes. Never put a secret here.
      - 'Default for O(driver=importer): C(["{python}", "{importer_path}", "--{scope}-only"]), that is C(--shared-only) or C(--cluster-only) (the flags of
        the importer stand-in of the lab); for O(driver=tkgi): C(["tkgi", "promote-cluster-to-policy", "{cluster}", "--wait", "--json",
        "--non-interactive"]).'
      - 'Placeholders: C({python}) (O(importer_python)), C({importer_path}), C({importer_dir}), C({scope}), C({cluster}), C({config_file}),
        C({user_spec_file}); C({{) and C(}}) are literal braces.'
    type: list
    elements: str
  importer_python:
    description:
      - The interpreter that runs the importer (C({python}) in O(argv)), default the Python running this module (Ansible's on the master); the same option
        of M(ncp.mp_to_policy.ncp_host_preflight), which proves before the window that it runs the importer.
    type: str
  config:
    description:
      - Keys merged into the importer's C(config.yaml) (nested mappings merge; keys already in the file are kept). Do not put secrets here.
      - 'The module writes these keys first (the real importer''s key names are B(UNCONFIRMED); these are the ones the lab''s importer stand-in reads):
        C(nsx_manager), C(credentials_file), C(nsx_client_cert), C(nsx_client_key), C(ca_file), C(insecure), C(cluster), C(rollback_imported_resources).
        O(config) overrides them (except C(rollback_imported_resources), which always follows O(rollback)) and can add any key your release reads, such as
        C(kubeconfig).'
    type: dict
  user_spec:
    description:
      - The importer's C(user-spec.yaml), as a mapping or as the path of a YAML file; written beside the script (replacing the file there). When not set,
        an existing C(user-spec.yaml) is left as it is.
      - It names the shared resources to import (by display name or ID), IP allocations, Tier-1 static routes and router ports, and custom resources under
        C(k8s-clusters).
      - With O(scope=shared) it also selects the objects of RV(policy_ids) - every MP Tier-0/Tier-1 router, IP block and IP pool without an C(ncp/cluster)
        tag whose ID or display name appears anywhere in it outside C(k8s-clusters); without O(user_spec), every promoted one.
    type: raw
  rollback:
    description:
      - Run the importer with C(rollback_imported_resources=True) in C(config.yaml), the documented manual rollback. Without it the key is written
        C(False), so a rollback is never repeated by accident.
      - A rollback ending 0 returns RV(outcome=failed_restart_ncp_mp), RV(ncp_mode=mp) and RV(rolled_back=true), and clears the scope's imported state in
        the journal.
    type: bool
    default: false
  state_dir:
    description: Directory of the journals and logs, one subdirectory per cluster (created 0700).
    type: path
    default: /var/lib/ncp-mp-to-policy
  timeout:
    description: Seconds the command may run; then its whole process group is killed (SIGTERM, SIGKILL 5 s later) and the outcome is V(error), NCP kept
      stopped.
    type: int
    default: 7200
  force:
    description:
      - Run even when the journal records the scope as imported.
      - With O(driver=tkgi), also promote again after a promotion that ended with importer exit code 2, which is otherwise refused without running
        anything, as TKGI says not to re-run it; only on VMware support's advice.
    type: bool
    default: false
  host_id:
    description:
      - The name this host is recorded under as the journal's owner; a journal owned by another name is refused. Defaults to the machine's host name. Give
        the same value on every run for a cluster (for example C(inventory_hostname)).
    type: str
notes:
  - Exit codes per the vendor procedure - 0 success; 1 failed, NCP must not run in MP mode; 2 failed, restart NCP in MP mode. A Python traceback exits 1,
    treated as 1 (NCP stays stopped). TKGI reads the same codes from the migration log on the control-plane VM - 1, re-run the promotion of that cluster
    from the same VM and promote no other; 2, do not re-run it, confirm NCP can start in MP mode on all masters.
  - A journal attempt left open by a run that died is closed as V(error) by the next run.
requirements:
  - PyYAML
  - requests
"""

EXAMPLES = r"""
- name: Import the shared resources (on the cluster's import master)
  ncp.mp_to_policy.nsx_mp_import:
    scope: shared
    cluster: k8s-prod-1
    importer_path: /opt/ncp/scripts/mp_to_policy_import/mp_to_policy_importer.py
    user_spec:
      shared_resources:
        TIER0: [t0-shared]
        IP_BLOCK: [pod-ip-block]
        IP_POOL: [external-pool]
    nsx_manager: 10.0.0.11
    nsx_username: admin
    nsx_password: "{{ vault_nsx_password }}"
    host_id: "{{ inventory_hostname }}"
  register: shared_import

- name: Import the shared resources, then the cluster's (two importer runs, one task)
  ncp.mp_to_policy.nsx_mp_import:
    scope: shared_then_cluster
    cluster: k8s-prod-1
    importer_path: /opt/ncp/scripts/mp_to_policy_import/mp_to_policy_importer.py
    require_nsx_idle: true
    host_id: "{{ inventory_hostname }}"
  register: both_imports

- name: Import the cluster, acting on the outcome even when it fails
  block:
    - name: Run the cluster import
      ncp.mp_to_policy.nsx_mp_import:
        scope: cluster
        cluster: k8s-prod-1
        importer_path: /opt/ncp/scripts/mp_to_policy_import/mp_to_policy_importer.py
        host_id: "{{ inventory_hostname }}"
      register: cluster_import
  rescue:
    - name: Report what NCP must do next
      ansible.builtin.debug:
        msg: "{{ ansible_failed_result.outcome }}: NCP {{ ansible_failed_result.ncp_mode }}"

- name: Roll back the imported cluster resources (documented manual rollback)
  ncp.mp_to_policy.nsx_mp_import:
    scope: cluster
    cluster: k8s-prod-1
    importer_path: /opt/ncp/scripts/mp_to_policy_import/mp_to_policy_importer.py
    rollback: true

- name: TKGI cluster
  ncp.mp_to_policy.nsx_mp_import:
    driver: tkgi
    scope: cluster
    cluster: tkgi-cluster-1
"""

RETURN = r"""
rc:
  description:
    - Exit code of the importer; negative when killed by a signal; null when nothing ran (check mode, a command that could not start) or when it was killed
      at the timeout. For V(already_imported), the rc recorded for that import. With O(driver=tkgi), the importer's exit code read from the migration log
      (null when the log does not give one); C(tkgi)'s own exit code is RV(cli_rc).
  returned: always
  type: int
  sample: 0
outcome:
  description:
    - V(imported) (rc 0), V(already_imported) (not run), V(failed_keep_ncp_stopped) (rc 1), V(failed_restart_ncp_mp) (rc 2, or a rollback ending 0),
      V(error) (any other rc, timeout, crash). Null in check mode.
  returned: always
  type: str
  sample: imported
ncp_mode:
  description: What NCP must do next - V(policy), V(mp) or V(stopped). Null in check mode.
  returned: always
  type: str
  sample: policy
next_step:
  description: The next step in words, for the operator and the report.
  returned: always
  type: str
log_file:
  description: The log of this attempt (of the recorded attempt for V(already_imported)); null in check mode.
  returned: always
  type: str
  sample: /var/lib/ncp-mp-to-policy/k8s-prod-1/logs/attempt-2-cluster-20261125T152001Z.log
log_tail:
  description: The last 40 lines of the log, secrets masked.
  returned: always
  type: list
  elements: str
duration:
  description: Seconds the command ran (0 when it did not run).
  returned: always
  type: float
  sample: 312.4
attempt:
  description: Number of this attempt in the journal (of the recorded one for V(already_imported)); null in check mode.
  returned: always
  type: int
  sample: 2
policy_ids:
  description: MP id to Policy id of the imported shared resources (O(scope=shared) or O(scope=shared_then_cluster), rc 0); empty otherwise.
  returned: always
  type: dict
  sample: {"9b1c0e5e-1d3f-4a2b-8f00-3c2d8e7f6a10": "t0-shared"}
rolled_back:
  description: True when a rollback run ended 0.
  returned: always
  type: bool
timed_out:
  description: True when the command was killed at the timeout.
  returned: always
  type: bool
command:
  description: The command that ran (or would run, in check mode), secrets masked.
  returned: always
  type: list
  elements: str
config_file:
  description: The importer's C(config.yaml).
  returned: when O(driver=importer)
  type: str
user_spec_file:
  description: The importer's C(user-spec.yaml).
  returned: when O(driver=importer)
  type: str
journal_file:
  description: The cluster's journal.
  returned: always
  type: str
  sample: /var/lib/ncp-mp-to-policy/k8s-prod-1/state.json
blocked_by:
  description:
    - With O(require_nsx_idle) or O(require_dfw_top_rules), the findings that kept the command from starting (preflight finding shape, check
      V(migration_coordinator_running) or V(promotion_idle)); empty when nothing did.
  returned: always
  type: list
  elements: dict
journal:
  description:
    - The cluster's journal on this host as this run left it, in the shape M(ncp.mp_to_policy.ncp_journal) returns (C(journal), C(states), C(state_epochs),
      C(imported), ...), so that the next step need not read it again. Null when the step wrote nothing (a refusal before the start) and when its result
      could not be journaled.
    - In check mode with an import still to run, the journal as the runs would leave it if each ended rc 0 (its attempts carry C(planned=true)); nothing is
      written.
  returned: always
  type: dict
  sample: {"exists": true, "imported": {"shared": true, "cluster": true}, "current_state": "cluster_imported"}
import_check:
  description:
    - With O(verify), the proof after the cluster import ended 0 (the return values of M(ncp.mp_to_policy.nsx_import_verify)), or C(error) when NSX
      could not be read or the verdict not journaled.
  returned: when O(verify) and the cluster import ran and ended 0
  type: dict
scopes:
  description:
    - The imports of this task in order, each as C(scope), C(rc), C(outcome), C(ncp_mode), C(attempt), C(duration), C(log_file) and C(changed) (one for
      O(scope=shared) or O(scope=cluster); with O(scope=shared_then_cluster) the shared import, then the cluster import when it was reached). An import
      refused before it started is not listed. In check mode each also has C(command), the command that would run (secrets masked).
  returned: always
  type: list
  elements: dict
  sample: [{"scope": "shared", "rc": 0, "outcome": "imported", "ncp_mode": "policy", "attempt": 1, "duration": 41.2,
            "log_file": "/var/lib/ncp-mp-to-policy/k8s-prod-1/logs/attempt-1-shared-20261125T151901Z.log", "changed": true}]
tkgi_result:
  description: The JSON document C(tkgi) printed, when it printed one (O(driver=tkgi)). Also in the journal's attempt.
  returned: when O(driver=tkgi)
  type: raw
cli_rc:
  description: C(tkgi)'s own exit code, null when it did not run, did not start or was killed at the timeout; it does not decide RV(outcome). Also in the
    journal's attempt.
  returned: when O(driver=tkgi)
  type: int
migration_log:
  description: The migration log the importer's exit code was read from, or the one found without it; null when none matched O(tkgi_migration_log). Also in
    the journal's attempt.
  returned: when O(driver=tkgi)
  type: str
  sample: /var/vcap/sys/log/ncp/mp_to_policy_importer.log
changed:
  description: True when the command ran (in check mode, when it would run).
  returned: always
  type: bool
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_manifest as manifest
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_migration_log as tkgi_log
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._mp_import_task import SCOPE_RUNS, run_module
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule

ARGUMENT_SPEC = dict(
    driver=dict(type="str", choices=["importer", "tkgi"], default="importer"),
    scope=dict(type="str", choices=list(SCOPE_RUNS), required=True),
    cluster=dict(type="str", required=True),
    importer_path=dict(type="path"),
    argv=dict(type="list", elements="str"),
    importer_python=dict(type="str"),
    config=dict(type="dict"),
    user_spec=dict(type="raw"),
    rollback=dict(type="bool", default=False),
    state_dir=dict(type="path", default=jr.DEFAULT_STATE_DIR),
    timeout=dict(type="int", default=7200),
    force=dict(type="bool", default=False),
    host_id=dict(type="str"),
    tkgi_migration_log=dict(type="str", default=tkgi_log.DEFAULT_LOG_GLOB),
    tkgi_exit_code_regex=dict(type="str", default=tkgi_log.DEFAULT_EXIT_CODE_REGEX),
    require_nsx_idle=dict(type="bool", default=False),
    require_dfw_top_rules=dict(type="dict"),
    verify=dict(type="bool", default=False),
)


def main():
    module = NsxModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if module.params["driver"] == "importer" and not manifest.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=str(manifest.YAML_IMPORT_ERROR))
    # The import task (mp_import_task.py): validation, the journal, each scope's run and its outcome; it ends the module.
    run_module(module)


if __name__ == "__main__":
    main()
