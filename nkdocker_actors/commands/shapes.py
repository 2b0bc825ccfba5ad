"""What each command's parameters accept and what it returns, read from the tables.

One reading serves two readers: `gen_typed` writes the typed method stubs of
`nkdocker_actors._typed` from it (for type checkers and editors), and the `Docker`
handle gives each command method its `__signature__` and `__doc__` from it (for
`help()`). A value's type comes from its encoder (`spec.flag` -> bool, ...), a
create option's from its builder in `nkdocker_actors.options`, a result's from the
reply decoder; what is not known here is typed `Any`, never guessed.
"""

from __future__ import annotations

import inspect
import keyword
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..options import body as create_options
from . import COMMANDS as ALL_COMMANDS  # (not COMMANDS: docs/gen_api.py takes that for an area)
from .spec import ApiVersion, Command, Field

__all__ = ["Param", "Shape", "shape", "shapes"]

# Type aliases the stubs use, with their definitions (see gen_typed).
ALIASES = {
    "Strings": "list[str] | tuple[str, ...]",
    "StrMap": "Mapping[str, str] | Sequence[tuple[str, str]]",
    "TimeValue": "int | float | str | datetime.datetime",
    "Filters": "Mapping[str, Any]",
    "RequestBody": "bytes | bytearray | IO[bytes] | Iterable[bytes]",
    "FileTarget": "str | os.PathLike[str] | IO[bytes]",
    "BuildContext": "bytes | bytearray | IO[bytes] | str | os.PathLike[str] "
    "| Mapping[str, bytes | str]",
    "RegistryAuth": "str | Mapping[str, str]",
    "Items": "list[Any] | tuple[Any, ...]",
}

# By encoder name: (type, words). Closures (ident, idents, choice, json_text) are read below.
ENCODERS: dict[str, tuple[str, str]] = {
    "flag": ("bool", "True or False"),
    "boolean": ("bool", "True or False"),
    "integer": ("int", "int >= 0"),
    "count": ("int", "int >= 0"),
    "text": ("str", "str"),
    "secret": ("str", "str (never echoed in errors)"),
    "strings": ("str | Strings", "str or list of str"),
    "mapping_of_strings": ("StrMap", "dict of str to str"),
    "timestamp": (
        "TimeValue",
        'time: unix seconds, "10m" / "2h30m" back from now, RFC 3339, or a datetime',
    ),
    "filters": ("Filters", 'filters: dict of name to value(s), e.g. {"label": ["a=b"]}'),
    "json_value": ("Any", "any JSON value"),
    "signal": ("str | int", 'signal: "SIGKILL", "HUP", or a number'),
    "registry_auth": (
        "RegistryAuth",
        "credentials dict (username, password, serveraddress, ...) or an X-Registry-Auth str",
    ),
    "registry_config": ("Mapping[str, Any]", "credentials, or dict of registry to credentials"),
    "credentials": ("Mapping[str, str]", "credentials dict"),
    "data": ("RequestBody", "bytes, an iterable of bytes, or a binary file"),
    "local_file": ("FileTarget", "a file path or a writable binary file"),
    "build_context": ("BuildContext", "tar bytes, a directory path, or {path: bytes}"),
    "_size": ("int | str", 'size: bytes as int, or "512m", "1g", ...'),
    "_swap": ("int | str", "size, or -1 for unlimited"),
    "_ulimits": ("Items", "list of (name, soft, hard)"),
    "_env": ("StrMap | Strings", 'dict, or list of "KEY=value"'),
    "_port_key": ("int | str", 'port: 80, "80/tcp", "53/udp"'),
    "_extra_hosts": ("str | Items | StrMap", '"host:ip", a list of them, or {host: ip}'),
    "console_size": ("tuple[int, int]", "(height, width), both > 0"),
    "oci_platform": ("str | Mapping[str, str]", '"os/arch[/variant]" or an OCI platform dict'),
    "oci_platforms": (
        "str | Mapping[str, str] | Items",
        '"os/arch[/variant]", an OCI platform dict, or a list of them',
    ),
    "_network_name": ("str", "a network name (any printable text, spaces too)"),
    "_config_from": ("str", "the config-only network to take the configuration from"),
    "_container_or_link": ("str", 'a container, or with link=True "container/alias"'),
    "version_query": ("int", "the object's Version.Index (from its inspect)"),
    "encoded_data": ("bytes | str", "bytes, or str as UTF-8 (sent in base64; never shown)"),
    "driver": ("str | tuple[str, Mapping[str, str]]", "a driver name, or (name, {option: value})"),
}

# Options whose encoder is a lambda or otherwise unnamed, by option name.
OPTIONS: dict[str, tuple[str, str]] = {
    "tail": ('int | Literal["all"]', 'int >= 0, or "all"'),
}

# Create options, by the builder kind in nkdocker_actors.options, then by option name.
BUILDERS: dict[str, tuple[str, str]] = {
    "_flag": ("bool", "True or False"),
    "_string": ("str", "str"),
    "_number": ("int", "int"),
    "_word_list": ("Strings", "list of str"),
    "_argv": ("str | Strings", "str or list of str"),
    "_build_ns_mode": ("str", 'str: "host", "private", "container:<name>", ...'),
    "_choice": ("str", "one of the values the API lists (see the docs)"),
    "_int_option": ("int", "int"),
    "_bytes_option": ("int | str", 'size: bytes as int, or "512m", "1g", ...'),
    "_mapping": ("StrMap", "dict of str to str"),
    "_paths": ("Strings", "list of absolute paths"),
    "_throttle": ("Mapping[str, int] | Items", "{device: value} or [(device, value)]"),
    "_build_user": ("str | int | tuple[int | str, int | str]", '"nk", 1000, "1000:100"'),
    "_build_group_add": ("Items", 'groups by name or gid: ["audio", 1000]'),
    "_build_device_requests": ("Items", "list of DeviceRequest dicts (GPUs: Driver, Count, ...)"),
    "_build_networks": ("Strings | Mapping[str, Any]", "[name, ...] or {name: endpoint options}"),
    "_build_userns_mode": ("str", '"host" or ""'),
    "_build_cpuset_mems": ("str", 'memory nodes like "0-3" or "0,1"'),
    "_build_memory_swappiness": ("int", "0 to 100"),
    "_build_blkio_weight": ("int", "10 to 1000 (0: the default)"),
    "_build_device_cgroup_rules": ("Strings", 'rules like "c 1:3 mr"'),
    "_build_console_size": ("tuple[int, int]", "(height, width)"),
}
CREATE_OPTIONS: dict[str, tuple[str, str]] = {
    "attach": ("Strings", 'list of "stdin", "stdout", "stderr"'),
    "interactive": ("bool", "True or False"),
    "add_hosts": ("Mapping[str, Any] | Items", "{host: ip} or list of (host, ip)"),
    "aliases": ("Strings", "list of names"),
    "ip_address": ("str", "an IPv4 or IPv6 address"),
    "ipv6_address": ("str", "an IPv6 address (beside an IPv4 ip_address)"),
    "link_local_ips": ("Strings", "list of link-local IP addresses"),
    "net": ("str", '"none", "bridge", "host", a network or "container:<name>"'),
    "network": ("str", "a network name"),
    "cpu_period": ("int", "microseconds"),
    "cpu_quota": ("int", "microseconds, -1 for no limit"),
    "cpus": ("float", "number of CPUs, like 1.5"),
    "cpu_set": ("str", 'CPUs like "0-3" or "0,1"'),
    "cpu_set_cpus": ("str", 'CPUs like "0-3" or "0,1"'),
    "cpu_shares": ("int", "int >= 0"),
    "devices": ("Items", 'list of host_path, (host, container) or (host, container, "rwm")'),
    "dns": ("Items", "list of IP addresses"),
    "env": ("Mapping[str, str] | Items", 'dict, list of (key, value) or of "KEY=value"'),
    "expose": ("Items", 'list of port, "port/proto" or (port, proto)'),
    "healthcheck": ("Mapping[str, Any]", "dict of test, interval, timeout, start_period, retries"),
    "labels": ("StrMap", "dict of str to str"),
    "links": ("Mapping[str, str] | Items", "{container: alias} or list of (container, alias)"),
    "log_config": ("str | tuple[str, Mapping[str, str]]", "driver, or (driver, {option: value})"),
    "lxc_confs": ("StrMap", "dict of str to str"),
    "memory": ("int | str", 'size: bytes as int, or "512m", "1g", ...'),
    "memory_swap": ("int | str", "size, or -1 for unlimited"),
    "mounts": ("Items", 'list of Mount dicts or "type=volume,source=x,target=/data" strings'),
    "publish": ("Items", "list of port, (port, host_port) or (port, host_port, ip)"),
    "restart": ("str | tuple[str, int]", '"no", "always", "unless-stopped", ("on-failure", n)'),
    "shm_size": ("int | str", 'size: bytes as int, or "64m", ...'),
    "stop_signal": ("str", 'signal: "SIGTERM", ...'),
    "sysctls": ("Mapping[str, str]", "dict of str to str"),
    "tmpfs": ("Mapping[str, str] | Items", '{path: "options"} or list of "path[:options]"'),
    "ulimits": ("Items", "list of (name, soft, hard)"),
    "volumes": ("Items", 'list of "/path", "name:/path[:ro]" or (source, target[, mode])'),
    "volumes_from": ("Items", 'list of container or (container, "ro"|"rw")'),
    "workdir": ("str", "an absolute path"),
    "working_dir": ("str", "an absolute path"),
    "name": ("str", "container name"),
    "platform": ("str", 'platform, e.g. "linux/amd64"'),
    "extra": ("Mapping[str, Any]", 'API fields no option names: {"HostConfig": {...}, ...}'),
    "privileges": ("Items", "what plugin_privileges lists, accepted (a plugin asking none: [])"),
    "settings": ("StrMap | Strings", '{"DEBUG": "1"} or ["DEBUG=1", "mount.source=/x"]'),
    # Service and node options (nkdocker_actors.swarm_options; docs/api.md "Service options").
    "mode": ("str", '"replicated", "global", "replicated-job" or "global-job"'),
    "replicas": ("int", "int >= 0"),
    "image": ("str", '"busybox:latest" or "sha256:..."'),
    "command": ("str | Strings", 'the entrypoint: "sh" or ["sh", "-c"]'),
    "args": ("Strings", 'its arguments: ["-c", "sleep 1"]'),
    "stop_grace_period": ("int | float | str", 'seconds or "10s"'),
    "groups": ("Strings", '["staff"]'),
    "container_labels": ("StrMap", "dict of str to str"),
    "secrets": ("Items", "list of references (cluster.reference makes one)"),
    "configs": ("Items", "list of references (cluster.reference makes one)"),
    "resources": ("Mapping[str, Any]", '{"limits": {...}, "reservations": {...}}'),
    "restart_policy": ("Mapping[str, Any]", '{"condition", "delay", "max_attempts", "window"}'),
    "constraints": ("Strings", '["node.role==manager"]'),
    "preferences": ("Strings", '["spread=node.labels.zone"]'),
    "max_replicas_per_node": ("int", "int"),
    "log_driver": ("str | tuple[str, Mapping[str, str]]", "driver, or (driver, {option: value})"),
    "force_update": ("int", "int (changing it restarts every task)"),
    "update_config": ("Mapping[str, Any]", "parallelism, delay, failure_action, monitor, ..."),
    "rollback_config": ("Mapping[str, Any]", "parallelism, delay, failure_action, monitor, ..."),
    "ports": ("Items", '[80, "8080:80", "8080:80/udp", {"target", "published", ...}]'),
    "endpoint_mode": ("str", '"vip" or "dnsrr"'),
    "role": ("str", '"worker" or "manager"'),
    "availability": ("str", '"active", "pause" or "drain"'),
}

# Results, by reply decoder; JSON ones (the default decoder) by command name (else Any).
REPLIES: dict[str, str] = {
    "json_reply": "Any",
    "none_reply": "None",
    "text_reply": "str",
    "bytes_reply": "bytes",
    "list_reply": "list[dict[str, Any]]",
    "json_stream_reply": "list[dict[str, Any]]",
    "output_reply": "list[Output]",
    "_id_reply": "str",
    "_start_reply": "list[Output]",  # None with detach=True: see FLAGGED_RESULTS
    "_stat_reply": "dict[str, Any]",
    "_ports_reply": "Any",  # a {port: bindings} dict, or one port's bindings
    "headers_reply": "dict[str, str]",
}
JSON_REPLIES: dict[str, str] = {
    name: "dict[str, Any]"
    for name in [
        "version",
        "info",
        "login",
        "system_df",
        "create",
        "inspect",
        "top",
        "stats",
        "update",
        "wait",
        "container_prune",
        "build_prune",
        "inspect_image",
        "commit",
        "image_prune",
        "exec_inspect",
        "network_create",
        "network_inspect",
        "network_prune",
        "volumes",
        "volume_create",
        "volume_inspect",
        "volume_prune",
        "distribution_inspect",
        "plugin_inspect",
        "plugin_rm",
        "config_create",
        "config_inspect",
        "node_inspect",
        "secret_create",
        "secret_inspect",
        "service_create",
        "service_inspect",
        "service_update",
        "swarm_inspect",
        "swarm_unlockkey",
        "task_inspect",
    ]
} | {"networks": "list[dict[str, Any]]", "swarm_init": "str"}

# Commands whose result is another when a flag option is True: name -> (flag, result).
FLAGGED_RESULTS: dict[str, tuple[str, str]] = {"exec_start": ("detach", "None")}

UNKNOWN = ("Any", "value")


@dataclass(frozen=True)
class Param:
    """One parameter or option of a command method."""

    name: str
    type: str  # a type expression, in the stubs' names (see ALIASES)
    words: str  # what it accepts, for help()
    where: str = ""  # how it is sent, e.g. "query `since`, API 1.19+"


@dataclass(frozen=True)
class Shape:
    """A command method's signature and result, read from its table entries."""

    name: str
    doc: str
    params: tuple[Param, ...]  # required, positional or by name
    optional: tuple[Param, ...]  # positional that may be left out
    keywords: tuple[Param, ...]
    returns: str
    streams: bool  # takes subscriber= (the Future then holds a Ref)
    to_file: str | None  # the parameter that makes the result None (written to a file)
    flagged: tuple[str, str] | None  # (flag, result): the result when the flag is True
    more_options: bool  # some option names are not Python identifiers: **options
    more_args: bool  # some parameter names are not: *args (untyped) instead of the params


def _closure(encoder: Callable[..., Any]) -> dict[str, Any]:
    try:
        return dict(inspect.getclosurevars(encoder).nonlocals)
    except (TypeError, ValueError):
        return {}


def encoder_shape(encoder: Callable[..., Any]) -> tuple[str, str]:
    """(type, words) of what an encoder accepts."""
    name = getattr(encoder, "__name__", "")
    if name in ENCODERS:
        return ENCODERS[name]
    free = _closure(encoder)
    if "kind" in free:
        kind = str(free["kind"])
        code = getattr(encoder, "__code__", None)
        if code is not None and "strings" in code.co_names:
            return "str | Strings", f"{kind} id/name or list of them"
        return "str", f"{kind} id or name"
    if "upto" in free:
        return "int", f"int from 0 to {free['upto']}"
    if "allowed" in free:
        allowed = ", ".join(f'"{a}"' for a in free["allowed"])
        return f"Literal[{allowed}]", f"one of {allowed}"
    inner = free.get("encode")
    if callable(inner):
        kind, words = encoder_shape(inner)
        return kind, words + " (sent as JSON)"
    return UNKNOWN


def _create_option(name: str) -> tuple[str, str]:
    if name in CREATE_OPTIONS:
        return CREATE_OPTIONS[name]
    for group in getattr(create_options, "_GROUPS", ()):
        if name in group.names:
            kind = group.build.__qualname__.partition(".")[0]
            return BUILDERS.get(kind, UNKNOWN)
    return UNKNOWN


def _version(api: ApiVersion | None) -> str:
    return f"{api[0]}.{api[1]}" if api else ""


def _where(spec: Field) -> str:
    place = {"path": "path", "data": "request body", "local": "client side"}.get(spec.place)
    out = place or f"{spec.place} `{spec.api}`"
    if spec.since_api and spec.until_api:
        out += f", API {_version(spec.since_api)} to before {_version(spec.until_api)}"
    elif spec.since_api:
        out += f", API {_version(spec.since_api)}+"
    elif spec.until_api:
        out += f", API before {_version(spec.until_api)}"
    return out


def _param(name: str, variants: tuple[Command, ...]) -> Param:
    for command in reversed(variants):  # the newest variant that knows it says
        spec = command.fields.get(name)
        if spec is not None:
            kind, words = OPTIONS.get(name) or encoder_shape(spec.encode)
            return Param(name, kind, words, _where(spec))
    for command in reversed(variants):
        if name in command.body_options:
            kind, words = _create_option(name)
            return Param(name, kind, words, "body")
    return Param(name, *UNKNOWN)


def _returns(command: Command) -> str:
    if command.name in JSON_REPLIES:
        return JSON_REPLIES[command.name]
    return REPLIES.get(getattr(command.reply, "__name__", ""), "Any")


def _usable(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


EXTRAS = frozenset({"self", "timeout", "reply_to", "subscriber", "max_pending"})


def shape(name: str, variants: tuple[Command, ...] | None = None) -> Shape:
    """The shape of the command called `name` (every API variant of it)."""
    variants = ALL_COMMANDS[name] if variants is None else variants
    latest = variants[-1]
    positional = (*latest.params, *latest.optional)
    names: list[str] = []
    for command in variants:
        for option in [*command.fields, *sorted(command.body_options)]:
            if option not in positional and option not in names:
                names.append(option)
    usable = [n for n in names if _usable(n) and n not in EXTRAS]
    more_args = not all(_usable(n) and n not in EXTRAS for n in positional)
    flagged = FLAGGED_RESULTS.get(name)
    return Shape(
        name=name,
        doc=latest.doc,
        params=() if more_args else tuple(_param(n, variants) for n in latest.params),
        optional=() if more_args else tuple(_param(n, variants) for n in latest.optional),
        keywords=tuple(_param(n, variants) for n in usable),
        returns=_returns(latest),
        streams=latest.stream is not None,
        to_file=latest.to_file if latest.to_file in latest.optional and not more_args else None,
        flagged=flagged if flagged is not None and flagged[0] in usable else None,
        more_options=len(usable) < len(names),
        more_args=more_args,
    )


def shapes(commands: Mapping[str, tuple[Command, ...]] | None = None) -> list[Shape]:
    """Every command's shape, by name."""
    table = ALL_COMMANDS if commands is None else commands
    return [shape(name, variants) for name, variants in sorted(table.items())]


# -- for help() ---------------------------------------------------------------------


class _Shown:
    """A default value that shows as words in a signature."""

    def __init__(self, words: str) -> None:
        self.words = words

    def __repr__(self) -> str:
        return self.words


_CONNECTION_TIMEOUT = _Shown("<the connection's timeout>")


def signature(s: Shape) -> inspect.Signature:
    """The method's signature, as `help()` and `inspect.signature` show it."""
    kinds = inspect.Parameter
    out = [kinds("self", kinds.POSITIONAL_OR_KEYWORD)]
    if s.more_args:
        out.append(kinds("args", kinds.VAR_POSITIONAL, annotation="Any"))
    out += [kinds(p.name, kinds.POSITIONAL_OR_KEYWORD, annotation=p.type) for p in s.params]
    out += [
        kinds(p.name, kinds.POSITIONAL_OR_KEYWORD, default=None, annotation=f"{p.type} | None")
        for p in s.optional
    ]
    keyword_only: list[tuple[str, str, Any]] = [
        (p.name, f"{p.type} | None", None) for p in s.keywords
    ]
    keyword_only.append(("timeout", "float | None", _CONNECTION_TIMEOUT))
    keyword_only.append(("reply_to", "Subscriber | None", None))
    if s.streams:
        keyword_only += [("subscriber", "Subscriber | None", None)]
        keyword_only += [("max_pending", "int | None", None)]
    out += [kinds(n, kinds.KEYWORD_ONLY, default=d, annotation=t) for n, t, d in keyword_only]
    if s.more_options:
        out.append(kinds("options", kinds.VAR_KEYWORD, annotation="Any"))
    return inspect.Signature(out, return_annotation=f"Future[{s.returns}]")


def docstring(s: Shape) -> str:
    """The method's doc: what it does, every parameter with its value shape, the result."""
    lines = [s.doc, ""]
    rows = [*s.params, *s.optional, *s.keywords]
    if rows:
        lines.append("Parameters and options (checked before anything is sent):")
        for p in rows:
            where = f"  [{p.where}]" if p.where else ""
            lines += textwrap.wrap(
                f"{p.name}: {p.words}{where}", 88, initial_indent="  ", subsequent_indent="      "
            )
        lines.append("")
    lines.append(f"Returns a Future of {s.returns}.")
    lines.append(
        "Also takes timeout= (seconds, None for none) and reply_to= (a subscriber: the "
        "Future holds a Ref, the result comes as (ref, Data(result)))"
        + (
            "; subscriber= streams the reply as messages (the Future holds the Ref) with "
            "max_pending= bytes held undelivered at most."
            if s.streams
            else "."
        )
    )
    if s.to_file:
        lines.append(f"Given `{s.to_file}`, the result is written there and the Future holds None.")
    if s.flagged:
        lines.append(f"With {s.flagged[0]}=True the Future holds {s.flagged[1]}.")
    return "\n".join(textwrap.fill(line, 88) if len(line) > 88 else line for line in lines)
