"""The MP object kinds the simulator stores, their list URLs, default ``resource_type`` and scenario keys."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    url: str  # MP collection URL ("" for kinds reached only through a parent)
    resource_type: str
    scenario_key: str
    list_filters: tuple = ()  # query parameters NSX accepts as list filters for this kind


KINDS = {
    k.name: k
    for k in (
        Kind("LogicalRouter", "/api/v1/logical-routers", "LogicalRouter", "logical_routers", ("router_type",)),
        Kind("LogicalRouterPort", "/api/v1/logical-router-ports", "LogicalRouterDownLinkPort", "logical_router_ports", ("logical_router_id", "resource_type")),
        Kind("LogicalSwitch", "/api/v1/logical-switches", "LogicalSwitch", "logical_switches", ("transport_zone_id",)),
        Kind("LogicalPort", "/api/v1/logical-ports", "LogicalPort", "logical_ports", ("logical_switch_id",)),
        Kind("IpBlock", "/api/v1/pools/ip-blocks", "IpBlock", "ip_blocks"),
        Kind("IpBlockSubnet", "/api/v1/pools/ip-subnets", "IpBlockSubnet", "ip_subnets", ("block_id",)),
        Kind("IpPool", "/api/v1/pools/ip-pools", "IpPool", "ip_pools"),
        Kind("NSGroup", "/api/v1/ns-groups", "NSGroup", "ns_groups"),
        Kind("Certificate", "/api/v1/trust-management/certificates", "certificate_self_signed", "certificates"),
        # API-REF: PrincipalIdentity (name, node_id, role, certificate_id, is_protected) under trust management; the list the
        # TKGI preflight reads (tkgi_nsx_dedicated). The scenario's objects carry those fields as planted.
        Kind("PrincipalIdentity", "/api/v1/trust-management/principal-identities", "PrincipalIdentity", "principal_identities"),
        Kind("LbService", "/api/v1/loadbalancer/services", "LbService", "lb_services"),
        Kind("LbClientSslProfile", "/api/v1/loadbalancer/client-ssl-profiles", "LbClientSslProfile", "lb_client_ssl_profiles"),
        Kind("IPSet", "/api/v1/ip-sets", "IPSet", "ip_sets"),
        # Fabric objects: not imported; the Policy API reads them from the enforcement point under their MP UUID.
        Kind("TransportZone", "/api/v1/transport-zones", "TransportZone", "transport_zones"),
        Kind("EdgeCluster", "/api/v1/edge-clusters", "EdgeCluster", "edge_clusters"),
        Kind("LbVirtualServer", "/api/v1/loadbalancer/virtual-servers", "LbVirtualServer", "lb_virtual_servers"),
        Kind("LbPool", "/api/v1/loadbalancer/pools", "LbPool", "lb_pools"),
        Kind("LbRule", "/api/v1/loadbalancer/rules", "LbRule", "lb_rules"),
        Kind("LbMonitor", "/api/v1/loadbalancer/monitors", "LbHttpMonitor", "lb_monitors"),
        Kind("LbApplicationProfile", "/api/v1/loadbalancer/application-profiles", "LbHttpProfile", "lb_application_profiles"),
        Kind("LbPersistenceProfile", "/api/v1/loadbalancer/persistence-profiles", "LbCookiePersistenceProfile", "lb_persistence_profiles"),
        Kind("MetadataProxy", "/api/v1/md-proxies", "MetadataProxy", "md_proxies"),
        Kind("DhcpServer", "/api/v1/dhcp/servers", "LogicalDhcpServer", "dhcp_servers"),
        Kind("SwitchingProfile", "/api/v1/switching-profiles", "SpoofGuardSwitchingProfile", "switching_profiles", ("switching_profile_type",)),
        # NAT rules live under /api/v1/logical-routers/<id>/nat/rules.
        Kind("NatRule", "", "NatRule", "nat_rules", ("logical_router_id",)),
    )
}

BY_SCENARIO_KEY = {k.scenario_key: k for k in KINDS.values()}
