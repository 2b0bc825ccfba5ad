"""A plugin context for the plugin tests (API and CLI): config.json and rootfs/.

dockerd enables a plugin once something listens on its interface socket: the
plugin's entrypoint is a tiny static program (compiled with the machine's gcc) that
listens on /run/docker/plugins/nk.sock, added to the sandbox's busybox root
filesystem. A `marker` file makes a rootfs of its own: dockerd 20.10 refuses to create
a plugin whose rootfs another plugin holds already ("content sha256:...: already exists").
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nkdocker_actors import sandbox

LISTENER_C = r"""
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
static void bye(int sig) { _exit(0); }
int main(void) {
    signal(SIGTERM, bye);  /* PID 1 ignores SIGTERM unless it handles it */
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "/run/docker/plugins/nk.sock");
    unlink(a.sun_path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) return 1;
    for (;;) { int c = accept(s, 0, 0); if (c >= 0) close(c); }
}
"""

CONFIG: dict[str, Any] = {
    "Description": "nkdocker_actors test plugin",
    "Documentation": "https://example.invalid/nk",
    "Entrypoint": ["/bin/nk-listen"],
    "WorkDir": "",
    "Interface": {"Types": ["docker.dummy/1.0"], "Socket": "nk.sock"},
    "Network": {"Type": ""},
    "Linux": {"Capabilities": [], "AllowAllDevices": False, "Devices": []},
    "Mounts": [],
    "PropagatedMount": "",
    "IpcHost": False,
    "PidHost": False,
    "Env": [{"Name": "DEBUG", "Description": "debug level", "Settable": ["value"], "Value": "0"}],
    "Args": {"Name": "", "Description": "", "Settable": [], "Value": []},
}

# A plugin that asks for privileges (install and upgrade prompt for them).
PRIVILEGED_CONFIG: dict[str, Any] = {
    **CONFIG,
    "Network": {"Type": "host"},
    "Linux": {"Capabilities": ["CAP_SYS_ADMIN"], "AllowAllDevices": False, "Devices": []},
}


def build_listener(work: Path) -> Path:
    """The socket listener, compiled static into `work`."""
    source = work / "listen.c"
    source.write_text(LISTENER_C)
    binary = work / "nk-listen"
    subprocess.run(["gcc", "-static", "-Os", "-s", "-o", str(binary), str(source)], check=True)
    return binary


def context_tar(listener: Path, config: Mapping[str, Any] = CONFIG, marker: str = "") -> bytes:
    """The context as a tar: config.json, rootfs/ (busybox, the listener, the marker)."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(sandbox.busybox_rootfs_tar())) as source,
        tarfile.open(fileobj=out, mode="w") as tar,
    ):
        for name, data in (("config.json", json.dumps(config)), ("rootfs/nk-marker", marker)):
            info = tarfile.TarInfo(name)
            info.size = len(data.encode())
            tar.addfile(info, io.BytesIO(data.encode()))
        for member in source.getmembers():
            content = source.extractfile(member) if member.isfile() else None
            member.name = "rootfs/" + member.name.lstrip("./")
            tar.addfile(member, content)
        item = tar.gettarinfo(str(listener), "rootfs/bin/nk-listen")
        with listener.open("rb") as blob:
            tar.addfile(item, blob)
    return out.getvalue()


def write_context(
    directory: Path, listener: Path, config: Mapping[str, Any] = CONFIG, marker: str = ""
) -> Path:
    """The context as a directory, as `plugin create` takes it."""
    directory.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(context_tar(listener, config, marker))) as tar:
        tar.extractall(directory)
    return directory
