"""Local mode's API identity: the token file, its ServiceAccount and rights, made idempotently
and repaired at each start."""

from __future__ import annotations

import stat
from pathlib import Path

from argoapp.localkube import api_user, rbac
from argoapp.localkube import resources as r
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.rbac import Attributes


async def test_the_token_is_made_once_and_may_use_argo_everywhere(
    service: ObjectService, tmp_path: Path
) -> None:
    authorizer = rbac.Authorizer(service, "admin")
    token = await api_user.ensure_api_user(service, tmp_path)
    path = tmp_path / "token"
    assert path.read_text() == token + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert await api_user.ensure_api_user(service, tmp_path) == token  # a restart: same token

    subject = await authorizer.authenticate(token)
    assert subject is not None
    assert subject.user == "system:serviceaccount:argoapp-system:argoapp-user"
    for a in (
        Attributes("create", "argoproj.io", "workflows", "", "default"),
        Attributes("delete", "argoproj.io", "cronworkflows", "", "argo", "c"),
        Attributes("get", "", "pods", "log", "argo", "p"),
        Attributes("list", "", "namespaces"),
        Attributes("delete", "", "pods", "", "argo", "p"),  # retry does, as Argo's server
    ):
        assert authorizer.allowed(token, subject, a), a
    assert not authorizer.allowed(token, subject, Attributes("create", "", "pods", "", "argo"))
    assert not authorizer.allowed(
        token, subject, Attributes("delete", "", "secrets", "", "argo", "s")
    )
    assert not authorizer.allowed(
        token, subject, Attributes("create", "rbac.authorization.k8s.io", "clusterroles")
    )


async def test_a_new_token_file_and_removed_objects_are_repaired(
    service: ObjectService, tmp_path: Path
) -> None:
    authorizer = rbac.Authorizer(service, "admin")
    old = await api_user.ensure_api_user(service, tmp_path)
    (tmp_path / "token").unlink()
    await service.delete(r.CLUSTERROLEBINDINGS, None, api_user.NAME)
    new = await api_user.ensure_api_user(service, tmp_path)
    assert new != old
    assert await authorizer.authenticate(old) is None
    subject = await authorizer.authenticate(new)
    assert subject is not None
    assert authorizer.allowed(
        new, subject, Attributes("list", "argoproj.io", "workflows", "", "argo")
    )
