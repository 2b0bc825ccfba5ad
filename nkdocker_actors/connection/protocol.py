"""What the `Docker` handle tells its `DockerConnection` actor, and how a message that
will not be carried out is failed (so that no Future is left hanging)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pykka

from ..calls import Turn
from ..commands.spec import Prepared
from ..deadlines import Pending
from ..messages import Data, Failed, Message, Ref, Sink
from ..streams import StreamControl


class Reply:
    """Where a command's result goes: a Future, or a message to a reply_to subscriber."""

    __slots__ = ("future", "ref", "sink")

    def __init__(self, future: pykka.Future[Any] | None, sink: Sink | None, ref: Ref | None):
        self.future = future
        self.sink = sink
        self.ref = ref

    def ok(self, value: Any) -> None:
        """Deliver a result."""
        if self.future is not None:
            self.future.set(value)
        elif self.sink is not None and self.ref is not None:
            self.sink.send(Message(self.ref, Data(value)))

    def fail(self, error: BaseException) -> None:
        """Deliver an error."""
        if self.future is not None:
            self.future.set_exception((type(error), error, error.__traceback__))
        elif self.sink is not None and self.ref is not None:
            self.sink.send(Message(self.ref, Failed(error)))


@dataclass(frozen=True)
class Negotiate:
    """Asks the actor to pick the API version to talk (see DockerConnection._negotiate)."""


@dataclass(frozen=True)
class Call:
    """A command with one result."""

    prepared: Prepared
    timeout: float | None
    reply: Reply
    pending: Pending | None = None  # its deadline, counted from when the call was made
    turn: Turn | None = None  # its place in its caller's line


@dataclass(frozen=True)
class OpenStream:
    """A streaming command: its messages go to `sink` under `ref`."""

    prepared: Prepared
    timeout: float | None
    sink: Sink
    ref: Ref
    ready: pykka.Future[Any]
    pending: Pending | None = None
    turn: Turn | None = None


@dataclass(frozen=True)
class Control:
    """stdin, half-close or finish for an open stream."""

    ref: Ref
    control: StreamControl
    reply: Reply


@dataclass(frozen=True)
class AskStats:
    """Asks the actor for connection_stats()."""


def turn_done(turn: Turn | None) -> Callable[[], None]:
    """What lets the caller's next call go once this one is answered (or sent)."""
    return (lambda: None) if turn is None else turn.done


def fail_message(message: Any, error: BaseException) -> bool:
    """Give a message that will not be carried out its failure: no Future left hanging."""
    turn_done(getattr(message, "turn", None))()
    pending = getattr(message, "pending", None)
    if pending is not None and pending.start() is None:
        return True  # expired in the queue: it has had its TimedOut
    if isinstance(message, OpenStream):
        message.sink.send(Message(message.ref, Failed(error)))
        message.ready.set(message.ref)
        return True
    if isinstance(message, Call | Control):
        message.reply.fail(error)
        return True
    return False
