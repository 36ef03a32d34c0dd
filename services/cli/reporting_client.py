"""Asking reporting workers which CIRs are overdue or due soon, and putting their answers together.

Each worker answers for the case-facts partitions it owns; the answers are merged (one row per
case, most urgent first) and checked to cover every partition. Whatever stops the list from
being whole (a worker not reached, an answer that is not one, a partition no worker served, a
worker without a business date yet) is one problem line each, for the caller to print.
"""

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import msgspec

from services.cli.files import UsageError
from services.config import Settings
from services.core.deadlines import CirDeadline, merge_deadlines
from services.reporting.cases_answer import CasesAnswer, decode_answer

TIMEOUT_SECONDS = 10.0
URLS_VARIABLE = "PATHFINDER_REPORTING_URLS"
_ANY_ADDRESS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}
# Straight to the worker, never through an HTTP proxy of the environment: the answer names cases.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Merged:
    """The workers' rows as one list, and what keeps it from being whole."""

    cases: list[CirDeadline] = field(default_factory=list)
    as_of: dt.date | None = None
    answered: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth saying, not a gap in the list


def reporting_urls(settings: Settings) -> list[str]:
    """The base URLs of the reporting workers to ask: PATHFINDER_REPORTING_URLS, else the local
    worker's admin address."""
    if settings.reporting_urls is None:
        host = _ANY_ADDRESS.get(settings.admin_host, settings.admin_host)
        host = f"[{host}]" if ":" in host else host
        return [f"http://{host}:{settings.reporting_admin_port}"]
    urls = [url.strip().rstrip("/") for url in settings.reporting_urls.split(",") if url.strip()]
    if not urls:
        raise UsageError(f"{URLS_VARIABLE} is set but names no worker")
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"{URLS_VARIABLE}: {shown(url)} is not an http:// or https:// URL")
    return urls


def shown(url: str) -> str:
    """A URL as printed: without a user name or password it may carry."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def ask(url: str, status: str, site: str | None) -> CasesAnswer | str:
    """One worker's answer, or the problem with it in one line."""
    query = {"status": status} | ({"site": site} if site else {})
    address = f"{url}/cases?{urllib.parse.urlencode(query)}"
    try:
        with _OPENER.open(address, timeout=TIMEOUT_SECONDS) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        return f"the reporting worker at {shown(url)} refused the request: {_refusal(error)}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        reason = getattr(reason, "strerror", None) or str(reason)
        return (
            f"cannot reach the reporting worker at {shown(url)} ({reason}); is it running, and"
            f" is that its admin address ({URLS_VARIABLE})?"
        )
    try:
        return decode_answer(body)
    except (msgspec.DecodeError, ValueError):
        return f"{shown(url)} did not answer as a pathfinder reporting worker's /cases does"


def _refusal(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read())["error"]
    except (ValueError, KeyError, TypeError, OSError):
        detail = None
    return f"HTTP {error.code}" + (f" ({detail})" if isinstance(detail, str) else "")


def ask_all(urls: list[str], status: str, site: str | None) -> Merged:
    """Every worker asked at once; their rows merged and checked to cover every partition."""
    with ThreadPoolExecutor(max_workers=min(8, len(urls))) as pool:
        results = list(pool.map(lambda url: ask(url, status, site), urls))
    merged = Merged()
    answers = []
    for url, result in zip(urls, results, strict=True):
        if isinstance(result, str):
            merged.problems.append(result)
        elif result.as_of is None:
            merged.problems.append(
                f"the reporting worker at {shown(url)} has no business date yet (it has heard no"
                " clock from gatekeeping): it lists nothing"
            )
        else:
            answers.append(result)
    merged.answered = len(answers)
    merged.problems += _coverage_problems(answers)
    merged.cases = merge_deadlines(*(answer.cases for answer in answers))
    dates = sorted({answer.as_of for answer in answers if answer.as_of is not None})
    merged.as_of = dates[-1] if dates else None
    if len(dates) > 1:
        merged.notes.append(
            f"the workers' business dates differ ({dates[0]} to {dates[-1]}): each lists its"
            " cases as of its own"
        )
    return merged


def _coverage_problems(answers: list[CasesAnswer]) -> list[str]:
    if not answers:
        return []
    counts = {answer.of_partitions for answer in answers}
    if len(counts) > 1:
        return [f"the workers disagree on the number of partitions ({sorted(counts)})"]
    (count,) = counts
    served = {partition for answer in answers for partition in answer.partitions}
    missing = sorted(set(range(count)) - served)
    if not missing:
        return []
    listed = ", ".join(map(str, missing))
    return [
        f"case-facts partition(s) {listed} of {count} are served by none of the workers asked"
        f" (a rebalance under way, or a worker missing from {URLS_VARIABLE}): their cases are"
        " not listed"
    ]
