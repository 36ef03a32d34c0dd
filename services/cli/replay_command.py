"""`pathfinder replay`: files checked first, the replay, its outputs, and its exit status."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from services.cli.arguments import say
from services.cli.files import UsageError, check_inputs, check_outputs
from services.cli.hints import HEAD_BYTES, format_hint, read_head
from services.cli.render import render_event_counts, render_table
from services.config import Settings
from services.evaluator.provenance import provenance
from services.evaluator.rejected import write_refusals
from services.evaluator.replay import STDIN, Replayed, default_workers, replay_logs

if TYPE_CHECKING:
    from services.core.fold import ReplayResult


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    from services.bootstrap import build_rules
    from services.reference.holiday_sources import warn_if_rule_based

    _check_replay_files(args)
    stdin_head = _peek_stdin() if STDIN in args.paths else b""
    rules = build_rules(settings)
    show_progress = False if args.no_progress else None
    workers = args.workers or default_workers()
    replayed = replay_logs(args.paths, rules, args.as_of, show_progress, workers)
    result = replayed.result
    if result.first_business_date and result.as_of:
        warn_if_rule_based(result.first_business_date, result.as_of)
    if args.rejected:  # opened only now: an existing file is kept until the results are in
        with args.rejected.open("wb") as out:
            write_refusals(out, args.paths, replayed.refusals, args.include_raw)
    _report(result, _document(replayed, args.as_of is not None, settings), args.json)
    return _replay_status(result, args.paths, stdin_head)


def _document(replayed: Replayed, as_of_given: bool, settings: Settings) -> dict[str, Any]:
    """The JSON document: the figures and event counts, and what they were computed from."""
    from services.bootstrap import CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR

    result = replayed.result
    origin = provenance(
        replayed.inputs, result.as_of, as_of_given, (CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR),
        settings.court_closures, result.first_business_date,
    )  # fmt: skip
    return result.as_json() | {"provenance": origin}


def _check_replay_files(args: argparse.Namespace) -> None:
    """Inputs readable, outputs writable and distinct from them, before the replay starts."""
    if args.include_raw and args.rejected is None:
        raise UsageError("--include-raw needs --rejected FILE")
    check_inputs(args.paths)
    json_file = None if args.json in (None, "-") else Path(args.json)
    check_outputs([path for path in (json_file, args.rejected) if path], args.paths)
    if args.include_raw:
        say(f"warning: {args.rejected} will hold refused lines as sent, personal data included")


def _peek_stdin() -> bytes:
    """The first bytes of standard input, left to be read, for a hint if nothing is accepted."""
    if sys.stdin is None:
        raise UsageError("standard input is closed")
    stdin = cast(io.BufferedReader, sys.stdin.buffer)
    return stdin.peek(HEAD_BYTES)[:HEAD_BYTES] if hasattr(stdin, "peek") else b""


def _report(result: ReplayResult, contents: dict[str, Any], json_to: str | None) -> None:
    document = orjson.dumps(contents, option=orjson.OPT_INDENT_2) + b"\n"
    report = render_table(result.sites, contents["as_of"]) + render_event_counts(
        result.accepted, result.duplicates, result.rejected
    )
    if json_to == "-":
        sys.stderr.write(report)
        sys.stdout.buffer.write(document)
    else:
        sys.stdout.write(report)
        if json_to:
            Path(json_to).write_bytes(document)


def _replay_status(result: ReplayResult, paths: Sequence[Path], stdin_head: bytes) -> int:
    """0 when a line was accepted or there were none; else 1, with a hint at the likely cause."""
    if result.accepted or not result.lines:
        return 0
    say(f"no line was accepted ({result.lines:,} read)")
    for path in paths:
        head = stdin_head if path == STDIN else read_head(path)
        hint = format_hint("standard input" if path == STDIN else str(path), head)
        if hint:
            say(f"hint: {hint}")
    return 1
