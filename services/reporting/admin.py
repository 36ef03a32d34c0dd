"""Reporting's admin endpoint: which CIRs are overdue or due soon, case by case, as JSON.

Serves:  GET /cases[?status=overdue|due_soon][&site=SITE], GET /healthz
         on PATHFINDER_ADMIN_HOST (default 127.0.0.1) : PATHFINDER_REPORTING_ADMIN_PORT (9118)

The answer names cases, so it has a port of its own, never the metrics port (which a deployment
opens to Prometheus), bound to loopback unless set otherwise, and requests are not logged. It
holds only the cases of the partitions this worker owns, as of the business date its figures are
as of, so several workers' answers add up to the whole and each site's rows to its metrics. It
starts once the tables are recovered; if its port cannot be had, the worker runs on without it
and says so in its log.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable

import faust
from aiohttp import web

from services.config import Settings
from services.core.case import CaseState
from services.core.deadlines import STATUSES, cir_deadlines
from services.core.rules import Rules
from services.reporting.cases_answer import CasesAnswer, encode_answer

logger = logging.getLogger(__name__)
ADMIN_PORT_VARIABLE = "PATHFINDER_REPORTING_ADMIN_PORT"


def check_admin_port(settings: Settings) -> None:
    """Refuse an admin port that is the worker's metrics port."""
    metrics = settings.service_metrics_port("reporting")
    if settings.reporting_admin_port == metrics:
        raise ValueError(
            f"{ADMIN_PORT_VARIABLE} is {metrics}, the reporting worker's metrics port: the cases"
            " it lists must not be served where Prometheus scrapes; give it a port of its own"
        )


class CasesEndpoint:
    """Answers /cases from the worker's cases (those that may be listed as of a date), business
    date and partitions."""

    def __init__(
        self,
        cases: Callable[[dt.date], Iterable[tuple[str, CaseState]]],
        as_of: Callable[[], dt.date | None],
        owned: Callable[[], set[int]],
        of_partitions: int,
        rules: Rules,
    ) -> None:
        self._cases = cases
        self._as_of = as_of
        self._owned = owned
        self._of_partitions = of_partitions
        self._rules = rules

    def answer(self, status: str | None, site: str | None) -> CasesAnswer:
        """The rows asked for; ValueError for a status or site there is none of."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status: one of {', '.join(STATUSES)}")
        if site is not None and site not in self._rules.sites:
            raise ValueError("site: not in the registry")
        partitions = sorted(self._owned())  # before the cases: they cover at least these
        as_of = self._as_of()
        rows = []
        if as_of is not None:
            cases = self._cases(as_of)
            rows = cir_deadlines(cases, as_of, self._rules.calendar, status, site)
        return CasesAnswer(
            as_of=as_of,
            partitions=partitions,
            of_partitions=self._of_partitions,
            cases=rows,
        )

    async def handle(self, request: web.Request) -> web.Response:
        try:
            answer = self.answer(request.query.get("status"), request.query.get("site"))
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.Response(
            body=encode_answer(answer),
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def add_admin_server(app: faust.App, endpoint: CasesEndpoint, host: str, port: int) -> None:
    """Serve the endpoint on host:port alongside the faust worker, once its tables are ready."""

    class AdminServer(faust.Service):
        runner: web.AppRunner | None = None

        async def on_start(self) -> None:
            application = web.Application()
            application.router.add_get("/cases", endpoint.handle)
            application.router.add_get("/healthz", _healthz)
            runner = web.AppRunner(application, access_log=None)
            await runner.setup()
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as error:
                await runner.cleanup()
                logger.error(
                    "reporting cannot serve /cases on %s:%s (%s): %s; it runs on without it",
                    host, port, ADMIN_PORT_VARIABLE, error.strerror,
                )  # fmt: skip
                return
            self.runner = runner
            logger.info("reporting serves /cases on http://%s:%s", host, port)

        async def on_stop(self) -> None:
            if self.runner is not None:
                await self.runner.cleanup()

    app.service(AdminServer)
