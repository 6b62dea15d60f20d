"""`/artifact-files/…` over HTTP: files, directories (listings, redirects, sub-paths, an
`index.html`), and tarballs looked into, for live and archived workflows; the fixtures (a real
localkube, store and moto S3 server, and a workflow naming the uploaded objects) are
test_artifacts'."""

from __future__ import annotations

import asyncio
import re

from .test_artifacts import (
    NODE,
    NS,
    TEXT,
    UID,
    WF,
    Client,
    api,
    fetch,
    moto,
    seeded,
)

__all__ = ["api", "moto", "seeded"]  # fixtures

LIVE = f"/artifact-files/{NS}/workflows/{WF}/{NODE}/outputs"
ARCHIVED = f"/artifact-files/{NS}/archived-workflows/{UID}/{NODE}/outputs"


async def raw_status(api: Client, path: str) -> int:
    """The status of a GET of `path` sent byte for byte (HTTP clients resolve dot segments
    before sending; an attacker's need not)."""
    reader, writer = await asyncio.open_connection(api.server.host, api.server.port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


def links(page: bytes) -> list[str]:
    return re.findall(r'href="([^"]*)"', page.decode())


async def test_the_tarball_of_one_file_is_served_as_that_file(api: Client) -> None:
    for base in (LIVE, ARCHIVED):
        status_code, body, headers = await fetch(api, f"{base}/packed")
        assert (status_code, body) == (200, TEXT), base
        assert headers["Content-Disposition"] == 'filename="hello.txt"'
        assert headers["Content-Type"].startswith("text/plain")
        assert headers["Content-Length"] == str(len(TEXT))


async def test_the_tarball_of_a_directory_browses_as_the_directory(api: Client) -> None:
    status_code, _, headers = await fetch(api, f"{LIVE}/packed-dir")
    assert status_code == 307 and headers["Location"] == "packed-dir/"
    status_code, page, headers = await fetch(api, f"{LIVE}/packed-dir/")
    assert status_code == 200 and headers["Content-Type"].startswith("text/html")
    assert links(page) == ["..", "./a.txt", "./sub/"]
    status_code, page, _ = await fetch(api, f"{LIVE}/packed-dir/sub/")
    assert (status_code, links(page)) == (200, ["..", "./b.txt"])
    assert (await fetch(api, f"{LIVE}/packed-dir/sub/b.txt"))[:2] == (200, b"B")
    status_code, _, headers = await fetch(api, f"{LIVE}/packed-dir/sub")
    assert status_code == 307 and headers["Location"] == "sub/"
    resp = await api.get(f"{LIVE}/packed-dir/sub/nothing.txt")
    assert resp.status == 404
    assert "sub/nothing.txt in artifact packed-dir" in (await resp.json())["message"]


async def test_a_directory_artifact_lists_its_entries_escaped(api: Client) -> None:
    status_code, _, headers = await fetch(api, f"{LIVE}/tree")
    assert status_code == 307 and headers["Location"] == "tree/"
    status_code, page, headers = await fetch(api, f"{LIVE}/tree/")
    assert status_code == 200, page
    assert "sandbox" in headers["Content-Security-Policy"]
    text = page.decode()
    assert "<b>" not in text and "&lt;b&gt;&amp;x.txt" in text  # the name is not markup
    assert links(page) == ["..", "./%3Cb%3E%26x.txt", "./notes.txt", "./sub/"]
    status_code, body, headers = await fetch(api, f"{LIVE}/tree/%3Cb%3E%26x.txt")
    assert (status_code, body) == (200, b"odd name")
    status_code, body, headers = await fetch(api, f"{ARCHIVED}/tree/sub/deep.json")
    assert (status_code, body) == (200, b'{"deep": true}')
    assert headers["Content-Disposition"] == 'filename="deep.json"'
    assert headers["Content-Type"] == "application/json"
    status_code, page, _ = await fetch(api, f"{LIVE}/tree/sub/")
    assert (status_code, links(page)) == (200, ["..", "./deep.json"])


async def test_a_directory_with_an_index_page_redirects_to_it(api: Client) -> None:
    status_code, _, headers = await fetch(api, f"{LIVE}/site/")
    assert status_code == 307 and headers["Location"] == "index.html"
    status_code, body, headers = await fetch(api, f"{LIVE}/site/index.html")
    assert (status_code, body) == (200, b"<html>site</html>")
    assert headers["Content-Type"].startswith("text/html")
    assert "sandbox" in headers["Content-Security-Policy"]  # its scripts cannot run


async def test_a_plain_file_and_bad_requests(api: Client) -> None:
    status_code, body, _ = await fetch(api, f"{LIVE}/plain")
    assert (status_code, body) == (200, TEXT)
    status_code, body, _ = await fetch(api, f"/artifact-files/{NS}/workflows/{WF}/{NODE}/inputs/in")
    assert (status_code, body) == (200, TEXT)
    for path in (
        f"/artifact-files/{NS}/workflows/{WF}/{NODE}/sideways/plain",
        f"/artifact-files/{NS}/cron-workflows/{WF}/{NODE}/outputs/plain",
    ):
        resp = await api.get(path)
        assert resp.status == 400, (path, await resp.text())
        assert (await resp.json())["code"] == 3
    for path in (f"{LIVE}/tree/sub/../../../secret", f"{LIVE}/tree/%2E%2E/%2e%2e/x"):
        assert await raw_status(api, path) == 400, path
    resp = await api.get(f"/artifact-files/default/archived-workflows/{UID}/{NODE}/outputs/plain")
    assert resp.status == 404  # the uid is archived in another namespace
