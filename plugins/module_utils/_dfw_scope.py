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
    """The DFW scope options as keyword arguments of PreflightOptions and RefactorOptions.

    Fails the task when ``clusters`` names no cluster or has an empty name.
    """
    params = module.params
    clusters = [name for name in params["clusters"] if name and name.strip()]
    if not clusters or len(clusters) != len(params["clusters"]):
        module.fail_json(msg="clusters must list at least one cluster name, with no empty names")
    return dict(
        clusters=clusters,
        ncp_principal_identities=params["ncp_principal_identities"],
        firewall_markers=params["firewall_markers"],
        max_concurrency=params["max_concurrency"],
    )


def module_options(module, make, error, keys, **details):
    """``make(**scope, **{key: module.params[key]})``, the options object of a DFW module; fails the task with the
    message of ``error`` (and ``details``) when the options are refused."""
    options = dict(scope_options(module), **dict((key, module.params[key]) for key in keys))
    try:
        return make(**options)
    except error as exc:
        module.fail_json(msg=str(exc), **details)


def dfw_module(make, error, keys, details, **argument_spec):
    """The NsxModule of a DFW module (the scope options plus ``argument_spec``, check mode supported) and its options
    object (``module_options``)."""
    module = NsxModule(argument_spec=dict(DFW_SCOPE_ARGSPEC, **argument_spec), supports_check_mode=True)
    return module, module_options(module, make, error, keys, **details)
