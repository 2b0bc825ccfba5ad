"""Network commands (API 1.21 and newer)."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidOption
from .spec import (
    Command,
    Field,
    boolean,
    choice,
    filters,
    flag,
    ident,
    in_body,
    in_path,
    in_query,
    json_value,
    mapping_of_strings,
    none_reply,
    text,
)

_N = {"network": in_path("network")}
_SINCE = (1, 21)
# API 1.44: a duplicate name always fails, and CheckDuplicate is gone.
_ALWAYS_UNIQUE = (1, 44)
_CREATE_DOC = "Create a network; returns {'Id', 'Warning'}."
# Named in the newer variant only to be refused with the version that dropped it.
_GONE_CHECK_DUPLICATE = Field("body", "CheckDuplicate", boolean, until_api=_ALWAYS_UNIQUE)


def _network_name(name: str, value: Any) -> str:
    """A network name as dockerd takes it in a body: any printable text (spaces too)."""
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise InvalidOption(f"option {name!r}: bad value {value!r} (expected a network name)")
    return value


def _config_from(name: str, value: Any) -> dict[str, str]:
    """The config-only network to take the configuration from: its name."""
    return {"Network": _network_name(name, value)}


_CREATE_FIELDS = {
    "name": in_body("Name", _network_name),
    "driver": in_body("Driver", text),
    "scope": in_body("Scope", choice("local", "swarm", "global"), since=(1, 30)),
    "internal": in_body("Internal", boolean, since=(1, 22)),
    "attachable": in_body("Attachable", boolean, since=(1, 25)),
    "ingress": in_body("Ingress", boolean, since=(1, 29)),
    "config_only": in_body("ConfigOnly", boolean, since=(1, 30)),
    "config_from": in_body("ConfigFrom", _config_from, since=(1, 30)),
    "enable_ipv4": in_body("EnableIPv4", boolean, since=(1, 48)),
    "enable_ipv6": in_body("EnableIPv6", boolean, since=(1, 23)),
    "ipam": in_body("IPAM", json_value),
    "options": in_body("Options", mapping_of_strings),
    "labels": in_body("Labels", mapping_of_strings, since=(1, 23)),
}

COMMANDS = (
    Command(
        "networks",
        "GET",
        "/networks",
        "List networks.",
        fields={"filters": in_query("filters", filters)},
        since_api=_SINCE,
    ),
    Command(
        "network_create",
        "POST",
        "/networks/create",
        _CREATE_DOC,
        params=("name",),
        fields={**_CREATE_FIELDS, "check_duplicate": in_body("CheckDuplicate", boolean)},
        defaults={"check_duplicate": True},
        mode="exclusive",
        since_api=_SINCE,
        until_api=_ALWAYS_UNIQUE,
    ),
    Command(
        "network_create",
        "POST",
        "/networks/create",
        _CREATE_DOC + " (From API 1.44 a taken name is always a Conflict.)",
        params=("name",),
        fields={**_CREATE_FIELDS, "check_duplicate": _GONE_CHECK_DUPLICATE},
        mode="exclusive",
        since_api=_ALWAYS_UNIQUE,
    ),
    Command(
        "network_inspect",
        "GET",
        "/networks/{network}",
        "Inspect a network.",
        params=("network",),
        fields={
            **_N,
            "verbose": in_query("verbose", flag, since=(1, 28)),
            "scope": in_query("scope", choice("local", "swarm", "global"), since=(1, 31)),
        },
        since_api=_SINCE,
    ),
    Command(
        "network_connect",
        "POST",
        "/networks/{network}/connect",
        "Connect a container to a network (endpoint_config as the API's EndpointSettings).",
        params=("network", "container"),
        fields={
            **_N,
            "container": in_body("Container", ident("container")),
            "endpoint_config": in_body("EndpointConfig", json_value),
        },
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "network_disconnect",
        "POST",
        "/networks/{network}/disconnect",
        "Disconnect a container from a network.",
        params=("network", "container"),
        fields={
            **_N,
            "container": in_body("Container", ident("container")),
            "force": in_body("Force", boolean, since=(1, 22)),
        },
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "network_rm",
        "DELETE",
        "/networks/{network}",
        "Remove a network (Conflict while containers use it).",
        params=("network",),
        fields=_N,
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "network_prune",
        "POST",
        "/networks/prune",
        "Remove unused networks: {'NetworksDeleted'}.",
        fields={"filters": in_query("filters", filters)},
        mode="exclusive",
        since_api=(1, 25),
    ),
)
