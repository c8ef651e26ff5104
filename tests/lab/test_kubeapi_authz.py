"""The lab cluster's authorization: ``kubectl auth can-i`` (SelfSubjectAccessReview) and the 403 of a denied request."""

import json
import urllib.request


def set_denied(cluster, denied):
    request = urllib.request.Request(
        cluster.url + "/_lab/rbac", data=json.dumps({"denied": denied}).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10, context=_context(cluster)) as answer:
        return json.loads(answer.read())


def _context(cluster):
    import ssl

    if not cluster.url.startswith("https"):
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the lab's admin endpoint; the API itself is checked by kubectl below
    return context


def can_i(cluster, *args):
    return cluster.kubectl("auth", "can-i", *args, "-n", "nsx-system", check=False)


def test_can_i_and_denied_requests(kube_cluster):
    scale = ("patch", "deployment/nsx-ncp", "--subresource=scale")
    assert can_i(kube_cluster, *scale).stdout.strip() == "yes"
    assert can_i(kube_cluster, "update", "configmap/nsx-ncp-config").returncode == 0
    assert set_denied(kube_cluster, ["patch deployments/scale", "update configmaps"])["denied"] == ["patch deployments/scale", "update configmaps"]
    denied = can_i(kube_cluster, *scale)
    assert (denied.returncode, denied.stdout.strip()) == (1, "no")
    assert can_i(kube_cluster, "update", "configmap/nsx-ncp-config").returncode == 1
    assert can_i(kube_cluster, "get", "deployment/nsx-ncp").returncode == 0
    # The request itself is refused, like the API server's authorizer does, and changes nothing.
    refused = kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "-n", "nsx-system", "--replicas=0", check=False)
    assert refused.returncode != 0 and 'cannot patch resource "deployments/scale" in API group "apps"' in refused.stderr, refused.stderr
    assert kube_cluster.kubectl_json("get", "deployment", "nsx-ncp", "-n", "nsx-system")["spec"]["replicas"] == 1
    set_denied(kube_cluster, [])
    assert can_i(kube_cluster, *scale).returncode == 0
