"""Faults of the code, reported without the data they happened on.

An exception's message may quote a value (a case reference, a child id, a payload), so a log line
names only the exception's type and where in the code it was raised.
"""

import traceback
from pathlib import Path

import msgspec

from services.core.details import field_detail
from services.core.validation import REJECTION_REASONS, Rejection

PROCESSING_ERROR = "processing_error"
# Every reason a dead letter can give: a refusal's, or a worker's failure.
DEAD_LETTER_REASONS = (*REJECTION_REASONS, PROCESSING_ERROR)


def where_raised(error: BaseException, frames: int = 4) -> str:
    """The innermost frames of the traceback as `file:line in function`, innermost last."""
    summary = traceback.extract_tb(error.__traceback__)[-frames:]
    return " > ".join(
        f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in summary
    )


def what_failed(error: BaseException) -> str:
    """The exception's type, and for a value that did not match its type, the field and rule
    (reworded without the value, as a refusal's detail is)."""
    if isinstance(error, msgspec.ValidationError):
        return f"{type(error).__name__} ({field_detail(error, 'value')})"
    return type(error).__name__


def processing_error(worker: str, error: BaseException) -> Rejection:
    """The refusal of a message a worker failed on: the worker and the exception's type only."""
    return Rejection(PROCESSING_ERROR, f"{worker} raised {type(error).__name__}")
