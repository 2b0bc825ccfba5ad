"""Service commands (API 1.24+, on a swarm manager), with service logs as a stream.

A service's spec is built from service options (`nkdocker_actors.swarm_options`,
which documents every option and its value shape) and checked before it is sent.
An update replaces the whole spec, as the API does: give the current one as `spec`
(service_inspect's Spec) and the options change only what they set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..swarm_options import SERVICE_OPTIONS, service_spec
from .spec import (
    ApiVersion,
    Body,
    Command,
    Field,
    choice,
    count,
    filters,
    flag,
    in_body,
    in_header,
    in_path,
    in_query,
    json_value,
    list_reply,
    none_reply,
    output_reply,
    registry_auth,
    timestamp,
)
from .swarm import version_query

_S = {"service": in_path("service")}
_SINCE = (1, 24)
_AUTH = in_header("X-Registry-Auth", registry_auth)


def log_fields(kind: str) -> dict[str, Field]:
    """The options of service and task logs."""
    return {
        kind: in_path(kind),
        "details": in_query("details", flag),
        "follow": in_query("follow", flag),
        "stdout": in_query("stdout", flag),
        "stderr": in_query("stderr", flag),
        "since": in_query("since", timestamp),
        "timestamps": in_query("timestamps", flag),
        "tail": in_query("tail", lambda n, v: "all" if v == "all" else count(n, v)),
    }


def _options(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in SERVICE_OPTIONS}


def _create_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    return json.dumps(service_spec(_options(values), api)).encode(), "application/json"


def _update_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    spec = service_spec(_options(values), api, base=values.get("spec") or {})
    return json.dumps(spec).encode(), "application/json"


_OPTION_NAMES = ", ".join(sorted(SERVICE_OPTIONS))

COMMANDS = (
    Command(
        "services",
        "GET",
        "/services",
        "List services (filters: id, label, mode, name); status=True adds ServiceStatus.",
        fields={
            "filters": in_query("filters", filters),
            "status": in_query("status", flag, since=(1, 41)),
        },
        reply=list_reply,
        since_api=_SINCE,
    ),
    Command(
        "service_create",
        "POST",
        "/services/create",
        "Create a service from service options (" + _OPTION_NAMES + "); `auth` gives the "
        "registry credentials its nodes pull with. Returns {'ID', 'Warning'}.",
        fields={"auth": _AUTH},
        body=_create_body,
        body_options=SERVICE_OPTIONS,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "service_inspect",
        "GET",
        "/services/{service}",
        "Inspect a service (insert_defaults=True fills in the defaults of its spec).",
        params=("service",),
        fields={**_S, "insert_defaults": in_query("insertDefaults", flag, since=(1, 29))},
        since_api=_SINCE,
    ),
    Command(
        "service_update",
        "POST",
        "/services/{service}/update",
        "Replace a service's spec: `spec` (service_inspect's Spec) with service options laid "
        "over it; version is its Version.Index. rollback='previous' goes back to the "
        "previous spec instead. Returns {'Warnings'}.",
        params=("service", "version"),
        fields={
            **_S,
            "version": in_query("version", version_query),
            "spec": in_body("Spec", json_value),
            "auth": _AUTH,
            "registry_auth_from": in_query(
                "registryAuthFrom", choice("spec", "previous-spec"), since=(1, 25)
            ),
            "rollback": in_query("rollback", choice("previous"), since=(1, 28)),
        },
        body=_update_body,
        body_options=SERVICE_OPTIONS,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "service_rm",
        "DELETE",
        "/services/{service}",
        "Remove a service (its tasks stop).",
        params=("service",),
        fields=_S,
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "service_logs",
        "GET",
        "/services/{service}/logs",
        "The output of a service's tasks: a list of Output, or with a subscriber (and "
        "follow) a stream.",
        params=("service",),
        fields=log_fields("service"),
        defaults={"stdout": True, "stderr": True},
        reply=output_reply,
        needs_tty=True,
        mode="exclusive",
        stream="raw",
        stream_when=lambda values: bool(values.get("follow")),
        since_api=(1, 29),
    ),
)
