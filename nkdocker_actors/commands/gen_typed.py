"""Write `nkdocker_actors/_typed.py`: the typed command methods of `Docker`, from the tables.

    python -m nkdocker_actors.commands.gen_typed           # rewrite _typed.py
    python -m nkdocker_actors.commands.gen_typed --check   # exit 1 if it is out of date

Each command becomes overloaded method stubs: its parameters (positional, by name),
its options (keyword-only, typed), `timeout`, and one overload per way of asking for
the result: plain (the Future holds the decoded result), `reply_to=` (the Future holds
a Ref), `subscriber=` for streams (a Ref), and the file a command writes (None).
`Docker` derives from the stubs' class for type checkers only; at run time the methods
come from the tables (`Docker.call`). See `shapes` for where each type comes from.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path

from .shapes import ALIASES, Param, Shape, shapes

TARGET = Path(__file__).resolve().parent.parent / "_typed.py"
INDENT = " " * 8

HEADER = '''\
"""The command methods of `Docker`, typed, for type checkers and editors.

GENERATED from the command tables (nkdocker_actors/commands/*) by
`python -m nkdocker_actors.commands.gen_typed`: do not edit by hand; tests/test_typing.py
checks it is in sync. At run time the methods come from the same tables (`Docker.call`)
with `help()` text built from them: this module only describes them, and is only
imported by type checkers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
'''


# What a stub may need, and the import that brings it.
IMPORTS = {
    "datetime": "import datetime",
    "os": "import os",
    "Iterable": "from collections.abc import Iterable",
    "Mapping": "from collections.abc import Mapping",
    "Sequence": "from collections.abc import Sequence",
    "IO": "from typing import IO",
    "Any": "from typing import Any",
    "Literal": "from typing import Literal",
    "TypeAlias": "from typing import TypeAlias",
    "overload": "from typing import overload",
    "Future": "from .messages import Future",
    "Output": "from .messages import Output",
    "Ref": "from .messages import Ref",
    "Subscriber": "from .messages import Subscriber",
}


def _option(p: Param) -> str:
    return f"{p.name}: {p.type} | None = None"


def _overload(s: Shape, mode: str) -> list[str]:
    """One overload of `s`: mode is "subscriber", "reply_to", "to_file", "flagged" (the
    result when a flag is True) or "plain"."""
    args = ["self", *(f"{p.name}: {p.type}" for p in s.params)]
    for p in s.optional:
        if p.name == s.to_file and mode == "to_file":
            args.append(f"{p.name}: {p.type}")
        elif p.name == s.to_file and mode == "plain":
            args.append(f"{p.name}: None = None")
        else:
            args.append(_option(p))
    keywords = [_option(p) for p in s.keywords]
    if s.flagged is not None and mode in ("flagged", "plain"):
        flag = s.flagged[0]
        kind = "Literal[True]" if mode == "flagged" else "Literal[False] | None = None"
        keywords = [f"{flag}: {kind}" if k.startswith(f"{flag}:") else k for k in keywords]
    keywords.append("timeout: float | None = ...")
    if mode == "subscriber":
        keywords += ["subscriber: Subscriber", "max_pending: int | None = None"]
        returns = "Ref"
    elif mode == "reply_to":
        keywords.append("reply_to: Subscriber")
        returns = "Ref"
    else:
        keywords.append("reply_to: None = None")
        if s.streams:
            keywords.append("subscriber: None = None")
        returns = {"to_file": "None", "flagged": s.flagged[1] if s.flagged else ""}.get(
            mode, s.returns
        )
    tail = ["**options: Any"] if s.more_options else []
    lines = [f"{INDENT}@overload", f"{INDENT}def {s.name}("]
    star = "*args: Any" if s.more_args else "*"
    lines += [f"{INDENT}    {arg}," for arg in [*args, star, *keywords, *tail]]
    lines.append(f"{INDENT}) -> Future[{returns}]: ...")
    return lines


def _docstring(s: Shape) -> list[str]:
    text = " ".join((s.doc.strip() or s.name).split())
    room = 100 - len(INDENT) - 4 - 6  # the line, its indentation and two triple quotes
    if len(text) <= room:
        return [f'{INDENT}    """{text}"""']
    first, *rest = textwrap.wrap(text, room)  # two lines at least: ruff joins a single one
    return [
        f'{INDENT}    """{first}',
        *(f"{INDENT}    {line}" for line in rest),
        f'{INDENT}    """',
    ]


def method(s: Shape) -> list[str]:
    """The overloads and the implementation stub of one command."""
    modes = ["subscriber"] if s.streams else []
    modes.append("reply_to")
    if s.to_file is not None and s.optional[0].name == s.to_file:
        modes.append("to_file")
    if s.flagged is not None:
        modes.append("flagged")
    modes.append("plain")
    lines: list[str] = []
    for mode in modes:
        lines += _overload(s, mode)
    lines.append(f"{INDENT}def {s.name}(self, *args: Any, **options: Any) -> Future[Any]:")
    lines += _docstring(s)
    return lines


def generate() -> str:
    """The source of `_typed.py` for the tables as they are."""
    body = ["    class TypedCommands:", '        """The command methods of `Docker`, typed."""']
    for s in shapes():
        body += ["", *method(s)]
    aliases = []
    for name, kind in ALIASES.items():
        line = f"    {name}: TypeAlias = {kind}"
        aliases += (
            [line]
            if len(line) <= 100
            else [line.partition("= ")[0] + "= (", f"        {kind}", "    )"]
        )
    text = "\n".join([*aliases, "", *body])
    words = set(re.findall(r"[A-Za-z_]+", text))
    imports = sorted({line for name, line in IMPORTS.items() if name in words})
    plain = [line for line in imports if line.startswith("import ")]
    std = [line for line in imports if line.startswith("from ") and not line.startswith("from .")]
    ours = [line for line in imports if line.startswith("from .")]
    head = [f"    {line}" for line in _merged(plain + std)]
    head += [""] + [f"    {line}" for line in _merged(ours)]
    return HEADER + "\n".join([*head, "", text]) + "\n"


def _merged(lines: list[str]) -> list[str]:
    """`from m import a` lines merged per module, as ruff's isort writes them."""
    out: list[str] = []
    froms: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("import "):
            out.append(line)
        else:
            module, _, name = line[len("from ") :].partition(" import ")
            froms.setdefault(module, []).append(name)
    for module, names in froms.items():
        ordered = sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n.lower()))
        out.append(f"from {module} import {', '.join(ordered)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write nkdocker_actors/_typed.py from the tables")
    parser.add_argument("--check", action="store_true", help="fail if _typed.py is stale")
    args = parser.parse_args(argv)
    wanted = generate()
    current = TARGET.read_text() if TARGET.exists() else ""
    if args.check:
        if wanted != current:
            print(f"{TARGET} is out of date: run python -m {__spec__.name}", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        TARGET.write_text(wanted)
        print(f"rewrote {TARGET}")
    untyped = sorted(s.name for s in shapes() if s.returns == "Any")
    if untyped:
        print("results typed Any (see shapes.REPLIES / JSON_REPLIES): " + ", ".join(untyped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
