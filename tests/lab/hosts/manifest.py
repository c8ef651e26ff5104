"""The NCP YAML manifest a lab cluster was "deployed from" (shaped like NCP's ncp-ubuntu.yaml).

ncp.ini is embedded as a YAML block scalar in ConfigMap ``nsx-ncp-config``, with the comments and
layout an operator's file has, so edits by the collection can be checked byte for byte.
"""

DEFAULT_SHARED = {
    "top_tier_router": "t0-shared",
    "container_ip_blocks": "ip-block-pods-shared",
    "external_ip_pools": "ip-pool-snat-shared",
    "external_ip_pools_lb": "ip-pool-lb-shared",
    "overlay_tz": "3fd1a5c8-1b52-4c2e-9a2b-5c7c52b2a7e1",
    "top_firewall_section_marker": "",
    "bottom_firewall_section_marker": "",
}

# Resource options a lab's ncp.ini has only when its scenario names them (comments as in NCP's ncp.ini).
EXTRA_OPTIONS = {
    "tier0_router": "Deprecated: use top_tier_router. Name or UUID of the tier0 router.",
    "no_snat_ip_blocks": "Name or UUID of the container ip blocks for no-SNAT namespaces.",
    "edge_cluster": "Name or UUID of the edge cluster for the tier-1 routers NCP creates.",
    "lb_service": "Name or UUID of the load balancer service to attach Ingress and LB services to.",
    "lb_vs_ip_set": "Name or UUID of the IP set that holds the load balancer virtual server IPs.",
    "client_ssl_profile": "Name or UUID of the client SSL profile of the LB's HTTPS virtual server.",
}

NCP_INI = """\
[DEFAULT]

[coe]
# Container orchestrator adaptor to plug in.
adaptor = kubernetes

# Specify cluster for adaptor. It is a prefix of NSX resources name to
# distinguish multiple clusters who are using the same NSX.
cluster = {cluster}

# Log level for NCP modules (controllers, services, etc.). Ignored if debug is True
loglevel = INFO

# The type of container node: HOSTVM or BAREMETAL
node_type = HOSTVM

[ha]
# Time duration in seconds of mastership timeout. NCP instance will remain
# master for this duration after elected.
master_timeout = 18

[k8s]
# Kubernetes API server IP address.
apiserver_host_ip = {apiserver_ip}

# Kubernetes API server port.
apiserver_host_port = 6443

# Specify a CA bundle file to use in verifying the Kubernetes API server
ca_file = /var/run/secrets/kubernetes.io/serviceaccount/ca.crt

# Full path of the Token file to use for authenticating with the k8s API server.
client_token_file = /var/run/secrets/kubernetes.io/serviceaccount/token

# Specify whether ingress controllers are expected to be deployed in
# hostnework mode or as regular pods externally accessed via NAT
ingress_mode = nat

[nsx_v3]
# Set NSX API adaptor to NSX Policy API adaptor. If unset, NSX adaptor will
# be set to the NSX Manager based adaptor.
policy_nsxapi = False

# Path to NSX client certificate file. If specified, the nsx_api_user and
# nsx_api_password options will be ignored.
nsx_api_cert_file = /etc/nsx-ujo/nsx-cert/tls.crt

# Path to NSX client private key file.
nsx_api_private_key_file = /etc/nsx-ujo/nsx-cert/tls.key

# IP address of one or more NSX managers separated by commas.
nsx_api_managers = {nsx_manager}

# Specify one or a list of CA bundle files to use in verifying the NSX
# Manager server certificate.
ca_file = /etc/nsx-ujo/nsx-ca/ca.crt

# Name or UUID of the top-tier router for the container cluster network,
# which could be either tier0 or tier1.
top_tier_router = {top_tier_router}

# Name or UUID of the container ip blocks that will be used for creating
# subnets. If name, it must be unique.
container_ip_blocks = {container_ip_blocks}

# Name or UUID of the external ip pools that will be used for allocating IP
# addresses which will be used for translating container IPs via SNAT rules.
external_ip_pools = {external_ip_pools}

# Name or UUID of the external ip pools that will be used only for
# allocating IP addresses for Ingress controller and LB service.
external_ip_pools_lb = {external_ip_pools_lb}

# Name or UUID of the NSX overlay transport zone that will be used for
# creating logical switches for container networking.
overlay_tz = {overlay_tz}
{extra}{markers}
# Option to use single-tier router for the container cluster network.
single_tier_topology = False

[nsx_node_agent]

[nsx_kube_proxy]
"""

NODE_AGENT_INI = """\
[DEFAULT]

[k8s]
apiserver_host_ip = {apiserver_ip}
apiserver_host_port = 6443
client_token_file = /var/run/secrets/kubernetes.io/serviceaccount/token
ca_file = /var/run/secrets/kubernetes.io/serviceaccount/ca.crt

[coe]
cluster = {cluster}
node_type = HOSTVM

[nsx_node_agent]
# OVS bridge name
ovs_bridge = br-int
ovs_uplink_port = ens224

[nsx_kube_proxy]
config_handler = ovs
"""

MANIFEST = """\
# NCP manifest for cluster {cluster} (rendered from ncp-ubuntu.yaml, NCP {ncp_version})
---
apiVersion: v1
kind: Namespace
metadata:
  name: nsx-system
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ncp-svc-account
  namespace: nsx-system
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: nsx-node-agent-svc-account
  namespace: nsx-system
---
# Client certificate and key used for NSX authentication are mounted from a Secret.
kind: ConfigMap
apiVersion: v1
metadata:
  name: nsx-ncp-config
  namespace: nsx-system
  labels:
    version: v1
data:
  ncp.ini: |
{ncp_ini}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nsx-ncp
  namespace: nsx-system
  labels:
    tier: nsx-networking
    component: nsx-ncp
    version: v1
spec:
  # Active-Standby is supported from NCP 2.4.0 release, so replica can be more than 1
  replicas: {replicas}
  strategy:
    type: Recreate
  selector:
    matchLabels:
      tier: nsx-networking
      component: nsx-ncp
      version: v1
  template:
    metadata:
      labels:
        tier: nsx-networking
        component: nsx-ncp
        version: v1
    spec:
      hostNetwork: true
      serviceAccountName: ncp-svc-account
      containers:
        - name: nsx-ncp
          image: registry.local/nsx-ncp-ubuntu:{ncp_version}
          imagePullPolicy: IfNotPresent
          env:
            - name: NCP_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          livenessProbe:
            exec:
              command:
                - /bin/sh
                - -c
                - timeout 5 check_pod_liveness nsx-ncp 5
            initialDelaySeconds: 5
            periodSeconds: 10
          volumeMounts:
            - name: config-volume
              mountPath: /etc/nsx-ujo/ncp.ini
              subPath: ncp.ini
              readOnly: true
      volumes:
        - name: config-volume
          configMap:
            name: nsx-ncp-config
---
kind: ConfigMap
apiVersion: v1
metadata:
  name: nsx-node-agent-config
  namespace: nsx-system
  labels:
    version: v1
data:
  ncp.ini: |
{node_agent_ini}---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: nsx-node-agent
  namespace: nsx-system
  labels:
    tier: nsx-networking
    component: nsx-node-agent
    version: v1
spec:
  selector:
    matchLabels:
      component: nsx-node-agent
  template:
    metadata:
      labels:
        tier: nsx-networking
        component: nsx-node-agent
        version: v1
    spec:
      hostNetwork: true
      serviceAccountName: nsx-node-agent-svc-account
      containers:
        - name: nsx-node-agent
          image: registry.local/nsx-ncp-ubuntu:{ncp_version}
          volumeMounts:
            - name: config-volume
              mountPath: /etc/nsx-ujo/ncp.ini
              subPath: ncp.ini
              readOnly: true
        - name: nsx-kube-proxy
          image: registry.local/nsx-ncp-ubuntu:{ncp_version}
      volumes:
        - name: config-volume
          configMap:
            name: nsx-node-agent-config
"""


def _indent(text, spaces=4):
    return "".join(" " * spaces + line if line.strip() else "\n" for line in text.splitlines(keepends=True))


def render_ncp_ini(cluster, nsx_manager="127.0.0.1", shared=None, apiserver_ip="10.0.0.10"):
    values = {**DEFAULT_SHARED, **(shared or {})}
    markers = ""
    for key in ("top_firewall_section_marker", "bottom_firewall_section_marker"):
        if values.get(key):
            markers += f"\n# MP-only: bounds NCP's DFW sections.\n{key} = {values[key]}\n"
    extra = "".join(f"\n# {EXTRA_OPTIONS[key]}\n{key} = {values[key]}\n" for key in EXTRA_OPTIONS if values.get(key))
    fields = {k: v for k, v in values.items() if not k.endswith("_marker") and k not in EXTRA_OPTIONS}
    return NCP_INI.format(cluster=cluster, nsx_manager=nsx_manager, apiserver_ip=apiserver_ip, markers=markers, extra=extra, **fields)


def render_manifest(cluster, nsx_manager="127.0.0.1", shared=None, replicas=1, ncp_version="4.1.2.22685581"):
    """The whole multi-document manifest text."""
    return MANIFEST.format(
        cluster=cluster,
        ncp_version=ncp_version,
        replicas=replicas,
        ncp_ini=_indent(render_ncp_ini(cluster, nsx_manager, shared)),
        node_agent_ini=_indent(NODE_AGENT_INI.format(cluster=cluster, apiserver_ip="10.0.0.10")),
    )


def render_tkgi_manifest(cluster):
    """A TKGI cluster has no NCP Deployment (NCP is a BOSH job under monit): only the namespace."""
    return f"# TKGI cluster {cluster}: NCP runs on the master VMs under monit\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: nsx-system\n"
