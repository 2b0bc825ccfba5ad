"""How the command line hears ctrl-C, SIGTERM and SIGHUP while its main thread waits.

CPython runs a Python signal handler in the main thread only, and only when that
thread executes bytecode or a blocking call there fails with EINTR. A signal that the
kernel hands to another thread (a stream's reader, an actor), or that lands in the few
microseconds between the main thread's last check and its lock wait, leaves the main
thread waiting: `nkdocker events` then ignored ctrl-C until the next event, perhaps
forever (about one ctrl-C in ten, sent just as an event had been printed).

So while a command runs, the C handler also writes each signal's number to a pipe
(`signal.set_wakeup_fd`), and a watcher thread that reads it interrupts the main
thread's wait with NUDGE, whose Python handler does nothing but say it ran; the
interrupted wait then runs every pending handler (KeyboardInterrupt raises). A nudge
can itself land in that window, so the watcher nudges again until the main thread
answers.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Iterator

from .common import Terminated

# Ignored by default, so a handler that does nothing changes nothing for anyone who
# sends it; our nudges interrupt the main thread's wait with it.
NUDGE = signal.SIGURG
# Bytes on the pipe besides signal numbers (which are below 65).
_ANSWERED = 0xFE  # the main thread ran NUDGE's handler: it is past its wait
_STOP = 0xFF  # the command is over: the watcher ends
# How long a nudge may go unanswered before the next: one lost in the window is rare.
RENUDGE_AFTER = 0.05


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def signals_reach_main() -> Iterator[None]:
    """For a command's run in the main thread: SIGTERM and SIGHUP raise Terminated,
    SIGINT KeyboardInterrupt, however busy the process's other threads and whenever
    the signal comes. Elsewhere (a command run from a thread) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    def answer(signum: int, frame: object) -> None:
        with contextlib.suppress(OSError):  # the pipe full: the watcher has bytes to read
            os.write(write_end, bytes((_ANSWERED,)))

    def watch() -> None:
        unanswered = False  # a signal came that the main thread has not yet run code since
        while True:
            ready, _, _ = select.select([read_end], [], [], RENUDGE_AFTER if unanswered else None)
            if not ready:
                signal.pthread_kill(main_thread, NUDGE)
                continue
            for byte in os.read(read_end, 512):
                if byte == _STOP:
                    return
                if byte == _ANSWERED:
                    unanswered = False
                elif byte != NUDGE:
                    unanswered = True
                    signal.pthread_kill(main_thread, NUDGE)

    handlers = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, _terminate),
        signal.SIGHUP: signal.signal(signal.SIGHUP, _terminate),
        NUDGE: signal.signal(NUDGE, answer),
    }
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="nkdocker-signals", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        os.write(write_end, bytes((_STOP,)))
        watcher.join()
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        os.close(read_end)
        os.close(write_end)
