"""Secret commands (API 1.25+, on a swarm manager).

A secret's data is write-only: the API never returns it, and this client never shows
it: not in an error (a bad value is not echoed), a repr or a log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidOption
from ..swarm_options import merge_spec
from .spec import (
    ApiVersion,
    Body,
    Command,
    Field,
    filters,
    in_body,
    in_path,
    in_query,
    json_value,
    list_reply,
    mapping_of_strings,
    none_reply,
    text,
)
from .swarm import version_query


def encoded_data(name: str, value: Any) -> str:
    """bytes (or text, as UTF-8) in base64, as the API carries it; never echoed."""
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, bytes | bytearray):
        raise InvalidOption(f"option {name!r}: expected bytes or a str")
    return base64.b64encode(value).decode()


def driver(name: str, value: Any) -> dict[str, Any]:
    """A driver: its name, or (name, {option: value})."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return {"Name": text(name, value[0]), "Options": mapping_of_strings(name, value[1])}
    return {"Name": text(name, value)}


def _update_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    changes = {"Labels": values["labels"]} if "labels" in values else {}
    return json.dumps(merge_spec(values.get("spec") or {}, changes)).encode(), "application/json"


def stored_commands(
    kind: str, since: ApiVersion, create_fields: Mapping[str, Field]
) -> tuple[Command, ...]:
    """create, list, inspect, update (labels) and rm of secrets or configs."""
    area = kind + "s"
    path = {kind: in_path(kind)}
    return (
        Command(
            area,
            "GET",
            f"/{area}",
            f"List {area} (filters: id, label, name, names).",
            fields={"filters": in_query("filters", filters)},
            reply=list_reply,
            since_api=since,
        ),
        Command(
            f"{kind}_create",
            "POST",
            f"/{area}/create",
            f"Create a {kind} named `name` holding `data` (bytes, or text as UTF-8); "
            "returns {'ID'}.",
            params=("name", "data"),
            fields={
                "name": in_body("Name", text),
                "data": in_body("Data", encoded_data),
                "labels": in_body("Labels", mapping_of_strings),
                **create_fields,
            },
            mode="exclusive",
            since_api=since,
        ),
        Command(
            f"{kind}_inspect",
            "GET",
            f"/{area}/{{{kind}}}",
            f"Inspect a {kind} (by id or name).",
            params=(kind,),
            fields=path,
            since_api=since,
        ),
        Command(
            f"{kind}_update",
            "POST",
            f"/{area}/{{{kind}}}/update",
            f"Change a {kind}'s labels (the only part that may change): `spec` is its "
            f"current Spec ({kind}_inspect's), version its Version.Index.",
            params=(kind, "version"),
            fields={
                **path,
                "version": in_query("version", version_query),
                "spec": in_body("Spec", json_value),
                "labels": in_body("Labels", mapping_of_strings),
            },
            body=_update_body,
            reply=none_reply,
            mode="exclusive",
            since_api=since,
        ),
        Command(
            f"{kind}_rm",
            "DELETE",
            f"/{area}/{{{kind}}}",
            f"Remove a {kind} (Conflict while a service uses it).",
            params=(kind,),
            fields=path,
            reply=none_reply,
            mode="exclusive",
            since_api=since,
        ),
    )


COMMANDS = stored_commands(
    "secret",
    (1, 25),
    {
        "driver": in_body("Driver", driver, since=(1, 31)),
        "templating": in_body("Templating", driver, since=(1, 37)),
    },
)
