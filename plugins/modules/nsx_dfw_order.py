#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_dfw_order
short_description: Keep the admin's DFW rules in order around NCP's through the MP-to-Policy import
version_added: 0.2.0
description:
  - Policy security policies outrank every MP DFW section, so once a cluster is imported its NCP rules are enforced
    before the admin's MP "top" rules (above NCP's top marker). Following the vendor ("Dealing with DFW Sections
    Created by NSX Admin"; TKGI's steps), the top sections are re-created in Policy before the first import and the
    bottom sections after the last one.
  - Each admin section of the MP list is classified. Above the top marker (without O(firewall_markers), above NCP's
    first section), V(top). Below the bottom marker (or NCP's last section), V(bottom). Between them, V(inside), an
    error finding (move it out first with M(ncp.mp_to_policy.nsx_dfw_refactor); a section that can move neither way
    is not supported). With no NCP section and no marker, V(unaffected) (left to the operator). The default section
    is left out. Only the LAYER3 list is read.
  - A copy is the security policy C(ncp-mp-<MP section id>) in domain C(default), in category C(Environment) for
    top sections and C(Application) for bottom ones (as TKGI does), appended below every other policy of that category (so
    below every imported NCP policy for the bottom copies), the copies in MP order. Its rules keep their MP rule IDs
    and carry the tag C(ncp-mp-to-policy/mp-rule).
  - Rules are translated. IP addresses, CIDRs and ranges stay inline. NSGroups and IPSets become the Policy group of
    the same ID, NSServices and NSServiceGroups the Policy service of the same ID, when it exists, else what
    O(policy_counterparts) names. Inline L4 port, ICMP and IP protocol services become service entries. The rule's
    (else its section's) C(applied_tos) become its scope. Anything else is an error finding naming the object, and
    that section is not copied.
  - The MP originals stay unless O(state=retired) is asked for (the vendor retires them once both copies exist).
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.nsx
  - ncp.mp_to_policy.dfw_scope
attributes:
  check_mode:
    details: Reads NSX and returns the plan; nothing is written.
  diff_mode:
    support: full
    details: Returns the copies before and after (one line per security policy).
options:
  state:
    description:
      - V(planned) only reads NSX and returns the classification, the plan of both sides and the order check.
      - V(top) puts the top copies in place (before the first import).
      - V(bottom) puts the bottom copies in place (after the last import). Refused while NCP sections of a cluster
        not in O(clusters) exist (they would stay MP, below the copies).
      - V(retired) deletes the MP originals of the top and bottom sections (TKGI's last DFW step), only when every
        copy of both sides is in place and the order check finds no violation; otherwise it changes nothing and
        fails. Never done by the migration playbooks.
    type: str
    choices: [planned, top, bottom, retired]
    default: planned
  policy_counterparts:
    description:
      - MP object ID to Policy path (C(/infra/...)) for objects a rule names whose Policy counterpart has another ID.
    type: dict
    default: {}
seealso:
  - module: ncp.mp_to_policy.nsx_dfw_refactor
  - module: ncp.mp_to_policy.nsx_mp_import
"""

EXAMPLES = r"""
- name: Re-create the admin top rules in Policy before the first import
  ncp.mp_to_policy.nsx_dfw_order:
    clusters: [prod-east, prod-west]
    state: top

- name: After the last import, the bottom rules
  ncp.mp_to_policy.nsx_dfw_order:
    clusters: [prod-east, prod-west]
    state: bottom
    policy_counterparts:
      5c6d0c5e-0000-4000-8000-000000000001: /infra/domains/default/groups/web-servers
"""

RETURN = r"""
sections:
  description: Each admin section with its case and, for top and bottom ones, its copy.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: MP section ID.
      type: str
    display_name:
      description: Its display name.
      type: str
    case:
      description: V(top), V(bottom), V(inside) or V(unaffected).
      type: str
    position:
      description: 1-based position in the MP section list.
      type: int
    rules:
      description: Number of its rules (top and bottom sections).
      type: int
    policy_path:
      description: Path of its Policy copy (top and bottom sections).
      type: str
    category:
      description: Category of its copy.
      type: str
    in_place:
      description: Whether the copy exists in its category with every rule, as translated now.
      type: bool
plan:
  description: The copies to create or update (C(action), C(side), C(section_id), C(policy_id), C(policy_path), C(category), C(rules), C(message)).
  returned: always
  type: list
  elements: dict
applied:
  description: The plan entries written by this run, with their C(sequence_number); with O(state=retired) the MP sections deleted (C(action=retire)).
  returned: always
  type: list
  elements: dict
blockers:
  description: Findings (preflight shape) - C(dfw_order_section_inside), C(dfw_order_untranslatable).
  returned: always
  type: list
  elements: dict
order:
  description:
    - The order check after this run. C(top_in_place) and C(bottom_in_place) (every copy of that side in place),
      C(violations) (copies ranked on the wrong side of an imported NCP security policy).
  returned: always
  type: dict
diff:
  description: The copies before and after.
  returned: always
  type: dict
api_requests:
  description: HTTP requests made to NSX.
  returned: always
  type: int
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _dfw_order as order
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dfw_scope import dfw_exit, dfw_module
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError


def _diff(sections, entries):
    planned = set(e["policy_id"] for e in entries)
    before, after = [], []
    for s in sections:
        policy_id = s["policy_path"].rsplit("/", 1)[-1]
        line = "%s %s (%s): %s copy of %r (%s)" % (s["category"], policy_id, "%d rule(s)" % s["rules"], s["case"], s["display_name"], s["id"])
        if s["in_place"]:
            before.append(line)
        after.append(line + ("  <- written" if policy_id in planned else ""))
    return {"before_header": "Policy copies of admin sections", "after_header": "planned", "before": "\n".join(before) + "\n", "after": "\n".join(after) + "\n"}


def retire(module, client, sections, result):
    """Delete the MP originals of sections whose copies are all in place, in order, or fail changing nothing."""
    missing = [s["id"] for s in sections if not s["in_place"]]
    if missing or result["order"]["violations"] or result["blockers"]:
        dfw_exit(
            module,
            result,
            "the MP originals are retired only when every top and bottom copy is in place and in order: not in place %s; violations %s"
            % (", ".join(missing) or "none", "; ".join(result["order"]["violations"]) or "none"),
        )
    entries = [
        {
            "action": "retire",
            "section_id": s["id"],
            "display_name": s["display_name"],
            "message": "Delete MP section %r (%s), copied to %s" % (s["display_name"], s["id"], s["policy_path"]),
        }
        for s in sections
    ]
    result.update(plan=entries, changed=bool(entries))
    if not module.check_mode:
        try:
            for entry in entries:
                client.delete("%s/%s" % (order.SECTIONS, entry["section_id"]), params={"cascade": "true"})
                result["applied"].append(entry)
        except NsxApiError as exc:
            module.fail_nsx(exc, **result)
    dfw_exit(module, result)


def main():
    result = dict(changed=False, sections=[], plan=[], applied=[], blockers=[], order={}, diff={})
    module, options = dfw_module(
        order.OrderOptions,
        order.OrderError,
        ("policy_counterparts",),
        result,
        state=dict(type="str", choices=["planned", "top", "bottom", "retired"], default="planned"),
        policy_counterparts=dict(type="dict", default={}),
    )
    client = module.client
    state = module.params["state"]
    try:
        view = order.read(client, options)
        counterparts = order.Counterparts(client, options)
        made = {side: order.plan(view, options, counterparts, side) for side in (order.TOP, order.BOTTOM)}
    except NsxApiError as exc:
        module.fail_nsx(exc, **result)
    except order.OrderError as exc:
        dfw_exit(module, result, str(exc))
    sections = made[order.TOP]["sections"] + made[order.BOTTOM]["sections"]
    classified_other = [
        {"id": i["section"]["id"], "display_name": i["section"].get("display_name"), "case": i["case"], "position": i["position"]}
        for i in view.classified
        if i["case"] in (order.INSIDE, order.UNAFFECTED)
    ]
    blockers = made[order.TOP]["findings"] + [f for f in made[order.BOTTOM]["findings"] if f["check"] != "dfw_order_section_inside"]
    entries = made[state]["entries"] if state in (order.TOP, order.BOTTOM) else made[order.TOP]["entries"] + made[order.BOTTOM]["entries"]
    result.update(
        sections=sorted(sections + classified_other, key=lambda s: s["position"]),
        plan=entries,
        blockers=blockers,
        diff=_diff(sections, entries),
        order={
            "top_in_place": all(s["in_place"] for s in made[order.TOP]["sections"]),
            "bottom_in_place": all(s["in_place"] for s in made[order.BOTTOM]["sections"]),
            "violations": order.order_check(view, options, sections),
        },
    )
    if state == "planned":
        dfw_exit(module, result)
    if state == "retired":
        retire(module, client, sections, result)
    side_findings = [f for f in made[state]["findings"] if state == order.TOP or f["check"] != "dfw_order_section_inside"]
    if side_findings:
        dfw_exit(module, result, "the %s rules cannot be re-created in Policy: %s" % (state, "; ".join(f["message"] for f in side_findings)))
    if state == order.BOTTOM:
        tagged = set(order.checks.tag_value(s, order.checks.CLUSTER_TAG) for s in view.sections)
        foreign = sorted(c for c in tagged - set(options.clusters) if c)
        if foreign:
            dfw_exit(
                module,
                result,
                "the bottom rules are re-created in Policy only when every cluster's NCP rules are: clusters %s have NCP sections and are not in clusters"
                % ", ".join(foreign),
            )
    result["changed"] = bool(entries)
    if not entries or module.check_mode:
        dfw_exit(module, result)
    try:
        order.apply(client, view, options, entries, result["applied"])
        again = order.read(client, options)
        checked = order.plan(again, options, order.Counterparts(client, options), state)
        result["order"].update(
            {"%s_in_place" % state: all(s["in_place"] for s in checked["sections"]), "violations": order.order_check(again, options, checked["sections"])}
        )
    except NsxApiError as exc:
        module.fail_nsx(exc, **result)
    dfw_exit(module, result)


if __name__ == "__main__":
    main()
