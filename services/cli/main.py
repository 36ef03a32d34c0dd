"""The `pathfinder` command: replay, simulate and working-day arithmetic."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import orjson
from pydantic import ValidationError

from services.config import Settings


def _date(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _rate(text: str) -> float:
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 0 and below 1")
    return value


def _positive_float(text: str) -> float:
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be above 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pathfinder", description="Private Law Pathfinder event processing."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_replay(commands)
    _add_simulate(commands)
    _add_workdays(commands)
    _add_streaming(commands)
    return parser


def _add_streaming(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    up = commands.add_parser("up", help="run the live system: broker, workers, simulator, view")
    up.add_argument("--duration", type=_positive_float, metavar="SECONDS", help="stop after")
    up.add_argument("--no-simulate", action="store_true", help="publish nothing; use your own")
    up.add_argument("--rate", type=_positive_float, default=50.0, help="simulated events/s")
    publish = commands.add_parser("publish", help="send a JSON Lines log to the inbound topic")
    publish.add_argument("path", type=Path, metavar="FILE", help=".jsonl or .jsonl.gz")
    publish.add_argument("--rate", type=_positive_float, help="events per second (default: all)")
    export = commands.add_parser("export", help="write the canonical log as JSON Lines")
    export.add_argument("--out", default="-", metavar="FILE", help="default: stdout")


def _add_replay(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = commands.add_parser("replay", help="replay JSON Lines logs and print pilot metrics")
    replay.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".jsonl or .jsonl.gz")
    replay.add_argument("--as-of", type=_date, help="figures as of this date (default: latest)")
    replay.add_argument("--json", metavar="FILE", help="write the result as JSON ('-': stdout)")
    replay.add_argument("--rejected", type=Path, metavar="FILE", help="write refused lines here")
    replay.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    replay.add_argument(
        "--workers", type=_positive_int, help="processes sharing the cases (default: one per core)"
    )


def _add_simulate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    simulate = commands.add_parser("simulate", help="write a synthetic pilot event log")
    simulate.add_argument("--cases", type=_positive_int, required=True)
    simulate.add_argument("--seed", type=_non_negative_int, required=True)
    simulate.add_argument("--sites", nargs="+", metavar="SITE", help="default: every site")
    simulate.add_argument("--start", type=_date, help="first issue date (default: 2025-01-01)")
    simulate.add_argument("--end", type=_date, help="last issue date (default: start + 1 year)")
    simulate.add_argument("--noise", type=_rate, default=0.0, help="share of bad lines to add")
    simulate.add_argument("--out", type=Path, required=True, help=".jsonl or .jsonl.gz")


def _add_workdays(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    workdays = commands.add_parser("workdays", help="England-and-Wales working-day arithmetic")
    actions = workdays.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="print the date N working days after DATE")
    add.add_argument("date", type=_date, metavar="DATE")
    add.add_argument("n", type=_non_negative_int, metavar="N")
    between = actions.add_parser("between", help="count working days d with START < d <= END")
    between.add_argument("start", type=_date, metavar="START")
    between.add_argument("end", type=_date, metavar="END")


def _run_replay(args: argparse.Namespace, settings: Settings) -> int:
    from services.bootstrap import build_rules
    from services.cli.render import render_event_counts, render_table
    from services.evaluator.replay import default_workers, replay
    from services.reference.holiday_sources import warn_if_rule_based

    missing = [str(path) for path in args.paths if not path.is_file()]
    if missing:
        raise _UsageError(f"no such log file: {', '.join(missing)}")
    rules = build_rules(settings)
    show_progress = False if args.no_progress else None
    workers = args.workers or default_workers()
    with ExitStack() as stack:
        rejected = stack.enter_context(args.rejected.open("wb")) if args.rejected else None
        result = replay(args.paths, rules, args.as_of, rejected, show_progress, workers)
    if result.first_business_date and result.as_of:
        warn_if_rule_based(result.first_business_date, result.as_of)
    document = result.as_json()
    as_of = document["as_of"]
    report = render_table(result.sites, as_of) + render_event_counts(
        result.accepted, result.duplicates, result.rejected
    )
    if args.json == "-":
        sys.stderr.write(report)
        sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        sys.stdout.write(report)
        if args.json:
            Path(args.json).write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


def _run_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from services.reference.sites_file import load_sites
    from services.simulator import SimulationConfig, write_log

    registry = load_sites(settings.sites_file)
    start = args.start or dt.date(2025, 1, 1)
    end = args.end or start.replace(year=start.year + 1) - dt.timedelta(days=1)
    config = SimulationConfig(
        cases=args.cases,
        seed=args.seed,
        sites=tuple(args.sites or registry),
        start=start,
        end=end,
        noise=args.noise,
    )
    summary = write_log(args.out, config, registry)
    print(
        f"wrote {args.out}: {summary.cases:,} cases, {summary.events:,} events,"
        f" {summary.duplicates:,} duplicates, {summary.noise_lines:,} bad lines"
        f" ({summary.lines:,} lines)"
    )
    return 0


def _run_workdays(args: argparse.Namespace, settings: Settings) -> int:
    from services.bootstrap import build_rules
    from services.reference.holiday_sources import warn_if_rule_based

    calendar = build_rules(settings).calendar
    if args.action == "add":
        answer = calendar.add_working_days(args.date, args.n)
        warn_if_rule_based(args.date, answer)
        print(answer.isoformat())
    else:
        warn_if_rule_based(min(args.start, args.end), max(args.start, args.end))
        print(calendar.working_days_between(args.start, args.end))
    return 0


class _UsageError(Exception):
    """A problem with the command's input, reported in one line."""


def _run_up(args: argparse.Namespace, settings: Settings) -> int:
    from services.stack.supervisor import up

    if not args.no_simulate:  # simulated time: the business clock follows the events
        settings = settings.model_copy(update={"clock": "event"})
    return up(settings, args.duration, None if args.no_simulate else args.rate)


def _run_publish(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from services.stack.kafka_io import publish_lines, read_lines
    from services.topics import Topics

    if not args.path.is_file():
        raise _UsageError(f"no such log file: {args.path}")
    topic = Topics(settings.topic_prefix).court_events
    sent = asyncio.run(publish_lines(settings.bootstrap, topic, read_lines(args.path), args.rate))
    print(f"published {sent:,} lines to {topic} at {settings.bootstrap}")
    return 0


def _run_export(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from services.stack.kafka_io import export_log
    from services.topics import Topics

    topic = Topics(settings.topic_prefix).case_events
    with ExitStack() as stack:
        out = sys.stdout.buffer if args.out == "-" else stack.enter_context(open(args.out, "wb"))
        written = asyncio.run(export_log(settings.bootstrap, topic, out))
    print(f"exported {written:,} events from {topic}", file=sys.stderr)
    return 0


_COMMANDS = {
    "replay": _run_replay,
    "simulate": _run_simulate,
    "workdays": _run_workdays,
    "up": _run_up,
    "publish": _run_publish,
    "export": _run_export,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pathfinder` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="pathfinder: %(levelname)s: %(message)s")
    try:
        settings = Settings()
        return _COMMANDS[args.command](args, settings)
    except ValidationError as error:
        print(f"pathfinder: invalid configuration: {error}", file=sys.stderr)
    except (_UsageError, ValueError, OSError, RuntimeError) as error:
        print(f"pathfinder: {error}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
