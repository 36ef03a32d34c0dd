"""The `pathfinder` command line: its commands, their arguments and help, and one-line errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from services.cli.argument_types import (
    date,
    id_prefix,
    non_negative_int,
    positive_float,
    positive_int,
    rate,
)
from services.cli.cases_arguments import add_cases
from services.cli.redrive_command import add_redrive
from services.evaluator.report.periods import MONTH, PERIOD_KINDS
from services.evaluator.report.suppression import DEFAULT_THRESHOLD

EXIT_STATUS = (
    "exit status: 0 work done; 1 a replay read lines and accepted none, or validate refused a"
    " line; 2 usage or I/O error; 130 interrupted"
)


def say(message: str) -> None:
    """One line on stderr, as every message of the command."""
    print(f"pathfinder: {' '.join(message.splitlines())}", file=sys.stderr)


class Parser(argparse.ArgumentParser):
    """An argument parser that reports a usage error in one line, as every other error."""

    def error(self, message: str) -> NoReturn:
        say(f"{message} (see {self.prog} --help)")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    """The `pathfinder` command's arguments, its commands' and their help."""
    parser = Parser(
        prog="pathfinder",
        description="Private Law Pathfinder event processing.",
        epilog=EXIT_STATUS,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_replay(commands)
    _add_validate(commands)
    _add_report(commands)
    _add_simulate(commands)
    _add_workdays(commands)
    _add_streaming(commands)
    add_cases(commands)
    add_redrive(commands)
    return parser


def _add_streaming(commands: argparse._SubParsersAction[Parser]) -> None:
    up = commands.add_parser("up", help="run the live system: broker, workers, simulator, view")
    up.add_argument("--duration", type=positive_float, metavar="SECONDS", help="stop after")
    up.add_argument("--no-simulate", action="store_true", help="publish nothing; use your own")
    up.add_argument("--rate", type=positive_float, default=50.0, help="simulated events/s")
    up.add_argument(
        "--plain", action="store_true",
        help="print the status and figures tables when they change, for logs (the default when"
        " the output is not a terminal); on a terminal the view is otherwise drawn in place",
    )  # fmt: skip
    up.add_argument(
        "--prometheus", action="store_true",
        help="also run Prometheus (on PATH) with the project's rules, scraping the workers, on"
        " 127.0.0.1:PATHFINDER_PROMETHEUS_PORT (default 9090)",
    )  # fmt: skip
    publish = commands.add_parser("publish", help="send a JSON Lines log to the inbound topic")
    publish.add_argument("path", type=Path, metavar="FILE", help=".jsonl or .jsonl.gz")
    publish.add_argument("--rate", type=positive_float, help="events per second (default: all)")
    export = commands.add_parser("export", help="write the canonical log as JSON Lines")
    export.add_argument("--out", default="-", metavar="FILE", help="default: stdout")


def _add_replay(commands: argparse._SubParsersAction[Parser]) -> None:
    replay = commands.add_parser(
        "replay", help="replay JSON Lines logs and print pilot metrics", epilog=EXIT_STATUS
    )
    replay.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help=".jsonl, .jsonl.gz, or - (stdin)"
    )
    replay.add_argument("--as-of", type=date, help="figures as of this date (default: latest)")
    replay.add_argument("--json", metavar="FILE", help="write the result as JSON ('-': stdout)")
    replay.add_argument(
        "--rejected",
        type=Path,
        metavar="FILE",
        help="write where each refused line was, its reason and detail, id, type and subject",
    )
    replay.add_argument(
        "--include-raw",
        action="store_true",
        help="also write each refused line as sent to --rejected (it may hold personal data)",
    )
    replay.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    replay.add_argument(
        "--workers",
        type=positive_int,
        help="processes sharing the cases (default: one per core); reading - (stdin) always"
        " uses one, whatever is asked",
    )


VALIDATE_DESCRIPTION = """\
Check a JSON Lines file of events before publishing it: each line as the intake worker checks
each message, with the same checks in the same order (malformed, the 1 MiB limit included;
envelope; unknown_type; unknown_site; invalid_data). Nothing is sent anywhere.

stdout: each refused line as LINE<TAB>REASON<TAB>DETAIL, in line order (lines counted from 1),
then REASON<TAB>COUNT for each reason met, in that order; with --as-case-log, then
duplicate<TAB>N. A detail names the field and the rule broken, never the value sent; in it a
backslash, TAB, CR or LF is written \\\\, \\t, \\r, \\n, another control character \\uXXXX.
stderr: a one-line summary, a hint when no line passes, errors.
"""
VALIDATE_EXIT_STATUS = """\
exit status: 0 no line refused (duplicates are not refused); 1 a line refused;
2 usage or I/O error; 130 interrupted"""


def _add_validate(commands: argparse._SubParsersAction[Parser]) -> None:
    validate = commands.add_parser(
        "validate",
        help="check a JSON Lines file line by line as intake would, before publishing it",
        description=VALIDATE_DESCRIPTION,
        epilog=VALIDATE_EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("path", type=Path, metavar="FILE", help=".jsonl, .jsonl.gz, or - (stdin)")
    validate.add_argument(
        "--as-case-log",
        action="store_true",
        help="take the file as the whole history of its cases and also make the case checks"
        " (conflict; missing_prerequisite for what still waits at the end), as a replay of it"
        " would; count duplicates (ignored, not refused)",
    )
    validate.add_argument(
        "--json",
        action="store_true",
        help='write one JSON document to stdout instead: {"lines", "refused": [{"line",'
        ' "reason", "detail"}], "counts": {every reason}, "duplicates": n or null}',
    )


def _add_report(commands: argparse._SubParsersAction[Parser]) -> None:
    report = commands.add_parser(
        "report",
        help="replay logs into a report: a page of charts, figures per period, per-case rows",
        epilog=EXIT_STATUS,
    )
    report.add_argument("paths", nargs="+", type=Path, metavar="LOG", help=".jsonl or .jsonl.gz")
    report.add_argument("--out", type=Path, required=True, metavar="DIR", help="written into")
    report.add_argument(
        "--pseudonym-key-file", type=Path, metavar="FILE",
        help="write per-case rows, references replaced by their HMAC-SHA256 under this key"
        " (the file's bytes, one trailing newline stripped; at least 16 bytes)",
    )  # fmt: skip
    report.add_argument("--as-of", type=date, help="figures as of this date (default: latest)")
    report.add_argument("--period", choices=PERIOD_KINDS, default=MONTH, help="default: month")
    report.add_argument(
        "--suppress-below", type=positive_int, default=DEFAULT_THRESHOLD, metavar="N",
        help=f"hide figures counting 1 to N-1 cases or children (default: {DEFAULT_THRESHOLD};"
        " 1 hides none)",
    )  # fmt: skip
    report.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    report.add_argument("--workers", type=positive_int, help="replay processes (default: cores)")


def _add_simulate(commands: argparse._SubParsersAction[Parser]) -> None:
    simulate = commands.add_parser("simulate", help="write a synthetic pilot event log")
    simulate.add_argument("--cases", type=positive_int, required=True)
    simulate.add_argument("--seed", type=non_negative_int, required=True)
    simulate.add_argument("--sites", nargs="+", metavar="SITE", help="default: every site")
    simulate.add_argument("--start", type=date, help="first issue date (default: 2025-01-01)")
    simulate.add_argument("--end", type=date, help="last issue date (default: start + 1 year)")
    simulate.add_argument("--noise", type=rate, default=0.0, help="share of bad lines to add")
    simulate.add_argument(
        "--id-prefix", type=id_prefix, metavar="PREFIX",
        help="start of every case reference, letters and digits (default: PF and the seed)",
    )  # fmt: skip
    simulate.add_argument("--out", type=Path, required=True, help=".jsonl or .jsonl.gz")


def _add_workdays(commands: argparse._SubParsersAction[Parser]) -> None:
    workdays = commands.add_parser("workdays", help="England-and-Wales working-day arithmetic")
    actions = workdays.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="print the date N working days after DATE")
    add.add_argument("date", type=date, metavar="DATE")
    add.add_argument("n", type=non_negative_int, metavar="N")
    between = actions.add_parser("between", help="count working days d with START < d <= END")
    between.add_argument("start", type=date, metavar="START")
    between.add_argument("end", type=date, metavar="END")
