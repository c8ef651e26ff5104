"""ncp.ini inside an NCP YAML manifest: located by PyYAML, edited at the text level, every other byte kept."""

import os

import pytest
import yaml
from hypothesis import given, settings

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_manifest import ManifestError, ManifestIni, looks_like_manifest
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import IniError, NcpIni, apply_edits
from tests.unit.fixture_files import fixture_bytes

from .test_ncp_ini_properties import edits, ini_texts

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "ncp_ini")
SHARED_SETTINGS = {
    "container_ip_blocks": "pod-ip-block",
    "external_ip_pools": ["snat-pool"],
    "top_tier_router": "t0-shared",
    "overlay_tz": "1b3c5d7e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
    "external_ip_pools_lb": "lb-pool",
}
MP_MARKERS = ["top_firewall_section_marker", "bottom_firewall_section_marker"]


def read_fixture(name):
    return fixture_bytes("ncp_ini", name).decode("utf-8")


def edit_manifest(text, settings=None, absent=None, section="nsx_v3", **kwargs):
    manifest = ManifestIni(text, **kwargs)
    result = apply_edits(manifest.ini, section, settings, absent)
    return manifest.render(), result


def configmap_text(manifest_text, name="nsx-ncp-config"):
    for doc in yaml.safe_load_all(manifest_text):
        if doc and doc.get("kind") == "ConfigMap" and doc["metadata"]["name"] == name:
            return doc["data"]["ncp.ini"]
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("settings", "absent", "expected"),
    [
        ({"policy_nsxapi": True}, None, "ncp-ubuntu.policy-true.yaml"),
        (SHARED_SETTINGS, MP_MARKERS, "ncp-ubuntu.shared-import.yaml"),
    ],
    ids=["step-6.4-policy-true", "step-6.3-shared-ids"],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_shipped_manifest_edits_byte_for_byte(settings, absent, expected, newline):
    text = read_fixture("ncp-ubuntu.yaml").replace("\n", newline)
    new_text, result = edit_manifest(text, settings, absent)
    assert new_text == read_fixture(expected).replace("\n", newline)
    assert result.changed
    # The ConfigMap the cluster gets from this file holds the same ini as the edited ncp.ini file.
    expected_ini = read_fixture(expected.replace("ncp-ubuntu", "ncp-shipped").replace(".yaml", ".ini"))
    assert configmap_text(new_text) == expected_ini
    again, second = edit_manifest(new_text, settings, absent)
    assert again == new_text
    assert not second.changed


def test_read_only_returns_section_values_and_same_text():
    text = read_fixture("ncp-ubuntu.yaml")
    manifest = ManifestIni(text)
    assert manifest.header_line == 60
    assert manifest.ini.values("coe") == {"adaptor": "kubernetes", "cluster": "k8s-prod-1"}
    assert manifest.render() == text


def test_other_configmap_by_name():
    text = read_fixture("ncp-ubuntu.yaml")
    new_text, result = edit_manifest(text, {"enable_hostport_snat": True}, section="k8s", configmap="nsx-node-agent-config")
    assert result.previous == {"enable_hostport_snat": None}
    assert configmap_text(new_text, "nsx-node-agent-config").endswith(
        "apiserver_host_port = 6443\nenable_hostport_snat = True\n\n[coe]\ncluster = k8s-prod-1\nnode_type = HOSTVM\n"
    )
    assert configmap_text(new_text) == configmap_text(text)


def test_new_section_in_block_has_indented_lines_and_unindented_blank():
    text = read_fixture("ncp-ubuntu.yaml")
    new_text, _result = edit_manifest(text, {"policy_nsxapi": False}, configmap="nsx-node-agent-config")
    assert new_text.endswith("    node_type = HOSTVM\n\n    [nsx_v3]\n    policy_nsxapi = False\n")


MINIMAL = """apiVersion: v1
kind: ConfigMap
metadata:
  name: nsx-ncp-config
data:
  ncp.ini: {header}
{body}{after}"""


@pytest.mark.parametrize(
    ("header", "body", "after", "expected_body"),
    [
        # Clip chomping with trailing blank lines and a comment at a lower indentation after the block.
        ("|", "    [nsx_v3]\n    a = 1\n\n\n", "# end\n", "    [nsx_v3]\n    a = 1\n    b = 2\n\n\n"),
        ("|-", "    [nsx_v3]\n    a = 1\n", "", "    [nsx_v3]\n    a = 1\n    b = 2\n"),
        ("|+", "    [nsx_v3]\n    a = 1\n\n", "", "    [nsx_v3]\n    a = 1\n    b = 2\n\n"),
        ("|2", "    [nsx_v3]\n    a = 1\n", "", "    [nsx_v3]\n    a = 1\n    b = 2\n"),
        ("|  # the ini", "      [nsx_v3]\n      a = 1\n", "", "      [nsx_v3]\n      a = 1\n      b = 2\n"),
        # The manifest ends inside the block without a final newline.
        ("|", "    [nsx_v3]\n    a = 1", "", "    [nsx_v3]\n    a = 1\n    b = 2"),
        # Whitespace-only lines inside the block keep their bytes.
        ("|", "    [nsx_v3]\n  \n    a = 1\n", "", "    [nsx_v3]\n  \n    a = 1\n    b = 2\n"),
    ],
    ids=["clip-trailing-blanks", "strip", "keep", "explicit-indent", "header-comment-deeper-indent", "no-final-newline", "short-blank-line"],
)
def test_block_scalar_shapes(header, body, after, expected_body):
    text = MINIMAL.format(header=header, body=body, after=after)
    new_text, result = edit_manifest(text, {"b": "2"})
    assert new_text == MINIMAL.format(header=header, body=expected_body, after=after)
    assert result.values == {"a": "1", "b": "2"}


def test_quoted_data_key_and_flow_style_elsewhere():
    text = (
        'kind: ConfigMap\nmetadata: {name: nsx-ncp-config, namespace: nsx-system}\napiVersion: v1\ndata:\n  "ncp.ini": |\n    [nsx_v3]\n    a = 1\n  other: x\n'
    )
    new_text, _result = edit_manifest(text, {"a": "2"})
    assert new_text == text.replace("a = 1", "a = 2")


def test_named_key_in_configmap():
    text = "kind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\ndata:\n  ncp.ini: |\n    [nsx_v3]\n  ncp-extra.ini: |\n    [nsx_v3]\n    x = 1\n"
    new_text, _result = edit_manifest(text, {"x": "2"}, key="ncp-extra.ini")
    assert new_text == text.replace("x = 1", "x = 2")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("kind: Namespace\nmetadata:\n  name: nsx-system\n", "no ConfigMap named 'nsx-ncp-config' in the manifest", None),
        (
            "kind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\n---\nkind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\n",
            "2 ConfigMaps named 'nsx-ncp-config' in the manifest (lines 1, 5)",
            None,
        ),
        ("kind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\ndata:\n  other: x\n", "ConfigMap 'nsx-ncp-config' (line 1) has no data key 'ncp.ini'", 1),
        (
            'kind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\ndata:\n  ncp.ini: "[nsx_v3]\\na = 1\\n"\n',
            "data.ncp.ini (line 5) is not a literal block scalar",
            5,
        ),
        ("kind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\ndata:\n  ncp.ini: >\n    [nsx_v3]\n", "is not a literal block scalar", 5),
        ("kind: ConfigMap\nmetadata:\n  name: [unclosed\n", "not valid YAML at line 4", 4),
        ("kind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\ndata:\n  ncp.ini: |\n    [nsx_v3]\n    no separator here\n", "line 7: expected 'key = value'", 7),
    ],
    ids=["no-configmap", "two-configmaps", "no-key", "quoted-scalar", "folded-scalar", "bad-yaml", "bad-ini-line"],
)
def test_errors(text, message, line):
    with pytest.raises(ManifestError) as info:
        ManifestIni(text)
    assert message in info.value.message
    assert info.value.line == line


def test_duplicate_key_reports_manifest_line():
    text = "kind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\ndata:\n  ncp.ini: |\n    [nsx_v3]\n    a = 1\n    a = 2\n"
    manifest = ManifestIni(text)
    with pytest.raises(IniError) as info:
        apply_edits(manifest.ini, "nsx_v3", {"b": 1})
    assert "key 'a' is defined twice in [nsx_v3]: lines 7 and 8" in info.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[nsx_v3]\n", False),
        ("# comment\n\n[nsx_v3]\n", False),
        ("\ufeff[nsx_v3]\n", False),
        ("---\nkind: ConfigMap\n", True),
        ("# NCP\napiVersion: v1\n", True),
        ("", False),
    ],
)
def test_looks_like_manifest(text, expected):
    assert looks_like_manifest(text) is expected


def indent_block(text, indent="    "):
    return "".join((indent + line) if line.strip() else line for line in text.splitlines(True))


@settings(max_examples=150, deadline=None)
@given(ini_texts(), edits())
def test_manifest_edit_equals_the_file_edit(ini_text, edit):
    """Any valid ini embedded in a manifest is edited exactly like the same ini as a file."""
    ini_text = ini_text.replace("\r\n", "\n").strip("\n \t") + "\n"
    if ini_text.startswith("\n") or not ini_text.strip():
        ini_text = "[nsx_v3]\n"
    head = (
        "# NCP\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: nsx-system\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nsx-ncp-config\ndata:\n  ncp.ini: |\n"
    )
    tail = "---\nkind: Deployment\nmetadata:\n  name: nsx-ncp\n"
    new_settings, absent = edit
    ini = NcpIni(ini_text)
    apply_edits(ini, "nsx_v3", new_settings, absent)
    new_text, _result = edit_manifest(head + indent_block(ini_text) + tail, new_settings, absent)
    assert new_text == head + indent_block(ini.render()) + tail
