# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one shape of a preflight finding (docs/architecture.md section 4), shared by NSX and host checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SEVERITIES = ("info", "warning", "error")

NSX_CHECK_IDS = (
    "nsx_version",
    "nsx_manager_not_vip",
    "migration_coordinator_running",
    "promotion_idle",
    "dfw_admin_section_inside_ncp_range",
    "dfw_user_rule_in_ncp_section",
    "lb_virtual_server_rule_limit",
    "shared_resource_name_unique",
    "backup_configured",
    "cluster_objects_found",
    # Invariant 11 (issue 26): every cluster tagged on NSX is in the inventory or named as gone.
    "nsx_cluster_not_in_inventory",
    # Issue 26: each NSX resource ncp.ini names is one MP object (or, in Policy mode, an existing Policy object).
    "ncp_ini_resource_unresolved",
    # Issue 27: TKGI's own prerequisites on NSX (module_utils/_tkgi_prerequisites.py; run only for TKGI clusters).
    "tkgi_nsx_version",
    "tkgi_nsx_dedicated",
    "tkgi_certificates_valid",
)

# Waived only cluster by cluster (ncp_clusters_known_gone), never by naming the check ID in ncp_preflight_waivers.
NAMED_WAIVER_ONLY = ("nsx_cluster_not_in_inventory",)

HOST_CHECK_IDS = (
    "host_python3",
    "host_pyyaml",
    "host_kubectl",
    "importer_present",
    "ncp_version",
    "policy_nsxapi_false",
    # The window's prerequisites on the import master (issue 25).
    "host_module_libraries",
    "importer_cli_flags",
    "host_nsx_reachable",
    "host_kubectl_rights",
    "host_state_dir_writable",
    "host_ncp_yaml_writable",
    "host_clock_skew",
    "host_tkgi_login",
    # Issue 27: TKGI's own prerequisites read with the tkgi CLI (module_utils/_tkgi_prerequisites.py; platform tkgi).
    "tkgi_version",
    "tkgi_network_profile_nsgroup",
    "tkgi_np_use_ip_sets",
    "tkgi_policy_only_objects",
)

# Checks of the run itself, on the controller (preflight_verdict filter).
CONTROLLER_CHECK_IDS = ("controller_forks",)

# The preflight verdict's own finding for a part of the preflight that gave no answer (preflight_verdict filter):
# no import master chosen for a cluster, or no answer from it. An error; it is an outcome, not a check, so it is
# not in ncp_preflight_skip_checks (an NSX preflight that did not complete is an nsx_version error).
VERDICT_CHECK_IDS = ("import_master_reachable",)

# The firewall order's findings (module_utils/_dfw_order.py: nsx_dfw_order's blockers, nsx_mp_import's blocked_by;
# invariant 10), errors that are not preflight checks: never skipped, never waived.
DFW_ORDER_CHECK_IDS = (
    "dfw_order_section_inside",
    "dfw_order_untranslatable",
    "dfw_order_top_rules_in_policy",
)

# Every check ID a finding may carry (tests/unit/plugins/module_utils/test_findings.py: each one emitted is here).
CHECK_IDS = NSX_CHECK_IDS + HOST_CHECK_IDS + CONTROLLER_CHECK_IDS + VERDICT_CHECK_IDS + DFW_ORDER_CHECK_IDS


def _first_line(text):
    """The last non-blank line of a command's output (where tools put the error), for a finding's message."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _on(host):
    return " on %s" % host if host else ""


def finding(check, severity, message, remediation="", cluster=None, object_type=None, object_id=None, display_name=None):
    """One finding; every key of the contract is always present."""
    if severity not in SEVERITIES:
        raise ValueError("unknown severity %r" % (severity,))
    return {
        "check": check,
        "severity": severity,
        "cluster": cluster,
        "object_type": object_type,
        "object_id": object_id,
        "display_name": display_name,
        "message": message,
        "remediation": remediation,
    }


def findings_unless(check, ok, severity, message, remediation="", **where):
    """No finding when ``ok``, else the one finding: the shape of a check that passes or finds one thing."""
    return [] if ok else [finding(check, severity, message, remediation, **where)]


def summarize(findings, checks_run):
    """The ``summary`` return value."""
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for item in findings:
        counts[{"error": "errors", "warning": "warnings", "info": "infos"}[item["severity"]]] += 1
    counts["checks_run"] = list(checks_run)
    return counts


def blocking(findings, fail_on):
    """The findings that fail the run at threshold ``fail_on`` (error | warning | never)."""
    if fail_on == "never":
        return []
    wanted = ("error",) if fail_on == "error" else ("error", "warning")
    return [item for item in findings if item["severity"] in wanted]


def passed(findings, fail_on):
    """True when nothing reaches the threshold; with ``never`` errors still mean not passed."""
    return not blocking(findings, "error" if fail_on == "never" else fail_on)


class CheckRun:
    """The findings and the IDs of the checks that ran of one preflight; a skipped check (a waiver) does not run."""

    def __init__(self, skip):
        self.skip = set(skip or [])
        self.findings = []
        self.checks_run = []

    def wanted(self, check_id):
        return check_id not in self.skip

    def record(self, check_id, found):
        self.checks_run.append(check_id)
        self.findings.extend(found)

    def check(self, check_id, judge, *args):
        if self.wanted(check_id):
            self.record(check_id, judge(*args))


def exit_with_findings(module, what, findings, checks_run, **result):
    """Ends a preflight module: its result, failed when a finding reaches the ``fail_on`` option's severity."""
    fail_on = module.params["fail_on"]
    result = dict(result, changed=False, passed=passed(findings, fail_on), findings=findings, summary=summarize(findings, checks_run))
    failing = blocking(findings, fail_on)
    if failing:
        module.fail_json(msg="%s found %d blocking finding(s): %s" % (what, len(failing), "; ".join(sorted(set(f["check"] for f in failing)))), **result)
    module.exit_json(**result)
