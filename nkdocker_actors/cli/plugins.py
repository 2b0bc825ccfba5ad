"""plugin ls|inspect|create|enable|disable|set|rm|push|install|upgrade: the docker CLI's
`docker plugin`, over the Plugin API (commands/plugins.py).

install and upgrade show the privileges a plugin asks for and ask for them to be granted,
as docker does, unless --grant-all-permissions. Registry credentials come from
--username/--password (or NKDOCKER_USERNAME / NKDOCKER_PASSWORD), else from the docker
CLI's config (config.json, credential helpers: the API's own lookup), as for `push` and
`pull`.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import os
import re
import stat
import sys
import tarfile
from typing import Any

from .. import identifiers
from ..commands.plugins import plugin_settings
from ..connection import Docker
from ..errors import DockerError, NkDockerError
from ..messages import Inbox
from .common import (
    PROG,
    CliError,
    Cmd,
    Session,
    answered_yes,
    arg,
    describe,
    each_name,
    filters,
    go_quoted,
    short_id,
    wait,
    write,
)
from .containers import inspect_each
from .images import AUTH_ARGS, auth_of, stream_progress, with_tag
from .render import Progress, ellipsis, listing
from .template import go_text

LS_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Description}}\t{{.Enabled}}"
LS_HEADERS = {
    "ID": "ID",
    "Name": "NAME",
    "Description": "DESCRIPTION",
    "Enabled": "ENABLED",
    "PluginReference": "IMAGE",
}
_DESCRIPTION_WIDTH = 45  # docker's ellipsis of a description, unless --no-trunc


def _natural_key(name: str) -> list[tuple[int, int, int]]:
    """docker's order of plugin names (Go's sortorder.NaturalLess): a run of digits as
    its number, before any other character; of equal numbers, fewer leading zeros first."""
    key = []
    for chunk in re.findall(r"\d+|\D", name):
        if chunk.isdigit():
            key.append((0, int(chunk), len(chunk) - len(chunk.lstrip("0"))))
        else:
            key.append((1, ord(chunk), 0))
    return key


def plugin_row(plugin: dict[str, Any], trunc: bool) -> dict[str, Any]:
    """A listed plugin as the docker CLI's --format sees it."""
    description = str((plugin.get("Config") or {}).get("Description", ""))
    description = description.replace("\n", "").replace("\r", "")
    if trunc:
        description = ellipsis(description, _DESCRIPTION_WIDTH)
    return {
        "ID": short_id(plugin["Id"]) if trunc else plugin["Id"],
        "Name": plugin.get("Name", ""),
        "Description": description,
        "Enabled": bool(plugin.get("Enabled")),
        "PluginReference": plugin.get("PluginReference", ""),
    }


def cmd_ls(session: Session, args: argparse.Namespace) -> int:
    """List plugins, by name in docker's natural order."""
    options: dict[str, Any] = {"filters": filters(args.filter)} if args.filter else {}
    plugins = wait(session.one().plugins(**options))
    plugins.sort(key=lambda p: _natural_key(p.get("Name", "")))
    rows = [plugin_row(p, not args.no_trunc) for p in plugins]
    fmt = args.format
    if args.quiet and fmt in (None, "", "table"):  # docker: a --format of its own wins over -q
        fmt = "{{.ID}}"
    listing(session.json, fmt, LS_FORMAT, LS_HEADERS, rows, plugins)
    return 0


def cmd_inspect(session: Session, args: argparse.Namespace) -> int:
    """Plugins as JSON (or -f); a missing one is reported, the others shown."""
    return inspect_each(args.plugins, session.one().plugin_inspect, args.format)


def _context_tar(directory: str) -> bytes:
    """The plugin's context as a tar, after docker's checks of the directory (and ours of
    rootfs/, which dockerd would only refuse once it has it all)."""
    absolute = os.path.abspath(directory)
    try:  # (lstat: a link to a directory is no directory, as docker sees it)
        is_directory = stat.S_ISDIR(os.lstat(absolute).st_mode)
    except OSError as problem:
        raise CliError(f"lstat {absolute}: {str(problem.strerror).lower()}") from None
    if not is_directory:
        raise CliError("context must be a directory")
    config_path = os.path.join(directory, "config.json")
    try:
        with open(config_path, "rb") as file:
            config = json.load(file)
    except OSError as problem:
        raise CliError(f"open {config_path}: {str(problem.strerror).lower()}") from None
    except ValueError as problem:
        raise CliError(f"{config_path}: not JSON ({problem})") from None
    if not isinstance(config, dict):
        raise CliError(f"{config_path}: not a JSON object")
    if not os.path.isdir(os.path.join(absolute, "rootfs")):
        raise CliError(f"no rootfs found: {os.path.join(directory, 'rootfs')} is not a directory")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:  # all of it: no .dockerignore here
        for entry in sorted(os.listdir(absolute)):
            tar.add(os.path.join(absolute, entry), arcname=entry)
    return buffer.getvalue()


def cmd_create(session: Session, args: argparse.Namespace) -> int:
    """Create a plugin from a directory holding config.json and rootfs/; print its name."""
    identifiers.check("image", args.plugin)  # a bad name fails before the tar is made
    context = _context_tar(args.dir)
    if args.compress:
        context = gzip.compress(context)
    wait(session.one().plugin_create(args.plugin, context), None)
    write(f"{args.plugin}\n")
    return 0


def cmd_enable(session: Session, args: argparse.Namespace) -> int:
    """Enable a plugin; print its name."""
    if args.timeout < 0:
        raise CliError(f"negative timeout {args.timeout} is invalid")
    wait(session.one().plugin_enable(args.plugin, plugin_timeout=args.timeout), None)
    write(f"{args.plugin}\n")
    return 0


def cmd_disable(session: Session, args: argparse.Namespace) -> int:
    """Disable a plugin (-f: even while in use); print its name."""
    wait(session.one().plugin_disable(args.plugin, force=bool(args.force)), None)
    write(f"{args.plugin}\n")
    return 0


def cmd_set(session: Session, args: argparse.Namespace) -> int:
    """Change a disabled plugin's settings (env, args, mounts' and devices' sources)."""
    settings = plugin_settings(args.settings)  # (before connecting)
    wait(session.one().plugin_set(args.plugin, settings))
    return 0


def cmd_rm(session: Session, args: argparse.Namespace) -> int:
    """Remove plugins (-f: enabled ones too); print each name."""
    docker = session.one()
    return each_name(args.plugins, lambda p: docker.plugin_rm(p, force=bool(args.force)))


# -- push, install, upgrade: through a registry --------------------------------------


def _qualified(reference: str) -> str:
    """A reference as dockerd names it (Go's reference.ParseNormalizedNamed): with its
    registry (docker.io by default), a Docker Hub name of one part in library/."""
    first, slash, rest = reference.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        domain, path = ("docker.io" if first == "index.docker.io" else first), rest
    else:
        domain, path = "docker.io", reference
    if domain == "docker.io" and "/" not in path:
        path = f"library/{path}"
    return f"{domain}/{path}"


def _familiar(reference: str) -> str:
    """A reference as docker shows it (reference.FamiliarString), with a tag."""
    shown = with_tag(_qualified(reference))
    if shown.startswith("docker.io/"):
        shown = shown[len("docker.io/") :]
        if shown.startswith("library/") and shown.count("/") == 1:
            shown = shown[len("library/") :]
    return shown


def _accepted(
    docker: Docker, args: argparse.Namespace, remote: str, auth: dict[str, str] | None
) -> list[Any]:
    """The privileges `remote` asks for, shown and granted (or refused) as docker does.
    (`auth`: given by flag or environment; None: the API looks them up as docker does.)"""
    privileges: list[Any] = wait(docker.plugin_privileges(remote, auth=auth), None)
    if privileges and not args.grant_all_permissions:
        asked = "".join(f" - {p.get('Name')}: {go_text(p.get('Value'))}\n" for p in privileges)
        write(f"Plugin {go_quoted(remote)} is requesting the following privileges:\n{asked}")
        if not answered_yes("Do you grant the above permissions?"):
            raise CliError(f"permission denied while installing plugin {_qualified(remote)}")
    return privileges


def _local_name(alias: str) -> str:
    """--alias as docker names the plugin: with :latest unless it has a tag; no digest."""
    identifiers.check("image", alias)
    if "@" in alias:
        raise CliError(f"invalid name: {alias}")
    return with_tag(alias)


def cmd_push(session: Session, args: argparse.Namespace) -> int:
    """Push a plugin to its registry, with progress per layer."""
    if "@" in args.plugin:
        raise CliError(f"invalid name: {args.plugin}")
    name = with_tag(args.plugin)
    docker = session.one()
    inbox = Inbox()
    ref = wait(docker.plugin_push(name, subscriber=inbox, auth=auth_of(args, name)))
    stream_progress(session, inbox, ref, Progress(sys.stdout))
    return 0


def cmd_install(session: Session, args: argparse.Namespace) -> int:
    """Pull a plugin (its privileges granted), set its settings and enable it."""
    # Checked before the pull: they are set once it is installed.
    settings = plugin_settings(args.settings) if args.settings else []
    local = _local_name(args.alias) if args.alias else None
    docker = session.one()
    auth = auth_of(args, args.remote)
    privileges = _accepted(docker, args, args.remote, auth)
    inbox = Inbox()
    ref = wait(
        docker.plugin_pull(args.remote, local, subscriber=inbox, privileges=privileges, auth=auth)
    )
    stream_progress(session, inbox, ref, Progress(sys.stdout))
    # dockerd's name for it without --alias: the remote, a digest giving way to :latest
    installed = local or with_tag(args.remote.split("@", 1)[0])
    try:
        if settings:
            wait(docker.plugin_set(installed, settings))
        if not args.disable:
            wait(docker.plugin_enable(installed), None)
    except NkDockerError:
        # Not what was asked for: removed again (docker 28 means to; its client leaves it).
        with contextlib.suppress(NkDockerError):
            wait(docker.plugin_rm(installed, force=True))
        raise
    write(f"Installed plugin {args.remote}\n")
    return 0


def cmd_upgrade(session: Session, args: argparse.Namespace) -> int:
    """Upgrade a disabled plugin to REMOTE (default: where it came from), in place."""
    docker = session.one()
    try:
        plugin = wait(docker.plugin_inspect(args.plugin))
    except DockerError as problem:
        raise CliError(
            f"error reading plugin data: Error response from daemon: {describe(problem)}"
        ) from None
    if plugin.get("Enabled"):
        raise CliError("the plugin must be disabled before upgrading")
    local, current = plugin["Name"], plugin.get("PluginReference", "")
    remote = args.remote or current
    identifiers.check("image", remote)  # before the first line is printed
    auth = auth_of(args, remote)  # (before any prompt: --password-stdin reads stdin)
    old, new = _familiar(current), _familiar(remote)
    write(f"Upgrading plugin {local} from {old} to {new}\n")
    asked = not args.skip_remote_check and new != old
    if asked and not answered_yes("Plugin images do not match, are you sure?"):
        return 0  # cancelled: docker exits 0, saying nothing more
    privileges = _accepted(docker, args, remote, auth)
    inbox = Inbox()
    try:
        ref = wait(
            docker.plugin_upgrade(local, remote, subscriber=inbox, privileges=privileges, auth=auth)
        )
        stream_progress(session, inbox, ref, Progress(sys.stdout))
    except DockerError as problem:
        if "target is image" in describe(problem):
            raise CliError(f"{describe(problem)} - Use `{PROG} image pull`") from None
        raise
    write(f"Upgraded plugin {local} to {remote}\n")
    return 0


_PLUGIN = arg("plugin", metavar="PLUGIN")
_GRANT = arg(
    "--grant-all-permissions",
    action="store_true",
    help="grant every privilege the plugin asks for (no prompt)",
)

COMMANDS = (
    Cmd(
        "plugin ls",
        cmd_ls,
        "list plugins",
        (
            arg("-q", "--quiet", action="store_true", help="ids only"),
            arg("--no-trunc", action="store_true", help="full ids and descriptions"),
            arg("-f", "--filter", action="append", metavar="KEY=VALUE", help="enabled, capability"),
            arg("--format", help="Go template (docs/cli.md)"),
        ),
        aliases=("plugin list",),
    ),
    Cmd(
        "plugin inspect",
        cmd_inspect,
        "plugins as JSON",
        (arg("plugins", nargs="+", metavar="PLUGIN"), arg("-f", "--format")),
    ),
    Cmd(
        "plugin create",
        cmd_create,
        "create a plugin from a directory holding config.json and rootfs/",
        (
            _PLUGIN,
            arg("dir", metavar="PLUGIN-DATA-DIR"),
            arg("--compress", action="store_true", help="send the context gzipped"),
        ),
        arity=(2, None),
    ),
    Cmd(
        "plugin enable",
        cmd_enable,
        "enable a plugin",
        (
            _PLUGIN,
            arg("--timeout", type=int, default=30, help="HTTP client timeout, seconds (30)"),
        ),
    ),
    Cmd(
        "plugin disable",
        cmd_disable,
        "disable a plugin",
        (_PLUGIN, arg("-f", "--force", action="store_true", help="even while in use")),
    ),
    Cmd(
        "plugin set",
        cmd_set,
        "change a disabled plugin's settings",
        (_PLUGIN, arg("settings", nargs="+", metavar="KEY=VALUE")),
    ),
    Cmd(
        "plugin rm",
        cmd_rm,
        "remove plugins",
        (
            arg("plugins", nargs="+", metavar="PLUGIN"),
            arg("-f", "--force", action="store_true", help="enabled ones too"),
        ),
        aliases=("plugin remove",),
    ),
    Cmd(
        "plugin push",
        cmd_push,
        "push a plugin to its registry, with progress per layer",
        (arg("plugin", metavar="PLUGIN[:TAG]"), *AUTH_ARGS),
    ),
    Cmd(
        "plugin install",
        cmd_install,
        "install a plugin from a registry: pull, set, enable",
        (
            arg("remote", metavar="PLUGIN"),
            arg("settings", nargs="*", metavar="KEY=VALUE"),
            arg("--alias", metavar="NAME", help="local name for the plugin"),
            arg("--disable", action="store_true", help="do not enable it"),
            _GRANT,
            *AUTH_ARGS,
        ),
    ),
    Cmd(
        "plugin upgrade",
        cmd_upgrade,
        "upgrade a disabled plugin",
        (
            _PLUGIN,
            arg("remote", nargs="?", metavar="REMOTE"),
            _GRANT,
            arg(
                "--skip-remote-check",
                action="store_true",
                help="do not ask when REMOTE is not the image the plugin came from",
            ),
            *AUTH_ARGS,
        ),
    ),
)
