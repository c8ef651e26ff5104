#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ncp_mode_switch: one Kubernetes cluster's NCP to Policy (or back to MP) mode - ConfigMap, YAML file, journal."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ncp_mode_switch
short_description: Switch a Kubernetes cluster's NCP configuration to Policy mode (or back to MP mode) in one task
version_added: "0.1.0"
description:
  - Sets C(policy_nsxapi) in the live ConfigMap, then in the NCP YAML file on record (O(manifest_path)), with the
    same edit as M(ncp.mp_to_policy.ncp_config) - only the touched lines change - and, with O(journal), journals
    C(policy_configured) once both are written. One module run instead of three - the migration runs this for every
    cluster inside the control-plane outage, where each module start costs time.
  - V(policy) (vendor procedure steps 6.3 and 6.4) sets C(policy_nsxapi = True), names the shared resources by the
    Policy IDs in O(policy_ids) and drops the MP-only firewall markers. With O(journal), nothing is written unless
    the journal records the cluster import as ended rc 0.
  - V(mp) sets C(policy_nsxapi = False) (a cluster going back to MP mode); it journals nothing.
  - Stops at the first failure and says which of the two was written; nothing is journaled then. The edits are
    idempotent, so run it again once the cause is fixed.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.common.journal
  - ncp.mp_to_policy.ncp_ini_location
  - ncp.mp_to_policy.ncp_cluster
  - ncp.mp_to_policy.ncp_cluster.configmap
attributes:
  check_mode:
    support: full
    details: Computes both edits and the journal entry and reports them; writes no ConfigMap, file or journal.
  diff_mode:
    support: full
    details: The ncp.ini text before and after, in the ConfigMap and in the file (a list of two diffs).
options:
  mode:
    description: V(policy) (C(policy_nsxapi = True)) or V(mp) (C(policy_nsxapi = False)).
    type: str
    choices: [policy, mp]
    required: true
  configmap:
    description:
      - The live ConfigMap NCP reads at start; every default when not set.
  manifest_path:
    description:
      - The NCP YAML file on record (for example C(ncp-ubuntu.yaml)); without it only the ConfigMap is switched.
      - It must exist; a backup C(<path>.<YYYYmmddTHHMMSS>.bak) is kept beside it unless O(backup=false).
    type: path
  policy_ids:
    description:
      - V(policy) only. MP ID to Policy ID of the imported shared resources
        (RV(ncp.mp_to_policy.nsx_mp_import#module:policy_ids)), applied as O(ncp.mp_to_policy.ncp_config#module:policy_ids).
    type: dict
  require_policy_ids:
    description:
      - V(policy) only. As O(ncp.mp_to_policy.ncp_config#module:require_policy_ids) - a shared resource of the ConfigMap
        with no Policy ID fails the task before anything is written.
      - It applies also when not set if O(journal) records the shared import of the cluster.
    type: bool
    default: false
  backup:
    description: Keep a backup of O(manifest_path) before changing it.
    type: bool
    default: true
  journal:
    description:
      - V(policy) only. The cluster's journal on this master (M(ncp.mp_to_policy.ncp_journal)), read first - the
        cluster import must be journaled as ended rc 0 and this host must own the journal - and marked
        C(policy_configured) with the Policy IDs, the unmapped items and the file after both writes.
requirements:
  - kubectl
  - PyYAML (for O(manifest_path))
"""

EXAMPLES = r"""
- name: Steps 6.3 and 6.4 - the ConfigMap and the YAML file to Policy mode, journaled
  ncp.mp_to_policy.ncp_mode_switch:
    mode: policy
    kubeconfig: /root/.kube/config
    manifest_path: /root/ncp-ubuntu.yaml
    policy_ids: "{{ shared_import.policy_ids }}"
    journal:
      cluster: k8s-prod-1
  register: switched

- name: A cluster going back to MP mode
  ncp.mp_to_policy.ncp_mode_switch:
    mode: mp
    manifest_path: /root/ncp-ubuntu.yaml
"""

RETURN = r"""
changed:
  description:
    - Whether the ConfigMap or the file changed (in check mode, would change); with O(journal) always true, as the
      journal entry is recorded again with its time.
  returned: always
  type: bool
configmap:
  description: The ConfigMap's edit, as M(ncp.mp_to_policy.ncp_config) returns it (C(changed), C(previous), C(values),
    C(unmapped), C(resource_version)), without its diff.
  returned: always
  type: dict
manifest:
  description: The file's edit, as M(ncp.mp_to_policy.ncp_config) returns it (C(backup_file) included); null without
    O(manifest_path).
  returned: always
  type: dict
unmapped:
  description: Per shared-resource option, the items O(policy_ids) did not map in the ConfigMap (kept as they were).
  returned: always
  type: dict
diff:
  description: The ncp.ini text before and after, secrets masked - the ConfigMap's, then the file's.
  returned: always
  type: list
  elements: dict
journal:
  description: The journal as this task left it (in check mode, as it would); null without O(journal).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_config_edit as config_edit
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr

ARGUMENT_SPEC = dict(
    config_edit.NCP_INI_LOCATION_OPTIONS,
    **config_edit.configmap_argspec(apply_defaults=True),
    mode=dict(type="str", choices=["policy", "mp"], required=True),
    manifest_path=dict(type="path"),
    policy_ids=dict(type="dict"),
    require_policy_ids=dict(type="bool", default=False),
    backup=dict(type="bool", default=True),
    journal=dict(type="dict", options=jr.JOURNAL_OPTIONS),
)
POLICY_ONLY = ("policy_ids", "journal")
JOURNALED_STATE = "policy_configured"


def edit_params(params, **target):
    """One ncp_config-shaped edit: policy_nsxapi for the mode, the Policy IDs for V(policy)."""
    edit = dict(
        settings=dict(policy_nsxapi=params["mode"] == "policy"),
        absent=None,
        policy_ids=params["policy_ids"],
        require_policy_ids=params["require_policy_ids"] and params["mode"] == "policy",
        section=params["section"],
        manifest_configmap=params["manifest_configmap"],
        backup=params["backup"],
        format="manifest",
    )
    edit.update(target)
    return edit


def journal_before(spec):
    """The journal, when this host may switch the cluster to Policy mode (invariant 4); else JournalError/ConfigError."""
    jr.validate_cluster_name(spec["cluster"])
    host = spec["host"] or jr.default_host()
    journal = jr.read_journal(spec["state_dir"], spec["cluster"])
    jr.check_owner(journal, host, spec["state_dir"])
    if not jr.is_imported(journal, "cluster"):
        raise config_edit.ConfigError(
            "the journal of %s does not record its cluster import as ended rc 0 (state: %s); policy_nsxapi was left as it is"
            % (spec["cluster"], jr.current_state(journal) or "no journal"),
            path=jr.journal_path(spec["state_dir"], spec["cluster"]),
        )
    return journal, host


def switch(module):
    params = module.params
    for name in POLICY_ONLY:
        if params[name] is not None and params["mode"] != "policy":
            raise config_edit.ConfigError("%s applies to mode=policy only, not mode=%s" % (name, params["mode"]))
    spec = params["journal"]
    journal, host = journal_before(spec) if spec else (None, None)
    if journal and jr.is_imported(journal, "shared"):
        params = dict(params, require_policy_ids=True)
    configmap = config_edit.run_on_configmap(module, edit_params(params, configmap=params["configmap"], backup=None))
    diffs = [configmap.pop("diff")]
    manifest = None
    if params["manifest_path"]:
        try:
            manifest = config_edit.run_on_file(module, edit_params(params, path=params["manifest_path"]))
        except config_edit.ConfigError as exc:
            done = "switched" if configmap["changed"] and not module.check_mode else "unchanged"
            raise config_edit.ConfigError(
                "%s (the ConfigMap is %s; nothing was journaled)" % (exc.message, done), configmap_changed=configmap["changed"], **exc.details
            )
        diffs.append(manifest.pop("diff"))
    changed = configmap["changed"] or bool(manifest and manifest["changed"])
    if spec:
        details = dict(policy_ids=params["policy_ids"] or {}, unmapped=configmap["unmapped"], manifest=params["manifest_path"])
        journal = jr.record_marks(spec["state_dir"], spec["cluster"], host, [(JOURNALED_STATE, details, False)], check_only=module.check_mode)
        changed = True  # the entry is recorded again, with this time
    return dict(changed=changed, configmap=configmap, manifest=manifest, unmapped=configmap["unmapped"], diff=diffs, journal=journal)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = switch(module)
    except config_edit.ConfigError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    except jr.JournalError as exc:
        module.fail_json(msg=str(exc), **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
