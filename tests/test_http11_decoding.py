"""The body decoders against plain reference decodings (hypothesis): chunked bodies and
Docker's multiplexed frames, cut into chunks and socket reads at arbitrary places.

The fast paths (whole chunks cut out of the read buffer in one pass, frames decoded
in one pass, a whole body de-multiplexed without joining it first) must give exactly
what a byte-by-byte reading gives, and a body cut short must fail typed.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nkdocker_actors.http11 import (
    Channel,
    FrameDecoder,
    ProtocolError,
    Request,
    demultiplex,
)
from nkdocker_actors.transport import Address

DECODING = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = {0: "stdout", 1: "stdout", 2: "stderr", 3: "stderr"}

FRAMES = st.lists(st.tuples(st.sampled_from([0, 1, 2, 3]), st.binary(max_size=300)), max_size=30)


def encode_frames(frames: list[tuple[int, bytes]]) -> bytes:
    return b"".join(
        bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data for stream, data in frames
    )


def merged(runs: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Consecutive runs of one stream as one, empty ones left out."""
    out: list[tuple[str, bytes]] = []
    for stream, data in runs:
        if not data:
            continue
        if out and out[-1][0] == stream:
            out[-1] = (stream, out[-1][1] + data)
        else:
            out.append((stream, data))
    return out


def expected_runs(frames: list[tuple[int, bytes]]) -> list[tuple[str, bytes]]:
    return merged([(NAMES[stream], data) for stream, data in frames])


@st.composite
def chunked(draw: st.DrawFn, body: bytes) -> bytes:
    """`body` in chunks of drawn sizes, with drawn spellings of the size lines."""
    out = []
    pos = 0
    while pos < len(body):
        size = draw(st.integers(1, max(1, len(body) - pos)))
        spelling = draw(st.sampled_from(["%x", "%X", "%04x", "%x;ext=1", "%x "]))
        out.append((spelling % size).encode() + b"\r\n" + body[pos : pos + size] + b"\r\n")
        pos += size
    trailer = draw(st.sampled_from([b"", b"X-Trailer: 1\r\n"]))
    return b"".join(out) + b"0\r\n" + trailer + b"\r\n"


HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


@contextlib.contextmanager
def reading(response: bytes, cut: int | None = None) -> Iterator[Channel]:
    """A channel reading `response` (up to `cut`) from a peer that then closes."""
    mine, peer = socket.socketpair()
    data = response if cut is None else response[:cut]

    def send() -> None:
        with peer:
            peer.sendall(data)
            peer.shutdown(socket.SHUT_WR)

    writer = threading.Thread(target=send)
    writer.start()
    channel = Channel(mine, Address("unix", path="/nowhere"))
    channel.set_timeout(10)
    try:
        yield channel
    finally:
        channel.close()
        writer.join()


def body_of(channel: Channel, read_size: int) -> Iterator[bytes]:
    """The body's pieces, read at most `read_size` bytes a read."""
    channel.read_size = read_size
    head = channel.read_head(Request("GET", "/"))
    return channel.body_pieces(head)


@DECODING
@given(frames=FRAMES, data=st.data(), read_size=st.integers(1, 2048))
def test_chunked_frames_decode_as_read_byte_by_byte(
    frames: list[tuple[int, bytes]], data: st.DataObject, read_size: int
) -> None:
    body = encode_frames(frames)
    response = HEAD + data.draw(chunked(body))
    with reading(response) as channel:
        pieces = list(body_of(channel, read_size))
        assert b"".join(pieces) == body
        assert all(pieces)
        frames_fed = FrameDecoder()
        fed = [run for piece in pieces for run in frames_fed.feed(piece)]
        frames_fed.check_end()
        assert merged(fed) == expected_runs(frames)
        assert merged(demultiplex(iter(pieces))) == expected_runs(frames)
    with reading(response) as channel:
        assert merged(demultiplex(body_of(channel, read_size))) == expected_runs(frames)


@DECODING
@given(body=st.binary(max_size=600), data=st.data())
def test_the_pollers_cuts_then_the_body_generator_give_the_body(
    body: bytes, data: st.DataObject
) -> None:
    """The poller cuts what has come (`read_available`, `take_chunks`) before the body's
    generator ever runs, a drawn number of times while the rest is only a chunk to
    complete (stopping inside one too); the generator then reads the rest: together, the
    whole body in order (the chunk state is set with the head, not when the generator
    starts)."""
    response = HEAD + data.draw(chunked(body))
    ends = sorted(data.draw(st.sets(st.integers(len(HEAD), len(response)), max_size=8)))
    parts = [response[a:b] for a, b in zip([0, *ends], [*ends, len(response)], strict=True)]
    mine, peer = socket.socketpair()
    channel = Channel(mine, Address("unix", path="/nowhere"))
    channel.set_timeout(10)
    try:
        peer.sendall(parts[0])
        head = channel.read_head(Request("GET", "/"))
        channel.set_timeout(None)  # (as a stream's after its head: the poller reads it so)
        rest = channel.body_pieces(head)  # (not started yet)
        got, sent = b"", 1
        for _ in range(data.draw(st.integers(0, len(parts)), label="cuts")):
            channel.read_available(1 << 20)
            piece, waits = channel.take_chunks()
            got += piece
            if not waits:
                break  # (what follows is for the careful decoding)
            if sent < len(parts):
                peer.sendall(parts[sent])
                sent += 1
        peer.sendall(b"".join(parts[sent:]))
        peer.shutdown(socket.SHUT_WR)
        assert got + b"".join(rest) == body
    finally:
        channel.close()
        peer.close()


@DECODING
@given(frames=FRAMES, data=st.data(), read_size=st.integers(1, 2048))
def test_a_chunked_body_cut_short_fails_typed(
    frames: list[tuple[int, bytes]], data: st.DataObject, read_size: int
) -> None:
    response = HEAD + data.draw(chunked(encode_frames(frames)))
    cut = data.draw(st.integers(len(HEAD), len(response) - 1))
    with reading(response, cut) as channel, pytest.raises(ProtocolError):
        demultiplex(body_of(channel, read_size))


@DECODING
@given(frames=FRAMES, splits=st.lists(st.integers(0, 10_000), max_size=10))
def test_frames_split_anywhere_decode_the_same(
    frames: list[tuple[int, bytes]], splits: list[int]
) -> None:
    body = encode_frames(frames)
    cuts = sorted({0, len(body), *(cut % (len(body) + 1) for cut in splits)})
    parts = [body[start:stop] for start, stop in itertools.pairwise(cuts)]
    one_by_one = FrameDecoder()
    with_empty = [b"", *(piece for part in parts for piece in (part, b""))]
    fed = [run for part in with_empty for run in one_by_one.feed(part)]
    one_by_one.check_end()
    assert merged(fed) == expected_runs(frames)
    assert all(data for _, data in fed)  # no empty pieces
    together = FrameDecoder()
    assert merged(together.feed(parts)) == expected_runs(frames)
    assert merged(demultiplex(parts)) == expected_runs(frames)
    if body:
        cut_short = FrameDecoder()
        cut_short.feed(body[: len(body) - 1])
        with pytest.raises(ProtocolError, match="ended inside a frame"):
            cut_short.check_end()


def test_a_bad_stream_byte_fails_typed() -> None:
    with pytest.raises(ProtocolError, match=r"stream 9\)"):
        FrameDecoder().feed(encode_frames([(1, b"ok")]) + b"\x09\x00\x00\x00\x00\x00\x00\x01x")
