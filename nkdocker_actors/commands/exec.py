"""Exec commands: run another process in a running container."""

from __future__ import annotations

import json
from typing import Any

from ..http11 import ResponseHead
from .spec import (
    TTY_SIZE_MAX,
    Command,
    Context,
    boolean,
    console_size,
    count_upto,
    in_body,
    in_path,
    in_query,
    mapping_of_strings,
    none_reply,
    output_reply,
    strings,
    text,
)


def _id_reply(head: ResponseHead, body: bytes, ctx: Context) -> Any:
    return json.loads(body)["Id"]


def _start_reply(head: ResponseHead, body: bytes, ctx: Context) -> Any:
    return None if ctx.values.get("detach") else output_reply(head, body, ctx)


def _env(name: str, value: Any) -> list[str]:
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    return [f"{k}={v}" for k, v in mapping_of_strings(name, value).items()]


COMMANDS = (
    Command(
        "exec_create",
        "POST",
        "/containers/{container}/exec",
        "Set up a process to run in a container; returns the exec id.",
        params=("container", "cmds"),
        fields={
            "container": in_path("container"),
            "cmds": in_body("Cmd", strings),
            "stdin": in_body("AttachStdin", boolean),
            "stdout": in_body("AttachStdout", boolean),
            "stderr": in_body("AttachStderr", boolean),
            "tty": in_body("Tty", boolean),
            "env": in_body("Env", _env, since=(1, 25)),
            "workdir": in_body("WorkingDir", text, since=(1, 35)),
            "user": in_body("User", text),
            "privileged": in_body("Privileged", boolean),
            "detach_keys": in_body("DetachKeys", text, since=(1, 25)),
            "console_size": in_body("ConsoleSize", console_size, since=(1, 42)),
        },
        defaults={"stdout": True, "stderr": True},
        reply=_id_reply,
        mode="exclusive",
    ),
    Command(
        "exec_start",
        "POST",
        "/exec/{exec_id}/start",
        "Start an exec: detach=True returns None at once; otherwise its output (a list of "
        "Output; give tty=True if it was created with a TTY), or with a subscriber a "
        "bidirectional stream (attach_send, close_stdin).",
        params=("exec_id",),
        fields={
            "exec_id": in_path("exec"),
            "detach": in_body("Detach", boolean),
            "tty": in_body("Tty", boolean),
            "console_size": in_body("ConsoleSize", console_size, since=(1, 42)),
        },
        defaults={"detach": False, "tty": False},
        reply=_start_reply,
        mode="exclusive",
        stream="hijack",  # framed by the start's Tty flag, not the exec's (dockerd's router)
        timeout=None,
    ),
    Command(
        "exec_inspect",
        "GET",
        "/exec/{exec_id}/json",
        "Exec state and exit code.",
        params=("exec_id",),
        fields={"exec_id": in_path("exec")},
    ),
    Command(
        "exec_resize",
        "POST",
        "/exec/{exec_id}/resize",
        "Resize an exec's TTY.",
        params=("exec_id", "w", "h"),
        fields={
            "exec_id": in_path("exec"),
            "w": in_query("w", count_upto(TTY_SIZE_MAX)),
            "h": in_query("h", count_upto(TTY_SIZE_MAX)),
        },
        reply=none_reply,
    ),
)
