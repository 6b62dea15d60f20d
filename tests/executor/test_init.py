"""`argoapp exec init` as a process: the executor, the template and the script in place."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from tests.executor.helpers import argoapp, exec_env, init

SCRIPT = {"name": "s", "script": {"image": "python", "command": ["sh"], "source": "echo hi\n"}}


def test_init_places_program_template_and_script(tmp_path: Path) -> None:
    init(tmp_path, SCRIPT)
    var = tmp_path / "var"
    template = var / "template"
    assert json.loads(template.read_text()) == SCRIPT
    assert stat.S_IMODE(template.stat().st_mode) == 0o444
    script = tmp_path / "staging" / "script"
    assert script.read_text() == "echo hi\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    program = var / "argoexec"
    assert program.stat().st_mode & stat.S_IXUSR
    out = subprocess.run([str(program), "kill", "0", "1"], capture_output=True, timeout=60)
    assert out.returncode in (0, 1)  # it runs: `argoexec kill` is this program


def test_init_again_replaces_the_template(tmp_path: Path) -> None:
    init(tmp_path, SCRIPT)
    init(tmp_path, {"name": "other", "container": {"image": "a"}})
    assert json.loads((tmp_path / "var" / "template").read_text())["name"] == "other"


def test_raw_input_artifact(tmp_path: Path) -> None:
    template = {
        "name": "r",
        "container": {"image": "a"},
        "inputs": {"artifacts": [{"name": "data", "path": "/in", "raw": {"data": "x\n"}}]},
    }
    init(tmp_path, template)
    assert (tmp_path / "inputs" / "data").read_text() == "x\n"


def test_key_only_artifact_without_a_repository_fails(tmp_path: Path) -> None:
    template = {
        "name": "r",
        "container": {"image": "a"},
        "inputs": {"artifacts": [{"name": "data", "path": "/in", "s3": {"key": "k"}}]},
    }
    done = argoapp("exec", "init", env=exec_env(tmp_path, template))
    assert done.returncode == 1
    message = (tmp_path / "termination-log").read_text()
    assert message.startswith("artifact data failed to load: ")
    assert "no artifact repository is configured" in message
    assert "Traceback" not in done.stderr
