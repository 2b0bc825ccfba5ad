"""Time values for `since` / `until`, read as the docker CLI reads them.

The daemon itself only parses unix seconds ("1700000000.5"); the docker CLI turns
everything else into that before sending, and so does `time_value`, for the API
and the CLI alike:

- unix seconds: an int, a float, or a string ("1700000000", "1700000000.123456789");
- a duration back from now, in Go's syntax: "10m", "2h30m", "1.5h", "500ms";
- an RFC 3339 time, with or without fraction or zone: "2026-01-02T15:04:05Z",
  "2026-01-02T15:04:05.123456789+02:00", "2026-01-02T15:04", "2026-01-02"
  (no zone: local time, as the CLI reads it);
- a `datetime` (naive: local time).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time

from .errors import InvalidOption
from .options import parse_duration_ns

__all__ = ["time_value"]

TimeValue = int | float | str | dt.datetime

_UNIX = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
_DURATION = re.compile(r"[+-]?(?:[0-9]*\.?[0-9]+(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?"
    r"([Zz]|[+-]\d{2}:\d{2})?"
)
_EXPECTED = (
    'unix seconds, a duration back from now ("10m", "2h30m"), '
    'an RFC 3339 time ("2026-01-02T15:04:05Z") or a datetime'
)


def _bad(name: str, value: object) -> InvalidOption:
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return InvalidOption(f"option {name!r}: bad time {shown} (expected {_EXPECTED})")


def _seconds(whole: int, nanos: int) -> str:
    return f"{whole}.{nanos:09d}"


def _whole_seconds(moment: dt.datetime) -> int:
    """Unix seconds of `moment` (a naive one is local time, as the CLI reads it)."""
    return int(moment.replace(microsecond=0).timestamp())


def _from_rfc3339(name: str, text: str) -> str:
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise _bad(name, text)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz: dt.tzinfo | None = None
    if zone in ("Z", "z"):
        tz = dt.timezone.utc
    elif zone:
        offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        tz = dt.timezone(-offset if zone[0] == "-" else offset)
    try:
        moment = dt.datetime(
            int(year), int(month), int(day),
            int(hour or 0), int(minute or 0), int(second or 0), tzinfo=tz,
        )  # fmt: skip
    except ValueError:
        raise _bad(name, text) from None
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    return _seconds(_whole_seconds(moment), nanos)


def time_value(name: str, value: object, now_ns: int | None = None) -> str:
    """`value` as the unix seconds the daemon reads ("seconds.nanoseconds"), or
    InvalidOption naming `name`. Durations count back from `now_ns` (default: now)."""
    if isinstance(value, dt.datetime):
        return _seconds(_whole_seconds(value), value.microsecond * 1000)
    if isinstance(value, bool):
        raise _bad(name, value)
    if isinstance(value, int):
        if value < 0:
            raise _bad(name, value)
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            raise _bad(name, value)
        return f"{value:.9f}"
    if not isinstance(value, str):
        raise _bad(name, value)
    unix = _UNIX.fullmatch(value)
    if unix is not None:
        whole, fraction = unix.groups()
        return _seconds(int(whole), int((fraction or "0")[:9].ljust(9, "0")))
    if _DURATION.fullmatch(value):
        sign = -1 if value.startswith("-") else 1
        try:
            back = sign * parse_duration_ns(name, value.lstrip("+-"))
        except InvalidOption:
            raise _bad(name, value) from None
        moment = (time.time_ns() if now_ns is None else now_ns) - back
        if moment < 0:
            raise _bad(name, value)
        return _seconds(moment // 10**9, moment % 10**9)
    return _from_rfc3339(name, value)
