"""The workflow controller: the imperative shell around the pure engine.

- `controller.Controller`: informers, the work queue, workers, one pass per workflow change.
- `queue.WorkQueue`: one worker per key, dirty requeue, priority, timers, backoff.
- `actions.ActionRunner`: the engine's actions against the Kubernetes API.
- `persist.Persister`: node status offloading to the store, and the one write per pass.
- `locks.LockManager` / `throttle.Throttle`: mutexes and semaphores; controller parallelism.
- `httptask`: Argo's http template, run in the controller.
- `observe`: per-workflow indexes of pods and task results; the engine's `Lookup`.
- `metrics.ControllerMetrics`: the counters /metrics reads.

It imports the engine, kube and store; never the server, localkube or the executor.
"""
