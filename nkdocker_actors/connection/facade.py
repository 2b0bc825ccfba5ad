"""The `Docker` handle: it checks every argument in the caller's thread (so bad input
fails before anything is sent), returns a pykka Future for every command, and tells the
connection actor; `connect()` starts that actor and returns its handle."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

import pykka

from .. import config as config_module
from ..calls import CallPool, Quick, QuickFuture, Turn
from ..commands import COMMANDS, Command, lookup, shapes
from ..commands.spec import Context, Prepared, build, flag, json_reply, json_value, text_reply
from ..deadlines import watch
from ..errors import ConnectionFailed, InvalidOption, TimedOut
from ..http11 import PersistentChannel, Request
from ..messages import DEFAULT_MAX_PENDING, Failed, Future, Message, Ref, Sink, Subscriber
from ..streams import StreamControl
from .protocol import AskStats, Call, Control, Negotiate, OpenStream, Reply, fail_message
from .server import DockerConnection

if TYPE_CHECKING:  # the typed command methods, generated from the tables (see _typed)
    from .._typed import TypedCommands
else:
    TypedCommands = object  # at run time the methods are attached from the tables below

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

    def _in_turn(self, message: Call | OpenStream) -> None:
        """Tell the actor `message` once the caller's earlier calls are done (see CallPool)."""
        pool = self._pool
        if pool is None:
            self._tell(message)
            return
        turn = Turn(pool, threading.get_ident(), None)
        message = dataclasses.replace(message, turn=turn)
        turn.go = functools.partial(self._tell, message)
        turn.fail = functools.partial(fail_message, message)
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
        self._in_turn(Call(prepared, timeout, reply, pending))
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

        self._in_turn(OpenStream(prepared, timeout, sink, ref, future, watch(timeout, expire)))
        return future

    def _control(self, ref: Ref, control: StreamControl) -> Future:
        if not isinstance(ref, Ref):
            raise InvalidOption(f"expected a Ref, not {ref!r}")
        future = Future()
        self._tell(Control(ref, control, Reply(future, None, None)))
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
        return cast(dict[str, int], self.actor_ref.ask(AskStats(), timeout=10))

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
            actor_ref.ask(Negotiate(), timeout=conf.connect_timeout + (conf.timeout or 60) + 5),
        )
    except BaseException:
        shared.abort()
        actor_ref.stop()
        raise
    closed = ConnectionFailed(f"the connection to {conf.address} was closed")
    return Docker(actor_ref, conf, api, functools.partial(pool.abort, closed), pool)
