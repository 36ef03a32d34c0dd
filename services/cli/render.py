"""A readable per-site table of the pilot metrics, for terminals."""

from collections.abc import Mapping
from typing import Any

_PERCENT_KEYS = frozenset(
    {
        "cir_ordered_la_share",
        "cir_filed_within_40_working_days_share",
        "cir_filed_by_due_date_share",
        "cir_extended_share",
        "children_seen_share",
        "idva_accepted_share",
        "concluded_within_26_weeks_share",
    }
)


# A share's numerator and denominator are in the JSON document; the table shows the share.
_SHARE_PART_SUFFIXES = ("_numerator", "_denominator")


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
    keys = [key for key in next(iter(sites.values())) if not key.endswith(_SHARE_PART_SUFFIXES)]
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
