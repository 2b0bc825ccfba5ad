"""cp: files between a container and here, as tars of the archive endpoints."""

from __future__ import annotations

import argparse
import io
import os
import posixpath
import sys
import tarfile

from ..connection import Docker
from ..errors import NotFound
from .common import CliError, Cmd, Session, arg, is_tty, wait
from .render import si

_GO_MODE_DIR = 1 << 31  # (Go's os.FileMode bits, as the archive stat gives them)
_GO_MODE_SYMLINK = 1 << 27
_TAR_END = 1024  # the two zero blocks a tar ends with (Go's writer pads no further)


def _split_remote(path: str) -> tuple[str | None, str]:
    head, sep, rest = path.partition(":")
    if sep and head and "/" not in head and not os.path.isabs(path):
        return head, rest
    return None, path


def _local_path(path: str) -> str:
    """`path` absolute, keeping a trailing "/." or "/" as docker shows it."""
    absolute = os.path.abspath(path)
    for tail in ("/.", "/"):
        if path.endswith(tail) and not absolute.endswith(tail):
            return absolute + tail
    return absolute


def cmd_cp(session: Session, args: argparse.Namespace) -> int:
    """Copy between a container and our filesystem (CONTAINER:PATH on one side)."""
    docker = session.one()
    src_container, src = _split_remote(args.source)
    dst_container, dst = _split_remote(args.dest)
    if bool(src_container) == bool(dst_container):
        raise CliError(
            "copying between containers is not supported"
            if src_container
            else "must specify at least one container source",
            1,
        )
    if src == "-" and dst_container:
        _tar_to_container(docker, dst_container, dst)
        return 0
    # docker reports the size copied when its output is a terminal (its stdout: the
    # line itself goes to stderr)
    report = not args.quiet and is_tty(sys.stdout) and dst != "-"
    if src_container:
        size = _from_container(docker, src_container, src, dst, args.follow_link)
        shown = _local_path(dst)
    else:
        assert dst_container is not None
        size = _to_container(docker, src, dst_container, dst, args)
        shown = args.dest
    if report:
        sys.stderr.write(f"Successfully copied {si(size)} to {shown}\n")
        sys.stderr.flush()
    return 0


def _from_container(docker: Docker, container: str, src: str, dst: str, follow: bool) -> int:
    """Fetch `src` (the file a symlink names, with `follow`) into `dst`: the tar's size."""
    name = posixpath.basename(src.rstrip("/")) or "/"
    fetched, fetched_name = src, name
    if follow:
        stat = wait(docker.archive_stat(container, src))
        if int(stat.get("mode", 0)) & _GO_MODE_SYMLINK:
            fetched = posixpath.join(posixpath.dirname(src), stat["linkTarget"])
            fetched_name = posixpath.basename(fetched.rstrip("/"))
    data: bytes = wait(docker.get_archive(container, fetched), None)
    if dst == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return len(data)
    _extract(data, dst, fetched_name, name)
    return len(data)


def _as_ours(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    """docker's filter (links as they are), the files ours, not the container's owners:
    docker cp keeps no uid/gid here, even with -a."""
    kept = tarfile.tar_filter(member, dest)
    return kept.replace(uid=os.geteuid(), gid=os.getegid(), uname="", gname="", deep=False)


def _extract(data: bytes, dst: str, name: str, as_name: str) -> None:
    """Extract a container's tar, whose top is `name`, at `dst` as docker cp does: inside
    `dst` as `as_name` if it is a directory, else as `dst` itself."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
        if os.path.isdir(dst):
            parent, base = dst, as_name
        else:
            parent = os.path.dirname(os.path.abspath(dst))
            if not os.path.isdir(parent):
                raise CliError(f"destination directory {parent!r} does not exist")
            base = os.path.basename(dst)
        for member in members:
            first, _, rest = member.name.partition("/")
            if first == name:
                member.name = base + ("/" + rest if rest else "")
        tar.extractall(parent, members=members, filter=_as_ours)


def _is_dir(docker: Docker, container: str, path: str) -> bool:
    """Whether `path` in the container is a directory (False: not there, or another kind)."""
    try:
        return bool(int(wait(docker.archive_stat(container, path)).get("mode", 0)) & _GO_MODE_DIR)
    except NotFound:
        return False


def _tar_to_container(docker: Docker, container: str, dst: str) -> None:
    """`cp - CONTAINER:DIR`: the tar on stdin, as it comes, extracted into the directory."""
    if not _is_dir(docker, container, dst):
        raise CliError(f'destination "{container}:{dst}" must be a directory')
    wait(docker.put_archive(container, dst, sys.stdin.buffer), None)


def _whole_seconds(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """The mtime truncated to the second, as docker's tars have it (no PAX header for it)."""
    return member.replace(mtime=int(member.mtime), deep=False)


def _to_container(
    docker: Docker, src: str, container: str, dst: str, args: argparse.Namespace
) -> int:
    """Send `src` (what it links to, with -L) into the container at `dst`: the tar's size."""
    if not os.path.lexists(src):
        raise CliError(f"lstat {os.path.abspath(src)}: no such file or directory")
    if args.follow_link and not os.path.exists(src):
        raise CliError(f"lstat {os.path.realpath(src)}: no such file or directory")
    into_dir = _is_dir(docker, container, dst)
    target_dir = dst if into_dir else posixpath.dirname(dst.rstrip("/")) or "/"
    name = (
        os.path.basename(os.path.abspath(src)) if into_dir else posixpath.basename(dst.rstrip("/"))
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(
            os.path.realpath(src) if args.follow_link else src, arcname=name, filter=_whole_seconds
        )
        size = tar.offset + _TAR_END  # (Python's tarfile pads on to a 10 kB record)
    copy_uid_gid = True if args.archive else None  # (None: not sent, as docker's)
    wait(
        docker.put_archive(container, target_dir, buffer.getvalue(), copy_uid_gid=copy_uid_gid),
        None,
    )
    return size


COMMANDS = (
    Cmd(
        "cp",
        cmd_cp,
        "copy files between a container and here (CONTAINER:PATH on one side; - for a tar)",
        (
            arg("source", metavar="SRC"),
            arg("dest", metavar="DEST"),
            arg("-a", "--archive", action="store_true", help="keep uid/gid (into a container)"),
            arg("-L", "--follow-link", action="store_true", help="follow a symlink in SRC"),
            arg("-q", "--quiet", action="store_true", help="no report of the size copied"),
        ),
        aliases=("container cp",),
    ),
)
