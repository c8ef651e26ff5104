"""tkgi_prerequisites: TKGI's own prerequisites of its MP-to-Policy migration (issue 27), one finding each, with the
object and the fix; a healthy answer is none. Network profiles are JSON fixtures in the shape docs-pks documents."""

import json

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_prerequisites as tp
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import HOST_CHECK_IDS, NSX_CHECK_IDS
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_scan import NsxPreflight, PreflightOptions
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient
from tests.unit.fixture_files import fixture_bytes

HOST = "k8s-02-master-0"
CLUSTER = "k8s-02"


def profile(name):
    return json.loads(fixture_bytes("tkgi", name + ".json"))


def only(found, check, severity="error"):
    assert len(found) == 1, found
    item = found[0]
    assert item["check"] == check and item["severity"] == severity and item["remediation"]
    return item


@pytest.mark.parametrize(
    "rc, output, ok",
    [
        (0, "TKGI CLI version: 1.15.1-build.20\n", True),
        (0, "1.18.0-build.35", True),
        (0, "PKS CLI version: 1.14.3-build.12", False),
        (0, "TKGI CLI version: 1.15.0", False),
    ],
)
def test_tkgi_version(rc, output, ok):
    found = tp.check_tkgi_version(rc, output, "1.15.1", "tkgi", CLUSTER, HOST)
    if ok:
        assert found == []
    else:
        item = only(found, "tkgi_version")
        assert "older than 1.15.1" in item["message"] and HOST in item["message"] and "1.15.1" in item["remediation"]


def test_tkgi_version_unreadable_is_an_error_not_a_pass():
    item = only(tp.check_tkgi_version(0, "no version here", "1.15.1", "tkgi", CLUSTER, HOST), "tkgi_version")
    assert "Could not read" in item["message"]
    assert "rc 127" in only(tp.check_tkgi_version(127, "tkgi: not found", "1.15.1", "tkgi", CLUSTER, HOST), "tkgi_version")["message"]


def test_each_unsupported_profile_is_one_finding_naming_the_profile_and_the_fix():
    item = only(tp.check_profile_nsgroups(profile("np-boot-nsgroups"), CLUSTER), "tkgi_network_profile_nsgroup")
    assert item["object_id"] == "np-boot-nsgroups" and "parameters.master_vms_nsgroup_id" in item["message"] and "9b8d535a" in item["message"]
    item = only(tp.check_profile_ip_sets(profile("np-ip-sets-false"), CLUSTER), "tkgi_np_use_ip_sets")
    assert item["object_id"] == "np-ip-sets-false" and '"ncp.nsx_v3.k8s_np_use_ip_sets": true' in item["remediation"]
    item = only(tp.check_profile_policy_only(profile("np-policy-ssl"), CLUSTER), "tkgi_policy_only_objects")
    assert "default-high-security-client-ssl-profile" in item["message"] and "client_ssl_profile" in item["message"]


def test_a_clean_profile_and_defaults_pass():
    clean = profile("np-clean")  # an empty master_vms_nsgroup_id, k8s_np_use_ip_sets true, a Manager-API value
    assert tp.check_profile_nsgroups(clean, CLUSTER) == []
    assert tp.check_profile_ip_sets(clean, CLUSTER) == []
    assert tp.check_profile_policy_only(clean, CLUSTER) == []
    assert tp.check_profile_ip_sets({"name": "x", "parameters": {}}, CLUSTER) == []  # unset: TKGI's default, true
    quoted = {"name": "x", "parameters": {"cni_configurations": {"parameters": {"extensions": {"ncp": {"nsx_v3": {"k8s_np_use_ip_sets": "False"}}}}}}}
    only(tp.check_profile_ip_sets(quoted, CLUSTER), "tkgi_np_use_ip_sets")
    assert tp.check_profile_policy_only(profile("np-policy-ssl"), CLUSTER, ["something-else"]) == []  # the list is configurable


class Tkgi:
    """``tkgi`` answers, argv tuple -> (rc, out, err); records what was run."""

    def __init__(self, answers):
        self.answers, self.ran = answers, []

    def __call__(self, argv):
        self.ran.append(tuple(argv))
        return self.answers.get(tuple(argv[1:]), (1, "", "Error: unknown command"))


def answers(network_profile, cluster_json=None):
    cluster = {"name": CLUSTER, "network_profile_name": network_profile["name"] if network_profile else ""} if cluster_json is None else cluster_json
    out = {("--version",): (0, "TKGI CLI version: 1.18.0-build.35\n", ""), ("cluster", CLUSTER, "--json"): (0, json.dumps(cluster), "")}
    if network_profile:
        out[("network-profile", network_profile["name"], "--json")] = (0, json.dumps(network_profile), "")
    return out


def by_check(results):
    assert all(check in HOST_CHECK_IDS for check, _found in results)
    return dict((check, found) for check, found in results)


def test_host_checks_read_the_clusters_profile_with_tkgi():
    run = Tkgi(answers(profile("np-ip-sets-false")))
    results = by_check(tp.host_checks_of(run, "tkgi", CLUSTER, HOST))
    assert list(results) == ["tkgi_version", "tkgi_network_profile_nsgroup", "tkgi_np_use_ip_sets", "tkgi_policy_only_objects"]
    assert [f["check"] for found in results.values() for f in found] == ["tkgi_np_use_ip_sets"]
    assert ("tkgi", "network-profile", "np-ip-sets-false", "--json") in run.ran


def test_a_cluster_without_a_profile_passes_and_a_skipped_check_is_not_run():
    run = Tkgi(answers(None))
    results = by_check(tp.host_checks_of(run, "tkgi", CLUSTER, HOST, wanted=lambda check: check != "tkgi_version"))
    assert "tkgi_version" not in results and all(found == [] for found in results.values())
    assert ("tkgi", "--version") not in run.ran


@pytest.mark.parametrize(
    "cluster_json, profile_answer, reason",
    [
        ({"name": CLUSTER}, None, "no network_profile_name"),  # the UNCONFIRMED key missing: never a silent pass
        ({"name": CLUSTER, "network_profile_name": "np"}, (1, "", "Error: network profile np not found"), "not found"),
        ({"name": CLUSTER, "network_profile_name": "np"}, (0, "Name: np", ""), "not JSON"),
    ],
)
def test_a_profile_that_cannot_be_read_fails_each_profile_check_with_the_reason(cluster_json, profile_answer, reason):
    given = answers(None, cluster_json)
    if profile_answer:
        given[("network-profile", "np", "--json")] = profile_answer
    results = by_check(tp.host_checks_of(Tkgi(given), "tkgi", CLUSTER, HOST))
    assert results["tkgi_version"] == []
    for check in ("tkgi_network_profile_nsgroup", "tkgi_np_use_ip_sets", "tkgi_policy_only_objects"):
        item = only(results[check], check)
        assert reason in item["message"] and item["object_id"] == HOST and check in item["remediation"]


def test_nsx_version():
    assert tp.check_tkgi_nsx_version("4.0.1.1.0.20598726") == []
    assert tp.check_tkgi_nsx_version("4.1.2.0.0.22589037") == []
    item = only(tp.check_tkgi_nsx_version("4.0.1.0.0.20159689"), "tkgi_nsx_version")
    assert "4.0.1.1" in item["message"] and item["check"] in NSX_CHECK_IDS
    only(tp.check_tkgi_nsx_version(None), "tkgi_nsx_version")


PIS = [
    {"id": "pi-1", "name": "pks-nsx-t-superuser", "role": "enterprise_admin"},
    {"id": "pi-2", "name": "pks-1b2c3d4e", "role": "enterprise_admin"},
    {"id": "pi-3", "name": "tas-ncp-superuser", "role": "enterprise_admin"},
]


def test_dedicated_nsx():
    item = only(tp.check_dedicated(PIS, ["pks-*"]), "tkgi_nsx_dedicated")
    assert item["object_type"] == "PrincipalIdentity" and item["object_id"] == "pi-3" and "tas-ncp-superuser" in item["message"]
    assert tp.check_dedicated(PIS, ["pks-*", "tas-ncp-superuser"]) == []
    item = only(tp.check_dedicated(PIS, None), "tkgi_nsx_dedicated", "warning")  # not named: each listed, to confirm
    assert all(pi["name"] in item["message"] for pi in PIS) and "ncp_tkgi_principal_identities" in item["remediation"]
    assert tp.check_dedicated([], None) == []


DAY = 86400.0
END = tp.parse_window_end("2026-12-05T06:00:00Z")


def cert(cid, not_after_seconds):
    return {"id": cid, "display_name": cid + "-name", "details": [{"not_after": int(not_after_seconds * 1000)}]}


def test_certificates_valid_for_the_whole_window():
    assert tp.check_certificates([cert("ok", END + DAY)], END) == []
    item = only(tp.check_certificates([cert("ok", END + DAY), cert("short", END - 60)], END), "tkgi_certificates_valid")
    assert item["object_id"] == "short" and "2026-12-05T05:59:00Z" in item["message"] and "2026-12-05T06:00:00Z" in item["message"]
    only(tp.check_certificates([{"id": "bare"}], END), "tkgi_certificates_valid", "warning")
    # No window end: checked against now, with an info saying the window was not; an expired one is still an error.
    only(tp.check_certificates([cert("ok", END + DAY)], None, now=END), "tkgi_certificates_valid", "info")
    found = tp.check_certificates([cert("expired", END - DAY)], None, now=END)
    assert [(f["severity"], f["object_id"]) for f in found] == [("info", None), ("error", "expired")]


def test_window_end():
    assert tp.parse_window_end("2026-12-05") == END - 6 * 3600
    with pytest.raises(ValueError, match="not a UTC time"):
        tp.parse_window_end("tomorrow")


def test_nsx_checks_against_the_simulator(nsxsim_factory):
    """The scan reads the principal identities and certificates the simulator holds (as planted, API-REF shapes)."""
    sim = nsxsim_factory(
        scenario={
            "settings": {"product_version": "4.0.1.0.0.20159689"},
            "inventory": {
                "principal_identities": PIS,
                "certificates": [cert("nsx-api", END + DAY), cert("pks-1b2c3d4e", END - DAY)],
            },
        }
    )
    client = NsxClient(sim.url, username=sim.username, password=sim.password, retries=1)
    options = dict(min_version="4.0.1.1", principal_identities=["pks-*"], window_end=END)
    checks = ["nsx_version", "tkgi_nsx_version", "tkgi_nsx_dedicated", "tkgi_certificates_valid"]
    skip = [check for check in NSX_CHECK_IDS if check not in checks]
    try:
        _version, findings, checks_run = NsxPreflight(client, PreflightOptions([CLUSTER], skip_checks=skip, tkgi=options)).run()
        assert checks_run == checks
        assert sorted((f["check"], f["object_id"]) for f in findings) == [
            ("tkgi_certificates_valid", "pks-1b2c3d4e"),
            ("tkgi_nsx_dedicated", "pi-3"),
            ("tkgi_nsx_version", None),
        ]
        # Without TKGI clusters nothing TKGI's runs.
        assert NsxPreflight(client, PreflightOptions([CLUSTER], skip_checks=skip)).run()[2] == ["nsx_version"]
    finally:
        client.close()
