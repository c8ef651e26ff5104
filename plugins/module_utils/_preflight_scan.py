# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the NSX-side preflight: fetches what each check needs, as few calls as NSX allows.

Lists are streamed page by page. The MP API has no list of all DFW rules, so rules are read
per section, and only for NCP sections of the clusters in scope whose rule_count is not 0;
those reads run concurrently (bounded workers, client-side pacing under NSX's rate limit).
``?action=list_with_rules`` is never used: NSX allows it only a few times a minute.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _nsx_import_gate as import_gate
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _preflight_checks as checks
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_prerequisites as tkgi_prerequisites
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import CheckRun
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import Resolver
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_ncp_ini import CHECK as NCP_INI_CHECK
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_ncp_ini import check_ncp_ini_resources

# MP lists of shared-resource types whose Policy IDs may be derived from display names.
SHARED_LISTS = (
    ("LogicalRouter", "/api/v1/logical-routers", {"router_type": "TIER0"}),
    ("IpBlock", "/api/v1/pools/ip-blocks", None),
    ("IpPool", "/api/v1/pools/ip-pools", None),
)
SEARCH = "/api/v1/search/query"
# Clusters in Policy mode tag their Policy objects (API-REF: the Policy API's own search).
POLICY_SEARCH = "/policy/api/v1/search/query"
# Each search of nsx_cluster_not_in_inventory finds at least one new cluster or ends the scan.
MAX_CLUSTER_SEARCHES = 200


class PreflightOptions:
    def __init__(
        self,
        clusters,
        ncp_principal_identities=None,
        lb_rule_limit=255,
        min_nsx_version="3.2.0",
        firewall_markers=None,
        skip_checks=None,
        shared_resources=None,
        max_concurrency=10,
        inventory_clusters=None,
        clusters_known_gone=None,
        unlisted_cluster_severity="error",
        ncp_ini_resources=None,
        tkgi=None,
    ):
        self.clusters = list(clusters)
        self.identities = list(ncp_principal_identities or [])
        self.lb_rule_limit = lb_rule_limit
        self.min_nsx_version = min_nsx_version
        self.firewall_markers = firewall_markers or {}
        self.skip = set(skip_checks or [])
        self.shared_resources = list(shared_resources or [])
        self.max_concurrency = max(1, int(max_concurrency))
        # Every cluster of the inventory (strategy 2 checks one of them); None: the clusters checked.
        self.inventory_clusters = list(self.clusters if inventory_clusters is None else inventory_clusters)
        self.clusters_known_gone = list(clusters_known_gone or [])
        self.unlisted_cluster_severity = unlisted_cluster_severity
        # {cluster: [{source, policy_mode, values}]} read on the import masters; None: ncp.ini was not read, not checked.
        self.ncp_ini_resources = ncp_ini_resources
        # TKGI clusters (issue 27): keyword arguments of tkgi_prerequisites.nsx_checks_of; None: no TKGI checks.
        self.tkgi = tkgi


def resolve_addresses(host):
    """The IP addresses ``host`` resolves to; None when it does not resolve."""
    try:
        return set(info[4][0] for info in socket.getaddrinfo(host, None))
    except (socket.gaierror, UnicodeError):
        return None


def _manager_host(client):
    host = client.manager
    if host.startswith("["):
        return host[1 : host.index("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def search_count(client, query):
    """How many objects match an NSX search query (one call: result_count is the total)."""
    answer = client.get(SEARCH, params={"query": query, "page_size": 1})
    return int(answer.get("result_count") or len(answer.get("results") or []))


def _quoted(value):
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def cluster_tag_query(cluster):
    # NSX search is Lucene: the '/' of the scope must be escaped, the value quoted.
    return "tags.scope:ncp\\/cluster AND tags.tag:%s" % _quoted(cluster)


def other_clusters_query(known):
    """Objects tagged with an ncp/cluster other than ``known`` (tags.tag matches any tag: an object of another cluster
    that also carries a known name is missed, but not all of that cluster's)."""
    query = "tags.scope:ncp\\/cluster"
    if known:
        query += " AND NOT (%s)" % " OR ".join("tags.tag:%s" % _quoted(name) for name in sorted(known))
    return query


def other_tagged_clusters(client, path, known):
    """{cluster: path} of the ncp/cluster tag values ``path`` (an NSX search) finds beyond ``known``: one search per
    new cluster found, plus one. A search that returns only excluded clusters did not apply the exclusion:
    ValueError, so the check fails with that message instead of missing a cluster."""
    excluded, found = set(known), {}
    for _search in range(MAX_CLUSTER_SEARCHES):
        answer = client.get(path, params={"query": other_clusters_query(excluded), "page_size": 100})
        values = [checks.tag_value(obj, checks.CLUSTER_TAG) for obj in answer.get("results") or []]
        new = set(value for value in values if value) - excluded
        if not new:
            if any(value in excluded for value in values):
                raise ValueError("%s returned objects of clusters the query excluded: cannot list the clusters on NSX" % path)
            return found
        for cluster in new:
            found[cluster] = path
        excluded |= new
    raise ValueError("more than %d clusters are tagged on NSX beyond the inventory's" % MAX_CLUSTER_SEARCHES)


class NsxPreflight(CheckRun):
    """One preflight run against one NSX Manager; ``run()`` returns (version, findings, checks_run)."""

    def __init__(self, client, options):
        CheckRun.__init__(self, options.skip)
        self.client = client
        self.options = options
        self.seen_clusters = set()  # clusters of the tagged objects the lists already showed

    def run(self):
        client, opts = self.client, self.options
        version_answer = client.get("/api/v1/node/version")
        version = version_answer.get("product_version") or version_answer.get("node_version")
        if self.wanted("nsx_version"):
            self.record("nsx_version", checks.check_nsx_version(version_answer, opts.min_nsx_version))
            parsed = checks.parse_version(version)
            if parsed and parsed[:1] >= checks.FIRST_VERSION_WITHOUT_MP:
                return version, self.findings, self.checks_run  # no MP API to check further
        if self.wanted("nsx_manager_not_vip"):
            vip = client.get("/api/v1/cluster/api-virtual-ip")
            self.record("nsx_manager_not_vip", checks.check_manager_not_vip(resolve_addresses(_manager_host(client)), vip, client.manager))
        self.check("migration_coordinator_running", import_gate.coordinator_findings, client)
        self.check("promotion_idle", import_gate.promotion_findings, client)
        self.check("backup_configured", lambda: checks.check_backup_configured(client.get("/api/v1/cluster/backups/config")))
        self._firewall()
        if self.wanted("lb_virtual_server_rule_limit"):
            found = []
            for vs in client.paginate("/api/v1/loadbalancer/virtual-servers"):
                self.seen_clusters.add(checks.tag_value(vs, checks.CLUSTER_TAG))
                found.extend(checks.check_virtual_server(vs, opts.clusters, opts.lb_rule_limit))
            self.record("lb_virtual_server_rule_limit", found)
        if self.wanted("cluster_objects_found"):
            # A cluster already seen on a tagged DFW section or virtual server has tagged objects; only
            # the others cost a search (NSX search is slow: one per cluster added seconds at 20 clusters).
            found = []
            for cluster in opts.clusters:
                count = 1 if cluster in self.seen_clusters else search_count(client, cluster_tag_query(cluster))
                found.extend(checks.check_cluster_objects(cluster, count))
            self.record("cluster_objects_found", found)
        self.check("nsx_cluster_not_in_inventory", self._clusters_not_in_inventory)
        if self.wanted("shared_resource_name_unique"):
            index = checks.SharedNameIndex(only=opts.shared_resources)
            for object_type, path, params in SHARED_LISTS:
                for obj in client.paginate(path, params=params):
                    if object_type == "LogicalRouter" and obj.get("router_type") not in (None, "TIER0"):
                        continue
                    index.add(object_type, obj)
            self.record("shared_resource_name_unique", index.findings())
        if opts.ncp_ini_resources is not None:
            # One Resolver for every cluster: each MP list is read once.
            self.check(NCP_INI_CHECK, lambda: check_ncp_ini_resources(Resolver(client), opts.ncp_ini_resources))
        if opts.tkgi is not None:
            for check_id, found in tkgi_prerequisites.nsx_checks_of(client, version, self.wanted, **opts.tkgi):
                self.record(check_id, found)
        return version, self.findings, self.checks_run

    def _clusters_not_in_inventory(self):
        opts = self.options
        known = set(opts.inventory_clusters) | set(opts.clusters_known_gone)
        tagged = {}
        for path in (SEARCH, POLICY_SEARCH):
            for cluster, where in other_tagged_clusters(self.client, path, known | set(tagged)).items():
                tagged[cluster] = "found by %s" % where
        return checks.check_clusters_in_inventory(tagged, opts.unlisted_cluster_severity)

    def _firewall(self):
        want_sections = self.wanted("dfw_admin_section_inside_ncp_range")
        want_rules = self.wanted("dfw_user_rule_in_ncp_section")
        if not (want_sections or want_rules):
            return
        scan = checks.SectionRangeScan(self.options.clusters, self.options.identities, self.options.firewall_markers)
        for section in self.client.paginate("/api/v1/firewall/sections"):
            scan.add(section)
        self.seen_clusters.update(scan.first_last)
        if want_sections:
            self.record("dfw_admin_section_inside_ncp_range", scan.result())
        if want_rules:
            with_rules = [section for section in scan.ncp_sections if section[3] != 0]
            self.record("dfw_user_rule_in_ncp_section", self._rules_findings(with_rules, set(self.options.identities)))

    def _rules_findings(self, sections, identities):
        def inspect(section):
            rules = self.client.paginate("/api/v1/firewall/sections/%s/rules" % section[0])
            return checks.check_rules_of_section(section, rules, identities)

        found = []
        if not sections:
            return found
        workers = min(self.options.max_concurrency, len(sections))
        pool = ThreadPoolExecutor(max_workers=workers)
        # A bounded window of futures, consumed in submission order: findings are stable run to run,
        # and memory does not grow with the sections (a future per section costs ~1.4 KB: 2.8 MiB of
        # a 10 MiB peak at 2,000 sections, tests/bench).
        window = deque()
        complete = False
        try:
            for section in sections:
                if len(window) >= 4 * workers:
                    found.extend(window.popleft().result())
                window.append(pool.submit(inspect, section))
            while window:
                found.extend(window.popleft().result())
            complete = True
        finally:
            if not complete:
                for future in window:
                    future.cancel()  # a failed scan fails the task: stop calling NSX
            pool.shutdown(wait=True)
        return found
