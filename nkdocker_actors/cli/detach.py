"""--detach-keys: the keys that leave an interactive session, the container running.

As docker's: with a TTY, our keys are watched on their way to the container; the
sequence (ctrl-p,ctrl-q unless told) is held back while it may be starting, and once
typed in full it is never sent: the session ends. The daemon is told the same keys.
"""

from __future__ import annotations

from .common import CliError, arg

DEFAULT_KEYS = "ctrl-p,ctrl-q"
_CONTROL = {f"ctrl-{c}": code for code, c in enumerate("@abcdefghijklmnopqrstuvwxyz[\\]^_")}


def key_bytes(keys: str) -> bytes:
    """A key sequence as docker writes it ("ctrl-p,ctrl-q", "ctrl-x,a", "DEL") in bytes."""
    out = bytearray()
    for key in keys.split(","):
        if len(key.encode()) == 1:
            out += key.encode()
        elif key in _CONTROL:
            out.append(_CONTROL[key])
        elif key == "DEL":
            out.append(127)
        else:
            raise ValueError(f"Unknown character: '{key}'")
    return bytes(out)


class Detached(CliError):
    """The session was left with the detach keys: an error for attach and exec, not for
    run and start (docker's)."""

    def __init__(self) -> None:
        super().__init__("read escape sequence", 1)


class EscapeWatch:
    """Our keys to the container, less a detach sequence: `feed` returns what to send."""

    def __init__(self, keys: str | None) -> None:
        try:
            self.keys = key_bytes(keys or DEFAULT_KEYS)
        except ValueError:  # (docker falls back to its default too; the daemon refuses them)
            self.keys = key_bytes(DEFAULT_KEYS)
        self.matched = 0
        self.detached = False

    def feed(self, chunk: bytes) -> bytes:
        """What of `chunk` goes on; once the whole sequence is typed, `detached` is set
        and what follows it is dropped."""
        out = bytearray()
        for byte in chunk:
            if byte == self.keys[self.matched]:
                self.matched += 1
                if self.matched == len(self.keys):
                    self.detached = True
                    return bytes(out)
                continue
            out += self.keys[: self.matched]  # (a false start: the held keys go after all)
            self.matched = 1 if byte == self.keys[0] else 0
            if not self.matched:
                out.append(byte)
        return bytes(out)


DETACH_KEYS = arg(
    "--detach-keys", metavar="KEYS", help=f"keys that detach (default {DEFAULT_KEYS})"
)
