"""The connection actor: one daemon's configuration, its API version, the keep-alive
sockets quick commands share (its `CallPool`), and the children in flight: threads
running slow commands on sockets of their own, and stream actors."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pykka

from .. import config as config_module
from ..calls import CallPool, Quick, Turn, call_threads, daemon_answers, json_object, run_exclusive
from ..commands.spec import raise_for_status
from ..errors import ConnectionFailed, DockerError, InvalidOption, UnsupportedDaemon
from ..http11 import Channel, PersistentChannel, Request
from ..messages import Done, Failed, Future, Payload, Ref, Sink, fail_queued
from ..sharing import SharedSink
from ..streams import StreamActor
from .protocol import AskStats, Call, Control, Negotiate, OpenStream, fail_message, turn_done

_T = TypeVar("_T")

OLDEST_API = (1, 17)
NEWEST_API = (1, 56)


@dataclass(frozen=True)
class _ChildEnded:
    key: Ref | _ExclusiveChild


@dataclass(frozen=True)
class _SharedEnded:
    key: tuple[str, str]
    ref: Ref


@dataclass
class _Shared:
    """A stream that identical subscriptions share (see sharing)."""

    ref: Ref  # the stream's own, never seen by a subscriber
    sink: SharedSink
    ready: Future  # set once the daemon has answered: each member's is then set
    stream: pykka.ActorRef[Any]
    stop: Callable[[Payload], None]


class _ExclusiveChild:
    """One slow command on a socket of its own, run on a thread of its own (`call_threads`)."""

    def __init__(self, owner: pykka.ActorRef[Any], config: config_module.ConnConfig, call: Call):
        self._owner = owner
        self._config = config
        self._call = call
        self._channel: Channel | None = None
        self._aborted: ConnectionFailed | None = None
        self._lock = threading.Lock()

    def _opened(self, channel: Channel) -> None:
        with self._lock:
            self._channel = channel
            if self._aborted:
                channel.close()

    def _run(self) -> None:
        call = self._call
        try:
            result = run_exclusive(
                self._config.address,
                self._config.connect_timeout,
                call.prepared,
                call.timeout,
                self._opened,
                turn_done(call.turn),
            )
        except BaseException as error:  # delivered to the caller, whatever it is
            if self._aborted is not None and not isinstance(error, DockerError):
                error = self._aborted  # the socket was closed under it: say why
            call.reply.fail(error)
        else:
            call.reply.ok(result)
        finally:
            turn_done(call.turn)()
            with contextlib.suppress(pykka.ActorDeadError):
                self._owner.tell(_ChildEnded(self))

    def abort(self, error: ConnectionFailed | None = None) -> None:
        """Close the socket: the command fails with `error` (by default: closed)."""
        with self._lock:
            self._aborted = error or ConnectionFailed("the connection was closed")
            if self._channel is not None:
                self._channel.close()


class DockerConnection(pykka.ThreadingActor):
    """One daemon connection: config, API version, keep-alive sockets, children in flight.

    Quick calls go from the caller's thread to the connection's `CallPool` (its lanes
    and keep-alive sockets, which the actor closes); slow calls and streams come here.
    """

    use_daemon_thread = True

    def __init__(
        self,
        config: config_module.ConnConfig,
        shared: PersistentChannel,
        pool: CallPool | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.api_version: tuple[int, int] = NEWEST_API
        self.shared = shared
        self.pool = pool if pool is not None else CallPool(shared)
        self.calls: set[_ExclusiveChild] = set()
        self.streams: dict[Ref, tuple[pykka.ActorRef[Any], Callable[[Payload], None]]] = {}
        self.shared_streams: dict[tuple[str, str], _Shared] = {}  # by method and target
        self._stopping = threading.Event()
        self._liveness: threading.Thread | None = None

    def on_receive(self, message: Any) -> Any:
        """Dispatch one message; whatever goes wrong fails that message, not the actor."""
        try:
            return self._dispatch(message)
        except BaseException as error:
            if isinstance(message, Negotiate | AskStats):
                raise  # asked: pykka hands it to the asker
            fail_message(message, error)
            return None

    def _dispatch(self, message: Any) -> Any:
        if isinstance(message, Call):
            self._call(message)
        elif isinstance(message, OpenStream):
            self._open_stream(message)
        elif isinstance(message, Control):
            self._control(message)
        elif isinstance(message, _ChildEnded):
            if isinstance(message.key, Ref):
                self.streams.pop(message.key, None)
            else:
                self.calls.discard(message.key)
        elif isinstance(message, _SharedEnded):
            shared = self.shared_streams.get(message.key)
            if shared is not None and shared.ref is message.ref:
                del self.shared_streams[message.key]
        elif isinstance(message, Negotiate):
            return self._negotiate()
        elif isinstance(message, AskStats):
            return {
                "shared_sockets_opened": self.pool.opened,
                "quick_calls": self.pool.busy,
                "calls": len(self.calls),
                "streams": len(self.streams),
                "shared_streams": len(self.shared_streams),
            }
        return None

    def _call(self, call: Call) -> None:
        if call.pending is not None:
            left = call.pending.start()
            if left is None:
                turn_done(call.turn)()
                return  # it expired in the queue: failed TimedOut, never sent
            call = dataclasses.replace(call, timeout=left)
        if call.prepared.command.mode == "shared":  # told here directly: to the pool, in order
            self.pool.submit(Turn(self.pool, 0, Quick(call.prepared, call.timeout, call.reply)))
            return
        child = _ExclusiveChild(self.actor_ref, self.config, call)
        self.calls.add(child)
        call_threads.run(child._run)
        self._watch_liveness()

    def _open_stream(self, request: OpenStream) -> None:
        if request.pending is not None:
            left = request.pending.start()
            if left is None:
                turn_done(request.turn)()
                return
            request = dataclasses.replace(request, timeout=left)
        if self.config.share_events and request.prepared.shareable and request.sink.never_blocks:
            self._join_shared(request)
            return
        stream, stop = self._start_stream(
            request, request.sink, request.ref, _ChildEnded(request.ref), request.ready
        )
        self.streams[request.ref] = (stream, stop)

    def _start_stream(
        self, request: OpenStream, sink: Sink, ref: Ref, on_end: Any, ready: pykka.Future[Any]
    ) -> tuple[pykka.ActorRef[Any], Callable[[Payload], None]]:
        stoppers: list[Callable[[Payload], None]] = []
        stream = StreamActor.start(
            expose_stop=stoppers.append,
            owner=self.actor_ref,
            config=self.config,
            prepared=request.prepared,
            timeout=request.timeout,
            sink=sink,
            ref=ref,
            on_end=on_end,
            ready=ready,
            on_open=turn_done(request.turn),
        )
        self._watch_liveness()
        return stream, stoppers[0]

    def _join_shared(self, request: OpenStream) -> None:
        """Join the stream of an identical subscription, started here if there is none
        (or it is closing). The member's Future and its caller's next call wait for the
        daemon's answer to the stream's request, as they would for one of its own."""
        key = (request.prepared.request.method, request.prepared.request.target)
        shared = self.shared_streams.get(key)
        if shared is None or not shared.sink.join(request.ref, request.sink):
            owner = self.actor_ref

            def ended(ref: Ref) -> None:
                with contextlib.suppress(pykka.ActorDeadError):
                    owner.tell(_ChildEnded(ref))

            ref, sink, ready = Ref(), SharedSink(ended), Future()
            sink.join(request.ref, request.sink)
            stream, stop = self._start_stream(request, sink, ref, _SharedEnded(key, ref), ready)
            shared = self.shared_streams[key] = _Shared(ref, sink, ready, stream, stop)
        else:
            shared.ready._when_settled(turn_done(request.turn))
        member, group = request.ref, shared
        shared.ready._when_settled(lambda: request.ready.set(member))

        def leave(payload: Payload) -> None:
            if group.sink.leave(member, payload):
                group.stop(Done("finished"))  # (the last one: no one is told)

        self.streams[member] = (shared.stream, leave)

    # -- liveness: a daemon that stops answering without closing its sockets ---------

    def _watch_liveness(self) -> None:
        """Start the liveness check with the first stream or slow call (once)."""
        if self.config.liveness is not None and self._liveness is None:
            self._liveness = threading.Thread(
                target=self._check_liveness, name="nkdocker-liveness", daemon=True
            )
            self._liveness.start()

    def _check_liveness(self) -> None:
        # A cut link or a stopped daemon leaves sockets open and silent: only a question
        # shows it. A ping on a fresh socket, while anything waits on the daemon.
        interval = self.config.liveness
        assert interval is not None
        while not self._stopping.wait(interval):
            # A ping unanswered tells of what waited when it was sent: a stream or call
            # begun since (the daemon back meanwhile) is left alone.
            streams = _snapshot(lambda: list(self.streams.values()))
            calls = _snapshot(lambda: list(self.calls))
            asked = time.monotonic()
            busy = streams or calls or self.pool.busy
            if not busy or daemon_answers(self.config.address, interval):
                continue
            if self._stopping.is_set():
                return
            error = ConnectionFailed(
                f"the daemon at {self.config.address} stopped answering "
                f"(a ping had no answer within {interval:g} s)"
            )
            for _, stop in streams:
                stop(Failed(error))
            for child in calls:
                child.abort(error)
            # A quick call without a deadline fails, unretried.
            self.pool.close_sockets(str(error), begun_before=asked)

    def _control(self, request: Control) -> None:
        entry = self.streams.get(request.ref)
        if entry is None:
            request.reply.fail(InvalidOption(f"{request.ref!r} is not an open stream"))
            return
        stream, stop = entry
        if request.control.op == "finish":
            # Straight to the stream, not behind a stdin write that may be blocked.
            stop(Done("finished"))
            request.reply.ok(None)
            return
        try:
            stream.tell((request.control, request.reply))
        except pykka.ActorDeadError:
            request.reply.fail(InvalidOption(f"{request.ref!r} is not an open stream"))

    def _negotiate(self) -> tuple[int, int]:
        """Pick the API version to talk, asking as little as the daemon allows.

        Unpinned: min(daemon's ApiVersion, NEWEST_API), refused below the daemon's
        MinAPIVersion. The daemon's version comes from GET /_ping's Api-Version header
        (Podman's GET /version costs it a second: it asks dpkg); without that header,
        from GET /version. A daemon newer than NEWEST_API is asked once on
        /vNEWEST/version whether it still takes that version. Pinned: asked on the pinned
        version's own path, so a daemon that refuses that version says so in its own
        words ("client version 1.41 is too old").
        """
        pinned = self.config.api_version
        if pinned is None:
            daemon = self._ping_version()
            if daemon is not None:
                return self._from_ping(daemon)
        wanted = None if pinned is None else _parse_version(pinned)
        path = "/version" if wanted is None else f"/v{wanted[0]}.{wanted[1]}/version"
        daemon, oldest = self._version_document(path)
        self._refuse_too_old(daemon)
        if wanted is not None:
            if not oldest <= wanted <= daemon:
                raise UnsupportedDaemon(
                    f"api_version {pinned} is outside what the daemon at "
                    f"{self.config.address} speaks "
                    f"({oldest[0]}.{oldest[1]} to {daemon[0]}.{daemon[1]})"
                )
            self.api_version = wanted
            return wanted
        return self._settle(daemon, oldest)

    def _ping_version(self) -> tuple[int, int] | None:
        """The daemon's API version from GET /_ping's header (None if it gives none)."""
        head, _ = self.shared.exchange(Request("GET", "/_ping"), self.config.timeout)
        found = head.headers.get("api-version", "")
        if head.status != 200 or not _VERSION.fullmatch(found):
            return None  # an old daemon, or a fault: GET /version says which
        return _parse_version(found)

    def _from_ping(self, daemon: tuple[int, int]) -> tuple[int, int]:
        self._refuse_too_old(daemon)
        if daemon <= NEWEST_API:  # a daemon always takes its own version
            self.api_version = daemon
            return daemon
        # Newer than we model: does it still take ours? (its 400 "too old": UnsupportedDaemon)
        confirmed, oldest = self._version_document(f"/v{NEWEST_API[0]}.{NEWEST_API[1]}/version")
        return self._settle(max(daemon, confirmed), oldest)

    def _version_document(self, path: str) -> tuple[tuple[int, int], tuple[int, int]]:
        """(ApiVersion, MinAPIVersion) from GET `path`."""
        head, body = self.shared.exchange(Request("GET", path), self.config.timeout)
        raise_for_status(head, body)  # a refused version: UnsupportedDaemon, the daemon's words
        info = json_object(body, "GET /version")
        daemon = _parse_version(str(info.get("ApiVersion", "")))
        return daemon, _parse_version(str(info.get("MinAPIVersion", "1.12")))

    def _refuse_too_old(self, daemon: tuple[int, int]) -> None:
        if daemon < OLDEST_API:
            raise UnsupportedDaemon(
                f"the daemon at {self.config.address} speaks API {daemon[0]}.{daemon[1]}; "
                f"nkdocker_actors needs {OLDEST_API[0]}.{OLDEST_API[1]} or newer"
            )

    def _settle(self, daemon: tuple[int, int], oldest: tuple[int, int]) -> tuple[int, int]:
        chosen = min(daemon, NEWEST_API)
        if chosen < oldest:
            raise UnsupportedDaemon(
                f"the daemon at {self.config.address} speaks API {oldest[0]}.{oldest[1]} to "
                f"{daemon[0]}.{daemon[1]}; nkdocker_actors talks at most "
                f"{NEWEST_API[0]}.{NEWEST_API[1]}"
            )
        self.api_version = chosen
        return chosen

    def on_stop(self) -> None:
        """Close the shared socket and end every child: each ref gets its terminal message."""
        self._stopping.set()
        closed = ConnectionFailed(f"the connection to {self.config.address} was closed")
        self.pool.abort(closed)
        for child in list(self.calls):
            child.abort()
        for _, stop in list(self.streams.values()):
            stop(Failed(closed))
        fail_queued(self.actor_inbox, lambda message: fail_message(message, closed))

    def on_failure(self, *exc_info: Any) -> None:
        """An unexpected crash: release everything as on a stop."""
        self.on_stop()


def _snapshot(take: Callable[[], list[_T]]) -> list[_T]:
    """A copy of a collection the actor's thread may be changing (retried if it was)."""
    while True:
        try:
            return take()
        except RuntimeError:  # changed size during the copy
            continue


_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}")


def _parse_version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise UnsupportedDaemon(f"unreadable API version {text!r}")
    return int(major), int(minor)
