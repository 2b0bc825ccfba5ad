"""Connecting: unix, tcp, TLS, configuration layers, version negotiation, socket reuse."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import client_certs, socket_fds

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.config import resolve


def test_unix_socket(daemon: sandbox.SandboxInfo, no_leaks: None) -> None:
    with nk.connect(daemon.unix_url) as docker:
        assert docker.ping().get(10) == "OK"
        assert docker.api_version == (1, 41)
        assert docker.version().get(10)["ApiVersion"] == "1.41"
        assert "Containers" in docker.info().get(10)


def test_plain_tcp(daemon: sandbox.SandboxInfo, no_leaks: None) -> None:
    with nk.connect(daemon.tcp_url) as docker:
        assert docker.ping().get(10) == "OK"


def test_tls_with_client_certificate(daemon: sandbox.SandboxInfo, no_leaks: None) -> None:
    with nk.connect(
        host="127.0.0.1", port=daemon.tls_port, proto="tls", **client_certs(daemon)
    ) as docker:
        assert docker.config.tls_verify is True
        assert docker.ping().get(10) == "OK"
        assert docker.images().get(10)


def test_tls_from_environment(daemon: sandbox.SandboxInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in daemon.tls_env().items():
        monkeypatch.setenv(key, value)
    with nk.connect() as docker:
        assert docker.config.address.scheme == "tls"
        assert docker.ping().get(10) == "OK"


def _other_ca(tmp_path: Path) -> Path:
    key, cert = tmp_path / "ca-key.pem", tmp_path / "ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=wrong-ca"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert


def test_tls_refused_with_wrong_ca(daemon: sandbox.SandboxInfo, tmp_path: Path) -> None:
    certs = daemon.cert_dir
    with pytest.raises(nk.ConnectionFailed, match="TLS"):
        nk.connect(
            f"tls://127.0.0.1:{daemon.tls_port}",
            cafile=str(_other_ca(tmp_path)),
            certfile=str(certs / "cert.pem"),
            keyfile=str(certs / "key.pem"),
        )


def test_tls_refused_without_client_certificate(daemon: sandbox.SandboxInfo) -> None:
    started = time.monotonic()
    with pytest.raises(nk.ConnectionFailed):
        nk.connect(f"tls://127.0.0.1:{daemon.tls_port}", cafile=str(daemon.cert_dir / "ca.pem"))
    assert time.monotonic() - started < 15


def test_tls_refused_on_hostname_mismatch(tmp_path: Path) -> None:
    # A TLS listener whose certificate (from a CA we trust) names another host.
    ca = _other_ca(tmp_path)
    key, csr, cert = tmp_path / "srv-key.pem", tmp_path / "srv.csr", tmp_path / "srv.pem"
    (tmp_path / "ext").write_text("subjectAltName=DNS:elsewhere.example\n")
    subprocess.run(
        [
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(csr),
            "-subj",
            "/CN=elsewhere.example",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey",
         str(tmp_path / "ca-key.pem"), "-CAcreateserial", "-out", str(cert), "-days", "1",
         "-extfile", str(tmp_path / "ext")], check=True, capture_output=True)  # fmt: skip
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(str(cert), str(key))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with contextlib.suppress(OSError), server.wrap_socket(conn, server_side=True):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        with pytest.raises(nk.ConnectionFailed, match=r"TLS.*(hostname|match)"):
            nk.connect(f"tls://127.0.0.1:{port}", cafile=str(ca))
        thread.join(5)
    finally:
        listener.close()


def test_api_version_pinned(daemon: sandbox.SandboxInfo) -> None:
    with nk.connect(daemon.unix_url, api_version="1.18") as docker:
        assert docker.api_version == (1, 18)
        assert docker.version().get(10)["ApiVersion"] == "1.41"


def test_unreachable_daemon_fails_fast() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now
    started = time.monotonic()
    with pytest.raises(nk.ConnectionFailed, match="cannot connect"):
        nk.connect(f"tcp://127.0.0.1:{port}")
    with pytest.raises(nk.ConnectionFailed):
        nk.connect("unix:///nonexistent/docker.sock")
    assert time.monotonic() - started < 5


def test_silent_daemon_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts in the kernel, never answers
    try:
        started = time.monotonic()
        with pytest.raises(nk.ConnectionFailed, match="timed out"):
            nk.connect(f"tcp://127.0.0.1:{listener.getsockname()[1]}", timeout=1)
        assert time.monotonic() - started < 5
    finally:
        listener.close()


def _fake_daemon(api_version: str) -> tuple[socket.socket, threading.Thread]:
    """A one-shot HTTP server answering /version with the given API version."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:  # every request (the ping, then /version) gets the version document
            while conn.recv(65536):
                body = json.dumps({"ApiVersion": api_version, "Version": "1.4.1"}).encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def test_old_daemon_refused() -> None:
    listener, thread = _fake_daemon("1.16")
    try:
        with pytest.raises(nk.UnsupportedDaemon, match=r"1\.16.*1\.17"):
            nk.connect(f"tcp://127.0.0.1:{listener.getsockname()[1]}")
        thread.join(5)
    finally:
        listener.close()


def test_quick_calls_share_one_socket(daemon: sandbox.SandboxInfo, no_leaks: None) -> None:
    before = socket_fds()
    with nk.connect(daemon.unix_url) as docker:
        for _ in range(100):
            docker.ps(all=True).get(10)
            docker.inspect_image("busybox:latest").get(10)
        assert docker.connection_stats()["shared_sockets_opened"] == 1
        assert socket_fds() - before == 1


def test_stale_keep_alive_recovers_after_restart(daemon_b: sandbox.SandboxInfo) -> None:
    with nk.connect(daemon_b.unix_url) as docker:
        assert docker.ping().get(10) == "OK"
        sandbox.kill(daemon_b.name)
        sandbox.restart(daemon_b.name)
        assert docker.ping().get(10) == "OK"  # the dead keep-alive socket is replaced
        assert docker.connection_stats()["shared_sockets_opened"] == 2


# -- configuration layers (no daemon needed) ----------------------------------------


def test_environment_resolution(tmp_path: Path) -> None:
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("")
    env = {"DOCKER_HOST": "tcp://10.0.0.5:2376", "DOCKER_TLS_VERIFY": "1",
           "DOCKER_CERT_PATH": str(tmp_path)}  # fmt: skip
    with pytest.raises(nk.InvalidOption, match="TLS files"):
        resolve({}, env)  # empty files are not certificates: proves they were read
    conf = resolve({}, {"DOCKER_HOST": "unix:///run/x.sock"})
    assert str(conf.address) == "unix:///run/x.sock"
    conf = resolve({}, {"DOCKER_HOST": "tcp://10.0.0.5"})
    assert (conf.address.host, conf.address.port) == ("10.0.0.5", 2375)
    conf = resolve({}, {"DOCKER_HOST": "tcp://10.0.0.5", "DOCKER_TLS": "true"})
    assert (conf.address.scheme, conf.address.port, conf.tls_verify) == ("tls", 2376, False)


def test_explicit_beats_configure_beats_environment() -> None:
    env = {"DOCKER_HOST": "tcp://10.0.0.5:1111"}
    try:
        nk.configure(url="tcp://10.0.0.6:2222", timeout=7)
        conf = resolve({}, env)
        assert (conf.address.host, conf.address.port, conf.timeout) == ("10.0.0.6", 2222, 7.0)
        conf = resolve({"host": "10.0.0.7"}, env)
        assert (conf.address.host, conf.address.port) == ("10.0.0.7", 2375)
        conf = resolve({"url": "unix:///x.sock"}, env)
        assert conf.address.scheme == "unix"
    finally:
        nk.configure(url=None, timeout=None)
    assert resolve({}, env).address.port == 1111


@pytest.mark.parametrize(
    ("settings", "env", "message"),
    [
        ({"url": "ftp://x"}, {}, "url 'ftp://x' from argument: unknown scheme"),
        ({"url": "tcp://x:99999"}, {}, "from argument: port out of range"),
        ({"port": 0, "host": "x"}, {}, "port 0 from argument"),
        ({}, {"DOCKER_HOST": "gopher://x"}, "from environment: unknown scheme"),
        ({"proto": "tls", "host": "x", "certfile": "/no/cert.pem"}, {}, "certfile '/no/cert.pem' from argument: no such file"),  # noqa: E501
        ({}, {"DOCKER_HOST": "tcp://x", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/nope"}, "cafile '/nope/ca.pem' from environment"),  # noqa: E501
        ({"api_version": "2.0"}, {}, "api_version '2.0'"),
        ({"timeout": -1}, {}, "timeout -1"),
        ({"bogus": 1}, {}, "unknown setting"),
    ],
)  # fmt: skip
def test_bad_settings_are_named(
    settings: dict[str, object], env: dict[str, str], message: str
) -> None:
    with pytest.raises(nk.InvalidOption) as caught:
        resolve(settings, env)
    assert message in str(caught.value)
