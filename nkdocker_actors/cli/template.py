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
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .common import CliError

__all__ = ["Template", "go_json", "tabwrite"]

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


def go_json(value: Any, marshalled: bool = False) -> str:
    """`value` as docker's templates write JSON: compact, in the daemon's order (Go's: a
    struct's fields in order, a map's keys sorted), nothing escaped. `marshalled`: as
    Go's json.Marshal writes it, which docker uses for its own rows and for what it does
    not print as the daemon sent it: keys sorted, <, >, &, U+2028 and U+2029 escaped
    (they only occur inside strings)."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=marshalled, ensure_ascii=False)
    if marshalled:
        for char in "<>&\u2028\u2029":
            text = text.replace(char, f"\\u{ord(char):04x}")
    return text


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
    """A parsed --format; `render(item)` gives one item's text. With `headers`, the items
    are the CLI's own rows (docker's formatter contexts: `{{json .}}` marshals one).
    `fields`: Go field names of a daemon's document whose JSON keys differ, as (key, the
    zero value when the key is left out), e.g. an event's .ID from "id"."""

    def __init__(
        self,
        text: str,
        headers: Mapping[str, str] | None = None,
        fields: Mapping[str, tuple[str, Any]] | None = None,
    ) -> None:
        self.fields = dict(fields or {})
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
        self.rows = headers is not None

    def _value(self, item: Any, action: _Action) -> Any:
        value = item
        for depth, name in enumerate(action.path):
            if depth == 0 and name in self.fields and isinstance(item, Mapping):
                key, zero = self.fields[name]
                value = item.get(key, zero)
            elif isinstance(value, Mapping) and name in value:
                value = value[name]
            elif depth == 0 and self.rows and isinstance(value, Mapping):
                # A row of ours has every field its listing knows; docker fails on others.
                if name in self.headers:
                    return ""
                raise CliError(
                    f"failed to execute template: can't evaluate field {name} (the fields: "
                    f"{', '.join(sorted(value))})"
                )
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
                out.append(go_json(value, marshalled=not piece.path and self.rows))
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
    """Lines aligned at tabs as docker's tabwriter (10, 1, 3, ' ', 0) aligns them: each
    tab-terminated cell padded to its column's widest cell + 3, at least 10 (in display
    columns)."""
    split = [line.split("\t") for line in "\n".join(lines).split("\n")]
    widths: list[int] = []
    for cells in split:
        for index, cell in enumerate(cells[:-1]):
            if index == len(widths):
                widths.append(0)
            widths[index] = max(widths[index], display_width(cell) + padding, minwidth)
    out = []
    for cells in split:
        padded = [
            cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(cells[:-1])
        ]
        out.append("".join(padded) + cells[-1])
    return "\n".join(out) + "\n"


def display_width(text: str) -> int:
    """The columns `text` takes, as docker's tabwriter and ellipsis count them."""
    return sum(char_width(char) for char in text)


def char_width(char: str) -> int:
    """A character's columns (go-runewidth's: East Asian wide ones two, combining ones none)."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
