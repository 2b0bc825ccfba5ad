"""The exceptions every command may raise, typed as in the public contract."""

from __future__ import annotations

__all__ = [
    "BadParameter",
    "Conflict",
    "ConnectionFailed",
    "DockerError",
    "Forbidden",
    "InvalidOption",
    "NkDockerError",
    "NotFound",
    "NotModified",
    "NotRunning",
    "ServerError",
    "TimedOut",
    "Unauthorized",
    "UnsupportedDaemon",
    "error_for_status",
]


class NkDockerError(Exception):
    """Base class of every error this package raises."""


class DockerError(NkDockerError):
    """The daemon answered with an HTTP error; `.message` keeps its own words."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"


class NotModified(DockerError):
    """304: the container was already in the asked state."""


class BadParameter(DockerError):
    """400: the daemon rejected a parameter."""


class Unauthorized(DockerError):
    """401: registry credentials were refused."""


class Forbidden(DockerError):
    """403: the operation is not allowed in the object's state (e.g. a network in use)."""


class NotFound(DockerError):
    """404: no such container, image, exec, network or volume."""


class NotRunning(DockerError):
    """406: the container is not running (or is paused)."""


class Conflict(DockerError):
    """409: the object is in use or the name is taken."""


class ServerError(DockerError):
    """500: the daemon failed."""


class ConnectionFailed(NkDockerError):
    """A transport fault: the daemon could not be reached, the connection broke or timed out."""


class UnsupportedDaemon(ConnectionFailed):
    """The daemon speaks an API older than 1.17, or not the version pinned."""


class TimedOut(ConnectionFailed):
    """The daemon did not answer within the timeout."""


class InvalidOption(NkDockerError, ValueError):
    """A bad option or identifier, raised before anything is sent."""


class LocalFileError(NkDockerError, OSError):
    """A local file failed the command midway: writing its answer to the command's file
    (e.g. disk full), or reading the body being sent (a file, or the caller's iterable).

    What can be checked before sending (the folder exists, the path is writable and
    not a folder) is an `InvalidOption` instead.
    """


_BY_STATUS: dict[int, type[DockerError]] = {
    304: NotModified,
    400: BadParameter,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    406: NotRunning,
    409: Conflict,
    500: ServerError,
}


def error_for_status(status: int, message: str) -> DockerError:
    """The DockerError subclass for an HTTP status (DockerError itself for others)."""
    return _BY_STATUS.get(status, DockerError)(status, message)
