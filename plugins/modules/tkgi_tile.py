#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tkgi_tile
short_description: The TKGI tile's four NSX IDs as their Policy IDs and Policy API mode on, printed or applied with om
version_added: 0.3.0
description:
  - Reads the tile's staged config (C(om staged-config)) and resolves the values of its four NSX ID properties (the
    shared T0 router, floating IP pool(s), pods and nodes IP blocks) to the Policy IDs NSX maps them to, each checked
    to exist in the Policy API, with the collection's one MP to Policy resolution (vendor-facts 6.2, step 6, after the
    test cluster's promotion migrated those objects).
  - When an object does not resolve the module fails naming it and writes nothing.
  - With O(apply=false) (the default) it only returns the IDs (RV(policy_ids), RV(after)) for the operator to enter under
    the tile's Networking tab, with Policy API mode on, and Apply Changes.
  - With O(apply=true), when the staged config or its deployment differs, it runs C(om configure-product) with the four
    Policy IDs and the Policy API switch true, then C(om apply-changes --product-name) for the tile only, then reads the
    staged config and C(om pending-changes) again and fails unless the tile holds the Policy IDs and is applied.
  - In check mode nothing is written; the change is computed from what was read.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.tkgi_cli
  - ncp.mp_to_policy.nsx
attributes:
  check_mode:
    details: Reads the tile and NSX and predicts the change; no om command that writes runs.
  diff_mode:
    support: full
options:
  apply:
    description:
      - Write the four Policy IDs and the Policy API switch to the tile and apply it (C(om configure-product),
        C(om apply-changes --product-name)). V(false) only prints them.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Print the tile's Policy IDs after the test cluster's promotion
  ncp.mp_to_policy.tkgi_tile:
    om_target: opsman.example.com
    om_username: admin
    om_password: "{{ vault_om_password }}"
  register: tile

- name: Or switch the tile to them and apply it
  ncp.mp_to_policy.tkgi_tile:
    apply: true
    om_target: opsman.example.com
    om_username: admin
    om_password: "{{ vault_om_password }}"
"""

RETURN = r"""
policy_ids:
  description: The Policy ID of each of the tile's four objects (C(t0_router), C(floating_pool), C(pods_ip_block), C(nodes_ip_block)).
  returned: always
  type: dict
  sample: {"t0_router": "t0_shared", "floating_pool": "floating-ip-pool", "pods_ip_block": "pods", "nodes_ip_block": "nodes"}
before:
  description: The tile's four ID properties and its Policy API switch as staged when the module started.
  returned: always
  type: dict
after:
  description: The same properties as the tile must hold them (the Policy IDs, the switch true).
  returned: always
  type: dict
unresolved:
  description: The objects that do not resolve to an existing Policy object, each as C(key - item (reason)).
  returned: always
  type: list
  elements: str
applied:
  description: Whether this run wrote the tile and applied it with om.
  returned: always
  type: bool
verified:
  description: Whether the tile holds the Policy IDs and the switch true and is applied (read after any change).
  returned: always
  type: bool
pending_action:
  description: The tile's action in C(om pending-changes) as last read (C(unchanged) once applied).
  returned: when O(apply=true)
  type: str
"""

import json
import os

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import Resolver
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._tkgi_cli import TKGI_CLI_ARGSPEC, CliError, CliRunner, TkgiCli
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._tkgi_phases import (
    read_tile,
    tile_change,
    tile_mismatches,
    tile_policy_ids,
    unresolved,
    verify_tile,
)
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

ARGUMENT_SPEC = dict(TKGI_CLI_ARGSPEC, apply=dict(type="bool", default=False))


def write_tile(module, cli, after):
    """om configure-product with the four Policy IDs and the switch (a 0600 file in the module's temporary directory)."""
    path = os.path.join(module.tmpdir, "tkgi-tile-policy-ids.yml")
    config = {"product-name": cli.tile["product_name"], "product-properties": dict((name, {"value": value}) for name, value in after.items())}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(config, handle, indent=2)  # JSON is YAML: om reads it as its config file
    cli.runner.run("om", ["configure-product", "--config", path])


def instructions(after, product):
    values = "; ".join("%s = %s" % item for item in after.items())
    return "enter these values in the %s tile (Networking), switch on Policy API mode, then Apply Changes: %s" % (product, values)


def main():
    module = NsxModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    cli = TkgiCli(CliRunner(params, module.run_command), params["tile"])
    product = params["tile"]["product_name"]
    try:
        resolver = Resolver(module.client)
        staged, resolved, switch = read_tile(cli, resolver)
        before, after = tile_change(params["tile"], staged, resolved)
        result = dict(changed=False, applied=False, policy_ids=tile_policy_ids(resolved), before=before, after=after, unresolved=unresolved(resolved))
        if result["unresolved"]:
            msg = "cannot switch the %s tile to Policy IDs, nothing written: %s. Was the test cluster promoted?" % (product, "; ".join(result["unresolved"]))
            module.fail_json(msg=msg, verified=False, **result)
        staged_ok = not tile_mismatches(resolved, switch)
        if not params["apply"]:
            verified = staged_ok and cli.pending_action() == "unchanged"
            module.exit_json(msg="the tile holds the Policy IDs" if verified else instructions(after, product), verified=verified, **result)
        pending = cli.pending_action()
        result.update(pending_action=pending, diff=dict(before=before, after=after))
        if staged_ok and pending == "unchanged":
            module.exit_json(msg="the tile holds the Policy IDs and is applied", verified=True, **result)
        result["changed"] = True
        if module.check_mode:
            module.exit_json(msg="would write and apply: " + instructions(after, product), verified=False, **result)
        if not staged_ok:
            write_tile(module, cli, after)
        cli.runner.run("om", ["apply-changes", "--product-name", product])
        result["applied"] = True
        staged, resolved, switch = read_tile(cli, resolver, fresh=True)
        result["pending_action"] = cli.pending_action(fresh=True)
        verified, reason = verify_tile(resolved, switch, result["pending_action"], product)
        if not verified:
            module.fail_json(msg="the tile was written and applied, but: %s" % reason, verified=False, **result)
    except CliError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    except NsxApiError as exc:
        module.fail_nsx(exc)
    module.exit_json(msg="the tile holds the Policy IDs and is applied", verified=True, **result)


if __name__ == "__main__":
    main()
