"""argoapp's Kubernetes clients: the only user of kubernetes_asyncio.

- `resources`: the kinds argoapp uses and their API paths (stdlib only).
- `errors`: the KubeError tree built from API `Status` bodies (stdlib only).
- `client.Kube`: the async client of the controller and the server (dicts in, dicts out).
- `watching`: a watch response body as (type, object) events.
- `informer.Informer`: a cache of one kind kept current by list-then-watch.
- `lite.LiteKube`: the executor's synchronous stdlib client, cheap to import.

This package imports nothing from itself at package level, so `argoapp.kube.lite` stays light.
"""
