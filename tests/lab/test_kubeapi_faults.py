"""Fault hooks of the lab cluster, driven through the real kubectl."""

import http.client
import ssl
import time

NS = ("-n", "nsx-system")


def test_apiserver_unreachable_then_back(kube_cluster):
    kube_cluster.stop()
    done = kube_cluster.kubectl("get", "pods", *NS, "--request-timeout=3s", check=False)
    assert done.returncode != 0 and "refused" in done.stderr
    kube_cluster.start()
    assert "nsx-ncp" in kube_cluster.kubectl("get", "deployment", *NS).stdout


def _version_answer(cluster):
    context = ssl.create_default_context(cafile=f"{cluster.workdir}/certs/ca.pem")
    connection = http.client.HTTPSConnection("127.0.0.1", cluster.server.port, context=context, timeout=5)
    try:
        connection.request("GET", "/version", headers={"Authorization": f"Bearer {cluster.token}"})
        return connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__
    finally:
        connection.close()


def test_unreachable_fault_drops_connections(kube_cluster):
    kube_cluster.set_faults(unreachable=True)
    assert _version_answer(kube_cluster) != 200
    kube_cluster.set_faults(unreachable=False)
    assert _version_answer(kube_cluster) == 200


def test_pods_that_never_terminate(kube_cluster):
    kube_cluster.set_faults(pods_never_terminate=True)
    kube_cluster.set_settings(pod_termination_delay=0.2)
    kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=0", *NS)
    done = kube_cluster.kubectl("wait", "--for=delete", "pod", "-l", "component=nsx-ncp", "--timeout=2s", *NS, check=False)
    assert done.returncode != 0
    assert [p["terminating"] for p in kube_cluster.ncp_pods()] == [True]
    kube_cluster.set_faults(pods_never_terminate=False)
    kube_cluster.wait_for_ncp(count=0)


def test_ncp_that_never_becomes_ready(kube_cluster):
    kube_cluster.set_faults(ncp_never_ready=True)
    kube_cluster.kubectl("delete", "pod", "-l", "component=nsx-ncp", "--wait=false", *NS)
    time.sleep(1.5)
    done = kube_cluster.kubectl("rollout", "status", "deployment/nsx-ncp", "--timeout=2s", *NS, check=False)
    assert done.returncode != 0
    running = [p for p in kube_cluster.ncp_pods() if not p["terminating"]]
    assert running and not any(p["ready"] for p in running)
    kube_cluster.set_faults(ncp_never_ready=False)
    kube_cluster.wait_for_ncp(ready=1, count=1)


def test_missing_configmap_keeps_ncp_pending(kube_cluster):
    kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=0", *NS)
    kube_cluster.kubectl("delete", "configmap", "nsx-ncp-config", *NS)
    kube_cluster.wait_for_ncp(count=0)
    kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=1", *NS)
    time.sleep(0.8)
    assert "ContainerCreating" in kube_cluster.kubectl("get", "pods", "-l", "component=nsx-ncp", *NS).stdout
