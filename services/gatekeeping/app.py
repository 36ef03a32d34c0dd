"""Gatekeeping: the case aggregate, applying the Pathfinder rules to the canonical log.

Topics in:   {prefix}.case-events.v1        accepted events, keyed by case reference
             {prefix}-gatekeeping-ticks     every gatekeeping worker's clock report, into every
                                            partition (reporting reads them too)
Topics out:  {prefix}.case-facts.v1         the whole case state with a growing version
             {prefix}.derived-events.v1     CirOrdered, IdvaReferralMade, FilingAssessed,
                                            CaseConcluded, CirDueSoon, CirOverdue
             {prefix}.dead-letter.v1        an event this worker failed on (processing_error)
Table:       gatekeeping-cases              case reference -> state and applied event ids
Run:         faust -A services.gatekeeping.app worker -l info   (metrics on :9107/metrics)

A redelivered or duplicated event is recognised by its id and changes nothing; an alert carries
the due date it is about, is raised once per due date, and has the same id however often it is
sent. The worker is built by `services.bootstrap.build_gatekeeping` from the environment's settings.
"""

from services.bootstrap import build_gatekeeping

worker = build_gatekeeping()
app = worker.app
