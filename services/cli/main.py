"""The `pathfinder` command: replay, report, validate, simulate, working-day arithmetic, the
local stack, and the live workers' overdue and due-soon cases.

Every command checks its files before it starts work, and ends with one exit status: 0 when the
work was done, 1 when a replay read lines and accepted none or validate refused a line, 2 for a
usage or I/O error (one line on stderr starting `pathfinder: `), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import ValidationError

from services.cli.arguments import build_parser, say
from services.cli.cases_command import run_cases
from services.cli.files import UsageError, check_inputs, check_outputs
from services.cli.redrive_command import run_redrive
from services.cli.replay_command import run_replay
from services.cli.report_command import run_report
from services.cli.validate_command import run_validate
from services.config import Settings
from services.evaluator.replay import STDIN


def _run_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from services.reference.sites_file import load_sites
    from services.simulator import SimulationConfig, write_log

    check_outputs([args.out])
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
        id_prefix=args.id_prefix,
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


def _run_up(args: argparse.Namespace, settings: Settings) -> int:
    from services.stack.supervisor import up

    if not args.no_simulate:  # simulated time: the business clock follows the events
        settings = settings.model_copy(update={"clock": "event"})
    rate = None if args.no_simulate else args.rate
    return up(settings, args.duration, rate, prometheus=args.prometheus, plain=args.plain)


def _run_publish(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from services.stack.kafka_io import publish_lines, read_lines
    from services.topics import Topics

    if args.path == STDIN:
        raise UsageError("publish reads a log file, not standard input")
    check_inputs([args.path])
    topic = Topics(settings.topic_prefix).court_events
    sent = asyncio.run(publish_lines(settings.bootstrap, topic, read_lines(args.path), args.rate))
    print(f"published {sent:,} lines to {topic} at {settings.bootstrap}")
    return 0


def _run_export(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from services.stack.kafka_io import export_log
    from services.topics import Topics

    if args.out != "-":
        check_outputs([Path(args.out)])
    topic = Topics(settings.topic_prefix).case_events
    with ExitStack() as stack:
        out = sys.stdout.buffer if args.out == "-" else stack.enter_context(open(args.out, "wb"))
        written = asyncio.run(export_log(settings.bootstrap, topic, out))
    print(f"exported {written:,} events from {topic}", file=sys.stderr)
    return 0


_COMMANDS = {
    "replay": run_replay,
    "report": run_report,
    "validate": run_validate,
    "simulate": _run_simulate,
    "workdays": _run_workdays,
    "up": _run_up,
    "publish": _run_publish,
    "export": _run_export,
    "cases": run_cases,
    "redrive": run_redrive,
}


class _Interrupted:
    """Whether a stop signal came. Python drops an exception raised while a finalizer runs
    (printing "Exception ignored in ..."), so a signal landing there does not stop the command;
    it still ends as interrupted."""

    came = False

    @classmethod
    def now(cls, signum: int, frame: FrameType | None) -> None:
        cls.came = True
        raise KeyboardInterrupt

    @classmethod
    def unraisable(cls, unraisable: Any) -> None:
        """The interrupt a finalizer dropped goes unprinted; anything else as Python prints it."""
        if not (cls.came and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            sys.__unraisablehook__(unraisable)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pathfinder` console script. SIGTERM (a process manager's stop, or
    `timeout`) stops a command as Ctrl-C does; `up` handles its stop signals itself."""
    signal.signal(signal.SIGTERM, _Interrupted.now)
    sys.unraisablehook = _Interrupted.unraisable
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="pathfinder: %(levelname)s: %(message)s")
    try:
        status = _COMMANDS[args.command](args, Settings())
        if _Interrupted.came:
            raise KeyboardInterrupt
        return status
    except ValidationError as error:
        say(f"invalid configuration: {_configuration_problem(error)}")
    except BrokenPipeError:  # a reader closed early (e.g. `| head`): no more output goes there
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        say("output closed early (broken pipe)")
    except OSError as error:
        say(_os_error_text(error))
    except (UsageError, ValueError, RuntimeError) as error:
        say(str(error))
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as error:  # a fault of ours: the traceback for a report, then one line
        traceback.print_exc()
        say(f"internal error: {type(error).__name__}: {error}")
    return 2


def _configuration_problem(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
        for problem in error.errors()
    )


def _os_error_text(error: OSError) -> str:
    if error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)


if __name__ == "__main__":
    sys.exit(main())
