"""`argoapp exec emissary` as a process: exit codes, captured output, signals, containerSets."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from argoapp.executor.env import command_environ
from tests.executor.helpers import argoapp, init, start

TEMPLATE = {
    "name": "t",
    "container": {"image": "alpine", "command": ["sh"]},
    "outputs": {
        "parameters": [{"name": "p", "valueFrom": {"path": "/tmp/PLACEHOLDER"}}],
    },
}


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_exit_code_is_written_and_returned(tmp_path: Path) -> None:
    env = init(tmp_path, TEMPLATE)
    done = argoapp("exec", "emissary", "--", "sh", "-c", "echo out; echo err >&2; exit 3", env=env)
    assert done.returncode == 3
    assert done.stdout == "out\n" and done.stderr == "err\n"
    assert (tmp_path / "var/ctr/main/exitcode").read_text() == "3"
    assert not (tmp_path / "var/ctr/main/stdout").exists()  # nothing asked for the result


def test_output_is_teed_when_the_result_is_wanted(tmp_path: Path) -> None:
    env = init(tmp_path, TEMPLATE, ARGO_INCLUDE_SCRIPT_OUTPUT="true")
    done = argoapp("exec", "emissary", "--", "sh", "-c", "echo out; echo err >&2", env=env)
    assert done.returncode == 0 and done.stdout == "out\n" and done.stderr == "err\n"
    ctr = tmp_path / "var/ctr/main"
    assert (ctr / "stdout").read_text() == "out\n"
    assert sorted((ctr / "combined").read_text().split()) == ["err", "out"]


def test_output_parameter_files_are_copied_out(tmp_path: Path) -> None:
    out = tmp_path / "work" / "p.txt"
    template = {
        **TEMPLATE,
        "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": str(out)}}]},
    }
    env = init(tmp_path, template)
    script = f"mkdir -p {out.parent}; echo value > {out}"
    assert argoapp("exec", "emissary", "--", "sh", "-c", script, env=env).returncode == 0
    copied = tmp_path / "var/outputs/parameters" / str(out).lstrip("/")
    assert copied.read_text() == "value\n"


def test_missing_command_is_emissary_failure(tmp_path: Path) -> None:
    env = init(tmp_path, TEMPLATE)
    done = argoapp("exec", "emissary", "--", "no-such-program-x", env=env)
    assert done.returncode == 64
    assert "executable file not found" in done.stderr
    assert (tmp_path / "var/ctr/main/exitcode").read_text() == "64"


def test_signal_file_stops_the_child(tmp_path: Path) -> None:
    env = init(tmp_path, TEMPLATE)
    proc = start("exec", "emissary", "--", "sleep", "60", env=env)
    ctr = tmp_path / "var/ctr/main"
    _wait_for(ctr)
    time.sleep(0.3)  # let the child start
    (ctr / "signal").write_text("15")
    assert proc.wait(timeout=30) == 137  # Argo reports a signalled child as 137
    assert (ctr / "exitcode").read_text() == "137"
    assert not (ctr / "signal").exists()
    proc.communicate()


def test_signals_are_forwarded(tmp_path: Path) -> None:
    env = init(tmp_path, TEMPLATE)
    script = "trap 'echo got-term; exit 7' TERM; while true; do sleep 0.1; done"
    proc = start("exec", "emissary", "--", "sh", "-c", script, env=env)
    _wait_for(tmp_path / "var/ctr/main")
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 7 and "got-term" in out


def test_sidecar_ends_when_main_is_done(tmp_path: Path) -> None:
    env = init(tmp_path, TEMPLATE, ARGO_CONTAINER_NAME="db")
    proc = start("exec", "emissary", "--", "sleep", "60", env=env)
    _wait_for(tmp_path / "var/ctr/db")
    main = tmp_path / "var/ctr/main"
    main.mkdir(parents=True, exist_ok=True)
    (main / "exitcode").write_text("0")
    assert proc.wait(timeout=30) == 137
    proc.communicate()


def test_container_set_waits_for_dependencies(tmp_path: Path) -> None:
    template = {
        "name": "cs",
        "containerSet": {
            "containers": [
                {"name": "a", "image": "x", "command": ["true"]},
                {"name": "b", "image": "x", "command": ["true"], "dependencies": ["a"]},
            ]
        },
    }
    env = init(tmp_path, template)
    b = start("exec", "emissary", "--", "true", env={**env, "ARGO_CONTAINER_NAME": "b"})
    time.sleep(0.5)
    assert b.poll() is None  # still waiting for a
    a = argoapp(
        "exec", "emissary", "--", "sh", "-c", "exit 2", env={**env, "ARGO_CONTAINER_NAME": "a"}
    )
    assert a.returncode == 2
    assert b.wait(timeout=30) == 64  # its dependency failed
    _, err = b.communicate()
    assert "dependency 'a' exited with code 2" in err


def test_the_command_gets_the_containers_environment_not_the_executors(tmp_path: Path) -> None:
    # TMPDIR=/var/run/argo is the controller's for the one-file executor; _PYI_*/STATICX_* are
    # what its boot loaders tell it. None of it is the wrapped command's.
    env = init(tmp_path, TEMPLATE)
    env |= {
        "TMPDIR": "/var/run/argo",
        "_PYI_APPLICATION_HOME_DIR": "/x",
        "STATICX_BUNDLE_DIR": "/y",
    }
    show = 'echo "${TMPDIR-unset} ${_PYI_APPLICATION_HOME_DIR-unset} ${STATICX_BUNDLE_DIR-unset}"'
    done = argoapp("exec", "emissary", "--", "sh", "-c", show, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "unset unset unset\n"
    env["TMPDIR"] = str(tmp_path)  # one the container set itself stays
    done = argoapp("exec", "emissary", "--", "sh", "-c", "echo $TMPDIR", env=env)
    assert done.stdout == f"{tmp_path}\n"


def test_a_frozen_executor_gives_back_the_library_path() -> None:
    # PyInstaller's boot loader points LD_LIBRARY_PATH at the libraries it unpacked and keeps
    # the container's own in LD_LIBRARY_PATH_ORIG.
    unpacked = {"LD_LIBRARY_PATH": "/tmp/_MEI1:/opt/lib", "LD_LIBRARY_PATH_ORIG": "/opt/lib"}
    assert command_environ(unpacked, frozen=True) == {"LD_LIBRARY_PATH": "/opt/lib"}
    assert command_environ({"LD_LIBRARY_PATH": "/tmp/_MEI1", "A": "1"}, frozen=True) == {"A": "1"}
    # run from source, the library path is the container's own
    assert command_environ({"LD_LIBRARY_PATH": "/opt/lib"}, frozen=False) == {
        "LD_LIBRARY_PATH": "/opt/lib"
    }
