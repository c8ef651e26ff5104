# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan and apply the DFW refactoring the import needs (vendor step 3, "Dealing with DFW Sections Created by NSX
Admin"): admin sections out of NCP's range, user rules out of NCP's sections (nsx_dfw_refactor documents where they go).

Blockers are found, and the planned layout checked, with the preflight's own judgement over the same data, so that a
preflight after the apply finds no DFW blocker. NSX cannot move a rule to another section: a move is a copy into the
target section, then the delete of the original (the copy is deleted again if that fails).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import Counter

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _preflight_checks as checks
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dfw_scope import SECTIONS, ScopeOptions, read_rules

ABOVE = "above"
BELOW = "below"
SIDES = (ABOVE, BELOW)
DEFAULT_TARGET_PREFIX = "ncp-mp-to-policy-moved-rules"
# Fields NSX sets itself: never sent back in a created rule.
RULE_SYSTEM_FIELDS = tuple(
    "id section_id _revision _create_user _create_time _last_modified_user _last_modified_time _protection _system_owned _schema _self _links".split()
)
CONFLICT_STATUSES = (409, 412)
TARGET_DESCRIPTION = "DFW rules moved out of NCP-created sections before the MP-to-Policy import (ncp.mp_to_policy.nsx_dfw_refactor)."


class RefactorError(Exception):
    """The plan cannot be made or applied as asked (nothing NSX said)."""


class RefactorConflict(RefactorError):
    """An object changed on NSX since it was read for the plan."""

    def __init__(self, message, item=None, planned_revision=None, current_revision=None):
        super(RefactorConflict, self).__init__(message)
        self.item = item
        self.planned_revision = planned_revision
        self.current_revision = current_revision


class RefactorOptions(ScopeOptions):
    def __init__(
        self,
        clusters,
        placement="auto",
        section_placement=None,
        rule_placement=None,
        rule_target_sections=None,
        rule_target_prefix=DEFAULT_TARGET_PREFIX,
        **scope,
    ):
        super(RefactorOptions, self).__init__(clusters, **scope)
        self.placement = placement or "auto"
        self.section_placement = dict(section_placement or {})
        self.rule_placement = dict(rule_placement or {})
        self.rule_target_sections = dict((k, v) for k, v in (rule_target_sections or {}).items() if v)
        self.rule_target_prefix = rule_target_prefix or DEFAULT_TARGET_PREFIX
        if self.placement not in ("auto",) + SIDES:
            raise RefactorError("placement must be auto, above or below, not %r" % self.placement)
        for name, mapping in (("section_placement", self.section_placement), ("rule_placement", self.rule_placement)):
            bad = sorted(k for k, v in mapping.items() if v not in SIDES + ("auto",))
            if bad:
                raise RefactorError("%s must map IDs to above, below or auto; wrong for: %s" % (name, ", ".join(bad)))
        bad = sorted(set(self.rule_target_sections) - set(SIDES))
        if bad:
            raise RefactorError("rule_target_sections takes the keys above and below, not: %s" % ", ".join(bad))


# -- reading ---------------------------------------------------------------------------------


class FirewallState:
    """The DFW as read for one plan: every section in order, and the rules of in-scope NCP sections."""

    def __init__(self, sections, rules, scan, identities):
        self.sections = sections  # ordered list of section dicts, as NSX listed them
        self.rules = rules  # section id -> ordered list of rule dicts (in-scope NCP sections with rules)
        self.scan = scan  # the preflight's SectionRangeScan, fed with every section
        self.identities = identities  # the ncp_principal_identities given (empty: each section's creator)
        # Whose objects are never moved or deleted: the identities given, else every ncp/cluster-tagged section's creator.
        self.principals = set(identities) or set(scan.ncp_creators)


def scan_sections(sections, options):
    scan = checks.SectionRangeScan(options.clusters, options.identities, options.firewall_markers)
    for section in sections:
        scan.add(section)
    return scan


def read_firewall(client, options):
    """Read the DFW the way the preflight does: the section list, then rules per in-scope NCP section."""
    sections = list(client.paginate(SECTIONS))
    scan = scan_sections(sections, options)
    rules = read_rules(client, [section[0] for section in scan.ncp_sections if section[3] != 0], options.max_concurrency)
    return FirewallState(sections, rules, scan, set(options.identities))


# -- planning --------------------------------------------------------------------------------


def _brief(section):
    return {
        "id": section.get("id"),
        "display_name": section.get("display_name"),
        "cluster": checks.tag_value(section, checks.CLUSTER_TAG),
        "rules": section.get("rule_count") or 0,
    }


def _side(options, overrides, object_id, cost):
    chosen = overrides.get(object_id)
    if chosen in SIDES:
        return chosen, "per-object override"
    if chosen != "auto" and options.placement in SIDES:
        return options.placement, "placement"
    above = (cost[ABOVE]["sections"], cost[ABOVE]["rules"])
    below = (cost[BELOW]["sections"], cost[BELOW]["rules"])
    return (ABOVE if above <= below else BELOW), "auto"


def _cost(ncp_indexes):
    return {"sections": len(ncp_indexes), "rules": sum(rules for _index, rules in ncp_indexes)}


class Plan:
    """The moves, in the order they are applied, and the layouts before and after."""

    def __init__(self):
        self.items = []  # public plan entries (module return value)
        self.work = []  # per item: what apply needs (bodies, keys)
        self.before = []  # section dicts, current order
        self.after = []  # section dicts, planned order (new target sections marked _planned_new)
        self.moved_rules = {}  # rule id -> (from section id, to section key)
        self.findings = []  # the preflight findings the plan clears

    @property
    def empty(self):
        return not self.items


def compute_plan(state, options):
    """The plan that clears every DFW blocker the preflight finds in ``state`` (pure: no NSX calls)."""
    sections = state.sections
    scan = state.scan
    index = dict((section.get("id"), i) for i, section in enumerate(sections))
    plan = Plan()
    plan.before = list(sections)

    section_findings = scan.result()
    rule_findings = []
    for section_tuple in scan.ncp_sections:
        section_rules = state.rules.get(section_tuple[0])
        if section_rules:
            rule_findings.extend(checks.check_rules_of_section(section_tuple, section_rules, state.identities))
    plan.findings = section_findings + rule_findings
    if not plan.findings:
        plan.after = list(sections)
        return plan
    _refuse_principal_objects(state, section_findings, rule_findings, index)

    bounded = [i for i, section in enumerate(sections) if scan.is_ncp(section) or scan.is_marker(section)]
    first, last = bounded[0], bounded[-1]
    ncp_at = dict((i, sections[i].get("rule_count") or 0) for i in range(first, last + 1) if scan.is_ncp(sections[i]))

    def ncp_between(low, high):
        return [(i, ncp_at[i]) for i in range(low, high) if i in ncp_at]

    # Admin sections to move, with their side.
    section_moves = []
    for item in section_findings:
        position = index[item["object_id"]]
        cost = {ABOVE: _cost(ncp_between(first, position)), BELOW: _cost(ncp_between(position + 1, last + 1))}
        side, reason = _side(options, options.section_placement, item["object_id"], cost)
        section_moves.append({"section": sections[position], "side": side, "reason": reason, "cost": cost, "finding": item})

    # User rules to move, with their side and target section: (side, section_type, stateful) -> section.
    targets = {}
    by_name = dict((s.get("display_name"), s) for s in reversed(sections) if not scan.is_ncp(s))  # the first of a name wins

    def target_for(side, source):
        key = (side, source.get("section_type") or "LAYER3", source.get("stateful", True) is not False)
        if key not in targets:
            targets[key] = _target_section(options, key, sections, index, scan, by_name)
        return key

    rule_moves = []
    user_ids = set(f["object_id"] for f in rule_findings)
    rule_section = dict((rule.get("id"), sid) for sid, rules in state.rules.items() for rule in rules if rule.get("id") in user_ids)
    for item in rule_findings:
        source_id = rule_section[item["object_id"]]
        source = sections[index[source_id]]
        source_rules = state.rules[source_id]
        position = next(i for i, rule in enumerate(source_rules) if rule.get("id") == item["object_id"])
        ncp_before = sum(1 for rule in source_rules[:position] if rule.get("id") not in user_ids)
        ncp_after = sum(1 for rule in source_rules[position + 1 :] if rule.get("id") not in user_ids)
        at = index[source_id]
        above = ncp_between(first, at) + ([(at, ncp_before)] if ncp_before else [])
        below = ncp_between(at + 1, last + 1) + ([(at, ncp_after)] if ncp_after else [])
        cost = {ABOVE: _cost(above), BELOW: _cost(below)}
        side, reason = _side(options, options.rule_placement, item["object_id"], cost)
        rule_moves.append(
            {
                "rule": source_rules[position],
                "source": source,
                "position": position,
                "side": side,
                "reason": reason,
                "cost": cost,
                "finding": item,
                "own": ncp_before if side == ABOVE else ncp_after,  # NCP rules of its own section it passes
                "target": target_for(side, source),
            }
        )

    # A reused target section that is itself inside the range moves to its own side.
    target_ids = dict((t.get("id"), key[0]) for key, t in targets.items() if not t.get("_planned_new"))
    for move in section_moves:
        side = target_ids.get(move["section"].get("id"))
        if side:
            move["side"], move["reason"] = side, "rule target section"

    # The planned order.
    moved_ids = set(m["section"].get("id") for m in section_moves)
    moved_above = [m["section"] for m in section_moves if m["side"] == ABOVE]
    moved_below = [m["section"] for m in section_moves if m["side"] == BELOW]
    new_above = [t for key, t in sorted(targets.items()) if t.get("_planned_new") and key[0] == ABOVE]
    new_below = [t for key, t in sorted(targets.items()) if t.get("_planned_new") and key[0] == BELOW]
    first_section, last_section = sections[first], sections[last]
    after = []
    for section in sections:
        if section.get("id") in moved_ids:
            continue
        if section is first_section:
            after.extend(moved_above + new_above)
        after.append(section)
        if section is last_section:
            after.extend(new_below + moved_below)
    plan.after = after
    after_index = dict((section.get("id"), i) for i, section in enumerate(after))

    def flips(before_at, after_at, skip=()):
        ncp, admin = [], []
        for section in sections:
            sid = section.get("id")
            if sid in skip:
                continue
            if (before_at < index[sid]) == (after_at < after_index[sid]):
                continue
            if scan.is_ncp(section):
                ncp.append(_brief(section))
            else:
                admin.append({"id": sid, "display_name": section.get("display_name")})
        return ncp, admin

    # Section moves, in apply order: above in list order, new targets, below in list order.
    for move in section_moves:
        if move["side"] == ABOVE:
            _add_section_move(plan, move, "insert_before", first_section, after_index, flips)
    for target in new_above:
        _add_create(plan, target, "insert_before", first_section, after_index)
    anchor = last_section
    for target in new_below:
        _add_create(plan, target, "insert_after", anchor, after_index)
        anchor = target
    for move in section_moves:
        if move["side"] == BELOW:
            _add_section_move(plan, move, "insert_after", anchor, after_index, flips)
            anchor = move["section"]

    # Rule moves: above ones appended in priority order, below ones put on top in reverse order,
    # so both keep their relative order.
    def order(move):
        return (index[move["source"].get("id")], move["position"])

    above_moves = sorted([m for m in rule_moves if m["side"] == ABOVE], key=order)
    below_moves = sorted([m for m in rule_moves if m["side"] == BELOW], key=order, reverse=True)
    counts = dict((key, 0 if t.get("_planned_new") else (t.get("rule_count") or 0)) for key, t in targets.items())
    below_total = Counter(move["target"] for move in below_moves)
    for move in above_moves:
        counts[move["target"]] += 1
        _add_rule_move(plan, move, targets[move["target"]], "insert_bottom", counts[move["target"]], index, after_index, flips)
    for move in below_moves:
        _add_rule_move(plan, move, targets[move["target"]], "insert_top", below_total[move["target"]], index, after_index, flips)
        below_total[move["target"]] -= 1

    check_planned_layout(plan, state, options)
    return plan


def _target_section(options, key, sections, index, scan, by_name):
    """The section for the rules moved to ``key`` (side, section type, stateful): given, found by name, or to create."""
    side, section_type, stateful = key
    given = options.rule_target_sections.get(side)
    if given:
        if given not in index:
            raise RefactorError("rule_target_sections.%s names section %s, which does not exist" % (side, given))
        section = sections[index[given]]
        if scan.is_ncp(section):
            raise RefactorError("rule_target_sections.%s names section %s, an NCP section: rules must leave NCP's sections" % (side, given))
        if (section.get("section_type") or "LAYER3") != section_type:
            raise RefactorError(
                "rule_target_sections.%s (%s) is a %s section; the rules to move are in %s sections" % (side, given, section.get("section_type"), section_type)
            )
        return section
    name = "%s-%s" % (options.rule_target_prefix, side)
    if section_type != "LAYER3":
        name += "-" + section_type.lower()
    if not stateful:
        name += "-stateless"
    if name in by_name:
        return by_name[name]
    return dict(display_name=name, section_type=section_type, stateful=stateful, description=TARGET_DESCRIPTION, _planned_new=True, id="(new) " + name)


def _refuse_principal_objects(state, section_findings, rule_findings, index):
    """Never plan to move an object a principal identity created (``_create_user``, not ``_protection``)."""
    creators = dict((item["object_id"], state.sections[index[item["object_id"]]].get("_create_user")) for item in section_findings)
    rule_ids = set(item["object_id"] for item in rule_findings)
    creators.update((rule.get("id"), rule.get("_create_user")) for rules in state.rules.values() for rule in rules if rule.get("id") in rule_ids)
    refused = sorted("%s (created by %s)" % (object_id, creator) for object_id, creator in creators.items() if creator in state.principals)
    if refused:
        raise RefactorError(
            "the DFW blockers include objects created by a principal identity, which nsx_dfw_refactor never moves or deletes: %s."
            " Have their owner move them, or name NCP's identities in ncp_principal_identities if these creators are not NCP's" % ", ".join(refused)
        )


def _anchor(operation, section):
    return {"operation": operation, "id": section.get("id"), "display_name": section.get("display_name")}


def _entry(kind, obj, move, message, ncp=None, admin=None):
    """The plan entry of moving ``obj`` (section or rule); a move's message says how many NCP objects it reorders with."""
    if ncp is not None:
        message += ": its order changes with %d NCP section(s) (%d rule(s))" % (len(ncp), sum(s["rules"] for s in ncp))
    return {
        "kind": kind,
        "action": "move",
        "id": obj.get("id"),
        "display_name": obj.get("display_name"),
        "cluster": move["finding"].get("cluster"),
        "placement": move["side"],
        "placement_reason": move["reason"],
        "revision": obj.get("_revision"),
        "from_position": None,
        "to_position": None,
        "anchor": None,
        "reordered_with": ncp or [],
        "reordered_with_admin": admin or [],
        "cost": move["cost"],
        "message": message,
    }


def _add_section_move(plan, move, operation, anchor, after_index, flips):
    section = move["section"]
    sid, before_at, after_at = section.get("id"), plan.before.index(section), after_index[section.get("id")]
    ncp, admin = flips(before_at, after_at, skip=(sid,))
    message = "Move admin section %r (%s) from position %d to %s NCP's range (position %d)" % (
        section.get("display_name"),
        sid,
        before_at + 1,
        move["side"],
        after_at + 1,
    )
    entry = _entry("section", section, move, message, ncp, admin)
    plan.items.append(dict(entry, from_position=before_at + 1, to_position=after_at + 1, anchor=_anchor(operation, anchor)))
    plan.work.append({"section": section, "allow_overwrite": section.get("_protection") == checks.PROTECTED})


def _add_create(plan, target, operation, anchor, after_index):
    side = ABOVE if operation == "insert_before" else BELOW
    message = "Create admin section %r (%s) %s NCP's range to receive the rules moved out of NCP sections" % (
        target["display_name"],
        target.get("section_type"),
        side,
    )
    entry = _entry("section", target, {"side": side, "reason": "rule target section", "cost": None, "finding": {}}, message)
    plan.items.append(dict(entry, action="create", id=None, to_position=after_index[target["id"]] + 1, anchor=_anchor(operation, anchor)))
    plan.work.append({"create": dict((k, v) for k, v in target.items() if k not in ("id", "_planned_new")), "key": target["id"]})


def _add_rule_move(plan, move, section, operation, to_position, index, after_index, flips):
    rule, source = move["rule"], move["source"]
    source_id, target_id, new = source.get("id"), section.get("id"), bool(section.get("_planned_new"))
    ncp, admin = flips(index[source_id], after_index[target_id], skip=(source_id, target_id))
    if move["own"]:
        ncp.append(dict(_brief(source), rules=move["own"]))
        ncp.sort(key=lambda s: after_index[s["id"]])
    body = dict((k, v) for k, v in rule.items() if k not in RULE_SYSTEM_FIELDS)
    scoped_by_section = not body.get("applied_tos") and bool(source.get("applied_tos"))
    if scoped_by_section:
        body["applied_tos"] = source["applied_tos"]
    plan.moved_rules[rule.get("id")] = (source_id, target_id)
    message = "Move rule %r (%s) from NCP section %r (%s) into admin section %r %s NCP's range" % (
        rule.get("display_name"),
        rule.get("id"),
        source.get("display_name"),
        source_id,
        section.get("display_name"),
        move["side"],
    )
    plan.items.append(
        dict(
            _entry("rule", rule, move, message, ncp, admin),
            from_section=_brief(source),
            from_position=move["position"] + 1,
            to_section={"id": None if new else target_id, "display_name": section.get("display_name"), "new": new},
            to_position=to_position,
            anchor={"operation": operation, "id": None, "display_name": None},
            applied_tos_from_section=scoped_by_section,
        )
    )
    plan.work.append({"rule": rule, "source": source, "target_key": target_id, "body": body, "operation": operation})


def check_planned_layout(plan, state, options):
    """The preflight's judgement over the planned layout must find no DFW blocker."""
    scan = scan_sections([dict(s, _create_user=s.get("_create_user", "admin")) for s in plan.after], options)
    left = [f["object_id"] for f in scan.result()]
    moved = set(plan.moved_rules)
    for section_tuple in scan.ncp_sections:
        remaining = [r for r in state.rules.get(section_tuple[0]) or [] if r.get("id") not in moved]
        left.extend(f["object_id"] for f in checks.check_rules_of_section(section_tuple, remaining, state.identities))
    if left:
        raise RefactorError("the planned layout would still have DFW blockers (%s); please report this as a bug" % ", ".join(sorted(map(str, left))))


# -- the plan as data -------------------------------------------------------------------------


def fingerprint(items):
    """What must not differ between a reviewed plan and the plan about to be applied."""
    keys = ("kind", "action", "id", "display_name", "placement", "revision")
    result = []
    for item in items or []:
        anchor = item.get("anchor") or {}
        to_section = item.get("to_section") or {}
        result.append(tuple([item.get(k) for k in keys] + [anchor.get("operation"), anchor.get("id"), to_section.get("display_name")]))
    return result


def plan_differences(reviewed, current):
    """Human-readable differences between a reviewed plan and the current one (empty: the same)."""
    old, new = fingerprint(reviewed), fingerprint(current)
    if old == new:
        return []
    gone = [entry for entry in old if entry not in new]
    added = [entry for entry in new if entry not in old]

    def show(entry):
        return "%s %s %s (%s) %s, revision %s" % (entry[1], entry[0], entry[3], entry[2], entry[4], entry[5])

    text = ["no longer planned: " + show(e) for e in gone] + ["newly planned: " + show(e) for e in added]
    return text or ["the same moves in a different order"]


def _line(section, scan, marks=None):
    new, cluster = section.get("_planned_new"), checks.tag_value(section, checks.CLUSTER_TAG)
    if new:
        label = "admin, new"
    elif scan.is_marker(section):
        label = "NCP %s marker" % cluster if cluster else "marker"
    else:
        label = "NCP %s" % (cluster or "?") if scan.is_ncp(section) else "admin"
    text = "%s (%s) [%s]" % (section.get("display_name"), "to be created" if new else section.get("id"), label)
    if marks and section.get("id") in marks:
        text += "  <- moved"
    return text


def render_diff(plan, state):
    """Ansible diff of the section order (NCP's range and one section either side), from the plan's data."""
    scan = state.scan
    if plan.empty:
        return {"before": "", "after": "", "before_header": "DFW section order", "after_header": "DFW section order"}
    marked = set(item["id"] for item in plan.items if item["kind"] == "section" and item["id"])
    bounded = [i for i, s in enumerate(plan.before) if scan.is_ncp(s) or scan.is_marker(s)]
    low, high = max(0, bounded[0] - 1), min(len(plan.before) - 1, bounded[-1] + 1)
    window = set(section.get("id") for section in plan.before[low : high + 1])
    window.update(s.get("id") for s in plan.after if s.get("_planned_new"))
    rules_from, rules_to = {}, {}
    for item in plan.items:
        if item["kind"] == "rule":
            source_id, target_id = plan.moved_rules[item["id"]]
            entry = "    rule %r (%s)" % (item["display_name"], item["id"])
            rules_from.setdefault(source_id, []).append(entry)
            rules_to.setdefault(target_id, []).append(entry)
            window.add(target_id)

    def lines(order, rules, marks):
        out = []
        for section in order:
            if section.get("id") not in window:
                continue
            out.append(_line(section, scan, marks))
            out.extend(rules.get(section.get("id"), []))
        return "\n".join(out) + "\n"

    return {
        "before_header": "DFW section order (before)",
        "after_header": "DFW section order (planned)",
        "before": lines(plan.before, rules_from, None),
        "after": lines(plan.after, rules_to, marked),
    }


# -- applying ---------------------------------------------------------------------------------


def verify_revisions(client, plan):
    """Before the first write: every object to move still has the revision the plan was made from."""
    for item, work in zip(plan.items, plan.work):
        if item["action"] != "move":
            continue
        if item["kind"] == "section":
            current = client.get("%s/%s" % (SECTIONS, item["id"]))
        else:
            current = client.get("%s/%s/rules/%s" % (SECTIONS, work["source"].get("id"), item["id"]))
        _guard_revision(item, current, ": nothing was changed; plan again and review the new plan")


def _guard_revision(item, current, consequence):
    if current.get("_revision") != item["revision"]:
        raise RefactorConflict(
            "%s %r (%s) changed on NSX since the plan was made (revision %s, now %s)%s"
            % (item["kind"], item["display_name"], item["id"], item["revision"], current.get("_revision"), consequence),
            item=item,
            planned_revision=item["revision"],
            current_revision=current.get("_revision"),
        )


def apply_plan(client, plan, applied):
    """Apply the plan's moves in order, each one done into ``applied``. The first NsxApiError (e.g. 409/412: a stale
    ``_revision``) or RefactorConflict stops it: the moves before it are complete, the failing one did nothing."""
    created = {}
    for item, work in zip(plan.items, plan.work):
        if item["kind"] == "rule":
            applied.append(_move_rule(client, item, work, created))
            continue
        anchor = item["anchor"]
        params = {"operation": anchor["operation"], "id": created.get(anchor["id"], anchor["id"])}
        if item["action"] == "create":
            answer = client.post(SECTIONS, body=dict(work["create"]), params=params)
            created[work["key"]] = answer.get("id")
            applied.append(dict(item, id=answer.get("id")))
        else:
            path = "%s/%s" % (SECTIONS, item["id"])
            client.post(path, body=dict(work["section"]), params=dict(action="revise", **params), allow_overwrite=work["allow_overwrite"])
            applied.append(dict(item))


def _move_rule(client, item, work, created):
    source_id = work["source"].get("id")
    target_id = created.get(work["target_key"], work["target_key"])
    rule_path = "%s/%s/rules/%s" % (SECTIONS, source_id, item["id"])
    _guard_revision(item, client.get(rule_path), "; it was not moved")
    copy = client.post("%s/%s/rules" % (SECTIONS, target_id), body=dict(work["body"]), params={"operation": work["operation"]})
    try:
        # The NCP section is protected by NCP's principal identity: removing a rule from it needs the override.
        client.delete(rule_path, allow_overwrite=work["source"].get("_protection") == checks.PROTECTED)
    except Exception:
        client.delete("%s/%s/rules/%s" % (SECTIONS, target_id, copy.get("id")))
        raise
    return dict(item, new_id=copy.get("id"), to_section=dict(item["to_section"], id=target_id), anchor=dict(item["anchor"], id=target_id))
