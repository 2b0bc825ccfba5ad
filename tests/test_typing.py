"""Typed commands: stubs generated from the tables, in sync with them; mypy catches a
user's mistakes; help() lists every option with its value shape."""

from __future__ import annotations

import inspect
import pydoc
import re
import textwrap
from pathlib import Path

import pytest

import nkdocker_actors as nk
from nkdocker_actors.commands import COMMANDS, gen_typed, shapes

ROOT = Path(__file__).resolve().parent.parent


def test_generated_stubs_are_in_sync_with_the_tables() -> None:
    assert gen_typed.generate() == gen_typed.TARGET.read_text(), (
        "nkdocker_actors/_typed.py is stale: run python -m nkdocker_actors.commands.gen_typed"
    )
    assert gen_typed.main(["--check"]) == 0


def test_every_command_is_a_typed_method() -> None:
    source = gen_typed.TARGET.read_text()
    stubbed = set(re.findall(r"^        def (\w+)\(self, \*args", source, re.MULTILINE))
    assert stubbed == set(COMMANDS)


def test_every_option_has_a_known_type() -> None:
    """A new encoder or create option needs its type in `shapes` (else it is typed Any)."""
    untyped = [
        f"{s.name}({p.name})"
        for s in shapes.shapes()
        for p in (*s.params, *s.optional, *s.keywords)
        if p.type == "Any" and p.words != "any JSON value"
    ]
    assert untyped == [], "add their types to nkdocker_actors/commands/shapes.py"


SAMPLE = """
from typing import Any

import nkdocker_actors as nk


def mistakes(d: nk.Docker, sup: nk.SupervisedDocker, inbox: nk.Inbox) -> None:
    d.craete("busybox:latest")  # E: attr-defined
    d.create("busybox:latest", comand=["echo", "hi"])  # E: call-overload
    d.create("busybox:latest", tty="yes")  # E: call-overload
    d.ps(all=1)  # E: call-overload
    d.wait("c", condition="whenever")  # E: call-overload
    d.events(since=[1], subscriber=inbox)  # E: call-overload
    d.logs("c", subscriber=inbox, reply_to=inbox)  # E: call-overload
    created = d.create("busybox:latest", reply_to=inbox).get()
    print(created["Id"])  # E: index
    d.logs("c", follow=True, subscriber=inbox).get(5)["x"]  # E: index
    text: str = d.inspect("c").get()  # E: assignment
    sup.craete("busybox:latest")  # E: attr-defined
    sup.events(until="0s").get()["x"]  # E: call-overload


def fine(d: nk.Docker, sup: nk.SupervisedDocker, inbox: nk.Inbox) -> None:
    created: dict[str, Any] = d.create(
        "busybox:latest", name="c", cmds=["echo", "hi"], memory="64m", env={"A": "1"}
    ).get(10)
    print(created["Id"])
    ref: nk.Ref = d.logs("c", follow=True, subscriber=inbox).get()
    out: list[nk.Output] = d.logs("c", since="10m", tail="all").get()
    names = [c["Names"] for c in d.ps(all=True, filters={"label": ["a=b"]}).get()]
    assert d.exec_start("id", detach=True).get() is None
    outputs: list[nk.Output] = d.exec_start("id").get()
    tar: bytes = d.export("c").get()
    written: None = d.export("c", "/tmp/c.tar").get()
    pong: str = d.ping(timeout=None).get()
    later: nk.Ref = d.inspect("c", reply_to=inbox).get()
    durable: nk.Ref = sup.events(subscriber=inbox, filters={"type": ["container"]}).get()
    past: list[dict[str, Any]] = sup.events(since="1m", until="0s").get()
    print(ref, out, names, outputs, tar, written, pong, later, durable, past)


async def awaited(d: nk.Docker) -> int:
    status: dict[str, Any] = await d.wait("c")
    return int(status["StatusCode"])
"""


def test_mypy_reports_each_mistake_in_user_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mypy_api = pytest.importorskip("mypy.api")
    sample = tmp_path / "sample.py"
    sample.write_text(textwrap.dedent(SAMPLE))
    # The package is installed editable (an import hook mypy cannot follow): show it the tree.
    monkeypatch.setenv("MYPYPATH", str(ROOT))
    out, err, _ = mypy_api.run(
        ["--strict", "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache"),
         "--hide-error-context", "--show-error-codes", str(sample)]
    )  # fmt: skip
    found: dict[int, set[str]] = {}
    for match in re.finditer(r"^.*?sample\.py:(\d+): error: .*\[([\w-]+)\]$", out, re.MULTILINE):
        found.setdefault(int(match[1]), set()).add(match[2])
    wanted = {
        number: {line.rpartition("# E: ")[2].strip()}
        for number, line in enumerate(sample.read_text().splitlines(), 1)
        if "# E: " in line
    }
    assert found == wanted, out + err


def test_help_lists_options_with_their_value_shapes() -> None:
    text = pydoc.render_doc(nk.Docker.create, renderer=pydoc.plaintext)
    assert "Parameters and options" in text
    assert 'memory: size: bytes as int, or "512m"' in text
    assert "cmds: str or list of str" in text
    assert "restart:" in text and '"on-failure"' in text
    logs = pydoc.render_doc(nk.Docker.logs, renderer=pydoc.plaintext)
    assert 'since: time: unix seconds, "10m"' in logs
    assert "[query `since`, API 1.19+]" in logs
    assert "subscriber=" in logs


def test_runtime_signatures_come_from_the_tables() -> None:
    logs = inspect.signature(nk.Docker.logs)
    assert list(logs.parameters)[:3] == ["self", "container", "follow"]
    assert logs.parameters["since"].kind is inspect.Parameter.KEYWORD_ONLY
    assert logs.parameters["since"].annotation == "TimeValue | None"
    assert {"timeout", "reply_to", "subscriber", "max_pending"} <= set(logs.parameters)
    assert logs.return_annotation == "Future[list[Output]]"
    stop = inspect.signature(nk.Docker.stop)
    assert stop.parameters["t"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert "subscriber" not in stop.parameters
    for name in COMMANDS:
        assert inspect.signature(getattr(nk.Docker, name)).parameters  # every one has its own


def test_runtime_dispatch_is_unchanged(docker: nk.Docker) -> None:
    assert docker.ping().get(10) == "OK"
    assert docker.call("ping").get(10) == "OK"
    assert inspect.signature(docker.ping).parameters["timeout"].kind.name == "KEYWORD_ONLY"
    with pytest.raises(nk.InvalidOption, match="unknown option"):
        docker.create("busybox:latest", comand=["x"])  # type: ignore[call-overload]


def test_names_python_cannot_spell_fall_back_to_untyped_arguments() -> None:
    from nkdocker_actors.commands.spec import Command, in_query, text

    odd = Command(
        "odd", "GET", "/odd", "A command with awkward names.", params=("from",),
        fields={"from": in_query("from", text), "not-a-name": in_query("x", text),
                "fine": in_query("fine", text)},
    )  # fmt: skip
    shape = shapes.shape("odd", (odd,))
    assert shape.more_args and shape.more_options
    assert [p.name for p in shape.keywords] == ["fine"]
    source = "if True:\n    class Odd:\n" + "\n".join(gen_typed.method(shape)) + "\n"
    compile(source, "odd", "exec")  # valid Python
    assert "*args: Any," in source and "**options: Any," in source
    assert str(shapes.signature(shape)).startswith("(self, *args: 'Any', fine:")
