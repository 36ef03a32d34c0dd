"""Settings from the environment (prefix PATHFINDER_), validated once at start-up."""

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.reference.holiday_sources import parse_closure_days

# The fetch wait with the embedded broker (Tansu), which answers a waiting fetch not when data
# arrives but on a check every half wait: each of the four hops waits up to half of it. Each
# check costs the broker more the more batches it stores, so a shorter wait than this loads it
# enough, on two shared cores, to delay its acknowledgements, and intake, which awaits one for
# every event, then falls behind. Measured in the README's "Latency" (under "Measured").
EMBEDDED_BROKER_FETCH_WAIT_MS = 50


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

    # Delays on every event's path, each set here and nowhere else (README: "Latency"; measured
    # by benchmarks/stream_rate.py --before-after). An event crosses four
    # consumers from publisher to figure: intake's route and admit, gatekeeping, reporting.
    # - The longest the broker may hold a fetch that has nothing to return yet. faust fixes it
    #   at 1,500 ms; services/streaming/faust_fetch.py puts this in its place. Kafka answers a
    #   fetch as soon as data arrives, so there the wait costs no latency and only sets how often
    #   an idle worker asks: Kafka's own default. The embedded broker answers only on a check it
    #   makes every half wait: see EMBEDDED_BROKER_FETCH_WAIT_MS, which `pathfinder up` and the
    #   end-to-end tests use with it.
    fetch_wait_ms: int = Field(default=500, ge=1, le=30_000)
    # - What the broker waits for before answering early: 1 byte, any record at all.
    fetch_min_bytes: int = Field(default=1, ge=1, le=1024 * 1024)
    # - How long a worker's producer holds a record for others to join its batch: none, since a
    #   worker sends all a batch of messages calls for before it awaits any, and what is sent
    #   while a request is in flight joins the next request anyway.
    producer_linger_ms: int = Field(default=0, ge=0, le=10_000)
    # - How often processed offsets are committed: off the event's path (faust commits in the
    #   background); it bounds what a restarted worker processes again.
    commit_interval_seconds: float = Field(default=1.0, gt=0, le=60.0)
    # - Messages are taken a batch at a time (services/streaming/batches.py): a batch ends at
    #   this many messages, or when no more arrive within the wait. The wait is added at each of
    #   three hops (admit, gatekeeping, reporting) when traffic is light; the size bounds what
    #   one commit awaits and writes.
    batch_messages: int = Field(default=500, ge=1, le=100_000)
    batch_wait_ms: int = Field(default=2, ge=1, le=10_000)
    # faust's stream buffer (4,096 events per agent) and `stream_wait_empty` (a rebalance waits
    # for the buffered events to be handled before it commits) are left as faust has them: the
    # first only bounds how far fetching runs ahead of processing, the second is what keeps a
    # rebalance from committing past events not yet handled. The clock's ticks
    # (PATHFINDER_TICK_SECONDS) are not on an event's path.

    # A worker still rebalancing after this long ends itself, to be started afresh (a table's
    # recovery happens within the rebalance: allow for the largest table).
    rebalance_limit_seconds: float = Field(default=600.0, ge=10.0, le=86400.0)
    # A worker with messages waiting on a partition it consumes, and no offset committed for this
    # long, ends itself likewise. A batch takes well under a second; allow for a broker slow to
    # acknowledge what a batch sent.
    stall_limit_seconds: float = Field(default=120.0, ge=10.0, le=86400.0)

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
    # `pathfinder up --prometheus` runs Prometheus on 127.0.0.1 at this port.
    prometheus_port: int = Field(default=9090, ge=1, le=65535)
    # Loopback by default; containers set 0.0.0.0 so Prometheus can scrape them.
    metrics_host: str = "127.0.0.1"
    # Reporting's admin endpoint (/cases: CIRs by case reference), never on the metrics port and
    # on loopback unless set; `pathfinder cases` asks the workers of PATHFINDER_REPORTING_URLS
    # (comma-separated base URLs; unset, the local one).
    reporting_admin_port: int = Field(default=9118, ge=1, le=65535)
    admin_host: str = "127.0.0.1"
    reporting_urls: str | None = None
    # SiteSilent: working hours (09:00-17:00 Europe/London, working days) without a site's event.
    site_silent_working_hours: float = Field(default=8.0, gt=0, le=2000)
    data_dir: Path = Path(".pathfinder-data")

    # Kafka TLS and SASL (services/streaming/kafka_security.py builds the clients' arguments).
    # PEM files: the CAs to trust (unset: the system's), a client certificate and its
    # unencrypted key for brokers that ask for one.
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    # The password from the environment, or from a file such as a Docker or Kubernetes secret.
    kafka_sasl_password: SecretStr | None = None
    kafka_sasl_password_file: Path | None = None
    # Last, and validated when unset too, so that its check sees the whole block: a model
    # validator's error would carry every input, the password included.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", validate_default=True
    )

    @field_validator("court_closures", mode="before")
    @classmethod
    def _closures_from_text(cls, value: object) -> object:
        return parse_closure_days(value) if isinstance(value, str) else value

    @field_validator(
        "kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile", "kafka_sasl_password_file"
    )
    @classmethod
    def _readable(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        if path is not None:
            try:
                path.read_bytes()
            except OSError as error:
                name = _variable(str(info.field_name))
                raise ValueError(f"{name}: cannot read {path}: {error.strerror}") from None
        return path

    @field_validator("kafka_security_protocol")
    @classmethod
    def _kafka_security_complete(cls, protocol: str, info: ValidationInfo) -> str:
        if all(name in info.data for name in _KAFKA_SECURITY_SETTINGS):  # else they failed
            problems = _kafka_security_problems(protocol, info.data)
            if problems:
                raise ValueError("; ".join(problems))
        return protocol

    def service_metrics_port(self, service: str) -> int:
        """A worker's metrics port: `metrics_port` when set, else its service's own."""
        if self.metrics_port is not None:
            return self.metrics_port
        return int(getattr(self, f"{service}_metrics_port"))

    @property
    def bootstrap(self) -> str:
        """The Kafka bootstrap servers to use: the configured ones, else the embedded broker."""
        return self.kafka_bootstrap or f"127.0.0.1:{self.broker_port}"


_TLS_FILES = ("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile")
_SASL_SETTINGS = (
    "kafka_sasl_mechanism",
    "kafka_sasl_username",
    "kafka_sasl_password",
    "kafka_sasl_password_file",
)
_KAFKA_SECURITY_SETTINGS = _TLS_FILES + _SASL_SETTINGS


def _kafka_security_problems(protocol: str, values: dict[str, Any]) -> list[str]:
    """What is missing or contradictory in the Kafka security settings, by variable name."""
    unused: list[str] = []
    if protocol not in ("SSL", "SASL_SSL"):
        unused += _TLS_FILES
    if not protocol.startswith("SASL_"):
        unused += _SASL_SETTINGS
    problems = [
        f"{_variable(name)} is set but PATHFINDER_KAFKA_SECURITY_PROTOCOL is {protocol}"
        for name in unused
        if values[name] is not None
    ]
    if (values["kafka_ssl_certfile"] is None) != (values["kafka_ssl_keyfile"] is None):
        problems.append("set both PATHFINDER_KAFKA_SSL_CERTFILE and PATHFINDER_KAFKA_SSL_KEYFILE")
    if protocol.startswith("SASL_"):
        problems += [
            f"{_variable(name)} is required with {protocol}"
            for name in ("kafka_sasl_mechanism", "kafka_sasl_username")
            if values[name] is None
        ]
        password, password_file = values["kafka_sasl_password"], values["kafka_sasl_password_file"]
        if (password is None) == (password_file is None):
            problems.append(
                f"{protocol} needs one of PATHFINDER_KAFKA_SASL_PASSWORD and"
                " PATHFINDER_KAFKA_SASL_PASSWORD_FILE"
            )
        elif password_file is not None and not password_file.read_bytes().strip():
            problems.append(f"PATHFINDER_KAFKA_SASL_PASSWORD_FILE: {password_file} is empty")
    return problems


def _variable(field: str) -> str:
    return f"PATHFINDER_{field.upper()}"
