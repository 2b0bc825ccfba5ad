"""The global -D/--debug and -l/--log-level flags: what the library reports (reports.py)
shown on stderr, as the docker CLI shows its own log lines (logrus' text format).

Without either flag nothing is shown: the library configures no output, and the
commands report their own failures.
"""

from __future__ import annotations

import logging
import sys
import time

from .common import is_tty

# docker's (logrus') level names, as Python's levels
LEVELS = {
    "panic": logging.CRITICAL,
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
}
_NAMES = {
    logging.CRITICAL: "fatal",
    logging.ERROR: "error",
    logging.WARNING: "warning",
    logging.INFO: "info",
    logging.DEBUG: "debug",
}


def level_of(debug: bool, name: str | None) -> int | None:
    """The level the flags ask for: -D wins, as docker's; None when neither is given.
    ValueError names a level docker refuses, in its words."""
    if debug:
        return logging.DEBUG
    if name is None:
        return None
    level = LEVELS.get(name.lower())
    if level is None:
        raise ValueError(f"Unable to parse logging level: {name}")
    return level


class LogrusFormatter(logging.Formatter):
    """logrus' text format: `DEBU[0003] text` on a terminal (seconds since the start),
    `time="..." level=debug msg="text"` otherwise."""

    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal
        self.started = time.time()

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        name = _NAMES.get(record.levelno, "info")
        if self.terminal:
            return f"{name[:4].upper()}[{int(record.created - self.started):04d}] {text}"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created))
        offset = time.strftime("%z", time.localtime(record.created))
        zone = "Z" if offset in ("+0000", "-0000") else f"{offset[:3]}:{offset[3:]}"
        quoted = text.replace("\\", "\\\\").replace('"', '\\"')
        return f'time="{stamp}{zone}" level={name} msg="{quoted}"'


def show_library_logs(level: int) -> None:
    """What the library reports at `level` and above, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogrusFormatter(is_tty(sys.stderr)))
    logger = logging.getLogger("nkdocker_actors")
    logger.addHandler(handler)
    logger.setLevel(level)
