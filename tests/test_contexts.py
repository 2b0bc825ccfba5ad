"""Docker CLI contexts: the real docker CLI writes them, the library finds the daemon.

Every test has its own DOCKER_CONFIG (a temp dir) and no DOCKER_* left over.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import client_certs

import nkdocker_actors as nk
from nkdocker_actors import contexts, sandbox


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh DOCKER_CONFIG, and no other DOCKER_* in the environment."""
    for variable in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    yield tmp_path


def cli(*args: str) -> str:
    """Run the docker CLI (its DOCKER_CONFIG is the test's) and return its output."""
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def tls_context(daemon: sandbox.SandboxInfo, name: str = "nktls") -> str:
    """A context on the sandbox's verified-TLS port, with CA, client cert and key."""
    files = client_certs(daemon)
    endpoint = (
        f"host=tcp://127.0.0.1:{daemon.tls_port},"
        f"ca={files['cafile']},cert={files['certfile']},key={files['keyfile']}"
    )
    cli("context", "create", name, "--docker", endpoint)
    return name


def unix_context(daemon: sandbox.SandboxInfo, name: str = "nkunix") -> str:
    cli("context", "create", name, "--docker", f"host={daemon.unix_url}")
    return name


def test_current_context_is_used_with_no_arguments(
    daemon: sandbox.SandboxInfo, docker_config: Path
) -> None:
    cli("context", "use", tls_context(daemon))
    assert json.loads((docker_config / "config.json").read_text())["currentContext"] == "nktls"
    with nk.connect() as docker:
        assert str(docker.config.address) == f"tls://127.0.0.1:{daemon.tls_port}"
        assert docker.config.tls_verify
        assert docker.ping().get(10) == "OK"


def test_order_argument_host_context_current(
    daemon: sandbox.SandboxInfo, docker_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("context", "use", tls_context(daemon))
    unix_context(daemon)
    # DOCKER_CONTEXT beats currentContext
    monkeypatch.setenv("DOCKER_CONTEXT", "nkunix")
    with nk.connect() as docker:
        assert docker.config.address.scheme == "unix"
    # DOCKER_HOST beats DOCKER_CONTEXT (which is then not even looked up)
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{daemon.tcp_port}")
    monkeypatch.setenv("DOCKER_CONTEXT", "no-such-context")
    with nk.connect() as docker:
        assert str(docker.config.address) == f"tcp://127.0.0.1:{daemon.tcp_port}"
    # an explicit context beats DOCKER_HOST, and DOCKER_TLS_VERIFY meant for it
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    with nk.connect(context="nkunix") as docker:
        assert docker.config.address.scheme == "unix"
    # an explicit url beats everything; "default" is DOCKER_HOST's
    with nk.connect(daemon.unix_url) as docker:
        assert docker.config.address.scheme == "unix"
    monkeypatch.delenv("DOCKER_TLS_VERIFY")
    with nk.connect(context="default") as docker:
        assert docker.config.address.scheme == "tcp"


def test_implicit_context_ignores_the_environment_tls(
    daemon: sandbox.SandboxInfo, docker_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONTEXT", unix_context(daemon))
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", "/nonexistent")
    with nk.connect(timeout=7) as docker:
        assert docker.config.address.scheme == "unix"
        assert docker.config.timeout == 7


def test_supervisor_takes_a_context(daemon: sandbox.SandboxInfo, docker_config: Path) -> None:
    tls_context(daemon)
    with nk.supervisor() as sup:
        docker = sup.connect("a", context="nktls")
        assert docker.ping().get(10) == "OK"
        assert sup.status() == {"a": "up"}


def test_skip_tls_verify_context(daemon: sandbox.SandboxInfo, docker_config: Path) -> None:
    files = client_certs(daemon)
    cli(
        "context",
        "create",
        "nkskip",
        "--docker",
        f"host=tcp://127.0.0.1:{daemon.tls_port},cert={files['certfile']},"
        f"key={files['keyfile']},skip-tls-verify=true",
    )
    with nk.connect(context="nkskip") as docker:
        assert not docker.config.tls_verify
        assert docker.ping().get(10) == "OK"


def test_list_and_read(daemon: sandbox.SandboxInfo, docker_config: Path) -> None:
    tls_context(daemon)
    cli("context", "create", "nkunix", "--description", "the sandbox", "--docker",
        f"host={daemon.unix_url}")  # fmt: skip
    found = {context.name: context for context in contexts.list_contexts()}
    assert set(found) == {"nktls", "nkunix"}
    assert found["nkunix"].description == "the sandbox"
    assert found["nkunix"].host == daemon.unix_url and not found["nkunix"].uses_tls
    contexts.use_context("nkunix")
    assert contexts.current_context() == "nkunix"
    assert "nkunix *" in cli("context", "ls")  # the docker CLI agrees
    contexts.use_context("default")
    assert contexts.current_context() is None
    tls = contexts.read_context("nktls")
    assert tls.cafile and Path(tls.cafile).read_bytes() == (daemon.cert_dir / "ca.pem").read_bytes()
    assert tls.uses_tls and not tls.skip_tls_verify


def test_bad_contexts_are_invalid_options(
    daemon: sandbox.SandboxInfo, docker_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(nk.InvalidOption, match="'nosuch' not found"):
        nk.connect(context="nosuch")
    monkeypatch.setenv("DOCKER_CONTEXT", "missing-one")
    with pytest.raises(nk.InvalidOption, match="'missing-one' not found"):
        nk.connect()
    monkeypatch.delenv("DOCKER_CONTEXT")
    (docker_config / "config.json").write_text('{"currentContext": "gone"}')
    with pytest.raises(nk.InvalidOption, match="'gone' not found"):
        nk.connect()
    (docker_config / "config.json").write_text("{not json")
    with pytest.raises(nk.InvalidOption, match=r"config\.json is not valid JSON"):
        nk.connect()
    (docker_config / "config.json").write_text("{}")
    unix_context(daemon)
    with pytest.raises(nk.InvalidOption, match="context or a url"):
        nk.connect(daemon.unix_url, context="nkunix")
    with pytest.raises(nk.InvalidOption, match="unknown setting"):
        nk.configure(contxt="nkunix")


def test_create_and_remove_as_the_cli(daemon: sandbox.SandboxInfo, docker_config: Path) -> None:
    files = client_certs(daemon)
    made = contexts.create_context(
        "made-here",
        f"tcp://127.0.0.1:{daemon.tls_port}",
        description="from the library",
        **files,
    )
    assert (
        made.certfile and Path(made.certfile).read_bytes() == Path(files["certfile"]).read_bytes()
    )
    assert oct(Path(made.keyfile or "").stat().st_mode & 0o777) == "0o600"
    shown = json.loads(cli("context", "inspect", "made-here"))[0]  # the docker CLI reads it
    assert shown["Metadata"] == {"Description": "from the library"}
    assert shown["TLSMaterial"] == {"docker": ["ca.pem", "cert.pem", "key.pem"]}
    with nk.connect(context="made-here") as docker:  # and it reaches the daemon over TLS
        assert docker.ping().get(10) == "OK"
    contexts.use_context("made-here")
    with pytest.raises(nk.InvalidOption, match="is in use"):
        contexts.remove_context("made-here")
    contexts.remove_context("made-here", force=True)
    assert "currentContext" not in json.loads((docker_config / "config.json").read_text())
    assert not (docker_config / "contexts" / "tls").exists() or not any(
        (docker_config / "contexts" / "tls").iterdir()
    )
    assert cli("context", "ls", "-q").split() == ["default"]


@pytest.mark.parametrize(
    ("name", "host", "extra", "words"),
    [
        ("default", "unix:///x", {}, "reserved"),
        ("bad name", "unix:///x", {}, "is invalid"),
        ("ok", "ftp://x", {}, "not a daemon URL"),
        ("ok", "tcp://", {}, "not a daemon URL"),
        ("ok", "tcp://x:1", {"certfile": "/etc/hostname"}, "both cert and key"),
        ("ok", "tcp://x:1", {"cafile": "/no/such.pem"}, "cannot read /no/such.pem"),
    ],
)
def test_create_refuses_before_writing(
    docker_config: Path, name: str, host: str, extra: dict[str, str], words: str
) -> None:
    with pytest.raises(nk.InvalidOption, match=words):
        contexts.create_context(name, host, **extra)
    assert not (docker_config / "contexts").exists()


def test_create_refuses_an_existing_context(docker_config: Path) -> None:
    contexts.create_context("twice", "unix:///run/one.sock")
    with pytest.raises(nk.InvalidOption, match='"twice" already exists'):
        contexts.create_context("twice", "unix:///run/two.sock")
    assert contexts.read_context("twice").host == "unix:///run/one.sock"
    with pytest.raises(nk.InvalidOption, match="does not exist"):
        contexts.remove_context("never")


def _cli_bytes(*args: str, stdin: bytes = b"") -> bytes:
    done = subprocess.run(["docker", *args], capture_output=True, input=stdin, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_export_and_import_between_the_cli_and_the_library(
    daemon: sandbox.SandboxInfo, docker_config: Path
) -> None:
    """An archive either writes, the other imports: same metadata, same TLS files, and
    the imported context reaches the daemon over verified TLS."""
    made = tls_context(daemon, "from-cli")
    archive = contexts.export_context(made)
    contexts.import_context("in-lib", archive)
    ours = json.loads(cli("context", "inspect", "in-lib"))[0]
    theirs = json.loads(cli("context", "inspect", made))[0]
    for shown in (ours, theirs):
        del shown["Name"], shown["Storage"]
    assert ours == theirs
    with nk.connect(context="in-lib") as docker:
        assert docker.ping().get(10) == "OK"
    _cli_bytes("context", "import", "in-cli", "-", stdin=archive)  # ours, read by docker
    assert json.loads(cli("context", "inspect", "in-cli"))[0]["TLSMaterial"] == {
        "docker": ["ca.pem", "cert.pem", "key.pem"]
    }
    key = contexts.tls_dir("in-cli") / "docker" / "key.pem"
    assert key.read_bytes() == Path(client_certs(daemon)["keyfile"]).read_bytes()
    contexts.import_context("again", _cli_bytes("context", "export", "in-cli", "-"))
    assert contexts.read_context("again").host == contexts.read_context(made).host


def test_update_as_the_cli(daemon: sandbox.SandboxInfo, docker_config: Path) -> None:
    made = tls_context(daemon, "upd")
    changed = contexts.update_context(made, description="now described")
    assert (changed.description, changed.cafile is not None) == ("now described", True)
    changed = contexts.update_context(made, daemon.unix_url)  # the endpoint, TLS files gone
    shown = json.loads(cli("context", "inspect", made))[0]
    assert shown["Endpoints"]["docker"]["Host"] == daemon.unix_url
    assert (shown["TLSMaterial"], shown["Metadata"]) == ({}, {"Description": "now described"})
    with nk.connect(context=made) as docker:
        assert docker.ping().get(10) == "OK"
    with pytest.raises(nk.InvalidOption, match="give host"):
        contexts.update_context(made, cafile=client_certs(daemon)["cafile"])
    with pytest.raises(nk.InvalidOption, match="not found"):
        contexts.update_context("never", description="x")


def _tar(*members: tuple[str, bytes | None, bytes]) -> bytes:
    """A tar of (path, link target or None, content)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for path, target, content in members:
            info = tarfile.TarInfo(path)
            if target is not None:
                info.type, info.linkname = tarfile.SYMTYPE, target.decode()
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def _zip(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in members:
            archive.writestr(path, content)
    return out.getvalue()


META = json.dumps({"Name": "x", "Metadata": {}, "Endpoints": {"docker": {"Host": "unix:///x"}}})


@pytest.mark.parametrize(
    ("archive", "words"),
    [
        (_tar(("meta.json", None, META.encode()), ("../evil", None, b"x")), "unexpected path"),
        (_tar(("meta.json", None, META.encode()), ("tls/../../x", None, b"x")), "unexpected"),
        (_tar(("meta.json", None, META.encode()), ("/etc/x", None, b"x")), "unexpected path"),
        (_tar(("meta.json", None, META.encode()), ("other", None, b"x")), "unexpected context"),
        (_tar(("meta.json", None, META.encode()), ("tls/a/b/c", None, b"x")), "format is invalid"),
        (_tar(("meta.json", None, META.encode()), ("tls/a/" + "n" * 256, None, b"")), "invalid"),
        (_tar(("meta.json", None, META.encode()), ("tls/docker/cert.pem", None, b"c")), "key"),
        (_tar(("meta.json", None, META.replace("{}", '"text"').encode())), "not an object"),
        (
            _tar(("meta.json", None, META.replace("unix:///x", "ssh://u:hunter2@h").encode())),
            "pass",
        ),
        (_zip(("meta.json", META.encode()), ("tls/docker/ca.pem", bytes(11 << 20))), "unpacks to"),
        (_tar(("tls/docker/ca.pem", None, b"x")), "no metadata found"),
        (_tar(("meta.json", None, b"{not json")), "not JSON"),
        (_tar(("meta.json", None, b'{"Endpoints": {}}')), "no docker endpoint"),
        (
            _tar(("meta.json", None, META.replace("unix:///x", "ftp://x").encode())),
            "not a daemon URL",
        ),
        (b"garbage" * 100, "not a readable tar"),
        (_tar(("meta.json", None, META.encode()))[:520], "cut short"),
        (b"PK\x03\x04broken", "not a readable zip"),
        (b"\0" * (contexts.IMPORT_LIMIT + 1), "larger than"),
    ],
)
def test_import_refuses_before_writing(docker_config: Path, archive: bytes, words: str) -> None:
    with pytest.raises(nk.InvalidOption, match=words) as refused:
        contexts.import_context("imported", archive)
    assert not (docker_config / "contexts").exists()
    assert "hunter2" not in str(refused.value)


def test_import_adopts_nothing_left_behind(docker_config: Path) -> None:
    """TLS files a failed attempt (or anything else) left under the name are not the
    imported context's: its folder is emptied first, and its folders are the owner's."""
    stale = contexts.tls_dir("fresh") / "docker"
    stale.mkdir(parents=True)
    (stale / "ca.pem").write_text("evil")
    imported = contexts.import_context("fresh", _tar(("meta.json", None, META.encode())))
    assert imported.cafile is None and not stale.exists()
    with_ca = _tar(("meta.json", None, META.encode()), ("tls/docker/ca.pem", None, b"pem"))
    made = contexts.import_context("with-ca", with_ca)
    assert made.cafile and Path(made.cafile).read_text() == "pem"
    for folder in (Path(made.cafile).parent, Path(made.cafile).parent.parent):
        assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_export_the_default_context(docker_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    contexts.import_context("was-default", contexts.export_context("default"))
    assert contexts.read_context("was-default").host == "tcp://127.0.0.1:9"
    assert contexts.update_context("was-default").host == "tcp://127.0.0.1:9"  # no change


def test_import_skips_links_and_reads_zip(docker_config: Path) -> None:
    """A link in the archive is never followed nor made (docker skips it too); a zip
    archive (docker import reads those) works alike."""
    linked = _tar(("meta.json", None, META.encode()), ("tls/docker/ca.pem", b"/etc/shadow", b""))
    assert contexts.import_context("linked", linked).cafile is None
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("meta.json", META)
        archive.writestr("tls/docker/ca.pem", "pem")
    imported = contexts.import_context("zipped", zipped.getvalue())
    assert imported.cafile and Path(imported.cafile).read_text() == "pem"
    assert json.loads(cli("context", "inspect", "zipped"))[0]["Endpoints"]["docker"] == {
        "Host": "unix:///x",
        "SkipTLSVerify": False,
    }


def test_the_global_context_flag_as_docker_s(
    daemon: sandbox.SandboxInfo, docker_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--context NAME` / `-c NAME` before the command, as docker's: over DOCKER_HOST
    (only the default context reads it) and DOCKER_CONTEXT; `context show` names it;
    with -H too it is refused (exit 1, docker's words). `--config DIR` is where contexts
    are, over DOCKER_CONFIG. Both CLIs side by side."""
    name = unix_context(daemon)
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    monkeypatch.setenv("DOCKER_CONTEXT", "no-such-context")

    def both(*words: str) -> list[tuple[int, str, str]]:
        runs = []
        for program in (["docker"], [sys.executable, "-m", "nkdocker_actors"]):
            done = subprocess.run(
                [*program, *words],
                capture_output=True,
                text=True,
                timeout=60,
                stdin=subprocess.DEVNULL,
            )
            runs.append((done.returncode, done.stdout, done.stderr))
        return runs

    version = "{{.Server.Version}}"
    for flag in ("--context", "-c"):
        docker, ours = both(flag, name, "version", "--format", version)
        assert docker[:2] == ours[:2] and ours[0] == 0 and ours[1].strip()
        docker, ours = both(flag, name, "context", "show")
        assert docker[:2] == ours[:2] == (0, f"{name}\n")
    monkeypatch.setenv("DOCKER_CONFIG", str(docker_config / "elsewhere"))
    docker, ours = both("--config", str(docker_config), "-c", name, "context", "show")
    assert docker[:2] == ours[:2] == (0, f"{name}\n")  # (its contexts are there)
    docker, ours = both("--context", "default", "ps")  # DOCKER_HOST's dead socket
    assert docker[0] == ours[0] == 1
    docker, ours = both("-H", daemon.unix_url, "--context", name, "ps")
    assert docker[0] == ours[0] == 1
    assert ours[2] == "nkdocker: conflicting options: cannot specify both --host and --context\n"
    assert docker[2].strip() == ours[2].strip().removeprefix("nkdocker: ")
