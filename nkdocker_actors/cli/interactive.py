"""Our terminal wired to a container's attach or exec stream: raw mode, the TTY's size,
our stdin (less the detach keys), its output, our signals forwarded."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pykka

from ..connection import Docker
from ..errors import NkDockerError
from ..messages import Inbox, Output, Ref
from .common import is_tty, items_of
from .detach import EscapeWatch


def _terminal_size() -> tuple[int, int] | None:
    for stream in (sys.stdout, sys.stdin, sys.stderr):
        try:
            size = os.get_terminal_size(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
        if size.columns and size.lines:
            return size.columns, size.lines
    return None


@contextlib.contextmanager
def _raw_terminal(enabled: bool) -> Iterator[None]:
    """Put our stdin terminal in raw mode (keys go to the container as typed)."""
    if not enabled or not is_tty(sys.stdin):
        yield
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd, termios.TCSANOW)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _follow_resizes(resize: Callable[[int, int], Any] | None) -> Iterator[None]:
    """Size the remote TTY like ours now and on every SIGWINCH."""
    if resize is None or _terminal_size() is None:
        yield
        return

    def apply(*_: object) -> None:
        size = _terminal_size()
        if size is not None:
            with contextlib.suppress(NkDockerError):
                resize(*size)  # fire and forget: a lost resize is redone on the next one

    previous = signal.signal(signal.SIGWINCH, apply)
    try:
        apply()
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)


@contextlib.contextmanager
def proxy_signals(docker: Docker, container: str, enabled: bool) -> Iterator[None]:
    """docker's --sig-proxy: SIGINT, SIGTERM and SIGHUP go to the container, which
    then ends on its own terms (its exit code is ours)."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def forward(signum: int, frame: object) -> None:
        with contextlib.suppress(NkDockerError):
            docker.kill(container, signal=signal.Signals(signum).name)

    caught = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, forward) for s in caught}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _feed_stdin(
    docker: Docker, ref: Ref, half_close: bool, escape: EscapeWatch | None
) -> threading.Thread:
    """Copy our stdin to the stream; at its end, half-close (the process reads EOF); at
    the detach keys (`escape`), end the stream.

    Not with a TTY: the daemon would end the whole stream, output included; the
    terminal's end-of-file character (^D) goes instead.
    """

    def run() -> None:
        try:
            fd = sys.stdin.fileno()
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                if escape is not None:
                    chunk = escape.feed(chunk)
                if chunk:
                    docker.attach_send(ref, chunk).get(60)
                if escape is not None and escape.detached:
                    docker.finish_async(ref).get(60)
                    return
            if half_close:
                docker.close_stdin(ref).get(60)
            else:
                docker.attach_send(ref, b"\x04").get(60)
        except (NkDockerError, pykka.Timeout, OSError, ValueError):
            pass  # the stream ended first: its output and exit code tell the rest

    thread = threading.Thread(target=run, name="nkdocker-stdin", daemon=True)
    thread.start()
    return thread


def pump_output(inbox: Inbox, ref: Ref) -> None:
    """Write the stream's output to ours until it ends; its failure raises."""
    stdout, stderr = sys.stdout.buffer, sys.stderr.buffer
    for payload in items_of(inbox, ref):
        if isinstance(payload, Output):
            target = stderr if payload.stream == "stderr" else stdout
            target.write(payload.data)
            target.flush()


def interact(
    docker: Docker,
    ref: Ref,
    inbox: Inbox,
    *,
    stdin: bool,
    tty: bool,
    resize: Callable[[int, int], Any] | None,
    detach_keys: str | None = None,
) -> bool:
    """Our terminal wired to a container's stream until it ends: whether we detached
    from it (the detach keys, watched with a TTY only, as docker's)."""
    sys.stdout.flush()
    escape = EscapeWatch(detach_keys) if tty and stdin else None
    with _raw_terminal(tty and stdin), _follow_resizes(resize if tty else None):
        if stdin:
            _feed_stdin(docker, ref, half_close=not tty, escape=escape)
        pump_output(inbox, ref)
    return escape is not None and escape.detached
