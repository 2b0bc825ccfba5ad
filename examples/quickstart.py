"""Quickstart: connect, run a container, read its output, clean up.

    python examples/quickstart.py

Uses the daemon DOCKER_HOST names; without DOCKER_HOST it starts a private sandbox
daemon called "examples" (root needed) and leaves it running for the next example
(`python -m nkdocker_actors.sandbox down --name examples` stops it).
"""

from __future__ import annotations

import os
import sys
import uuid

import nkdocker_actors as nk


def daemon_url() -> str | None:
    """None when DOCKER_HOST is set (connect() reads it), else a sandbox daemon's URL."""
    if os.environ.get("DOCKER_HOST"):
        return None
    from nkdocker_actors import sandbox

    return sandbox.up("examples").unix_url


def main() -> int:
    name = f"nk-quickstart-{uuid.uuid4().hex[:6]}"
    with nk.connect(daemon_url()) as docker:
        version = docker.version().get(10)
        print(f"daemon {version['Version']}, talking API {'.'.join(map(str, docker.api_version))}")

        # Every command returns a pykka Future; .get(timeout) waits for the result.
        docker.create(
            "busybox:latest",
            name=name,
            cmds=["sh", "-c", "echo hello from $HOSTNAME; echo to stderr >&2; exit 3"],
            hostname="quick",
        ).get(30)
        try:
            # A streaming command takes a subscriber and returns a Future of a Ref: the
            # daemon has answered once get() returns, so no output can be missed.
            inbox = nk.Inbox()
            ref = docker.attach(name, subscriber=inbox, stream=True, stdout=True, stderr=True)
            ref = ref.get(10)
            docker.start(name).get(30)
            for message in inbox:  # Message(ref, payload), a (ref, payload) tuple
                payload = message.payload
                if isinstance(payload, nk.Output):
                    print(f"{payload.stream}: {payload.data.decode().rstrip()}")
                elif isinstance(payload, nk.Done | nk.Failed):
                    print(f"stream ended: {payload}")
                    break
            status = docker.wait(name).get(60)["StatusCode"]
            print(f"exit code {status}")

            # The same output afterwards, as a list of Output.
            logs = docker.logs(name).get(10)
            print(f"logs: {[(o.stream, o.data) for o in logs]}")

            # Errors are typed and keep the daemon's own message.
            try:
                docker.inspect("no-such-container").get(10)
            except nk.NotFound as error:
                print(f"NotFound: {error.message}")
        finally:
            docker.rm(name, force=True).get(30)
        return 0 if status == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
