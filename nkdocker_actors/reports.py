"""What the library tells `logging.getLogger("nkdocker_actors")`, in one place.

Each event is reported once, where it happens: a supervised connection lost (WARNING),
back (INFO) or given up (ERROR); a failover to another daemon (WARNING); a stream that
failed (WARNING); a callable subscriber that raised (ERROR with its traceback, once per
stream: later failures of the same subscriber on that stream are only counted).
Nothing here is given a secret: names, addresses, refs and our own error messages
(which never carry credentials) only, never a request, a payload or a setting.
"""

from __future__ import annotations

import logging

__all__ = [
    "connection_back",
    "connection_given_up",
    "connection_lost",
    "failover",
    "logger",
    "stream_failed",
    "subscriber_failed",
]

logger = logging.getLogger("nkdocker_actors")
# A library configures no output: without this, logging's last resort prints our warnings
# on stderr (into `nkdocker`'s output too). The application's handlers decide.
logger.addHandler(logging.NullHandler())


def connection_lost(name: str, where: str) -> None:
    """A supervised connection stopped answering: the supervisor restarts it."""
    logger.warning("connection %r (%s) lost: restarting it", name, where)


def connection_back(name: str, where: str, attempts: int) -> None:
    """A supervised connection is up again."""
    logger.info("connection %r (%s) is back after %d attempt(s)", name, where, attempts)


def connection_given_up(name: str, where: str, restarts: int, within: float) -> None:
    """The supervisor gave up on a connection (too many restarts): it stays down."""
    logger.error(
        "connection %r (%s) given up: %d restarts within %g s", name, where, restarts, within
    )


def failover(name: str, lost: str, now: str, reason: str) -> None:
    """A connection moved from the daemon at `lost` to the one at `now` (e.g. another
    swarm manager); `reason` says why, in our own words."""
    logger.warning("connection %r failed over from %s to %s (%s)", name, lost, now, reason)


def stream_failed(command: str, refs: str, error: BaseException) -> None:
    """A stream ended with Failed for a reason of its own (not finish_async or close);
    `refs`: its ref, or the refs of those sharing it."""
    logger.warning("stream %s (%s) failed: %s: %s", refs, command, type(error).__name__, error)


def subscriber_failed(subscriber: object, ref: object) -> None:
    """A callable subscriber raised (call from the `except` block: logs the traceback)."""
    logger.exception(
        "subscriber %r raised on %r (logged once per stream; later failures are counted)",
        subscriber,
        ref,
    )
