"""`argoapp exec init|wait|emissary|kill`: the in-pod executor of Argo's emissary contract.

Module map: `env` (the ARGO_* settings and file locations), `init` (prepare /var/run/argo),
`emissary` (run one wrapped container), `outputs` (copy output files out, read them back),
`wait` (wait for main, report the WorkflowTaskResult), `artifact_inputs` (init's downloads),
`artifact_outputs` (wait's uploads and archived logs), `artifact_access` (Secrets and drivers
for both). `main` runs one role as a process and turns its failures into Argo's exit codes and
termination messages.

Everything on this path is stdlib plus argoapp's stdlib-only modules, because it starts in every
container of every workflow pod: no aiohttp, kubernetes_asyncio, cryptography or yaml. The
artifact library (`argoapp.artifacts`, and minio or dulwich under it) is imported only by a pod
whose template has artifacts.
"""
