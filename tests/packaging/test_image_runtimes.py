"""The image `make image` writes, run by the container runtimes a cluster would run it with.

podman: a pod on Kubernetes runs the executor from this image (`argoexec init` copies the
program into the shared `/var/run/argo` volume) and then runs that copy as the emissary in front
of the user's command, in the user's image, whatever it holds. Here the user's image is a root
with nothing but a static busybox, read-only, with no /tmp, run as a user that is not root: the
hardest case of "scratch". podman needs runc and these limits on these machines (see
../shared/reference/probes-on-these-machines.md, section 4).

containerd: the runtime inside k3s and k3d. The archive is imported as `k3s ctr images import`
does, must come in under the name a pod's image is looked up by, and runs.

The tests need dist/argoapp (`make binary`), podman and runc, containerd (as root), and a
static busybox (Debian's busybox-static). Without them they are skipped, unless
ARGOAPP_REQUIRE_IMAGE_SMOKE=1 (as CI sets after building the binary), when a missing part fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import argoapp
from scripts import oci_image

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "dist/argoapp"
BUSYBOX = Path("/bin/busybox")
TAG = "localhost/argoapp-smoke:test"
PODMAN_RUN = ["podman", "run", "--rm", "--runtime", "runc", "--network", "none"]
PODMAN_RUN += ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=1024:1024"]
TEMPLATE = {"name": "main", "container": {"image": "scratch-busybox", "command": ["sh"]}}


def _need(what: str, present: bool) -> None:
    if present:
        return
    if os.environ.get("ARGOAPP_REQUIRE_IMAGE_SMOKE") == "1":
        pytest.fail(f"the image smoke test needs {what}")
    pytest.skip(f"needs {what}")


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need("podman and runc", bool(shutil.which("podman") and shutil.which("runc")))
    _need("dist/argoapp (make binary)", BINARY.is_file())
    archive = tmp_path_factory.mktemp("image") / "argoapp-image.tar"
    assert oci_image.main(["--binary", str(BINARY), "--out", str(archive), "--tag", TAG]) == 0
    loaded = _podman("load", "-i", str(archive))
    assert loaded.returncode == 0, loaded.stderr
    yield TAG
    _podman("rmi", "-f", TAG)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PODMAN_RUN, *args], capture_output=True, text=True, timeout=120)


def test_the_image_runs_argoapp_version(image: str) -> None:
    done = _run(image, "version")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"argoapp: v{argoapp.__version__}"
    commit = next(line.split(":", 1)[1].strip() for line in lines if "GitCommit" in line)
    assert len(commit) == 40  # `make binary` baked the commit in


def test_argoexec_in_the_image_is_the_executor(image: str) -> None:
    # Argo's pods call the executor `argoexec`: the image's hard link runs `argoapp exec`
    done = _run("--entrypoint", "argoexec", image, "--help")
    assert done.returncode == 0, done.stderr
    assert "The executor inside workflow pods" in done.stdout
    assert {"init", "wait", "emissary"} <= set(done.stdout.split())


def test_a_step_in_a_scratch_image_runs_behind_the_executor_init_placed(
    image: str, tmp_path: Path
) -> None:
    _need(f"a static busybox at {BUSYBOX} (busybox-static)", BUSYBOX.is_file())
    var_run = tmp_path / "var-run-argo"  # the pod's emptyDir: world-writable, as kubelet makes it
    var_run.mkdir(mode=0o777)
    var_run.chmod(0o777)
    volume = ["-v", f"{var_run}:/var/run/argo"]
    # the init container, in the executor image
    init_env = ["-e", "ARGO_CONTAINER_NAME=init", "-e", f"ARGO_TEMPLATE={json.dumps(TEMPLATE)}"]
    done = _run(*volume, *init_env, "--entrypoint", "argoexec", image, "init")
    assert done.returncode == 0, done.stderr
    assert (var_run / "argoexec").is_file()
    # main, in the user's image: a static busybox and nothing else, read-only, no /tmp
    user_root = tmp_path / "user-image"
    (user_root / "bin").mkdir(parents=True)
    shutil.copy2(BUSYBOX, user_root / "bin/busybox")
    scratch = ["--read-only", "--read-only-tmpfs=false", "--user", "1000:1000", *volume]
    scratch += ["-e", "ARGO_CONTAINER_NAME=main", "--rootfs", str(user_root)]
    step = ["/var/run/argo/argoexec", "emissary", "--", "/bin/busybox", "sh", "-c", "env; exit 3"]
    # as the controller builds the pod: TMPDIR in var-run-argo, where the executor unpacks
    done = _run("-e", "TMPDIR=/var/run/argo", *scratch, *step)
    assert done.returncode == 3, done.stderr
    assert (var_run / "ctr/main/exitcode").read_text() == "3"
    seen = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert seen["ARGO_CONTAINER_NAME"] == "main"
    # the command has its container's environment, not the executor's
    executors = ("TMPDIR", "LD_LIBRARY_PATH", "_PYI", "STATICX")
    assert [k for k in seen if k.startswith(executors)] == []
    # why the controller sets TMPDIR: without it, there is nowhere to unpack
    done = _run(*scratch, *step)
    assert done.returncode != 0
    assert "temporary directory" in done.stderr


@pytest.fixture
def containerd(tmp_path: Path) -> Iterator[list[str]]:
    """A containerd of the test's own (root, state and socket under a temporary directory): the
    runtime inside k3s and k3d. Yields the `ctr` command line for Kubernetes' namespace."""
    _need("containerd and ctr", bool(shutil.which("containerd") and shutil.which("ctr")))
    _need("root (containerd)", os.geteuid() == 0)
    run_dir = Path(tempfile.mkdtemp(prefix="ctrd-", dir="/tmp"))  # a socket path must be short
    sock = run_dir / "sock"
    log = tmp_path / "containerd.log"
    with log.open("wb") as err:
        daemon = subprocess.Popen(
            ["containerd", "--root", str(tmp_path / "root"), "--state", str(run_dir / "state"),
             "--address", str(sock)],
            stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    ctr = ["ctr", "--address", str(sock), "-n", "k8s.io"]
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([*ctr, "version"], capture_output=True, check=False).returncode:
            assert daemon.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "containerd did not answer"
            time.sleep(0.2)
        yield ctr
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
        shutil.rmtree(run_dir, ignore_errors=True)


def test_containerd_imports_the_archive_as_k3s_does(containerd: list[str], tmp_path: Path) -> None:
    # `k3s ctr images import` / `k3d image import`: the image must come in under the name a
    # pod's `image: argoapp:VERSION` is looked up by, and run.
    _need("dist/argoapp (make binary)", BINARY.is_file())
    archive = tmp_path / "argoapp-image.tar"
    version = f"argoapp:{argoapp.__version__}"
    assert oci_image.main(["--binary", str(BINARY), "--out", str(archive), "--tag", version]) == 0
    done = subprocess.run([*containerd, "images", "import", str(archive)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    names = subprocess.run([*containerd, "images", "ls", "-q"], capture_output=True, text=True,
                           timeout=60, check=True).stdout.split()  # fmt: skip
    assert f"docker.io/library/{version}" in names
    done = subprocess.run(
        [*containerd, "run", "--rm", f"docker.io/library/{version}", "smoke", "argoapp", "version"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"argoapp: v{argoapp.__version__}\n")
