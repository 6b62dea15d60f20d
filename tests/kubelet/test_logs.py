"""Container logs through PodLogSource: choice of container, follow, tail, since, limits."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube.errors import BadRequest
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.kubelet.logs import CHUNK
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import LogOptions

from .harness import finished, logs, phase_in, pod, sh, wait_for


async def test_follow_streams_until_the_container_ends(
    service: ObjectService, kubelet: Kubelet
) -> None:
    script = "for i in 1 2 3; do echo line-$i; sleep 0.2; done; echo err >&2"
    await service.create(r.PODS, "default", pod("talker", sh("main", script)))
    running = await wait_for(service, "talker", phase_in("Running", "Succeeded"))
    chunks = []
    async with asyncio.timeout(30):
        async for chunk in kubelet.stream(running, LogOptions(follow=True)):
            chunks.append(chunk)
    assert b"".join(chunks) == b"line-1\nline-2\nline-3\nerr\n"
    done = await finished(service, "talker")
    assert done["status"]["phase"] == "Succeeded"


async def test_tail_timestamps_and_limit(service: ObjectService, kubelet: Kubelet) -> None:
    await service.create(r.PODS, "default", pod("lines", sh("main", "seq 1 10")))
    done = await finished(service, "lines")
    assert await logs(kubelet, done, tail_lines=3) == "8\n9\n10\n"
    assert await logs(kubelet, done, tail_lines=0) == ""
    assert await logs(kubelet, done, limit_bytes=5) == "1\n2\n3"
    stamped = (await logs(kubelet, done, timestamps=True)).splitlines()
    assert len(stamped) == 10
    stamp, text = stamped[0].split(" ")
    assert text == "1" and stamp.endswith("Z") and "T" in stamp
    assert await logs(kubelet, done, since_seconds=3600) == await logs(kubelet, done)
    assert await logs(kubelet, done, since_time="2999-01-01T00:00:00Z") == ""


async def test_container_must_be_named_when_there_are_several(
    service: ObjectService, kubelet: Kubelet
) -> None:
    manifest = pod("two", sh("a", "echo a"), sh("b", "echo b"), init=[sh("i", "echo i")])
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "two")
    with pytest.raises(BadRequest) as e:
        kubelet.stream(done, LogOptions())
    assert e.value.message == (
        "a container name must be specified for pod two, choose one of: [a b] "
        "or one of the init containers: [i]"
    )
    with pytest.raises(BadRequest, match="container c is not valid for pod two"):
        kubelet.stream(done, LogOptions(container="c"))
    assert await logs(kubelet, done, "b") == "b\n"
    assert await logs(kubelet, done, "i") == "i\n"
    with pytest.raises(BadRequest, match='previous terminated container "a" in pod "two"'):
        kubelet.stream(done, LogOptions(container="a", previous=True))


async def test_previous_attempt_log(service: ObjectService, kubelet: Kubelet) -> None:
    script = "echo try; [ -e /keep/once ] || { touch /keep/once; exit 1; }"
    container = sh("main", script, volumeMounts=[{"name": "keep", "mountPath": "/keep"}])
    manifest = pod("again", container, restartPolicy="OnFailure",
                   volumes=[{"name": "keep", "emptyDir": {}}])  # fmt: skip
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "again")
    assert await logs(kubelet, done, previous=True) == "try\n"
    assert await logs(kubelet, done) == "try\n"


async def test_waiting_container_has_no_log_yet(service: ObjectService, kubelet: Kubelet) -> None:
    volumes = [{"name": "cfg", "configMap": {"name": "absent"}}]
    container = sh("main", "true", volumeMounts=[{"name": "cfg", "mountPath": "/cfg"}])
    await service.create(r.PODS, "default", pod("idle", container, volumes=volumes))
    bound = await wait_for(service, "idle", lambda p: bool(p.get("status", {}).get("startTime")))
    with pytest.raises(BadRequest, match='container "main" in pod "idle" is waiting to start'):
        kubelet.stream(bound, LogOptions())


async def test_a_big_log_is_read_in_bounded_chunks_off_the_loop(
    service: ObjectService, kubelet: Kubelet
) -> None:
    count = 200_000
    await service.create(r.PODS, "default", pod("big", sh("main", f"seq 1 {count}")))
    done = await finished(service, "big")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    try:
        first = [(chunk, ticks) async for chunk in kubelet.stream(done, LogOptions(tail_lines=1))]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [chunk for chunk, _ in first] == [f"{count}\n".encode()]
    assert first[0][1] > before  # other tasks ran while the file was being read
    chunks = [chunk async for chunk in kubelet.stream(done, LogOptions())]
    assert max(len(chunk) for chunk in chunks) <= CHUNK
    assert b"".join(chunks) == "".join(f"{i}\n" for i in range(1, count + 1)).encode()
    many = 20_000  # several blocks read backwards
    expected = "".join(f"{i}\n" for i in range(count - many + 1, count + 1))
    assert await logs(kubelet, done, tail_lines=many) == expected
    assert await logs(kubelet, done, tail_lines=count + 5) == await logs(kubelet, done)


async def test_follow_from_the_tail_streams_what_comes_next(
    service: ObjectService, kubelet: Kubelet, tmp_path: Path
) -> None:
    script = "seq 1 100; echo ready; while [ ! -e /host/go ]; do sleep 0.05; done; echo after"
    container = sh("main", script, volumeMounts=[{"name": "host", "mountPath": "/host"}])
    volumes = [{"name": "host", "hostPath": {"path": str(tmp_path)}}]
    await service.create(r.PODS, "default", pod("gated", container, volumes=volumes))
    running = await wait_for(service, "gated", phase_in("Running"))
    await until_logged(kubelet, running, "ready\n")
    received = b""
    async with asyncio.timeout(30):
        async for chunk in kubelet.stream(running, LogOptions(follow=True, tail_lines=2)):
            received += chunk
            if received == b"100\nready\n":
                (tmp_path / "go").touch()
    assert received == b"100\nready\nafter\n"


async def until_logged(kubelet: Kubelet, p: dict, ending: str) -> None:
    """Wait until the container's log so far ends with `ending`."""
    async with asyncio.timeout(30):
        while not (await logs(kubelet, p)).endswith(ending):  # noqa: ASYNC110 - polling a file
            await asyncio.sleep(0.05)
