"""Task commands (API 1.24+, on a swarm manager), with task logs as a stream."""

from __future__ import annotations

from .services import log_fields
from .spec import Command, filters, in_path, in_query, list_reply, output_reply

COMMANDS = (
    Command(
        "tasks",
        "GET",
        "/tasks",
        "List tasks (filters: desired-state, id, label, name, node, service).",
        fields={"filters": in_query("filters", filters)},
        reply=list_reply,
        since_api=(1, 24),
    ),
    Command(
        "task_inspect",
        "GET",
        "/tasks/{task}",
        "Inspect a task: its Status {'State', 'ContainerStatus', ...}, DesiredState, NodeID.",
        params=("task",),
        fields={"task": in_path("task")},
        since_api=(1, 24),
    ),
    Command(
        "task_logs",
        "GET",
        "/tasks/{task}/logs",
        "A task's output: a list of Output, or with a subscriber (and follow) a stream.",
        params=("task",),
        fields=log_fields("task"),
        defaults={"stdout": True, "stderr": True},
        reply=output_reply,
        needs_tty=True,
        mode="exclusive",
        stream="raw",
        stream_when=lambda values: bool(values.get("follow")),
        since_api=(1, 29),
    ),
)
