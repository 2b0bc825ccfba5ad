"""What async commands send: `Message(ref, payload)`, and where they send it.

A subscriber is a pykka ActorRef (told the message), an `Inbox`, or any
callable. `Sink` wraps one of those and adds what a stream needs: whether the
subscriber is still alive, and backpressure (how much it has not consumed yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import queue
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import pykka

from . import reports

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    T = TypeVar("T", default=Any)  # a bare `Future` is a Future[Any]
else:
    from typing import TypeVar

    T = TypeVar("T")

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
    "Timeout",
]

_ref_ids = itertools.count(1)


class Ref:
    """Names one async command or one `reply_to` result; compares by identity."""

    __slots__ = ("id",)

    def __init__(self) -> None:
        self.id = next(_ref_ids)

    def __repr__(self) -> str:
        return f"<Ref #{self.id}>"


class Timeout(pykka.Timeout, TimeoutError):
    """No result or message in time: both what pykka users catch and a TimeoutError."""


class Future(pykka.ThreadingFuture[T]):
    """A pykka ThreadingFuture whose `get` also takes the timeout positionally, and whose
    `await` never blocks the event loop: the result is handed over when it is set."""

    def __init__(self) -> None:
        super().__init__()
        self._on_result: list[Callable[[], None]] = []

    def get(self, timeout: float | None = None) -> T:
        """The result, waiting up to `timeout` seconds (`Timeout` past it)."""
        try:
            return cast(T, super().get(timeout=timeout))
        except pykka.Timeout as error:
            if isinstance(error, Timeout):
                raise
            raise Timeout(f"no result within {timeout} s") from None

    def set(self, value: Any | None = None) -> None:
        """Set the result (pykka's `set`), then wake whoever awaits it."""
        super().set(value)
        self._settled()

    def set_exception(self, exc_info: Any = None) -> None:
        """Set an error (pykka's `set_exception`), then wake whoever awaits it."""
        super().set_exception(exc_info)
        self._settled()

    def _settled(self) -> None:
        with self._condition:
            callbacks, self._on_result = self._on_result, []
        for callback in callbacks:
            callback()

    def _when_settled(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the result is set (at once if it is)."""
        with self._condition:
            if self._result is None:
                self._on_result.append(callback)
                return
        callback()

    def __await__(self) -> Generator[Any, None, T]:
        loop = asyncio.get_running_loop()
        if self._get_hook is not None:  # pykka's derived futures (map, filter): no setter
            return (yield from loop.run_in_executor(None, self.get).__await__())
        waiter: asyncio.Future[None] = loop.create_future()

        def wake() -> None:  # in the setter's thread
            _wake(loop, waiter)

        self._when_settled(wake)
        yield from waiter.__await__()
        return self.get(0)

    __iter__ = __await__  # pykka's alias, for `yield from future`


def _wake(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None]) -> None:
    """From any thread: resolve `waiter` in its loop's thread."""
    # A closed loop (RuntimeError) has nobody waiting any more.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(_resolve, waiter)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():  # (cancelled meanwhile: nothing to do)
        waiter.set_result(None)


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


# What a queued message costs beyond its payload's bytes (the Message and payload tuples,
# the queue's entry, the release callback), counted too: a stream of tiny messages (a log
# line each, a few bytes) is bounded by the memory it holds, not by its bytes alone.
MESSAGE_OVERHEAD = 256


def message_size(message: Message) -> int:
    """The bytes a message holds, for backpressure accounting."""
    payload = message.payload
    return MESSAGE_OVERHEAD + (len(payload.data) if isinstance(payload, Output) else 0)


class Inbox:
    """A thread-safe mailbox for code that is not an actor.

    `get(timeout=...)` returns the next Message or raises `Timeout` (a TimeoutError);
    iterating yields messages as they come (blocking). In asyncio code, `async for
    message in inbox` and `await inbox.get_async(timeout)` wait without blocking the
    event loop. Streams feeding an Inbox wait while it holds their `limit` of
    unconsumed bytes, so a slow reader bounds memory.
    """

    def __init__(self) -> None:
        self._items: deque[tuple[Message, Callable[[], None] | None]] = deque()
        self._ready = threading.Condition()
        # asyncio readers waiting for a message: their loop and what wakes them.
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def put(self, message: Message, on_consumed: Callable[[], None] | None = None) -> None:
        """Add a message; `on_consumed` runs when a reader takes it."""
        with self._ready:
            self._items.append((message, on_consumed))
            self._ready.notify()
            waiters, self._waiters = self._waiters, []
        for loop, waiter in waiters:
            _wake(loop, waiter)

    def __call__(self, message: Message) -> None:
        self.put(message)

    def get(self, timeout: float | None = None) -> Message:
        """The next message; `Timeout` if none comes within `timeout` seconds."""
        with self._ready:
            if not self._items and not self._ready.wait_for(lambda: self._items, timeout):
                raise Timeout(f"no message within {timeout} s")
            message, on_consumed = self._items.popleft()
        if on_consumed is not None:
            on_consumed()
        return message

    def get_nowait(self) -> Message:
        """The next message, or `Timeout` at once."""
        return self.get(timeout=0)

    async def get_async(self, timeout: float | None = None) -> Message:
        """The next message, awaited without blocking the event loop; `Timeout` if none
        comes within `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            with self._ready:
                if self._items:
                    message, on_consumed = self._items.popleft()
                    break
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, waiter))
            try:
                left = None if deadline is None else max(0.0, deadline - loop.time())
                await asyncio.wait_for(waiter, left)
            except asyncio.TimeoutError:
                raise Timeout(f"no message within {timeout} s") from None
            finally:
                with self._ready:
                    if (loop, waiter) in self._waiters:
                        self._waiters.remove((loop, waiter))
        if on_consumed is not None:
            on_consumed()
        return message

    def __len__(self) -> int:
        with self._ready:
            return len(self._items)

    def __iter__(self) -> Iterator[Message]:
        while True:
            yield self.get()

    async def __aiter__(self) -> AsyncIterator[Message]:
        while True:
            yield await self.get_async()


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
        self._changed = threading.Condition(threading.Lock())
        self._waiting = False  # a stream waits for room: only then is a release notified

    def add(self, size: int) -> None:
        with self._changed:
            self.pending += size

    def release(self, size: int) -> None:
        with self._changed:
            self.pending -= size
            if self._waiting:
                self._changed.notify_all()

    @property
    def full(self) -> bool:
        """At or over the limit: the stream waits for room."""
        return self.pending >= self.limit

    def wait_room(self, still_wanted: Callable[[], bool], poll: float) -> None:
        with self._changed:
            while self.full and still_wanted():
                self._waiting = True
                self._changed.wait(poll)
            self._waiting = False


ACTOR_QUEUE_LIMIT = 256
DEFAULT_MAX_PENDING = 8 * 1024 * 1024


def _mailbox_has_room(actor: pykka.ActorRef[Any]) -> bool:
    """An actor's mailbox is within ACTOR_QUEUE_LIMIT messages."""
    return cast("queue.Queue[Any]", actor.actor_inbox).qsize() <= ACTOR_QUEUE_LIMIT


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
        self.subscriber_failures = 0  # times a callable subscriber raised (logged once)

    @property
    def alive(self) -> bool:
        """False once a subscribing actor has stopped."""
        subscriber = self.subscriber
        return not isinstance(subscriber, pykka.ActorRef) or subscriber.is_alive()

    def send(self, message: Message, size: int | None = None) -> bool:
        """Deliver; False if the subscriber is gone. `size`: the bytes its payload stands for."""
        subscriber = self.subscriber
        if isinstance(subscriber, Inbox):
            size = message_size(message) if size is None else size + MESSAGE_OVERHEAD
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
            self.subscriber_failures += 1
            if self.subscriber_failures == 1:
                reports.subscriber_failed(subscriber, message.ref)
        return True

    def closing(self, ref: Ref) -> str:
        """The stream of `ref` is ending: how reports name it (see SharedSink)."""
        return repr(ref)

    @property
    def never_blocks(self) -> bool:
        """Delivery to it never blocks (an Inbox or an actor; a callable may)."""
        return isinstance(self.subscriber, pykka.ActorRef | Inbox)

    def has_room(self) -> bool:
        """Whether a message may go now without exceeding the backpressure bound."""
        subscriber = self.subscriber
        if isinstance(subscriber, Inbox):
            return not self._budget.full
        if isinstance(subscriber, pykka.ActorRef):
            return _mailbox_has_room(subscriber)
        return True

    def wait_for_room(self, still_wanted: Callable[[], bool]) -> None:
        """Block while the subscriber holds too much unconsumed data (backpressure)."""
        if self.has_room():
            return  # (the usual case: no lock, no Event)
        subscriber = self.subscriber
        if isinstance(subscriber, Inbox):
            self._budget.wait_room(lambda: still_wanted() and self.alive, 0.5)
        elif isinstance(subscriber, pykka.ActorRef):
            # An actor's mailbox gives no consumption callback: bound its length instead.
            idle = threading.Event()
            while not _mailbox_has_room(subscriber) and still_wanted() and subscriber.is_alive():
                idle.wait(0.05)
