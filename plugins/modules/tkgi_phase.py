#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tkgi_phase
short_description: Refuse a TKGI migration phase while a phase before it is not verified
version_added: 0.3.0
description:
  - Read-only. TKGI's order (vendor-facts 6.2) as five phases, in this order - V(migration_mode) (BOSH migration mode),
    V(test_cluster) (a test cluster promoted, which migrates the shared T0, floating IP pool, pods and nodes IP blocks),
    V(tile) (the tile's four IDs switched to their Policy IDs and Policy API mode on, applied), V(clusters) (every
    cluster promoted, one at a time), V(policy_mode) (BOSH in Policy mode).
  - Verifies O(phase)'s predecessors and O(phase) itself from what the CLIs and NSX say now (never from a file the
    collection wrote) and fails, naming the first unverified predecessor, why, and the step that fixes it, when
    O(phase) may not start.
  - V(migration_mode) and V(policy_mode) are read from C(bosh cpi-config) (every CPI's C(nsxt.use_policy_api) and
    C(nsxt.policy_api_migration_mode)); V(test_cluster) from C(tkgi cluster) (last action C(PROMOTE_TO_POLICY)
    succeeded) and NSX (each of the tile's four objects resolves to an existing Policy object); V(tile) from
    C(om staged-config) (the Policy API switch true, each ID field holding the Policy ID NSX maps its object to) and
    C(om pending-changes) (action C(unchanged)); V(clusters) from C(tkgi clusters).
  - For O(phase=clusters) another cluster whose promotion failed refuses too (TKGI - after exit 1 re-run only that
    cluster; after exit 2 never re-run it, confirm NCP restarts in MP mode on all its masters) unless it is in
    O(acknowledged_failures), and so does another cluster whose promotion is still running (never two at once). The
    cluster about to be promoted (O(cluster)) may have failed before; whether it is re-run is the journal's decision
    (M(ncp.mp_to_policy.nsx_mp_import)).
  - For O(phase=policy_mode), BOSH already in Policy mode counts as its migration mode done.
  - NSX is read only when a phase needs the tile's objects.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.common.read_only
  - ncp.mp_to_policy.tkgi_cli
  - ncp.mp_to_policy.nsx
options:
  phase:
    description:
      - The phase about to start.
    type: str
    required: true
    choices: [migration_mode, test_cluster, tile, clusters, policy_mode]
  test_cluster:
    description:
      - The TKGI cluster promoted first as the test cluster. Required unless O(phase=migration_mode).
    type: str
  cluster:
    description:
      - The cluster about to be promoted (phases V(test_cluster) and V(clusters)); its own earlier failed promotion
        does not refuse.
    type: str
  acknowledged_failures:
    description:
      - Clusters whose failed promotion the operator has dealt with (importer exit 2 confirmed, NCP running in MP mode
        on all masters); they do not refuse O(phase=clusters).
    type: list
    elements: str
    default: []
notes:
  - The tile's four objects are resolved by the collection's one MP to Policy resolution
    (C(plugins/module_utils/_ncp_resource_options.py)).
"""

EXAMPLES = r"""
- name: May the clusters be promoted now?
  ncp.mp_to_policy.tkgi_phase:
    phase: clusters
    test_cluster: tkgi-test
    cluster: k8s-01
    om_target: opsman.example.com
    om_username: admin
    om_password: "{{ vault_om_password }}"
    bosh_environment: 10.0.0.5
    bosh_client: ops_manager
    bosh_client_secret: "{{ vault_bosh_client_secret }}"
"""

RETURN = r"""
phases:
  description: Each phase read (O(phase)'s predecessors and O(phase)), with C(verified) and C(reason).
  returned: always
  type: dict
  sample: {"migration_mode": {"verified": true, "reason": "bosh cpi-config: every CPI in migration mode"}}
promotions:
  description: Each cluster read, with its C(last_action) and C(last_action_state) as C(tkgi) reports them.
  returned: always
  type: dict
  sample: {"tkgi-test": {"last_action": "PROMOTE_TO_POLICY", "last_action_state": "succeeded"}}
tile_policy_ids:
  description:
    - The Policy ID each of the tile's four objects (C(t0_router), C(floating_pool), C(pods_ip_block),
      C(nodes_ip_block)) resolves to, null where it does not.
  returned: when a phase read the tile
  type: dict
  sample: {"t0_router": "t0_shared", "floating_pool": "floating-ip-pool", "pods_ip_block": "pods", "nodes_ip_block": "nodes"}
phase:
  description: O(phase).
  returned: always
  type: str
unverified:
  description: The predecessors of O(phase) that are not verified, in order (empty when it may start).
  returned: always
  type: list
  elements: str
blocking_clusters:
  description: For O(phase=clusters), the other clusters whose promotion refuses it, each with why.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import Resolver
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._tkgi_cli import TKGI_CLI_ARGSPEC, CliError, CliRunner, TkgiCli
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._tkgi_phases import PHASES, PhaseGate
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

ARGUMENT_SPEC = dict(
    TKGI_CLI_ARGSPEC,
    phase=dict(type="str", required=True, choices=list(PHASES)),
    test_cluster=dict(type="str"),
    cluster=dict(type="str"),
    acknowledged_failures=dict(type="list", elements="str", default=[]),
)


def main():
    module = NsxModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_if=[("phase", name, ("test_cluster",)) for name in PHASES[1:]],
    )
    params = module.params
    cli = TkgiCli(CliRunner(params, module.run_command), params["tile"])
    gate = PhaseGate(cli, lambda: Resolver(module.client), params["test_cluster"])
    try:
        result, refusal = gate.decide(params["phase"], params["cluster"], params["acknowledged_failures"])
    except CliError as exc:
        module.fail_json(msg=exc.message, changed=False, phase=params["phase"], **exc.details)
    except NsxApiError as exc:
        module.fail_nsx(exc, changed=False, phase=params["phase"])
    if refusal:
        module.fail_json(msg=refusal, changed=False, phase=params["phase"], **result)
    module.exit_json(changed=False, phase=params["phase"], **result)


if __name__ == "__main__":
    main()
