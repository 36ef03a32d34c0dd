"""The delays on every event's path come from one settings section, each checked at start-up."""

import os
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from services.config import EMBEDDED_BROKER_FETCH_WAIT_MS, Settings
from services.stack.workers import worker_environment


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    """Settings from exactly these PATHFINDER_ variables (names without the prefix)."""
    for name in list(os.environ):
        if name.startswith("PATHFINDER_"):
            monkeypatch.delenv(name)

    def settings(**variables: str) -> Settings:
        for name, value in variables.items():
            monkeypatch.setenv(f"PATHFINDER_{name}", value)
        return Settings()

    return settings


def test_by_default_no_delay_is_fausts_fixed_fetch_wait(environment: Callable[..., Settings]):
    settings = environment()
    assert settings.fetch_wait_ms == 500  # Kafka's default: Kafka answers when data arrives
    assert settings.fetch_wait_ms > EMBEDDED_BROKER_FETCH_WAIT_MS
    assert settings.fetch_min_bytes == 1
    assert settings.producer_linger_ms == 0
    assert settings.commit_interval_seconds == 1.0
    assert (settings.batch_messages, settings.batch_wait_ms) == (500, 2)


def test_each_delay_is_read_from_its_variable(environment: Callable[..., Settings]):
    settings = environment(
        FETCH_WAIT_MS="250", FETCH_MIN_BYTES="1024", PRODUCER_LINGER_MS="5",
        COMMIT_INTERVAL_SECONDS="2.5", BATCH_MESSAGES="50", BATCH_WAIT_MS="20",
    )  # fmt: skip
    assert settings.fetch_wait_ms == 250
    assert settings.fetch_min_bytes == 1024
    assert settings.producer_linger_ms == 5
    assert settings.commit_interval_seconds == 2.5
    assert (settings.batch_messages, settings.batch_wait_ms) == (50, 20)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FETCH_WAIT_MS", "0"),  # the broker would answer at once: a fetch loop with no pause
        ("FETCH_WAIT_MS", "30001"),
        ("FETCH_WAIT_MS", "soon"),
        ("FETCH_WAIT_MS", "2.5"),
        ("FETCH_MIN_BYTES", "0"),
        ("FETCH_MIN_BYTES", "2000000"),
        ("PRODUCER_LINGER_MS", "-1"),
        ("PRODUCER_LINGER_MS", "10001"),
        ("COMMIT_INTERVAL_SECONDS", "0"),
        ("COMMIT_INTERVAL_SECONDS", "61"),
        ("BATCH_MESSAGES", "0"),
        ("BATCH_WAIT_MS", "0"),  # a batch of whatever is already there: one message at a time
        ("BATCH_WAIT_MS", "10001"),
    ],
)
def test_a_delay_out_of_range_is_refused_naming_it(
    environment: Callable[..., Settings], variable: str, value: str
):
    with pytest.raises(ValidationError) as refused:
        environment(**{variable: value})
    [problem] = refused.value.errors()
    assert problem["loc"] == (variable.lower(),)


def test_pathfinder_up_gives_workers_the_embedded_brokers_fetch_wait(
    environment: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
):
    def fetch_wait(settings: Settings) -> str | None:
        return worker_environment(settings, 9106).get("PATHFINDER_FETCH_WAIT_MS")

    # the embedded broker: its own wait, unless one is set
    assert fetch_wait(environment()) == str(EMBEDDED_BROKER_FETCH_WAIT_MS)
    assert fetch_wait(environment(FETCH_WAIT_MS="80")) == "80"
    # Kafka: the setting's default (Kafka answers a fetch as soon as data arrives)
    monkeypatch.delenv("PATHFINDER_FETCH_WAIT_MS")
    assert fetch_wait(environment(KAFKA_BOOTSTRAP="kafka:9092")) is None
