"""How the command line hears ctrl-C, SIGTERM and SIGHUP while its main thread waits.

CPython runs a Python signal handler in the main thread only, and only when that
thread executes bytecode or a blocking call there fails with EINTR. A signal that the
kernel hands to another thread (a stream's reader, an actor), or that lands in the few
microseconds between the main thread's last check and its lock wait, leaves the main
thread waiting: `nkdocker events` then ignored ctrl-C until the next event, perhaps
forever (about one ctrl-C in ten, sent just after an event was printed).

So while a command runs, the C handler also writes each signal's number to a pipe
(`signal.set_wakeup_fd`), and a watcher thread that reads it interrupts the main
thread's wait with NUDGE, whose Python handler only says that it ran; the interrupted
wait then runs every pending handler. A nudge can itself land in that window, so the
watcher nudges again until the main thread answers. (Linux: CPython's lock waits there
end on a signal; on systems where they wait on a condition variable, they need not.)

The handlers raise (KeyboardInterrupt; Terminated for SIGTERM and SIGHUP) only while
the command runs: one that comes while we set up or tear down is held, and raised
once all is restored, so no signal leaves a thread, a descriptor or a handler behind.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Iterator

from .common import Terminated

ENDING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Ignored by default, so a handler that does nothing changes nothing for anyone who
# sends it; our nudges interrupt the main thread's wait with it.
NUDGE = signal.SIGURG
# Bytes on the pipe besides signal numbers (which are below 65).
_ANSWERED = 0xFE  # the main thread ran NUDGE's handler, so every handler pending before it
_STOP = 0xFF  # the command is over: the watcher ends
# How long a nudge may go unanswered before the next: one lost in the window is rare.
RENUDGE_MS = 50


def _raised(signum: int) -> BaseException:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


@contextlib.contextmanager
def signals_reach_main() -> Iterator[None]:
    """For a command's run in the main thread: SIGINT raises KeyboardInterrupt, SIGTERM
    and SIGHUP raise Terminated, however busy the process's other threads and whenever
    the signal comes. Elsewhere (a command run from a thread) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    main_ident = threading.main_thread().ident
    assert main_ident is not None
    running = False
    held: list[int] = []  # signals that came while not running

    def end(signum: int, frame: object) -> None:
        if running:
            raise _raised(signum)
        held.append(signum)

    def answer(signum: int, frame: object) -> None:
        with contextlib.suppress(OSError):  # the pipe full: the watcher has bytes to read
            os.write(write_end, bytes((_ANSWERED,)))

    def watch() -> None:
        pipe = select.poll()
        pipe.register(read_end, select.POLLIN)
        unanswered = False  # an ending signal came, and the main thread has not answered since
        while True:
            if not pipe.poll(RENUDGE_MS if unanswered else None):
                signal.pthread_kill(main_ident, NUDGE)
                continue
            # In one read, a signal's byte may come before or after an answer: the main
            # thread runs the signal's handler before it waits again either way.
            for byte in os.read(read_end, 512):
                if byte == _STOP:
                    return
                if byte == _ANSWERED:
                    unanswered = False
                elif byte in ENDING:
                    unanswered = True
                    signal.pthread_kill(main_ident, NUDGE)

    watcher = threading.Thread(target=watch, name="nkdocker-signals", daemon=True)

    def stop_watching() -> None:
        os.write(write_end, bytes((_STOP,)))
        watcher.join()

    # Undone in reverse: the watcher stops, then the wakeup fd and NUDGE's handler go
    # (a pending NUDGE runs as it goes, while write_end is still ours), then the pipe,
    # and the ending handlers last, so that a signal meanwhile is held.
    with contextlib.ExitStack() as undo:
        for signum in ENDING:
            undo.callback(signal.signal, signum, signal.signal(signum, end))
        read_end, write_end = os.pipe()
        undo.callback(os.close, read_end)
        undo.callback(os.close, write_end)
        os.set_blocking(write_end, False)
        undo.callback(signal.signal, NUDGE, signal.signal(NUDGE, answer))
        undo.callback(
            signal.set_wakeup_fd, signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        )
        watcher.start()
        undo.callback(stop_watching)
        try:
            running = True
            if held:
                raise _raised(held.pop())
            yield
        finally:
            running = False
    if held:
        raise _raised(held.pop())
