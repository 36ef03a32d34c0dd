"""Agent tests: each worker, built by the composition root, driven through faust's test_context.

Outbound sends are recorded instead of produced, and any attempt to open a connection fails
the test, so these prove the agents' wiring without a network. Each test builds its own worker.
"""

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from services.config import Settings
from services.streaming.clock import ClockReport
from services.streaming.ticks import TICK_HEADER


class SentMessages:
    """Records what an agent sends to a topic, in order."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def send(self, **message: Any) -> "asyncio.Future[None]":
        self.messages.append(message)
        delivered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        delivered.set_result(None)  # acknowledged at once, as a broker would
        return delivered

    @property
    def values(self) -> list[bytes]:
        return [message["value"] for message in self.messages]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"an agent test tried to connect: {args}")

    monkeypatch.setattr(asyncio.BaseEventLoop, "create_connection", refuse)


@pytest.fixture
def record(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any], SentMessages]]:
    """record(topic) -> SentMessages capturing that topic's sends."""

    def capture(topic: Any) -> SentMessages:
        sent = SentMessages()
        monkeypatch.setattr(topic, "send", sent.send)
        return sent

    yield capture


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one worker under test: local state in a temporary directory, event clock."""
    return Settings(data_dir=tmp_path, clock="event", hold_limit_days=30, sites_file=None)


@pytest.fixture
def build(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[Settings], Any], Settings], Any]:
    """build(builder, settings): a worker from the composition root, ready for test_context.
    An intake's refusals are recorded, not produced, unless a test records them itself."""

    def prepare(builder: Callable[[Settings], Any], settings: Settings) -> Any:
        worker = builder(settings)
        worker.app.finalize()
        worker.app.flow_control.resume()
        refusals = getattr(worker, "refusals", None)
        if refusals is not None:
            monkeypatch.setattr(refusals.topic, "send", SentMessages().send)
        return worker

    return prepare


def tick(worker: Any, partition_watermarks: dict[int, str] | None = None) -> tuple[bytes, Any]:
    """A tick from `worker` itself, as its timer sends it: (value, headers)."""
    report = worker.clock.report()
    if partition_watermarks:
        marks = {p: {"on": on, "idle": False} for p, on in partition_watermarks.items()}
        report = msgspec.convert({**msgspec.to_builtins(report), "marks": marks}, ClockReport)
    return msgspec.json.encode(report), {TICK_HEADER: b"1"}


def tick_on(worker: Any, today: dt.date) -> tuple[bytes, Any]:
    """A tick from `worker` itself carrying `today`, as if its clock had got there."""
    report = ClockReport(worker=worker.clock.worker, today=today)
    return msgspec.json.encode(report), {TICK_HEADER: b"1"}


def headers_of(message: dict[str, Any]) -> dict[str, bytes]:
    return dict(message.get("headers") or {})
