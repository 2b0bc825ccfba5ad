"""Docker's stream formats, decoded from a body's pieces: FrameDecoder and demultiplex
for the raw stream of attach, exec and logs without a TTY (8-byte frame headers, then
stdout or stderr payload), JsonLines for a stream of JSON values one per line (events,
pull and build progress)."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterable
from typing import Any

from .messages import ProtocolError

MAX_JSON_LINE = 64 * 1024 * 1024
_FRAME_HEADER = struct.Struct(">BxxxL")
STREAM_NAMES = {0: "stdout", 1: "stdout", 2: "stderr", 3: "stderr"}


class FrameDecoder:
    """De-multiplexes Docker's raw stream: 8-byte headers (stream, size), then payload.

    A frame's payload is handed on as it arrives, so a header promising gigabytes
    costs no memory; frames split across reads or packed in one read both work.
    """

    def __init__(self) -> None:
        self._header = bytearray()
        self._stream = "stdout"
        self._stream_id = -1  # the last frame's stream byte (0 and 1 are both stdout)
        self._remaining = 0

    def feed(self, data: bytes | list[bytes]) -> list[tuple[str, bytes]]:
        """Decode what `data` (bytes, or consecutive parts) completes: (stream name, bytes)
        pieces in order."""
        return [(stream, _joined(views)) for stream, views in self.runs(data)]

    def runs(self, data: bytes | list[bytes]) -> list[tuple[str, list[memoryview]]]:
        """Like `feed`, but each run of one stream's payload as views of `data`, not joined."""
        out: list[tuple[str, list[memoryview]]] = []
        for part in [data] if isinstance(data, bytes | bytearray) else data:
            self._feed_part(memoryview(part), out)
        return out

    def _feed_part(self, view: memoryview, out: list[tuple[str, list[memoryview]]]) -> None:
        pos, end = 0, len(view)
        if not end:
            return
        run = out[-1][1] if out and out[-1][0] == self._stream else None
        if self._remaining:  # the rest of a frame begun in an earlier part
            pos = min(self._remaining, end)
            run = self._extend(out, run, view[:pos])
            self._remaining -= pos
            if self._remaining:
                return
        if self._header:  # a header begun in an earlier part
            need = 8 - len(self._header)
            self._header += view[pos : pos + need]
            pos += need
            if len(self._header) < 8:
                return
            stream_id, size = _FRAME_HEADER.unpack(self._header)
            self._header.clear()
            if stream_id != self._stream_id:
                run = self._switch(stream_id, run)
            take = min(size, end - pos)
            if take:
                run = self._extend(out, run, view[pos : pos + take])
            pos += take
            self._remaining = size - take
            if self._remaining:
                return
        # Whole headers: one pass, the stream looked up only when it changes.
        unpack = _FRAME_HEADER.unpack_from
        stream_id = self._stream_id
        while end - pos >= 8:
            frame_id, size = unpack(view, pos)
            if frame_id != stream_id:
                run = self._switch(frame_id, run)
                stream_id = frame_id
            start = pos + 8
            pos = start + size
            if pos > end:  # the payload goes on in the next part
                self._remaining = pos - end
                pos = end
            if pos > start:  # (`_extend`, inlined: this runs once per frame)
                if run is None:
                    run = []
                    out.append((self._stream, run))
                run.append(view[start:pos])
        if pos < end:
            self._header += view[pos:end]

    def _switch(self, stream_id: int, run: list[memoryview] | None) -> list[memoryview] | None:
        """A frame of `stream_id` begins: the run it continues, or None for a new one."""
        name = STREAM_NAMES.get(stream_id)
        if name is None:
            raise ProtocolError(f"bad raw-stream frame header (stream {stream_id})")
        self._stream_id = stream_id
        if name == self._stream:
            return run
        self._stream = name
        return None

    def _extend(
        self,
        out: list[tuple[str, list[memoryview]]],
        run: list[memoryview] | None,
        piece: memoryview,
    ) -> list[memoryview]:
        if run is None:
            run = []
            out.append((self._stream, run))
        run.append(piece)
        return run

    def check_end(self) -> None:
        """At EOF: a frame cut short is a protocol error."""
        if self._header or self._remaining:
            raise ProtocolError("raw stream ended inside a frame")


def demultiplex(pieces: Iterable[bytes]) -> list[tuple[str, bytes]]:
    """A whole raw stream, given piece by piece: its (stream name, bytes) runs.

    Each run's payload is written into a BytesIO as the pieces come, whose value is
    then taken without a copy: the 100 MB of a log are written once into memory of
    their own (faulting in its pages costs more than copying), not kept as pieces,
    then joined into more.
    """
    frames = FrameDecoder()
    runs: list[tuple[str, io.BytesIO]] = []
    for piece in pieces:
        for stream, views in frames.runs(piece):
            if not runs or runs[-1][0] != stream:
                runs.append((stream, io.BytesIO()))
            runs[-1][1].writelines(views)
    frames.check_end()
    return [(stream, run.getvalue()) for stream, run in runs]


def _joined(run: list[memoryview]) -> bytes:
    """The views' bytes; a whole bytes object as it is (no copy)."""
    if len(run) == 1 and isinstance(run[0].obj, bytes) and len(run[0]) == len(run[0].obj):
        return run[0].obj
    return b"".join(run)


class JsonLines:
    """Splits a JSON stream (one value per line, as dockerd writes them) into values."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        """The values `data` completes."""
        if not self._pending:  # (the usual case: whole lines, split without a copy first)
            lines = data.split(b"\n")
            self._pending += lines.pop()
            if len(self._pending) > MAX_JSON_LINE:
                raise ProtocolError("JSON stream line too long")
            return [_loads(line) for line in lines if line.strip()]
        self._pending += data
        end = self._pending.rfind(b"\n", len(self._pending) - len(data))  # only new bytes
        if end < 0:
            if len(self._pending) > MAX_JSON_LINE:
                raise ProtocolError("JSON stream line too long")
            return []
        complete = bytes(self._pending[:end])
        del self._pending[: end + 1]
        return [_loads(line) for line in complete.split(b"\n") if line.strip()]

    def finish(self) -> list[Any]:
        """At EOF: the last value, if it had no newline."""
        rest, self._pending = bytes(self._pending), bytearray()
        return [_loads(rest)] if rest.strip() else []


def _loads(line: bytes) -> Any:
    try:
        return json.loads(line.decode())  # (UTF-8, as dockerd writes: no encoding to detect)
    except ValueError as exc:
        raise ProtocolError(f"invalid JSON in stream: {line[:80]!r}") from exc
