"""Settings from the environment (prefix PATHFINDER_), validated once at start-up."""

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.reference.holiday_sources import parse_closure_days


class Settings(BaseSettings):
    """Configuration shared by the CLI and the services."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_", extra="ignore")

    sites_file: Path | None = None
    # Comma- or space-separated ISO dates on which the courts are closed, e.g. "2025-12-24".
    court_closures: Annotated[tuple[dt.date, ...], NoDecode] = ()

    # Kafka. No bootstrap means `pathfinder up` starts the embedded broker on broker_port.
    kafka_bootstrap: str | None = Field(
        default=None, pattern=r"^[\w.\-]+:\d{1,5}(,[\w.\-]+:\d{1,5})*$"
    )
    broker_port: int = Field(default=9092, ge=1, le=65535)
    topic_prefix: str = Field(default="pathfinder", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._\-]{0,100}$")
    partitions: int = Field(default=4, ge=1, le=256)
    # The embedded broker holds a first group join for half the session timeout: keep it short.
    session_timeout: float = Field(default=6.0, ge=3.0, le=300.0)

    # The business clock: "wall" takes today's date; "event" the latest business date seen.
    clock: Literal["wall", "event"] = "wall"
    hold_limit_days: int = Field(default=30, ge=1, le=3650)
    # How often the business date is sent round the partitions to expire held messages.
    tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Under the event clock, a partition with no events for this long follows the others.
    clock_idle_seconds: float = Field(default=60.0, gt=0, le=86400)
    # One worker's metrics port; unset, each service uses its own port below.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    intake_metrics_port: int = Field(default=9106, ge=1, le=65535)
    gatekeeping_metrics_port: int = Field(default=9107, ge=1, le=65535)
    reporting_metrics_port: int = Field(default=9108, ge=1, le=65535)
    # Loopback by default; containers set 0.0.0.0 so Prometheus can scrape them.
    metrics_host: str = "127.0.0.1"
    data_dir: Path = Path(".pathfinder-data")

    @field_validator("court_closures", mode="before")
    @classmethod
    def _closures_from_text(cls, value: object) -> object:
        return parse_closure_days(value) if isinstance(value, str) else value

    def service_metrics_port(self, service: str) -> int:
        """A worker's metrics port: `metrics_port` when set, else its service's own."""
        if self.metrics_port is not None:
            return self.metrics_port
        return int(getattr(self, f"{service}_metrics_port"))

    @property
    def bootstrap(self) -> str:
        """The Kafka bootstrap servers to use: the configured ones, else the embedded broker."""
        return self.kafka_bootstrap or f"127.0.0.1:{self.broker_port}"
