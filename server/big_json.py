# pyright: strict
"""Decode a large JSON body in many small steps, so other threads keep running meanwhile.

`json.loads` is one C call: it holds the GIL for the whole body (~120 ms for the 13 MB
answer of issue 17), so decoding in a worker thread alone would still freeze the event
loop. Here the outer levels of the document (the envelope, `result`, a list's items) are
walked in Python and each element below them is decoded by the stdlib's C scanner on its
own. The interpreter switches threads between those calls (every `sys.getswitchinterval()`,
5 ms), so the event loop waits at most about that long, plus one element's decode.

The result equals `json.loads(body)` (same types, last duplicate key wins, the same
`ValueError` subclasses on bad input), with NaN and Infinity refused as the caller asks,
except that an array of the walked levels keeps its first `KEPT_ITEMS` elements only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

WALKED_LEVELS = 3
"""Container levels walked in Python: envelope -> result -> items (or tasks -> items)."""
KEPT_ITEMS = 10_000
"""Elements kept of one walked array. A portal page has 50, `limit` asks for 500 at most and
no tool result shows more than `BITRIX24_MAX_RESULT_ITEMS`; the elements after these are
checked and dropped as they are read, so a 60,000-item answer costs 10,000 items' memory."""


class ClippedList(list[Any]):
    """An array of which only the first `KEPT_ITEMS` elements were kept; `sent` counts all."""

    sent: int = 0


_SPACE = re.compile(r"[ \t\n\r]*")


def loads(body: bytes | bytearray, parse_constant: Callable[[str], Any]) -> Any:
    text = body.decode(json.detect_encoding(body), "surrogatepass")
    return _Walker(text, json.JSONDecoder(parse_constant=parse_constant)).document()


class _Walker:
    def __init__(self, text: str, decoder: json.JSONDecoder) -> None:
        self.text = text
        self.decoder = decoder

    def document(self) -> Any:
        value, end = self.value(self.skip(0), WALKED_LEVELS)
        if self.skip(end) != len(self.text):
            raise json.JSONDecodeError("Extra data", self.text, self.skip(end))
        return value

    def skip(self, at: int) -> int:
        match = _SPACE.match(self.text, at)
        return match.end() if match else at

    def expect(self, at: int, char: str) -> int:
        if self.text[at : at + 1] != char:
            raise json.JSONDecodeError(f"Expecting '{char}'", self.text, at)
        return at + 1

    def value(self, at: int, levels: int) -> tuple[Any, int]:
        head = self.text[at : at + 1]
        if levels and head == "{":
            return self.object(at + 1, levels - 1)
        if levels and head == "[":
            return self.array(at + 1, levels - 1)
        return self.decoder.raw_decode(self.text, at)

    def object(self, at: int, levels: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        at = self.skip(at)
        if self.text[at : at + 1] == "}":
            return out, at + 1
        while True:
            if self.text[at : at + 1] != '"':
                raise json.JSONDecodeError("Expecting property name", self.text, at)
            key, at = self.decoder.raw_decode(self.text, at)
            at = self.skip(self.expect(self.skip(at), ":"))
            out[key], at = self.value(at, levels)
            at = self.skip(at)
            if self.text[at : at + 1] == "}":
                return out, at + 1
            at = self.skip(self.expect(at, ","))

    def array(self, at: int, levels: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        sent = 0
        at = self.skip(at)
        if self.text[at : at + 1] == "]":
            return out, at + 1
        while True:
            item, at = self.value(at, levels)
            sent += 1
            if sent <= KEPT_ITEMS:
                out.append(item)
            at = self.skip(at)
            if self.text[at : at + 1] == "]":
                return (out if sent <= KEPT_ITEMS else _clipped(out, sent)), at + 1
            at = self.skip(self.expect(at, ","))


def _clipped(kept: list[Any], sent: int) -> ClippedList:
    out = ClippedList(kept)
    out.sent = sent
    return out
