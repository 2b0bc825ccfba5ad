"""busybox:latest without a registry: a rootfs tar from the host's static busybox."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from ._common import _BUSYBOX, _TAR_MTIME, SandboxError, SandboxInfo, _run, _unix_get


def busybox_rootfs_tar() -> bytes:
    """A busybox root filesystem as an uncompressed tar, built in memory from the
    host's static /bin/busybox: bin/busybox, a bin/<applet> symlink per applet,
    etc/passwd and etc/group (root, nobody), tmp/ with mode 1777."""
    binary = _BUSYBOX.read_bytes()
    listed = _run([str(_BUSYBOX), "--list"]).stdout.split()
    applets = sorted(set(listed) - {"busybox"})
    files = {
        "etc/passwd": (
            b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
        ),
        "etc/group": b"root:x:0:\nnobody:x:65534:\n",
    }
    dirs = {"bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o755,
            "root": 0o700, "sys": 0o755, "tmp": 0o1777, "usr": 0o755, "var": 0o755}  # fmt: skip
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(member: tarfile.TarInfo, data: bytes | None = None) -> None:
            member.mtime = _TAR_MTIME
            member.uname = member.gname = "root"
            if data is not None:
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if data is not None else None)

        for path, mode in sorted(dirs.items()):
            member = tarfile.TarInfo(path)
            member.type, member.mode = tarfile.DIRTYPE, mode
            add(member)
        member = tarfile.TarInfo("bin/busybox")
        member.mode = 0o755
        add(member, binary)
        for applet in applets:
            member = tarfile.TarInfo(f"bin/{applet}")
            member.type, member.linkname, member.mode = tarfile.SYMTYPE, "busybox", 0o777
            add(member)
        for path, data in sorted(files.items()):
            member = tarfile.TarInfo(path)
            member.mode = 0o644
            add(member, data)
    return buf.getvalue()


def _has_busybox(sock: Path) -> bool:
    status, body = _unix_get(sock, "/images/busybox:latest/json")
    if status == 404:
        return False
    if status != 200:
        raise SandboxError(f"GET /images/busybox:latest/json: {status} {body[:200]!r}")
    return True


def _import_busybox(info: SandboxInfo) -> None:
    """Import busybox:latest through our own client (it is what the tests exercise)."""
    import nkdocker_actors as nk  # late: the package imports its core modules

    docker = nk.connect(info.unix_url)
    try:
        docker.import_image(busybox_rootfs_tar(), repo="busybox", tag="latest").get(timeout=120)
    finally:
        docker.close()
    if not _has_busybox(info.unix_socket):
        raise SandboxError("busybox:latest is still missing after import_image")
