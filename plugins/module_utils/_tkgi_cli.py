# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TKGI CLIs (om, bosh, tkgi) from the controller: their shared options, one runner, and the parsers of their output.

Credentials go only in the CLIs' environment variables, never argv; messages name the command, secrets redacted.
Output shapes: docs/nsx-api.md; where one is UNCONFIRMED the documented variants are accepted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil

from ansible.module_utils.common.yaml import HAS_YAML, yaml_load

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._importer_run import mask_secrets

TILE_PRODUCT = "pivotal-container-service"
# Default tile property names: public PKS pipelines (UNCONFIRMED for TKGI 1.15+), configurable.
TILE_ID_PROPERTIES = dict(
    t0_router=".properties.network_selector.nsx.t0-router-id",
    floating_pool=".properties.network_selector.nsx.floating-ip-pool-ids",
    pods_ip_block=".properties.network_selector.nsx.ip-block-id",
    nodes_ip_block=".properties.network_selector.nsx.nodes-ip-block-id",
)
TILE_POLICY_PROPERTY = ".properties.network_selector.nsx.nsx-t-policy-api"

TILE_OPTIONS = dict(
    product_name=dict(type="str", default=TILE_PRODUCT),
    id_properties=dict(
        type="dict",
        apply_defaults=True,
        options=dict((key, dict(type="str", default=name)) for key, name in TILE_ID_PROPERTIES.items()),
    ),
    policy_api_property=dict(type="str", default=TILE_POLICY_PROPERTY),
)

# THE option group of every TKGI module (doc fragment ncp.mp_to_policy.tkgi_cli).
TKGI_CLI_ARGSPEC = dict(
    om_command=dict(type="list", elements="str", default=["om"]),
    om_target=dict(type="str"),
    om_username=dict(type="str"),
    om_password=dict(type="str", no_log=True),
    bosh_command=dict(type="list", elements="str", default=["bosh"]),
    bosh_environment=dict(type="str"),
    bosh_client=dict(type="str"),
    bosh_client_secret=dict(type="str", no_log=True),
    bosh_ca_cert=dict(type="str"),
    tkgi_command=dict(type="list", elements="str", default=["tkgi"]),
    tile=dict(type="dict", apply_defaults=True, options=TILE_OPTIONS),
)

# option -> environment variable, per CLI (tkgi takes none: it is logged in already)
ENV_OPTIONS = dict(
    om=(("om_target", "OM_TARGET"), ("om_username", "OM_USERNAME"), ("om_password", "OM_PASSWORD")),
    bosh=(
        ("bosh_environment", "BOSH_ENVIRONMENT"),
        ("bosh_client", "BOSH_CLIENT"),
        ("bosh_client_secret", "BOSH_CLIENT_SECRET"),
        ("bosh_ca_cert", "BOSH_CA_CERT"),
    ),
)
SECRET_OPTIONS = ("om_password", "bosh_client_secret")
CPI_FLAGS = ("use_policy_api", "policy_api_migration_mode")
MAX_STDERR = 2000


class CliError(Exception):
    """A CLI that could not run, ended non-zero or printed what we cannot read; ``details`` go to fail_json."""

    def __init__(self, message, **details):
        super(CliError, self).__init__(message)
        self.message = message
        self.details = details


class CliRunner(object):
    """Runs om / bosh / tkgi (or the BOSH migration mode ``executable``) with ``run_command`` (AnsibleModule's);
    ``extra_secrets`` are redacted too (e.g. the script's Ops Manager password)."""

    def __init__(self, params, run_command, extra_secrets=()):
        self.params = params
        self._run_command = run_command
        self.secrets = [params.get(option) for option in SECRET_OPTIONS if params.get(option)] + [s for s in extra_secrets if s]

    def run(self, tool, args, executable=None):
        """stdout of ``<tool's command> args``; raises CliError naming the command (rc, redacted stderr)."""
        argv = list(executable or self.params["%s_command" % tool])
        name = " ".join([os.path.basename(argv[0]) if executable else tool] + [a for a in args if not a.startswith("-")][:2])
        if not argv or not shutil.which(argv[0]):
            option = "script" if executable else "%s_command" % tool
            raise CliError("%s: %s was not found or is not executable (%s)" % (name, argv[0] if argv else "", option), command=name, rc=None)
        environment = dict((variable, self.params[option]) for option, variable in ENV_OPTIONS.get(tool, ()) if self.params.get(option))
        rc, out, err = self._run_command(argv + list(args), environ_update=environment)
        if rc != 0:
            stderr = self.redact(err or out).strip()[-MAX_STDERR:]
            raise CliError("%s failed (rc %s): %s" % (name, rc, stderr or "(no output)"), command=name, rc=rc, stderr=stderr)
        return out

    def redact(self, text):
        """The collection's one masking rule (importer_run.mask_secrets): each secret, and any ``password: value``."""
        return mask_secrets(text or "", self.secrets)


def _load_yaml(text, command):
    if not HAS_YAML:
        raise CliError("reading %s needs PyYAML on the controller" % command, command=command)
    try:
        return yaml_load(text)
    except Exception as exc:  # yaml.YAMLError: any parse error is one clear failure
        raise CliError("%s printed YAML that cannot be read: %s" % (command, str(exc).splitlines()[0]), command=command)


def _load_json(text, command):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError("%s printed no JSON (%s): %s" % (command, exc, (text or "")[:200]), command=command)


def as_bool(value):
    """True / False from a YAML bool or its text; None for anything else (absent, or not a boolean)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def parse_cpi_config(stdout):
    """``bosh cpi-config --json`` -> {cpi name: {use_policy_api, policy_api_migration_mode}} (None: absent).

    The config YAML is in the Blocks (UNCONFIRMED: a Tables row with a Content column is read too)."""
    command = "bosh cpi-config"
    data = _load_json(stdout, command)
    blocks = data.get("Blocks") if isinstance(data, dict) else None
    if not blocks and isinstance(data, dict):
        rows = [row for table in data.get("Tables") or [] for row in table.get("Rows") or []]
        blocks = [row.get("content") or row.get("Content") for row in rows if isinstance(row, dict)]
    if not blocks or not all(isinstance(block, str) for block in blocks):
        raise CliError("%s --json printed no CPI config (no Blocks)" % command, command=command)
    config = _load_yaml("".join(blocks), command)
    cpis = config.get("cpis") if isinstance(config, dict) else None
    if not isinstance(cpis, list) or not cpis:
        raise CliError("%s has no cpis list" % command, command=command)
    flags = {}
    for index, cpi in enumerate(cpis):
        if not isinstance(cpi, dict):
            raise CliError("%s: cpis[%d] is not a mapping" % (command, index), command=command)
        nsxt = (cpi.get("properties") or {}).get("nsxt") or {}
        flags[str(cpi.get("name") or index)] = dict((flag, as_bool(nsxt.get(flag))) for flag in CPI_FLAGS)
    return flags


def parse_staged_properties(stdout, product_name):
    """``om staged-config --product-name P`` -> {property: value}; ``{value: V}`` is unwrapped, a bare V kept."""
    command = "om staged-config"
    config = _load_yaml(stdout, command)
    if not isinstance(config, dict) or not isinstance(config.get("product-properties"), dict):
        raise CliError("%s --product-name %s printed no product-properties" % (command, product_name), command=command)
    if config.get("product-name") not in (None, product_name):
        raise CliError("%s printed product %s, not %s" % (command, config.get("product-name"), product_name), command=command)
    values = {}
    for name, prop in config["product-properties"].items():
        values[name] = prop.get("value") if isinstance(prop, dict) else prop
    return values


def parse_pending_action(stdout, product_name):
    """``om pending-changes --format json`` (a list, or the API's {"product_changes": [...]}) -> the action of the
    entry whose guid is ``P-<hex>`` or whose identifier is P ("unchanged", "update", ...), None when not listed."""
    command = "om pending-changes"
    data = _load_json(stdout, command)
    if isinstance(data, dict):
        data = data.get("product_changes")
    if not isinstance(data, list):
        raise CliError("%s printed no list of product changes" % command, command=command)
    for entry in data:
        if not isinstance(entry, dict):
            continue
        identifiers = [(entry.get(side) or {}).get("identifier") for side in ("staged", "deployed")] + [entry.get("identifier")]
        if str(entry.get("guid") or "").startswith(product_name + "-") or product_name in identifiers:
            return entry.get("action")
    return None


def _cluster(entry, command):
    if not isinstance(entry, dict) or not entry.get("name"):
        raise CliError("%s printed a cluster without a name" % command, command=command)
    return entry


def parse_cluster(stdout):
    """``tkgi cluster NAME --json`` -> the cluster object (name, last_action, last_action_state, ...)."""
    return _cluster(_load_json(stdout, "tkgi cluster"), "tkgi cluster")


def parse_clusters(stdout):
    """``tkgi clusters --json`` -> [cluster objects] (a list; {"clusters": [...]} accepted)."""
    data = _load_json(stdout, "tkgi clusters")
    if isinstance(data, dict) and isinstance(data.get("clusters"), list):
        data = data["clusters"]
    if not isinstance(data, list):
        raise CliError("tkgi clusters --json printed no list of clusters", command="tkgi clusters")
    return [_cluster(entry, "tkgi clusters") for entry in data]


class TkgiCli(object):
    """The reads every TKGI module makes, each once per run unless ``fresh``."""

    def __init__(self, runner, tile):
        self.runner = runner
        self.tile = tile
        self._cache = {}

    def _once(self, key, read, fresh=False):
        if fresh or key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def cpi_flags(self, fresh=False):
        return self._once("cpi", lambda: parse_cpi_config(self.runner.run("bosh", ["cpi-config", "--json"])), fresh)

    def staged_properties(self, fresh=False):
        product = self.tile["product_name"]
        return self._once("staged", lambda: parse_staged_properties(self.runner.run("om", ["staged-config", "--product-name", product]), product), fresh)

    def pending_action(self, fresh=False):
        product = self.tile["product_name"]
        return self._once("pending", lambda: parse_pending_action(self.runner.run("om", ["pending-changes", "--format", "json"]), product), fresh)

    def cluster(self, name):
        return self._once("cluster:" + name, lambda: parse_cluster(self.runner.run("tkgi", ["cluster", name, "--json"])))

    def clusters(self):
        return self._once("clusters", lambda: parse_clusters(self.runner.run("tkgi", ["clusters", "--json"])))
