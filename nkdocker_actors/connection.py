"""The connection actor and the `Docker` handle that talks to it.

`DockerConnection` holds one daemon's configuration, its API version, the
keep-alive socket quick commands share, and the children in flight: threads
running slow commands on sockets of their own, and stream actors. The `Docker`
handle checks every argument in the caller's thread (so bad input fails before
anything is sent) and returns a pykka Future for every command.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlencode

import pykka

from . import config as config_module
from .calls import (
    CallPool,
    Quick,
    QuickFuture,
    Turn,
    call_threads,
    daemon_answers,
    json_object,
    run_exclusive,
)
from .commands import COMMANDS, Command, lookup, shapes
from .commands.spec import (
    Context,
    Prepared,
    build,
    flag,
    json_reply,
    json_value,
    raise_for_status,
    text_reply,
)
from .deadlines import Pending, watch
from .errors import (
    ConnectionFailed,
    DockerError,
    InvalidOption,
    TimedOut,
    UnsupportedDaemon,
)
from .http11 import Channel, PersistentChannel, Request
from .messages import (
    DEFAULT_MAX_PENDING,
    Data,
    Done,
    Failed,
    Future,
    Message,
    Payload,
    Ref,
    Sink,
    Subscriber,
    fail_queued,
)
from .sharing import SharedSink
from .streams import StreamActor, StreamControl

if TYPE_CHECKING:  # the typed command methods, generated from the tables (see _typed)
    from ._typed import TypedCommands
else:
    TypedCommands = object  # at run time the methods are attached from the tables below

__all__ = ["NEWEST_API", "OLDEST_API", "Docker", "DockerConnection", "connect"]

_T = TypeVar("_T")

OLDEST_API = (1, 17)
NEWEST_API = (1, 56)
_DEFAULT = object()


def check_timeout(timeout: Any) -> float | None:
    """A per-command timeout: a finite positive number of seconds, or None for none."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise InvalidOption(f"timeout must be a number of seconds or None, not {timeout!r}")
    if not 0 < timeout < math.inf:
        raise InvalidOption(f"timeout must be positive and finite, not {timeout!r}")
    return float(timeout)


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
class _Negotiate:
    pass


@dataclass(frozen=True)
class _Call:
    prepared: Prepared
    timeout: float | None
    reply: Reply
    pending: Pending | None = None  # its deadline, counted from when the call was made
    turn: Turn | None = None  # its place in its caller's line


@dataclass(frozen=True)
class _OpenStream:
    prepared: Prepared
    timeout: float | None
    sink: Sink
    ref: Ref
    ready: pykka.Future[Any]
    pending: Pending | None = None
    turn: Turn | None = None


@dataclass(frozen=True)
class _Control:
    ref: Ref
    control: StreamControl
    reply: Reply


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


@dataclass(frozen=True)
class _Stats:
    pass


class _ExclusiveChild:
    """One slow command on a socket of its own, run on a thread of its own (`call_threads`)."""

    def __init__(self, owner: pykka.ActorRef[Any], config: config_module.ConnConfig, call: _Call):
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
                _turn_done(call.turn),
            )
        except BaseException as error:  # delivered to the caller, whatever it is
            if self._aborted is not None and not isinstance(error, DockerError):
                error = self._aborted  # the socket was closed under it: say why
            call.reply.fail(error)
        else:
            call.reply.ok(result)
        finally:
            _turn_done(call.turn)()
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
            if isinstance(message, _Negotiate | _Stats):
                raise  # asked: pykka hands it to the asker
            _fail_message(message, error)
            return None

    def _dispatch(self, message: Any) -> Any:
        if isinstance(message, _Call):
            self._call(message)
        elif isinstance(message, _OpenStream):
            self._open_stream(message)
        elif isinstance(message, _Control):
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
        elif isinstance(message, _Negotiate):
            return self._negotiate()
        elif isinstance(message, _Stats):
            return {
                "shared_sockets_opened": self.pool.opened,
                "quick_calls": self.pool.busy,
                "calls": len(self.calls),
                "streams": len(self.streams),
                "shared_streams": len(self.shared_streams),
            }
        return None

    def _call(self, call: _Call) -> None:
        if call.pending is not None:
            left = call.pending.start()
            if left is None:
                _turn_done(call.turn)()
                return  # it expired in the queue: failed TimedOut, never sent
            call = dataclasses.replace(call, timeout=left)
        if call.prepared.command.mode == "shared":  # told here directly: to the pool, in order
            self.pool.submit(Turn(self.pool, 0, Quick(call.prepared, call.timeout, call.reply)))
            return
        child = _ExclusiveChild(self.actor_ref, self.config, call)
        self.calls.add(child)
        call_threads.run(child._run)
        self._watch_liveness()

    def _open_stream(self, request: _OpenStream) -> None:
        if request.pending is not None:
            left = request.pending.start()
            if left is None:
                _turn_done(request.turn)()
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
        self, request: _OpenStream, sink: Sink, ref: Ref, on_end: Any, ready: pykka.Future[Any]
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
            on_open=_turn_done(request.turn),
        )
        self._watch_liveness()
        return stream, stoppers[0]

    def _join_shared(self, request: _OpenStream) -> None:
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
            shared.ready._when_settled(_turn_done(request.turn))
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

    def _control(self, request: _Control) -> None:
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
        fail_queued(self.actor_inbox, lambda message: _fail_message(message, closed))

    def on_failure(self, *exc_info: Any) -> None:
        """An unexpected crash: release everything as on a stop."""
        self.on_stop()


def _turn_done(turn: Turn | None) -> Callable[[], None]:
    """What lets the caller's next call go once this one is answered (or sent)."""
    return (lambda: None) if turn is None else turn.done


def _fail_message(message: Any, error: BaseException) -> bool:
    """Give a message that will not be carried out its failure: no Future left hanging."""
    _turn_done(getattr(message, "turn", None))()
    pending = getattr(message, "pending", None)
    if pending is not None and pending.start() is None:
        return True  # expired in the queue: it has had its TimedOut
    if isinstance(message, _OpenStream):
        message.sink.send(Message(message.ref, Failed(error)))
        message.ready.set(message.ref)
        return True
    if isinstance(message, _Call | _Control):
        message.reply.fail(error)
        return True
    return False


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


class Docker(TypedCommands):
    """A handle on a DockerConnection actor; every command returns a pykka Future.

    Commands and their options are listed in `nkdocker_actors.commands`; each takes
    `timeout=` (read timeout in seconds, None for none), `reply_to=` (a subscriber:
    the Future then holds a Ref and the result comes as `(ref, Data(result))` or
    `(ref, Failed(error))`), and the streaming ones `subscriber=` and `max_pending=`
    (bytes a stream may hold undelivered to an Inbox before it stops reading; 8 MiB).
    """

    def __init__(
        self,
        actor_ref: pykka.ActorRef[Any],
        config: config_module.ConnConfig,
        api_version: tuple[int, int],
        abort_shared: Callable[[], None] = lambda: None,
        pool: CallPool | None = None,
    ) -> None:
        self._actor_ref = actor_ref
        self.config = config
        self.api_version = api_version
        self._abort_shared = abort_shared
        self._pool = pool
        self._commands: dict[str, Command] = {name: lookup(name, api_version) for name in COMMANDS}

    @property
    def actor_ref(self) -> pykka.ActorRef[Any]:
        """The DockerConnection actor's ref."""
        return self._actor_ref

    def __repr__(self) -> str:
        api = ".".join(map(str, self.api_version))
        return f"<Docker {self.config.address} api={api}>"

    # -- the generic path every command takes ----------------------------------------

    def _tell(self, message: Any) -> None:
        try:
            self.actor_ref.tell(message)
        except pykka.ActorDeadError:
            raise ConnectionFailed(f"the connection to {self.config.address} is closed") from None

    def _in_turn(self, message: _Call | _OpenStream) -> None:
        """Tell the actor `message` once the caller's earlier calls are done (see CallPool)."""
        pool = self._pool
        if pool is None:
            self._tell(message)
            return
        turn = Turn(pool, threading.get_ident(), None)
        message = dataclasses.replace(message, turn=turn)
        turn.go = functools.partial(self._tell, message)
        turn.fail = functools.partial(_fail_message, message)
        pool.submit(turn)

    def call(self, command_name: str, /, *args: Any, **options: Any) -> Future:
        """Run the command named `command_name` (what every command method does)."""
        reply_to = options.pop("reply_to", None)
        subscriber = options.pop("subscriber", None)
        if reply_to is not None and subscriber is not None:
            raise InvalidOption("reply_to goes with commands that have one result, not streams")
        max_pending = options.pop("max_pending", None)
        timeout = options.pop("timeout", _DEFAULT)
        if max_pending is not None and subscriber is None:
            raise InvalidOption("max_pending goes with a subscriber")
        command = self._commands.get(command_name)
        if command is None:
            raise InvalidOption(f"no command {command_name!r}")
        prepared = build(command, args, options, self.api_version, streaming=subscriber is not None)
        if timeout is _DEFAULT:
            timeout = self.config.timeout if command.timeout == "default" else command.timeout
        else:
            timeout = check_timeout(timeout)
        if subscriber is not None:
            sink = Sink(subscriber, DEFAULT_MAX_PENDING if max_pending is None else max_pending)
            return self._stream(prepared, timeout, sink)
        return self._send(prepared, timeout, reply_to)

    def _send(
        self, prepared: Prepared, timeout: float | None, reply_to: Subscriber | None
    ) -> Future:
        pool = self._pool
        future = QuickFuture() if pool is not None and reply_to is None else Future()
        if reply_to is None:
            reply = Reply(future, None, None)
        else:
            reply = Reply(None, Sink(reply_to), Ref())
            future.set(reply.ref)
        if pool is not None and prepared.command.mode == "shared":
            # Straight to a lane: its deadline is watched only if it has to wait.
            turn = Turn(
                pool,
                threading.get_ident(),
                Quick(prepared, timeout, reply),
                urgent=reply_to is not None,  # else its caller may carry it out
            )
            if isinstance(future, QuickFuture):
                future.turn = turn  # whoever waits on it may carry it out
            pool.submit(turn)
            return future
        expired = _queued_too_long(prepared, timeout)
        pending = watch(timeout, lambda: reply.fail(expired()))
        self._in_turn(_Call(prepared, timeout, reply, pending))
        return future

    def _stream(self, prepared: Prepared, timeout: float | None, sink: Sink) -> Future:
        # The Future holds the Ref once the daemon has answered the request, so what the
        # caller does after get() (create a container, send stdin) cannot be missed.
        future = Future()
        ref = Ref()
        expired = _queued_too_long(prepared, timeout)

        def expire() -> None:
            sink.send(Message(ref, Failed(expired())))
            future.set(ref)

        self._in_turn(_OpenStream(prepared, timeout, sink, ref, future, watch(timeout, expire)))
        return future

    def _control(self, ref: Ref, control: StreamControl) -> Future:
        if not isinstance(ref, Ref):
            raise InvalidOption(f"expected a Ref, not {ref!r}")
        future = Future()
        self._tell(_Control(ref, control, Reply(future, None, None)))
        return future

    # -- stream control ------------------------------------------------------------

    def attach_send(self, ref: Ref, data: bytes) -> Future:
        """Write `data` to the stdin of an attach, attach_ws or exec stream."""
        if not isinstance(data, bytes | bytearray):
            raise InvalidOption(f"attach_send takes bytes, not {type(data).__name__}")
        return self._control(ref, StreamControl("send", bytes(data)))

    def close_stdin(self, ref: Ref) -> Future:
        """Half-close an attach or exec stream: the process reads EOF, output keeps flowing.
        On attach_ws (a websocket has no half-close): start the close handshake."""
        return self._control(ref, StreamControl("close_stdin"))

    def finish_async(self, ref: Ref) -> Future:
        """End a stream: its subscriber gets `(ref, Done("finished"))` and nothing after."""
        return self._control(ref, StreamControl("finish"))

    # -- raw escape hatches ---------------------------------------------------------

    def _raw(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
        timeout: Any,
    ) -> Future:
        if not isinstance(path, str) or not _RAW_PATH.fullmatch(path) or "/../" in path + "/":
            raise InvalidOption(f"raw path must be a clean absolute path, not {path!r}")
        target = f"/v{self.api_version[0]}.{self.api_version[1]}{path}"
        if query:
            target += "?" + urlencode([(k, _raw_query(k, v)) for k, v in query.items()])
        header_list = []
        for name, value in (headers or {}).items():
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                raise InvalidOption("bad header name: expected an HTTP token")
            if not (isinstance(value, str) and value.isascii() and value.isprintable()):
                # Never echo it: raw headers carry credentials (X-Registry-Auth).
                raise InvalidOption(f"header {name!r} must be printable ASCII")
            header_list.append((name, value))
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(json_value("body", body)).encode()
            header_list.append(("Content-Type", "application/json"))
        request = Request(method, target, tuple(header_list), body)
        command = _RAW_COMMANDS[method]
        prepared = Prepared(command, request, Context(self.api_version, {}))
        timeout = self.config.timeout if timeout is _DEFAULT else check_timeout(timeout)
        return self._send(prepared, timeout, None)

    def get(
        self,
        path: str,
        query: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: Any = _DEFAULT,
    ) -> Future:
        """GET a versioned API path; the reply is decoded JSON, or text."""
        return self._raw("GET", path, query, None, headers, timeout)

    def post(
        self,
        path: str,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: Any = _DEFAULT,
    ) -> Future:
        """POST to a versioned API path; a body that is not bytes is sent as JSON."""
        return self._raw("POST", path, query, body, headers, timeout)

    def delete(
        self,
        path: str,
        query: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: Any = _DEFAULT,
    ) -> Future:
        """DELETE a versioned API path."""
        return self._raw("DELETE", path, query, None, headers, timeout)

    # -- lifecycle -------------------------------------------------------------------

    def connection_stats(self) -> dict[str, int]:
        """Sockets opened by the shared channel, commands and streams in flight."""
        return cast(dict[str, int], self.actor_ref.ask(_Stats(), timeout=10))

    def close(self) -> None:
        """Stop the connection actor and every child; each open ref gets its terminal message."""
        if self.actor_ref.is_alive():
            # A quick call may hold the actor (timeout=None, a silent daemon): fail it first.
            self._abort_shared()
            self.actor_ref.stop(block=True, timeout=30)

    def __enter__(self) -> Docker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _queued_too_long(prepared: Prepared, timeout: float | None) -> Callable[[], TimedOut]:
    def error() -> TimedOut:
        return TimedOut(
            f"{prepared.command.name} waited its whole timeout ({timeout:g} s) behind "
            "earlier calls: not sent"
        )

    return error


def _raw_query(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return flag(name, value)
    if isinstance(value, Mapping):
        return json.dumps(json_value(name, value))
    as_text = str(value)
    if any(ord(c) < 32 for c in as_text):
        # Never echo it: a raw query may carry a secret.
        raise InvalidOption(f"query value {name!r} must have no control characters")
    return as_text


def _raw_reply(head: Any, body: bytes, ctx: Any) -> Any:
    if head.content_type == "application/json":
        return json_reply(head, body, ctx)
    return text_reply(head, body, ctx) if body else None


def _command_method(command_name: str) -> Callable[..., Future]:
    def method(self: Docker, *args: Any, **options: Any) -> Future:
        return self.call(command_name, *args, **options)

    shape = shapes.shape(command_name)
    method.__name__ = command_name
    method.__qualname__ = f"Docker.{command_name}"
    method.__doc__ = shapes.docstring(shape)  # every option and its value shape, for help()
    method.__signature__ = shapes.signature(shape)  # type: ignore[attr-defined]
    return method


_RAW_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@/-]*")
_TOKEN = re.compile(r"[A-Za-z0-9!#$&'*+.^_`|~-]+")
_RAW_COMMANDS = {
    method: Command(
        method.lower(),
        method,
        "",
        f"Raw {method}.",
        reply=_raw_reply,
        mode="shared" if method == "GET" else "exclusive",
    )
    for method in ("GET", "POST", "DELETE")
}

for _name in COMMANDS:
    setattr(Docker, _name, _command_method(_name))


def connect(url: str | None = None, **settings: Any) -> Docker:
    """Start a DockerConnection actor and return its handle.

    Settings (see `config`): url, host, port, proto, certfile, keyfile, cafile,
    tls_verify, api_version, connect_timeout, timeout. Asks GET /_ping (GET /version
    where the ping names no version), refuses an API below 1.17, and talks
    min(daemon's, newest supported) unless pinned.
    """
    conf = config_module.resolve({"url": url, **settings})
    shared = PersistentChannel(conf.address, conf.connect_timeout)
    pool = CallPool(shared)
    actor_ref = DockerConnection.start(conf, shared, pool)
    try:
        api = cast(
            tuple[int, int],
            actor_ref.ask(_Negotiate(), timeout=conf.connect_timeout + (conf.timeout or 60) + 5),
        )
    except BaseException:
        shared.abort()
        actor_ref.stop()
        raise
    closed = ConnectionFailed(f"the connection to {conf.address} was closed")
    return Docker(actor_ref, conf, api, functools.partial(pool.abort, closed), pool)
