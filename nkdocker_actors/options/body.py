"""Create options -> the JSON bodies of POST /containers/create, POST /containers/{id}/update
and POST /commit: every option checked, version-gated, then built by its area's builder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidOption
from . import container, host, mounts, networking, resources
from .common import ApiVersion, _Build, _Group, _show, _vsn
from .extra import build_extra

_GROUPS: tuple[_Group, ...] = tuple(
    sorted(
        container.GROUPS + host.GROUPS + mounts.GROUPS + networking.GROUPS + resources.GROUPS,
        key=lambda group: group.names[0],
    )
)

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
    "ipv6_address": (1, 22),
    "link_local_ips": (1, 24),
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
    "shell": (1, 24),
    "dns_options": (1, 21),
    "args_escaped": (1, 24),
    "networks": (1, 22),
    **resources.SINCE,
}


# First API version that no longer has an option.
_UNTIL: dict[str, ApiVersion] = {
    "lxc_confs": (1, 22),
    # 1.52 dropped the container-wide MAC address: it is set per network endpoint.
    "mac_address": (1, 52),
}


QUERY_OPTIONS: frozenset[str] = frozenset({"name", "platform"})
"""Options of POST /containers/create that go in the query string: the body builders skip them."""


EXTRA = "extra"
"""The escape hatch: API fields merged after the named options (see options.extra)."""

CREATE_OPTIONS: frozenset[str] = (
    frozenset(n for g in _GROUPS for n in g.names) | QUERY_OPTIONS | {EXTRA}
)
"""Every option name `create_body` accepts (QUERY_OPTIONS included, and skipped)."""


CONFIG_OPTIONS: frozenset[str] = frozenset(n for g in _GROUPS if g.config for n in g.names) | {
    EXTRA
}
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
    if EXTRA in opts:
        build_extra(b, opts[EXTRA])
    return b


UPDATE_OPTIONS: frozenset[str] = frozenset(
    {"cpu_period", "cpu_quota", "cpu_set", "cpu_set_cpus", "cpu_shares", "cpus", "memory"}
    | {"memory_swap", "pids_limit", "restart", "blkio_weight", "cpuset_mems", EXTRA}
    | {"blkio_weight_device", "blkio_device_read_bps", "blkio_device_write_bps"}
    | {"blkio_device_read_iops", "blkio_device_write_iops", "memory_reservation"}
    | {"cpu_realtime_period", "cpu_realtime_runtime"}
)
"""The create options POST /containers/{id}/update takes: resources and the restart policy."""


# Update (API 1.22) learnt these later than create did.
_UPDATE_SINCE: dict[str, ApiVersion] = {
    "restart": (1, 23),
    "cpus": (1, 28),
    "pids_limit": (1, 40),
    # Taken by the schema before, but applied only from API 1.55 on.
    "blkio_weight_device": (1, 55),
    "blkio_device_read_bps": (1, 55),
    "blkio_device_write_bps": (1, 55),
    "blkio_device_read_iops": (1, 55),
    "blkio_device_write_iops": (1, 55),
}


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
    b = _build(opts, api, commit=False)
    if b.config or b.endpoints:
        raise InvalidOption("update option 'extra': an update takes HostConfig fields only")
    return b.host


def config_body(opts: Mapping[str, Any], api: ApiVersion) -> dict[str, Any]:
    """The Config object (no HostConfig) built from create options: the body of POST /commit.

    Only CONFIG_OPTIONS are allowed; an option that belongs to HostConfig
    (memory, publish, a host bind in `volumes`, ...) raises `InvalidOption`.
    """
    return _build(opts, api, commit=True).config
