# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # nsx_mp_import's last-moment checks of NSX before each run (_mp_import_task.py require_nsx_idle); spec in nsx_mp_import.py.
    DOCUMENTATION = r"""
options:
  require_nsx_idle:
    description:
      - Right before the command starts (under the cluster's lock, after the journal check), read the migration coordinator's status and NSX's MP-to-Policy
        promotion state with the connection options; when the coordinator does not run or a promotion is in progress, fail without running anything or
        journaling an attempt, with the reasons in RV(blocked_by) (findings of the preflight checks V(migration_coordinator_running) and
        V(promotion_idle)). Only one import may run at a time on an NSX deployment.
      - Also done in check mode (it only reads). Not done for a scope that returns V(already_imported).
    type: bool
    default: false
  require_dfw_top_rules:
    description:
      - Right before the command starts (with O(require_nsx_idle)'s check, and like it also in check mode and not for V(already_imported)), verify that
        every admin DFW section above NCP's top marker (or NCP's first section) has its complete Policy copy, ranked before every imported NCP security
        policy (see M(ncp.mp_to_policy.nsx_dfw_order), which makes the copies); otherwise fail without running anything or journaling an attempt, with the
        reasons in RV(blocked_by) (check V(dfw_order_top_rules_in_policy), or V(dfw_order_untranslatable)). Policy sections outrank every MP section, so an
        import before the copies exist enforces the cluster's NCP rules before the admin's top rules (docs/architecture.md section 3, invariant 10).
      - The DFW scope of M(ncp.mp_to_policy.nsx_dfw_order) - C(clusters) (required), C(firewall_markers), C(ncp_principal_identities),
        C(policy_counterparts).
    type: dict
  verify:
    description:
      - After the cluster import ends 0 (not for V(already_imported), not in check mode), prove in the same run that it left no MP object behind and journal
        the verdict, as M(ncp.mp_to_policy.nsx_import_verify) with O(ncp.mp_to_policy.nsx_import_verify#module:record=true) does; the result is
        RV(import_check). A warning, never a failure, since the import itself ended 0 (an NSX error while checking is C(error) in RV(import_check)).
    type: bool
    default: false
    version_added: 0.3.0
"""
