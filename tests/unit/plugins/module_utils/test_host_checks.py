"""host_checks: the import master's ncp.ini / NCP YAML file must say Manager mode, and must have [nsx_v3] at all."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._host_checks import (
    check_policy_nsxapi,
    policy_nsxapi_of,
    read_ini_file,
    read_ini_text,
    resource_options_of,
)


def policy_nsxapi_from_ini(text):
    """(value, error) as the host preflight reads them from an ncp.ini text."""
    return policy_nsxapi_of(*read_ini_text(text))


def policy_nsxapi_from_manifest(path):
    """(value, error) as the host preflight reads them from an NCP YAML manifest."""
    return policy_nsxapi_of(*read_ini_file(path, manifest=True))


INI = "[coe]\ncluster = k8s-01\n\n[nsx_v3]\nnsx_api_managers = 10.0.0.11\npolicy_nsxapi = {value}\n"
NO_NSX_V3 = "[coe]\ncluster = k8s-01\n\n[k8s]\napiserver_host_ip = 10.0.0.2\n"
MANIFEST = """apiVersion: v1
kind: ConfigMap
metadata:
  name: nsx-ncp-config
  namespace: nsx-system
data:
  ncp.ini: |
{ini}
"""


def manifest(tmp_path, ini):
    path = tmp_path / "ncp.yaml"
    path.write_text(MANIFEST.format(ini="\n".join("    " + line for line in ini.splitlines())))
    return str(path)


@pytest.mark.parametrize("value, errors", [("False", 0), ("false", 0), ("True", 1), ("yes", 1)])
def test_policy_nsxapi_true_blocks(value, errors):
    found = check_policy_nsxapi([("configmap",) + policy_nsxapi_from_ini(INI.format(value=value))], "k8s-01")
    assert [(f["check"], f["severity"], f["cluster"]) for f in found] == [("policy_nsxapi_false", "error", "k8s-01")] * errors


def test_unset_policy_nsxapi_is_manager_mode():
    text = INI.format(value="False").replace("policy_nsxapi = False\n", "")
    assert policy_nsxapi_from_ini(text) == (None, None)
    assert check_policy_nsxapi([("configmap", None, None)], "k8s-01") == []


def test_ncp_ini_without_nsx_v3_is_a_blocker(tmp_path):
    value, error = policy_nsxapi_from_ini(NO_NSX_V3)
    assert value is None and "[nsx_v3]" in error
    found = check_policy_nsxapi(
        [("configmap nsx-system/nsx-ncp-config", value, error), ("ncp.yaml",) + policy_nsxapi_from_manifest(manifest(tmp_path, NO_NSX_V3))], "k8s-01"
    )
    assert [f["object_id"] for f in found] == ["configmap nsx-system/nsx-ncp-config", "ncp.yaml"]
    assert [("[nsx_v3]" in f["message"], f["severity"]) for f in found] == [(True, "error")] * 2


def test_manifest_is_read_like_the_configmap(tmp_path):
    assert policy_nsxapi_from_manifest(manifest(tmp_path, INI.format(value="True"))) == ("True", None)
    value, error = policy_nsxapi_from_manifest(str(tmp_path / "missing.yaml"))
    assert value is None and "cannot read" in error


def test_resource_options_are_read_from_each_copy_for_the_nsx_check(tmp_path):
    """ncp_ini_resource_unresolved (issue 26): the [nsx_v3] options naming NSX resources, set ones only, and the mode."""
    text = INI.format(value="True") + "external_ip_pools = pool-a, pool-b\noverlay_tz =\nnsx_api_password = secret-123\ntop_tier_router = t0\n"
    ini, error = read_ini_text(text)
    assert error is None
    assert resource_options_of(ini, "configmap") == {
        "source": "configmap",
        "policy_mode": True,
        "values": {"top_tier_router": "t0", "external_ip_pools": "pool-a, pool-b"},
    }
    ini, error = read_ini_file(manifest(tmp_path, INI.format(value="False") + "container_ip_blocks = pods\n"), manifest=True)
    assert resource_options_of(ini, "ncp.yaml") == {"source": "ncp.yaml", "policy_mode": False, "values": {"container_ip_blocks": "pods"}}
    # A copy that could not be read, or without [nsx_v3], is left to policy_nsxapi_false.
    assert resource_options_of(read_ini_text(NO_NSX_V3)[0], "x") is None
    assert resource_options_of(*read_ini_file(str(tmp_path / "missing.yaml"), manifest=True)[:1], source="y") is None
