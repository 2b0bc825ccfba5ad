"""System commands: version, info, ping, events, login, disk usage."""

from __future__ import annotations

from typing import Any

from .. import credentials
from ..http11 import ResponseHead
from .spec import (
    Command,
    Context,
    boolean,
    choices,
    filters,
    flag,
    headers_reply,
    in_body,
    in_query,
    json_reply,
    json_stream_reply,
    local,
    secret,
    text,
    text_reply,
    timestamp,
)


def _login_reply(head: ResponseHead, body: bytes, ctx: Context) -> Any:
    """The daemon's answer; with store=True the credentials are kept as `docker login` does."""
    answer = json_reply(head, body, ctx)
    if ctx.values.get("store"):
        token = answer.get("IdentityToken") if isinstance(answer, dict) else None
        credentials.store_login(
            ctx.values.get("serveraddress") or credentials.INDEX_SERVER,
            ctx.values["username"],
            "" if token else ctx.values["password"],
            identitytoken=token or None,
        )
    return answer


COMMANDS = (
    Command("version", "GET", "/version", "The daemon's version information."),
    Command("info", "GET", "/info", "System-wide information."),
    Command("ping", "GET", "/_ping", 'Check the daemon answers: "OK".', reply=text_reply),
    Command(
        "ping_head",
        "HEAD",
        "/_ping",
        "Check the daemon answers, reading only its headers: {'api-version', 'ostype', "
        "'builder-version', 'swarm', ...} (names in lower case).",
        reply=headers_reply,
        since_api=(1, 40),
    ),
    Command(
        "events",
        "GET",
        "/events",
        "Real-time events; with a subscriber each arrives as Data. "
        "Without one, `until` is required and the list of events is returned.",
        fields={
            "since": in_query("since", timestamp),
            "until": in_query("until", timestamp),
            "filters": in_query("filters", filters),
        },
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        stream_when=lambda values: "until" not in values,
        share_when=lambda values: "since" not in values,
        timeout=None,
    ),
    Command(
        "login",
        "POST",
        "/auth",
        "Check registry credentials (Unauthorized if refused): {'Status', 'IdentityToken'}. "
        "store=True then keeps them as `docker login` does (config.json or its helper).",
        params=("username", "password"),
        optional=("email", "serveraddress"),
        fields={
            "username": in_body("username", text),
            "password": in_body("password", secret),
            "email": in_body("email", text),
            "serveraddress": in_body("serveraddress", text),
            "store": local(boolean),
        },
        reply=_login_reply,
        mode="exclusive",
    ),
    Command(
        "system_df",
        "GET",
        "/system/df",
        "Disk usage of images, containers, volumes and build cache.",
        fields={
            "type": in_query(
                "type", choices("container", "image", "volume", "build-cache"), since=(1, 42)
            ),
            "verbose": in_query("verbose", flag, since=(1, 52)),
        },
        since_api=(1, 25),
        reply=json_reply,
        mode="exclusive",
    ),
)
