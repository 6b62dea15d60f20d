"""Each container writes into its own root: /tmp, / and new directories never reach the host."""

from __future__ import annotations

import asyncio
from pathlib import Path

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.objects import ObjectService

from .harness import finished, logs, pod, sh

# Each pod writes its files, then waits until the other has written too, then reads its own.
WRITE_WAIT_READ = """
echo {name} > /tmp/out.txt
echo {name} > /result.txt
mkdir -p /output /mnt/out && echo {name} > /output/x && echo {name} > /mnt/out/x
touch /barrier/{name}
while [ ! -e /barrier/a ] || [ ! -e /barrier/b ]; do sleep 0.05; done
cat /tmp/out.txt /result.txt /output/x /mnt/out/x
"""


async def test_parallel_pods_each_see_their_own_files(
    service: ObjectService, kubelet: Kubelet, tmp_path: Path
) -> None:
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    host_result = Path("/result.txt")
    existed = host_result.exists()
    for name in ("a", "b"):
        container = sh(
            "main", WRITE_WAIT_READ.format(name=name),
            volumeMounts=[{"name": "barrier", "mountPath": "/barrier"}],
        )  # fmt: skip
        volumes = [{"name": "barrier", "hostPath": {"path": str(barrier)}}]
        await service.create(r.PODS, "default", pod(f"writer-{name}", container, volumes=volumes))
    done = await asyncio.gather(*(finished(service, f"writer-{n}") for n in ("a", "b")))
    for name, p in zip(("a", "b"), done, strict=True):
        assert p["status"]["phase"] == "Succeeded", p["status"]
        assert await logs(kubelet, p) == f"{name}\n" * 4
    assert host_result.exists() == existed
    for host_file in (Path("/tmp/out.txt"), Path("/output/x"), Path("/mnt/out/x")):
        assert not host_file.exists() or host_file.read_text() not in ("a\n", "b\n")


async def test_containers_of_one_pod_have_separate_roots(
    service: ObjectService, kubelet: Kubelet
) -> None:
    first = sh("first", "echo first > /tmp/mine; sleep 0.5; cat /tmp/mine")
    second = sh("second", "echo second > /tmp/mine; sleep 0.5; cat /tmp/mine")
    await service.create(r.PODS, "default", pod("roots", first, second))
    done = await finished(service, "roots")
    assert await logs(kubelet, done, "first") == "first\n"
    assert await logs(kubelet, done, "second") == "second\n"


async def test_host_programs_and_etc_are_read_only(
    service: ObjectService, kubelet: Kubelet
) -> None:
    # /etc is the kubelet's shared view of the host's: no new files in it (see `sandbox`)
    script = "touch /usr/bin/nope 2>/dev/null && echo wrote || echo refused; "
    script += (
        "(echo x > /etc/new) 2>/dev/null && echo wrote || echo refused; head -c 5 /etc/passwd; echo"
    )
    await service.create(r.PODS, "default", pod("readonly", sh("main", script)))
    done = await finished(service, "readonly")
    assert (
        await logs(kubelet, done)
        == "refused\nrefused\n" + Path("/etc/passwd").read_text()[:5] + "\n"
    )
    assert not Path("/usr/bin/nope").exists()
    assert not Path("/etc/new").exists()


async def test_a_volume_under_etc_makes_etc_writable(
    service: ObjectService, kubelet: Kubelet
) -> None:
    # mount points under /etc need a writable /etc: the container gets one of its own
    script = "echo x > /etc/new; cat /etc/new; echo y > /etc/cache/y; head -c 5 /etc/passwd; echo"
    mounts = [{"name": "cache", "mountPath": "/etc/cache"}]
    volumes = [{"name": "cache", "emptyDir": {}}]
    container = sh("main", script, volumeMounts=mounts)
    await service.create(r.PODS, "default", pod("etcvolume", container, volumes=volumes))
    done = await finished(service, "etcvolume")
    assert await logs(kubelet, done) == "x\n" + Path("/etc/passwd").read_text()[:5] + "\n"
    assert not Path("/etc/new").exists()


async def test_sandbox_has_its_own_hostname_and_pids(
    service: ObjectService, kubelet: Kubelet
) -> None:
    script = "hostname; cat /etc/hostname; echo $HOSTNAME; ls /proc | grep -c '^[0-9]'"
    await service.create(r.PODS, "default", pod("named", sh("main", script), hostname="box"))
    done = await finished(service, "named")
    lines = (await logs(kubelet, done)).splitlines()
    assert lines[:3] == ["box", "box", "box"]
    assert int(lines[3]) < 10  # only the sandbox's own processes are visible


async def test_python_is_on_path(service: ObjectService, kubelet: Kubelet) -> None:
    script = "python -c 'print(6 * 7)'; python3 -c 'print(1)'; pwd"
    await service.create(r.PODS, "default", pod("py", sh("main", script, workingDir="/some/where")))
    done = await finished(service, "py")
    assert await logs(kubelet, done) == "42\n1\n/some/where\n"


async def test_python_falls_back_to_python3(service: ObjectService, kubelet: Kubelet) -> None:
    # /usr/bin has python3 but no python on this host; the pod's own bin dir comes last.
    container = sh("main", "command -v python; python -c 'print(7)'",
                   env=[{"name": "PATH", "value": "/usr/bin:/bin"}])  # fmt: skip
    await service.create(r.PODS, "default", pod("py3", container))
    done = await finished(service, "py3")
    found, seven = (await logs(kubelet, done)).splitlines()
    assert seven == "7"
    assert found == (
        "/usr/bin/python" if Path("/usr/bin/python").exists() else "/.localkube/bin/python"
    )
