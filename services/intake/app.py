"""Intake: validates, de-duplicates and holds inbound court events, then passes on what applies.

Topics in:   {prefix}.court-events.v1    CloudEvents JSON from publishers, keyed by case reference
Internal:    {prefix}-intake-by-case     the same bytes re-keyed by the `subject` inside them, so a
                                         case's ledger lives in one partition whatever partitioner
                                         the publisher's client used; also carries clock ticks
Topics out:  {prefix}.case-events.v1     accepted events, original bytes, in the order they apply
             {prefix}.dead-letter.v1     refused messages, byte for byte, with reason headers
             {prefix}.refusals.v1        one per refused message, for its publisher: keyed by
                                         its `source`, why it was refused, no payload
Tables:      intake-ledgers              case reference -> state, accepted ids, held messages
             intake-site-activity        site and partition -> when an event of it was last taken
Run:         faust -A services.intake.app worker -l info      (metrics on :9106/metrics)

The worker is built by `services.bootstrap.build_intake` from the environment's settings.
"""

from services.bootstrap import build_intake

worker = build_intake()
app = worker.app
