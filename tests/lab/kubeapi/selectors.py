"""Label and field selectors as kubectl sends them (``-l``, ``--field-selector``, watch filters)."""

import re

_SET_EXPR = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


class SelectorError(ValueError):
    """A selector the server cannot parse (answered 400)."""


def _split_terms(text):
    """Split on commas that are not inside ``in (a,b)`` parentheses."""
    terms, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current)
    return [t.strip() for t in terms if t.strip()]


def parse_label_selector(text):
    """Return a predicate on a labels dict."""
    checks = []
    for term in _split_terms(text or ""):
        match = _SET_EXPR.match(term)
        if match:
            key, op, values = match.group(1), match.group(2), {v.strip() for v in match.group(3).split(",")}
            if op == "in":
                checks.append(lambda labels, k=key, vs=values: labels.get(k) in vs)
            else:
                checks.append(lambda labels, k=key, vs=values: labels.get(k) not in vs)
        elif "!=" in term:
            key, value = (p.strip() for p in term.split("!=", 1))
            checks.append(lambda labels, k=key, v=value: labels.get(k) != v)
        elif "=" in term:
            key, value = (p.strip() for p in term.replace("==", "=").split("=", 1))
            checks.append(lambda labels, k=key, v=value: labels.get(k) == v)
        elif term.startswith("!"):
            absent = term[1:].strip()
            checks.append(lambda labels, k=absent: k not in labels)
        elif re.fullmatch(r"[\w./-]+", term):
            checks.append(lambda labels, k=term: k in labels)
        else:
            raise SelectorError(f"unable to parse requirement: {term!r}")
    return lambda labels: all(check(labels or {}) for check in checks)


def _field_value(obj, dotted):
    node = obj
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return "" if node is None else str(node)


def parse_field_selector(text):
    """Return a predicate on an object; supports ``path=value``, ``path==value`` and ``path!=value``."""
    checks = []
    for term in _split_terms(text or ""):
        if "!=" in term:
            path, value = (p.strip() for p in term.split("!=", 1))
            checks.append(lambda obj, p=path, v=value: _field_value(obj, p) != v)
        elif "=" in term:
            path, value = (p.strip() for p in term.replace("==", "=").split("=", 1))
            checks.append(lambda obj, p=path, v=value: _field_value(obj, p) == v)
        else:
            raise SelectorError(f"invalid field selector: {term!r}")
    return lambda obj: all(check(obj) for check in checks)


def match_labels_selector(match_labels):
    """The label-selector string of a Deployment/DaemonSet ``spec.selector.matchLabels``."""
    return ",".join(f"{k}={v}" for k, v in sorted((match_labels or {}).items()))
