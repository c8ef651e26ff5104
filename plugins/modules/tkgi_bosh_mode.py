#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tkgi_bosh_mode
short_description: Put BOSH in NSX Policy API migration mode or in Policy mode with TKGI's script, verified by bosh cpi-config
version_added: 0.3.0
description:
  - Reads C(bosh cpi-config). When every CPI already shows O(state)'s flags (V(migration) -
    C(nsxt.use_policy_api=false), C(nsxt.policy_api_migration_mode=true); V(policy) - C(true) / C(false)) nothing
    is run and the module reports no change.
  - Otherwise it runs TKGI's documented script (vendor-facts 6.3, Ops Manager 2.10.45 and later)
    C(O(script) enable|disable OPSMAN-IP USERNAME PASSWORD) with the BOSH credentials in its environment, which
    changes the staged director config and applies it to the Director only, then reads C(bosh cpi-config) again and
    fails unless every CPI shows O(state)'s flags (whatever the script's exit code said).
  - In check mode only C(bosh cpi-config) is read; the script never runs.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.tkgi_cli
attributes:
  check_mode:
    details: Reads C(bosh cpi-config) and predicts the change; the script never runs.
  diff_mode:
    support: full
options:
  state:
    description:
      - V(migration) - BOSH migration mode, before any promotion (the script's C(enable)).
      - V(policy) - BOSH in Policy mode, the clean-up's step after every cluster is promoted (the script's C(disable)).
    type: str
    required: true
    choices: [migration, policy]
  script:
    description:
      - TKGI's C(bosh_migration_mode.sh), a path or a name on E(PATH). It needs C(om), C(bosh) and C(yq) where it runs.
    type: str
    default: bosh_migration_mode.sh
  opsman_host:
    description:
      - The Ops Manager address the script takes as its first argument.
    type: str
    required: true
  opsman_username:
    description:
      - The Ops Manager user the script takes as its second argument.
    type: str
    required: true
  opsman_password:
    description:
      - The Ops Manager password the script takes as its third argument (as TKGI documents it). Never logged or
        returned, and redacted from the script's output.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: BOSH migration mode on, before the test cluster is promoted
  ncp.mp_to_policy.tkgi_bosh_mode:
    state: migration
    script: /opt/tkgi/bosh_migration_mode.sh
    opsman_host: 10.0.0.10
    opsman_username: admin
    opsman_password: "{{ vault_om_password }}"
    bosh_environment: 10.0.0.5
    bosh_client: ops_manager
    bosh_client_secret: "{{ vault_bosh_client_secret }}"
"""

RETURN = r"""
before:
  description: The CPI flags before (C(use_policy_api), C(policy_api_migration_mode); null where the CPIs differ or lack it).
  returned: always
  type: dict
  sample: {"use_policy_api": false, "policy_api_migration_mode": false}
after:
  description: The CPI flags read after the script (in check mode, the flags O(state) sets).
  returned: always
  type: dict
  sample: {"use_policy_api": false, "policy_api_migration_mode": true}
cpis:
  description: Per CPI name, its flags as last read.
  returned: always
  type: dict
script_output:
  description: The script's output lines, each secret redacted.
  returned: when the script ran
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._tkgi_cli import TKGI_CLI_ARGSPEC, CliError, CliRunner, TkgiCli
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._tkgi_phases import BOSH_MODES, bosh_mode_of, verify_bosh_mode

ARGUMENT_SPEC = dict(
    TKGI_CLI_ARGSPEC,
    state=dict(type="str", required=True, choices=["migration", "policy"]),
    script=dict(type="str", default="bosh_migration_mode.sh"),
    opsman_host=dict(type="str", required=True),
    opsman_username=dict(type="str", required=True),
    opsman_password=dict(type="str", required=True, no_log=True),
)
SCRIPT_ACTION = dict(migration="enable", policy="disable")


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    runner = CliRunner(params, module.run_command, extra_secrets=[params["opsman_password"]])
    cli = TkgiCli(runner, params["tile"])
    state = params["state"]
    try:
        flags = cli.cpi_flags()
        before = bosh_mode_of(flags)
        result = dict(changed=False, before=before, after=before, cpis=flags)
        if verify_bosh_mode(flags, state)[0]:
            module.exit_json(**result)
        result.update(changed=True, after=dict(BOSH_MODES[state]), diff=dict(before=before, after=dict(BOSH_MODES[state])))
        if module.check_mode:
            module.exit_json(**result)
        args = [SCRIPT_ACTION[state], params["opsman_host"], params["opsman_username"], params["opsman_password"]]
        try:
            out = runner.run("bosh", args, executable=[params["script"]])
        except CliError as exc:
            module.fail_json(msg=exc.message, **dict(result, **exc.details))
        result["script_output"] = runner.redact(out).splitlines()
        flags = cli.cpi_flags(fresh=True)
        result.update(after=bosh_mode_of(flags), cpis=flags, diff=dict(before=before, after=bosh_mode_of(flags)))
        verified, reason = verify_bosh_mode(flags, state)
        if not verified:
            module.fail_json(msg="%s %s ended 0 but %s" % (params["script"], SCRIPT_ACTION[state], reason), **result)
    except CliError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
