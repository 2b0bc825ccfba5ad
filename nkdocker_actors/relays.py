"""ResumingRelay: one event subscription kept across lost streams.

What the supervisor's `EventRelay` (one daemon, reconnected) and the swarm's
`SwarmEventRelay` (the next manager) share: the events of the current `events` stream
go to the subscriber; when the stream is lost the subclass subscribes again, from
RESUME_SLACK before the newest event delivered (dockerd stamps an event before it
publishes it, so two can arrive out of order), and drops what the new stream replays.
The ref ends once, with the stream's own end (`until`) or refusal, on "finish", or
when the subscriber is gone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import pykka

from .connection import Docker
from .errors import ConnectionFailed, NkDockerError
from .messages import Data, Done, Failed, Message, Ref, Sink

__all__ = ["RESUME_SLACK", "ResumingRelay", "event_nano"]

RESUME_SLACK = 2 * 10**9  # ns replayed before the newest event delivered


def event_nano(event: Mapping[str, Any]) -> int:
    """An event's stamp in nanoseconds."""
    return int(event.get("timeNano") or int(event.get("time", 0)) * 10**9)


class ResumingRelay(pykka.ThreadingActor):
    """Relays the current stream's events; subclasses say how to subscribe again
    (`_lost`), which events are replays (`_fresh`), and what else they hear (`_control`)."""

    use_daemon_thread = True

    def __init__(self, sink: Sink, ref: Ref, options: dict[str, Any], since: Any) -> None:
        super().__init__()
        self.sink = sink
        self.ref = ref
        self.options = options
        self.since = since
        self.newest = -1  # the newest stamp delivered, ns
        self.current: Ref | None = None  # the stream relayed now
        self.source: Docker | None = None  # where it was asked for
        self.ended = False

    def _resume_since(self) -> Any:
        """Where the next subscription starts: `since`, or a little before the newest."""
        if self.newest < 0:
            return self.since
        resume = max(0, self.newest - RESUME_SLACK)
        return f"{resume // 10**9}.{resume % 10**9:09d}"

    def on_receive(self, message: Any) -> Any:
        """Relay events; "finish" ends the ref; the rest is the subclass's."""
        if isinstance(message, Message):
            self._from_stream(message)
        elif message == "finish":
            self._end(Done("finished"))
        else:
            self._control(message)
        return None

    def _control(self, message: Any) -> None:
        """A message of the subclass's own (none here)."""

    def _from_stream(self, message: Message) -> None:
        if message.ref is not self.current or self.ended:
            return
        payload = message.payload
        if isinstance(payload, Data):
            if self._fresh(payload.value):
                self.sink.wait_for_room(lambda: not self.ended)
                if not self.sink.send(Message(self.ref, payload)):
                    self._end(Failed(ConnectionFailed("the subscriber is gone")))
            return
        self.current = None
        ended = isinstance(payload, Done) and "until" in self.options
        refused = isinstance(payload, Failed) and not isinstance(payload.error, ConnectionFailed)
        if isinstance(payload, Done | Failed) and (ended or refused):
            self._end(payload)
        else:
            self._lost()  # (or closed by a stopping daemon)

    def _fresh(self, event: dict[str, Any]) -> bool:
        """Whether `event` is to be delivered (not a replay); notes it as delivered."""
        raise NotImplementedError

    def _lost(self) -> None:
        """The stream ended without the subscription ending: subscribe again, or wait."""
        raise NotImplementedError

    def _end(self, payload: Done | Failed) -> None:
        if self.ended:
            return
        self.ended = True
        if self.source is not None and self.current is not None:
            with contextlib.suppress(NkDockerError):
                self.source.finish_async(self.current)
        self.sink.send(Message(self.ref, payload))
        self._ended()
        self.actor_ref.stop(block=False)

    def _ended(self) -> None:
        """What the subclass does once the ref has ended (nothing here)."""
