"""The lab's TKGI control plane (issue 27): one TKGI API for every TKGI cluster, Ops Manager and BOSH, on the controller.

LAB/bin/{tkgi,om,bosh,bosh_migration_mode.sh} (tests/lab/hosts/*_standin.py), LAB/tkgi-api/ (clusters.json and the
clusters' states), LAB/opsman/ (the director and the TKGI tile, staged and deployed, and the lab's credentials) and
LAB/var/vcap/tkgi/api.json (where the controller's tkgi finds the API; each TKGI master has its own copy).

Scenario key ``tkgi: {test_cluster: NAME, prepared: BOOL}``. The test cluster is a cluster of the scenario, or, when it
is not one, a TKGI-API-only cluster with one master root and its own Kubernetes API, outside the inventory (no NSX
objects of its own: its promotion migrates the shared ones). ``prepared``: TKGI's order up to the tile done at lab up
with the stand-ins (BOSH migration mode, the test cluster promoted, the tile's four IDs and Policy switch applied), so
that a lab's TKGI clusters may be promoted straight away.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile

import yaml

from .hosts.layout import _install_script

HOSTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hosts")
TILE = "pivotal-container-service"
NSX_PROPERTY = ".properties.network_selector.nsx."
# The tile's four IDs and its Policy switch (names UNCONFIRMED for TKGI 1.15+: the collection's defaults, tkgi_cli.py).
TILE_IDS = ("t0-router-id", "floating-ip-pool-ids", "ip-block-id", "nodes-ip-block-id")
POLICY_SWITCH = NSX_PROPERTY + "nsx-t-policy-api"


def install(out, python=None):
    """The controller's CLIs in LAB/bin; returns their paths."""
    python = python or sys.executable
    bin_dir = os.path.join(out, "bin")
    paths = {name: os.path.join(bin_dir, name) for name in ("tkgi", "om", "bosh", "bosh_migration_mode.sh")}
    _install_script(os.path.join(HOSTS, "tkgi_standin.py"), paths["tkgi"], python)
    _install_script(os.path.join(HOSTS, "opsman_standin.py"), paths["om"], python)
    _install_script(os.path.join(HOSTS, "opsman_standin.py"), paths["bosh"], python)
    _install_script(os.path.join(HOSTS, "bosh_migration_mode_standin.py"), paths["bosh_migration_mode.sh"], python)
    return paths


def write_api(out, tkgi_clusters):
    """LAB/tkgi-api/clusters.json ({name: {masters: [roots]}}) and api.json on the controller and every master."""
    directory = os.path.join(out, "tkgi-api")
    os.makedirs(os.path.join(directory, "state"), exist_ok=True)
    _write_json(os.path.join(directory, "clusters.json"), {name: {"masters": roots} for name, roots in tkgi_clusters.items()})
    for root in [out] + [root for roots in tkgi_clusters.values() for root in roots]:
        _write_json(os.path.join(root, "var", "vcap", "tkgi", "api.json"), {"dir": directory})
    return directory


def write_opsman(out, nsx_host, generated):
    """Ops Manager as a TKGI foundation on MP has it: BOSH without Policy API, the tile holding the MP IDs."""
    shared = generated.get("shared") or {}
    auth = {
        "om_username": "admin",
        "om_password": secrets.token_hex(12),
        "bosh_client": "ops_manager",
        "bosh_client_secret": secrets.token_hex(12),
    }
    director = {
        "iaas-configurations": [
            {"name": "default", "additional_cloud_properties": {"nsxt": {"host": nsx_host, "use_policy_api": False, "policy_api_migration_mode": False}}}
        ],
        "properties-configuration": {"director_configuration": {"nsx_t_use_policy_api": False}},
    }
    blocks, pools = shared.get("ip_blocks") or ["", ""], shared.get("ip_pools") or [""]
    ids = (shared.get("tier0", ""), pools[0], blocks[0], blocks[1] if len(blocks) > 1 else blocks[0])
    properties = {NSX_PROPERTY + name: {"value": value} for name, value in zip(TILE_IDS, ids, strict=True)}
    properties[POLICY_SWITCH] = {"value": False}
    directory = os.path.join(out, "opsman")
    _write_json(os.path.join(directory, "lab-auth.json"), auth, 0o600)
    _write_json(os.path.join(directory, "director.json"), {"staged": director, "deployed": director})
    _write_json(os.path.join(directory, "products.json"), {TILE: {"guid": TILE + "-0a1b2c3d4e5f", "staged": properties, "deployed": properties}})
    return auth


def inventory_vars(lab):
    """The collection's TKGI variables for the controller (inventory all.vars)."""
    tkgi = lab["tkgi"]
    auth, paths = tkgi["auth"], tkgi["bin"]
    return {
        "ncp_tkgi_cli": {
            "om_command": [paths["om"]],
            "om_target": "opsman.lab.invalid",
            "om_username": auth["om_username"],
            "om_password": auth["om_password"],
            "bosh_command": [paths["bosh"]],
            "bosh_environment": "bosh.lab.invalid",
            "bosh_client": auth["bosh_client"],
            "bosh_client_secret": auth["bosh_client_secret"],
            "tkgi_command": [paths["tkgi"]],
        },
        "ncp_tkgi_bosh_script": paths["bosh_migration_mode.sh"],
        "ncp_tkgi_opsman": {"host": "opsman.lab.invalid", "username": auth["om_username"], "password": auth["om_password"]},
        "ncp_tkgi_test_cluster": tkgi["test_cluster"],
    }


def prepare(lab, nsx_get):
    """TKGI's order up to the tile, through the stand-ins: BOSH migration mode, the test cluster, the tile applied."""
    cli = inventory_vars(lab)
    env = dict(
        os.environ,
        OM_TARGET=cli["ncp_tkgi_cli"]["om_target"],
        OM_USERNAME=cli["ncp_tkgi_cli"]["om_username"],
        OM_PASSWORD=cli["ncp_tkgi_cli"]["om_password"],
        BOSH_ENVIRONMENT=cli["ncp_tkgi_cli"]["bosh_environment"],
        BOSH_CLIENT=cli["ncp_tkgi_cli"]["bosh_client"],
        BOSH_CLIENT_SECRET=cli["ncp_tkgi_cli"]["bosh_client_secret"],
    )
    paths, opsman = lab["tkgi"]["bin"], cli["ncp_tkgi_opsman"]
    _run(env, paths["bosh_migration_mode.sh"], "enable", opsman["host"], opsman["username"], opsman["password"])
    _run(env, paths["tkgi"], "promote-cluster-to-policy", lab["tkgi"]["test_cluster"], "--non-interactive", "--wait", "--json")
    staged = yaml.safe_load(_run(env, paths["om"], "staged-config", "--product-name", TILE))["product-properties"]
    mapped = {}
    for kind in ("TIER0", "IPPOOL", "IPBLOCK"):
        answer = nsx_get(f"/api/v1/migration/migrated-resources?resource_type={kind}")
        mapped.update({entry["resource_id"]: entry["policy_id"] for entry in answer.get("results", [])})
    properties = {name: {"value": mapped[value["value"]]} for name, value in staged.items() if name != POLICY_SWITCH}
    properties[POLICY_SWITCH] = {"value": True}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=os.path.join(lab["out"], "opsman"), delete=False) as handle:
        yaml.safe_dump({"product-name": TILE, "product-properties": properties}, handle)
    _run(env, paths["om"], "configure-product", "--config", handle.name)
    _run(env, paths["om"], "apply-changes", "--product-name", TILE)


def _run(env, *argv):
    done = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"TKGI lab preparation: {os.path.basename(argv[0])} {argv[1]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def _write_json(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    os.replace(path + ".tmp", path)
