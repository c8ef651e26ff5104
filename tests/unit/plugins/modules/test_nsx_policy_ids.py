"""nsx_policy_ids: reads ncp.ini (file or NCP YAML), resolves every resource option over real HTTP, fails naming the
option when one cannot be resolved (check mode: reports it), and writes nothing either way."""

from tests.unit.module_runner import run_module
from tests.unit.plugins.module_utils.test_ncp_resource_options import load, serve


def write_ini(tmp_path, values):
    path = tmp_path / "ncp.ini"
    path.write_text("[nsx_v3]\npolicy_nsxapi = False\n" + "".join("%s = %s\n" % item for item in values.items()))
    return path


def args(scripted, path):
    return dict(nsx_manager=scripted.url, nsx_username="admin", nsx_password="pw-123456789", nsx_auth="basic", validate_certs=False, paths=[str(path)])


def test_every_option_resolved_and_nothing_written(scripted, tmp_path):
    nsx = load()
    serve(scripted, nsx)
    path = write_ini(tmp_path, nsx["ncp_ini"])
    before = path.read_bytes()
    result = run_module("nsx_policy_ids", args(scripted, path))
    assert not result.failed and result["changed"] is False, result
    assert result["options"] == nsx["expected"] and result["unresolved"] == {}
    assert result["policy_ids"]["t0 shared"] == "t0_shared" and result["checked_paths"]
    assert path.read_bytes() == before


def test_an_unresolved_option_fails_naming_it_and_check_mode_reports_it(scripted, tmp_path):
    nsx = load()
    serve(scripted, nsx)
    path = write_ini(tmp_path, dict(nsx["ncp_ini"], external_ip_pools_lb="no-such-pool"))
    before = path.read_bytes()
    result = run_module("nsx_policy_ids", args(scripted, path))
    assert result.failed
    assert "[nsx_v3] external_ip_pools_lb: no-such-pool (no MP ip_pool" in result["msg"] and "Next step" in result["msg"]
    assert result["unresolved"] == {"external_ip_pools_lb": [{"item": "no-such-pool", "reason": result["unresolved"]["external_ip_pools_lb"][0]["reason"]}]}
    assert "no-such-pool" not in result["policy_ids"] and "pw-123456789" not in result.raw
    planned = run_module("nsx_policy_ids", args(scripted, path), check_mode=True)
    assert not planned.failed and list(planned["unresolved"]) == ["external_ip_pools_lb"]
    assert any("no-such-pool" in str(warning) for warning in planned.get("warnings", []))
    assert path.read_bytes() == before


def test_a_missing_file_is_one_clear_error(scripted, tmp_path):
    serve(scripted, load())
    result = run_module("nsx_policy_ids", args(scripted, tmp_path / "absent.ini"))
    assert result.failed and result["msg"] == "%s does not exist" % (tmp_path / "absent.ini")


def cluster_args(scripted, by_cluster):
    return dict(
        nsx_manager=scripted.url, nsx_username="admin", nsx_password="pw-123456789", nsx_auth="basic", validate_certs=False, ncp_ini_resources=by_cluster
    )


def test_several_clusters_at_once_each_with_its_own_refusal_and_each_read_once(scripted, tmp_path):
    nsx = load()
    serve(scripted, nsx)
    good = dict(nsx["ncp_ini"])
    bad = dict(nsx["ncp_ini"], external_ip_pools_lb="no-such-pool")
    one = run_module("nsx_policy_ids", args(scripted, write_ini(tmp_path, good)))
    by_cluster = {
        "k8s-01": [{"source": "configmap", "policy_mode": False, "values": good}],
        "k8s-02": [{"source": "configmap", "policy_mode": False, "values": bad}],
    }
    result = run_module("nsx_policy_ids", cluster_args(scripted, by_cluster))
    # Not a failure: each cluster's switch decides from its own entry.
    assert not result.failed and result["changed"] is False, result
    assert result["clusters"]["k8s-01"]["msg"] == "" and result["clusters"]["k8s-01"]["options"] == nsx["expected"]
    refused = result["clusters"]["k8s-02"]
    assert "[nsx_v3] external_ip_pools_lb: no-such-pool (no MP ip_pool" in refused["msg"] and "Next step" in refused["msg"]
    assert list(refused["unresolved"]) == ["external_ip_pools_lb"] and "no-such-pool" not in refused["policy_ids"]
    assert result["policy_ids"]["t0 shared"] == "t0_shared" and list(result["unresolved"]) == ["external_ip_pools_lb"]
    # The second cluster's shared items cost no new reads: fewer requests than two runs of one cluster each.
    assert result["api_requests"] < 2 * one["api_requests"], (result["api_requests"], one["api_requests"])
    assert "pw-123456789" not in result.raw


def test_copies_and_a_configmap_together_are_refused(scripted, tmp_path):
    serve(scripted, load())
    result = run_module("nsx_policy_ids", dict(args(scripted, tmp_path / "ncp.ini"), ncp_ini_resources={"k8s-01": []}))
    assert result.failed and "mutually exclusive" in result["msg"] and "ncp_ini_resources" in result["msg"]
