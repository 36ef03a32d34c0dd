"""The simulator's inputs: its tunable numbers (from `parameters.json`, each citing its source)
and the settings of one run (`SimulationConfig`)."""

import datetime as dt
import itertools
import random
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Generic, Literal, TypeVar, cast, get_args

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    model_validator,
)

from schemas.events import HearingType, Recommendation

Publisher = Literal["court", "cafcass", "cafcass_cymru", "local_authority", "idva"]
IdvaAnswer = Literal["accepted", "declined", "none"]
Key = TypeVar("Key")
DEFAULT_PATH = Path(__file__).with_name("parameters.json")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Sourced(_Frozen):
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


class Lag(_Frozen):
    """An exponential delay with the given mean, capped at a maximum."""

    mean_hours: PositiveFloat
    max_hours: PositiveFloat

    def draw_ms(self, rng: random.Random) -> int:
        return int(min(rng.expovariate(1 / self.mean_hours), self.max_hours) * 3_600_000)


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


class Parameters(_Frozen):
    description: str = ""
    families_per_year: PerSite
    mean_duration_weeks: PerSite
    post_report_duration_shape: Number
    weekday_issue_share: Share
    children_per_case: Weights[PositiveInt]
    harm_alleged_share: Share
    abuse_indicated_if_harm_alleged: Share
    abuse_indicated_otherwise: Share
    without_notice_share: Share
    safeguarding_completed_share: Share
    safeguarding_working_days: Weights[NonNegativeInt]
    la_involved_share: Share
    gatekeeping_working_days: Weights[NonNegativeInt]
    explicit_cir_author_share: Share
    explicit_idva_referral_share: Share
    idva_response: Weights[IdvaAnswer]
    idva_response_days: Span
    transfer_share: Share
    transfer_days: Span
    extension_share: Share
    extension_requested_days: Span
    extension_days_beyond_due: Span
    filing_working_days_on_time: Span
    late_filing_share: Share
    filing_working_days_late: Span
    child_seen_share: Share
    child_seen_in_person_share: Share
    child_voice_share: Share
    recommendations: Weights[Recommendation]
    hearings_after_report: Weights[NonNegativeInt]
    hearing_types: Weights[HearingType]
    by_consent_after_hearing_share: Share
    withdrawal_share: Share
    withdrawal_before_report_share: Share
    review_share: Share
    review_days: Span
    working_hours: Span
    publisher_lag_hours: PublisherLags
    duplicate_rate: Share
    duplicate_delay_hours: Delay
    follow_up_days: Count


def load_parameters(path: Path = DEFAULT_PATH) -> Parameters:
    """Read and validate a parameters file; a ValueError names the file and the problem."""
    try:
        return Parameters.model_validate(orjson.loads(path.read_bytes()))
    except (OSError, orjson.JSONDecodeError, ValidationError) as error:
        raise ValueError(f"{path}: unusable simulator parameters ({error})") from error


@cache
def default_parameters() -> Parameters:
    """The parameters shipped beside this module."""
    return load_parameters()


@dataclass(frozen=True)
class SimulationConfig:
    """One run: how many cases, at which sites, issued over which dates, with how much mess."""

    cases: int
    seed: int
    sites: tuple[str, ...]
    start: dt.date
    end: dt.date
    noise: float = 0.0
    duplicate_rate: float = default_parameters().duplicate_rate.value

    def __post_init__(self) -> None:
        if self.cases < 1:
            raise ValueError(f"cases must be at least 1, not {self.cases}")
        if not 0 <= self.noise < 1:
            raise ValueError(f"noise must be in [0, 1), not {self.noise}")
        if not 0 <= self.duplicate_rate < 1:
            raise ValueError(f"duplicate_rate must be in [0, 1), not {self.duplicate_rate}")
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        if not self.sites or len(set(self.sites)) != len(self.sites):
            raise ValueError("sites must name at least one site, each once")
