"""Each corpus line's outcome in a replay: `accepted`, `duplicate`, or the reason it was refused."""

from pathlib import Path

import orjson

from services.bootstrap import build_rules
from services.config import Settings
from services.core.fold import ReplayFold
from services.core.rules import Rules

ACCEPTED, DUPLICATE = "accepted", "duplicate"


def corpus_rules() -> Rules:
    """The rules the outcomes are recorded with: the shipped site registry, no court closures."""
    return build_rules(Settings(sites_file=None, court_closures=()))


def expected_outcomes(lines: list[bytes], rules: Rules) -> list[str]:
    """What one fold makes of each line, read as the replay reads it (with its newline)."""
    fold = ReplayFold(rules)
    outcomes = [ACCEPTED] * len(lines)  # held and later released lines stay accepted
    for number, line in enumerate(lines):
        duplicates = fold.counts.duplicates
        for refusal in fold.ingest(line + b"\n", number):
            outcomes[refusal.token] = refusal.rejection.reason
        if fold.counts.duplicates > duplicates:
            outcomes[number] = DUPLICATE
    for refusal in fold.finish():
        outcomes[refusal.token] = refusal.rejection.reason
    counts = fold.counts
    assert (outcomes.count(ACCEPTED), outcomes.count(DUPLICATE)) == (
        counts.accepted,
        counts.duplicates,
    ), "a line was counted twice or not at all"
    return outcomes


def write_outcomes(path: Path, outcomes: list[str]) -> None:
    """One `{"line": n, "outcome": ...}` per line, n from 1."""
    rows = (orjson.dumps({"line": n, "outcome": o}) for n, o in enumerate(outcomes, 1))
    path.write_bytes(b"".join(row + b"\n" for row in rows))


def read_outcomes(path: Path) -> list[str]:
    """The recorded outcomes, in line order."""
    rows = [orjson.loads(row) for row in path.read_bytes().splitlines()]
    assert [row["line"] for row in rows] == list(range(1, len(rows) + 1))
    return [row["outcome"] for row in rows]
