"""The informer across an API server restart, and a failing event handler."""

from __future__ import annotations

import asyncio

from argoapp.kube.client import Kube
from argoapp.kube.informer import Informer
from argoapp.model.types import Obj

from .conftest import StartLocalKube, configmap
from .test_informer import Seen, recorder, running, until


async def test_informer_resumes_after_the_api_server_restarts(
    start_localkube: StartLocalKube,
) -> None:
    first = await start_localkube()
    port, data = first.port, first.settings.data_dir
    async with await Kube.connect(first.kubeconfig) as kube:
        seen: Seen = []
        informer = Informer(kube, "ConfigMap", namespace="default", on_event=recorder(seen))
        async with running(informer):
            await kube.create("ConfigMap", configmap("a", v="1"))
            await until(lambda: len(seen) == 1)
            await first.stop()  # the watch breaks; the informer retries with backoff
            again = await start_localkube(data_dir=data, port=port)
            await kube.patch("ConfigMap", "a", {"data": {"v": "2"}}, "default")
            await kube.create("ConfigMap", configmap("b", v="1"))
            await until(lambda: len(seen) == 3)
            await asyncio.sleep(0.3)
        assert seen == [("ADDED", "a", "1"), ("MODIFIED", "a", "2"), ("ADDED", "b", "1")]
        assert informer.relists == 1  # resumed from its resourceVersion, no relist
        await again.stop()


async def test_a_failing_handler_does_not_stop_the_informer(kube: Kube) -> None:
    seen: list[str] = []

    def fragile(kind: str, obj: Obj, old: Obj | None) -> None:
        seen.append(obj["metadata"]["name"])
        if obj["metadata"]["name"] == "bad":
            raise RuntimeError("handler bug")

    informer = Informer(kube, "ConfigMap", namespace="default", on_event=fragile)
    async with running(informer):
        await kube.create("ConfigMap", configmap("bad"))
        await kube.create("ConfigMap", configmap("good"))
        await until(lambda: seen == ["bad", "good"])
    assert sorted(informer.cache) == ["default/bad", "default/good"]
