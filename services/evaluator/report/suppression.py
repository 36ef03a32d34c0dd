"""Small-count suppression, as published court statistics apply it.

A cell counting from 1 to N-1 cases or children is suppressed (primary); zeros are shown. Then,
so that no suppressed cell can be recovered as a total minus the others, every additive relation
(a nation and its sites, all and the nations, a total to date and its periods) holding exactly
one suppressed cell gets a second one (secondary): the smallest non-zero part left shown, else
its total. Repeated until no relation holds exactly one.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True, slots=True)
class Relation:
    """`total` = the sum of `parts`, all of them cells of the table."""

    total: Hashable
    parts: tuple[Hashable, ...]


def suppressed_cells(
    cells: Mapping[Hashable, int], relations: Iterable[Relation], threshold: int
) -> set[Hashable]:
    """The cells to hide: primary (1 to threshold - 1) and secondary."""
    hidden = {cell for cell, count in cells.items() if 0 < count < threshold}
    relations = [relation for relation in relations if relation.parts]
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = (relation.total, *relation.parts)
            if sum(member in hidden for member in members) == 1:
                hidden.add(_complement(relation, cells, hidden))
                changed = True
    return hidden


def _complement(
    relation: Relation, cells: Mapping[Hashable, int], hidden: set[Hashable]
) -> Hashable:
    shown = [part for part in relation.parts if part not in hidden and cells[part] > 0]
    if shown:
        return min(shown, key=lambda part: cells[part])
    if relation.total not in hidden:
        return relation.total
    return min((part for part in relation.parts if part not in hidden), key=lambda p: cells[p])
