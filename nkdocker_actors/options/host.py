"""HostConfig options: resources, devices, security, namespaces, restart and logging."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..errors import InvalidOption
from .common import (
    _CONTAINER_RE,
    _CPUSET_RE,
    _INT64_MAX,
    _NO_SPACE_RE,
    _abs_path,
    _bad,
    _Build,
    _Builder,
    _bytes,
    _conflict,
    _flag,
    _Group,
    _int,
    _is_int,
    _number,
    _seq,
    _str_map,
    _string,
    _text,
    _word_list,
    _words,
)

ULIMIT_NAMES = frozenset(  # (the kernel's, as the engine knows them)
    {"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc"}
    | {"rss", "rtprio", "rttime", "sigpending", "stack"}
)


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
    # An empty driver name is the daemon's default driver, with these options.
    b.host["LogConfig"] = {
        "Type": "" if driver == "" else _text("log_config", driver, expected, _NO_SPACE_RE),
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


def _build_group_add(b: _Build, v: Mapping[str, Any]) -> None:
    """Groups by name or gid: ["audio", 1000]."""
    raw = _seq("group_add", v["group_add"], "a list of group names or gids")
    groups = [str(g) if _is_int(g) and g >= 0 else g for g in raw]
    b.host["GroupAdd"] = _words("group_add", groups, "group names or gids")


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


def ulimit_list(value: object, kind: str = "create option") -> list[dict[str, Any]]:
    """(name, soft, hard) items as the engine's [{Name, Soft, Hard}], checked: a limit the
    kernel knows, limits >= 0 or -1 (unlimited), soft <= hard. (Create's and build's.)"""
    expected = "a list of (name, soft, hard), limits >= 0 or -1 (unlimited), soft <= hard"
    limits: list[dict[str, Any]] = []
    for item in _seq("ulimits", value, expected, kind):
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            _bad("ulimits", item, expected, kind)
        name, soft, hard = item
        ok = isinstance(name, str) and name in ULIMIT_NAMES
        ok = ok and all(_is_int(n) and -1 <= n <= _INT64_MAX for n in (soft, hard))
        # -1 is unlimited: it can only be a soft limit under an unlimited hard one.
        if not ok or (hard != -1 and (soft == -1 or soft > hard)):
            _bad("ulimits", item, expected, kind)
        limits.append({"Name": name, "Soft": soft, "Hard": hard})
    return limits


def _build_ulimits(b: _Build, v: Mapping[str, Any]) -> None:
    b.host["Ulimits"] = ulimit_list(v["ulimits"])


def _build_shm_size(b: _Build, v: Mapping[str, Any]) -> None:
    b.host["ShmSize"] = _bytes("shm_size", v["shm_size"], "create option")


def _build_sysctls(b: _Build, v: Mapping[str, Any]) -> None:
    if not isinstance(v["sysctls"], Mapping):
        _bad("sysctls", v["sysctls"], 'a dict like {"net.ipv4.ip_forward": "1"}')
    b.host["Sysctls"] = _str_map("sysctls", v["sysctls"], "", re.compile(r"[^\s=]+"))


GROUPS: tuple[_Group, ...] = (
    _Group(("auto_remove",), _flag("auto_remove", "AutoRemove")),
    _Group(("cap_add",), _word_list("cap_add", "CapAdd", "capabilities")),
    _Group(("cap_drop",), _word_list("cap_drop", "CapDrop", "capabilities")),
    _Group(("cgroup_parent",), _string("cgroup_parent", "CgroupParent")),
    _Group(("cidfile",), _string("cidfile", "ContainerIDFile")),
    _Group(("cpu_period", "cpu_quota", "cpus"), _build_cpus),
    _Group(("cpu_set", "cpu_set_cpus"), _build_cpu_set),
    _Group(("cpu_shares",), _build_cpu_shares),
    _Group(("devices",), _build_devices),
    _Group(("group_add",), _build_group_add),
    _Group(("init",), _flag("init", "Init")),
    _Group(("ipc_mode",), _build_ns_mode("IpcMode", "ipc_mode")),
    _Group(("log_config",), _build_log_config),
    _Group(("lxc_confs",), _build_lxc_confs),
    _Group(("memory", "memory_swap"), _build_memory),
    _Group(("oom_kill_disable",), _flag("oom_kill_disable", "OomKillDisable")),
    _Group(("pid_mode",), _build_ns_mode("PidMode", "pid_mode")),
    _Group(("pids_limit",), _number("pids_limit", "PidsLimit", -1)),
    _Group(("privileged",), _flag("privileged", "Privileged")),
    _Group(("read_only",), _flag("read_only", "ReadonlyRootfs")),
    _Group(("restart",), _build_restart),
    _Group(("security_opts",), _word_list("security_opts", "SecurityOpt", "options")),
    _Group(("shm_size",), _build_shm_size),
    _Group(("sysctls",), _build_sysctls),
    _Group(("ulimits",), _build_ulimits),
    _Group(("uts_mode",), _build_ns_mode("UTSMode", "uts_mode")),
)
