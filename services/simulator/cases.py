"""One synthetic case: a valid Pathfinder history drawn from a seeded `random.Random`.

Pure: no clock, no global random, no I/O. Business dates fall on Monday to Friday; bank holidays
are ignored, which only makes the CIR deadline look slightly easier than the processor counts it.
"""

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from typing import Any, NamedTuple

from schemas.catalogue import BUSINESS_DATE_FIELD
from services.core.sites import Site
from services.simulator.parameters import Parameters

COURT, IDVA, LOCAL_AUTHORITY = "court", "idva", "local_authority"
ORIGINAL_DUE_DAYS = 56  # 40 working days as calendar days: close enough to place extensions
DAY = dt.timedelta(days=1)
MS_PER_HOUR, MS_PER_DAY = 3_600_000, 86_400_000
_SOURCES = {
    COURT: "hmcts/prl-cos-api",
    "cafcass": "cafcass/childfirst",
    "cafcass_cymru": "cafcass-cymru/case-system",
}
_STAMPS_MILLISECONDS = {"cafcass"}  # ChildFirst stamps UTC to the millisecond; others local time
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()


@dataclass(frozen=True, slots=True)
class CasePlan:
    """A case to generate: its number (unique in the log), site and issue date."""

    number: int
    site: Site
    issued_on: dt.date

    @property
    def subject(self) -> str:
        return case_reference(self.site.code, self.number)


class Fact(NamedTuple):
    """An event before publication: business date, type, publishing system and data."""

    on: dt.date
    type: str
    publisher: str
    data: dict[str, Any]


def case_reference(site_code: str, number: int) -> str:
    """A pseudonymous reference such as PF-DOR-000123 (initials for multi-word site codes)."""
    words = site_code.split("-")
    prefix = "".join(word[0] for word in words) if len(words) > 1 else site_code[:3]
    return f"PF-{prefix.upper()}-{number:06d}"


class GeneratedEvent(NamedTuple):
    arrival_ms: int  # when the publisher recorded it (the envelope's `time`), ms since the epoch
    envelope: dict[str, Any]


def generate_case(
    plan: CasePlan, rng: random.Random, parameters: Parameters, until: dt.date
) -> list[GeneratedEvent]:
    """The case's published events up to `until`: later ones have not happened when the log ends.

    Each publishing system records its own events about a case in business order; only events
    from different systems can arrive out of that order.
    """
    subject, site_code = plan.subject, plan.site.code
    last_recorded_ms: dict[str, int] = {}
    events = []
    for fact in sorted(case_history(plan, rng, parameters), key=attrgetter("on")):
        if fact.on > until:
            break
        not_before_ms = last_recorded_ms.get(fact.publisher, 0)
        event = _publish(fact, subject, site_code, rng, parameters, not_before_ms)
        last_recorded_ms[fact.publisher] = event.arrival_ms
        events.append(event)
    return events


def case_history(plan: CasePlan, rng: random.Random, parameters: Parameters) -> list[Fact]:
    """The case's whole history; every rule of a valid case holds. Facts of the same day come
    in the order they happened."""
    return _History(plan, rng, parameters).facts


def utc_midnight_ms(day: dt.date) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * MS_PER_DAY


def _publish(
    fact: Fact,
    subject: str,
    site_code: str,
    rng: random.Random,
    p: Parameters,
    not_before_ms: int,
) -> GeneratedEvent:
    first_hour, last_hour = p.working_hours.value
    local_midnight = utc_midnight_ms(fact.on) - _uk_offset_hours(fact.on) * MS_PER_HOUR
    recorded_ms = local_midnight + rng.randrange(first_hour * MS_PER_HOUR, last_hour * MS_PER_HOUR)
    recorded_ms += p.publisher_lag_hours.value[fact.publisher].draw_ms(rng)  # type: ignore[index]
    recorded_ms = max(recorded_ms, not_before_ms)
    if fact.publisher not in _STAMPS_MILLISECONDS:
        recorded_ms -= recorded_ms % 1000  # so the arrival order is the order of the stamps
    envelope = {
        "specversion": "1.0",
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "source": source_of(fact.publisher, site_code),
        "type": fact.type,
        "subject": subject,
        "time": _timestamp(recorded_ms, fact.publisher),
        "site": site_code,
        "datacontenttype": "application/json",
        "data": fact.data,
    }
    return GeneratedEvent(recorded_ms, envelope)


def source_of(publisher: str, site_code: str) -> str:
    """The CloudEvents `source` of a publishing system; local services are named per site."""
    if publisher in (LOCAL_AUTHORITY, IDVA):
        return f"{'la' if publisher == LOCAL_AUTHORITY else 'idva'}/{site_code}"
    return _SOURCES[publisher]


def _timestamp(utc_ms: int, publisher: str) -> str:
    utc = _EPOCH + dt.timedelta(milliseconds=utc_ms)
    if publisher in _STAMPS_MILLISECONDS:
        return f"{utc.isoformat(timespec='milliseconds')}Z"
    offset = _uk_offset_hours(utc)
    return f"{(utc + offset * dt.timedelta(hours=1)).isoformat(timespec='seconds')}+0{offset}:00"


def _uk_offset_hours(moment: dt.date) -> int:
    """UK summer time: from 01:00 UTC on the last Sunday of March to that of October."""
    starts, ends = _summer_time(moment.year)
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(12))
    return 1 if starts <= moment < ends else 0


@cache
def _summer_time(year: int) -> tuple[dt.datetime, dt.datetime]:
    def last_sunday(month: int) -> dt.datetime:
        last_day = dt.datetime(year, month, 31, 1)  # March and October both have 31 days
        return last_day - dt.timedelta(days=(last_day.weekday() + 1) % 7)

    return last_sunday(3), last_sunday(10)


def working_day_on_or_after(day: dt.date) -> dt.date:
    weekday = day.weekday()
    return day + dt.timedelta(days=7 - weekday) if weekday >= 5 else day


def add_working_days(day: dt.date, count: int) -> dt.date:
    weeks, rest = divmod(count, 5)
    day = working_day_on_or_after(day + dt.timedelta(weeks=weeks))
    for _ in range(rest):
        day = working_day_on_or_after(day + DAY)
    return day


def expected_days_to_report(p: Parameters) -> float:
    """Mean calendar days from issue to CIR filing, so durations can be aimed at their targets."""
    to_order = p.gatekeeping_working_days.mean * 7 / 5
    late = p.late_filing_share.value
    working_days = (1 - late) * p.filing_working_days_on_time.mean
    working_days += late * p.filing_working_days_late.mean
    extended = ORIGINAL_DUE_DAYS + p.extension_days_beyond_due.mean / 2
    share = p.extension_share.value
    return to_order + (1 - share) * working_days * 7 / 5 + share * extended


def mean_days_after_report(p: Parameters, target_days: float) -> float:
    """The mean wait from CIR filing to conclusion that makes durations average `target_days`.

    Cases withdrawn before their report, at about half the time to it, pull the average down,
    so the cases that reach a report make up for them.
    """
    to_report = expected_days_to_report(p)
    early = p.withdrawal_share.value * p.withdrawal_before_report_share.value
    return max((target_days - early * to_report / 2) / (1 - early) - to_report, 7.0)


def _other_author(author: str, site: Site) -> str:
    if author != LOCAL_AUTHORITY:
        return LOCAL_AUTHORITY
    return "cafcass_cymru" if site.nation == "wales" else "cafcass"


def _author_on(day: dt.date, authors: list[tuple[dt.date, str]]) -> str:
    return [author for since, author in authors if since <= day][-1]


class _History:
    """Draws a case stage by stage; each date is on or after every date it depends on."""

    def __init__(self, plan: CasePlan, rng: random.Random, parameters: Parameters) -> None:
        self.plan, self.rng, self.p = plan, rng, parameters
        self.facts: list[Fact] = []
        self.children = [f"C{n}" for n in range(1, parameters.children_per_case.draw(rng) + 1)]
        self.child_seen = False
        harm_alleged = self._issue()
        checked_on, la_involved, abuse = self._safeguarding(harm_alleged)
        decided_on, author = self._gatekeeping(checked_on, la_involved, harm_alleged or abuse)
        self._report_and_conclusion(decided_on, author)

    def add(self, publisher: str, event_type: str, **data: Any) -> None:
        self.facts.append(Fact(data[BUSINESS_DATE_FIELD[event_type]], event_type, publisher, data))

    def later(self, day: dt.date, days: int) -> dt.date:
        return working_day_on_or_after(day + days * DAY)

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return self.later(first, self.rng.randint(0, max((last - first).days, 0)))

    def _issue(self) -> bool:
        p, rng, issued_on = self.p, self.rng, self.plan.issued_on
        harm_alleged = p.harm_alleged_share.happens(rng)
        without_notice = p.without_notice_share.happens(rng)
        children = [{"child_id": child} for child in self.children]
        self.add(
            COURT,
            "ApplicationIssued",
            issued_on=issued_on,
            children=children,
            harm_alleged=harm_alleged,
            without_notice=without_notice,
        )
        if without_notice:
            held_on = add_working_days(issued_on, rng.randint(0, 1))
            self.add(COURT, "HearingHeld", held_on=held_on, hearing_type="other")
        return harm_alleged

    def _safeguarding(self, harm_alleged: bool) -> tuple[dt.date | None, bool, bool]:
        p, rng = self.p, self.rng
        la_involved = p.la_involved_share.happens(rng)
        abuse = (
            p.abuse_indicated_if_harm_alleged if harm_alleged else p.abuse_indicated_otherwise
        ).happens(rng)
        if not p.safeguarding_completed_share.happens(rng):
            return None, False, False  # the rules see no involvement and no abuse indicated
        completed_on = add_working_days(self.plan.issued_on, p.safeguarding_working_days.draw(rng))
        self.add(
            COURT,
            "SafeguardingChecksCompleted",
            completed_on=completed_on,
            la_involved_last_12_weeks=la_involved,
            domestic_abuse_indicated=abuse,
        )
        return completed_on, la_involved, abuse

    def _gatekeeping(
        self, checked_on: dt.date | None, la_involved: bool, referral: bool
    ) -> tuple[dt.date, str]:
        p, rng, issued_on = self.p, self.rng, self.plan.issued_on
        decided_on = add_working_days(issued_on, p.gatekeeping_working_days.draw(rng))
        decided_on = max(decided_on, checked_on or issued_on)
        author = LOCAL_AUTHORITY if la_involved else self.plan.site.default_cir_author
        # without the checks there is nothing to derive from, so the court states both
        unchecked = checked_on is None
        stated: dict[str, Any] = {}
        if p.explicit_cir_author_share.happens(rng) or unchecked:
            stated["cir_author"] = author
        if p.explicit_idva_referral_share.happens(rng) or unchecked:
            stated["idva_referral"] = referral
        self.add(COURT, "GatekeepingDecisionMade", decided_on=decided_on, **stated)
        if referral:
            self._idva_answer(decided_on)
        return decided_on, author

    def _idva_answer(self, decided_on: dt.date) -> None:
        answer = self.p.idva_response.draw(self.rng)
        answered_on = self.later(decided_on, self.p.idva_response_days.draw(self.rng))
        if answer == "accepted":
            self.add(IDVA, "IdvaReferralAccepted", accepted_on=answered_on)
        elif answer == "declined":
            self.add(IDVA, "IdvaReferralDeclined", declined_on=answered_on)

    def _report_and_conclusion(self, decided_on: dt.date, author: str) -> None:
        p, rng = self.p, self.rng
        authors = self._transfer(decided_on, author)
        filed_on = max(self._filing_date(decided_on), authors[-1][0])
        for child in self.children:
            if p.child_seen_share.happens(rng):
                self._see(child, self.day_between(decided_on, filed_on), authors)
        withdrawn = p.withdrawal_share.happens(rng)
        if withdrawn and p.withdrawal_before_report_share.happens(rng):
            self._withdraw_early(self.day_between(self.plan.issued_on + DAY, filed_on - DAY))
        else:
            self._after_report(filed_on, authors[-1][1], withdrawn)

    def _transfer(self, decided_on: dt.date, author: str) -> list[tuple[dt.date, str]]:
        authors = [(decided_on, author)]
        if self.p.transfer_share.happens(self.rng):
            transferred_on = self.later(decided_on, self.p.transfer_days.draw(self.rng))
            to_author = _other_author(author, self.plan.site)
            self.add(COURT, "CirTransferred", transferred_on=transferred_on, to_author=to_author)
            authors.append((transferred_on, to_author))
        return authors

    def _filing_date(self, decided_on: dt.date) -> dt.date:
        p, rng = self.p, self.rng
        if p.extension_share.happens(rng):
            extended_on = self.later(decided_on, p.extension_requested_days.draw(rng))
            due_on = decided_on + ORIGINAL_DUE_DAYS * DAY
            new_due_on = self.later(due_on, p.extension_days_beyond_due.draw(rng))
            self.add(COURT, "CirDueDateExtended", extended_on=extended_on, new_due_on=new_due_on)
            return max(self.day_between(due_on, new_due_on), extended_on)
        late = p.late_filing_share.happens(rng)
        span = p.filing_working_days_late if late else p.filing_working_days_on_time
        return add_working_days(decided_on, span.draw(rng))

    def _see(self, child: str, seen_on: dt.date, authors: list[tuple[dt.date, str]]) -> None:
        in_person = self.p.child_seen_in_person_share.happens(self.rng)
        self.add(
            _author_on(seen_on, authors),
            "ChildSeen",
            child_id=child,
            seen_on=seen_on,
            in_person=in_person,
        )
        self.child_seen = True

    def _withdraw_early(self, withdrawn_on: dt.date) -> None:
        self.facts = [fact for fact in self.facts if fact.on < withdrawn_on]
        self.add(COURT, "ApplicationWithdrawn", withdrawn_on=withdrawn_on)

    def _after_report(self, filed_on: dt.date, author: str, withdrawn: bool) -> None:
        p, rng = self.p, self.rng
        concluded_on = self.later(filed_on, self._days_after_report())
        hearings = p.hearings_after_report.draw(rng)
        recommendation = p.recommendations.draw(rng) if hearings else "final_order"
        voice = self.child_seen and p.child_voice_share.happens(rng)
        self.add(
            author,
            "CirFiled",
            filed_on=filed_on,
            child_voice_included=voice,
            recommendation=recommendation,
        )
        final_hearing = hearings > 0 and not withdrawn
        for _ in range(hearings - final_hearing):
            held_on = self.day_between(filed_on, concluded_on)
            self.add(COURT, "HearingHeld", held_on=held_on, hearing_type=p.hearing_types.draw(rng))
        if withdrawn:
            self.add(COURT, "ApplicationWithdrawn", withdrawn_on=concluded_on)
            return
        if final_hearing:
            self.add(COURT, "HearingHeld", held_on=concluded_on, hearing_type="decision")
        self._final_order(concluded_on, without_hearing=not final_hearing)

    def _days_after_report(self) -> int:
        target_days = self.p.mean_duration_weeks.for_site(self.plan.site.code) * 7
        mean = mean_days_after_report(self.p, target_days)
        shape = self.p.post_report_duration_shape.value
        return round(self.rng.gammavariate(shape, mean / shape))

    def _final_order(self, made_on: dt.date, without_hearing: bool) -> None:
        p, rng = self.p, self.rng
        by_consent = without_hearing or p.by_consent_after_hearing_share.happens(rng)
        self.add(
            COURT,
            "FinalOrderMade",
            made_on=made_on,
            by_consent=by_consent,
            without_hearing=without_hearing,
        )
        if p.review_share.happens(rng):
            self.add(
                COURT, "ReviewCompleted", completed_on=self.later(made_on, p.review_days.draw(rng))
            )
