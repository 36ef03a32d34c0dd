"""Faults of the code, reported without the data they happened on.

An exception's message may quote a value (a case reference, a child id, a payload), so a log line
names only the exception's type and where in the code it was raised.
"""

import traceback
from pathlib import Path

from services.core.validation import Rejection

PROCESSING_ERROR = "processing_error"


def where_raised(error: BaseException, frames: int = 4) -> str:
    """The innermost frames of the traceback as `file:line in function`, innermost last."""
    summary = traceback.extract_tb(error.__traceback__)[-frames:]
    return " > ".join(
        f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in summary
    )


def processing_error(worker: str, error: BaseException) -> Rejection:
    """The refusal of a message a worker failed on: the worker and the exception's type only."""
    return Rejection(PROCESSING_ERROR, f"{worker} raised {type(error).__name__}")
