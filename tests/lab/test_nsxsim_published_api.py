"""The simulator answers as the published NSX API does (docs/nsx-api.md names the source of each behaviour)."""

import requests

from tests.lab.nsxsim.testing import assert_nsx_error
from tests.lab.test_nsxsim_migration import MIGRATION, _migrate, _submit, _t0, _wait

SECTIONS = "/api/v1/firewall/sections"


def ncp_section(sim):
    return next(s for s in sim.get(SECTIONS).json()["results"] if any(t["scope"] == "ncp/cluster" and t["tag"] == "k8s-01" for t in s["tags"]))


def test_protection_is_computed_for_each_reader(nsxsim_tls):
    sim = nsxsim_tls
    section = ncp_section(sim)
    url = f"{SECTIONS}/{section['id']}"
    readonly = (sim.simulator.settings.readonly_username, sim.simulator.settings.readonly_password)
    as_superuser = sim.get(url).json()
    as_readonly = sim.get(url, auth=readonly).json()
    as_owner = sim.get(url, auth=None, cert=(sim.client_cert, sim.client_key)).json()
    assert as_superuser["_create_user"] == as_readonly["_create_user"] == as_owner["_create_user"] == "ncp-k8s-01"
    assert (as_superuser["_protection"], as_readonly["_protection"], as_owner["_protection"]) == ("REQUIRE_OVERRIDE", "PROTECTED", "NOT_PROTECTED")
    admin_section = next(s for s in sim.get(SECTIONS).json()["results"] if s["_create_user"] == "admin")
    assert sim.get(f"{SECTIONS}/{admin_section['id']}").json()["_protection"] == "NOT_PROTECTED"
    assert sim.get(f"{SECTIONS}/{admin_section['id']}", auth=readonly).json()["_protection"] == "PROTECTED"
    # The read-only account reads everything and changes nothing.
    assert_nsx_error(sim.put(f"{SECTIONS}/{admin_section['id']}", auth=readonly, json=admin_section), 403, 254)


def test_section_list_is_layer3_unless_layer2_is_asked_and_insert_defaults_to_top(nsxsim):
    layer2 = nsxsim.post(SECTIONS, params={"operation": "insert_bottom"}, json={"display_name": "l2", "section_type": "LAYER2", "stateful": False})
    assert layer2.status_code == 201
    listed = nsxsim.get(SECTIONS).json()["results"]
    assert {s["section_type"] for s in listed} == {"LAYER3"}
    assert [s["id"] for s in nsxsim.get(SECTIONS, params={"type": "LAYER2"}).json()["results"]] == [layer2.json()["id"]]
    top = nsxsim.post(SECTIONS, json={"display_name": "no operation given", "section_type": "LAYER3", "stateful": True}).json()
    assert nsxsim.get(SECTIONS).json()["results"][0]["id"] == top["id"]


def test_stale_revision_is_409(nsxsim):
    section = nsxsim.get(SECTIONS).json()["results"][0]
    url = f"{SECTIONS}/{section['id']}"
    assert nsxsim.put(url, json=dict(section, description="x"), headers={"X-Allow-Overwrite": "true"}).status_code == 200
    assert_nsx_error(nsxsim.put(url, json=dict(section, description="y"), headers={"X-Allow-Overwrite": "true"}), 409)


def test_service_health_promotion_states_and_backup_history(nsxsim):
    status = "/api/v1/node/services/migration-coordinator/status"
    assert nsxsim.get(status).json()["health"] == "STABLE"
    nsxsim.admin.coordinator(running=False)
    assert nsxsim.get(status).json()["health"] == "DEGRADED"
    nsxsim.admin.coordinator(running=True)
    state = "/api/v1/migration/mp-policy-promotion/state"
    assert nsxsim.get(state).json() == {"mp_policy_promotion": "PROMOTION_NOT_IN_PROGRESS"}
    for forced in ("CANCELLING_PROMOTION", "CANCEL_FAILED", "PROMOTION_IN_PROGRESS"):
        nsxsim.admin.update_settings(promotion_state=forced)
        assert nsxsim.get(state).json() == {"mp_policy_promotion": forced}
    history = nsxsim.get("/api/v1/cluster/backups/history").json()
    assert isinstance(history["overall_backup_status"], str)


def test_search_page_size_over_1000_is_400(nsxsim):
    query = {"query": "resource_type:LogicalRouter"}
    assert nsxsim.get("/api/v1/search/query", params=dict(query, page_size=1000)).status_code == 200
    assert_nsx_error(nsxsim.get("/api/v1/search/query", params=dict(query, page_size=1001)), 400)


def test_expired_session_is_403_403(nsxsim):
    session = requests.Session()
    login = session.post(nsxsim.url + "/api/session/create", data={"j_username": nsxsim.username, "j_password": nsxsim.password}, verify=nsxsim.verify)
    headers = {"X-XSRF-TOKEN": login.headers["X-XSRF-TOKEN"]}
    assert session.get(nsxsim.url + SECTIONS, headers=headers, verify=nsxsim.verify).status_code == 200
    nsxsim.admin.add_fault(type="session_expiry", path=SECTIONS, count=1)
    assert_nsx_error(session.get(nsxsim.url + SECTIONS, headers=headers, verify=nsxsim.verify), 403, 403)


def test_migrated_resources_map_promoted_objects(nsxsim):
    t0 = _t0(nsxsim)
    url = f"{MIGRATION}/migrated-resources"
    assert_nsx_error(nsxsim.get(url), 400)
    assert nsxsim.get(url, params={"resource_type": "TIER0"}).json()["results"] == []
    nsxsim.admin.update_settings(tag_promoted_objects=False)
    nsxsim.post(f"{MIGRATION}/mp-to-policy/workflow", params={"action": "INITIATE"})
    assert _submit(nsxsim, "TIER0", [t0["id"]], policy_id="t0-policy").status_code == 200
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "start"})
    _wait(nsxsim, ("PAUSED",))
    nsxsim.post(f"{MIGRATION}/plan", params={"action": "continue"})
    assert _wait(nsxsim, ("SUCCESS", "FAILED"))["overall_migration_status"] == "SUCCESS"
    mapped = nsxsim.get(url, params={"resource_type": "TIER0"}).json()["results"]
    assert mapped == [{"resource_type": "TIER0", "resource_id": t0["id"], "policy_id": "t0-policy", "policy_path": "/infra/tier-0s/t0-policy"}]
    # With tag_promoted_objects off the MP object carries no policyPath tag: the mapping is the record.
    assert not [t for t in nsxsim.get(f"/api/v1/logical-routers/{t0['id']}").json()["tags"] if t["scope"] == "policyPath"]
    assert nsxsim.get("/policy/api/v1/infra/tier-0s/t0-policy").status_code == 200


def test_fabric_objects_are_read_by_policy_under_their_mp_uuid(nsxsim):
    # API-REF: PolicyTransportZone / PolicyEdgeCluster under /infra/sites/{site}/enforcement-points/{ep}: read from MP,
    # not imported (the MP UUID as the Policy ID is inferred; the product checks it with this GET).
    ep = "/policy/api/v1/infra/sites/default/enforcement-points/default"
    for mp_list, collection in (("/api/v1/transport-zones", "transport-zones"), ("/api/v1/edge-clusters", "edge-clusters")):
        (mp_object,) = nsxsim.get(mp_list).json()["results"]
        policy = nsxsim.get(f"{ep}/{collection}/{mp_object['id']}").json()
        assert (policy["id"], policy["path"]) == (mp_object["id"], f"/infra/sites/default/enforcement-points/default/{collection}/{mp_object['id']}")
        assert [o["id"] for o in nsxsim.get(f"{ep}/{collection}").json()["results"]] == [mp_object["id"]]
        assert_nsx_error(nsxsim.get(f"{ep}/{collection}/no-such-id"), 404)


def test_ip_sets_and_client_ssl_profiles_are_promoted_and_mapped(nsxsim):
    # API-REF: MigratedResources list enum has IP_SET and LB_CLIENT_SSL_PROFILE; Policy types Group, LBClientSslProfile.
    shared = nsxsim.generated["shared"]
    for kind, mp_id, collection in (
        ("IP_SET", shared["ip_set"], "/infra/domains/default/groups"),
        ("LB_CLIENT_SSL_PROFILE", shared["client_ssl_profile"], "/infra/lb-client-ssl-profiles"),
        ("LB_SERVICE", shared["lb_service"], "/infra/lb-services"),
    ):
        assert nsxsim.get(f"/policy/api/v1{collection}/{mp_id}").status_code == 404
        assert _migrate(nsxsim, kind, [mp_id])["overall_migration_status"] == "SUCCESS"
        (mapped,) = nsxsim.get(f"{MIGRATION}/migrated-resources", params={"resource_type": kind}).json()["results"]
        assert (mapped["resource_id"], mapped["policy_path"]) == (mp_id, f"{collection}/{mapped['policy_id']}")
        assert nsxsim.get(f"/policy/api/v1{mapped['policy_path']}").json()["realization_id"] == mp_id
