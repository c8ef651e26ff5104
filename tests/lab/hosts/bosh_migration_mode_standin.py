#!/usr/bin/env python
"""Lab stand-in for TKGI's ``bosh_migration_mode.sh enable|disable OPSMAN-IP USERNAME PASSWORD`` (vendor-facts 6.3,
Ops Manager 2.10.45+), doing what the documented script does with the lab's ``om`` and ``bosh`` (found on PATH, this
script's own directory first):

1. exports the staged director config (``om staged-director-config --no-redact``) and keeps a timestamped backup;
2. sets ``iaas-configurations[].additional_cloud_properties.nsxt.{use_policy_api, policy_api_migration_mode}``
   (enable: false / true; disable: true / false) and ``nsx_t_use_policy_api`` to match;
3. ``om configure-director``, then ``om apply-changes --skip-deploy-products``;
4. checks ``bosh cpi-config``: exit 1 unless every CPI shows the two flags, else 0.

The Ops Manager address, user and password come as arguments (as documented) and reach om as OM_TARGET,
OM_USERNAME, OM_PASSWORD; the BOSH_* credentials come from the caller's environment. The backup's place and name
(LAB/opsman/director-backup-<time>.yml) are the lab's choice.
"""

import datetime
import json
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.dirname(HERE)


def run(env, *argv):
    done = subprocess.run(list(argv), env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def main(argv):
    if len(argv) != 4 or argv[0] not in ("enable", "disable"):
        print("usage: bosh_migration_mode enable|disable OPSMAN-IP USERNAME PASSWORD", file=sys.stderr)
        return 1
    mode, target, user, password = argv
    use_policy, migration = (False, True) if mode == "enable" else (True, False)
    env = dict(os.environ, OM_TARGET=target, OM_USERNAME=user, OM_PASSWORD=password, PATH=HERE + os.pathsep + os.environ.get("PATH", ""))
    try:
        staged = yaml.safe_load(run(env, "om", "staged-director-config", "--no-redact"))
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M%S%f")
        with open(os.path.join(LAB, "opsman", f"director-backup-{stamp}.yml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(staged, handle)
        for iaas in staged.get("iaas-configurations") or []:
            nsxt = iaas.setdefault("additional_cloud_properties", {}).setdefault("nsxt", {})
            nsxt.update(use_policy_api=use_policy, policy_api_migration_mode=migration)
        staged.setdefault("properties-configuration", {}).setdefault("director_configuration", {})["nsx_t_use_policy_api"] = use_policy
        path = os.path.join(LAB, "opsman", f"director-{stamp}.yml")
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(staged, handle)
        run(env, "om", "configure-director", "--config", path)
        run(env, "om", "apply-changes", "--skip-deploy-products")
        cpis = yaml.safe_load("".join(json.loads(run(env, "bosh", "cpi-config", "--json"))["Blocks"]))["cpis"]
    except (RuntimeError, OSError, ValueError, KeyError, yaml.YAMLError) as exc:
        print(f"bosh_migration_mode: {exc}", file=sys.stderr)
        return 1
    flags = [(c["properties"]["nsxt"].get("use_policy_api"), c["properties"]["nsxt"].get("policy_api_migration_mode")) for c in cpis]
    if any(flag != (use_policy, migration) for flag in flags):
        print(f"bosh cpi-config does not show use_policy_api={use_policy}, policy_api_migration_mode={migration}: {flags}", file=sys.stderr)
        return 1
    print(f"BOSH NSX Policy API migration mode {mode}d; bosh cpi-config shows use_policy_api={use_policy}, policy_api_migration_mode={migration}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
