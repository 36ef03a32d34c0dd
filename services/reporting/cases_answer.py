"""What a reporting worker's /cases answers, as `pathfinder cases` reads it: one JSON document.

`partitions` are the case-facts partitions the answer covers (those the worker owns) out of
`of_partitions`, so a reader that asks every worker can tell whether their answers cover them all.
"""

import datetime as dt

import msgspec

from services.core.deadlines import CirDeadline

ANSWER_FORM = 1


class CasesAnswer(msgspec.Struct, kw_only=True):
    form: int = ANSWER_FORM
    as_of: dt.date | None  # the business date of the worker's figures; None before it has one
    partitions: list[int]
    of_partitions: int
    cases: list[CirDeadline]


encode_answer = msgspec.json.Encoder().encode
_decode_answer = msgspec.json.Decoder(CasesAnswer).decode


def decode_answer(body: bytes) -> CasesAnswer:
    """An answer read back; ValueError if it is not one this version can read."""
    answer = _decode_answer(body)
    if answer.form > ANSWER_FORM:
        raise ValueError(f"an answer of form {answer.form}; this version reads up to {ANSWER_FORM}")
    return answer
