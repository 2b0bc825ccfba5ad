"""StreamActor: one async command on a socket of its own, posting messages (identical
live event subscriptions share one: its sink is then a SharedSink, see sharing).

One thread per stream, its actor's: it opens the socket, reads what the socket has
and posts `Message(ref, payload)` to the subscriber. Stdin data and half-close of an
attach or exec stream (a websocket attach's frames: stdin, and a pong or close behind
a stdin write) are written by a writer thread that lives only while there is stdin to
write, so a write the peer does not take yet never stops the reads. A stream that has
just read waits a little on its own socket (LINGER_SECONDS); past that, the process's
one `Poller` thread (epoll) watches every idle stream socket and tells the owning actor
when its socket is readable or its subscriber is gone. Every ref ends with exactly one
`Done` or `Failed`. Reading pauses while the subscriber holds too much unconsumed data,
so TCP pushes back on the daemon instead of memory growing.

Where reading never waits, the poller reads itself: a chunked body on a plain socket,
delivered to an Inbox or an actor (`StreamActor._push`: events, logs -f and stats over
unix or tcp). It reads what the socket has, hands the whole chunks' payload (and the
beginning of one) to the decoding, and delivers, with no wake-up of the stream's
thread: with thousands of streams that hop was most of a message's cost, and
thousands of threads woken at once mostly wait for each other's GIL. Anything that
may wait goes to the stream's actor, which reads as above: a size line not plain, a
TLS record (it may want a write), EOF, a subscriber without room (a full Inbox, or a
callable, which may block whoever calls it: on the poller it would hold every stream).
"""

from __future__ import annotations

import contextlib
import math
import queue
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any, cast

import pykka

from . import reports
from .calls import body_pieces, daemon_answers, start_exchange
from .commands.spec import Prepared, raise_for_progress_error
from .errors import ConnectionFailed, InvalidOption, NkDockerError, TimedOut
from .http11 import RECV_SIZE, Channel, FrameDecoder, JsonLines
from .messages import Data, Done, Failed, Message, Output, Payload, Ref, Sink, fail_queued
from .poller import _READ, _Wake, _Watch, poller
from .websocket import (
    PONG,
    Close,
    FrameReader,
    Ping,
    check_handshake,
    close_frame,
    data_frames,
    encode_frame,
)

if TYPE_CHECKING:
    from .config import ConnConfig

__all__ = ["StreamActor", "StreamControl"]

# After a read, how long a stream waits on its own socket before handing it to the poller:
# a busy stream's next piece then costs no hop through the poller's thread. A stream with
# stdin (attach, exec) waits only briefly, and only while its output is flowing: a stdin
# write queued meanwhile waits for it. The others have nothing queued that this delays
# (`finish` and closing reach the socket directly, waking the wait at once); 1.5 s covers
# `stats`, a sample a second: the hop through the poller (its thread's wake-up, a message
# to the actor, the actor's wake-up) cost about 100 us of CPU per sample on top of the
# read itself. Streams the poller reads itself (see StreamActor._push) linger only while
# their output flows in bulk, as briefly as a stream with stdin: handed to the poller at
# each of the peer's pauses, a 100 MB log came back as thousands of small messages.
LINGER_SECONDS = 1.5
LINGER_SECONDS_FLOWING = 0.005
LINGER_MIN_PIECE = 4096
# Output in bulk (a piece of LINGER_MIN_PIECE or more, or any while it flows: see
# `_flowing`): what has come after this wait joins it, up to COALESCE_BYTES, so the
# subscriber gets fewer, bigger messages (each costs a hand-off between threads) and the
# socket fewer, bigger reads; a trickle (an interactive echo) goes at once. Where the peer
# writes a little at a time, the wait is Channel.gather's (which reads what comes as it
# comes for a body read for its bytes, and pauses while the socket fills for a live one).
# 1 ms, not 2: attach output at 250 MB/s fills the socket (230 KB) within 1 ms, and the
# daemon then waits for us (500 MB, 7 rounds: 264 MB/s median at 1 ms, 224 at 2 ms).
COALESCE_SECONDS = 0.001
COALESCE_BYTES = 192 * 1024  # (with what a read leaves buffered: about one read's worth)
BURST = 64  # pieces read in a row before queued controls get their turn
PUSH_READ = 256 * 1024  # the most the poller reads for one stream at a time
_IDLE = object()  # what the payloads say when the socket has nothing more for now
_HAND_OVER = object()  # (after a push) what is left is for the actor's careful decoding


@dataclass(frozen=True)
class StreamControl:
    """A request to a stream: "send" (data), "close_stdin" or "finish" (and, inside a
    websocket stream, "frame": a control frame of ours to write)."""

    op: str
    data: bytes = b""


class StreamActor(pykka.ThreadingActor):
    """Owns one stream's socket; reads it when the poller says it is readable."""

    use_daemon_thread = True

    def __init__(
        self,
        owner: pykka.ActorRef[Any],
        config: ConnConfig,
        prepared: Prepared,
        timeout: float | None,
        sink: Sink,
        ref: Ref,
        on_end: Any,
        ready: pykka.Future[Any] | None = None,
        expose_stop: Callable[[Callable[[Payload], None]], None] = lambda stop: None,
        on_open: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__()
        self.on_open = on_open  # the caller's next call may go once the request is sent
        self.owner = owner
        self.config = config
        self.prepared = prepared
        self.timeout = timeout
        self.sink = sink
        self.ref = ref
        self.on_end = on_end
        self.ready = ready
        self._item_size = 64
        self._linger = (
            LINGER_SECONDS_FLOWING
            if prepared.command.stream in ("hijack", "websocket")
            else LINGER_SECONDS
        )
        self._flow = 0.0  # bytes read lately, decaying (see `_flowing`)
        self._flow_at = 0.0  # when it was last counted
        self._ends_at_close = False
        self.channel: Channel | None = None
        self.ending: Payload | None = None  # set when we end it ourselves
        self.ended = False
        self.lock = threading.Lock()
        self.opened = threading.Event()  # set once the request is answered
        self._payloads_left: Iterator[Any] | None = None  # resumed on each wake-up
        self._writes: deque[tuple[StreamControl, Any]] = deque()  # stdin controls to write
        self._writer: threading.Thread | None = None  # while there are some
        self._watch: _Watch | None = None
        # Whoever runs the decoding (the actor, or the poller in `_push`) holds this.
        self._run_lock = threading.Lock()
        self._pushable = False  # the poller may read it (set once the head is read)
        self._bulk = prepared.command.stream != "json"  # output that may come in bulk
        # The body's decoding, shared by the actor's reads and the poller's (set with the head).
        self._lines: JsonLines | None = None  # a JSON stream's
        self._frames: FrameDecoder | None = None  # multiplexed output's (none for a tty)
        self._held: Iterator[Any] | None = None  # decoded by the poller, waiting for room
        # A websocket stream's frames are written whole, one at a time (stdin, pongs, close).
        self._frames_lock = threading.Lock()
        self._closed_with: Payload | None = None  # the server's close frame, as the end
        self._close_sent = False  # we began the close handshake (close_stdin)
        # The owner ends the stream through this, from its own thread: never queued
        # behind a stdin write that may block.
        expose_stop(self._stop_with)

    def on_start(self) -> None:
        """Open the stream first thing (a message to itself: controls queue behind it)."""
        self.actor_ref.tell(_READ)

    def on_receive(self, message: Any) -> Any:
        """A wake-up (read what the socket has), or a (StreamControl, Reply) pair."""
        if isinstance(message, _Wake):
            self._woken(message.reason)
            return None
        if self.prepared.command.stream in ("hijack", "websocket"):
            # stdin is written by a writer thread while this one goes on reading: a
            # blocked write must not stop the reads the peer waits for (cat echoing).
            self._queue_write(message)
            return None
        self._control(*message)
        return None

    def _queue_write(self, message: tuple[StreamControl, Any]) -> None:
        with self.lock:
            self._writes.append(message)
            if self._writer is not None:
                return
            self._writer = threading.Thread(target=self._write, name="nkdocker-stdin", daemon=True)
        self._writer.start()

    def _control(self, control: StreamControl, reply: Any) -> None:
        try:
            self._apply(control)
        except BaseException as error:  # the caller gets it
            if reply is not None:
                reply.fail(error)
        else:
            if reply is not None:
                reply.ok(None)

    def _write(self) -> None:
        """The writer thread: the queued stdin controls in order; it ends when none is left."""
        while True:
            with self.lock:
                if not self._writes:
                    self._writer = None
                    return
                control, reply = self._writes.popleft()
            self._control(control, reply)

    def _apply(self, control: StreamControl) -> None:
        kind = self.prepared.command.stream
        if kind not in ("hijack", "websocket"):
            raise InvalidOption(f"{self.prepared.command.name} streams have no stdin")
        if not self.opened.wait(self.config.connect_timeout + 5):
            raise TimedOut("the daemon has not yet answered the stream's request")
        channel = self.channel
        if channel is None or self.ended:
            raise ConnectionFailed("the stream is not open")
        if kind == "websocket":
            # A websocket has no half-close: close_stdin starts the close handshake.
            if control.op == "send":
                self._send_frames(channel, data_frames(control.data))
            elif control.op == "close_stdin":
                self._close_sent = True
                self._send_frames(channel, [close_frame()])
            elif control.op == "frame":
                self._send_frames(channel, [control.data])
        elif control.op == "send":
            channel.send_raw(control.data)
        elif control.op == "close_stdin":
            channel.shutdown_write()

    def _send_frames(self, channel: Channel, frames: list[bytes]) -> None:
        with self._frames_lock:
            for frame in frames:
                channel.send_raw(frame)

    def _answer(self, channel: Channel, frame: bytes) -> None:
        """From the reading thread: write a control frame now if no stdin write is under
        way, else after it (by the writer thread): reading never waits behind stdin."""
        if not self._frames_lock.acquire(blocking=False):
            self._queue_write((StreamControl("frame", frame), None))
            return
        try:
            channel.send_raw(frame)
        except ConnectionFailed:
            pass  # the reads say what happened to the connection
        finally:
            self._frames_lock.release()

    def _stop_with(self, payload: Payload) -> None:
        with self.lock:
            if self.ended or self.ending is not None:
                return
            self.ending = payload
            channel = self.channel
        if self._watch is not None:
            poller.forget(self._watch)
        if channel is not None:
            channel.close()  # a read in progress wakes up
        with contextlib.suppress(pykka.ActorDeadError):
            self.actor_ref.tell(_READ)  # the actor delivers `ending`

    # -- reading, in the actor's thread ---------------------------------------------

    def _still_wanted(self) -> bool:
        return self.ending is None and self.sink.alive

    def _woken(self, reason: str) -> None:
        if self.ended:
            return
        if reason == "unwanted":
            self._end(Failed(ConnectionFailed("the subscriber is gone")))
            return
        with self._run_lock:
            poller.flush_tells()  # what a push kept for its subscriber goes first
            self._run_pump()

    def _run_pump(self, pushed: Iterator[Any] | None = None) -> None:
        """(Holding the run lock.) `_pump`; any failure ends the ref, typed."""
        if self.ended:
            return
        try:
            self._pump(pushed)
        except BaseException as error:
            if not isinstance(error, NkDockerError):
                error = ConnectionFailed(f"stream failed: {error!r}")
            self._end(Failed(error))

    def _push(self) -> None:
        """In the poller's thread, once the socket is readable: read what it has and deliver
        the chunks' payload in it, as the actor would, but without the actor's wake-up (with
        thousands of streams, that hop is most of a message's cost, and thousands of
        threads waking at once mostly wait for each other). What needs a wait (a chunk
        not whole, a subscriber without room, the end, a control queued) goes to the
        actor, which reads as it always does and arms the socket again."""
        if not self._run_lock.acquire(blocking=False):
            self._hand_over()  # the actor is at it: it carries on
            return
        try:
            if not self.ended:
                self._push_now()
        except BaseException as error:  # never into the poller's thread: the ref ends, typed
            self._end(Failed(ConnectionFailed(f"stream failed: {error!r}")))
        finally:
            self._run_lock.release()

    def _push_now(self) -> None:
        """(`_push`, holding the run lock.)"""
        channel = self.channel
        assert channel is not None
        before = channel.buffered
        if not channel.read_available(PUSH_READ) or self.ending is not None:
            self._hand_over()  # the end, or a fault: the actor reads it as usual
            return
        if self._bulk:  # (what flows is counted for output in bulk only)
            self._count(channel.buffered - before)
            if self._flowing():
                # Output in bulk: the actor reads it as it flows, coalescing (a message per
                # read here would be one per write of the peer); a trickle (a log line) is
                # read here.
                self._hand_over()
                return
        piece, waits = channel.take_chunks()
        # What follows the payload: more of it to wait for, or what the actor must read
        # carefully (a size line not plain, the last chunk, a fault).
        then = _IDLE if waits else _HAND_OVER
        self._run_pump(chain(self._decoded(piece), (then,)) if piece else iter((then,)))

    def _hand_over(self) -> None:
        with contextlib.suppress(pykka.ActorDeadError):
            self.actor_ref.tell(_READ)

    def _pump(self, pushed: Iterator[Any] | None = None) -> None:
        """Deliver what the socket has now; then arm the poller, or end at EOF.

        `pushed`: in the poller's thread, the payloads it decoded from what it read; one
        the subscriber has no room for, and those after it, are held for the actor, which
        waits for room."""
        pushing = pushed is not None
        held: Iterator[Any] | None = None
        if pushed is not None:
            payloads = pushed
        else:
            if self._payloads_left is None:
                self._payloads_left = self._payloads()
            held, self._held = self._held, None
            payloads = self._payloads_left if held is None else chain(held, self._payloads_left)
        inbox = cast("queue.Queue[Any]", self.actor_inbox)
        for count, payload in enumerate(payloads):
            if payload is _IDLE:
                self._arm()
                return
            if payload is _HAND_OVER:
                if pushing:
                    self._hand_over()
                    return
                continue  # (held, now in the actor's hands: its own reads go on carefully)
            if not self._still_wanted():
                break
            if pushing:
                if not self.sink.has_room() or inbox.qsize():
                    self._held = chain((payload,), payloads)
                    self._hand_over()
                    return
            else:
                self.sink.wait_for_room(self._still_wanted)
            size = None
            if isinstance(payload, Data):
                value = payload.value
                size = len(value) if isinstance(value, bytes) else self._item_size
            if self.ending is not None:
                break
            if pushing and isinstance(self.sink.subscriber, pykka.ActorRef):
                poller.tell_later(self.sink.subscriber, Message(self.ref, payload))
                continue
            if not self.sink.send(Message(self.ref, payload), size):
                break
            if not pushing and count >= BURST and inbox.qsize():
                self._held = held  # (what is left of it goes first next time)
                self.actor_ref.tell(_READ)  # controls queued meanwhile go first
                return
        else:
            self._end(self._eof())
            return
        self._end(Failed(ConnectionFailed("the subscriber is gone")))

    def _arm(self) -> None:
        channel = self.channel
        assert channel is not None
        if self._watch is None:
            self._watch = _Watch(
                channel.fileno(),
                self.actor_ref,
                self._still_wanted,
                self._push if self._pushable else None,
            )
        with self.lock:
            if self.ending is not None:  # being stopped: the stopper has told us
                return
            poller.arm(self._watch)

    def _eof(self) -> Payload:
        """Done at EOF, unless the daemon died: a body that ends when the socket closes
        (upgraded streams, unframed logs) cannot tell a crash from an end, so a ping on a
        fresh socket decides."""
        if self._closed_with is not None:
            return self._closed_with  # the websocket's close handshake: no crash
        if not self._ends_at_close or self.ending is not None:
            return Done("eof")
        if daemon_answers(self.config.address, min(2.0, self.config.connect_timeout)):
            return Done("eof")
        return Failed(ConnectionFailed(f"the daemon at {self.config.address} went away"))

    def _open(self) -> Channel:
        channel = Channel.open(self.config.address, self.config.connect_timeout)
        with self.lock:
            self.channel = channel
            if self.ending is not None:
                channel.close()
        return channel

    def _payloads(self) -> Iterator[Payload]:
        channel = self._open()
        prepared = self.prepared
        head, context = start_exchange(channel, prepared, self.timeout, self.on_open)
        kind = prepared.command.stream
        if kind in ("json", "raw"):
            # The timeout bounds the answer's head. From there on the peer's pace is the
            # stream's: a chunk half arrived waits like an idle stream (a busy daemon
            # feeding thousands of streams may pause in the middle of one); finish_async
            # and close end the wait. (An upgraded stream reads what comes, never a part.)
            channel.set_timeout(None)
        if kind == "websocket":
            yield from self._websocket(channel, head)
            return
        if kind == "hijack":
            channel.duplex()  # stdin is written from the actor's thread, read from this one
        self._mark_open()  # stdin may flow only once the daemon has upgraded the connection
        framed = head.status != 101 and (
            "chunked" in head.headers.get("transfer-encoding", "").lower()
            or "content-length" in head.headers
        )
        self._ends_at_close = not framed
        chunked = "chunked" in head.headers.get("transfer-encoding", "").lower()
        # The poller reads it itself where that never waits: a chunked body (it can tell
        # whole chunks), a plain socket (no TLS record to complete), no stdin, and a
        # subscriber that takes a message without blocking.
        self._pushable = (
            kind in ("json", "raw")
            and chunked
            and type(channel.sock) is socket.socket
            and self.sink.never_blocks
        )
        pieces = self._polled(
            channel,
            body_pieces(channel, head, prepared.request.method),
            bulk=kind != "json",
            small_writes=chunked,
        )
        if kind == "json":
            self._lines = JsonLines()
        elif not context.tty:
            self._frames = FrameDecoder()
        for piece in pieces:
            if piece is _IDLE:
                yield _IDLE
            else:
                yield from self._decoded(piece)
        if self._lines is not None:
            for item in self._lines.finish():
                yield from self._json_item(item)
        elif self._frames is not None:
            self._frames.check_end()

    def _decoded(self, piece: bytes | list[bytes]) -> Iterator[Payload]:
        """The payloads a piece of the body completes: JSON values, or output (a list of
        pieces, coalesced, is joined once)."""
        if self._lines is not None:
            assert isinstance(piece, bytes)  # (a JSON stream's pieces are never coalesced)
            items = self._lines.feed(piece)
            # What each item stands for in the backpressure budget: its share of the bytes.
            self._item_size = max(64, len(piece) // max(1, len(items)))
            for item in items:
                yield from self._json_item(item)
        elif self._frames is not None:
            for stream, data in self._frames.feed(piece):
                yield Output(stream, data)
        else:
            yield Output("stdout", b"".join(piece) if isinstance(piece, list) else piece)

    def _websocket(self, channel: Channel, head: Any) -> Iterator[Any]:
        """After the handshake: each data frame's payload as Data(bytes) as it comes; pings
        answered; the server's close frame answered and reported as the end."""
        check_handshake(head, self.prepared.context.websocket_key, self.config.address)
        channel.duplex()
        self._mark_open()
        self._ends_at_close = True
        frames = FrameReader()
        for piece in self._polled(channel, channel.raw_pieces(), bulk=True):
            if piece is _IDLE:
                yield _IDLE
                continue
            for event in frames.feed(b"".join(piece) if isinstance(piece, list) else piece):
                if isinstance(event, bytes):
                    yield Data(event)
                elif isinstance(event, Ping):
                    self._answer(channel, encode_frame(PONG, event.payload))
                elif isinstance(event, Close):
                    if not self._close_sent:  # the handshake's second half
                        self._answer(channel, close_frame(event.code))
                    self._closed_with = Done(event.describe())
                    return
        frames.check_end()

    @staticmethod
    def _json_item(item: Any) -> Iterator[Payload]:
        yield Data(item)
        raise_for_progress_error(item)  # the ref then ends Failed, typed

    def _polled(
        self, channel: Channel, pieces: Iterator[bytes], bulk: bool, small_writes: bool = False
    ) -> Iterator[Any]:
        """The pieces, and _IDLE whenever the socket has nothing more for now; with `bulk`,
        output in bulk coalesced (see COALESCE_SECONDS). `small_writes`: the peer writes a
        little at a time (a chunk per log line), so the wait is Channel.gather's."""
        while True:
            if not channel.wait_readable(0) and not self._lingered(channel):
                yield _IDLE
                continue
            try:
                piece = next(pieces)
            except StopIteration:
                return
            if not piece:  # (between chunks)
                continue
            if bulk:
                self._count(len(piece))
            if not bulk or (len(piece) < LINGER_MIN_PIECE and not self._flowing()):
                yield piece
                continue
            parts, size = [piece], len(piece)
            inbox = cast("queue.Queue[Any]", self.actor_inbox)
            ended = False
            while size < COALESCE_BYTES and not inbox.qsize():
                writing = True
                if small_writes and not channel.buffered:
                    # Let more arrive: one bigger read, not one per write of the peer (and
                    # once the peer went silent, what came goes: no second wait).
                    writing = channel.gather(
                        COALESCE_SECONDS, COALESCE_BYTES - size, self.prepared.live
                    )
                    if not channel.wait_readable(0):
                        break
                elif not channel.wait_readable(0):
                    time.sleep(COALESCE_SECONDS)  # (as above; big writes fill it later)
                    if not channel.wait_readable(0):
                        break
                # (a backpressure bound holds; never more than one read takes)
                channel.read_size = min(COALESCE_BYTES - size, RECV_SIZE)
                try:
                    piece = next(pieces)
                except StopIteration:
                    ended = True
                    break
                finally:
                    channel.read_size = RECV_SIZE
                parts.append(piece)
                size += len(piece)
                self._count(len(piece))
                if not writing:
                    break
            yield parts  # joined by the decoding: once
            if ended:
                return

    def _lingered(self, channel: Channel) -> bool:
        """Whether more came while waiting a little on the socket itself (see LINGER_SECONDS)."""
        if self.ending is not None or cast("queue.Queue[Any]", self.actor_inbox).qsize():
            return False
        linger = self._linger
        if self._pushable:  # the poller reads it without a hop, but output in bulk here
            if not self._bulk:
                return False
            linger = LINGER_SECONDS_FLOWING
        if linger < LINGER_SECONDS and not self._flowing():
            return False
        return channel.wait_readable(linger)

    def _recent_flow(self, now: float) -> float:
        """The bytes read lately, as of `now`: each counted less the longer ago (by e per
        LINGER_SECONDS_FLOWING)."""
        return self._flow * math.exp((self._flow_at - now) / LINGER_SECONDS_FLOWING)

    def _count(self, size: int) -> None:
        """Count `size` bytes of output in bulk read (see `_flowing`)."""
        now = time.monotonic()
        self._flow, self._flow_at = self._recent_flow(now) + size, now

    def _flowing(self) -> bool:
        """Whether output flows in bulk: LINGER_MIN_PIECE or more read lately (about 0.8
        MB/s, steady)."""
        return self._recent_flow(time.monotonic()) >= LINGER_MIN_PIECE

    def _mark_open(self) -> None:
        if not self.opened.is_set():
            self.opened.set()
            if self.ready is not None:
                self.ready.set(self.ref)

    def _end(self, payload: Payload) -> None:
        self.on_open()
        self._mark_open()
        with self.lock:
            if self.ended:
                return
            self.ended = True
            final = self.ending if self.ending is not None else payload
            channel = self.channel
        if self.ending is None and isinstance(final, Failed):  # not finish_async nor close
            reports.stream_failed(
                self.prepared.command.name, self.sink.closing(self.ref), final.error
            )
        if self._watch is not None:
            poller.forget(self._watch)
        if channel is not None:
            channel.close()
        try:
            poller.flush_tells()  # its last data first
            self.sink.send(Message(self.ref, final))
        finally:
            with contextlib.suppress(pykka.ActorDeadError):
                self.owner.tell(self.on_end)
            with contextlib.suppress(pykka.ActorDeadError):  # (in on_stop: stopping already)
                self.actor_ref.stop(block=False)

    def on_stop(self) -> None:
        """End the ref if it has not ended; fail the controls still queued."""
        if not self.ended:
            self._stop_with(Failed(ConnectionFailed("the stream was stopped")))
            self._end(Failed(ConnectionFailed("the stream was stopped")))  # `ending` wins
        fail_queued(self.actor_inbox, self._fail_control)

    @staticmethod
    def _fail_control(message: Any) -> bool:
        if not (isinstance(message, tuple) and isinstance(message[0], StreamControl)):
            return False
        if message[1] is not None:
            message[1].fail(ConnectionFailed("the stream has ended"))
        return True
