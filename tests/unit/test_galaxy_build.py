"""The Galaxy tarball: what `ansible-galaxy collection build` ships (what users run, never the tests, the lab or
developer files), and that it installs and its playbooks parse on every supported ansible-core, each in a clean
virtual environment of its own (built by `make core-venvs`: only ansible-core and requirements.txt)."""

import json
import os
import subprocess
import sys
import tarfile

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
# Developer-only paths: none may be in the tarball.
DEVELOPER_PATHS = ("tests/", "tools/", ".ci/", "extensions/molecule/", "build/", ".venv/")
DEVELOPER_FILES = ("Makefile", "conftest.py", "requirements-dev.txt", "pyproject.toml", ".gitignore", ".ansible-lint", "docs/benchmarks.json")
# What a user needs: all of it must be there.
SHIPPED = (
    "COPYING",
    "README.md",
    "requirements.txt",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "changelogs/changelog.yaml",
    "playbooks/preflight.yml",
    "playbooks/migrate_all.yml",
    "plugins/module_utils/nsx_client.py",
    "roles/migration/tasks/lease.yml",
    "extensions/awx/configure_controller.yml",
    "extensions/awx/execution-environment.yml",
    "docs/operator-guide.md",
)


def galaxy():
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), REPO], check=True, capture_output=True)
    meta = galaxy()
    path = out / ("%s-%s-%s.tar.gz" % (meta["namespace"], meta["name"], meta["version"]))
    with tarfile.open(path) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    return {"path": str(path), "names": names, "manifest": manifest}


def test_tarball_ships_no_tests_lab_or_developer_files(tarball):
    leaked = [n for n in tarball["names"] if n.startswith(DEVELOPER_PATHS) or n.rstrip("/") in {p.rstrip("/") for p in DEVELOPER_PATHS}]
    leaked += [n for n in tarball["names"] if n in DEVELOPER_FILES or n.endswith((".pyc", "/__pycache__")) or "/__pycache__/" in n]
    assert leaked == []


def test_tarball_ships_what_users_run(tarball):
    assert [p for p in SHIPPED if p not in tarball["names"]] == []
    modules = sorted(n for n in os.listdir(os.path.join(REPO, "plugins", "modules")) if n.endswith(".py"))
    assert [m for m in modules if "plugins/modules/" + m not in tarball["names"]] == []


def test_metadata_is_real(tarball):
    info = tarball["manifest"]["collection_info"]
    assert info["license"] == ["GPL-3.0-or-later"]
    with open(os.path.join(REPO, "COPYING"), encoding="utf-8") as handle:
        text = handle.read()
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3, 29 June 2007" in text and "END OF TERMS AND CONDITIONS" in text
    # Optional URLs are left out until real ones exist: never a placeholder.
    for key in ("repository", "documentation", "homepage", "issues"):
        assert info.get(key) in (None, ""), (key, info.get(key))
        assert key not in galaxy()


def core_venvs():
    """The virtual environments `make core-venvs` built, one per supported ansible-core (NCP_CORE_VENVS)."""
    return [v for v in os.environ.get("NCP_CORE_VENVS", "").split() if v]


@pytest.mark.parametrize("venv", core_venvs() or [None])
def test_tarball_installs_and_preflight_parses_in_a_clean_venv(tarball, venv, tmp_path):
    if venv is None:
        pytest.skip("NCP_CORE_VENVS unset: run through `make unit` / `make test` (make core-venvs builds them)")
    collections = tmp_path / "collections"
    bindir = os.path.join(venv, "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(PATH=bindir + os.pathsep + "/usr/bin:/bin", ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1", HOME=str(tmp_path))
    install = subprocess.run(
        [os.path.join(bindir, "ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections), tarball["path"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    installed = collections / "ansible_collections" / "ncp" / "mp_to_policy"
    assert (installed / "playbooks" / "preflight.yml").is_file() and not (installed / "tests").exists()
    for playbook in ("ncp.mp_to_policy.preflight", "ncp.mp_to_policy.migrate_all", "ncp.mp_to_policy.migrate_cluster", "ncp.mp_to_policy.recover"):
        check = subprocess.run(
            [os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", playbook, "--syntax-check"],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, (playbook, check.stdout + check.stderr)
