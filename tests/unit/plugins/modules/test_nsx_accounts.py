"""nsx_preflight and nsx_dfw_refactor as each kind of NSX account: a superuser, a read-only user and NCP's
principal identity (client certificate).

NSX computes ``_protection`` for the reader (nsx-reference.md sections 3 and 5), so the same inventory reads
differently to each account; what the collection finds and changes must not. A session that NSX ends mid-scan
(403 / error_code 403) costs one login, not the run.
"""

import pytest

from tests.unit.module_runner import run_module

SPEC = "clusters=2,sections=8,rules=60,virtual_servers=4,blockers=admin_section+user_rule"
ACCOUNTS = ("superuser", "read_only", "principal")
RULES = "/api/v1/firewall/sections/*/rules"


@pytest.fixture
def sim(nsxsim_factory):
    return nsxsim_factory(generate=SPEC, tls=True)


def connection(sim, account, **extra):
    args = {"nsx_manager": sim.host_port, "validate_certs": True, "ca_path": sim.ca_path, "retries": 2, "request_timeout": 10}
    if account == "principal":
        # The lab client certificate is NCP's principal identity of the first cluster (ncp-k8s-01).
        args.update(nsx_client_cert=sim.client_cert, nsx_client_key=sim.client_key)
    elif account == "read_only":
        args.update(nsx_username=sim.simulator.settings.readonly_username, nsx_password=sim.simulator.settings.readonly_password)
    else:
        args.update(nsx_username=sim.username, nsx_password=sim.password)
    args.update(extra)
    return args


def clusters_of(sim):
    return [cluster["name"] for cluster in sim.generated["clusters"]]


def preflight(sim, account):
    result = run_module("nsx_preflight", connection(sim, account, clusters=clusters_of(sim), fail_on="never", max_requests_per_second=0))
    assert not result.failed, result.get("msg")
    return sorted((f["check"], f["object_id"], f["cluster"]) for f in result["findings"])


def planted(sim):
    blockers, first = sim.generated["blockers"], clusters_of(sim)[0]
    return sorted(
        [
            ("dfw_admin_section_inside_ncp_range", blockers["admin_section"], first),
            ("dfw_user_rule_in_ncp_section", blockers["user_rule"]["rule_id"], first),
        ]
    )


def principal_rules(sim, only=None):
    """Section -> the rules a principal identity created there, in order, with their revisions (read as the superuser)."""
    placed = {}
    for section in sim.get("/api/v1/firewall/sections").json()["results"]:
        rules = sim.get("/api/v1/firewall/sections/%s/rules" % section["id"]).json()["results"]
        mine = [(rule["id"], rule["_revision"]) for rule in rules if rule["_create_user"].startswith("ncp-") and (only is None or rule["id"] in only)]
        if mine:
            placed[section["id"]] = mine
    return placed


@pytest.mark.parametrize("account", ACCOUNTS)
def test_preflight_finds_exactly_the_planted_blockers_whoever_reads(sim, account):
    # NSX ends every session while the rules are being read (the superuser and the read-only user log in again).
    sim.admin.add_fault(type="session_expiry", path=RULES, method="GET", count=1)
    assert preflight(sim, account) == planted(sim)
    logins = sim.admin.count("POST", "/api/session/create")
    assert logins == (0 if account == "principal" else 2)
    assert not sim.admin.faults()["request_faults"], "the session expiry fault was never reached"


@pytest.mark.parametrize("account", ACCOUNTS)
def test_refactoring_as_any_account_never_moves_a_principal_identity_rule(sim, account):
    before = principal_rules(sim)
    assert before, "the lab inventory has NCP rules"
    planned = run_module("nsx_dfw_refactor", connection(sim, account, clusters=clusters_of(sim)))
    assert not planned.failed, planned.get("msg")
    moved = sorted((item["kind"], item["id"]) for item in planned["plan"] if item["action"] == "move")
    blockers = sim.generated["blockers"]
    assert moved == sorted([("section", blockers["admin_section"]), ("rule", blockers["user_rule"]["rule_id"])])

    applied = run_module("nsx_dfw_refactor", connection(sim, account, clusters=clusters_of(sim), state="applied"))
    if account == "read_only":
        # A read-only account may plan but not write: NSX refuses the first write, nothing moved.
        assert applied.failed and applied["status"] == 403 and applied["applied"] == []
    else:
        assert not applied.failed, applied.get("msg")
        assert applied["verified"] is True
        assert preflight(sim, "superuser") == []
    # Every rule a principal identity had created is still in its section, in the same order, unchanged (run as NCP's
    # identity, the copy of the moved admin rule is NCP's new rule: it is not among them).
    assert principal_rules(sim, only={rule_id for rules in before.values() for rule_id, _revision in rules}) == before
