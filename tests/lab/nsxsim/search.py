"""A small Lucene-style query language for ``GET /api/v1/search/query?query=...``.

Supported: ``field:value`` terms (dotted fields walk into lists, e.g. ``tags.scope``), quoted values, ``*``/``?``
wildcards, backslash escapes (``ncp\\/cluster``, as NSXLIB escapes tag data), ``AND``, ``OR``, ``NOT``, parentheses,
and bare words (matched against ``display_name`` and ``id``). Adjacent terms without an operator are ORed, as in
Lucene. ``tags.scope`` and ``tags.tag`` match independently (any tag), as NSX's Elasticsearch index does.
Matching is case-insensitive.
"""

import fnmatch
import functools

from .errors import bad_request

_OPERATORS = ("AND", "OR", "NOT")


def _tokenize(text):
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(char)
            i += 1
        else:
            word, quoted, i = _read_word(text, i)
            tokens.append(("word", word, quoted))
    return tokens


def _read_word(text, i):
    """One term; a quoted part keeps spaces. Returns (raw text with escapes resolved, quoted flag, next index)."""
    out, quoted = [], False
    while i < len(text) and not text[i].isspace() and text[i] not in "()":
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append("\\" + text[i + 1])
            i += 2
        elif char == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise bad_request("Invalid search query: unbalanced quote.")
            start = i + 1
            out.append(text[start:end].replace(":", "\\:").replace("*", "\\*").replace("?", "\\?"))
            quoted = True
            i = end + 1
        else:
            out.append(char)
            i += 1
    return "".join(out), quoted, i


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def parse(self):
        node = self.or_expr()
        if self.peek() is not None:
            raise bad_request("Invalid search query: unexpected ')'.")
        return node

    def or_expr(self):
        nodes = [self.and_expr()]
        while self.peek() is not None and self.peek() != ")":
            if _is_op(self.peek(), "OR"):
                self.take()
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    def and_expr(self):
        nodes = [self.unary()]
        while _is_op(self.peek(), "AND"):
            self.take()
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    def unary(self):
        token = self.take()
        if token is None:
            raise bad_request("Invalid search query: unexpected end of query.")
        if _is_op(token, "NOT"):
            return ("not", self.unary())
        if token == "(":
            node = self.or_expr()
            if self.take() != ")":
                raise bad_request("Invalid search query: missing ')'.")
            return node
        if token == ")" or token[1] in _OPERATORS:
            raise bad_request(f"Invalid search query near {token if token == ')' else token[1]!r}.")
        return _term(token[1])


def _is_op(token, name):
    return isinstance(token, tuple) and token[1] == name and not token[2]


def _term(raw):
    field, value = None, raw
    index = _unescaped_colon(raw)
    if index is not None:
        field, value = raw[:index], raw[index:][1:]
    if field is not None and not field:
        raise bad_request(f"Invalid search query term {raw!r}.")
    return ("term", field, *_pattern(value))


def _unescaped_colon(raw):
    i = 0
    while i < len(raw):
        if raw[i] == "\\":
            i += 2
            continue
        if raw[i] == ":":
            return i
        i += 1
    return None


def _pattern(value):
    """(glob for fnmatch, literal text, has wildcards), lower-cased; escaped wildcards are literals."""
    glob, literal, wildcard, i = [], [], False, 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            char = value[i + 1]
            glob.append("[" + char + "]" if char in "*?[" else char)
            literal.append(char)
            i += 2
            continue
        wildcard = wildcard or char in "*?"
        glob.append("[[]" if char == "[" else char)
        literal.append(char)
        i += 1
    return "".join(glob).lower(), "".join(literal).lower(), wildcard


def _values(obj, field):
    if "." not in field:
        value = obj.get(field)
        return value if isinstance(value, list) else [] if value is None else [value]
    current = [obj]
    for part in field.split("."):
        nxt = []
        for item in current:
            if isinstance(item, dict) and part in item:
                value = item[part]
                nxt.extend(value if isinstance(value, list) else [value])
        current = nxt
    return [v for v in current if not isinstance(v, dict | list)]


def _matches(node, obj):
    kind = node[0]
    if kind == "and":
        return all(_matches(n, obj) for n in node[1])
    if kind == "or":
        return any(_matches(n, obj) for n in node[1])
    if kind == "not":
        return not _matches(node[1], obj)
    _kind, field, glob, literal, wildcard = node
    values = _values(obj, field) if field else [obj.get("display_name"), obj.get("id")]
    for value in values:
        text = str(value).lower()
        if fnmatch.fnmatchcase(text, glob) if wildcard else text == literal:
            return True
    return False


@functools.lru_cache(maxsize=256)
def compile_query(text):
    if not text or not text.strip():
        raise bad_request("The query parameter 'query' is required.")
    return _Parser(_tokenize(text)).parse()


def required_resource_type(node):
    """The resource_type every match must have, when the query pins one (lets the caller skip other objects)."""
    if node[0] == "term" and node[1] == "resource_type" and not node[4]:
        return node[3]
    if node[0] == "and":
        for child in node[1]:
            found = required_resource_type(child)
            if found:
                return found
    return None


def search(objects, text):
    node = compile_query(text)
    return [obj for obj in objects if _matches(node, obj)]
