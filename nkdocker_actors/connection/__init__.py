"""One daemon connection: the `Docker` handle (facade) callers hold, the
`DockerConnection` actor (server) it talks to, and the messages between them
(protocol)."""

from .facade import Docker, check_timeout, connect
from .server import NEWEST_API, OLDEST_API, DockerConnection

__all__ = ["NEWEST_API", "OLDEST_API", "Docker", "DockerConnection", "check_timeout", "connect"]
