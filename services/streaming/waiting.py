"""Where a process's coroutines wait: code locations only (file, line, function), never values;
and what its Kafka producers have not sent yet (topic partitions only).

An asyncio task's own stack shows only its outermost coroutine, and an `async for` hides the
async generator it awaits. So each task's chain of awaits is followed to the innermost one, and
each async generator suspended in an await is listed with its own chain. A delivery awaited for
ever is most often a batch the producer holds back: each is listed with its partition's leader as
the producer knows it (aiokafka's accumulator and cluster metadata, read only).
"""

import asyncio
import gc
import inspect
import sysconfig
from pathlib import Path
from types import FrameType
from typing import Any

from aiokafka import AIOKafkaProducer

# Shown relative to where they are installed: the project, the packages, the standard library.
_PLACES = sorted(
    {str(Path(__file__).resolve().parents[2]), *(sysconfig.get_paths()[name] for name in
     ("purelib", "platlib", "stdlib"))},
    key=len, reverse=True,
)  # fmt: skip


def where_coroutines_wait() -> list[str]:
    """One line per task and per suspended async generator: where it waits, outermost first;
    then one per partition a producer holds batches for."""
    lines = []
    for task in _tasks():
        lines.append(f"task {task.get_name()}: {' > '.join(_chain(task.get_coro()))}")
    objects = gc.get_objects()
    for generator in objects:
        if inspect.isasyncgen(generator) and generator.ag_await is not None:
            lines.append(f"async generator: {' > '.join(_chain(generator))}")
    return lines + _batches_unsent(objects)


def _batches_unsent(objects: list[Any]) -> list[str]:
    lines = []
    for producer in objects:
        if isinstance(producer, AIOKafkaProducer):
            try:
                cluster = producer.client.cluster
                for tp, batches in producer._message_accumulator._batches.items():
                    leader = cluster.leader_for_partition(tp)
                    known = "unknown" if leader in (None, -1) else leader
                    where = f"{tp.topic}/{tp.partition}"
                    lines.append(
                        f"producer holds {len(batches)} batches for {where} (leader {known})"
                    )
            except AttributeError as error:  # aiokafka's internals moved: say so
                lines.append(f"producer batches not readable: {error}")
    return lines


def _tasks() -> list[asyncio.Task[Any]]:
    try:
        return sorted(asyncio.all_tasks(), key=lambda task: task.get_name())
    except RuntimeError:  # no event loop running in this thread
        return []


def _chain(awaitable: Any) -> list[str]:
    where = []
    while awaitable is not None:
        frame = _frame(awaitable)
        if frame is None:  # what the innermost coroutine awaits (`await future` gives a FutureIter)
            where.append(type(awaitable).__name__.removesuffix("Iter"))
            break
        code = frame.f_code
        where.append(f"{_short(code.co_filename)}:{frame.f_lineno} {code.co_name}")
        awaitable = next(
            (
                getattr(awaitable, name)
                for name in ("cr_await", "ag_await", "gi_yieldfrom")
                if getattr(awaitable, name, None) is not None
            ),
            None,
        )
    return where


def _frame(awaitable: Any) -> FrameType | None:
    for name in ("cr_frame", "ag_frame", "gi_frame"):
        frame = getattr(awaitable, name, None)
        if isinstance(frame, FrameType):
            return frame
    return None


def _short(filename: str) -> str:
    for place in _PLACES:
        if filename.startswith(place + "/"):
            return filename[len(place) + 1 :]
    return filename
