#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ncp_originals: a Kubernetes cluster's NCP configuration as it was before the run - kept, put back, and the journal cleared."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ncp_originals
short_description: Keep a cluster's ncp.ini as it was before the run, and put it back after an NSX restore
version_added: "0.1.0"
description:
  - V(record) keeps the live ConfigMap's ncp.ini and the NCP YAML file on record (O(manifest_path)), byte for byte,
    beside the cluster's journal - once; a later record keeps the first (the configuration before the run). The
    migration runs it right before it stops NCP.
  - V(restore) puts both back exactly as recorded (after the operator restored NSX from the run's backup,
    C(recover.yml -e ncp_recover_action=after_restore)). It fails, changing nothing, when the cluster's originals
    are not on record.
  - V(clear_journal) moves the journal and the originals aside (C(restored-<time>/) in the cluster's state
    directory), so that a later migration starts afresh.
  - The originals hold ncp.ini, which may hold NSX credentials; they are kept in a 0600 file beside the journal,
    never returned.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.common.journal
  - ncp.mp_to_policy.ncp_cluster
  - ncp.mp_to_policy.ncp_cluster.configmap
attributes:
  check_mode:
    support: full
    details: Computes what would be kept, put back or moved, and reports it; writes nothing.
  diff_mode:
    support: full
    details: V(restore) - the ConfigMap's and the file's text before and after, secret values masked.
options:
  action:
    description: V(record), V(restore) or V(clear_journal).
    type: str
    choices: [record, restore, clear_journal]
    required: true
  configmap:
    description: The live ConfigMap NCP reads (V(record), V(restore)); every default when not set.
  manifest_path:
    description: V(record) - the NCP YAML file on record; V(restore) puts back the file recorded, wherever this points.
    type: path
  journal:
    description: The cluster's journal on this master (M(ncp.mp_to_policy.ncp_journal)); this host must own it.
    required: true
requirements:
  - kubectl (V(record), V(restore))
"""

EXAMPLES = r"""
- name: Keep the configuration before the run
  ncp.mp_to_policy.ncp_originals:
    action: record
    kubeconfig: /root/.kube/config
    manifest_path: /root/ncp-ubuntu.yaml
    journal:
      cluster: k8s-prod-1

- name: After the NSX restore, put it back
  ncp.mp_to_policy.ncp_originals:
    action: restore
    kubeconfig: /root/.kube/config
    journal:
      cluster: k8s-prod-1
"""

RETURN = r"""
changed:
  description:
    - V(record) - whether the originals were kept now; V(restore) - whether the ConfigMap or the file changed;
      V(clear_journal) - whether a journal was moved.
  returned: always
  type: bool
originals:
  description: What the journal records as kept (C(at), C(host), C(configmap), C(manifest)), texts left out.
  returned: always
  type: dict
restored:
  description: V(restore) - what was (or in check mode would be) put back, C(configmap) and C(manifest) (true when it differed).
  returned: when action is restore
  type: dict
cleared_to:
  description: V(clear_journal) - the directory the journal and the originals were moved to; null when there was no journal.
  returned: when action is clear_journal
  type: str
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._atomic_file import atomic_write, read_bytes
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_config_edit import ConfigError, configmap_argspec, read_configmap, write_configmap
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import is_secret_key

ARGUMENT_SPEC = dict(
    configmap_argspec(apply_defaults=True),
    action=dict(type="str", choices=["record", "restore", "clear_journal"], required=True),
    manifest_path=dict(type="path"),
    journal=dict(type="dict", options=jr.JOURNAL_OPTIONS, required=True),
)
_ASSIGNMENT = re.compile(r"^(\s*)([^=:#;\s]+)(\s*[=:]\s*)(.*?)(\r?)$")


def masked(text):
    """ncp.ini (or a manifest holding it) with secret values masked, for the diff."""
    lines = []
    for line in text.split("\n"):
        found = _ASSIGNMENT.match(line)
        lines.append(found.expand(r"\1\2\3********\5") if found and is_secret_key(found.group(2)) and found.group(4) else line)
    return "\n".join(lines)


def record(module, spec, host):
    configmap_spec = module.params["configmap"]
    _kubectl, _configmap, text = read_configmap(module, configmap_spec)
    originals = dict(configmap=dict(namespace=configmap_spec["namespace"], name=configmap_spec["name"], key=configmap_spec["key"], text=text), manifest=None)
    path = module.params["manifest_path"]
    if path:
        try:
            originals["manifest"] = dict(path=path, text=jr.bytes_to_text(read_bytes(path)))
        except (IOError, OSError) as exc:
            raise ConfigError("cannot read %s: %s" % (path, exc), path=path)
    journal, changed = jr.keep_originals(spec["state_dir"], spec["cluster"], host, originals, check_only=module.check_mode)
    return dict(changed=changed, originals=journal["originals"])


def restore(module, spec, host):
    journal, originals = jr.read_originals(spec["state_dir"], spec["cluster"])
    jr.check_owner(journal, host, spec["state_dir"])
    kept = originals["configmap"]
    configmap_spec = dict(module.params["configmap"], namespace=kept["namespace"], name=kept["name"], key=kept["key"])
    module.params["configmap"] = configmap_spec
    kubectl, configmap, current = read_configmap(module, configmap_spec)
    diffs, restored = [], dict(configmap=current != kept["text"], manifest=False)
    where = "ConfigMap %s/%s" % (kept["namespace"], kept["name"])
    diffs.append(dict(before=masked(current), after=masked(kept["text"]), before_header=where, after_header=where))
    manifest = originals.get("manifest")
    if manifest:
        try:
            data = read_bytes(manifest["path"]) if os.path.exists(manifest["path"]) else b""
        except (IOError, OSError) as exc:
            raise ConfigError("cannot read %s: %s" % (manifest["path"], exc), path=manifest["path"])
        restored["manifest"] = data != jr.text_to_bytes(manifest["text"])
        diffs.append(dict(before=masked(jr.bytes_to_text(data)), after=masked(manifest["text"]), before_header=manifest["path"], after_header=manifest["path"]))
    if not module.check_mode:
        if restored["configmap"]:
            write_configmap(kubectl, configmap, configmap_spec, kept["text"], where, configmap.get("metadata", {}).get("resourceVersion"))
        if restored["manifest"]:
            try:
                atomic_write(manifest["path"], jr.text_to_bytes(manifest["text"]))
            except (IOError, OSError) as exc:
                done = "put back" if restored["configmap"] else "unchanged"
                raise ConfigError("cannot write %s: %s (the ConfigMap is %s)" % (manifest["path"], exc, done), path=manifest["path"])
    result = dict(changed=restored["configmap"] or restored["manifest"], originals=journal["originals"], restored=restored)
    if module._diff:
        result["diff"] = diffs
    return result


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    spec = module.params["journal"]
    try:
        jr.validate_cluster_name(spec["cluster"])
        host = spec["host"] or jr.default_host()
        action = module.params["action"]
        if action == "record":
            result = record(module, spec, host)
        elif action == "restore":
            result = restore(module, spec, host)
        else:
            journal = jr.read_journal(spec["state_dir"], spec["cluster"])
            target = jr.clear_journal(spec["state_dir"], spec["cluster"], host, check_only=module.check_mode)
            result = dict(changed=target is not None, originals=(journal or {}).get("originals"), cleared_to=target)
    except ConfigError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    except jr.JournalError as exc:
        module.fail_json(msg=str(exc), **dict(exc.details, path=jr.journal_path(spec["state_dir"], spec["cluster"])))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
