"""The evaluator's file of refused lines: where each line was and why, and what identifies it.

A refused line can carry anything its sender put in it, children's details included, so a row
holds by default only the line's `id`, `type` and `subject` (pseudonymous references, when they
can be read as short strings), never its bytes or data values; `include_raw` adds the line.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import msgspec
import orjson

from schemas.catalogue import MAX_REFERENCE_LENGTH
from services.core.fold import Refusal
from services.core.lines import without_bom

IDENTIFYING_ATTRIBUTES = ("id", "type", "subject")


class _Identifying(msgspec.Struct):
    id: Any = None
    type: Any = None
    subject: Any = None


_decode_identifying = msgspec.json.Decoder(_Identifying).decode


def identifying_attributes(raw: bytes) -> dict[str, str | None]:
    """The line's `id`, `type` and `subject`, each None unless a string of a reference's length."""
    try:
        found = _decode_identifying(without_bom(raw))
    except (msgspec.DecodeError, RecursionError):  # not a JSON object, or nested past the stack
        found = _Identifying()
    return {name: _readable(getattr(found, name)) for name in IDENTIFYING_ATTRIBUTES}


def _readable(value: Any) -> str | None:
    return value if type(value) is str and 0 < len(value) <= MAX_REFERENCE_LENGTH else None


def _text(path: Path) -> str:
    """The path as valid text: a file name need not be UTF-8, and JSON must be."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def write_refusals(
    out: IO[bytes], paths: Sequence[Path], refusals: list[Refusal], include_raw: bool = False
) -> None:
    """One JSON line per refusal: path, line, reason, detail, id, type, subject (and raw)."""
    for refusal in refusals:
        file_index, number, line = refusal.token
        record = {
            "path": _text(paths[file_index]),
            "line": number,
            "reason": refusal.rejection.reason,
            "detail": refusal.rejection.detail,
            **identifying_attributes(line),
        }
        if include_raw:
            record["raw"] = line.rstrip(b"\r\n").decode("utf-8", "replace")
        out.write(orjson.dumps(record) + b"\n")
