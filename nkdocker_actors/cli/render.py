"""Output: sizes and times as the docker CLI words them, listings through --format
templates, and `rich` for what is drawn live on a terminal (progress bars, the live
table). Piped output is plain text; colour only on a terminal, never with NO_COLOR
(rich honours it). rich is imported only when something is drawn on a terminal.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .common import is_tty, print_json, write
from .template import Template, char_width, display_width

if TYPE_CHECKING:
    from rich.console import Console


def _scaled(size: float, base: int, units: tuple[str, ...], digits: str) -> str:
    """`size` in the largest of `units` (each `base` times the last) that keeps it small."""
    for unit in units[:-1]:
        if abs(size) < base:
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:{digits}}{unit}"
        size /= base
    return f"{size:{digits}}{units[-1]}"


def si(size: float, digits: int = 3) -> str:
    """A size as the docker CLI shows images and I/O: units of 1000, three digits."""
    return _scaled(size, 1000, ("B", "kB", "MB", "GB", "TB"), f".{digits}g")


def iec(size: float) -> str:
    """A memory size as `docker stats` shows it: units of 1024, four digits."""
    return _scaled(size, 1024, ("B", "KiB", "MiB", "GiB", "TiB"), ".4g")


def human_duration(seconds: float) -> str:
    """A duration as the docker CLI words it (go-units HumanDuration)."""
    if seconds < 1:
        return "Less than a second"
    if int(seconds) == 1:
        return "1 second"
    if seconds < 60:
        return f"{int(seconds)} seconds"
    minutes = int(seconds // 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds // 3600) // 24 // 365} years"


def api_time(stamp: str) -> float:
    """An RFC 3339 time of the API (nanoseconds, Z) as unix seconds."""
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?", stamp or "")
    if not match:
        return 0.0
    zone = match.group(3) or "Z"
    moment = dt.datetime.fromisoformat(match.group(1) + ("+00:00" if zone == "Z" else zone))
    return moment.timestamp() + float(match.group(2) or 0)


def rfc3339(unix: float) -> str:
    """A moment in local time as Go's time.RFC3339 prints it ("Z" for a zero offset)."""
    text = dt.datetime.fromtimestamp(int(unix)).astimezone().isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def ago(unix: float) -> str:
    """How long ago, as the docker CLI says it ("5 minutes ago")."""
    return human_duration(time.time() - unix) + " ago"


def console(out: TextIO) -> Console:
    """A rich console on `out`: styles only on a terminal, none with NO_COLOR."""
    from rich.console import Console

    return Console(file=out, highlight=False, soft_wrap=True)


def ellipsis(text: str, width: int) -> str:
    """`text` cut to `width` columns with "…" as docker cuts a long cell (formatter.Ellipsis:
    East Asian wide characters take two columns, combining ones none)."""
    if display_width(text) <= width:
        return text
    taken = 0
    for index, char in enumerate(text):
        taken += char_width(char)
        if taken > width - 1:
            return text[:index] + "…"
    return text


def custom_format(fmt: str | None) -> str | None:
    """The --format asked for, None for the command's own table: docker reads `--format
    table` as that table too."""
    return None if fmt in (None, "", "table") else fmt


def listing(
    session_json: bool,
    fmt: str | None,
    default: str,
    headers: Mapping[str, str],
    items: Sequence[Mapping[str, Any]],
    raw: Sequence[Any] | None = None,
) -> None:
    """Print a listing: --json (the API's objects), a --format template, or the default
    table (the docker CLI's columns)."""
    if session_json:
        print_json(list(raw if raw is not None else items))
        return
    write(Template(custom_format(fmt) or default, headers).lines(items))


class Progress:
    """Progress of pull / push / build, one line per layer.

    On a terminal: a rich bar per layer, redrawn in place. Piped: a layer's line
    printed once per change of status, no escape codes.
    """

    def __init__(self, out: TextIO, quiet: bool = False) -> None:
        self.out = out
        self.quiet = quiet
        self.status: dict[str, str] = {}
        self.image_id: str | None = None
        self.tasks: dict[str, Any] = {}
        self.bars: Any = None
        if is_tty(out) and not quiet:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

            self.bars = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=False),
                console=console(out),
                auto_refresh=False,
            )

    def __enter__(self) -> Progress:
        if self.bars is not None:
            self.bars.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bars is not None:
            self.bars.refresh()
            self.bars.stop()

    def _line(self, text: str) -> None:
        if self.bars is not None:
            self.bars.console.print(text, end="", markup=False)
        else:
            self.out.write(text)
            self.out.flush()

    def feed(self, item: Any) -> None:
        """Show one progress item."""
        if self.quiet or not isinstance(item, dict):
            return
        if "stream" in item:
            self._line(str(item["stream"]))
            return
        aux = item.get("aux")
        if isinstance(aux, dict) and aux.get("ID"):
            self.image_id = str(aux["ID"])
            return
        if "error" in item or "status" not in item:
            return
        status = str(item["status"])
        layer = item.get("id")
        if not layer:
            self._line(status + "\n")
            return
        layer = str(layer)
        changed = self.status.get(layer) != status
        self.status[layer] = status
        if self.bars is None:
            if changed:
                self._line(f"{layer}: {status}\n")
            return
        detail = item.get("progressDetail") or {}
        current, total = detail.get("current"), detail.get("total")
        task = self.tasks.get(layer)
        if task is None:
            task = self.tasks[layer] = self.bars.add_task(f"{layer}: {status}", total=None)
        sized = isinstance(current, int) and isinstance(total, int) and total > 0
        self.bars.update(
            task,
            description=f"{layer}: {status}",
            completed=current if sized else None,
            total=total if sized else None,
        )
        self.bars.refresh()
