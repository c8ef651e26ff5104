# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Markdown renderings of the preflight findings and of the migration report (docs/architecture.md section 4)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _cell(value):
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(value) for value in row) + " |")
    return lines


def findings_table(findings):
    """Findings sorted by severity, then check and cluster, as a Markdown table."""
    ordered = sorted(findings or [], key=lambda f: (SEVERITY_ORDER.get(f.get("severity"), 3), f.get("check") or "", f.get("cluster") or ""))
    rows = [
        (f.get("severity"), f.get("check"), f.get("cluster"), f.get("object_type"), f.get("object_id"), f.get("message"), f.get("remediation")) for f in ordered
    ]
    return _table(["severity", "check", "cluster", "object type", "object id", "message", "fix"], rows)


def render_preflight(report):
    summary = report.get("summary") or {}
    lines = [
        "# NCP MP-to-Policy preflight",
        "",
        "- NSX Manager: %s (NSX %s)" % (report.get("nsx_manager"), report.get("nsx_version")),
        "- Clusters: %s" % ", ".join(report.get("clusters") or []),
        "- Result: **%s** - %d error(s), %d warning(s), %d info"
        % (
            "passed" if report.get("passed") else "blocked",
            summary.get("errors", 0),
            summary.get("warnings", 0),
            summary.get("infos", 0),
        ),
        "- Checked at: %s" % report.get("checked_at"),
        "- NSX API requests: %s" % report.get("api_requests"),
    ]
    if report.get("waived_checks"):
        lines.append("- Waived checks: %s" % ", ".join(report["waived_checks"]))
    lines += ["", "## Findings", ""]
    if report.get("findings"):
        lines += findings_table(report["findings"])
    else:
        lines.append("No findings.")
    return "\n".join(lines) + "\n"


def render_migration(report):
    backup = report.get("backup") or {}
    lines = [
        "# NCP MP-to-Policy migration report",
        "",
        "- Strategy: %s" % report.get("strategy"),
        "- Result: **%s**" % report.get("result"),
        "- Started: %s, ended: %s" % (report.get("started_at"), report.get("ended_at")),
        "- Control-plane downtime: %s s" % report.get("downtime_seconds"),
        "- NSX backup: %s" % ("%s (success: %s)" % (backup.get("backup_id"), backup.get("success")) if backup else "none"),
        "",
        "## Clusters",
        "",
    ]
    rows = []
    for cluster in report.get("clusters") or []:
        rows.append(
            (
                cluster.get("name"),
                cluster.get("platform"),
                cluster.get("import_host"),
                cluster.get("outcome"),
                cluster.get("ncp_mode"),
                cluster.get("ncp_stopped_at"),
                cluster.get("ncp_started_at"),
            )
        )
    lines += _table(["cluster", "platform", "import master", "outcome", "NCP mode", "NCP stopped", "NCP started"], rows)
    lines += ["", "## Importer runs", ""]
    runs = []
    for cluster in report.get("clusters") or []:
        for item in cluster.get("imports") or []:
            runs.append((cluster.get("name"), item.get("scope"), item.get("rc"), item.get("outcome"), item.get("duration"), item.get("log_file")))
    lines += _table(["cluster", "scope", "rc", "outcome", "seconds", "log"], runs) if runs else ["No importer ran."]
    lines += render_firewall_order(report.get("firewall_order") or {})
    checks = []
    for cluster in report.get("clusters") or []:
        for kind, entry in sorted(((cluster.get("import_check") or {}).get("by_type") or {}).items()):
            checks.append((cluster.get("name"), kind, entry.get("found"), entry.get("migrated"), ", ".join(entry.get("left_behind") or []) or "-"))
    if checks:
        lines += ["", "## Left behind? (MP objects against the migration API's mapping, after each cluster import)", ""]
        lines += _table(["cluster", "type", "MP objects found", "migrated", "left behind (IDs)"], checks)
    if report.get("warnings"):
        lines += ["", "## Warnings", ""] + ["- %s" % warning for warning in report["warnings"]]
    if report.get("next_steps"):
        lines += ["", "## Next steps", ""] + ["- %s" % step for step in report["next_steps"]]
    if report.get("findings"):
        lines += ["", "## Preflight findings", ""] + findings_table(report["findings"])
    return "\n".join(lines) + "\n"


def render_firewall_order(order):
    """The order check of invariant 10: admin top rules before NCP's, bottom rules after."""
    lines = ["", "## Firewall order (admin rules around NCP's)", ""]
    if not order.get("checked"):
        return lines + ["Not checked in this run."]
    lines += [
        "- Admin top rules in Policy before NCP's: %s" % order.get("top_in_place"),
        "- Admin bottom rules in Policy after NCP's: %s" % order.get("bottom_in_place"),
        "- Order violations: %s" % ("; ".join(order["violations"]) if order.get("violations") else "none"),
        "",
    ]
    rows = [
        (s.get("display_name"), s.get("id"), s.get("case"), s.get("policy_path"), s.get("category"), s.get("in_place")) for s in order.get("sections") or []
    ]
    return lines + (_table(["admin section", "id", "case", "Policy copy", "category", "in place"], rows) if rows else ["No admin section."])
