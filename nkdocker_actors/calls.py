"""Carrying out a prepared command over a socket: the glue between the tables and HTTP.

`run_shared` uses the connection's keep-alive socket; `run_exclusive` a socket
of its own, which it streams to a file when the command writes one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import queue
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, Any

from . import websocket
from .commands.spec import Context, Prepared, json_reply, output_reply, raise_for_status
from .deadlines import Pending, watch_until
from .errors import ConnectionFailed, LocalFileError, NkDockerError, NotModified, TimedOut
from .http11 import (
    AnsweredEarly,
    Channel,
    PersistentChannel,
    ProtocolError,
    Request,
    ResponseHead,
    demultiplex,
)
from .messages import Future, Output
from .transport import Address

# How long an answer the daemon sent with a body not all read may take to be read (it is
# there already, or never comes); only after the peer closed, or answered early.
EARLY_ANSWER_SECONDS = 2.0
_PEER_CLOSED = (
    AnsweredEarly,
    BrokenPipeError,
    ConnectionResetError,
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
)

__all__ = [
    "body_pieces",
    "call_threads",
    "daemon_answers",
    "decode",
    "has_tty",
    "json_object",
    "run_exclusive",
    "run_shared",
    "start_exchange",
]


def json_object(body: bytes, what: str) -> dict[str, Any]:
    """`body` as a JSON object, or ProtocolError saying what it was the answer to."""
    try:
        value = json.loads(body)
    except ValueError as exc:
        raise ProtocolError(f"unreadable answer to {what}: {exc}") from exc
    if not isinstance(value, dict):
        raise ProtocolError(f"unreadable answer to {what}: a JSON {type(value).__name__}")
    return value


def check_status(prepared: Prepared, head: ResponseHead, body: bytes) -> None:
    """raise_for_status, naming the object of a 304 (dockerd's has no body)."""
    if head.status == 304:
        target = prepared.context.values.get("container", "")
        raise NotModified(304, f"{prepared.command.name}: {target} is already in that state")
    raise_for_status(head, body)


def decode(prepared: Prepared, head: ResponseHead, body: bytes, context: Context) -> Any:
    """Check the status, then decode the body as the command says."""
    check_status(prepared, head, body)
    reply = prepared.command.reply or json_reply
    try:
        return reply(head, body, context)
    except NkDockerError:
        raise
    except (ValueError, LookupError, TypeError, AttributeError) as exc:
        # Not what the API documents (bad JSON, a list for an object...): a typed error.
        raise ProtocolError(
            f"unreadable reply to {prepared.command.name}: {type(exc).__name__}: {exc}"
        ) from exc


def run_shared(channel: PersistentChannel, prepared: Prepared, timeout: float | None) -> Any:
    """One exchange on the keep-alive socket."""
    head, body = channel.exchange(prepared.request, timeout)
    return decode(prepared, head, body, prepared.context)


def has_tty(channel: Channel, prepared: Prepared, timeout: float | None) -> bool:
    """Whether the container has a TTY (its output is then not multiplexed)."""
    api = prepared.context.api
    assert prepared.tty_source is not None
    target = f"/v{api[0]}.{api[1]}{prepared.tty_source}"
    channel.set_timeout(timeout)
    request = Request("GET", target)
    channel.send_request(request)
    head = channel.read_head(request)
    body = channel.read_body(head)
    raise_for_status(head, body)
    try:
        found = json.loads(body)
        # A service keeps its container spec in Spec.TaskTemplate, a task in Spec.
        spec = found.get("Spec") or {}
        container_spec = (spec.get("TaskTemplate") or spec).get("ContainerSpec") or {}
        return bool((found.get("Config") or {}).get("Tty") or container_spec.get("TTY"))
    except (ValueError, AttributeError, TypeError) as exc:
        raise ProtocolError(f"unreadable container inspection: {exc}") from exc


def daemon_answers(address: Address, timeout: float) -> bool:
    """Whether the daemon answers a ping on a fresh socket."""
    try:
        channel = Channel.open(address, timeout)
    except ConnectionFailed:
        return False
    try:
        channel.set_timeout(timeout)
        request = Request("GET", "/_ping")
        channel.send_request(request)
        return channel.read_head(request).status == 200
    except ConnectionFailed:
        return False
    finally:
        channel.close()


def _write_to(file: str | IO[bytes], pieces: Iterator[bytes]) -> None:
    """Write the body to `file`; a local failure is LocalFileError, a transport one stays."""
    try:
        out = open(file, "wb") if isinstance(file, str) else file  # noqa: SIM115
    except OSError as exc:
        raise LocalFileError(f"cannot write {file!r}: {exc.strerror or exc}") from exc
    try:
        for piece in pieces:  # a transport failure here stays what it is
            _local(functools.partial(out.write, piece), file)
        if isinstance(file, str):
            _local(out.close, file)  # flushes: may fail too
    finally:
        if isinstance(file, str):
            with contextlib.suppress(OSError):  # what failed is already being raised
                out.close()


def _local(operation: Callable[[], object], file: object) -> None:
    """Do a local file operation: its OSError becomes LocalFileError."""
    try:
        operation()
    except OSError as exc:
        raise LocalFileError(f"writing {file!r} failed: {exc.strerror or exc}") from exc


def start_exchange(
    channel: Channel,
    prepared: Prepared,
    timeout: float | None,
    on_sent: Callable[[], None] | None = None,
) -> tuple[ResponseHead, Context]:
    """Send the request on a socket of its own and read the answer's head.

    The context says whether the output is a TTY's; an HTTP error raises here.
    `on_sent` runs once the request is written.
    """
    context = prepared.context
    if prepared.tty_source is not None:
        context = dataclasses.replace(context, tty=has_tty(channel, prepared, timeout))
    channel.set_timeout(timeout)
    try:
        channel.send_request(prepared.request)
    except ConnectionFailed as failed:
        if prepared.request.body is not None and isinstance(failed.__cause__, _PEER_CLOSED):
            _raise_early_answer(channel, prepared)
        raise
    if on_sent is not None:
        on_sent()
    head = channel.read_head(prepared.request)
    if head.status >= 300:
        check_status(prepared, head, channel.read_body(head, prepared.request.method))
    return head, context


def _raise_early_answer(channel: Channel, prepared: Prepared) -> None:
    """After sending a body failed: the daemon may have answered before reading all of it
    (a tar it cannot read, a container that does not exist) and closed the connection, or
    stopped reading it. Its answer says why, the broken pipe does not: raise its error, if
    it sent one (as the Go client does)."""
    try:
        channel.set_timeout(EARLY_ANSWER_SECONDS)
        channel.set_deadline(EARLY_ANSWER_SECONDS)
        head = channel.read_head(prepared.request)
        if head.status < 300:
            return  # (no refusal: the failed send stands)
        body = channel.read_body(head, prepared.request.method)
    except NkDockerError:
        return  # no answer there: the failed send stands
    check_status(prepared, head, body)


def body_pieces(channel: Channel, head: ResponseHead, method: str) -> Iterator[bytes]:
    """The answer's body as it arrives; after a 101, all the peer sends until it closes."""
    return channel.raw_pieces() if head.status == 101 else channel.body_pieces(head, method)


def run_exclusive(
    address: Address,
    connect_timeout: float,
    prepared: Prepared,
    timeout: float | None,
    on_open: Callable[[Channel], None] = lambda channel: None,
    on_answer: Callable[[], None] = lambda: None,
) -> Any:
    """One exchange on a fresh socket, closed at the end.

    `on_answer` runs once the daemon has answered the request (its head read), or for
    a command with no time bound (wait, pull...), once the request is sent.
    """
    channel = Channel.open(address, connect_timeout)
    on_open(channel)
    try:
        unbounded = prepared.command.timeout is None
        head, context = start_exchange(channel, prepared, timeout, on_answer if unbounded else None)
        on_answer()
        command = prepared.command
        pieces = body_pieces(channel, head, prepared.request.method)
        if command.stream == "websocket":
            pieces = websocket.payloads(channel, head, context.websocket_key)
        file = context.values.get(command.to_file) if command.to_file else None
        if file is not None:
            _write_to(file, pieces)
            return None
        if command.reply is output_reply and not context.tty and head.status != 101:
            # Frames decoded as the body comes, each stream's run written once: no join of
            # the whole body first (a 100 MB log was copied twice more). An upgraded stream
            # (attach) is read to its end first, as before: Podman's attach to a stopped
            # container sends bytes that are no frames (a "\n"), then stalls: TimedOut.
            return [Output(stream, data) for stream, data in demultiplex(pieces)]
        return decode(prepared, head, b"".join(pieces), context)
    finally:
        channel.close()


# -- the threads slow calls run on ----------------------------------------------------

# A thread that has carried out a slow call waits this long for the next one, of any
# connection, before it ends: a 100 MB log read on a fresh thread per call came 8 % slower
# than on a thread reused (bench/README.md), and starting one costs its own time.
IDLE_THREAD_SECONDS = 5.0
CALL_THREAD = "nkdocker-call"
IDLE_CALL_THREAD = "nkdocker-call-idle"  # (its name while it waits)


class CallThreads:
    """Where slow calls run: on the thread waiting for one if there is one (at most one
    waits, so a burst of slow calls leaves one behind), else on a thread of its own."""

    _lock: threading.Lock
    _waiting: queue.SimpleQueue[Callable[[], None]] | None

    def __init__(self) -> None:
        self.forget()
        # A forked child has none of its parent's threads: none waits there.
        os.register_at_fork(after_in_child=self.forget)

    def forget(self) -> None:
        """No thread waits (and none holds the lock)."""
        self._lock = threading.Lock()
        self._waiting = None

    def run(self, job: Callable[[], None]) -> None:
        """Carry out `job` (which reports its own failures) on a thread of its own."""
        with self._lock:
            waiting, self._waiting = self._waiting, None
        if waiting is not None:
            waiting.put(job)
            return
        threading.Thread(target=self._serve, args=(job,), name=CALL_THREAD, daemon=True).start()

    def _serve(self, job: Callable[[], None]) -> None:
        jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        me = threading.current_thread()
        while True:
            job()
            me.name = IDLE_CALL_THREAD
            with self._lock:
                if self._waiting is not None:
                    return  # one waits already
                self._waiting = jobs
            try:
                job = jobs.get(timeout=IDLE_THREAD_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._waiting is jobs:
                        self._waiting = None
                        return
                job = jobs.get()  # (handed one just as the wait ended: it is on its way)
            me.name = CALL_THREAD


call_threads = CallThreads()


# -- the pool of keep-alive sockets quick calls share ---------------------------------

POOL_SIZE = 8  # keep-alive sockets (and lane threads) at most, grown only while calls overlap
MIN_LEFT = 0.05  # seconds: a call that waited its turn is sent only with this much time left
LANE_LINGER = 2.0  # seconds a lane waits idle before it ends (closing its socket, but the last)
# A call whose caller holds its QuickFuture is left to that caller this long (it usually
# waits on it at once and carries it out itself: see CallPool.run_here) before a lane takes
# it: waking a lane for each call, to find it already taken, cost more than the call's
# own client work when 8 threads share the 2 cores.
HANDOFF_SECONDS = 0.002


class Quick:
    """A quick call for a lane: the request, where its result goes, and its deadline."""

    __slots__ = ("deadline", "pending", "prepared", "reply", "timeout")

    def __init__(self, prepared: Prepared, timeout: float | None, reply: Any) -> None:
        self.prepared = prepared
        self.timeout = timeout
        self.reply = reply  # has ok(value) and fail(error)
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.pending: Pending | None = None  # set only if it has to wait its turn

    def start(self) -> float | bool | None:
        """The seconds left to run it (None: no bound), or False if it expired waiting.

        A call left with less than MIN_LEFT seconds after waiting is not sent: no answer
        could come in time, and a stalled daemon would get a request for nothing.
        """
        if self.pending is not None:
            left = self.pending.start()
            if left is not None and left >= MIN_LEFT:
                return left
            if left is not None:
                self.reply.fail(TimedOut(_not_sent(self.prepared, self.timeout)))
            return False
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left > 0:
            return left
        self.reply.fail(TimedOut(_not_sent(self.prepared, self.timeout)))
        return False

    def fail(self, error: BaseException) -> None:
        """Never to be sent: fail it (unless it has already expired)."""
        if self.start() is not False:
            self.reply.fail(error)


def _not_sent(prepared: Prepared, timeout: float | None) -> str:
    return (
        f"{prepared.command.name} waited its whole timeout ({timeout:g} s) behind "
        "earlier calls: not sent"
    )


class QuickFuture(Future):
    """A quick call's Future: the thread that waits on it carries the call out, if no lane
    has taken it yet (see `CallPool.run_here`)."""

    turn: Turn | None = None

    def get(self, timeout: float | None = None) -> Any:
        """The result, waiting up to `timeout` seconds (pykka.Timeout past it)."""
        turn, self.turn = self.turn, None
        if turn is not None:
            turn.pool.run_here(turn, timeout)
        return super().get(timeout)

    def _when_settled(self, callback: Callable[[], None]) -> None:
        """Awaited (asyncio): nobody will carry it out here, a lane takes it at once."""
        turn, self.turn = self.turn, None
        if turn is not None:
            turn.pool.urge(turn)
        super()._when_settled(callback)


class Turn:
    """A call's place in its caller's line: `done()` lets the caller's next call go.

    A quick call is done once answered; a slow command once the daemon has answered
    its request, or, for a command with no time bound (wait, pull, build...), once
    its request is sent; a stream once its request is sent.
    """

    __slots__ = ("_done", "caller", "fail", "go", "offered", "pool", "quick", "started", "urgent")

    def __init__(
        self,
        pool: CallPool,
        caller: int,
        quick: Quick | None,
        go: Callable[[], None] | None = None,
        fail: Callable[[BaseException], object] | None = None,
        urgent: bool = True,
    ) -> None:
        self.pool = pool
        self.caller = caller
        self.quick = quick
        self.go = go  # for a call the actor carries out: hands it to the actor
        self.fail = fail
        self.started = False  # taken by a lane, or handed to the actor
        # False: its caller holds the QuickFuture and will likely carry it out itself, so
        # a lane takes it only HANDOFF_SECONDS after its turn came (`offered`).
        self.urgent = urgent
        self.offered = 0.0
        self._done = False

    def done(self) -> None:
        """The caller's next call may go (idempotent, from any thread)."""
        self.pool._done(self)


class CallPool:
    """The quick calls of one connection: keep-alive sockets and the lanes that use them.

    Each lane is a thread carrying out one call at a time on a keep-alive socket. A
    lane is added only while calls overlap (at most POOL_SIZE), and ends after
    LANE_LINGER idle seconds, closing its socket (the last socket stays open, as one
    keep-alive socket would). Calls from one caller (a thread, or an actor: its
    thread) go in the order made: each waits for its predecessor's `Turn.done()`.
    A call that waits gets a `Pending`, so its deadline counts from when it was made.

    A call whose caller holds its QuickFuture is usually carried out by that caller
    (`run_here`), so no lane is woken for it: one lane at a time "watches", waking every
    HANDOFF_SECONDS while such calls come, and takes one its caller has left that long.
    """

    def __init__(self, shared: PersistentChannel) -> None:
        self.address = shared.address
        self.connect_timeout = shared.connect_timeout
        self._cond = threading.Condition(threading.Lock())
        self._lines: dict[int, deque[Turn]] = {}  # per caller: its calls not yet done
        self._ready: deque[Turn] = deque()  # quick calls whose turn has come
        self._idle: list[PersistentChannel] = [shared]  # the most recently used last
        self._busy: set[PersistentChannel] = set()
        self._lanes = 0
        self._waiting_lanes = 0
        self._watching = False  # a lane watches the calls left to their callers
        self._offers = 0  # calls left to their callers so far: the watcher goes on while they come
        self._closed: ConnectionFailed | None = None
        self.opened_before = 0  # sockets opened by channels since closed for idleness

    # -- submitting, from the caller's thread ----------------------------------------

    def submit(self, turn: Turn) -> None:
        """Queue a call behind its caller's earlier ones; run it now if none is left."""
        with self._cond:
            if self._closed is not None:
                raise self._closed
            line = self._lines.get(turn.caller)
            if line:
                line.append(turn)
                self._wait_with_deadline(turn)
                return
            self._lines[turn.caller] = deque((turn,))
            run_now = self._begin(turn)
        if run_now:
            assert turn.go is not None
            try:
                turn.go()
            except BaseException:  # the actor is gone: the caller hears it here
                turn.done()
                raise

    def _wait_with_deadline(self, turn: Turn) -> None:
        quick = turn.quick
        if quick is not None and quick.pending is None and quick.deadline is not None:
            reply, prepared, timeout = quick.reply, quick.prepared, quick.timeout
            quick.pending = watch_until(
                quick.deadline, lambda: reply.fail(TimedOut(_not_sent(prepared, timeout)))
            )

    def _begin(self, turn: Turn) -> bool:
        """(Under the lock.) Its turn has come: queue a quick call for a lane; True if
        the call is one for the actor, to hand over outside the lock."""
        if turn.quick is None:
            turn.started = True
            return True
        self._ready.append(turn)
        if not turn.urgent:
            turn.offered = time.monotonic()
            self._offers += 1
            if self._watching:
                return False  # its caller carries it out, or the watching lane will
        self._call_lane(turn)
        return False

    def _call_lane(self, turn: Turn) -> None:
        """(Under the lock.) Wake a waiting lane, or add one, for `turn`."""
        if len(self._ready) <= self._waiting_lanes:
            self._cond.notify()
        elif self._lanes < POOL_SIZE:
            self._lanes += 1
            threading.Thread(target=self._lane, name="nkdocker-lane", daemon=True).start()
        else:
            self._wait_with_deadline(turn)  # every lane is busy: it waits

    def urge(self, turn: Turn) -> None:
        """Its caller will not carry it out: a lane takes it as soon as one can."""
        with self._cond:
            if turn.started or turn.urgent:
                return
            turn.urgent = True
            if turn in self._ready:  # (else still behind its caller's earlier calls)
                self._call_lane(turn)

    @staticmethod
    def _hand_over(turn: Turn) -> None:
        assert turn.go is not None
        try:
            turn.go()
        except BaseException as error:  # the actor is gone
            if turn.fail is not None:
                turn.fail(error)
            turn.done()

    def _done(self, turn: Turn) -> None:
        with self._cond:
            if turn._done:
                return
            turn._done = True
            line = self._lines.get(turn.caller)
            if not line or line[0] is not turn:
                return  # dropped by abort()
            line.popleft()
            if not line:
                del self._lines[turn.caller]
                return
            following = line[0]
            following.urgent = True  # its caller may be waiting on it already
            hand_over = self._begin(following)
        if hand_over:
            self._hand_over(following)

    # -- the lanes ---------------------------------------------------------------------

    def _lane(self) -> None:
        cond = self._cond
        with cond:
            self._waiting_lanes += 1
        while True:
            with cond:
                turn = self._next_turn()
                if turn is None:
                    self._lane_ends()
                    return
                self._waiting_lanes -= 1
                channel = self._take_socket(turn)
            self._carry_out(turn, channel, lane=True)

    def _next_turn(self) -> Turn | None:
        """(Under the lock.) Wait for a call this lane should carry out; None when the lane
        ends (idle for LANE_LINGER, or the pool closed)."""
        watching = False
        seen = self._offers
        try:
            while self._closed is None:
                turn = self._due()
                if turn is not None:
                    return turn
                offered, seen = self._offers != seen, self._offers
                if watching and not self._ready and not offered:
                    self._watching = watching = False  # a quiet while: no wake-ups when idle
                elif not watching and (self._ready or offered) and not self._watching:
                    # (Woken by an offer its caller has taken meanwhile, as callers do: it
                    # watches all the same, or the next offer would wake it again.)
                    self._watching = watching = True
                if watching:
                    self._cond.wait(HANDOFF_SECONDS)
                elif not self._cond.wait(LANE_LINGER) and not self._ready:
                    return None
            return None
        finally:
            if watching:
                self._watching = False
                if self._ready:
                    self._cond.notify()  # another lane watches what is left

    def _due(self) -> Turn | None:
        """(Under the lock.) Take the first call a lane should carry out now, if a socket is
        free: one handed over, or one its caller has left for HANDOFF_SECONDS."""
        if not self._ready or not self._has_socket():
            return None
        now = time.monotonic()
        for turn in self._ready:
            if turn.urgent or now - turn.offered >= HANDOFF_SECONDS:
                self._ready.remove(turn)
                return turn
        return None

    def _lane_wanted(self) -> bool:
        """(Under the lock.) A ready call needs a lane now: one handed over, or one nobody
        watches."""
        return any(turn.urgent for turn in self._ready) or (
            bool(self._ready) and not self._watching
        )

    def _has_socket(self) -> bool:
        """(Under the lock.) A keep-alive socket is idle, or one more may be opened."""
        return bool(self._idle) or len(self._busy) < POOL_SIZE

    def _take_socket(self, turn: Turn) -> PersistentChannel:
        """(Under the lock.) Claim `turn` and a keep-alive socket to carry it out on."""
        turn.started = True
        channel = (
            self._idle.pop()
            if self._idle
            else PersistentChannel(self.address, self.connect_timeout)
        )
        self._busy.add(channel)
        return channel

    def _carry_out(self, turn: Turn, channel: PersistentChannel, lane: bool) -> None:
        quick = turn.quick
        assert quick is not None
        outcome: tuple[bool, Any] | None = None
        left = quick.start()
        if left is not False:
            try:
                outcome = (True, run_shared(channel, quick.prepared, left))
            except BaseException as error:  # the caller gets it; the lane lives on
                outcome = (False, error)
        with self._cond:
            self._busy.discard(channel)
            if self._closed is None:
                self._idle.append(channel)
                if self._lane_wanted():
                    self._cond.notify()  # a call waiting for a socket
            else:
                channel.abort()
            if lane:
                self._waiting_lanes += 1  # before the reply: the caller's next call finds us
        turn.done()
        if outcome is not None:
            if outcome[0]:
                quick.reply.ok(outcome[1])
            else:
                quick.reply.fail(outcome[1])

    def run_here(self, turn: Turn, wait: float | None) -> None:
        """Carry out a quick call in the thread about to wait `wait` seconds for its result,
        if no lane has taken it yet (and its own deadline is within the wait): no hand-off
        to a lane and back, the cost a caller waiting on each call would pay twice."""
        quick = turn.quick
        assert quick is not None
        if wait is not None and (
            quick.deadline is None or quick.deadline > time.monotonic() + wait
        ):
            self.urge(turn)  # it might outlast the wait: a lane carries it out
            return
        with self._cond:
            if turn.started or self._closed is not None:
                return
            if not self._has_socket():
                turn.urgent = True  # the first lane with a socket takes it
                return
            try:
                self._ready.remove(turn)
            except ValueError:
                return  # still waiting its turn in its caller's line (then urgent)
            channel = self._take_socket(turn)
        self._carry_out(turn, channel, lane=False)

    def _lane_ends(self) -> None:
        """(Under the lock.) An idle lane ends; so does its socket, unless it is the last."""
        self._waiting_lanes -= 1
        self._lanes -= 1
        if len(self._idle) > max(1, self._lanes):
            oldest = self._idle.pop(0)
            self.opened_before += oldest.opened
            oldest.close()

    # -- the connection's view -----------------------------------------------------------

    @property
    def opened(self) -> int:
        """Keep-alive sockets opened so far."""
        with self._cond:
            channels = [*self._idle, *self._busy]
        return self.opened_before + sum(channel.opened for channel in channels)

    @property
    def busy(self) -> int:
        """Quick calls being carried out now."""
        return len(self._busy)

    def close_sockets(self, reason: str, begun_before: float) -> None:
        """Close every keep-alive socket but those of calls begun at or after `begun_before`
        (time.monotonic()): a call on one fails with ConnectionFailed(reason), not retried;
        the next call reopens."""
        with self._cond:
            channels = [*self._idle, *self._busy]
        for channel in channels:
            channel.interrupt(reason, begun_before)

    def abort(self, error: ConnectionFailed) -> None:
        """For good, from any thread: calls in progress and waiting fail with `error`."""
        with self._cond:
            if self._closed is None:
                self._closed = error
            channels = [*self._idle, *self._busy]
            waiting = [turn for line in self._lines.values() for turn in line]
            self._lines.clear()
            self._ready.clear()
            self._cond.notify_all()
        for channel in channels:
            channel.abort()
        for turn in waiting:
            if turn.started:
                continue  # its lane, or the actor, answers it
            if turn.quick is not None:
                turn.quick.fail(error)
            elif turn.fail is not None:
                turn.fail(error)
