"""The `nkdocker` command line (also `python -m nkdocker_actors`): the docker CLI's
commands, flags, output and exit codes, over the Python API. docs/cli.md has it all.

    nkdocker [-H URL]... [--json] COMMAND ...

The daemon comes from `-H/--host` (repeatable: ps, images, version, info, events,
stats and monitor then cover every daemon given, as `NAME=URL` to label one), else
from the core's resolution (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, the
local socket). Our output holds ANSI codes only on a terminal, never with NO_COLOR.
Errors print the daemon's message on stderr and exit non-zero: 1 for a failed
command (or a wrong count of arguments, an unknown command), 125 for a bad flag (usage
errors are docker's, in its words: usage.py) and when `run` cannot start the container,
130 on ctrl-C; `run` and `exec` otherwise exit with the process's own code.

Layout: common (session, errors, the Cmd declaration), one module per area
(containers, run, images, networks, volumes, plugins, system, monitor, accounts: login,
logout and context, swarm: swarm, node and service, secrets: secret and config,
completion), render and template (output), signals (ctrl-C, SIGTERM and SIGHUP reach
the main thread whatever it waits on), usage (the parsers' usage errors, docker's),
parser (the parser, built from the areas' tables, and `main`).
"""

from __future__ import annotations

from .common import CliError
from .parser import build_parser, main

__all__ = ["CliError", "build_parser", "main"]
