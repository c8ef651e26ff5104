# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TKGI's migration order as phases, and when each may start (vendor-facts 6.2, 6.3, 6.5; TKGI_INTERFACE).

Decisions from evidence read live every time (the CLIs, NSX), never from a file we wrote; verifiers return (verified, reason).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import KINDS, option_items
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._tkgi_cli import CPI_FLAGS, as_bool

PHASES = ("migration_mode", "test_cluster", "tile", "clusters", "policy_mode")
PREREQUISITES = dict((phase, PHASES[:index]) for index, phase in enumerate(PHASES))
PROMOTE = "PROMOTE_TO_POLICY"
SUCCEEDED = "succeeded"
FAILED = "failed"
# The BOSH CPI flags of each mode (vendor-facts 6.3: enable sets false/true, disable true/false).
BOSH_MODES = dict(
    migration=dict(use_policy_api=False, policy_api_migration_mode=True),
    policy=dict(use_policy_api=True, policy_api_migration_mode=False),
)
# The tile's four NSX objects and their resource kind in ncp_resource_options (the one MP -> Policy resolution).
TILE_KINDS = OrderedDict((("t0_router", "router"), ("floating_pool", "ip_pool"), ("pods_ip_block", "ip_block"), ("nodes_ip_block", "ip_block")))
# The router kind spans tier-0s and tier-1s: the tile's router must be a tier-0.
TILE_POLICY_COLLECTION = dict(t0_router="/infra/tier-0s/")


def fix_step(phase, test_cluster=None):
    """The step that makes ``phase`` verified."""
    return dict(
        migration_mode="run playbooks/tkgi.yml -e ncp_tkgi_step=migration_mode (BOSH migration mode, vendor-facts 6.3)",
        test_cluster="promote the test cluster with migrate_cluster.yml -e ncp_cluster=%s" % (test_cluster or "TEST"),
        tile="run tkgi.yml -e ncp_tkgi_step=tile (the tile's four Policy IDs and Policy API mode, then Apply Changes)",
        clusters="promote each remaining cluster, one at a time, with migrate_cluster.yml -e ncp_cluster=NAME",
        policy_mode="run playbooks/tkgi.yml -e ncp_tkgi_step=policy_mode (BOSH to Policy mode, vendor-facts 6.3)",
    )[phase]


def bosh_mode_of(cpi_flags):
    """The flags all CPIs share ({use_policy_api, policy_api_migration_mode}, a flag None where they differ)."""
    collapsed = {}
    for key in CPI_FLAGS:
        values = set(flags.get(key) for flags in cpi_flags.values())
        collapsed[key] = values.pop() if len(values) == 1 else None
    return collapsed


def verify_bosh_mode(cpi_flags, mode):
    """Every CPI shows the flags of ``mode`` ("migration" or "policy")."""
    wanted = BOSH_MODES[mode]
    if not cpi_flags:
        return False, "bosh cpi-config shows no CPI"
    shown = "use_policy_api %(use_policy_api)s, policy_api_migration_mode %(policy_api_migration_mode)s"
    wrong = ["%s (%s)" % (name, shown % f) for name, f in sorted(cpi_flags.items()) if any(f.get(k) is not v for k, v in wanted.items())]
    if wrong:
        return False, "bosh cpi-config: not in %s mode (%s): %s" % (mode, shown % wanted, ", ".join(wrong))
    return True, "bosh cpi-config: every CPI in %s mode" % mode


def promotion(cluster):
    return dict(last_action=cluster.get("last_action"), last_action_state=cluster.get("last_action_state"))


def promoted(cluster):
    return cluster.get("last_action") == PROMOTE and cluster.get("last_action_state") == SUCCEEDED


def verify_promoted(cluster):
    if promoted(cluster):
        return True, "cluster %s: %s %s" % (cluster["name"], PROMOTE, SUCCEEDED)
    state = promotion(cluster)
    return False, "cluster %s: last action %s is %s, not %s %s" % (cluster["name"], state["last_action"], state["last_action_state"], PROMOTE, SUCCEEDED)


def resolve_tile(resolver, values):
    """{key: {value, policy_id, reason}} of the tile's four objects (a comma list item by item), with the one
    ncp_resource_options.Resolver; policy_id None when an item does not resolve."""
    resolved = OrderedDict()
    for key, kind_name in TILE_KINDS.items():
        value = values.get(key)
        items = option_items(value if isinstance(value, str) else ",".join(value or []) if isinstance(value, list) else str(value or ""))
        ids, problems = [], []
        for item in items:
            policy_id, found = resolver.resolve_item(KINDS[kind_name], item)
            if policy_id is None:
                problems.append("%s (%s)" % (item, found))
            elif not found.startswith(TILE_POLICY_COLLECTION.get(key, "/")):
                problems.append("%s (is %s, not under %s)" % (item, found, TILE_POLICY_COLLECTION[key]))
            else:
                ids.append(policy_id)
        if not items:
            problems.append("the tile has no value")
        resolved[key] = dict(value=value, policy_id=None if problems else ",".join(ids), reason="; ".join(problems))
    return resolved


def read_tile(cli, resolver, fresh=False):
    """(staged properties, resolution of the four objects, the Policy API switch) of the tile ``cli`` reads."""
    staged = cli.staged_properties(fresh=fresh)
    names = cli.tile["id_properties"]
    resolved = resolve_tile(resolver, dict((key, staged.get(names[key])) for key in TILE_KINDS))
    return staged, resolved, as_bool(staged.get(cli.tile["policy_api_property"]))


def unresolved(resolved):
    return ["%s: %s" % (key, entry["reason"]) for key, entry in resolved.items() if entry["policy_id"] is None]


def tile_policy_ids(resolved):
    return dict((key, entry["policy_id"]) for key, entry in resolved.items())


def verify_test_cluster(cluster, resolved):
    """The test cluster promoted, and the tile's four objects exist in Policy (the shared objects were migrated)."""
    ok, reason = verify_promoted(cluster)
    if not ok:
        return ok, reason
    missing = unresolved(resolved)
    if missing:
        return False, "%s, but the tile's objects have no Policy object: %s" % (reason, "; ".join(missing))
    return True, reason + "; the tile's four objects exist in Policy"


def tile_mismatches(resolved, policy_switch):
    """What still differs from a tile switched to Policy: each ID field must hold its own Policy ID, the switch true."""
    wrong = []
    for key, entry in resolved.items():
        if entry["policy_id"] is None:
            wrong.append("%s: %s" % (key, entry["reason"]))
        elif str(entry["value"]) != entry["policy_id"]:
            wrong.append("%s holds %s, NSX maps it to Policy ID %s" % (key, entry["value"], entry["policy_id"]))
    if policy_switch is not True:
        wrong.append("the Policy API switch is %s, not true" % policy_switch)
    return wrong


def verify_tile(resolved, policy_switch, pending_action, product):
    wrong = tile_mismatches(resolved, policy_switch)
    if wrong:
        return False, "tile %s staged config: %s" % (product, "; ".join(wrong))
    if pending_action is None:
        return False, "tile %s: not listed by om pending-changes (is the product name right?)" % product
    if pending_action != "unchanged":
        return False, "tile %s: staged but not applied (om pending-changes action %s)" % (product, pending_action)
    return True, "tile %s: four Policy IDs and Policy API mode, applied" % product


def verify_clusters(clusters):
    pending = sorted(c["name"] for c in clusters if not promoted(c))
    if pending:
        return False, "not promoted yet: %s" % ", ".join(pending)
    return True, "every cluster (%d): %s %s" % (len(clusters), PROMOTE, SUCCEEDED)


def blocking_clusters(clusters, cluster=None, acknowledged=()):
    """Other clusters whose promotion failed (vendor-facts 6.5) and is not acknowledged, or is still running; the
    ``cluster`` about to be promoted never blocks (its re-run is nsx_mp_import's journal's decision)."""
    blocking = []
    for other in clusters:
        if other["name"] == cluster or other.get("last_action") != PROMOTE:
            continue
        state = other.get("last_action_state")
        if state == FAILED and other["name"] not in acknowledged:
            blocking.append(
                "%s (promotion failed: re-run only that cluster after exit 1; after exit 2 confirm NCP restarts in MP"
                " on all its masters and list it in acknowledged_failures)" % other["name"]
            )
        elif state not in (FAILED, SUCCEEDED):
            blocking.append("%s (promotion %s: never promote two clusters at once)" % (other["name"], state))
    return blocking


def refusal(phase, verdicts, test_cluster=None, blocking=()):
    """(msg, unverified predecessors) when ``phase`` may not start, else (None, [])."""
    unverified = [name for name in PREREQUISITES[phase] if not verdicts[name]["verified"]]
    if unverified:
        first = unverified[0]
        return (
            "TKGI phase %s may not start: phase %s is not verified (%s). Next step: %s"
            % (phase, first, verdicts[first]["reason"], fix_step(first, test_cluster)),
            unverified,
        )
    if blocking:
        return "TKGI phase %s may not start: another cluster's promotion is not done: %s" % (phase, "; ".join(blocking)), []
    return None, []


def verify_migration_mode(cpi_flags, phase):
    """BOSH migration mode; for phase policy_mode, BOSH already in Policy mode counts too (its own last step)."""
    verified, reason = verify_bosh_mode(cpi_flags, "migration")
    if not verified and phase == "policy_mode" and verify_bosh_mode(cpi_flags, "policy")[0]:
        return True, "bosh cpi-config: every CPI in Policy mode already (migration mode ended by the clean-up)"
    return verified, reason


class PhaseGate(object):
    """Reads what ``phase`` and its predecessors need and decides (``resolver_factory`` is called only when NSX must be read)."""

    def __init__(self, cli, resolver_factory, test_cluster=None):
        self.cli = cli
        self.resolver_factory = resolver_factory
        self.test_cluster = test_cluster
        self.promotions = OrderedDict()
        self._tile = None

    def tile_state(self):
        """(staged, resolved, switch) of the tile, read once."""
        if self._tile is None:
            self._tile = read_tile(self.cli, self.resolver_factory())
        return self._tile

    def _seen(self, cluster):
        self.promotions[cluster["name"]] = promotion(cluster)
        return cluster

    def verify(self, name, phase):
        if name in ("migration_mode", "policy_mode"):
            flags = self.cli.cpi_flags()
            return verify_migration_mode(flags, phase) if name == "migration_mode" else verify_bosh_mode(flags, "policy")
        if name == "test_cluster":
            return verify_test_cluster(self._seen(self.cli.cluster(self.test_cluster)), self.tile_state()[1])
        if name == "tile":
            _staged, resolved, switch = self.tile_state()
            return verify_tile(resolved, switch, self.cli.pending_action(), self.cli.tile["product_name"])
        return verify_clusters([self._seen(c) for c in self.cli.clusters()])

    def decide(self, phase, cluster=None, acknowledged=()):
        """(result dict, refusal msg or None)."""
        verdicts = OrderedDict()
        for name in PREREQUISITES[phase] + (phase,):
            verified, reason = self.verify(name, phase)
            verdicts[name] = dict(verified=verified, reason=reason)
        blocking = blocking_clusters([self._seen(c) for c in self.cli.clusters()], cluster, acknowledged) if phase == "clusters" else []
        msg, unverified = refusal(phase, verdicts, self.test_cluster, blocking)
        result = dict(phases=verdicts, promotions=dict(self.promotions), unverified=unverified, blocking_clusters=blocking)
        if self._tile is not None:
            result["tile_policy_ids"] = tile_policy_ids(self._tile[1])
        return result, msg


def tile_change(tile, staged, resolved):
    """(before, after): the tile's four ID properties and its Policy API switch as staged, and as they must be."""
    names = tile["id_properties"]
    before = OrderedDict((names[key], staged.get(names[key])) for key in TILE_KINDS)
    before[tile["policy_api_property"]] = staged.get(tile["policy_api_property"])
    after = OrderedDict((names[key], resolved[key]["policy_id"]) for key in TILE_KINDS)
    after[tile["policy_api_property"]] = True
    return before, after
