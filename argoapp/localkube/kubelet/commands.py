"""What a container runs: Docker's entrypoint/cmd rules over configured images, and `$(VAR)`.

Called by the pod worker when it prepares a container; pure functions, no I/O.

Images are never pulled, so an image's ENTRYPOINT and CMD come from the controller config's
`images` map (Argo's own setting for the emissary), looked up by the exact image and then by the
image without its tag or digest. Docker's rules then apply: `command` replaces the entrypoint
and, when set, drops the image's cmd; `args` replace the cmd. An image not in the map is taken
to have no entrypoint, so `args` alone run as the command.

The executor image (any tag) has the entrypoint `argoexec`, and an `argoexec` program in any
container (`argoexec init`, `/var/run/argo/argoexec emissary -- ...`) is this same argoapp
program: `argoapp exec ...`. That is how Argo's pods run on the host with no image. A container
named `argoapp ...` runs argoapp directly.

`expand` is Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): `$$` is a
literal `$`, and an unknown `$(VAR)` stays as written.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import sys
from collections.abc import Callable, Mapping
from typing import Any

EXECUTOR_PROGRAM = "argoexec"
ARGOAPP_PROGRAM = "argoapp"
RUN_ERROR = "RunContainerError"  # the reason that fails the pod: retrying cannot help


class CommandError(Exception):
    """The container cannot be run as specified; `reason` is the container's waiting reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def argoapp_argv() -> list[str]:
    """How to start this same argoapp program."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "argoapp"]


def repository(image: str) -> str:
    """The image without its tag or digest: `quay.io/argoproj/argoexec:v3.5` -> `...argoexec`."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def is_executor_image(image: str, executor_image: str) -> bool:
    return repository(image) == repository(executor_image)


def image_config(
    image: str, images: Mapping[str, Mapping[str, Any]], executor_image: str
) -> tuple[list[str], list[str]] | None:
    """The image's (entrypoint, cmd), or None when nothing is known of it."""
    if is_executor_image(image, executor_image):
        return [EXECUTOR_PROGRAM], []
    found = images.get(image)
    if found is None:
        found = images.get(repository(image))
    if found is None:
        return None
    return _strings(found.get("entrypoint")), _strings(found.get("cmd"))


def resolve(
    container: Mapping[str, Any],
    images: Mapping[str, Mapping[str, Any]],
    executor_image: str,
    env: Mapping[str, str],
) -> list[str]:
    """The argv a container runs (after `$(VAR)` expansion), or `CommandError`."""
    image = str(container.get("image") or "")
    command = _strings(container.get("command"))
    args = _strings(container.get("args"))
    has_args = container.get("args") is not None
    known = image_config(image, images, executor_image)
    if command:
        argv = command + args
    elif known is not None:
        entrypoint, cmd = known
        argv = entrypoint + (args if has_args else cmd)
    else:
        # Nothing is known of the image: take it as one with no ENTRYPOINT (busybox, alpine,
        # python, debian, …), so its args alone are the command, as Docker would run them.
        argv = args
    if not argv or not argv[0]:
        raise CommandError(
            RUN_ERROR,
            f"image {image!r} has no command: set the container's command, or configure the "
            f"image's entrypoint and cmd in the controller config's `images`",
        )
    mapping = _mapping(env)
    argv = [expand(arg, mapping) for arg in argv]
    return host_program(as_argoapp(argv), env.get("PATH", ""))


def host_program(argv: list[str], path: str) -> list[str]:
    """Images are not pulled: a program named by an absolute path the host does not have
    (Argo's images run `/argosay`, say) runs the program of that name found on PATH, if any.
    A path the host has, and everything this argoapp program runs, are left as they are."""
    program = argv[0] if argv else ""
    if not program.startswith("/") or runs_argoapp(argv) or os.path.lexists(program):
        return argv
    found = shutil.which(posixpath.basename(program), path=path or None)
    return [found, *argv[1:]] if found else argv


def as_argoapp(argv: list[str]) -> list[str]:
    """`argoexec ...` and `argoapp ...` as this argoapp program; any other argv unchanged."""
    program = posixpath.basename(argv[0])
    if program == EXECUTOR_PROGRAM:
        return [*argoapp_argv(), "exec", *argv[1:]]
    if program == ARGOAPP_PROGRAM:
        return [*argoapp_argv(), *argv[1:]]
    return argv


def runs_argoapp(argv: list[str]) -> bool:
    """Whether `resolve` turned the container into this argoapp program."""
    prefix = argoapp_argv()
    return argv[: len(prefix)] == prefix


def _strings(value: Any) -> list[str]:
    if not value:
        return []
    return [str(v) for v in value]


def _mapping(env: Mapping[str, str]) -> Callable[[str], str]:
    return lambda name: env.get(name, f"$({name})")


def expand(text: str, mapping: Callable[[str], str]) -> str:
    """Kubernetes' `$(VAR)` expansion of `text`."""
    out: list[str] = []
    checkpoint = 0
    cursor = text.find("$")  # from one `$` to the next: no walk over every character
    while 0 <= cursor < len(text) - 1:
        out.append(text[checkpoint:cursor])
        read, is_var, advance = _read_variable(text[cursor + 1 :])
        out.append(mapping(read) if is_var else read)
        checkpoint = cursor + advance + 1
        cursor = text.find("$", checkpoint)
    return "".join(out) + text[checkpoint:] if out else text


def _read_variable(rest: str) -> tuple[str, bool, int]:
    if rest[0] == "$":
        return "$", False, 1
    if rest[0] == "(":
        close = rest.find(")", 1)
        if close >= 0:
            return rest[1:close], True, close + 1
        return "$(", False, 1
    return "$" + rest[0], False, 1
