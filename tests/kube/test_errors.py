"""The error tree and the kinds table: pure functions, no server needed."""

from __future__ import annotations

import pytest

from argoapp.errors import ArgoappError
from argoapp.kube import errors
from argoapp.kube.resources import KINDS, kind_of


@pytest.mark.parametrize(
    ("code", "reason", "cls"),
    [
        (400, "BadRequest", errors.BadRequest),
        (401, "Unauthorized", errors.Unauthorized),
        (403, "Forbidden", errors.Forbidden),
        (404, "NotFound", errors.NotFound),
        (409, "Conflict", errors.Conflict),
        (409, "AlreadyExists", errors.AlreadyExists),
        (410, "Expired", errors.Gone),
        (413, "RequestEntityTooLarge", errors.TooLarge),
        (422, "Invalid", errors.Invalid),
        (429, "TooManyRequests", errors.Unavailable),
        (500, "InternalError", errors.Unavailable),
        (503, "ServiceUnavailable", errors.Unavailable),
        (405, "MethodNotAllowed", errors.KubeError),
    ],
)
def test_from_status_picks_the_class(code: int, reason: str, cls: type[errors.KubeError]) -> None:
    body = {"kind": "Status", "status": "Failure", "message": "m", "reason": reason, "code": code}
    for form in (body, str(body).replace("'", '"'), str(body).replace("'", '"').encode()):
        err = errors.from_status(code, form)
        assert type(err) is cls
        assert (err.status, err.reason, err.message) == (code, reason, "m")
        assert isinstance(err, ArgoappError)


def test_from_status_without_a_status_body() -> None:
    err = errors.from_status(502, b"<html>bad gateway</html>")
    assert isinstance(err, errors.Unavailable)
    assert err.status == 502
    assert "502" in err.message and "bad gateway" in err.message
    assert errors.NotFound("x").reason == "NotFound"


def test_kind_paths() -> None:
    assert KINDS["Pod"].path("ns", "p", "log") == "/api/v1/namespaces/ns/pods/p/log"
    assert KINDS["Pod"].path() == "/api/v1/pods"
    wf = KINDS["Workflow"]
    assert wf.api_version == "argoproj.io/v1alpha1"
    assert wf.path("argo", "w") == "/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/w"
    cwft = kind_of("ClusterWorkflowTemplate")
    assert cwft.path("ignored", "t") == "/apis/argoproj.io/v1alpha1/clusterworkflowtemplates/t"
    with pytest.raises(errors.KubeError, match="unknown kind 'Nope'"):
        kind_of("Nope")
