"""Write argoapp's container image as an OCI image layout tar (`make image`), without Docker.

`make image` runs `python -m scripts.oci_image` after `make binary`; tests/packaging builds
images from a stand-in executable. The archive (`oci-layout`, `index.json`, `blobs/sha256/…`)
loads with `podman load`, `ctr images import` (k3s, k3d) and `skopeo copy oci-archive:…`, named
by the tag as a cluster's runtime qualifies it (`argoapp:0.1.0` is
`docker.io/library/argoapp:0.1.0`, what a pod's `image: argoapp:0.1.0` is looked up as). Its one
gzip'd layer holds only:

- `/usr/local/bin/argoapp`, the static one-file binary (the install Deployment runs
  `command: ["argoapp"]`, so it is on the image's PATH);
- `/usr/local/bin/argoexec`, a hard link to it: the engine's executor containers run
  `argoexec init|wait|resource|data` (argoapp/engine/pods.py). A hard link, not a symlink,
  because staticx replaces argv[0] and names the program by /proc/self/exe's realpath
  (STATICX_PROG_PATH): only a hard link keeps the name `argoexec` visible to the program;
- an empty `/tmp` (mode 1777), where the one-file binary unpacks itself.

The output is reproducible: fixed mtimes (SOURCE_DATE_EPOCH, else 0), uid/gid 0, sorted
entries, gzip without a timestamp. It must stay stdlib-only and must not import argoapp
(it packages the frozen binary, not this checkout), apart from reading the version string.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import re
import sys
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MT_LAYOUT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"
# The name `ctr images import` (k3s, k3d) gives the image; without it ctr drops a ref name that
# is a whole reference. The CRI looks images up by the fully qualified name.
CONTAINERD_NAME = "io.containerd.image.name"

BIN_DIR = "usr/local/bin"
PROGRAM = "argoapp"
EXECUTOR_ALIAS = "argoexec"
ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class Blob:
    """A content-addressed blob of the layout."""

    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.data).hexdigest()

    def descriptor(self) -> dict[str, object]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data)}


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _tarinfo(name: str, kind: bytes, mode: int, mtime: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.size = size
    return info


def build_layer(binary: bytes, mtime: int) -> bytes:
    """The uncompressed layer tar: the binary, its argoexec hard link, the dirs and /tmp."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        entries: list[tuple[str, bytes, int]] = [
            ("tmp/", tarfile.DIRTYPE, 0o1777),
            ("usr/", tarfile.DIRTYPE, 0o755),
            ("usr/local/", tarfile.DIRTYPE, 0o755),
            (f"{BIN_DIR}/", tarfile.DIRTYPE, 0o755),
            (f"{BIN_DIR}/{PROGRAM}", tarfile.REGTYPE, 0o755),
            (f"{BIN_DIR}/{EXECUTOR_ALIAS}", tarfile.LNKTYPE, 0o755),
        ]
        for name, kind, mode in sorted(entries):
            if kind == tarfile.REGTYPE:
                tar.addfile(_tarinfo(name, kind, mode, mtime, len(binary)), io.BytesIO(binary))
            else:
                info = _tarinfo(name, kind, mode, mtime)
                if kind == tarfile.LNKTYPE:
                    info.linkname = f"{BIN_DIR}/{PROGRAM}"
                tar.addfile(info)
    return buf.getvalue()


def image_config(diff_id: str, version: str, created: str, arch: str) -> dict[str, object]:
    """The OCI image config: argoapp on PATH, `argoapp --help` unless a command is given."""
    return {
        "created": created,
        "architecture": arch,
        "os": "linux",
        "config": {
            "Env": [f"PATH=/{BIN_DIR}"],
            "Entrypoint": [PROGRAM],
            "Cmd": ["--help"],
            "WorkingDir": "/",
            "Labels": {"org.opencontainers.image.version": version},
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "created_by": "scripts/oci_image.py"}],
    }


def build_blobs(binary: bytes, tag: str, version: str, mtime: int, arch: str) -> list[Blob]:
    """Layer, config and manifest blobs, then index.json's bytes last (not a blob)."""
    layer_tar = build_layer(binary, mtime)
    layer = Blob(MT_LAYER_GZIP, gzip.compress(layer_tar, compresslevel=9, mtime=0))
    diff_id = "sha256:" + hashlib.sha256(layer_tar).hexdigest()
    created = datetime.fromtimestamp(mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = Blob(MT_CONFIG, _canonical(image_config(diff_id, version, created, arch)))
    manifest = Blob(
        MT_MANIFEST,
        _canonical(
            {
                "schemaVersion": 2,
                "mediaType": MT_MANIFEST,
                "config": config.descriptor(),
                "layers": [layer.descriptor()],
            }
        ),
    )
    index = {
        "schemaVersion": 2,
        "mediaType": MT_LAYOUT_INDEX,
        "manifests": [
            {**manifest.descriptor(), "annotations": {REF_NAME: tag, CONTAINERD_NAME: tag}}
        ],
    }
    return [layer, config, manifest, Blob(MT_LAYOUT_INDEX, _canonical(index))]


def qualified(name: str) -> str:
    """`name` as Kubernetes' container runtimes look it up: `argoapp:1` is
    `docker.io/library/argoapp:1`, `me/argoapp:1` is `docker.io/me/argoapp:1`; a name whose
    first part is a registry (a dot, a port or `localhost`) stays as it is."""
    first, slash, _ = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return name
    return f"docker.io/{name}" if slash else f"docker.io/library/{name}"


def write_archive(out: Path, binary: bytes, tag: str, version: str, mtime: int, arch: str) -> None:
    """The OCI image layout as one tar at `out` (written beside it, then renamed)."""
    *blobs, index = build_blobs(binary, tag, version, mtime, arch)
    files = {
        "oci-layout": _canonical({"imageLayoutVersion": "1.0.0"}),
        "index.json": index.data,
        **{f"blobs/sha256/{b.digest.removeprefix('sha256:')}": b.data for b in blobs},
    }
    dirs = ["blobs/", "blobs/sha256/"]
    tmp = out.with_name(out.name + ".tmp")
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in dirs:
            tar.addfile(_tarinfo(name, tarfile.DIRTYPE, 0o755, mtime))
        for name in sorted(files):
            data = files[name]
            tar.addfile(_tarinfo(name, tarfile.REGTYPE, 0o644, mtime, len(data)), io.BytesIO(data))
    os.replace(tmp, out)


def _version() -> str:
    text = (Path(__file__).resolve().parent.parent / "argoapp" / "__init__.py").read_text()
    found = re.search(r'__version__ = "([^"]+)"', text)
    return found.group(1) if found else "0.0.0"


def main(argv: list[str] | None = None) -> int:
    """`python -m scripts.oci_image [--binary dist/argoapp] [--out …] [--tag …]`."""
    version = _version()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", type=Path, default=Path("dist/argoapp"))
    parser.add_argument("--out", type=Path, default=Path("dist/argoapp-image.tar"))
    parser.add_argument("--tag", default=f"argoapp:{version}", help="qualified as docker does")
    parser.add_argument("--arch", default=ARCHES.get(platform.machine(), platform.machine()))
    args = parser.parse_args(argv)
    try:
        binary = args.binary.read_bytes()
    except OSError as err:
        print(f"oci_image: cannot read the binary: {err}", file=sys.stderr)
        return 1
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tag = qualified(args.tag)
    write_archive(args.out, binary, tag, version, mtime, args.arch)
    print(f"{args.out}: {tag}, {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
