"""PersistentChannel: a keep-alive connection that quick calls are made on, one exchange
at a time on a Channel, reopened when found stale; an idempotent request on a reused
socket found dead is sent once more on a fresh one, and another thread may abort or
interrupt the exchange in progress."""

from __future__ import annotations

import threading
import time

from ..errors import ConnectionFailed, NkDockerError, TimedOut
from ..transport import Address
from .channel import Channel
from .messages import ProtocolError, Request, ResponseHead


class PersistentChannel:
    """A keep-alive connection, reopened when stale; one exchange at a time."""

    def __init__(self, address: Address, connect_timeout: float) -> None:
        self.address = address
        self.connect_timeout = connect_timeout
        self.channel: Channel | None = None
        self.opened = 0
        self.aborted = False
        self.interrupted: str | None = None  # why interrupt() failed the exchange in progress
        self._began = 0.0  # when the last exchange began (time.monotonic())
        self._interrupt_lock = threading.Lock()  # an exchange begins, or is interrupted

    def close(self) -> None:
        """Close the socket, if any."""
        channel, self.channel = self.channel, None
        if channel is not None:
            channel.close()

    def abort(self) -> None:
        """From another thread: close for good, failing an exchange in progress (no retry)."""
        self.aborted = True
        self.close()

    def interrupt(self, reason: str, begun_before: float) -> None:
        """From another thread: fail the exchange in progress with ConnectionFailed(reason),
        without the retry a dead keep-alive socket gets (the daemon is known unreachable),
        unless it began at or after `begun_before` (the daemon may be back since)."""
        with self._interrupt_lock:
            if self._began >= begun_before:
                return
            self.interrupted = reason
            self.close()

    def _fresh(self) -> Channel:
        self.close()
        if self.aborted:
            raise ConnectionFailed(f"the connection to {self.address} was closed")
        channel = Channel.open(self.address, self.connect_timeout)
        self.channel = channel
        if self.aborted:  # abort() ran while we were connecting: it could not see this one
            self.close()
            raise ConnectionFailed(f"the connection to {self.address} was closed")
        self.opened += 1
        return channel

    def exchange(self, request: Request, timeout: float | None) -> tuple[ResponseHead, bytes]:
        """Send `request` and read the whole response.

        An idempotent request on a reused socket found dead is retried once on a fresh one.
        """
        with self._interrupt_lock:
            self._began = time.monotonic()
            self.interrupted = None
        channel = self.channel
        reused = channel is not None and not channel.is_stale()
        if not reused:
            channel = self._fresh()
        assert channel is not None
        try:
            return self._once(channel, request, timeout)
        except ProtocolError:
            self.close()
            raise
        except ConnectionFailed as first:
            self.close()
            self._raise_if_aborted(first)
            if not (reused and request.idempotent and not isinstance(first, TimedOut)):
                raise
        except BaseException as error:
            self.close()  # whatever broke, the socket's state is unknown
            self._raise_if_aborted(error)
            raise
        try:
            return self._once(self._fresh(), request, timeout)
        except BaseException as error:
            self.close()
            self._raise_if_aborted(error)
            raise

    def _raise_if_aborted(self, error: BaseException) -> None:
        """After abort(), whatever the closed socket raised reads as ConnectionFailed; after
        interrupt(), as its reason."""
        if self.interrupted is not None and isinstance(error, Exception):
            raise ConnectionFailed(self.interrupted) from error
        if self.aborted and isinstance(error, Exception) and not isinstance(error, NkDockerError):
            raise ConnectionFailed(f"the connection to {self.address} was closed") from error

    def _once(
        self, channel: Channel, request: Request, timeout: float | None
    ) -> tuple[ResponseHead, bytes]:
        # A quick command's whole answer must come within `timeout`, not each read.
        channel.set_timeout(timeout)
        channel.set_deadline(timeout)
        channel.send_request(request)
        head = channel.read_head(request)
        body = channel.read_body(head, request.method)
        if not head.keep_alive or head.status == 101:
            self.close()
        return head, body
