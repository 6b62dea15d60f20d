"""`make bench`: run every benchmark and print its figures."""

from __future__ import annotations

import asyncio

from benchmarks import localkube_api, localkube_pods


async def main() -> None:
    await localkube_api.run()
    await localkube_pods.run()


asyncio.run(main())
