"""`pathfinder redrive`: dead-lettered inbound messages sent to court-events again, once the cause
of their refusal is fixed (see `services.stack.redrive`).

Prints one line on stdout: how many dead letters were read, how many messages were sent (or,
with `--dry-run`, would be), and why the others were left. Exit status 0 when the work was done
(whether or not anything was sent), 2 for a usage, configuration or Kafka error.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from services.cli.argument_types import date
from services.config import Settings
from services.streaming.failures import DEAD_LETTER_REASONS

REDRIVE_DESCRIPTION = """\
Send the dead letters of one reason back to the court-events topic, byte for byte and keyed as
they were, once the cause of their refusal is fixed: e.g. a prerequisite that arrived after the
hold limit (missing_prerequisite), a site added to the registry (unknown_site), a fault of
intake's code (processing_error). Reads the dead-letter topic from its beginning to its end
now. Leaves out truncated dead letters (their bytes are not all there) and those not read from an
inbound topic (a gatekeeping or reporting processing_error); sends each message once, however
many dead letters it has. Safe to repeat: intake ignores an event its case already holds, and a
message refused again is dead-lettered again.
"""


def add_redrive(commands: argparse._SubParsersAction[Any]) -> None:
    """The `redrive` command's arguments."""
    redrive = commands.add_parser(
        "redrive",
        help="send dead-lettered messages of one reason to the inbound topic again",
        description=REDRIVE_DESCRIPTION,
        epilog="exit status: 0 work done; 2 usage, configuration or Kafka error; 130 interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    redrive.add_argument(
        "--reason", required=True, choices=DEAD_LETTER_REASONS, metavar="REASON",
        help=f"the dead letters' reason: one of {', '.join(DEAD_LETTER_REASONS)}",
    )  # fmt: skip
    redrive.add_argument(
        "--since", type=date, metavar="YYYY-MM-DD",
        help="only dead letters written on or after this date (Europe/London)",
    )  # fmt: skip
    redrive.add_argument(
        "--dry-run", action="store_true", help="count what would be sent, send nothing"
    )


def run_redrive(args: argparse.Namespace, settings: Settings) -> int:
    from services.stack.redrive import redrive, summary
    from services.topics import Topics

    topics = Topics(settings.topic_prefix)
    selection, sent = asyncio.run(
        redrive(settings.bootstrap, topics, args.reason, args.since, args.dry_run)
    )
    print(summary(selection, sent, args.dry_run, topics))
    return 0
