"""The hostile corpus: lines a careless or malicious publisher could send, made deterministically.

`hostile_lines()` (also exported by `tests.corpus`) is every line, as bytes without its newline:
first the lines committed in `hostile.jsonl` (each under 1 MB), then `big_lines()`, the lines of
10 MB made at test time rather than committed. Fed in that order to the replay, or to the live
intake, each line has the outcome recorded in `expected.jsonl` (`{"line": n, "outcome": ...}`,
n counted from 1 over `hostile_lines()`; the outcome `accepted`, `duplicate` or a rejection
reason), so a change of classification shows in review.

After a deliberate change, write both files again with `python -m tests.corpus`; the
tests fail while either differs from what this module and the replay make.
"""

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from schemas.catalogue import MAX_MESSAGE_BYTES
from tests import builders

HERE = Path(__file__).resolve().parent
CORPUS_FILE = HERE / "hostile.jsonl"
EXPECTED_FILE = HERE / "expected.jsonl"
BOM = b"\xef\xbb\xbf"
BIG = 10 * 1024 * 1024  # the size of a big line's long part
DEEP = 20_000  # levels of nesting, far past the limit and any decoder's stack


class Lines:
    """Events of the corpus: each with its own id, counted, so the corpus is the same every time."""

    def __init__(self, id_prefix: str = "hostile") -> None:
        self._ids = (f"{id_prefix}-{number}" for number in itertools.count(1))

    def event(
        self, event_type: str, subject: str = "PF-HOST-000001", site: str = "dorset", **data: Any
    ) -> dict[str, Any]:
        valid = builders.event(event_type, subject, site, **data)
        return {**valid, "id": next(self._ids), "source": "corpus/hostile"}

    def line(self, event_type: str, **fields: Any) -> bytes:
        return orjson.dumps(self.event(event_type, **fields))

    def with_extension(self, value: bytes, event_type: str = "HearingHeld") -> bytes:
        """A valid event of the first case with an extension attribute written as given."""
        return self.line(event_type)[:-1] + b',"ext":' + value + b"}"


def _first_case(lines: Lines) -> Iterator[bytes]:
    """A case taken through every step, with a duplicate and conflicts along the way."""
    issue = lines.event("ApplicationIssued", harm_alleged=True)
    yield BOM + orjson.dumps(issue)  # a byte-order mark on the case's first event
    yield lines.line("SafeguardingChecksCompleted")
    decision = lines.line("GatekeepingDecisionMade", cir_author="cafcass", idva_referral=True)
    yield decision
    yield decision  # the same event again: a duplicate
    yield orjson.dumps(issue)  # and its first event again, without the mark: a duplicate
    yield lines.line("ApplicationIssued")  # a second application: conflict
    yield lines.line("CirTransferred")
    yield lines.line("CirDueDateExtended", reason="r" * 500)
    yield lines.line("ChildSeen")
    yield lines.line("ChildSeen", child_id="C9")  # not a child of the case: conflict
    yield lines.line("HearingHeld", site="north-wales")  # another site: conflict
    yield lines.line("CirFiled", filed_on="2024-06-04")  # before the decision: conflict
    yield lines.line("CirFiled") + b"\r"  # a CRLF line end
    yield lines.line("CirFiled", filed_on="2024-07-25")  # filed twice: conflict
    yield lines.line("IdvaReferralAccepted")
    yield lines.line("IdvaReferralDeclined")  # a second response: conflict
    yield lines.line("HearingHeld")
    yield lines.line("FinalOrderMade")
    yield lines.line("ApplicationWithdrawn")  # already concluded: conflict
    yield lines.line("ReviewCompleted")


def _waiting_cases(lines: Lines) -> Iterator[bytes]:
    """Events whose prerequisites never come, and one that comes too late to matter."""
    orphan = {"subject": "PF-HOST-000002"}
    for event_type in ("SafeguardingChecksCompleted", "CirFiled", "HearingHeld", "ChildSeen"):
        yield lines.line(event_type, **orphan)
    no_checks = {"subject": "PF-HOST-000003"}
    yield lines.line("ApplicationIssued", **no_checks)
    yield lines.line("GatekeepingDecisionMade", **no_checks)  # waits for checks that never come
    no_referral = {"subject": "PF-HOST-000004"}
    yield lines.line("ApplicationIssued", **no_referral)
    yield lines.line(
        "GatekeepingDecisionMade", cir_author="cafcass", idva_referral=False, **no_referral
    )
    yield lines.line("IdvaReferralAccepted", **no_referral)  # no referral was made: conflict


def _not_json(lines: Lines) -> Iterator[bytes]:
    yield b""
    yield b" \t "
    yield b"\r"
    yield b"\x00"
    yield b"\x00" * 64
    yield b"null"
    yield b"42"
    yield b'"text"'
    yield b"[]"
    yield b"{}"
    yield b"[{}]"
    yield b"{"
    yield b'{"a":1} trailing'
    yield b"{'single': 'quotes'}"
    yield lines.line("HearingHeld")[:-1]  # cut short
    yield lines.line("HearingHeld") + lines.line("HearingHeld")  # two on a line
    yield BOM + BOM + lines.line("HearingHeld")  # only one mark is taken away
    yield BOM
    yield b"\xfe\xff"
    yield orjson.dumps(lines.event("HearingHeld")).decode().encode("utf-16")
    yield orjson.dumps(lines.event("HearingHeld")).decode().encode("utf-16-be")
    yield orjson.dumps(lines.event("HearingHeld")).decode().encode("utf-16-le")


def _bad_bytes(lines: Lines) -> Iterator[bytes]:
    def good() -> bytes:  # a fresh event each time, so no variant is another's duplicate
        return lines.line("HearingHeld")

    yield good().replace(b"corpus/hostile", b"corpus/\xffhostile")  # invalid UTF-8
    yield good().replace(b"corpus/hostile", b"corpus/\xc3")  # a cut multi-byte character
    yield good().replace(b"corpus/hostile", b"corpus/\xc0\xaf")  # overlong
    yield good().replace(b"corpus/hostile", b"corpus/\xed\xa0\x80")  # a raw surrogate
    yield good().replace(b"corpus/hostile", b"corpus/\xed\xb0\x80")  # a raw low surrogate
    yield good().replace(b"corpus/hostile", b"corpus/\x00")  # a raw NUL in a string
    yield good().replace(b"corpus/hostile", b"corpus/\\u0000")  # an escaped NUL: valid
    yield good().replace(b"corpus/hostile", b"corpus/\x1f")  # a raw control character
    yield good().replace(b"corpus/hostile", b"corpus/\\ud800")  # a lone surrogate escape
    yield good().replace(b"corpus/hostile", b"corpus/\\udc00")
    yield good().replace(b"corpus/hostile", b"corpus/\\ud800\\u0041")
    yield good().replace(b"corpus/hostile", b"corpus/\\ud83d\\ude00")  # a pair: valid
    yield good().replace(b'"PF-HOST-000001"', b'"PF-HOST-\\ud800"')
    yield lines.with_extension(b'"\xff"')  # in an attribute the decoders skip
    yield lines.with_extension(b'"\xed\xa0\x80"')
    yield lines.with_extension(b'"\\ud800"')
    yield lines.with_extension(b'"\\x41"')  # not a JSON escape
    yield good().replace(b",", b",\r", 1)  # a CR inside the line
    yield good() + b"\x00"  # a NUL after the object
    yield good().replace(b"{", b"{\x00", 1)


def _deep(lines: Lines) -> Iterator[bytes]:
    for depth in (200, 201, 1_000, DEEP):
        yield b"[" * depth + b"]" * depth
    yield b"[" * DEEP
    yield b"]" * DEEP
    yield b'{"a":' * DEEP + b"1" + b"}" * DEEP
    yield b'{"a":' * DEEP
    yield b"[{" * (DEEP // 2)
    yield lines.with_extension(b"[" * DEEP + b"]" * DEEP)
    yield lines.with_extension(b'{"a":' * DEEP + b"1" + b"}" * DEEP)
    yield lines.with_extension(b'{"a":' * 199 + b"1" + b"}" * 199)  # 200 levels: allowed
    yield lines.with_extension(b'{"a":' * 200 + b"1" + b"}" * 200)  # 201 levels
    yield lines.with_extension(b'"' + b"[{" * 5_000 + b'"')  # brackets in a string
    yield lines.line("ApplicationIssued", subject="PF-HOST-DEEP", children=[[{"child_id": "C1"}]])


def _repeated_keys(lines: Lines) -> Iterator[bytes]:
    def good() -> bytes:  # a fresh event each time, so no variant is another's duplicate
        return lines.line("HearingHeld")

    yield good()[:-1] + b',"subject":"PF-HOST-000002"}'  # a second subject: the last counts
    yield good()[:-1] + b',"subject":"PF-HOST-000001"}'
    yield good()[:-1] + b',"type":"CirFiled"}'
    yield good()[:-1] + b',"type":"HearingHeld"}'
    yield good()[:-1] + b',"id":"hostile-repeated"}'
    yield good()[:-1] + b',"site":"atlantis"}'
    yield good()[:-1] + b',"data":{}}'
    yield good()[:-1] + b',"specversion":"0.3"}'
    yield good().replace(b'"held_on":"2024-08-12"', b'"held_on":["x"],"held_on":"2024-08-13"')
    yield good().replace(b'"held_on":"2024-08-12"', b'"held_on":"2024-08-13","held_on":["x"]')
    yield b'{"subject":"PF-HOST-000001","subject":7}'
    yield good().replace(b'"type":"HearingHeld"', b'"type":"CirFiled","type":"HearingHeld"')


def _not_numbers(lines: Lines) -> Iterator[bytes]:
    for constant in (b"NaN", b"Infinity", b"-Infinity", b"nan", b"1e400", b"-1e400", b"1e-400"):
        yield lines.with_extension(constant)
    yield lines.with_extension(b"9" * 5_000)  # more digits than Python reads
    yield lines.with_extension(b"9" * 4_000)
    yield lines.with_extension(b"-" + b"9" * 30)
    yield lines.with_extension(b"0." + b"1" * 1_000)
    yield lines.with_extension(b"-0")
    yield lines.with_extension(b"01")  # a leading zero: not JSON
    yield lines.with_extension(b"+1")
    yield lines.with_extension(b".5")
    for value in (b"1e400", b"NaN", b"9" * 5_000, b"18446744073709551616"):
        yield lines.line("HearingHeld").replace(b'"2024-08-12"', value)
        yield lines.line("HearingHeld").replace(b'"1.0"', value, 1)  # the specversion


def _wrong_types(lines: Lines) -> Iterator[bytes]:
    """Numbers where strings belong, strings where numbers and booleans belong, and the like."""
    for attribute, value in [
        ("id", 1), ("id", 1.5), ("subject", 12345), ("source", True), ("type", 1), ("site", 1),
        ("time", 1717406100), ("specversion", 1.0), ("specversion", 1), ("schemaversion", "1"),
        ("schemaversion", 1.0), ("schemaversion", True), ("datacontenttype", 1), ("data", []),
        ("data", "{}"), ("data", None), ("id", None), ("id", ["hostile"]), ("id", {"v": 1}),
    ]:  # fmt: skip
        yield orjson.dumps({**lines.event("HearingHeld"), attribute: value})
    for event_type, field, value in [
        ("ApplicationIssued", "harm_alleged", "false"), ("ApplicationIssued", "harm_alleged", 0),
        ("ApplicationIssued", "without_notice", None), ("ApplicationIssued", "children", "C1"),
        ("ApplicationIssued", "children", [{"child_id": 1}]), ("ChildSeen", "in_person", "true"),
        ("ChildSeen", "child_id", 1), ("CirFiled", "recommendation", 1),
        ("GatekeepingDecisionMade", "idva_referral", "yes"), ("HearingHeld", "held_on", 20240812),
        ("CirDueDateExtended", "reason", 7), ("FinalOrderMade", "by_consent", "1"),
    ]:  # fmt: skip
        yield lines.line(event_type, subject="PF-HOST-TYPES", **{field: value})


def _dates(lines: Lines) -> Iterator[bytes]:
    """29 February in leap and other years, the edges of the range, and far beyond it."""
    for number, day in enumerate(
        ["2024-02-29", "2000-02-29", "2023-02-29", "2100-02-29", "2000-01-01", "2099-12-31",
         "1999-12-31", "2100-01-01", "9999-12-31", "10000-01-01", "0000-01-01", "2024-13-01",
         "2024-00-10", "2024-6-3", "20240603", "2024-06-03T00:00:00Z", " 2024-06-03", "+2024-06-03"]
    ):  # fmt: skip
        yield lines.line("ApplicationIssued", subject=f"PF-HOST-DATE-{number}", issued_on=day)
    for time in ["2024-02-29T10:00:00Z", "2023-02-29T10:00:00Z", "9999-12-31T23:59:59Z",
                 "10000-01-01T00:00:00Z", "2024-06-03T10:15:00+24:00", "2024-06-03T10:15:60Z",
                 "2024-06-03T10:15:00.123456789012Z", "2024-06-03T10:15:00Z\n"]:  # fmt: skip
        yield orjson.dumps({**lines.event("HearingHeld"), "time": time})
    edge = {"subject": "PF-HOST-EDGE"}
    yield lines.line("ApplicationIssued", issued_on="2099-12-01", **edge)
    yield lines.line("SafeguardingChecksCompleted", completed_on="2099-12-31", **edge)
    yield lines.line("GatekeepingDecisionMade", decided_on="2099-12-31", **edge)
    yield lines.line(
        "CirDueDateExtended", extended_on="2099-12-31", new_due_on="2099-12-31", **edge
    )


def _lengths(lines: Lines) -> Iterator[bytes]:
    """Every length-limited field at its limit, just past it, and empty."""
    for size in (200, 201, 0):
        text = "r" * size
        for attribute in ("id", "source", "subject", "site", "type"):
            yield orjson.dumps({**lines.event("HearingHeld"), attribute: text})
        yield lines.line("ChildSeen", child_id=text)
        yield lines.line(
            "ApplicationIssued", subject=f"PF-HOST-LEN-{size}", children=[{"child_id": text}]
        )
    for size in (500, 501, 0):
        yield lines.line("CirDueDateExtended", reason="r" * size)
    yield lines.line("CirDueDateExtended", reason=None)
    yield lines.line("ApplicationIssued", subject="PF-HOST-KIDS", children=[])
    children = [{"child_id": f"C{number}"} for number in range(1000)]
    yield lines.line("ApplicationIssued", subject="PF-HOST-MANY", children=children)
    yield lines.line(
        "ApplicationIssued", subject="PF-HOST-TWICE", children=[{"child_id": "C1"}] * 2
    )
    yield lines.with_extension(orjson.dumps("x" * 500_000))  # long, but under a megabyte


def _shapes(lines: Lines) -> Iterator[bytes]:
    """Objects missing parts, with extra parts, and a type or site that is nearly right."""
    good = lines.event("HearingHeld")
    for attribute in ("specversion", "id", "source", "type", "subject", "time", "site", "data"):
        yield orjson.dumps({k: v for k, v in good.items() if k != attribute})
    yield orjson.dumps({**good, "data": {}})
    yield orjson.dumps({**good, "data": {**good["data"], "note": "a name"}})
    yield orjson.dumps({**good, "data": {**good["data"], "first name": "a name"}})
    yield orjson.dumps({**good, "data": {**good["data"], "": 1}})
    yield orjson.dumps({**lines.event("HearingHeld"), "extension": {"any": [1, 2.5, None]}})
    yield orjson.dumps({**lines.event("HearingHeld"), "datacontenttype": None})
    for event_type in ("hearingheld", "HearingHeld ", "Hearing\u200bHeld", "HEARINGHELD"):
        yield orjson.dumps({**lines.event("HearingHeld"), "type": event_type})
    for site in ("Dorset", "dorset ", "atlantis", "dor\u0073et\u0301"):
        yield lines.line("HearingHeld", site=site)
    yield lines.line("HearingHeld", hearing_type="Decision")
    yield lines.line("GatekeepingDecisionMade", subject="PF-HOST-AUTHOR", cir_author="CAFCASS")


def corpus_lines() -> list[bytes]:
    """The committed lines, in order; none holds a newline or reaches a megabyte."""
    lines = Lines()
    sections = (_first_case, _waiting_cases, _not_json, _bad_bytes, _deep, _repeated_keys,
                _not_numbers, _wrong_types, _dates, _lengths, _shapes)  # fmt: skip
    made = [line for section in sections for line in section(lines)]
    assert all(b"\n" not in line and len(line) < 1_000_000 for line in made)
    return made


def big_lines() -> list[bytes]:
    """Lines of 10 MB, made at test time: long strings where a value, a key or a number goes."""
    lines = Lines(id_prefix="big")
    long_text = "x" * BIG
    return [
        lines.line("HearingHeld", subject=long_text),
        lines.line("CirDueDateExtended", reason=long_text),
        lines.with_extension(orjson.dumps(long_text)),  # valid but for its length
        lines.line("HearingHeld")[:-1] + b',"' + b"k" * BIG + b'":1}',  # valid but for its length
        lines.line("HearingHeld").replace(b'"held_on"', b'"' + b"k" * BIG + b'":1,"held_on"'),
        lines.with_extension(b"9" * BIG),
        lines.with_extension(b'"' + b"\xff" * BIG + b'"'),
        b"[" * BIG,
        b"[]," * (BIG // 3 + 1),
    ]


def limit_lines() -> list[bytes]:
    """Valid events at the contract's 1 MiB limit: one byte under it (accepted), one over."""
    lines = Lines(id_prefix="limit")
    made = []
    for wanted in (MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES + 1):
        padding = wanted - len(lines.with_extension(b'""'))  # ids have the same length
        made.append(lines.with_extension(orjson.dumps("x" * padding)))
    return made


def hostile_lines() -> list[bytes]:
    """The corpus: committed, at the limit and big lines, in the order `expected.jsonl` numbers."""
    return corpus_lines() + limit_lines() + big_lines()


def committed_file() -> bytes:
    """What `hostile.jsonl` holds: the committed lines, one a line."""
    return b"".join(line + b"\n" for line in corpus_lines())


def main() -> None:
    """Write `hostile.jsonl` and `expected.jsonl` again, after a deliberate change."""
    from tests.corpus.expected import corpus_rules, expected_outcomes, write_outcomes

    CORPUS_FILE.write_bytes(committed_file())
    write_outcomes(EXPECTED_FILE, expected_outcomes(hostile_lines(), corpus_rules()))
    print(f"wrote {CORPUS_FILE} and {EXPECTED_FILE}", file=sys.stderr)


if __name__ == "__main__":
    main()
