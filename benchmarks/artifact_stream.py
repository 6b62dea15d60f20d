"""A 1 GiB artifact through the executor's artifact code and argoapp's built-in store.

Starts the built-in S3 store (the server's `build_app(s3store=…)`) on loopback in this process,
then runs, each in a child process of its own as the executor would, with the child's peak RSS
read from its rusage:
1. upload: `archive.pack` (tar+gzip at compression level 1, the executor's default path for an
   output) of a BENCH_ARTIFACT_MIB (default 1024) MiB file, then the S3 driver's upload;
2. the same file stored as is (`archive: none`), then downloaded and `archive.unpack`ed, as
   init does with an input.
It prints wall time, throughput and peak RSS for each step, and the server process's own peak
RSS (the store streams bodies to disk; it must not hold them either). The file is made of one
random MiB repeated, so compression has work to do without the benchmark spending minutes on
random data. `make bench ARGS=artifact_stream` runs only this.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web

from argoapp.artifacts.builtin import BuiltinStore
from argoapp.server.app import build_app
from argoapp.server.s3store import S3Store, load_or_create_credentials
from benchmarks.common import max_rss_mib

MIB = 1024 * 1024

# What a child runs: one executor-side step, its figures printed as JSON on stdout.
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from argoapp.artifacts import archive, driver_for, resolve
from argoapp.artifacts.errors import MappingSecrets

step, src, work, location, secrets = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), \
    json.loads(sys.argv[4]), json.loads(sys.argv[5])
secrets = MappingSecrets({tuple(k.split("/", 1)): v for k, v in secrets.items()})
start = time.perf_counter()
if step == "upload-tgz":
    art = {"name": "big", "path": str(src), "archive": {"tar": {"compressionLevel": 1}}}
    packed, name = archive.pack(src, work, art)
    art = resolve.relocate({"name": "big", "s3": {"key": "bench/" + name}}, location)
    driver_for(art, secrets).upload(packed, art)
elif step == "upload-none":
    art = resolve.relocate({"name": "big", "s3": {"key": "bench/big.bin"}}, location)
    driver_for(art, secrets).upload(src, art)
else:
    art = resolve.relocate({"name": "big", "s3": {"key": "bench/big.bin"}}, location)
    fetched = work / "fetched"
    driver_for(art, secrets).download(art, fetched)
    archive.unpack(fetched, work / "big", {"name": "big"})
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _make_file(path: Path, mib: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as f:
        for _ in range(mib):
            f.write(block)


async def _child(step: str, src: Path, work: Path, store: BuiltinStore) -> dict[str, float]:
    work.mkdir(parents=True, exist_ok=True)
    secrets = {
        f"{ref['name']}/{ref['key']}": value
        for ref, value in (
            (store.repository()["s3"]["accessKeySecret"], store.access_key),
            (store.repository()["s3"]["secretKeySecret"], store.secret_key),
        )
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        step,
        str(src),
        str(work),
        json.dumps(store.repository()),
        json.dumps(secrets),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{step} failed (exit {proc.returncode})")
    figures: dict[str, float] = json.loads(out)
    return figures


async def run() -> None:
    mib = int(os.environ.get("BENCH_ARTIFACT_MIB", "1024"))
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        root = Path(tmp)
        access, secret = load_or_create_credentials(root / "data")
        s3 = S3Store(root / "data" / "artifacts", access, secret)
        await s3.start()
        runner = web.AppRunner(build_app(s3store=s3), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        store = BuiltinStore(f"127.0.0.1:{port}", access, secret)
        try:
            src = root / "big.bin"
            _make_file(src, mib)
            print(f"-- artifacts: a {mib} MiB file through the built-in store")
            for step in ("upload-tgz", "upload-none", "download"):
                before = time.perf_counter()
                figures = await _child(step, src, root / step, store)
                wall = time.perf_counter() - before
                rate = mib / figures["seconds"] if figures["seconds"] else 0.0
                print(
                    f"{step:<14} {figures['seconds']:7.2f} s  {rate:7.1f} MiB/s  "
                    f"executor peak RSS {figures['rss_mib']:6.1f} MiB  (child wall {wall:.2f} s)"
                )
            print(f"{'server':<14} peak RSS {max_rss_mib():.1f} MiB (whole benchmark process)")
        finally:
            await runner.cleanup()
            await s3.close()
