"""Deterministic (seeded) NCP-like inventories: N clusters sharing a Tier-0, IP blocks and IP pools.

SPEC is a mapping, a YAML/JSON file, or an inline string ``key=value,key=value`` (lists joined with ``+``), e.g.
``clusters=20,sections=2000,rules=50000,virtual_servers=400,blockers=admin_section+user_rule``. Keys and defaults
are in ``DEFAULTS``. ``sections``, ``rules`` and ``virtual_servers`` are totals over all clusters; the other
counts are per cluster.

DFW layout (list order = priority): admin sections, the admin top marker section, every cluster's NCP sections
(contiguous per cluster, each cluster's block opening with NCP's own ``ncp/fw_sect_marker`` section), the admin
bottom marker section, more admin sections, the default Layer3 section.

Blockers planted on request (in ``blocker_cluster``, default the first cluster):
``admin_section`` an admin section inside NCP's range; ``user_rule`` an admin rule inside an NCP section;
``big_vs`` an NCP virtual server with 300 rules; ``duplicate_names`` a second Tier-0 and IP block with the
display names of the shared ones.
"""

import ipaddress
import os
import random
import uuid

import yaml

DEFAULTS = {
    "seed": 1,
    "clusters": 3,
    "cluster_prefix": "k8s-",
    "principal": "ncp-{cluster}",
    "ncp_version": "4.1.2",
    "sections": 30,
    "rules": 300,
    "largest_section_rules": -1,  # -1: automatic (2,500 when rules >= 10,000)
    "admin_sections": 4,
    "admin_rules_per_section": 2,
    "tier1s": 2,
    "switches": 4,
    "ports_per_switch": 3,
    "ns_groups": 5,
    "virtual_servers": 6,
    "lb_rules_per_vs": 3,
    "allocations": 2,
    "blockers": [],
    "blocker_cluster": "",
}
BLOCKERS = ("admin_section", "user_rule", "big_vs", "duplicate_names")
BIG_VS_RULES = 300
T0_NAME = "t0-shared"
POD_BLOCK_NAME = "pods-ip-block"
NODE_BLOCK_NAME = "nodes-ip-block"
FLOATING_POOL_NAME = "floating-ip-pool"
LB_POOL_NAME = "lb-ip-pool"
TOP_MARKER = "ncp-top-marker"
BOTTOM_MARKER = "ncp-bottom-marker"


def parse_spec(spec):
    """A generator spec from a mapping, a file path or an inline ``key=value,...`` string, merged over DEFAULTS."""
    if isinstance(spec, dict):
        data = dict(spec)
    elif os.path.isfile(str(spec)):
        with open(spec, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    else:
        data = {}
        for pair in filter(None, (p.strip() for p in str(spec).split(","))):
            key, sep, value = pair.partition("=")
            if not sep:
                raise ValueError(f"generator spec item {pair!r} is not key=value")
            data[key.strip()] = value.strip()
    unknown = set(data) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown generator keys: {sorted(unknown)}")
    merged = dict(DEFAULTS)
    for key, value in data.items():
        default = DEFAULTS[key]
        if isinstance(default, list):
            value = value if isinstance(value, list) else [v for v in str(value).split("+") if v]
            bad = set(value) - set(BLOCKERS)
            if bad:
                raise ValueError(f"unknown blockers {sorted(bad)}; known: {BLOCKERS}")
        elif isinstance(default, int):
            value = int(value)
        else:
            value = str(value)
        merged[key] = value
    if merged["clusters"] < 1:
        raise ValueError("clusters must be >= 1")
    return merged


# NSX returns each certificate with ``details``: X509Certificate entries whose ``not_before`` / ``not_after`` are epoch
# milliseconds (API-REF: Certificate, X509Certificate). The lab's certificates are valid 2024-01-01 to 2036-01-01.
LAB_CERT_NOT_BEFORE_MS = 1704067200000
LAB_CERT_NOT_AFTER_MS = 2082758400000


def lab_certificate_details():
    return [{"resource_type": "X509Certificate", "not_before": LAB_CERT_NOT_BEFORE_MS, "not_after": LAB_CERT_NOT_AFTER_MS}]


def _tag(scope, tag):
    return {"scope": scope, "tag": tag}


class _Builder:
    def __init__(self, inventory, spec):
        self.inv = inventory
        self.spec = spec
        self.rng = random.Random(spec["seed"])
        self.summary = {"spec": dict(spec), "clusters": [], "blockers": {}, "shared": {}}
        self._ips = {}

    def uid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add(self, kind, principal, **fields):
        fields.setdefault("id", self.uid())
        return self.inv.add(kind, fields, principal, protected=principal != "admin")

    def next_ip(self, pool_name):
        address = self._ips[pool_name]
        self._ips[pool_name] = address + 1
        return str(address)

    # -- shared resources ---------------------------------------------------------------
    def shared(self):
        shared = self.summary["shared"]
        t0 = self.add("LogicalRouter", "admin", display_name=T0_NAME, router_type="TIER0", high_availability_mode="ACTIVE_STANDBY")
        shared["tier0"] = t0["id"]
        pods = self.add("IpBlock", "admin", display_name=POD_BLOCK_NAME, cidr="172.16.0.0/12")
        nodes = self.add("IpBlock", "admin", display_name=NODE_BLOCK_NAME, cidr="10.200.0.0/16")
        shared["ip_blocks"] = [pods["id"], nodes["id"]]
        shared["ip_pools"] = []
        for name, cidr in ((FLOATING_POOL_NAME, "198.18.0.0/16"), (LB_POOL_NAME, "198.19.0.0/16")):
            network = ipaddress.ip_network(cidr)
            pool = self.add(
                "IpPool",
                "admin",
                display_name=name,
                subnets=[{"cidr": cidr, "allocation_ranges": [{"start": str(network[10]), "end": str(network[-2])}]}],
            )
            self.inv.allocations[pool["id"]] = []
            self._ips[name] = network[10]
            shared["ip_pools"].append(pool["id"])
        self.pools = dict(zip((FLOATING_POOL_NAME, LB_POOL_NAME), shared["ip_pools"], strict=True))
        self.pod_block = pods
        self._subnets = ipaddress.ip_network(pods["cidr"]).subnets(new_prefix=24)
        shared["certificate"] = self.add(
            "Certificate",
            "admin",
            display_name="lab-ca",
            pem_encoded="-----BEGIN CERTIFICATE-----\nlab\n-----END CERTIFICATE-----",
            details=lab_certificate_details(),
        )["id"]
        # Admin objects ncp.ini can name besides the four TKGI ones (lb_service, lb_vs_ip_set, client_ssl_profile).
        # IDs from the names, not the seeded generator: every other generated ID stays what it was.
        for key, kind, fields in (
            ("lb_service", "LbService", {"display_name": "lb-service-shared", "size": "SMALL", "enabled": True}),
            ("ip_set", "IPSet", {"display_name": "lb-vs-ip-set", "ip_addresses": ["198.19.0.0/16"]}),
            ("client_ssl_profile", "LbClientSslProfile", {"display_name": "client-ssl-shared", "protocols": ["TLS_V1_2"]}),
        ):
            fields["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "nsxsim/%s/%s" % (self.spec["seed"], fields["display_name"])))
            shared[key] = self.inv.add(kind, fields, "admin", protected=False)["id"]
        self.t0 = t0
        if "duplicate_names" in self.spec["blockers"]:
            self.summary["blockers"]["duplicate_names"] = [
                self.add("LogicalRouter", "admin", display_name=T0_NAME, router_type="TIER0", high_availability_mode="ACTIVE_STANDBY")["id"],
                self.add("IpBlock", "admin", display_name=POD_BLOCK_NAME, cidr="192.168.0.0/16")["id"],
            ]

    def allocate(self, pool_name, cluster_tags):
        address = self.next_ip(pool_name)
        self.inv.allocations[self.pools[pool_name]].append({"allocation_id": address, "tags": list(cluster_tags)})
        return address

    # -- one cluster ---------------------------------------------------------------------------
    def cluster(self, name):
        spec = self.spec
        principal = spec["principal"].format(cluster=name)
        base = [_tag("ncp/cluster", name), _tag("ncp/version", spec["ncp_version"])]
        info = {"name": name, "principal": principal, "tier1s": [], "switches": [], "ns_groups": [], "sections": [], "virtual_servers": []}
        for _number in range(spec["allocations"]):
            self.allocate(FLOATING_POOL_NAME, base)
        for j in range(spec["tier1s"]):
            project = f"ns-{j}"
            tags = base + [_tag("ncp/project", project)]
            t1 = self.add("LogicalRouter", principal, display_name=f"{name}-{project}-t1", router_type="TIER1", tags=tags)
            info["tier1s"].append(t1["id"])
            t0_port = self.add(
                "LogicalRouterPort",
                principal,
                resource_type="LogicalRouterLinkPortOnTIER0",
                logical_router_id=self.t0["id"],
                display_name=f"{name}-{project}-t0-link",
                tags=list(base),
            )
            self.add(
                "LogicalRouterPort",
                principal,
                resource_type="LogicalRouterLinkPortOnTIER1",
                logical_router_id=t1["id"],
                display_name=f"{name}-{project}-t1-link",
                linked_logical_router_port_id={"target_id": t0_port["id"], "target_type": "LogicalRouterLinkPortOnTIER0"},
                tags=list(base),
            )
            snat_ip = self.allocate(FLOATING_POOL_NAME, tags)
            rule = {
                "id": self.inv.new_rule_id(),
                "logical_router_id": t1["id"],
                "action": "SNAT",
                "translated_network": snat_ip,
                "match_source_network": "0.0.0.0/0",
                "tags": tags + [_tag("ncp/snat_ip", snat_ip)],
            }
            self.inv.add("NatRule", rule, principal, protected=True)
        for j in range(spec["switches"]):
            project = f"ns-{j % max(1, spec['tier1s'])}"
            tags = base + [_tag("ncp/project", project)]
            switch = self.add("LogicalSwitch", principal, display_name=f"{name}-{project}-ls{j}", transport_zone_id="overlay-tz", admin_state="UP", tags=tags)
            info["switches"].append(switch["id"])
            subnet = str(next(self._subnets))
            self.add(
                "IpBlockSubnet",
                principal,
                display_name=f"{name}-{project}-subnet{j}",
                block_id=self.pod_block["id"],
                cidr=subnet,
                tags=tags + [_tag("ncp/subnet", subnet)],
            )
            if info["tier1s"]:
                router_port = self.add(
                    "LogicalPort",
                    principal,
                    display_name=f"{name}-ls{j}-router-port",
                    logical_switch_id=switch["id"],
                    attachment={"attachment_type": "LOGICAL_ROUTER"},
                    tags=list(tags),
                )
                self.add(
                    "LogicalRouterPort",
                    principal,
                    resource_type="LogicalRouterDownLinkPort",
                    logical_router_id=info["tier1s"][j % len(info["tier1s"])],
                    display_name=f"{name}-ls{j}-downlink",
                    linked_logical_switch_port_id={"target_id": router_port["id"], "target_type": "LogicalPort"},
                    subnets=[{"ip_addresses": [subnet.replace(".0/24", ".1")], "prefix_length": 24}],
                    tags=list(tags),
                )
            for k in range(spec["ports_per_switch"]):
                self.add(
                    "LogicalPort",
                    principal,
                    display_name=f"{name}-{project}-pod{j}-{k}",
                    logical_switch_id=switch["id"],
                    attachment={"attachment_type": "VIF", "id": self.uid()},
                    tags=tags + [_tag("ncp/pod", f"pod-{j}-{k}")],
                )
        for j in range(spec["ns_groups"]):
            tags = base + [_tag("ncp/project", f"ns-{j % max(1, spec['tier1s'])}"), _tag("ncp/network_policy", f"np-{j}")]
            info["ns_groups"].append(self.add("NSGroup", principal, display_name=f"{name}-np-{j}-group", tags=tags)["id"])
        cert = self.add("Certificate", principal, display_name=f"{name}-lb-default-cert", tags=list(base), details=lab_certificate_details())
        info["certificate"] = cert["id"]
        return info

    def load_balancer(self, info, count):
        name, principal = info["name"], info["principal"]
        base = [_tag("ncp/cluster", name)]
        monitor = self.add("LbMonitor", principal, display_name=f"{name}-monitor", tags=list(base))
        profile = self.add("LbApplicationProfile", principal, display_name=f"{name}-http-profile", tags=list(base))
        persistence = self.add("LbPersistenceProfile", principal, display_name=f"{name}-cookie-persistence", tags=list(base))
        pool = self.add("LbPool", principal, display_name=f"{name}-pool", active_monitor_ids=[monitor["id"]], tags=list(base))
        vs_ids = []
        for j in range(count):
            vs_ids.append(self._virtual_server(info, f"{name}-vs-{j}", self.spec["lb_rules_per_vs"], profile, persistence, pool)["id"])
        if "big_vs" in self.spec["blockers"] and name == self.blocker_cluster:
            big = self._virtual_server(info, f"{name}-big-ingress-vs", BIG_VS_RULES, profile, persistence, pool)
            vs_ids.append(big["id"])
            self.summary["blockers"]["big_vs"] = big["id"]
        attachment = {"target_id": info["tier1s"][0], "target_type": "LogicalRouter"} if info["tier1s"] else None
        service = self.add(
            "LbService",
            principal,
            display_name=f"{name}-lb-service",
            size="SMALL",
            enabled=True,
            attachment=attachment,
            virtual_server_ids=vs_ids,
            tags=list(base),
        )
        info["lb_service"] = service["id"]
        info["virtual_servers"] = vs_ids

    def _virtual_server(self, info, display_name, rule_count, profile, persistence, pool):
        base = [_tag("ncp/cluster", info["name"])]
        rule_ids = [
            self.add(
                "LbRule",
                info["principal"],
                display_name=f"{display_name}-rule-{k}",
                phase="HTTP_FORWARDING",
                match_conditions=[{"type": "LbHttpRequestUriCondition", "uri": f"/app{k}"}],
                actions=[{"type": "LbSelectPoolAction", "pool_id": pool["id"]}],
                tags=list(base),
            )["id"]
            for k in range(rule_count)
        ]
        return self.add(
            "LbVirtualServer",
            info["principal"],
            display_name=display_name,
            ip_address=self.allocate(LB_POOL_NAME, base),
            ports=["80"],
            ip_protocol="TCP",
            enabled=True,
            application_profile_id=profile["id"],
            persistence_profile_id=persistence["id"],
            pool_id=pool["id"],
            rule_ids=rule_ids,
            tags=base + [_tag("ncp/ing_ctrl", "default")],
        )

    # -- DFW -----------------------------------------------------------------------------------------
    def admin_section(self, display_name):
        section = self.inv.add_section({"id": self.uid(), "display_name": display_name}, "admin", False)
        for k in range(self.spec["admin_rules_per_section"]):
            self.inv.add_rule(section["id"], {"display_name": f"{display_name}-rule-{k}", "action": "ALLOW"}, "admin", False)
        return section

    def firewall(self, clusters):
        spec = self.spec
        above = spec["admin_sections"] // 2
        for j in range(above):
            self.admin_section(f"admin-above-{j}")
        top = self.admin_section(TOP_MARKER)
        per_cluster = [spec["sections"] // len(clusters) + (1 if i < spec["sections"] % len(clusters) else 0) for i in range(len(clusters))]
        ncp_sections = []
        for info, count in zip(clusters, per_cluster, strict=True):
            ncp_sections += self._cluster_sections(info, max(1, count))
        bottom = self.admin_section(BOTTOM_MARKER)
        for j in range(spec["admin_sections"] - above):
            self.admin_section(f"admin-below-{j}")
        default = self.inv.add_section({"id": self.uid(), "display_name": "Default Layer3 Section", "is_default": True, "_system_owned": True}, "system", False)
        self.inv.add_rule(default["id"], {"display_name": "Default Layer3 Rule", "action": "ALLOW", "is_default": True}, "system", False)
        self.summary["markers"] = {"top": top["id"], "bottom": bottom["id"], "default": default["id"]}
        self._rules(ncp_sections)

    def _cluster_sections(self, info, count):
        name, principal = info["name"], info["principal"]
        base = [_tag("ncp/cluster", name), _tag("ncp/version", self.spec["ncp_version"])]
        sections = [
            self.inv.add_section({"id": self.uid(), "display_name": f"{name}-marker", "tags": base + [_tag("ncp/fw_sect_marker", "true")]}, principal, True)
        ]
        for j in range(count - 1):
            kind = "isolation" if j % 2 == 0 else "allow"
            group = info["ns_groups"][j % len(info["ns_groups"])] if info["ns_groups"] else None
            tags = base + [_tag("ncp/fw_sect_type", kind), _tag("ncp/project", f"ns-{j % max(1, self.spec['tier1s'])}"), _tag("ncp/network_policy", f"np-{j}")]
            body = {"id": self.uid(), "display_name": f"{name}-np-{j}-{kind}", "tags": tags}
            if group:
                body["applied_tos"] = [{"target_type": "NSGroup", "target_id": group, "is_valid": True}]
            sections.append(self.inv.add_section(body, principal, True))
        info["sections"] = [s["id"] for s in sections]
        if "admin_section" in self.spec["blockers"] and name == self.blocker_cluster:
            middle = sections[len(sections) // 2]
            planted = self.inv.add_section({"id": self.uid(), "display_name": "admin-inserted-section"}, "admin", False, "insert_after", middle["id"])
            self.summary["blockers"]["admin_section"] = planted["id"]
        return [(s, info) for s in sections]

    def _rules(self, ncp_sections):
        total = self.spec["rules"]
        if not ncp_sections or total <= 0:
            return
        largest = self.spec["largest_section_rules"]
        if largest < 0:
            largest = 2500 if total >= 10000 else 0
        largest = min(largest, total)
        weights = [self.rng.random() + 0.2 for _section in ncp_sections]
        scale = (total - largest) / sum(weights)
        counts = [int(w * scale) for w in weights]
        counts[0] += total - largest - sum(counts)
        if largest:
            counts[len(counts) // 2] += largest
            self.summary["largest_section"] = ncp_sections[len(counts) // 2][0]["id"]
        for (section, info), count in zip(ncp_sections, counts, strict=True):
            groups = info["ns_groups"] or [None]
            for k in range(count):
                group = groups[k % len(groups)]
                rule = {"display_name": f"{section['display_name']}-rule-{k}", "action": "ALLOW" if k % 5 else "DROP", "direction": "IN_OUT"}
                if group:
                    rule["sources"] = [{"target_type": "NSGroup", "target_id": group, "is_valid": True}]
                rule["services"] = [{"service": {"resource_type": "L4PortSetNSService", "l4_protocol": "TCP", "destination_ports": [str(1024 + k % 60000)]}}]
                self.inv.add_rule(section["id"], rule, info["principal"], True)
        if "user_rule" in self.spec["blockers"]:
            target = next((s for s, info in ncp_sections[1:] if info["name"] == self.blocker_cluster), ncp_sections[0][0])
            rule = self.inv.add_rule(target["id"], {"display_name": "user-added-rule", "action": "ALLOW"}, "admin", False)
            self.summary["blockers"]["user_rule"] = {"section_id": target["id"], "rule_id": rule["id"]}


def generate(inventory, spec):
    """Fill ``inventory`` from a parsed spec; returns (and stores as ``inventory.generated``) a summary of ids."""
    builder = _Builder(inventory, spec)
    names = [f"{spec['cluster_prefix']}{i + 1:02d}" for i in range(spec["clusters"])]
    builder.blocker_cluster = spec["blocker_cluster"] or names[0]
    builder.shared()
    clusters = [builder.cluster(name) for name in names]
    vs_total = spec["virtual_servers"]
    for i, info in enumerate(clusters):
        builder.load_balancer(info, vs_total // len(clusters) + (1 if i < vs_total % len(clusters) else 0))
    builder.firewall(clusters)
    builder.summary["clusters"] = clusters
    builder.summary["counts"] = inventory.counts()
    inventory.generated = builder.summary
    return builder.summary
