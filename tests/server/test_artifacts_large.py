"""A 50 MiB artifact downloads whole and streamed: the server never holds it in memory.

The S3 server (moto) runs in its own process, so the allocations traced here are this
process's: the API server, its driver threads and the test's client reading in chunks. Peak
traced memory staying far below the object's size shows no step reads it whole; the bytes are
checked by digest.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tracemalloc
from pathlib import Path

from argoapp.kube.client import Kube
from tests.artifacts.s3server import MotoS3

from .test_artifacts import NODE, NS, PREFIX, Client, api, live_workflow, moto, put, seeded

__all__ = ["api", "moto", "seeded"]  # fixtures

SIZE = 50 * 1024 * 1024
MIB = 1024 * 1024


def big_file(path: Path) -> str:
    """Write SIZE bytes of noise (not compressible, not repeated); their sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(SIZE // MIB):
            block = os.urandom(MIB)
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


async def test_a_50_mib_artifact_streams_with_bounded_memory(
    api: Client, kube: Kube, moto: MotoS3, tmp_path: Path
) -> None:
    source = tmp_path / "big.bin"
    expected = await asyncio.to_thread(big_file, source)
    await asyncio.to_thread(put, moto, f"{PREFIX}/big.bin", source)
    wf = await live_workflow(kube, moto, name="big")
    wf["status"]["nodes"][NODE]["outputs"]["artifacts"].append(
        {"name": "big", "s3": {"key": f"{PREFIX}/big.bin"}}
    )
    await kube.replace("Workflow", wf, NS)

    digest, received = hashlib.sha256(), 0
    tracemalloc.start()
    try:
        async with api.get(f"/artifacts/{NS}/big/{NODE}/big") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Disposition"] == 'filename="big.bin"'
            async for chunk in resp.content.iter_chunked(64 * 1024):
                digest.update(chunk)
                received += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == SIZE
    assert digest.hexdigest() == expected
    assert peak < 12 * MIB, f"peak {peak / MIB:.1f} MiB while downloading 50 MiB"
