#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_import_verify
short_description: Prove that a cluster import left no MP object behind, from the migration API's mapping
version_added: 0.2.0
description:
  - An importer that exits 0 says its requests succeeded, not that every object of the cluster was in them. This module
    compares the migration API's mapping C(GET /api/v1/migration/migrated-resources?resource_type=<T>) with every MP
    object tagged C(ncp/cluster=<cluster>) and each shared resource (Tier-0 router, IP block, IP pool) that the
    importer's user spec names, per migration type.
  - An object of a type the importer imports that the mapping lacks is left behind; the module warns, naming each one
    by type and ID. Tagged MP objects of other kinds (IP block subnets, LB rules, firewall rules) are counted in
    RV(not_checked); a type this NSX release does not accept on C(migrated-resources) is listed in RV(unverified).
  - Read-only. The migration journals the same verdict itself (C(import_check), from M(ncp.mp_to_policy.nsx_mp_import));
    this module checks again, for C(finish.yml) or an operator.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.common.read_only
  - ncp.mp_to_policy.nsx
options:
  cluster:
    description: The cluster (its C(ncp/cluster) tag value).
    type: str
    required: true
  user_spec:
    description:
      - The importer's user spec, a mapping or the path of a YAML file; the shared resources it names are checked too.
      - When unset, C(user-spec.yaml) beside O(importer_path) is read if it exists.
    type: raw
  importer_path:
    description: Path of C(mp_to_policy_importer.py) on this host, to find C(user-spec.yaml) beside it.
    type: path
"""

EXAMPLES = r"""
- name: Check that the import of prod-east left nothing behind
  ncp.mp_to_policy.nsx_import_verify:
    cluster: prod-east
    importer_path: /opt/ncp/mp_to_policy_import/mp_to_policy_importer.py
  register: import_check
"""

RETURN = r"""
complete:
  description: True when no MP object of a checked type is missing from the mapping.
  returned: always
  type: bool
by_type:
  description:
    - Per migration type (C(LOGICAL_SWITCH), C(TIER1), ...), C(found) (MP objects), C(migrated) (null when unverified),
      C(left_behind) (their IDs) and C(verified).
  returned: always
  type: dict
left_behind:
  description: Each MP object left behind, with C(id), C(type) and C(display_name).
  returned: always
  type: list
  elements: dict
unverified:
  description: Types whose mapping this NSX release does not serve (400 / 404); their objects are not judged.
  returned: always
  type: list
  elements: str
not_checked:
  description: Tagged MP objects of kinds the importer does not import on their own, counted by MP C(resource_type).
  returned: always
  type: dict
message:
  description: The warning naming what was left behind; empty when nothing was.
  returned: always
  type: str
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _importer_config as cfg
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._import_leftovers import check_and_record, user_spec_beside
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

ARGUMENT_SPEC = dict(
    cluster=dict(type="str", required=True),
    user_spec=dict(type="raw"),
    importer_path=dict(type="path"),
)


def main():
    module = NsxModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    try:
        jr.validate_cluster_name(params["cluster"])
        user_spec = user_spec_beside(params["user_spec"], params["importer_path"])
    except (jr.JournalError, cfg.ImporterConfigError) as exc:
        module.fail_json(msg=str(exc), changed=False)
    try:
        result = dict(check_and_record(module.client, params["cluster"], user_spec), changed=False)
    except NsxApiError as exc:
        module.fail_nsx(exc, changed=False)
    if result["message"]:
        module.warn(result["message"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
