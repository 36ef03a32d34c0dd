"""Settings from the environment (prefix PATHFINDER_), validated once at start-up."""

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.holiday_sources import parse_closure_days


class Settings(BaseSettings):
    """Configuration shared by the CLI and the services."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_", extra="ignore")

    sites_file: Path | None = None
    # Comma- or space-separated ISO dates on which the courts are closed, e.g. "2025-12-24".
    court_closures: Annotated[tuple[dt.date, ...], NoDecode] = ()

    @field_validator("court_closures", mode="before")
    @classmethod
    def _closures_from_text(cls, value: object) -> object:
        return parse_closure_days(value) if isinstance(value, str) else value
