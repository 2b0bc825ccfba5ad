"""Image commands against the real daemon: NkDOCKER's image flow, build contexts and
options, import, commit, save/load, list and prune, search without a registry."""

from __future__ import annotations

import http.server
import io
import json
import tarfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Engine, tar_of

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.commands.images import build_context

BUSYBOX = "busybox:latest"


def built_id(lines: list[Any]) -> str:
    """The short id from a build's progress lines ("Successfully built <id>")."""
    for line in lines:
        text = line.get("stream", "") if isinstance(line, dict) else ""
        if text.startswith("Successfully built "):
            return str(text.split()[-1])
    raise AssertionError(f"no image built: {lines}")


def run_output(docker: nk.Docker, image: str, *cmds: str) -> bytes:
    """Run `cmds` in a throwaway container of `image`; its stdout."""
    created = docker.create(image, cmds=list(cmds) or None).get(10)
    try:
        docker.start(created["Id"]).get(10)
        assert docker.wait(created["Id"]).get(30)["StatusCode"] == 0
        return b"".join(o.data for o in docker.logs(created["Id"], stderr=False).get(10))
    finally:
        docker.rm(created["Id"], force=True).get(10)


def image_flow(docker: nk.Docker, tag: str, *, podman: bool = False) -> None:
    """NkDOCKER's test: build from a tar, inspect by short id and tag, history, tag, rmi.
    Podman names images in full (docker.io/library/...), gives ids in history and rmi
    without "sha256:", and tops the history with the image owning the top layer."""

    def named(reference: str) -> str:
        return "docker.io/library/" + reference if podman else reference

    dockerfile = b'FROM busybox:latest\nLABEL nk.flow="1"\nCMD ["echo", "flow"]\n'
    lines = docker.build(tar_of({"Dockerfile": dockerfile}), t=tag, rm=True).get(60)
    short = built_id(lines)
    by_id = docker.inspect_image(short).get(10)
    by_tag = docker.inspect_image(tag).get(10)
    assert by_id["Id"] == by_tag["Id"] and by_id["Id"].startswith("sha256:" + short)
    assert by_tag["Config"]["Labels"]["nk.flow"] == "1"
    assert named(tag) in by_tag["RepoTags"]
    history = docker.history(tag).get(10)
    # LABEL and CMD add no layer: busybox owns the top one
    top = docker.inspect_image(BUSYBOX).get(10)["Id"] if podman else by_id["Id"]
    assert "sha256:" + history[0]["Id"].removeprefix("sha256:") == top and len(history) >= 2
    repo, _, version = tag.partition(":")
    docker.tag(tag, repo + "-copy", version).get(10)
    assert docker.inspect_image(f"{repo}-copy:{version}").get(10)["Id"] == by_id["Id"]
    removed = docker.rmi(f"{repo}-copy:{version}").get(10)
    assert removed == [{"Untagged": named(f"{repo}-copy:{version}")}]
    removed = docker.rmi(tag).get(10)
    deleted = by_id["Id"].removeprefix("sha256:") if podman else by_id["Id"]
    assert {"Untagged": named(tag)} in removed and {"Deleted": deleted} in removed
    with pytest.raises(nk.NotFound):
        docker.inspect_image(tag).get(10)
    with pytest.raises(nk.NotFound):
        docker.inspect_image(short).get(10)


def test_image_flow(engine: Engine, docker: nk.Docker, name: Callable[[str], str]) -> None:
    assert docker.api_version == (1, 41)  # Podman 4.3 says 1.41 too
    image_flow(docker, name("flow") + ":v1", podman=engine.name == "podman")


def test_build_contexts(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], tmp_path: Path
) -> None:
    tag = name("ctx")
    dockerfile = b"FROM busybox:latest\nCOPY . /ctx\n"
    # a directory, honouring its .dockerignore
    (tmp_path / "Dockerfile").write_bytes(dockerfile)
    (tmp_path / ".dockerignore").write_text(
        "# comment\n*.log\n!keep.log\nsecret/\nnested/**/*.tmp\n/top.txt\n"
    )
    for path in (
        "a.txt",
        "x.log",
        "keep.log",
        "secret/key",
        "sub/top.txt",
        "top.txt",
        "sub/b.log",
        "nested/deep/c.tmp",
        "nested/c.txt",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(path)
    (tmp_path / "emptydir").mkdir()
    mine = {"nkctx": tag}  # each build replaces the last under the tag: a label finds them all
    docker.build(str(tmp_path), t=tag, labels=mine).get(60)
    try:
        listing = run_output(docker, tag, "find", "/ctx").decode().split()
        assert set(listing) == {
            "/ctx",
            "/ctx/Dockerfile",
            "/ctx/.dockerignore",
            "/ctx/a.txt",
            "/ctx/keep.log",
            "/ctx/sub",
            "/ctx/sub/top.txt",
            "/ctx/sub/b.log",  # "*.log" matches at the top only
            "/ctx/nested",
            "/ctx/nested/c.txt",
            "/ctx/nested/deep",
            "/ctx/emptydir",
        }
        # a mapping of path to bytes, and a binary file holding a tar
        docker.build({"Dockerfile": dockerfile, "d/e.txt": b"E"}, t=tag, labels=mine).get(60)
        assert run_output(docker, tag, "cat", "/ctx/d/e.txt") == b"E"
        as_file = io.BytesIO(tar_of({"Dockerfile": dockerfile, "f": b"F"}))
        docker.build(as_file, t=tag, labels=mine).get(60)
        assert run_output(docker, tag, "cat", "/ctx/f") == b"F"
    finally:
        if engine.name == "podman":  # its prune refuses dangling=false (it adds dangling=true)
            for image in docker.images(filters={"label": [f"nkctx={tag}"]}).get(10):
                docker.rmi(image["Id"], force=True).get(10)
        else:
            docker.image_prune(filters={"label": [f"nkctx={tag}"], "dangling": False}).get(30)


def test_build_ulimits_cgroup_parent_and_security_opts(docker: nk.Docker) -> None:
    """The build fields the API's reference never listed, as dockerd reads them."""
    dockerfile = (
        b"FROM busybox:latest\n"
        b"RUN ulimit -n && grep -q /nk-parent/ /proc/self/cgroup && echo in-parent\n"
    )
    lines = docker.build(
        {"Dockerfile": dockerfile},
        nocache=True,
        forcerm=True,
        ulimits=[("nofile", 100, 200)],
        cgroupparent="nk-parent",
        cpusetmems="0",
    ).get(60)
    said = "".join(line.get("stream", "") for line in lines)
    assert "\n100\nin-parent\n" in said, said
    docker.rmi(next(line["aux"]["ID"] for line in lines if "aux" in line)).get(10)
    with pytest.raises(nk.DockerError, match="does not support setting security options"):
        docker.build({"Dockerfile": dockerfile}, securityopt=["seccomp=unconfined"]).get(60)
    with pytest.raises(nk.InvalidOption):
        docker.build(b"", ulimits=[("nofile", "100", 200)])


def test_build_options_and_errors(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str]
) -> None:
    tag, other = name("opts"), name("opts2")
    podman = engine.name == "podman"
    context = {
        "nk.Dockerfile": b"FROM busybox:latest AS base\nARG GREETING=none\n"
        b'RUN echo "$GREETING" > /greeting\n'
        b"FROM base AS final\nRUN echo final > /stage\n",
    }
    lines = docker.build(
        context,
        dockerfile="nk.Dockerfile",
        t=[tag, other + ":x"],
        buildargs={"GREETING": "hello"},
        labels=[("nk.built", "yes")],
        target="base",
        nocache=True,
        forcerm=True,
        memory="64m",
        memswap=-1,
        cpushares=512,
        shmsize="8m",
        network_mode="none",
        # Podman wants a JSON list here; "host:ip" gets a 400
        extrahosts='["nkhost:10.1.2.3"]' if podman else "nkhost:10.1.2.3",
    ).get(60)
    try:
        assert any("Successfully tagged" in line.get("stream", "") for line in lines)
        image = docker.inspect_image(tag).get(10)
        assert image["Config"]["Labels"]["nk.built"] == "yes"
        assert docker.inspect_image(other + ":x").get(10)["Id"] == image["Id"]
        assert run_output(docker, tag, "cat", "/greeting") == b"hello\n"
        # target=base: the final stage was not built
        assert run_output(docker, tag, "sh", "-c", "test -e /stage || echo none") == b"none\n"
        quiet = docker.build(context, dockerfile="nk.Dockerfile", q=True, target="base").get(60)
        # Podman's quiet id comes without "sha256:"
        assert len(quiet) == 1 and quiet[0]["stream"].startswith("" if podman else "sha256:")
        docker.rmi(quiet[0]["stream"].strip(), force=podman).get(10)
    finally:
        docker.rmi(tag, force=True).get(10)
        docker.rmi(other + ":x", force=True).get(10)

    if podman:  # Podman (buildah) says 500 and words it its own way
        with pytest.raises(nk.ServerError, match="no FROM statement found"):
            docker.build({"Dockerfile": b"FROMM busybox\n"}).get(60)
        with pytest.raises(nk.ServerError, match="exit status 3"):
            docker.build({"Dockerfile": b"FROM busybox:latest\nRUN exit 3\n"}, forcerm=True).get(60)
        with pytest.raises(nk.BadParameter, match="Bad Request"):  # extrahosts not a list
            docker.build({"Dockerfile": b"FROM busybox:latest\n"}, extrahosts="h:1.2.3.4").get(60)
    else:
        with pytest.raises(nk.BadParameter, match="unknown instruction"):
            docker.build({"Dockerfile": b"FROMM busybox\n"}).get(60)
        with pytest.raises(nk.ServerError, match="non-zero code"):
            docker.build({"Dockerfile": b"FROM busybox:latest\nRUN exit 3\n"}, forcerm=True).get(60)
    with pytest.raises(nk.InvalidOption):
        docker.build({"../Dockerfile": b"FROM busybox\n"})
    with pytest.raises(nk.InvalidOption):
        docker.build("/nonexistent/dir")
    with pytest.raises(nk.InvalidOption):
        docker.build(b"", t="Bad:Tag")
    with pytest.raises(nk.InvalidOption):
        docker.build(b"", memory="lots")
    with pytest.raises(nk.InvalidOption):  # credentials are never echoed
        docker.build(b"", auth={"serveraddress": "r", "password": 1})
    if podman:  # Podman 4.3 has no POST /build/prune
        with pytest.raises(nk.NotFound):
            docker.build_prune(all=True, keep_storage="1g").get(30)
    else:
        pruned = docker.build_prune(all=True, keep_storage="1g").get(30)
        assert "SpaceReclaimed" in pruned


@pytest.mark.parametrize(
    ("patterns", "path", "ignored"),
    [
        (["*.log"], "a.log", True),
        (["*.log"], "sub/a.log", False),
        (["**/*.log"], "sub/a.log", True),
        (["**/*.log"], "a.log", True),
        (["sub"], "sub/deep/x", True),
        (["sub/*"], "sub/x", True),
        (["sub/*"], "subx", False),
        (["/top"], "top", True),
        (["./a/../b"], "b", True),
        (["*", "!keep"], "keep", False),
        (["*", "!keep"], "other", True),
        (["dir", "!dir/keep"], "dir/keep", False),
        (["dir", "!dir/keep"], "dir/other", True),
        (["a?c"], "abc", True),
        (["a?c"], "a/c", False),
        (["[a-c]x"], "bx", True),
        (["[^a-c]x"], "bx", False),
        (["nested/**"], "nested/a/b", True),
        (["x\\*"], "x*", True),
        (["x\\*"], "xy", False),
    ],
)
def test_dockerignore_patterns(
    tmp_path: Path, patterns: list[str], path: str, ignored: bool
) -> None:
    (tmp_path / ".dockerignore").write_text("\n".join(patterns) + "\n")
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text("x")
    with tarfile.open(fileobj=io.BytesIO(build_context("tar", str(tmp_path)))) as tar:
        names = set(tar.getnames())
    assert (path not in names) is ignored


def test_import_and_create_image(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], tmp_path: Path
) -> None:
    rootfs = sandbox.busybox_rootfs_tar()
    repo = name("imported")
    lines = docker.import_image(
        rootfs, repo=repo, tag="v1", message="nk import", changes=['CMD ["echo", "imported"]']
    ).get(60)
    assert lines[-1]["status"].startswith("sha256:")
    podman = engine.name == "podman"

    def reference(version: str) -> str:  # Podman ignores the tag: <repo>:latest each time
        return f"{repo}:latest" if podman else f"{repo}:{version}"

    imported = [lines[-1]["status"]]
    try:
        image = docker.inspect_image(reference("v1")).get(10)
        assert image["Id"] == imported[0]
        assert image["Config"]["Cmd"] == ["echo", "imported"]
        assert image["Comment"] == "nk import"
        assert run_output(docker, reference("v1")) == b"imported\n"
        (tmp_path / "rootfs.tar").write_bytes(rootfs)
        with open(tmp_path / "rootfs.tar", "rb") as file:
            imported.append(docker.import_image(file, repo=repo, tag="v2").get(60)[-1]["status"])
        data = docker.create_image(from_src="-", data=rootfs, repo=repo, tag="v3").get(60)
        imported.append(data[-1]["status"])
        latest = docker.inspect_image(reference("v3")).get(10)
        assert latest["RootFS"]["Layers"] == image["RootFS"]["Layers"]
        if podman:  # named in full; the last import took the name from the others
            assert (latest["Id"], latest["RepoTags"]) == (
                imported[-1],
                [f"docker.io/library/{repo}:latest"],
            )
    finally:
        if podman:
            for image_id in imported:
                docker.rmi(image_id, force=True).get(10)
        else:
            for version in ("v1", "v2", "v3"):
                docker.rmi(f"{repo}:{version}", force=True).get(10)
    with pytest.raises(nk.ServerError):  # not a tar
        docker.import_image(b"not a tar", repo=repo).get(60)


def test_import_from_a_url(docker: nk.Docker, name: Callable[[str], str]) -> None:
    rootfs = sandbox.busybox_rootfs_tar()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/rootfs.tar"
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", str(len(rootfs) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(rootfs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    repo = name("fromurl")
    try:
        docker.create_image(from_src=f"{url}/rootfs.tar", repo=repo, tag="v1").get(60)
        assert run_output(docker, f"{repo}:v1", "echo", "from url") == b"from url\n"
        with pytest.raises(nk.NotFound, match="404"):
            docker.create_image(from_src=f"{url}/missing.tar", repo=repo, tag="v2").get(60)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        docker.rmi(f"{repo}:v1", force=True).get(10)
    with pytest.raises(nk.InvalidOption):
        docker.import_image("a string is no body")


def test_commit(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    container = cleanup(name("commit"))
    docker.create(BUSYBOX, name=container, cmds=["sh", "-c", "echo made > /made"]).get(10)
    docker.start(container).get(10)
    docker.wait(container).get(20)
    repo = name("committed")
    result = docker.commit(
        container,
        repo=repo,
        tag="v1",
        author="nk <nk@example.com>",
        comment="from a test",
        cmds=["cat", "/made"],
        env={"NK": "1"},
        labels={"nk.commit": "yes"},
        expose=[8080],
        workdir="/tmp",
        changes=["USER nobody"],
    ).get(30)
    try:
        image = docker.inspect_image(f"{repo}:v1").get(10)
        assert (image["Author"], image["Comment"]) == ("nk <nk@example.com>", "from a test")
        config = image["Config"]
        if engine.name == "podman":
            # Podman 4.3 applies `changes` only, not the config in the body; its id
            # comes without "sha256:"
            assert image["Id"] == "sha256:" + result["Id"]
            assert (config["Cmd"], config["WorkingDir"], config["User"]) == (
                ["sh", "-c", "echo made > /made"],
                "/",
                "nobody",
            )
            assert "NK=1" not in config["Env"] and not config["Labels"]
            assert "ExposedPorts" not in config
            assert run_output(docker, f"{repo}:v1", "cat", "/made") == b"made\n"
        else:
            assert image["Id"] == result["Id"]
            assert (config["Cmd"], config["WorkingDir"], config["User"]) == (
                ["cat", "/made"],
                "/tmp",
                "nobody",
            )
            assert "NK=1" in config["Env"] and config["Labels"]["nk.commit"] == "yes"
            assert "8080/tcp" in config["ExposedPorts"]
            assert run_output(docker, f"{repo}:v1") == b"made\n"
        user = cleanup(name("user"))
        docker.create(f"{repo}:v1", name=user).get(10)
        with pytest.raises(nk.Conflict):  # a container uses it
            docker.rmi(f"{repo}:v1").get(10)
        docker.rm(user).get(10)
    finally:
        docker.rmi(f"{repo}:v1", force=True).get(10)
    with pytest.raises(nk.InvalidOption):  # a HostConfig option is no image config
        docker.commit(container, memory="64m")
    with pytest.raises(nk.NotFound):
        docker.commit(name("nothere")).get(10)


def test_save_and_load(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], tmp_path: Path
) -> None:
    first, second = name("save-a") + ":v1", name("save-b") + ":v1"
    podman = engine.name == "podman"
    if podman:  # Podman refuses a repo holding the tag ("invalid reference format")
        with pytest.raises(nk.ServerError, match="invalid reference format"):
            docker.tag(BUSYBOX, first).get(10)
        docker.tag(BUSYBOX, first.removesuffix(":v1"), "v1").get(10)
        docker.tag(BUSYBOX, second.removesuffix(":v1"), "v1").get(10)
    else:
        docker.tag(BUSYBOX, first).get(10)
        docker.tag(BUSYBOX, second).get(10)

    def named(reference: str) -> str:  # Podman names images in full
        return "docker.io/library/" + reference if podman else reference

    saved = tmp_path / "one.tar"
    docker.get_image(first, str(saved)).get(30)
    into = io.BytesIO()
    docker.get_image(first, into).get(30)
    in_memory = docker.get_image(first).get(30)
    assert saved.read_bytes() == into.getvalue() == in_memory

    def manifest(data: bytes) -> list[Any]:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = tar.extractfile("manifest.json")
            assert member is not None
            return list(json.load(member))

    assert manifest(in_memory)[0]["RepoTags"] == [named(first)]
    both = tmp_path / "both.tar"
    docker.get_images([first, second], file=str(both)).get(30)
    tags = {t for entry in manifest(both.read_bytes()) for t in entry["RepoTags"]}
    assert tags == {named(first), named(second)}

    docker.rmi(first).get(10)
    docker.rmi(second).get(10)
    loaded = docker.load(in_memory).get(60)
    # Podman's line has no newline
    assert loaded == [{"stream": f"Loaded image: {named(first)}" + ("" if podman else "\n")}]
    with open(both, "rb") as file:
        docker.load(file, quiet=True).get(60)
    assert docker.inspect_image(second).get(10)["Id"] == docker.inspect_image(first).get(10)["Id"]
    docker.rmi(first).get(10)
    docker.rmi(second).get(10)

    with pytest.raises(nk.NotFound):
        docker.get_image(first).get(10)
    with pytest.raises(nk.ServerError if podman else nk.NotFound):  # podman: a 500
        docker.get_images([first], file=io.BytesIO()).get(10)
    with pytest.raises(nk.ServerError):
        docker.load(b"not a tar").get(30)


def test_images_list_prune_and_errors(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    label = name("prune")
    lines = docker.build(
        {"Dockerfile": b"FROM busybox:latest\n"}, labels={"nkprune": label}, t=label
    ).get(60)
    image_id = docker.inspect_image(built_id(lines)).get(10)["Id"]
    listed = docker.images(filters={"label": [f"nkprune={label}"]}).get(10)
    assert [i["Id"] for i in listed] == [image_id]
    podman = engine.name == "podman"
    prefix = "docker.io/library/" if podman else ""  # Podman names images in full
    assert docker.images(filters={"reference": [label]}).get(10)[0]["RepoTags"] == [
        f"{prefix}{label}:latest"
    ]
    every = docker.images(all=True).get(10)
    assert any(prefix + BUSYBOX in (i["RepoTags"] or []) for i in every)
    if podman:  # digests=1 makes Podman 4.3 list nothing
        assert docker.images(digests=True).get(10) == []
    else:
        assert "RepoDigests" in docker.images(digests=True).get(10)[0]
    with pytest.raises(nk.ServerError if podman else nk.BadParameter):  # podman: a 500
        docker.images(filters={"nosuchfilter": ["x"]}).get(10)

    user = cleanup(name("prune-user"))
    docker.create(label, name=user, cmds=["true"]).get(10)
    with pytest.raises(nk.Conflict):  # in use by a container
        docker.rmi(label).get(10)
    docker.rm(user).get(10)
    # tagged, so not dangling: spared by default
    pruned = docker.image_prune(filters={"label": [f"nkprune={label}"]}).get(30)
    assert not pruned["ImagesDeleted"]
    if podman:  # Podman adds its own dangling=true and refuses a second value
        with pytest.raises(nk.ServerError, match="dangling"):
            docker.image_prune(filters={"label": [f"nkprune={label}"], "dangling": False}).get(30)
        removed = docker.rmi(label).get(10)
        assert {"Deleted": image_id.removeprefix("sha256:")} in removed
    else:
        filters = {"label": [f"nkprune={label}"], "dangling": False}
        pruned = docker.image_prune(filters=filters).get(30)
        assert {"Deleted": image_id} in pruned["ImagesDeleted"]
    with pytest.raises(nk.NotFound):
        docker.rmi(label).get(10)
    assert docker.inspect_image(BUSYBOX).get(10)  # the label spared every other image


def test_search_without_a_registry(engine: Engine, docker: nk.Docker) -> None:
    # The sandbox has no internet: Docker Hub (the default index) cannot be reached.
    # Podman (no registries to search in its sandbox) answers 404 "image not known".
    podman = engine.name == "podman"
    with pytest.raises(nk.NotFound if podman else nk.ServerError):
        docker.search("busybox", limit=5, timeout=60).get(90)
    with pytest.raises(nk.InvalidOption):
        docker.search("bad\nterm")
    with pytest.raises(nk.ServerError, match="connection refused"):  # no registry there
        docker.pull("127.0.0.1:1/nk/none", "v1").get(60)
    with pytest.raises(nk.ServerError, match="connection refused"):
        docker.create_image(from_image="nk/none", registry="127.0.0.1:1", tag="v1").get(60)


@pytest.mark.parametrize("over", ["unix", "tls"])
def test_an_upload_the_daemon_stops_reading_fails_with_its_answer(
    daemon: sandbox.SandboxInfo, over: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dockerd answers a body it cannot use (no tar, a container that does not exist)
    before reading all of it, and closes: the error is its answer, not the broken pipe
    that the rest of our send (16 MB, more than the socket takes) runs into."""
    url = daemon.unix_url
    if over == "tls":
        for key, value in daemon.tls_env().items():
            monkeypatch.setenv(key, value)
        url = None
    junk = b"not a tar at all " * 1_000_000
    with nk.connect(url) as docker:
        with pytest.raises(nk.NotFound, match="No such container"):
            docker.put_archive("nk-no-such-container", "/", junk).get(60)
        with pytest.raises(nk.ServerError, match="invalid tar header"):
            docker.build(junk).get(60)
        with pytest.raises(nk.ServerError, match="invalid tar header"):
            docker.import_image(junk).get(60)
        assert docker.ping().get(10) == "OK"


class _FailingFile(io.RawIOBase):
    """A file whose reading fails after its first megabyte, as a disk's can."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.given >= 1 << 20:
            raise OSError(5, "Input/output error")
        self.given += 65536
        return b"\0" * 65536


def test_an_upload_whose_file_fails_to_read_is_a_local_file_error(
    daemon: sandbox.SandboxInfo, baseline: None
) -> None:
    """Reading the body being sent (a file, or the caller's iterable) fails midway: a
    LocalFileError (the file's fault, not the connection's), its socket closed, and the
    connection goes on."""

    def pieces() -> Any:
        yield b"\0" * 65536
        raise OSError(28, "No space left on device")

    with nk.connect(daemon.unix_url) as docker:
        with pytest.raises(nk.LocalFileError, match="Input/output error") as caught:
            docker.import_image(_FailingFile()).get(60)
        assert isinstance(caught.value, OSError)
        with pytest.raises(nk.LocalFileError, match="No space left"):
            docker.import_image(pieces()).get(60)
        assert docker.ping().get(10) == "OK"
