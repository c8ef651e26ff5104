"""Strategy 1 against an NSX that puts no policyPath tag on promoted objects (issues 24 and 26).

- ncp.ini names every NSX resource option, some by display name and some by MP UUID; after the run each names the
  Policy object its MP object became (read from the simulator's Policy tree, not from our mapping), the MP-only
  firewall markers are gone, policy_nsxapi is True and nothing else in the ConfigMap or the NCP YAML changed, byte
  for byte.
- An option that cannot be resolved (its resource was left out of the shared import), and one given a Policy ID whose
  object NSX does not have (dangling), stop the run before the Policy switch, naming each option: nothing is written
  and NCP is never started in Policy mode.
- backup_enabled false (NSX's own schedule off) with a remote file server configured passes the preflight: the
  backup before the import is taken on request.
"""

import re

import pytest

from .labtools import ini_value

pytestmark = pytest.mark.slow

# Option -> (MP list, Policy collections) of the resource it names (docs/nsx-api.md; the product's own table is
# plugins/module_utils/_ncp_resource_options.py: this oracle is written out independently).
EP = "/infra/sites/default/enforcement-points/default"
OPTIONS = {
    "top_tier_router": ("/api/v1/logical-routers", ("/infra/tier-0s", "/infra/tier-1s")),
    "tier0_router": ("/api/v1/logical-routers", ("/infra/tier-0s",)),
    "container_ip_blocks": ("/api/v1/pools/ip-blocks", ("/infra/ip-blocks",)),
    "no_snat_ip_blocks": ("/api/v1/pools/ip-blocks", ("/infra/ip-blocks",)),
    "external_ip_pools": ("/api/v1/pools/ip-pools", ("/infra/ip-pools",)),
    "external_ip_pools_lb": ("/api/v1/pools/ip-pools", ("/infra/ip-pools",)),
    "overlay_tz": ("/api/v1/transport-zones", (EP + "/transport-zones",)),
    "edge_cluster": ("/api/v1/edge-clusters", (EP + "/edge-clusters",)),
    "lb_service": ("/api/v1/loadbalancer/services", ("/infra/lb-services",)),
    "lb_vs_ip_set": ("/api/v1/ip-sets", ("/infra/domains/default/groups",)),
    "client_ssl_profile": ("/api/v1/loadbalancer/client-ssl-profiles", ("/infra/lb-client-ssl-profiles",)),
}
MARKERS = ("top_firewall_section_marker", "bottom_firewall_section_marker")
LINE = re.compile(r"^(?P<lead>[ \t]*)(?P<key>[A-Za-z0-9_]+)(?P<sep>[ \t]*=[ \t]*)(?P<value>.*?)(?P<end>\r?\n?)$")


def items(value):
    return [item.strip() for item in value.split(",") if item.strip()]


def mp_object(lab, option, item):
    """The MP object an ncp.ini item names: by MP ID, else by its (unique) display name."""
    listed = lab.nsx_call(OPTIONS[option][0], auth=True)["results"]
    found = [obj for obj in listed if obj["id"] == item] or [obj for obj in listed if obj.get("display_name") == item]
    assert len(found) == 1, (option, item, found)
    return found[0]


def item_ids(lab, ini):
    """Option -> [MP id per item] before the run: every option is there, named by name and by MP UUID in turn."""
    named, by_name, by_id = {}, 0, 0
    for option in OPTIONS:
        value = ini_value(ini, option)
        assert value, option
        named[option] = []
        for item in items(value):
            obj = mp_object(lab, option, item)
            by_id, by_name = by_id + (obj["id"] == item), by_name + (obj["id"] != item)
            named[option].append((item, obj["id"]))
    assert by_id >= 4 and by_name >= 4
    assert all(ini_value(ini, marker) for marker in MARKERS)
    return named


def policy_of(lab, option, mp_id):
    """(Policy ID, path) of the Policy object the MP object became, read from the simulator's Policy tree."""
    for collection in OPTIONS[option][1]:
        for obj in lab.nsx_call("/policy/api/v1" + collection + "?page_size=1000", auth=True)["results"]:
            if obj.get("realization_id") == mp_id:
                return obj["id"], obj["path"]
    raise AssertionError("no Policy object for MP %s (%s)" % (mp_id, option))


def switched(text, new_values):
    """``text`` (ncp.ini, or the NCP YAML embedding it) with only the expected edits: each resource option's value
    replaced, the markers' lines gone, policy_nsxapi True; every other byte as it was."""
    out, section = [], None
    for line in text.splitlines(True):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
        match = LINE.match(line)
        if section == "nsx_v3" and match:
            key = match.group("key")
            if key in MARKERS:
                continue
            value = new_values.get(key, "True" if key == "policy_nsxapi" else None)
            if value is not None:
                line = match.group("lead") + key + match.group("sep") + value + match.group("end")
        out.append(line)
    return "".join(out)


def schedule_off_with_remote_server(lab):
    config = lab.nsx_call("/api/v1/cluster/backups/config", auth=True)
    assert config["remote_file_server"]["server"]
    lab.nsx_call("/api/v1/cluster/backups/config", "PUT", dict(config, backup_enabled=False), auth=True)
    assert lab.nsx_call("/api/v1/cluster/backups/config", auth=True)["backup_enabled"] is False


def snapshot(lab):
    return {cluster: (lab.configmap_ini(cluster), lab.manifest_text(lab.masters(cluster)[0])) for cluster in lab.clusters}


def test_every_resource_option_by_name_or_mp_id_ends_as_an_existing_policy_id(lab_factory):
    lab = lab_factory("k8s2_policy_ids.yml")
    before = snapshot(lab)
    named = item_ids(lab, before[next(iter(lab.clusters))][0])
    schedule_off_with_remote_server(lab)
    run = lab.run("migrate_all.yml")
    assert run.returncode == 0, run.stdout[-5000:]
    paths = set(lab.policy_paths())
    new_values = {}
    for option, pairs in named.items():
        policy = [policy_of(lab, option, mp_id) for _item, mp_id in pairs]
        for policy_id, path in policy:
            assert lab.nsx_call("/policy/api/v1" + path, auth=True)["id"] == policy_id  # exists on the Policy API
            assert path in paths or path.startswith(EP)
        new_values[option] = ",".join(policy_id for policy_id, _path in policy)
    # The rewrite is real: the Tier-0 named by MP UUID becomes its display-name Policy ID, the transport zone named by
    # its name becomes its UUID.
    assert new_values["top_tier_router"] != named["top_tier_router"][0][0] and new_values["overlay_tz"] != named["overlay_tz"][0][0]
    for cluster, (configmap, manifest) in before.items():
        assert lab.ncp_mode(cluster) == "policy"
        assert lab.configmap_ini(cluster) == switched(configmap, new_values), cluster
        assert lab.manifest_text(lab.masters(cluster)[0]) == switched(manifest, new_values), cluster
    # No policyPath tag anywhere: the mapping was the only source.
    tier0 = lab.nsx_call("/api/v1/logical-routers/%s" % named["top_tier_router"][0][1], auth=True)
    assert not [tag for tag in tier0["tags"] if tag["scope"] == "policyPath"]
    assert lab.nsx_state()["backups"]["history"] == 1


def test_an_option_that_cannot_be_resolved_stops_before_the_policy_switch(lab_factory):
    lab = lab_factory("k8s2_policy_ids.yml")
    before = snapshot(lab)
    configmap = before[next(iter(lab.clusters))][0]
    named = item_ids(lab, configmap)
    ((lb_item, lb_pool_id),) = named["external_ip_pools_lb"]
    ((ssl_item, _ssl_id),) = named["client_ssl_profile"]
    lb_pool_name = lab.nsx_call("/_lab/object/%s" % lb_pool_id)["object"]["display_name"]
    # The user spec leaves the LB pool out of the shared import: it gets no Policy ID (everything else does).
    user_spec = {
        "shared_resources": {
            "TIER0": ["t0-shared"],
            "IP_BLOCK": ["pods-ip-block", "nodes-ip-block"],
            "IP_POOL": ["floating-ip-pool"],
            "LB_SERVICE": ["lb-service-shared"],
            "IP_SET": ["lb-vs-ip-set"],
            "LB_CLIENT_SSL_PROFILE": ["client-ssl-shared"],
        }
    }
    assert lb_pool_name not in user_spec["shared_resources"]["IP_POOL"]
    # And the operator gives a Policy ID that NSX does not have (a dangling ID) for the client SSL profile, which would
    # otherwise resolve: it is checked like every other and refused.
    given = {ssl_item: "no-such-client-ssl-profile"}
    run = lab.run("migrate_all.yml", {"ncp_user_spec": user_spec, "ncp_policy_mode_policy_ids": given})
    assert run.returncode != 0, run.stdout[-5000:]
    assert "[nsx_v3] external_ip_pools_lb: %s" % lb_item in run.stdout and "ncp_policy_mode_policy_ids" in run.stdout
    assert "[nsx_v3] client_ssl_profile: %s (given Policy ID no-such-client-ssl-profile has no Policy object" % ssl_item in run.stdout
    for cluster, (configmap_text, manifest_text) in before.items():
        # Nothing written: the ConfigMap and the NCP YAML are as they were, byte for byte, and NCP is not in Policy mode.
        assert (lab.configmap_ini(cluster), lab.manifest_text(lab.masters(cluster)[0])) == (configmap_text, manifest_text)
        assert lab.ncp_mode(cluster) != "policy"
        assert not any(start.get("policy_nsxapi") for start in lab.ncp_starts(cluster))
        assert not lab.journal(cluster)[1]["states"].get("policy_configured")
    assert "/infra/ip-pools/%s" % lb_pool_name not in set(lab.policy_paths())
