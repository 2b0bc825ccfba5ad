"""Network commands (API 1.21 and newer)."""

from __future__ import annotations

from .spec import (
    Command,
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
        "Create a network; returns {'Id', 'Warning'}.",
        params=("name",),
        fields={
            "name": in_body("Name", ident("network")),
            "driver": in_body("Driver", text),
            "internal": in_body("Internal", boolean, since=(1, 22)),
            "attachable": in_body("Attachable", boolean, since=(1, 25)),
            "enable_ipv6": in_body("EnableIPv6", boolean, since=(1, 23)),
            "ipam": in_body("IPAM", json_value),
            "options": in_body("Options", mapping_of_strings),
            "labels": in_body("Labels", mapping_of_strings, since=(1, 23)),
            "check_duplicate": in_body("CheckDuplicate", boolean),
        },
        defaults={"check_duplicate": True},
        mode="exclusive",
        since_api=_SINCE,
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
