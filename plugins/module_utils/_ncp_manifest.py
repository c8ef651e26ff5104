# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ncp.ini inside an NCP YAML manifest (ncp-ubuntu.yaml style), edited losslessly.

PyYAML only locates the ConfigMap and its ``ncp.ini`` block scalar (and checks the result); the
edit itself is made on the text by the ncp.ini editor, so every byte outside the touched keys'
lines -- the other documents, comments, indentation, line endings -- stays as it was.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import IniError, NcpIni, split_lf

try:
    import yaml

    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - PyYAML is a requirement of the collection
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

DEFAULT_CONFIGMAP = "nsx-ncp-config"
DEFAULT_KEY = "ncp.ini"

_BLOCK_HEADER = re.compile(r"^\|([1-9]?)([+-]?)([1-9]?)\s*(#.*)?$")


class ManifestError(ValueError):
    """A manifest that cannot be edited; ``line`` is 1-based or None."""

    def __init__(self, message, line=None):
        super(ManifestError, self).__init__(message)
        self.message = message
        self.line = line


def looks_like_manifest(text):
    """True when the first significant line is YAML rather than an ini section header."""
    for line in text.splitlines():
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith(("#", ";")):
            continue
        return not stripped.startswith("[")
    return False


def _scalar(node):
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _item(node, key):
    """The (key node, value node) of ``key`` in a mapping node, or (None, None)."""
    pairs = node.value if isinstance(node, yaml.MappingNode) else ()
    return next(((key_node, value_node) for key_node, value_node in pairs if _scalar(key_node) == key), (None, None))


def _get(node, key):
    return _item(node, key)[1]


def _compose(text):
    try:
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = " at line %d" % line if line else ""
        raise ManifestError("not valid YAML%s: %s" % (where, getattr(exc, "problem", None) or exc), line=line)


def _find_configmaps(documents, name):
    return [doc for doc in documents if _scalar(_get(doc, "kind")) == "ConfigMap" and _scalar(_get(_get(doc, "metadata"), "name")) == name]


def _indent_of(content):
    return len(content) - len(content.lstrip(" "))


class ManifestIni(object):
    """The ncp.ini block of one ConfigMap in a manifest: ``ini`` (an NcpIni) and ``render()``."""

    def __init__(self, text, configmap=DEFAULT_CONFIGMAP, key=DEFAULT_KEY):
        if not HAS_YAML:
            raise ManifestError("PyYAML is required to edit an NCP YAML manifest")
        self.configmap = configmap
        self.key = key
        self.lines = split_lf(text)
        value_node, key_column = self._locate(_compose(text))
        self.header_line = value_node.start_mark.line + 1
        self._check_header()
        start = value_node.start_mark.line + 1
        indent, end = self._block_extent(start, key_column)
        # Blank lines ending the block are not content under clip/strip chomping: keep them after
        # the ini so that new keys land before them.
        content_end = end
        while content_end > start and not self.lines[content_end - 1].strip():
            content_end -= 1
        self.start, self.content_end, self.end = start, content_end, end
        try:
            self.ini = NcpIni("".join(self.lines[start:content_end]), indent=" " * indent, first_line=start + 1)
        except IniError as exc:
            raise ManifestError("ConfigMap %s key %s (manifest line %s): %s" % (configmap, key, exc.line, exc.message), line=exc.line)
        # The text-level view must agree with PyYAML's before anything is edited.
        self._check_same(value_node.value, "the manifest's ncp.ini could not be located exactly")

    def _locate(self, documents):
        found = _find_configmaps(documents, self.configmap)
        if not found:
            raise ManifestError("no ConfigMap named %r in the manifest" % self.configmap)
        if len(found) > 1:
            lines = ", ".join(str(doc.start_mark.line + 1) for doc in found)
            raise ManifestError("%d ConfigMaps named %r in the manifest (lines %s)" % (len(found), self.configmap, lines))
        key_node, value_node = _item(_get(found[0], "data"), self.key)
        where = "ConfigMap %r (line %d)" % (self.configmap, found[0].start_mark.line + 1)
        if value_node is None:
            raise ManifestError("%s has no data key %r" % (where, self.key), line=found[0].start_mark.line + 1)
        if not isinstance(value_node, yaml.ScalarNode) or value_node.style != "|":
            line = value_node.start_mark.line + 1
            raise ManifestError(
                "%s: data.%s (line %d) is not a literal block scalar ('%s: |'); it cannot be edited losslessly" % (where, self.key, line, self.key),
                line=line,
            )
        return value_node, key_node.start_mark.column

    def _check_header(self):
        header = self.lines[self.header_line - 1].rstrip("\r\n")
        if self.key not in header or "|" not in header:
            raise ManifestError("cannot find the '%s: |' header on line %d" % (self.key, self.header_line), line=self.header_line)
        indicator = header[header.index("|", header.index(self.key) + len(self.key)) :].strip()
        match = _BLOCK_HEADER.match(indicator)
        if not match:
            raise ManifestError("line %d: unsupported block scalar header %r" % (self.header_line, indicator), line=self.header_line)
        self.explicit_indent = int(match.group(1) or match.group(3) or 0)

    def _block_extent(self, start, key_column):
        """(content indentation, index after the block) for the block scalar starting at ``start``."""
        indent = key_column + self.explicit_indent if self.explicit_indent else None
        end = start
        while end < len(self.lines):
            content = self.lines[end].rstrip("\r\n")
            if content.strip():
                if indent is None:
                    indent = _indent_of(content)
                if _indent_of(content) < indent or indent <= key_column:
                    break
            end += 1
        return (indent if indent is not None else key_column + 2), end

    def render(self):
        """The whole manifest with the edited ncp.ini."""
        text = "".join(self.lines[: self.start]) + self.ini.render() + "".join(self.lines[self.content_end :])
        self._verify(text)
        return text

    def _verify(self, text):
        """Re-read the result with PyYAML: the block must hold exactly the edited ini's keys."""
        node = _get(_get(_find_configmaps(_compose(text), self.configmap)[0], "data"), self.key)
        self._check_same(node.value, "the edited manifest does not re-read as the edited ncp.ini")

    def _check_same(self, yaml_value, problem):
        try:
            reread = NcpIni(yaml_value)
        except IniError as exc:
            raise ManifestError("internal check failed: %s (%s)" % (problem, exc.message))
        for section in set(reread.sections()) | set(self.ini.sections()):
            if reread.values(section) != self.ini.values(section):
                raise ManifestError("internal check failed: %s [%s]" % (problem, section))
