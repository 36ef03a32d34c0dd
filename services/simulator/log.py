"""A synthetic pilot's event log: every case's events in arrival order, plus duplicates and noise.

`simulate` yields the lines; `write_log` writes them to a file, gzipped when the name ends in .gz.
"""

import gzip
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from services.core.sites import SiteRegistry
from services.simulator.arrivals import arrivals
from services.simulator.lines import DUPLICATE, EVENT, Line
from services.simulator.parameters import Parameters, SimulationConfig, default_parameters
from services.simulator.planning import plan_cases
from services.simulator.spoiling import NoiseContext


@dataclass(frozen=True)
class SimulationSummary:
    cases: int
    events: int
    duplicates: int
    noise_lines: int
    lines: int


def simulate(
    config: SimulationConfig, registry: SiteRegistry, parameters: Parameters | None = None
) -> Iterator[bytes]:
    """The log's lines, without trailing newlines, in arrival order."""
    return (line.payload for line in simulate_lines(config, registry, parameters))


def simulate_lines(
    config: SimulationConfig, registry: SiteRegistry, parameters: Parameters | None = None
) -> Iterator[Line]:
    """The log's lines labelled with what they are, in arrival order."""
    p = parameters or default_parameters()
    plans = plan_cases(config, registry, p)  # raises on a bad config before iteration starts
    noise = NoiseContext(registry, len(plans) + 1, config.reference_prefix)
    return arrivals(plans, config, noise, p)


def write_log(
    path: Path,
    config: SimulationConfig,
    registry: SiteRegistry,
    parameters: Parameters | None = None,
) -> SimulationSummary:
    """Write the log to `path` (gzip when it ends in .gz) and count what went into it."""
    kinds: Counter[str] = Counter()
    lines = simulate_lines(config, registry, parameters)
    with _opened(Path(path)) as out:
        for line in lines:
            kinds[line.kind] += 1
            out.write(line.payload + b"\n")
    lines_written = sum(kinds.values())
    return SimulationSummary(
        cases=config.cases,
        events=kinds[EVENT],
        duplicates=kinds[DUPLICATE],
        noise_lines=lines_written - kinds[EVENT] - kinds[DUPLICATE],
        lines=lines_written,
    )


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    with path.open("wb") as raw:
        if path.suffix != ".gz":
            yield raw
            return
        # no file name or time in the gzip header, so the same run gives the same bytes
        with (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped,
            io.BufferedWriter(zipped, buffer_size=1 << 20) as buffered,
        ):
            yield buffered
