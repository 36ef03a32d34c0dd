"""The site registry: which courts run the Pathfinder, and each nation's default CIR author."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    name: str
    nation: str
    default_cir_author: str
    go_live: dt.date


SiteRegistry = Mapping[str, Site]
