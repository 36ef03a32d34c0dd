"""End to end on real Apache Kafka: the check of tests/e2e/test_pipeline.py, wherever Docker runs.

testcontainers starts a single-node Kafka (KRaft) for this module, and the three workers run
against it as processes under a unique topic prefix, exactly as on the embedded broker. Without a
Docker engine the test is skipped with the reason. docker and testcontainers are imported only
when the fixture runs, so collecting this module needs neither.
"""

from collections.abc import Iterator

import pytest

from tests.e2e.test_pipeline import assert_live_equals_replay

pytestmark = pytest.mark.e2e
# The testcontainers Kafka module drives Confluent's start scripts, so it needs their image:
# cp-kafka 7.6 is Apache Kafka 3.6, the version that module is tested with.
KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
# Short, so a test's rebalances are quick; unlike the embedded broker, Kafka does not hold a
# first group join for half of it (production uses 30 s).
SESSION_TIMEOUT = "10"


def docker_engine_problem() -> str | None:
    """Why no Docker engine can be used from here, or None when one answers."""
    try:
        import docker

        client = docker.from_env()
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # no socket, no permission, engine down: all mean no engine
        return f"no Docker engine: {error}"
    return None


@pytest.fixture(scope="module")
def kafka_bootstrap() -> Iterator[str]:
    """host:port of a single-node Kafka in a container, for this module's tests."""
    kafka = pytest.importorskip(
        "testcontainers.community.kafka", reason="testcontainers[kafka] is not installed"
    )
    problem = docker_engine_problem()
    if problem is not None:
        pytest.skip(problem)
    with kafka.KafkaContainer(KAFKA_IMAGE).with_kraft() as container:
        yield container.get_bootstrap_server()


def test_live_metrics_and_dead_letters_on_kafka_equal_the_replay(tmp_path, rules, kafka_bootstrap):
    assert_live_equals_replay(
        tmp_path, rules, bootstrap=kafka_bootstrap, PATHFINDER_SESSION_TIMEOUT=SESSION_TIMEOUT
    )
