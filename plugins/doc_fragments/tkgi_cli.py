# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The TKGI CLI options of tkgi_phase, tkgi_bosh_mode and tkgi_tile: TKGI_CLI_ARGSPEC in module_utils/_tkgi_cli.py.
    DOCUMENTATION = r"""
options:
  om_command:
    description:
      - The Ops Manager CLI and any global flags it needs (for example V([om, --skip-ssl-validation])).
    type: list
    elements: str
    default: [om]
  om_target:
    description:
      - The Ops Manager address, given to C(om) as E(OM_TARGET) (never on its command line).
      - If not set, C(om) reads E(OM_TARGET) from the environment the module runs in.
    type: str
  om_username:
    description:
      - Ops Manager user, given to C(om) as E(OM_USERNAME).
    type: str
  om_password:
    description:
      - Password of O(om_username), given to C(om) as E(OM_PASSWORD). Never on a command line, logged or returned.
    type: str
  bosh_command:
    description:
      - The BOSH CLI and any global flags it needs.
    type: list
    elements: str
    default: [bosh]
  bosh_environment:
    description:
      - The BOSH Director, given to C(bosh) (and the migration mode script) as E(BOSH_ENVIRONMENT).
    type: str
  bosh_client:
    description:
      - BOSH UAA client, given as E(BOSH_CLIENT).
    type: str
  bosh_client_secret:
    description:
      - Secret of O(bosh_client), given as E(BOSH_CLIENT_SECRET). Never on a command line, logged or returned.
    type: str
  bosh_ca_cert:
    description:
      - The Director's CA certificate (PEM text or a path, as C(bosh) takes it), given as E(BOSH_CA_CERT).
    type: str
  tkgi_command:
    description:
      - The TKGI CLI, already logged in (C(tkgi login)) where the module runs.
    type: list
    elements: str
    default: [tkgi]
  tile:
    description:
      - The TKGI tile in Ops Manager and the names of its properties. Defaults from public PKS pipelines; the property
        names are UNCONFIRMED for TKGI 1.15 and later (docs/nsx-api.md), so check them with C(om staged-config).
    type: dict
    suboptions:
      product_name:
        description:
          - The tile's product name in Ops Manager.
        type: str
        default: pivotal-container-service
      id_properties:
        description:
          - The tile's four NSX ID properties (vendor-facts 6.2, step 6).
        type: dict
        suboptions:
          t0_router:
            description:
              - The shared tier-0 router (NSX kind router, Policy C(/infra/tier-0s)).
            type: str
            default: .properties.network_selector.nsx.t0-router-id
          floating_pool:
            description:
              - The floating IP pool(s), a comma list (NSX kind ip_pool, Policy C(/infra/ip-pools)).
            type: str
            default: .properties.network_selector.nsx.floating-ip-pool-ids
          pods_ip_block:
            description:
              - The pods IP block (NSX kind ip_block, Policy C(/infra/ip-blocks)).
            type: str
            default: .properties.network_selector.nsx.ip-block-id
          nodes_ip_block:
            description:
              - The nodes IP block (NSX kind ip_block, Policy C(/infra/ip-blocks)).
            type: str
            default: .properties.network_selector.nsx.nodes-ip-block-id
      policy_api_property:
        description:
          - The tile's "Policy API mode" switch (a boolean property).
        type: str
        default: .properties.network_selector.nsx.nsx-t-policy-api
notes:
  - Output formats read (C(bosh cpi-config --json), C(om staged-config), C(om pending-changes --format json),
    C(tkgi cluster(s) --json)) are listed in docs/nsx-api.md, section "TKGI phase modules, what they read", with those
    not confirmed against the real CLIs marked UNCONFIRMED.
"""
