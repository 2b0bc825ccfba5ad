"""Plugin commands (API 1.25 and newer): the 11 operations of the Plugin API.

A plugin is named like an image ("localhost:5000/nk/plugin:latest", the tag optional).
Installing one (pull, upgrade) needs its privileges accepted: pass what
`plugin_privileges(remote)` lists as `privileges` (a plugin asking for none takes []).
Without `auth`, registry credentials come from the docker CLI's config.json and helpers,
as for images.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .. import credentials as cli_credentials
from ..errors import InvalidOption
from .images import build_context
from .spec import (
    ApiVersion,
    Body,
    Command,
    as_data,
    count,
    filters,
    flag,
    ident,
    in_header,
    in_path,
    in_query,
    json_stream_reply,
    list_reply,
    none_reply,
    privileges,
    registry_auth,
    strings,
)

_P = {"plugin": in_path("image")}
_SINCE = (1, 25)
_AUTH = in_header("X-Registry-Auth", registry_auth)
_REMOTE = in_query("remote", ident("image"))


def _privileges_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    accepted = privileges("privileges", values.get("privileges", []))
    return json.dumps(accepted).encode(), "application/json"


def plugin_settings(value: Any) -> list[str]:
    """Plugin settings as dockerd takes them (<name>[.<field>][=<value>]): {"DEBUG": "1"}
    or ["DEBUG=1", "mount.source=/x", "DEBUG"]; InvalidOption for anything else, naming
    no value (a setting may hold a secret)."""
    if isinstance(value, Mapping):
        items = [f"{k}={v}" for k, v in value.items()]
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            items = []
    else:
        items = strings("settings", value)
    if not items or not all(item and not item.startswith("=") for item in items):
        raise InvalidOption(
            "plugin settings are NAME[.FIELD][=VALUE] ({'NAME': 'value'} or ['NAME=value']): "
            "one is empty or has no name"
        )
    return items


def _set_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    return json.dumps(plugin_settings(values["settings"])).encode(), "application/json"


def _remote_auth(values: dict[str, Any]) -> None:
    cli_credentials.fill_auth(values, values.get("remote"))


def _plugin_auth(values: dict[str, Any]) -> None:
    cli_credentials.fill_auth(values, values.get("plugin"))


COMMANDS = (
    Command(
        "plugins",
        "GET",
        "/plugins",
        "List installed plugins.",
        fields={"filters": in_query("filters", filters)},
        reply=list_reply,
        since_api=_SINCE,
    ),
    Command(
        "plugin_privileges",
        "GET",
        "/plugins/privileges",
        "The privileges a plugin asks for: [{'Name', 'Description', 'Value'}] (give them to "
        "plugin_pull / plugin_upgrade as `privileges` to accept them).",
        params=("remote",),
        fields={"remote": _REMOTE, "auth": _AUTH},
        reply=list_reply,
        mode="exclusive",
        since_api=_SINCE,
        prepare=_remote_auth,
    ),
    Command(
        "plugin_pull",
        "POST",
        "/plugins/pull",
        "Pull and install a plugin (disabled) from `remote`, as `name` if given, accepting "
        "`privileges`; the progress lines, or Data to a subscriber.",
        params=("remote",),
        optional=("name",),
        fields={"remote": _REMOTE, "name": in_query("name", ident("image")), "auth": _AUTH},
        body=_privileges_body,
        body_options=frozenset({"privileges"}),
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
        since_api=_SINCE,
        prepare=_remote_auth,
    ),
    Command(
        "plugin_inspect",
        "GET",
        "/plugins/{plugin}/json",
        "Inspect a plugin.",
        params=("plugin",),
        fields=_P,
        since_api=_SINCE,
    ),
    Command(
        "plugin_rm",
        "DELETE",
        "/plugins/{plugin}",
        "Remove a plugin (force=True disables it first); returns its description.",
        params=("plugin",),
        fields={**_P, "force": in_query("force", flag)},
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "plugin_enable",
        "POST",
        "/plugins/{plugin}/enable",
        "Enable (start) a plugin; `plugin_timeout` is the daemon's HTTP timeout towards it, in "
        "seconds (0: its default).",
        params=("plugin",),
        fields={**_P, "plugin_timeout": in_query("timeout", count)},
        defaults={"plugin_timeout": 0},  # dockerd 20.10 fails (500) without the parameter
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "plugin_disable",
        "POST",
        "/plugins/{plugin}/disable",
        "Disable (stop) a plugin; force=True even while it is in use.",
        params=("plugin",),
        fields={**_P, "force": in_query("force", flag, since=(1, 28))},
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "plugin_upgrade",
        "POST",
        "/plugins/{plugin}/upgrade",
        "Upgrade a disabled plugin to `remote`, accepting `privileges`; the progress lines, "
        "or Data to a subscriber.",
        params=("plugin", "remote"),
        fields={**_P, "remote": _REMOTE, "auth": _AUTH},
        body=_privileges_body,
        body_options=frozenset({"privileges"}),
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
        since_api=(1, 26),
        prepare=_remote_auth,
    ),
    Command(
        "plugin_create",
        "POST",
        "/plugins/create",
        "Create a plugin `name` from a context holding config.json and rootfs/ (tar bytes or "
        "a binary file, a directory, or {path: bytes}).",
        params=("name", "tar"),
        fields={"name": in_query("name", ident("image")), "tar": as_data(build_context)},
        reply=none_reply,
        mode="exclusive",
        timeout=None,
        since_api=_SINCE,
    ),
    Command(
        "plugin_push",
        "POST",
        "/plugins/{plugin}/push",
        "Push a plugin to its registry; the progress lines, or Data to a subscriber.",
        params=("plugin",),
        fields={**_P, "auth": _AUTH},
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
        since_api=_SINCE,
        prepare=_plugin_auth,
    ),
    Command(
        "plugin_set",
        "POST",
        "/plugins/{plugin}/set",
        "Change a disabled plugin's settings: {'DEBUG': '1'} or ['DEBUG=1', 'mount.source=/x', "
        "'DEBUG'].",
        params=("plugin", "settings"),
        fields=_P,
        body=_set_body,
        body_options=frozenset({"settings"}),
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
)
