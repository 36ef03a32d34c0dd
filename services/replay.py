"""The evaluator's replay: reads JSON Lines logs (plain or .gz) and folds them through the core."""

import datetime as dt
import gzip
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import IO, BinaryIO, cast

import orjson
from tqdm import tqdm

from services.core.replay import Refusal, ReplayFold, ReplayResult
from services.core.rules import Rules

_PROGRESS_EVERY = 20_000  # lines between progress-bar updates: updating per line would cost more


class LogFileError(OSError):
    """A log file that cannot be opened or read."""


def _open_log(path: Path, stack: ExitStack[bool | None]) -> tuple[BinaryIO, BinaryIO]:
    """The raw file (for progress by bytes) and the line source (decompressed if .gz)."""
    try:
        raw = stack.enter_context(path.open("rb"))
    except OSError as error:
        raise LogFileError(f"{path}: cannot open ({error.strerror})") from error
    if path.suffix == ".gz":
        decompressed = gzip.GzipFile(fileobj=raw, mode="rb")
        stack.callback(decompressed.close)
        return raw, cast(BinaryIO, decompressed)
    return raw, raw


def _lines(path: Path, progress: tqdm) -> Iterator[tuple[int, bytes]]:
    with ExitStack() as stack:
        raw, source = _open_log(path, stack)
        reported = 0
        try:
            for number, line in enumerate(source, 1):
                yield number, line
                if number % _PROGRESS_EVERY == 0:
                    position = raw.tell()
                    progress.update(position - reported)
                    reported = position
        except (OSError, EOFError) as error:
            raise LogFileError(f"{path}: cannot read ({error})") from error
        progress.update(raw.tell() - reported)


def replay(
    paths: Sequence[Path],
    rules: Rules,
    as_of: dt.date | None = None,
    rejected: IO[bytes] | None = None,
    show_progress: bool | None = None,
) -> ReplayResult:
    """Replay the logs in order; write each refused line to `rejected` when given."""
    fold = ReplayFold(rules)
    total = sum(path.stat().st_size for path in paths if path.exists())
    with tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc="replay",
        disable=None if show_progress is None else not show_progress,
    ) as progress:
        for path in paths:
            name = str(path)
            for number, line in _lines(path, progress):
                refusals = fold.ingest(line, (name, number, line))
                if refusals and rejected is not None:
                    _write_refusals(rejected, refusals)
    held = fold.finish()
    if rejected is not None:
        _write_refusals(rejected, held)
    return fold.result(as_of)


def _write_refusals(out: IO[bytes], refusals: list[Refusal]) -> None:
    for refusal in refusals:
        path, number, line = refusal.token
        record = {
            "path": path,
            "line": number,
            "reason": refusal.rejection.reason,
            "detail": refusal.rejection.detail,
            "raw": line.rstrip(b"\r\n").decode("utf-8", "replace"),
        }
        out.write(orjson.dumps(record) + b"\n")
