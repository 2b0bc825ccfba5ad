"""The flags of `run` and `create`: docker's flag -> our create option.

CREATE_FLAGS is the one table both the parser and the conversion (`create_options`)
read. A value docker's flag type refuses is refused while the flags are walked (a
flag's `type` raising ArgumentTypeError: `invalid argument "x" for "--flag" flag: ...`,
125); what docker refuses only once every flag is read, by `check_values`.
"""

from __future__ import annotations

import argparse
import csv
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidOption
from ..options import ULIMIT_NAMES, parse_bytes, parse_duration_ns
from .common import PROG, Arg, CliError, arg, pairs, to_int
from .usage import UsageError, cpus

# -- flag values, refused in docker's words (usage.py turns the reason into its error) --

_GO_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", re.I)
_RAM_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def ram_bytes(text: str) -> int:
    """A size as docker's -m and --shm-size read it (go-units' RAMInBytes): "64m", "1.5g",
    "512", "2GiB" (units of 1024)."""
    split = max(text.rfind(c) for c in "0123456789. ")
    if split == -1:  # (not one digit)
        raise argparse.ArgumentTypeError(f"invalid size: '{text}'")
    number, suffix = text[: split + (text[split] != " ")], text[split + 1 :]
    if not _GO_FLOAT.fullmatch(number):
        raise argparse.ArgumentTypeError(f'strconv.ParseFloat: parsing "{number}": invalid syntax')
    size = float(number)
    if size < 0:
        raise argparse.ArgumentTypeError(f"invalid size: '{text}'")
    if len(suffix) > 3:
        raise argparse.ArgumentTypeError(f"invalid suffix: '{suffix}'")
    suffix = suffix.lower()
    unit, rest = ("", "") if suffix in ("", "b") else (suffix[0], suffix[1:])
    if unit not in _RAM_UNITS or rest not in ("", "b", "ib"):  # ("k", "kb", "kib")
        raise argparse.ArgumentTypeError(f"invalid suffix: '{suffix}'")
    return int(size * _RAM_UNITS[unit])


def swap_bytes(text: str) -> int:
    """--memory-swap: a size, or -1 (no limit)."""
    return -1 if text == "-1" else ram_bytes(text)


def ulimit(text: str) -> tuple[str, int, int]:
    """NAME=SOFT[:HARD], as docker's go-units ParseUlimit reads it."""
    name, sep, limits = text.partition("=")
    if not sep or "=" in limits:
        raise argparse.ArgumentTypeError(f"invalid ulimit argument: {text}")
    if name not in ULIMIT_NAMES:
        raise argparse.ArgumentTypeError(f"invalid ulimit type: {name}")
    values = limits.split(":")
    if len(values) > 2:
        raise argparse.ArgumentTypeError(
            f"too many limit value arguments - {limits}, can only have up to two, `soft[:hard]`"
        )
    numbers = []
    for value in values:
        if not re.fullmatch(r"[+-]?\d+", value):
            raise argparse.ArgumentTypeError(f'strconv.ParseInt: parsing "{value}": invalid syntax')
        numbers.append(int(value))
    soft, hard = numbers[0], numbers[-1]
    if soft > hard:
        raise argparse.ArgumentTypeError(
            f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        )
    return name, soft, hard


def extra_host(text: str) -> str:
    """HOST:IP or HOST=IP (an IPv6 address may be in brackets) as the API's "host:ip"."""
    host, sep, address = text.partition("=")
    if not sep:
        host, sep, address = text.partition(":")
    if not sep or not host:
        raise argparse.ArgumentTypeError(f'bad format for add-host: "{text}"')
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    if address != "host-gateway":
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'invalid IP address in add-host: "{address}"'
            ) from None
    return f"{host}:{address}"


def restart_policy(text: str) -> Any:
    """--restart no|always|unless-stopped|on-failure[:N]."""
    name, _, retries = text.partition(":")
    return (name, to_int(retries, "--restart on-failure:N")) if retries else name


def _publish(specs: list[str]) -> list[Any]:
    """-p [IP:][HOST:]CONTAINER[/PROTO] as the API's (port, host_port, ip) items."""
    items: list[Any] = []
    for spec in specs:
        ip = ""
        if spec.startswith("["):
            ip, _, spec = spec[1:].partition("]:")
        parts = spec.split(":")
        if len(parts) == 3:
            ip, host, container = parts
        elif len(parts) == 2:
            host, container = parts
        else:
            host, container = "", parts[0]
        items.append((container, host, ip) if ip else (container, host))
    return items


def _volume(spec: str) -> Any:
    """-v [SOURCE:]TARGET[:ro|rw]."""
    parts = spec.split(":")
    if len(parts) == 1:
        return spec
    if len(parts) == 3:
        return (parts[0], parts[1], parts[2])
    return (parts[0], parts[1])


def _log_config(args: argparse.Namespace) -> Any:
    options = pairs(args.log_opt, "log option")
    driver = args.log_driver or "json-file"
    return (driver, options) if options else driver


def _healthcheck(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.no_healthcheck:
        return {"test": ["NONE"]}
    check: dict[str, Any] = {}
    if args.health_cmd:
        check["test"] = ["CMD-SHELL", args.health_cmd]
    for flag in ("interval", "timeout", "start_period", "start_interval"):
        value = getattr(args, f"health_{flag}")
        if value:
            check[flag] = value
    if args.health_retries is not None:
        check["retries"] = args.health_retries
    return check or None


def _capabilities(names: list[str]) -> list[str]:
    """--cap-add/--cap-drop as the docker CLI sends them: CAP_ prefixed, ALL as is."""
    return [
        n if n.upper() == "ALL" or n.upper().startswith("CAP_") else f"CAP_{n.upper()}"
        for n in names
    ]


def _device(spec: str) -> Any:
    parts = spec.split(":")
    return parts[0] if len(parts) == 1 else tuple(parts)


def _file_lines(paths: list[str] | None) -> list[str]:
    """The lines of --env-file / --label-file files, blank lines and comments left out."""
    lines: list[str] = []
    for path in paths or []:
        with open(path, encoding="utf-8") as file:
            lines += [x.strip() for x in file if x.strip() and not x.lstrip().startswith("#")]
    return lines


def environment(args: argparse.Namespace) -> dict[str, str]:
    """-e and --env-file (run, create, exec): the variables, the files' first."""
    return pairs([*_file_lines(args.env_file), *(args.env or [])], "environment variable")


def _labels(args: argparse.Namespace) -> dict[str, str]:
    return pairs([*_file_lines(args.label_file), *(args.label or [])], "label")


# -- values read as docker's flag types read them ----------------------------------------

_GO_UINT = re.compile(r"[0-9]+\Z")
_CGROUP_RULE = re.compile(r"[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}\Z")


def _uint(text: str, bits: int) -> int:
    """Go's strconv.ParseUint(text, 10, bits), in its words."""
    if not _GO_UINT.match(text):
        raise argparse.ArgumentTypeError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    if int(text) >= 2**bits:
        raise argparse.ArgumentTypeError(f'strconv.ParseUint: parsing "{text}": value out of range')
    return int(text)


def env_var(text: str) -> str:
    """A -e flag's KEY[=VALUE], refused without a KEY as docker's ValidateEnv refuses it."""
    if not text.partition("=")[0]:
        raise argparse.ArgumentTypeError(f"invalid environment variable: {text}")
    return text


def uint16(text: str) -> int:
    """A uint16 flag (--blkio-weight)."""
    return _uint(text, 16)


def duration(text: str) -> str:
    """A duration flag ("1s", "1m30s"): the text, the API reads it."""
    if text.lstrip("+-") != "0" and not re.search(r"[a-zµ]\Z", text):
        raise argparse.ArgumentTypeError(f'time: missing unit in duration "{text}"')
    try:
        parse_duration_ns("duration", text.lstrip("+-"))
    except InvalidOption:
        raise argparse.ArgumentTypeError(f'time: invalid duration "{text}"') from None
    return text


def _device_path(spec: str) -> tuple[str, str]:
    """DEVICE:VALUE of the throttle and weight flags: the path checked as docker's."""
    path, colon, value = spec.partition(":")
    if not colon or not path:
        raise argparse.ArgumentTypeError(f"bad format: {spec}")
    if not path.startswith("/dev/"):
        raise argparse.ArgumentTypeError(f"bad format for device path: {spec}")
    return path, value


def weight_device(spec: str) -> tuple[str, int]:
    """--blkio-weight-device /dev/sda:300 (10 to 1000, 0: the default)."""
    path, value = _device_path(spec)
    weight = int(value) if _GO_UINT.match(value) else -1
    if not (weight == 0 or 10 <= weight <= 1000):
        raise argparse.ArgumentTypeError(f"invalid weight for device: {spec}")
    return path, weight


def rate_device(spec: str) -> tuple[str, int]:
    """--device-read-bps /dev/sda:10m: bytes per second, a size."""
    path, value = _device_path(spec)
    try:
        return path, parse_bytes("rate", value)
    except InvalidOption:
        raise argparse.ArgumentTypeError(
            f"invalid rate for device: {spec}. The correct format is"
            " <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is"
            " optional and can be kb, mb, or gb"
        ) from None


def iops_device(spec: str) -> tuple[str, int]:
    """--device-read-iops /dev/sda:1000: operations per second."""
    path, value = _device_path(spec)
    if not _GO_UINT.match(value) or int(value) >= 2**64:
        raise argparse.ArgumentTypeError(
            f"invalid rate for device: {spec}. The correct format is <device-path>:<number>."
            " Number must be a positive integer"
        )
    return path, int(value)


def cgroup_rule(text: str) -> str:
    """--device-cgroup-rule 'c 1:3 mr'."""
    if not _CGROUP_RULE.match(text):
        raise argparse.ArgumentTypeError(f"invalid device cgroup format '{text}'")
    return text


def _gpu_count(text: str) -> int:
    if text == "all":
        return -1
    if not re.match(r"[+-]?[0-9]+\Z", text):
        raise argparse.ArgumentTypeError(
            f'invalid count ({text}): value must be either "all" or an integer: invalid syntax'
        )
    return int(text)


def gpu_request(text: str) -> dict[str, Any]:
    """--gpus all|N|device=0,1|count=N,capabilities=...,driver=...,options=K=V: one
    DeviceRequest, as docker's GpuOpts reads it (its fields a CSV record)."""
    fields = next(csv.reader([text]), None)
    if not fields:
        raise argparse.ArgumentTypeError("EOF")
    request: dict[str, Any] = {}
    seen: set[str] = set()
    for field in fields:
        key, has_value, value = field.partition("=")
        if key in seen:
            raise argparse.ArgumentTypeError(f"gpu request key '{key}' can be specified only once")
        seen.add(key)
        if not has_value:  # a bare word is the count
            seen.add("count")
            request["Count"] = _gpu_count(key)
        elif key == "driver":
            request["Driver"] = value
        elif key == "count":
            request["Count"] = _gpu_count(value)
        elif key == "device":
            request["DeviceIDs"] = value.split(",")
        elif key == "capabilities":
            request["Capabilities"] = [[*value.split(","), "gpu"]]
        elif key == "options":
            options = next(csv.reader([value]), [])
            request["Options"] = dict(o.partition("=")[::2] for o in options)
        else:
            raise argparse.ArgumentTypeError(f"unexpected key '{key}' in '{field}'")
    if "count" not in seen and "DeviceIDs" not in request:
        request["Count"] = 1
    request.setdefault("Options", {})
    request.setdefault("Capabilities", [["gpu"]])
    return request


def _key_values(items: list[str]) -> dict[str, str]:
    """KEY=VALUE items (--annotation: a KEY alone has the value "")."""
    return dict(item.partition("=")[::2] for item in items)


def check_values(args: argparse.Namespace) -> None:
    """What docker refuses once every flag is read (before it dials the daemon)."""
    problem = None
    if args.pull not in ("always", "missing", "never"):
        problem = (
            f'invalid pull option: \'{args.pull}\': must be one of "always", "missing" or "never"'
        )
    elif args.memory_swappiness is not None and not -1 <= args.memory_swappiness <= 100:
        problem = f"invalid value: {args.memory_swappiness}. Valid memory swappiness range is 0-100"
    elif any("=" not in option for option in args.storage_opt or []):
        problem = "invalid storage option"
    elif args.cgroupns not in (None, "", "host", "private"):
        problem = "--cgroupns: invalid CGROUP mode"
    elif args.userns not in (None, "", "host"):
        problem = "--userns: invalid USER mode"
    elif (args.health_start_interval or "").startswith("-"):
        problem = "--health-start-interval cannot be negative"
    if problem is not None:
        hint = f"Run '{PROG} {args.command} --help' for more information"
        raise UsageError(problem, 125, f"{PROG}: {problem}\n\n{hint}\n")


@dataclass(frozen=True)
class Flag:
    """A docker create flag: its argument, how it becomes a create option, and the API
    version docker's flag needs (its "version" annotation)."""

    arg: Arg
    option: str | None = None
    convert: Callable[[Any], Any] | None = None
    since: tuple[int, int] | None = None

    @property
    def dest(self) -> str:
        """Where argparse puts its value."""
        long = [f for f in self.arg.flags if f.startswith("--")]
        return (long or list(self.arg.flags))[0].lstrip("-").replace("-", "_")


def _f(
    option: str | None,
    *flags: str,
    convert: Callable[[Any], Any] | None = None,
    since: tuple[int, int] | None = None,
    **kw: Any,
) -> Flag:
    return Flag(arg(*flags, **kw), option, convert, since)


_MANY: dict[str, Any] = {"action": "append", "default": None}
CREATE_FLAGS: tuple[Flag, ...] = (
    _f("tty", "-t", "--tty", action="store_true", help="allocate a TTY"),
    _f("interactive", "-i", "--interactive", action="store_true", help="keep stdin open"),
    _f("name", "--name", help="container name"),
    _f(
        None,
        "-a",
        "--attach",
        choices=("stdin", "stdout", "stderr", "STDIN", "STDOUT", "STDERR"),
        help="attach to this stream (repeatable)",
        **_MANY,
    ),
    _f(
        None,
        "-e",
        "--env",
        type=env_var,
        metavar="KEY[=VALUE]",
        help="environment variable",
        **_MANY,
    ),
    _f(None, "--env-file", metavar="FILE", help="environment file", **_MANY),
    _f(None, "-l", "--label", metavar="KEY=VALUE", help="label", **_MANY),
    _f(None, "--label-file", metavar="FILE", help="label file", **_MANY),
    _f("workdir", "-w", "--workdir", help="working directory inside"),
    _f("user", "-u", "--user", help="user[:group]"),
    _f(
        "entrypoints",
        "--entrypoint",
        convert=lambda v: [v] if v else [],
        help="override the entrypoint",
    ),
    _f("hostname", "-h", "--hostname", help="host name"),
    _f("domain_name", "--domainname", help="domain name"),
    _f("network", "--network", "--net", help="network to connect to"),
    _f("aliases", "--network-alias", metavar="ALIAS", help="network-scoped alias", **_MANY),
    _f("ip_address", "--ip", help="IPv4 address on the network"),
    _f("ipv6_address", "--ip6", help="IPv6 address on the network"),
    _f(
        "link_local_ips",
        "--link-local-ip",
        metavar="IP",
        help="link-local address on the network",
        **_MANY,
    ),
    _f("mac_address", "--mac-address", help="MAC address"),
    _f(
        "publish",
        "-p",
        "--publish",
        convert=_publish,
        metavar="[IP:][HOST:]PORT[/PROTO]",
        help="publish a port",
        **_MANY,
    ),
    _f("publish_all", "-P", "--publish-all", action="store_true", help="publish exposed ports"),
    _f("expose", "--expose", metavar="PORT", help="expose a port", **_MANY),
    _f(
        "volumes",
        "-v",
        "--volume",
        convert=lambda vs: [_volume(v) for v in vs],
        metavar="[SRC:]DST[:ro]",
        help="bind or volume",
        **_MANY,
    ),
    _f("mounts", "--mount", metavar="type=...,target=...", help="mount", **_MANY),
    _f("volumes_from", "--volumes-from", metavar="CONTAINER", help="volumes of", **_MANY),
    _f("tmpfs", "--tmpfs", metavar="PATH[:OPTS]", help="tmpfs mount", **_MANY),
    _f("restart", "--restart", convert=restart_policy, help="restart policy"),
    _f("memory", "-m", "--memory", type=ram_bytes, help="memory limit"),
    _f("memory_swap", "--memory-swap", type=swap_bytes, help="memory + swap limit"),
    _f("shm_size", "--shm-size", type=ram_bytes, help="size of /dev/shm"),
    _f("cpus", "--cpus", type=cpus, help="number of CPUs"),
    _f("cpu_shares", "-c", "--cpu-shares", type=int, help="relative CPU weight"),
    _f("cpu_period", "--cpu-period", type=int, help="CFS period (µs)"),
    _f("cpu_quota", "--cpu-quota", type=int, help="CFS quota (µs)"),
    _f("cpu_set_cpus", "--cpuset-cpus", help="CPUs allowed (0-3, 0,1)"),
    _f("pids_limit", "--pids-limit", type=int, help="process limit"),
    _f("memory_reservation", "--memory-reservation", type=ram_bytes, help="memory soft limit"),
    _f("memory_swappiness", "--memory-swappiness", type=int, help="swappiness (0 to 100)"),
    _f("cpuset_mems", "--cpuset-mems", help="memory nodes allowed (0-3, 0,1)"),
    _f(
        "cpu_realtime_period",
        "--cpu-rt-period",
        type=int,
        since=(1, 25),
        help="realtime period (µs)",
    ),
    _f(
        "cpu_realtime_runtime",
        "--cpu-rt-runtime",
        type=int,
        since=(1, 25),
        help="realtime runtime (µs)",
    ),
    _f("blkio_weight", "--blkio-weight", type=uint16, help="block IO weight (10 to 1000)"),
    _f(
        "blkio_weight_device",
        "--blkio-weight-device",
        type=weight_device,
        metavar="DEVICE:WEIGHT",
        help="block IO weight of a device",
        **_MANY,
    ),
    *(
        _f(
            f"blkio_device_{way}_{unit}",
            f"--device-{way}-{unit}",
            type=rate_device if unit == "bps" else iops_device,
            metavar="DEVICE:RATE",
            help=f"limit the {way} rate of a device ({what} per second)",
            **_MANY,
        )
        for way in ("read", "write")
        for unit, what in (("bps", "bytes"), ("iops", "operations"))
    ),
    _f("oom_score_adj", "--oom-score-adj", type=int, help="OOM preference (-1000 to 1000)"),
    _f("oom_kill_disable", "--oom-kill-disable", action="store_true", help="no OOM killer"),
    _f(
        "ulimits",
        "--ulimit",
        type=ulimit,
        metavar="NAME=SOFT[:HARD]",
        help="ulimit",
        **_MANY,
    ),
    _f("init", "--init", action="store_true", help="run an init inside (signals, reaping)"),
    _f("privileged", "--privileged", action="store_true", help="extended privileges"),
    _f("read_only", "--read-only", action="store_true", help="read-only root filesystem"),
    _f(
        "cap_add",
        "--cap-add",
        convert=_capabilities,
        metavar="CAP",
        help="add a capability",
        **_MANY,
    ),
    _f(
        "cap_drop",
        "--cap-drop",
        convert=_capabilities,
        metavar="CAP",
        help="drop a capability",
        **_MANY,
    ),
    _f("userns_mode", "--userns", help="user namespace (host)"),
    _f("cgroupns_mode", "--cgroupns", since=(1, 41), help="cgroup namespace (host, private)"),
    _f("runtime", "--runtime", help="OCI runtime"),
    _f("isolation", "--isolation", help="isolation technology"),
    _f(
        "storage_opt",
        "--storage-opt",
        convert=_key_values,
        metavar="KEY=VALUE",
        help="storage driver option",
        **_MANY,
    ),
    _f("volume_driver", "--volume-driver", help="volume driver of the -v volumes"),
    _f(
        "annotations",
        "--annotation",
        convert=_key_values,
        metavar="KEY=VALUE",
        help="annotation for the OCI runtime",
        since=(1, 43),
        **_MANY,
    ),
    _f(
        "device_requests",
        "--gpus",
        type=gpu_request,
        metavar="REQUEST",
        help="GPUs (all, N, device=0,1, count=N,capabilities=...)",
        since=(1, 40),
        **_MANY,
    ),
    _f(
        "device_cgroup_rules",
        "--device-cgroup-rule",
        type=cgroup_rule,
        metavar="RULE",
        help="device cgroup rule",
        **_MANY,
    ),
    _f("security_opts", "--security-opt", metavar="OPT", help="security option", **_MANY),
    _f("group_add", "--group-add", metavar="GROUP", help="additional group", **_MANY),
    _f(
        "devices",
        "--device",
        convert=lambda vs: [_device(v) for v in vs],
        metavar="HOST[:CONT[:rwm]]",
        help="host device",
        **_MANY,
    ),
    _f("dns", "--dns", metavar="IP", help="DNS server", **_MANY),
    _f("dns_search", "--dns-search", metavar="DOMAIN", help="DNS search domain", **_MANY),
    _f("dns_options", "--dns-option", metavar="OPT", help="DNS resolver option", **_MANY),
    _f(
        "add_hosts",
        "--add-host",
        type=extra_host,
        convert=lambda vs: [tuple(v.split(":", 1)) for v in vs],
        metavar="HOST:IP",
        help="an /etc/hosts entry",
        **_MANY,
    ),
    _f(
        "links",
        "--link",
        convert=lambda vs: [tuple((v + ":" + v).split(":")[:2]) for v in vs],
        metavar="NAME[:ALIAS]",
        help="link to a container",
        **_MANY,
    ),
    _f(
        "sysctls",
        "--sysctl",
        convert=lambda vs: pairs(vs, "sysctl"),
        metavar="KEY=VALUE",
        help="namespaced kernel parameter",
        **_MANY,
    ),
    _f("ipc_mode", "--ipc", help="IPC mode"),
    _f("pid_mode", "--pid", help="PID namespace"),
    _f("uts_mode", "--uts", help="UTS namespace"),
    _f("cgroup_parent", "--cgroup-parent", help="parent cgroup"),
    _f("cidfile", "--cidfile", help="write the container id to this file"),
    _f("stop_signal", "--stop-signal", help="signal that stops the container"),
    _f("stop_timeout", "--stop-timeout", type=int, help="seconds before a kill on stop"),
    _f(None, "--log-driver", help="logging driver"),
    _f(None, "--log-opt", metavar="KEY=VALUE", help="logging driver option", **_MANY),
    _f(None, "--health-cmd", help="health check command"),
    _f(None, "--health-interval", help="between checks (30s)"),
    _f(None, "--health-timeout", help="a check's limit"),
    _f(None, "--health-start-period", help="grace period"),
    _f(
        None,
        "--health-start-interval",
        type=duration,
        since=(1, 44),
        help="between checks in the grace period",
    ),
    _f(None, "--health-retries", type=int, help="failures before unhealthy"),
    _f(None, "--no-healthcheck", action="store_true", help="disable the image's check"),
    _f("platform", "--platform", help="os[/arch[/variant]]"),
    _f(
        None,
        "--pull",
        metavar="{always,missing,never}",
        default="missing",
        help="pull the image first (missing)",
    ),
    _f(None, "-q", "--quiet", action="store_true", help="no pull progress"),
)


def _given(value: Any) -> bool:
    return not (value is None or value is False or value == [])


def check_api(args: argparse.Namespace, api: tuple[int, int]) -> None:
    """Refuse a flag the daemon's API version is too old for, in docker's words and
    code (1, run's too)."""
    for flag in CREATE_FLAGS:
        if flag.since is not None and api < flag.since and _given(getattr(args, flag.dest)):
            name = max(flag.arg.flags, key=len)
            raise CliError(
                f'"{name}" requires API version {flag.since[0]}.{flag.since[1]}, but the'
                f" Docker daemon API version is {api[0]}.{api[1]}"
            )


def create_options(args: argparse.Namespace, detach: bool = False) -> dict[str, Any]:
    """The create options our flags ask for (flags not given are left out); attached to
    stdout and stderr (and stdin with -i) unless detached, as the docker CLI creates."""
    options: dict[str, Any] = {}
    if args.attach:
        options["attach"] = [stream.lower() for stream in args.attach]
    elif not detach:
        options["attach"] = ["stdout", "stderr", *(["stdin"] if args.interactive else [])]
    for flag in CREATE_FLAGS:
        if flag.option is None:
            continue
        value = getattr(args, flag.dest)
        if not _given(value):
            continue
        options[flag.option] = flag.convert(value) if flag.convert else value
    if args.cmd:
        options["cmds"] = list(args.cmd)
    env, labels = environment(args), _labels(args)
    if env:
        options["env"] = env
    if labels:
        options["labels"] = labels
    if args.log_driver or args.log_opt:
        options["log_config"] = _log_config(args)
    health = _healthcheck(args)
    if health:
        options["healthcheck"] = health
    return options
