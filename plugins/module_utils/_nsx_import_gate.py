# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether NSX may take an import now (invariant 3), judged the same by the preflight and right before each import."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _preflight_checks as checks

COORDINATOR_SERVICE = "/api/v1/node/services/migration-coordinator"
COORDINATOR_STATUS = COORDINATOR_SERVICE + "/status"
PROMOTION_STATE = "/api/v1/migration/mp-policy-promotion/state"


def coordinator_findings(client):
    """Findings of ``migration_coordinator_running`` (empty when it runs)."""
    return checks.check_migration_coordinator(client.get(COORDINATOR_STATUS), client.manager)


def promotion_findings(client):
    """Findings of ``promotion_idle`` (empty when no MP-to-Policy promotion is in progress)."""
    return checks.check_promotion_idle(client.get(PROMOTION_STATE))


def import_blockers(client):
    """Every reason NSX cannot take an import now; empty when it can."""
    return coordinator_findings(client) + promotion_findings(client)
