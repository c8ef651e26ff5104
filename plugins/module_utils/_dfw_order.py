# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep the firewall's effective order through the migration window (docs/architecture.md section 3, invariant 10,
vendor-facts 4): once imported, NCP's rules are Policy rules and outrank every MP section, so the admin's top sections
are re-created in Policy before the first import and the bottom ones after the last (nsx_dfw_order documents how).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _preflight_checks as checks
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dfw_scope import SECTIONS, ScopeOptions, read_rules
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import finding
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

POLICY = "/policy/api/v1"
TOP, BOTTOM, INSIDE, UNAFFECTED = "top", "bottom", "inside", "unaffected"
CATEGORIES = ("Ethernet", "Emergency", "Infrastructure", "Environment", "Application")
SECTION_TAG = "ncp-mp-to-policy/mp-section"
RULE_TAG = "ncp-mp-to-policy/mp-rule"
# Where the copies go: the domain of the imported NCP policies, TKGI's categories (top copies above, bottom copies
# below every imported NCP policy), and the prefix of their IDs.
DOMAIN = "default"
TOP_CATEGORY, BOTTOM_CATEGORY = "Environment", "Application"
POLICY_ID_PREFIX = "ncp-mp-"
ADDRESS_TYPES = ("IPv4Address", "IPv6Address", "IPAddress")
SERVICE_TYPES = ("NSService", "NSServiceGroup")
# MP inline service type -> (Policy service entry type, its protocol field, the optional fields copied when set).
SERVICE_ENTRY_TYPES = {
    "L4PortSetNSService": ("L4PortSetServiceEntry", "l4_protocol", ("destination_ports", "source_ports")),
    "ICMPTypeNSService": ("ICMPTypeServiceEntry", "protocol", ("icmp_type", "icmp_code")),
    "IPProtocolNSService": ("IPProtocolServiceEntry", "protocol_number", ()),
}
COPIED_RULE_FIELDS = ("display_name", "action", "direction", "ip_protocol", "disabled", "logged", "notes", "sources_excluded", "destinations_excluded")


class OrderError(Exception):
    """The options or the firewall do not allow a plan (nothing NSX said)."""


class OrderOptions(ScopeOptions):
    def __init__(self, clusters, policy_counterparts=None, **scope):
        super(OrderOptions, self).__init__(clusters, **scope)
        self.policy_counterparts = dict(policy_counterparts or {})
        bad = sorted(k for k, v in self.policy_counterparts.items() if not isinstance(v, str) or not v.startswith("/infra/"))
        if bad:
            raise OrderError("policy_counterparts must map MP object IDs to Policy paths (/infra/...); wrong for: %s" % ", ".join(bad))

    @property
    def policies_path(self):
        return "%s/infra/domains/%s/security-policies" % (POLICY, DOMAIN)

    def policy_id(self, section_id):
        return POLICY_ID_PREFIX + section_id


SCOPE_KEYS = ("clusters", "firewall_markers", "ncp_principal_identities", "policy_counterparts")


def scope_options(scope):
    """OrderOptions from a DFW scope mapping (nsx_mp_import's require_dfw_top_rules); unknown keys are an error."""
    unknown = sorted(set(scope) - set(SCOPE_KEYS))
    if unknown:
        raise OrderError("unknown keys %s (known: %s)" % (", ".join(unknown), ", ".join(SCOPE_KEYS)))
    clusters = scope.get("clusters")
    if not isinstance(clusters, list) or not clusters or not all(isinstance(c, str) and c for c in clusters):
        raise OrderError("clusters must list at least one cluster name")
    return OrderOptions(**dict((k, v) for k, v in scope.items() if v is not None))


# -- classification (pure) -------------------------------------------------------------------


def classify(sections, options):
    """Each admin section of the ordered MP list with its case: top, bottom, inside or unaffected.

    Returns a list of ``{"section", "position" (1-based), "case"}``; NCP sections and the default section are left out.
    """
    scan = checks.SectionRangeScan(options.clusters, options.identities, options.firewall_markers)
    index = dict((s.get("id"), i) for i, s in enumerate(sections))
    bounds = [i for i, s in enumerate(sections) if scan.is_ncp(s)]
    top_marker, bottom_marker = options.firewall_markers.get("top"), options.firewall_markers.get("bottom")
    for marker in (top_marker, bottom_marker):
        if marker and marker not in index:
            raise OrderError("firewall marker section %s does not exist" % marker)
    first = index[top_marker] if top_marker else (bounds[0] if bounds else None)
    last = index[bottom_marker] if bottom_marker else (bounds[-1] if bounds else None)
    found = []
    for i, section in enumerate(sections):
        if scan.is_ncp(section) or section.get("is_default"):
            continue
        sid = section.get("id")
        if first is None and last is None:
            case = UNAFFECTED
        elif sid == top_marker or (first is not None and i < first):
            case = TOP
        elif sid == bottom_marker or (last is not None and i > last):
            case = BOTTOM
        else:
            case = INSIDE
        found.append({"section": section, "position": i + 1, "case": case})
    return found


# -- translation ---------------------------------------------------------------------------


class Counterparts:
    """Policy paths of MP objects a rule names: ``policy_counterparts`` first, else the Policy object of the same ID."""

    CANDIDATES = {
        "NSGroup": "/infra/domains/{domain}/groups/{id}",
        "IPSet": "/infra/domains/{domain}/groups/{id}",
        "NSService": "/infra/services/{id}",
        "NSServiceGroup": "/infra/services/{id}",
    }

    def __init__(self, client, options):
        self.client = client
        self.options = options
        self.cache = {}

    def path(self, target_type, target_id):
        if target_id in self.options.policy_counterparts:
            return self.options.policy_counterparts[target_id]
        template = self.CANDIDATES.get(target_type)
        if template is None or self.client is None:
            return None
        path = template.format(domain=DOMAIN, id=target_id)
        if path not in self.cache:
            try:
                self.client.get(POLICY + path)
                self.cache[path] = path
            except NsxApiError as exc:
                if exc.status != 404:
                    raise
                self.cache[path] = None
        return self.cache[path]


def _untranslatable(section, rule, what, target):
    return finding(
        "dfw_order_untranslatable",
        "error",
        "Rule %r (%s) of admin section %r (%s) names %s %r (%s), which has no Policy counterpart: the rule cannot be re-created in Policy"
        % (
            rule.get("display_name"),
            rule.get("id"),
            section.get("display_name"),
            section.get("id"),
            what,
            target.get("target_display_name"),
            target.get("target_id"),
        ),
        "Promote or create the object in Policy (same ID), or name its Policy path in policy_counterparts (%s: /infra/...)." % target.get("target_id"),
        object_type=target.get("target_type"),
        object_id=target.get("target_id"),
        display_name=target.get("target_display_name"),
    )


def _service_entry(service, number):
    known = SERVICE_ENTRY_TYPES.get(service.get("resource_type"))
    if known is None:
        return None
    resource_type, protocol, optional = known
    entry = {"id": "entry-%d" % number, "display_name": "entry-%d" % number, "resource_type": resource_type, protocol: service.get(protocol)}
    entry.update((key, service[key]) for key in optional if service.get(key) not in (None, []))
    return entry


def translate_rule(rule, section, counterparts):
    """(Policy rule body, findings) for one MP rule; the body is None when a finding says why."""
    problems = []

    def lookup(target, what, out):
        path = counterparts.path(target.get("target_type"), target.get("target_id"))
        if path is None:
            problems.append(_untranslatable(section, rule, what, target))
        else:
            out.append(path)

    def groups(targets):
        out = []
        for target in targets or []:
            if target.get("target_type") in ADDRESS_TYPES:
                out.append(target.get("target_id"))
            else:
                lookup(target, target.get("target_type"), out)
        return out or ["ANY"]

    body = dict((k, rule[k]) for k in COPIED_RULE_FIELDS if k in rule)
    body["display_name"] = rule.get("display_name") or rule.get("id")
    body["source_groups"] = groups(rule.get("sources"))
    body["destination_groups"] = groups(rule.get("destinations"))
    paths, entries = [], []
    for service in rule.get("services") or []:
        kind = service.get("target_type")
        inline = service.get("service")
        entry = _service_entry(inline, len(entries) + 1) if isinstance(inline, dict) else None
        if kind in SERVICE_TYPES:
            lookup(service, kind, paths)
        elif entry:
            entries.append(entry)
        else:
            problems.append(_untranslatable(section, rule, "service", dict(service, target_type=kind or "inline service")))
    if paths:
        body["services"] = paths
    if entries:
        body["service_entries"] = entries
    if not paths and not entries:
        body["services"] = ["ANY"]
    # A rule's applied_tos, else its section's, become the rule's scope (Policy: groups).
    scope = []
    for target in rule.get("applied_tos") or section.get("applied_tos") or []:
        lookup(target, "applied_to %s" % target.get("target_type"), scope)
    body["scope"] = scope or ["ANY"]
    body["tags"] = [{"scope": RULE_TAG, "tag": rule.get("id")}]
    return (None if problems else body), problems


# -- reading and planning ----------------------------------------------------------------------


class FirewallView:
    """The MP section list, the rules of the admin sections that count, and the Policy security policies."""

    def __init__(self, sections, classified, rules, policies, policy_rules):
        self.sections = sections
        self.classified = classified
        self.rules = rules  # MP section id -> rules
        self.policies = policies  # Policy id -> policy
        self.policy_rules = policy_rules  # Policy id -> {rule id: rule}


def read(client, options, sides=(TOP, BOTTOM)):
    sections = list(client.paginate(SECTIONS))
    classified = classify(sections, options)
    wanted = [item["section"] for item in classified if item["case"] in sides]
    rules = read_rules(client, [s["id"] for s in wanted if s.get("rule_count", 1)], options.max_concurrency)
    rules.update((s["id"], []) for s in wanted if not s.get("rule_count", 1))
    policies = dict((p.get("id"), p) for p in client.paginate(options.policies_path))
    policy_rules = {}
    for item in classified:
        policy_id = options.policy_id(item["section"]["id"])
        if item["case"] in sides and policy_id in policies:
            policy_rules[policy_id] = dict((r.get("id"), r) for r in client.paginate("%s/%s/rules" % (options.policies_path, policy_id)))
    return FirewallView(sections, classified, rules, policies, policy_rules)


def _rank(policy):
    category = policy.get("category")
    return (CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES), int(policy.get("sequence_number") or 0))


def _ncp_policies(view, options):
    copies = set(options.policy_id(item["section"]["id"]) for item in view.classified)
    return [p for p in view.policies.values() if checks.tag_value(p, checks.CLUSTER_TAG) and p.get("id") not in copies]


def plan(view, options, counterparts, side):
    """What puts ``side``'s copies in place: ``{"entries", "findings", "sections"}`` (pure but for counterpart lookups)."""
    category = TOP_CATEGORY if side == TOP else BOTTOM_CATEGORY
    entries, findings, sections = [], [], []
    for item in view.classified:
        section = item["section"]
        if item["case"] == INSIDE:
            findings.append(_inside(section, item["position"]))
        if item["case"] != side:
            continue
        policy_id = options.policy_id(section["id"])
        bodies = []
        for number, rule in enumerate(view.rules.get(section["id"], []), start=1):
            body, problems = translate_rule(rule, section, counterparts)
            findings.extend(problems)
            if body is not None:
                bodies.append(dict(body, id=rule.get("id"), sequence_number=number))
        existing = view.policies.get(policy_id)
        present = view.policy_rules.get(policy_id, {})
        in_place = existing is not None and existing.get("category") == category and all(_same(b, present.get(b["id"])) for b in bodies)
        in_place = in_place and set(present) == set(b["id"] for b in bodies)
        sections.append(
            {
                "id": section["id"],
                "display_name": section.get("display_name"),
                "case": side,
                "position": item["position"],
                "rules": len(view.rules.get(section["id"], [])),
                "policy_path": "/infra/domains/%s/security-policies/%s" % (DOMAIN, policy_id),
                "category": category,
                "in_place": in_place,
            }
        )
        if in_place:
            continue
        entries.append(
            {
                "action": "update" if existing else "create",
                "side": side,
                "section_id": section["id"],
                "policy_id": policy_id,
                "policy_path": sections[-1]["policy_path"],
                "display_name": section.get("display_name"),
                "category": category,
                "rules": bodies,
                "stale_rules": sorted(set(present) - set(b["id"] for b in bodies)),
                "body": {
                    "display_name": section.get("display_name"),
                    "description": "Copy of admin MP DFW section %s, kept in order through the MP-to-Policy import (ncp.mp_to_policy)" % section["id"],
                    "category": category,
                    "stateful": section.get("stateful", True) is not False,
                    "tags": [{"scope": SECTION_TAG, "tag": section["id"]}],
                },
                "message": "%s Policy security policy %s (%s, %d rule(s)) as the copy of %s admin section %r (%s)"
                % ("Update" if existing else "Create", policy_id, category, len(bodies), side, section.get("display_name"), section["id"]),
            }
        )
    return {"entries": entries, "findings": findings, "sections": sections}


def _same(body, rule):
    return rule is not None and all(rule.get(k) == v for k, v in body.items() if k != "sequence_number")


def _inside(section, position):
    return finding(
        "dfw_order_section_inside",
        "error",
        "Admin DFW section %r (%s) at position %d lies between NCP's markers (or NCP's first and last section): its order"
        " relative to NCP's rules cannot be kept once a cluster is imported" % (section.get("display_name"), section.get("id"), position),
        "Move it above NCP's range (re-created in Policy before the first import) or below it (after the last import) with"
        " nsx_dfw_refactor (prepare.yml); a section that can move neither way is not supported by the vendor's procedure.",
        object_type="FirewallSection",
        object_id=section.get("id"),
        display_name=section.get("display_name"),
    )


def order_check(view, options, sections):
    """Violations of invariant 10 that the Policy API shows: a top copy not ranked before every imported NCP policy, a
    bottom copy not ranked after every one. Returns a list of messages (empty: the order is kept)."""
    ncp = _ncp_policies(view, options)
    violations = []
    for entry in sections:
        policy = view.policies.get(entry["policy_path"].rsplit("/", 1)[-1])
        if policy is None:
            continue
        for other in ncp:
            wrong = _rank(policy) >= _rank(other) if entry["case"] == TOP else _rank(policy) <= _rank(other)
            if wrong:
                violations.append(
                    "%s copy %s (%s, sequence %s) is %s NCP policy %s (%s, sequence %s, cluster %s)"
                    % (
                        entry["case"],
                        policy.get("id"),
                        policy.get("category"),
                        policy.get("sequence_number"),
                        "not above" if entry["case"] == TOP else "not below",
                        other.get("id"),
                        other.get("category"),
                        other.get("sequence_number"),
                        checks.tag_value(other, checks.CLUSTER_TAG),
                    )
                )
    return violations


def top_rules_missing(client, options):
    """The gate before an import (invariant 10): findings naming every top section whose Policy copy is not in place, or
    that is ranked below an imported NCP policy; empty when the import may start."""
    view = read(client, options, sides=(TOP,))
    made = plan(view, options, Counterparts(client, options), TOP)
    found = [f for f in made["findings"] if f["check"] == "dfw_order_untranslatable"]
    for entry in made["sections"]:
        if not entry["in_place"]:
            found.append(
                finding(
                    "dfw_order_top_rules_in_policy",
                    "error",
                    "Admin top section %r (%s, %d rule(s)) has no complete Policy copy %s in category %s: an import now would"
                    " enforce the cluster's NCP rules before it"
                    % (entry["display_name"], entry["id"], entry["rules"], entry["policy_path"], entry["category"]),
                    "Re-create the top rules in Policy first (nsx_dfw_order state=top, done by the migration before the first import).",
                    object_type="FirewallSection",
                    object_id=entry["id"],
                    display_name=entry["display_name"],
                )
            )
    found.extend(
        finding(
            "dfw_order_top_rules_in_policy", "error", message, "Move the copy above NCP's policies (a higher-priority category).", object_type="SecurityPolicy"
        )
        for message in order_check(view, options, made["sections"])
    )
    return found


# -- applying ------------------------------------------------------------------------------------


def _next_sequence(view, category, skip=()):
    numbers = [
        int(p.get("sequence_number") or 0)
        for p in view.policies.values()
        if p.get("category") == category and not p.get("is_default") and p.get("id") not in skip
    ]
    return max(numbers) + 1 if numbers else 1


def apply(client, view, options, entries, applied):
    """Create or update each copy (one PATCH with its rules, then its stale rules deleted) below every other policy of its
    category, in MP order, each entry done into ``applied``. Raises NsxApiError at the first refusal."""
    skip = set(e["policy_id"] for e in entries)
    sequence = {}
    for entry in entries:
        category = entry["category"]
        if category not in sequence:
            sequence[category] = _next_sequence(view, category, skip)
        body = dict(entry["body"], sequence_number=sequence[category], rules=[dict(r) for r in entry["rules"]])
        sequence[category] += 1
        path = "%s/%s" % (options.policies_path, entry["policy_id"])
        client.request("PATCH", path, body=body)
        for rule_id in entry["stale_rules"]:
            client.delete("%s/rules/%s" % (path, rule_id))
        applied.append(dict(entry, sequence_number=body["sequence_number"]))


# -- after the last cluster (finish.yml) ---------------------------------------------------------


def finish_check(result, check_mode=False):
    """finish.yml's firewall-order verdict (invariant 10) from the result of ``nsx_dfw_order state=bottom`` after the last
    import (the filter dfw_order_finish documents it); finish fails while ``problems`` is not empty."""
    result = result or {}
    order = result.get("order") or {}
    record = {
        "checked": not result.get("skipped") and bool(order or result.get("failed")),
        "changed": bool(result.get("changed")),
        "top_in_place": order.get("top_in_place"),
        "bottom_in_place": order.get("bottom_in_place"),
        "violations": list(order.get("violations") or []),
        "written": [e.get("policy_path") for e in (result.get("plan") if check_mode else result.get("applied")) or [] if e.get("policy_path")],
        "problems": [],
    }
    if not record["checked"]:
        return record
    problems = record["problems"]
    if result.get("failed"):
        problems.append("the admin's bottom DFW rules were not re-created in Policy: %s" % (result.get("msg") or "no message"))
    problems.extend(record["violations"])
    if order.get("top_in_place") is False:
        missing = [s.get("id") for s in result.get("sections") or [] if s.get("case") == TOP and not s.get("in_place")]
        problems.append(
            "admin top section(s) %s have no complete Policy copy: their MP rules are enforced after every imported NCP rule"
            " (nsx_dfw_order state=top re-creates them)" % (", ".join(missing) or "?")
        )
    if order.get("bottom_in_place") is False and not result.get("failed") and not (check_mode and record["written"]):
        problems.append("the admin's bottom DFW rules have no complete Policy copy after the bottom step")
    return record
