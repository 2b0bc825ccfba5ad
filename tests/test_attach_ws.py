"""attach_ws: GET /containers/{id}/attach/ws, RFC 6455 framing over our Channel.

Against the sandbox's dockerd 20.10 (unix, tcp, verified TLS, ssh): output, stdin
round trips, the logs replay, megabytes delivered exactly, the close handshake from
either side. Podman 4.3 does not offer the endpoint: its 404, typed. The fault server's
websocket personas give what no real daemon sends: a wrong accept key, masked server
frames, fragments with a ping among them, an oversized frame, a close inside a frame,
an EOF without a close frame.
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import Engine, client_certs, drain, wait_until
from faultserver import WS_OUTPUT, FaultServer, ws_frame
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ssh import Sshd, ssh_path, sshd  # noqa: F401  (the fixtures)

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.http11 import ProtocolError
from nkdocker_actors.websocket import Close, FrameReader, Ping


def _data(items: list[Any]) -> bytes:
    assert all(isinstance(item, nk.Data) for item in items), items
    return b"".join(item.value for item in items)


def _read_until(inbox: nk.Inbox, ref: nk.Ref, needle: bytes, timeout: float = 30) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data:
        message = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        if message.ref is ref:
            assert isinstance(message.payload, nk.Data), message.payload
            data += message.payload.value
    return data


# -- the real dockerd ------------------------------------------------------------------


def _connect_over(daemon: sandbox.SandboxInfo, transport: str) -> nk.Docker:
    if transport == "unix":
        return nk.connect(daemon.unix_url)
    if transport == "tcp":
        return nk.connect(daemon.tcp_url)
    return nk.connect(host="127.0.0.1", port=daemon.tls_port, proto="tls", **client_certs(daemon))


@pytest.mark.parametrize("api", [None, "1.25"])  # before 1.28 dockerd sends text frames
def test_output_of_a_running_container(
    daemon: sandbox.SandboxInfo,
    api: str | None,
    name: Callable[[str], str],
    cleanup: Any,
    baseline: None,
) -> None:
    with nk.connect(daemon.unix_url, api_version=api) as docker:
        container = cleanup(name("wsout"))
        script = "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done"
        docker.create("busybox:latest", name=container, cmds=["sh", "-c", script]).get(30)
        docker.start(container).get(30)
        inbox = nk.Inbox()
        ref = docker.attach_ws(container, subscriber=inbox, stream=True, stdout=True).get(10)
        seen = _read_until(inbox, ref, b"\n", timeout=10)
        first = int(seen.split(b"tick ")[1].split(b"\n")[0])
        seen = _read_until(inbox, ref, b"tick %d\n" % (first + 3), timeout=10)
        docker.finish_async(ref).get(10)
        assert drain(inbox, ref)[1] == nk.Done("finished")
        docker.rm(container, force=True).get(30)


@pytest.mark.parametrize("transport", ["unix", "tcp", "tls"])
def test_stdin_round_trip_and_close_from_our_side(
    daemon: sandbox.SandboxInfo,
    transport: str,
    name: Callable[[str], str],
    cleanup: Any,
    baseline: None,
) -> None:
    with _connect_over(daemon, transport) as docker:
        container = cleanup(name("wscat"))
        docker.create("busybox:latest", name=container, interactive=True, cmds=["cat"]).get(30)
        docker.start(container).get(30)
        inbox = nk.Inbox()
        ref = docker.attach_ws(
            container, subscriber=inbox, stream=True, stdin=True, stdout=True
        ).get(10)
        docker.attach_send(ref, b"hello\n").get(10)
        assert _read_until(inbox, ref, b"hello\n") == b"hello\n"
        # 3 MB in frames of 1 MiB and less, echoed by cat while we write: exact, CRC-checked
        payload = os.urandom(3 * 1000 * 1000)
        for start in range(0, len(payload), 700 * 1000):
            docker.attach_send(ref, payload[start : start + 700 * 1000]).get(30)
        docker.attach_send(ref, b"END\n").get(10)
        echoed = _read_until(inbox, ref, b"END\n", timeout=60)
        assert len(echoed) == len(payload) + 4
        assert zlib.crc32(echoed[:-4]) == zlib.crc32(payload)
        # our close frame; the daemon answers with its own: exactly one terminal message
        docker.close_stdin(ref).get(10)
        items, end = drain(inbox, ref)
        assert items == [] and end == nk.Done("closed: 1000")
        with pytest.raises(nk.Timeout):
            inbox.get(timeout=0.3)
        # dockerd takes the close as the end of stdin: cat reads EOF and exits
        assert docker.wait(container).get(30)["StatusCode"] == 0
        with pytest.raises(nk.InvalidOption, match="not an open stream"):
            docker.attach_send(ref, b"late").get(10)
        docker.rm(container, force=True).get(30)


def test_megabytes_of_output_then_the_exit_ends_the_stream(
    daemon: sandbox.SandboxInfo, name: Callable[[str], str], cleanup: Any, baseline: None
) -> None:
    size = 6 * 1000 * 1000
    line = b"0123456789abcdefghijklmnopqrstuvwxyz\n"
    expected = (line * (size // len(line) + 1))[:size]
    with nk.connect(daemon.unix_url) as docker:
        container = cleanup(name("wsbig"))
        script = f"yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c {size}"
        docker.create("busybox:latest", name=container, cmds=["sh", "-c", script]).get(30)
        inbox = nk.Inbox()
        # attached before it starts: nothing of its output can be missed; a small
        # max_pending makes the stream stop reading many times on the way
        ref = docker.attach_ws(
            container, subscriber=inbox, stream=True, max_pending=256 * 1024
        ).get(10)
        docker.start(container).get(30)
        items, end = drain(inbox, ref, timeout=60)
        received = _data(items)
        assert len(received) == size and zlib.crc32(received) == zlib.crc32(expected)
        assert end == nk.Done("closed: 1000")  # the container exited: the daemon closed
        assert docker.wait(container).get(30)["StatusCode"] == 0
        # logs=True replays it all to a new attach (no stream: it ends after the replay)
        ref = docker.attach_ws(container, subscriber=inbox, logs=True, stream=False).get(10)
        items, end = drain(inbox, ref, timeout=60)
        assert zlib.crc32(_data(items)) == zlib.crc32(expected)
        assert end == nk.Done("closed: 1000")
        # without a subscriber: the same replay, as bytes
        replay = docker.attach_ws(container, logs=True, stream=False).get(60)
        assert zlib.crc32(replay) == zlib.crc32(expected)


def test_logs_replay_then_the_live_stream(
    daemon: sandbox.SandboxInfo, name: Callable[[str], str], cleanup: Any, baseline: None
) -> None:
    with nk.connect(daemon.unix_url) as docker:
        container = cleanup(name("wslogs"))
        script = "echo before; read line; echo got $line; sleep 300"
        docker.create(
            "busybox:latest", name=container, interactive=True, cmds=["sh", "-c", script]
        ).get(30)
        docker.start(container).get(30)
        wait_until(lambda: b"before" in b"".join(o.data for o in docker.logs(container).get(10)))
        inbox = nk.Inbox()
        ref = docker.attach_ws(container, subscriber=inbox, stream=True, logs=True, stdin=True).get(
            10
        )
        assert _read_until(inbox, ref, b"before\n") == b"before\n"  # replayed
        docker.attach_send(ref, b"live\n").get(10)
        assert _read_until(inbox, ref, b"got live\n") == b"got live\n"
        docker.rm(container, force=True).get(30)
        assert drain(inbox, ref)[1] in (nk.Done("closed: 1000"), nk.Done("eof"))


def test_bad_options_fail_before_anything_is_sent(docker: nk.Docker) -> None:
    inbox = nk.Inbox()
    with pytest.raises(nk.InvalidOption, match="'logs'"):
        docker.attach_ws("c0ffee", subscriber=inbox, stream=True, logs="yes")
    with pytest.raises(nk.InvalidOption, match="unknown option"):
        docker.attach_ws("c0ffee", subscriber=inbox, stream=True, tty=True)
    with pytest.raises(nk.InvalidOption, match="subscriber"):
        docker.attach_ws("c0ffee", stream=True)
    with pytest.raises(nk.InvalidOption):
        docker.attach_ws("bad/name!", subscriber=inbox, stream=True)


def test_engines_offer_it_or_say_they_do_not(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    container = cleanup(name("wsengine"))
    docker.create("busybox:latest", name=container, cmds=["sh", "-c", "echo hi; sleep 300"]).get(30)
    docker.start(container).get(30)
    inbox = nk.Inbox()
    ref = docker.attach_ws(container, subscriber=inbox, stream=True, logs=True).get(10)
    if engine.name == "podman":
        # Podman 4.3 has no such route: its 404, in its words, as the one terminal message
        items, end = drain(inbox, ref)
        assert items == [] and isinstance(end, nk.Failed)
        assert isinstance(end.error, nk.NotFound) and end.error.message == "Not Found"
    else:
        assert _read_until(inbox, ref, b"hi\n") == b"hi\n"
        docker.finish_async(ref).get(10)
        assert drain(inbox, ref)[1] == nk.Done("finished")
    if engine.name == "podman":
        with pytest.raises(nk.NotFound, match="Not Found"):
            docker.attach_ws(container, logs=True, stream=False).get(10)
    else:
        assert docker.attach_ws(container, logs=True, stream=False).get(10) == b"hi\n"
    missing = nk.Inbox()
    ref = docker.attach_ws(name("wsnone"), subscriber=missing, stream=True).get(10)
    _, end = drain(missing, ref)
    assert isinstance(end, nk.Failed) and isinstance(end.error, nk.NotFound)
    docker.rm(container, force=True).get(30)


def test_over_ssh(
    ssh_path: Sshd,  # noqa: F811
    baseline: None,
    name: Callable[[str], str],
    cleanup: Any,
) -> None:
    with nk.connect(ssh_path.url) as docker:
        container = cleanup(name("wsssh"))
        docker.create("busybox:latest", name=container, interactive=True, cmds=["cat"]).get(30)
        docker.start(container).get(30)
        inbox = nk.Inbox()
        ref = docker.attach_ws(container, subscriber=inbox, stream=True, stdin=True).get(30)
        payload = os.urandom(1000 * 1000)
        docker.attach_send(ref, payload + b"END\n").get(30)
        echoed = _read_until(inbox, ref, b"END\n", timeout=60)
        assert zlib.crc32(echoed) == zlib.crc32(payload + b"END\n")
        docker.close_stdin(ref).get(30)
        assert drain(inbox, ref)[1] == nk.Done("closed: 1000")
        docker.rm(container, force=True).get(30)


# -- the fault server's websocket personas ---------------------------------------------


@pytest.fixture
def ws(fault: FaultServer, baseline: None) -> Iterator[Callable[..., tuple[list[Any], Any]]]:
    """Attach to the fault server as `persona`: (payloads, terminal message)."""
    docker = nk.connect(fault.url, timeout=10, connect_timeout=5)

    def attach(persona: str, **options: Any) -> tuple[list[Any], Any]:
        fault.set("ws", ws=persona)
        inbox = nk.Inbox()
        ref = docker.attach_ws("c0ffee", subscriber=inbox, stream=True, timeout=10, **options).get(
            20
        )
        return drain(inbox, ref, timeout=30)

    yield attach
    docker.close()
    wait_until(lambda: fault.stats()["open"] == 0, 10)


def test_a_good_handshake_output_and_the_servers_close(
    fault: FaultServer, ws: Callable[..., tuple[list[Any], Any]]
) -> None:
    items, end = ws("output", stdout=True)
    assert _data(items) == b"".join(WS_OUTPUT)
    assert end == nk.Done("closed: 1000")
    request = fault.requests()[-1]
    assert request["method"] == "GET"
    assert request["target"] == "/v1.41/containers/c0ffee/attach/ws?stream=1&stdout=1"
    headers = {key.lower(): value for key, value in request["headers"]}
    assert headers["upgrade"] == "websocket" and headers["connection"] == "Upgrade"
    assert headers["sec-websocket-version"] == "13"
    # our answer to the server's close: a masked close frame echoing 1000
    # (recorded by the server's thread once it has read it: waited for, not assumed)
    wait_until(lambda: fault.websocket()["replies"] == ["8:03e8:True"], 10)
    first = fault.websocket()["keys"]
    ws("output")
    assert fault.websocket()["keys"] != first  # a fresh random key per handshake


def test_without_a_subscriber_the_output_as_bytes(fault: FaultServer, baseline: None) -> None:
    with nk.connect(fault.url, timeout=10) as docker:
        fault.set("ws", ws="output")
        assert docker.attach_ws("c0ffee", logs=True, stream=False).get(20) == b"".join(WS_OUTPUT)
        fault.set("ws", ws="bad_accept")
        with pytest.raises(ProtocolError, match="wrong Sec-WebSocket-Accept"):
            docker.attach_ws("c0ffee", logs=True, stream=False).get(20)
        fault.set("ws", ws="close_mid_frame")
        with pytest.raises(ProtocolError, match="closed inside a frame"):
            docker.attach_ws("c0ffee", logs=True, stream=False).get(20)
        with pytest.raises(nk.InvalidOption, match="give it a subscriber"):
            docker.attach_ws("c0ffee", logs=True, stream=True)  # endless
    wait_until(lambda: fault.stats()["open"] == 0, 10)


@pytest.mark.parametrize(
    ("persona", "error", "words"),
    [
        ("bad_accept", ProtocolError, "wrong Sec-WebSocket-Accept"),
        ("refuse_200", ProtocolError, "with 200 OK, not 101"),
        ("refuse_400", nk.BadParameter, "bad parameter"),
        ("refuse_404", nk.NotFound, "page not found"),
        ("masked", ProtocolError, "server masked a frame"),
        ("oversize", ProtocolError, "frame of 1099511627776 bytes"),
        ("rsv", ProtocolError, "RSV bits"),
        ("continuation_first", ProtocolError, "continuation frame with no message"),
    ],
)
def test_faults_fail_typed_never_hang(
    ws: Callable[..., tuple[list[Any], Any]], persona: str, error: type, words: str
) -> None:
    started = time.monotonic()
    items, end = ws(persona)
    assert items == []
    assert isinstance(end, nk.Failed) and type(end.error) is error, end
    assert words in str(end.error)
    assert time.monotonic() - started < 10


def test_a_close_inside_a_frame_is_a_protocol_error(
    ws: Callable[..., tuple[list[Any], Any]],
) -> None:
    items, end = ws("close_mid_frame")
    # what came is delivered (the frame's first bytes too), then the fault
    assert _data(items).startswith(WS_OUTPUT[0])
    assert isinstance(end, nk.Failed) and type(end.error) is ProtocolError
    assert "closed inside a frame" in str(end.error)


def test_an_eof_without_a_close_frame_is_an_eof(
    ws: Callable[..., tuple[list[Any], Any]],
) -> None:
    items, end = ws("abrupt_eof")
    assert _data(items) == b"".join(WS_OUTPUT)
    assert end == nk.Done("eof")  # the daemon still answers a ping: no crash


def test_fragments_and_a_ping_among_them(
    fault: FaultServer, ws: Callable[..., tuple[list[Any], Any]]
) -> None:
    items, end = ws("fragmented")
    # the message's pieces in order; our pong (opcode 10) masked, echoing the ping's payload
    assert _data(items) == b"frag-mented\npong 10 are you there? 1"
    assert end == nk.Done("closed: 1000")


def test_the_servers_close_code_and_reason_end_the_stream(
    fault: FaultServer, ws: Callable[..., tuple[list[Any], Any]]
) -> None:
    items, end = ws("going_away")
    assert _data(items) == WS_OUTPUT[0]
    assert end == nk.Done("closed: 1001 shutting down")
    wait_until(lambda: fault.websocket()["replies"] == ["8:03e9:True"], 10)


def test_stdin_frames_are_masked_and_the_close_handshake_ours(
    fault: FaultServer, baseline: None
) -> None:
    fault.set("ws", ws="echo")  # closes 1002 on an unmasked frame
    with nk.connect(fault.url, timeout=10) as docker:
        inbox = nk.Inbox()
        ref = docker.attach_ws("c0ffee", subscriber=inbox, stream=True, stdin=True).get(10)
        payload = os.urandom(2 * 1024 * 1024 + 7)  # three frames: a message in fragments
        docker.attach_send(ref, payload).get(30)
        docker.attach_send(ref, b"").get(10)  # an empty message: nothing comes back
        docker.attach_send(ref, b"tail").get(10)
        echoed = _read_until(inbox, ref, b"tail", timeout=30)
        assert echoed == payload + b"tail"
        docker.close_stdin(ref).get(10)
        items, end = drain(inbox, ref)
        assert items == [] and end == nk.Done("closed: 1000")
    wait_until(lambda: fault.stats()["open"] == 0, 10)


def test_the_frame_reader_refuses_before_it_allocates() -> None:
    reader = FrameReader(max_frame=1024)
    with pytest.raises(ProtocolError, match="1025 bytes"):
        reader.feed(b"\x82\x7e\x04\x01")  # a 1025-byte frame announced: refused on the header
    reader = FrameReader()
    with pytest.raises(ProtocolError, match="top bit"):
        reader.feed(b"\x82\x7f\x80" + bytes(7))
    with pytest.raises(ProtocolError, match="oversized control"):
        FrameReader().feed(b"\x89\x7e\x00\x80")
    with pytest.raises(ProtocolError, match="new message inside"):
        FrameReader().feed(b"\x01\x01a\x02\x01b")


@settings(max_examples=200, deadline=None)
@given(
    messages=st.lists(st.binary(max_size=70000), min_size=1, max_size=5),
    fragment=st.integers(min_value=1, max_value=5),
    cuts=st.lists(st.integers(min_value=1, max_value=70000), max_size=20),
)
def test_the_frame_reader_takes_any_split(
    messages: list[bytes], fragment: int, cuts: list[int]
) -> None:
    """Messages in fragments (with pings among them), fed in pieces cut anywhere: the same
    bytes, the pings and the close, in order."""
    wire, expected_pings = b"", []
    for message in messages:
        step = max(1, -(-len(message) // fragment))
        pieces = [message[i : i + step] for i in range(0, len(message), step)] or [b""]
        for i, piece in enumerate(pieces):
            wire += ws_frame(2 if i == 0 else 0, piece, fin=i == len(pieces) - 1)
            wire += ws_frame(9, b"%d" % i)
            expected_pings.append(Ping(b"%d" % i))
    wire += ws_frame(8, b"\x03\xe8")
    reader, events, position = FrameReader(), [], 0
    for cut in [*cuts, len(wire)]:
        events += reader.feed(wire[position : position + cut])
        position += cut
        if position >= len(wire):
            break
    assert b"".join(e for e in events if isinstance(e, bytes)) == b"".join(messages)
    assert [e for e in events if not isinstance(e, bytes)][-1] == Close(1000)
    assert [e for e in events if isinstance(e, Ping)] == expected_pings
