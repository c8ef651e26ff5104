"""The rules AWX / Automation controller applies to what extensions/awx/ sends it, written out here (not AWX's
code) so that the tests can hold our data to them. Sources, ansible/awx at commit e21dd0a093 (2024-10-23, the
24.x line that awx.awx 24.6.1 belongs to):

- surveys: ``JobTemplateSurveySpec._validate_spec_data`` in awx/api/views/__init__.py (POST .../survey_spec/,
  also used by workflow job templates) and ``SURVEY_TYPE_MAPPING`` in awx/main/constants.py; the launch-time
  checks of an answer: ``SurveyJobTemplateMixin._survey_element_validation`` in awx/main/models/mixins.py;
- credential type inputs: ``CredentialTypeInputField`` (JSON schema and ``validate``) in awx/main/fields.py;
- credential type injectors: ``CredentialTypeInjectorField`` in awx/main/fields.py, ``ENV_BLOCKLIST`` in
  awx/main/constants.py;
- workflow nodes: awx_collection/plugins/modules/workflow_job_template.py (``workflow_nodes`` suboptions,
  ``create_workflow_nodes``: an approval node's template is looked up by name among all unified job templates,
  so two approval templates of one name make the lookup fail).

Each function returns the list of problems (empty: accepted).
"""

import re

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

# Question type -> the Python types its default may have (constants.SURVEY_TYPE_MAPPING).
SURVEY_DEFAULT_TYPES = {
    "text": (str,),
    "textarea": (str,),
    "password": (str,),
    "multiplechoice": (str,),
    "multiselect": (str,),
    "integer": (int,),
    "float": (float, int),
}
IDENTIFIER = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")
FILE_INJECTOR = re.compile(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$")
EXTRA_VAR_KEY = re.compile(r"^[a-zA-Z_{}]+[a-zA-Z0-9_{}]*$")
ENV_BLOCKLIST = frozenset(
    "VIRTUAL_ENV PATH PYTHONPATH JOB_ID INVENTORY_ID INVENTORY_SOURCE_ID INVENTORY_UPDATE_ID AD_HOC_COMMAND_ID REST_API_URL "
    "REST_API_TOKEN MAX_EVENT_RES CALLBACK_QUEUE CALLBACK_CONNECTION CACHE JOB_CALLBACK_DEBUG INVENTORY_HOSTVARS AWX_HOST "
    "PROJECT_REVISION SUPERVISOR_CONFIG_PATH".split()
)
INPUT_FIELD_KEYS = {"id", "label", "type", "format", "choices", "help_text", "multiline", "secret", "ask_at_runtime", "default"}


def _is(value, kinds):
    # bool is an int in Python; the controller's JSON has no such overlap.
    return isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)


def survey_problems(spec):
    """What POST /api/v2/(job|workflow_job)_templates/<id>/survey_spec/ refuses in this body."""
    problems = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if field not in spec:
            problems.append("field %r is missing from the survey spec" % field)
        elif not isinstance(spec[field], kind):
            problems.append("field %r must be a %s" % (field, kind.__name__))
    if isinstance(spec.get("spec"), list) and not spec["spec"]:
        problems.append("'spec' has no questions")
    if problems:
        return problems
    seen = set()
    for index, question in enumerate(spec["spec"]):
        where = "question %d" % index
        if not isinstance(question, dict):
            problems.append("%s is not an object" % where)
            continue
        for key, kind in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
            if key not in question:
                problems.append("%s: %r missing" % (where, key))
            elif not _is(question[key], (kind,)):
                problems.append("%s: %r must be a %s" % (where, key, kind.__name__))
        if problems:
            continue
        where = "question %d (%s)" % (index, question["variable"])
        if question["variable"] in seen:
            problems.append("%s: variable duplicated" % where)
        seen.add(question["variable"])
        qtype = question["type"]
        if qtype not in SURVEY_DEFAULT_TYPES:
            problems.append("%s: type %r is not a survey question type" % (where, qtype))
            continue
        default = question.get("default", "")
        if default != "" and not _is(default, SURVEY_DEFAULT_TYPES[qtype]):
            problems.append("%s: default %r is not of type %s" % (where, default, qtype))
        for key in ("min", "max"):
            if question.get(key) is not None and not _is(question[key], (int,)):
                problems.append("%s: %s must be an integer" % (where, key))
        if qtype in ("multiplechoice", "multiselect"):
            choices = question.get("choices")
            if choices is None:
                problems.append("%s: a %s question needs choices" % (where, qtype))
                continue
            if isinstance(choices, str):
                choices = [c for c in choices.splitlines() if c.strip()]
            defaults = [d for d in default.splitlines() if d.strip()] if isinstance(default, str) else list(default)
            if qtype == "multiplechoice" and len(defaults) > 1:
                problems.append("%s: a multiple choice question has one default at most" % where)
            if any(d not in choices for d in defaults):
                problems.append("%s: default %r is not among the choices" % (where, default))
        if isinstance(default, str) and default.startswith("$encrypted$"):
            problems.append("%s: $encrypted$ is reserved for password defaults already stored" % where)
        # A default the launch would refuse (mixins._survey_element_validation): the bounds hold for it too.
        if qtype in ("integer", "float") and default != "":
            low, high = question.get("min"), question.get("max")
            if _is(low, (int,)) and default < low or _is(high, (int,)) and default > high:
                problems.append("%s: default %r outside min/max" % (where, default))
    return problems


def credential_type_input_problems(inputs):
    """CredentialTypeInputField: the schema of ``inputs`` and the checks after it."""
    problems = []
    if not isinstance(inputs, dict):
        return ["inputs must be an object"]
    unknown = set(inputs) - {"fields", "required"}
    if unknown:
        problems.append("inputs: unknown keys %s" % sorted(unknown))
    required = inputs.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        problems.append("inputs.required must be a list of strings")
    ids = []
    for index, field in enumerate(inputs.get("fields", [])):
        where = "field %d (%s)" % (index, field.get("id"))
        unknown = set(field) - INPUT_FIELD_KEYS
        if unknown:
            problems.append("%s: keys not allowed: %s" % (where, sorted(unknown)))
        for key in ("id", "label"):
            if not isinstance(field.get(key), str):
                problems.append("%s: %r is required and a string" % (where, key))
        if isinstance(field.get("id"), str) and not IDENTIFIER.match(field["id"]):
            problems.append("%s: invalid variable name" % where)
        if field.get("id") == "tower":
            problems.append("%s: 'tower' is reserved" % where)
        ftype = field.get("type", "string")
        if ftype not in ("string", "boolean"):
            problems.append("%s: type must be string or boolean" % where)
            continue
        if "format" in field and field["format"] not in ("ssh_private_key", "url"):
            problems.append("%s: format must be ssh_private_key or url" % where)
        for key in ("help_text",):
            if key in field and not isinstance(field[key], str):
                problems.append("%s: %s must be a string" % (where, key))
        for key in ("multiline", "secret", "ask_at_runtime"):
            if key in field and not isinstance(field[key], bool):
                problems.append("%s: %s must be a boolean" % (where, key))
        if "choices" in field:
            choices = field["choices"]
            if not (isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices) and len(set(choices)) == len(choices)):
                problems.append("%s: choices must be a non-empty list of distinct strings" % where)
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}[ftype]):
            problems.append("%s: default is not a %s" % (where, ftype))
        for key in ("choices", "multiline", "format", "secret"):
            if key in field and ftype != "string":
                problems.append("%s: %s not allowed for a %s field" % (where, key, ftype))
        ids.append(field.get("id"))
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        problems.append("field ids must be unique: %s" % duplicated)
    undefined = [r for r in required if r not in ids]
    if undefined:
        problems.append("required names no field: %s" % undefined)
    return problems


class _Filenames:
    pass


def credential_type_injector_problems(inputs, injectors):
    """CredentialTypeInjectorField: the schema of ``injectors``, the environment variables a credential may not
    set, and every template rendered strictly with only the inputs' fields and ``tower.filename`` defined."""
    problems = []
    if not isinstance(injectors, dict):
        return ["injectors must be an object"]
    unknown = set(injectors) - {"file", "env", "extra_vars"}
    if unknown:
        problems.append("injectors: unknown keys %s" % sorted(unknown))
    files = injectors.get("file", {})
    for name, template in files.items():
        if not FILE_INJECTOR.match(name) or not isinstance(template, str):
            problems.append("file injector %r: the name must be template or template.<name>, the value a string" % name)
    for name, template in injectors.get("env", {}).items():
        if not IDENTIFIER.match(name) or not isinstance(template, str) or not template.isascii():
            problems.append("env injector %r: a shell variable name and an ASCII string" % name)
        if name.startswith("ANSIBLE_") or name in ENV_BLOCKLIST:
            problems.append("env injector %r: not allowed in a credential" % name)
    for name in injectors.get("extra_vars", {}):
        if not EXTRA_VAR_KEY.match(name):
            problems.append("extra_vars injector %r: invalid name" % name)
    if problems or credential_type_input_problems(inputs):
        return problems
    namespace = {field["id"]: "EXAMPLE" for field in inputs.get("fields", [])}
    tower = _Filenames()
    names = [n for n in files if n.startswith("template")]
    if "template" in names:
        if len(names) > 1:
            problems.append("file injectors: one unnamed template, or only named ones (template.<name>)")
        tower.filename = "EXAMPLE_FILENAME"
    elif names:
        tower.filename = _Filenames()
        for name in names:
            setattr(tower.filename, name.split(".", 1)[1], "EXAMPLE_FILENAME")
    namespace["tower"] = tower
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ("file", "env", "extra_vars"):
        for name, template in injectors.get(kind, {}).items():
            for text in (name, template) if kind == "extra_vars" else (template,):
                try:
                    sandbox.from_string(str(text)).render(namespace)
                except (UndefinedError, SecurityError, TemplateSyntaxError) as error:
                    problems.append("%s injector %r: %s" % (kind, name, error))
    return problems


def workflow_node_problems(workflow_nodes, other_approval_names=()):
    """The node list awx.awx.workflow_job_template takes: unique identifiers, a unified job template named and
    typed, related nodes that exist; and approval templates whose names the module's global lookup finds once
    (``other_approval_names``: approval templates that already exist elsewhere in the controller)."""
    problems = []
    identifiers = [n.get("identifier") for n in workflow_nodes]
    duplicated = sorted({i for i in identifiers if identifiers.count(i) > 1})
    if duplicated:
        problems.append("node identifiers must be unique within the workflow: %s" % duplicated)
    approval_names = []
    for node in workflow_nodes:
        ident = node.get("identifier")
        if not isinstance(ident, str) or not ident:
            problems.append("a node without an identifier")
        ujt = node.get("unified_job_template") or {}
        if not ujt.get("name") or ujt.get("type") not in (
            "job_template",
            "project",
            "inventory_source",
            "system_job_template",
            "workflow_approval",
            "workflow_job_template",
        ):
            problems.append("%s: unified_job_template needs a name and a type" % ident)
        if ujt.get("type") == "workflow_approval":
            approval_names.append(ujt.get("name"))
            if not isinstance(ujt.get("timeout", 0), int):
                problems.append("%s: an approval's timeout is an integer" % ident)
        if "extra_data" in node and not isinstance(node["extra_data"], dict):
            problems.append("%s: extra_data is an object" % ident)
        for relation in ("success_nodes", "failure_nodes", "always_nodes"):
            for child in (node.get("related") or {}).get(relation, []):
                if child.get("identifier") not in identifiers:
                    problems.append("%s: %s names %r, no node of the workflow" % (ident, relation, child.get("identifier")))
    every = approval_names + list(other_approval_names)
    shared = sorted({n for n in approval_names if every.count(n) > 1})
    if shared:
        # Shared within the workflow, the nodes share one template (its name and text say one cluster); shared
        # with another workflow, the module's lookup finds two and the configure run fails.
        problems.append("approval names must be unique across the controller: %s" % shared)
    return problems
