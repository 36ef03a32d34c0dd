"""The evaluator's replay: reads JSON Lines logs (plain or .gz) and folds them through the core.

With several workers, each process reads the whole log and folds only its shard of the cases
(the fold is pure, so the shards' counts and tallies add up to one fold's). Standard input (`-`)
can be read once only, so a replay that reads it has one worker, and counts its progress in
lines, as standard input has no size. Cyclic garbage collection is paused while folding: the
fold builds no reference cycles, and the collector's repeated walks over millions of live case
objects cost more than a tenth of the time.
"""

import datetime as dt
import gc
import gzip
import multiprocessing
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, BinaryIO, NamedTuple, cast

import msgspec
from tqdm import tqdm

from services.core.case import CaseState
from services.core.fold import EventCounts, Refusal, ReplayFold, ReplayResult, combine
from services.core.metrics import Tally
from services.core.routing import shard_of
from services.core.rules import Rules
from services.evaluator.inputs import HashingReader, InputFacts, hashed
from services.evaluator.rejected import write_refusals

STDIN = Path("-")
_PROGRESS_EVERY = 20_000  # lines between progress updates: updating per line would cost more


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


class Shard(NamedTuple):
    """A worker's share of the cases: lines whose case reference routes to `number` of `total`."""

    number: int = 0
    total: int = 1


def _fold(
    fold: ReplayFold, paths: Sequence[Path], shard: Shard, on_progress: Callable[[int], None]
) -> tuple[list[Refusal], list[InputFacts]]:
    """Every line of the shard through the fold; the refusals, in order of discovery, and what
    was read."""
    refusals: list[Refusal] = []
    inputs: list[InputFacts] = []
    by_lines = STDIN in paths
    gc.disable()
    try:
        for file_index, path in enumerate(paths):
            refused, read = _fold_file(fold, path, file_index, shard, on_progress, by_lines)
            refusals += refused
            inputs.append(read)
        refusals += fold.finish()
    finally:
        gc.enable()
    return refusals, inputs


def _fold_file(
    fold: ReplayFold,
    path: Path,
    file_index: int,
    shard: Shard,
    on_progress: Callable[[int], None],
    by_lines: bool,
) -> tuple[list[Refusal], InputFacts]:
    refusals: list[Refusal] = []
    number, total = shard
    with ExitStack() as stack:
        raw, source = _open_log(path, stack)
        reported = line_number = 0
        try:
            for line_number, line in enumerate(source, 1):
                if line_number % _PROGRESS_EVERY == 0:
                    now = line_number if by_lines else raw.tell()
                    on_progress(now - reported)
                    reported = now
                if total > 1 and shard_of(line, total) != number:
                    continue
                refused = fold.ingest(line, (file_index, line_number, line))
                if refused:
                    refusals += refused
            on_progress((line_number if by_lines else raw.tell()) - reported)
        except (OSError, EOFError, zlib.error) as error:
            raise LogFileError(f"{_name(path)}: cannot read ({error})") from error
        facts = raw.facts(str(path), line_number)
    return refusals, facts


def _name(path: Path) -> str:
    return "standard input" if path == STDIN else str(path)


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
            refusals, inputs = _fold(fold, paths, Shard(), bar.update)
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
    context = multiprocessing.get_context("fork")  # the workers inherit the built calendar
    pipes = [context.Pipe() for _ in range(workers)]
    processes = [
        context.Process(
            target=_worker, args=(paths, rules, Shard(number, workers), child, keep_cases)
        )
        for number, (_, child) in enumerate(pipes)
    ]
    for process in processes:
        process.start()
    try:
        reports = [_await_counts(parent, on_progress) for parent, _ in pipes]
        counts, refusals = EventCounts(), []
        for shard_counts, shard_refusals, _ in reports:
            counts.add(shard_counts)
            refusals += shard_refusals
        inputs = reports[0][2]  # every shard reads every input whole
        as_of = as_of or counts.latest_business_date
        for parent, _ in pipes:
            parent.send(as_of)
        shard_tallies: list[dict[str, Tally]] = [_receive(parent) for parent, _ in pipes]
        cases = [case for parent, _ in pipes for case in _CASES.decode(_receive(parent))]
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


def _await_counts(parent: Connection, on_progress: Callable[[int], None]) -> Any:
    while True:
        kind, payload = _receive(parent)
        if kind == "progress":
            on_progress(payload)
        else:
            return payload


def _receive(parent: Connection) -> Any:
    message = parent.recv()
    if isinstance(message, BaseException):
        raise message
    return message


def _worker(
    paths: Sequence[Path], rules: Rules, shard: Shard, pipe: Connection, keep_cases: bool
) -> None:
    """One shard's fold in its own process; the first shard reports progress. Case states go
    back as MessagePack, much faster than pickling them."""
    try:

        def report(done: int) -> None:
            if shard.number == 0:
                pipe.send(("progress", done))

        fold = ReplayFold(rules)
        refusals, inputs = _fold(fold, paths, shard, report)
        pipe.send(("counts", (fold.counts, refusals, inputs)))
        as_of = pipe.recv()
        pipe.send(fold.tallies(as_of) if as_of else {})
        pipe.send(msgspec.msgpack.encode(fold.states() if keep_cases else []))
    except BaseException as error:  # sent back, so the parent fails with the worker's reason
        pipe.send(error)
    finally:
        pipe.close()
