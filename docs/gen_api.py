"""Regenerate the command reference in docs/api.md from the command tables.

    python docs/gen_api.py           # rewrite the generated part of docs/api.md
    python docs/gen_api.py --check   # exit 1 if docs/api.md is out of date

Everything between the `<!-- generated:begin -->` and `<!-- generated:end -->`
markers of docs/api.md comes from `nkdocker_actors.commands` (each area's
COMMANDS table: parameters, options, where each goes, its type, streaming,
API versions) and `nkdocker_actors.options` (the create options); the rest of
the file is written by hand.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nkdocker_actors import commands, options, swarm_options  # noqa: E402
from nkdocker_actors.commands.spec import Command, Field  # noqa: E402
from nkdocker_actors.errors import InvalidOption  # noqa: E402
from nkdocker_actors.options import body as option_tables  # noqa: E402

API_MD = ROOT / "docs" / "api.md"
BEGIN = "<!-- generated:begin (python docs/gen_api.py) -->"
END = "<!-- generated:end -->"
AREA_ORDER = ("system", "containers", "images", "exec", "networks", "volumes")
AREA_ORDER += ("swarm", "nodes", "services", "tasks", "secrets", "configs")
AREA_TITLES = {"exec": "Exec", "system": "System"}

# What each encoder accepts, by the encoder's name.
TYPES = {
    "flag": "bool",
    "boolean": "bool",
    "integer": "int >= 0",
    "count": "int >= 0",
    "text": "str",
    "secret": "str (never echoed in errors)",
    "strings": "str or list[str]",
    "mapping_of_strings": "dict[str, str]",
    "timestamp": "time, as the docker CLI reads it: unix seconds (int, float or str), "
    '"10m" / "2h30m" back from now, RFC 3339 ("2026-01-02T15:04:05Z"; no zone: local), '
    "or a datetime",
    "filters": 'filters: dict of name to value(s), e.g. {"label": ["a=b"]}',
    "json_value": "any JSON value",
    "signal": 'signal: "SIGKILL", "HUP", or a number',
    "registry_auth": "registry credentials: dict(username, password, email, serveraddress, "
    "identitytoken), or a prepared X-Registry-Auth string",
    "registry_config": "dict of registry host to credentials",
    "credentials": "registry credentials dict",
    "data": "bytes, an iterable of bytes, or a binary file",
    "local_file": "a file path or a writable binary file",
    "build_context": "tar bytes, a directory path (honours .dockerignore), or {path: bytes}",
    "_size": 'size: bytes as int, or "512m", "1g", ...',
    "_swap": "size, or -1 for unlimited",
    "_env": 'dict, or list of "KEY=value"',
    "_port_key": 'port: 80, "80/tcp", "53/udp" (a bare port finds tcp, else udp or sctp)',
    "_extra_hosts": '"host:ip", a list of them, {host: ip} or [(host, ip)]',
    "oci_platform": 'platform: "os/arch[/variant]" or an OCI platform dict (sent as JSON)',
    "oci_platforms": "one platform or a list of them (a repeated parameter)",
    "console_size": "(height, width), integers > 0",
    "_network_name": "a network name (any printable text, spaces too)",
    "_config_from": "the name of a config-only network",
    "_container_or_link": 'container id or name; with link=True, "container/alias"',
    "privileges": "list of {'Name', 'Description', 'Value': [str]}, as plugin_privileges gives",
    "version_query": "int: the object's Version.Index (from its inspect)",
    "encoded_data": "bytes, or str as UTF-8 (sent in base64; never shown)",
    "driver": "a driver name, or (name, {option: value})",
}
# What a create option takes, where its refusal does not say it all.
ACCEPTS: dict[str, str] = {
    "env": 'a dict, a list of (key, value), or a list of "KEY=value" or "KEY" (unset)',
    "memory_swap": 'bytes or a size like "1g" (at least `memory`), or -1 (unlimited)',
    "networks": "a list of network names, or {network: None or endpoint options: aliases, "
    "ip_address / ipv4_address / ipv6_address, links [(container, alias)], driver_opts "
    "{str: str}, mac_address (API 1.44+), gw_priority (API 1.48+)}; several networks: "
    "API 1.44+; given alone (not with net / network / aliases / ip_address)",
    "device_requests": "a list of {Driver: str, Count: int (-1: all), DeviceIDs: [str], "
    'Capabilities: [[str]] (e.g. [["gpu"]]), Options: {str: str}}',
    "mounts": "a list of Mount dicts (Type bind / volume / tmpfs / npipe / image (API 1.48+), "
    "Target, Source, ReadOnly, Consistency, BindOptions, VolumeOptions (Subpath: API 1.45+), "
    "TmpfsOptions (Options: API 1.46+), ImageOptions) or `--mount` strings "
    '("type=volume,source=x,target=/data,readonly,volume-subpath=sub")',
    "healthcheck": 'a dict: test (a shell string, or an argv / ["CMD", ...] / '
    '["NONE"]), interval, timeout, start_period (API 1.29+), start_interval (API 1.44+) '
    '(seconds or "10s"), retries (int)',
    "extra": 'a dict of API fields: Config fields, "HostConfig": {field: value}, '
    '"NetworkingConfig": {"EndpointsConfig": {network: {field: value}}}',
    "publish": 'a list of port (80, "53/udp"), (port, host_port), (port, host_port, ip) '
    'or (port, protocol) like (2001, "udp"); host_port None or "" is any free port',
}

# Options a command's body builder reads (not create options), by name.
BODY_OPTIONS = {
    "privileges": "list of {'Name', 'Description', 'Value': [str]}, as plugin_privileges "
    "gives (default [])",
    "settings": "{'KEY': 'value'} or list of \"KEY=value\"",
    "path": "str",
}
PLACES = {
    "path": "path",
    "query": "query `{api}`",
    "body": "body `{api}`",
    "header": "header `{api}`",
    "data": "request body",
    "local": "client side",
}
STREAMS = {
    "json": "each JSON item as `Data(value)`",
    "raw": "the output as `Output(stream, data)`",
    "hijack": "the output as `Output(stream, data)`; stdin via `attach_send` / `close_stdin`",
    "websocket": "each websocket frame's payload as `Data(bytes)`; stdin via `attach_send`, "
    "`close_stdin` closes (RFC 6455 close handshake: `Done('closed: 1000')`)",
}


def _version(api: tuple[int, int] | None) -> str:
    return f"{api[0]}.{api[1]}" if api else ""


def _api_range(since: tuple[int, int] | None, until: tuple[int, int] | None) -> str:
    if since and until:
        return f"API {_version(since)} to before {_version(until)}"
    if since:
        return f"API {_version(since)}+"
    if until:
        return f"API before {_version(until)}"
    return ""


def describe(encoder: Callable[..., Any]) -> str:
    """What an encoder accepts, in words."""
    name = getattr(encoder, "__name__", "")
    if name in TYPES:
        return TYPES[name]
    try:
        closure = inspect.getclosurevars(encoder)
    except (TypeError, ValueError):
        closure = None
    free = dict(closure.nonlocals) if closure else {}
    code = getattr(encoder, "__code__", None)
    names = set(code.co_names) if code else set()
    if "kind" in free:
        kind = str(free["kind"])
        return f"list of {kind} ids/names" if "strings" in names else f"{kind} id or name"
    if "allowed" in free:
        return "one of " + ", ".join(f'"{a}"' for a in free["allowed"])
    inner = free.get("encode")
    if callable(inner):
        return describe(inner) + " (sent as JSON)"
    for known in TYPES:
        if known in names:
            return TYPES[known]
    doc = inspect.getdoc(encoder)
    return doc.splitlines()[0].rstrip(".") if doc else "value"


def _field_row(name: str, field: Field) -> str:
    where = PLACES.get(field.place, field.place).format(api=field.api)
    since = _api_range(getattr(field, "since_api", None), getattr(field, "until_api", None))
    if since:
        where += f" ({since})"
    return f"| `{name}` | {describe(field.encode)} | {where} |"


def _signature(command: Command) -> str:
    params = list(command.params) + [f"{p}=None" for p in getattr(command, "optional", ())]
    positional = set(params)
    rest = [n for n in command.fields if n not in command.params and n not in positional]
    rest += sorted(command.body_options - set(command.fields) - options.QUERY_OPTIONS)
    extra = ["timeout", "reply_to"] + (["subscriber"] if command.stream else [])
    keywords = [n for n in rest if n not in getattr(command, "optional", ())]
    tail = []
    if command.body_options >= options.CREATE_OPTIONS - options.QUERY_OPTIONS:
        keywords = [n for n in keywords if n not in options.CREATE_OPTIONS]
        keywords += sorted(options.QUERY_OPTIONS & set(command.fields))
        tail = ["**create_options"]
    return f"{command.name}({', '.join([*params, '*', *keywords, *extra, *tail])})"


def command_section(variants: tuple[Command, ...]) -> list[str]:
    """The reference of one command (all its API variants)."""
    latest = variants[-1]
    out = [f"### `{latest.name}`", "", f"    docker.{_signature(latest)}", ""]
    out += [latest.doc, ""]
    for command in variants:
        heading = []
        if len(variants) > 1:
            heading.append(f"**{_api_range(command.since_api, command.until_api)}:**")
        heading.append(f"`{command.method} {command.path}`")
        span = _api_range(command.since_api, command.until_api)
        if len(variants) == 1 and span:
            heading.append(f"({span})")
        out += [" ".join(heading), ""]
        rows = [_field_row(n, f) for n, f in command.fields.items()]
        body_only = sorted(command.body_options - set(command.fields) - options.QUERY_OPTIONS)
        if command.body_options >= options.CREATE_OPTIONS - options.QUERY_OPTIONS:
            rows.append("| every create option | see [Create options](#create-options) | body |")
        elif (
            body_only
            and set(body_only) <= swarm_options.SERVICE_OPTIONS | swarm_options.NODE_OPTIONS
        ):
            names = ", ".join(f"`{n}`" for n in body_only)
            rows.append(
                f"| {names} | service options: see [Service options](#service-options) | body |"
            )
        elif body_only and set(body_only) <= options.CREATE_OPTIONS:
            names = ", ".join(f"`{n}`" for n in body_only)
            rows.append(
                f"| {names} | create options: see [Create options](#create-options) | body |"
            )
        else:
            rows += [f"| `{n}` | {BODY_OPTIONS.get(n, 'see above')} | body |" for n in body_only]
        if rows:
            out += ["| option | accepts | sent as |", "|---|---|---|", *rows, ""]
        notes = []
        travel = {"shared": "the shared keep-alive socket", "exclusive": "a socket of its own"}
        notes.append(f"runs on {travel.get(command.mode, command.mode)}")
        if command.defaults:
            shown = ", ".join(f"{k}={v!r}" for k, v in command.defaults.items() if k != "auth")
            if shown:
                notes.append(f"defaults: {shown}")
        if command.stream:
            text = f"with `subscriber=`, streams {STREAMS.get(command.stream, command.stream)}"
            if command.stream_when is not None:
                text += " (a subscriber is required when the options make it endless)"
            notes.append(text)
        if command.share_when is not None:
            notes.append(
                "identical live subscriptions on one connection share one stream "
                "(see [Shared event streams](#shared-event-streams))"
            )
        if command.timeout is None:
            notes.append("no read timeout by default")
        if command.to_file:
            notes.append(f"writes to `{command.to_file}` when given")
        out += ["- " + note for note in notes] + [""]
    return out


def _areas() -> Iterable[ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(commands.__path__) if m.name != "spec"]
    ordered = [n for n in AREA_ORDER if n in names] + sorted(set(names) - set(AREA_ORDER))
    for name in ordered:
        module = importlib.import_module(f"nkdocker_actors.commands.{name}")
        if hasattr(module, "COMMANDS"):
            yield module


class _Unreadable:
    """A value no option takes: its refusal tells what the option takes instead."""

    def __repr__(self) -> str:
        return "?"


def _accepts(name: str) -> str:
    """What a create option takes, in the words of its own refusal ("expected ...")."""
    if name in ACCEPTS:
        return ACCEPTS[name].replace("|", "\\|")
    since = option_tables._SINCE.get(name, (1, 17))
    until = option_tables._UNTIL.get(name)
    api = (until[0], until[1] - 1) if until else max(since, (1, 56))
    try:
        options.create_body("busybox", {name: _Unreadable()}, api)
    except InvalidOption as refused:
        text = str(refused)
        if "(expected " in text:
            return text[text.index("(expected ") + len("(expected ") : -1].replace("|", "\\|")
    return "see the option's description"


def _create_options() -> list[str]:
    groups = option_tables._GROUPS
    since: dict[str, tuple[int, int]] = option_tables._SINCE
    until: dict[str, tuple[int, int]] = option_tables._UNTIL
    out = [
        "## Create options",
        "",
        "Keyword options of `create` (checked by `nkdocker_actors.options` against the",
        "negotiated API version; an unknown option is an `InvalidOption`). Options in one",
        "group are read together (aliases, or options that check each other). What each",
        "takes is what it answers to a value it refuses.",
        "",
        "| option | takes | API | goes to |",
        "|---|---|---|---|",
    ]
    for group in sorted(groups, key=lambda g: g.names[0]):
        where = "Config" if getattr(group, "config", False) else "HostConfig"
        if group.names[0] in ("aliases", "networks", "links"):
            where = "HostConfig / NetworkingConfig"
        for name in group.names:
            span = _api_range(since.get(name), until.get(name)) or "all"
            out.append(f"| `{name}` | {_accepts(name)} | {span} | {where} |")
    out.append(f"| `extra` | {_accepts('extra')} | all | merged last |")
    query = ", ".join(f"`{n}`" for n in sorted(options.QUERY_OPTIONS))
    out += [
        "",
        f"Also {query}: sent in the query string.",
        "",
        "`extra` is the escape hatch for fields a newer API adds before this library names",
        'them: `extra={"HostConfig": {"NewField": ...}, "NetworkingConfig":',
        '{"EndpointsConfig": {net: {...}}}, "ConfigField": ...}`. Keys must be API field',
        "names and values JSON data; it is merged after the named options and never",
        "overrides one (a field both set is an `InvalidOption`). `commit` takes its Config",
        "fields, `update` its HostConfig ones.",
        "",
        "`update` takes these create options: "
        + ", ".join(f"`{n}`" for n in sorted(options.UPDATE_OPTIONS))
        + "; `commit` these: "
        + ", ".join(f"`{n}`" for n in sorted(options.CONFIG_OPTIONS))
        + ".",
        "",
    ]
    return out


def _title(area: ModuleType) -> str:
    short = area.__name__.rsplit(".", 1)[-1]
    return AREA_TITLES.get(short, short.capitalize())


def generate() -> str:
    """The generated part of docs/api.md."""
    out = [BEGIN, "", "## Commands", ""]
    out += [
        "Every command is a method of `Docker` returning a pykka Future, and takes",
        "`timeout=` (read timeout in seconds; None for none) and `reply_to=` (the Future",
        "then holds a `Ref`, and the result comes as `(ref, Data(result))` or",
        "`(ref, Failed(error))`). Streaming commands take `subscriber=`: the Future then",
        "holds the `Ref` once the daemon has answered. Identifiers are checked before",
        "anything is sent. This part is generated from `nkdocker_actors/commands/`.",
        "",
    ]
    areas = list(_areas())
    for area in areas:
        title = _title(area)
        names = sorted({c.name for c in area.COMMANDS})
        links = ", ".join(f"[`{n}`](#{n})" for n in names)
        out += [f"- **{title}**: {links}"]
    out.append("")
    for area in areas:
        title = _title(area)
        out += [f"## {title}", ""]
        seen: list[str] = []
        for command in area.COMMANDS:
            if command.name not in seen:
                seen.append(command.name)
        for name in seen:
            out += command_section(commands.COMMANDS[name])
    out += _create_options()
    out.append(END)
    return "\n".join(out) + "\n"


def render(current: str) -> str:
    """docs/api.md with its generated part replaced."""
    if BEGIN not in current or END not in current:
        raise SystemExit(f"{API_MD}: markers {BEGIN!r} / {END!r} not found")
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END + "\n")
    return head + generate() + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/api.md is stale")
    args = parser.parse_args(argv)
    current = API_MD.read_text()
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(f"{API_MD} is out of date: run python docs/gen_api.py", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        API_MD.write_text(wanted)
        print(f"rewrote {API_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
