"""ssh:// daemons through a real sshd (Debian's openssh-server) on a loopback port.

The test makes host and user keys, starts its own sshd whose sessions get the
sandbox daemon's socket as DOCKER_HOST (sshd's SetEnv), so the remote command
`docker system dial-stdio` reaches it. The client is the system ssh, given the
test's keys and known_hosts by a wrapper first on PATH (ssh reads ~/.ssh from
the passwd entry, not $HOME, so a wrapper is how a test points it elsewhere).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import child_pids, drain, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox


@dataclass(frozen=True)
class Sshd:
    """The test's sshd: where it listens and the client set-ups that reach it."""

    port: int
    url: str
    good_path: str  # PATH whose ssh trusts this sshd's host key
    wrong_key_path: str  # PATH whose ssh expects another host key
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path.with_suffix(".pub").read_text().strip()


def _client(directory: Path, port: int, host_key: str, identity: Path) -> str:
    """A bin directory whose `ssh` uses `identity` and trusts `host_key` for the sshd."""
    directory.mkdir()
    (directory / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
    (directory / "ssh_config").write_text(
        "Host *\n"
        f"  IdentityFile {identity}\n"
        "  IdentitiesOnly yes\n"
        "  IdentityAgent none\n"
        f"  UserKnownHostsFile {directory / 'known_hosts'}\n"
        "  GlobalKnownHostsFile /dev/null\n"
        "  StrictHostKeyChecking yes\n"
        "  LogLevel ERROR\n"
    )
    wrapper = directory / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/ssh -F {directory / "ssh_config"} "$@"\n')
    wrapper.chmod(0o755)
    return f"{directory}:{os.environ['PATH']}"


@pytest.fixture(scope="module")
def sshd(daemon: sandbox.SandboxInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    binary = sandbox.ensure_package("sshd", "openssh-server")
    base = tmp_path_factory.mktemp("sshd")
    host_key = _keygen(base / "host_ed25519")
    other_key = _keygen(base / "other_ed25519")
    user_key = _keygen(base / "id_ed25519")
    (base / "authorized_keys").write_text(user_key + "\n")
    port = _free_port()
    (base / "sshd_config").write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {base / 'host_ed25519'}\n"
        f"PidFile {base / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {base / 'authorized_keys'}\n"
        "StrictModes no\n"
        "UsePAM no\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"
        f"SetEnv DOCKER_HOST={daemon.unix_url}\n"
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    log = base / "sshd.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-D", "-e", "-f", str(base / "sshd_config")],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def listening() -> bool:
        assert process.poll() is None, log.read_text()
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(listening, 20)
        yield Sshd(
            port=port,
            url=f"ssh://root@127.0.0.1:{port}",
            good_path=_client(base / "good", port, host_key, base / "id_ed25519"),
            wrong_key_path=_client(base / "wrong", port, other_key, base / "id_ed25519"),
            log=log,
        )
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def ssh_path(sshd: Sshd, monkeypatch: pytest.MonkeyPatch) -> Sshd:
    monkeypatch.setenv("PATH", sshd.good_path)
    return sshd


def test_seed_scenarios_over_ssh(
    ssh_path: Sshd, baseline: None, name: Callable[[str], str], cleanup: Any
) -> None:
    with nk.connect(ssh_path.url) as docker:
        assert str(docker.config.address) == ssh_path.url
        assert docker.ping().get(30) == "OK"
        container = cleanup(name("ssh"))
        events = nk.Inbox()
        ev = docker.events(subscriber=events, filters={"container": [container]}).get(30)
        docker.create(
            "busybox:latest", name=container, interactive=True, cmds=["sh", "-c", "cat; echo bye"]
        ).get(30)
        out = nk.Inbox()
        attach = docker.attach(
            container, subscriber=out, stream=True, stdin=True, stdout=True, stderr=True
        ).get(30)
        docker.start(container).get(30)
        payload = b"".join(b"line %d\n" % i for i in range(3000))
        docker.attach_send(attach, payload).get(30)
        docker.close_stdin(attach).get(30)  # the half-close crosses ssh and dial-stdio
        items, end = drain(out, attach)
        assert isinstance(end, nk.Done), end
        assert b"".join(item.data for item in items) == payload + b"bye\n"
        assert docker.wait(container).get(30)["StatusCode"] == 0
        seen: list[str] = []
        while "die" not in seen:
            message = events.get(timeout=30)
            if message.ref is ev:
                seen.append(message.payload.value["status"])
        assert {"create", "attach", "start"} <= set(seen)
        docker.finish_async(ev).get(30)
        assert drain(events, ev)[1] == nk.Done("finished")
        # exec with stdin: another hijacked socket, half-closed across ssh
        docker.start(container).get(30)
        exec_id = docker.exec_create(container, ["sh", "-c", "wc -c"], stdin=True).get(30)
        ref = docker.exec_start(exec_id, subscriber=out).get(30)
        docker.attach_send(ref, payload).get(30)
        docker.close_stdin(ref).get(30)
        items, end = drain(out, ref)
        assert end == nk.Done("eof")
        assert b"".join(item.data for item in items).strip() == str(len(payload)).encode()
        docker.kill(container).get(30)


def test_supervisor_over_ssh(ssh_path: Sshd, baseline: None) -> None:
    with nk.supervisor() as sup:
        docker = sup.connect("remote", ssh_path.url)
        assert docker.version().get(30)["ApiVersion"]
        assert sup.status() == {"remote": "up"}


def test_context_naming_an_ssh_host(
    ssh_path: Sshd, baseline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    subprocess.run(
        ["docker", "context", "create", "nkssh", "--docker", f"host={ssh_path.url}"],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("DOCKER_CONTEXT", "nkssh")
    with nk.connect() as docker:
        assert docker.config.address.scheme == "ssh"
        assert docker.info().get(30)["ID"]


def test_wrong_host_key_fails_quickly(sshd: Sshd, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", sshd.wrong_key_path)
    children = child_pids()
    started = time.monotonic()
    with pytest.raises(nk.ConnectionFailed, match="Host key verification failed"):
        nk.connect(sshd.url, connect_timeout=10)
    assert time.monotonic() - started < 5
    wait_until(lambda: child_pids() <= children)


def test_wrong_user_fails_quickly(ssh_path: Sshd) -> None:
    started = time.monotonic()
    url = f"ssh://nobody@127.0.0.1:{ssh_path.port}"
    with pytest.raises(nk.ConnectionFailed, match=r"Permission denied \(publickey\)"):
        nk.connect(url, connect_timeout=10)
    assert time.monotonic() - started < 5


def test_no_ssh_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(nk.ConnectionFailed, match="cannot run ssh"):
        nk.connect("ssh://127.0.0.1:1")


def test_ssh_url_checked_before_anything_runs() -> None:
    for url in ("ssh://", "ssh://host/path", "ssh://u:secret@host", "ssh://-oProxyCommand=x"):
        with pytest.raises(nk.InvalidOption) as caught:
            nk.connect(url)
        assert "secret" not in str(caught.value)


def test_an_upload_the_daemon_refuses_over_ssh_fails_with_its_answer(ssh_path: Sshd) -> None:
    """dockerd answers a body it cannot use before reading all of it and closes; across
    ssh and dial-stdio the rest of our send (16 MB) then fails: the error is the daemon's
    answer, as over unix and TLS, not the failure of the ssh process that carried it."""
    junk = b"not a tar at all " * 1_000_000
    with nk.connect(ssh_path.url) as docker:
        with pytest.raises(nk.NotFound, match="No such container"):
            docker.put_archive("nk-no-such-container", "/", junk).get(60)
        with pytest.raises(nk.ServerError, match="invalid tar header"):
            docker.build(junk).get(60)
        assert docker.ping().get(30) == "OK"
