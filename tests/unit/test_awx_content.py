"""extensions/awx: surveys in sync with the roles' argument specs, the credential type's injectors,
the workflow graph, the execution environment definition and configure_controller.yml."""

import copy
import glob
import json
import os
import re
import stat
import subprocess
import sys

import pytest
import yaml

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import CONTROLLER_CHECK_IDS, HOST_CHECK_IDS, NSX_CHECK_IDS
from tests import awx_controller as awx
from tests import awx_rules

REPO = awx.REPO
BIN = awx.BIN
STRATEGY2 = "NCP MP-to-Policy - migrate one cluster (strategy 2)"
RECOVER = "NCP MP-to-Policy - recover"


# -- surveys <-> roles/*/meta/argument_specs.yml -------------------------------------------------


def rendered(value):
    """A default as a survey offers it: the one templated default (ncp_report_dir's, a directory under the controller's
    current directory) as a relative path."""
    under_pwd = re.fullmatch(r"\{\{ lookup\('ansible.builtin.env', 'PWD'\) ~ '/(.+)' \}\}", value) if isinstance(value, str) else None
    return "./" + under_pwd.group(1) if under_pwd else value


def argument_specs():
    """variable -> [(where, option spec)] over every entry point of every role; the operator contract's (role ncp)
    with the one default each variable has, in roles/ncp/defaults/main.yml."""
    found = {}
    with open(os.path.join(REPO, "roles", "ncp", "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    for path in sorted(glob.glob(os.path.join(REPO, "roles", "*", "meta", "argument_specs.yml"))):
        role = path.split(os.sep)[-3]
        with open(path, encoding="utf-8") as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        for entry, spec in specs.items():
            for name, option in (spec.get("options") or {}).items():
                if role == "ncp" and name in defaults:
                    option = dict(option, default=rendered(defaults[name]))
                found.setdefault(name, []).append(("%s:%s" % (role, entry), option))
    return found


def all_surveys():
    surveys = [(jt["name"], jt["survey_spec"]) for jt in awx.job_templates().values()]
    surveys += [(wf["name"], wf["survey_spec"]) for wf in awx.workflow_job_templates().values()]
    return surveys


def _bool(text):
    return {"true": True, "false": False}[str(text).lower()]


def survey_mismatches(surveys, specs):
    """Every way a survey question disagrees with the argument specs of the variable it sets."""
    problems = []
    for owner, survey in surveys:
        for question in survey["spec"]:
            variable, kind = question["variable"], question["type"]
            where = "%s / %s" % (owner, variable)
            if variable not in specs:
                problems.append("%s: no role declares this variable in meta/argument_specs.yml" % where)
                continue
            for entry, option in specs[variable]:
                otype = option.get("type", "str")
                choices = option.get("choices")
                at = "%s (%s)" % (where, entry)
                if kind in ("text", "textarea", "password"):
                    ok = otype in ("str", "path", "raw")
                elif kind == "integer":
                    ok = otype in ("int", "float")
                elif kind == "float":
                    ok = otype == "float"
                elif kind == "multiplechoice":
                    ok = otype in ("str", "bool")
                    if otype == "bool" and set(question["choices"]) != {"true", "false"}:
                        problems.append("%s: a bool is asked with choices true/false, not %s" % (at, question["choices"]))
                    if otype == "str" and choices and set(question["choices"]) != set(choices):
                        problems.append("%s: choices %s differ from %s" % (at, question["choices"], choices))
                elif kind == "multiselect":
                    ok = otype == "list" and option.get("elements", "str") == "str"
                    if choices and not set(question["choices"]) <= set(choices):
                        problems.append("%s: choices %s not within %s" % (at, question["choices"], choices))
                else:
                    ok = False
                if not ok:
                    problems.append("%s: survey type %s cannot carry argument type %s" % (at, kind, otype))
                    continue
                default = question.get("default")
                if default in ("", None) and question.get("required"):
                    continue  # no default offered: the operator must answer
                if "default" not in option:
                    if default not in ("", None, []):
                        problems.append("%s: survey default %r, the role has none" % (at, default))
                    continue
                expected = option["default"]
                if kind == "multiselect":
                    got = [v for v in (default or "").split("\n") if v] if isinstance(default, str) else list(default or [])
                elif otype == "bool":
                    got = _bool(default)
                else:
                    got = default
                if got != expected:
                    problems.append("%s: survey default %r, argument spec default %r" % (at, default, expected))
    return problems


def test_every_survey_question_matches_the_roles_argument_specs():
    assert survey_mismatches(all_surveys(), argument_specs()) == []


def test_the_sync_check_fails_when_one_side_changes_alone():
    surveys, specs = all_surveys(), argument_specs()
    assert survey_mismatches(surveys, specs) == []
    # A role renames a variable.
    renamed = copy.deepcopy(specs)
    renamed["ncp_quiesce_wait"] = renamed.pop("ncp_quiesce_seconds")
    assert any("ncp_quiesce_seconds: no role declares" in p for p in survey_mismatches(surveys, renamed))
    # A role changes a default.
    changed = copy.deepcopy(specs)
    changed["ncp_restart_mp"][0][1]["default"] = False
    assert any("ncp_restart_mp" in p and "default" in p for p in survey_mismatches(surveys, changed))
    # A role adds a choice.
    widened = copy.deepcopy(specs)
    widened["ncp_after_rc2"][0][1]["choices"] = ["halt", "continue", "ask"]
    assert any("ncp_after_rc2" in p and "choices" in p for p in survey_mismatches(surveys, widened))
    # A role changes a type.
    retyped = copy.deepcopy(specs)
    retyped["ncp_quiesce_seconds"][0][1]["type"] = "str"
    assert any("ncp_quiesce_seconds" in p and "type" in p for p in survey_mismatches(surveys, retyped))
    # A survey changes alone.
    edited = copy.deepcopy(surveys)
    question = next(q for q in edited[1][1]["spec"] if q["variable"] == "ncp_after_rc2")
    question["choices"] = ["halt"]
    assert any("ncp_after_rc2" in p for p in survey_mismatches(edited, specs))


def test_check_id_questions_offer_exactly_the_collections_check_ids():
    for owner, survey in all_surveys():
        for question in survey["spec"]:
            if question["variable"] in ("ncp_preflight_waivers", "ncp_preflight_skip_checks"):
                assert sorted(question["choices"]) == sorted(NSX_CHECK_IDS + HOST_CHECK_IDS + CONTROLLER_CHECK_IDS), owner


def test_surveys_are_valid_controller_survey_specs():
    for owner, survey in all_surveys():
        assert set(survey) == {"name", "description", "spec"}, owner
        variables = [q["variable"] for q in survey["spec"]]
        assert len(variables) == len(set(variables)), owner
        for question in survey["spec"]:
            assert {"question_name", "variable", "type", "required"} <= set(question), (owner, question)
            assert question["type"] in ("text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect")
            if question["type"] in ("multiplechoice", "multiselect"):
                assert isinstance(question["choices"], list) and question["choices"]
        json.dumps(survey)  # what the API takes


# -- job templates and workflow -----------------------------------------------------------------


def test_job_templates_cover_the_playbooks_and_allow_one_import_at_a_time():
    templates = awx.job_templates()
    playbooks = sorted(jt["playbook"] for jt in templates.values())
    assert playbooks == ["playbooks/migrate_all.yml", "playbooks/migrate_cluster.yml", "playbooks/preflight.yml", "playbooks/recover.yml"]
    for jt in templates.values():
        assert os.path.exists(os.path.join(REPO, jt["playbook"])), jt["playbook"]
        # Only the read-only preflight may run twice at once.
        assert jt["allow_simultaneous"] is (jt["playbook"] == "playbooks/preflight.yml"), jt["name"]
        assert jt["survey_enabled"] is True and jt["job_type"] == "run"
    for wf in awx.workflow_job_templates().values():
        assert wf["allow_simultaneous"] is False


def test_strategy2_survey_makes_the_cluster_and_the_acknowledgement_explicit():
    spec = {q["variable"]: q for q in awx.job_templates()[STRATEGY2]["survey_spec"]["spec"]}
    assert spec["ncp_cluster"]["required"] and spec["ncp_cluster"]["min"] >= 1
    ack = spec["ncp_ack_no_backup_restore"]
    assert ack["required"] and ack["default"] == ""
    with pytest.raises(awx.SurveyError, match="required"):
        awx.survey_extra_vars(awx.job_templates()[STRATEGY2]["survey_spec"], {"ncp_cluster": "k8s-01"})
    with pytest.raises(awx.SurveyError, match="not one of"):
        awx.survey_extra_vars(awx.job_templates()[STRATEGY2]["survey_spec"], {"ncp_cluster": "k8s-01", "ncp_ack_no_backup_restore": "yes"})
    answered = awx.survey_extra_vars(awx.job_templates()[STRATEGY2]["survey_spec"], {"ncp_cluster": "k8s-01", "ncp_ack_no_backup_restore": "true"})
    assert answered == {
        "ncp_cluster": "k8s-01",
        "ncp_ack_no_backup_restore": "true",
        "ncp_quiesce_seconds": 600,
        "ncp_restart_mp": "true",
        "ncp_report_dir": "./ncp-migration-report",
    }


def walk_workflow(workflow, outcome_of):
    """Run a workflow graph as the controller does (roots first, then success/failure edges);
    outcome_of(node, extra_vars) -> True for success. Returns the identifiers run, in order."""
    nodes = {n["identifier"]: n for n in workflow["workflow_nodes"]}
    children = {c["identifier"] for n in nodes.values() for rel in ("success_nodes", "failure_nodes", "always_nodes") for c in n["related"][rel]}
    queue = [i for i in nodes if i not in children]
    ran = []
    while queue:
        node = nodes[queue.pop(0)]
        ran.append(node["identifier"])
        ok = outcome_of(node, dict(node.get("extra_data") or {}))
        nxt = node["related"]["success_nodes" if ok else "failure_nodes"] + node["related"]["always_nodes"]
        queue.extend(c["identifier"] for c in nxt)
    return ran


def test_workflow_runs_clusters_serially_and_recovers_the_failed_one():
    (workflow,) = awx.workflow_job_templates().values()
    templates = awx.job_templates()
    nodes = {n["identifier"]: n for n in workflow["workflow_nodes"]}
    assert len(nodes) == len(workflow["workflow_nodes"])
    for node in nodes.values():
        assert set(node["related"]) == {"success_nodes", "failure_nodes", "always_nodes", "credentials"}
        for rel in ("success_nodes", "failure_nodes", "always_nodes"):
            for child in node["related"][rel]:
                assert child["identifier"] in nodes, child
        ujt = node["unified_job_template"]
        if ujt["type"] == "job_template":
            jt = templates[ujt["name"]]
            # What a node launches passes the job template's survey like a launch would.
            workflow_vars = awx.survey_extra_vars(workflow["survey_spec"], {"ncp_ack_no_backup_restore": "true", "ncp_recover_action": "rollback"})
            survey = {q["variable"] for q in jt["survey_spec"]["spec"]}
            launch = {k: v for k, v in {**workflow_vars, **node["extra_data"]}.items() if k in survey}
            assert set(node["extra_data"]) <= survey
            awx.survey_extra_vars(jt["survey_spec"], launch)
        else:
            assert ujt["type"] == "workflow_approval" and ujt["name"]

    def run_all(node, extra):
        return True

    order = walk_workflow(workflow, run_all)
    assert order == ["migrate-k8s-01", "migrate-k8s-02", "migrate-k8s-03"]

    def second_fails(node, extra):
        return node["identifier"] != "migrate-k8s-02"

    order = walk_workflow(workflow, second_fails)
    assert order == ["migrate-k8s-01", "migrate-k8s-02", "approve-recover-k8s-02", "recover-k8s-02"]
    assert nodes["recover-k8s-02"]["unified_job_template"]["name"] == RECOVER
    assert nodes["recover-k8s-02"]["extra_data"] == {"ncp_cluster": "k8s-02"}
    # Never two imports at once: every migrate node has at most one successor.
    for ident, node in nodes.items():
        assert len(node["related"]["success_nodes"]) + len(node["related"]["always_nodes"]) <= 1, ident


# -- the credential type ------------------------------------------------------------------------


def test_credential_type_injects_only_environment(tmp_path):
    (ctype,) = awx.credential_types()
    assert ctype["name"] == "NSX Manager" and ctype["kind"] == "cloud"
    assert set(ctype["injectors"]) == {"env", "file"}  # no extra_vars: no secret in a job's variables
    secrets = {f["id"] for f in ctype["inputs"]["fields"] if f.get("secret")}
    assert secrets == {"password", "client_key"}
    env, extra = awx.inject_credential(ctype, {"host": "nsx-01:443", "username": "admin", "password": "s3cret!"}, str(tmp_path))
    assert extra == {}
    assert env == {
        "NSX_MANAGER": "nsx-01:443",
        "NSX_USERNAME": "admin",
        "NSX_PASSWORD": "s3cret!",
        "NSX_CLIENT_CERT": "",
        "NSX_CLIENT_KEY": "",
        "NSX_CA_PATH": "",
    }


def test_credential_type_writes_certificates_to_private_files(tmp_path):
    (ctype,) = awx.credential_types()
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    inputs = {"host": "nsx-01", "client_cert": pem, "client_key": "KEY", "ca_cert": "CA"}
    env = awx.inject_credential(ctype, inputs, str(tmp_path / "pdd"), container_dir="/runner")[0]
    assert env["NSX_CLIENT_CERT"] == "/runner/env/cred_template_client_cert"
    assert env["NSX_CA_PATH"] == "/runner/env/cred_template_ca_cert"
    written = tmp_path / "pdd" / "env" / "cred_template_client_cert"
    assert written.read_text() == pem
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert (tmp_path / "pdd" / "env" / "cred_template_client_key").read_text() == "KEY"
    with pytest.raises(awx.InjectionError):
        awx.inject_credential(ctype, {"username": "admin"}, str(tmp_path))


def test_injected_variables_are_the_modules_environment_fallbacks():
    from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NSX_CONNECTION_ARGSPEC

    fallbacks = {spec["fallback"][1][0] for spec in NSX_CONNECTION_ARGSPEC.values() if "fallback" in spec}
    (ctype,) = awx.credential_types()
    assert set(ctype["injectors"]["env"]) == fallbacks - {"NSX_VALIDATE_CERTS"}


# -- execution environment ----------------------------------------------------------------------


def test_execution_environment_definitions():
    with open(os.path.join(REPO, "meta", "execution-environment.yml"), encoding="utf-8") as handle:
        meta = yaml.safe_load(handle)
    assert meta["dependencies"]["python"] == "requirements.txt"
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        version = yaml.safe_load(handle)["version"]
    with open(os.path.join(awx.AWX_DIR, "execution-environment.yml"), encoding="utf-8") as handle:
        ee = yaml.safe_load(handle)
    assert ee["version"] == 3
    tarball = "ncp-mp_to_policy-%s.tar.gz" % version
    assert ee["dependencies"]["galaxy"]["collections"] == [{"name": "collections/" + tarball, "type": "file"}]
    assert ee["additional_build_files"] == [{"src": "../../build/dist/" + tarball, "dest": "collections"}]


def test_ansible_builder_renders_the_build_context(tmp_path):
    """`ansible-builder create` on a copy laid out like the repo, with a freshly built collection;
    then the context's own introspection finds the collection's Python requirements and kubectl."""
    root = tmp_path / "repo"
    (root / "extensions" / "awx").mkdir(parents=True)
    (root / "build" / "dist").mkdir(parents=True)
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(root / "build" / "dist"), REPO],
        check=True,
        capture_output=True,
    )
    definition = root / "extensions" / "awx" / "execution-environment.yml"
    definition.write_text(open(os.path.join(awx.AWX_DIR, "execution-environment.yml"), encoding="utf-8").read())
    context = tmp_path / "context"
    made = subprocess.run(
        [os.path.join(BIN, "ansible-builder"), "create", "-f", str(definition), "-c", str(context), "--output-filename", "Containerfile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    # Pinned: the base image by digest, ansible-core and ansible-runner by version; kubectl's minor a build argument.
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9@sha256:' in containerfile
    assert "ansible-core==2.19.14" in containerfile and "ansible-runner==2.4.3" in containerfile
    assert "ARG KUBECTL_MINOR=" in containerfile and "pkgs.k8s.io/core:/stable:/v%s/rpm/" in containerfile
    # The base stage (the one builder and final stages start from) holds the kubectl repository.
    base_stage = containerfile.split("FROM base AS", 1)[0]
    assert "/etc/yum.repos.d/kubernetes.repo" in base_stage
    # System packages: what reaching the masters and the clusters needs, installed in the final image.
    bindep = (context / "_build" / "bindep.txt").read_text().split("\n")
    assert {"openssh-clients [platform:rpm]", "sshpass [platform:rpm]", "kubectl [platform:rpm]"} <= set(bindep)
    assert "install-from-bindep" in containerfile.rsplit("FROM base", 1)[1]
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text())["collections"][0]["type"] == "file"
    (tarball,) = (context / "_build" / "collections").iterdir()
    # Install it as the galaxy stage does and run the image's introspection over it.
    collections = tmp_path / "usr_share_ansible" / "collections"
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--force", str(tarball), "-p", str(collections)],
        check=True,
        capture_output=True,
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)),
    )
    found = subprocess.run(
        [
            sys.executable,
            str(context / "_build" / "scripts" / "introspect.py"),
            "introspect",
            "--user-bindep",
            str(context / "_build" / "bindep.txt"),
            str(collections),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 0, found.stderr
    found = yaml.safe_load(found.stdout)
    python = found["python"]
    assert {"openssh-clients [platform:rpm]  # from collection user", "sshpass [platform:rpm]  # from collection user"} <= set(found["system"])
    # PyYAML is left out on purpose: ansible-core brings it.
    assert "requests>=2.28  # from collection ncp.mp_to_policy" in python
    assert not any("kubectl" in line for line in python)  # a system package of the clusters' minor, not a wheel


# -- configure_controller.yml against a stand-in awx.awx ----------------------------------------

# Options of the awx.awx modules the playbook uses (awx.awx 23/24; auth options omitted).
AWX_MODULE_OPTIONS = {
    "credential_type": {"name", "new_name", "description", "kind", "inputs", "injectors", "state"},
    "credential": {"name", "new_name", "copy_from", "description", "organization", "credential_type", "inputs", "user", "team", "update_secrets", "state"},
    "execution_environment": {"name", "new_name", "image", "description", "organization", "credential", "pull", "state"},
    "project": {
        "name",
        "organization",
        "scm_type",
        "scm_url",
        "scm_branch",
        "scm_update_on_launch",
        "default_environment",
        "credential",
        "description",
        "state",
    },
    "job_template": {
        "name",
        "description",
        "organization",
        "job_type",
        "inventory",
        "project",
        "playbook",
        "credentials",
        "execution_environment",
        "extra_vars",
        "ask_variables_on_launch",
        "allow_simultaneous",
        "forks",
        "survey_enabled",
        "survey_spec",
        "state",
    },
    "workflow_job_template": {
        "name",
        "description",
        "organization",
        "inventory",
        "extra_vars",
        "ask_variables_on_launch",
        "allow_simultaneous",
        "survey_enabled",
        "survey_spec",
        "workflow_nodes",
        "destroy_current_nodes",
        "state",
    },
}

STUB_MODULE = """#!/usr/bin/python
# WANT_JSON
import json, os, sys
args = json.load(open(sys.argv[1]))
params = dict((k, v) for k, v in args.items() if not k.startswith('_ansible'))
allowed = set(%(allowed)r)
unknown = sorted(set(params) - allowed)
if unknown:
    print(json.dumps({'failed': True, 'msg': 'Unsupported parameters: %%s' %% unknown}))
    sys.exit(1)
sys.path.insert(0, os.environ['AWX_STUB_REPO'])
from tests.awx_controller import run_module_call
result = run_module_call(%(name)r, params, os.environ['AWX_STUB_STATE'], os.environ['AWX_STUB_LOG'])
print(json.dumps(result))
sys.exit(1 if result.get('failed') else 0)
"""


def make_stub_awx(tmp_path):
    """A stand-in awx.awx collection under tmp_path/collections."""
    stub = tmp_path / "collections" / "ansible_collections" / "awx" / "awx"
    (stub / "plugins" / "modules").mkdir(parents=True)
    (stub / "meta").mkdir()
    (stub / "galaxy.yml").write_text("namespace: awx\nname: awx\nversion: 0.0.0-stub\nreadme: README.md\nauthors: [stub]\n")
    (stub / "meta" / "runtime.yml").write_text("requires_ansible: '>=2.16'\n")
    for name, allowed in AWX_MODULE_OPTIONS.items():
        (stub / "plugins" / "modules" / (name + ".py")).write_text(STUB_MODULE % {"allowed": sorted(allowed), "name": name})
    return tmp_path / "collections"


def test_configure_controller_passes_ansible_lint(tmp_path):
    """.ansible-lint excludes configure_controller.yml (awx.awx is not installed); lint it here with
    the stand-in collection, production profile."""
    make_stub_awx(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    (project / "configure_controller.yml").write_text(open(os.path.join(awx.AWX_DIR, "configure_controller.yml"), encoding="utf-8").read())
    (project / ".ansible-lint").write_text("---\nprofile: production\noffline: true\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    linted = subprocess.run(
        [os.path.join(BIN, "ansible-lint"), "--offline", "--profile", "production", "configure_controller.yml"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


CONFIGURE_VARS = {
    "ncp_awx_organization": "NSX team",
    "ncp_awx_machine_credential": "masters-ssh",
    "ncp_awx_execution_environment_image": "registry.example/ncp-ee:0.1.0",
}


def configure_controller(tmp_path, playbook=None, syntax_check=False):
    """ansible-playbook configure_controller.yml against the stand-in awx.awx (make_stub_awx), whose modules apply
    each call to a recording stand-in of the controller (awx.apply_module_call, state in tmp_path/controller.json)."""
    if not (tmp_path / "collections").exists():
        make_stub_awx(tmp_path)
    env = dict(
        os.environ,
        AWX_STUB_LOG=str(tmp_path / "calls.jsonl"),
        AWX_STUB_STATE=str(tmp_path / "controller.json"),
        AWX_STUB_REPO=REPO,
        ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections") + os.pathsep + os.path.join(REPO, "build", "collections"),
        ANSIBLE_NOCOLOR="1",
        PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
    )
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", playbook or os.path.join(awx.AWX_DIR, "configure_controller.yml")]
    cmd += ["-e", json.dumps(dict(CONFIGURE_VARS, ansible_python_interpreter=sys.executable))]
    return subprocess.run(cmd + (["--syntax-check"] if syntax_check else []), env=env, capture_output=True, text=True, check=False)


def recap_changed(stdout):
    return int(stdout.split("PLAY RECAP", 1)[1].split("changed=", 1)[1].split()[0])


def test_configure_controller_sends_the_data_files_unchanged(tmp_path):
    """Runs configure_controller.yml with a stand-in awx.awx collection whose modules accept only the
    real modules' option names and record what they get: the playbook parses, and the controller
    receives the data files as they are (injector templates unrendered, surveys whole)."""
    log = tmp_path / "calls.jsonl"
    syntax = configure_controller(tmp_path, syntax_check=True)
    assert syntax.returncode == 0, syntax.stdout + syntax.stderr
    run = configure_controller(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    by_module = {}
    for call in calls:
        by_module.setdefault(call["module"], []).append(call["params"])
    assert sorted(by_module) == ["credential_type", "execution_environment", "job_template", "workflow_job_template"]
    (ctype,) = awx.credential_types()
    (sent,) = by_module["credential_type"]
    assert sent["inputs"] == ctype["inputs"] and sent["injectors"] == ctype["injectors"]
    assert "{{ tower.filename.client_cert }}" in sent["injectors"]["env"]["NSX_CLIENT_CERT"]
    templates = awx.job_templates()
    assert sorted(p["name"] for p in by_module["job_template"]) == sorted(templates)
    for params in by_module["job_template"]:
        jt = templates[params["name"]]
        assert params["survey_spec"] == jt["survey_spec"]
        assert params["playbook"] == jt["playbook"] and params["allow_simultaneous"] is jt["allow_simultaneous"]
        assert params["organization"] == "NSX team" and params["credentials"] == ["NSX Manager", "masters-ssh"]
        assert params["forks"] == jt["forks"] and params["ask_variables_on_launch"] is jt["ask_variables_on_launch"]
    (wf_sent,) = by_module["workflow_job_template"]
    (workflow,) = awx.workflow_job_templates().values()
    assert wf_sent["survey_spec"] == workflow["survey_spec"] and wf_sent["destroy_current_nodes"] is False
    assert [n["identifier"] for n in wf_sent["workflow_nodes"]] == [n["identifier"] for n in workflow["workflow_nodes"]]
    for sent_node, node in zip(wf_sent["workflow_nodes"], workflow["workflow_nodes"]):
        expected = copy.deepcopy(node)
        if node["unified_job_template"]["type"] == "job_template":
            expected["unified_job_template"]["organization"] = {"name": "NSX team"}
        assert sent_node == expected


def test_configure_controller_twice_changes_nothing_the_second_time(tmp_path):
    """The second run with the same data: no task changed, the controller's objects as the first run left them,
    and one approval template per cluster, each with its own name."""
    first = configure_controller(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert recap_changed(first.stdout) > 0
    after_first = (tmp_path / "controller.json").read_text()
    second = configure_controller(tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap_changed(second.stdout) == 0, second.stdout
    assert (tmp_path / "controller.json").read_text() == after_first
    approvals = json.loads(after_first)["approvals"]
    (workflow,) = awx.workflow_job_templates().values()
    clusters = sorted(n["extra_data"]["ncp_cluster"] for n in workflow["workflow_nodes"] if n["identifier"].startswith("migrate-"))
    assert len(approvals) == len(clusters) == len({a["name"] for a in approvals.values()})
    assert all(sum(c in a["name"] for c in clusters) == 1 for a in approvals.values())


def test_configure_controller_keeps_clear_of_other_workflows_approvals(tmp_path):
    """An approval template of another workflow already in the controller (the old shared name, say) is no
    match for ours: the configure run succeeds. The stand-in fails a lookup that finds two, as awx.awx does."""
    (tmp_path / "controller.json").write_text(json.dumps({"approvals": {"900": {"name": "Read the migration report, then approve the recovery"}}}))
    run = configure_controller(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    state = {"approvals": {"1": {"name": "x"}, "2": {"name": "x"}}}
    node = {"identifier": "a", "unified_job_template": {"name": "x", "type": "workflow_approval"}}
    assert "found 2" in awx.apply_module_call(state, "workflow_job_template", {"name": "w", "workflow_nodes": [node]})[1]


def test_controller_data_passes_the_rules_awx_applies():
    """tests/awx_rules.py: survey specs, the credential type's inputs and injectors, the workflow's nodes."""
    for owner, survey in all_surveys():
        assert awx_rules.survey_problems(survey) == [], owner
    for ctype in awx.credential_types():
        assert awx_rules.credential_type_input_problems(ctype["inputs"]) == []
        assert awx_rules.credential_type_injector_problems(ctype["inputs"], ctype["injectors"]) == []
    for workflow in awx.workflow_job_templates().values():
        assert awx_rules.workflow_node_problems(workflow["workflow_nodes"], ["Read the migration report, then approve the recovery"]) == []
    for jt in awx.job_templates().values():
        assert isinstance(jt["forks"], int) and jt["forks"] > 0 and isinstance(jt["ask_variables_on_launch"], bool), jt["name"]


def test_the_rules_refuse_what_awx_refuses():
    """Each rule of tests/awx_rules.py catches a break planted in a copy of our data."""
    (workflow,) = awx.workflow_job_templates().values()
    survey = copy.deepcopy(workflow["survey_spec"])
    breaks = {
        "min as text": ("spec", 2, "min", "600"),
        "default below min": ("spec", 2, "default", 1),
        "default not a choice": ("spec", 0, "default", "yes"),
        "required as text": ("spec", 0, "required", "true"),
        "unknown type": ("spec", 0, "type", "boolean"),
    }
    for label, (_part, index, key, value) in breaks.items():
        broken = copy.deepcopy(survey)
        broken["spec"][index][key] = value
        assert awx_rules.survey_problems(broken), label
    broken = copy.deepcopy(survey)
    broken["spec"].append(copy.deepcopy(broken["spec"][0]))
    assert awx_rules.survey_problems(broken), "duplicated variable"
    (ctype,) = awx.credential_types()
    for label, change in {
        "unknown input key": lambda i, j: i["fields"][0].update(placeholder="x"),
        "secret on a boolean": lambda i, j: i["fields"].append({"id": "flag", "label": "Flag", "type": "boolean", "secret": True}),
        "required names no field": lambda i, j: i["required"].append("nope"),
        "blocked env var": lambda i, j: j["env"].update(PATH="{{ host }}"),
        "ANSIBLE_ env var": lambda i, j: j["env"].update(ANSIBLE_CONFIG="{{ host }}"),
        "undefined field in a template": lambda i, j: j["env"].update(NSX_X="{{ no_such_field }}"),
        "undefined file in a template": lambda i, j: j["env"].update(NSX_Y="{{ tower.filename.nope }}"),
    }.items():
        inputs, injectors = copy.deepcopy(ctype["inputs"]), copy.deepcopy(ctype["injectors"])
        change(inputs, injectors)
        found = awx_rules.credential_type_input_problems(inputs) + awx_rules.credential_type_injector_problems(inputs, injectors)
        assert found, label
    nodes = copy.deepcopy(workflow["workflow_nodes"])
    approvals = [n for n in nodes if n["unified_job_template"]["type"] == "workflow_approval"]
    approvals[1]["unified_job_template"]["name"] = approvals[0]["unified_job_template"]["name"]
    assert awx_rules.workflow_node_problems(nodes), "shared approval name"
    nodes = copy.deepcopy(workflow["workflow_nodes"])
    assert awx_rules.workflow_node_problems(nodes, [approvals[0]["unified_job_template"]["name"]]), "name used elsewhere"
    nodes[0]["related"]["success_nodes"] = [{"identifier": "nowhere"}]
    assert awx_rules.workflow_node_problems(nodes), "dangling edge"


def test_survey_bounds_are_the_runs_own():
    """ncp_quiesce_seconds: every survey refuses what the run refuses (below 600, roles/migration/tasks/begin.yml)
    and accepts the rest; the migration templates take no variables at launch (ncp_allow_short_quiesce stays lab-only)."""
    with open(os.path.join(REPO, "roles", "migration", "tasks", "begin.yml"), encoding="utf-8") as handle:
        assert "(migration_quiesce_seconds | int) >= 600" in handle.read()
    for owner, survey in all_surveys():
        for question in survey["spec"]:
            if question["variable"] == "ncp_quiesce_seconds":
                assert question["min"] == 600 and question.get("max") is None, owner
                answers = {q["variable"]: (q["choices"][0] if q.get("choices") else "x") for q in survey["spec"] if q["required"]}
                with pytest.raises(awx.SurveyError, match="outside"):
                    awx.survey_extra_vars(survey, dict(answers, ncp_quiesce_seconds=599))
                assert awx.survey_extra_vars(survey, dict(answers, ncp_quiesce_seconds=600))["ncp_quiesce_seconds"] == 600
    for jt in awx.job_templates().values():
        assert jt["ask_variables_on_launch"] is (jt["playbook"] == "playbooks/preflight.yml"), jt["name"]
