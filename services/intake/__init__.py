"""Intake: validates, de-duplicates and holds inbound court events (pathfinder.court-events.v1),
appending accepted ones to the canonical log and refused ones to the dead-letter topic."""
