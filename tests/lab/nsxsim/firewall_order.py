"""The effective distributed firewall: Policy security policies above every MP section, and the order of every rule.

Published (API-REF, SecurityPolicy.category): the five DFW categories in priority order are Ethernet (layer 2),
Emergency, Infrastructure, Environment and Application; a policy without a category comes after them. Within a
category, policies are ordered by ``sequence_number``, rules within a policy by theirs (API-REF: SecurityPolicy and
Rule ``sequence_number``). NSX realizes Policy sections ahead of every MP-created section (vendor-facts 4.2, TKGI:
"Policy DFW sections have higher priority than every existing MP firewall section"), and MP sections apply in list
order. A promoted MP section is enforced as its Policy security policy, no longer at its MP place.

Simulator choices (UNCONFIRMED, documented in docs/nsx-api.md): equal sequence numbers keep creation order; a
policy or rule created without a sequence number goes to the bottom (highest + 1); ``action=revise`` (and an import)
renumbers the category's policies 10, 20, 30, ... in their new order, which is how NSX's "computed sequence number"
reads; imported NCP sections land in ``settings.imported_dfw_category`` at ``settings.imported_dfw_position``.
"""

import re

CATEGORIES = ("Ethernet", "Emergency", "Infrastructure", "Environment", "Application")
POLICY_PATH = re.compile(r"^/infra/domains/[^/]+/security-policies/[^/]+$")
RULE_PATH = re.compile(r"^/infra/domains/[^/]+/security-policies/[^/]+/rules/[^/]+$")
CLUSTER_TAG = "ncp/cluster"
SEQUENCE_STEP = 10


def category_rank(category):
    return CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)


def _tag(obj, scope):
    return next((t.get("tag") for t in obj.get("tags") or [] if t.get("scope") == scope), None)


def policies(tree):
    return [obj for path, obj in tree.objects.items() if POLICY_PATH.match(path)]


def ordered_policies(tree, category=None):
    """Security policies in enforcement order (optionally one category's)."""
    found = [p for p in policies(tree) if category is None or (p.get("category") or "") == category]
    return sorted(found, key=lambda p: (category_rank(p.get("category")), int(p.get("sequence_number") or 0), tree.serial.get(p["path"], 0)))


def ordered_rules(tree, policy_path):
    rules = tree.children.get(policy_path + "/rules", {}).values()
    return sorted(rules, key=lambda r: (int(r.get("sequence_number") or 0), tree.serial.get(r["path"], 0)))


def next_sequence(objects):
    numbers = [int(o.get("sequence_number") or 0) for o in objects]
    return (max(numbers) + 1) if numbers else SEQUENCE_STEP


def renumber(objects):
    for index, obj in enumerate(objects):
        obj["sequence_number"] = SEQUENCE_STEP * (index + 1)


def place(ordered, moved, operation, anchor=None):
    """``ordered`` with the objects ``moved`` (in their order) put at insert_top/bottom/before/after ``anchor``."""
    ids = {id(o) for o in moved}
    rest = [o for o in ordered if id(o) not in ids]
    if operation == "insert_top":
        at = 0
    elif operation == "insert_bottom":
        at = len(rest)
    else:
        at = rest.index(anchor) + (operation == "insert_after")
    return rest[:at] + list(moved) + rest[at:]


def land_imported(tree, paths, category, position):
    """Put the security policies an import just created at the top or bottom of their category, in submission order."""
    moved = [tree.objects[p] for p in paths]
    for policy in moved:
        policy["category"] = category
    current = list(ordered_policies(tree, category))
    renumber(place(current, moved, "insert_top" if position == "top" else "insert_bottom"))


def effective_order(sim):
    """Every DFW rule in the order the firewall applies them (first match wins), layer 3 and layer 2 alike.

    Each entry: ``layer`` (policy | mp), ``category`` (Policy only), ``container`` (policy path or MP section id),
    ``container_name``, ``rule`` (rule path or MP rule id), ``rule_name``, ``cluster`` (the container's
    ``ncp/cluster`` tag: an NCP rule), ``mp_rule`` (for a promoted rule, the MP rule it came from; for an MP rule,
    its own id), ``tags`` (the rule's tags as a mapping).
    """
    tree, inv = sim.policy, sim.inventory
    origin = {path: mp_id for mp_id, path in sim.promoter.policy_path_of.items()}
    entries = []
    for policy in ordered_policies(tree):
        for rule in ordered_rules(tree, policy["path"]):
            entries.append(
                {
                    "layer": "policy",
                    "category": policy.get("category") or "",
                    "container": policy["path"],
                    "container_name": policy.get("display_name"),
                    "rule": rule["path"],
                    "rule_name": rule.get("display_name"),
                    "cluster": _tag(policy, CLUSTER_TAG),
                    "mp_rule": origin.get(rule["path"]),
                    "tags": {t.get("scope"): t.get("tag") for t in rule.get("tags") or []},
                }
            )
    promoted = set(sim.promoter.policy_path_of)
    for section in inv.sections:
        if section["id"] in promoted:
            continue
        for rule in inv.rules.get(section["id"], []):
            entries.append(
                {
                    "layer": "mp",
                    "category": None,
                    "container": section["id"],
                    "container_name": section.get("display_name"),
                    "rule": rule["id"],
                    "rule_name": rule.get("display_name"),
                    "cluster": _tag(section, CLUSTER_TAG),
                    "mp_rule": rule["id"],
                    "tags": {t.get("scope"): t.get("tag") for t in rule.get("tags") or []},
                }
            )
    return entries
