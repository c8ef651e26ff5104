"""What Automation controller / AWX does with the content of extensions/awx/, done here without it.

- load the controller data files (credential type, job templates with surveys, workflow);
- render a credential type's injectors for a credential's inputs the way the controller does
  (Jinja sandbox, file injectors written 0600 into the job's private data directory and referenced
  through ``tower.filename``, env injectors);
- turn survey answers into extra_vars, validating them against the survey spec;
- run a job template's playbook through ``ansible-runner transmit | worker | process`` and read back
  status, rc, stdout, job events and the ``set_stats`` artifacts.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import types

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AWX_DIR = os.path.join(REPO, "extensions", "awx")
DATA_DIR = os.path.join(AWX_DIR, "controller")
BIN = os.path.dirname(sys.executable)


def load_data(name):
    with open(os.path.join(DATA_DIR, name + ".yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def credential_types():
    return load_data("credential_types")["ncp_awx_credential_types"]


def job_templates():
    return {jt["name"]: jt for jt in load_data("job_templates")["ncp_awx_job_templates"]}


def workflow_job_templates():
    return {wf["name"]: wf for wf in load_data("workflow_job_templates")["ncp_awx_workflow_job_templates"]}


def job_template_for(playbook):
    (found,) = [jt for jt in job_templates().values() if jt["playbook"] == playbook]
    return found


# -- credential injection -----------------------------------------------------------------------


class InjectionError(ValueError):
    pass


def inject_credential(credential_type, inputs, private_data_dir, container_dir=None):
    """Render a credential type's injectors like the controller: returns (env, extra_vars).

    File injectors are written into ``<private_data_dir>/env`` (mode 0600); templates see their
    paths as ``tower.filename.<name>`` relative to ``container_dir`` (where the job runs: the
    worker's private data directory), as the controller passes container paths.
    """
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    unknown = set(inputs) - set(fields)
    if unknown:
        raise InjectionError("inputs not defined by the credential type: %s" % sorted(unknown))
    missing = [name for name in credential_type["inputs"].get("required", []) if not inputs.get(name)]
    if missing:
        raise InjectionError("required inputs missing: %s" % missing)
    namespace = {}
    for field_id, field in fields.items():
        if field_id in inputs:
            namespace[field_id] = inputs[field_id]
        elif field.get("type") == "boolean":
            namespace[field_id] = bool(field.get("default", False))
    tower = types.SimpleNamespace()
    namespace["tower"] = namespace["awx"] = tower
    sandbox = ImmutableSandboxedEnvironment()
    injectors = credential_type.get("injectors", {})
    env_dir = os.path.join(private_data_dir, "env")
    os.makedirs(env_dir, exist_ok=True)
    for label, template in injectors.get("file", {}).items():
        data = sandbox.from_string(template).render(**namespace)
        name = "cred_" + label.replace(".", "_")
        path = os.path.join(env_dir, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.chmod(path, 0o600)
        seen_path = os.path.join(container_dir or private_data_dir, "env", name)
        if "." not in label:
            tower.filename = seen_path
        else:
            if not isinstance(getattr(tower, "filename", None), types.SimpleNamespace):
                tower.filename = types.SimpleNamespace()
            setattr(tower.filename, label.split(".", 1)[1], seen_path)
    env = {name: sandbox.from_string(template).render(**namespace) for name, template in injectors.get("env", {}).items()}
    extra_vars = {name: sandbox.from_string(template).render(**namespace) for name, template in injectors.get("extra_vars", {}).items()}
    return env, extra_vars


# -- surveys ------------------------------------------------------------------------------------


class SurveyError(ValueError):
    pass


def survey_extra_vars(survey_spec, answers):
    """The extra_vars a launch with these answers gives, or SurveyError where the controller refuses it."""
    questions = {q["variable"]: q for q in survey_spec["spec"]}
    unknown = set(answers) - set(questions)
    if unknown:
        raise SurveyError("not survey questions: %s" % sorted(unknown))
    result = {}
    for variable, question in questions.items():
        if variable in answers:
            value = answers[variable]
        elif question.get("default") not in (None, "", []):
            value = question["default"]
        elif question.get("required"):
            raise SurveyError("%s: a required question has no answer" % variable)
        else:
            continue
        kind = question["type"]
        if kind in ("text", "textarea", "password"):
            if not isinstance(value, str):
                raise SurveyError("%s: %r is not text" % (variable, value))
            if not question.get("min", 0) <= len(value) <= question.get("max", 1024):
                raise SurveyError("%s: length %d outside %s..%s" % (variable, len(value), question.get("min"), question.get("max")))
        elif kind in ("integer", "float"):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or (kind == "integer" and not isinstance(value, int)):
                raise SurveyError("%s: %r is not an %s" % (variable, value, kind))
            if "min" in question and value < question["min"] or "max" in question and value > question["max"]:
                raise SurveyError("%s: %r outside %s..%s" % (variable, value, question.get("min"), question.get("max")))
        elif kind == "multiplechoice":
            if value not in question["choices"]:
                raise SurveyError("%s: %r is not one of %s" % (variable, value, question["choices"]))
        elif kind == "multiselect":
            if isinstance(value, str):
                value = [v for v in value.split("\n") if v]
            if not set(value) <= set(question["choices"]):
                raise SurveyError("%s: %r not among %s" % (variable, value, question["choices"]))
        else:
            raise SurveyError("%s: unknown question type %s" % (variable, kind))
        result[variable] = value
    return result


# -- running a job like the controller ----------------------------------------------------------


def write_private_data_dir(pdd, inventory, env, extra_vars):
    """A private data directory as the controller prepares one: project, inventory, env."""
    os.makedirs(os.path.join(pdd, "env"), exist_ok=True)
    os.makedirs(os.path.join(pdd, "inventory"), exist_ok=True)
    shutil.copytree(os.path.join(REPO, "playbooks"), os.path.join(pdd, "project", "playbooks"))
    with open(os.path.join(pdd, "inventory", "hosts.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(inventory, handle)
    with open(os.path.join(pdd, "env", "envvars"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(env, handle)
    with open(os.path.join(pdd, "env", "extravars"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(extra_vars, handle)


def runner_pipeline(pdd, worker_dir, out_dir, playbook, ident, timeout=600):
    """``ansible-runner transmit PDD -p PLAYBOOK | ansible-runner worker | ansible-runner process OUT``."""
    runner = os.path.join(BIN, "ansible-runner")
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    transmit = subprocess.Popen([runner, "transmit", pdd, "-p", playbook, "--ident", ident], stdout=subprocess.PIPE, env=env)
    worker = subprocess.Popen([runner, "worker", "--private-data-dir", worker_dir], stdin=transmit.stdout, stdout=subprocess.PIPE, env=env)
    transmit.stdout.close()
    process = subprocess.Popen([runner, "process", out_dir], stdin=worker.stdout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    worker.stdout.close()
    try:
        output = process.communicate(timeout=timeout)[0]
        worker.wait(timeout=30)
        transmit.wait(timeout=30)
    finally:
        for proc in (transmit, worker, process):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return process.returncode, output.decode("utf-8", "replace")


def job_result(out_dir):
    """status, rc, stdout, events and the set_stats artifacts of a processed job."""
    artifacts = os.path.join(out_dir, "artifacts")
    if not os.path.exists(os.path.join(artifacts, "status")):
        # Older runners keep an ident level.
        (artifacts,) = [os.path.dirname(p) for p in glob.glob(os.path.join(out_dir, "artifacts", "*", "status"))]

    def read(name):
        path = os.path.join(artifacts, name)
        return open(path, encoding="utf-8").read() if os.path.exists(path) else ""

    events = []
    for path in glob.glob(os.path.join(artifacts, "job_events", "*.json")):
        with open(path, encoding="utf-8") as handle:
            events.append(json.load(handle))
    events.sort(key=lambda e: e.get("counter", 0))
    stats = [e for e in events if e.get("event") == "playbook_on_stats"]
    return {
        "status": read("status").strip(),
        "rc": int(read("rc").strip() or -1),
        "stdout": read("stdout"),
        "events": events,
        "artifact_data": (stats[-1]["event_data"].get("artifact_data") or {}) if stats else {},
    }


# -- a recording stand-in of the controller behind the awx.awx modules ---------------------------


def apply_module_call(state, module, params):
    """What the controller ends up holding after one awx.awx module call, as awx.awx 24.x decides it:
    returns (changed, failure message or None) and updates ``state`` (JSON-able) in place.

    - every object is looked up by name and updated only where a field differs (``create_or_update_if_needed``):
      the same call twice changes nothing the second time;
    - workflow_job_template (awx_collection/plugins/modules/workflow_job_template.py): ``destroy_current_nodes``
      deletes every node first and always reports a change; otherwise nodes are looked up by identifier and
      updated in place. An approval node's template is looked up by name among all unified job templates
      (no organization): none - a new one is created for the node; one - the node uses it; more - the lookup
      fails (``get_one``: more than one match).
    """
    objects = state.setdefault("objects", {})
    approvals = state.setdefault("approvals", {})  # template id -> {name, description, timeout}
    key = "%s:%s" % (module, params["name"])
    if module != "workflow_job_template":
        changed = objects.get(key) != params
        objects[key] = params
        return changed, None
    fields = {k: v for k, v in params.items() if k not in ("workflow_nodes", "destroy_current_nodes")}
    previous = objects.get(key) or {"fields": None, "nodes": {}}
    changed = previous["fields"] != fields
    nodes = dict(previous["nodes"])
    if params.get("destroy_current_nodes"):
        nodes, changed = {}, True
    for node in params.get("workflow_nodes") or []:
        ujt = node["unified_job_template"]
        old = nodes.get(node["identifier"]) or {}
        record = {"extra_data": node.get("extra_data") or {}, "related": node.get("related") or {}}
        if ujt["type"] == "workflow_approval":
            named = [tid for tid, a in approvals.items() if a["name"] == ujt["name"]]
            if len(named) > 1:
                return changed, "expected 1 unified_job_templates named %r, found %d" % (ujt["name"], len(named))
            template = named[0] if named else old.get("template")
            spec = {k: ujt.get(k) for k in ("name", "description", "timeout")}
            if template is None:
                template = str(state.setdefault("next_id", 1))
                state["next_id"] = int(template) + 1
            if approvals.get(template) != spec:
                approvals[template], changed = spec, True
            record["template"] = template
        else:
            record["template"] = json.dumps(ujt, sort_keys=True)
        if old != record:
            changed = True
        nodes[node["identifier"]] = record
    objects[key] = {"fields": fields, "nodes": nodes}
    return changed, None


def run_module_call(module, params, state_path, log_path):
    """One stand-in module run: load the controller's state, apply the call, save, log it; the module's result."""
    state = {}
    if os.path.exists(state_path):
        with open(state_path, encoding="utf-8") as handle:
            state = json.load(handle)
    changed, failure = apply_module_call(state, module, params)
    with open(state_path, "w", encoding="utf-8") as handle:
        json.dump(state, handle, sort_keys=True)
    with open(log_path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"module": module, "params": params, "changed": changed}) + "\n")
    return {"failed": True, "msg": failure} if failure else {"changed": changed}
