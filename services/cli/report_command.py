"""`pathfinder report`: files checked first, the replay, then the report's files."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.cli.files import UsageError, check_inputs
from services.config import Settings
from services.evaluator.provenance import provenance
from services.evaluator.replay import STDIN, default_workers, replay_logs
from services.evaluator.report.cases import (
    Pseudonym,
    PseudonymKeyError,
    key_from_file_bytes,
    pseudonymiser,
)


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from services.bootstrap import CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, build_rules
    from services.evaluator.report.build import ReportOptions, write_report

    if STDIN in args.paths:
        raise UsageError("report reads log files, not standard input")
    check_inputs(args.paths)
    pseudonym = None
    if args.pseudonym_key_file is not None:
        pseudonym = _pseudonymiser(args.pseudonym_key_file)
    _prepare_directory(args.out, args.paths)
    rules = build_rules(settings)
    show_progress = False if args.no_progress else None
    workers = args.workers or default_workers()
    replayed = replay_logs(args.paths, rules, args.as_of, show_progress, workers, keep_cases=True)
    result = replayed.result
    if result.as_of is None:
        raise UsageError("no event was accepted from the logs: nothing to report")
    origin = provenance(
        replayed.inputs, result.as_of, args.as_of is not None,
        (CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR), settings.court_closures,
        result.first_business_date,
    )  # fmt: skip
    options = ReportOptions(result.as_of, args.period, args.suppress_below, pseudonym)
    written = write_report(replayed, rules, options, origin, args.out)
    cases = f", {written.cases:,} cases" if written.cases is not None else ", no per-case rows"
    print(
        f"wrote {args.out}: {written.periods} {args.period}s to {result.as_of},"
        f" {written.figures:,} figures ({written.suppressed:,} suppressed){cases}"
    )
    return 0


def _pseudonymiser(path: Path) -> Pseudonym:
    """The key file read and checked before any work starts."""
    try:
        key = key_from_file_bytes(path.read_bytes())
    except OSError as error:
        raise UsageError(f"{path}: cannot read the pseudonym key ({error.strerror})") from error
    try:
        return pseudonymiser(key)
    except PseudonymKeyError as error:
        raise UsageError(f"{path}: {error}") from error


def _prepare_directory(out: Path, inputs: list[Path]) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: not a directory")
    resolved = out.resolve()
    for path in inputs:
        if path.resolve().parent == resolved and path.name.startswith(("periods.", "cases.")):
            raise UsageError(f"{path}: an input would be overwritten by the report")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{out}: cannot create the directory ({error.strerror})") from error
