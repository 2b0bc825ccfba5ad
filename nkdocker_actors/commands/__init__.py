"""Every command, by name: the tables of each API area, read by `spec.build`."""

from __future__ import annotations

from . import (
    configs,
    containers,
    exec,
    images,
    networks,
    nodes,
    plugins,
    secrets,
    services,
    swarm,
    system,
    tasks,
    volumes,
)
from .spec import Command, pick

__all__ = ["COMMANDS", "Command", "lookup"]

COMMANDS: dict[str, tuple[Command, ...]] = {}
_SWARM = (swarm, nodes, services, tasks, secrets, configs)
for _area in (system, containers, images, exec, networks, volumes, plugins, *_SWARM):
    for _command in _area.COMMANDS:
        COMMANDS.setdefault(_command.name, ())
        COMMANDS[_command.name] += (_command,)


def lookup(name: str, api: tuple[int, int]) -> Command:
    """The command called `name` as it applies at API version `api`."""
    return pick(COMMANDS[name], api)
