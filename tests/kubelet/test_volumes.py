"""Volumes appear at their mountPath, with subPath and readOnly honoured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.kubelet.commands import CommandError
from argoapp.localkube.kubelet.volumes import Volume, container_mounts
from argoapp.localkube.objects import ObjectService

from .harness import finished, logs, pod, sh, status_of, wait_for


async def test_empty_dir_is_shared_by_the_pods_containers(
    service: ObjectService, kubelet: Kubelet
) -> None:
    mount = [{"name": "scratch", "mountPath": "/scratch"}]
    writer = sh("writer", "echo shared > /scratch/file", volumeMounts=mount)
    reader = sh(
        "reader", "while [ ! -s /scratch/file ]; do sleep 0.05; done; cat /scratch/file",
        volumeMounts=mount,
    )  # fmt: skip
    manifest = pod("shared", writer, reader, volumes=[{"name": "scratch", "emptyDir": {}}])
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "shared")
    assert done["status"]["phase"] == "Succeeded"
    assert await logs(kubelet, done, "reader") == "shared\n"


async def test_sub_path_and_read_only(service: ObjectService, kubelet: Kubelet) -> None:
    mounts = [
        {"name": "data", "mountPath": "/in", "subPath": "inputs", "readOnly": True},
        {"name": "data", "mountPath": "/out", "subPath": "outputs"},
    ]
    script = (
        "ls /in; (echo x > /in/new) 2>/dev/null && echo wrote || echo refused; "
        "echo result > /out/r.txt; ls /out"
    )
    await service.create(
        r.PODS, "default",
        pod("sub", sh("main", script, volumeMounts=mounts),
            volumes=[{"name": "data", "emptyDir": {}}]),
    )  # fmt: skip
    done = await finished(service, "sub")
    assert await logs(kubelet, done) == "refused\nr.txt\n"


async def test_config_map_and_secret_files(service: ObjectService, kubelet: Kubelet) -> None:
    await service.create(
        r.CONFIGMAPS, "default",
        {"metadata": {"name": "settings"}, "data": {"a.conf": "alpha", "b.conf": "beta"}},
    )  # fmt: skip
    await service.create(
        r.SECRETS, "default",
        {"metadata": {"name": "creds"}, "stringData": {"password": "hunter2"}},
    )  # fmt: skip
    volumes = [
        {"name": "all", "configMap": {"name": "settings"}},
        {"name": "some", "configMap": {"name": "settings", "defaultMode": 0o600,
                                       "items": [{"key": "b.conf", "path": "sub/b"}]}},
        {"name": "secret", "secret": {"secretName": "creds"}},
        {"name": "missing", "configMap": {"name": "nope", "optional": True}},
    ]  # fmt: skip
    mounts = [
        {"name": "all", "mountPath": "/etc/app"},
        {"name": "some", "mountPath": "/config"},
        {"name": "secret", "mountPath": "/secret"},
        {"name": "missing", "mountPath": "/missing"},
        {"name": "all", "mountPath": "/single.conf", "subPath": "a.conf"},
    ]
    script = (
        "cat /etc/app/a.conf; echo; cat /config/sub/b; echo; stat -c %a /config/sub/b; "
        "cat /secret/password; echo; ls /missing | wc -l; cat /single.conf; echo; "
        "(echo x > /etc/app/a.conf) 2>/dev/null || echo read-only"
    )
    manifest = pod("files", sh("main", script, volumeMounts=mounts), volumes=volumes)
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "files")
    assert (await logs(kubelet, done)).split() == [
        "alpha", "beta", "600", "hunter2", "0", "alpha", "read-only",
    ]  # fmt: skip


async def test_missing_config_map_keeps_the_pod_pending(
    service: ObjectService, kubelet: Kubelet
) -> None:
    volumes = [{"name": "cfg", "configMap": {"name": "later"}}]
    container = sh("main", "cat /cfg/k", volumeMounts=[{"name": "cfg", "mountPath": "/cfg"}])
    await service.create(r.PODS, "default", pod("waits", container, volumes=volumes))

    def waiting_on_mount(p: dict) -> bool:
        statuses = (p.get("status") or {}).get("containerStatuses") or []
        waiting = statuses[0]["state"].get("waiting") if statuses else None
        return bool(waiting and "not found" in waiting.get("message", ""))

    waiting = await wait_for(service, "waits", waiting_on_mount)
    assert waiting["status"]["phase"] == "Pending"
    await service.create(
        r.CONFIGMAPS, "default", {"metadata": {"name": "later"}, "data": {"k": "now"}}
    )
    done = await finished(service, "waits")
    assert done["status"]["phase"] == "Succeeded"
    assert await logs(kubelet, done) == "now\n"  # as CRI logs end a last partial line


async def test_host_path_is_bound(service: ObjectService, kubelet: Kubelet, tmp_path: Path) -> None:
    target = tmp_path / "made"
    volumes = [{"name": "h", "hostPath": {"path": str(target), "type": "DirectoryOrCreate"}}]
    container = sh("main", "echo from-pod > /h/f", volumeMounts=[{"name": "h", "mountPath": "/h"}])
    await service.create(r.PODS, "default", pod("hostpath", container, volumes=volumes))
    await finished(service, "hostpath")
    assert (target / "f").read_text() == "from-pod\n"


async def test_a_host_path_never_shows_localkubes_data_dir(
    service: ObjectService, kubelet: Kubelet, tmp_path: Path, data_dir: Path
) -> None:
    # The data dir holds the admin credentials: a hostPath above it shows it empty; one
    # inside it is refused.
    (tmp_path / "mine.txt").write_text("mine\n")
    above = [{"name": "h", "hostPath": {"path": str(tmp_path)}}]
    script = f"cat /h/mine.txt; ls -A /h/{data_dir.name} | wc -l; cat /h/{data_dir.name}/* || true"
    container = sh("main", script, volumeMounts=[{"name": "h", "mountPath": "/h"}])
    await service.create(r.PODS, "default", pod("above", container, volumes=above))
    done = await finished(service, "above")
    assert done["status"]["phase"] == "Succeeded"
    assert (await logs(kubelet, done)).splitlines()[:2] == ["mine", "0"]
    assert any(data_dir.iterdir())  # while the host's own data dir is not empty

    inside = [{"name": "h", "hostPath": {"path": str(data_dir / "pods")}}]
    container = sh("main", "true", volumeMounts=[{"name": "h", "mountPath": "/h"}])
    await service.create(r.PODS, "default", pod("inside", container, volumes=inside))

    def refused(p: dict) -> bool:
        statuses = (p.get("status") or {}).get("containerStatuses") or []
        message = statuses[0]["state"].get("waiting", {}).get("message", "") if statuses else ""
        return "inside localkube's data dir" in message

    await wait_for(service, "inside", refused)


async def test_unsupported_volume_type_is_reported(
    service: ObjectService, kubelet: Kubelet
) -> None:
    volumes = [{"name": "n", "nfs": {"server": "x", "path": "/"}}]
    container = sh("main", "true", volumeMounts=[{"name": "n", "mountPath": "/n"}])
    await service.create(r.PODS, "default", pod("nfs", container, volumes=volumes))

    def reported(p: dict) -> bool:
        statuses = (p.get("status") or {}).get("containerStatuses") or []
        return bool(statuses) and "nfs" in statuses[0]["state"].get("waiting", {}).get(
            "message", ""
        )

    p = await wait_for(service, "nfs", reported)
    assert status_of(p, "main")["state"]["waiting"]["reason"] == "ContainerCreating"


def test_a_sub_path_through_a_link_in_the_volume_is_followed_and_kept_inside(
    tmp_path: Path,
) -> None:
    """A subPath is resolved as the kernel would bind it: plain directories as they are, a
    link a pod left in its volume followed, and refused when it leads out of the volume."""
    source = tmp_path / "volume"
    (source / "real" / "deeper").mkdir(parents=True)
    (source / "inside").symlink_to(source / "real")
    (source / "outside").symlink_to(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    volumes = {"v": Volume(source), ".kube-api-access": Volume(tmp_path / "api", True)}

    def mounted(sub: str) -> Path:
        container = {"volumeMounts": [{"name": "v", "mountPath": "/m", "subPath": sub}]}
        pod_spec: dict[str, Any] = {"spec": {"automountServiceAccountToken": False}}
        return container_mounts(pod_spec, container, volumes, {})[0].source

    real = source.resolve()
    assert mounted("real/deeper") == real / "real" / "deeper"
    assert mounted("inside/deeper") == real / "real" / "deeper"
    assert mounted("fresh/dir") == real / "fresh" / "dir" and (source / "fresh" / "dir").is_dir()
    assert mounted("outside/volume/real") == real / "real"  # out and back in: inside
    for escaping in ("outside", "outside/elsewhere"):
        with pytest.raises(CommandError, match="points outside the volume"):
            mounted(escaping)
