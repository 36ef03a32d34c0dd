"""Reporting: the pilot metrics, kept from the latest facts of every case, served to Prometheus.

Topics in:   {prefix}.case-facts.v1          the whole state of a case with a growing version
             {prefix}-gatekeeping-ticks      gatekeeping's clock: the business date (event clock)
             {prefix}.dead-letter.v1         every dead letter, counted once by source position
Tables:      reporting-facts                 case reference -> the newest facts seen
             reporting-dead-letters          source topic/partition/offset -> reason
Serves:      /metrics (Prometheus text), /healthz, /readyz on :9108 (PATHFINDER_METRICS_PORT)
             /cases (JSON: overdue and due-soon CIRs by case) on 127.0.0.1:9118, an admin port
             of its own (PATHFINDER_ADMIN_HOST, PATHFINDER_REPORTING_ADMIN_PORT; see admin.py)
Run:         faust -A services.reporting.app worker -l info

A fact is kept only if its version is newer than the one held, so a redelivered or duplicated
message changes nothing; the figures of the partitions this worker owns are kept standing per
partition as facts are kept (services/core/standing.py) and moved to the business date when
Prometheus scrapes, so several workers add up to the whole.
The worker is built by `services.bootstrap.build_reporting` from the environment's settings.
"""

from services.bootstrap import build_reporting

worker = build_reporting()
app = worker.app
