"""What the fault server speaks: dockerd's well-formed answers (their bodies, frames and
chunks), a request as received (`Req`), and a connection behaviours write to (`Conn`)."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from .server import Server

API = "1.41"
VERSION_BODY = json.dumps(
    {"ApiVersion": API, "MinAPIVersion": "1.12", "Version": "20.10-fault", "Os": "linux"}
).encode()
# The "docker29" persona: Docker Engine 29.0 as released, refusing clients below API 1.44.
DOCKER29_MIN = "1.44"
DOCKER29_VERSION_BODY = json.dumps(
    {"ApiVersion": "1.52", "MinAPIVersion": DOCKER29_MIN, "Version": "29.0.0", "Os": "linux"}
).encode()
# Personas newer than the API the client models (1.56): "next" still takes 1.56,
# "next_strict" refuses anything below 1.58.
NEXT_PERSONAS = {"next": "1.44", "next_strict": "1.58"}
PERSONA_API = {"": API, "docker29": "1.52", "next": "1.60", "next_strict": "1.60"}
JSON_DOC = [{"Id": "c0ffee", "Names": ["/fault"], "State": "running"}]
EVENTS = [{"status": "start", "id": f"c{i}", "time": 1700000000 + i} for i in range(3)]
OUTPUT = [(1, b"out1\n"), (2, b"err1\n"), (1, b"out2\n")]
STALL_LIMIT = 120.0  # a stalling behaviour gives up after this long


def frame(stream: int, data: bytes, size: int | None = None) -> bytes:
    """One raw-stream frame: 8-byte header (stream id, big-endian size), then data."""
    return struct.pack(">BxxxL", stream, len(data) if size is None else size) + data


def frames_body() -> bytes:
    """The well-formed container output every frame-kind answer carries."""
    return b"".join(frame(s, d) for s, d in OUTPUT)


def lines_body() -> bytes:
    """The well-formed JSON stream every line-kind answer carries."""
    return b"".join(json.dumps(e).encode() + b"\n" for e in EVENTS)


def chunked(body: bytes, pieces: int = 3) -> bytes:
    """`body` as a complete chunked transfer coding, in a few chunks."""
    step = max(1, -(-len(body) // pieces))
    out = b"".join(
        b"%x\r\n%b\r\n" % (len(body[i : i + step]), body[i : i + step])
        for i in range(0, len(body), step)
    )
    return out + b"0\r\n\r\n"


TOKEN = re.compile(r"[A-Za-z0-9!#$&'*+.^_`|~-]+")  # an HTTP token (a method, a header name)


@dataclass
class Req:
    """One request as received, with what makes it malformed (if anything)."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    problems: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def upgrade(self) -> bool:
        return "upgrade" in (self.header("connection") or "").lower()

    @property
    def kind(self) -> str:
        """What dockerd would answer: "lines" (JSON stream), "frames" (output) or "json"."""
        path = re.sub(r"^/v[0-9.]+", "", self.path)
        if re.fullmatch(
            r"/(events|build|images/create|images/[^?]*/push|containers/[^/]+/stats)", path
        ):
            return "lines"
        if re.fullmatch(r"/(containers/[^/]+/(logs|attach)|exec/[^/]+/start)", path):
            return "frames"
        return "json"

    def record(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "target": self.target,
            "headers": self.headers,
            "body": self.body.decode("latin-1"),
            "problems": self.problems,
        }


class Conn:
    """One accepted connection: a read buffer and the helpers behaviours write with."""

    def __init__(self, sock: socket.socket, server: Server) -> None:
        self.sock = sock
        self.server = server
        self.buffer = bytearray()

    def fill(self, timeout: float | None = None) -> bool:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (TimeoutError, OSError):
            return False
        if not data:
            return False
        self.buffer += data
        return True

    def read_request(self, early: bool = False) -> Req | None:
        """The next request, its body read too unless `early` (see _answer_early)."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if self.buffer[:1] == b"\x16":  # a TLS ClientHello: answered as Go's HTTP server does
                self.send(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n400 Bad Request")
                return None
            if len(self.buffer) > 1 << 20 or not self.fill():
                return None
        head = bytes(self.buffer[:end]).decode("latin-1")
        del self.buffer[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        problems: list[str] = []
        if len(parts) != 3:
            problems.append(f"request line {lines[0]!r}")
            parts = [*parts, "", "", ""][:3]
        method, target, version = parts
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not TOKEN.fullmatch(name):
                problems.append(f"header line {line!r}")
            if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in value):
                problems.append(f"control character in header {name!r}")
            headers.append((name, value.strip()))
        req = Req(method, target, version, headers, problems=problems)
        if early and not req.path.startswith("/_fault/"):
            return req
        return req if self.read_body(req) else None

    def read_body(self, req: Req) -> bool:
        """Read the request's body into it (False: the client closed first)."""
        length = req.header("content-length")
        if (req.header("transfer-encoding") or "").lower() == "chunked":
            if length is not None:
                req.problems.append("both Content-Length and chunked")
            body = self._read_chunked()
            if body is None:
                return False
            req.body = body
        elif length is not None:
            if not length.isdigit():
                req.problems.append(f"Content-Length {length!r}")
                return True
            while len(self.buffer) < int(length):
                if not self.fill():
                    return False
            req.body = bytes(self.buffer[: int(length)])
            del self.buffer[: int(length)]
        elif req.method in ("POST", "PUT") and not req.upgrade:
            req.problems.append(f"{req.method} without a body length")
        return True

    def _read_line(self) -> bytes | None:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if not self.fill():
                return None
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    def _read_chunked(self) -> bytes | None:
        body = bytearray()
        while True:
            line = self._read_line()
            if line is None:
                return None
            size = int(line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                if not self.fill():
                    return None
            body += self.buffer[:size]
            del self.buffer[: size + 2]
            if size == 0:
                return bytes(body)

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        self.server.sent += len(data)
        return True

    def respond(
        self,
        status: str,
        body: bytes = b"",
        content_type: str = "application/json",
        extra: str = "",
        close: bool = False,
    ) -> bool:
        head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}"
        head += f"Content-Length: {len(body)}\r\n"
        if close:
            head += "Connection: close\r\n"
        return self.send(head.encode("latin-1") + b"\r\n" + body)

    def wait_close(self, limit: float = STALL_LIMIT) -> None:
        """Stall: read (and drop) whatever comes until the client closes."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            self.sock.settimeout(0.5)
            try:
                if not self.sock.recv(65536):
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


# -- well-formed answers ----------------------------------------------------------


def good_body(req: Req) -> bytes:
    if req.kind == "lines":
        return lines_body()
    if req.kind == "frames":
        return frames_body()
    return json.dumps(JSON_DOC).encode()


def stream_head(req: Req, close: bool = False) -> bytes:
    """The head of a well-formed streaming answer (101 when asked to upgrade)."""
    if req.kind == "frames" and req.upgrade:
        return (
            b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
            b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
        )
    kind = b"application/vnd.docker.raw-stream" if req.kind == "frames" else b"application/json"
    extra = b"Connection: close\r\n" if close else b""
    return b"HTTP/1.1 200 OK\r\nContent-Type: %b\r\n%bTransfer-Encoding: chunked\r\n\r\n" % (
        kind,
        extra,
    )


def echo_stdin(c: Conn) -> None:
    """After an upgrade: send back each piece of stdin as a stdout frame, until EOF."""
    if c.buffer:
        c.send(frame(1, bytes(c.buffer)))
        c.buffer.clear()
    while True:
        c.sock.settimeout(STALL_LIMIT)
        try:
            data = c.sock.recv(65536)
        except OSError:
            return
        if not data:
            return
        c.send(frame(1, data))
