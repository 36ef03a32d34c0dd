"""Every topic has its retention, set in one place (services/topic_config.py): the production
stack's kafka-init sets the same, `create_topics` passes it, the workers create their own topics
with it, and the canonical log alone is kept for ever."""

import asyncio
import re
from pathlib import Path
from typing import Any

import yaml

from services.stack import broker
from services.topic_config import DAY_MS, topic_configs
from services.topics import Topics

ROOT = Path(__file__).resolve().parents[2]
TOPICS = Topics("prefix")
EVERY_TOPIC = {*TOPICS.all(), TOPICS.intake_by_case, TOPICS.gatekeeping_ticks}


def kafka_init() -> dict[str, dict[str, str]]:
    """Topic (no prefix) -> configuration, from the `topic NAME k=v,...` lines of kafka-init."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    script = "\n".join(compose["services"]["kafka-init"]["command"])
    return {
        name: dict(setting.split("=", 1) for setting in settings.split(","))
        for name, settings in re.findall(r"^\s*topic (\S+) (\S+)$", script, re.MULTILINE)
    }


def test_every_topic_the_services_use_has_its_retention():
    configs = topic_configs(TOPICS)

    assert set(configs) == EVERY_TOPIC
    for name, config in configs.items():
        policy = config["cleanup.policy"]
        assert policy in ("delete", "compact"), name
        if policy == "delete":
            assert int(config["retention.ms"]) == -1 or int(config["retention.ms"]) >= DAY_MS


def test_only_the_canonical_log_is_kept_for_ever():
    kept = {
        name
        for name, config in topic_configs(TOPICS).items()
        if config["cleanup.policy"] == "delete" and config["retention.ms"] == "-1"
    }

    assert kept == {TOPICS.case_events}
    assert topic_configs(TOPICS)[TOPICS.case_events]["retention.bytes"] == "-1"


def test_dead_letters_are_kept_at_least_as_long_as_what_they_are_redriven_to():
    configs = topic_configs(TOPICS)

    def days(name: str) -> float:
        return int(configs[name]["retention.ms"]) / DAY_MS

    assert days(TOPICS.dead_letter) >= days(TOPICS.court_events) >= 7
    assert days(TOPICS.refusals) >= 7


def test_kafka_init_sets_each_contract_topic_as_the_code_does():
    expected = {
        name.removeprefix("prefix."): config
        for name, config in topic_configs(TOPICS).items()
        if name in TOPICS.all()
    }

    assert kafka_init() == expected


def test_create_topics_creates_each_topic_with_its_retention(monkeypatch):
    created: list[Any] = []

    class Admin:
        def __init__(self, **options: Any) -> None:
            pass

        async def start(self) -> None:
            pass

        async def close(self) -> None:
            pass

        async def list_topics(self) -> list[str]:
            return []

        async def create_topics(self, topics: list[Any]) -> None:
            created.extend(topics)

    monkeypatch.setattr(broker, "AIOKafkaAdminClient", Admin)

    asyncio.run(broker.create_topics("127.0.0.1:1", TOPICS, 3))

    configs = topic_configs(TOPICS)
    assert {topic.name: topic.topic_configs for topic in created} == {
        name: configs[name] for name in TOPICS.all()
    }
