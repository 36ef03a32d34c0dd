"""Reporting's /cases (the owned partitions' CIRs, agreeing with its metrics) and intake's
silence per site, on workers built by the composition root."""

import datetime as dt

import msgspec
import pytest
from aiohttp.test_utils import make_mocked_request
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.bootstrap import build_intake, build_reporting
from services.config import Settings
from services.core.case import CaseState
from services.core.derived import CaseFacts
from services.core.fold import ReplayFold
from services.reporting.cases_answer import decode_answer
from services.streaming.clock import ClockReport, PartitionMark, encode_report
from services.streaming.ticks import TICK_HEADER
from tests.builders import event, feed, line

AS_OF = dt.date(2024, 8, 1)
ORIGIN = {"origin": b"pathfinder.court-events.v1/2/41"}


def samples(worker) -> dict[tuple[str, tuple], float]:
    text = generate_latest(worker.registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def case_facts(rules, subject: str, site: str, decided_on: str) -> bytes:
    fold = ReplayFold(rules)
    feed(
        fold,
        event("ApplicationIssued", subject=subject, site=site, issued_on="2024-06-03"),
        event("GatekeepingDecisionMade", subject=subject, site=site, decided_on=decided_on,
              cir_author="cafcass", idva_referral=False),
    )  # fmt: skip
    state: CaseState = fold.cases[subject].state
    return msgspec.json.encode(CaseFacts(subject=subject, version=state.version, state=state))


@pytest.fixture
def reporting(build, settings, monkeypatch):
    worker = build(build_reporting, settings)
    monkeypatch.setattr(worker, "owned", lambda topic: {0})
    return worker


async def hear_the_clock(reporting, today: dt.date) -> None:
    report = ClockReport(
        worker="gatekeeping@elsewhere", today=today, marks={0: PartitionMark(today, idle=False)}
    )
    async with reporting.follow_clock.test_context() as agent:
        await agent.put(encode_report(report), key=b"", headers={TICK_HEADER: b"1"})


async def test_cases_lists_the_owned_partitions_cirs_as_the_metrics_count_them(reporting, rules):
    # given, as of 1 Aug 2024: an overdue Dorset CIR (due 29 Jul) and a Birmingham one due soon
    # (due Fri 2 Aug) on partition 0, and another overdue one on partition 1, not this worker's
    await hear_the_clock(reporting, AS_OF)
    async with reporting.project.test_context() as agent:
        for subject, site, decided, partition in [
            ("PF-DOR-000001", "dorset", "2024-06-03", 0),
            ("PF-BHM-000002", "birmingham", "2024-06-07", 0),
            ("PF-DOR-000003", "dorset", "2024-06-03", 1),
        ]:
            value = case_facts(reporting.rules, subject, site, decided)
            await agent.put(value, key=subject.encode(), partition=partition)
    # when /cases is asked
    overdue = reporting.cases_endpoint.answer("overdue", None)
    due_soon = reporting.cases_endpoint.answer("due_soon", None)
    # then it lists the owned partition's rows only, as of the clock, agreeing with /metrics
    assert (overdue.as_of, overdue.partitions, overdue.of_partitions) == (AS_OF, [0], 4)
    assert [(r.case, r.working_days) for r in overdue.cases] == [("PF-DOR-000001", 3)]
    assert [(r.case, r.working_days) for r in due_soon.cases] == [("PF-BHM-000002", 1)]
    served = samples(reporting)
    assert served[("pathfinder_cir_overdue", (("site", "dorset"),))] == 1
    assert served[("pathfinder_cir_due_soon", (("site", "birmingham"),))] == 1
    assert reporting.cases_endpoint.answer("overdue", "birmingham").cases == []


async def test_the_endpoint_answers_json_and_refuses_what_there_is_none_of(reporting):
    await hear_the_clock(reporting, AS_OF)
    answered = await reporting.cases_endpoint.handle(make_mocked_request("GET", "/cases"))
    assert answered.status == 200 and answered.content_type == "application/json"
    assert answered.headers["Cache-Control"] == "no-store"
    assert decode_answer(answered.body).cases == []
    for query in ("status=late", "site=atlantis"):
        refused = await reporting.cases_endpoint.handle(
            make_mocked_request("GET", f"/cases?{query}")
        )
        assert refused.status == 400
        assert b"atlantis" not in refused.body  # the error names the field, not the value


async def test_before_it_has_a_business_date_it_lists_nothing(reporting):
    answer = reporting.cases_endpoint.answer(None, None)
    assert answer.as_of is None and answer.cases == []


def test_the_admin_port_is_never_the_metrics_port(build, settings):
    clash = settings.model_copy(update={"metrics_port": 9200, "reporting_admin_port": 9200})
    with pytest.raises(ValueError, match="PATHFINDER_REPORTING_ADMIN_PORT is 9200"):
        build_reporting(clash)
    default = Settings(data_dir=settings.data_dir, reporting_metrics_port=9118)
    with pytest.raises(ValueError, match="metrics port"):
        build_reporting(default)


async def test_intake_serves_each_sites_working_hours_since_its_last_event(
    build, settings, record, monkeypatch
):
    # given intake taking one Dorset event on Friday 7 March 2025 at 16:00 (London, winter)
    intake = build(build_intake, settings)
    monkeypatch.setattr(intake, "owned", lambda topic: {0, 1, 2, 3})
    record(intake.case_events)
    friday_4pm = dt.datetime(2025, 3, 7, 16, tzinfo=dt.UTC).timestamp()
    intake.wall_time = lambda: friday_4pm
    async with intake.admit.test_context() as agent:
        await agent.put(line(event("ApplicationIssued")), key=b"PF-DOR-000001", headers=ORIGIN)
    # when Prometheus scrapes on Monday at 11:00
    intake.wall_time = lambda: friday_4pm + (3 * 24 - 5) * 3600
    served = samples(intake)
    # then Dorset has been silent 3 working hours; no other site has sent anything yet
    silent = {
        dict(labels)["site"]: value
        for (name, labels), value in served.items()
        if name == "pathfinder_site_silent_working_hours"
    }
    assert silent == {"dorset": pytest.approx(3.0)}
    assert served[("pathfinder_site_silent_threshold_working_hours", ())] == 8.0
