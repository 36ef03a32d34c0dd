"""The places a report describes: each site, each nation (its sites added) and all sites.

An area is named by the `site` and `nation` columns of the report's files: a site by its code
and nation, a nation by `all` and its name, every site together by `all`, `all`.
"""

import datetime as dt
from dataclasses import dataclass

from services.core.metrics import ALL_SITES
from services.core.sites import SiteRegistry

AreaKey = tuple[str, str]  # (site, nation)


@dataclass(frozen=True, slots=True)
class Area:
    site: str
    nation: str
    title: str
    parts: tuple[AreaKey, ...]  # the areas that add up to this one (none for a site)
    go_live: dt.date | None = None  # a site's

    @property
    def key(self) -> AreaKey:
        return (self.site, self.nation)


def areas_of(sites: SiteRegistry) -> list[Area]:
    """Sites in registry order, then each nation, then all."""
    found = [Area(code, site.nation, site.name, (), site.go_live) for code, site in sites.items()]
    nations = sorted({site.nation for site in sites.values()})
    for nation in nations:
        members = tuple((code, nation) for code, site in sites.items() if site.nation == nation)
        found.append(Area(ALL_SITES, nation, nation.title(), members))
    found.append(Area(ALL_SITES, ALL_SITES, "All sites", tuple((ALL_SITES, n) for n in nations)))
    return found
