# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DFW scope options of nsx_preflight, nsx_dfw_order and nsx_dfw_refactor (doc fragment ncp.mp_to_policy.dfw_scope)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule

SECTIONS = "/api/v1/firewall/sections"

DFW_SCOPE_ARGSPEC = dict(
    clusters=dict(type="list", elements="str", required=True),
    ncp_principal_identities=dict(type="list", elements="str"),
    firewall_markers=dict(type="dict", options=dict(top=dict(type="str"), bottom=dict(type="str"))),
    max_concurrency=dict(type="int", default=10),
)


class ScopeOptions:
    """The DFW scope every DFW options object holds (OrderOptions, RefactorOptions)."""

    def __init__(self, clusters, ncp_principal_identities=None, firewall_markers=None, max_concurrency=10):
        self.clusters = list(clusters)
        self.identities = list(ncp_principal_identities or [])
        self.firewall_markers = dict((k, v) for k, v in (firewall_markers or {}).items() if v)
        self.max_concurrency = max(1, int(max_concurrency))


def read_rules(client, section_ids, max_concurrency):
    """MP section id -> its rules, with at most ``max_concurrency`` rule listings read at once."""
    if not section_ids:
        return {}

    def read(section_id):
        return section_id, list(client.paginate("%s/%s/rules" % (SECTIONS, section_id)))

    with ThreadPoolExecutor(max_workers=min(max_concurrency, len(section_ids))) as pool:
        return dict(pool.map(read, section_ids))


def scope_options(module):
    """The DFW scope options as keyword arguments of the options objects; fails the task on an empty ``clusters`` name."""
    params = module.params
    clusters = [name for name in params["clusters"] if name and name.strip()]
    if not clusters or len(clusters) != len(params["clusters"]):
        module.fail_json(msg="clusters must list at least one cluster name, with no empty names")
    return dict(((key, params[key]) for key in DFW_SCOPE_ARGSPEC), clusters=clusters)


def dfw_module(make, error, keys, details, **argument_spec):
    """The NsxModule of a DFW module (the scope options plus ``argument_spec``, check mode supported) and its options
    object, ``make`` of the scope and ``keys`` parameters; fails the task with ``error``'s message (and ``details``)."""
    module = NsxModule(argument_spec=dict(DFW_SCOPE_ARGSPEC, **argument_spec), supports_check_mode=True)
    try:
        return module, make(**dict(scope_options(module), **dict((key, module.params[key]) for key in keys)))
    except error as exc:
        module.fail_json(msg=str(exc), **details)


def dfw_exit(module, result, msg=None, **extra):
    """Exit with ``result`` (and ``extra``) and the count of NSX requests made, or fail with ``msg``."""
    result = dict(result, api_requests=module.client.request_count, **extra)
    if msg:
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)
