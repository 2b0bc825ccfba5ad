"""What async commands send: `Message(ref, payload)`, and where they send it.

A subscriber is a pykka ActorRef (told the message), an `Inbox`, or any
callable. `Sink` wraps one of those and adds what a stream needs: whether the
subscriber is still alive, and backpressure (how much it has not consumed yet).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, cast

import pykka

__all__ = [
    "Data",
    "Done",
    "Failed",
    "Future",
    "Inbox",
    "Message",
    "Output",
    "Payload",
    "Ref",
    "Sink",
    "Subscriber",
]

log = logging.getLogger(__name__)
_ref_ids = itertools.count(1)


class Ref:
    """Names one async command or one `reply_to` result; compares by identity."""

    __slots__ = ("id",)

    def __init__(self) -> None:
        self.id = next(_ref_ids)

    def __repr__(self) -> str:
        return f"<Ref #{self.id}>"


class Future(pykka.ThreadingFuture[Any]):
    """A pykka ThreadingFuture whose `get` also takes the timeout positionally."""

    def get(self, timeout: float | None = None) -> Any:
        """The result, waiting up to `timeout` seconds (pykka.Timeout past it)."""
        return super().get(timeout=timeout)


class Data(NamedTuple):
    """One decoded JSON item (event, stats sample, progress line) or a reply_to result."""

    value: Any


class Output(NamedTuple):
    """Bytes a container wrote; `stream` is "stdout" or "stderr" (a TTY's is "stdout")."""

    stream: str
    data: bytes


class Done(NamedTuple):
    """The normal end of a ref: "eof" (the daemon closed) or "finished" (finish_async)."""

    reason: str


class Failed(NamedTuple):
    """The abnormal end of a ref; `error` is a ConnectionFailed or a DockerError."""

    error: BaseException


Payload = Data | Output | Done | Failed


class Message(NamedTuple):
    """What a subscriber receives: the tuple `(ref, payload)`."""

    ref: Ref
    payload: Payload


def message_size(message: Message) -> int:
    """The bytes a message holds, for backpressure accounting."""
    payload = message.payload
    return len(payload.data) if isinstance(payload, Output) else 256


class Inbox:
    """A thread-safe mailbox for code that is not an actor.

    `get(timeout=...)` returns the next Message or raises TimeoutError; iterating
    yields messages as they come (blocking). Streams feeding an Inbox wait while
    it holds their `limit` of unconsumed bytes, so a slow reader bounds memory.
    """

    def __init__(self) -> None:
        self._items: deque[tuple[Message, Callable[[], None] | None]] = deque()
        self._ready = threading.Condition()

    def put(self, message: Message, on_consumed: Callable[[], None] | None = None) -> None:
        """Add a message; `on_consumed` runs when a reader takes it."""
        with self._ready:
            self._items.append((message, on_consumed))
            self._ready.notify()

    def __call__(self, message: Message) -> None:
        self.put(message)

    def get(self, timeout: float | None = None) -> Message:
        """The next message; TimeoutError if none comes within `timeout` seconds."""
        with self._ready:
            if not self._ready.wait_for(lambda: self._items, timeout):
                raise TimeoutError(f"no message within {timeout} s")
            message, on_consumed = self._items.popleft()
        if on_consumed is not None:
            on_consumed()
        return message

    def get_nowait(self) -> Message:
        """The next message, or TimeoutError at once."""
        return self.get(timeout=0)

    def __len__(self) -> int:
        with self._ready:
            return len(self._items)

    def __iter__(self) -> Iterator[Message]:
        while True:
            yield self.get()


Subscriber = pykka.ActorRef[Any] | Inbox | Callable[[Message], Any]


def fail_queued(inbox: Any, fail: Callable[[Any], bool]) -> None:
    """Offer each message queued in a stopping actor's inbox to `fail`, which answers it
    and says True; the ones it declines (pykka's own) go back for pykka to answer."""
    declined = []
    while True:
        try:
            envelope = inbox.get_nowait()
        except queue.Empty:
            break
        if not fail(getattr(envelope, "message", None)):
            declined.append(envelope)
    for envelope in declined:
        inbox.put(envelope)


class _Budget:
    """Counts undelivered bytes; `wait_room` blocks while over the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pending = 0
        self._changed = threading.Condition()

    def add(self, size: int) -> None:
        with self._changed:
            self.pending += size

    def release(self, size: int) -> None:
        with self._changed:
            self.pending -= size
            self._changed.notify_all()

    def wait_room(self, still_wanted: Callable[[], bool], poll: float) -> None:
        with self._changed:
            while self.pending >= self.limit and still_wanted():
                self._changed.wait(poll)


ACTOR_QUEUE_LIMIT = 256
DEFAULT_MAX_PENDING = 8 * 1024 * 1024


class Sink:
    """Delivers messages to one subscriber, with liveness and backpressure.

    An Inbox may hold at most `limit` bytes of a stream unconsumed; an actor's mailbox
    at most ACTOR_QUEUE_LIMIT messages (a mailbox tells nothing of consumption); a
    callable is called in the reader's thread, so it paces the stream itself.
    """

    def __init__(self, subscriber: Subscriber, limit: int = DEFAULT_MAX_PENDING) -> None:
        from .errors import InvalidOption

        if not (isinstance(subscriber, pykka.ActorRef | Inbox) or callable(subscriber)):
            raise InvalidOption(
                f"subscriber must be an ActorRef, an Inbox or a callable, not {subscriber!r}"
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise InvalidOption(f"max_pending must be a positive number of bytes, not {limit!r}")
        self.subscriber = subscriber
        self._budget = _Budget(limit)

    @property
    def alive(self) -> bool:
        """False once a subscribing actor has stopped."""
        subscriber = self.subscriber
        return not isinstance(subscriber, pykka.ActorRef) or subscriber.is_alive()

    def send(self, message: Message, size: int | None = None) -> bool:
        """Deliver; False if the subscriber is gone. `size`: the bytes it stands for."""
        subscriber = self.subscriber
        if isinstance(subscriber, Inbox):
            size = message_size(message) if size is None else size
            self._budget.add(size)
            subscriber.put(message, lambda: self._budget.release(size))
            return True
        if isinstance(subscriber, pykka.ActorRef):
            try:
                subscriber.tell(message)
            except pykka.ActorDeadError:
                return False
            return True
        try:
            subscriber(message)
        except Exception:  # the subscriber's bug must not kill the stream or the actor
            log.exception("subscriber %r failed on %r", subscriber, message.ref)
        return True

    def wait_for_room(self, still_wanted: Callable[[], bool]) -> None:
        """Block while the subscriber holds too much unconsumed data (backpressure)."""
        subscriber = self.subscriber
        if isinstance(subscriber, Inbox):
            self._budget.wait_room(lambda: still_wanted() and self.alive, 0.5)
        elif isinstance(subscriber, pykka.ActorRef):
            # An actor's mailbox gives no consumption callback: bound its length instead.
            idle = threading.Event()
            while (
                cast("queue.Queue[Any]", subscriber.actor_inbox).qsize() > ACTOR_QUEUE_LIMIT
                and still_wanted()
                and subscriber.is_alive()
            ):
                idle.wait(0.05)
