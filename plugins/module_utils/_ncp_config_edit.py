# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edit one ncp.ini - in a file, an NCP YAML manifest or the live ConfigMap - for ncp_config and ncp_mode_switch.

Each ``run_on_*`` takes the module (check mode, warnings, kubectl through run_command) and the ncp_config-shaped
parameters of one edit, writes nothing in check mode, and returns ncp_config's result or raises ConfigError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
from collections import namedtuple

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._atomic_file import atomic_write, read_bytes
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._kubectl import KUBECTL_ARGSPEC, Kubectl, KubectlError, kubectl_target
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_manifest import (
    DEFAULT_CONFIGMAP,
    HAS_YAML,
    YAML_IMPORT_ERROR,
    ManifestError,
    ManifestIni,
    looks_like_manifest,
)
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import (
    DEFAULT_SECTION,
    IniError,
    NcpIni,
    apply_edits,
    format_value,
    is_secret_key,
    mask_values,
    policy_settings_after_shared_import,
)

# The configmap option of ncp_config, ncp_mode_switch, ncp_originals, nsx_policy_ids (doc fragment ncp_cluster.configmap);
# its kubectl, kubeconfig, context are deprecated for the top-level KUBECTL_ARGSPEC (kubectl_target merges them).
_DEPRECATED = dict(removed_in_version="1.0.0", removed_from_collection="ncp.mp_to_policy")
CONFIGMAP_OPTIONS = dict(
    name=dict(type="str", default=DEFAULT_CONFIGMAP),
    namespace=dict(type="str", default="nsx-system"),
    key=dict(type="str", default="ncp.ini", no_log=False),
    kubeconfig=dict(type="path", **_DEPRECATED),
    context=dict(type="str", **_DEPRECATED),
    kubectl=dict(type="str", **_DEPRECATED),
)


def configmap_argspec(**configmap):
    """The configmap dict option (``configmap``: its extra keys) and the top-level kubectl options it is read with."""
    return dict(KUBECTL_ARGSPEC, configmap=dict(type="dict", options=CONFIGMAP_OPTIONS, **configmap))


# Where ncp.ini sits in a manifest and which section holds NCP's NSX options (ncp_config, ncp_mode_switch and
# nsx_policy_ids; documented by doc fragment ncp_ini_location).
NCP_INI_LOCATION_OPTIONS = dict(
    manifest_configmap=dict(type="str", default=DEFAULT_CONFIGMAP),
    section=dict(type="str", default=DEFAULT_SECTION),
)


class ConfigError(Exception):
    """One clear failure: ``message`` plus structured details for fail_json."""

    def __init__(self, message, **details):
        super(ConfigError, self).__init__(message)
        self.message = message
        self.details = dict((key, value) for key, value in details.items() if value is not None)


# A parsed ini plus how to render the whole source back (a manifest renders the whole file).
Source = namedtuple("Source", "ini render label")


def parse_ini(text, label, **details):
    try:
        return NcpIni(text)
    except IniError as exc:
        raise ConfigError("%s: %s" % (label, exc.message), line=exc.line, key=exc.key, **details)


def hide_secret_settings(module, settings):
    """Mask secret values given in ``settings`` everywhere in the task output (invocation included)."""
    for key, value in (settings or {}).items():
        if not is_secret_key(key):
            continue
        try:
            text = format_value(value)
        except IniError:  # reported by the edit itself
            continue
        if text:
            module.no_log_values.add(text)


def edit(source, params):
    """Edit ``source`` in place; the result also holds the unmapped items and the masked ini text ``before``."""
    settings, absent, unmapped = params["settings"], params["absent"], {}
    before = source.ini.render(mask_secrets=True)
    require = params.get("require_policy_ids")
    try:
        if params["policy_ids"] or require:
            # Shared resources named by MP ID switch to their Policy IDs; explicit settings win.
            mapped, mp_only, unmapped = policy_settings_after_shared_import(source.ini.values(params["section"]), params["policy_ids"] or {})
            if require:
                check_policy_ids_complete(source.label, params["section"], unmapped)
            mapped.update(settings or {})
            settings = mapped
            absent = list(mp_only) + [key for key in absent or [] if key not in mp_only]
        result = apply_edits(source.ini, params["section"], settings, absent)
    except IniError as exc:
        raise ConfigError("%s: %s" % (source.label, exc.message), line=exc.line, key=exc.key)
    result.unmapped, result.before = dict(unmapped), before
    return result


def check_policy_ids_complete(label, section, unmapped):
    """After the shared import every shared resource must be named by Policy ID: NCP never starts with an MP ID."""
    if not unmapped:
        return
    named = "; ".join("[%s] %s names %s" % (section, option, ", ".join(items)) for option, items in unmapped.items())
    raise ConfigError(
        "%s: %s, with no Policy ID after the shared import (not in NSX's migrated-resources, or its Policy object is missing);"
        " nothing was written and NCP stays stopped. Next step: find the Policy ID of each (GET /api/v1/migration/migrated-resources"
        "?resource_type=<type>, or the Policy UI), give it as ncp_policy_mode_policy_ids {MP ID or name: Policy ID}"
        " (or set the option to the Policy ID), and run the playbook again" % (label, named),
        unmapped=dict(unmapped),
    )


def unmapped_warnings(edit_result):
    return [
        "%s keeps %s: not an MP ID in policy_ids (a display name, or a resource that was not imported); check it names the Policy object"
        % (option, ", ".join(items))
        for option, items in sorted(edit_result.unmapped.items())
    ]


def shape_result(module, where, source, edit_result, changed, **extra):
    """ncp_config's result; warns about the edit, naming ``where``."""
    for warning in edit_result.warnings + unmapped_warnings(edit_result):
        module.warn("%s: %s" % (where, warning))
    after = source.ini.render(mask_secrets=True)
    diff = dict(before=edit_result.before, after=after, before_header="%s (before)" % source.label, after_header="%s (after)" % source.label)
    previous, values = mask_values(edit_result.previous), mask_values(edit_result.values)
    return dict(extra, changed=changed, unmapped=edit_result.unmapped, previous=previous, values=values, diff=diff)


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
        ini = parse_ini(text, path, path=path)
        return Source(ini, ini.render, path)
    if not HAS_YAML:
        raise ConfigError(missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)
    try:
        manifest = ManifestIni(text, configmap=configmap)
    except ManifestError as exc:
        raise ConfigError("%s: %s" % (path, exc.message), path=path, line=exc.line)
    return Source(manifest.ini, manifest.render, "%s (ConfigMap %s, data.ncp.ini)" % (path, configmap))


def run_on_file(module, params):
    path = params["path"]
    text = read_text(path)
    file_format = resolve_format(params["format"], text)
    source = open_source(path, text, file_format, params["manifest_configmap"])
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
    return shape_result(module, path, source, edit_result, changed, backup_file=backup_file, format=file_format)


# -- the live ConfigMap ------------------------------------------------------------------------


def make_kubectl(module, spec):
    try:
        target = kubectl_target(module.params, spec)
    except ValueError as exc:
        raise ConfigError(str(exc))
    binary = module.get_bin_path(target["kubectl"]) if not os.path.isabs(target["kubectl"]) else target["kubectl"]
    if not binary or not os.access(binary, os.X_OK):
        raise ConfigError("kubectl binary %r not found or not executable" % target["kubectl"])
    return Kubectl(binary=binary, kubeconfig=target["kubeconfig"], context=target["context"], run_command=module.run_command)


def read_configmap(module, spec):
    """(kubectl, the ConfigMap, its ncp.ini text) of the ConfigMap ``spec`` names; ConfigError when it cannot be read."""
    where = "ConfigMap %s/%s" % (spec["namespace"], spec["name"])
    kubectl = make_kubectl(module, spec)
    try:
        configmap = kubectl.get_configmap(spec["name"], spec["namespace"])
    except KubectlError as exc:
        raise ConfigError("cannot read %s: %s" % (where, exc.message), stderr=exc.stderr, rc=exc.rc)
    text = (configmap.get("data") or {}).get(spec["key"])
    if text is None:
        raise ConfigError("%s has no data key %r" % (where, spec["key"]), key=spec["key"])
    return kubectl, configmap, text


def run_on_configmap(module, params):
    spec = params["configmap"]
    where = "ConfigMap %s/%s" % (spec["namespace"], spec["name"])
    label = "%s data.%s" % (where, spec["key"])
    if params["backup"]:
        module.warn("backup does not apply to a ConfigMap; no backup was made")
    kubectl, configmap, text = read_configmap(module, spec)
    read_version = configmap.get("metadata", {}).get("resourceVersion")
    ini = parse_ini(text, label)
    source = Source(ini, ini.render, label)
    edit_result = edit(source, params)
    new_text = ini.render()
    changed = new_text != text
    resource_version = read_version
    if changed and not module.check_mode:
        resource_version = write_configmap(kubectl, configmap, spec, new_text, where, read_version)
    return shape_result(module, label, source, edit_result, changed, backup_file=None, format="configmap", resource_version=resource_version)


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
