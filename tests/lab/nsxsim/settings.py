"""Simulator settings: credentials, limits, timings and the knobs for behaviour real NSX leaves UNCONFIRMED."""

import dataclasses

DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "Lab-Passw0rd!Lab"
DEFAULT_READONLY_USERNAME = "auditor"
DEFAULT_READONLY_PASSWORD = "Lab-Aud1tor!Lab"


@dataclasses.dataclass
class Settings:
    """All tunables. Change them from a scenario file (``settings:``), the CLI or ``PATCH /_lab/settings``."""

    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    # A second account with NSX's read-only role (auditor): it may read everything and change nothing.
    readonly_username: str = DEFAULT_READONLY_USERNAME
    readonly_password: str = DEFAULT_READONLY_PASSWORD
    product_version: str = "4.1.2.0.0.22589037"
    api_virtual_ip: str = "0.0.0.0"
    # client_api_rate_limit / client_api_concurrency_limit: off unless enabled.
    rate_limit_enabled: bool = False
    rate_limit: int = 100
    concurrency_limit_enabled: bool = False
    concurrency_limit: int = 40
    # Migration coordinator timing (seconds): short by default so tests stay fast.
    migration_step_seconds: float = 0.02
    rollback_seconds: float = 0.02
    coordinator_start_seconds: float = 0.0
    realization_seconds: float = 0.0
    # UNCONFIRMED: overall status after a failed pre-check. NEUTRON-TOOL polls "until PAUSED or SUCCESS" and then reads
    # component 0, which suggests the plan still pauses; after a failed migration component the reference says FAILED.
    status_after_precheck_failure: str = "PAUSED"
    status_after_migration_failure: str = "FAILED"
    require_workflow_initiate: bool = False
    # UNCONFIRMED Policy ID rule for promoted objects: a requested policy_id wins when honoured, else derived by
    # ``mp_id`` (TKGI keeps the MP UUID) or ``display_name`` (NCP 3.2: spaces and '/' become '_').
    honour_requested_policy_id: bool = True
    shared_policy_id_rule: str = "display_name"
    # UNCONFIRMED: whether NSX tags a promoted MP object {scope: policyPath, tag: <path>}; the documented mapping is
    # GET /api/v1/migration/migrated-resources, which the simulator always answers.
    tag_promoted_objects: bool = True
    policy_id_rule: str = "mp_id"
    # UNCONFIRMED (no public source): the DFW category and the place in it where an import puts the cluster's NCP
    # sections (as security policies); top of Application unless a scenario says otherwise (firewall_order.py).
    imported_dfw_category: str = "Application"
    imported_dfw_position: str = "top"
    # NSX documents list_with_rules as "4-5 calls a minute" and seconds per ~1000 rules.
    list_with_rules_per_minute: int = 4
    list_with_rules_seconds_per_1000_rules: float = 2.0
    backup_seconds: float = 0.05
    session_idle_seconds: float = 1800.0
    # Lab control: force GET /api/v1/migration/mp-policy-promotion/state (CANCELLING_PROMOTION, CANCEL_FAILED, ...).
    promotion_state: str = ""
    # Principals whose objects are NCP's (used by the generator; client-certificate principals are always protected).
    log_requests: bool = False

    def update(self, values):
        """Apply a mapping of setting name -> value, rejecting unknown names and wrong types."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        for name, value in (values or {}).items():
            if name not in fields:
                raise ValueError(f"unknown setting {name!r}")
            current = getattr(self, name)
            if isinstance(current, bool):
                value = _to_bool(value)
            elif isinstance(current, int):
                value = int(value)
            elif isinstance(current, float):
                value = float(value)
            else:
                value = str(value)
            setattr(self, name, value)
        self._validate()

    def _validate(self):
        rules = ("mp_id", "display_name")
        if self.shared_policy_id_rule not in rules or self.policy_id_rule not in rules:
            raise ValueError(f"policy id rules must be one of {rules}")
        promotion_states = ("", "PROMOTION_NOT_IN_PROGRESS", "PROMOTION_IN_PROGRESS", "CANCELLING_PROMOTION", "CANCEL_FAILED")
        if self.promotion_state not in promotion_states:
            raise ValueError(f"promotion_state must be one of {promotion_states}")
        if self.imported_dfw_category not in ("Ethernet", "Emergency", "Infrastructure", "Environment", "Application", ""):
            raise ValueError("imported_dfw_category must be a DFW category")
        if self.imported_dfw_position not in ("top", "bottom"):
            raise ValueError("imported_dfw_position must be top or bottom")
        statuses = ("PAUSED", "FAILED")
        if self.status_after_precheck_failure not in statuses or self.status_after_migration_failure not in statuses:
            raise ValueError(f"status_after_* must be one of {statuses}")

    def public(self):
        data = dataclasses.asdict(self)
        data["password"] = "********"
        data["readonly_password"] = "********"
        return data


def _to_bool(value):
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {value!r}")
