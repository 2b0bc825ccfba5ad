"""HostConfig options of the newer API: block IO, realtime and Windows CPU limits, device
rules and requests (GPUs), memory tuning, runtimes, namespaces modes, masked paths."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .common import (
    _CPUSET_RE,
    _INT64_MAX,
    _NO_SPACE_RE,
    _abs_path,
    _bad,
    _Build,
    _Builder,
    _bytes,
    _Group,
    _int,
    _is_int,
    _pairs,
    _seq,
    _str_map,
    _string,
    _text,
    _words,
)

# "c 1:3 mr", "b *:* rwm", "a": what `docker run --device-cgroup-rule` takes.
_CGROUP_RULE_RE = re.compile(r"a|[abc] (?:[0-9]+|\*):(?:[0-9]+|\*) [rwm]{1,3}")
_DEVICE_REQUEST_KEYS = ("Driver", "Count", "DeviceIDs", "Capabilities", "Options")
_ISOLATION = ("default", "process", "hyperv")


def _int_option(option: str, key: str, lo: int, hi: int = _INT64_MAX) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        b.host[key] = _int(option, v[option], lo, hi)

    return build


def _bytes_option(option: str, key: str) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        b.host[key] = _bytes(option, v[option], "create option")

    return build


def _choice(option: str, key: str, allowed: tuple[str, ...]) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        if v[option] not in allowed:
            _bad(option, v[option], " or ".join(f'"{a}"' for a in allowed))
        b.host[key] = v[option]

    return build


def _paths(option: str, key: str) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        paths = []
        for item in _seq(option, v[option], "a list of absolute paths"):
            path = _abs_path(item, colon=True)
            if path is None:
                _bad(option, item, "an absolute path")
            paths.append(path)
        b.host[key] = paths

    return build


def _mapping(option: str, key: str) -> _Builder:
    def build(b: _Build, v: Mapping[str, Any]) -> None:
        b.host[key] = _str_map(option, v[option], "with string values")

    return build


def _throttle(option: str, key: str, unit: str) -> _Builder:
    """[{Path, Rate}] (or {Path, Weight}) from {device: value} or [(device, value)]."""
    expected = f"a dict or a list of (device path, {unit})"

    def build(b: _Build, v: Mapping[str, Any]) -> None:
        out = []
        for path, value in _pairs(option, v[option], expected):
            if _abs_path(path) is None:
                _bad(option, (path, value), expected)
            if unit == "weight":
                out.append({"Path": path, "Weight": _int(option, value, 10, 1000)})
            elif unit == "bytes per second":
                out.append({"Path": path, "Rate": _bytes(option, value, "create option")})
            else:
                out.append({"Path": path, "Rate": _int(option, value, 0)})
        b.host[key] = out

    return build


def _build_blkio_weight(b: _Build, v: Mapping[str, Any]) -> None:
    weight = _int("blkio_weight", v["blkio_weight"], 0, 1000)
    if 0 < weight < 10:
        _bad("blkio_weight", weight, "0 (default) or 10 to 1000")
    b.host["BlkioWeight"] = weight


def _build_cpuset_mems(b: _Build, v: Mapping[str, Any]) -> None:
    b.host["CpusetMems"] = _text("cpuset_mems", v["cpuset_mems"], 'nodes like "0-1"', _CPUSET_RE)


def _build_console_size(b: _Build, v: Mapping[str, Any]) -> None:
    raw = v["console_size"]
    expected = "(height, width), two integers from 0 to 65535"
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        _bad("console_size", raw, expected)
    b.host["ConsoleSize"] = [_int("console_size", n, 0, 65535) for n in raw]


def _build_device_cgroup_rules(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'rules like "c 1:3 mr" (type major:minor access)'
    rules = []
    for rule in _seq("device_cgroup_rules", v["device_cgroup_rules"], f"a list of {expected}"):
        rules.append(_text("device_cgroup_rules", rule, expected, _CGROUP_RULE_RE))
    b.host["DeviceCgroupRules"] = rules


def _device_request(item: object) -> dict[str, Any]:
    expected = "a DeviceRequest dict: " + ", ".join(_DEVICE_REQUEST_KEYS)
    if not isinstance(item, Mapping) or set(item) - set(_DEVICE_REQUEST_KEYS):
        _bad("device_requests", item, expected)
    out: dict[str, Any] = {}
    if "Driver" in item:
        out["Driver"] = _text("device_requests", item["Driver"], "a Driver name", _NO_SPACE_RE)
    if "Count" in item:
        out["Count"] = _int("device_requests", item["Count"], -1)  # -1: every device
    if "DeviceIDs" in item:
        out["DeviceIDs"] = _words("device_requests", item["DeviceIDs"], "device ids")
    if "Capabilities" in item:
        # An OR of ANDs: [["gpu", "nvidia"], ["compute"]]
        alternatives = _seq("device_requests", item["Capabilities"], "a list of lists")
        out["Capabilities"] = [
            _words("device_requests", caps, "capabilities") for caps in alternatives
        ]
    if "Options" in item:
        out["Options"] = _str_map("device_requests", item["Options"], "with string values")
    return out


def _build_device_requests(b: _Build, v: Mapping[str, Any]) -> None:
    raw = _seq("device_requests", v["device_requests"], "a list of DeviceRequest dicts")
    b.host["DeviceRequests"] = [_device_request(item) for item in raw]


def _build_memory_swappiness(b: _Build, v: Mapping[str, Any]) -> None:
    value = v["memory_swappiness"]
    # -1 is the daemon's "not set" (inherit the host's); the kernel takes 0 to 100.
    if not (_is_int(value) and -1 <= value <= 100):
        _bad("memory_swappiness", value, "an integer from 0 to 100 (or -1: the host's)")
    b.host["MemorySwappiness"] = value


def _build_userns_mode(b: _Build, v: Mapping[str, Any]) -> None:
    if v["userns_mode"] not in ("host", ""):
        _bad("userns_mode", v["userns_mode"], '"host" (or "" for the daemon\'s remapping)')
    b.host["UsernsMode"] = v["userns_mode"]


GROUPS: tuple[_Group, ...] = (
    _Group(("annotations",), _mapping("annotations", "Annotations")),
    _Group(("blkio_weight",), _build_blkio_weight),
    _Group(
        ("blkio_weight_device",),
        _throttle("blkio_weight_device", "BlkioWeightDevice", "weight"),
    ),
    _Group(
        ("blkio_device_read_bps",),
        _throttle("blkio_device_read_bps", "BlkioDeviceReadBps", "bytes per second"),
    ),
    _Group(
        ("blkio_device_write_bps",),
        _throttle("blkio_device_write_bps", "BlkioDeviceWriteBps", "bytes per second"),
    ),
    _Group(
        ("blkio_device_read_iops",),
        _throttle("blkio_device_read_iops", "BlkioDeviceReadIOps", "operations per second"),
    ),
    _Group(
        ("blkio_device_write_iops",),
        _throttle("blkio_device_write_iops", "BlkioDeviceWriteIOps", "operations per second"),
    ),
    _Group(("cgroup",), _string("cgroup", "Cgroup")),
    _Group(("cgroupns_mode",), _choice("cgroupns_mode", "CgroupnsMode", ("private", "host"))),
    _Group(("console_size",), _build_console_size),
    _Group(("cpu_count",), _int_option("cpu_count", "CpuCount", 0)),
    _Group(("cpu_percent",), _int_option("cpu_percent", "CpuPercent", 0, 100)),
    _Group(("cpu_realtime_period",), _int_option("cpu_realtime_period", "CpuRealtimePeriod", 0)),
    _Group(("cpu_realtime_runtime",), _int_option("cpu_realtime_runtime", "CpuRealtimeRuntime", 0)),
    _Group(("cpuset_mems",), _build_cpuset_mems),
    _Group(("device_cgroup_rules",), _build_device_cgroup_rules),
    _Group(("device_requests",), _build_device_requests),
    _Group(("io_maximum_bandwidth",), _bytes_option("io_maximum_bandwidth", "IOMaximumBandwidth")),
    _Group(("io_maximum_iops",), _int_option("io_maximum_iops", "IOMaximumIOps", 0)),
    _Group(("isolation",), _choice("isolation", "Isolation", _ISOLATION)),
    _Group(("masked_paths",), _paths("masked_paths", "MaskedPaths")),
    _Group(("memory_reservation",), _bytes_option("memory_reservation", "MemoryReservation")),
    _Group(("memory_swappiness",), _build_memory_swappiness),
    _Group(("oom_score_adj",), _int_option("oom_score_adj", "OomScoreAdj", -1000, 1000)),
    _Group(("readonly_paths",), _paths("readonly_paths", "ReadonlyPaths")),
    _Group(("runtime",), _string("runtime", "Runtime", pattern=_NO_SPACE_RE)),
    _Group(("storage_opt",), _mapping("storage_opt", "StorageOpt")),
    _Group(("userns_mode",), _build_userns_mode),
    _Group(("volume_driver",), _string("volume_driver", "VolumeDriver", pattern=_NO_SPACE_RE)),
)

# First API version that knows each (absent: 1.17).
SINCE: dict[str, tuple[int, int]] = {
    "annotations": (1, 43),
    "blkio_weight": (1, 19),
    "blkio_weight_device": (1, 22),
    "blkio_device_read_bps": (1, 22),
    "blkio_device_write_bps": (1, 22),
    "blkio_device_read_iops": (1, 22),
    "blkio_device_write_iops": (1, 22),
    "cgroup": (1, 41),
    "cgroupns_mode": (1, 41),
    "console_size": (1, 42),
    "cpu_count": (1, 25),
    "cpu_percent": (1, 25),
    "cpu_realtime_period": (1, 25),
    "cpu_realtime_runtime": (1, 25),
    "cpuset_mems": (1, 19),
    "device_cgroup_rules": (1, 28),
    "device_requests": (1, 40),
    "io_maximum_bandwidth": (1, 24),
    "io_maximum_iops": (1, 24),
    "isolation": (1, 22),
    "masked_paths": (1, 39),
    "memory_reservation": (1, 21),
    "memory_swappiness": (1, 20),
    "oom_score_adj": (1, 21),
    "readonly_paths": (1, 39),
    "runtime": (1, 24),
    "storage_opt": (1, 24),
    "userns_mode": (1, 23),
    "volume_driver": (1, 21),
}
