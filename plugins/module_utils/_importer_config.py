# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The importer's inputs: ``config.yaml`` and ``user-spec.yaml`` beside the script, credentials, argv.

Its config keys are UNCONFIRMED, so keys already in the file are never dropped; the password goes only to a 0600 file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import errno
import os
import string
import sys

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._atomic_file import atomic_write

# One place tells whether PyYAML is there (_ncp_manifest); nsx_mp_import reports a missing one through missing_required_lib.
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_manifest import HAS_YAML

if HAS_YAML:
    import yaml

CONFIG_FILE = "config.yaml"
USER_SPEC_FILE = "user-spec.yaml"
CREDENTIALS_FILE = "nsx-credentials.yaml"
ROLLBACK_KEY = "rollback_imported_resources"

# Documented defaults; the importer's real flags are UNCONFIRMED, the module's argv option overrides them.
DEFAULT_ARGV = {
    "importer": ["{python}", "{importer_path}", "--{scope}-only"],
    "tkgi": ["tkgi", "promote-cluster-to-policy", "{cluster}", "--wait", "--json", "--non-interactive"],
}


class ImporterConfigError(Exception):
    """An importer input that cannot be read, built or written; nothing was written."""


def read_yaml_mapping(path, what):
    """The mapping in the YAML file at ``path`` ({} when the file is missing or empty)."""
    try:
        with open(path, "r") as handle:
            data = yaml.safe_load(handle)
    except IOError as exc:
        if exc.errno == errno.ENOENT:
            return {}
        raise ImporterConfigError("cannot read %s %s: %s" % (what, path, exc.strerror or exc))
    except yaml.YAMLError as exc:
        raise ImporterConfigError("%s %s is not valid YAML, nothing was written: %s" % (what, path, exc))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ImporterConfigError("%s %s must hold a YAML mapping, not a %s; nothing was written" % (what, path, type(data).__name__))
    return data


def dump_yaml(data):
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False).encode("utf-8")


def merge_config(existing, updates):
    """``existing`` with ``updates`` merged in (nested mappings merge); no key is dropped, neither argument modified."""
    merged = copy.deepcopy(existing)
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def write_yaml_if_changed(path, data, check_mode=False):
    """Write ``data`` atomically unless the file already holds exactly it; return changed."""
    new = dump_yaml(data)
    try:
        with open(path, "rb") as handle:
            if handle.read() == new:
                return False
    except IOError as exc:
        if exc.errno != errno.ENOENT:
            raise ImporterConfigError("cannot read %s: %s" % (path, exc.strerror or exc))
    if not check_mode:
        try:
            atomic_write(path, new)
        except (IOError, OSError) as exc:
            raise ImporterConfigError("cannot write %s: %s" % (path, exc))
    return True


def connection_config(params, cluster, credentials_file=None, rollback=False):
    """The keys the module writes into ``config.yaml`` (the lab importer's names; the real ones are UNCONFIRMED).

    Keys without a value are left out; the rollback key is always written, so a rollback is never repeated.
    """
    config = {
        "nsx_manager": params.get("nsx_manager"),
        "credentials_file": credentials_file,
        "nsx_client_cert": params.get("nsx_client_cert"),
        "nsx_client_key": params.get("nsx_client_key"),
        "ca_file": params.get("ca_path"),
        "insecure": not params.get("validate_certs", True),
        "cluster": cluster,
    }
    config = dict((key, value) for key, value in config.items() if value is not None)
    config[ROLLBACK_KEY] = bool(rollback)
    return config


def build_config(config_path, params, cluster, user_config=None, credentials_file=None, rollback=False):
    """(before, after) of ``config.yaml``: the file, our keys, then the caller's ``config``; ``rollback`` wins."""
    before = read_yaml_mapping(config_path, "the importer configuration")
    after = merge_config(before, connection_config(params, cluster, credentials_file, rollback))
    after = merge_config(after, user_config or {})
    after[ROLLBACK_KEY] = bool(rollback)
    return before, after


def user_spec_data(user_spec):
    """The user spec as a mapping, from a dict or from the path of a YAML file."""
    if user_spec is None:
        return None
    if isinstance(user_spec, dict):
        return user_spec
    if isinstance(user_spec, str):
        if not os.path.isfile(user_spec):
            raise ImporterConfigError("user_spec %s is not a file (give a mapping or the path of a YAML file)" % user_spec)
        return read_yaml_mapping(user_spec, "user_spec")
    raise ImporterConfigError("user_spec must be a mapping or the path of a YAML file, not a %s" % type(user_spec).__name__)


def write_credentials_file(path, username, password):
    """Write the NSX credentials to a new 0600 file (created with that mode: never readable by others)."""
    remove_file(path)
    data = dump_yaml({"nsx_username": username, "nsx_password": password})
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ImporterConfigError("cannot create the credentials file %s: %s" % (path, exc.strerror or exc))
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def remove_file(path):
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise


def expand_argv(template, values):
    """Fill ``{placeholder}`` fields of each argument (``{{``/``}}`` are literal braces); an unknown one is an error."""
    argv = []
    for arg in template:
        arg = str(arg)
        for parsed in string.Formatter().parse(arg):
            field = parsed[1]
            if field is not None and field not in values:
                raise ImporterConfigError("argv item %r uses the unknown placeholder {%s} (known: %s)" % (arg, field, ", ".join(sorted(values))))
        argv.append(arg.format(**values))
    return argv


def argv_values(importer_path, scope, cluster, config_file=None, user_spec_file=None, python=None):
    """The placeholders' values; ``python`` is the importer's interpreter (default: the one running the module)."""
    importer_path = importer_path or ""
    return {
        "python": python or sys.executable,
        "importer_path": importer_path,
        "importer_dir": os.path.dirname(importer_path),
        "scope": scope or "",
        "cluster": cluster or "",
        "config_file": config_file or "",
        "user_spec_file": user_spec_file or "",
    }


def importer_env(base_env, cluster, scope, config_file=None, credentials_file=None):
    """The command's environment: ours plus where to find things, never a secret (the password is in the 0600 file only)."""
    env = dict(base_env)
    env.pop("NSX_PASSWORD", None)
    env.update({"NCP_CLUSTER": cluster or "", "NCP_IMPORT_SCOPE": scope or ""})
    if config_file:
        env["NCP_IMPORTER_CONFIG"] = config_file
    if credentials_file:
        env["NSX_CREDENTIALS_FILE"] = credentials_file
    return env
