"""The demo: run a busybox container on a reachable daemon, or on a sandbox started for it.

python -m nkdocker_actors.demo
"""

from __future__ import annotations

import os
import sys

import nkdocker_actors as nk

from . import sandbox


def _reachable() -> nk.Docker | None:
    try:
        return nk.connect(connect_timeout=2, timeout=10)
    except (nk.ConnectionFailed, nk.InvalidOption):
        return None


def main() -> int:
    """Connect (starting a sandbox daemon if none answers), run a container, clean up."""
    docker = _reachable()
    started = False
    if docker is None:
        print("no daemon reachable: starting a private sandbox daemon (root needed)...")
        info = sandbox.up("demo")
        started = True
        docker = nk.connect(info.unix_url)
    try:
        version = docker.version().get(10)
        print(f"connected to {docker.config.address}: Docker {version['Version']}, "
              f"talking API {'.'.join(map(str, docker.api_version))}")  # fmt: skip
        if not any("busybox:latest" in (i.get("RepoTags") or []) for i in docker.images().get(10)):
            docker.import_image(sandbox.busybox_rootfs_tar(), repo="busybox", tag="latest").get(120)
        inbox = nk.Inbox()
        name = f"nk-demo-{os.getpid()}"
        docker.create("busybox:latest", name=name,
                      cmds=["sh", "-c", "echo hello from $(hostname); uname -sm; echo bye >&2"]
                      ).get(30)  # fmt: skip
        try:
            # Attach before starting, as `docker run` does, so no output is missed.
            ref = docker.attach(name, subscriber=inbox, stream=True, stdout=True, stderr=True).get(
                10
            )
            docker.start(name).get(30)
            for message in inbox:
                if message.ref is not ref:
                    continue
                payload = message.payload
                if isinstance(payload, nk.Output):
                    print(f"[{payload.stream}] {payload.data.decode(errors='replace')}", end="")
                else:
                    print(f"stream ended: {payload}")
                    break
            status = docker.wait(name, timeout=60).get(70)["StatusCode"]
            print(f"container exited with {status}")
        finally:
            docker.rm(name, force=True).get(30)
        return 0
    finally:
        docker.close()
        if started:
            sandbox.down("demo")


if __name__ == "__main__":
    sys.exit(main())
