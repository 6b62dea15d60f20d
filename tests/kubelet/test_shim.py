"""The shim alone: CRI log lines, exit records, signals, start errors, and its own identity."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

from argoapp.localkube.kubelet import procs
from argoapp.localkube.kubelet.shim import shim_argv

from .conftest import kill_supervisor
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
    assert started["pid"] > 0 and started["startTicks"] > 0
    assert not list(tmp_path.glob(".*.tmp"))  # records are renamed into place


def test_killed_by_a_signal(tmp_path: Path) -> None:
    spec(tmp_path, ["sh", "-c", "kill -9 $$"])
    assert run_shim(tmp_path)["exitCode"] == 137


def test_missing_program_is_a_start_error(tmp_path: Path) -> None:
    spec(tmp_path, ["definitely-not-a-program"])
    record = run_shim(tmp_path)
    assert record["exitCode"] == 128 and record["reason"] == "StartError"
    assert "definitely-not-a-program" in record["message"]


async def test_sigterm_reaches_the_main_process_and_kill_ends_all(tmp_path: Path) -> None:
    area = tmp_path / "data" / "pods" / "uid" / "containers"  # the supervisor serves no other
    gentle, rough = area / "gentle" / "0", area / "rough" / "0"
    spec(gentle, ["sh", "-c", "trap 'echo term; exit 9' TERM; touch ready; "
                              "while true; do sleep 0.05; done"])  # fmt: skip
    spec(rough, ["sh", "-c", "trap '' TERM; sleep 60 & touch ready; wait"])
    client = procs.SupervisorClient(tmp_path / "data")
    try:
        for state in (gentle, rough):
            assert (await client.start(state))["startedAt"].endswith("Z")
        await until((gentle / "ready").exists)
        await until((rough / "ready").exists)
        client.signal(gentle, kill=False)
        client.signal(rough, kill=True)
        async with asyncio.timeout(30):
            await asyncio.gather(client.exited(gentle), client.exited(rough))
    finally:
        await client.close()
        kill_supervisor(tmp_path / "data")
    assert json.loads((gentle / "exit.json").read_text())["exitCode"] == 9
    assert json.loads((rough / "exit.json").read_text())["exitCode"] == 137
    handles = [procs.read_handle(state) for state in (gentle, rough)]
    assert not any(h is not None and h.alive() for h in handles)


async def test_one_supervisor_serves_every_container_and_a_reconnecting_kubelet(
    tmp_path: Path,
) -> None:
    area = tmp_path / "data" / "pods" / "uid" / "containers"
    first, second = area / "first" / "0", area / "second" / "0"
    spec(first, ["sh", "-c", "while [ ! -e go ]; do sleep 0.05; done; echo done"])
    spec(second, ["sh", "-c", "exit 3"])
    data = tmp_path / "data"
    client = procs.SupervisorClient(data)
    try:
        await client.start(first)
        await client.start(second)
        await client.exited(second)
        await client.close()  # a kubelet that stops: the container keeps running
        supervisor = json.loads((data / "supervisor.json").read_text())["pid"]
        shims = [
            json.loads((s / "started.json").read_text())["supervisor"] for s in (first, second)
        ]
        assert shims == [supervisor, supervisor]
        again = procs.SupervisorClient(data)
        try:
            (first / "go").touch()
            async with asyncio.timeout(30):
                await again.exited(first)
            await again.exited(tmp_path / "never-started")  # not running here: answered at once
        finally:
            await again.close()
    finally:
        kill_supervisor(data)
    assert json.loads((first / "exit.json").read_text())["exitCode"] == 0
    assert json.loads((second / "exit.json").read_text())["exitCode"] == 3
    assert b"stdout F done" in (first / "container.log").read_bytes()


def test_shim_runs_without_argoapp_on_its_path() -> None:
    argv = shim_argv()
    assert argv[:3] == [sys.executable, "-I", "-S"] and argv[3].endswith("shim.py")
    probe = "import sys, runpy; runpy.run_path(sys.argv[1]); print('argoapp' in sys.modules)"
    out = subprocess.run([sys.executable, "-I", "-c", probe, argv[3]], capture_output=True,
                         text=True, check=True, timeout=30)  # fmt: skip
    assert out.stdout.strip() == "False"


async def test_the_supervisor_runs_nothing_outside_its_pods_and_nobody_else_reaches_it(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "elsewhere"
    spec(outside, ["sh", "-c", "touch ran"])
    data = tmp_path / "data"
    client = procs.SupervisorClient(data)
    try:
        assert await client.start(outside) == {}  # refused: answered as not running
        await client.exited(outside)
    finally:
        await client.close()
        kill_supervisor(data)
    assert not (outside / "ran").exists() and not (outside / "started.json").exists()
    sock = data / "supervisor.sock"
    assert sock.is_socket() and stat.S_IMODE(sock.stat().st_mode) & 0o077 == 0


async def test_a_start_asked_again_is_answered_with_the_running_attempt(tmp_path: Path) -> None:
    state = tmp_path / "data" / "pods" / "uid" / "containers" / "main" / "0"
    spec(state, ["sh", "-c", "while [ ! -e go ]; do sleep 0.05; done"])
    data = tmp_path / "data"
    first, again = procs.SupervisorClient(data), procs.SupervisorClient(data)
    try:
        started = await first.start(state)
        async with asyncio.timeout(10):  # a kubelet restarted mid-start asks again: not blocked
            assert (await again.start(state))["startedAt"] == started["startedAt"]
        (state / "go").touch()
        async with asyncio.timeout(30):
            await again.exited(state)
    finally:
        await first.close()
        await again.close()
        kill_supervisor(data)
    assert json.loads((state / "exit.json").read_text())["exitCode"] == 0


_SLOW_KUBELET = r"""
import json, runpy, selectors, socket, sys
shim = runpy.run_path(sys.argv[1])
daemon = shim["Daemon"](None)
mine, kubelet = socket.socketpair()
mine.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
mine.setblocking(False)
daemon.clients[mine] = b""
daemon.sel.register(mine, selectors.EVENT_READ, ("client",))
for i in range(2000):  # far more than the socket holds while the kubelet does not read
    daemon._tell({mine}, {"event": "exited", "n": i, "pad": "x" * 200})
assert mine in daemon.clients and daemon.outbox[mine], "a kubelet that is slow to read was dropped"
got, buf = [], b""
kubelet.settimeout(5)
while len(got) < 2000:
    for key, events in daemon.sel.select(0):
        if events & selectors.EVENT_WRITE:
            daemon._flush(key.fileobj)
    buf += kubelet.recv(65536)
    *lines, buf = buf.split(b"\n")
    got += [json.loads(line)["n"] for line in lines]
assert got == list(range(2000)), "messages lost or out of order"
assert not daemon.outbox[mine]
print("ok")
"""


def test_a_kubelet_slow_to_read_gets_every_message_in_order() -> None:
    """The supervisor keeps what a busy kubelet has not read yet instead of dropping it (a
    dropped kubelet reconnects, but every pod it follows must be asked about again)."""
    script = shim_argv()[3]
    out = subprocess.run([sys.executable, "-I", "-c", _SLOW_KUBELET, script],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.stdout.strip() == "ok", out.stderr


async def test_a_supervisor_ending_leaves_its_successors_socket_alone(tmp_path: Path) -> None:
    """A kubelet that finds nobody listening starts the next supervisor, which binds the
    same name; the one that is ending must not remove that socket on its way out."""
    state = tmp_path / "data" / "pods" / "uid" / "containers" / "main" / "0"
    spec(state, ["true"])
    data = tmp_path / "data"
    client = procs.SupervisorClient(data)
    try:
        await client.start(state)
        await client.exited(state)
    finally:
        await client.close()
    pid = json.loads((data / "supervisor.json").read_text())["pid"]
    sock = data / "supervisor.sock"
    sock.unlink()  # as if the next supervisor had replaced it
    successor = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        successor.bind(str(sock))
        theirs = sock.stat().st_ino
        await until(lambda: _ended(pid), timeout=30)  # idle, it ends
        assert sock.is_socket() and sock.stat().st_ino == theirs
    finally:
        successor.close()


def _ended(pid: int) -> bool:
    """Whether our child `pid` has ended (and is reaped)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


async def test_a_plain_process_ends_with_its_supervisor(tmp_path: Path) -> None:
    """Sandboxes die with the supervisor (bwrap --die-with-parent); an unsandboxed container's
    process is told too, so that a kubelet that reports its exit as unknown never has it run
    on beside a new attempt."""
    state = tmp_path / "data" / "pods" / "uid" / "containers" / "main" / "0"
    spec(state, ["sleep", "120"])
    data = tmp_path / "data"
    client = procs.SupervisorClient(data)
    try:
        await client.start(state)
        pid = json.loads((state / "started.json").read_text())["pid"]
        assert Path(f"/proc/{pid}").exists()
    finally:
        await client.close()
        kill_supervisor(data)
    await until(lambda: not Path(f"/proc/{pid}").exists(), timeout=10)


async def test_a_start_sent_with_its_spec_and_an_exit_told_with_its_record(tmp_path: Path) -> None:
    """The kubelet sends the spec with the start (the supervisor writes spec.json, for a
    kubelet that adopts the attempt later) and is told the exit record and the termination
    message with the exit, even when the container ended before anyone asked to follow it."""
    state = tmp_path / "data" / "pods" / "uid" / "containers" / "main" / "0"
    state.mkdir(parents=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    argv = ["sh", "-c", "printf 'bad input' > termination-log; exit 3"]
    body = {"sandboxed": False, "argv": argv, "env": env, "cwd": str(state)}
    data = tmp_path / "data"
    client = procs.SupervisorClient(data)
    try:
        started = await client.start(state, body)
        await until((state / "exit.json").exists, timeout=30)
        await asyncio.sleep(0.2)  # the news has come before `exited` is asked for
        async with asyncio.timeout(30):
            told = await client.exited(state)
    finally:
        await client.close()
        kill_supervisor(data)
    assert json.loads((state / "spec.json").read_text()) == body
    assert told is not None and told["exitCode"] == 3
    assert told["startedAt"] == started["startedAt"] and told["terminationMessage"] == "bad input"
    on_disk = json.loads((state / "exit.json").read_text())
    assert on_disk["startedAt"] == started["startedAt"] and "terminationMessage" not in on_disk
