"""One row per case as it stood on the as-of date, with its references pseudonymised.

Case references and child ids are replaced by the hex HMAC-SHA256 of their UTF-8 bytes under the
evaluator's key, so rows from two reports under one key join, and without the key nobody can
test a guessed reference against them.
"""

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from services.core.case import CaseState
from services.core.metrics import current_due_date
from services.core.rules import CIR_WORKING_DAYS, duration_weeks
from services.core.sites import SiteRegistry

MIN_KEY_BYTES = 16
BEFORE_GO_LIVE, AFTER_GO_LIVE = "before", "after"

Pseudonym = Callable[[str], str]


class PseudonymKeyError(ValueError):
    """A pseudonym key that cannot be used."""


def pseudonymiser(key: bytes) -> Pseudonym:
    """The HMAC-SHA256 of a reference under `key`, in hex."""
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"the pseudonym key has {len(key)} bytes; at least {MIN_KEY_BYTES} are needed"
        )
    return lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def key_from_file_bytes(content: bytes) -> bytes:
    """The key is the file's bytes with one trailing newline (LF or CRLF) stripped."""
    for ending in (b"\r\n", b"\n"):
        if content.endswith(ending):
            return content[: -len(ending)]
    return content


# Column name, Arrow type name, definition: the data dictionary and the Parquet schema.
CASE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("case", "string", "The case reference, pseudonymised (hex HMAC-SHA256 under the key)."),
    ("site", "string", "The site's code."),
    ("nation", "string", "england or wales."),
    ("issue_date", "date", "The date the application was issued."),
    ("go_live", "string", "before or after: whether issued before the site's go-live date."),
    ("children", "int", "Children named on the application."),
    ("child_ids", "list", "The children's ids, pseudonymised like the case (CSV: `;`-joined)."),
    ("harm_alleged", "bool", "Harm alleged on the application (form C1A)."),
    ("checks_date", "date", "Safeguarding checks completed."),
    ("la_involved", "bool", "The checks found the local authority involved in the last 12 weeks."),
    ("abuse_indicated", "bool", "The checks indicated domestic abuse."),
    ("gatekeeping_date", "date", "The gatekeeping decision, which orders the CIR."),
    ("cir_author_at_order", "string", "Who was ordered to write the CIR."),
    ("cir_author_at_filing", "string", "Who filed it (after any transfers)."),
    ("transfers", "int", "Transfers of the CIR between authors."),
    ("due_date_original", "date", f"{CIR_WORKING_DAYS} working days after the order."),
    ("due_date_current", "date", "The due date after the extensions made by the as-of date."),
    ("extensions", "int", "Extensions of the due date made."),
    ("filed_date", "date", "The CIR filed."),
    ("working_days_to_file", "int", "Working days from the order to filing."),
    ("filed_within_40_working_days", "bool", "Filed by the original due date."),
    ("filed_by_due_date", "bool", "Filed by the current due date."),
    ("child_voice_included", "bool", "The CIR includes the child's voice."),
    ("children_seen", "int", "Children seen by the report writer."),
    ("idva_referred", "bool", "An IDVA referral was made at gatekeeping."),
    ("idva_response", "string", "accepted or declined, if answered."),
    ("idva_response_date", "date", "The IDVA service's answer."),
    ("hearings", "int", "Hearings held."),
    ("final_order_date", "date", "The final order, if the case ended with one."),
    ("outcome", "string", "final_order or withdrawn, once concluded."),
    ("conclusion_date", "date", "The final order or withdrawal."),
    ("duration_weeks", "float", "Issue to conclusion, calendar days / 7."),
    ("reviews", "int", "Reviews completed after the final order."),
)


def case_rows(
    cases: Iterable[tuple[str, CaseState]], sites: SiteRegistry, as_of: dt.date, name: Pseudonym
) -> Iterator[dict[str, Any]]:
    """A row per case issued by the as-of date, holding only what was known on it."""
    for reference, case in cases:
        if case.issued_on is not None and case.site is not None and case.issued_on <= as_of:
            yield _row(reference, case, sites, as_of, name)


def _known(day: dt.date | None, as_of: dt.date) -> dt.date | None:
    return day if day is not None and day <= as_of else None


def _row(
    reference: str, case: CaseState, sites: SiteRegistry, as_of: dt.date, name: Pseudonym
) -> dict[str, Any]:
    assert case.issued_on is not None and case.site is not None
    site = sites[case.site]
    checks = _known(case.checks_on, as_of)
    row: dict[str, Any] = {
        "case": name(reference),
        "site": site.code,
        "nation": site.nation,
        "issue_date": case.issued_on,
        "go_live": BEFORE_GO_LIVE if case.issued_on < site.go_live else AFTER_GO_LIVE,
        "children": len(case.children),
        "child_ids": [name(child) for child in case.children],
        "harm_alleged": case.harm_alleged,
        "checks_date": checks,
        "la_involved": case.la_involved if checks else None,
        "abuse_indicated": case.abuse_indicated if checks else None,
    }
    row |= _cir(case, as_of) | _conclusion(case, as_of)
    return row


def _cir(case: CaseState, as_of: dt.date) -> dict[str, Any]:
    ordered = _known(case.ordered_on, as_of)
    if ordered is None:
        return dict.fromkeys(_CIR_COLUMNS)
    filed = _known(case.filed_on, as_of)
    due = current_due_date(case, as_of)
    transfers = [(on, author) for on, author in case.transfers_on if on <= as_of]
    author = transfers[-1][1] if transfers else case.author_at_order
    response_on = _known(case.idva_response_on, as_of)
    assert case.due_original is not None and due is not None
    return {
        "gatekeeping_date": ordered,
        "cir_author_at_order": case.author_at_order,
        "cir_author_at_filing": author if filed else None,
        "transfers": len(transfers),
        "due_date_original": case.due_original,
        "due_date_current": due,
        "extensions": sum(1 for made_on, _ in case.extensions if made_on <= as_of),
        "filed_date": filed,
        "working_days_to_file": case.working_days_to_file if filed else None,
        "filed_within_40_working_days": filed <= case.due_original if filed else None,
        "filed_by_due_date": filed <= due if filed else None,
        "child_voice_included": case.voice_included if filed else None,
        "children_seen": sum(1 for seen_on in case.seen.values() if seen_on <= as_of),
        "idva_referred": case.idva_referred,
        "idva_response": case.idva_response if response_on else None,
        "idva_response_date": response_on,
    }


_CIR_COLUMNS = (
    "gatekeeping_date", "cir_author_at_order", "cir_author_at_filing", "transfers",
    "due_date_original", "due_date_current", "extensions", "filed_date", "working_days_to_file",
    "filed_within_40_working_days", "filed_by_due_date", "child_voice_included", "children_seen",
    "idva_referred", "idva_response", "idva_response_date",
)  # fmt: skip


def _conclusion(case: CaseState, as_of: dt.date) -> dict[str, Any]:
    assert case.issued_on is not None
    concluded = _known(case.concluded_on, as_of)
    return {
        "hearings": sum(1 for held_on, _ in case.hearings if held_on <= as_of),
        "final_order_date": concluded if case.outcome == "final_order" else None,
        "outcome": case.outcome if concluded else None,
        "conclusion_date": concluded,
        "duration_weeks": duration_weeks(case.issued_on, concluded) if concluded else None,
        "reviews": sum(1 for reviewed_on in case.reviews if reviewed_on <= as_of),
    }
