"""ssh:// daemons: each socket is one `ssh HOST docker system dial-stdio` process.

As the docker CLI does: the system `ssh` (so the user's ~/.ssh/config, keys and
agent apply) runs `docker system dial-stdio` on the remote side, which joins its
stdin and stdout to the remote daemon's socket. Here the process's stdin and
stdout are one end of a socketpair and the caller gets the other end, a real
socket: timeouts, poll and half-close (shutdown SHUT_WR reaches the remote
daemon as EOF) work as on any socket, and `http11` needs nothing special.

`ssh` never prompts: BatchMode=yes, no controlling terminal (a new session) and no
askpass. When it fails (host key mismatch, refused key, unreachable host) the
socket reads EOF; the next read or write then raises with ssh's own words. Closing
the socket ends and reaps the process.
"""

from __future__ import annotations

import math
import os
import select
import socket
import subprocess
import tempfile
import threading
import time
from typing import IO, Any

from .errors import ConnectionFailed

__all__ = ["SSH_BINARY", "SshSocket", "open_ssh"]

SSH_BINARY = "ssh"  # found on PATH, as the docker CLI finds it
REMOTE_COMMAND = ("docker", "system", "dial-stdio")
# ssh connects lazily, and the remote docker CLI has to start: until the daemon's first
# byte, a read may wait this long after the socket was opened, whatever its timeout.
ESTABLISH_SECONDS = 10.0
EXIT_WAIT = 2.0  # after EOF, how long ssh may take to exit before EOF counts as plain EOF
REAP_WAIT = 2.0  # after SIGTERM, before SIGKILL
MESSAGE_BYTES = 1000  # the tail of ssh's stderr quoted in an error


class SshSocket(socket.socket):
    """Our end of a socketpair whose other end is an ssh process's stdin and stdout."""

    def __init__(
        self,
        fileno: int,
        process: subprocess.Popen[bytes],
        stderr: IO[bytes],
        destination: str,
        establish_by: float,
    ) -> None:
        super().__init__(socket.AF_UNIX, socket.SOCK_STREAM, 0, fileno)
        self._process = process
        self._stderr = stderr
        self._destination = destination
        self._establish_by: float | None = establish_by  # None once the daemon has spoken
        self._reap_lock = threading.Lock()
        self._reaped = False

    def _await_first_byte(self) -> None:
        """Before the daemon's first byte, wait for it until the later of the socket's
        timeout and the establishment deadline (ssh and the remote CLI start up meanwhile)."""
        assert self._establish_by is not None
        timeout = self.gettimeout()
        if timeout:  # (None: recv blocks anyway; 0: a non-blocking read never waits)
            wait = max(timeout, self._establish_by - time.monotonic())
            poller = select.poll()
            poller.register(self.fileno(), select.POLLIN)
            if not poller.poll(max(0.0, wait) * 1000):
                raise TimeoutError("timed out")
        self._establish_by = None

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The ssh process carrying this socket."""
        return self._process

    def _ssh_failure(self) -> ConnectionError | None:
        """ssh's own account of why it ended, when it ended with a failure."""
        if self._reaped:
            return None  # we ended it
        try:
            status = self._process.wait(EXIT_WAIT)
        except subprocess.TimeoutExpired:
            return None
        if status == 0 or self._reaped:
            return None
        try:
            self._stderr.seek(0)
            said = self._stderr.read()[-MESSAGE_BYTES:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):  # closed meanwhile by close()
            said = ""
        return ConnectionError(
            f"ssh to {self._destination} exited with status {status}"
            + (f": {said}" if said else "")
        )

    def _failed(self, error: ConnectionError) -> ConnectionError:
        """A reset or broken pipe: ssh's account of it when ssh failed."""
        return self._ssh_failure() or error

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self._establish_by is not None:
            self._await_first_byte()
        try:
            data = super().recv(bufsize, flags)
        except ConnectionError as exc:  # (a reset: ssh died with our request unread)
            raise self._failed(exc) from None
        if not data and bufsize:
            failure = self._ssh_failure()
            if failure is not None:
                raise failure
        return data

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        if self._establish_by is not None:
            self._await_first_byte()
        try:
            count = super().recv_into(buffer, nbytes, flags)
        except ConnectionError as exc:
            raise self._failed(exc) from None
        if not count and (nbytes or len(buffer)):
            failure = self._ssh_failure()
            if failure is not None:
                raise failure
        return count

    def send(self, data: Any, flags: int = 0) -> int:
        try:
            return super().send(data, flags)
        except ConnectionError as exc:
            raise self._failed(exc) from None

    def sendall(self, data: Any, flags: int = 0) -> None:
        try:
            super().sendall(data, flags)
        except ConnectionError as exc:
            raise self._failed(exc) from None

    def close(self) -> None:
        """Close the socket, then end and reap the ssh process (once, from any thread)."""
        with self._reap_lock:
            first, self._reaped = not self._reaped, True
        super().close()
        if not first:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(REAP_WAIT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._stderr.close()


def ssh_argv(host: str, port: int, user: str, connect_timeout: float) -> list[str]:
    """The ssh command line for one connection (as the docker CLI's, plus BatchMode)."""
    argv = [
        SSH_BINARY,
        "-o",
        "BatchMode=yes",
        "-o",
        f"ConnectTimeout={max(1, math.ceil(connect_timeout))}",
        "-T",
    ]
    if user:
        argv += ["-l", user]
    if port:
        argv += ["-p", str(port)]
    return [*argv, "--", host, *REMOTE_COMMAND]


def open_ssh(host: str, port: int, user: str, connect_timeout: float) -> SshSocket:
    """Start ssh to `host` running dial-stdio; the socket speaks to the remote daemon."""
    destination = f"ssh://{user + '@' if user else ''}{host}" + (f":{port}" if port else "")
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    # A file, not a pipe: ssh never blocks on it. The socket owns (and closes) it.
    stderr = tempfile.TemporaryFile()  # noqa: SIM115
    env = {**os.environ, "SSH_ASKPASS_REQUIRE": "never"}
    try:
        process = subprocess.Popen(
            ssh_argv(host, port, user, connect_timeout),
            stdin=theirs.fileno(),
            stdout=theirs.fileno(),
            stderr=stderr,
            env=env,
            start_new_session=True,  # no controlling terminal: ssh cannot prompt
        )
    except OSError as exc:
        ours.close()
        stderr.close()
        raise ConnectionFailed(f"cannot run {SSH_BINARY} for {destination}: {exc}") from exc
    finally:
        theirs.close()
    establish_by = time.monotonic() + max(connect_timeout, ESTABLISH_SECONDS)
    sock = SshSocket(ours.detach(), process, stderr, destination, establish_by)
    sock.settimeout(connect_timeout)
    return sock
