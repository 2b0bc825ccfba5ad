"""login, logout: the credentials the docker CLI keeps in its config dir (DOCKER_CONFIG,
else ~/.docker), checked with the daemon, read and written as docker does (contexts:
cli/contexts.py)."""

from __future__ import annotations

import argparse
import getpass
import sys

from .. import contexts, credentials
from .common import CliError, Cmd, Session, arg, notice, wait, write

PASSWORD_FLAG_WARNING = "WARNING! Using --password via the CLI is insecure. Use --password-stdin."


def _unencrypted_warning(server: str) -> None:
    if credentials.helper_for(contexts.load_config(), server) is None:
        path = contexts.config_dir() / "config.json"
        notice(
            f"\nWARNING! Your credentials are stored unencrypted in '{path}'.\n"
            "Configure a credential helper to remove this warning. See\n"
            "https://docs.docker.com/go/credential-store/\n"
        )


def cmd_login(session: Session, args: argparse.Namespace) -> int:
    """Check credentials with the daemon, then keep them as docker login does."""
    if args.password is not None and args.password_stdin:
        raise CliError("conflicting options: cannot specify both --password and --password-stdin")
    if args.password_stdin and not args.username:
        raise CliError("the --password-stdin option requires --username to be set")
    if args.password is not None:
        notice(PASSWORD_FLAG_WARNING)
    username, password = args.username, args.password
    if args.password_stdin:
        password = sys.stdin.read().rstrip("\r\n")
    if not username or password is None:
        if not sys.stdin.isatty():
            raise CliError("Cannot perform an interactive login from a non TTY device")
        if not username:
            username = input("Username: ").strip()
        if password is None:
            password = getpass.getpass("Password: ")
    if not username:
        raise CliError("Username cannot be empty")
    if not password:
        raise CliError("Password cannot be empty")
    server = args.server or credentials.INDEX_SERVER
    before = contexts.load_config().get("auths")
    wait(session.one().login(username, password, serveraddress=server, store=True))
    if contexts.load_config().get("auths") != before:  # docker warns when it wrote
        _unencrypted_warning(server)
    write("Login Succeeded\n")
    return 0


def cmd_logout(session: Session, args: argparse.Namespace) -> int:
    """Forget a registry's credentials (config.json and its helper)."""
    server = args.server or credentials.INDEX_SERVER
    write(f"Removing login credentials for {server}\n")
    credentials.erase_login(server)
    return 0


COMMANDS = (
    Cmd(
        "login",
        cmd_login,
        "log in to a registry (kept as docker login keeps it)",
        (
            arg("server", nargs="?", metavar="SERVER"),
            arg("-u", "--username", help="user name"),
            arg("-p", "--password", help="password (prefer --password-stdin)"),
            arg("--password-stdin", action="store_true", help="read the password from stdin"),
        ),
    ),
    Cmd(
        "logout",
        cmd_logout,
        "forget a registry's credentials",
        (arg("server", nargs="?", metavar="SERVER"),),
    ),
)
