# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one ncp.ini editor: lossless reads and edits of NCP's oslo.config ini files.

Only the lines of the keys an edit touches change; everything else (comments, blank lines, spacing, CRLF or LF,
a missing final newline, a BOM) renders back byte for byte. The syntax is oslo.config's: ``[section]``,
``key = value`` or ``key: value``, ``#``/``;`` comments, indented continuation lines, optionally quoted values.
oslo.config has no inline comments; whitespace then ``#`` or ``;`` after a value is kept as one when it is replaced.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import OrderedDict

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import MP_ONLY_OPTIONS, RESOURCE_OPTIONS, option_items

DEFAULT_SECTION = "nsx_v3"
BOM = "\ufeff"

# Whitespace then # or ; starts an inline comment (the configparser convention).
_INLINE_COMMENT = re.compile(r"\s[#;]")
_QUOTES = ("'", '"')
# Key names whose values must never reach task output.
_SECRET_KEY = re.compile(r"password|passwd|secret|token", re.IGNORECASE)
SECRET_MASK = "********"


class IniError(ValueError):
    """Text that is not valid ncp.ini, or an edit that cannot be made; ``line`` is 1-based or None."""

    def __init__(self, message, line=None, key=None):
        super(IniError, self).__init__(message)
        self.message = message
        self.line = line
        self.key = key


class _Line(object):
    """One physical line: ``lead`` (BOM / block indentation), ``content``, ``ending`` (CRLF, LF or '')."""

    __slots__ = ("lead", "content", "ending", "kind", "section", "key", "number")

    def __init__(self, lead, content, ending, number=None):
        self.lead = lead
        self.content = content
        self.ending = ending
        self.kind = None  # blank | comment | section | key | continuation
        self.section = None  # section name for headers, the enclosing section for keys
        self.key = None  # IniKey for key lines
        self.number = number  # line number in the source text (None for lines added by an edit)


class IniKey(object):
    """A ``key = value`` line split so that the value can be replaced without touching the rest."""

    __slots__ = ("name", "prefix", "value_text", "suffix")

    def __init__(self, name, prefix, value_text, suffix):
        self.name = name
        self.prefix = prefix  # key, separator and the whitespace after it, verbatim
        self.value_text = value_text  # the value as written (quotes included)
        self.suffix = suffix  # trailing whitespace and inline comment, verbatim

    @property
    def value(self):
        return unquote(self.value_text)

    @property
    def has_inline_comment(self):
        return bool(self.suffix.strip())


def unquote(text):
    """Strip one pair of matching quotes the way oslo.config does."""
    if text and text[0] == text[-1] and text.startswith(_QUOTES):
        return text[1:-1]
    return text


def quote_if_needed(value):
    """Write ``value`` so that NCP and this editor read it back unchanged."""
    if "\n" in value or "\r" in value:
        raise IniError("a value cannot contain a line break: %r" % value)
    needs_quotes = (
        value != value.strip()
        or value.startswith(("#", ";"))
        or _INLINE_COMMENT.search(value) is not None
        or (value[:1] in _QUOTES and value[:1] == value[-1:])
    )
    if not needs_quotes:
        return value
    for quote in ('"', "'"):
        if quote not in value:
            return quote + value + quote
    raise IniError("value %r needs quotes but contains both quote characters" % value)


def format_value(value):
    """The text NCP expects for an Ansible value: booleans True/False, lists comma-joined."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (list, tuple)):
        return ",".join(format_value(item) for item in value)
    if value is None:
        raise IniError("a value cannot be null (list the key in 'absent' to remove it)")
    if isinstance(value, dict):
        raise IniError("a value cannot be a mapping")
    return "%s" % (value,)


def is_secret_key(key):
    return bool(_SECRET_KEY.search(key)) and not key.endswith(("_file", "_path"))


def mask_values(values):
    return OrderedDict((key, SECRET_MASK if (value is not None and is_secret_key(key)) else value) for key, value in values.items())


def split_lf(text):
    """Lines with their endings, split on LF only so that no other character is reinterpreted."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _split_lines(text):
    """(content, ending) pairs; the ending is CRLF, LF or ''."""
    for line in split_lf(text):
        ending = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""
        yield line[: len(line) - len(ending)], ending


def _split_key_line(content, number):
    """Split a key line like oslo.config: the first of ``=`` / ``:`` separates key and value."""
    positions = [pos for pos in (content.find("="), content.find(":")) if pos >= 0]
    if not positions:
        raise IniError("line %d: expected 'key = value', a [section] or a comment, got %r" % (number, content), line=number)
    sep = min(positions)
    name = content[:sep].strip()
    if not name:
        raise IniError("line %d: empty key name in %r" % (number, content), line=number)
    after = content[sep + 1 :]
    quoted = _split_quoted(after)
    if quoted is not None:
        lead, value_text, suffix = quoted
    else:
        comment = _INLINE_COMMENT.search(after)
        body, suffix = (after[: comment.start()], after[comment.start() :]) if comment else (after, "")
        value_text = body.strip()
        lead = body[: len(body) - len(body.lstrip())]
        suffix = body[len(lead) + len(value_text) :] + suffix
    return IniKey(name, content[: sep + 1] + lead, value_text, suffix)


def _split_quoted(after):
    """(lead, '"value"', suffix) for a quoted value followed by nothing or an inline comment."""
    stripped = after.lstrip()
    if not stripped.startswith(_QUOTES):
        return None
    close = stripped.find(stripped[0], 1)
    if close < 0:
        return None
    rest = stripped[close + 1 :]
    if rest.strip() and not _INLINE_COMMENT.match(rest):
        return None
    return after[: len(after) - len(stripped)], stripped[: close + 1], rest


class NcpIni(object):
    """An ncp.ini text as lines that render back byte for byte; ``indent``: of the YAML block scalar it sits in."""

    def __init__(self, text, indent="", first_line=1):
        self.indent = indent
        self.final_newline = text == "" or text.endswith("\n")
        self.lines = []
        for offset, (content, ending) in enumerate(_split_lines(text)):
            number = first_line + offset
            lead = ""
            if offset == 0 and content.startswith(BOM):
                lead, content = BOM, content[1:]
            if indent and content.startswith(indent):
                lead, content = lead + indent, content[len(indent) :]
            elif indent and content.strip():
                raise IniError("line %d: not indented by the block's %d spaces" % (number, len(indent)), line=number)
            self.lines.append(_Line(lead, content, ending, number))
        self.newline = next((line.ending for line in self.lines if line.ending), "\n")
        self._classify()

    # -- parsing ---------------------------------------------------------------------------------

    def _classify(self):
        section = None
        last_key = None
        for line in self.lines:
            number = line.number
            content = line.content
            stripped = content.rstrip()
            line.section = section
            if not stripped:
                line.kind, last_key = "blank", None
            elif content[0] in " \t":
                if last_key is None:
                    raise IniError("line %d: indented line %r continues no key" % (number, stripped), line=number)
                line.kind, line.key = "continuation", last_key.key
            elif content.startswith("["):
                section = self._section_name(stripped, number)
                line.kind, line.section, last_key = "section", section, None
            elif content.startswith(("#", ";")):
                line.kind, last_key = "comment", None
            else:
                line.kind, line.key, last_key = "key", _split_key_line(content, number), line
                if section is None:
                    raise IniError("line %d: key %r comes before any [section]" % (number, line.key.name), line=number, key=line.key.name)

    @staticmethod
    def _section_name(stripped, number):
        if not stripped.endswith("]"):
            raise IniError("line %d: section header %r has no closing ']'" % (number, stripped), line=number)
        if len(stripped) <= 2:
            raise IniError("line %d: empty section name" % number, line=number)
        return stripped[1:-1]

    # -- reading ---------------------------------------------------------------------------------

    def sections(self):
        """Section names in order of first appearance."""
        return list(OrderedDict.fromkeys(line.section for line in self.lines if line.kind == "section"))

    def has_section(self, section):
        return section in self.sections()

    def _key_lines(self, section):
        return [index for index, line in enumerate(self.lines) if line.kind == "key" and line.section == section]

    def check_unique(self, section):
        """Fail on a key defined twice in ``section`` (NCP would silently use the last one)."""
        seen = {}
        for index in self._key_lines(section):
            line = self.lines[index]
            name = line.key.name
            if name in seen:
                raise IniError(
                    "key %r is defined twice in [%s]: lines %d and %d" % (name, section, seen[name], line.number),
                    line=line.number,
                    key=name,
                )
            seen[name] = line.number

    def _find(self, section, key):
        return next((index for index in self._key_lines(section) if self.lines[index].key.name == key), None)

    def _span_end(self, index):
        """Index after the key line at ``index`` and its continuation lines."""
        end = index + 1
        while end < len(self.lines) and self.lines[end].kind == "continuation":
            end += 1
        return end

    def _value_at(self, index):
        value = self.lines[index].key.value
        continuation = [line.content.strip() for line in self.lines[index + 1 : self._span_end(index)]]
        return "\n".join([value] + continuation) if continuation else value

    def get(self, section, key):
        """The value of ``key`` as text, or None when the key is not set."""
        index = self._find(section, key)
        return None if index is None else self._value_at(index)

    def key_line(self, section, key):
        """The parsed key line (an ``IniKey``) or None."""
        index = self._find(section, key)
        return None if index is None else self.lines[index].key

    def values(self, section):
        """An ordered mapping key -> value text of ``section``."""
        return OrderedDict((self.lines[index].key.name, self._value_at(index)) for index in self._key_lines(section))

    # -- editing ---------------------------------------------------------------------------------

    def set(self, section, key, value):
        """Set ``key`` to the text ``value``; return True when the text changed."""
        text = quote_if_needed(value)
        index = self._find(section, key)
        if index is None:
            self._insert(section, key, text)
            return True
        end = self._span_end(index)
        if self._value_at(index) == value and end == index + 1:
            return False
        line = self.lines[index]
        old = line.key
        prefix = old.prefix
        # "key =" with no space after the separator: write "key = value", not "key =value".
        if not old.value_text and prefix[-1:] in "=:" and prefix[-2:-1].isspace():
            prefix += " "
        content = prefix + text + old.suffix
        replacement = _Line(line.lead, content, line.ending, line.number)
        replacement.kind, replacement.section = "key", section
        replacement.key = _split_key_line(content, line.number)
        self.lines[index:end] = [replacement]
        return True

    def remove(self, section, key):
        """Remove ``key`` and its continuation lines; return True when it was there."""
        index = self._find(section, key)
        if index is None:
            return False
        del self.lines[index : self._span_end(index)]
        return True

    def _separator_style(self):
        """Spacing around '=' as the file already writes it (first key line), else ' = '."""
        for line in self.lines:
            if line.kind == "key":
                prefix = line.key.prefix
                separator = len(prefix.rstrip()) - 1
                return prefix[len(prefix[:separator].rstrip()) :]
        return " = "

    def _new_line(self, kind, content, section):
        # A blank line gets no indentation: no trailing whitespace in a YAML block.
        line = _Line(self.indent if content else "", content, self.newline)
        line.kind, line.section = kind, section
        return line

    def _insert(self, section, key, text):
        content = key + self._separator_style().replace("\t", " ") + text
        if not text:
            content = content.rstrip()
        new = self._new_line("key", content, section)
        new.key = _split_key_line(content, 0)
        if not self.has_section(section):
            self._append_section(section)
        position = self._section_insert_point(section)
        self.lines.insert(position, new)

    def _append_section(self, section):
        if self.lines and self.lines[-1].kind != "blank":
            self.lines.append(self._new_line("blank", "", None))
        self.lines.append(self._new_line("section", "[%s]" % section, section))

    def _section_insert_point(self, section):
        """After the last non-blank line of the last ``[section]``, before a comment block sitting on the next header."""
        start = max(index for index, line in enumerate(self.lines) if line.kind == "section" and line.section == section)
        end = start + 1
        while end < len(self.lines) and self.lines[end].kind != "section":
            end += 1
        if end < len(self.lines):
            above = end
            while above - 1 > start and self.lines[above - 1].kind == "comment":
                above -= 1
            if above < end and self.lines[above - 1].kind == "blank":
                end = above
        while end - 1 > start and self.lines[end - 1].kind == "blank":
            end -= 1
        return end

    # -- output ----------------------------------------------------------------------------------

    def render(self, mask_secrets=False):
        """The text, byte for byte as read except the touched lines; optionally secrets masked."""
        out = []
        last = len(self.lines) - 1
        for index, line in enumerate(self.lines):
            ending = line.ending or self.newline
            if index == last and not self.final_newline and (line.lead + line.content):
                # No final newline as read - unless the last line is now an empty one (its key line below
                # was removed): without its ending that line would vanish, so it keeps it.
                ending = ""
            content = line.content
            if mask_secrets and line.kind == "key" and is_secret_key(line.key.name) and line.key.value_text:
                content = line.key.prefix + SECRET_MASK + line.key.suffix
            out.append(line.lead + content + ending)
        return "".join(out)


class IniEdit(object):
    """``previous``: touched key -> old value or None; ``values``: the section after the edit."""

    def __init__(self, changed, previous, values, warnings):
        self.changed = changed
        self.previous = previous
        self.values = values
        self.warnings = warnings


def apply_edits(ini, section=DEFAULT_SECTION, settings=None, absent=None):
    """Apply ``settings`` (key -> Ansible value) and ``absent`` (keys) to ``ini`` in place; IniError before any change."""
    settings = settings or {}
    absent = list(absent or [])
    ini.check_unique(section)
    both = sorted(set(settings) & set(absent))
    if both:
        raise IniError("key %r is both in settings and in absent" % both[0], key=both[0])
    texts = OrderedDict()
    for key, value in settings.items():
        _check_key_name(key)
        try:
            texts[key] = format_value(value)
            quote_if_needed(texts[key])
        except IniError as exc:
            raise IniError("settings.%s: %s" % (key, exc.message), key=key)
    previous = OrderedDict((key, ini.get(section, key)) for key in list(texts) + absent)
    warnings = _inline_comment_warnings(ini, section, previous)
    changed = False
    for key, text in texts.items():
        changed = ini.set(section, key, text) or changed
    for key in absent:
        changed = ini.remove(section, key) or changed
    return IniEdit(changed, previous, ini.values(section), warnings)


def _check_key_name(key):
    if not key or key != key.strip() or any(char in key for char in "=:[]\r\n#;") or key[0] in " \t":
        raise IniError("settings: %r is not a valid ncp.ini key name" % (key,), key=key)


def _inline_comment_warnings(ini, section, touched):
    warnings = []
    for key in touched:
        parsed = ini.key_line(section, key)
        if parsed is not None and parsed.has_inline_comment:
            warnings.append(
                "[%s] %s has an inline comment (%r); it is kept, but NCP (oslo.config) reads it as part of the value" % (section, key, parsed.suffix.strip())
            )
    return warnings


def edit_ini_text(text, section=DEFAULT_SECTION, settings=None, absent=None):
    """Edit an ncp.ini text; return (new_text, IniEdit)."""
    ini = NcpIni(text)
    result = apply_edits(ini, section, settings, absent)
    return ini.render(), result


def policy_settings_after_shared_import(values, policy_ids):
    """``(settings, absent, unmapped)`` switching the section ``values`` to the Policy IDs of ``policy_ids`` (MP ID -> Policy ID).

    ``unmapped``: option -> the items with no Policy ID (a display name or an ID not imported; the caller decides).
    """
    settings = OrderedDict()
    unmapped = OrderedDict()
    for option in RESOURCE_OPTIONS:
        if not values.get(option):
            continue
        items = option_items(values[option])
        mapped = [policy_ids.get(item, item) for item in items]
        missing = [item for item in items if item not in policy_ids and item not in policy_ids.values()]
        if missing:
            unmapped[option] = missing
        if mapped != items:
            settings[option] = ",".join(mapped)
    absent = [option for option in MP_ONLY_OPTIONS if option in values]
    return settings, absent, unmapped
