"""What an HTTP exchange is made of: the Request to send (and its Body), the
ResponseHead read back, ProtocolError for a peer that breaks HTTP or Docker's framing,
and how a request's head is written. No sockets here: `channel` sends and reads them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from ..errors import ConnectionFailed

Body = bytes | Iterable[bytes] | IO[bytes] | None


class ProtocolError(ConnectionFailed):
    """The peer broke HTTP or Docker's stream framing."""


@dataclass(frozen=True)
class Request:
    """One HTTP request, ready to send: `target` is the quoted path and query."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: Body = None
    upgrade: bool = False
    protocol: str = "tcp"  # what an upgrade asks for: dockerd's hijack, or "websocket"

    @property
    def idempotent(self) -> bool:
        """Safe to send again when a reused socket turns out to be dead."""
        return self.method in ("GET", "HEAD")

    def __repr__(self) -> str:
        # Header values may hold registry credentials (X-Registry-Auth): never show them.
        names = ", ".join(name for name, _ in self.headers)
        return f"Request({self.method} {self.target}, headers=[{names}])"


@dataclass
class ResponseHead:
    """Status line and headers (names lower-cased) of a response."""

    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)
    version: str = "HTTP/1.1"

    @property
    def content_type(self) -> str:
        """The media type without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def keep_alive(self) -> bool:
        """Whether the socket may carry another request after this response."""
        connection = self.headers.get("connection", "").lower()
        if "," in connection:  # a list of options, e.g. "keep-alive, close"
            options = {option.strip() for option in connection.split(",")}
            return "close" not in options and (
                self.version != "HTTP/1.0" or "keep-alive" in options
            )
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


def _encode_head(request: Request, host: str, length: int | None) -> bytes:
    lines = [f"{request.method} {request.target} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in request.headers)
    if request.upgrade:
        lines.append("Connection: Upgrade")
        lines.append(f"Upgrade: {request.protocol}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    elif request.body is not None:
        lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
