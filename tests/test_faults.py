"""Reliability: a hostile server (tests/faultserver/) against every way a command travels.

Each behaviour of the fault server meets each surface: a quick command on the
shared keep-alive socket (ps), the same with reply_to, a slow command on a socket
of its own (logs), and the streams (events: JSON lines; logs follow: frames;
attach and exec start: upgraded raw streams). Each must end in the correct
result or a typed error (ConnectionFailed, its subclass ProtocolError, or a
DockerError), within the configured timeout, leaving no thread or socket
behind; a stream's ref gets exactly one Done or Failed, and nothing after it.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import wait_until
from faultserver import EVENTS, JSON_DOC, OUTPUT, FaultServer

import nkdocker_actors as nk
from nkdocker_actors.http11 import Channel, ProtocolError, Request
from nkdocker_actors.http11 import channel as channel_module
from nkdocker_actors.transport import Address

TIMEOUT = 0.5  # the read timeout every test configures
SLACK = 1.5  # how far past it an error may come

# Behaviours a careful client reads correctly.
CORRECT = (
    "good",
    "chunk_extensions_and_trailers",
    "http10_close",
    "upgrade_refused_200",
    "continue_100",
    "close_after_each",
)
# Behaviours that must fail, with the error's class and what its text says.
ERRORS: dict[str, tuple[type[BaseException], str]] = {
    "truncated_chunked": (ProtocolError, "closed inside a chunk"),
    "invalid_chunk_size": (ProtocolError, "bad chunk size"),
    "huge_chunk_size": (ProtocolError, "closed inside a chunk|frame header"),
    "chunk_size_line_too_long": (ProtocolError, "line too long"),
    "chunk_overrun": (ProtocolError, "longer than announced"),
    "endless_trailers": (ProtocolError, "trailers .* too long"),
    "invalid_json": (ProtocolError, "invalid JSON|unreadable reply|frame header"),
    "json_line_too_long": (ProtocolError, "line too long|closed inside|frame header"),
    "frame_4gb": (ProtocolError, "ended inside a frame|invalid JSON|unreadable reply"),
    "bad_stream_id": (ProtocolError, r"stream 9\)|invalid JSON|unreadable reply"),
    "reset_mid_frame": (nk.ConnectionFailed, "reset by peer"),
    "stall_head": (nk.ConnectionFailed, "timed out"),
    "stall_head_part": (nk.ConnectionFailed, "timed out"),
    "slowloris_endless_head": (nk.ConnectionFailed, "timed out"),
    "huge_header": (ProtocolError, "response head .* too long"),
    "body_shorter_than_length": (ProtocolError, "closed before the body's end"),
    "length_shorter_than_body": (ProtocolError, "unreadable reply|invalid JSON|inside a frame"),
    "bad_content_length": (ProtocolError, "bad Content-Length"),
    "unicode_content_length": (ProtocolError, "bad Content-Length"),
    "conflicting_content_length": (ProtocolError, "conflicting Content-Length"),
    "upgrade_refused_404": (nk.NotFound, "No such container: fault"),
    "redirect": (nk.DockerError, "redirect to '/v1.41/images/victim/json' refused"),
    "garbage_status": (ProtocolError, "bad status line"),
    "http2_status": (ProtocolError, "bad status line"),
    "unicode_status": (ProtocolError, "bad status line"),
    "no_terminator": (ProtocolError, "closed inside a response head"),
    "bare_lf_head": (ProtocolError, "closed inside a response head"),
    "header_no_colon": (ProtocolError, "bad header line"),
    "text_error_500": (nk.ServerError, "kaboom: disk on fire"),
    "json_error_404": (nk.NotFound, "No such container: fault"),
    "bad_json_error_500": (nk.ServerError, '{"message": "half a'),
    "interim_flood": (ProtocolError, "response head .* too long"),
    "unexpected_101": (ProtocolError, r"switched protocols unasked \(101\)"),
    "eof_no_response": (nk.ConnectionFailed, "closed the connection"),
    "reset_no_response": (nk.ConnectionFailed, "reset by peer"),
}
# A stall after part of the body: quick and slow calls time out; streams stay open (idle
# is not a fault for a stream) until finish_async, tested on its own below.
CALL_ERRORS = {**ERRORS, "stall_mid_body": (nk.ConnectionFailed, "timed out")}
STREAM_ERRORS = dict(ERRORS)
ATTACH_ERRORS = {k: v for k, v in ERRORS.items() if k != "unexpected_101"}  # 101 is right there


def test_at_least_twenty_hostile_behaviours() -> None:
    from faultserver import BEHAVIOURS

    assert len(set(ERRORS) | {"stall_mid_body", "slowloris"} | set(CORRECT)) >= 20
    # script: test_fuzz; ws (the websocket personas): test_attach_ws
    tested_elsewhere = {
        *("stall_mid_body", "pause_mid_chunk", "slowloris", "echo", "script", "ws"),
        "answer_early",  # uploads: test_an_upload_answered_early_*
    }
    assert set(ERRORS) | set(CORRECT) | tested_elsewhere == set(BEHAVIOURS)


# -- fixtures and helpers ------------------------------------------------------------


@pytest.fixture
def fault(fault_server: FaultServer) -> Iterator[FaultServer]:
    """The fault server, answering well until told otherwise; all its sockets closed after."""
    fault_server.set("good")
    yield fault_server
    # Everything we opened was closed: the server sees no connection left (but ours).
    wait_until(lambda: fault_server.stats()["open"] == 0, 10)


@pytest.fixture
def connect(fault: FaultServer, no_leaks: None) -> Iterator[Callable[..., nk.Docker]]:
    """Connections to the fault server (negotiated while it answers well), closed after."""
    opened: list[nk.Docker] = []

    def make(**settings: Any) -> nk.Docker:
        settings.setdefault("timeout", TIMEOUT)
        docker = nk.connect(fault.url, connect_timeout=5, **settings)
        opened.append(docker)
        return docker

    yield make
    for docker in opened:
        docker.close()


def check_error(error: BaseException, expected: tuple[type[BaseException], str]) -> None:
    cls, pattern = expected
    assert isinstance(error, cls), f"{type(error).__name__}: {error}"
    if isinstance(error, nk.DockerError):
        assert type(error) is cls  # the subclass for its status, not just DockerError
        assert re.search(pattern, error.message), error.message
    else:
        assert re.search(pattern, str(error)), str(error)
    if "redirect" in pattern:
        assert isinstance(error, nk.DockerError) and error.status == 301


def good_outputs(items: list[Any]) -> tuple[bytes, bytes]:
    assert all(isinstance(item, nk.Output) for item in items), items
    stdout = b"".join(o.data for o in items if o.stream == "stdout")
    stderr = b"".join(o.data for o in items if o.stream == "stderr")
    return stdout, stderr


EXPECTED_STDOUT = b"".join(d for s, d in OUTPUT if s == 1)
EXPECTED_STDERR = b"".join(d for s, d in OUTPUT if s == 2)


def collect(inbox: nk.Inbox, ref: nk.Ref, within: float) -> tuple[list[Any], Any]:
    """The ref's payloads up to its terminal one, which must come `within` seconds;
    then make sure nothing else comes for it."""
    items: list[Any] = []
    deadline = time.monotonic() + within
    while True:
        try:
            message = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            raise AssertionError(f"no terminal message within {within} s: {items}") from None
        assert message.ref is ref
        if isinstance(message.payload, nk.Done | nk.Failed):
            terminal = message.payload
            break
        items.append(message.payload)
    with pytest.raises(TimeoutError):
        inbox.get(timeout=0.05)  # exactly one terminal message, nothing after it (see also
    return items, terminal  # the end of test_stream: nothing more once everything stopped)


# -- the surfaces --------------------------------------------------------------------


def _quick(docker: nk.Docker) -> Any:
    return docker.ps().get(TIMEOUT + 10)


def _reply_to(docker: nk.Docker) -> Any:
    inbox = nk.Inbox()
    ref = docker.ps(reply_to=inbox).get(5)
    message = inbox.get(timeout=TIMEOUT + 10)
    assert message.ref is ref
    with pytest.raises(TimeoutError):
        inbox.get(timeout=0.1)
    if isinstance(message.payload, nk.Failed):
        raise message.payload.error
    assert isinstance(message.payload, nk.Data)
    return message.payload.value


def _exclusive(docker: nk.Docker) -> Any:
    return docker.logs("fault", timeout=TIMEOUT).get(TIMEOUT + 10)


CALLS: dict[str, Callable[[nk.Docker], Any]] = {
    "quick": _quick,
    "reply_to": _reply_to,
    "exclusive": _exclusive,
}


# reply_to only changes how the result travels: a few behaviours of each kind are enough.
REPLY_TO_SAMPLE = ("good", "truncated_chunked", "stall_head", "json_error_404", "redirect")


def _call_cases() -> list[Any]:
    cases = []
    for surface in CALLS:
        sample = REPLY_TO_SAMPLE if surface == "reply_to" else (*CORRECT, *CALL_ERRORS)
        cases += [pytest.param(surface, b, CALL_ERRORS.get(b), id=f"{surface}-{b}") for b in sample]
    return cases


@pytest.mark.parametrize(("surface", "behaviour", "expected"), _call_cases())
def test_call(
    connect: Callable[..., nk.Docker],
    fault: FaultServer,
    surface: str,
    behaviour: str,
    expected: tuple[type[BaseException], str] | None,
) -> None:
    docker = connect()
    fault.set(behaviour)
    started = time.monotonic()
    if expected is None:
        result = CALLS[surface](docker)
        if surface == "exclusive":
            assert good_outputs(result) == (EXPECTED_STDOUT, EXPECTED_STDERR)
        else:
            assert result == JSON_DOC
    else:
        with pytest.raises(nk.NkDockerError) as caught:
            CALLS[surface](docker)
        check_error(caught.value, expected)
    assert time.monotonic() - started < TIMEOUT + SLACK
    # The same connection works again once the server behaves.
    fault.set("good")
    assert docker.ps().get(10) == JSON_DOC


STREAMS: dict[str, Callable[[nk.Docker, nk.Inbox], nk.Ref]] = {
    "events": lambda d, inbox: d.events(subscriber=inbox, timeout=TIMEOUT).get(TIMEOUT + 10),
    "logs": lambda d, inbox: d.logs("fault", follow=True, subscriber=inbox, timeout=TIMEOUT).get(
        TIMEOUT + 10
    ),
    "attach": lambda d, inbox: d.attach(
        "fault", stream=True, stdout=True, stderr=True, subscriber=inbox, timeout=TIMEOUT
    ).get(TIMEOUT + 10),
    "exec": lambda d, inbox: d.exec_start("e0123", subscriber=inbox, timeout=TIMEOUT).get(
        TIMEOUT + 10
    ),
}


def _stream_cases() -> list[Any]:
    cases = []
    for surface in STREAMS:
        errors = ATTACH_ERRORS if surface in ("attach", "exec") else STREAM_ERRORS
        cases += [pytest.param(surface, b, None, id=f"{surface}-{b}") for b in CORRECT]
        cases += [
            pytest.param(surface, b, expected, id=f"{surface}-{b}")
            for b, expected in errors.items()
        ]
    return cases


# Behaviours that send content of their own, not the well-formed answer cut short.
OWN_CONTENT = {"frame_4gb", "bad_stream_id", "huge_chunk_size"}


def check_partial(surface: str, items: list[Any], complete: bool) -> None:
    """What came before the terminal message is (a prefix of) the right content."""
    if surface == "events":
        values = [item.value for item in items]
        assert values == EVENTS if complete else values == EVENTS[: len(values)]
        return
    stdout, stderr = good_outputs(items)
    if complete:
        assert (stdout, stderr) == (EXPECTED_STDOUT, EXPECTED_STDERR)
    else:
        assert EXPECTED_STDOUT.startswith(stdout) and EXPECTED_STDERR.startswith(stderr)


@pytest.mark.parametrize(("surface", "behaviour", "expected"), _stream_cases())
def test_stream(
    connect: Callable[..., nk.Docker],
    fault: FaultServer,
    surface: str,
    behaviour: str,
    expected: tuple[type[BaseException], str] | None,
) -> None:
    docker = connect()
    fault.set(behaviour)
    inbox = nk.Inbox()
    started = time.monotonic()
    ref = STREAMS[surface](docker, inbox)
    items, terminal = collect(inbox, ref, TIMEOUT + SLACK)
    if expected is None:
        assert terminal == nk.Done("eof")
        check_partial(surface, items, complete=True)
    else:
        assert isinstance(terminal, nk.Failed), terminal
        check_error(terminal.error, expected)
        if behaviour in OWN_CONTENT:
            assert all(isinstance(item, nk.Output | nk.Data) for item in items), items
        else:
            check_partial(surface, items, complete=False)
    assert time.monotonic() - started < TIMEOUT + SLACK
    wait_until(lambda: docker.connection_stats()["streams"] == 0, 5)
    docker.close()
    assert len(inbox) == 0


# -- behaviours with tests of their own ----------------------------------------------


@pytest.mark.parametrize("surface", list(STREAMS))
def test_stream_stalled_mid_body_ends_on_finish(
    connect: Callable[..., nk.Docker], fault: FaultServer, surface: str
) -> None:
    docker = connect()
    fault.set("stall_mid_body")
    inbox = nk.Inbox()
    ref = STREAMS[surface](docker, inbox)
    # The head came in time: from there on, silence is an idle stream, not a fault.
    deadline = time.monotonic() + TIMEOUT + 0.5
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = inbox.get(timeout=left)
        except TimeoutError:
            break
        assert not isinstance(message.payload, nk.Done | nk.Failed), message
    started = time.monotonic()
    docker.finish_async(ref).get(5)
    _, terminal = collect(inbox, ref, 2)
    assert terminal == nk.Done("finished")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("timeout", [30.0, None])
@pytest.mark.parametrize("body", ["bytes", "iterable"])
def test_an_upload_answered_early_fails_with_the_answer(
    connect: Callable[..., nk.Docker], fault: FaultServer, timeout: float | None, body: str
) -> None:
    """A server that refuses an upload before reading it, and keeps the connection open
    without reading: once the socket takes no more, the answer is the error, at once,
    not a send waiting out its timeout (or forever, with none). 64 MB: more than the
    socket takes. Sent with Content-Length (bytes) or chunked (an iterable)."""
    docker = connect(timeout=timeout)
    fault.set("answer_early")
    piece = b"not a tar at all" * 65536  # 1 MB
    data: Any = piece * 64 if body == "bytes" else (piece for _ in range(64))
    with pytest.raises(nk.BadParameter, match="refused before reading the body"):
        docker.import_image(data).get(20)
    fault.set("good")
    assert docker.ping().get(10) == "OK"


@pytest.mark.parametrize("body", ["bytes", "iterable"])
def test_an_upload_answered_early_and_still_read_goes_on(
    connect: Callable[..., nk.Docker], fault: FaultServer, body: str
) -> None:
    """A server that answers 200 at once and reads the body meanwhile (full duplex): the
    answer is no refusal, the whole body is sent, and the answer read to its end."""
    docker = connect(timeout=30)
    fault.set("answer_early", read=True)
    piece = b"a tar, say" * 104858  # about 1 MB
    data: Any = piece * 64 if body == "bytes" else (piece for _ in range(64))
    result = docker.import_image(data).get(60)
    assert result[-1] == {"status": f"read {len(piece) * 64} bytes"}


@pytest.mark.parametrize("surface", ["events", "logs"])
def test_stream_paused_mid_chunk_waits_past_its_timeout(
    connect: Callable[..., nk.Docker], fault: FaultServer, surface: str
) -> None:
    """The timeout bounds a stream's head; a pause inside a chunk (its size line, then its
    data), longer than the timeout, is the daemon's pace: everything still arrives."""
    docker = connect()
    fault.set("pause_mid_chunk", delay=TIMEOUT * 2)
    inbox = nk.Inbox()
    ref = STREAMS[surface](docker, inbox)
    items, terminal = collect(inbox, ref, TIMEOUT * 4 + 10)
    assert terminal == nk.Done("eof")
    check_partial(surface, items, complete=True)


def test_close_ends_stalled_streams_and_calls(
    connect: Callable[..., nk.Docker], fault: FaultServer
) -> None:
    # No timeout at all: only close() can end these. (Each on a socket of its own, counted
    # below: identical event subscriptions would share one.)
    docker = connect(timeout=None, share_events=False)
    fault.set("stall_mid_body")
    inbox = nk.Inbox()
    refs = {STREAMS[s](docker, inbox) for s in STREAMS for _ in range(5)}
    call = docker.logs("fault")  # an exclusive call, stalled too
    quick = docker.ps()  # a shared call: it holds the connection actor itself
    wait_until(lambda: fault.stats()["open"] >= len(refs) + 2)
    started = time.monotonic()
    docker.close()
    ends: dict[nk.Ref, Any] = {}
    while len(ends) < len(refs):
        message = inbox.get(timeout=5)
        if isinstance(message.payload, nk.Done | nk.Failed):
            assert message.ref not in ends, "two terminal messages for one ref"
            ends[message.ref] = message.payload
    assert set(ends) == refs
    assert all(isinstance(end, nk.Failed) for end in ends.values())
    assert all(isinstance(end.error, nk.ConnectionFailed) for end in ends.values())
    with pytest.raises(nk.ConnectionFailed):
        call.get(5)
    with pytest.raises(nk.ConnectionFailed):
        quick.get(5)
    assert time.monotonic() - started < 5
    with pytest.raises(TimeoutError):
        inbox.get(timeout=0.3)


@pytest.mark.parametrize(
    ("timeout", "outcome"), [(1.0, "timed out"), (6.0, "complete")], ids=["times-out", "completes"]
)
def test_slowloris(
    connect: Callable[..., nk.Docker], fault: FaultServer, timeout: float, outcome: str
) -> None:
    """One byte per 100 ms: a whole answer takes ~4 s, so it completes or times out
    according to the configured timeout, never later."""
    docker = connect(timeout=timeout)
    fault.set("slowloris", delay=0.1)
    started = time.monotonic()
    if outcome == "complete":
        assert docker.ps().get(30) == []
    else:
        with pytest.raises(nk.ConnectionFailed, match="timed out"):
            docker.ps().get(30)
    assert time.monotonic() - started < timeout + SLACK


def test_a_socket_closed_under_the_reader_fails_typed() -> None:
    """abort() closes the shared socket from another thread; whichever socket call the
    reader makes next (settimeout, recv, send) raises ConnectionFailed, not EBADF."""
    mine, peer = socket.socketpair()
    address = Address("unix", path="/nowhere")
    with peer:
        channel = Channel(mine, address)
        channel.set_deadline(5)
        channel.close()  # as abort() does, between two reads
        with pytest.raises(nk.ConnectionFailed):
            channel.set_timeout(1)
        with pytest.raises(nk.ConnectionFailed):
            channel.read_head()
        with pytest.raises(nk.ConnectionFailed):
            channel.send_request(Request("GET", "/_ping"))


def test_waits_work_on_descriptors_above_1023() -> None:
    """A process running a thousand streams has descriptors select() cannot watch."""
    mine, peer = socket.socketpair()
    high = socket.socket(fileno=os.dup2(mine.fileno(), 1500))
    mine.close()
    with peer:
        channel = Channel(high, Address("unix", path="/nowhere"))
        started = time.monotonic()
        assert not channel.wait_readable(0.2)  # nothing sent: a real wait, no false alarm
        assert time.monotonic() - started >= 0.15
        assert not channel.is_stale()
        peer.sendall(b"x")
        assert channel.wait_readable(5)
        channel.close()
        assert channel.wait_readable(0)


@pytest.mark.parametrize("bound", ["timeout", "deadline"])
def test_a_flowing_body_still_waits_and_times_out_when_the_peer_pauses(bound: str) -> None:
    """Once a body flows, a read tries the socket before waiting on it (Channel._body_flows).
    When the peer then pauses, that read still waits for it within the bound, and past it
    fails typed: the shortcut never turns a wait into an error or a spin, nor on a
    blocking socket (no timeout: a stream's) into a wait that ignores the deadline."""
    mine, peer = socket.socketpair()
    channel = Channel(mine, Address("unix", path="/nowhere"))
    began = time.monotonic()
    if bound == "timeout":
        channel.set_timeout(1)
    else:
        channel.set_timeout(None)
        channel.set_deadline(1)
    # (A read that ignored its bound would wait forever: closing the peer after 10 s
    # ends it with a ProtocolError instead.)
    guard = threading.Timer(10, peer.shutdown, (socket.SHUT_RDWR,))
    guard.start()
    try:
        with peer:
            peer.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab")
            pieces = channel.body_pieces(channel.read_head(Request("GET", "/")))
            assert next(pieces) == b"ab"  # the body flows
            wrote = threading.Timer(0.1, peer.sendall, (b"cd",))
            wrote.start()
            assert next(pieces) == b"cd"  # nothing there at first: it waited
            wrote.join()
            with pytest.raises(nk.TimedOut):
                next(pieces)  # the peer falls silent
            assert time.monotonic() - began >= 0.9
    finally:
        guard.cancel()
        guard.join()
        channel.close()


def _line_writer(peer: socket.socket, stop: threading.Event) -> threading.Thread:
    """A peer writing 1 KB lines without pause, as dockerd writes a log."""

    def write() -> None:
        with contextlib.suppress(OSError):
            while not stop.is_set():
                peer.sendall(b"x" * 1023 + b"\n")

    return threading.Thread(target=write)


def _after(channel: Channel, chunks: int, size: int) -> Channel:
    """The channel as after cutting `chunks` chunks of a chunked body, `size` bytes in all."""
    channel._chunks_cut, channel._chunk_bytes_cut = chunks, size
    return channel


def _after_big_writes(channel: Channel) -> Channel:
    """The channel deep in a body of 1 KB chunks (where the kernel's gathering pays, see
    KERNEL_GATHER_AFTER)."""
    return _after(channel, 8192, 8192 * 1032)


def test_a_gathering_read_waits_in_the_kernel_only_deep_in_a_body_of_big_writes(
    kernel_gathers: list[int],
) -> None:
    """Each write of the peer wakes a reader waiting in the kernel, which costs the peer,
    and the wait the body's end interrupts lasts to the tick: a body of short chunks (a log
    of short lines), or a small one, gathers in steps instead; one of 1 KB chunks in the
    kernel once past 4 MB. Nothing is lost either way."""
    long_line, short_line = b"x" * 1023 + b"\n", b"7\n"
    for line, cut, waits_in_kernel in (
        (short_line, 5 * 1024 * 1024, False),
        (long_line, 1024 * 1024, False),
        (long_line, 5 * 1024 * 1024, True),
    ):
        mine, peer = socket.socketpair()
        chunk = b"%x\r\n%s\r\n" % (len(line), line)
        channel = _after(Channel(mine, Address("unix", path="/nowhere")), cut // len(line), cut)
        with peer:
            peer.sendall(chunk * 50)
            channel.gather(0.05, 64 * 1024, timely=False)
            assert bool(kernel_gathers) is waits_in_kernel, (len(line), cut)
            assert channel.read_available(1 << 20)
            assert channel.take_chunks() == (line * 50, True)
        kernel_gathers.clear()
        channel.close()


def test_a_gathering_read_takes_what_was_wanted_and_keeps_the_socket_drained() -> None:
    """Channel.gather of a body read for its bytes, on a plain blocking socket (one read
    the kernel completes once the bytes wanted came): with a peer writing without pause it
    ends with them in the buffer, never at the longest wait; with a silent peer it ends
    after that wait, nothing lost; the socket's options are as before either way, and what
    came is read in order."""
    mine, peer = socket.socketpair()
    channel = _after_big_writes(Channel(mine, Address("unix", path="/nowhere")))
    with peer:
        started = time.monotonic()
        channel.gather(0.2, 64 * 1024, timely=False)
        assert time.monotonic() - started < 15  # silence: the wait given, not forever
        assert channel.buffered == 0

        stop = threading.Event()
        writer = _line_writer(peer, stop)
        writer.start()
        try:
            started = time.monotonic()
            channel.gather(
                30, 512 * 1024, timely=False
            )  # more than one read takes: RECV_SIZE of it
            assert time.monotonic() - started < 15
            assert channel.buffered == 256 * 1024
            assert mine.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT) == 1
            assert mine.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16) == bytes(16)
            assert channel._take(1024) == b"x" * 1023 + b"\n"  # whole lines, in order
        finally:
            stop.set()
            channel.close()
            writer.join(10)


def test_a_gathering_read_says_when_the_peer_went_silent_and_never_waits_past_the_end() -> None:
    """Channel.gather says whether the peer kept writing, so that a caller waits once for a
    silent one, not again: True once what was wanted came, False after a wait that came
    short. With a chunked body's last chunk there, it returns at once: nothing follows
    it, and the kernel's wait could not tell (a small log came to an Inbox 6 ms late)."""
    mine, peer = socket.socketpair()
    channel = _after_big_writes(Channel(mine, Address("unix", path="/nowhere")))
    with peer:
        peer.sendall(b"x" * 100)
        assert channel.gather(0.05, 64 * 1024, timely=False) is False
        assert channel._take(1000) == b"x" * 100
        for end in (b"5\r\nhello\r\n0\r\n\r\n", b"0\r\n\r\n"):
            peer.sendall(end)
            started = time.monotonic()
            assert channel.gather(30, 64 * 1024, timely=False) is False
            assert time.monotonic() - started < 15  # at once, not after the 30 s wait
            assert channel._take(1000) == end
        peer.sendall(b"y" * 70_000)
        assert channel.gather(30, 64 * 1024, timely=False) is True
    channel.close()


def test_a_gathering_read_meets_the_end_and_a_close_from_another_thread() -> None:
    """The peer closing during a gathering read: what came before is buffered, the next
    read sees the end. Closed from another thread meanwhile (finish_async): the read ends
    at once and the channel reports the close."""
    mine, peer = socket.socketpair()
    channel = _after_big_writes(Channel(mine, Address("unix", path="/nowhere")))
    peer.sendall(b"last words")
    peer.close()
    channel.gather(30, 64 * 1024, timely=False)
    assert channel._take(100) == b"last words"
    assert channel._take(100) == b""
    channel.close()

    mine, peer = socket.socketpair()
    channel = _after_big_writes(Channel(mine, Address("unix", path="/nowhere")))
    with peer:
        closer = threading.Timer(0.2, channel.close)
        closer.start()
        started = time.monotonic()
        channel.gather(30, 64 * 1024, timely=False)
        closer.join()
        assert time.monotonic() - started < 15
        with pytest.raises(nk.ConnectionFailed):
            channel._take(100)


def test_a_pause_for_more_on_tls_waits_only_while_nothing_came(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On TLS a read takes one record (dockerd's log: a record a line), so pausing while
    records wait makes no read bigger, only each later (a 20 MB log came to an Inbox 4-5x
    slower than one read of the whole log): Channel.gather returns at once when bytes are
    there, and pauses only on a socket with nothing yet."""
    pauses: list[float] = []
    monkeypatch.setattr(
        channel_module, "time", SimpleNamespace(sleep=pauses.append, monotonic=time.monotonic)
    )
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    for waiting in (b"\x17" * 100, b""):
        mine, peer = socket.socketpair()
        with peer, context.wrap_socket(mine, do_handshake_on_connect=False) as wrapped:
            peer.sendall(waiting)
            pauses.clear()
            Channel(wrapped, Address("unix", path="/nowhere")).gather(30)
            assert bool(pauses) is not bool(waiting), (waiting, pauses)


def test_a_pause_for_more_ends_when_the_peer_stops_or_would_fill_the_socket() -> None:
    """Where the kernel does not gather (a live stream's body; a socket with a timeout;
    TLS), Channel.gather pauses while the socket fills: it ends at the peer's silence,
    and before a peer writing without pause fills the socket: never at the longest pause
    it may take."""
    mine, peer = socket.socketpair()
    mine.settimeout(5)
    channel = Channel(mine, Address("unix", path="/nowhere"))
    with peer:
        started = time.monotonic()
        channel.gather(30)
        assert time.monotonic() - started < 15  # silence: one step, not 30 s

        stop = threading.Event()
        writer = _line_writer(peer, stop)
        writer.start()
        try:
            wait_until(lambda: channel.wait_readable(0), 10)
            started = time.monotonic()
            channel.gather(30)
            assert time.monotonic() - started < 15
            assert channel.wait_readable(0)  # what came meanwhile is there to read
        finally:
            stop.set()
            channel.close()
            writer.join(10)


def test_slowloris_stream_head(connect: Callable[..., nk.Docker], fault: FaultServer) -> None:
    docker = connect()
    fault.set("slowloris", delay=0.1)
    inbox = nk.Inbox()
    ref = docker.events(subscriber=inbox, timeout=TIMEOUT).get(10)
    _, terminal = collect(inbox, ref, TIMEOUT + SLACK)
    assert isinstance(terminal, nk.Failed)
    check_error(terminal.error, (nk.ConnectionFailed, "timed out"))


def test_redirect_is_not_followed(connect: Callable[..., nk.Docker], fault: FaultServer) -> None:
    docker = connect()
    fault.set("redirect")
    with pytest.raises(nk.DockerError) as caught:
        docker.inspect_image("busybox:latest").get(10)
    assert caught.value.status == 301
    assert "redirect" in caught.value.message and "refused" in caught.value.message
    targets = [r["target"] for r in fault.requests()]
    assert targets == ["/v1.41/images/busybox:latest/json"]  # nothing went to the Location


def test_keep_alive_server_closing_after_each_answer(
    connect: Callable[..., nk.Docker], fault: FaultServer
) -> None:
    docker = connect()
    fault.set("close_after_each")
    before = fault.stats()["accepted"]
    for _ in range(30):
        assert docker.ps().get(10) == JSON_DOC  # idempotent GETs: reopened transparently
    assert fault.stats()["accepted"] - before >= 29
    assert docker.connection_stats()["shared_sockets_opened"] >= 30


def test_huge_header_line_does_not_eat_memory(
    connect: Callable[..., nk.Docker], fault: FaultServer
) -> None:
    docker = connect()
    fault.set("huge_header")
    rss = _rss()
    with pytest.raises(ProtocolError, match="too long"):
        docker.ps().get(10)
    assert _rss() - rss < 32 << 20
    # We stopped reading long before the 100 MB: what was sent sat in socket buffers.
    wait_until(lambda: fault.stats()["open"] == 0, 10)
    assert fault.stats()["sent"] < 40 << 20


def test_attach_stdin_round_trip(connect: Callable[..., nk.Docker], fault: FaultServer) -> None:
    docker = connect()
    inbox = nk.Inbox()
    ref = docker.attach(
        "fault", stream=True, stdin=True, stdout=True, subscriber=inbox, timeout=TIMEOUT
    ).get(10)
    docker.attach_send(ref, b"hello\n").get(5)
    docker.close_stdin(ref).get(5)
    items, terminal = collect(inbox, ref, 5)
    assert terminal == nk.Done("eof")
    stdout, _ = good_outputs(items)
    assert stdout == EXPECTED_STDOUT + b"hello\n"


# -- faults while connecting ---------------------------------------------------------


@pytest.mark.parametrize(
    "behaviour",
    [
        "good",  # /version answered with a JSON list: not a version document
        "invalid_json",
        "truncated_chunked",
        "huge_header",
        "garbage_status",
        "redirect",
        "text_error_500",
        "stall_head",
        "interim_flood",
        "unexpected_101",
        "eof_no_response",
        "reset_no_response",
    ],
)
def test_connect_fails_typed(fault: FaultServer, no_leaks: None, behaviour: str) -> None:
    fault.set(behaviour, version=True)
    started = time.monotonic()
    with pytest.raises(nk.NkDockerError) as caught:
        nk.connect(fault.url, timeout=TIMEOUT, connect_timeout=5)
    assert isinstance(caught.value, nk.ConnectionFailed | nk.DockerError), repr(caught.value)
    assert time.monotonic() - started < TIMEOUT + SLACK


def _rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")
