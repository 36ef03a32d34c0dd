"""`pathfinder report`: the pilot over time, per site and nation, as files an evaluator opens.

The pure parts (periods, tallies, intervals, suppression, per-case rows) take case states and
give tables; `files` and `page` write them.
"""
