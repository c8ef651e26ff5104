"""Every filter the collection registers is documented (ansible-test sanity does not read filter documentation):
its own file, or the <name>.yml beside the file that holds several, with options that match the function's arguments."""

import glob
import importlib
import inspect
import os

import pytest
import yaml

FILTERS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "filter")


def registered():
    for path in sorted(glob.glob(os.path.join(FILTERS, "*.py"))):
        module = importlib.import_module("ansible_collections.ncp.mp_to_policy.plugins.filter." + os.path.basename(path)[:-3])
        for name, function in module.FilterModule().filters().items():
            yield name, function, module


def documentation(name, module):
    sidecar = os.path.join(FILTERS, name + ".yml")
    if os.path.exists(sidecar):
        with open(sidecar, encoding="utf-8") as handle:
            docs = yaml.safe_load(handle)
        return docs["DOCUMENTATION"], docs["EXAMPLES"], docs["RETURN"]
    assert module.__name__.endswith("." + name), "%s has neither its own file nor %s.yml" % (name, name)
    return yaml.safe_load(module.DOCUMENTATION), module.EXAMPLES, yaml.safe_load(module.RETURN)


@pytest.mark.parametrize("name,function,module", list(registered()), ids=lambda value: value if isinstance(value, str) else "")
def test_each_filter_is_documented_as_it_is_called(name, function, module):
    doc, examples, returns = documentation(name, module)
    assert doc["name"] == name and doc["short_description"] and doc["description"] and doc["version_added"]
    assert "ncp.mp_to_policy." + name in examples and "_value" in returns
    arguments = list(inspect.signature(function).parameters)
    options = [option for option in doc["options"] if option != "_input"]
    # _input is the first argument; the rest are the documented options, the positional ones in their order.
    assert "_input" in doc["options"] and sorted(options) == sorted(arguments[1:]), (arguments, options)
    positional = [p.strip() for p in doc.get("positional", "").split(",") if p.strip() and p.strip() != "_input"]
    assert positional == arguments[1 : 1 + len(positional)], (positional, arguments)
