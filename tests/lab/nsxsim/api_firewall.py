"""DFW sections (list order = rule priority) and their rules. There is no MP list of all rules: rules are per section."""

import collections
import time

from .errors import bad_request, stale_revision, too_many_requests
from .inventory import apply_update, bump, check_can_modify
from .paging import paginate
from .routing import Response, require_action

SECTIONS = "/api/v1/firewall/sections"
OPERATIONS = ("insert_top", "insert_bottom", "insert_after", "insert_before")


def _operation(request):
    # The published API: insert parameters default to insert_top (FirewallInsertParameters).
    operation = request.query.get("operation", "insert_top")
    if operation not in OPERATIONS:
        raise bad_request(f"Invalid operation '{operation}'.")
    anchor = request.query.get("id")
    if operation in ("insert_after", "insert_before") and not anchor:
        raise bad_request(f"Operation {operation} requires the id parameter.")
    return operation, anchor


class FirewallApi:
    def __init__(self, sim):
        self.sim = sim
        self._list_with_rules_calls = collections.deque()

    def routes(self):
        return [
            ("GET", SECTIONS, self.list_sections),
            ("POST", SECTIONS, self.create_section),
            ("GET", SECTIONS + "/{section_id}", self.get_section),
            ("PUT", SECTIONS + "/{section_id}", self.put_section),
            ("DELETE", SECTIONS + "/{section_id}", self.delete_section),
            ("POST", SECTIONS + "/{section_id}", self.section_action),
            ("GET", SECTIONS + "/{section_id}/rules", self.list_rules),
            ("POST", SECTIONS + "/{section_id}/rules", self.create_rule),
            ("GET", SECTIONS + "/{section_id}/rules/{rule_id}", self.get_rule),
            ("PUT", SECTIONS + "/{section_id}/rules/{rule_id}", self.put_rule),
            ("POST", SECTIONS + "/{section_id}/rules/{rule_id}", self.rule_action),
            ("DELETE", SECTIONS + "/{section_id}/rules/{rule_id}", self.delete_rule),
        ]

    # -- sections ------------------------------------------------------------------
    def list_sections(self, request):
        sections = self.sim.inventory.sections
        for name in ("type", "enforced_on", "locked"):
            # The published API: the list holds LAYER3 sections unless type=LAYER2 is asked for.
            wanted = request.query.get(name, "LAYER3" if name == "type" else None)
            if wanted is not None:
                field = "section_type" if name == "type" else name
                sections = [s for s in sections if str(s.get(field)).lower() == wanted.lower()]
        return paginate(sections, request.query, request.path)

    def create_section(self, request):
        body = request.json()
        action = request.query.get("action")
        if action not in (None, "create_with_rules"):
            raise bad_request(f"Invalid action '{action}'.")
        rules = body.pop("rules", None) or []
        if rules and action != "create_with_rules":
            raise bad_request("Rules can only be given with action=create_with_rules.")
        operation, anchor = _operation(request)
        for key in ("id", "_revision", "rule_count"):
            body.pop(key, None)
        inv = self.sim.inventory
        protected = request.auth_kind == "certificate"
        section = inv.add_section(body, request.principal, protected, operation, anchor)
        for rule in rules:
            rule.pop("id", None)
            inv.add_rule(section["id"], rule, request.principal, protected)
        return Response(self._with_rules(section) if rules else section, status=201)

    def get_section(self, request, section_id):
        return self.sim.inventory.section(section_id)

    def put_section(self, request, section_id):
        section = self.sim.inventory.section(section_id)
        body = request.json()
        body.pop("rules", None)
        rule_count = section["rule_count"]
        apply_update(section, body, "FirewallSection", request.principal, request.allow_overwrite)
        section["rule_count"] = rule_count
        return section

    def delete_section(self, request, section_id):
        inv = self.sim.inventory
        section = inv.section(section_id)
        check_can_modify(section, "FirewallSection", request.principal, request.allow_overwrite)
        if section["rule_count"] and str(request.query.get("cascade", "false")).lower() != "true":
            raise bad_request(f"Section {section_id} has rules; delete it with cascade=true.", error_code=244)
        inv.remove_section(section_id)

    def section_action(self, request, section_id):
        action = require_action(request, ("list_with_rules", "revise"))
        inv = self.sim.inventory
        section = inv.section(section_id)
        if action == "revise":
            operation, anchor = _operation(request)
            # The body is the section (FirewallSection) with the _revision it was read at; a
            # concurrent change makes it stale (NSX-API: "operating on stale data").
            body = request.json(required=False)
            check_can_modify(section, "FirewallSection", request.principal, request.allow_overwrite)
            if body.get("_revision") != section["_revision"]:
                raise stale_revision("FirewallSection", section_id)
            inv.sections.remove(section)
            inv.sections.insert(inv.insert_index(operation, anchor), section)
            bump(section, request.principal)
            return section
        self._admit_list_with_rules()
        delay = self.sim.settings.list_with_rules_seconds_per_1000_rules * section["rule_count"] / 1000.0
        return Response(self._with_rules(section), delay=delay)

    def _admit_list_with_rules(self):
        # NSX supports list_with_rules only a few times a minute.
        now = time.monotonic()
        calls = self._list_with_rules_calls
        while calls and now - calls[0] >= 60.0:
            calls.popleft()
        if len(calls) >= self.sim.settings.list_with_rules_per_minute:
            raise too_many_requests(f"list_with_rules is limited to {self.sim.settings.list_with_rules_per_minute} calls per minute.")
        calls.append(now)

    def _with_rules(self, section):
        return dict(section, rules=list(self.sim.inventory.rules[section["id"]]))

    # -- rules --------------------------------------------------------------------------
    def list_rules(self, request, section_id):
        inv = self.sim.inventory
        inv.section(section_id)
        return paginate(inv.rules[section_id], request.query, request.path)

    def create_rule(self, request, section_id):
        inv = self.sim.inventory
        section = inv.section(section_id)
        check_can_modify(section, "FirewallSection", request.principal, request.allow_overwrite)
        body = request.json()
        for key in ("id", "_revision"):
            body.pop(key, None)
        operation, anchor = _operation(request)
        rule = inv.add_rule(section_id, body, request.principal, request.auth_kind == "certificate", operation, anchor)
        bump(section, request.principal)
        return Response(rule, status=201)

    def get_rule(self, request, section_id, rule_id):
        return self.sim.inventory.rule(section_id, rule_id)

    def put_rule(self, request, section_id, rule_id):
        inv = self.sim.inventory
        rule = inv.rule(section_id, rule_id)
        body = request.json()
        apply_update(rule, body, "FirewallRule", request.principal, request.allow_overwrite)
        rule["section_id"] = section_id
        bump(inv.section(section_id), request.principal)
        return rule

    def rule_action(self, request, section_id, rule_id):
        """``?action=revise``: update a rule and reorder it among the rules of its own section (NSX-API ReviseRule)."""
        require_action(request, ("revise",))
        inv = self.sim.inventory
        section = inv.section(section_id)
        rule = inv.rule(section_id, rule_id)
        operation, anchor = _operation(request)
        if anchor is not None:
            if anchor == rule_id:
                raise bad_request("A rule cannot be placed relative to itself.")
            inv.rule(section_id, anchor)  # the anchor must be a rule of the same section
        body = request.json()
        check_can_modify(section, "FirewallSection", request.principal, request.allow_overwrite)
        apply_update(rule, body, "FirewallRule", request.principal, request.allow_overwrite)
        rule["section_id"] = section_id
        rules = inv.rules[section_id]
        rules.remove(rule)
        if operation == "insert_top":
            at = 0
        elif operation in ("insert_before", "insert_after"):
            at = rules.index(inv.rule(section_id, anchor)) + (operation == "insert_after")
        else:
            at = len(rules)
        rules.insert(at, rule)
        bump(section, request.principal)
        return rule

    def delete_rule(self, request, section_id, rule_id):
        inv = self.sim.inventory
        rule = inv.rule(section_id, rule_id)
        check_can_modify(rule, "FirewallRule", request.principal, request.allow_overwrite)
        # Removing a rule modifies its section: a protected (NCP) section needs the override, as creating one does.
        check_can_modify(inv.section(section_id), "FirewallSection", request.principal, request.allow_overwrite)
        inv.remove_rule(section_id, rule_id)
        bump(inv.section(section_id), request.principal)
