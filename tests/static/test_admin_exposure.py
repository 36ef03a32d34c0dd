"""Reporting's /cases names cases: it stays off the metrics port and off the network.

By default it listens on loopback at a port of its own; the production stack neither publishes
it nor binds it wider, and `pathfinder up` checks its port with the others.
"""

from pathlib import Path

import yaml

from services.config import Settings
from services.stack.ports import ports_needed

ROOT = Path(__file__).resolve().parents[2]


def test_the_admin_endpoint_is_on_loopback_at_a_port_of_its_own_by_default() -> None:
    settings = Settings()

    assert settings.admin_host == "127.0.0.1"
    assert settings.reporting_admin_port not in {
        settings.intake_metrics_port,
        settings.gatekeeping_metrics_port,
        settings.reporting_metrics_port,
        settings.prometheus_port,
        settings.broker_port,
    }


def test_compose_neither_publishes_the_admin_port_nor_binds_it_wider() -> None:
    reporting = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["reporting"]
    admin = Settings().reporting_admin_port

    published = {str(port).split(":")[-1].split("/")[0] for port in reporting.get("ports", [])}
    assert str(admin) not in published
    assert "PATHFINDER_ADMIN_HOST" not in (reporting.get("environment") or {})
    assert "PATHFINDER_REPORTING_ADMIN_PORT" not in (reporting.get("environment") or {})


def test_pathfinder_up_checks_the_admin_port_with_the_others() -> None:
    settings = Settings(reporting_admin_port=9400, admin_host="127.0.0.1")
    ports = {port.variable: (port.host, port.number) for port in ports_needed(settings)}

    assert ports["PATHFINDER_REPORTING_ADMIN_PORT"] == ("127.0.0.1", 9400)
