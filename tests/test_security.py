"""Security: TLS refusals, credentials kept secret, crafted identifiers never sent.

tests/test_connect.py already covers a wrong CA (with a client certificate), a
missing client certificate and a hostname mismatch on a fake server; here: the
mismatch against the real daemon, a client certificate from an untrusted CA,
no silent fall-back to plaintext, plaintext against the TLS port and TLS
against a plaintext server. Credentials (auth= of pull, push, create_image,
search, build; login's password) must never show in logs (DEBUG), reprs or
exception texts, whatever the server answers. Every command taking an
identifier refuses crafted ones (`..` segments, `?`, `#`, `%2F`, ...) before
anything is sent: the fault server must see no request at all.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import select
import socket
import subprocess
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import client_certs
from faultserver import FaultServer

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.commands import COMMANDS, lookup
from nkdocker_actors.commands.spec import build

# -- TLS ---------------------------------------------------------------------------


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _ca(directory: Path, name: str) -> tuple[Path, Path]:
    key, cert = directory / f"{name}-key.pem", directory / f"{name}.pem"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
             "-subj", f"/CN={name}")  # fmt: skip
    return key, cert


def _client_cert(directory: Path, ca_key: Path, ca_cert: Path) -> tuple[Path, Path]:
    key, csr, cert = directory / "c-key.pem", directory / "c.csr", directory / "c.pem"
    ext = directory / "c.ext"
    ext.write_text("extendedKeyUsage=clientAuth\n")
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=client")  # fmt: skip
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
             "-CAcreateserial", "-out", str(cert), "-days", "1", "-extfile", str(ext))  # fmt: skip
    return cert, key


class Forwarder:
    """A TCP relay from 127.0.0.2 (a name the daemon's certificate does not carry)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.2", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        with (
            contextlib.suppress(OSError),
            client,
            socket.create_connection(("127.0.0.1", self.target)) as upstream,
        ):
            ends = {client: upstream, upstream: client}
            while True:
                readable, _, _ = select.select(list(ends), [], [], 10)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    ends[sock].sendall(data)

    def close(self) -> None:
        self.listener.close()


def test_tls_hostname_mismatch_against_the_daemon(daemon: sandbox.SandboxInfo) -> None:
    # The daemon's certificate names 127.0.0.1 and localhost: both work...
    with nk.connect(
        host="localhost", port=daemon.tls_port, proto="tls", **client_certs(daemon)
    ) as d:
        assert d.ping().get(10) == "OK"
    # ...the very same daemon reached as 127.0.0.2 does not.
    relay = Forwarder(daemon.tls_port)
    try:
        with pytest.raises(nk.ConnectionFailed, match=r"TLS.*(mismatch|match|hostname)"):
            nk.connect(host="127.0.0.2", port=relay.port, proto="tls", **client_certs(daemon))
    finally:
        relay.close()


def test_tls_client_certificate_from_another_ca_refused(
    daemon: sandbox.SandboxInfo, tmp_path: Path
) -> None:
    ca_key, ca_cert = _ca(tmp_path, "rogue-ca")
    cert, key = _client_cert(tmp_path, ca_key, ca_cert)
    started = time.monotonic()
    with pytest.raises(nk.ConnectionFailed):
        nk.connect(
            f"tls://127.0.0.1:{daemon.tls_port}",
            cafile=str(daemon.cert_dir / "ca.pem"),
            certfile=str(cert),
            keyfile=str(key),
            timeout=10,
        )
    assert time.monotonic() - started < 12


def test_tls_wrong_ca_without_client_certificate(
    daemon: sandbox.SandboxInfo, tmp_path: Path
) -> None:
    _, ca_cert = _ca(tmp_path, "other-ca")
    with pytest.raises(nk.ConnectionFailed, match="TLS"):
        nk.connect(f"tls://127.0.0.1:{daemon.tls_port}", cafile=str(ca_cert))


def test_tls_never_falls_back_to_plaintext() -> None:
    """A peer that never completes the handshake gets a ClientHello and nothing else."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    received = bytearray()

    def swallow() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            with contextlib.suppress(OSError):
                while data := conn.recv(65536):
                    received.extend(data)

    thread = threading.Thread(target=swallow, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        with pytest.raises(nk.ConnectionFailed, match="timed out"):
            nk.connect(f"tls://127.0.0.1:{listener.getsockname()[1]}", connect_timeout=1)
        assert time.monotonic() - started < 3
        thread.join(6)
        assert received[:1] == b"\x16"  # a TLS handshake record
        assert b"GET " not in received and b"/version" not in received
    finally:
        listener.close()


def test_plaintext_against_the_tls_port_fails_typed(daemon: sandbox.SandboxInfo) -> None:
    with pytest.raises(nk.NkDockerError) as caught:
        nk.connect(f"tcp://127.0.0.1:{daemon.tls_port}", timeout=5)
    assert isinstance(caught.value, nk.ConnectionFailed | nk.DockerError)


def test_tls_against_a_plaintext_server_fails_typed() -> None:
    server = FaultServer()
    try:
        started = time.monotonic()
        with pytest.raises(nk.ConnectionFailed):
            nk.connect(f"tls://127.0.0.1:{server.port}", connect_timeout=1, timeout=1)
        assert time.monotonic() - started < 3
    finally:
        server.close()


# -- credentials -------------------------------------------------------------------

PASSWORD = "s3cret-" + uuid.uuid4().hex
TOKEN = "tok3n-" + uuid.uuid4().hex
AUTH = {"username": "nkuser", "password": PASSWORD, "serveraddress": "localhost:5000"}
AUTH_HEADER = base64.urlsafe_b64encode(json.dumps(AUTH).encode()).decode()
SECRETS = (PASSWORD, TOKEN, AUTH_HEADER, AUTH_HEADER.rstrip("="))


# (name, call) for every way credentials travel; each sends them somewhere.
T = {"timeout": 0.5}
CREDENTIAL_CALLS: list[tuple[str, Callable[[nk.Docker, nk.Inbox | None], Any]]] = [
    ("pull", lambda d, s: d.pull("busybox:latest", auth=AUTH, subscriber=s, **T)),
    ("push", lambda d, s: d.push("busybox:latest", auth=AUTH, subscriber=s, **T)),
    (
        "create_image",
        lambda d, s: d.create_image(from_image="busybox", auth=AUTH, subscriber=s, **T),
    ),
    (
        "build",
        lambda d, s: d.build({"Dockerfile": b"FROM busybox\n"}, auth=AUTH, subscriber=s, **T),
    ),
    ("search", lambda d, s: d.search("busybox", auth=AUTH, **T)),
    ("login", lambda d, s: d.login("nkuser", PASSWORD, serveraddress="localhost:5000", **T)),
    ("identity_token", lambda d, s: d.pull("busybox:latest", auth={"identitytoken": TOKEN}, **T)),
]


def _texts(error: BaseException) -> list[str]:
    """Everything an error shows: str, repr, its causes, its formatted traceback."""
    out = []
    seen: BaseException | None = error
    while seen is not None:
        out += [str(seen), repr(seen), *map(repr, getattr(seen, "args", ()))]
        seen = seen.__cause__ or seen.__context__
    out.append("".join(traceback.format_exception(error)))
    return out


def _assert_no_secret(texts: list[str], where: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"a credential shows in {where}: ...{text[:200]}..."


@pytest.mark.parametrize(
    "behaviour",
    ["good", "text_error_500", "json_error_404", "truncated_chunked", "redirect", "stall_head"],
)
def test_credentials_never_shown(
    fault: FaultServer, caplog: pytest.LogCaptureFixture, behaviour: str
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with nk.connect(fault.url, timeout=0.5) as docker:
        fault.set(behaviour)
        for name, call in CREDENTIAL_CALLS:
            streams = (None, nk.Inbox()) if name in ("pull", "push", "build") else (None,)
            for subscriber in streams:
                try:
                    result = call(docker, subscriber).get(10)
                except nk.NkDockerError as error:
                    texts += _texts(error)
                    continue
                texts.append(repr(result))
                if subscriber is not None:
                    while True:
                        message = subscriber.get(timeout=5)
                        texts.append(repr(message))
                        if isinstance(message.payload, nk.Failed):
                            texts += _texts(message.payload.error)
                        if isinstance(message.payload, nk.Done | nk.Failed):
                            break
        texts.append(repr(docker))
    texts.append(caplog.text)
    texts += [r.getMessage() for r in caplog.records]
    _assert_no_secret(texts, f"an answer to a {behaviour!r} server or the log")
    # They did travel, where they belong.
    sent = fault.requests()
    headers = [v for r in sent for k, v in r["headers"] if k.lower().startswith("x-registry")]
    bodies = [r["body"] for r in sent if r["target"].endswith("/auth")]
    assert any(PASSWORD in base64.urlsafe_b64decode(h + "==").decode() for h in headers)
    assert any(PASSWORD in body for body in bodies)


def test_prepared_requests_hide_credentials() -> None:
    api = (1, 41)
    for name, args, options in [
        ("pull", ("busybox",), {"auth": AUTH}),
        ("push", ("busybox",), {"auth": AUTH}),
        ("create_image", (), {"from_image": "busybox", "auth": AUTH}),
        ("search", ("x",), {"auth": AUTH}),
        ("build", (b"",), {"auth": AUTH}),
        ("build", (b"",), {"auth": {"localhost:5000": AUTH}}),
        ("login", ("nkuser", PASSWORD), {}),
        ("pull", ("busybox",), {"auth": {"identitytoken": TOKEN}}),
    ]:
        prepared = build(lookup(name, api), args, options, api)
        shown = [repr(prepared), str(prepared), repr(prepared.request), repr(prepared.context)]
        _assert_no_secret(shown, f"the repr of a prepared {name}")
        # ...yet they are in the request, where they belong.
        carried = [
            base64.urlsafe_b64decode(value + "==").decode()
            for key, value in prepared.request.headers
            if key.lower().startswith("x-registry")
        ]
        body = prepared.request.body
        carried.append(body.decode("latin-1") if isinstance(body, bytes) else "")
        assert any(PASSWORD in text or TOKEN in text for text in carried), name


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.pull("busybox", auth={**AUTH, "bogus": PASSWORD}),
        lambda d: d.pull("busybox", auth={"username": "u", "password": [PASSWORD]}),
        lambda d: d.pull("busybox", auth=PASSWORD + "\x01"),
        lambda d: d.push("busybox", auth={**AUTH, "password": PASSWORD.encode()}),
        lambda d: d.build(b"", auth={"localhost:5000": {**AUTH, "x": PASSWORD}}),
        lambda d: d.login("nkuser", PASSWORD + "\n"),
        lambda d: d.login("nkuser", PASSWORD, bogus=PASSWORD),
        lambda d: d.search("term\x00", auth=AUTH),  # another option is bad: the auth stays hidden
    ],
    ids=["unknown-key", "list", "control-char", "bytes", "build", "login", "login-extra", "search"],
)
def test_bad_credentials_refused_without_echo(
    fault: FaultServer, call: Callable[[nk.Docker], Any]
) -> None:
    with nk.connect(fault.url, timeout=5) as docker:
        fault.set("good")
        with pytest.raises(nk.InvalidOption) as caught:
            call(docker)
        _assert_no_secret(_texts(caught.value), "the InvalidOption")
        assert fault.requests() == []


# -- crafted identifiers -------------------------------------------------------------

CRAFTED = [
    "..", ".", "../images/busybox", "c1/../x", "c1/..", "./c1", "/../x", "c1?force=1",
    "c1#frag", "c1%2Fx", "%2e%2e", "%2E%2E%2Fimages", "c1/", "c1//x", "c 1", "c1\n",
    "c1\r\nX-Evil: 1", "c1\x00", "", "c1\\..\\x", "\u2025", "\uff0e\uff0e", "c1;x",
    "c1&force=1", "a..b", "c1%00",
]  # fmt: skip
CRAFTED_IMAGES = [
    "busybox/../../containers/c1", "../busybox", "busybox:latest?x=1", "busybox#x",
    "busybox%2Flatest", "busybox:..", "busybox/..", "busybox@sha256:..",
    "localhost:5000/../x", "busybox:latest/../../x", "..:5000/x", "busybox/./x",
    "sha256:../../x", "busybox%3Flatest",
]  # fmt: skip

# A valid value for each positional parameter, by name (a new command with a new
# parameter name fails test_every_identifier_command_is_covered until added here).
VALID_ARGS: dict[str, Any] = {
    "container": "c1", "image": "busybox:latest", "exec_id": "e0123", "network": "n1",
    "volume": "v1", "cmds": ["true"], "w": 80, "h": 24, "path": "/tmp", "data": b"",
    "name": "n2", "repo": "r/x", "tar": b"", "names": ["busybox"], "term": "x",
    "username": "u", "password": "p", "from_image": "busybox",
    "plugin": "nk/plugin", "remote": "nk/plugin", "settings": ["DEBUG=1"],
    "node": "nd1", "service": "s1", "task": "t1", "secret": "sc1", "config": "cf1",
    "version": 1, "spec": {}, "remote_addrs": ["127.0.0.1:2377"],
    "join_token": "SWMTKN-1-x", "unlock_key": "SWMKEY-1-x",
}  # fmt: skip
EXTRA_OPTIONS: dict[str, dict[str, Any]] = {"update": {"cpu_shares": 512}}
API = (1, 41)


def _path_identifier_commands() -> list[tuple[str, str]]:
    """(command, parameter) for every identifier that goes into a request path."""
    out = []
    for name in sorted(COMMANDS):
        command = lookup(name, API)
        if command.since_api is not None and command.since_api > API:
            continue  # newer than the fault server's API: test_identifiers checks those
        out += [(name, key) for key, f in command.fields.items() if f.place == "path"]
    return out


def _args(name: str, replace: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    command = lookup(name, API)
    args = tuple(replace.get(p, VALID_ARGS.get(p)) for p in command.params)
    options = {**EXTRA_OPTIONS.get(name, {}), **{k: v for k, v in replace.items()
                                                 if k not in command.params}}  # fmt: skip
    return args, options


def test_every_identifier_command_is_covered() -> None:
    commands = _path_identifier_commands()
    assert len(commands) >= 30
    for name, _ in commands:
        args, options = _args(name, {})
        build(lookup(name, API), args, options, API)  # the valid call is accepted


@pytest.fixture
def quiet_server(fault: FaultServer) -> Iterator[tuple[FaultServer, nk.Docker]]:
    """A connection to the fault server; the test asserts it then receives nothing."""
    with nk.connect(fault.url, timeout=5) as docker:
        fault.set("good")  # forget the negotiation
        yield fault, docker
        assert fault.requests() == [], "a request was sent"


@pytest.mark.parametrize(("command", "param"), _path_identifier_commands())
def test_crafted_path_identifiers_never_sent(
    quiet_server: tuple[FaultServer, nk.Docker], command: str, param: str
) -> None:
    _, docker = quiet_server
    kind_is_image = param == "image"
    crafted = CRAFTED + (CRAFTED_IMAGES if kind_is_image else [])
    spec = lookup(command, API)
    for value in crafted:
        args, options = _args(command, {param: value})
        variants = [{}]
        if spec.stream is not None:
            variants.append({"subscriber": nk.Inbox()})
        for extra in variants:
            with pytest.raises(nk.InvalidOption):
                getattr(docker, command)(*args, **options, **extra)


# Identifiers that go into a query string or a body.
OTHER_IDENTIFIERS: list[tuple[str, Callable[[nk.Docker, str], Any]]] = [
    ("create name", lambda d, x: d.create("busybox", name=x, cmds=["true"])),
    ("create image", lambda d, x: d.create(x, cmds=["true"])),
    ("rename", lambda d, x: d.rename("c1", x)),
    ("tag repo", lambda d, x: d.tag("busybox", x)),
    ("tag tag", lambda d, x: d.tag("busybox", "r/x", tag=x)),
    ("commit container", lambda d, x: d.commit(x)),
    ("commit repo", lambda d, x: d.commit("c1", repo=x)),
    ("network_connect", lambda d, x: d.network_connect("n1", x)),
    ("network_disconnect", lambda d, x: d.network_disconnect("n1", x)),
    # (network_create's name travels in the body, where dockerd takes any text: see
    # test_api_latest.py.)
    ("volume_create", lambda d, x: d.volume_create(name=x)),
    ("pull", lambda d, x: d.pull(x)),
    ("pull tag", lambda d, x: d.pull("busybox", tag=x)),
    ("create_image", lambda d, x: d.create_image(from_image=x)),
    ("push tag", lambda d, x: d.push("busybox", tag=x)),
    ("build t", lambda d, x: d.build(b"", t=x)),
    ("get_images", lambda d, x: d.get_images([x], file=io.BytesIO())),
]


@pytest.mark.parametrize(("what", "call"), OTHER_IDENTIFIERS, ids=[o[0] for o in OTHER_IDENTIFIERS])
def test_crafted_identifiers_in_query_or_body_never_sent(
    quiet_server: tuple[FaultServer, nk.Docker], what: str, call: Callable[[nk.Docker, str], Any]
) -> None:
    _, docker = quiet_server
    for value in CRAFTED + CRAFTED_IMAGES:
        with pytest.raises(nk.InvalidOption):
            call(docker, value)
