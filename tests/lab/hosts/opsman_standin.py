#!/usr/bin/env python
"""Lab stand-in for the Ops Manager CLI ``om`` and the BOSH CLI ``bosh`` (installed as LAB/bin/om and LAB/bin/bosh:
the name it runs as says which), against one lab-wide Ops Manager state in LAB/opsman/ (LAB = the parent of bin/).

State (JSON files written by the lab, tests/lab/labctl.py): ``director.json`` {staged, deployed} (each the
``om staged-director-config`` document: ``iaas-configurations: [{name, additional_cloud_properties: {nsxt: {...}}}]``),
``products.json`` {name: {guid, staged, deployed}} (each product's properties as ``{property: {value: V}}``) and
``lab-auth.json`` {om_username, om_password, bosh_client, bosh_client_secret}.

``om`` (credentials from OM_TARGET, OM_USERNAME, OM_PASSWORD, as the real om reads them; wrong or missing -> exit 1,
nothing changed): ``staged-config --product-name P``, ``configure-product --config FILE``,
``staged-director-config [--no-redact]``, ``configure-director --config FILE``,
``apply-changes [--skip-deploy-products] [--product-name P]`` (deploys the staged director, and the products unless
--skip-deploy-products, only P with --product-name), ``pending-changes --format json`` ([{guid, action, errands}],
action ``update`` while a product's staged properties differ from its deployed ones, else ``unchanged``).
``bosh`` (BOSH_ENVIRONMENT, BOSH_CLIENT, BOSH_CLIENT_SECRET): ``cpi-config [--json]``, the CPI config BOSH renders
from the DEPLOYED director: ``cpis: [{name, type: vsphere, properties: {nsxt: {use_policy_api,
policy_api_migration_mode, host}}}]``; --json prints the bosh CLI v2 shape {"Tables": [], "Blocks": [YAML], "Lines"}.
Output formats and the CPI config's keys are UNCONFIRMED for TKGI (docs/nsx-api.md, TKGI): the lab's choices, the
shapes the collection's parsers read (plugins/module_utils/_tkgi_cli.py).
"""

import copy
import json
import os
import sys

import yaml

LAB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(LAB, "opsman")


def load(name):
    with open(os.path.join(STATE, name), encoding="utf-8") as handle:
        return json.load(handle)


def save(name, data):
    path = os.path.join(STATE, name)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    os.replace(path + ".tmp", path)


def fail(message):
    print(message, file=sys.stderr)
    return 1


def authenticated(tool):
    auth = load("lab-auth.json")
    if tool == "om":
        target, user, password = (os.environ.get(v) for v in ("OM_TARGET", "OM_USERNAME", "OM_PASSWORD"))
        if not target:
            return "could not execute: target flag is required (OM_TARGET)"
        ok = (user, password) == (auth["om_username"], auth["om_password"])
    else:
        if not os.environ.get("BOSH_ENVIRONMENT"):
            return "Expected non-empty Director URL"
        ok = (os.environ.get("BOSH_CLIENT"), os.environ.get("BOSH_CLIENT_SECRET")) == (auth["bosh_client"], auth["bosh_client_secret"])
    return "" if ok else "could not execute: invalid credentials (401 Unauthorized)"


def option(args, name):
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def read_config(args):
    path = option(args, "--config")
    if not path:
        return None, "--config FILE is required"
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}, ""
    except (OSError, yaml.YAMLError) as exc:
        return None, f"could not read the config file: {exc}"


def merge(base, update):
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def om(args):
    products, director = load("products.json"), load("director.json")
    command = args[0] if args else ""
    if command == "staged-config":
        name = option(args, "--product-name")
        if name not in products:
            return fail(f"could not find product {name!r}")
        print(yaml.safe_dump({"product-name": name, "product-properties": products[name]["staged"]}, sort_keys=True))
        return 0
    if command == "configure-product":
        config, problem = read_config(args)
        if problem:
            return fail(problem)
        name = config.get("product-name")
        if name not in products:
            return fail(f"could not find product {name!r}")
        for prop, value in (config.get("product-properties") or {}).items():
            products[name]["staged"][prop] = copy.deepcopy(value if isinstance(value, dict) else {"value": value})
        save("products.json", products)
        print(f"finished configuring product {name}")
        return 0
    if command == "staged-director-config":
        print(yaml.safe_dump(director["staged"], sort_keys=True))
        return 0
    if command == "configure-director":
        config, problem = read_config(args)
        if problem:
            return fail(problem)
        staged = director["staged"]
        for iaas in config.get("iaas-configurations") or []:
            match = next((i for i in staged["iaas-configurations"] if i.get("name") == iaas.get("name", "default")), None)
            merge(match if match is not None else staged["iaas-configurations"][0], iaas)
        merge(staged, {k: v for k, v in config.items() if k != "iaas-configurations"})
        save("director.json", director)
        print("finished configuring director")
        return 0
    if command == "apply-changes":
        director["deployed"] = copy.deepcopy(director["staged"])
        save("director.json", director)
        if "--skip-deploy-products" not in args:
            only = option(args, "--product-name")
            for name, product in products.items():
                if only in (None, name):
                    product["deployed"] = copy.deepcopy(product["staged"])
            save("products.json", products)
        print("Changes applied")
        return 0
    if command == "pending-changes":
        changes = [
            {"guid": product["guid"], "action": "unchanged" if product["staged"] == product["deployed"] else "update", "errands": []}
            for product in products.values()
        ]
        print(json.dumps(changes) if option(args, "--format") == "json" else "\n".join(f"{c['guid']}  {c['action']}" for c in changes))
        return 0
    return fail(f"om: unknown command {command!r} (lab stand-in)")


def cpi_config():
    """The CPI config BOSH renders from the deployed director config."""
    cpis = []
    for iaas in load("director.json")["deployed"]["iaas-configurations"]:
        nsxt = (iaas.get("additional_cloud_properties") or {}).get("nsxt") or {}
        cpis.append({"name": iaas.get("name", "default"), "type": "vsphere", "properties": {"nsxt": dict(nsxt)}})
    return yaml.safe_dump({"cpis": cpis}, sort_keys=True)


def bosh(args):
    if args[:1] != ["cpi-config"]:
        return fail(f"bosh: unknown command {' '.join(args[:1])!r} (lab stand-in)")
    text = cpi_config()
    lines = [f"Using environment '{os.environ['BOSH_ENVIRONMENT']}' as client '{os.environ['BOSH_CLIENT']}'", "Succeeded"]
    print(json.dumps({"Tables": [], "Blocks": [text], "Lines": lines}) if "--json" in args else f"{lines[0]}\n\n{text}\n{lines[1]}")
    return 0


def main(argv):
    tool = "om" if os.path.basename(sys.argv[0]) == "om" else "bosh"
    problem = authenticated(tool)
    if problem:
        return fail(problem)
    return om(argv) if tool == "om" else bosh(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
