"""Config options: the process, its environment and identity (a commit's config too)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .common import (
    _HOSTNAME_RE,
    _MAC_RE,
    _NO_SPACE_RE,
    _abs_path,
    _any_text,
    _argv,
    _bad,
    _bool,
    _Build,
    _conflict,
    _duration_ns,
    _flag,
    _Group,
    _int,
    _is_int,
    _number,
    _seq,
    _str_map,
    _string,
    _text,
)
from .networking import (
    _port_key,
)

_SIGNAL_RE = re.compile(r"(?:SIG)?[A-Z][A-Z0-9]*(?:[+-][0-9]+)?|[0-9]{1,2}")


_HEALTH_KEYS = ("test", "interval", "timeout", "start_period", "start_interval", "retries")


_HEALTH_PREFIXES = ("NONE", "CMD", "CMD-SHELL")


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


def _build_env(b: _Build, v: Mapping[str, Any]) -> None:
    raw = v["env"]
    expected = 'a dict, a list of (key, value) or a list of "KEY=value"'
    items: list[Any] = list(raw.items()) if isinstance(raw, Mapping) else _seq("env", raw, expected)
    env: list[str] = []
    for item in items:
        if isinstance(item, str):
            key, sep, value = item.partition("=")
            if not sep:  # "KEY" alone: the daemon unsets it (as `docker run -e KEY` sends it)
                if not key or "\x00" in key:
                    _bad("env", item, '"KEY=value" or "KEY"')
                env.append(key)
                continue
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
    if "start_interval" in raw:
        b.need("healthcheck", (1, 44), {"start_interval": raw["start_interval"]})
        check["StartInterval"] = _health_duration("start_interval", raw["start_interval"])
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


def _build_user(b: _Build, v: Mapping[str, Any]) -> None:
    """A user name or uid, optionally with a group: "nk", 1000, "1000:1000", (1000, 100)."""
    raw = v["user"]
    expected = 'a user name or uid, "user:group", or (uid, gid)'
    parts = list(raw) if isinstance(raw, (list, tuple)) and len(raw) == 2 else [raw]
    texts = [str(p) if _is_int(p) and p >= 0 else p for p in parts]
    for part in texts:
        _text("user", part, expected, _NO_SPACE_RE)
    b.config["User"] = ":".join(texts)


def _build_labels(b: _Build, v: Mapping[str, Any]) -> None:
    b.config["Labels"] = _str_map("labels", v["labels"], "with string values")


def _build_stop_signal(b: _Build, v: Mapping[str, Any]) -> None:
    b.config["StopSignal"] = _text(
        "stop_signal", v["stop_signal"], 'a signal like "SIGTERM", "TERM" or "15"', _SIGNAL_RE
    )


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


GROUPS: tuple[_Group, ...] = (
    _Group(("attach", "interactive"), _build_attach, config=True),
    _Group(("cmds",), _argv("cmds", "Cmd"), config=True),
    _Group(("domain_name",), _string("domain_name", "Domainname", host=False), config=True),
    _Group(("entrypoints",), _argv("entrypoints", "Entrypoint"), config=True),
    _Group(("env",), _build_env, config=True),
    _Group(("expose",), _build_expose, config=True),
    _Group(("healthcheck",), _build_healthcheck, config=True),
    _Group(
        ("hostname",),
        _string("hostname", "Hostname", False, "an RFC 1123 hostname", _HOSTNAME_RE),
        config=True,
    ),
    _Group(("labels",), _build_labels, config=True),
    _Group(
        ("mac_address",),
        _string("mac_address", "MacAddress", False, 'a MAC like "aa:bb:cc:dd:ee:ff"', _MAC_RE),
        config=True,
    ),
    _Group(("stop_signal",), _build_stop_signal, config=True),
    _Group(("stop_timeout",), _number("stop_timeout", "StopTimeout", 0, host=False), config=True),
    _Group(("tty",), _flag("tty", "Tty", host=False), config=True),
    _Group(("user",), _build_user, config=True),
    _Group(("network_disabled",), _flag("network_disabled", "NetworkDisabled", False), config=True),
    _Group(("on_build",), _argv("on_build", "OnBuild"), config=True),
    _Group(("shell",), _argv("shell", "Shell"), config=True),
    # `interactive` sets both True: given too, they must agree (a _flag never overrides).
    _Group(("open_stdin",), _flag("open_stdin", "OpenStdin", host=False), config=True),
    _Group(("stdin_once",), _flag("stdin_once", "StdinOnce", host=False), config=True),
    _Group(("args_escaped",), _flag("args_escaped", "ArgsEscaped", False), config=True),
    _Group(("workdir", "working_dir"), _build_workdir, config=True),
)
