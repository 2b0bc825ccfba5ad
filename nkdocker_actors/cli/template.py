"""`--format`: the Go-template forms people use with the docker CLI, and no more.

Supported: text with actions `{{.Field}}`, `{{.A.B}}`, `{{.}}`, `{{json .X}}`,
`{{upper .X}}`, `{{lower .X}}`, `{{title .X}}`, `{{join .X ","}}`, `{{println .X}}`;
a leading `table` (a header row, columns aligned at tabs as the docker CLI aligns
them); `\\t` and `\\n` written as two characters; `json` alone for `{{json .}}`.
Anything else (if, range, with, printf, pipes, variables) is a clear error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .common import CliError

__all__ = ["Template", "tabwrite"]

SUPPORTED = (
    "{{.Field}}, {{.A.B}}, {{json .}}, {{json .Field}}, {{upper|lower|title .Field}}, "
    '{{join .Field ","}}, a leading "table", or "json"'
)
_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_PATH = re.compile(r"\.(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?")
_FUNCS = ("json", "upper", "lower", "title", "join", "println")


@dataclass(frozen=True)
class _Action:
    func: str | None
    path: tuple[str, ...]
    extra: str | None = None


def _parse_action(text: str, template: str) -> _Action:
    words = text.split(None, 1)
    if not words:
        raise CliError(f"template {template!r}: an empty action {{{{}}}}", 1)
    func: str | None = None
    rest = text
    if words[0] in _FUNCS:
        func = words[0]
        rest = words[1] if len(words) > 1 else ""
    extra = None
    if func == "join":
        match = re.fullmatch(r'(\S+)\s+"((?:[^"\\]|\\.)*)"', rest)
        if not match:
            raise CliError(f'template {template!r}: join takes .Field "separator"', 1)
        rest, extra = match.group(1), json.loads(f'"{match.group(2)}"')
    if not _PATH.fullmatch(rest):
        raise CliError(
            f"template {template!r}: {{{{{text}}}}} is not supported; nkdocker's --format "
            f"knows {SUPPORTED}",
            1,
        )
    path = tuple(p for p in rest.split(".") if p)
    return _Action(func, path, extra)


def go_json(value: Any) -> str:
    """`value` as Go's json.Marshal writes it: compact, map keys sorted, <, > and &
    escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def go_text(value: Any) -> str:
    """A value as Go's text/template prints it."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        inner = " ".join(f"{k}:{go_text(value[k])}" for k in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_text(v) for v in value) + "]"
    return str(value)


class Template:
    """A parsed --format; `render(item)` gives one item's text."""

    def __init__(self, text: str, headers: Mapping[str, str] | None = None) -> None:
        self.source = text
        text = text.replace("\\t", "\t").replace("\\n", "\n")
        if text.strip() == "json":
            text = "{{json .}}"
        self.table = text.startswith("table")
        if self.table:
            text = text[len("table") :].lstrip(" ")
        self.pieces: list[str | _Action] = []
        last = 0
        for match in _ACTION.finditer(text):
            self.pieces.append(text[last : match.start()])
            self.pieces.append(_parse_action(match.group(1), self.source))
            last = match.end()
        tail = text[last:]
        if "{{" in tail or "}}" in tail:
            raise CliError(f"template {self.source!r}: unbalanced {{{{ }}}}", 1)
        self.pieces.append(tail)
        self.headers = dict(headers or {})

    def _value(self, item: Any, action: _Action) -> Any:
        value = item
        for name in action.path:
            if isinstance(value, Mapping) and name in value:
                value = value[name]
            elif isinstance(value, Mapping):
                return None
            else:
                raise CliError(
                    f"template {self.source!r}: can't evaluate field {name} in {go_text(value)!r}"
                )
        return value

    def render(self, item: Any) -> str:
        """The template applied to one item."""
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            value = self._value(item, piece)
            if piece.func == "json":
                out.append(go_json(value))
            elif piece.func == "join":
                out.append(str(piece.extra).join(go_text(v) for v in value or []))
            elif piece.func == "println":
                out.append(go_text(value) + "\n")
            else:
                text = go_text(value)
                if piece.func == "upper":
                    text = text.upper()
                elif piece.func == "lower":
                    text = text.lower()
                elif piece.func == "title":
                    text = text.title()
                out.append(text)
        return "".join(out)

    def header(self) -> str:
        """The header row of a table: each field's column name."""
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif piece.path:
                name = piece.path[-1]
                out.append(self.headers.get(name, name.upper()))
        return "".join(out)

    def lines(self, items: Sequence[Any]) -> str:
        """Every item, one per line; for a table, a header and aligned columns."""
        rows = [self.render(item) for item in items]
        if not self.table:
            return "".join(row + "\n" for row in rows)
        return tabwrite([self.header(), *rows])


def tabwrite(lines: Sequence[str], minwidth: int = 10, padding: int = 3) -> str:
    """Lines aligned at tabs as Go's tabwriter (10, 1, 3, ' ', 0) does for the docker CLI:
    each tab-terminated cell padded to its column's widest cell + 3, at least 10."""
    split = [line.split("\t") for line in "\n".join(lines).split("\n")]
    widths: list[int] = []
    for cells in split:
        for index, cell in enumerate(cells[:-1]):
            if index == len(widths):
                widths.append(0)
            widths[index] = max(widths[index], len(cell) + padding, minwidth)
    out = []
    for cells in split:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(cells[:-1])]
        out.append("".join(padded) + cells[-1])
    return "\n".join(out) + "\n"
