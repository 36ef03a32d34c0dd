"""The kinds of entry in `parameters.json`: each a value with its cited source that knows how to
draw from itself with a seeded `random.Random`."""

import itertools
import random
from bisect import bisect_right
from functools import cached_property
from typing import Generic, Literal, TypeVar, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from services.simulator.dates import MS_PER_HOUR

Publisher = Literal["court", "cafcass", "cafcass_cymru", "local_authority", "idva"]
Key = TypeVar("Key")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Sourced(Frozen):
    source: str = Field(min_length=10, description="The BRIEF figure, or 'ASSUMPTION: why'.")


class Share(_Sourced):
    value: float = Field(ge=0, le=1)

    def happens(self, rng: random.Random) -> bool:
        return rng.random() < self.value


class Count(_Sourced):
    value: int = Field(ge=0)


class Number(_Sourced):
    value: PositiveFloat


class Span(_Sourced):
    """Whole numbers drawn uniformly from an inclusive range."""

    value: tuple[int, int]

    @model_validator(mode="after")
    def _ordered(self) -> "Span":
        if not 0 <= self.value[0] <= self.value[1]:
            raise ValueError("a span needs 0 <= low <= high")
        return self

    def draw(self, rng: random.Random) -> int:
        return rng.randint(*self.value)

    @property
    def mean(self) -> float:
        return sum(self.value) / 2


class Weights(_Sourced, Generic[Key]):
    """A discrete distribution: each key drawn in proportion to its weight."""

    value: dict[Key, float]

    @model_validator(mode="after")
    def _usable(self) -> "Weights[Key]":
        if any(weight < 0 for weight in self.value.values()) or sum(self.value.values()) <= 0:
            raise ValueError("weights must be non-negative with a positive total")
        return self

    @cached_property
    def _table(self) -> tuple[list[Key], list[float]]:
        return list(self.value), list(itertools.accumulate(self.value.values()))

    def draw(self, rng: random.Random) -> Key:
        keys, cumulative = self._table
        return keys[bisect_right(cumulative, rng.random() * cumulative[-1])]

    @property
    def mean(self) -> float:
        """The expected value; only for numeric keys."""
        total = sum(self.value.values())
        return sum(cast(float, key) * weight for key, weight in self.value.items()) / total


class PerSite(_Sourced):
    value: dict[str, PositiveFloat]
    default: PositiveFloat

    def for_site(self, code: str) -> float:
        return self.value.get(code, self.default)


class Lag(Frozen):
    """An exponential delay with the given mean, capped at a maximum."""

    mean_hours: PositiveFloat
    max_hours: PositiveFloat

    def draw_ms(self, rng: random.Random) -> int:
        return int(min(rng.expovariate(1 / self.mean_hours), self.max_hours) * MS_PER_HOUR)


class Delay(_Sourced):
    value: Lag


class PublisherLags(_Sourced):
    value: dict[Publisher, Lag]

    @model_validator(mode="after")
    def _every_publisher(self) -> "PublisherLags":
        missing = set(get_args(Publisher)) - self.value.keys()
        if missing:
            raise ValueError(f"no lag for publisher(s): {', '.join(sorted(missing))}")
        return self
