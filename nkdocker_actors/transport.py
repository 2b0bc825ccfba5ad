"""Sockets to a daemon: unix, tcp, tls and ssh, opened the same way for every caller.

Nothing here knows HTTP; `http11` speaks the protocol over what `open_socket`
returns. Every failure to reach the daemon becomes `ConnectionFailed`.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

from .errors import ConnectionFailed, TimedOut
from .sshtransport import open_ssh

__all__ = ["Address", "open_socket"]


@dataclass(frozen=True)
class Address:
    """Where a daemon listens and how to secure the link.

    `scheme` is "unix" (then `path` is the socket file), "tcp" / "tls" (then
    `host` and `port`) or "ssh" (`host`, and `port` and `user` unless ssh's own
    choice: 0 and ""). `ssl_context` is set exactly when scheme is "tls".
    """

    scheme: str
    path: str = ""
    host: str = ""
    port: int = 0
    ssl_context: ssl.SSLContext | None = None
    user: str = ""

    def __str__(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.path}"
        if self.scheme == "ssh":
            user = f"{self.user}@" if self.user else ""
            return f"ssh://{user}{self.host}" + (f":{self.port}" if self.port else "")
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def host_header(self) -> str:
        """The Host header value: dockerd ignores it on unix sockets (and over ssh, which
        reaches one), TLS wants the name."""
        return "docker" if self.scheme in ("unix", "ssh") else f"{self.host}:{self.port}"


def tls_context(
    *, cafile: str | None, certfile: str | None, keyfile: str | None, verify: bool
) -> ssl.SSLContext:
    """A client TLS context: CA and hostname checked when verifying, client cert if given."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if certfile:
        context.load_cert_chain(certfile, keyfile)
    return context


def open_socket(address: Address, connect_timeout: float) -> socket.socket:
    """A connected (and, for tls, handshaken) socket, or ConnectionFailed."""
    if address.scheme == "ssh":
        return open_ssh(address.host, address.port, address.user, connect_timeout)
    try:
        if address.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(connect_timeout)
                sock.connect(address.path)
            except BaseException:
                sock.close()
                raise
            return sock
        sock = socket.create_connection((address.host, address.port), timeout=connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if address.ssl_context is None:
            return sock
        try:
            return address.ssl_context.wrap_socket(sock, server_hostname=address.host)
        except BaseException:
            sock.close()
            raise
    except ssl.SSLError as exc:
        raise ConnectionFailed(f"TLS handshake with {address} failed: {exc}") from exc
    except TimeoutError as exc:
        raise TimedOut(f"connecting to {address} timed out") from exc
    except OSError as exc:
        raise ConnectionFailed(f"cannot connect to {address}: {exc}") from exc
