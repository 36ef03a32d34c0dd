"""The `pathfinder cases` command's arguments and help (run by `services.cli.cases_command`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from services.core.deadlines import DUE_SOON, OVERDUE

if TYPE_CHECKING:
    from services.cli.arguments import Parser

CASES_DESCRIPTION = """\
List each CIR overdue (past its current due date, not filed) or due soon (within 5 working
days), most urgent first: the most working days overdue, or the fewest left, first. The rows of
a site are those pathfinder_cir_overdue or pathfinder_cir_due_soon counts, as of the business
date the reporting workers' figures are as of.

It asks each reporting worker of PATHFINDER_REPORTING_URLS (comma-separated base URLs; default
the local worker, http://127.0.0.1:PATHFINDER_REPORTING_ADMIN_PORT, 9118) and merges their
answers, one row per case. Case references are pseudonymous but identify a case to those who
know it: keep the output out of tickets and chat.
"""
CASES_EXIT_STATUS = """\
exit status: 0 the list printed (empty or not); 2 usage error, or a worker not reached, an
answer that is not one, or a partition no worker served (each one line on stderr; nothing
printed unless --partial-ok, then 2 only when no worker answered); 130 interrupted"""


def add_cases(commands: argparse._SubParsersAction[Parser]) -> None:
    """The `cases` command's arguments."""
    cases = commands.add_parser(
        "cases",
        help="list the CIRs overdue or due soon, case by case, from the reporting workers",
        description=CASES_DESCRIPTION,
        epilog=CASES_EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = cases.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--overdue", dest="status", action="store_const", const=OVERDUE,
        help="CIRs past their current due date and not filed",
    )  # fmt: skip
    which.add_argument(
        "--due-soon", dest="status", action="store_const", const=DUE_SOON,
        help="CIRs due within 5 working days and not filed",
    )  # fmt: skip
    cases.add_argument("--site", metavar="SITE", help="only this site (a registry code)")
    cases.add_argument(
        "--json", action="store_true",
        help='one JSON document instead: {"as_of", "status", "site", "complete", "cases": [{"case",'
        ' "site", "author", "ordered_on", "due_original", "due_current", "status",'
        ' "working_days", "concluded_on"}]}',
    )  # fmt: skip
    cases.add_argument(
        "--partial-ok", action="store_true",
        help="print what the workers that answered list even when the list is not whole"
        " (each gap still said on stderr)",
    )  # fmt: skip
