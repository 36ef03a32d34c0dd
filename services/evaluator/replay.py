"""The evaluator's replay: reads JSON Lines logs (plain or .gz) and folds them through the core.

The logs are read a block of lines at a time (`reading`). With several workers, this process
reads every log once, routes each line to the worker that owns its case (`routing.shards_of`), and
sends each worker its lines with their numbers; a worker validates and folds only its own lines
(the fold is pure, so the shards' counts and tallies add up to one fold's). Standard input (`-`)
is replayed in one worker, and counts its progress in lines, as standard input has no size.
Cyclic garbage collection is paused while folding: the fold builds no reference cycles, and the
collector's repeated walks over millions of live case objects cost more than a tenth of the time.
"""

import datetime as dt
import gc
import gzip
import multiprocessing
import os
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from itertools import count, repeat
from multiprocessing.connection import Connection
from operator import eq
from pathlib import Path
from typing import IO, Any, BinaryIO, NamedTuple, cast

import msgspec
from tqdm import tqdm

from services.core.case import CaseState
from services.core.fold import EventCounts, Refusal, ReplayFold, ReplayResult, combine
from services.core.metrics import Tally
from services.core.routing import shards_of
from services.core.rules import Rules
from services.evaluator.inputs import HashingReader, InputFacts, hashed
from services.evaluator.reading import line_blocks, pick, unpick
from services.evaluator.rejected import write_refusals

STDIN = Path("-")


class LogFileError(OSError):
    """A log file that cannot be opened or read."""


def default_workers() -> int:
    """One worker per available core."""
    return max(1, len(os.sched_getaffinity(0)))


def _open_log(path: Path, stack: ExitStack[bool | None]) -> tuple[HashingReader, BinaryIO]:
    """The stored bytes, hashed and counted as they are read (progress by bytes, provenance), and
    the line source (decompressed if .gz)."""
    if path == STDIN:
        return hashed(sys.stdin.buffer)
    try:
        file = stack.enter_context(path.open("rb"))
    except OSError as error:
        raise LogFileError(f"{path}: cannot open ({error.strerror})") from error
    reader, stored = hashed(file)
    if path.suffix == ".gz":
        decompressed = gzip.GzipFile(fileobj=stored, mode="rb")
        stack.callback(decompressed.close)
        return reader, cast(BinaryIO, decompressed)
    return reader, stored


Take = Callable[[int, int, list[bytes]], None]  # (file index, first line's number, lines)


def _read(
    paths: Sequence[Path], take: Take, on_progress: Callable[[int], None]
) -> list[InputFacts]:
    """Every line of the logs, a block at a time, to `take`; what was read."""
    by_lines = STDIN in paths
    inputs = []
    for file_index, path in enumerate(paths):
        with ExitStack() as stack:
            raw, source = _open_log(path, stack)
            read = reported = 0
            for lines in _blocks(path, source):
                take(file_index, read + 1, lines)
                read += len(lines)
                now = read if by_lines else raw.tell()
                on_progress(now - reported)
                reported = now
            try:
                inputs.append(raw.facts(str(path), read))
            except OSError as error:
                raise LogFileError(f"{_name(path)}: cannot read ({error})") from error
    return inputs


def _blocks(path: Path, source: BinaryIO) -> Iterator[list[bytes]]:
    try:
        yield from line_blocks(source)
    except (OSError, EOFError, zlib.error) as error:
        raise LogFileError(f"{_name(path)}: cannot read ({error})") from error


def _name(path: Path) -> str:
    return "standard input" if path == STDIN else str(path)


def _tokens(file_index: int) -> Callable[[int, bytes], tuple[int, int, bytes]]:
    """A refused line's token: its file, its number and its bytes."""
    return lambda number, line: (file_index, number, line)


def _fold_here(
    fold: ReplayFold, paths: Sequence[Path], on_progress: Callable[[int], None]
) -> tuple[list[Refusal], list[InputFacts]]:
    """Every line through one fold in this process; the refusals, in order of discovery, and
    what was read."""
    refusals: list[Refusal] = []
    tokens = [_tokens(file_index) for file_index in range(len(paths))]

    def take(file_index: int, first: int, lines: list[bytes]) -> None:
        refusals.extend(fold.ingest_lines(zip(count(first), lines), tokens[file_index]))

    gc.disable()
    try:
        inputs = _read(paths, take, on_progress)
        refusals += fold.finish()
    finally:
        gc.enable()
    return refusals, inputs


def replay(
    paths: Sequence[Path],
    rules: Rules,
    as_of: dt.date | None = None,
    rejected: IO[bytes] | None = None,
    show_progress: bool | None = None,
    workers: int = 1,
    include_raw: bool = False,
) -> ReplayResult:
    """Replay the logs in order; write each refused line to `rejected` when given."""
    replayed = replay_logs(paths, rules, as_of, show_progress, workers)
    if rejected is not None:
        write_refusals(rejected, paths, replayed.refusals, include_raw)
    return replayed.result


class Replayed(NamedTuple):
    """A replay's result, the refused lines by file and line number, what it read, and (when
    asked for) every case's reference and state."""

    result: ReplayResult
    refusals: list[Refusal]
    inputs: list[InputFacts]
    cases: list[tuple[str, CaseState]] = []  # noqa: RUF012 (a NamedTuple's default, never changed)


_CASES = msgspec.msgpack.Decoder(list[tuple[str, CaseState]])


def replay_logs(
    paths: Sequence[Path],
    rules: Rules,
    as_of: dt.date | None = None,
    show_progress: bool | None = None,
    workers: int = 1,
    keep_cases: bool = False,
) -> Replayed:
    """Replay the logs in order: the result, the refused lines, each input's facts, and every
    case's state if `keep_cases`.

    A path equal to `STDIN` reads standard input, with one worker whatever `workers` says.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    by_lines = STDIN in paths
    workers = 1 if by_lines else workers
    total = None if by_lines else sum(path.stat().st_size for path in paths)
    unit = "lines" if by_lines else "B"
    disable = None if show_progress is None else not show_progress
    with tqdm(total=total, unit=unit, unit_scale=True, desc="replay", disable=disable) as bar:
        if workers == 1:
            fold = ReplayFold(rules)
            refusals, inputs = _fold_here(fold, paths, bar.update)
            counts = fold.counts
            as_of = as_of or counts.latest_business_date
            result = combine(counts, [fold.tallies(as_of)] if as_of else [], as_of, rules)
            cases = fold.states() if keep_cases else []
        else:
            result, refusals, inputs, cases = _replay_in_workers(
                paths, rules, as_of, workers, bar.update, keep_cases
            )
    refusals.sort(key=lambda refusal: refusal.token[:2])  # by file, then line
    return Replayed(result, refusals, inputs, cases)


def _replay_in_workers(
    paths: Sequence[Path],
    rules: Rules,
    as_of: dt.date | None,
    workers: int,
    on_progress: Callable[[int], None],
    keep_cases: bool,
) -> Replayed:
    """This process reads the logs and routes each line to the worker that owns its case."""
    context = multiprocessing.get_context("fork")  # the workers inherit the built calendar
    pipes = [context.Pipe() for _ in range(workers)]
    processes = [
        context.Process(target=_worker, args=(rules, len(paths), child, keep_cases))
        for _, child in pipes
    ]
    for process in processes:
        process.start()
    for _, child in pipes:
        child.close()
    parents = [parent for parent, _ in pipes]

    def take(file_index: int, first: int, lines: list[bytes]) -> None:
        shards = shards_of(lines, workers)
        for number, parent in enumerate(parents):
            chosen = list(map(eq, shards, repeat(number)))
            if True in chosen:
                _send(parent, (file_index, *pick(lines, first, chosen)))

    try:
        inputs = _read(paths, take, on_progress)
        for parent in parents:
            _send(parent, None)
        counts, refusals = EventCounts(), []
        for shard_counts, shard_refusals in (_receive(parent) for parent in parents):
            counts.add(shard_counts)
            refusals += shard_refusals
        as_of = as_of or counts.latest_business_date
        for parent in parents:
            parent.send(as_of)
        shard_tallies: list[dict[str, Tally]] = [_receive(parent) for parent in parents]
        cases = [case for parent in parents for case in _CASES.decode(_receive(parent))]
    except BaseException:  # interrupted, or a worker failed: the others' work is not wanted
        for process in processes:
            process.kill()
        raise
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    result = combine(counts, shard_tallies if as_of else [], as_of, rules)
    return Replayed(result, refusals, inputs, cases)


def _send(parent: Connection, message: Any) -> None:
    try:
        parent.send(message)
    except OSError:  # the worker has stopped: fail with its reason when it sent one
        if parent.poll():
            _receive(parent)
        raise


def _receive(parent: Connection) -> Any:
    message = parent.recv()
    if isinstance(message, BaseException):
        raise message
    return message


def _worker(rules: Rules, files: int, pipe: Connection, keep_cases: bool) -> None:
    """One shard's fold in its own process, over the lines routed to it. Case states go back as
    MessagePack, much faster than pickling them."""
    try:
        fold = ReplayFold(rules)
        refusals: list[Refusal] = []
        tokens = [_tokens(file_index) for file_index in range(files)]
        gc.disable()
        while (batch := pipe.recv()) is not None:
            file_index, numbers, lines = batch
            refusals += fold.ingest_lines(unpick(numbers, lines), tokens[file_index])
        refusals += fold.finish()
        gc.enable()
        pipe.send((fold.counts, refusals))
        as_of = pipe.recv()
        pipe.send(fold.tallies(as_of) if as_of else {})
        pipe.send(msgspec.msgpack.encode(fold.states() if keep_cases else []))
    except BaseException as error:  # sent back, so the parent fails with the worker's reason
        pipe.send(error)
    finally:
        pipe.close()
