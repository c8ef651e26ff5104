"""Property-based tests of the ncp.ini editor: after any edit only the touched keys' lines differ,
and the same edit again changes nothing."""

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import IniError, NcpIni, apply_edits, edit_ini_text

SECTIONS = ["DEFAULT", "coe", "k8s", "nsx_v3", "ha"]
TARGET = "nsx_v3"
KEYS = ["policy_nsxapi", "overlay_tz", "container_ip_blocks", "top_tier_router", "insecure", "cluster", "top_firewall_section_marker"]
NEW_KEYS = ["external_ip_pools", "tier0_gateway"]
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_./<>", min_size=1, max_size=12)
SPACE = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def values(draw):
    words = draw(st.lists(WORD, min_size=0, max_size=3))
    return draw(st.sampled_from([",", ", ", " "])).join(words)


@st.composite
def comment_line(draw):
    return draw(st.sampled_from(["#", ";"])) + draw(st.sampled_from(["", " "])) + draw(st.text(alphabet="abc =:[]#;-\t", max_size=20))


@st.composite
def key_line(draw, key):
    value = draw(values())
    inline = draw(st.sampled_from(["", "  # note", " ; why", "\t# x"])) if value else ""
    return key + draw(SPACE) + draw(st.sampled_from(["=", ":"])) + draw(SPACE) + value + inline + draw(st.sampled_from(["", " "]))


@st.composite
def section_block(draw, name, unique_keys):
    lines = ["[%s]" % name + draw(st.sampled_from(["", " "]))]
    keys = draw(st.lists(st.sampled_from(KEYS), max_size=5, unique=unique_keys))
    for key in keys:
        lines.extend(draw(st.lists(st.one_of(comment_line(), st.sampled_from(["", "   "])), max_size=3)))
        lines.append(draw(key_line(key)))
    lines.extend(draw(st.lists(st.one_of(comment_line(), st.just("")), max_size=2)))
    return lines


@st.composite
def ini_texts(draw):
    lines = draw(st.lists(st.one_of(comment_line(), st.just("")), max_size=3))
    names = draw(st.lists(st.sampled_from(SECTIONS), max_size=5))
    seen_target = False
    for name in names:
        # Keys of the target section must be unique across all its blocks for a valid file.
        block = draw(section_block(name, unique_keys=True))
        if name == TARGET:
            if seen_target:
                block = block[:1] + [line for line in block[1:] if not re.match(r"^[a-z_]+\s*[=:]", line)]
            seen_target = True
        lines.extend(block)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines)
    if lines and draw(st.booleans()):
        text += newline
    return text


@st.composite
def edits(draw):
    setting_keys = draw(st.lists(st.sampled_from(KEYS + NEW_KEYS), max_size=4, unique=True))
    new_settings = {}
    for key in setting_keys:
        new_settings[key] = draw(st.one_of(st.booleans(), values(), st.lists(WORD, max_size=3), st.integers(0, 99)))
    absent = draw(st.lists(st.sampled_from([k for k in KEYS + NEW_KEYS if k not in new_settings]), max_size=3, unique=True))
    return new_settings, absent


def split_lines(text):
    """(content, ending) pairs split on LF only."""
    parts = re.findall(r"[^\n]*\n|[^\n]+$", text)
    return [(part.rstrip("\r\n"), part[len(part.rstrip("\r\n")) :]) for part in parts]


def untouched_lines(text, touched):
    """The lines that are not a touched key of the target section (an independent, simple reader)."""
    kept = []
    section = None
    for content, ending in split_lines(text):
        if content.startswith("["):
            section = content.strip()[1:-1]
        match = re.match(r"^([^=:#;\s\[][^=:]*?)\s*[=:]", content)
        if section == TARGET and match and match.group(1).strip() in touched:
            continue
        kept.append((content, ending))
    return kept


def header_added(before, after):
    return TARGET not in NcpIni(before).sections() and TARGET in NcpIni(after).sections()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ini_texts(), edits())
@example(text="[nsx_v3]\n\npolicy_nsxapi=", edit=({}, ["policy_nsxapi"]))  # found by hypothesis in CI
def test_only_touched_lines_change_and_second_run_is_a_no_op(text, edit):
    new_settings, absent = edit
    touched = set(new_settings) | set(absent)
    new_text, result = edit_ini_text(text, TARGET, new_settings, absent)

    before = untouched_lines(text, touched)
    after = untouched_lines(new_text, touched)
    if header_added(text, new_text):
        # The created section: its header and at most one blank line before it.
        assert ("[%s]" % TARGET) in [content for content, _ending in after]
        after = [line for line in after if line[0] != "[%s]" % TARGET]
        if len(after) == len(before) + 1:
            contents = [content for content, _ending in before] + [None]
            blank = next(i for i, (line, old) in enumerate(zip(after, contents)) if line[0] != old)
            assert after[blank][0] == ""
            del after[blank]
    assert [content for content, _ending in after] == [content for content, _ending in before]
    # Line endings: every line ending is one the file already used; the final newline is kept or missing as
    # before - except that an empty line left last (its key line below it removed) keeps its own ending.
    endings = {ending for _content, ending in split_lines(text) if ending} or {"\n"}
    assert {ending for _content, ending in split_lines(new_text) if ending} <= endings
    if text and not (split_lines(new_text) and split_lines(new_text)[-1][0] == ""):
        assert new_text.endswith("\n") == text.endswith("\n")

    # End state: settings written, absent gone, the rest of the section as it was.
    old_values = NcpIni(text).values(TARGET)
    new_values = NcpIni(new_text).values(TARGET)
    assert new_values == result.values
    for key, value in new_settings.items():
        expected = {True: "True", False: "False"}.get(value, value) if isinstance(value, bool) else value
        if isinstance(value, list):
            expected = ",".join(value)
        assert new_values[key] == str(expected)
    for key in absent:
        assert key not in new_values
    for key, value in old_values.items():
        if key not in touched:
            assert new_values[key] == value
    assert dict(result.previous) == {key: old_values.get(key) for key in touched}
    assert result.changed is (new_text != text)

    # Idempotence.
    again, second = edit_ini_text(new_text, TARGET, new_settings, absent)
    assert again == new_text
    assert second.changed is False


@settings(max_examples=200, deadline=None)
@given(ini_texts())
def test_parse_render_round_trip_is_byte_identical(text):
    assert NcpIni(text).render() == text
    assert NcpIni(text).render(mask_secrets=True) == text  # no secret keys generated


@settings(max_examples=200, deadline=None)
@given(ini_texts(), st.sampled_from(KEYS))
def test_duplicate_key_in_section_always_fails_and_changes_nothing(text, key):
    doubled = text + ("" if text.endswith("\n") or not text else "\n") + "[%s]\n%s = 1\n%s = 2\n" % (TARGET, key, key)
    ini = NcpIni(doubled)
    try:
        apply_edits(ini, TARGET, {"overlay_tz": "x"})
    except IniError as exc:
        assert exc.key == key
        assert "defined twice in [%s]" % TARGET in exc.message
    else:
        raise AssertionError("duplicate key %r not detected" % key)
    assert ini.render() == doubled
