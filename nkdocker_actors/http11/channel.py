"""Channel: one socket and its read buffer, speaking HTTP/1.1 one exchange at a time.
Sending (a request's head and body, raw bytes after an upgrade, on TLS under a lock when
two threads share the socket), reading (the response head, a body by Content-Length,
chunks or until EOF, within a timeout and a deadline), and reading without waiting for
the poller; with the socket helpers under it (reads into shared scratch buffers, poll)."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import select
import socket
import ssl
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TypeVar

from ..errors import ConnectionFailed, LocalFileError, TimedOut
from ..transport import Address, open_socket
from .messages import ProtocolError, Request, ResponseHead, _encode_head

MAX_HEAD_BYTES = 64 * 1024  # a response head, 1xx heads before it, or a chunked body's trailers
RECV_SIZE = 256 * 1024
# Letting more arrive must not stall the peer: a full socket makes it wait for us. What a
# socket holds depends on the peer's writes: a unix socket about 96 KB written 1 KB at a
# time (dockerd writes a log a line at a time), 230 KB written 32 KB at a time. A pause of
# fixed length, long enough for the one (2 ms: 160 KB of attach output at 80 MB/s),
# stalled the other: a log written at 150 MB/s was read at 65 MB/s. On Linux, a body read
# for its bytes and not for when they come (a log not followed) gathers in the kernel, on
# a plain blocking socket: one read that returns once the bytes wanted came (SO_RCVLOWAT),
# taking each of the peer's writes as it comes, so the socket never fills, and waking no
# Python code meanwhile. Only there: what bounds that read (SO_RCVTIMEO) counts in the
# kernel's ticks, so a followed log's burst would end 8-12 ms late at HZ=250, not 1 ms.
# And only in a chunked body past KERNEL_GATHER_AFTER bytes, of writes of
# KERNEL_GATHER_MIN_WRITE or more (its mean chunk so far). Each write wakes the reader
# waiting in the kernel, which costs the writer: a log of short lines came 15-25 % slower
# than with the steps below (Inbox, median ms of 15 reads: 6-byte lines 104 against 85,
# 100-byte 283 against 240, 256-byte 147 against 122; 512-byte 89 against 88). And the
# wait that the body's end interrupts lasts to the tick: a small log came late (50 KB, p90
# 8.8 ms against 3.0; 1 and 4 MB, median 1.5-2.3 ms later). Past that, fewer and bigger
# reads pay, a little: 20 MB of 1 KB lines gathered in the kernel from the start came in
# 256-260 ms against 273-278 in steps; from 4 MB on, 273 against 274.
# Elsewhere (a live stream, TLS, a socket with a timeout) the pause goes in steps of
# GATHER_STEP while the socket fills, and ends before it might pass GATHER_ENOUGH, or when
# the peer pauses. On TLS only while nothing
# has come: a read takes one record (dockerd's log: a record a line), so a pause with
# records waiting makes no read bigger, it only delays each (a 20 MB log came to an Inbox
# 4-5x slower than one read of the whole log).
KERNEL_GATHERS = sys.platform.startswith("linux")
KERNEL_GATHER_AFTER = 4 * 1024 * 1024
KERNEL_GATHER_MIN_WRITE = 512
GATHER_STEP = 0.0001
GATHER_ENOUGH = 64 * 1024
_NO_TIMEOUT = struct.pack("ll", 0, 0)  # a struct timeval: SO_RCVTIMEO off
TLS_SEND_SIZE = 64 * 1024  # one SSL write under the lock: short, so the reader gets its turn
TLS_RETRY_SECONDS = 0.05  # the other thread may have moved the TLS state: look again this soon

_T = TypeVar("_T")
_INT = bytes(4)  # FIONREAD's answer

_STATUS_CODE = re.compile(r"[0-9]{3}")
_DIGITS = re.compile(r"[0-9]{1,19}")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_CHUNK_SIZE_START = re.compile(rb"[0-9A-Fa-f]{0,16}\r?")  # a size line not wholly here yet
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})\r\n")  # a plain chunk-size line


def _body_pieces(body: Iterable[bytes] | IO[bytes]) -> Iterator[bytes]:
    """The request body's pieces; a failure reading it (a file, or the caller's own
    iterable) is LocalFileError, not a failure of the connection."""
    if hasattr(body, "read"):
        reader: IO[bytes] = body  # type: ignore[assignment]
        pieces: Iterator[bytes] = iter(functools.partial(reader.read, RECV_SIZE), b"")
    else:
        pieces = iter(body)
    while True:
        try:
            piece = next(pieces)
        except StopIteration:
            return
        except OSError as exc:
            raise LocalFileError(f"reading the request body failed: {exc.strerror or exc}") from exc
        yield piece


class AnsweredEarly(ConnectionError):
    """The peer refused the request while it was still being sent, and reads no more of
    it (dockerd and Podman close the connection then; a server that keeps it open would
    otherwise leave the send waiting until the timeout)."""


# What a buffer ends with once a chunked body's last chunk came (alone, or after the chunk
# before it); dockerd sends no trailers. (Data that happens to end so only ends a gather.)
_BODY_ENDS = (b"0\r\n\r\n", b"\r\n0\r\n\r\n")
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() resets the connection
_REFUSAL = re.compile(rb"HTTP/1\.[01] [3-5][0-9][0-9]")  # an answer's status line, 300 or more


# Reads go into one of these shared buffers and only the bytes received are kept: a fresh
# RECV_SIZE allocation per read (what `sock.recv(RECV_SIZE)` does) costs more than the read
# itself (an mmap, page faults, a remap to the size received), and a buffer per socket would
# cost RECV_SIZE per idle stream. Used only for data already there, so a buffer is held for
# a moment. list.pop and append are atomic: no lock.
_SCRATCH: list[bytearray] = []
SCRATCH_KEPT = 8  # buffers kept for reuse (one per thread reading at the same moment)


def _recv(sock: socket.socket, size: int, wait: float | None, eager: bool = False) -> bytes:
    """One read of at most `size` (<= RECV_SIZE) bytes (b"" at EOF), its data there within
    `wait` seconds (TimeoutError; None: no bound). `eager`: the data is most likely there
    already (the last read brought some): read before asking."""
    # A read that waits holds no shared buffer meanwhile (thousands of streams waiting for
    # their answers would each hold one), nor a fresh one (`sock.recv` allocates `size`
    # bytes per read): it waits for the socket first, unless the body flows, where asking
    # first would cost a syscall per read.
    plain = type(sock) is socket.socket
    if isinstance(sock, ssl.SSLSocket):
        if not _ready(sock, select.POLLIN, 0):
            return sock.recv(size)  # (data may be pending inside TLS, the socket not readable)
    else:
        if eager and plain and (data := _read_now(sock, size)) is not None:
            return data
        if not _ready(sock, select.POLLIN, wait):
            raise TimeoutError("timed out")
        if plain and (data := _read_now(sock, size)) is not None:
            return data  # (None: nothing after all, the read below waits for it)
    scratch = _take_scratch()
    try:
        count = sock.recv_into(scratch, size)
        return bytes(memoryview(scratch)[:count])
    finally:
        _give_back(scratch)


def _read_now(sock: socket.socket, size: int) -> bytes | None:
    """What a plain socket has now, in one system call; None if nothing. (recv_into on a
    socket with a timeout polls first: a syscall more, and one more hand-over of the GIL
    among callers.)"""
    scratch = _take_scratch()
    try:
        if sock.gettimeout() is None:  # blocking underneath: this read must not wait
            count = sock.recv_into(scratch, size, socket.MSG_DONTWAIT)
        else:  # non-blocking underneath
            count = os.readv(sock.fileno(), [memoryview(scratch)[:size]])
        return bytes(memoryview(scratch)[:count])
    except BlockingIOError:
        return None
    finally:
        _give_back(scratch)


def _take_scratch() -> bytearray:
    """A shared read buffer (see _SCRATCH), held only for one read."""
    try:
        return _SCRATCH.pop()
    except IndexError:
        return bytearray(RECV_SIZE)


def _give_back(scratch: bytearray) -> None:
    if len(_SCRATCH) < SCRATCH_KEPT:
        _SCRATCH.append(scratch)


def _ready(sock: socket.socket, events: int, timeout: float | None) -> bool:
    """Whether `sock` is ready for `events` (select.POLLIN/POLLOUT) within `timeout`.

    poll, not select: select cannot watch a descriptor above 1023, and a process
    running a thousand streams has those. A closed socket counts as ready: the
    next call on it reports the closing.
    """
    fd = sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, events)
    return bool(poller.poll(None if timeout is None else max(0, timeout * 1000)))


def _sooner(first: float | None, second: float | None) -> float | None:
    """The earlier of two deadlines (or the shorter of two waits), None meaning never."""
    if first is None:
        return second
    return first if second is None else min(first, second)


def _deadline_after(seconds: float | None) -> float | None:
    return None if seconds is None else time.monotonic() + seconds


class Channel:
    """A socket with a read buffer, speaking HTTP/1.1 one exchange at a time."""

    def __init__(self, sock: socket.socket, address: Address) -> None:
        self.sock = sock
        self.address = address
        self._buffer = bytearray()
        self.closed = False
        self._deadline: float | None = None  # monotonic time reads must be done by
        # Set by duplex() on TLS: the socket is then non-blocking, `_timeout` stands for
        # its timeout, and every SSL call is made under this lock.
        self._tls_lock: threading.Lock | None = None
        self._timeout: float | None = None
        self.read_size = RECV_SIZE  # the most one read takes (a stream coalescing takes less)
        self._chunk_rest = 0  # of a chunked body's chunk in progress: payload and CRLF to come
        self._chunks_cut = self._chunk_bytes_cut = 0  # of this body, by `_cut_chunks`
        self._deferred: ConnectionFailed | None = None  # met by `read_available`, raised next
        # The last read brought data and no request went since: a body flows, and the next
        # read most likely finds data at once. (A reader as fast as the peer must keep the
        # socket drained: a unix socket holds about 96 KB written 1 KB at a time, as dockerd
        # writes a log, and a full socket stalls the peer. Pausing for bigger reads cost a
        # 100 MB log 5 to 10% of its speed, the poll before each read 2%.)
        self._body_flows = False
        # A request refused while being sent (AnsweredEarly): what the socket holds of it
        # would wait for a peer that reads no more (minutes, over TCP): close resets.
        self._abandoned = False

    @classmethod
    def open(cls, address: Address, connect_timeout: float) -> Channel:
        """Connect to `address`."""
        return cls(open_socket(address, connect_timeout), address)

    def fileno(self) -> int:
        """The socket's descriptor (for select)."""
        return self.sock.fileno()

    def close(self) -> None:
        """Close the socket; safe to call twice and from another thread."""
        if self.closed:
            return
        self.closed = True
        with self._tls_lock or contextlib.nullcontext():  # never under an SSL call
            with contextlib.suppress(OSError):
                if self._abandoned:
                    self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
                self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()

    def duplex(self) -> None:
        """From now on one thread reads while another writes (an upgraded attach or exec).

        A plain socket allows that. One SSL object must never be used by two threads
        at once (OpenSSL's rule; CPython does not lock it for us), and a blocking read
        holding a lock would starve the writer: so on TLS the socket turns non-blocking,
        each SSL call runs under a lock, and the waiting is done outside it.
        """
        if isinstance(self.sock, ssl.SSLSocket) and self._tls_lock is None:
            self._timeout = self.sock.gettimeout()
            try:
                self.sock.setblocking(False)
            except OSError as exc:  # closed meanwhile by another thread
                raise ConnectionFailed(f"connection to {self.address} was closed") from exc
            self._tls_lock = threading.Lock()

    def _timeout_now(self) -> float | None:
        """The timeout in force: the socket's, or on a duplex TLS socket the one it stands for."""
        return self._timeout if self._tls_lock is not None else self.sock.gettimeout()

    def _tls_call(self, call: Callable[[], _T], deadline: float | None) -> _T:
        """Run one SSL call under the lock, waiting for the socket (until `deadline`) outside it."""
        assert self._tls_lock is not None
        while True:
            with self._tls_lock:
                try:
                    return call()
                except ssl.SSLWantReadError:
                    events = select.POLLIN
                except ssl.SSLWantWriteError:
                    events = select.POLLOUT
            wait = TLS_RETRY_SECONDS
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    raise TimeoutError
            _ready(self.sock, events, wait)  # (closed meanwhile: the next call says so)

    def set_timeout(self, timeout: float | None) -> None:
        """Read timeout for what follows; None waits forever."""
        if self._tls_lock is not None:
            self._timeout = timeout
            return
        current = self.sock.gettimeout()
        if current == timeout or (current and timeout and abs(current - timeout) < 0.01):
            return  # settimeout is a syscall; a quick call's is its deadline's remainder
        try:
            self.sock.settimeout(timeout)
        except OSError as exc:  # closed meanwhile by another thread (abort)
            raise ConnectionFailed(f"connection to {self.address} was closed") from exc

    def set_deadline(self, seconds: float | None) -> None:
        """Every read must be done within `seconds` from now (None: no overall bound).

        The read timeout bounds each wait for data; a deadline bounds the total,
        so a peer trickling bytes (slowloris) cannot hold the reader past it.
        """
        self._deadline = None if seconds is None else time.monotonic() + seconds

    # -- sending ---------------------------------------------------------------

    def send_request(self, request: Request) -> None:
        """Write the request and its body (Content-Length for bytes, chunked otherwise)."""
        body = request.body
        try:
            if body is None or isinstance(body, bytes | bytearray):
                data = b"" if body is None else bytes(body)
                length = None if body is None and request.method == "GET" else len(data)
                self._send(_encode_head(request, self.address.host_header, length) + data, True)
                return
            self._send(_encode_head(request, self.address.host_header, None), True)
            for piece in _body_pieces(body):
                if piece:
                    self._send(b"%x\r\n%b\r\n" % (len(piece), piece), True)
            self._send(b"0\r\n\r\n", True)
        except TimeoutError as exc:
            raise TimedOut(f"sending to {self.address} timed out") from exc
        except LocalFileError:
            raise
        except OSError as exc:
            raise ConnectionFailed(f"sending to {self.address} failed: {exc}") from exc

    def _send(self, data: bytes, request: bool = False) -> None:
        """sendall: the timeout bounds the whole write, on a duplex TLS socket too.
        `request`: a request is being sent, so anything the peer sends meanwhile is its
        answer (AnsweredEarly), on a plain socket."""
        self._body_flows = False  # (the answer is not there yet)
        if self._tls_lock is None:
            sent = 0
            plain = type(self.sock) is socket.socket
            if plain:
                # Most writes go whole at once: one write(2), not the poll that sendall
                # does first on a socket with a timeout. (The timeout makes the socket
                # non-blocking underneath: a full buffer leaves the rest to sendall.)
                with contextlib.suppress(BlockingIOError):
                    sent = (
                        self.sock.send(data, socket.MSG_DONTWAIT)
                        if request and self.sock.gettimeout() is None
                        else os.write(self.sock.fileno(), data)
                    )
            if sent == len(data):
                return
            if plain and request:
                self._send_watching(memoryview(data)[sent:])
            else:
                self.sock.sendall(memoryview(data)[sent:])
            return
        deadline = _deadline_after(self._timeout)
        view = memoryview(data)
        while view:
            piece = view[:TLS_SEND_SIZE]  # the same piece again after a want-write
            view = view[self._tls_call(functools.partial(self.sock.send, piece), deadline) :]

    def _send_watching(self, view: memoryview) -> None:
        """The rest of a request, on a plain socket the peer does not read as fast: sent
        as the socket takes it, until the timeout, unless the peer refuses it first (an
        answer of 300 or more while the socket takes no more: AnsweredEarly). Any other
        answer may come while the peer reads on: the send goes on."""
        sock = self.sock
        blocking = sock.gettimeout() is None
        deadline = _deadline_after(sock.gettimeout())
        watcher = select.poll()
        watcher.register(sock.fileno(), select.POLLIN | select.POLLOUT)
        while view:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise TimeoutError("timed out")
            ready = 0
            for _, events in watcher.poll(None if wait is None else wait * 1000):
                ready |= events
            if ready & select.POLLIN and not ready & (select.POLLOUT | select.POLLHUP):
                if _REFUSAL.match(sock.recv(len("HTTP/1.1 400"), socket.MSG_PEEK)):
                    self._abandoned = True
                    raise AnsweredEarly("the peer refused the request before reading all of it")
                # (not a refusal, or not all there: the writes say how it goes)
                watcher.modify(sock.fileno(), select.POLLOUT)
                continue
            if ready:  # (writable, or an error the write reports)
                with contextlib.suppress(BlockingIOError):
                    sent = (
                        sock.send(view, socket.MSG_DONTWAIT)
                        if blocking
                        else os.write(sock.fileno(), view)
                    )
                    view = view[sent:]

    def send_raw(self, data: bytes) -> None:
        """Write bytes on an upgraded (hijacked) connection."""
        try:
            self._send(data)
        except TimeoutError as exc:
            raise TimedOut(f"writing to {self.address} timed out") from exc
        except OSError as exc:
            raise ConnectionFailed(f"writing to {self.address} failed: {exc}") from exc

    def shutdown_write(self) -> None:
        """Half-close: the peer reads EOF while we keep reading its output."""
        try:
            # The plain socket's shutdown: ssl.SSLSocket.shutdown would drop the TLS
            # state and with it the output still to come.
            with self._tls_lock or contextlib.nullcontext():
                socket.socket.shutdown(self.sock, socket.SHUT_WR)
        except OSError as exc:
            raise ConnectionFailed(f"half-closing {self.address} failed: {exc}") from exc

    # -- receiving -------------------------------------------------------------

    def _fill(self) -> bool:
        """Read more into the buffer; False at EOF."""
        data = self._recv()
        if not data:
            return False
        self._buffer += data
        return True

    def _recv(self) -> bytes:
        """One read from the socket (b"" at EOF), within the timeout and the deadline."""
        if self._deferred is not None:
            error, self._deferred = self._deferred, None
            raise error
        remaining = None
        if self._deadline is not None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise TimedOut(f"reading from {self.address} timed out")
        try:
            if self._tls_lock is not None:
                deadline = _sooner(self._deadline, _deadline_after(self._timeout))
                data = self._tls_call(functools.partial(self.sock.recv, self.read_size), deadline)
            else:
                wait = self.sock.gettimeout()
                if remaining is not None and (wait is None or remaining < wait):
                    wait = remaining
                data = _recv(self.sock, self.read_size, wait, self._body_flows)
            self._body_flows = bool(data)
        except TimeoutError as exc:
            raise TimedOut(f"reading from {self.address} timed out") from exc
        except OSError as exc:
            if self.closed:
                raise ConnectionFailed(f"connection to {self.address} was closed") from exc
            raise ConnectionFailed(f"reading from {self.address} failed: {exc}") from exc
        return data

    def read_head(self, request: Request | None = None) -> ResponseHead:
        """Read a status line and headers (1xx other than 101 are skipped).

        The whole head (1xx heads included) must come within the read timeout
        and fit in MAX_HEAD_BYTES, however slowly the peer trickles it. Given the
        `request` answered, a 101 to a request that asked for no upgrade is an error.
        """
        timeout = self._timeout_now()
        own_deadline = self._deadline is None and timeout is not None
        if own_deadline:
            self.set_deadline(timeout)
        try:
            head = self._read_head()
            self._chunk_rest = self._chunks_cut = self._chunk_bytes_cut = 0  # (a new body)
            if head.status == 101 and request is not None and not request.upgrade:
                raise ProtocolError(f"{self.address} switched protocols unasked (101)")
            return head
        finally:
            if own_deadline:
                self._deadline = None
                if self._timeout_now() != timeout:
                    with contextlib.suppress(ConnectionFailed):  # closed meanwhile
                        self.set_timeout(timeout)

    def _read_head(self) -> ResponseHead:
        budget = MAX_HEAD_BYTES
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            while end < 0:
                if len(self._buffer) > budget:
                    raise ProtocolError(f"response head from {self.address} is too long")
                if not self._fill():
                    if self._buffer:
                        raise ProtocolError(f"{self.address} closed inside a response head")
                    raise ConnectionFailed(f"{self.address} closed the connection")
                end = self._buffer.find(b"\r\n\r\n", max(0, len(self._buffer) - RECV_SIZE - 3))
            if end > budget:
                raise ProtocolError(f"response head from {self.address} is too long")
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            head = self._parse_head(raw)
            if 100 <= head.status < 200 and head.status != 101:
                budget -= end + 4  # interim answers share the head's budget: no endless 100s
                continue
            return head

    def _parse_head(self, raw: bytes) -> ResponseHead:
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if (
            len(parts) < 2
            or parts[0] not in ("HTTP/1.1", "HTTP/1.0")
            or not _STATUS_CODE.fullmatch(parts[1])
        ):
            raise ProtocolError(f"bad status line from {self.address}: {lines[0][:80]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ProtocolError(f"bad header line from {self.address}: {line[:80]!r}")
            key, value = name.strip().lower(), value.strip()
            if key in headers:
                if key == "content-length" and headers[key] != value:
                    raise ProtocolError(f"conflicting Content-Length headers from {self.address}")
                if key != "content-length":
                    value = f"{headers[key]}, {value}"  # repeated fields combine (RFC 9110)
            headers[key] = value
        return ResponseHead(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, parts[0])

    def _read_line(self, limit: int = 4096) -> bytes:
        while (end := self._buffer.find(b"\r\n", 0, limit + 2)) < 0:
            if len(self._buffer) > limit:
                raise ProtocolError(f"line too long in body from {self.address}")
            if not self._fill():
                raise ProtocolError(f"{self.address} closed inside a chunked body")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        return line

    def _take(self, limit: int) -> bytes:
        """Up to `limit` buffered bytes, reading once if the buffer is empty."""
        buffer = self._buffer
        if not buffer:
            data = self._recv()  # straight through: no copy into the buffer and out
            if len(data) <= limit:
                return data
            buffer += data
        if len(buffer) <= limit:
            piece = bytes(buffer)
            buffer.clear()
            return piece
        with memoryview(buffer) as view:
            piece = bytes(view[:limit])
        del buffer[:limit]
        return piece

    def body_pieces(self, head: ResponseHead, method: str = "GET") -> Iterator[bytes]:
        """The body as it arrives, in pieces; raises ProtocolError on a short body."""
        if method == "HEAD" or head.status in (204, 304) or head.status < 200:
            return
        if "chunked" in head.headers.get("transfer-encoding", "").lower():
            yield from self._chunked_pieces()
            return
        length_text = head.headers.get("content-length")
        if length_text is not None:
            if not _DIGITS.fullmatch(length_text):
                raise ProtocolError(f"bad Content-Length from {self.address}: {length_text!r}")
            remaining = int(length_text)
            while remaining:
                piece = self._take(min(remaining, RECV_SIZE))
                if not piece:
                    raise ProtocolError(f"{self.address} closed before the body's end")
                remaining -= len(piece)
                yield piece
            return
        while piece := self._take(RECV_SIZE):  # delimited by the peer closing
            yield piece

    def _chunked_pieces(self) -> Iterator[bytes]:
        # (`_chunk_rest` starts at 0 with each head: the poller may cut chunks before this
        # generator first runs, see `take_chunks`)
        while True:
            # dockerd sends a chunk per log line or frame: the chunks' payload in the buffer
            # goes on as one piece (one message, not 100,000 for a 100 MB log). What is not
            # plain takes the careful path below, which reports faults.
            piece = self._cut_chunks()
            if piece:
                yield piece
                continue  # what came meanwhile into the buffer first: no read needed
            if self._chunk_rest:  # inside a chunk, the buffer used up (or a fault)
                if self._chunk_rest == 2 and len(self._buffer) >= 2:
                    raise ProtocolError(f"chunk from {self.address} is longer than announced")
                data = self._recv()
                if not data:
                    raise ProtocolError(f"{self.address} closed inside a chunk")
                if not self._buffer and len(data) <= self._chunk_rest - 2:
                    self._chunk_rest -= len(data)  # straight through: no copy in and out
                    yield data
                else:
                    self._buffer += data
                continue
            if not self._buffer:  # between chunks: the next size line is most likely plain
                if not self._fill():
                    raise ProtocolError(f"{self.address} closed inside a chunked body")
                continue
            size_text = self._read_line().split(b";")[0].strip(b" \t")
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise ProtocolError(f"bad chunk size from {self.address}: {size_text[:20]!r}")
            size = int(size_text, 16)
            if size == 0:
                budget = MAX_HEAD_BYTES
                while trailer := self._read_line():  # trailers end at an empty line
                    budget -= len(trailer) + 2
                    if budget < 0:
                        raise ProtocolError(f"chunked trailers from {self.address} are too long")
                return
            self._chunk_rest = size + 2

    def _cut_chunks(self) -> bytes:
        """Cut the chunks' payload out of the buffer in one pass (views, joined once): the
        rest of the chunk in progress, the whole plain chunks after it, the start of the
        last. Stops at a size line not plain or not wholly here, at the last chunk, or at a
        chunk's end that is no CRLF (a fault, `_chunk_rest` then 2)."""
        buffer = self._buffer
        end = len(buffer)
        match = _CHUNK_LINE.match
        ends_at = buffer.startswith
        rest = self._chunk_rest
        pos = 0
        with memoryview(buffer) as view:
            pieces = []
            while True:
                if rest:
                    stop = min(pos + rest - 2, end)
                    if stop > pos:
                        pieces.append(view[pos:stop])
                        rest -= stop - pos
                        pos = stop
                    if rest > 2 or end - pos < 2 or not ends_at(b"\r\n", pos):
                        break
                    pos += 2
                    rest = 0
                while (line := match(buffer, pos)) is not None:  # the fast path: whole chunks
                    start = line.end()
                    stop = start + int(line[1], 16)
                    if stop == start or not ends_at(b"\r\n", stop):
                        break
                    pieces.append(view[start:stop])
                    pos = stop + 2
                else:
                    break  # no plain size line wholly here
                if stop == start:
                    break  # the last chunk
                pos, rest = start, stop - start + 2  # a chunk not wholly here: its start
            whole = b"".join(pieces)
            self._chunks_cut += len(pieces)  # (a chunk cut in two counts twice: near enough)
            self._chunk_bytes_cut += len(whole)
            pieces.clear()  # (the views must be gone before the buffer is resized)
        del buffer[:pos]
        self._chunk_rest = rest
        return whole

    def read_body(self, head: ResponseHead, method: str = "GET") -> bytes:
        """The whole body."""
        return b"".join(self.body_pieces(head, method))

    def raw_pieces(self) -> Iterator[bytes]:
        """After a 101 upgrade: everything the peer sends until it closes."""
        while piece := self._take(RECV_SIZE):
            yield piece

    # -- reading without waiting, for the poller (see streams.StreamActor._push) --------

    def read_available(self, limit: int) -> bool:
        """Into the buffer, without waiting: what the socket has now, up to `limit` bytes.
        False at EOF or on an error, which the next read raises. (Stops at a short read:
        one more, only to learn there is nothing, would cost a syscall and an exception.)"""
        total = 0
        while total < limit:
            count = self._read_into_buffer(min(RECV_SIZE, limit - total), socket.MSG_DONTWAIT)
            if count is None:
                return True
            if not count:
                return False
            total += count
            if count < min(RECV_SIZE, limit - total + count):
                return True  # drained, most likely (if not, the socket is readable still)
        return True

    def take_chunks(self) -> tuple[bytes, bool]:
        """(For the poller, after `read_available`) The payload of the chunks in the buffer,
        whole or begun, cut out as the chunked decoding would (`_cut_chunks`); and whether
        what is left is at most the beginning of a plain chunk, which more reading completes
        (False: a size line not plain, the last chunk or a fault, which the careful decoding
        must read)."""
        piece = self._cut_chunks()
        buffer = self._buffer
        if self._chunk_rest:  # inside a chunk: all taken, unless its end is no CRLF
            return piece, self._chunk_rest > 2 or len(buffer) < 2
        return piece, _CHUNK_SIZE_START.fullmatch(buffer) is not None

    @property
    def buffered(self) -> int:
        """Bytes read but not yet decoded."""
        return len(self._buffer)

    def gather(self, longest: float, limit: int = GATHER_ENOUGH, timely: bool = True) -> bool:
        """Let more arrive before the body's next piece is taken, so that it is bigger: for
        at most `longest` seconds, up to `limit` bytes buffered. For a peer that writes a
        little at a time. `timely`: when the bytes come matters, not only that they all do
        (a live stream; see KERNEL_GATHERS). Whether the peer kept writing: False when
        the wait ended in its silence (it paused, the time ran out short of `limit`, or
        the body ended), so that the caller does not wait again."""
        sock = self.sock
        if (
            not timely
            and KERNEL_GATHERS
            and type(sock) is socket.socket
            and sock.gettimeout() is None
            and self._chunk_bytes_cut >= KERNEL_GATHER_AFTER
            and self._chunk_bytes_cut >= KERNEL_GATHER_MIN_WRITE * self._chunks_cut
        ):
            return self._read_at_least(min(limit - len(self._buffer), RECV_SIZE), longest)
        queued = self._queued()
        if isinstance(sock, ssl.SSLSocket) and (queued or sock.pending()):
            return True  # (records there: reading them is what gathers)
        if queued is None:  # (cannot tell how much is there: one step)
            time.sleep(GATHER_STEP)
            return True
        deadline = time.monotonic() + longest
        grew = GATHER_ENOUGH // 2  # (the first step's guess)
        while queued + grew <= GATHER_ENOUGH and time.monotonic() < deadline:
            time.sleep(GATHER_STEP)
            before, queued = queued, self._queued() or 0
            grew = queued - before
            if grew <= 0:  # the peer paused, or waits for us
                return False
        return True

    def _read_at_least(self, wanted: int, longest: float) -> bool:
        """Into the buffer: what is there, then, unless that is the end of a chunked body
        (the kernel's wait cannot know it and would take all of `longest`), one read done
        once `wanted` bytes came in all, or after `longest` seconds with what came (an error
        or EOF: the next read meets it). Whether all that was wanted came."""
        if wanted <= 0:
            return True
        there = self._read_into_buffer(wanted, socket.MSG_DONTWAIT)
        if there == 0:
            return False  # (EOF, or an error the next read raises)
        wanted -= there or 0
        if wanted <= 0:
            return True
        if self._buffer[-7:] in _BODY_ENDS:
            return False
        sock = self.sock
        micros = max(1, int(longest * 1_000_000))
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, wanted)
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", *divmod(micros, 1_000_000))
            )
        except OSError as exc:  # (closed meanwhile by another thread)
            self._deferred = ConnectionFailed(f"reading from {self.address} failed: {exc}")
            return False
        try:
            came = self._read_into_buffer(wanted)  # (None: nothing within `longest`)
        finally:
            with contextlib.suppress(OSError):  # (closed meanwhile by another thread)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _NO_TIMEOUT)
        return came is not None and came >= wanted

    def _read_into_buffer(self, size: int, flags: int = 0) -> int | None:
        """One read of at most `size` bytes into the buffer: how many came (0 at EOF, or on
        an error, which the next read raises); None if a read that may not wait found none."""
        scratch = _take_scratch()
        try:
            count = self.sock.recv_into(scratch, size, flags)
            self._buffer += memoryview(scratch)[:count]
            return count
        except BlockingIOError:
            return None
        except OSError as exc:
            self._deferred = ConnectionFailed(f"reading from {self.address} failed: {exc}")
            return 0
        finally:
            _give_back(scratch)

    def _queued(self) -> int | None:
        """Bytes waiting in the socket (None where that cannot be asked)."""
        try:
            answer = fcntl.ioctl(self.sock.fileno(), termios.FIONREAD, _INT)
        except (OSError, ValueError):  # (closed meanwhile)
            return None
        queued: int = struct.unpack("i", answer)[0]
        return queued

    def wait_readable(self, timeout: float) -> bool:
        """Whether data is ready (buffered, pending in TLS, or on the socket) within `timeout`."""
        if self._buffer or self.closed:
            return True
        if isinstance(self.sock, ssl.SSLSocket):
            with self._tls_lock or contextlib.nullcontext():
                if self.closed or self.sock.pending():
                    return True
        return _ready(self.sock, select.POLLIN, timeout)

    def is_stale(self) -> bool:
        """An idle keep-alive socket that is readable has been closed (or spoken on) by the peer."""
        if self.closed:
            return True
        return bool(self._buffer) or _ready(self.sock, select.POLLIN, 0)
