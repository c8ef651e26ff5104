"""Small fake om / bosh / tkgi / bosh_migration_mode.sh for the TKGI module tests: real executables the modules run
as processes, over one JSON state file, each call appended to calls.jsonl (tool, argv, the credential variables it
saw). They check the credentials in their environment as the real CLIs need them (TKGI_INTERFACE), so a module
that forgot one fails here too."""

import json
import stat
import sys

CREDENTIALS = dict(
    OM_TARGET="opsman.lab",
    OM_USERNAME="admin",
    OM_PASSWORD="om-secret-4711",
    BOSH_ENVIRONMENT="10.0.0.5",
    BOSH_CLIENT="ops_manager",
    BOSH_CLIENT_SECRET="bosh-secret-0815",
)
OPSMAN = dict(host="10.0.0.10", username="admin", password="opsman-secret-1234")
SECRETS = (CREDENTIALS["OM_PASSWORD"], CREDENTIALS["BOSH_CLIENT_SECRET"], OPSMAN["password"])
PRODUCT = "pivotal-container-service"
NSX = ".properties.network_selector.nsx."
MP_TILE = {
    NSX + "t0-router-id": "0a0a0a0a-0000-4000-8000-000000000001",
    NSX + "floating-ip-pool-ids": "2c2c2c2c-0000-4000-8000-000000000001",
    NSX + "ip-block-id": "1b1b1b1b-0000-4000-8000-000000000001",
    NSX + "nodes-ip-block-id": "1b1b1b1b-0000-4000-8000-000000000002",
    NSX + "nsx-t-policy-api": False,
}
POLICY_TILE = {
    NSX + "t0-router-id": "t0_shared",
    NSX + "floating-ip-pool-ids": "floating-ip-pool",
    NSX + "ip-block-id": "pods-ip-block",
    NSX + "nodes-ip-block-id": "nodes-ip-block",
    NSX + "nsx-t-policy-api": True,
}
POLICY_IDS = dict(t0_router="t0_shared", floating_pool="floating-ip-pool", pods_ip_block="pods-ip-block", nodes_ip_block="nodes-ip-block")

SCRIPT = r"""
import json, os, sys
import yaml

TOOL, STATE = %(tool)r, %(state)r
CREDS, OPSMAN = %(creds)r, %(opsman)r


def load():
    with open(STATE) as handle:
        return json.load(handle)


def save(state):
    with open(STATE, "w") as handle:
        json.dump(state, handle)


def need(names, error):
    for name in names:
        if os.environ.get(name) != CREDS[name]:
            sys.stderr.write(error + "\n")
            sys.exit(1)


state = load()
args = sys.argv[1:]
with open(os.path.join(os.path.dirname(STATE), "calls.jsonl"), "a") as log:
    log.write(json.dumps(dict(tool=TOOL, argv=args, env=sorted(k for k in CREDS if k in os.environ))) + "\n")
if state.get("fail", {}).get(TOOL):
    sys.stderr.write(state["fail"][TOOL] + "\n")
    sys.exit(1)
if TOOL == "bosh":
    need(["BOSH_ENVIRONMENT"], "Expected non-empty Director URL")
    need(["BOSH_CLIENT", "BOSH_CLIENT_SECRET"], "Fetching info: Performing request: invalid_client")
    assert args == ["cpi-config", "--json"], args
    cpis = [dict(name=c["name"], type="vsphere", properties=dict(nsxt=dict(host="nsx.lab", use_policy_api=c["use_policy_api"],
            policy_api_migration_mode=c["policy_api_migration_mode"]))) for c in state["cpis"]]
    print(json.dumps(dict(Tables=[], Blocks=[yaml.safe_dump(dict(cpis=cpis))], Lines=["Using environment", "Succeeded"])))
elif TOOL == "om":
    need(["OM_TARGET", "OM_USERNAME", "OM_PASSWORD"], "could not authenticate with Ops Manager")
    if args[:1] == ["staged-config"]:
        props = dict((name, dict(value=value)) for name, value in state["staged"].items())
        print(yaml.safe_dump({"product-name": args[2], "product-properties": props}))
    elif args[:1] == ["configure-product"]:
        with open(args[2]) as handle:
            config = yaml.safe_load(handle)
        for name, prop in config["product-properties"].items():
            state["staged"][name] = prop["value"]
        save(state)
    elif args[:1] == ["apply-changes"]:
        if not state.get("apply_breaks"):
            state["deployed"] = dict(state["staged"])
        save(state)
    elif args[:1] == ["pending-changes"]:
        action = "unchanged" if state["staged"] == state["deployed"] else "update"
        print(json.dumps([dict(guid="p-bosh-1a2b", action="unchanged", errands=[]), dict(guid="pivotal-container-service-9f8e", action=action, errands=[])]))
    else:
        sys.exit("unknown om command %%s" %% args)
elif TOOL == "tkgi":
    if args[:1] == ["clusters"]:
        print(json.dumps([dict(name=name, **c) for name, c in sorted(state["clusters"].items())]))
    elif args[:1] == ["cluster"]:
        if args[1] not in state["clusters"]:
            sys.stderr.write("Error: cluster %%s not found\n" %% args[1])
            sys.exit(1)
        print(json.dumps(dict(name=args[1], **state["clusters"][args[1]])))
else:  # bosh_migration_mode.sh enable|disable OPSMAN-IP USERNAME PASSWORD
    need(["BOSH_ENVIRONMENT", "BOSH_CLIENT", "BOSH_CLIENT_SECRET"], "Expected non-empty Director URL")
    if args[1:] != [OPSMAN["host"], OPSMAN["username"], OPSMAN["password"]]:
        sys.stderr.write("could not authenticate with Ops Manager as %%s\n" %% " ".join(args[1:]))
        sys.exit(1)
    print("Exporting staged director config (backup director-config-20261205.yml)")
    if not state.get("script_ineffective"):
        for cpi in state["cpis"]:
            cpi["use_policy_api"], cpi["policy_api_migration_mode"] = (False, True) if args[0] == "enable" else (True, False)
        save(state)
    print("om apply-changes --skip-deploy-products: Succeeded")
"""


class FakeTkgi(object):
    """The fake CLIs in ``tmp_path/bin`` over ``tmp_path/state.json``."""

    def __init__(self, tmp_path, cpi_mode=None, staged=None, deployed=None, clusters=None):
        self.dir = tmp_path
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.state_path = tmp_path / "state.json"
        flags = dict(migration=(False, True), policy=(True, False)).get(cpi_mode, (False, False))
        staged = dict(MP_TILE if staged is None else staged)
        self.state = dict(
            cpis=[dict(name=name, use_policy_api=flags[0], policy_api_migration_mode=flags[1]) for name in ("vsphere-az1", "vsphere-az2")],
            staged=staged,
            deployed=dict(staged if deployed is None else deployed),
            clusters=clusters or {},
        )
        self.save()
        for tool in ("om", "bosh", "tkgi", "bosh_migration_mode.sh"):
            path = self.bin / tool
            source = SCRIPT % dict(tool=tool, state=str(self.state_path), creds=CREDENTIALS, opsman=OPSMAN)
            path.write_text("#!%s\n%s" % (sys.executable, source))
            path.chmod(path.stat().st_mode | stat.S_IXUSR)

    def save(self):
        self.state_path.write_text(json.dumps(self.state))

    def load(self):
        self.state = json.loads(self.state_path.read_text())
        return self.state

    def update(self, **changes):
        self.load()
        self.state.update(changes)
        self.save()

    def calls(self, tool=None):
        path = self.dir / "calls.jsonl"
        calls = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        return [call for call in calls if tool is None or call["tool"] == tool]

    def writes(self):
        """The calls that change something: om configure/apply, the script."""
        return [
            c
            for c in self.calls()
            if c["argv"][:1] in (["configure-product"], ["apply-changes"], ["configure-director"]) or c["tool"] == "bosh_migration_mode.sh"
        ]

    def args(self):
        """The tkgi_cli option group pointing at the fakes, with the right credentials."""
        return dict(
            om_command=[str(self.bin / "om")],
            om_target=CREDENTIALS["OM_TARGET"],
            om_username=CREDENTIALS["OM_USERNAME"],
            om_password=CREDENTIALS["OM_PASSWORD"],
            bosh_command=[str(self.bin / "bosh")],
            bosh_environment=CREDENTIALS["BOSH_ENVIRONMENT"],
            bosh_client=CREDENTIALS["BOSH_CLIENT"],
            bosh_client_secret=CREDENTIALS["BOSH_CLIENT_SECRET"],
            tkgi_command=[str(self.bin / "tkgi")],
        )


def promoted(state="succeeded"):
    return dict(last_action="PROMOTE_TO_POLICY", last_action_state=state, last_action_description="Instance promotion", network_profile_name=None)


def created():
    return dict(last_action="CREATE", last_action_state="succeeded", last_action_description="Instance provisioning completed", network_profile_name=None)


def assert_no_secret(result):
    for secret in SECRETS:
        assert secret not in result.raw, secret


def environ_clean(monkeypatch):
    """The modules must give the credentials themselves: none inherited from the test's environment."""
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
