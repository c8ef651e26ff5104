"""ncp_config on files and manifests: end state byte for byte, check/diff mode, backups, failures."""

import json
import os
import stat

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_config_edit as ncp_config_edit
from tests.unit import fixture_files, module_runner

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "ncp_ini")
PASSWORD = "VMware1!VMware1!"


def fixture_bytes(name):
    return fixture_files.fixture_bytes("ncp_ini", name)


def run_module(capsys, check_mode=False, diff=False, **args):
    """Run the module in-process; return its JSON result (``failed`` set on fail_json)."""
    result = module_runner.run_module("ncp_config", args, check_mode=check_mode, diff=diff)
    result["_raw"] = result.raw
    return result


@pytest.fixture
def ini_file(tmp_path):
    path = tmp_path / "ncp.ini"
    path.write_bytes(fixture_bytes("ncp-shipped.ini"))
    os.chmod(path, 0o640)
    return path


@pytest.fixture
def manifest_file(tmp_path):
    path = tmp_path / "ncp-ubuntu.yaml"
    path.write_bytes(fixture_bytes("ncp-ubuntu.yaml"))
    return path


def other_files(path):
    return sorted(name for name in os.listdir(os.path.dirname(str(path))) if name != os.path.basename(str(path)))


def test_sets_policy_nsxapi_in_file_with_backup(capsys, ini_file):
    result = run_module(capsys, path=str(ini_file), settings={"policy_nsxapi": True})
    assert result["changed"] is True
    assert ini_file.read_bytes() == fixture_bytes("ncp-shipped.policy-true.ini")
    assert stat.S_IMODE(os.stat(ini_file).st_mode) == 0o640
    assert result["previous"] == {"policy_nsxapi": None}
    assert result["values"]["policy_nsxapi"] == "True"
    assert result["format"] == "ini"
    backup = result["backup_file"]
    assert os.path.dirname(backup) == str(ini_file.parent)
    with open(backup, "rb") as handle:
        assert handle.read() == fixture_bytes("ncp-shipped.ini")
    assert other_files(ini_file) == [os.path.basename(backup)]
    assert "+policy_nsxapi = True" not in result["diff"]["before"]
    assert "policy_nsxapi = True" in result["diff"]["after"]


def test_second_run_changes_nothing_and_writes_nothing(capsys, ini_file):
    run_module(capsys, path=str(ini_file), settings={"policy_nsxapi": True}, backup=False)
    before = os.stat(ini_file)
    result = run_module(capsys, path=str(ini_file), settings={"policy_nsxapi": True})
    assert result["changed"] is False
    assert result["backup_file"] is None
    assert result["previous"] == {"policy_nsxapi": "True"}
    after = os.stat(ini_file)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert other_files(ini_file) == []


def test_check_mode_reports_diff_and_writes_nothing(capsys, ini_file):
    result = run_module(capsys, check_mode=True, diff=True, path=str(ini_file), settings={"policy_nsxapi": True})
    assert result["changed"] is True
    assert ini_file.read_bytes() == fixture_bytes("ncp-shipped.ini")
    assert other_files(ini_file) == []
    assert result["backup_file"] is None
    diff = result["diff"]
    assert diff["after"].count("\n") == diff["before"].count("\n") + 1
    assert diff["before_header"].startswith(str(ini_file))
    assert result["values"]["policy_nsxapi"] == "True"


def test_backup_false_makes_no_backup(capsys, ini_file):
    result = run_module(capsys, path=str(ini_file), settings={"policy_nsxapi": False}, backup=False)
    assert result["changed"] is True
    assert result["backup_file"] is None
    assert other_files(ini_file) == []


def test_read_only_returns_values(capsys, ini_file):
    result = run_module(capsys, path=str(ini_file), section="coe")
    assert result["changed"] is False
    assert result["values"] == {"adaptor": "kubernetes", "cluster": "k8s-prod-1"}
    assert result["previous"] == {}
    assert ini_file.read_bytes() == fixture_bytes("ncp-shipped.ini")


def test_shared_import_settings_and_absent(capsys, ini_file):
    result = run_module(
        capsys,
        path=str(ini_file),
        settings={
            "container_ip_blocks": "pod-ip-block",
            "external_ip_pools": ["snat-pool"],
            "top_tier_router": "t0-shared",
            "overlay_tz": "1b3c5d7e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
            "external_ip_pools_lb": "lb-pool",
        },
        absent=["top_firewall_section_marker", "bottom_firewall_section_marker"],
    )
    assert ini_file.read_bytes() == fixture_bytes("ncp-shipped.shared-import.ini")
    assert result["previous"]["top_firewall_section_marker"] == "0d2f6e2c-2b5a-4e8f-9a1b-6c3d2e1f0a9b"
    assert "top_firewall_section_marker" not in result["values"]


def test_secrets_are_masked_everywhere(capsys, ini_file):
    result = run_module(capsys, diff=True, path=str(ini_file), settings={"nsx_api_password": "N3w-Secret!"})
    assert result["changed"] is True
    assert result["previous"] == {"nsx_api_password": "********"}
    assert result["values"]["nsx_api_password"] == "********"
    assert PASSWORD not in result["_raw"]
    assert "N3w-Secret!" not in result["_raw"]
    assert b"nsx_api_password = N3w-Secret!\n" in ini_file.read_bytes()


def test_manifest_auto_detected_and_edited_byte_for_byte(capsys, manifest_file):
    result = run_module(capsys, diff=True, path=str(manifest_file), settings={"policy_nsxapi": True})
    assert result["changed"] is True
    assert result["format"] == "manifest"
    assert manifest_file.read_bytes() == fixture_bytes("ncp-ubuntu.policy-true.yaml")
    assert "ConfigMap nsx-ncp-config" in result["diff"]["after_header"]
    assert "    policy_nsxapi = True" in result["diff"]["after"]
    assert "kind: Deployment" not in result["diff"]["after"]


def test_manifest_other_configmap(capsys, manifest_file):
    result = run_module(capsys, path=str(manifest_file), manifest_configmap="nsx-node-agent-config", section="coe", backup=False)
    assert result["values"] == {"cluster": "k8s-prod-1", "node_type": "HOSTVM"}


def test_inline_comment_warning(capsys, tmp_path):
    path = tmp_path / "ncp.ini"
    path.write_bytes(b"[nsx_v3]\npolicy_nsxapi = False  # keep MP\n")
    result = run_module(capsys, path=str(path), settings={"policy_nsxapi": True}, backup=False)
    assert path.read_bytes() == b"[nsx_v3]\npolicy_nsxapi = True  # keep MP\n"
    assert "has an inline comment" in json.dumps(result["warnings"])


@pytest.mark.parametrize(
    ("content", "args", "message", "details"),
    [
        (
            b"[nsx_v3]\npolicy_nsxapi = False\nnot an assignment\n",
            {"settings": {"policy_nsxapi": True}},
            "line 3: expected 'key = value'",
            {"line": 3},
        ),
        (
            b"[nsx_v3]\npolicy_nsxapi = False\npolicy_nsxapi = True\n",
            {"settings": {"overlay_tz": "tz"}},
            "key 'policy_nsxapi' is defined twice in [nsx_v3]: lines 2 and 3",
            {"line": 3, "key": "policy_nsxapi"},
        ),
        (b"[nsx_v3]\n", {"settings": {"a": "1"}, "absent": ["a"]}, "key 'a' is both in settings and in absent", {"key": "a"}),
        (b"[nsx_v3]\n", {"settings": {"a": None}}, "settings.a: a value cannot be null", {"key": "a"}),
        (b"[nsx_v3]\na = caf\xe9\n", {}, "line 2: not UTF-8 text", {"line": 2}),
        (b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: nsx-system\n", {}, "no ConfigMap named 'nsx-ncp-config' in the manifest", {}),
        (b"kind: ConfigMap\nmetadata:\n  name: [x\n", {}, "not valid YAML at line 4", {"line": 4}),
        (b"[nsx_v3]\na = 1\n", {"format": "manifest"}, "not valid YAML", {}),
    ],
    ids=["unparsable-line", "duplicate-key", "set-and-absent", "null-value", "not-utf8", "manifest-without-configmap", "bad-yaml", "ini-as-manifest"],
)
def test_bad_input_fails_clearly_and_writes_nothing(capsys, tmp_path, content, args, message, details):
    path = tmp_path / "ncp.ini"
    path.write_bytes(content)
    result = run_module(capsys, path=str(path), **args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert result["msg"].startswith(str(path))
    for key, value in details.items():
        assert result[key] == value
    assert "exception" not in result
    assert path.read_bytes() == content
    assert other_files(path) == []


def test_missing_file_fails(capsys, tmp_path):
    result = run_module(capsys, path=str(tmp_path / "nope.ini"), settings={"a": 1})
    assert result["failed"] is True
    assert result["msg"] == "%s does not exist" % (tmp_path / "nope.ini")
    assert result["path"] == str(tmp_path / "nope.ini")
    assert os.listdir(tmp_path) == []


def test_directory_fails(capsys, tmp_path):
    result = run_module(capsys, path=str(tmp_path))
    assert result["failed"] is True
    assert "is a directory" in result["msg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"path": "/x", "configmap": {}}, "mutually exclusive: path|configmap"),
        ({}, "one of the following is required: path, configmap"),
        ({"path": "/x", "format": "toml"}, "value of format must be one of: auto, ini, manifest"),
    ],
)
def test_argument_errors(capsys, args, message):
    result = run_module(capsys, **args)
    assert result["failed"] is True
    assert message in result["msg"]


def test_unwritable_directory_fails_and_keeps_file(capsys, tmp_path, monkeypatch):
    path = tmp_path / "ncp.ini"
    path.write_bytes(b"[nsx_v3]\n")

    def refuse(*_args, **_kwargs):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(ncp_config_edit, "atomic_write", refuse)
    result = run_module(capsys, path=str(path), settings={"a": 1})
    assert result["failed"] is True
    assert result["msg"] == "cannot write %s: [Errno 13] Permission denied" % path
    assert path.read_bytes() == b"[nsx_v3]\n"


def test_policy_ids_switch_shared_resources_and_drop_mp_only_options(tmp_path, capsys):
    path = tmp_path / "ncp.ini"
    path.write_text(
        "[nsx_v3]\n# T0\ntop_tier_router = t0-mp-id\ncontainer_ip_blocks = blk-1, by-name\n"
        "top_firewall_section_marker = m1\npolicy_nsxapi = False\n[coe]\ncluster = c1\n"
    )
    result = run_module(capsys, path=str(path), policy_ids={"t0-mp-id": "t0-policy", "blk-1": "pods-block"}, settings={"policy_nsxapi": True})
    assert result["changed"] and result["unmapped"] == {"container_ip_blocks": ["by-name"]}
    assert path.read_text() == (
        "[nsx_v3]\n# T0\ntop_tier_router = t0-policy\ncontainer_ip_blocks = pods-block,by-name\npolicy_nsxapi = True\n[coe]\ncluster = c1\n"
    )
    assert any("by-name" in str(warning) for warning in result.get("warnings", []))


def test_require_policy_ids_fails_naming_the_option_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "ncp.ini"
    text = "[nsx_v3]\ntop_tier_router = t0-mp-id\nexternal_ip_pools = pool-1\noverlay_tz = tz-1\npolicy_nsxapi = False\n"
    path.write_text(text)
    result = run_module(capsys, path=str(path), policy_ids={"t0-mp-id": "t0-policy"}, require_policy_ids=True, settings={"policy_nsxapi": True})
    assert result["failed"] is True and "[nsx_v3] external_ip_pools names pool-1" in result["msg"]
    # overlay_tz names an NSX resource too (issue 26): without a Policy ID it stops the switch as well.
    assert result["unmapped"] == {"external_ip_pools": ["pool-1"], "overlay_tz": ["tz-1"]}
    assert path.read_text() == text
    # Every resource mapped (the transport zone keeps its MP UUID in Policy): the switch goes through.
    policy_ids = {"t0-mp-id": "t0-policy", "pool-1": "ext", "tz-1": "tz-1"}
    done = run_module(capsys, path=str(path), policy_ids=policy_ids, require_policy_ids=True, settings={"policy_nsxapi": True})
    assert done["changed"] and "external_ip_pools = ext" in path.read_text()
