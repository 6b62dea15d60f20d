"""The shim alone: CRI log lines, exit records, signals, start errors, and its own identity."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from argoapp.localkube.kubelet import procs
from argoapp.localkube.kubelet.shim import shim_argv

from .harness import until

CRI_LINE = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) (F|P) ")


def spec(state: Path, argv: list[str]) -> None:
    state.mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    (state / "spec.json").write_text(json.dumps({"sandboxed": False, "argv": argv, "env": env,
                                                 "cwd": str(state)}))  # fmt: skip


def run_shim(state: Path) -> dict:
    subprocess.run([*shim_argv(), str(state)], check=True, timeout=30)
    return json.loads((state / "exit.json").read_text())


def test_log_lines_and_exit_code(tmp_path: Path) -> None:
    long = "y" * 20000
    spec(tmp_path, ["sh", "-c", f"echo out; echo err >&2; printf '{long}'; exit 4"])
    record = run_shim(tmp_path)
    assert record["exitCode"] == 4 and record["finishedAt"].endswith("Z")
    lines = (tmp_path / "container.log").read_bytes().splitlines()
    assert all(CRI_LINE.match(line) for line in lines)
    parsed = [line.split(b" ", 3)[1:] for line in lines]
    assert [b"stdout", b"F", b"out"] in parsed and [b"stderr", b"F", b"err"] in parsed
    tail = [p for p in parsed if p[2].startswith(b"y")]
    assert [p[1] for p in tail] == [b"P", b"F"]  # a long line is logged in pieces
    assert b"".join(p[2] for p in tail) == long.encode()
    started = json.loads((tmp_path / "started.json").read_text())
    assert started["startedAt"] <= record["finishedAt"]
    shim = json.loads((tmp_path / "shim.json").read_text())
    assert shim["pid"] > 0 and shim["startTicks"] > 0
    assert not list(tmp_path.glob(".*.tmp"))  # records are renamed into place


def test_killed_by_a_signal(tmp_path: Path) -> None:
    spec(tmp_path, ["sh", "-c", "kill -9 $$"])
    assert run_shim(tmp_path)["exitCode"] == 137


def test_missing_program_is_a_start_error(tmp_path: Path) -> None:
    spec(tmp_path, ["definitely-not-a-program"])
    record = run_shim(tmp_path)
    assert record["exitCode"] == 128 and record["reason"] == "StartError"
    assert "definitely-not-a-program" in record["message"]


async def test_sigterm_reaches_the_main_process_and_sigusr1_kills_all(tmp_path: Path) -> None:
    gentle, rough = tmp_path / "gentle", tmp_path / "rough"
    spec(gentle, ["sh", "-c", "trap 'echo term; exit 9' TERM; touch ready; "
                              "while true; do sleep 0.05; done"])  # fmt: skip
    spec(rough, ["sh", "-c", "trap '' TERM; sleep 60 & touch ready; wait"])
    handles = [procs.spawn(gentle), procs.spawn(rough)]
    await until((gentle / "ready").exists)
    await until((rough / "ready").exists)
    handles[0].signal(signal.SIGTERM)
    handles[1].signal(signal.SIGUSR1)
    async with asyncio.timeout(30):
        await asyncio.gather(*(procs.wait_gone(h) for h in handles))
    assert json.loads((gentle / "exit.json").read_text())["exitCode"] == 9
    assert json.loads((rough / "exit.json").read_text())["exitCode"] == 137
    assert not any(h.alive() for h in handles)


def test_shim_runs_without_argoapp_on_its_path() -> None:
    argv = shim_argv()
    assert argv[:3] == [sys.executable, "-I", "-S"] and argv[3].endswith("shim.py")
    probe = "import sys, runpy; runpy.run_path(sys.argv[1]); print('argoapp' in sys.modules)"
    out = subprocess.run([sys.executable, "-I", "-c", probe, argv[3]], capture_output=True,
                         text=True, check=True, timeout=30)  # fmt: skip
    assert out.stdout.strip() == "False"
