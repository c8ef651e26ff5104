#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_dfw_refactor
short_description: Plan and apply the DFW refactoring the NCP MP-to-Policy import needs
version_added: 0.1.0
description:
  - Clears the two DFW blockers of the import (vendor step 3, "Dealing with DFW Sections Created
    by NSX Admin"), which are admin sections lying inside NCP's range of sections, and rules in
    NCP-created sections that NCP did not create.
  - Only the blockers of O(clusters) are cleared, which are admin sections next to an NCP section
    of one of them, and user rules in their NCP sections.
  - The blockers are found with the judgement of M(ncp.mp_to_policy.nsx_preflight)
    (V(dfw_admin_section_inside_ncp_range), V(dfw_user_rule_in_ncp_section)) over the same data,
    and the planned layout is checked with it before anything is written, so a preflight after
    the apply finds no DFW blocker.
  - NCP's range runs from the first to the last section that is NCP-created (any cluster) or a
    marker. Each admin section inside it moves just above or just below the range. Each user
    rule moves into an admin section just outside the range (see O(rule_target_sections)). No
    place inside the range is allowed, so this is the closest to its old priority.
  - Every plan entry lists the NCP sections whose order relative to the moved object changes
    (RV(plan[].reordered_with)). That is the effect on traffic, to review with the security
    team before O(state=applied).
  - With O(state=applied) the moves are made with NSX's revision guards. Every object's
    C(_revision) is checked before the first write; sections move with
    C(POST /api/v1/firewall/sections/<id>?action=revise) carrying the C(_revision) they were read
    at; a rule is copied into its target section, then deleted from the NCP section with
    C(X-Allow-Overwrite) (the NCP section is protected); if the delete fails, the copy is removed.
    The first conflict (HTTP 409/412) or other error stops the apply. The moves before it are
    complete, and the failing move changed nothing.
  - A second apply plans nothing (idempotent).
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.nsx
  - ncp.mp_to_policy.dfw_scope
attributes:
  check_mode:
    details: Reads NSX and returns the plan; nothing is written. C(changed) tells whether an apply would change anything.
  diff_mode:
    support: full
    details: Returns the section order before and after the plan (NCP's range, moved rules under their sections).
options:
  state:
    description:
      - V(planned) only reads NSX and returns the plan.
      - V(applied) makes the moves of the plan.
    type: str
    choices: [planned, applied]
    default: planned
  placement:
    description:
      - Where moved admin sections and user rules go.
      - V(auto) picks, per object, the side where its order changes with fewer NCP sections (then
        with fewer NCP rules; a tie goes above).
      - V(above) and V(below) send everything to that side of NCP's range.
    type: str
    choices: [auto, above, below]
    default: auto
  section_placement:
    description:
      - Per admin section ID, V(above), V(below) or V(auto); wins over O(placement).
    type: dict
    default: {}
  rule_placement:
    description:
      - Per user rule ID, V(above), V(below) or V(auto); wins over O(placement).
    type: dict
    default: {}
  rule_target_sections:
    description:
      - IDs of existing admin sections that receive the user rules moved above or below NCP's range.
      - Without them, an admin section named after O(rule_target_prefix) (V(<prefix>-above),
        V(<prefix>-below); C(-layer2) and C(-stateless) are appended for rules of such sections) is
        reused if it exists, else created next to NCP's range. Rules moved above are appended to
        it, rules moved below are put at its top, both in their original order.
      - A rule that had no C(applied_tos) of its own but whose NCP section had some gets the
        section's C(applied_tos), so that it still applies to the same objects.
    type: dict
    suboptions:
      above:
        description: ID of the admin section for rules moved above the range.
        type: str
      below:
        description: ID of the admin section for rules moved below the range.
        type: str
  rule_target_prefix:
    description:
      - Display name prefix of the admin sections created to receive moved rules.
    type: str
    default: ncp-mp-to-policy-moved-rules
  reviewed_plan:
    description:
      - The RV(plan) of an earlier O(state=planned) run, as reviewed.
      - With O(state=applied), the apply is refused, with nothing changed, unless the plan made
        now has the same moves of the same objects at the same revisions. Anything that changed on
        NSX after the review makes the apply stop.
    type: list
    elements: dict
notes:
  - Moving a rule gives it a new ID (NSX has no call that moves a rule to another section);
    the C(new_id) of its RV(applied) entry has it.
  - Run it while nobody else edits the DFW. NCP keeps changing its own sections while it runs,
    which does not conflict with the moves (only the moved objects' revisions are guarded).
seealso:
  - module: ncp.mp_to_policy.nsx_preflight
"""

EXAMPLES = r"""
- name: Plan the DFW refactoring (read-only)
  ncp.mp_to_policy.nsx_dfw_refactor:
    nsx_manager: nsx-mgr-01.example.com
    nsx_username: admin
    nsx_password: "{{ vault_nsx_password }}"
    clusters: [prod-east, prod-west]
  register: dfw_plan

- name: Apply exactly the plan that was reviewed
  ncp.mp_to_policy.nsx_dfw_refactor:
    clusters: [prod-east, prod-west]
    state: applied
    reviewed_plan: "{{ dfw_plan.plan }}"
    section_placement:
      3b2e7c1a-0000-4000-8000-000000000001: below
"""

RETURN = r"""
plan:
  description: The moves, in the order they are (or would be) applied. Empty when there is no DFW blocker.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(section) or V(rule).
      type: str
    action:
      description: V(move), or V(create) for a target section created for moved rules.
      type: str
    id:
      description: ID of the section or rule (null for a section to be created).
      type: str
    display_name:
      description: Its display name.
      type: str
    cluster:
      description: The in-scope cluster whose NCP section it neighbours or lies in.
      type: str
    placement:
      description: V(above) or V(below) NCP's range.
      type: str
    placement_reason:
      description: Why that side (V(auto), V(placement), V(per-object override), V(rule target section)).
      type: str
    revision:
      description: The C(_revision) the plan was made from.
      type: int
    from_position:
      description: Sections, 1-based position in the section list. Rules, 1-based position in their NCP section.
      type: int
    to_position:
      description: Sections, 1-based position in the planned section list. Rules, 1-based position in the target section.
      type: int
    from_section:
      description: Rules only, the NCP section it leaves (C(id), C(display_name), C(cluster), C(rules)).
      type: dict
    to_section:
      description: Rules only, the admin section it goes to (C(id), null when created by this plan; C(display_name); C(new)).
      type: dict
    anchor:
      description: NSX insert operation (C(operation)) and the anchor section (C(id), C(display_name)).
      type: dict
    applied_tos_from_section:
      description: Rules only, whether the copy takes its NCP section's C(applied_tos).
      type: bool
    reordered_with:
      description:
        - NCP sections whose order relative to the moved object changes, each with C(id),
          C(display_name), C(cluster) and C(rules) (NCP rules whose order with it changes).
          The traffic effect to review.
      type: list
      elements: dict
    reordered_with_admin:
      description: Admin sections whose order relative to the moved object changes (C(id), C(display_name)).
      type: list
      elements: dict
    cost:
      description: NCP sections and rules passed when moving C(above) and C(below), the basis of V(auto).
      type: dict
    message:
      description: The move in words.
      type: str
applied:
  description: The moves made by this run (plan entries; created sections with their new C(id), moved rules with C(new_id)).
  returned: always
  type: list
  elements: dict
blockers:
  description: The preflight findings the plan clears (same shape as M(ncp.mp_to_policy.nsx_preflight)'s findings).
  returned: always
  type: list
  elements: dict
verified:
  description: After an apply, whether a fresh read finds no DFW blocker left. Null when nothing was applied.
  returned: always
  type: bool
diff:
  description: The section order before and after the plan (NCP's range and its neighbours), built from the data read.
  returned: always
  type: dict
  contains:
    before:
      description: Section order before, one section a line, with the rules to move under their sections.
      type: str
    after:
      description: Planned section order, moved sections marked, moved rules under their target sections.
      type: str
api_requests:
  description: HTTP requests made to NSX.
  returned: always
  type: int
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _dfw_refactor as dfw
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dfw_scope import dfw_exit, dfw_module
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError


def main():
    keys = ("placement", "section_placement", "rule_placement", "rule_target_sections", "rule_target_prefix")
    module, options = dfw_module(
        dfw.RefactorOptions,
        dfw.RefactorError,
        keys,
        {},
        state=dict(type="str", choices=["planned", "applied"], default="planned"),
        placement=dict(type="str", choices=["auto", "above", "below"], default="auto"),
        section_placement=dict(type="dict", default={}),
        rule_placement=dict(type="dict", default={}),
        rule_target_sections=dict(type="dict", options=dict(above=dict(type="str"), below=dict(type="str"))),
        rule_target_prefix=dict(type="str", default=dfw.DEFAULT_TARGET_PREFIX),
        reviewed_plan=dict(type="list", elements="dict"),
    )
    params = module.params
    client = module.client
    result = dict(changed=False, plan=[], applied=[], blockers=[], verified=None, diff={})
    try:
        state = dfw.read_firewall(client, options)
        plan = dfw.compute_plan(state, options)
    except NsxApiError as exc:
        module.fail_nsx(exc, **result)
    except dfw.RefactorError as exc:
        dfw_exit(module, result, str(exc))
    result.update(plan=plan.items, blockers=plan.findings, diff=dfw.render_diff(plan, state))
    applying = params["state"] == "applied"
    if applying and params["reviewed_plan"] is not None:
        differences = dfw.plan_differences(params["reviewed_plan"], plan.items)
        if differences:
            msg = "NSX changed since the plan was reviewed; nothing was applied. Review the new plan: %s" % "; ".join(differences)
            dfw_exit(module, result, msg, differences=differences)
    if not applying or plan.empty or module.check_mode:
        result["changed"] = applying and not plan.empty
        dfw_exit(module, result)

    applied = result["applied"]
    try:
        dfw.verify_revisions(client, plan)
        dfw.apply_plan(client, plan, applied)
    except dfw.RefactorConflict as exc:
        result["changed"] = bool(applied)
        msg = "%s (%d of %d moves applied before it)" % (exc, len(applied), len(plan.items))
        dfw_exit(module, result, msg, failed_move=exc.item or {}, planned_revision=exc.planned_revision, current_revision=exc.current_revision)
    except NsxApiError as exc:
        failed = plan.items[len(applied)] if len(applied) < len(plan.items) else None
        result["changed"] = bool(applied)
        what = "%s %s %r (%s)" % (failed["action"], failed["kind"], failed["display_name"], failed["id"]) if failed else "the apply"
        reason = "a concurrent change (stale _revision)" if exc.status in dfw.CONFLICT_STATUSES else "an NSX error"
        msg = "Stopped at %s, which NSX refused with %s: %s" % (what, reason, exc.message)
        msg += " (%d of %d moves applied before it; the failing move changed nothing)" % (len(applied), len(plan.items))
        dfw_exit(module, result, msg, failed_move=failed, **exc.to_dict())
    result["changed"] = True
    try:
        again = dfw.compute_plan(dfw.read_firewall(client, options), options)
        result["verified"] = again.empty
    except (NsxApiError, dfw.RefactorError) as exc:
        module.warn("the moves were applied but the verification read failed: %s" % exc)
        result["verified"] = False
    dfw_exit(module, result)


if __name__ == "__main__":
    main()
