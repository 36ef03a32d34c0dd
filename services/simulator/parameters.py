"""The simulator's inputs: its tunable numbers (from `parameters.json`, each citing its source)
and the settings of one run (`SimulationConfig`)."""

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import orjson
from pydantic import NonNegativeInt, PositiveInt, ValidationError

from schemas.catalogue import EARLIEST_BUSINESS_DATE, LATEST_BUSINESS_DATE
from schemas.events import HearingType, Recommendation
from services.simulator.parameter_kinds import (
    Count,
    Delay,
    Frozen,
    Number,
    PerSite,
    PublisherLags,
    Share,
    Span,
    Weights,
)

IdvaAnswer = Literal["accepted", "declined", "none"]
DEFAULT_PATH = Path(__file__).with_name("parameters.json")


class Parameters(Frozen):
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


ID_PREFIX_MAX = 24
ID_PREFIX = re.compile(rf"[A-Za-z0-9]{{1,{ID_PREFIX_MAX}}}")


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
    id_prefix: str | None = None  # of every case reference; default "PF" and the seed

    def __post_init__(self) -> None:
        if self.cases < 1:
            raise ValueError(f"cases must be at least 1, not {self.cases}")
        if self.id_prefix is not None and not ID_PREFIX.fullmatch(self.id_prefix):
            raise ValueError(
                f"id prefix must be 1 to {ID_PREFIX_MAX} letters or digits, not {self.id_prefix!r}"
            )
        if not 0 <= self.noise < 1:
            raise ValueError(f"noise must be in [0, 1), not {self.noise}")
        if not 0 <= self.duplicate_rate < 1:
            raise ValueError(f"duplicate_rate must be in [0, 1), not {self.duplicate_rate}")
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        if self.start < EARLIEST_BUSINESS_DATE or self.end > LATEST_BUSINESS_DATE:
            raise ValueError(
                f"issue dates must lie from {EARLIEST_BUSINESS_DATE} to {LATEST_BUSINESS_DATE},"
                f" the contract's range, not {self.start} to {self.end}"
            )
        if not self.sites or len(set(self.sites)) != len(self.sites):
            raise ValueError("sites must name at least one site, each once")

    @property
    def reference_prefix(self) -> str:
        """What every case reference of the log starts with: logs of different seeds (or
        prefixes) share no reference, so they can be replayed together."""
        return self.id_prefix or f"PF{self.seed}"
