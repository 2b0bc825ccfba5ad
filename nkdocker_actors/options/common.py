"""What every option builder shares: errors, the build being filled, value checkers, units."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NoReturn, TypeAlias, TypeGuard

from ..errors import InvalidOption

ApiVersion: TypeAlias = tuple[int, int]
"""An Engine API version as (major, minor), e.g. (1, 41) or (1, 18)."""


_INT64_MIN = -(2**63)


_INT64_MAX = 2**63 - 1


# Container names and ids as the daemon accepts them (at least two characters).
_CONTAINER_RE = re.compile(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]+")
_CPUSET_RE = re.compile(r"[0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*")
_MAC_RE = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}")
# RFC 1123 hostname, as the daemon validates it from API 1.24 on.
_HOSTNAME_RE = re.compile(
    r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])\.)*"
    r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])"
)


_BYTES_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:([kmgtp])(?:i?b)?|b)?\s*", re.IGNORECASE)


# Go durations: "us" may also be written with the micro sign or the Greek mu.
_DURATION_PART_RE = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


_NO_SPACE_RE = re.compile(r"\S+")


_BYTE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


_NS_PER_UNIT = {
    "ns": 1,
    "us": 10**3,
    "\u00b5s": 10**3,
    "\u03bcs": 10**3,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}


def _show(value: object) -> str:
    """A repr short enough for an error message."""
    try:
        text = repr(value)
    except Exception:  # e.g. an int past Python's 4300-digit str limit, or a broken __repr__
        text = object.__repr__(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _vsn(api: ApiVersion) -> str:
    return f"{api[0]}.{api[1]}"


def _bad(name: str, value: object, expected: str, kind: str = "create option") -> NoReturn:
    raise InvalidOption(f"{kind} {name!r}: bad value {_show(value)} (expected {expected})")


def _conflict(a: str, b: str, va: object, vb: object) -> NoReturn:
    raise InvalidOption(
        f"create options {a!r} and {b!r} disagree: {_show(va)} vs {_show(vb)} "
        "(they set the same field; give one)"
    )


@dataclass
class _Build:
    """The three parts of a create body, filled in by the option builders."""

    api: ApiVersion
    commit: bool  # building a commit config: HostConfig parts are refused
    config: dict[str, Any] = field(default_factory=dict)
    host: dict[str, Any] = field(default_factory=dict)
    endpoints: dict[str, Any] = field(default_factory=dict)

    def need(self, name: str, since: ApiVersion, value: object) -> None:
        """Refuse a value of an option that this API version does not know yet."""
        if self.api < since:
            raise InvalidOption(
                f"create option {name!r}: value {_show(value)} needs API {_vsn(since)} "
                f"or newer (the daemon speaks {_vsn(self.api)})"
            )

    def resource(self, config_key: str, host_key: str, value: object) -> None:
        """Place a resource limit where this API version reads it (see the module doc)."""
        if self.api < (1, 19):
            self.config[config_key] = value
        if self.api >= (1, 18):
            self.host[host_key] = value


_Builder: TypeAlias = Callable[[_Build, Mapping[str, Any]], None]


@dataclass(frozen=True)
class _Group:
    """Options built together (aliases, or options that check each other)."""

    names: tuple[str, ...]
    build: _Builder
    config: bool = False  # belongs to Config, so allowed in a commit config


def _is_int(value: object) -> TypeGuard[int]:
    # bool is a subclass of int, but True is not a count of anything.
    return isinstance(value, int) and not isinstance(value, bool)


def _int(name: str, value: object, lo: int = _INT64_MIN, hi: int = _INT64_MAX) -> int:
    if not _is_int(value) or not lo <= value <= hi:
        if hi == _INT64_MAX:
            _bad(name, value, f"an integer >= {lo}")
        _bad(name, value, f"an integer from {lo} to {hi}")
    return value


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        _bad(name, value, "True or False")
    return value


def _text(
    name: str,
    value: object,
    expected: str = "a non-empty string",
    pattern: re.Pattern[str] | None = None,
) -> str:
    """A non-empty string without NUL, matching `pattern` if given."""
    if (
        not isinstance(value, str)
        or not value
        or "\x00" in value
        or (pattern is not None and not pattern.fullmatch(value))
    ):
        _bad(name, value, expected)
    return value


def _any_text(name: str, value: object, expected: str = "a string") -> str:
    """Any string without NUL (empty allowed: an argv item, an env or label value)."""
    if not isinstance(value, str) or "\x00" in value:
        _bad(name, value, expected)
    return value


def _seq(name: str, value: object, expected: str, kind: str = "create option") -> list[Any]:
    # A str is a sequence too, but ["a", "b"] and "ab" must not be confused.
    if not isinstance(value, (list, tuple)):
        _bad(name, value, expected, kind)
    return list(value)


def _words(name: str, value: object, what: str = "strings") -> list[str]:
    """A list of non-empty strings without whitespace (capabilities, groups, ...)."""
    items = _seq(name, value, f"a list of {what}")
    return [_text(name, item, "a non-empty string without spaces", _NO_SPACE_RE) for item in items]


def _pairs(name: str, value: object, expected: str) -> list[tuple[Any, Any]]:
    """A mapping, or a list of 2-item tuples/lists, as a list of pairs."""
    if isinstance(value, Mapping):
        return list(value.items())
    pairs: list[tuple[Any, Any]] = []
    for item in _seq(name, value, expected):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            _bad(name, item, expected)
        pairs.append((item[0], item[1]))
    return pairs


def _ip(value: object) -> str | None:
    """The normalised text of an IP address (str or ipaddress object), else None."""
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _abs_path(value: object, *, colon: bool = False) -> str | None:
    """An absolute path (no NUL; no ':' unless allowed, since ':' separates binds)."""
    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or "\x00" in value
        or (not colon and ":" in value)
    ):
        return None
    return value


def _jsonable(name: str, value: object, depth: int = 0) -> Any:
    """A copy of `value` made of JSON types only (tuples become lists)."""
    if depth > 32:
        _bad(name, value, "JSON data nested at most 32 deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            _bad(name, value, "a 64-bit integer")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            _bad(name, value, "a finite number")
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(name, item, depth + 1) for item in value]
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                _bad(name, key, "string keys")
            out[key] = _jsonable(name, item, depth + 1)
        return out
    _bad(name, value, "JSON data (str, int, float, bool, None, list, dict)")


def _str_map(
    name: str, value: object, what: str, key_re: re.Pattern[str] | None = None
) -> dict[str, str]:
    """A {str: str} from a mapping or a list of pairs."""
    expected = f"a dict or a list of (key, value) {what}"
    out: dict[str, str] = {}
    for key, item in _pairs(name, value, expected):
        _text(name, key, "a non-empty string key", key_re)
        out[key] = _any_text(name, item, "a string value")
    return out


def _bytes(name: str, value: object, kind: str) -> int:
    expected = 'a number of bytes >= 0, or a size like "512m", "1g", "100k"'
    if _is_int(value):
        if not 0 <= value <= _INT64_MAX:
            _bad(name, value, expected, kind)
        return value
    if not isinstance(value, str):
        _bad(name, value, expected, kind)
    match = _BYTES_RE.fullmatch(value)
    if match is None:
        _bad(name, value, expected, kind)
    # Truncated like the daemon's own parser (docker/go-units RAMInBytes).
    size = int(Fraction(match[1]) * _BYTE_UNITS[(match[2] or "").lower()])
    if size > _INT64_MAX:
        _bad(name, value, expected, kind)
    return size


def parse_bytes(name: str, value: int | str) -> int:
    """Bytes from an int or a size text: 1024, "100k", "512m", "1.5g", "2GiB" (units of 1024).

    `name` is the option being parsed, for the message of the `InvalidOption`
    raised on a negative, non-integer or unreadable value.
    """
    return _bytes(name, value, "option")


def _duration_ns(name: str, value: object, kind: str) -> int:
    expected = 'seconds >= 0 (a number) or a duration like "10s", "1m30s", "500ms"'
    if _is_int(value):
        if value < 0:
            _bad(name, value, expected, kind)
        ns = value * 10**9
    elif isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            _bad(name, value, expected, kind)
        # Rounded, not truncated: 0.3 s is 299999999.99999998 ns as a float.
        ns = round(Fraction(value) * 10**9)
    elif isinstance(value, str):
        if value == "0":
            return 0
        parts = list(_DURATION_PART_RE.finditer(value))
        if not parts or "".join(p[0] for p in parts) != value:
            _bad(name, value, expected, kind)
        ns = int(sum(Fraction(p[1]) * _NS_PER_UNIT[p[2]] for p in parts))
    else:
        _bad(name, value, expected, kind)
    if ns > _INT64_MAX:
        _bad(name, value, expected, kind)
    return ns


def parse_duration_ns(name: str, value: float | int | str) -> int:
    """Nanoseconds from seconds (a number) or a Go duration text ("10s", "1m30s", "500ms").

    Go units are accepted: ns, us (or µs), ms, s, m, h. Negative, infinite and
    unreadable values raise `InvalidOption` naming `name`.
    """
    return _duration_ns(name, value, "option")


def _flag(option: str, key: str, host: bool = True) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        target, value = (b.host if host else b.config), _bool(option, v[option])
        if target.get(key, value) != value:  # set otherwise by another option
            raise InvalidOption(
                f"create option {option!r}: {value!r} disagrees with {key}={target[key]!r} "
                "set by another option (e.g. 'interactive'); give one"
            )
        target[key] = value

    return build


def _string(
    option: str,
    key: str,
    host: bool = True,
    expected: str = "a non-empty string",
    pattern: re.Pattern[str] | None = None,
) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        (b.host if host else b.config)[key] = _text(option, v[option], expected, pattern)

    return build


def _number(option: str, key: str, lo: int, host: bool = True) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        (b.host if host else b.config)[key] = _int(option, v[option], lo)

    return build


def _word_list(option: str, key: str, what: str = "strings") -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        b.host[key] = _words(option, v[option], what)

    return build


def _argv(option: str, key: str) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        raw = v[option]
        expected = "a string or a list of strings"
        # A string is one argument, not split and not run by a shell.
        items = [raw] if isinstance(raw, str) else _seq(option, raw, expected)
        b.config[key] = [_any_text(option, item, expected) for item in items]

    return build
