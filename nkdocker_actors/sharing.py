"""Identical live subscriptions on one connection share one stream.

A hundred subscribers to the same events, each on a socket of its own, cost a hundred
reads and decodings of every event (and the daemon a hundred subscriptions); sharing,
one read and one decoding, then a message to each. Which subscriptions may share is
the command table's (`Command.share_when`: events without `since` or `until`), and only
subscribers that take a message without blocking (actors, Inboxes) share: a callable
runs in the reader's thread, where it would hold the others. `share_events=False` in
connect() gives every subscription a socket of its own.

Each subscriber keeps what it has alone: its own Ref, its own copy of every value,
exactly one Done or Failed (finish_async(ref) ends that ref; the stream closes with its
last subscriber), the items read after it joined. What the group shares is the pace:
the stream pauses while any of its subscribers has no room.
"""

from __future__ import annotations

import functools
import marshal
import threading
from collections.abc import Callable, Iterator

from .messages import Data, Done, Failed, Message, Payload, Ref, Sink

__all__ = ["SharedSink"]


def _nobody(message: Message) -> None:
    """(The subscriber Sink is built with: a SharedSink delivers to its members.)"""


class SharedSink(Sink):
    """A shared stream's sink: every message goes to each member, under the member's ref.

    `ended(ref)` is told of each member's ref once it has had its last message (or its
    subscriber is gone), so the connection forgets it."""

    def __init__(self, ended: Callable[[Ref], None]) -> None:
        super().__init__(_nobody)
        self._members: dict[Ref, Sink] = {}
        self._lock = threading.Lock()  # held while delivering: a leave waits for it
        self._closed = False
        self._ended = ended

    def join(self, ref: Ref, sink: Sink) -> bool:
        """Add a member; False once the stream is closing (a new one is needed)."""
        with self._lock:
            if self._closed:
                return False
            self._members[ref] = sink
            return True

    def leave(self, ref: Ref, payload: Payload) -> bool:
        """End one member's ref with `payload` (after any message already on its way);
        True if it was the last member: the stream should close."""
        with self._lock:
            sink = self._members.pop(ref, None)
            last = sink is not None and not self._members
            self._closed = self._closed or last
        if sink is not None:
            sink.send(Message(ref, payload))
            self._ended(ref)
        return last

    @property
    def alive(self) -> bool:
        """Whether any member's subscriber is still there (those gone leave)."""
        with self._lock:
            return self._keep_only(lambda ref, sink: sink.alive)

    def closing(self, ref: Ref) -> str:
        """No member joins from now on (so that each one the stream's end reaches is
        named); the members' refs, which their subscribers know, not the stream's."""
        with self._lock:
            self._closed = True
            return ", ".join(map(repr, self._members)) or repr(ref)

    @property
    def never_blocks(self) -> bool:
        return True  # (members are actors and Inboxes only)

    def has_room(self) -> bool:
        with self._lock:
            return all(sink.has_room() for sink in self._members.values())

    def wait_for_room(self, still_wanted: Callable[[], bool]) -> None:
        """Wait for each member in turn, while it is one: a subscriber that leaves (its
        Inbox perhaps never read again) holds the others no longer."""
        with self._lock:
            members = list(self._members.items())
        for ref, sink in members:
            sink.wait_for_room(functools.partial(self._wanted, ref, still_wanted))

    def _wanted(self, ref: Ref, still_wanted: Callable[[], bool]) -> bool:
        return ref in self._members and still_wanted()

    def send(self, message: Message, size: int | None = None) -> bool:
        """Deliver to every member; False once none is left. Done or Failed ends them all."""
        payload = message.payload
        if isinstance(payload, Done | Failed):
            with self._lock:
                members, self._members = self._members, {}
                self._closed = True
            for ref, sink in members.items():
                sink.send(Message(ref, payload))
                self._ended(ref)
            return True
        copies = _copies(payload)
        with self._lock:
            return self._keep_only(lambda ref, sink: sink.send(Message(ref, next(copies)), size))

    def _keep_only(self, still_there: Callable[[Ref, Sink], bool]) -> bool:
        """(Holding the lock.) The members whose subscriber is gone, as `still_there` (a
        check, or a delivery) says, leave; whether any is left. (`ended` only tells.)"""
        gone = [ref for ref, sink in self._members.items() if not still_there(ref, sink)]
        for ref in gone:
            del self._members[ref]
            self._ended(ref)
        return bool(self._members)


def _copies(payload: Payload) -> Iterator[Payload]:
    """The payload for each member: the first gets it, the others their own copy of a
    decoded JSON value (marshal: a third of the cost of decoding the JSON again)."""
    yield payload
    value = payload.value if isinstance(payload, Data) else None
    if not isinstance(value, dict | list):
        while True:
            yield payload  # (immutable: bytes, str, numbers, Output)
    frozen = marshal.dumps(value)
    while True:
        yield Data(marshal.loads(frozen))
