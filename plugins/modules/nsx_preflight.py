#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_preflight
short_description: Find every NSX-side blocker of the NCP MP-to-Policy import
version_added: 0.1.0
description:
  - Read-only checks of one NSX Manager against the vendor's requirements for importing NCP
    clusters from the Manager API to the Policy API, reported as findings with the object IDs
    involved and the fix.
  - "Check IDs: V(nsx_version), V(nsx_manager_not_vip), V(migration_coordinator_running),
    V(promotion_idle), V(dfw_admin_section_inside_ncp_range), V(dfw_user_rule_in_ncp_section),
    V(lb_virtual_server_rule_limit), V(shared_resource_name_unique), V(backup_configured),
    V(cluster_objects_found), V(nsx_cluster_not_in_inventory), V(ncp_ini_resource_unresolved)."
  - "With O(tkgi=true) (the clusters are TKGI's; issue 27), TKGI's own NSX-side prerequisites too:
    V(tkgi_nsx_version) (NSX at O(tkgi_min_nsx_version) or later), V(tkgi_nsx_dedicated) (every principal identity
    on NSX matches O(tkgi_principal_identities): no other TKGI foundation, TAS or Aria Automation; without the
    patterns, a warning listing them) and V(tkgi_certificates_valid) (each certificate in NSX's trust store valid until
    O(tkgi_window_end); without it, against the time of the check, with an info saying so). UNCONFIRMED: the
    principal identity names TKGI, TAS and Aria Automation use (hence the patterns)."
  - V(ncp_ini_resource_unresolved) judges each item of each ncp.ini option that names an NSX resource
    (O(ncp_ini_resources)) as the switch to Policy mode in the window will (the M(ncp.mp_to_policy.nsx_policy_ids)
    resolver), reading each MP list once for all clusters; an item that names no MP object of the option's type (and,
    in Policy mode, no Policy object) or the display name of several is an error, a unique display name an info.
  - V(nsx_cluster_not_in_inventory) lists the values of the C(ncp/cluster) tag on NSX (MP and Policy objects, by
    NSX search, one search per cluster found beyond O(inventory_clusters) plus one per API) and reports each that is
    neither in O(inventory_clusters) nor in O(clusters_known_gone).
  - Lists are streamed page by page. DFW rules are read per NCP section with rules (NSX has no
    list of all rules), concurrently, paced under NSX's API rate limit. The slow
    C(?action=list_with_rules) call is never used.
  - Never changes anything; always returns C(changed=false).
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.common.read_only
  - ncp.mp_to_policy.nsx
  - ncp.mp_to_policy.dfw_scope
options:
  lb_rule_limit:
    description:
      - Most rules an NCP load-balancer virtual server may have for the import to work.
    type: int
    default: 255
  min_nsx_version:
    description:
      - Oldest NSX version the import supports.
    type: str
    default: 3.2.0
  skip_checks:
    description:
      - Check IDs not to run, for example V(backup_configured) for strategy 2, which has no
        backup. A skipped check is a waiver, and is missing from RV(summary.checks_run).
    type: list
    elements: str
    default: []
  inventory_clusters:
    description:
      - Every cluster of the inventory (C(ncp/cluster) tag values), also those not checked now (strategy 2 checks one).
      - Default is O(clusters).
    type: list
    elements: str
  clusters_known_gone:
    description:
      - Clusters tagged on NSX that no longer exist (nothing runs their NCP); V(nsx_cluster_not_in_inventory) leaves
        them out. This is the only waiver of that check at severity V(error), cluster by cluster. A name that is also
        in O(inventory_clusters) is refused.
    type: list
    elements: str
    default: []
  unlisted_cluster_severity:
    description:
      - Severity of V(nsx_cluster_not_in_inventory). V(error) for strategy 1 (every cluster on the NSX is stopped
        before the first import); V(warning) for strategy 2 (the other clusters run on by design).
      - With V(error), O(skip_checks) may not name V(nsx_cluster_not_in_inventory).
    type: str
    choices: [error, warning]
    default: error
  fail_on:
    description:
      - Lowest severity that fails the task. V(never) only reports.
    type: str
    choices: [error, warning, never]
    default: error
  shared_resources:
    description:
      - Display names or IDs of the shared resources to be imported (as in C(user-spec.yaml)).
      - When given, V(shared_resource_name_unique) reports only clashes involving them;
        otherwise every clash among Tier-0 routers, IP blocks and IP pools.
    type: list
    elements: str
  ncp_ini_resources:
    description:
      - Cluster to the copies of its ncp.ini, as M(ncp.mp_to_policy.ncp_host_preflight) returns them in
        C(ncp_ini_resources) (a list of C(source), C(policy_mode), C(values)).
      - Not given, V(ncp_ini_resource_unresolved) does not run.
    type: dict
  tkgi:
    description: The clusters are TKGI's; run TKGI's NSX-side prerequisites (V(tkgi_nsx_version), V(tkgi_nsx_dedicated), V(tkgi_certificates_valid)).
    type: bool
    default: false
  tkgi_min_nsx_version:
    description: Oldest NSX TKGI's migration supports (V(tkgi_nsx_version)).
    type: str
    default: 4.0.1.1
  tkgi_principal_identities:
    description:
      - Names of this TKGI foundation's principal identities on NSX (fnmatch patterns, e.g. V(pks-*)); any other is a
        V(tkgi_nsx_dedicated) error. Not given, V(tkgi_nsx_dedicated) warns and lists them.
    type: list
    elements: str
  tkgi_window_end:
    description: The migration window's end, UTC (V(2026-12-05T06:00:00Z), or a date); V(tkgi_certificates_valid) compares each certificate's expiry with it.
    type: str
  max_requests_per_second:
    description:
      - Pace of API calls, to stay under NSX's C(client_api_rate_limit) (100 by default).
        V(0) turns pacing off.
    type: float
    default: 100
notes:
  - The Policy ID rule for shared resources (derived from the display name, or the MP UUID)
    differs between NCP and TKGI releases (unconfirmed for NCP 4.x); display names are checked
    for uniqueness so that either rule is safe.
seealso:
  - module: ncp.mp_to_policy.nsx_mp_import
"""

EXAMPLES = r"""
- name: Check NSX for import blockers of two clusters
  ncp.mp_to_policy.nsx_preflight:
    nsx_manager: nsx-mgr-01.example.com
    nsx_username: admin
    nsx_password: "{{ vault_nsx_password }}"
    ca_path: /etc/pki/nsx-ca.pem
    clusters: [prod-east, prod-west]
  register: preflight

- name: Strategy 2 has no backup; report only
  ncp.mp_to_policy.nsx_preflight:
    clusters: [prod-east]
    skip_checks: [backup_configured]
    fail_on: never
"""

RETURN = r"""
passed:
  description: True when no finding reaches the O(fail_on) severity (errors when O(fail_on=never)).
  returned: always
  type: bool
nsx_version:
  description: The NSX product version the manager reported.
  returned: always
  type: str
  sample: 4.1.2.0.0.22589037
findings:
  description: What blocks or may affect the import, one entry per object.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: The check ID.
      type: str
      sample: dfw_user_rule_in_ncp_section
    severity:
      description: V(error), V(warning) or V(info).
      type: str
    cluster:
      description: The cluster concerned, if any.
      type: str
    object_type:
      description: NSX object type, if the finding is about one object.
      type: str
    object_id:
      description: NSX object ID.
      type: str
    display_name:
      description: NSX object display name.
      type: str
    message:
      description: What is wrong.
      type: str
    remediation:
      description: How to fix it.
      type: str
summary:
  description: Counts of findings by severity and the checks that ran.
  returned: always
  type: dict
  contains:
    errors:
      description: Number of error findings.
      type: int
    warnings:
      description: Number of warning findings.
      type: int
    infos:
      description: Number of info findings.
      type: int
    checks_run:
      description: IDs of the checks that ran.
      type: list
      elements: str
api_requests:
  description: HTTP requests made to NSX (including logins and retries).
  returned: always
  type: int
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_prerequisites as tkgi_prerequisites
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dfw_scope import DFW_SCOPE_ARGSPEC, scope_options
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import NSX_CHECK_IDS, exit_with_findings
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_scan import NsxPreflight, PreflightOptions
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._rate_limit import RateLimiter
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

ARGUMENT_SPEC = dict(
    DFW_SCOPE_ARGSPEC,
    lb_rule_limit=dict(type="int", default=255),
    min_nsx_version=dict(type="str", default="3.2.0"),
    skip_checks=dict(type="list", elements="str", default=[]),
    fail_on=dict(type="str", choices=["error", "warning", "never"], default="error"),
    shared_resources=dict(type="list", elements="str"),
    max_requests_per_second=dict(type="float", default=100.0),
    inventory_clusters=dict(type="list", elements="str"),
    clusters_known_gone=dict(type="list", elements="str", default=[]),
    unlisted_cluster_severity=dict(type="str", choices=["error", "warning"], default="error"),
    ncp_ini_resources=dict(type="dict"),
    tkgi=dict(type="bool", default=False),
    tkgi_min_nsx_version=dict(type="str", default=tkgi_prerequisites.MIN_NSX_VERSION),
    tkgi_principal_identities=dict(type="list", elements="str"),
    tkgi_window_end=dict(type="str"),
)

# The options PreflightOptions takes under the same name (besides the DFW scope's, and TKGI's: tkgi_options).
PASSED_ON = ("lb_rule_limit", "min_nsx_version", "skip_checks", "shared_resources", "inventory_clusters", "clusters_known_gone")
PASSED_ON += ("unlisted_cluster_severity", "ncp_ini_resources")


def validate(module):
    """Fails the task on a bad option; returns the DFW scope options (scope_options)."""
    params = module.params
    scope = scope_options(module)
    unknown = sorted(set(params["skip_checks"]) - set(NSX_CHECK_IDS))
    if unknown:
        module.fail_json(msg="skip_checks names unknown check IDs: %s (known: %s)" % (", ".join(unknown), ", ".join(NSX_CHECK_IDS)))
    if params["unlisted_cluster_severity"] == "error" and "nsx_cluster_not_in_inventory" in params["skip_checks"]:
        module.fail_json(
            msg="skip_checks may not name nsx_cluster_not_in_inventory under strategy 1: name each cluster that no longer exists"
            " in clusters_known_gone (ncp_clusters_known_gone) instead"
        )
    inventory = params["clusters"] if params["inventory_clusters"] is None else params["inventory_clusters"]
    both = sorted(set(inventory) & set(params["clusters_known_gone"]))
    if both:
        module.fail_json(msg="clusters_known_gone names clusters of the inventory: %s (a cluster is either gone or migrated)" % ", ".join(both))
    if params["lb_rule_limit"] < 1 or params["max_concurrency"] < 1 or params["max_requests_per_second"] < 0:
        module.fail_json(msg="lb_rule_limit and max_concurrency must be at least 1, max_requests_per_second at least 0")
    return scope


def tkgi_options(module):
    """The TKGI checks' options (PreflightOptions.tkgi), None without O(tkgi); fails the task on a bad window end."""
    params = module.params
    if not params["tkgi"]:
        return None
    window_end = None
    if params["tkgi_window_end"]:
        try:
            window_end = tkgi_prerequisites.parse_window_end(params["tkgi_window_end"])
        except ValueError as exc:
            module.fail_json(msg="tkgi_window_end: %s" % exc)
    return dict(min_version=params["tkgi_min_nsx_version"], principal_identities=params["tkgi_principal_identities"], window_end=window_end)


def main():
    module = NsxModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    scope = validate(module)
    params = module.params
    client = module.client
    if params["max_requests_per_second"]:
        client.rate_limiter = RateLimiter(params["max_requests_per_second"])
    passed_on = dict((name, params[name]) for name in PASSED_ON)
    options = PreflightOptions(tkgi=tkgi_options(module), **dict(scope, **passed_on))
    try:
        version, findings, checks_run = NsxPreflight(client, options).run()
    except NsxApiError as exc:
        module.fail_nsx(exc)
    except ValueError as exc:  # NSX answered in a way the scan cannot judge (other_tagged_clusters)
        module.fail_json(msg="NSX preflight could not complete: %s" % exc)
    exit_with_findings(module, "NSX preflight", findings, checks_run, nsx_version=version, api_requests=client.request_count)


if __name__ == "__main__":
    main()
