"""Service options -> a Swarm ServiceSpec, and node options -> a NodeSpec.

Like the create options (`options.py`, whose checkers this module reuses through
`create_body`), every option is checked by type and shape and against the
negotiated API version before anything is built: a bad one is an `InvalidOption`
naming it, and nothing is sent.

Value shapes (snake_case options; the API field they set in brackets):

Service
    name             "web": letters, digits and '-' [Name]
    labels           {"k": "v"}: the service's labels [Labels]
    mode             "replicated" (default) | "global" | "replicated-job" | "global-job" [Mode]
    replicas         int >= 0, for "replicated" and "replicated-job" [Mode.Replicated.Replicas]
Container (TaskTemplate.ContainerSpec)
    image            "busybox:latest", or an image id "sha256:..." (never pulled) [Image]
    command          the entrypoint: "sh" or ["sh", "-c"] (a string is one argument) [Command]
    args             its arguments: ["-c", "sleep 1"] [Args]
    env              {"K": "v"}, [("K", "v")] or ["K=v"] [Env]
    workdir, user, hostname    strings [Dir, User, Hostname]
    tty, open_stdin, read_only, init    True/False [TTY, OpenStdin, ReadOnly, Init]
    stop_signal      "SIGTERM" [StopSignal]
    stop_grace_period    seconds or "10s" [StopGracePeriod]
    groups           ["staff"] [Groups]
    container_labels {"k": "v"} [Labels]
    cap_add, cap_drop    ["NET_ADMIN"] (API 1.41) [CapabilityAdd, CapabilityDrop]
    sysctls          {"net.core.somaxconn": "1024"} (API 1.40) [Sysctls]
    mounts           as the create option: dicts or "type=volume,source=x,target=/d" [Mounts]
    healthcheck      as the create option: {"test", "interval", "timeout", "retries",
                     "start_period"} [HealthCheck]
    secrets, configs references: [{"id": ..., "name": ..., "target": "file name",
                     "uid": "0", "gid": "0", "mode": 0o444}] (id and name required, as
                     secret_create / secret_inspect give them; target defaults to the name)
Task (TaskTemplate)
    networks         ["net"] or [{"target": "net", "aliases": ["a"]}] [Networks]
    resources        {"limits": {"cpus": 0.5, "memory": "64m", "pids": 100},
                      "reservations": {"cpus": 0.1, "memory": "16m"}} [Resources]
    restart_policy   {"condition": "none"|"on-failure"|"any", "delay": "5s",
                      "max_attempts": 3, "window": "1m"} [RestartPolicy]
    constraints      ["node.role==manager", "node.labels.zone!=b"] [Placement.Constraints]
    preferences      ["spread=node.labels.zone"] or [("spread", "node.labels.zone")]
                     [Placement.Preferences]
    max_replicas_per_node  int (API 1.40) [Placement.MaxReplicas]
    log_driver       "json-file" or ("json-file", {"max-size": "1m"}) [LogDriver]
    force_update     int: changing it restarts every task [ForceUpdate]
Rollout
    update_config, rollback_config  {"parallelism": 1, "delay": "1s", "failure_action":
                     "pause"|"continue"|"rollback" (update only), "monitor": "5s",
                     "max_failure_ratio": 0.0-1.0, "order": "stop-first"|"start-first"}
                     [UpdateConfig, RollbackConfig (API 1.28)]
Endpoint (EndpointSpec)
    ports            [80, "8080:80", "8080:80/udp", {"target": 80, "published": 8080,
                      "protocol": "tcp", "publish_mode": "ingress"|"host"}] [Ports]
    endpoint_mode    "vip" | "dnsrr" [Mode]

A service update replaces the whole spec (the API's rule): `service_spec(options, api,
base=current)` starts from the current spec and changes only what the options set
(each option replaces the field it sets; `mode`/`replicas` replace Mode).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from . import identifiers
from .errors import InvalidOption
from .options import ApiVersion, config_body, create_body, parse_bytes, parse_duration_ns

__all__ = [
    "NODE_OPTIONS",
    "SERVICE_OPTIONS",
    "merge_spec",
    "node_spec",
    "service_spec",
]

_KIND = "service option"
_NAME_RE = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")
_CONSTRAINT_RE = re.compile(r"\s*[A-Za-z0-9_.-]+\s*(?:==|!=)\s*\S.*")
_PORT_RE = re.compile(r"(?:([0-9]{1,5}):)?([0-9]{1,5})(?:/(tcp|udp|sctp))?")
_MODES = ("replicated", "global", "replicated-job", "global-job")

# First API version that knows an option (absent: 1.24, where services began).
_SINCE: dict[str, ApiVersion] = {
    "secrets": (1, 25),
    "healthcheck": (1, 25),
    "hostname": (1, 25),
    "networks": (1, 25),
    "groups": (1, 25),
    "read_only": (1, 28),
    "rollback_config": (1, 28),
    "configs": (1, 30),
    "init": (1, 37),
    "max_replicas_per_node": (1, 40),
    "sysctls": (1, 40),
    "cap_add": (1, 41),
    "cap_drop": (1, 41),
}


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _bad(name: str, value: object, expected: str) -> NoReturn:
    raise InvalidOption(f"{_KIND} {name!r}: bad value {_show(value)} (expected {expected})")


def _int(name: str, value: object, lo: int = 0, hi: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        _bad(name, value, f"an integer from {lo} to {hi}")
    return value


def _str(name: str, value: object, expected: str = "a string") -> str:
    if not isinstance(value, str) or not value or any(ord(c) < 32 for c in value):
        _bad(name, value, expected)
    return value


def _strings(name: str, value: object) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        _bad(name, value, "a list of strings")
    return [_str(name, item, "a list of strings") for item in value]


def _str_map(name: str, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        _bad(name, value, "a dict of strings")
    return dict(value)


def _dict(name: str, value: object, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _bad(name, value, "a dict of " + ", ".join(keys))
    for key in value:
        if key not in keys:
            _bad(name, key, "a key among " + ", ".join(keys))
    return value


def _duration(name: str, value: object) -> int:
    if not isinstance(value, int | float | str) or isinstance(value, bool):
        _bad(name, value, 'seconds or a duration like "10s"')
    return parse_duration_ns(name, value)


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        _bad(name, value, "one of " + ", ".join(map(repr, allowed)))
    return str(value)


def _reused(option: str, value: object, api: ApiVersion, key: str, *, host: bool = False) -> Any:
    """A field built by the create options' own checker (named as a service option)."""
    try:
        if host:
            return create_body("x", {option: value}, api)["HostConfig"][key]
        return config_body({option: value}, api)[key]
    except InvalidOption as error:
        raise InvalidOption(str(error).replace("create option", _KIND, 1)) from None


# -- builders: each sets its part of the spec ------------------------------------------


class _Spec:
    """The parts of a ServiceSpec being filled in."""

    def __init__(self, api: ApiVersion) -> None:
        self.api = api
        self.top: dict[str, Any] = {}
        self.task: dict[str, Any] = {}
        self.container: dict[str, Any] = {}
        self.placement: dict[str, Any] = {}
        self.endpoint: dict[str, Any] = {}


def _cpus(name: str, value: object) -> int:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            _bad(name, value, "a number of CPUs, like 0.5")
    if isinstance(value, bool) or not isinstance(value, int | float):
        _bad(name, value, "a number of CPUs, like 0.5")
    if not math.isfinite(value) or value < 0:
        _bad(name, value, "a number of CPUs >= 0")
    return round(value * 10**9)


def _resources(s: _Spec, value: object) -> None:
    shape = _dict("resources", value, ("limits", "reservations"))
    out: dict[str, Any] = {}
    for part, field in (("limits", "Limits"), ("reservations", "Reservations")):
        if part not in shape:
            continue
        keys = ("cpus", "memory", "pids") if part == "limits" else ("cpus", "memory")
        given = _dict(f"resources.{part}", shape[part], keys)
        built: dict[str, Any] = {}
        if "cpus" in given:
            built["NanoCPUs"] = _cpus("resources", given["cpus"])
        if "memory" in given:
            memory = given["memory"]
            if isinstance(memory, bool) or not isinstance(memory, int | str):
                _bad("resources", memory, 'bytes, or a size like "64m"')
            built["MemoryBytes"] = parse_bytes("resources", memory)
        if "pids" in given:
            _need(s.api, "resources", {"pids": given["pids"]}, (1, 41))
            built["Pids"] = _int("resources", given["pids"])
        out[field] = built
    s.task["Resources"] = out


def _restart_policy(s: _Spec, value: object) -> None:
    keys = ("condition", "delay", "max_attempts", "window")
    given = _dict("restart_policy", value, keys)
    policy: dict[str, Any] = {}
    if "condition" in given:
        policy["Condition"] = _choice(
            "restart_policy", given["condition"], ("none", "on-failure", "any")
        )
    if "delay" in given:
        policy["Delay"] = _duration("restart_policy", given["delay"])
    if "max_attempts" in given:
        policy["MaxAttempts"] = _int("restart_policy", given["max_attempts"])
    if "window" in given:
        policy["Window"] = _duration("restart_policy", given["window"])
    s.task["RestartPolicy"] = policy


def _rollout(option: str, field: str, actions: tuple[str, ...]) -> Callable[[_Spec, object], None]:
    def build(s: _Spec, value: object) -> None:
        keys = ("parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order")
        given = _dict(option, value, keys)
        out: dict[str, Any] = {}
        if "parallelism" in given:
            out["Parallelism"] = _int(option, given["parallelism"])
        if "delay" in given:
            out["Delay"] = _duration(option, given["delay"])
        if "failure_action" in given:
            out["FailureAction"] = _choice(option, given["failure_action"], actions)
        if "monitor" in given:
            out["Monitor"] = _duration(option, given["monitor"])
        if "max_failure_ratio" in given:
            ratio = given["max_failure_ratio"]
            if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
                _bad(option, ratio, "a ratio from 0 to 1")
            out["MaxFailureRatio"] = ratio
        if "order" in given:
            _need(s.api, option, {"order": given["order"]}, (1, 29))
            out["Order"] = _choice(option, given["order"], ("stop-first", "start-first"))
        s.top[field] = out

    return build


def _need(api: ApiVersion, name: str, value: object, since: ApiVersion) -> None:
    if api < since:
        raise InvalidOption(
            f"{_KIND} {name!r}: {_show(value)} needs API {since[0]}.{since[1]} or newer "
            f"(talking API {api[0]}.{api[1]})"
        )


def _constraints(s: _Spec, value: object) -> None:
    items = _strings("constraints", value)
    for item in items:
        if not _CONSTRAINT_RE.fullmatch(item):
            _bad("constraints", item, 'a constraint like "node.role==manager"')
    s.placement["Constraints"] = items


def _preferences(s: _Spec, value: object) -> None:
    expected = '"spread=node.labels.zone" or ("spread", "node.labels.zone")'
    if not isinstance(value, list | tuple):
        _bad("preferences", value, "a list of " + expected)
    out = []
    for item in value:
        if isinstance(item, str):
            kind, _, descriptor = item.partition("=")
        elif isinstance(item, list | tuple) and len(item) == 2:
            kind, descriptor = item
        else:
            _bad("preferences", item, expected)
        if kind != "spread" or not isinstance(descriptor, str) or not descriptor:
            _bad("preferences", item, expected)
        out.append({"Spread": {"SpreadDescriptor": descriptor}})
    s.placement["Preferences"] = out


def _networks(s: _Spec, value: object) -> None:
    expected = 'a list of network names or {"target": name, "aliases": [...]}'
    if not isinstance(value, list | tuple):
        _bad("networks", value, expected)
    out = []
    for item in value:
        if isinstance(item, str):
            item = {"target": item}
        given = _dict("networks", item, ("target", "aliases", "driver_opts"))
        if "target" not in given:
            _bad("networks", item, expected)
        network: dict[str, Any] = {"Target": identifiers.check("network", given["target"])}
        if "aliases" in given:
            network["Aliases"] = _strings("networks", given["aliases"])
        if "driver_opts" in given:
            network["DriverOpts"] = _str_map("networks", given["driver_opts"])
        out.append(network)
    s.task["Networks"] = out


def _references(option: str, field: str) -> Callable[[_Spec, object], None]:
    kind = option[:-1]  # secret, config

    def build(s: _Spec, value: object) -> None:
        expected = f'a list of {{"id", "name", "target", "uid", "gid", "mode"}} ({kind}s)'
        if not isinstance(value, list | tuple):
            _bad(option, value, expected)
        out = []
        for item in value:
            given = _dict(option, item, ("id", "name", "target", "uid", "gid", "mode"))
            if "id" not in given or "name" not in given:
                _bad(option, item, f"an 'id' and a 'name' ({kind}_inspect gives both)")
            target = given.get("target", given["name"])
            if not isinstance(target, str) or not target or "\x00" in target:
                _bad(option, target, "a target file name")
            mode = _int(option, given.get("mode", 0o444), 0, 0o7777)
            file = {
                "Name": target,
                "UID": _str(option, given.get("uid", "0"), "a uid string"),
                "GID": _str(option, given.get("gid", "0"), "a gid string"),
                "Mode": mode,
            }
            out.append(
                {
                    "File": file,
                    f"{kind.capitalize()}ID": identifiers.check(kind, given["id"]),
                    f"{kind.capitalize()}Name": identifiers.check(kind, given["name"]),
                }
            )
        s.container[field] = out

    return build


def _ports(s: _Spec, value: object) -> None:
    expected = '80, "8080:80", "8080:80/udp" or {"target", "published", "protocol", "publish_mode"}'
    if not isinstance(value, list | tuple):
        _bad("ports", value, "a list of " + expected)
    out = []
    for item in value:
        port: dict[str, Any] = {"Protocol": "tcp"}
        if isinstance(item, int) and not isinstance(item, bool):
            port["TargetPort"] = _int("ports", item, 1, 65535)
        elif isinstance(item, str):
            match = _PORT_RE.fullmatch(item)
            if match is None:
                _bad("ports", item, expected)
            published, target, protocol = match.groups()
            port["TargetPort"] = _int("ports", int(target), 1, 65535)
            if published is not None:
                port["PublishedPort"] = _int("ports", int(published), 1, 65535)
            port["Protocol"] = protocol or "tcp"
        else:
            keys = ("target", "published", "protocol", "publish_mode")
            given = _dict("ports", item, keys)
            if "target" not in given:
                _bad("ports", item, expected)
            port["TargetPort"] = _int("ports", given["target"], 1, 65535)
            if "published" in given:
                port["PublishedPort"] = _int("ports", given["published"], 1, 65535)
            if "protocol" in given:
                port["Protocol"] = _choice("ports", given["protocol"], ("tcp", "udp", "sctp"))
            if "publish_mode" in given:
                port["PublishMode"] = _choice("ports", given["publish_mode"], ("ingress", "host"))
        out.append(port)
    s.endpoint["Ports"] = out


def _log_driver(s: _Spec, value: object) -> None:
    expected = 'a driver name or (name, {"option": "value"})'
    options: dict[str, str] = {}
    name = value
    if isinstance(value, list | tuple):
        if len(value) != 2:
            _bad("log_driver", value, expected)
        name, options = value[0], _str_map("log_driver", value[1])
    s.task["LogDriver"] = {"Name": _str("log_driver", name, expected), "Options": options}


def _container(field: str, check: Callable[[str, object], Any]) -> Callable[[_Spec, object], None]:
    def build(s: _Spec, value: object) -> None:
        s.container[field] = check(field, value)

    return build


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        _bad(name, value, "True or False")
    return value


def _reuse(
    option: str, field: str, created_as: str, key: str, host: bool = False
) -> Callable[[_Spec, object], None]:
    def build(s: _Spec, value: object) -> None:
        s.container[field] = _reused(created_as, value, s.api, key, host=host)

    return build


def _name(s: _Spec, value: object) -> None:
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        _bad("name", value, "letters, digits and '-' (at most 63)")
    s.top["Name"] = value


def _image(s: _Spec, value: object) -> None:
    s.container["Image"] = identifiers.check("image", value)


def _stop_grace(s: _Spec, value: object) -> None:
    s.container["StopGracePeriod"] = _duration("stop_grace_period", value)


def _sysctls(s: _Spec, value: object) -> None:
    s.container["Sysctls"] = _str_map("sysctls", value)


def _labels(s: _Spec, value: object) -> None:
    s.top["Labels"] = _str_map("labels", value)


def _container_labels(s: _Spec, value: object) -> None:
    s.container["Labels"] = _str_map("container_labels", value)


def _max_replicas(s: _Spec, value: object) -> None:
    s.placement["MaxReplicas"] = _int("max_replicas_per_node", value)


def _force_update(s: _Spec, value: object) -> None:
    s.task["ForceUpdate"] = _int("force_update", value)


def _endpoint_mode(s: _Spec, value: object) -> None:
    s.endpoint["Mode"] = _choice("endpoint_mode", value, ("vip", "dnsrr"))


def _mode(s: _Spec, options: Mapping[str, Any]) -> None:
    mode = _choice("mode", options.get("mode", "replicated"), _MODES)
    replicas = options.get("replicas")
    if replicas is not None:
        replicas = _int("replicas", replicas)
        if mode.startswith("global"):
            _bad("replicas", replicas, f"no replicas with mode {mode!r}")
    if mode.endswith("-job"):
        _need(s.api, "mode", mode, (1, 41))
    if mode == "replicated":
        s.top["Mode"] = {"Replicated": {} if replicas is None else {"Replicas": replicas}}
    elif mode == "global":
        s.top["Mode"] = {"Global": {}}
    elif mode == "replicated-job":
        count = 1 if replicas is None else replicas
        s.top["Mode"] = {"ReplicatedJob": {"MaxConcurrent": count, "TotalCompletions": count}}
    else:
        s.top["Mode"] = {"GlobalJob": {}}


_BUILDERS: dict[str, Callable[[_Spec, object], None]] = {
    "name": _name,
    "labels": _labels,
    "image": _image,
    "command": _reuse("command", "Command", "entrypoints", "Entrypoint"),
    "args": _reuse("args", "Args", "cmds", "Cmd"),
    "env": _reuse("env", "Env", "env", "Env"),
    "workdir": _reuse("workdir", "Dir", "workdir", "WorkingDir"),
    "user": _reuse("user", "User", "user", "User"),
    "hostname": _reuse("hostname", "Hostname", "hostname", "Hostname"),
    "stop_signal": _reuse("stop_signal", "StopSignal", "stop_signal", "StopSignal"),
    "healthcheck": _reuse("healthcheck", "HealthCheck", "healthcheck", "Healthcheck"),
    "mounts": _reuse("mounts", "Mounts", "mounts", "Mounts", host=True),
    "groups": _reuse("groups", "Groups", "group_add", "GroupAdd", host=True),
    "cap_add": _reuse("cap_add", "CapabilityAdd", "cap_add", "CapAdd", host=True),
    "cap_drop": _reuse("cap_drop", "CapabilityDrop", "cap_drop", "CapDrop", host=True),
    "tty": _container("TTY", _flag),
    "open_stdin": _container("OpenStdin", _flag),
    "read_only": _container("ReadOnly", _flag),
    "init": _container("Init", _flag),
    "stop_grace_period": _stop_grace,
    "sysctls": _sysctls,
    "container_labels": _container_labels,
    "secrets": _references("secrets", "Secrets"),
    "configs": _references("configs", "Configs"),
    "networks": _networks,
    "resources": _resources,
    "restart_policy": _restart_policy,
    "constraints": _constraints,
    "preferences": _preferences,
    "max_replicas_per_node": _max_replicas,
    "log_driver": _log_driver,
    "force_update": _force_update,
    "update_config": _rollout("update_config", "UpdateConfig", ("continue", "pause", "rollback")),
    "rollback_config": _rollout("rollback_config", "RollbackConfig", ("continue", "pause")),
    "ports": _ports,
    "endpoint_mode": _endpoint_mode,
}

SERVICE_OPTIONS: frozenset[str] = frozenset(_BUILDERS) | {"mode", "replicas"}
"""Every option `service_spec` takes (see the module's doc for their shapes)."""


def service_spec(
    options: Mapping[str, Any], api: ApiVersion, base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A ServiceSpec from service options; on top of `base` (a current spec) for an update.

    Without a base (a create) `image` is required. Raises InvalidOption for an unknown
    option, a bad value, or one the API version `api` does not know.
    """
    if not isinstance(options, Mapping):
        raise InvalidOption(f"service options must be a mapping, not {_show(options)}")
    for name in options:
        if name not in SERVICE_OPTIONS:
            raise InvalidOption(f"unknown {_KIND} {_show(name)}")
        since = _SINCE.get(name)
        if since is not None:
            _need(api, name, options[name], since)
    if base is None and "image" not in options:
        raise InvalidOption(f"{_KIND} 'image' is required to create a service")
    s = _Spec(api)
    for name, value in options.items():
        if name in _BUILDERS:
            _BUILDERS[name](s, value)
    if "mode" in options or "replicas" in options:
        _mode(s, options)
    changes: dict[str, Any] = dict(s.top)
    task = dict(s.task)
    if s.container:
        task["ContainerSpec"] = s.container
    if s.placement:
        task["Placement"] = s.placement
    if task:
        changes["TaskTemplate"] = task
    if s.endpoint:
        changes["EndpointSpec"] = s.endpoint
    return merge_spec(base or {}, changes)


# Objects an option gives whole: a new value replaces the old one instead of merging into it.
_WHOLE = frozenset({"Mode", "Labels", "Sysctls", "Options", "DriverOpts", "RestartPolicy"})


def merge_spec(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `changes` laid over it: objects merge, anything else (lists, and the
    objects in _WHOLE such as Mode and Labels) is replaced. `base` is left as it was."""
    merged = copy.deepcopy(dict(base))
    for key, value in changes.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping) and key not in _WHOLE:
            merged[key] = merge_spec(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


NODE_AVAILABILITIES = ("active", "pause", "drain")  # (node_spec; swarm_init and swarm_join)
NODE_OPTIONS: frozenset[str] = frozenset({"name", "labels", "role", "availability"})
"""Options of `node_spec`: name (str), labels ({str: str}), role ("worker" | "manager"),
availability ("active" | "pause" | "drain")."""


def node_spec(options: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A NodeSpec from node options, over `base` (the node's current spec) if given."""
    changes: dict[str, Any] = {}
    for name, value in options.items():
        if name == "name":
            changes["Name"] = _str("name", value)
        elif name == "labels":
            changes["Labels"] = _str_map("labels", value)
        elif name == "role":
            changes["Role"] = _choice("role", value, ("worker", "manager"))
        elif name == "availability":
            changes["Availability"] = _choice("availability", value, NODE_AVAILABILITIES)
        else:
            raise InvalidOption(f"unknown node option {_show(name)}")
    return merge_spec(base or {}, changes)
