"""`pathfinder cases`: which CIRs are overdue or due soon, case by case, from the live workers.

Asks every reporting worker of PATHFINDER_REPORTING_URLS (default: the local one's admin port)
and merges their answers, most urgent first. A list that would not be whole (a worker not
reached, a partition served by none) is not printed: each problem is one line on stderr and the
exit status is 2, unless --partial-ok, which prints what the others answered. Case references
go to stdout only, never to stderr or a log.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from services.cli.arguments import say
from services.cli.files import UsageError
from services.cli.reporting_client import Merged, ask_all, reporting_urls
from services.config import Settings
from services.core.deadlines import DUE_SOON, OVERDUE, CirDeadline

_STATUS_WORDS = {OVERDUE: "overdue", DUE_SOON: "due within 5 working days"}
_DAYS_HEADER = {OVERDUE: "overdue (wd)", DUE_SOON: "left (wd)"}  # working days
_HEADER = ("case", "site", "author", "ordered", "due (40 wd)", "due now")


def run_cases(args: argparse.Namespace, settings: Settings) -> int:
    """Ask the workers, merge, print."""
    from services.reference.sites_file import load_sites

    registry = load_sites(settings.sites_file)
    if args.site is not None and args.site not in registry:
        raise UsageError(f"--site {args.site}: not in the registry ({', '.join(registry)})")
    merged = ask_all(reporting_urls(settings), args.status, args.site)
    for problem in merged.problems:
        say(problem)
    if merged.problems and not (args.partial_ok and merged.answered):
        if merged.answered:
            say("nothing listed: the list would not be whole (--partial-ok lists it anyway)")
        return 2
    for note in merged.notes:
        say(note)
    if args.json:
        sys.stdout.buffer.write(_document(merged, args.status, args.site))
    else:
        sys.stdout.write(render_cases(merged.cases, args.status, args.site, merged.as_of))
    return 0


def _document(merged: Merged, status: str, site: str | None) -> bytes:
    document: dict[str, Any] = {
        "as_of": merged.as_of,
        "status": status,
        "site": site,
        "complete": not merged.problems,
        "cases": merged.cases,
    }
    return orjson.dumps(document, default=_struct, option=orjson.OPT_INDENT_2) + b"\n"


def _struct(value: object) -> object:
    if isinstance(value, CirDeadline):
        return {name: getattr(value, name) for name in value.__struct_fields__}
    raise TypeError(type(value).__name__)


def render_cases(rows: list[CirDeadline], status: str, site: str | None, as_of: object) -> str:
    """A title line, then one row per CIR under a header, in the order given."""
    where = f" at {site}" if site else ""
    title = f"CIRs {_STATUS_WORDS[status]}{where} as of {as_of or '-'}: {len(rows)}"
    if not rows:
        return title + "\n"
    header = [*_HEADER, _DAYS_HEADER[status]]
    table = [
        [
            row.case, row.site, row.author, row.ordered_on.isoformat(),
            row.due_original.isoformat(), row.due_current.isoformat(), str(row.working_days),
        ]
        for row in rows
    ]  # fmt: skip
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]
    numeric = len(_HEADER)  # the working days, right-aligned

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i == numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([title, line(header), rule, *(line(cells) for cells in table)]) + "\n"
