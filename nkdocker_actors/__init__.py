"""nkdocker_actors: a Docker Engine client built as Pykka actors, after the Erlang NkDOCKER.

import nkdocker_actors as nk
with nk.connect() as docker:
    docker.create("busybox:latest", name="nk1", cmds=["echo", "hi"]).get()
"""

from __future__ import annotations

from . import errors, monitor
from .config import ConnConfig, configure
from .connection import Docker, DockerConnection, connect
from .errors import (
    BadParameter,
    Conflict,
    ConnectionFailed,
    DockerError,
    Forbidden,
    InvalidOption,
    LocalFileError,
    NkDockerError,
    NotFound,
    NotModified,
    NotRunning,
    ServerError,
    TimedOut,
    Unauthorized,
    UnsupportedDaemon,
)
from .messages import Data, Done, Failed, Future, Inbox, Message, Output, Ref, Timeout
from .supervisor import SupervisedDocker, SupervisorHandle, supervisor

__all__ = [
    "BadParameter",
    "Conflict",
    "ConnConfig",
    "ConnectionFailed",
    "Data",
    "Docker",
    "DockerConnection",
    "DockerError",
    "Done",
    "Failed",
    "Forbidden",
    "Future",
    "Inbox",
    "InvalidOption",
    "LocalFileError",
    "Message",
    "NkDockerError",
    "NotFound",
    "NotModified",
    "NotRunning",
    "Output",
    "Ref",
    "ServerError",
    "SupervisedDocker",
    "SupervisorHandle",
    "TimedOut",
    "Timeout",
    "Unauthorized",
    "UnsupportedDaemon",
    "configure",
    "connect",
    "errors",
    "monitor",
    "supervisor",
]
