"""localkube: argoapp's embedded Kubernetes-compatible API server and its sandboxed kubelet.

`objects.ObjectService` holds the API semantics over SQLite (`storage`); `apiserver` serves it
over HTTP to kubectl and kubernetes-asyncio; `kubelet` runs pods as host processes under
bubblewrap and reports their status through the same service. `cluster.LocalKube` wires the
three together for `argoapp up`.
"""
