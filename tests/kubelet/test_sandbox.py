"""The sandbox's layout and command line, the bwrap check, and the unsandboxed mode."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from argoapp.errors import ConfigError
from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet, KubeletConfig, sandbox
from argoapp.localkube.kubelet.etcview import EtcView, etc_entries
from argoapp.localkube.kubelet.sandbox import (
    FILE_SLOT,
    SandboxSpec,
    bwrap_argv,
    bwrap_command,
    host_layout,
    probe,
)
from argoapp.localkube.kubelet.volumes import Mount
from argoapp.localkube.objects import ObjectService

from .harness import finished, logs, pod, sh


def test_layout_shares_programs_not_the_host_root() -> None:
    layout = host_layout([os.path.dirname(sys.executable)])
    shared = [*layout.binds, *layout.symlinks]
    assert "/usr" in shared
    assert sys.base_prefix in shared or any(sys.base_prefix.startswith(b + "/") for b in shared)
    assert "/" not in shared and "/tmp" not in shared and "/home" not in shared
    entries = etc_entries()
    for name in ("hosts", "hostname"):
        assert name not in (*entries.links, *entries.binds, *entries.symlinks)


def test_a_source_checkout_is_one_bind() -> None:
    checkout = Path(sandbox.__file__).resolve().parents[3]  # holding the argoapp package
    if not (checkout / "pyproject.toml").is_file():
        pytest.skip("argoapp is installed, not run from a source checkout")
    layout = host_layout([str(checkout / "benchmarks")])
    assert str(checkout) in layout.binds
    assert not any(b.startswith(f"{checkout}/") for b in layout.binds)


def test_argv_binds_volumes_after_the_root(tmp_path: Path) -> None:
    layout = host_layout(etc_dir=tmp_path / "etc")
    box = SandboxSpec(
        root=tmp_path / "root", hostname="h", pod_ip="10.0.0.9", pod_bin=tmp_path / "bin",
        termination_log=tmp_path / "t", termination_path="/dev/termination-log",
        mounts=[Mount(tmp_path / "v", "/data", False), Mount(tmp_path / "c", "/cfg", True)],
        working_dir="/w",
    )  # fmt: skip
    argv, files = bwrap_command("/usr/bin/bwrap", layout, box, ["echo", "hi"])
    assert argv == bwrap_argv("/usr/bin/bwrap", layout, box, ["echo", "hi"])
    assert argv[-3:] == ["--", "echo", "hi"]
    # hosts and hostname are written by bwrap from fds the supervisor puts in the slots
    written = {argv[slot + 1]: content for slot, content in files}
    assert all(argv[slot] == FILE_SLOT and argv[slot - 1] == "--file" for slot, _ in files)
    assert written["/.localkube/hostname"] == "h\n"  # /etc/hostname and /etc/hosts lead there
    assert written["/.localkube/hosts"].endswith("10.0.0.9\th\n")
    joined = " ".join(argv)
    assert f"--bind {tmp_path / 'root'} /" in joined
    assert joined.index(f"--bind {tmp_path / 'v'} /data") > joined.index("--proc /proc")
    assert f"--ro-bind {tmp_path / 'c'} /cfg" in joined
    assert "--unshare-pid" in argv and "--unshare-net" not in argv
    assert argv[argv.index("--hostname") + 1] == "h"
    view, _ = layout.etc.current()
    assert f"--ro-bind {view} /etc" in joined and "--tmpfs /etc" not in joined
    assert "--symlink /.localkube/termination-log /dev/termination-log" in joined


def test_a_mount_under_etc_gets_a_writable_etc(tmp_path: Path) -> None:
    layout = host_layout(etc_dir=tmp_path / "etc")
    box = SandboxSpec(
        root=tmp_path / "root", hostname="h", pod_ip="10.0.0.9", pod_bin=tmp_path / "bin",
        termination_log=tmp_path / "t", termination_path="/tmp/message",
        mounts=[Mount(tmp_path / "v", "/etc/app", True)], working_dir="/",
    )  # fmt: skip
    argv, files = bwrap_command("/usr/bin/bwrap", layout, box, ["true"])
    joined = " ".join(argv)
    assert "--tmpfs /etc" in joined and "--symlink /.localkube/etc/passwd /etc/passwd" in joined
    assert {argv[slot + 1] for slot, _ in files} == {"/etc/hosts", "/etc/hostname"}
    assert f"--bind {tmp_path / 't'} /tmp/message" in joined


def test_the_etc_view_follows_the_host_etc(tmp_path: Path) -> None:
    source = tmp_path / "host-etc"
    (source / "ssl").mkdir(parents=True)
    (source / "passwd").write_text("root\n")
    (source / "hosts").write_text("the host's\n")
    (source / "mtab").symlink_to("/proc/self/mounts")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "resolv.conf").write_text("nameserver 127.0.0.53\n")
    (source / "resolv.conf").symlink_to(tmp_path / "run" / "resolv.conf")
    views = tmp_path / "views"
    (views / ".new-stopped").mkdir(parents=True)  # a build a stopped kubelet left half-done
    etc = EtcView(views, str(source))
    view, entries = etc.current()
    assert [p.name for p in views.iterdir()] == [view.name]
    assert entries.links == ("passwd", "ssl") and entries.binds == ("resolv.conf",)
    assert os.readlink(view / "passwd") == "/.localkube/etc/passwd"
    assert os.readlink(view / "mtab") == "/proc/self/mounts"
    assert os.readlink(view / "hosts") == "/.localkube/hosts"
    assert (view / "resolv.conf").is_file() and not (view / "resolv.conf").is_symlink()
    assert etc.current()[0] == view  # unchanged: the same view, not rebuilt
    (source / "group").write_text("root\n")
    os.utime(source, ns=(1, 1))  # whatever the clock's granularity, /etc's mtime changed
    newer, entries = etc.current()
    assert newer != view and "group" in entries.links and (newer / "group").is_symlink()
    assert view.is_dir()  # a running sandbox may still have it bound
    assert EtcView(views, str(source)).current()[0] == newer  # a restart reuses it


async def test_missing_bwrap_is_a_clear_error(
    service: ObjectService, data_dir: Path, config: KubeletConfig, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("PATH", str(tmp_path))
    kubelet = Kubelet(service, data_dir=data_dir, config=config)
    with pytest.raises(ConfigError, match=r"bwrap.*--unsandboxed"):
        await kubelet.start()


async def test_unsandboxed_pods_run_as_host_processes(
    service: ObjectService, data_dir: Path, config: KubeletConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    config.sandboxed = False
    kubelet = Kubelet(service, data_dir=data_dir, config=config)
    with caplog.at_level(logging.WARNING):
        await kubelet.start()
    try:
        assert "UNSANDBOXED" in caplog.text and "real host filesystem" in caplog.text
        script = "pwd; echo here > rel.txt; echo $LOCALKUBE_MOUNTS; python -c 'print(1)'"
        manifest = pod("plain", sh("main", script, workingDir="/w",
                                   volumeMounts=[{"name": "e", "mountPath": "/e"}]),
                       volumes=[{"name": "e", "emptyDir": {}}])  # fmt: skip
        await service.create(r.PODS, "default", manifest)
        done = await finished(service, "plain")
        cwd, mounts, one = (await logs(kubelet, done)).splitlines()
        assert cwd.startswith(str(data_dir)) and cwd.endswith("/w")
        assert (Path(cwd) / "rel.txt").read_text() == "here\n"
        assert '"/e":' in mounts and one == "1"
    finally:
        await kubelet.stop()


def test_version_manager_shims_bring_their_root(tmp_path: Path) -> None:
    (tmp_path / "manager" / "shims").mkdir(parents=True)
    (tmp_path / "manager" / "libexec").mkdir()
    layout = host_layout([str(tmp_path / "manager" / "shims")])
    assert str(tmp_path / "manager") in layout.binds


def test_a_bwrap_that_cannot_sandbox_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(ConfigError, match="No permissions to create new namespace"):
        probe(str(fake))
    probe("bwrap")


async def test_pod_etc_files_are_the_pods_own_and_writable(
    service: ObjectService, kubelet: Kubelet
) -> None:
    script = (
        "tail -n 1 /etc/hosts; cat /etc/hostname; echo '10.1.1.1 extra' >> /etc/hosts; "
        "tail -n 1 /etc/hosts; test -w /etc/hosts && echo writable; ls /.localkube/bin"
    )
    await service.create(r.PODS, "default", pod("etcfiles", sh("main", script), hostname="box"))
    done = await finished(service, "etcfiles")
    lines = (await logs(kubelet, done)).splitlines()
    assert lines[0].split() == [lines[0].split()[0], "box"] and lines[1] == "box"
    assert lines[2] == "10.1.1.1 extra" and lines[3] == "writable"


_DEV_SCRIPT = (
    "echo x > /dev/null && echo null-ok; head -c 4 /dev/urandom | wc -c; "
    "head -c 3 /dev/zero | wc -c; test -L /dev/fd && echo fd-link; test -e /dev/ptmx && echo ptmx; "
    "echo s > /dev/shm/f && cat /dev/shm/f; stat -c %a /dev/shm; "
    "echo gone > /dev/termination-log; ls /dev/pts >/dev/null && echo pts"
)


async def test_a_sandbox_dev_is_bwraps(service: ObjectService, kubelet: Kubelet) -> None:
    """The sandbox's /dev is what `--dev` gives (the supervisor's template, as root): device
    nodes that work, the fd links, ptmx and pts, a writable /dev/shm for everyone, and the
    termination message read from /dev/termination-log."""
    await service.create(r.PODS, "default", pod("devs", sh("main", _DEV_SCRIPT)))
    done = await finished(service, "devs")
    lines = (await logs(kubelet, done)).split()
    assert lines == ["null-ok", "4", "3", "fd-link", "ptmx", "s", "1777", "pts"]
    state = done["status"]["containerStatuses"][0]["state"]["terminated"]
    assert state["message"] == "gone\n"


async def test_a_volume_under_dev_keeps_a_dev_of_its_own(
    service: ObjectService, kubelet: Kubelet
) -> None:
    """A mount under /dev (but /dev/shm) needs its mount point made: such a sandbox gets
    bwrap's writable --dev, and the volume is there."""
    spec = {"volumes": [{"name": "v", "emptyDir": {}}]}
    main = sh("main", "echo in > /dev/data/f && cat /dev/data/f",
              volumeMounts=[{"name": "v", "mountPath": "/dev/data"}])  # fmt: skip
    await service.create(r.PODS, "default", pod("devvol", main, **spec))
    done = await finished(service, "devvol")
    assert (await logs(kubelet, done)).split() == ["in"]


def test_only_a_plain_dev_is_left_to_the_template(tmp_path: Path) -> None:
    layout = host_layout(etc_dir=tmp_path / "etc")

    def box(path: str, *mounts: Mount) -> SandboxSpec:
        return SandboxSpec(
            root=tmp_path / "root", hostname="h", pod_ip="10.0.0.9", pod_bin=tmp_path / "bin",
            termination_log=tmp_path / "t", termination_path=path, mounts=list(mounts),
            working_dir="/",
        )  # fmt: skip

    plain = box("/dev/termination-log", Mount(tmp_path / "s", "/dev/shm", False))
    argv, _ = bwrap_command("/usr/bin/bwrap", layout, plain, ["true"])
    start, end = sandbox.dev_template_slice(argv, plain) or (0, 0)
    assert argv[start:end] == ["--dev", "/dev", "--symlink", sandbox.TERMINATION_LINK,
                               "/dev/termination-log"]  # fmt: skip
    for other in (box("/tmp/msg"), box("/dev/termination-log", Mount(tmp_path, "/dev/x", True))):
        argv, _ = bwrap_command("/usr/bin/bwrap", layout, other, ["true"])
        assert sandbox.dev_template_slice(argv, other) is None
