"""Create options -> the JSON bodies of POST /containers/create and POST /commit.

Option names follow NkDOCKER in snake_case (``cmds``, ``env``, ``publish``, ...)
plus the newer Engine API fields (``mounts``, ``network``, ``healthcheck``, ...).
Every value is checked by type and shape, and against the negotiated API
version, before anything is built: a bad option is an `InvalidOption` naming
the option and the bad value, and nothing is sent.

Unlike NkDOCKER, an unknown option is an error: a silently ignored typo is a
container quietly created without the setting its caller asked for.

Where fields live depends on the API version. Since 1.15 the create body nests
``HostConfig``. API 1.17 read Memory, MemorySwap, CpuShares and Cpuset from the
top-level Config; 1.18 moved them into HostConfig (Cpuset becoming CpusetCpus)
while 1.18 daemons still read the old Config fields, so at 1.18 they go in both
(as NkDOCKER and the Docker 1.6 client did); from 1.19 on only in HostConfig.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NoReturn, TypeAlias, TypeGuard

from .errors import InvalidOption

__all__ = [
    "CONFIG_OPTIONS",
    "CREATE_OPTIONS",
    "QUERY_OPTIONS",
    "UPDATE_OPTIONS",
    "ApiVersion",
    "config_body",
    "create_body",
    "parse_bytes",
    "parse_duration_ns",
    "update_body",
]

ApiVersion: TypeAlias = tuple[int, int]
"""An Engine API version as (major, minor), e.g. (1, 41) or (1, 18)."""

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1

# Container names and ids as the daemon accepts them (at least two characters).
_CONTAINER_RE = re.compile(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]+")
_VOLUME_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
_ALIAS_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
# RFC 1123 hostname, as the daemon validates it from API 1.24 on.
_HOSTNAME_RE = re.compile(
    r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])\.)*"
    r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])"
)
_MAC_RE = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}")
_CPUSET_RE = re.compile(r"[0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*")
_SIGNAL_RE = re.compile(r"(?:SIG)?[A-Z][A-Z0-9]*(?:[+-][0-9]+)?|[0-9]{1,2}")
_PORT_RE = re.compile(r"([0-9]{1,5})(?:/(tcp|udp|sctp))?")
_HOST_PORT_RE = re.compile(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")
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
_PROTOCOLS = ("tcp", "udp", "sctp")
_BUILTIN_NETWORKS = ("none", "bridge", "host", "default")
_ULIMITS = frozenset(
    {"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc"}
    | {"rss", "rtprio", "rttime", "sigpending", "stack"}
)
_MOUNT_TYPES = ("bind", "volume", "tmpfs", "npipe")
_MOUNT_KEYS = frozenset(
    {"Type", "Target", "Source", "ReadOnly", "Consistency"}
    | {"BindOptions", "VolumeOptions", "TmpfsOptions"}
)
_CONSISTENCY = ("default", "consistent", "cached", "delegated")
_PROPAGATION = ("private", "rprivate", "shared", "rshared", "slave", "rslave")
_HEALTH_KEYS = ("test", "interval", "timeout", "start_period", "retries")
_HEALTH_PREFIXES = ("NONE", "CMD", "CMD-SHELL")

# First API version that knows an option (absent: 1.17, the oldest we talk to).
_SINCE: dict[str, ApiVersion] = {
    "cgroup_parent": (1, 18),
    "labels": (1, 18),
    "log_config": (1, 18),
    "ulimits": (1, 18),
    "cpu_period": (1, 19),
    "cpu_quota": (1, 19),
    "oom_kill_disable": (1, 19),
    "uts_mode": (1, 19),
    "group_add": (1, 20),
    "stop_signal": (1, 21),
    "aliases": (1, 22),
    "ip_address": (1, 22),
    "network": (1, 22),
    "shm_size": (1, 22),
    "tmpfs": (1, 22),
    "pids_limit": (1, 23),
    "healthcheck": (1, 24),
    "sysctls": (1, 24),
    "auto_remove": (1, 25),
    "cpus": (1, 25),
    "init": (1, 25),
    "mounts": (1, 25),
    "stop_timeout": (1, 25),
}
# First API version that no longer has an option.
_UNTIL: dict[str, ApiVersion] = {"lxc_confs": (1, 22)}


# --------------------------------------------------------------------------- errors


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


# --------------------------------------------------------------------------- the build


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


# --------------------------------------------------------------------------- checkers


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


def _seq(name: str, value: object, expected: str) -> list[Any]:
    # A str is a sequence too, but ["a", "b"] and "ab" must not be confused.
    if not isinstance(value, (list, tuple)):
        _bad(name, value, expected)
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


# --------------------------------------------------------------------------- units


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


# --------------------------------------------------------------------------- ports


def _port_key(api: ApiVersion, name: str, value: object, *, pair: bool) -> str | None:
    """ "80/tcp" from 80, "80", "80/udp" (or (80, "udp") when `pair`), else None."""
    if pair and isinstance(value, (list, tuple)) and len(value) == 2:
        port, proto = value
        if not isinstance(proto, str) or proto not in _PROTOCOLS:
            return None
        key = _port_key(api, name, port, pair=False)
        if key is None or "/" in str(port):
            return None
        key = f"{key.split('/')[0]}/{proto}"
    elif _is_int(value):
        if not 1 <= value <= 65535:
            return None
        key = f"{value}/tcp"
    elif isinstance(value, str):
        match = _PORT_RE.fullmatch(value)
        if match is None or not 1 <= int(match[1]) <= 65535:
            return None
        key = f"{int(match[1])}/{match[2] or 'tcp'}"
    else:
        return None
    if key.endswith("/sctp") and api < (1, 37):
        # SCTP ports arrived with API 1.37.
        raise InvalidOption(
            f"create option {name!r}: SCTP port {_show(value)} needs API 1.37 or newer "
            f"(the daemon speaks {_vsn(api)})"
        )
    return key


def _host_port(value: object) -> str | None:
    """The HostPort text: "" (any free port) from None or "", else a port or a range."""
    if value is None or value == "":
        return ""
    if _is_int(value):
        return str(value) if 1 <= value <= 65535 else None
    if isinstance(value, str):
        match = _HOST_PORT_RE.fullmatch(value)
        if match is None:
            return None
        low, high = int(match[1]), int(match[2] or match[1])
        if not 1 <= low <= high <= 65535:
            return None
        return f"{low}-{high}" if match[2] else str(low)
    return None


# --------------------------------------------------------------------------- builders

_ATTACH = ("stdin", "stdout", "stderr")


def _build_attach(b: _Build, v: Mapping[str, Any]) -> None:
    flags: dict[str, bool] = {}
    if "attach" in v:
        expected = 'a list of "stdin", "stdout", "stderr"'
        streams = _seq("attach", v["attach"], expected)
        for item in streams:
            if not isinstance(item, str) or item not in _ATTACH:
                _bad("attach", item, expected)
        flags = {f"Attach{s.capitalize()}": s in streams for s in _ATTACH}
    if "interactive" in v and _bool("interactive", v["interactive"]):
        # As `docker run -i`: stdin open and attached; stdout/stderr too unless
        # `attach` says which.
        flags.update(AttachStdin=True, OpenStdin=True, StdinOnce=True)
        if "attach" not in v:
            flags.update(AttachStdout=True, AttachStderr=True)
    b.config.update(flags)


def _build_add_hosts(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'a list of (host, ip) with ip an address or "host-gateway"'
    hosts: list[str] = []
    for host, ip in _pairs("add_hosts", v["add_hosts"], expected):
        addr = "host-gateway" if ip == "host-gateway" else _ip(ip)
        if addr is None or not isinstance(host, str) or not _HOSTNAME_RE.fullmatch(host):
            _bad("add_hosts", (host, ip), expected)
        hosts.append(f"{host}:{addr}")
    b.host["ExtraHosts"] = hosts


def _build_cpu_set(b: _Build, v: Mapping[str, Any]) -> None:
    # cpu_set fed Config.Cpuset, which daemons ignore from 1.18 on; it is taken
    # as an alias of cpu_set_cpus so that it still does what it says.
    expected = 'CPUs like "0-3" or "0,1"'
    values = {
        n: _text(n, v[n], expected, _CPUSET_RE) for n in ("cpu_set", "cpu_set_cpus") if n in v
    }
    if len(set(values.values())) > 1:
        _conflict("cpu_set", "cpu_set_cpus", values["cpu_set"], values["cpu_set_cpus"])
    b.resource("Cpuset", "CpusetCpus", next(iter(values.values())))


def _build_cpu_shares(b: _Build, v: Mapping[str, Any]) -> None:
    b.resource("CpuShares", "CpuShares", _int("cpu_shares", v["cpu_shares"], 0))


def _build_cpus(b: _Build, v: Mapping[str, Any]) -> None:
    if "cpu_period" in v:
        period = _int("cpu_period", v["cpu_period"], 0, 1_000_000)
        if 0 < period < 1000:
            _bad("cpu_period", period, "0 (default) or 1000 to 1000000 microseconds")
        b.host["CpuPeriod"] = period
    if "cpu_quota" in v:
        quota = _int("cpu_quota", v["cpu_quota"], -1)
        if 0 < quota < 1000:
            _bad("cpu_quota", quota, "-1 (no limit), 0 (default) or >= 1000 microseconds")
        b.host["CpuQuota"] = quota
    if "cpus" in v:
        cpus = v["cpus"]
        expected = "a number of CPUs > 0, like 1.5"
        finite = _is_int(cpus) or (isinstance(cpus, float) and math.isfinite(cpus))
        if not finite or cpus <= 0:
            _bad("cpus", cpus, expected)
        nano = round(Fraction(cpus) * 10**9)
        if not 1 <= nano <= _INT64_MAX:
            _bad("cpus", cpus, expected)
        if b.host.get("CpuPeriod") or b.host.get("CpuQuota"):
            # The daemon refuses NanoCpus together with a CFS period or quota.
            raise InvalidOption(
                "create option 'cpus' cannot be combined with 'cpu_period' or 'cpu_quota'"
            )
        b.host["NanoCpus"] = nano


def _build_devices(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'a list of host_path, (host_path, container_path) or (host, container, "rwm")'
    devices: list[dict[str, str]] = []
    for item in _seq("devices", v["devices"], expected):
        if isinstance(item, (list, tuple)) and len(item) in (2, 3):
            host, cont = _abs_path(item[0]), _abs_path(item[1])
            perm = item[2] if len(item) == 3 else "rwm"
        else:
            host = cont = _abs_path(item)
            perm = "rwm"
        perm_ok = isinstance(perm, str) and perm and set(perm) <= set("rwm")
        if host is None or cont is None or not perm_ok or len(set(perm)) != len(perm):
            _bad("devices", item, expected)
        devices.append({"PathOnHost": host, "PathInContainer": cont, "CgroupPermissions": perm})
    b.host["Devices"] = devices


def _build_dns(b: _Build, v: Mapping[str, Any]) -> None:
    servers: list[str] = []
    for item in _seq("dns", v["dns"], "a list of IP addresses"):
        addr = _ip(item)
        if addr is None:
            _bad("dns", item, "an IP address")
        servers.append(addr)
    b.host["Dns"] = servers


def _build_env(b: _Build, v: Mapping[str, Any]) -> None:
    raw = v["env"]
    expected = 'a dict, a list of (key, value) or a list of "KEY=value"'
    items: list[Any] = list(raw.items()) if isinstance(raw, Mapping) else _seq("env", raw, expected)
    env: list[str] = []
    for item in items:
        if isinstance(item, str):
            key, sep, value = item.partition("=")
            if not sep:
                _bad("env", item, '"KEY=value"')
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            key, value = item
        else:
            _bad("env", item, expected)
        if not isinstance(key, str) or not key or "=" in key or "\x00" in key:
            _bad("env", key, "a non-empty variable name without '='")
        env.append(f"{key}={_any_text('env', value, 'a string value')}")
    b.config["Env"] = env


def _build_expose(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'a list of port, "port/proto" or (port, "tcp"|"udp"|"sctp")'
    ports = b.config.setdefault("ExposedPorts", {})
    for item in _seq("expose", v["expose"], expected):
        key = _port_key(b.api, "expose", item, pair=True)
        if key is None:
            _bad("expose", item, expected)
        ports[key] = {}


def _build_healthcheck(b: _Build, v: Mapping[str, Any]) -> None:
    raw = v["healthcheck"]
    if not isinstance(raw, Mapping):
        _bad("healthcheck", raw, "a dict of " + ", ".join(_HEALTH_KEYS))
    for key in raw:
        if key not in _HEALTH_KEYS:
            _bad("healthcheck", key, "a key among " + ", ".join(_HEALTH_KEYS))
    check: dict[str, Any] = {}
    if "test" in raw:
        check["Test"] = _health_test(raw["test"])
    for key, field_name in (("interval", "Interval"), ("timeout", "Timeout")):
        if key in raw:
            check[field_name] = _health_duration(key, raw[key])
    if "start_period" in raw:
        b.need("healthcheck", (1, 29), {"start_period": raw["start_period"]})
        check["StartPeriod"] = _health_duration("start_period", raw["start_period"])
    if "retries" in raw:
        check["Retries"] = _int("healthcheck", raw["retries"], 0, 2**31 - 1)
    b.config["Healthcheck"] = check


def _health_test(test: object) -> list[str]:
    expected = 'a shell command string, or a list (["CMD", ...], ["CMD-SHELL", cmd], ["NONE"])'
    if isinstance(test, str):
        return ["CMD-SHELL", _text("healthcheck", test, expected)]
    args = [_any_text("healthcheck", a, expected) for a in _seq("healthcheck", test, expected)]
    if args and args[0] not in _HEALTH_PREFIXES:
        # A bare argv is the exec form, as in a Dockerfile's HEALTHCHECK CMD [...].
        args.insert(0, "CMD")
    if args and (
        (args[0] == "NONE" and len(args) != 1)
        or (args[0] == "CMD" and len(args) < 2)
        or (args[0] == "CMD-SHELL" and len(args) != 2)
    ):
        _bad("healthcheck", test, expected)
    return args


def _health_duration(key: str, value: object) -> int:
    ns = _duration_ns("healthcheck", value, "create option")
    if 0 < ns < 1_000_000:
        # The daemon refuses non-zero health durations under 1 ms.
        _bad("healthcheck", {key: value}, f"{key} of 0 (inherit) or at least 1ms")
    return ns


def _build_labels(b: _Build, v: Mapping[str, Any]) -> None:
    b.config["Labels"] = _str_map("labels", v["labels"], "with string values")


def _build_links(b: _Build, v: Mapping[str, Any]) -> None:
    expected = "a list of (container, alias)"
    links: list[str] = []
    for cont, alias in _pairs("links", v["links"], expected):
        if not (
            isinstance(cont, str)
            and _CONTAINER_RE.fullmatch(cont)
            and isinstance(alias, str)
            and _ALIAS_RE.fullmatch(alias)
        ):
            _bad("links", (cont, alias), expected)
        links.append(f"{cont}:{alias}")
    b.host["Links"] = links


def _build_log_config(b: _Build, v: Mapping[str, Any]) -> None:
    raw = v["log_config"]
    expected = "a driver name or (driver, {option: value})"
    config: dict[str, str] = {}
    if isinstance(raw, (list, tuple)):
        if len(raw) != 2 or not isinstance(raw[1], Mapping):
            _bad("log_config", raw, expected)
        driver: object = raw[0]
        config = _str_map("log_config", raw[1], "with string values")
    else:
        driver = raw
    b.host["LogConfig"] = {
        "Type": _text("log_config", driver, expected, _NO_SPACE_RE),
        "Config": config,
    }


def _build_lxc_confs(b: _Build, v: Mapping[str, Any]) -> None:
    # An object, as in the 1.18 doc (NkDOCKER's [{Key, Val}] list used a wrong key).
    b.host["LxcConf"] = _str_map("lxc_confs", v["lxc_confs"], "with string values")


def _build_memory(b: _Build, v: Mapping[str, Any]) -> None:
    memory = _bytes("memory", v["memory"], "create option") if "memory" in v else None
    if "memory_swap" in v:
        raw = v["memory_swap"]
        swap = -1 if raw in (-1, "-1") and not isinstance(raw, (bool, float)) else None
        if swap is None:
            swap = _bytes("memory_swap", raw, "create option")
        if swap > 0 and not memory:
            # The daemon: "You should always set the Memory limit when using Memoryswap limit".
            _bad("memory_swap", raw, "-1 or 0 without 'memory' (a swap limit needs a memory limit)")
        if swap > 0 and memory and swap < memory:
            _bad("memory_swap", raw, f"-1, or at least 'memory' ({memory} bytes)")
        b.resource("MemorySwap", "MemorySwap", swap)
    if memory is not None:
        b.resource("Memory", "Memory", memory)


def _build_mounts(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'a list of mount dicts or "type=volume,source=x,target=/data,readonly" strings'
    mounts: list[dict[str, Any]] = []
    for item in _seq("mounts", v["mounts"], expected):
        if isinstance(item, str):
            mounts.append(_mount_dict(_mount_from_text(item)))
        elif isinstance(item, Mapping):
            mounts.append(_mount_dict(item))
        else:
            _bad("mounts", item, expected)
    b.host["Mounts"] = mounts


def _mount_dict(mount: Mapping[Any, Any]) -> dict[str, Any]:
    """Check a Mount object (the keys of the API's Mount definition) and copy it."""
    for key in mount:
        if key not in _MOUNT_KEYS:
            _bad("mounts", key, "a Mount key among " + ", ".join(sorted(_MOUNT_KEYS)))
    kind, target = mount.get("Type"), mount.get("Target")
    if not isinstance(kind, str) or kind not in _MOUNT_TYPES:
        _bad("mounts", kind, "a Type among " + ", ".join(_MOUNT_TYPES))
    _text("mounts", target, "a Target path")
    source = mount.get("Source")
    if source is not None:
        _any_text("mounts", source, "a Source string")
    if kind == "bind" and not source:
        _bad("mounts", dict(mount), "a Source for a bind mount")
    if kind == "tmpfs" and source:
        _bad("mounts", dict(mount), "no Source for a tmpfs mount")
    if "ReadOnly" in mount and not isinstance(mount["ReadOnly"], bool):
        _bad("mounts", mount["ReadOnly"], "ReadOnly True or False")
    if "Consistency" in mount and mount["Consistency"] not in _CONSISTENCY:
        _bad("mounts", mount["Consistency"], "a Consistency among " + ", ".join(_CONSISTENCY))
    for key, owner in (
        ("BindOptions", "bind"),
        ("VolumeOptions", "volume"),
        ("TmpfsOptions", "tmpfs"),
    ):
        if key in mount:
            if kind != owner:
                _bad("mounts", key, f"{key} only on a {owner} mount")
            if not isinstance(mount[key], Mapping):
                _bad("mounts", mount[key], f"{key} as a dict")
    copy: dict[str, Any] = _jsonable("mounts", mount)
    return copy


def _mount_from_text(text: str) -> dict[str, Any]:
    """A Mount object from the `docker run --mount` short form."""
    mount: dict[str, Any] = {"Type": "volume"}  # the CLI's default type
    bind: dict[str, Any] = {}
    volume: dict[str, Any] = {}
    driver: dict[str, Any] = {}
    tmpfs: dict[str, Any] = {}
    seen: set[str] = set()
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if key in seen and key not in ("volume-label", "volume-opt"):
            _bad("mounts", text, f"{key!r} given once")
        seen.add(key)
        if key in ("readonly", "ro", "volume-nocopy"):
            flag = {"": True, "true": True, "1": True, "false": False, "0": False}.get(
                value.lower()
            )
            if flag is None or (sep and not value):
                _bad("mounts", part, f"{key} alone or {key}=true|false")
            if key == "volume-nocopy":
                volume["NoCopy"] = flag
            else:
                mount["ReadOnly"] = flag
        elif not sep or not value:
            _bad("mounts", part, "key=value")
        elif key == "type":
            mount["Type"] = value
        elif key in ("source", "src"):
            mount["Source"] = value
        elif key in ("target", "destination", "dst"):
            mount["Target"] = value
        elif key == "consistency":
            mount["Consistency"] = value
        elif key == "bind-propagation":
            if value not in _PROPAGATION:
                _bad("mounts", part, "bind-propagation among " + ", ".join(_PROPAGATION))
            bind["Propagation"] = value
        elif key == "volume-driver":
            driver["Name"] = value
        elif key in ("volume-label", "volume-opt"):
            name, sep2, item = value.partition("=")
            if not sep2 or not name:
                _bad("mounts", part, f"{key}=name=value")
            if key == "volume-label":
                volume.setdefault("Labels", {})[name] = item
            else:
                driver.setdefault("Options", {})[name] = item
        elif key == "tmpfs-size":
            tmpfs["SizeBytes"] = _bytes("mounts", value, "create option")
        elif key == "tmpfs-mode":
            if not re.fullmatch(r"[0-7]{1,4}", value):
                _bad("mounts", part, "tmpfs-mode in octal, like 1777")
            tmpfs["Mode"] = int(value, 8)
        else:
            _bad("mounts", part, "a --mount key (type, source, target, readonly, ...)")
    if "Target" not in mount:
        _bad("mounts", text, "a target=<path>")
    if driver:
        volume["DriverConfig"] = driver
    for key, options in (("BindOptions", bind), ("VolumeOptions", volume), ("TmpfsOptions", tmpfs)):
        if options:
            mount[key] = options
    return mount


def _build_net(b: _Build, v: Mapping[str, Any]) -> None:
    mode: str | None = None
    if "net" in v:
        mode = _network_mode(b, "net", v["net"])
    if "network" in v:
        network = _network_mode(b, "network", v["network"])
        if mode is not None and mode != network:
            _conflict("net", "network", mode, network)
        mode = network
    if mode is not None:
        b.host["NetworkMode"] = mode
    endpoint: dict[str, Any] = {}
    if "aliases" in v:
        endpoint["Aliases"] = _words("aliases", v["aliases"], "names")
    if "ip_address" in v:
        addr = _ip(v["ip_address"])
        if addr is None:
            _bad("ip_address", v["ip_address"], "an IPv4 or IPv6 address")
        family = "IPv6Address" if ":" in addr else "IPv4Address"
        endpoint["IPAMConfig"] = {family: addr}
    if endpoint and (mode is None or mode in _BUILTIN_NETWORKS or mode.startswith("container:")):
        # The daemon takes aliases and static addresses on user-defined networks only.
        which = "aliases" if "aliases" in v else "ip_address"
        raise InvalidOption(
            f"create option {which!r} needs a user-defined network "
            f"(give 'network'), not {_show(mode)}"
        )
    if mode is not None and ("network" in v or endpoint):
        b.endpoints[mode] = endpoint


def _network_mode(b: _Build, name: str, value: object) -> str:
    expected = '"none", "bridge", "host", a network name or "container:<name>"'
    if name == "network":
        expected = "a network name"
    mode = _text(name, value, expected, _NO_SPACE_RE)
    if mode.startswith("container:"):
        if name == "network" or not _CONTAINER_RE.fullmatch(mode[len("container:") :]):
            _bad(name, value, expected)
    elif mode not in _BUILTIN_NETWORKS:
        b.need(name, (1, 21), value)  # user-defined networks arrived with 1.21
    return mode


def _build_publish(b: _Build, v: Mapping[str, Any]) -> None:
    expected = "port, (port, host_port) or (port, host_port, ip)"
    ports = b.config.setdefault("ExposedPorts", {})
    bindings: dict[str, list[dict[str, str]]] = {}
    for item in _seq("publish", v["publish"], f"a list of {expected}"):
        if isinstance(item, (list, tuple)):
            if len(item) not in (2, 3):
                _bad("publish", item, expected)
            key = _port_key(b.api, "publish", item[0], pair=True)
            host_port = _host_port(item[1])
            host_ip = "" if len(item) == 2 or item[2] in ("", None) else _ip(item[2])
        else:
            key = _port_key(b.api, "publish", item, pair=False)
            host_port = host_ip = ""
        if key is None or host_port is None or host_ip is None:
            _bad("publish", item, expected)
        binding = {"HostIp": host_ip, "HostPort": host_port}
        entries = bindings.setdefault(key, [])
        if binding not in entries:
            entries.append(binding)
        ports[key] = {}
    b.host["PortBindings"] = bindings


def _build_ns_mode(field_name: str, option: str) -> _Builder:
    """PidMode / IpcMode / UTSMode, with the values each API version knows."""

    def build(b: _Build, v: Mapping[str, Any]) -> None:
        value = v[option]
        plain = {"pid_mode": ("host",), "uts_mode": ("host",)}.get(
            option, ("host", "private", "shareable", "none")
        )
        joins = option != "uts_mode"
        expected = " or ".join(f'"{p}"' for p in plain) + (
            ' or "container:<name>"' if joins else ""
        )
        if not isinstance(value, str):
            _bad(option, value, expected)
        if joins and value.startswith("container:"):
            if not _CONTAINER_RE.fullmatch(value[len("container:") :]):
                _bad(option, value, expected)
            if option == "pid_mode":
                b.need(option, (1, 24), value)  # joining a PID namespace: 1.24
        elif value not in plain:
            _bad(option, value, expected)
        elif value != "host":
            b.need(option, (1, 32), value)  # private / shareable / none IPC: 1.32
        b.host[field_name] = value

    return build


def _build_restart(b: _Build, v: Mapping[str, Any]) -> None:
    raw = v["restart"]
    expected = '"no", "always", "unless-stopped", "on-failure" or ("on-failure", retries)'
    retries: object = 0
    if isinstance(raw, (list, tuple)) and len(raw) == 2:
        policy, retries = raw
        if policy not in ("on-failure", "on_failure") or not _is_int(retries) or retries < 0:
            _bad("restart", raw, expected)
    else:
        policy = raw
    if not isinstance(policy, str) or policy not in (
        "no",
        "always",
        "unless-stopped",
        "on-failure",
        "on_failure",
    ):
        _bad("restart", raw, expected)
    if policy == "unless-stopped":
        b.need("restart", (1, 21), raw)
    name = "on-failure" if policy == "on_failure" else policy
    b.host["RestartPolicy"] = {"Name": name, "MaximumRetryCount": retries}


def _build_stop_signal(b: _Build, v: Mapping[str, Any]) -> None:
    b.config["StopSignal"] = _text(
        "stop_signal", v["stop_signal"], 'a signal like "SIGTERM", "TERM" or "15"', _SIGNAL_RE
    )


def _build_tmpfs(b: _Build, v: Mapping[str, Any]) -> None:
    raw = v["tmpfs"]
    expected = 'a dict {path: "mount options"} or a list of "path" or "path:options"'
    entries: list[tuple[object, object]]
    if isinstance(raw, Mapping):
        entries = list(raw.items())
    else:
        entries = []
        for item in _seq("tmpfs", raw, expected):
            if not isinstance(item, str):
                _bad("tmpfs", item, expected)
            text_path, _, text_opts = item.partition(":")
            entries.append((text_path, text_opts))
    tmpfs: dict[str, str] = {}
    for path, opts in entries:
        checked = _abs_path(path)
        if checked is None or not isinstance(opts, str) or "\x00" in opts or " " in opts:
            _bad("tmpfs", (path, opts), expected)
        tmpfs[checked] = opts
    b.host["Tmpfs"] = tmpfs


def _build_ulimits(b: _Build, v: Mapping[str, Any]) -> None:
    expected = "a list of (name, soft, hard), limits >= 0 or -1 (unlimited), soft <= hard"
    limits: list[dict[str, Any]] = []
    for item in _seq("ulimits", v["ulimits"], expected):
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            _bad("ulimits", item, expected)
        name, soft, hard = item
        ok = isinstance(name, str) and name in _ULIMITS
        ok = ok and all(_is_int(n) and -1 <= n <= _INT64_MAX for n in (soft, hard))
        # -1 is unlimited: it can only be a soft limit under an unlimited hard one.
        if not ok or (hard != -1 and (soft == -1 or soft > hard)):
            _bad("ulimits", item, expected)
        limits.append({"Name": name, "Soft": soft, "Hard": hard})
    b.host["Ulimits"] = limits


def _build_volumes(b: _Build, v: Mapping[str, Any]) -> None:
    expected = (
        'a list of container_path, (host, container_path) or (host, container_path, "ro"|"rw")'
    )
    volumes: dict[str, dict[str, Any]] = {}
    binds: list[str] = []
    for item in _seq("volumes", v["volumes"], expected):
        if isinstance(item, str):
            path = _abs_path(item)
            if path is None or path == "/":
                _bad("volumes", item, "an absolute container path other than /")
            volumes[path] = {}
            continue
        if not isinstance(item, (list, tuple)) or len(item) not in (2, 3):
            _bad("volumes", item, expected)
        if b.commit:
            raise InvalidOption(
                f"create option 'volumes': host bind {_show(item)} belongs to HostConfig; "
                "a commit config takes container paths only"
            )
        host, cont = item[0], _abs_path(item[1])
        mode = item[2] if len(item) == 3 else False
        suffix: str | None = None
        if isinstance(mode, bool):
            suffix = ":ro" if mode else ""  # True means read-only, as NkDOCKER's `ro`
        elif isinstance(mode, str) and mode in ("ro", "rw"):
            suffix = f":{mode}"
        named = isinstance(host, str) and bool(_VOLUME_NAME_RE.fullmatch(host))
        if cont is None or cont == "/" or suffix is None or not (named or _abs_path(host)):
            _bad("volumes", item, expected)
        if named:
            b.need("volumes", (1, 21), item)  # named volumes arrived with 1.21
        binds.append(f"{host}:{cont}{suffix}")
    if volumes or not binds:
        b.config["Volumes"] = volumes
    if binds:
        b.host["Binds"] = binds


def _build_volumes_from(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'a list of container or (container, "ro"|"rw")'
    sources: list[str] = []
    for item in _seq("volumes_from", v["volumes_from"], expected):
        name, mode = (
            (item[0], item[1])
            if isinstance(item, (list, tuple)) and len(item) == 2
            else (item, None)
        )
        if (
            not isinstance(name, str)
            or not _CONTAINER_RE.fullmatch(name)
            or (mode is not None and mode not in ("ro", "rw"))
            or isinstance(mode, bool)
        ):
            _bad("volumes_from", item, expected)
        sources.append(f"{name}:{mode}" if mode else name)
    b.host["VolumesFrom"] = sources


def _build_workdir(b: _Build, v: Mapping[str, Any]) -> None:
    values: dict[str, str] = {}
    for name in ("workdir", "working_dir"):
        if name in v:
            path = _abs_path(v[name], colon=True)
            if path is None:
                _bad(name, v[name], "an absolute path")
            values[name] = path
    if len(set(values.values())) > 1:
        _conflict("workdir", "working_dir", values["workdir"], values["working_dir"])
    b.config["WorkingDir"] = next(iter(values.values()))


# Builders for options that are one field with one kind of value.


def _flag(option: str, key: str, host: bool = True) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        (b.host if host else b.config)[key] = _bool(option, v[option])

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


def _build_shm_size(b: _Build, v: Mapping[str, Any]) -> None:
    b.host["ShmSize"] = _bytes("shm_size", v["shm_size"], "create option")


def _build_sysctls(b: _Build, v: Mapping[str, Any]) -> None:
    if not isinstance(v["sysctls"], Mapping):
        _bad("sysctls", v["sysctls"], 'a dict like {"net.ipv4.ip_forward": "1"}')
    b.host["Sysctls"] = _str_map("sysctls", v["sysctls"], "", re.compile(r"[^\s=]+"))


_GROUPS: tuple[_Group, ...] = (
    _Group(("attach", "interactive"), _build_attach, config=True),
    _Group(("add_hosts",), _build_add_hosts),
    _Group(("aliases", "ip_address", "net", "network"), _build_net),
    _Group(("auto_remove",), _flag("auto_remove", "AutoRemove")),
    _Group(("cap_add",), _word_list("cap_add", "CapAdd", "capabilities")),
    _Group(("cap_drop",), _word_list("cap_drop", "CapDrop", "capabilities")),
    _Group(("cgroup_parent",), _string("cgroup_parent", "CgroupParent")),
    _Group(("cidfile",), _string("cidfile", "ContainerIDFile")),
    _Group(("cmds",), _argv("cmds", "Cmd"), config=True),
    _Group(("cpu_period", "cpu_quota", "cpus"), _build_cpus),
    _Group(("cpu_set", "cpu_set_cpus"), _build_cpu_set),
    _Group(("cpu_shares",), _build_cpu_shares),
    _Group(("devices",), _build_devices),
    _Group(("dns",), _build_dns),
    _Group(("dns_search",), _word_list("dns_search", "DnsSearch", "domains")),
    _Group(("domain_name",), _string("domain_name", "Domainname", host=False), config=True),
    _Group(("entrypoints",), _argv("entrypoints", "Entrypoint"), config=True),
    _Group(("env",), _build_env, config=True),
    _Group(("expose",), _build_expose, config=True),
    _Group(("group_add",), _word_list("group_add", "GroupAdd", "groups")),
    _Group(("healthcheck",), _build_healthcheck, config=True),
    _Group(
        ("hostname",),
        _string("hostname", "Hostname", False, "an RFC 1123 hostname", _HOSTNAME_RE),
        config=True,
    ),
    _Group(("init",), _flag("init", "Init")),
    _Group(("ipc_mode",), _build_ns_mode("IpcMode", "ipc_mode")),
    _Group(("labels",), _build_labels, config=True),
    _Group(("links",), _build_links),
    _Group(("log_config",), _build_log_config),
    _Group(("lxc_confs",), _build_lxc_confs),
    _Group(
        ("mac_address",),
        _string("mac_address", "MacAddress", False, 'a MAC like "aa:bb:cc:dd:ee:ff"', _MAC_RE),
        config=True,
    ),
    _Group(("memory", "memory_swap"), _build_memory),
    _Group(("mounts",), _build_mounts),
    _Group(("oom_kill_disable",), _flag("oom_kill_disable", "OomKillDisable")),
    _Group(("pid_mode",), _build_ns_mode("PidMode", "pid_mode")),
    _Group(("pids_limit",), _number("pids_limit", "PidsLimit", -1)),
    _Group(("privileged",), _flag("privileged", "Privileged")),
    _Group(("publish",), _build_publish),
    _Group(("publish_all",), _flag("publish_all", "PublishAllPorts")),
    _Group(("read_only",), _flag("read_only", "ReadonlyRootfs")),
    _Group(("restart",), _build_restart),
    _Group(("security_opts",), _word_list("security_opts", "SecurityOpt", "options")),
    _Group(("shm_size",), _build_shm_size),
    _Group(("stop_signal",), _build_stop_signal, config=True),
    _Group(("stop_timeout",), _number("stop_timeout", "StopTimeout", 0, host=False), config=True),
    _Group(("sysctls",), _build_sysctls),
    _Group(("tmpfs",), _build_tmpfs),
    _Group(("tty",), _flag("tty", "Tty", host=False), config=True),
    _Group(("ulimits",), _build_ulimits),
    _Group(("user",), _string("user", "User", host=False), config=True),
    _Group(("uts_mode",), _build_ns_mode("UTSMode", "uts_mode")),
    _Group(("volumes",), _build_volumes, config=True),
    _Group(("volumes_from",), _build_volumes_from),
    _Group(("workdir", "working_dir"), _build_workdir, config=True),
)

QUERY_OPTIONS: frozenset[str] = frozenset({"name", "platform"})
"""Options of POST /containers/create that go in the query string: the body builders skip them."""

CREATE_OPTIONS: frozenset[str] = frozenset(n for g in _GROUPS for n in g.names) | QUERY_OPTIONS
"""Every option name `create_body` accepts (QUERY_OPTIONS included, and skipped)."""

CONFIG_OPTIONS: frozenset[str] = frozenset(n for g in _GROUPS if g.config for n in g.names)
"""The options that belong to Config, the only ones `config_body` (commit) accepts."""


def _build(opts: Mapping[str, Any], api: ApiVersion, commit: bool) -> _Build:
    """Check every option, then build; raises before anything is returned."""
    if not isinstance(opts, Mapping):
        raise InvalidOption(f"create options must be a mapping, not {_show(opts)}")
    for name in opts:
        if name not in CREATE_OPTIONS:
            raise InvalidOption(f"unknown create option {_show(name)}")
        if commit and name not in CONFIG_OPTIONS and name not in QUERY_OPTIONS:
            raise InvalidOption(
                f"create option {name!r} belongs to HostConfig; a commit config takes only "
                + ", ".join(sorted(CONFIG_OPTIONS))
            )
    b = _Build(api=api, commit=commit)
    for group in _GROUPS:
        present = {n: opts[n] for n in group.names if n in opts}
        if not present:
            continue
        for name in present:
            since, until = _SINCE.get(name), _UNTIL.get(name)
            if since is not None and api < since:
                raise InvalidOption(
                    f"create option {name!r} needs API {_vsn(since)} or newer "
                    f"(the daemon speaks {_vsn(api)})"
                )
            if until is not None and api >= until:
                raise InvalidOption(
                    f"create option {name!r} is gone since API {_vsn(until)} "
                    f"(the daemon speaks {_vsn(api)})"
                )
        group.build(b, present)
    return b


UPDATE_OPTIONS: frozenset[str] = frozenset(
    {"cpu_period", "cpu_quota", "cpu_set", "cpu_set_cpus", "cpu_shares", "cpus", "memory"}
    | {"memory_swap", "pids_limit", "restart"}
)
"""The create options POST /containers/{id}/update takes: resources and the restart policy."""

# Update (API 1.22) learnt these later than create did.
_UPDATE_SINCE: dict[str, ApiVersion] = {"restart": (1, 23), "cpus": (1, 28), "pids_limit": (1, 40)}


def create_body(image: str, opts: Mapping[str, Any], api: ApiVersion) -> dict[str, Any]:
    """The JSON body of POST /containers/create for `image` with create options `opts`.

    Config fields at the top level with "Image", "HostConfig" nested (always
    present), and "NetworkingConfig" when a network endpoint is configured,
    each field placed where API version `api` reads it. `name` and `platform`
    (QUERY_OPTIONS) are skipped: they belong in the query string. Raises
    `InvalidOption` for an unknown option, a bad value, or an option the API
    version does not have.
    """
    if not isinstance(image, str) or not image:
        raise InvalidOption(f"create: bad image {_show(image)} (expected a non-empty string)")
    b = _build(opts, api, commit=False)
    body: dict[str, Any] = {**b.config, "Image": image, "HostConfig": b.host}
    if b.endpoints:
        body["NetworkingConfig"] = {"EndpointsConfig": b.endpoints}
    return body


def update_body(opts: Mapping[str, Any], api: ApiVersion) -> dict[str, Any]:
    """The body of POST /containers/{id}/update from UPDATE_OPTIONS (the HostConfig
    fields they set), checked as for create; at least one option is needed."""
    if not isinstance(opts, Mapping):
        raise InvalidOption(f"update options must be a mapping, not {_show(opts)}")
    for name in opts:
        if name not in UPDATE_OPTIONS:
            raise InvalidOption(
                f"update option {_show(name)}: not one of {', '.join(sorted(UPDATE_OPTIONS))}"
            )
        since = _UPDATE_SINCE.get(name)
        if since is not None and api < since:
            raise InvalidOption(
                f"update option {name!r} needs API {_vsn(since)} or newer "
                f"(the daemon speaks {_vsn(api)})"
            )
    if not opts:
        raise InvalidOption("update: nothing to change (give one of UPDATE_OPTIONS)")
    return _build(opts, api, commit=False).host


def config_body(opts: Mapping[str, Any], api: ApiVersion) -> dict[str, Any]:
    """The Config object (no HostConfig) built from create options: the body of POST /commit.

    Only CONFIG_OPTIONS are allowed; an option that belongs to HostConfig
    (memory, publish, a host bind in `volumes`, ...) raises `InvalidOption`.
    """
    return _build(opts, api, commit=True).config
