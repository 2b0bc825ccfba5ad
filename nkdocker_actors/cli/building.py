"""build: an image from a context (a directory, or stdin), with docker's flags."""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import os
import sys
import tarfile
from typing import Any

from ..commands.images import build_context
from ..errors import NkDockerError
from ..messages import Inbox
from .common import CliError, Cmd, Session, arg, describe, pairs, wait, write
from .create_flags import extra_host, ram_bytes, swap_bytes, ulimit
from .images import stream_progress
from .render import Progress, si

# -- the context ------------------------------------------------------------------------


def _tar_size(tar: bytes) -> int:
    """The tar's size as docker counts it: without the zero padding Python's tarfile adds
    up to a 10 kB record (Go's ends after the two zero blocks)."""
    return -(-len(tar.rstrip(b"\0")) // 512) * 512 + 1024


_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")  # gzip bzip2 xz zstd


def _stdin_context(data: bytes) -> tuple[bytes, int]:
    """`build -`: a tar on stdin (compressed or not) is the context; anything else is a
    Dockerfile, the context's one file, as docker takes it. With the size docker reports."""
    try:
        if data.startswith(_COMPRESSED) or tarfile.TarInfo.frombuf(data[:512], "utf-8", "strict"):
            return data, len(data)
    except tarfile.TarError:
        pass  # (no tar header: a Dockerfile)
    context = build_context("stdin", {"Dockerfile": data})
    assert isinstance(context, bytes)  # (a mapping's tar)
    return context, _tar_size(context)


def _context(args: argparse.Namespace) -> tuple[bytes, int]:
    """The context's tar (gzip-compressed with --compress) and the size docker reports."""
    if args.path == "-":
        context, size = _stdin_context(sys.stdin.buffer.read())
    elif os.path.isdir(args.path):
        tar = build_context("path", args.path)  # a tar honouring .dockerignore
        assert isinstance(tar, bytes)
        context, size = tar, _tar_size(tar)
    elif os.path.exists(args.path):  # (docker's words, before dialling)
        raise CliError(f"unable to prepare context: context must be a directory: {args.path}")
    else:
        raise CliError(f'unable to prepare context: path "{args.path}" not found')
    if args.compress and not context.startswith(_COMPRESSED):
        context = gzip.compress(context[:size])
        size = len(context)
    return context, size


# -- build ------------------------------------------------------------------------------


class _BuildProgress(Progress):
    """A build's progress, keeping the image id a quiet build streams as its one line
    (the daemon sends no aux message then), and the exit code of a RUN that failed (what
    docker exits with)."""

    failed_code: int | None = None

    def feed(self, item: Any) -> None:
        stream = item.get("stream") if isinstance(item, dict) else None
        if self.image_id is None and isinstance(stream, str) and stream.startswith("sha256:"):
            self.image_id = stream.strip()
        detail = item.get("errorDetail") if isinstance(item, dict) else None
        if isinstance(detail, dict) and isinstance(detail.get("code"), int) and detail["code"]:
            self.failed_code = detail["code"]
        super().feed(item)


_VALUED = (  # flag -> the API's option, sent when given
    ("tag", "t"),
    ("file", "dockerfile"),
    ("target", "target"),
    ("platform", "platform"),
    ("network", "network_mode"),
    ("add_host", "extrahosts"),
    ("cache_from", "cachefrom"),
    ("cgroup_parent", "cgroupparent"),
    ("cpu_period", "cpuperiod"),
    ("cpu_quota", "cpuquota"),
    ("cpu_shares", "cpushares"),
    ("cpuset_cpus", "cpusetcpus"),
    ("cpuset_mems", "cpusetmems"),
    ("memory", "memory"),
    ("memory_swap", "memswap"),
    ("shm_size", "shmsize"),
    ("ulimit", "ulimits"),
    ("security_opt", "securityopt"),
    ("isolation", "isolation"),
)
_FLAGS = (
    ("no_cache", "nocache"),
    ("force_rm", "forcerm"),
    ("pull", "pull"),
    ("quiet", "q"),
    ("squash", "squash"),
)


def cmd_build(session: Session, args: argparse.Namespace) -> int:
    """Build an image from a directory, or from stdin ("-": a tar, or a Dockerfile)."""
    if args.iidfile:  # (no stale id left behind if the build fails)
        with contextlib.suppress(FileNotFoundError):
            os.remove(args.iidfile)
    context, size = _context(args)
    docker = session.one()
    if args.squash and not wait(docker.info(), None).get("ExperimentalBuild"):
        raise CliError(
            '"--squash" is only supported on a Docker daemon with experimental features enabled'
        )
    sending = f"Sending build context to Docker daemon {si(size, 4):>8}\n"  # (docker's %8v)
    if not args.quiet and not session.json:
        write(sending)
    options: dict[str, Any] = {"rm": bool(args.rm)}
    for flag, option in _VALUED:
        value = getattr(args, flag)
        if value is not None and value != "":
            options[option] = list(value) if isinstance(value, list) else value
    options.update({option: True for flag, option in _FLAGS if getattr(args, flag)})
    build_args = pairs(args.build_arg, "build argument")
    if build_args:
        options["buildargs"] = build_args
    labels = pairs(args.label, "label")
    if labels:
        options["labels"] = labels
    inbox = Inbox()
    # -q: the daemon's lines held back; the id on success, all of them on stderr on failure
    held = io.StringIO() if args.quiet else None
    progress = _BuildProgress(held or sys.stdout)
    try:
        ref = wait(docker.build(context, subscriber=inbox, **options))
        stream_progress(session, inbox, ref, progress)
    except NkDockerError as problem:
        if held is not None and not session.json:
            sys.stdout.flush()
            sys.stderr.write(sending + held.getvalue())
            sys.stderr.flush()
        if progress.failed_code is not None:
            raise CliError(describe(problem), progress.failed_code) from None
        raise
    if held is not None:
        write(held.getvalue())
    if args.iidfile:
        if progress.image_id is None:
            raise CliError("the build reported no image id")
        with open(args.iidfile, "w", encoding="utf-8") as file:
            file.write(progress.image_id)
    return 0


_MANY: dict[str, Any] = {"action": "append", "default": None}

COMMANDS = (
    Cmd(
        "build",
        cmd_build,
        "build an image from a directory",
        (
            arg("path", metavar="PATH", help='a directory, or "-" (a tar or a Dockerfile)'),
            arg("-t", "--tag", help="name[:tag] (repeatable)", **_MANY),
            arg("-f", "--file", help="Dockerfile path inside the context"),
            arg("--build-arg", metavar="KEY=VALUE", **_MANY),
            arg("--label", metavar="KEY=VALUE", **_MANY),
            arg("--target", help="build up to this stage"),
            arg("--platform", help="os[/arch[/variant]]"),
            arg("--network", help="network for RUN"),
            arg(
                "--add-host",
                type=extra_host,
                metavar="HOST:IP",
                help="an /etc/hosts entry",
                **_MANY,
            ),
            arg("--cache-from", metavar="IMAGE", help="an image to take cache from", **_MANY),
            arg("--cgroup-parent", help="parent cgroup of RUN's containers"),
            arg("--cpu-period", type=int, help="CFS period (µs)"),
            arg("--cpu-quota", type=int, help="CFS quota (µs)"),
            arg("-c", "--cpu-shares", type=int, help="relative CPU weight"),
            arg("--cpuset-cpus", help="CPUs allowed (0-3, 0,1)"),
            arg("--cpuset-mems", help="memory nodes allowed (0-3, 0,1)"),
            arg("-m", "--memory", type=ram_bytes, help="memory limit"),
            arg("--memory-swap", type=swap_bytes, help="memory + swap limit (-1: unlimited)"),
            arg("--shm-size", type=ram_bytes, help="size of /dev/shm"),
            arg("--ulimit", type=ulimit, metavar="NAME=SOFT[:HARD]", help="ulimit", **_MANY),
            arg("--security-opt", metavar="OPT", help="security option", **_MANY),
            arg("--isolation", help="isolation technology"),
            arg("--iidfile", metavar="FILE", help="write the image id to this file"),
            arg("--no-cache", action="store_true"),
            arg("--rm", action="store_true", default=True, help="remove intermediate containers"),
            arg("--force-rm", action="store_true", help="remove intermediate containers always"),
            arg("--pull", action="store_true", help="always pull the base image"),
            arg("--squash", action="store_true", help="squash the new layers (experimental)"),
            arg("--compress", action="store_true", help="send the context gzip-compressed"),
            arg("-q", "--quiet", action="store_true", help="print only the image id"),
        ),
        aliases=("image build",),
    ),
)
