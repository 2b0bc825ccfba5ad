"""Carrying out a prepared command over a socket: the glue between the tables and HTTP.

`run_shared` uses the connection's keep-alive socket; `run_exclusive` a socket
of its own, which it streams to a file when the command writes one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from .commands.spec import Context, Prepared, json_reply, raise_for_status
from .errors import ConnectionFailed, LocalFileError, NkDockerError, NotModified
from .http11 import Channel, PersistentChannel, ProtocolError, Request, ResponseHead
from .transport import Address

__all__ = [
    "body_pieces",
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
    channel: Channel, prepared: Prepared, timeout: float | None
) -> tuple[ResponseHead, Context]:
    """Send the request on a socket of its own and read the answer's head.

    The context says whether the output is a TTY's; an HTTP error raises here.
    """
    context = prepared.context
    if prepared.tty_source is not None:
        context = dataclasses.replace(context, tty=has_tty(channel, prepared, timeout))
    channel.set_timeout(timeout)
    channel.send_request(prepared.request)
    head = channel.read_head(prepared.request)
    if head.status >= 300:
        check_status(prepared, head, channel.read_body(head, prepared.request.method))
    return head, context


def body_pieces(channel: Channel, head: ResponseHead, method: str) -> Iterator[bytes]:
    """The answer's body as it arrives; after a 101, all the peer sends until it closes."""
    return channel.raw_pieces() if head.status == 101 else channel.body_pieces(head, method)


def run_exclusive(
    address: Address,
    connect_timeout: float,
    prepared: Prepared,
    timeout: float | None,
    on_open: Callable[[Channel], None] = lambda channel: None,
) -> Any:
    """One exchange on a fresh socket, closed at the end."""
    channel = Channel.open(address, connect_timeout)
    on_open(channel)
    try:
        head, context = start_exchange(channel, prepared, timeout)
        command = prepared.command
        pieces = body_pieces(channel, head, prepared.request.method)
        file = context.values.get(command.to_file) if command.to_file else None
        if file is not None:
            _write_to(file, pieces)
            return None
        return decode(prepared, head, b"".join(pieces), context)
    finally:
        channel.close()
