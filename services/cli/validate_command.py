"""`pathfinder validate`: a publisher's file checked line by line as intake checks each message.

The same checks, by construction: each line goes through a `Validator` built on the registry of
the same settings, the object the intake worker (and the replay's fold) validate every message
with, so the first failing check names the reason in the contract's order (the 1 MiB limit first,
then malformed, envelope, unknown_type, unknown_site, invalid_data). Each line is read as the
replay reads it (`_open_log`: plain, .gz by its name, or standard input; its line end and a
leading byte-order mark are not part of the message). With `--as-case-log` the lines go through
the replay's own fold instead (`ReplayFold`, token = line number, `finish` at the end of the
file), so its refusals and duplicates are those of `pathfinder replay --rejected` of the file.

Results go to stdout: each refused line as `LINE<TAB>REASON<TAB>DETAIL` in line order, then
`REASON<TAB>COUNT` per reason met (in the contract's order), then with `--as-case-log`
`duplicate<TAB>N`; or, with `--json`, one JSON document. stderr holds a one-line summary, a hint
when no line passed, and errors. Without `--as-case-log` and `--json`, a refused line is printed
as soon as it is found and nothing else is kept, so a file of any size streams.
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from services.cli.arguments import say
from services.cli.files import UsageError, check_inputs
from services.cli.hints import HEAD_BYTES, format_hint
from services.config import Settings
from services.core.fold import Refusal, ReplayFold
from services.core.validation import REJECTION_REASONS, Rejection, Validator
from services.evaluator.replay import STDIN, LogFileError, _open_log

if TYPE_CHECKING:
    from services.core.rules import Rules

DUPLICATE = "duplicate"


class _LineChecks:
    """The checks intake makes of each message on its own: the validator, nothing else."""

    duplicates: int | None = None

    def __init__(self, rules: Rules) -> None:
        self._validate = Validator(rules.sites)

    def ingest(self, line: bytes, number: int) -> list[Refusal]:
        checked = self._validate(line)
        return [Refusal(number, checked)] if isinstance(checked, Rejection) else []

    def finish(self) -> list[Refusal]:
        return []


class _CaseChecks:
    """The replay's fold: the line checks, then each case's ledger (duplicates, conflicts,
    holding), and at the end of the file every event still held refused as a replay refuses it."""

    def __init__(self, rules: Rules) -> None:
        self._fold = ReplayFold(rules)

    @property
    def duplicates(self) -> int:
        return self._fold.counts.duplicates

    def ingest(self, line: bytes, number: int) -> list[Refusal]:
        return self._fold.ingest(line, number)

    def finish(self) -> list[Refusal]:
        return self._fold.finish()


class _Checked(NamedTuple):
    """What the file's lines came to: refused lines not printed yet, in line order."""

    lines: int
    refused: list[Refusal]
    counts: Counter[str]
    duplicates: int | None  # None: the case checks were not made
    head: bytes  # the file's first bytes as read, for a hint when no line passes


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    from services.bootstrap import build_rules

    check_inputs([args.path])
    if args.path == STDIN and sys.stdin is None:
        raise UsageError("standard input is closed")
    rules = build_rules(settings)
    checks = _CaseChecks(rules) if args.as_case_log else _LineChecks(rules)
    print_as_found = not (args.json or args.as_case_log)  # else sorted, or one document
    checked = _check_file(args.path, checks, print_as_found)
    counts = checked.counts
    if args.json:
        document = _document(checked.lines, checked.refused, counts, checked.duplicates)
        sys.stdout.buffer.write(document)
    else:
        sys.stdout.writelines(map(_row, checked.refused))
        sys.stdout.writelines(f"{reason}\t{counts[reason]}\n" for reason in _met(counts))
        if checked.duplicates is not None:
            sys.stdout.write(f"{DUPLICATE}\t{checked.duplicates}\n")
    refused = sum(counts.values())
    _summarise(checked.lines, refused, checked.duplicates)
    if checked.lines and refused == checked.lines:
        hint = format_hint(_name(args.path), checked.head)
        if hint:
            say(f"hint: {hint}")
    return 1 if refused else 0


def _check_file(path: Path, checks: _LineChecks | _CaseChecks, print_as_found: bool) -> _Checked:
    """Every line through the checks; each refused line printed at once if `print_as_found`,
    else kept, and sorted by line in the end (held lines are refused at the end of the file)."""
    kept: list[Refusal] = []
    counts: Counter[str] = Counter()
    head = bytearray()
    lines = 0
    if isinstance(checks, _CaseChecks):  # the fold keeps every case: the collector's walks cost
        gc.disable()
    try:
        with ExitStack() as stack:
            for lines, line in enumerate(_lines_of(path, stack), 1):
                if len(head) < HEAD_BYTES:
                    head += line[: HEAD_BYTES - len(head)]
                refused = checks.ingest(line, lines)
                if not refused:
                    continue
                counts.update(refusal.rejection.reason for refusal in refused)
                if print_as_found:
                    sys.stdout.writelines(map(_row, refused))
                else:
                    kept += refused
        at_end = checks.finish()
    finally:
        gc.enable()
    counts.update(refusal.rejection.reason for refusal in at_end)
    kept += at_end
    kept.sort(key=lambda refusal: int(refusal.token))
    return _Checked(lines, kept, counts, checks.duplicates, bytes(head))


def _lines_of(path: Path, stack: ExitStack[bool | None]) -> Iterator[bytes]:
    """The file's lines as the replay reads them, each with its line end; a failure to read is
    a `LogFileError` naming the file (an error of the consumer's is never taken for one)."""
    _, source = _open_log(path, stack)
    try:
        yield from source
    except (OSError, EOFError, zlib.error) as error:
        raise LogFileError(f"{_name(path)}: cannot read ({error})") from error


def _name(path: Path) -> str:
    return "standard input" if path == STDIN else str(path)


# A backslash, and every character that could end a line for some reader of the output.
_UNSAFE = re.compile(r"[\\\x00-\x1f\x7f\x85\u2028\u2029]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    found = match[0]
    return _ESCAPES.get(found) or f"\\u{ord(found):04x}"


def one_field(text: str) -> str:
    """The text as one TAB-separated field of one line: a backslash, TAB, CR and LF as `\\\\`,
    `\\t`, `\\r`, `\\n`, any other control or line-separator character as `\\uXXXX`."""
    return _UNSAFE.sub(_escaped, text)


def _row(refusal: Refusal) -> str:
    rejection = refusal.rejection
    return f"{refusal.token}\t{rejection.reason}\t{one_field(rejection.detail)}\n"


def _met(counts: Counter[str]) -> list[str]:
    return [reason for reason in REJECTION_REASONS if counts[reason]]


def _document(
    lines: int, refused: list[Refusal], counts: Counter[str], duplicates: int | None
) -> bytes:
    """`{"lines", "refused": [{"line", "reason", "detail"}], "counts", "duplicates"}`: counts
    of every reason, 0 included; duplicates null when the case checks were not made."""
    document: dict[str, Any] = {
        "lines": lines,
        "refused": [
            {"line": r.token, "reason": r.rejection.reason, "detail": r.rejection.detail}
            for r in refused
        ],
        "counts": {reason: counts[reason] for reason in REJECTION_REASONS},
        "duplicates": duplicates,
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def _summarise(lines: int, refused: int, duplicates: int | None) -> None:
    summary = f"{lines:,} {'line' if lines == 1 else 'lines'} read, {refused:,} refused"
    if duplicates is not None:
        summary += f", {duplicates:,} {'duplicate' if duplicates == 1 else 'duplicates'}"
    say(summary)
