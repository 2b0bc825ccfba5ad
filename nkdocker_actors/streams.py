"""StreamActor: one async command on a socket of its own, posting messages.

The actor's own thread takes control messages (stdin data, half-close, finish);
a reader thread it owns reads the socket and posts `Message(ref, payload)` to
the subscriber. Every ref ends with exactly one `Done` or `Failed`. Reading
pauses while the subscriber holds too much unconsumed data, so TCP pushes back
on the daemon instead of memory growing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pykka

from .calls import body_pieces, daemon_answers, start_exchange
from .commands.spec import Prepared, raise_for_progress_error
from .errors import ConnectionFailed, InvalidOption, NkDockerError, TimedOut
from .http11 import Channel, FrameDecoder, JsonLines
from .messages import Data, Done, Failed, Message, Output, Payload, Ref, Sink, fail_queued

if TYPE_CHECKING:
    from .config import ConnConfig

__all__ = ["StreamActor", "StreamControl"]

POLL_SECONDS = 0.5


@dataclass(frozen=True)
class StreamControl:
    """A request to a stream: "send" (data), "close_stdin" or "finish"."""

    op: str
    data: bytes = b""


class StreamActor(pykka.ThreadingActor):
    """Owns one stream's socket and its reader thread."""

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
        self.on_open = on_open  # the caller's next call may go once the daemon has answered
        self.owner = owner
        self.config = config
        self.prepared = prepared
        self.timeout = timeout
        self.sink = sink
        self.ref = ref
        self.on_end = on_end
        self.ready = ready
        self._item_size = 64
        self._ends_at_close = False
        self.channel: Channel | None = None
        self.ending: Payload | None = None  # set when we end it ourselves
        self.ended = False
        self.lock = threading.Lock()
        self.opened = threading.Event()  # set once the request is answered
        self.reader = threading.Thread(target=self._read, name="nkdocker-stream", daemon=True)
        # The owner ends the stream through this, from its own thread: never queued
        # behind a stdin write that may block.
        expose_stop(self._stop_with)

    def on_start(self) -> None:
        """Start reading in a thread of its own."""
        self.reader.start()

    def on_receive(self, message: Any) -> Any:
        """Handle a (StreamControl, Reply) pair from the connection actor."""
        control, reply = message
        try:
            self._apply(control)
        except BaseException as error:  # the caller gets it
            if reply is not None:
                reply.fail(error)
        else:
            if reply is not None:
                reply.ok(None)
        return None

    def _apply(self, control: StreamControl) -> None:
        if self.prepared.command.stream != "hijack":
            raise InvalidOption(f"{self.prepared.command.name} streams have no stdin")
        if not self.opened.wait(self.config.connect_timeout + 5):
            raise TimedOut("the daemon has not yet answered the stream's request")
        channel = self.channel
        if channel is None or self.ended:
            raise ConnectionFailed("the stream is not open")
        if control.op == "send":
            channel.send_raw(control.data)
        elif control.op == "close_stdin":
            channel.shutdown_write()

    def _stop_with(self, payload: Payload) -> None:
        with self.lock:
            if self.ended or self.ending is not None:
                return
            self.ending = payload
            channel = self.channel
        if channel is not None:
            channel.close()  # the reader wakes up and delivers `ending`

    # -- the reader thread ---------------------------------------------------------

    def _still_wanted(self) -> bool:
        return self.ending is None and self.sink.alive

    def _read(self) -> None:
        try:
            for payload in self._payloads():
                if not self._still_wanted():
                    break
                self.sink.wait_for_room(self._still_wanted)
                size = self._item_size if isinstance(payload, Data) else None
                if self.ending is not None or not self.sink.send(Message(self.ref, payload), size):
                    break
            else:
                self._end(self._eof())
                return
            self._end(Failed(ConnectionFailed("the subscriber is gone")))
        except BaseException as error:  # every failure ends the ref, typed
            if not isinstance(error, NkDockerError):
                error = ConnectionFailed(f"stream failed: {error!r}")
            self._end(Failed(error))

    def _eof(self) -> Payload:
        """Done at EOF, unless the daemon died: a body that ends when the socket closes
        (upgraded streams, unframed logs) cannot tell a crash from an end, so a ping on a
        fresh socket decides."""
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
        head, context = start_exchange(channel, prepared, self.timeout)
        kind = prepared.command.stream
        if kind == "hijack":
            channel.duplex()  # stdin is written from the actor's thread, read from this one
        self._mark_open()  # stdin may flow only once the daemon has upgraded the connection
        framed = head.status != 101 and (
            "chunked" in head.headers.get("transfer-encoding", "").lower()
            or "content-length" in head.headers
        )
        self._ends_at_close = not framed
        pieces = self._polled(channel, body_pieces(channel, head, prepared.request.method))
        if kind == "json":
            lines = JsonLines()
            for piece in pieces:
                items = lines.feed(piece)
                # What each item stands for in the backpressure budget: its share of the bytes.
                self._item_size = max(64, len(piece) // max(1, len(items)))
                for item in items:
                    yield from self._json_item(item)
            for item in lines.finish():
                yield from self._json_item(item)
            return
        if context.tty:
            for piece in pieces:
                yield Output("stdout", piece)
            return
        frames = FrameDecoder()
        for piece in pieces:
            for stream, data in frames.feed(piece):
                yield Output(stream, data)
        frames.check_end()

    @staticmethod
    def _json_item(item: Any) -> Iterator[Payload]:
        yield Data(item)
        raise_for_progress_error(item)  # the ref then ends Failed, typed

    def _polled(self, channel: Channel, pieces: Iterator[bytes]) -> Iterator[bytes]:
        """Wake up regularly while idle, to notice a stopped subscriber."""
        while True:
            while not channel.wait_readable(POLL_SECONDS):
                if not self._still_wanted():
                    return
            try:
                piece = next(pieces)
            except StopIteration:
                return
            yield piece

    def _mark_open(self) -> None:
        if not self.opened.is_set():
            self.opened.set()
            self.on_open()
            if self.ready is not None:
                self.ready.set(self.ref)

    def _end(self, payload: Payload) -> None:
        self._mark_open()
        with self.lock:
            if self.ended:
                return
            self.ended = True
            final = self.ending if self.ending is not None else payload
            channel = self.channel
        if channel is not None:
            channel.close()
        try:
            self.sink.send(Message(self.ref, final))
        finally:
            with contextlib.suppress(pykka.ActorDeadError):
                self.owner.tell(self.on_end)
            self.actor_ref.stop(block=False)

    def on_stop(self) -> None:
        """End the ref if it has not ended; fail the controls still queued."""
        if not self.ended:
            self._stop_with(Failed(ConnectionFailed("the stream was stopped")))
        fail_queued(self.actor_inbox, self._fail_control)

    @staticmethod
    def _fail_control(message: Any) -> bool:
        if not (isinstance(message, tuple) and isinstance(message[0], StreamControl)):
            return False
        if message[1] is not None:
            message[1].fail(ConnectionFailed("the stream has ended"))
        return True
