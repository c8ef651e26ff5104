"""Policy DFW: security policies and their rules under ``/policy/api/v1/infra/domains/{domain}/security-policies``.

Published (API-REF: SecurityPolicy, Rule, SecurityPolicyInsertParameters / RuleInsertParameters):
- ``category`` one of Ethernet, Emergency, Infrastructure, Environment, Application (or empty); ``sequence_number``
  an integer >= 0 on both policies and rules;
- a rule's ``source_groups`` / ``destination_groups`` hold group paths, IP addresses, CIDRs or ranges, or ``ANY``,
  which must then be the only entry; ``services`` and ``scope`` hold paths or ``ANY``; ``action`` ALLOW, DROP,
  REJECT or JUMP_TO_APPLICATION; ``direction`` IN, OUT, IN_OUT; ``ip_protocol`` IPV4, IPV6, IPV4_IPV6;
- a policy PATCH/PUT may carry its ``rules``, which are created or updated with it;
- ``POST ...?action=revise&operation=insert_top|insert_bottom|insert_before|insert_after&anchor_path=`` moves a
  policy within its category (a rule within its policy) and answers it with its computed sequence number.
GET, list and DELETE are the generic Policy tree's (api_policy.py). Ordering choices: firewall_order.py.
"""

import ipaddress
import json

from . import firewall_order as order
from .api_policy import PREFIX, PolicyApi
from .errors import bad_request, not_found
from .inventory import check_can_modify
from .routing import Request, Response, require_action

POLICIES = PREFIX + "/infra/domains/{domain}/security-policies/{policy}"
RULES = POLICIES + "/rules/{rule}"
ACTIONS = ("ALLOW", "DROP", "REJECT", "JUMP_TO_APPLICATION")
DIRECTIONS = ("IN", "OUT", "IN_OUT")
IP_PROTOCOLS = ("IPV4", "IPV6", "IPV4_IPV6")
OPERATIONS = ("insert_top", "insert_bottom", "insert_before", "insert_after")
ERROR_CODE = 500012  # the simulator's own code for an invalid Policy object (UNCONFIRMED)


def _is_address(text):
    try:
        if "-" in text:
            low, high = text.split("-", 1)
            return ipaddress.ip_address(low.strip()).version == ipaddress.ip_address(high.strip()).version
        ipaddress.ip_network(text, strict=False)
        return True
    except ValueError:
        return False


class SecurityPolicyApi:
    def __init__(self, sim):
        self.sim = sim
        self.generic = PolicyApi(sim)

    def routes(self):
        return [
            ("PATCH", POLICIES, self.patch_policy),
            ("PUT", POLICIES, self.put_policy),
            ("POST", POLICIES, self.revise_policy),
            ("PATCH", RULES, self.patch_rule),
            ("PUT", RULES, self.put_rule),
            ("POST", RULES, self.revise_rule),
        ]

    # -- validation ------------------------------------------------------------------------------
    def _sequence(self, body, what):
        if "sequence_number" in body and (not isinstance(body["sequence_number"], int) or body["sequence_number"] < 0):
            raise bad_request(f"{what}: sequence_number must be an integer >= 0.", error_code=ERROR_CODE)

    def _check_policy(self, body):
        category = body.get("category", "")
        if category and category not in order.CATEGORIES:
            raise bad_request(f"Invalid category '{category}'; valid values: {', '.join(order.CATEGORIES)}.", error_code=ERROR_CODE)
        self._sequence(body, "SecurityPolicy")
        for rule in body.get("rules") or []:
            self._check_rule(rule)

    def _paths_or_any(self, rule, field, addresses):
        values = rule.get(field)
        if values is None:
            return
        if not isinstance(values, list) or not values:
            raise bad_request(f"Rule {field} must be a non-empty list.", error_code=ERROR_CODE)
        if any(str(v).upper() == "ANY" for v in values):
            if len(values) != 1:
                raise bad_request(f"Rule {field}: ANY must be the only entry.", error_code=ERROR_CODE)
            return
        for value in values:
            value = str(value)
            if value.startswith("/"):
                if value not in self.sim.policy.objects:
                    raise bad_request(f"Rule {field}: path {value} does not exist.", error_code=ERROR_CODE)
            elif not (addresses and _is_address(value)):
                raise bad_request(f"Rule {field}: invalid entry '{value}'.", error_code=ERROR_CODE)

    def _check_rule(self, rule):
        if rule.get("action", "ALLOW") not in ACTIONS:
            raise bad_request(f"Invalid rule action '{rule.get('action')}'.", error_code=ERROR_CODE)
        if rule.get("direction", "IN_OUT") not in DIRECTIONS:
            raise bad_request(f"Invalid rule direction '{rule.get('direction')}'.", error_code=ERROR_CODE)
        if rule.get("ip_protocol", "IPV4_IPV6") not in IP_PROTOCOLS:
            raise bad_request(f"Invalid rule ip_protocol '{rule.get('ip_protocol')}'.", error_code=ERROR_CODE)
        self._sequence(rule, "Rule")
        self._paths_or_any(rule, "source_groups", True)
        self._paths_or_any(rule, "destination_groups", True)
        self._paths_or_any(rule, "services", False)
        self._paths_or_any(rule, "scope", False)

    # -- policies --------------------------------------------------------------------------------
    def _policy_path(self, domain, policy):
        return f"/infra/domains/{domain}/security-policies/{policy}"

    def _write_policy(self, request, domain, policy, handler):
        body = request.json()
        self._check_policy(body)
        rules = body.pop("rules", None)
        path = self._policy_path(domain, policy)
        tree = self.sim.policy
        new = path not in tree.objects
        if new and "sequence_number" not in body:
            body["sequence_number"] = order.next_sequence(order.ordered_policies(tree, body.get("category") or ""))
        body["resource_type"] = "SecurityPolicy"
        answer = handler(_with_body(request, body), path[len("/infra/") :])
        for rule in rules or []:
            rule = dict(rule)
            rule_id = rule.get("id") or rule.get("display_name")
            if not rule_id:
                raise bad_request("A rule needs an id.", error_code=ERROR_CODE)
            self._store_rule(request, path, rule_id, rule, patch=True)
        return answer if answer is not None else Response(None)

    def patch_policy(self, request, domain, policy):
        return self._write_policy(request, domain, policy, self.generic.patch)

    def put_policy(self, request, domain, policy):
        return self._write_policy(request, domain, policy, self.generic.put)

    def _operation(self, request):
        operation = request.query.get("operation", "insert_top")
        if operation not in OPERATIONS:
            raise bad_request(f"Invalid operation '{operation}'.")
        anchor = request.query.get("anchor_path")
        if operation in ("insert_before", "insert_after") and not anchor:
            raise bad_request(f"Operation {operation} requires anchor_path.")
        return operation, anchor

    def revise_policy(self, request, domain, policy):
        require_action(request, ("revise",))
        tree = self.sim.policy
        path = self._policy_path(domain, policy)
        existing = tree.get(path)
        check_can_modify(existing, "SecurityPolicy", request.principal, request.allow_overwrite)
        operation, anchor_path = self._operation(request)
        body = request.json(required=False)
        self._check_policy(body)
        for key in ("category", "display_name", "description", "scope", "stateful", "tcp_strict", "tags"):
            if key in body:
                existing[key] = body[key]
        current = order.ordered_policies(tree, existing.get("category") or "")
        anchor = None
        if anchor_path:
            anchor = tree.objects.get(anchor_path[len(PREFIX) :] if anchor_path.startswith(PREFIX) else anchor_path)
            if anchor is None or anchor is existing or (anchor.get("category") or "") != (existing.get("category") or ""):
                raise bad_request(f"anchor_path {anchor_path} is not another security policy of category {existing.get('category')}.")
        order.renumber(order.place(current, [existing], operation, anchor))
        existing["_revision"] = existing.get("_revision", 0) + 1
        return existing

    # -- rules --------------------------------------------------------------------------------------
    def _store_rule(self, request, policy_path, rule_id, body, patch):
        tree = self.sim.policy
        parent = tree.objects.get(policy_path)
        if parent is None:
            raise not_found(policy_path)
        self._check_rule(body)
        body.pop("id", None)
        path = f"{policy_path}/rules/{rule_id}"
        if path not in tree.objects and "sequence_number" not in body:
            body["sequence_number"] = order.next_sequence(order.ordered_rules(tree, policy_path))
        body["resource_type"] = "Rule"
        handler = self.generic.patch if patch else self.generic.put
        return handler(_with_body(request, body), path[len("/infra/") :])

    def patch_rule(self, request, domain, policy, rule):
        return self._store_rule(request, self._policy_path(domain, policy), rule, request.json(), patch=True)

    def put_rule(self, request, domain, policy, rule):
        return self._store_rule(request, self._policy_path(domain, policy), rule, request.json(), patch=False)

    def revise_rule(self, request, domain, policy, rule):
        require_action(request, ("revise",))
        tree = self.sim.policy
        policy_path = self._policy_path(domain, policy)
        existing = tree.get(f"{policy_path}/rules/{rule}")
        check_can_modify(existing, "Rule", request.principal, request.allow_overwrite)
        operation, anchor_path = self._operation(request)
        anchor = None
        if anchor_path:
            anchor = tree.objects.get(anchor_path[len(PREFIX) :] if anchor_path.startswith(PREFIX) else anchor_path)
            if anchor is None or anchor is existing or anchor.get("parent_path") != policy_path:
                raise bad_request(f"anchor_path {anchor_path} is not another rule of {policy_path}.")
        order.renumber(order.place(order.ordered_rules(tree, policy_path), [existing], operation, anchor))
        existing["_revision"] = existing.get("_revision", 0) + 1
        return existing


def _with_body(request, body):
    """The same request carrying ``body`` (the generic handlers read the body themselves)."""
    clone = Request(request.method, request.path, request.query, request.headers, json.dumps(body), request.client_ip, request.peer_cn)
    clone.principal, clone.auth_kind, clone.role = request.principal, request.auth_kind, request.role
    return clone
