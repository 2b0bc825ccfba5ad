"""The process's stream poller: one thread watching every idle stream socket with epoll
(poll(2) where there is none). A stream's actor arms its socket once it has read all there
was; the poller tells the actor when the socket is readable or its subscriber is gone, or,
for a stream whose reading never waits, reads it in its own thread (StreamActor._push) and
tells the subscribers what it pushed a few at a time, without waking the stream's actor.
"""

from __future__ import annotations

import contextlib
import select
import threading
import time
from collections.abc import Callable
from typing import Any

import pykka

from .messages import Message

__all__ = ["Poller", "poller"]

POLL_SECONDS = 0.5  # how often the poller checks the subscribers of idle streams
# The poller tells subscribers what it pushed a few at a time, not at once (each woken
# actor would take the GIL from it) nor after reading every socket that fired: an event
# fanned out to 100 subscribers then reached them all at the end, every delivery's p99
# 11 ms; told 5 to 25 at a time, about 9 ms (the actors run on the other core while the
# poller reads), for 15% more CPU per event (6.1 -> 7.1 ms; 8 at a time: 7.4).
TELLS_AT_ONCE = 16


class _Wake:
    """From the poller to a stream actor: why to look at its socket."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason  # "read" or "unwanted"


_READ = _Wake("read")


class _Watch:
    """An idle stream socket the poller watches (once armed, until it fires)."""

    __slots__ = ("actor", "armed", "fd", "listening", "push", "still_wanted")

    def __init__(
        self,
        fd: int,
        actor: pykka.ActorRef[Any],
        still_wanted: Callable[[], bool],
        push: Callable[[], None] | None = None,
    ):
        self.fd = fd
        self.actor = actor
        self.still_wanted = still_wanted
        self.push = push  # reads the socket in the poller's thread, instead of telling the actor
        self.armed = False
        # A pushed stream's socket stays in epoll between its pushes (level-triggered): no
        # re-arming syscall per message. Left out while its actor reads.
        self.listening = False

    def fire(self, wake: _Wake) -> None:
        if wake is _READ and self.push is not None:
            self.push()
            return
        with contextlib.suppress(pykka.ActorDeadError):
            self.actor.tell(wake)


class Poller:
    """One thread per process watching idle stream sockets (epoll).

    A stream arms its socket when it has read all there was; the poller tells its
    actor once the socket is readable, or its subscriber is gone (checked every
    POLL_SECONDS), or, for a stream it can read itself, reads it (StreamActor._push).
    An idle stream is no fault: the head came in time, silence after it never times
    out. The thread ends a second after the last socket is forgotten.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tells_lock = threading.Lock()
        self._tells: list[tuple[pykka.ActorRef[Any], Message]] = []
        self._watches: dict[int, _Watch] = {}
        self._epoll: Any = None
        self._thread: threading.Thread | None = None

    def arm(self, watch: _Watch) -> None:
        """Tell `watch`'s actor once its socket is readable (or its subscriber gone)."""
        with self._lock:
            if self._epoll is None:
                self._epoll = _Backend()
            watch.armed = True
            if self._watches.get(watch.fd) is watch:
                if watch.listening:
                    pass  # (a pushed stream, still in epoll)
                elif watch.push is not None and self._epoll.levels:
                    watch.listening = True
                    self._epoll.add(watch.fd, once=False)
                else:
                    self._epoll.rearm(watch.fd)
            else:
                self._watches[watch.fd] = watch
                watch.listening = watch.push is not None and self._epoll.levels
                # (a closed socket's number reused: replaced)
                self._epoll.add(watch.fd, once=not watch.listening)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="nkdocker-poller", daemon=True
                )
                self._thread.start()

    def forget(self, watch: _Watch) -> None:
        """Stop watching (before the socket is closed)."""
        with self._lock:
            watch.armed = watch.listening = False
            if self._watches.get(watch.fd) is watch:
                del self._watches[watch.fd]
                self._epoll.remove(watch.fd)

    def _run(self) -> None:
        idle_since: float | None = None
        last_check = time.monotonic()
        while True:
            with self._lock:
                backend = self._epoll
                if self._watches:
                    idle_since = None
                else:
                    now = time.monotonic()
                    idle_since = idle_since or now
                    if now - idle_since > 1.0:
                        self._thread = None
                        self._epoll = None
                        backend.close()
                        return
            ready = backend.wait(POLL_SECONDS)
            fired: list[tuple[_Watch, _Wake]] = []
            with self._lock:
                for fd in ready:
                    watch = self._watches.get(fd)
                    if watch is not None and watch.armed:
                        watch.armed = False
                        fired.append((watch, _READ))
                now = time.monotonic()
                if now - last_check >= POLL_SECONDS:
                    last_check = now
                    for watch in self._watches.values():
                        if watch.armed and not watch.still_wanted():
                            watch.armed = False
                            fired.append((watch, _Wake("unwanted")))
            for watch, wake in fired:
                watch.fire(wake)
                if len(self._tells) >= TELLS_AT_ONCE:
                    self.flush_tells()
            self.flush_tells()
            with self._lock:
                for watch, _ in fired:
                    if watch.listening and not watch.armed and self._watches.get(watch.fd) is watch:
                        # Handed to its actor (or ending): out of epoll until armed again,
                        # or its unread data would wake the poller over and over.
                        watch.listening = False
                        backend.remove(watch.fd)

    def tell_later(self, actor: pykka.ActorRef[Any], message: Message) -> None:
        """(From a push.) Tell `actor` once the poller has read a few more of the sockets
        that fired (see TELLS_AT_ONCE)."""
        with self._tells_lock:
            self._tells.append((actor, message))

    def flush_tells(self) -> None:
        """Tell what `tell_later` kept, in order. A stream's actor calls it before it
        delivers anything itself, so a stream's messages never overtake each other."""
        with self._tells_lock:  # (held while telling: a flush elsewhere waits for it)
            for actor, message in self._tells:
                with contextlib.suppress(pykka.ActorDeadError):
                    actor.tell(message)
            self._tells.clear()


class _Backend:
    """epoll with one-shot registrations, level-triggered ones for pushed streams (poll(2),
    one-shot by hand, where there is no epoll)."""

    def __init__(self) -> None:
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        self._poll = select.poll() if self._epoll is None else None

    @property
    def levels(self) -> bool:
        """Whether a socket may stay registered between events (epoll)."""
        return self._epoll is not None

    def add(self, fd: int, once: bool = True) -> None:
        if self._epoll is not None:
            events = select.EPOLLIN | (select.EPOLLONESHOT if once else 0)
            try:
                self._epoll.register(fd, events)
            except FileExistsError:
                self._epoll.modify(fd, events)
        else:
            assert self._poll is not None
            self._poll.register(fd, select.POLLIN)

    def rearm(self, fd: int) -> None:
        if self._epoll is not None:
            try:
                self._epoll.modify(fd, select.EPOLLIN | select.EPOLLONESHOT)
            except FileNotFoundError:  # closed and reopened under the same number
                self._epoll.register(fd, select.EPOLLIN | select.EPOLLONESHOT)
        else:
            assert self._poll is not None
            self._poll.register(fd, select.POLLIN)

    def remove(self, fd: int) -> None:
        with contextlib.suppress(OSError, KeyError):
            (self._epoll or self._poll).unregister(fd)  # type: ignore[union-attr]

    def wait(self, timeout: float) -> list[int]:
        try:
            if self._epoll is not None:
                return [fd for fd, _ in self._epoll.poll(timeout)]
            assert self._poll is not None
            ready = [fd for fd, _ in self._poll.poll(timeout * 1000)]
            for fd in ready:  # one-shot by hand
                with contextlib.suppress(KeyError):
                    self._poll.unregister(fd)
            return ready
        except (OSError, ValueError):  # closed under us: look again
            time.sleep(0.01)
            return []

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()


poller = Poller()
