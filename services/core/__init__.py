"""The pure domain core: validation, calendar, case fold, rules and metric projections.

Nothing here reads a clock, the environment or a file; time, ids and the calendar are parameters.
"""
