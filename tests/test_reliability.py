"""The reliability review's findings: each case failed before its fix.

TLS settings resolve as the docker CLI's (never a silent plaintext downgrade), raw
escape hatches never echo a header or query value, deadlines count queueing, local
files and integers are checked before sending, and a plaintext request to a TLS
port is a transport fault.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from faultserver import FaultServer

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.config import resolve

# Every non-empty value means "verify", as for the docker CLI and docker-py.
TLS_VERIFY_VALUES = ["1", "true", "yes", "on", "y", "2", "enabled", "0", "false", "no"]


def _tls_env(daemon: sandbox.SandboxInfo, url: str, verify: str) -> dict[str, str]:
    return {
        "DOCKER_HOST": url,
        "DOCKER_TLS_VERIFY": verify,
        "DOCKER_CERT_PATH": str(daemon.cert_dir),
    }


@pytest.mark.parametrize("verify", TLS_VERIFY_VALUES)
def test_any_tls_verify_value_means_verify(daemon: sandbox.SandboxInfo, verify: str) -> None:
    conf = resolve({}, _tls_env(daemon, "tcp://127.0.0.1:2376", verify))
    assert (conf.address.scheme, conf.tls_verify) == ("tls", True)
    # An explicit tcp:// URL (the API's, the supervisor's, the CLI's -H) is secured alike.
    explicit = resolve({"url": "tcp://h.example:2376"}, _tls_env(daemon, "", verify))
    assert (explicit.address.scheme, explicit.address.host, explicit.tls_verify) == (
        "tls",
        "h.example",
        True,
    )
    by_host = resolve({"host": "h.example", "port": 1234}, _tls_env(daemon, "", verify))
    assert (by_host.address.scheme, by_host.address.port) == ("tls", 1234)


def test_tls_settings_resolve_like_the_docker_cli(daemon: sandbox.SandboxInfo) -> None:
    assert (
        resolve({}, {"DOCKER_HOST": "tcp://h:1", "DOCKER_TLS_VERIFY": ""}).address.scheme == "tcp"
    )
    tls_only = resolve({}, {"DOCKER_HOST": "tcp://h:1", "DOCKER_TLS": "0"})
    assert (tls_only.address.scheme, tls_only.tls_verify) == ("tls", False)
    # Explicit choices still win: http:// and proto="tcp" are plaintext on purpose.
    env = _tls_env(daemon, "", "1")
    assert resolve({"url": "http://h:1"}, env).address.scheme == "tcp"
    assert resolve({"url": "tcp://h:1", "proto": "tcp"}, env).address.scheme == "tcp"
    # TLS has no meaning on a unix socket.
    assert resolve({"url": "unix:///x.sock"}, env).address.scheme == "unix"


@pytest.mark.parametrize("verify", ["on", "0"])
def test_no_plaintext_to_a_fake_daemon(
    fault: FaultServer, daemon: sandbox.SandboxInfo, verify: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _tls_env(daemon, fault.url, verify)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(nk.ConnectionFailed, match="TLS handshake"):
        nk.connect()
    with pytest.raises(nk.ConnectionFailed, match="TLS handshake"):
        nk.connect(fault.url)
    with pytest.raises(nk.ConnectionFailed, match="TLS handshake"):
        nk.connect(host="127.0.0.1", port=fault.port)
    cli = subprocess.run(
        [sys.executable, "-m", "nkdocker_actors", "version"],
        capture_output=True,
        env={**os.environ, **env},
        timeout=60,
    )
    assert cli.returncode != 0 and b"20.10-fault" not in cli.stdout + cli.stderr
    assert fault.requests() == []  # not one plaintext request reached the fake daemon


def test_tcp_url_with_tls_environment_talks_tls(
    daemon: sandbox.SandboxInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _tls_env(daemon, "", "1").items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DOCKER_HOST")
    with nk.connect(f"tcp://127.0.0.1:{daemon.tls_port}") as docker:
        assert docker.config.address.scheme == "tls" and docker.config.tls_verify
        assert docker.ping().get(10) == "OK"
    sup = nk.supervisor()
    try:
        handle = sup.connect("tls", f"tcp://127.0.0.1:{daemon.tls_port}")
        assert handle.ping().get(10) == "OK"
    finally:
        sup.close()


def test_plain_tcp_to_a_tls_port_is_a_transport_fault(daemon: sandbox.SandboxInfo) -> None:
    with pytest.raises(nk.ConnectionFailed, match="this port speaks TLS") as caught:
        nk.connect(f"tcp://127.0.0.1:{daemon.tls_port}")
    assert not isinstance(caught.value, nk.DockerError)


SECRET = "s3cr3t-Token-xyz"


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.get("/info", headers={"X-Registry-Auth": SECRET + "\n"}),
        lambda d: d.post("/x", headers={"X-Registry-Auth": "é" + SECRET}),
        lambda d: d.get("/info", {"token": SECRET + "\r\n"}),
        lambda d: d.delete("/x", {"token": "\x00" + SECRET}),
    ],
)
def test_raw_calls_never_echo_a_bad_value(fault: FaultServer, call: Any) -> None:
    with nk.connect(fault.url) as docker:
        fault.set("good")
        with pytest.raises(nk.InvalidOption) as caught:
            call(docker)
        assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
        assert fault.requests() == []


def test_queued_calls_keep_their_deadline(fault: FaultServer, no_leaks: None) -> None:
    with nk.connect(fault.url) as docker:
        fault.set("stall_head")  # a daemon that takes requests and never answers (SIGSTOP)
        started = time.monotonic()
        outcomes: list[tuple[type[BaseException], float]] = []
        lock = threading.Lock()

        def call() -> None:
            try:
                docker.ps(timeout=2).get()
            except BaseException as exc:
                with lock:
                    outcomes.append((type(exc), time.monotonic() - started))

        threads = [threading.Thread(target=call) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert [kind for kind, _ in outcomes] == [nk.TimedOut] * 16
        # Before the fix each waited for the previous ones: the last after 32 s.
        assert max(elapsed for _, elapsed in outcomes) < 2 + 3


def test_calls_whose_deadline_passed_in_line_are_not_sent(fault: FaultServer) -> None:
    # One caller's calls go in order: each waits in line for the one before, so against a
    # daemon that never answers, every call after the first expires unsent. (From many
    # threads, how many go out depends on how far apart the threads start: up to 8 sockets
    # carry calls at once, and a call with MIN_LEFT seconds left is still sent.)
    with nk.connect(fault.url) as docker:
        fault.set("stall_head")
        futures = [docker.ps(timeout=2) for _ in range(16)]
        outcomes = []
        for future in futures:
            with pytest.raises(nk.TimedOut) as failed:
                future.get(10)
            outcomes.append(str(failed.value))
        assert sum("not sent" in outcome for outcome in outcomes) >= 15
        assert len(fault.requests()) == 16 - sum("not sent" in o for o in outcomes)


def test_a_deadline_holds_behind_a_call_without_one(fault: FaultServer) -> None:
    docker = nk.connect(fault.url)
    try:
        fault.set("stall_head")
        blocker = docker.ps(timeout=None)
        with pytest.raises(nk.TimedOut, match="not sent"):
            docker.ps(timeout=1).get(30)
        inbox = nk.Inbox()
        late = docker.inspect("c0ffee", timeout=1, reply_to=inbox).get(1)
        message = inbox.get(timeout=30)
        assert message.ref is late and isinstance(message.payload.error, nk.TimedOut)
        stream = docker.events(subscriber=inbox, timeout=1).get(30)
        message = inbox.get(timeout=30)
        assert message.ref is stream and isinstance(message.payload.error, nk.TimedOut)
        assert len(fault.requests()) == 1
    finally:
        docker.close()
    with pytest.raises(nk.ConnectionFailed):
        blocker.get(10)


def test_volume_create_without_options(docker: nk.Docker) -> None:
    volume = docker.volume_create().get(30)
    try:
        assert len(volume["Name"]) == 64  # anonymous: the daemon named it
    finally:
        docker.volume_rm(volume["Name"]).get(30)


@pytest.mark.parametrize("command", ["export", "get_image", "cp"])
def test_local_file_checked_before_sending(
    fault: FaultServer, tmp_path: Path, command: str
) -> None:
    args = {"export": ("c0ffee",), "get_image": ("busybox",), "cp": ("c0ffee", "/etc")}[command]
    read_only = tmp_path / "ro"
    read_only.mkdir(mode=0o500)
    with nk.connect(fault.url) as docker:
        fault.set("good")
        for file, words in [
            (tmp_path / "no" / "such" / "x.tar", "no folder"),
            (tmp_path, "is a folder"),
        ]:
            with pytest.raises(nk.InvalidOption, match=words):
                getattr(docker, command)(*args, file=str(file))
        if os.geteuid() != 0:  # root writes anywhere: the check is then the folder's
            with pytest.raises(nk.InvalidOption, match="not writable"):
                getattr(docker, command)(*args, file=str(read_only / "x.tar"))
        assert fault.requests() == []


def test_local_file_failing_midway_is_typed(docker: nk.Docker, name: Any, cleanup: Any) -> None:
    container = cleanup(name("export"))
    docker.create("busybox:latest", name=container, cmds=["true"]).get(30)
    with pytest.raises(nk.LocalFileError, match="No space left") as caught:
        docker.export(container, file="/dev/full").get(60)
    assert isinstance(caught.value, OSError)


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.stop("c0ffee", 10**30),
        lambda d: d.restart("c0ffee", t=2**31),
        lambda d: d.resize("c0ffee", 2**40, 10),
        lambda d: d.resize("c0ffee", 10, 65536),
        lambda d: d.logs("c0ffee", tail=2**63),
    ],
)
def test_integers_are_bounded(fault: FaultServer, call: Any) -> None:
    with nk.connect(fault.url) as docker:
        fault.set("good")
        with pytest.raises(nk.InvalidOption, match="an integer from 0 to"):
            call(docker)
        assert fault.requests() == []
