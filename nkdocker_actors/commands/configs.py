"""Config commands (API 1.30+, on a swarm manager): like secrets, but readable back."""

from __future__ import annotations

from .secrets import driver, stored_commands
from .spec import in_body

COMMANDS = stored_commands(
    "config", (1, 30), {"templating": in_body("Templating", driver, since=(1, 37))}
)
