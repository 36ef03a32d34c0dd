"""The dashboard's headline panels drawn from Prometheus's HTTP API, as Grafana would show
them: each panel's own queries (with `$site` as `.*`), title and unit."""

import datetime as dt
import json
import re
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt

DASHBOARD = (
    Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards" / "pathfinder.json"
)
HEADLINE = (
    "Filed within 40 working days",
    "CIRs overdue and due soon",
    "Open cases",
    "Duration in weeks",
    "Events processed per second",
    "Dead-lettered in the last hour, by reason",
)
UNIT_LABELS = {
    "percentunit": "share (0 to 1)",
    "short": "count",
    "ops": "events per second",
}


def _range(url: str, expr: str, minutes: float) -> list[dict[str, Any]]:
    end = time.time()
    parameters = {"query": expr, "start": end - minutes * 60, "end": end, "step": "2s"}
    with urllib.request.urlopen(f"{url}/api/v1/query_range?{urllib.parse.urlencode(parameters)}",
                                timeout=10) as response:  # fmt: skip
        return list(json.loads(response.read())["data"]["result"])


def _unit_label(unit: str) -> str:
    return (
        unit.removeprefix("suffix:").strip()
        if unit.startswith("suffix:")
        else UNIT_LABELS.get(unit, unit)
    )


def _legend(form: str | None, labels: dict[str, str]) -> str:
    """A target's legendFormat with its {{label}}s filled in, as Grafana does."""
    if not form:
        return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__")
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m[1], ""), form)


def draw_headline_panels(url: str, out: Path, since: float) -> None:
    """The headline panels over the time from `since` (a Unix time) to now."""
    minutes = (time.time() - since) / 60
    panels = {p["title"]: p for p in json.loads(DASHBOARD.read_text())["panels"]}
    canvas, axes = plt.subplots(2, 3, figsize=(15, 7.5))
    for panel_axes, title in zip(axes.flat, HEADLINE, strict=True):
        panel = panels[title]
        for target in panel["targets"]:
            expr = target["expr"].replace("$site", ".*").replace("$__rate_interval", "1m")
            for series in _range(url, expr, minutes):
                times = [dt.datetime.fromtimestamp(float(t)) for t, _ in series["values"]]
                values = [float(v) for _, v in series["values"]]
                label = _legend(target.get("legendFormat"), series["metric"])
                panel_axes.plot(times, values, linewidth=1.2, label=label)
        panel_axes.set_title(title, fontsize=10)
        panel_axes.set_xlabel("time (local clock)", fontsize=8)
        panel_axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))  # type: ignore[no-untyped-call]
        panel_axes.set_ylabel(_unit_label(panel["fieldConfig"]["defaults"]["unit"]), fontsize=8)
        panel_axes.tick_params(labelsize=7)
        panel_axes.legend(fontsize=6, loc="upper left", ncol=2)
    canvas.suptitle("Pathfinder dashboard: headline panels, from Prometheus", fontweight="bold")
    canvas.tight_layout()
    canvas.savefig(out, dpi=90)
    plt.close(canvas)
