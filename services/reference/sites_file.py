"""Loads and validates a site registry file (the default one ships in `schemas/sites.json`)."""

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.catalogue import SITE_CODE_PATTERN
from services.core.sites import Site, SiteRegistry


class _SiteEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=SITE_CODE_PATTERN)
    name: str = Field(min_length=1)
    nation: Literal["england", "wales"]
    default_cir_author: Literal["cafcass", "cafcass_cymru", "local_authority"]
    go_live: dt.date


class _SitesFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    description: str = ""
    sites: list[_SiteEntry] = Field(min_length=1)


class SiteRegistryError(ValueError):
    """A site registry file that cannot be used, with the reason."""


def default_sites_bytes() -> bytes:
    """The registry shipped with the contract."""
    return resources.files("schemas").joinpath("sites.json").read_bytes()


def parse_sites(raw: bytes, origin: str = "site registry") -> SiteRegistry:
    """Validate registry JSON and return the sites by code."""
    try:
        parsed = _SitesFile.model_validate(orjson.loads(raw))
    except orjson.JSONDecodeError as error:
        raise SiteRegistryError(f"{origin}: not valid JSON ({error})") from error
    except ValidationError as error:
        raise SiteRegistryError(f"{origin}: {error}") from error
    codes = [entry.code for entry in parsed.sites]
    if len(set(codes)) != len(codes):
        raise SiteRegistryError(f"{origin}: a site code appears twice")
    return {entry.code: Site(**entry.model_dump()) for entry in parsed.sites}


def load_sites(path: Path | None = None) -> SiteRegistry:
    """The registry from `path`, or the default registry when no path is given."""
    if path is None:
        return parse_sites(default_sites_bytes(), "schemas/sites.json")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SiteRegistryError(
            f"{path}: cannot read the site registry ({error.strerror})"
        ) from error
    return parse_sites(raw, str(path))
