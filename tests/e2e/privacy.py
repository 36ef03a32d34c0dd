"""No log line carries a case reference, a child id, an event id or a payload.

After a test that ran the workers, every log file under its directory is read and searched for
the identifying values of every event it published (read from the JSON Lines files it wrote
there) and for fragments that only a payload contains.
"""

from collections.abc import Iterator
from pathlib import Path

import msgspec

PAYLOAD_FRAGMENTS = ('"specversion"', '"datacontenttype"', '"child_id"', "hmcts/prl-cos-api")
# Shorter values ("C1") could match anywhere; a test that wants child ids checked publishes a case
# with long ones (see tests/e2e/test_pipeline.py).
SHORTEST_CHECKED = 6


def identifying_values(line: bytes) -> Iterator[str]:
    """The case reference, event id and child ids of one published line, where it has them."""
    try:
        event = msgspec.json.decode(line)
    except (msgspec.DecodeError, RecursionError):
        return
    if not isinstance(event, dict):
        return
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    children = data.get("children") if isinstance(data.get("children"), list) else []
    candidates = [event.get("subject"), event.get("id"), data.get("child_id")]
    candidates += [child.get("child_id") for child in children if isinstance(child, dict)]
    yield from (value for value in candidates if isinstance(value, str))


def leaks(directory: Path) -> list[str]:
    """Each log file under `directory` that holds a published identifier or a payload fragment."""
    published = set()
    for log in directory.rglob("*.jsonl"):
        for line in log.read_bytes().splitlines():
            published |= {v for v in identifying_values(line) if len(v) >= SHORTEST_CHECKED}
    found = []
    for log in sorted(directory.rglob("*.log")):
        text = log.read_text(errors="replace")
        for value in [*PAYLOAD_FRAGMENTS, *published]:
            if value in text:
                found.append(f"{log.name}: {value[:40]}")
    return found
