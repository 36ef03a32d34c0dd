"""Agent tests: each worker's agents driven through faust's test_context, with no broker.

Outbound sends are recorded instead of produced, and any attempt to open a connection fails
the test, so these prove the agents' wiring without a network.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest


class SentMessages:
    """Records what an agent sends to a topic, in order."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def send(self, **message: Any) -> None:
        self.messages.append(message)

    @property
    def values(self) -> list[bytes]:
        return [message["value"] for message in self.messages]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"an agent test tried to connect: {args}")

    monkeypatch.setattr(asyncio.BaseEventLoop, "create_connection", refuse)


@pytest.fixture
def record(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """record(topic) -> SentMessages capturing that topic's sends."""

    def capture(topic: Any) -> SentMessages:
        sent = SentMessages()
        monkeypatch.setattr(topic, "send", sent.send)
        return sent

    yield capture


@pytest.fixture
def fresh() -> Iterator[Any]:
    """fresh(app, *tables): a finalized app with running flow control and empty tables."""
    cleared: list[Any] = []

    def prepare(app: Any, *tables: Any) -> None:
        app.finalize()
        app.flow_control.resume()
        for table in tables:
            table.data.clear()
            cleared.append(table)

    yield prepare
    for table in cleared:
        table.data.clear()
