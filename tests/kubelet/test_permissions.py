"""A pod's files on the host are this user's alone: the token above all, and every pod area."""

from __future__ import annotations

import stat
from pathlib import Path

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.kubelet.config import PodPaths, api_access_dir
from argoapp.localkube.objects import ObjectService

from .harness import finished, logs, pod, sh, status_of, wait_for

SA = "/var/run/secrets/kubernetes.io/serviceaccount"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_token_and_pod_areas_are_private_and_still_usable(
    service: ObjectService, kubelet: Kubelet, data_dir: Path
) -> None:
    mounts = [{"name": "claim", "mountPath": "/claim"}, {"name": "scratch", "mountPath": "/s"}]
    volumes = [
        {"name": "claim", "persistentVolumeClaim": {"claimName": "keep"}},
        {"name": "scratch", "emptyDir": {}},
    ]
    script = (
        f"cat {SA}/token; echo; cat {SA}/namespace; echo; "
        "echo kept > /claim/f && cat /claim/f; echo tmp > /s/f && cat /s/f"
    )
    manifest = pod("private", sh("main", script, volumeMounts=mounts), volumes=volumes)
    created = await service.create(r.PODS, "default", manifest)
    done = await finished(service, "private")
    assert done["status"]["phase"] == "Succeeded"
    token, *rest = (await logs(kubelet, done)).split()
    assert token.count(".") == 2 and rest == ["default", "kept", "tmp"]

    paths = PodPaths(data_dir, created["metadata"]["uid"])
    access = api_access_dir(data_dir, "default", "default")
    for directory in (
        data_dir / "pods", paths.base, access, access.parent, data_dir / "api-access",
        data_dir / "pvcs", data_dir / "pvcs" / "default", data_dir / "pvcs" / "default" / "keep",
    ):  # fmt: skip
        assert mode(directory) == 0o700, directory
    for name in ("token", "namespace", "ca.crt"):
        assert mode(access / name) == 0o600, name


async def test_claim_name_cannot_leave_the_claims_directory(
    service: ObjectService, kubelet: Kubelet, data_dir: Path
) -> None:
    volumes = [{"name": "claim", "persistentVolumeClaim": {"claimName": "../../escape"}}]
    container = sh("main", "true", volumeMounts=[{"name": "claim", "mountPath": "/c"}])
    await service.create(r.PODS, "default", pod("escape", container, volumes=volumes))

    def refused(p: dict) -> bool:
        statuses = (p.get("status") or {}).get("containerStatuses") or []
        waiting = statuses[0]["state"].get("waiting") if statuses else None
        return bool(waiting and "claimName" in waiting.get("message", ""))

    p = await wait_for(service, "escape", refused)
    assert status_of(p, "main")["state"]["waiting"]["reason"] == "ContainerCreating"
    assert not (data_dir / "escape").exists()
