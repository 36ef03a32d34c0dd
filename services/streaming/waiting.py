"""Where a process's coroutines wait: code locations only (file, line, function), never values.

An asyncio task's own stack shows only its outermost coroutine, and an `async for` hides the
async generator it awaits. So each task's chain of awaits is followed to the innermost one, and
each async generator suspended in an await is listed with its own chain.
"""

import asyncio
import gc
import inspect
import sysconfig
from pathlib import Path
from types import FrameType
from typing import Any

# Shown relative to where they are installed: the project, the packages, the standard library.
_PLACES = sorted(
    {str(Path(__file__).resolve().parents[2]), *(sysconfig.get_paths()[name] for name in
     ("purelib", "platlib", "stdlib"))},
    key=len, reverse=True,
)  # fmt: skip


def where_coroutines_wait() -> list[str]:
    """One line per task and per suspended async generator: where it waits, outermost first."""
    lines = []
    for task in _tasks():
        lines.append(f"task {task.get_name()}: {' > '.join(_chain(task.get_coro()))}")
    for generator in gc.get_objects():
        if inspect.isasyncgen(generator) and generator.ag_await is not None:
            lines.append(f"async generator: {' > '.join(_chain(generator))}")
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
