"""The store keeps answering while every thread of the loop's default executor waits on it.

In local mode the kubelet's in-process executor roles and the server's artifact downloads wait
on the store from threads; the store's own disk work must not need those same threads, or a
wide fan-out of uploads deadlocks the server. Here more blocking uploads than the default
executor has threads run at once through `asyncio.to_thread`, each a real minio client over HTTP.
"""

from __future__ import annotations

import asyncio
import io
import os

from tests.server.s3store.conftest import Served


async def test_uploads_from_every_default_thread_at_once_all_finish(s3: Served) -> None:
    uploads = (os.cpu_count() or 1) + 4 + 8  # more than asyncio's default max_workers
    body = os.urandom(3 * 1024 * 1024)  # several write batches each

    def put(i: int) -> None:
        s3.minio.put_object("argoapp", f"busy/{i}", io.BytesIO(body), len(body))

    async with asyncio.timeout(60):
        await asyncio.gather(*(asyncio.to_thread(put, i) for i in range(uploads)))
    names = await s3.call(
        lambda: [o.object_name for o in s3.minio.list_objects("argoapp", "busy/", recursive=True)]
    )
    assert len(names) == uploads
    assert await s3.read("busy/0") == body
