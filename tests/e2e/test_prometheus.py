"""A real Prometheus scraping the live pipeline, with the project's rules: every recording rule
and every dashboard query returns series, the cross-worker rules equal the replay, an overdue
CIR makes CirOverdue pending and a burst of bad lines makes DeadLettersRising fire. The
dashboard's headline panels are drawn from Prometheus's HTTP API into a PNG to look at."""

import datetime as dt
import json
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.core.metrics import SHARES
from services.evaluator.replay import replay
from services.stack.broker import free_port
from services.stack.prometheus import RULES, PrometheusServer, local_configuration
from tests.builders import event, line
from tests.e2e.harness import SERVICES, Pipeline
from tests.e2e.headline import draw_headline_panels
from tests.e2e.test_pipeline import HOLD_LIMIT_DAYS, differences, same_figure, simulated_log
from tests.polling import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "pathfinder.json"
HEADLINE_PNG = ROOT / "out" / "dashboard-headline.png"
# Replay's key for each recorded mean.
MEANS = {
    "pathfinder:duration_weeks:mean": "mean_duration_weeks",
    "pathfinder:cir_working_days_to_file:mean": "cir_mean_working_days_to_file",
    "pathfinder:hearings_per_concluded_case:mean": "hearings_per_concluded_case",
}


def query(prometheus: PrometheusServer, expr: str) -> list[dict[str, Any]]:
    url = f"{prometheus.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.loads(response.read())
    assert body["status"] == "success", body
    return list(body["data"]["result"])


def by_site(result: list[dict[str, Any]]) -> dict[str, float]:
    return {series["metric"]["site"]: float(series["value"][1]) for series in result}


def recording_rules() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return sorted(
        {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}
    )


def panel_queries() -> list[tuple[str, str]]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [
        (panel["title"], target["expr"].replace("$site", ".*").replace("$__rate_interval", "1m"))
        for panel in panels
        for target in panel.get("targets", [])
    ]


def overdue_case(after: dt.date) -> list[bytes]:
    """A case ordered long before the log's end whose CIR is never filed."""
    issued = after - dt.timedelta(days=120)
    subject = "PF-BHM-888888"
    return [
        line(event("ApplicationIssued", subject=subject, site="birmingham",
                   issued_on=issued.isoformat())),
        line(event("GatekeepingDecisionMade", subject=subject, site="birmingham",
                   decided_on=(issued + dt.timedelta(days=1)).isoformat(),
                   cir_author="cafcass", idva_referral=False)),
    ]  # fmt: skip


def test_prometheus_computes_the_replay_and_raises_the_alerts(tmp_path: Path, rules) -> None:
    # given the simulated log, with one CIR left unfiled past its due date
    log = simulated_log(tmp_path, rules)
    lines = log.read_bytes().splitlines()
    lines[-1:-1] = overdue_case(replay([log], rules, show_progress=False).as_of)
    log.write_bytes(b"".join(raw + b"\n" for raw in lines))
    expected = replay([log], rules, show_progress=False)
    assert expected.sites["birmingham"]["cir_overdue"] >= 1
    with Pipeline(tmp_path, PATHFINDER_HOLD_LIMIT_DAYS=str(HOLD_LIMIT_DAYS)) as pipeline:
        ports = {service: pipeline.ports[service] for service in SERVICES}
        configuration = local_configuration(ports, "127.0.0.1", every_seconds=1)
        prometheus = PrometheusServer(
            free_port(), tmp_path / "prometheus", configuration, tmp_path / "prometheus.log"
        )
        prometheus.start()
        started = time.time()
        try:
            scraped = 'up{job=~"pathfinder-.+"} == 1'
            assert wait_for(lambda: len(query(prometheus, scraped)) == len(SERVICES), 60, 0.5)
            # when the log is published and the workers settle on the replay's figures
            pipeline.publish(lines[:-1])
            pipeline.publish(lines[-1:])
            settled = wait_for(lambda: not differences(pipeline.metrics(), expected.sites), 240, 2)
            assert settled, differences(pipeline.metrics(), expected.sites)
            _every_recording_rule_and_panel_returns_series(prometheus)
            _recorded_figures_equal_the_replay(prometheus, expected.sites)
            _cir_overdue_is_pending(prometheus, expected.sites)
            _a_burst_of_bad_lines_fires_the_dead_letter_alert(
                prometheus, pipeline, expected.rejected
            )
            HEADLINE_PNG.parent.mkdir(exist_ok=True)
            draw_headline_panels(prometheus.url, HEADLINE_PNG, since=started)
            assert HEADLINE_PNG.stat().st_size > 20_000
        finally:
            prometheus.stop()


def _every_recording_rule_and_panel_returns_series(prometheus: PrometheusServer) -> None:
    names = recording_rules()
    assert wait_for(lambda: all(query(prometheus, name) for name in names), 60, 1), [
        name for name in names if not query(prometheus, name)
    ]
    queries = panel_queries()
    empty = [(title, expr) for title, expr in queries if not query(prometheus, expr)]
    assert wait_for(lambda: not [q for q in queries if not query(prometheus, q[1])], 30, 1), empty


def _recorded_figures_equal_the_replay(prometheus: PrometheusServer, sites: dict) -> None:
    def differences() -> list[str]:
        found = []
        for share in SHARES:
            recorded = by_site(query(prometheus, f"pathfinder:{share}:ratio"))
            found += _compare(share, recorded, {site: f[share] for site, f in sites.items()})
        for record, key in MEANS.items():
            recorded = by_site(query(prometheus, record))
            found += _compare(record, recorded, {site: f[key] for site, f in sites.items()})
        return found

    assert wait_for(lambda: not differences(), 30, 1), differences()


def _compare(name: str, recorded: dict[str, float], replayed: dict[str, Any]) -> list[str]:
    return [
        f"{name} {site}: Prometheus {recorded.get(site)}, replay {expected}"
        for site, expected in replayed.items()
        if not same_figure(recorded.get(site), expected)
    ]


def _cir_overdue_is_pending(prometheus: PrometheusServer, sites: dict) -> None:
    overdue = {site for site, figures in sites.items() if site != "all" and figures["cir_overdue"]}
    alerts = 'ALERTS{alertname="CirOverdue", alertstate="pending"}'
    assert wait_for(lambda: set(by_site(query(prometheus, alerts))) == overdue, 30, 1), (
        query(prometheus, alerts), overdue,
    )  # fmt: skip


def _a_burst_of_bad_lines_fires_the_dead_letter_alert(
    prometheus: PrometheusServer, pipeline: Pipeline, refused: dict[str, int]
) -> None:
    """Firing for exactly the reasons refused so far, then for the burst's reason with its
    25 more lines counted (the log's own bad lines may have fired it already)."""
    alert = 'ALERTS{alertname="DeadLettersRising", alertstate="firing"}'
    firing = {series["metric"]["reason"] for series in query(prometheus, alert)}
    assert firing == {reason for reason, count in refused.items() if count}
    rising = 'sum by (reason) (increase(pathfinder_dead_lettered_total{reason="unknown_type"}[1h]))'
    before = sum(float(series["value"][1]) for series in query(prometheus, rising))
    unknown = [event("ApplicationIssued", subject=f"PF-DOR-77{n:04d}") for n in range(25)]
    pipeline.publish(line({**sent, "type": "NotInTheContract"}) for sent in unknown)

    def counted() -> float:
        return sum(float(series["value"][1]) for series in query(prometheus, rising))

    assert wait_for(lambda: counted() >= before + 24, 60, 1), (before, counted())
    assert "unknown_type" in {s["metric"]["reason"] for s in query(prometheus, alert)}
