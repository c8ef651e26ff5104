"""The importer's inputs: config.yaml merged without losing keys, user-spec, credentials, argv, env."""

import os
import stat

import pytest
import yaml

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _importer_config as cfg

PARAMS = {
    "nsx_manager": "10.0.0.11",
    "nsx_username": "admin",
    "nsx_password": "S3cret-Password!",
    "nsx_client_cert": None,
    "nsx_client_key": None,
    "ca_path": "/etc/ca.pem",
    "validate_certs": True,
}


def test_merge_keeps_every_existing_key_and_merges_nested_mappings():
    existing = {"a": 1, "nested": {"keep": True, "change": 1}, "list": [1, 2]}
    merged = cfg.merge_config(existing, {"nested": {"change": 2, "new": 3}, "list": [3], "b": 2})
    assert merged == {"a": 1, "nested": {"keep": True, "change": 2, "new": 3}, "list": [3], "b": 2}
    assert existing["nested"] == {"keep": True, "change": 1}  # not modified


def test_build_config_keeps_unknown_keys_and_never_holds_the_password(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("vendor_key: keep me\nrollback_imported_resources: true\nnsx_v3:\n  custom: 1\n")
    before, after = cfg.build_config(str(path), PARAMS, "c1", {"nsx_v3": {"extra": 2}}, "/state/c1/nsx-credentials.yaml", rollback=False)
    assert before["vendor_key"] == "keep me"
    assert after["vendor_key"] == "keep me" and after["nsx_v3"] == {"custom": 1, "extra": 2}
    assert after["rollback_imported_resources"] is False
    assert after["nsx_manager"] == "10.0.0.11" and after["cluster"] == "c1" and after["ca_file"] == "/etc/ca.pem"
    assert after["credentials_file"] == "/state/c1/nsx-credentials.yaml" and after["insecure"] is False
    assert PARAMS["nsx_password"] not in yaml.safe_dump(after)


def test_rollback_wins_over_the_callers_config(tmp_path):
    after = cfg.build_config(str(tmp_path / "config.yaml"), PARAMS, "c1", {"rollback_imported_resources": False}, rollback=True)[1]
    assert after["rollback_imported_resources"] is True


def test_a_config_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("- a list\n")
    with pytest.raises(cfg.ImporterConfigError, match="must hold a YAML mapping"):
        cfg.build_config(str(path), PARAMS, "c1")
    path.write_text("a: [unclosed\n")
    with pytest.raises(cfg.ImporterConfigError, match="not valid YAML"):
        cfg.build_config(str(path), PARAMS, "c1")


def test_write_yaml_only_when_changed_and_not_in_check_mode(tmp_path):
    path = str(tmp_path / "config.yaml")
    assert cfg.write_yaml_if_changed(path, {"a": 1}, check_mode=True) is True
    assert not os.path.exists(path)
    assert cfg.write_yaml_if_changed(path, {"a": 1}) is True
    assert cfg.write_yaml_if_changed(path, {"a": 1}) is False
    assert yaml.safe_load(open(path)) == {"a": 1}


def test_credentials_file_is_0600_from_the_start(tmp_path):
    path = str(tmp_path / "creds.yaml")
    old = os.umask(0)
    try:
        cfg.write_credentials_file(path, "admin", "pw-123456")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert yaml.safe_load(open(path)) == {"nsx_username": "admin", "nsx_password": "pw-123456"}
    cfg.write_credentials_file(path, "admin", "other-pw")  # replaces a left-over
    cfg.remove_file(path)
    cfg.remove_file(path)  # already gone: fine
    assert not os.path.exists(path)


def test_user_spec_from_a_mapping_or_a_file(tmp_path):
    assert cfg.user_spec_data({"a": 1}) == {"a": 1}
    assert cfg.user_spec_data(None) is None
    path = tmp_path / "spec.yaml"
    path.write_text("shared: [t0]\n")
    assert cfg.user_spec_data(str(path)) == {"shared": ["t0"]}
    with pytest.raises(cfg.ImporterConfigError, match="is not a file"):
        cfg.user_spec_data(str(tmp_path / "missing.yaml"))
    with pytest.raises(cfg.ImporterConfigError, match="mapping or the path"):
        cfg.user_spec_data(5)


def test_expand_argv_fills_placeholders_and_names_an_unknown_one():
    values = cfg.argv_values("/opt/imp/mp_to_policy_importer.py", "shared", "c1", "/opt/imp/config.yaml")
    argv = cfg.expand_argv(cfg.DEFAULT_ARGV["importer"], values)
    assert argv[1:] == ["/opt/imp/mp_to_policy_importer.py", "--shared-only"]
    assert cfg.expand_argv(["{importer_dir}/x", "{{literal}}", "{config_file}"], values) == ["/opt/imp/x", "{literal}", "/opt/imp/config.yaml"]
    assert cfg.expand_argv(cfg.DEFAULT_ARGV["tkgi"], values) == ["tkgi", "promote-cluster-to-policy", "c1", "--wait", "--json", "--non-interactive"]
    with pytest.raises(cfg.ImporterConfigError, match=r"unknown placeholder \{password\}"):
        cfg.expand_argv(["{password}"], values)


def test_env_never_carries_the_password():
    env = cfg.importer_env({"PATH": "/bin", "NSX_PASSWORD": "pw"}, "c1", "cluster", "/x/config.yaml", "/s/creds")
    assert "NSX_PASSWORD" not in env
    assert env["NCP_CLUSTER"] == "c1" and env["NSX_CREDENTIALS_FILE"] == "/s/creds" and env["PATH"] == "/bin"
