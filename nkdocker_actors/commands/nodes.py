"""Node commands (API 1.24+, on a swarm manager)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..swarm_options import NODE_OPTIONS, node_spec
from .spec import (
    ApiVersion,
    Body,
    Command,
    filters,
    flag,
    in_body,
    in_path,
    in_query,
    json_value,
    list_reply,
    none_reply,
)
from .swarm import version_query

_N = {"node": in_path("node")}
_SINCE = (1, 24)


def _update_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    options = {k: v for k, v in values.items() if k in NODE_OPTIONS}
    return json.dumps(node_spec(options, values.get("spec"))).encode(), "application/json"


COMMANDS = (
    Command(
        "nodes",
        "GET",
        "/nodes",
        "List the swarm's nodes (filters: id, label, membership, name, node.label, role).",
        fields={"filters": in_query("filters", filters)},
        reply=list_reply,
        since_api=_SINCE,
    ),
    Command(
        "node_inspect",
        "GET",
        "/nodes/{node}",
        "Inspect a node (by id or hostname).",
        params=("node",),
        fields=_N,
        since_api=_SINCE,
    ),
    Command(
        "node_update",
        "POST",
        "/nodes/{node}/update",
        "Change a node: its spec (`spec`, e.g. node_inspect's Spec) with node options laid "
        "over it: name, labels ({str: str}), role ('worker' | 'manager'), availability "
        "('active' | 'pause' | 'drain'); version is its Version.Index.",
        params=("node", "version"),
        fields={
            **_N,
            "version": in_query("version", version_query),
            "spec": in_body("Spec", json_value),
        },
        body=_update_body,
        body_options=NODE_OPTIONS,
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "node_rm",
        "DELETE",
        "/nodes/{node}",
        "Remove a node from the swarm (one still up only with force=True).",
        params=("node",),
        fields={**_N, "force": in_query("force", flag)},
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
)
