"""A readable per-site table of the pilot metrics, for terminals."""

from collections.abc import Mapping
from typing import Any

from services.core.metrics import SHARE_PARTS, SHARES

_PERCENT_KEYS = frozenset(SHARES)
# A share's numerator and denominator are in the JSON document; the table shows the share.
_SHARE_PART_KEYS = frozenset(f"{share}_{part}" for share in SHARES for part in SHARE_PARTS)


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key in _PERCENT_KEYS:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return f"{value:,}"


def render_table(sites: Mapping[str, Mapping[str, Any]], as_of: str | None) -> str:
    """Metrics as rows, sites as columns, `all` last."""
    if not sites:
        return f"No accepted events: no figures as of {as_of or '-'}.\n"
    columns = list(sites)
    keys = [key for key in next(iter(sites.values())) if key not in _SHARE_PART_KEYS]
    header = [f"as of {as_of}", *columns]
    rows = [[key, *(_cell(key, sites[site][key]) for site in columns)] for key in keys]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)]) + "\n"


def render_event_counts(accepted: int, duplicates: int, rejected: Mapping[str, int]) -> str:
    """One line of event counts: every input line is exactly one of these."""
    refused = ", ".join(f"{reason} {count:,}" for reason, count in rejected.items() if count)
    total = accepted + duplicates + sum(rejected.values())
    return (
        f"lines {total:,} = accepted {accepted:,} + duplicates {duplicates:,}"
        f" + rejected {sum(rejected.values()):,}" + (f" ({refused})" if refused else "") + "\n"
    )
