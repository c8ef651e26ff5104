"""The lossless ncp.ini editor: fixture-driven cases (tests/unit/fixtures/ncp_ini/ini_edits.json)."""

import json
import os

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import (
    SECRET_MASK,
    IniError,
    NcpIni,
    apply_edits,
    edit_ini_text,
    format_value,
    is_secret_key,
    mask_values,
    policy_settings_after_shared_import,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "ncp_ini")


def read_fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read().decode("utf-8")


def load_cases():
    with open(os.path.join(FIXTURES, "ini_edits.json"), encoding="utf-8") as handle:
        cases = json.load(handle)
    return [pytest.param(case, id=case["id"]) for case in cases]


def case_input(case):
    return read_fixture(case["input"]) if "input" in case else case["input_text"]


def case_expected(case):
    return read_fixture(case["expected"]) if "expected" in case else case["expected_text"]


@pytest.mark.parametrize("case", load_cases())
def test_edit_case(case):
    text = case_input(case)
    section = case.get("section", "nsx_v3")
    if "error" in case:
        with pytest.raises(IniError) as info:
            edit_ini_text(text, section, case.get("settings"), case.get("absent"))
        assert case["error"] in info.value.message
        assert info.value.line == case.get("error_line")
        return
    new_text, result = edit_ini_text(text, section, case.get("settings"), case.get("absent"))
    assert new_text == case_expected(case)
    assert result.changed is case["changed"]
    if "previous" in case:
        assert dict(result.previous) == case["previous"]
    if "values" in case:
        assert dict(result.values) == case["values"]
    assert len(result.warnings) == case.get("warnings", 0)
    # Idempotence: the same edit on the result changes nothing.
    again, second = edit_ini_text(new_text, section, case.get("settings"), case.get("absent"))
    assert again == new_text
    assert second.changed is False


@pytest.mark.parametrize("case", [c for c in load_cases() if "input" in c.values[0] and "error" not in c.values[0]])
def test_edit_case_with_crlf(case):
    """The shipped-file cases again with CRLF line endings: output is the expected file in CRLF."""
    text = case_input(case).replace("\n", "\r\n")
    new_text, result = edit_ini_text(text, case.get("section", "nsx_v3"), case.get("settings"), case.get("absent"))
    assert new_text == case_expected(case).replace("\n", "\r\n")
    assert result.changed is case["changed"]


def test_values_of_shipped_file():
    ini = NcpIni(read_fixture("ncp-shipped.ini"))
    assert ini.sections() == ["DEFAULT", "coe", "ha", "k8s", "nsx_v3", "nsx_node_agent"]
    values = ini.values("nsx_v3")
    assert list(values)[:3] == ["nsx_api_managers", "nsx_api_user", "nsx_api_password"]
    assert values["insecure"] == "True"
    assert ini.get("nsx_v3", "policy_nsxapi") is None  # only commented out
    assert ini.values("ha") == {}
    assert ini.values("no_such_section") == {}


def test_render_unchanged_is_identical_and_masks_secrets_on_request():
    text = read_fixture("ncp-shipped.ini")
    ini = NcpIni(text)
    assert ini.render() == text
    masked = ini.render(mask_secrets=True)
    assert "VMware1!VMware1!" not in masked
    assert "nsx_api_password = %s\n" % SECRET_MASK in masked
    # Paths to secret files are not secret.
    assert "client_token_file = /var/run/secrets/kubernetes.io/serviceaccount/token" in masked


def test_secret_keys_and_masking():
    assert is_secret_key("nsx_api_password")
    assert is_secret_key("client_token")
    assert not is_secret_key("client_token_file")
    assert not is_secret_key("nsx_api_user")
    assert mask_values({"nsx_api_password": "x", "a": "b", "token": None}) == {"nsx_api_password": SECRET_MASK, "a": "b", "token": None}


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "True"), (False, "False"), (["a", "b"], "a,b"), ((True, 1), "True,1"), (42, "42"), (1.5, "1.5"), ("x", "x"), ([], "")],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_failed_edit_changes_nothing():
    text = "[nsx_v3]\na = 1\n"
    ini = NcpIni(text)
    with pytest.raises(IniError):
        apply_edits(ini, "nsx_v3", {"b": "ok", "c": None})
    assert ini.render() == text


def test_line_numbers_offset_for_embedded_text():
    with pytest.raises(IniError) as info:
        NcpIni("    [nsx_v3]\n    oops\n", indent="    ", first_line=40)
    assert info.value.line == 41
    assert "line 41" in info.value.message


def test_indented_text_keeps_its_indentation_and_indents_new_lines():
    text = "    [nsx_v3]\n\n    a = 1\n  \n"
    ini = NcpIni(text, indent="    ")
    apply_edits(ini, "nsx_v3", {"b": "2"})
    assert ini.render() == "    [nsx_v3]\n\n    a = 1\n    b = 2\n  \n"


class TestPolicySettingsAfterSharedImport:
    POLICY_IDS = {
        "3bd1a8a0-7e0f-4c2e-9d5d-2b6b8a5b6a01": "pod-ip-block",
        "7e2b1f3c-1a2b-4c3d-8e9f-0a1b2c3d4e5f": "t0-shared",
        "aaaa": "second-block",
    }

    def test_maps_ids_and_drops_markers(self):
        values = NcpIni(read_fixture("ncp-shipped.ini")).values("nsx_v3")
        settings, absent, unmapped = policy_settings_after_shared_import(values, self.POLICY_IDS)
        assert settings == {"container_ip_blocks": "pod-ip-block", "top_tier_router": "t0-shared"}
        assert absent == ["top_firewall_section_marker", "bottom_firewall_section_marker"]
        assert unmapped == {
            "external_ip_pools": ["5c1f5b54-8a9e-4f0c-b7f4-0d4a1d2e3f40"],
            "overlay_tz": ["1b3c5d7e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"],
            "external_ip_pools_lb": ["9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"],
        }

    def test_lists_keep_order_and_already_policy_ids_are_not_unmapped(self):
        values = {"container_ip_blocks": "3bd1a8a0-7e0f-4c2e-9d5d-2b6b8a5b6a01, aaaa", "tier0_gateway": "t0-shared"}
        settings, absent, unmapped = policy_settings_after_shared_import(values, self.POLICY_IDS)
        assert settings == {"container_ip_blocks": "pod-ip-block,second-block"}
        assert absent == []
        assert unmapped == {}

    def test_second_application_is_a_no_op(self):
        text = read_fixture("ncp-shipped.ini")
        values = NcpIni(text).values("nsx_v3")
        settings, absent, _unmapped = policy_settings_after_shared_import(values, self.POLICY_IDS)
        new_text, first = edit_ini_text(text, "nsx_v3", settings, absent)
        settings, absent, _unmapped = policy_settings_after_shared_import(first.values, self.POLICY_IDS)
        assert (settings, absent) == ({}, [])
        assert first.changed
