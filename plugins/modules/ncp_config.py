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
      - Mutually exclusive with O(configmap); one of them is required.
    type: path
  configmap:
    description:
      - The live ConfigMap, read and written through C(kubectl).
      - Mutually exclusive with O(path); one of them is required.
    type: dict
    suboptions:
      name:
        description: Name of the ConfigMap.
        type: str
        default: nsx-ncp-config
      namespace:
        description: Namespace of the ConfigMap.
        type: str
        default: nsx-system
      key:
        description: The ConfigMap data key that holds the ini text.
        type: str
        default: ncp.ini
      kubeconfig:
        description: Kubeconfig file for C(kubectl); kubectl's own default when not set.
        type: path
      context:
        description: Kubeconfig context; the current context when not set.
        type: str
      kubectl:
        description: The C(kubectl) binary, a name looked up on E(PATH) or a path.
        type: str
        default: kubectl
  format:
    description:
      - What O(path) is. V(auto) reads a file whose first line that is neither blank nor a comment
        starts with C([) as ini, anything else as a manifest.
      - Ignored with O(configmap).
    type: str
    choices: [auto, ini, manifest]
    default: auto
  manifest_configmap:
    description:
      - In a manifest, the name of the ConfigMap whose C(ncp.ini) data key is edited.
      - Exactly one document must define a ConfigMap of this name.
    type: str
    default: nsx-ncp-config
  section:
    description: The ini section to read and edit.
    type: str
    default: nsx_v3
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
      - Every MP ID listed in the section's shared-resource options (C(top_tier_router),
        C(tier0_gateway), C(container_ip_blocks), C(external_ip_pools), C(external_ip_pools_lb),
        C(overlay_tz)) is replaced by its Policy ID, and the MP-only options
        C(top_firewall_section_marker) and C(bottom_firewall_section_marker) are removed
        (vendor procedure step 6.3). O(settings) win over these edits.
      - Items that are not MP IDs in the map are kept and reported in RV(unmapped), with a warning.
    type: dict
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
    configmap:
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

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.atomic_file import atomic_write, read_bytes
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.kubectl import Kubectl, KubectlError
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import (
    IniError,
    NcpIni,
    apply_edits,
    format_value,
    is_secret_key,
    mask_values,
    policy_settings_after_shared_import,
)
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_manifest import (
    HAS_YAML,
    YAML_IMPORT_ERROR,
    ManifestError,
    ManifestIni,
    looks_like_manifest,
)

ARGUMENT_SPEC = dict(
    path=dict(type="path"),
    configmap=dict(
        type="dict",
        options=dict(
            name=dict(type="str", default="nsx-ncp-config"),
            namespace=dict(type="str", default="nsx-system"),
            key=dict(type="str", default="ncp.ini", no_log=False),
            kubeconfig=dict(type="path"),
            context=dict(type="str"),
            kubectl=dict(type="str", default="kubectl"),
        ),
    ),
    format=dict(type="str", choices=["auto", "ini", "manifest"], default="auto"),
    manifest_configmap=dict(type="str", default="nsx-ncp-config"),
    section=dict(type="str", default="nsx_v3"),
    settings=dict(type="dict"),
    absent=dict(type="list", elements="str"),
    policy_ids=dict(type="dict"),
    backup=dict(type="bool"),
)


class ConfigError(Exception):
    """One clear failure: ``message`` plus structured details for fail_json."""

    def __init__(self, message, **details):
        super(ConfigError, self).__init__(message)
        self.message = message
        self.details = dict((key, value) for key, value in details.items() if value is not None)


class Source(object):
    """A parsed ini plus how to render the whole source back (a manifest renders the whole file)."""

    def __init__(self, ini, render, label):
        self.ini = ini
        self.render = render
        self.label = label


def hide_secret_settings(module):
    """Mask secret values given in ``settings`` everywhere in the task output (invocation included)."""
    for key, value in (module.params["settings"] or {}).items():
        if not is_secret_key(key):
            continue
        try:
            text = format_value(value)
        except IniError:  # reported by the edit itself
            continue
        if text:
            module.no_log_values.add(text)


def edit(source, params):
    settings, absent, unmapped = params["settings"], params["absent"], {}
    try:
        if params["policy_ids"]:
            # Shared resources named by MP ID switch to their Policy IDs; explicit settings win.
            mapped, mp_only, unmapped = policy_settings_after_shared_import(source.ini.values(params["section"]), params["policy_ids"])
            mapped.update(settings or {})
            settings = mapped
            absent = list(mp_only) + [key for key in absent or [] if key not in mp_only]
        result = apply_edits(source.ini, params["section"], settings, absent)
    except IniError as exc:
        raise ConfigError("%s: %s" % (source.label, exc.message), line=exc.line, key=exc.key)
    result.unmapped = dict(unmapped)
    return result


def unmapped_warnings(edit_result):
    return [
        "%s keeps %s: not an MP ID in policy_ids (a display name, or a resource that was not imported); check it names the Policy object"
        % (option, ", ".join(items))
        for option, items in sorted(edit_result.unmapped.items())
    ]


def shape_result(before, after, edit_result, changed, label, **extra):
    result = dict(
        changed=changed,
        unmapped=edit_result.unmapped,
        previous=mask_values(edit_result.previous),
        values=mask_values(edit_result.values),
        diff=dict(
            before=before.render(mask_secrets=True),
            after=after.render(mask_secrets=True),
            before_header="%s (before)" % label,
            after_header="%s (after)" % label,
        ),
    )
    result.update(extra)
    return result


# -- files and manifests -----------------------------------------------------------------------


def read_text(path):
    if not os.path.exists(path):
        raise ConfigError("%s does not exist" % path, path=path)
    if os.path.isdir(path):
        raise ConfigError("%s is a directory, not an ncp.ini file or NCP YAML manifest" % path, path=path)
    try:
        data = read_bytes(path)
    except (IOError, OSError) as exc:
        raise ConfigError("cannot read %s: %s" % (path, to_native(exc)), path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError("%s line %d: not UTF-8 text (byte offset %d)" % (path, line, exc.start), path=path, line=line)


def resolve_format(requested, text):
    if requested != "auto":
        return requested
    return "manifest" if looks_like_manifest(text) else "ini"


def open_source(path, text, file_format, configmap):
    if file_format == "ini":
        try:
            ini = NcpIni(text)
        except IniError as exc:
            raise ConfigError("%s: %s" % (path, exc.message), path=path, line=exc.line, key=exc.key)
        return Source(ini, ini.render, path)
    if not HAS_YAML:
        raise ConfigError(missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)
    try:
        manifest = ManifestIni(text, configmap=configmap)
    except ManifestError as exc:
        raise ConfigError("%s: %s" % (path, exc.message), path=path, line=exc.line)
    return Source(manifest.ini, manifest.render, "%s (ConfigMap %s, data.ncp.ini)" % (path, configmap))


def run_on_file(module):
    params = module.params
    path = params["path"]
    text = read_text(path)
    file_format = resolve_format(params["format"], text)
    source = open_source(path, text, file_format, params["manifest_configmap"])
    original = open_source(path, text, file_format, params["manifest_configmap"]).ini
    edit_result = edit(source, params)
    try:
        new_text = source.render()
    except ManifestError as exc:
        raise ConfigError("%s: %s" % (path, exc.message), path=path)
    changed = new_text != text
    backup_file = None
    if changed and not module.check_mode:
        try:
            backup_file = atomic_write(path, new_text.encode("utf-8"), backup=params["backup"] is not False)
        except (IOError, OSError) as exc:
            raise ConfigError("cannot write %s: %s" % (path, to_native(exc)), path=path)
    for warning in edit_result.warnings + unmapped_warnings(edit_result):
        module.warn("%s: %s" % (path, warning))
    return shape_result(original, source.ini, edit_result, changed, source.label, backup_file=backup_file, format=file_format)


# -- the live ConfigMap ------------------------------------------------------------------------


def make_kubectl(module, spec):
    binary = module.get_bin_path(spec["kubectl"]) if not os.path.isabs(spec["kubectl"]) else spec["kubectl"]
    if not binary or not os.access(binary, os.X_OK):
        raise ConfigError("kubectl binary %r not found or not executable" % spec["kubectl"])
    return Kubectl(binary=binary, kubeconfig=spec["kubeconfig"], context=spec["context"], run_command=module.run_command)


def run_on_configmap(module):
    params = module.params
    spec = params["configmap"]
    where = "ConfigMap %s/%s" % (spec["namespace"], spec["name"])
    label = "%s data.%s" % (where, spec["key"])
    if params["backup"]:
        module.warn("backup does not apply to a ConfigMap; no backup was made")
    kubectl = make_kubectl(module, spec)
    try:
        configmap = kubectl.get_configmap(spec["name"], spec["namespace"])
    except KubectlError as exc:
        raise ConfigError("cannot read %s: %s" % (where, exc.message), stderr=exc.stderr, rc=exc.rc)
    text = (configmap.get("data") or {}).get(spec["key"])
    if text is None:
        raise ConfigError("%s has no data key %r" % (where, spec["key"]), key=spec["key"])
    read_version = configmap.get("metadata", {}).get("resourceVersion")
    try:
        ini, original = NcpIni(text), NcpIni(text)
    except IniError as exc:
        raise ConfigError("%s: %s" % (label, exc.message), line=exc.line, key=exc.key)
    edit_result = edit(Source(ini, ini.render, label), params)
    new_text = ini.render()
    changed = new_text != text
    resource_version = read_version
    if changed and not module.check_mode:
        resource_version = write_configmap(kubectl, configmap, spec, new_text, where, read_version)
    for warning in edit_result.warnings + unmapped_warnings(edit_result):
        module.warn("%s: %s" % (label, warning))
    return shape_result(original, ini, edit_result, changed, label, backup_file=None, format="configmap", resource_version=resource_version)


def write_configmap(kubectl, configmap, spec, new_text, where, read_version):
    try:
        stored = kubectl.replace_configmap_data(configmap, spec["key"], new_text)
    except KubectlError as exc:
        if exc.conflict:
            raise ConfigError(
                "%s was changed by someone else after it was read (resourceVersion %s); nothing was written. "
                "Run the task again to apply the change to the current version." % (where, read_version),
                stderr=exc.stderr,
                rc=exc.rc,
                conflict=True,
            )
        raise ConfigError("cannot write %s: %s" % (where, exc.message), stderr=exc.stderr, rc=exc.rc)
    return stored.get("metadata", {}).get("resourceVersion")


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[("path", "configmap")],
        required_one_of=[("path", "configmap")],
        supports_check_mode=True,
    )
    hide_secret_settings(module)
    try:
        result = run_on_file(module) if module.params["path"] else run_on_configmap(module)
    except ConfigError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
