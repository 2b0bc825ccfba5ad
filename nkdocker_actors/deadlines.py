"""Deadlines of queued calls: a call's timeout counts from the moment it is made.

A command waits in its connection actor's mailbox while earlier ones run. Each
queued call holds a `Pending`: the actor `start()`s it before sending anything,
and one timer thread (started on first use) `expire()`s it when its deadline
passes first. Exactly one of the two wins, so a call whose deadline passed in the
queue fails `TimedOut` and is never sent, whatever the actor is blocked on.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

__all__ = ["Pending", "watch", "watch_until"]

_QUEUED, _STARTED, _EXPIRED = 0, 1, 2


_LINGER = 1.0  # seconds the timer thread waits with nothing queued before it ends


class Pending:
    """A queued call's claim: started by its actor, or expired by the timer; never both."""

    __slots__ = ("_lock", "_on_expire", "_state", "deadline")

    def __init__(self, deadline: float, on_expire: Callable[[], None]) -> None:
        self.deadline = deadline
        self._on_expire: Callable[[], None] | None = on_expire
        self._state = _QUEUED
        self._lock = threading.Lock()

    def start(self) -> float | None:
        """Claim the call for sending: the seconds left, or None if it expired in the queue."""
        with self._lock:
            if self._state != _QUEUED:
                return None
            left = self.deadline - time.monotonic()
            if left > 0:
                self._state = _STARTED
                self._on_expire = None  # the timer holds nothing of a started call
                _timer.dequeued(started=True)
                return left
            self._state = _EXPIRED
            _timer.dequeued(started=False)
        self._expired()
        return None

    def expire(self) -> None:
        """The deadline passed (the timer calls this): fail the call unless it started."""
        with self._lock:
            if self._state != _QUEUED:
                return
            self._state = _EXPIRED
            _timer.dequeued(started=False)
        self._expired()

    def _expired(self) -> None:
        on_expire, self._on_expire = self._on_expire, None
        if on_expire is not None:
            on_expire()


class _Timer:
    """One daemon thread expiring `Pending`s in deadline order, while any is queued."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Pending]] = []
        self._seq = itertools.count()
        self._queued = 0  # Pendings neither started nor expired
        self._stale = 0  # heap entries of started calls, dropped lazily
        self._thread: threading.Thread | None = None

    def add(self, pending: Pending) -> None:
        with self._cond:
            heapq.heappush(self._heap, (pending.deadline, next(self._seq), pending))
            self._queued += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="nkdocker-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is pending:
                self._cond.notify()  # sooner than what the thread sleeps for

    def dequeued(self, started: bool) -> None:
        with self._cond:
            self._queued -= 1
            if not started:
                return
            # A started call's entry stays until its time; rebuild when most are stale, so a
            # busy connection with long timeouts keeps a heap the size of what is queued.
            self._stale += 1
            if self._stale > 1024 and self._stale * 2 > len(self._heap):
                self._heap = [e for e in self._heap if e[2]._on_expire is not None]
                heapq.heapify(self._heap)
                self._stale = 0

    def _run(self) -> None:
        idle_since: float | None = None
        while True:
            due: list[Pending] = []
            with self._cond:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap)[2])
                if self._queued == 0 and not due:
                    self._heap.clear()
                    self._stale = 0
                    if idle_since is not None and now - idle_since >= _LINGER:
                        self._thread = None  # nothing queued for a while: no idle thread
                        return
                    idle_since = idle_since if idle_since is not None else now
                else:
                    idle_since = None
                if not due:
                    head = self._heap[0][0] - now if self._heap else _LINGER
                    self._cond.wait(min(head, _LINGER))
                    continue
            for pending in due:
                pending.expire()


_timer = _Timer()


def watch(timeout: float | None, on_expire: Callable[[], None]) -> Pending | None:
    """A Pending for a call made now with `timeout` (None: no deadline, nothing to watch)."""
    if timeout is None:
        return None
    pending = Pending(time.monotonic() + timeout, on_expire)
    _timer.add(pending)
    return pending


def watch_until(deadline: float, on_expire: Callable[[], None]) -> Pending:
    """A Pending expiring at `deadline` (time.monotonic()), for a call that has to wait."""
    pending = Pending(deadline, on_expire)
    _timer.add(pending)
    return pending
