"""Helpers of the kubelet suite: pod manifests, waiting for a status, reading logs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube.errors import NotFound
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import LogOptions

Obj = dict[str, Any]
WAIT = 30.0


def pod(name: str, *containers: Obj, init: list[Obj] | None = None, **spec: Any) -> Obj:
    """A pod manifest with restartPolicy Never unless given."""
    body: Obj = {"restartPolicy": "Never", "containers": list(containers), **spec}
    if init:
        body["initContainers"] = init
    return {"metadata": {"name": name}, "spec": body}


def sh(name: str, script: str, **extra: Any) -> Obj:
    """A container running `sh -c script`."""
    return {"name": name, "image": "busybox", "command": ["sh", "-c", script], **extra}


async def wait_for(
    service: ObjectService,
    name: str,
    check: Callable[[Obj], bool],
    *,
    namespace: str = "default",
    timeout: float = WAIT,
) -> Obj:
    """The pod once `check(pod)` holds (polling the service)."""
    last: Obj = {}
    try:
        async with asyncio.timeout(timeout):
            while True:
                last = await service.get(r.PODS, namespace, name)
                if check(last):
                    return last
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"pod {name} never got there; last status: {last.get('status')}")


async def until(check: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait until `check()` holds (for conditions outside the API: files, processes)."""
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - polling the filesystem
            await asyncio.sleep(0.05)


def phase_in(*phases: str) -> Callable[[Obj], bool]:
    return lambda p: (p.get("status") or {}).get("phase") in phases


async def finished(service: ObjectService, name: str, namespace: str = "default") -> Obj:
    return await wait_for(service, name, phase_in("Succeeded", "Failed"), namespace=namespace)


async def gone(service: ObjectService, name: str, namespace: str = "default") -> None:
    """Wait until the pod no longer exists."""
    try:
        async with asyncio.timeout(WAIT):
            while True:
                try:
                    await service.get(r.PODS, namespace, name)
                except NotFound:
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"pod {name} was never removed")


def status_of(p: Obj, container: str) -> Obj:
    status = p.get("status") or {}
    for cs in (*(status.get("initContainerStatuses") or []),
               *(status.get("containerStatuses") or [])):  # fmt: skip
        if cs["name"] == container:
            return dict(cs)
    raise AssertionError(f"no status for container {container}: {status}")


async def logs(kubelet: Kubelet, p: Obj, container: str = "", **options: Any) -> str:
    out = b""
    async for chunk in kubelet.stream(p, LogOptions(container=container, **options)):
        out += chunk
    return out.decode()
