"""nsx_preflight against the NSX simulator: planted blockers, request budget, failures."""

import os

import pytest

from tests.unit.module_runner import run_module

CLEAN = "clusters=2,sections=8,rules=60,virtual_servers=4"


def connection(sim, **extra):
    args = {
        "nsx_manager": sim.url,
        "nsx_username": sim.username,
        "nsx_password": sim.password,
        "validate_certs": True,
        "retries": 2,
        "request_timeout": 10,
        "max_requests_per_second": 0,
    }
    args.update(extra)
    return args


def clusters_of(sim):
    return [cluster["name"] for cluster in sim.generated["clusters"]]


def preflight(sim, check_mode=False, **extra):
    args = connection(sim, clusters=clusters_of(sim), fail_on="never")
    args.update(extra)
    return run_module("nsx_preflight", args, check_mode=check_mode)


def found(result):
    return sorted((f["check"], f["object_id"], f["cluster"]) for f in result["findings"])


def test_clean_inventory_passes(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN)
    result = preflight(sim)
    assert not result.failed, result.get("msg")
    assert result["findings"] == [] and result["passed"] is True and result["changed"] is False
    assert result["nsx_version"].startswith(("3.", "4."))
    assert len(result["summary"]["checks_run"]) == 11


@pytest.mark.parametrize("blocker", ["admin_section", "user_rule", "big_vs", "duplicate_names"])
def test_each_planted_blocker_is_reported_exactly(nsxsim_factory, blocker):
    sim = nsxsim_factory(generate=CLEAN + ",blockers=" + blocker)
    planted = sim.generated["blockers"][blocker]
    first = clusters_of(sim)[0]
    expected = {
        "admin_section": [("dfw_admin_section_inside_ncp_range", planted, first)],
        "user_rule": [("dfw_user_rule_in_ncp_section", planted["rule_id"] if isinstance(planted, dict) else None, first)],
        "big_vs": [("lb_virtual_server_rule_limit", planted, first)],
    }.get(blocker)
    result = preflight(sim)
    if blocker == "duplicate_names":
        shared = sim.generated["shared"]
        ids = set(planted) | {shared["tier0"], shared["ip_blocks"][0]}
        assert {f["check"] for f in result["findings"]} == {"shared_resource_name_unique"}
        assert {f["object_id"] for f in result["findings"]} == ids
    else:
        assert found(result) == sorted(expected)
    assert result["passed"] is False


def test_user_rule_names_its_section(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN + ",blockers=user_rule")
    [item] = preflight(sim)["findings"]
    assert sim.generated["blockers"]["user_rule"]["section_id"] in item["message"]


def test_misspelt_cluster_is_an_error(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN)
    result = preflight(sim, clusters=clusters_of(sim) + ["k8s-O1"])
    assert found(result) == [("cluster_objects_found", None, "k8s-O1")]


def test_the_unlisted_cluster_check_is_waived_only_by_naming_the_cluster(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN)
    strategy1 = preflight(sim, clusters=["k8s-01"])
    assert [(f["check"], f["severity"], f["cluster"]) for f in strategy1["findings"]] == [("nsx_cluster_not_in_inventory", "error", "k8s-02")]
    assert strategy1["passed"] is False
    named = preflight(sim, clusters=["k8s-01"], clusters_known_gone=["k8s-02"])
    assert named["findings"] == [] and named["passed"] is True
    skipped = preflight(sim, clusters=["k8s-01"], skip_checks=["nsx_cluster_not_in_inventory"])
    assert skipped.failed and "clusters_known_gone" in skipped["msg"] and "findings" not in skipped
    both = preflight(sim, clusters=["k8s-01"], clusters_known_gone=["k8s-01"])
    assert both.failed and "clusters_known_gone names clusters of the inventory: k8s-01" in both["msg"]
    # Strategy 2 checks one cluster of a larger inventory; another cluster on the NSX only warns.
    strategy2 = preflight(sim, clusters=["k8s-01"], inventory_clusters=["k8s-01"], unlisted_cluster_severity="warning")
    assert [(f["severity"], f["cluster"]) for f in strategy2["findings"]] == [("warning", "k8s-02")] and strategy2["passed"] is True


def test_coordinator_promotion_and_backup_state(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN)
    sim.admin.coordinator(running=False)
    sim.admin.backups(configured=False)
    result = preflight(sim)
    assert {f["check"] for f in result["findings"]} == {"migration_coordinator_running", "backup_configured"}
    waived = preflight(sim, skip_checks=["backup_configured", "migration_coordinator_running"])
    assert waived["findings"] == [] and "backup_configured" not in waived["summary"]["checks_run"]


def test_fail_on_error_fails_the_task_with_the_findings(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN + ",blockers=big_vs")
    result = preflight(sim, fail_on="error")
    assert result.failed and "lb_virtual_server_rule_limit" in result["msg"] and len(result["findings"]) == 1


def test_check_mode_behaves_the_same(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN + ",blockers=admin_section+user_rule")
    normal, checked = preflight(sim), preflight(sim, check_mode=True)
    assert found(normal) == found(checked) and checked["changed"] is False


def ncp_sections_with_rules(sim, clusters):
    """From a plain listing: NCP sections of these clusters with rules, and the list's page count."""
    wanted, cursor, pages = [], None, 0
    while True:
        params = {"page_size": 1000, **({"cursor": cursor} if cursor else {})}
        page = sim.get("/api/v1/firewall/sections", params=params).json()
        pages += 1
        for section in page["results"]:
            tags = {t["scope"]: t["tag"] for t in section.get("tags", [])}
            if tags.get("ncp/cluster") in clusters and "ncp/fw_sect_marker" not in tags and section["rule_count"]:
                wanted.append(section)
        cursor = page.get("cursor")
        if not cursor:
            return wanted, pages


def test_request_budget_and_no_list_with_rules(nsxsim_factory):
    sim = nsxsim_factory(generate="clusters=3,sections=300,rules=6000,virtual_servers=30")
    clusters = clusters_of(sim)
    sections, _pages = ncp_sections_with_rules(sim, clusters)
    sim.admin.reset_counters()
    result = preflight(sim, max_concurrency=10)
    counters = sim.admin.counters()["by_path"]
    assert not any("list_with_rules" in key for key in counters)
    rule_reads = sum(count for key, count in counters.items() if key.endswith("/rules"))
    extra_pages = sum((section["rule_count"] - 1) // 1000 for section in sections)
    assert rule_reads == len(sections) + extra_pages  # exactly one read per NCP section with rules
    assert sum(counters.values()) == result["api_requests"]
    # Everything else: version, VIP, coordinator, promotion, backup config, one search per cluster, list pages.
    assert result["api_requests"] - rule_reads <= 50


def test_unreachable_manager_is_one_clear_error():
    result = run_module(
        "nsx_preflight",
        {"nsx_manager": "127.0.0.1:1", "nsx_username": "admin", "nsx_password": "Secret-pass-123", "clusters": ["a"], "retries": 0},
    )
    assert result.failed and "127.0.0.1:1" in result["msg"] and "Secret-pass-123" not in str(result)


def test_wrong_password_is_one_clear_error(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN)
    result = preflight(sim, nsx_password="wrong-password-1")
    assert result.failed and "rejected the login" in result["msg"] and "wrong-password-1" not in str(result)


def test_tls_failure_without_ca_and_success_with_it(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN, tls=True)
    failed = preflight(sim)
    assert failed.failed and "TLS verification" in failed["msg"]
    ok = preflight(sim, ca_path=sim.ca_path)
    assert not ok.failed and ok["passed"]


def test_ca_and_client_certificate_as_content_from_the_controller(nsxsim_factory, tmp_path, monkeypatch):
    """The playbooks send the controller's PEM files as text (playbooks/vars/nsx_connection.yml): the module writes
    each to a 0600 file of its own for its run, uses it, and removes it when it ends - failed or not."""
    sim = nsxsim_factory(generate=CLEAN, tls=True)
    monkeypatch.setenv("ANSIBLE_REMOTE_TMP", str(tmp_path))
    written = []
    real_open = os.open

    def recording_open(path, flags, mode=0o777, **kwargs):
        if str(path).endswith(".pem"):
            written.append((str(path), mode))
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)

    def read(path):
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    ok = preflight(sim, ca_content=read(sim.ca_path))
    assert not ok.failed and ok["passed"], ok.get("msg")
    wrong_ca = preflight(sim, ca_content=read(sim.client_cert))
    assert wrong_ca.failed and "TLS verification" in wrong_ca["msg"]
    by_cert = preflight(
        sim,
        nsx_password=None,
        nsx_username=None,
        ca_content=read(sim.ca_path),
        nsx_client_cert_content=read(sim.client_cert),
        nsx_client_key_content=read(sim.client_key),
    )
    assert not by_cert.failed, by_cert.get("msg")
    assert "PRIVATE KEY" not in by_cert.raw
    assert len(written) == 5 and {mode for _path, mode in written} == {0o600}
    assert [path for path, _mode in written if os.path.exists(path)] == []


def test_nsx_error_mid_scan_fails_the_task(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN)
    sim.admin.add_fault(type="status", status=500, error_code=100, path="/api/v1/firewall/sections/*/rules", count=100)
    result = preflight(sim)
    assert result.failed and "HTTP 500" in result["msg"] and result["status"] == 500 and "/rules" in result["path"]


def test_transient_errors_mid_scan_are_retried(nsxsim_factory):
    sim = nsxsim_factory(generate=CLEAN)
    sim.admin.add_fault(type="status", status=429, path="/api/v1/firewall/sections/*/rules", count=3)
    sim.admin.add_fault(type="drop", path="/api/v1/loadbalancer/virtual-servers", count=1)
    result = preflight(sim, retries=5)
    assert not result.failed and result["passed"]


def test_tkgi_checks_run_only_for_tkgi_and_a_bad_window_end_is_one_clear_error(nsxsim_factory):
    """Issue 27: tkgi=true adds TKGI's NSX-side checks (the clean lab passes them: NSX 4.1.2, no principal identity,
    certificates valid until 2036); without it they do not run. A window end that is not a UTC time fails the task
    naming the option, before any NSX call."""
    sim = nsxsim_factory(generate=CLEAN)
    plain = preflight(sim)
    assert not [c for c in plain["summary"]["checks_run"] if c.startswith("tkgi_")]
    tkgi = preflight(sim, tkgi=True, tkgi_window_end="2030-01-01T00:00:00Z")
    assert tkgi["summary"]["checks_run"][-3:] == ["tkgi_nsx_version", "tkgi_nsx_dedicated", "tkgi_certificates_valid"]
    assert tkgi["findings"] == [] and tkgi["passed"] is True
    sim.admin.reset_counters()
    bad = preflight(sim, tkgi=True, tkgi_window_end="next friday")
    assert bad.failed and bad["msg"].startswith("tkgi_window_end: 'next friday' is not a UTC time") and "findings" not in bad
    assert sum(sim.admin.counters()["by_path"].values()) == 0
