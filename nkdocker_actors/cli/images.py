"""Image commands: images, pull, push, tag, rmi, history, save/load, import,
commit, image prune."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, TextIO

from ..connection import Docker
from ..errors import NkDockerError
from ..messages import Data, Inbox, Ref
from .common import (
    CliError,
    Cmd,
    Session,
    arg,
    error,
    fanout,
    filters,
    items_of,
    listed,
    print_json,
    quiet_ids,
    report_failures,
    short_id,
    wait,
    write,
)
from .render import Progress, ago, ellipsis, listing, rfc3339, si
from .usage import GO_TRUE

IMAGES_FORMAT = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
IMAGES_HEADERS = {
    "Repository": "REPOSITORY",
    "Tag": "TAG",
    "ID": "IMAGE ID",
    "Digest": "DIGEST",
    "CreatedSince": "CREATED",
    "CreatedAt": "CREATED AT",
    "Size": "SIZE",
    "Containers": "CONTAINERS",
    "Host": "HOST",
}


def image_contexts(item: dict[str, Any], trunc: bool = True) -> list[dict[str, Any]]:
    """A listed image as the docker CLI's --format sees it: one per tag."""
    created = float(item.get("Created", 0))
    digests = item.get("RepoDigests") or []
    size, shared = float(item.get("Size", 0)), float(item.get("SharedSize", -1))
    base = {
        "ID": short_id(item["Id"]) if trunc else item["Id"],
        "CreatedSince": ago(created),
        "CreatedAt": time.strftime("%Y-%m-%d %H:%M:%S %z %Z", time.localtime(created)),
        "Size": si(size),
        "VirtualSize": si(size, 4),
        "SharedSize": "N/A" if shared < 0 else si(shared, 4),
        "UniqueSize": "N/A" if shared < 0 or size < 0 else si(size - shared, 4),
        "Containers": "N/A" if item.get("Containers", -1) < 0 else str(item["Containers"]),
        "Digest": digests[0].partition("@")[2] if digests else "<none>",
    }
    tags = item.get("RepoTags") or ["<none>:<none>"]
    return [
        {**base, "Repository": repo, "Tag": tag}
        for repo, _, tag in (t.rpartition(":") for t in tags)
    ]


def cmd_images(session: Session, args: argparse.Namespace) -> int:
    """List images on every daemon given."""
    options: dict[str, Any] = {"all": bool(args.all)}
    wanted = filters(args.filter)
    if args.reference:
        wanted.setdefault("reference", []).append(args.reference)
    if wanted:
        options["filters"] = wanted
    results = fanout(session, lambda docker: docker.images(**options))
    found = listed(results)
    if args.quiet and not session.json:
        quiet_ids(found, args.no_trunc)
        return report_failures(results)
    default = IMAGES_FORMAT
    if args.digests:
        default = default.replace("{{.Tag}}", "{{.Tag}}\t{{.Digest}}")
    if session.many:
        default = default.replace("table ", "table {{.Host}}\t", 1)
    items = [
        {**ctx, "Host": t.label} if session.many else ctx
        for t, item in found
        for ctx in image_contexts(item, not args.no_trunc)
    ]
    raw = [{**item, "Host": t.label} if session.many else item for t, item in found]
    listing(session.json, args.format, default, IMAGES_HEADERS, items, raw)
    return report_failures(results)


# -- pull, push: progress per layer --------------------------------------------


def stream_progress(session: Session, inbox: Inbox, ref: Ref, progress: Progress) -> None:
    """Show a progress stream until it ends; its failure raises."""
    with progress:
        for payload in items_of(inbox, ref):
            if isinstance(payload, Data):
                if session.json:
                    print_json(payload.value, lines=True)
                else:
                    progress.feed(payload.value)


def with_tag(image: str) -> str:
    """`image` with ":latest" when it names no tag or digest (a pull would take every tag)."""
    last = image.rsplit("/", 1)[-1]
    return image if (":" in last or "@" in image) else image + ":latest"


def _registry_of(image: str) -> str:
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return "https://index.docker.io/v1/"


def auth_of(args: argparse.Namespace, image: str) -> dict[str, str] | None:
    """Registry credentials from our flags or NKDOCKER_USERNAME / NKDOCKER_PASSWORD."""
    username = args.username or os.environ.get("NKDOCKER_USERNAME")
    password = args.password or os.environ.get("NKDOCKER_PASSWORD")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not username:
        return None
    return {"username": username, "password": password or "", "serveraddress": _registry_of(image)}


def pull_image(
    session: Session,
    docker: Docker,
    image: str,
    auth: dict[str, str] | None,
    out: TextIO,
    *,
    quiet: bool = False,
    platform: str | None = None,
) -> None:
    """Pull `image`, showing progress on `out`."""
    inbox = Inbox()
    options: dict[str, Any] = {"subscriber": inbox}
    if auth:
        options["auth"] = auth
    if platform:
        options["platform"] = platform
    ref = wait(docker.pull(image, **options))
    stream_progress(session, inbox, ref, Progress(out, quiet))


def qualified(reference: str) -> str:
    """A reference as docker names it in full: "busybox:1" is docker.io/library/busybox:1."""
    first, sep, _ = reference.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return reference
    return f"docker.io/{reference}" if sep else f"docker.io/library/{reference}"


def cmd_pull(session: Session, args: argparse.Namespace) -> int:
    """Pull an image, showing progress per layer (every tag of the repository with -a:
    the daemon pulls them all when given no tag)."""
    if args.all_tags:
        if ":" in args.image.rsplit("/", 1)[-1] or "@" in args.image:
            raise CliError("tag can't be used with --all-tags/-a")  # (docker's words)
        image = args.image
    else:
        image = with_tag(args.image)
    docker = session.one()
    pull_image(
        session, docker, image, auth_of(args, image), sys.stdout,
        quiet=args.quiet, platform=args.platform,
    )  # fmt: skip
    if not session.json:
        write(qualified(image) + "\n")
    return 0


def cmd_push(session: Session, args: argparse.Namespace) -> int:
    """Push an image (its :latest or the tag named; every tag with -a)."""
    name, tag = args.image, None
    last = name.rsplit("/", 1)[-1]
    if "@" in name:
        raise CliError("cannot push a digest reference")  # (docker's words, before dialling)
    docker = session.one()
    if ":" in last:
        name, _, tag = name.rpartition(":")
    elif not args.all_tags:
        tag = "latest"
    options: dict[str, Any] = {}
    if tag:
        options["tag"] = tag
    auth = auth_of(args, args.image)
    if auth:
        options["auth"] = auth
    inbox = Inbox()
    ref = wait(docker.push(name, subscriber=inbox, **options))
    stream_progress(session, inbox, ref, Progress(sys.stdout, args.quiet))
    if args.quiet and not session.json:  # (what was pushed, named in full as docker's)
        write(qualified(f"{name}:{tag}" if tag else name) + "\n")
    return 0


# -- tag, rmi, history, save/load, import, commit, prune --------------------------------


def _repo_tag(reference: str) -> tuple[str, str]:
    last = reference.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = reference.rpartition(":")
        return repo, tag
    return reference, "latest"


def cmd_tag(session: Session, args: argparse.Namespace) -> int:
    """Name an image SOURCE as TARGET."""
    repo, tag = _repo_tag(args.target)
    wait(session.one().tag(args.source, repo, tag=tag))
    return 0


def cmd_rmi(session: Session, args: argparse.Namespace) -> int:
    """Remove images: each untag and delete, as docker prints them."""
    docker = session.one()
    code = 0
    for name in args.images:
        try:
            for item in wait(docker.rmi(name, force=bool(args.force), noprune=bool(args.no_prune))):
                for key, value in item.items():
                    write(f"{key}: {value}\n")
        except NkDockerError as problem:
            error(getattr(problem, "message", str(problem)))
            code = 1
    return code


HISTORY_FORMAT = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
HISTORY_FORMAT_NOT_HUMAN = HISTORY_FORMAT.replace("CreatedSince", "CreatedAt")  # (-H=false)
HISTORY_HEADERS = {
    "ID": "IMAGE",
    "CreatedSince": "CREATED",
    "CreatedAt": "CREATED AT",
    "CreatedBy": "CREATED BY",
    "Size": "SIZE",
    "Comment": "COMMENT",
}


def cmd_history(session: Session, args: argparse.Namespace) -> int:
    """The layers of an image."""
    layers = wait(session.one().history(args.image))
    if args.quiet:
        write(
            "".join(f"{short_id(layer['Id'])}\n" for layer in layers if layer["Id"] != "<missing>")
        )
        return 0
    items = []
    for layer in layers:
        created_by = str(layer.get("CreatedBy", ""))
        if not args.no_trunc:
            created_by = ellipsis(created_by, 45)
        ident = str(layer.get("Id", ""))
        created = float(layer.get("Created", 0))
        items.append({
            "ID": ident if ident == "<missing>" or args.no_trunc else short_id(ident),
            "CreatedSince": ago(created) if args.human else rfc3339(created),
            "CreatedAt": rfc3339(created),
            "CreatedBy": created_by,
            "Size": si(float(layer.get("Size", 0))) if args.human else str(layer.get("Size", 0)),
            "Comment": str(layer.get("Comment", "")),
        })  # fmt: skip
    default = HISTORY_FORMAT if args.human else HISTORY_FORMAT_NOT_HUMAN
    listing(session.json, args.format, default, HISTORY_HEADERS, items, layers)
    return 0


def cmd_save(session: Session, args: argparse.Namespace) -> int:
    """Images as one tar, to -o FILE or stdout."""
    docker = session.one()
    if args.output:
        wait(docker.get_images(list(args.images), file=args.output), None)
        return 0
    if sys.stdout.isatty():
        raise CliError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    sys.stdout.buffer.write(wait(docker.get_images(list(args.images)), None))
    sys.stdout.flush()
    return 0


def cmd_load(session: Session, args: argparse.Namespace) -> int:
    """Images from a tar (-i FILE or stdin); print what was loaded."""
    docker = session.one()
    if args.input:
        with open(args.input, "rb") as file:
            lines = wait(docker.load(file, quiet=True), None)
    else:
        if sys.stdin.isatty():
            raise CliError("requested load from stdin, but stdin is empty")
        lines = wait(docker.load(sys.stdin.buffer, quiet=True), None)
    for line in lines or []:
        if isinstance(line, dict) and "stream" in line:
            write(str(line["stream"]))
        elif isinstance(line, dict) and line.get("error"):
            raise CliError(str(line["error"]))
    return 0


def cmd_import(session: Session, args: argparse.Namespace) -> int:
    """A root filesystem tar (FILE or - for stdin) as an image; print its id."""
    docker = session.one()
    options: dict[str, Any] = {}
    if args.reference:
        options["repo"], options["tag"] = _repo_tag(args.reference)
    if args.message:
        options["message"] = args.message
    if args.change:
        options["changes"] = list(args.change)
    if args.file == "-":
        lines = wait(docker.import_image(sys.stdin.buffer, **options), None)
    else:
        with open(args.file, "rb") as file:
            lines = wait(docker.import_image(file, **options), None)
    for line in lines or []:
        if isinstance(line, dict) and line.get("status", "").startswith("sha256:"):
            write(line["status"] + "\n")
        elif isinstance(line, dict) and line.get("error"):
            raise CliError(str(line["error"]))
    return 0


def cmd_commit(session: Session, args: argparse.Namespace) -> int:
    """An image from a container's changes; print its id."""
    options: dict[str, Any] = {"pause": args.pause}
    if args.reference:
        options["repo"], options["tag"] = _repo_tag(args.reference)
    if args.message:
        options["comment"] = args.message
    if args.author:
        options["author"] = args.author
    if args.change:
        options["changes"] = list(args.change)
    result = wait(session.one().commit(args.container, **options), None)
    write(f"{result.get('Id', result)}\n")
    return 0


def cmd_image_prune(session: Session, args: argparse.Namespace) -> int:
    """Remove dangling images (every unused one with -a)."""
    from .system import confirm, prune_report

    what = (
        "all images without at least one container associated to them"
        if args.all
        else ("all dangling images")
    )
    if not confirm(args, what):
        return 0
    wanted: dict[str, Any] = filters(args.filter)
    if args.all:
        wanted["dangling"] = ["false"]
    options: dict[str, Any] = {"filters": wanted} if wanted else {}
    result = wait(session.one().image_prune(**options), None)
    deleted = [f"{k}: {v}" for item in result.get("ImagesDeleted") or [] for k, v in item.items()]
    prune_report("Deleted Images", deleted, result)
    return 0


AUTH_ARGS = (  # pull, push and the plugin commands that reach a registry
    arg("--username", help="registry user (or NKDOCKER_USERNAME)"),
    arg("--password", help="registry password (or NKDOCKER_PASSWORD)"),
    arg("--password-stdin", action="store_true", help="read the password from stdin"),
)
_FORMAT = arg("--format", help="Go template (docs/cli.md: the subset understood)")

COMMANDS = (
    Cmd(
        "images",
        cmd_images,
        "list images",
        (
            arg("reference", nargs="?", metavar="REPOSITORY[:TAG]"),
            arg("-a", "--all", action="store_true", help="intermediate images too"),
            arg("-q", "--quiet", action="store_true", help="ids only"),
            arg("-f", "--filter", action="append", metavar="KEY=VALUE", help="filter"),
            arg("--digests", action="store_true", help="show digests"),
            arg("--no-trunc", action="store_true", help="full ids"),
            _FORMAT,
        ),
        aliases=("image ls", "image list"),
        many=True,
    ),
    Cmd(
        "pull",
        cmd_pull,
        "pull an image, with progress per layer",
        (
            arg("image", metavar="NAME[:TAG]"),
            arg("-a", "--all-tags", action="store_true", help="every tag of the repository"),
            arg("-q", "--quiet", action="store_true", help="no progress"),
            arg("--platform", help="os[/arch[/variant]]"),
            *AUTH_ARGS,
        ),
        aliases=("image pull",),
    ),
    Cmd(
        "push",
        cmd_push,
        "push an image, with progress per layer",
        (
            arg("image", metavar="NAME[:TAG]"),
            arg("-a", "--all-tags", action="store_true", help="push every tag"),
            arg("-q", "--quiet", action="store_true", help="no progress"),
            *AUTH_ARGS,
        ),
        aliases=("image push",),
    ),
    Cmd(
        "tag",
        cmd_tag,
        "name an image",
        (arg("source", metavar="SOURCE_IMAGE"), arg("target", metavar="TARGET_IMAGE")),
        aliases=("image tag",),
        interspersed=False,
    ),
    Cmd(
        "rmi",
        cmd_rmi,
        "remove images",
        (
            arg("images", nargs="+", metavar="IMAGE"),
            arg("-f", "--force", action="store_true", help="even if in use"),
            arg("--no-prune", action="store_true", help="keep untagged parents"),
        ),
        aliases=("image rm", "image remove"),
    ),
    Cmd(
        "history",
        cmd_history,
        "the layers of an image",
        (
            arg("image", metavar="IMAGE"),
            arg("-q", "--quiet", action="store_true", help="ids only"),
            arg("--no-trunc", action="store_true", help="full output"),
            arg(
                "-H",
                "--human",
                type=lambda v: v in GO_TRUE,  # (the value checked: usage.py)
                nargs="?",
                const=True,
                default=True,
                metavar="true|false",
                help="human sizes and dates",
            ),
            _FORMAT,
        ),
        aliases=("image history",),
    ),
    Cmd(
        "save",
        cmd_save,
        "images as a tar",
        (arg("images", nargs="+", metavar="IMAGE"), arg("-o", "--output", help="to this file")),
        aliases=("image save",),
    ),
    Cmd(
        "load",
        cmd_load,
        "images from a tar",
        (
            arg("-i", "--input", help="from this file, not stdin"),
            arg("-q", "--quiet", action="store_true", help="(always quiet)"),
        ),
        aliases=("image load",),
    ),
    Cmd(
        "import",
        cmd_import,
        "an image from a root filesystem tar",
        (
            arg("file", metavar="FILE|-"),
            arg("reference", nargs="?", metavar="REPOSITORY[:TAG]"),
            arg("-m", "--message", help="commit message"),
            arg("-c", "--change", action="append", help="Dockerfile instruction"),
        ),
        aliases=("image import",),
        arity=(1, None),  # (docker ignores a third)
    ),
    Cmd(
        "commit",
        cmd_commit,
        "an image from a container's changes",
        (
            arg("container", metavar="CONTAINER"),
            arg("reference", nargs="?", metavar="REPOSITORY[:TAG]"),
            arg("-m", "--message", help="commit message"),
            arg("-a", "--author", help="author"),
            arg("-c", "--change", action="append", help="Dockerfile instruction"),
            arg(
                "-p",
                "--pause",
                action="store_true",
                default=True,
                help="pause the container while committing (--pause=false: not)",
            ),
            arg("--no-pause", action="store_false", dest="pause", help="as --pause=false"),
        ),
        aliases=("container commit",),
        interspersed=False,
    ),
    Cmd(
        "image prune",
        cmd_image_prune,
        "remove unused images",
        (
            arg("-a", "--all", action="store_true", help="every unused image, not only dangling"),
            arg("-f", "--force", action="store_true", help="do not prompt for confirmation"),
            arg("--filter", action="append", metavar="KEY=VALUE", help="filter"),
        ),
    ),
)
