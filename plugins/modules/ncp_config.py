#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ncp_config: read or edit NCP's ncp.ini in a file, an NCP YAML manifest or the live ConfigMap."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ncp_config
short_description: Read or edit NCP's ncp.ini losslessly (file, NCP YAML manifest or live ConfigMap)
version_added: "0.1.0"
description:
  - Sets and removes keys of one section of NCP's C(ncp.ini) and returns the section's values.
  - The ini can be a plain file, the ncp.ini embedded as a literal block scalar (C(|)) under the
    C(ncp.ini) data key of a ConfigMap in an NCP YAML manifest such as C(ncp-ubuntu.yaml), or the
    live ConfigMap read and written through C(kubectl).
  - Only the lines of the touched keys change. Comments (C(#) and C(;)), blank lines, key order,
    spacing around C(=), CRLF or LF line endings, a missing final newline, inline comments after
    values and, in a manifest, the indentation and every other document stay byte-identical.
  - New keys are appended at the end of the section (after its last non-blank line, before a comment
    block that belongs to the next section); a missing section is created at the end.
  - Files are replaced atomically (temporary file in the same directory, fsync, rename) keeping their
    mode and owner. A ConfigMap is written with C(kubectl replace) carrying the C(resourceVersion) it
    was read with, so a change made by someone else in between makes the task fail instead of being
    overwritten.
  - Input that NCP could not read (a line that is no section, key or comment, a key before any
    section, an unclosed section header), a key defined twice in the section, a missing file, or a
    manifest without the ConfigMap makes the task fail with the file and line named; nothing is written.
  - Values of keys whose names contain C(password), C(secret) or C(token) (except C(*_file) and
    C(*_path)) are masked in RV(previous), RV(values) and the diff.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.ncp_ini_location
  - ncp.mp_to_policy.ncp_cluster
  - ncp.mp_to_policy.ncp_cluster.configmap
attributes:
  check_mode:
    support: full
    details: Computes the edit and reports RV(changed) and the diff; writes no file and no ConfigMap.
  diff_mode:
    support: full
    details: The diff is the ncp.ini text before and after (for a manifest, the lines of its ncp.ini block).
options:
  path:
    description:
      - An ncp.ini file, or an NCP YAML manifest that embeds ncp.ini in a ConfigMap.
      - The file must exist.
      - Mutually exclusive with O(configmap) (the live ConfigMap); one of them is required.
    type: path
  format:
    description:
      - What O(path) is. V(auto) reads a file whose first line that is neither blank nor a comment
        starts with C([) as ini, anything else as a manifest.
      - Ignored with O(configmap).
    type: str
    choices: [auto, ini, manifest]
    default: auto
  settings:
    description:
      - Keys to set, with their values. Booleans are written C(True)/C(False), lists comma-joined,
        numbers as text; a value with surrounding blanks or a comment character is quoted.
      - A key is only rewritten when its value text differs.
    type: dict
  absent:
    description: Keys to remove from the section (with their continuation lines). A key not present is not an error.
    type: list
    elements: str
  policy_ids:
    description:
      - MP ID to Policy ID of the imported shared resources (RV(ncp.mp_to_policy.nsx_mp_import#module:policy_ids)).
      - Every MP ID in the section's options that name NSX resources (such as C(top_tier_router), C(container_ip_blocks),
        C(external_ip_pools); the table C(RESOURCE_OPTIONS) in C(plugins/module_utils/_ncp_resource_options.py)) is
        replaced by its Policy ID, and the MP-only options C(top_firewall_section_marker) and
        C(bottom_firewall_section_marker) are removed (vendor procedure step 6.3). O(settings) win over these edits.
      - Items that are not MP IDs in the map are kept and reported in RV(unmapped), with a warning.
    type: dict
  require_policy_ids:
    description:
      - After the shared import - every item of those options must be an MP ID of O(policy_ids) or one of its Policy IDs.
        One that is not fails the task naming the option and the item, and nothing is written.
    type: bool
    default: false
  backup:
    description:
      - Keep a timestamped copy C(<path>.<YYYYmmddTHHMMSS>.bak) of the file beside it before changing it.
      - When not set, a backup is made for O(path).
      - Does not apply to O(configmap).
    type: bool
notes:
  - NCP reads ncp.ini with oslo.config, which has no inline comments. Whitespace followed by C(#) or
    C(;) after a value is kept as a comment when the value is replaced, and the task warns that NCP
    reads it as part of the value.
  - With neither O(settings) nor O(absent) the module only reads (RV(changed) is false).
requirements:
  - PyYAML (for manifests)
  - kubectl (for O(configmap))
"""

EXAMPLES = r"""
- name: Step 1 of the procedure - NCP stays in MP mode during the import
  ncp.mp_to_policy.ncp_config:
    path: /etc/nsx-ujo/ncp.ini
    settings:
      policy_nsxapi: false

- name: Step 6.3 - name the shared resources by Policy ID, drop the MP-only markers
  ncp.mp_to_policy.ncp_config:
    path: /root/ncp-ubuntu.yaml
    format: manifest
    settings:
      top_tier_router: t0-shared
      container_ip_blocks: [pod-ip-block]
    absent:
      - top_firewall_section_marker
      - bottom_firewall_section_marker

- name: Step 6.4 - switch the live ConfigMap to Policy mode
  ncp.mp_to_policy.ncp_config:
    configmap: {}
    kubeconfig: /root/.kube/config
    context: prod-1
    settings:
      policy_nsxapi: true

- name: Read the [coe] section
  ncp.mp_to_policy.ncp_config:
    path: /etc/nsx-ujo/ncp.ini
    section: coe
  register: ncp_coe
"""

RETURN = r"""
unmapped:
  description: Per shared-resource option, the items O(policy_ids) did not map (kept as they were).
  returned: always
  type: dict
changed:
  description: Whether the ini text changed (in check mode, whether it would change).
  returned: always
  type: bool
diff:
  description: The ncp.ini text before and after, secrets masked.
  returned: always
  type: dict
  contains:
    before:
      description: The text before.
      type: str
    after:
      description: The text after.
      type: str
    before_header:
      description: Where the text comes from.
      type: str
    after_header:
      description: Where the text goes.
      type: str
previous:
  description: The old value of every key named in O(settings) and O(absent); null for a key that was not set.
  returned: always
  type: dict
  sample: {policy_nsxapi: "False", top_firewall_section_marker: null}
values:
  description:
    - The section after the change, key to value as text (multi-line values joined with newlines).
    - In Jinja use C(result['values']); C(result.values) is the dictionary method.
  returned: always
  type: dict
  sample: {nsx_api_managers: 10.114.208.10, policy_nsxapi: "True"}
backup_file:
  description: The backup written before the change; null when none was written.
  returned: always
  type: str
  sample: /etc/nsx-ujo/ncp.ini.20261125T151400.bak
format:
  description: What was edited.
  returned: always
  type: str
  sample: manifest
resource_version:
  description: The ConfigMap's resourceVersion after the task (the one read when nothing was written).
  returned: when O(configmap) is used
  type: str
  sample: "48213"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_config_edit as config_edit

ARGUMENT_SPEC = dict(
    config_edit.NCP_INI_LOCATION_OPTIONS,
    **config_edit.configmap_argspec(),
    path=dict(type="path"),
    format=dict(type="str", choices=["auto", "ini", "manifest"], default="auto"),
    settings=dict(type="dict"),
    absent=dict(type="list", elements="str"),
    policy_ids=dict(type="dict"),
    require_policy_ids=dict(type="bool", default=False),
    backup=dict(type="bool"),
)


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[("path", "configmap")],
        required_one_of=[("path", "configmap")],
        supports_check_mode=True,
    )
    config_edit.hide_secret_settings(module, module.params["settings"])
    try:
        run = config_edit.run_on_file if module.params["path"] else config_edit.run_on_configmap
        result = run(module, module.params)
    except config_edit.ConfigError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
