"""A small Kubernetes API server per lab cluster that the real ``kubectl`` binary accepts.

It serves the objects NCP uses (namespace ``nsx-system``, Deployment ``nsx-ncp``, ConfigMap
``nsx-ncp-config``, DaemonSet ``nsx-node-agent``, their pods) with real state: resourceVersions,
409 on stale writes, watches, a controller that starts and stops pods, and lab admin endpoints
under ``/_lab/`` for fault injection and for reading which mode each NCP pod started in.
"""
