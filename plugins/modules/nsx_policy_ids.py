#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_policy_ids
short_description: Resolve every NSX resource ncp.ini names to a Policy ID that exists, before NCP is switched to Policy mode
version_added: 0.2.0
description:
  - Read-only. Reads ncp.ini from the live ConfigMap (O(configmap)) and from files (O(paths) - an ncp.ini or the NCP YAML
    manifest) and resolves each item of every option that names an NSX resource (C(top_tier_router), C(tier0_router),
    C(tier0_gateway), C(container_ip_blocks), C(no_snat_ip_blocks), C(external_ip_pools), C(external_ip_pools_lb),
    C(overlay_tz), C(edge_cluster), C(lb_service), C(lb_vs_ip_set), C(client_ssl_profile)) to the Policy ID NCP needs in
    Policy mode.
  - A display name is resolved to exactly one MP object of the option's type first; the MP ID maps to its Policy ID through
    the migration API (C(GET /api/v1/migration/migrated-resources)); transport zones and edge clusters keep their MP UUID
    (the Policy API reads them from the enforcement point). An item that is neither an MP name nor an MP ID is taken as a
    Policy ID already when its Policy object exists (a re-run after the switch).
  - Each Policy ID is checked with a GET of its Policy path. When any item cannot be resolved the module fails naming
    the option and the item, and nothing is written anywhere (in check mode it returns them in RV(unresolved) instead,
    since before the import no Policy object exists yet).
  - The result RV(policy_ids) is what M(ncp.mp_to_policy.ncp_mode_switch) and M(ncp.mp_to_policy.ncp_config) take as
    their C(policy_ids).
  - With O(ncp_ini_resources) instead (the copies M(ncp.mp_to_policy.ncp_host_preflight) read, several clusters at once),
    it runs where NSX is reachable (the controller) and reads each MP list and mapping once for all the clusters. It then
    does not fail on an unresolved item; RV(clusters) says, for each cluster, what its switch must refuse.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.ncp_cluster
  - ncp.mp_to_policy.ncp_cluster.configmap
  - ncp.mp_to_policy.ncp_ini_location
  - ncp.mp_to_policy.common.read_only
  - ncp.mp_to_policy.nsx
options:
  configmap:
    description:
      - The live ConfigMap that holds ncp.ini, read (never written) with kubectl on the host the task runs on.
  paths:
    description:
      - ncp.ini files or NCP YAML manifests (told apart by their content) whose ncp.ini is resolved too.
    type: list
    elements: path
    default: []
  policy_ids:
    description:
      - Item (MP ID or name) to Policy ID given by the operator or journaled by the shared import; each is still checked
        to exist on the Policy API.
    type: dict
    default: {}
  ncp_ini_resources:
    description:
      - Per cluster, the ncp.ini copies read on its master
        (RV(ncp.mp_to_policy.ncp_host_preflight#module:ncp_ini_resources), a list of C(source), C(policy_mode), C(values)),
        resolved instead of O(configmap) and O(paths).
      - The items resolved are those of the copies as read then; the switch refuses an item its own copy has that the
        result does not map (M(ncp.mp_to_policy.ncp_mode_switch) after the shared import).
    type: dict
    version_added: 0.3.0
notes:
  - Which MigratedObject resource type each option maps to, and the Policy collection it is checked in, is the table
    C(RESOURCE_OPTIONS) / C(KINDS) in C(plugins/module_utils/_ncp_resource_options.py) (docs/nsx-api.md).
"""

EXAMPLES = r"""
- name: Resolve the NSX resources ncp.ini names to Policy IDs
  ncp.mp_to_policy.nsx_policy_ids:
    configmap: {}
    kubeconfig: /etc/kubernetes/admin.conf
    paths: [/root/ncp-ubuntu.yaml]
  register: resolved

- name: Switch to Policy mode with them
  ncp.mp_to_policy.ncp_mode_switch:
    mode: policy
    manifest_path: /root/ncp-ubuntu.yaml
    policy_ids: "{{ resolved.policy_ids }}"
"""

RETURN = r"""
policy_ids:
  description: Item (as ncp.ini writes it) to the Policy ID it resolved to, over every option.
  returned: always
  type: dict
  sample: {"7e2b1f3c-1a2b-4c3d-8e9f-0a1b2c3d4e5f": "t0-shared", "pods-block": "pods-block"}
options:
  description: Per option, item to Policy ID.
  returned: always
  type: dict
unresolved:
  description: Per option, the items that could not be resolved, each with C(item) and C(reason).
  returned: always
  type: dict
checked_paths:
  description: The Policy paths that were read and exist.
  returned: always
  type: list
  elements: str
clusters:
  description:
    - With O(ncp_ini_resources), per cluster, its own C(policy_ids), C(options) and C(unresolved) (as above), and C(msg),
      the reason its switch must be refused (empty when every item resolved).
  returned: when O(ncp_ini_resources) is given
  type: dict
  sample: {"k8s-01": {"policy_ids": {"t0 shared": "t0_shared"}, "options": {}, "unresolved": {}, "msg": ""}}
api_requests:
  description: HTTP requests made to NSX.
  returned: always
  type: int
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_config_edit as config_edit
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import Resolution, Resolver
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

ARGUMENT_SPEC = dict(
    config_edit.NCP_INI_LOCATION_OPTIONS,
    **config_edit.configmap_argspec(),
    paths=dict(type="list", elements="path", default=[]),
    policy_ids=dict(type="dict", default={}),
    ncp_ini_resources=dict(type="dict"),
)
NEXT_STEP = (
    "nothing was written and NCP stays stopped. Next step: make each option name an object NSX has (a unique display name,"
    " the MP ID, or the Policy ID), or give its Policy ID as ncp_policy_mode_policy_ids {item: Policy ID}"
    " (GET /api/v1/migration/migrated-resources?resource_type=<type> lists them), and run the playbook again"
)


def read_values(module, params):
    """The section's values of each source (no edit: nothing is written)."""
    read = dict(settings={}, absent=[], policy_ids=None, require_policy_ids=False, section=params["section"], backup=False)
    sources = []
    if params["configmap"]:
        sources.append(config_edit.run_on_configmap(module, dict(read, configmap=params["configmap"]))["values"])
    for path in params["paths"]:
        sources.append(config_edit.run_on_file(module, dict(read, path=path, format="auto", manifest_configmap=params["manifest_configmap"]))["values"])
    return sources


def described(resolution):
    """What the module returns of one resolution."""
    return dict(
        policy_ids=resolution.policy_ids,
        options=resolution.by_option,
        unresolved=dict((option, [dict(item=item, reason=reason) for item, reason in items]) for option, items in resolution.unresolved.items()),
    )


def refusal(resolution, section):
    """Why the switch must not happen ('' when every item resolved)."""
    return "cannot switch ncp.ini to Policy IDs: %s; %s" % (resolution.message(section), NEXT_STEP) if resolution.unresolved else ""


def warn_unresolved(module, resolution, section, cluster=None):
    for option, items in resolution.unresolved.items():
        for item, reason in items:
            module.warn("%s[%s] %s: %s has no Policy ID yet: %s" % ("%s: " % cluster if cluster else "", section, option, item, reason))


def resolve_clusters(module, params):
    """Several clusters' copies at once, each MP list and mapping read once; never fails on an unresolved item."""
    resolver = Resolver(module.client, params["policy_ids"])
    clusters, merged = {}, Resolution()
    try:
        for cluster, copies in sorted(params["ncp_ini_resources"].items()):
            resolution = resolver.resolve([copy.get("values") or {} for copy in copies or []])
            clusters[cluster] = dict(described(resolution), msg=refusal(resolution, params["section"]))
            warn_unresolved(module, resolution, params["section"], cluster)
            merge(merged, resolution)
    except NsxApiError as exc:
        module.fail_nsx(exc)
    module.exit_json(changed=False, checked_paths=merged.checked, clusters=clusters, api_requests=module.client.request_count, **described(merged))


def merge(merged, resolution):
    for option, items in resolution.by_option.items():
        merged.by_option.setdefault(option, {}).update(items)
    for option, items in resolution.unresolved.items():
        merged.unresolved.setdefault(option, []).extend(problem for problem in items if problem not in merged.unresolved[option])
    merged.checked.extend(path for path in resolution.checked if path not in merged.checked)


def main():
    module = NsxModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_one_of=[("configmap", "paths", "ncp_ini_resources")],
        mutually_exclusive=[("ncp_ini_resources", "configmap"), ("ncp_ini_resources", "paths")],
    )
    params = module.params
    if params["ncp_ini_resources"] is not None:
        resolve_clusters(module, params)
    try:
        sources = read_values(module, params)
    except config_edit.ConfigError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    try:
        resolution = Resolver(module.client, params["policy_ids"]).resolve(sources)
    except NsxApiError as exc:
        module.fail_nsx(exc)
    result = dict(described(resolution), changed=False, checked_paths=resolution.checked, api_requests=module.client.request_count)
    if resolution.unresolved and not module.check_mode:
        module.fail_json(msg=refusal(resolution, params["section"]), **result)
    warn_unresolved(module, resolution, params["section"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
