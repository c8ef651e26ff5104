"""Strategy 1 against an NSX that puts no policyPath tag on promoted objects (issue 24).

- The Policy IDs written into ncp.ini come from GET /api/v1/migration/migrated-resources.
- A shared resource named in ncp.ini that got no Policy ID stops the run before the Policy switch, naming the
  option: NCP is never started with an MP ID (or a dangling ID) in Policy mode.
- backup_enabled false (NSX's own schedule off) with a remote file server configured passes the preflight: the
  backup before the import is taken on request.
"""

import pytest

from .labtools import ini_value

pytestmark = pytest.mark.slow

OPTIONS = ("top_tier_router", "container_ip_blocks", "external_ip_pools", "external_ip_pools_lb")


def shared_objects(lab):
    """Option -> (MP id, display name) of the shared resource each ncp.ini option names (read from the simulator)."""
    ini = lab.configmap_ini(next(iter(lab.clusters)))
    named = {}
    for option in OPTIONS:
        mp_id = ini_value(ini, option)
        named[option] = (mp_id, lab.nsx_call("/_lab/object/%s" % mp_id)["object"]["display_name"])
    return named


def schedule_off_with_remote_server(lab):
    config = lab.nsx_call("/api/v1/cluster/backups/config", auth=True)
    assert config["remote_file_server"]["server"]
    lab.nsx_call("/api/v1/cluster/backups/config", "PUT", dict(config, backup_enabled=False), auth=True)
    assert lab.nsx_call("/api/v1/cluster/backups/config", auth=True)["backup_enabled"] is False


def test_policy_ids_from_migrated_resources_and_backup_schedule_off(lab_factory):
    lab = lab_factory("k8s2_policy_ids.yml")
    named = shared_objects(lab)
    schedule_off_with_remote_server(lab)
    run = lab.run("migrate_all.yml")
    assert run.returncode == 0, run.stdout[-5000:]
    paths = set(lab.policy_paths())
    collections = {"top_tier_router": "tier-0s", "container_ip_blocks": "ip-blocks", "external_ip_pools": "ip-pools", "external_ip_pools_lb": "ip-pools"}
    for cluster in lab.clusters:
        assert lab.ncp_mode(cluster) == "policy"
        ini = lab.configmap_ini(cluster)
        for option, (mp_id, display_name) in named.items():
            # The simulator names shared Policy objects after their display names (settings.shared_policy_id_rule).
            assert ini_value(ini, option) == display_name != mp_id, (cluster, option)
            assert "/infra/%s/%s" % (collections[option], display_name) in paths
    # No policyPath tag anywhere: the mapping was the only source.
    tier0 = lab.nsx_call("/api/v1/logical-routers/%s" % named["top_tier_router"][0], auth=True)
    assert not [tag for tag in tier0["tags"] if tag["scope"] == "policyPath"]
    assert lab.nsx_state()["backups"]["history"] == 1


def test_shared_resource_without_policy_id_stops_before_the_policy_switch(lab_factory):
    lab = lab_factory("k8s2_policy_ids.yml")
    named = shared_objects(lab)
    lb_pool_id, lb_pool_name = named["external_ip_pools_lb"]
    # The user spec leaves the LB pool out of the shared import: it gets no Policy ID.
    spec = {
        "shared_resources": {
            "TIER0": [named["top_tier_router"][1]],
            "IP_BLOCK": [named["container_ip_blocks"][1]],
            "IP_POOL": [named["external_ip_pools"][1]],
        }
    }
    run = lab.run("migrate_all.yml", {"ncp_user_spec": spec})
    assert run.returncode != 0, run.stdout[-5000:]
    assert "external_ip_pools_lb names %s" % lb_pool_id in run.stdout and "ncp_policy_mode_policy_ids" in run.stdout
    for cluster in lab.clusters:
        ini = lab.configmap_ini(cluster)
        assert ini_value(ini, "policy_nsxapi") != "True" and ini_value(ini, "external_ip_pools_lb") == lb_pool_id
        assert lab.ncp_mode(cluster) != "policy"
        assert not lab.journal(cluster)[1]["states"].get("policy_configured")
    assert "/infra/ip-pools/%s" % lb_pool_name not in set(lab.policy_paths())
